// Package userdata finds the interface MTU a node's boot configuration sets. No node-pool
// API has an MTU field (Karpenter, eksctl, Cluster API, AL2023 NodeConfig, Bottlerocket),
// so it is set in user data: shell (`ip link set dev ens5 mtu 8500`, `echo 8500 >
// /sys/class/net/ens5/mtu`), systemd-networkd (`MTUBytes=`), netplan (`mtu:`), AL2 ifcfg
// (`MTU=`) or dhclient (`supersede interface-mtu`), inside MIME multipart (base64 parts
// included), cloud-config (runcmd, bootcmd, write_files) or Bottlerocket TOML (whose only
// way to run a command is a bootstrap container) documents.
package userdata

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Setting is one MTU a boot configuration applies.
type Setting struct {
	Interface  string `json:"interface"` // "" when the command does not name one (all / default)
	MTU        int    `json:"mtu"`
	Persistent bool   `json:"persistent"` // survives DHCP renewal and networkd reconfiguration
	Method     string `json:"method"`     // e.g. "ip link set", "systemd-networkd MTUBytes"
	Line       int    `json:"line"`       // 1-based line in the user data as written; 0 inside encoded parts
	// File is the file a persistent setting is written to: which of a network manager's
	// files wins, and whether the manager reads it at all, depends on its name.
	File string `json:"file,omitempty"`
}

// Result is what a piece of user data does to interface MTUs.
type Result struct {
	Settings []Setting `json:"settings"`
	Formats  []string  `json:"formats"` // what was read: shell, mime, cloud-config, nodeconfig, toml
	// Reloads are the network managers the commands tell to re-read their files
	// ("systemd-networkd", "netplan"): a file written after the manager configured the
	// interface takes effect only then.
	Reloads []string `json:"reloads,omitempty"`
}

// Error is user data that cannot be read; Line is 1-based within the user data, 0 when
// the problem is inside an encoded part.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d of the user data: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// maxBytes bounds user data: EC2 allows 16 KiB; leave room for base64 and templating. It
// bounds what a gzip part or file decompresses to as well (a gzip bomb).
const maxBytes = 1 << 20

// VariableInterface is the Interface of a setting whose command names the interface by a
// shell variable or command substitution (`ip link set "$IFACE" mtu 8500`, `$(basename
// $i)`): it may be the primary interface, and its text is no interface name to quote.
const VariableInterface = "$"

// Gunzip decompresses gzip data (user data parts, written files), refusing more than
// 1 MiB of output.
func Gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("invalid gzip: %v", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, maxBytes+1))
	if len(out) > maxBytes {
		return nil, fmt.Errorf("gzip content decompresses to more than %d bytes, more than mtuguard reads (a gzip bomb?)", maxBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("invalid gzip: %v", err)
	}
	return out, nil
}

// gzipTypes are the MIME types cloud-init decompresses (cloudinit/user_data.py
// DECOMP_TYPES); the decompressed part's type is then told by its content.
var gzipTypes = map[string]bool{
	"application/gzip": true, "application/gzip-compressed": true, "application/gzipped": true,
	"application/x-compress": true, "application/x-compressed": true, "application/x-gunzip": true,
	"application/x-gzip": true, "application/x-gzip-compressed": true,
}

// maxDepth bounds MIME parts nested in MIME parts (cloud-init itself allows a few).
const maxDepth = 8

// Parse reads user data in any of the forms above.
func Parse(data string) (Result, error) {
	if len(data) > maxBytes {
		return Result{}, fmt.Errorf("user data is %d bytes, larger than any instance accepts", len(data))
	}
	var r Result
	err := r.parse(data, 1, "", 0)
	return r, err
}

// ParseFile reads the content of a file a boot configuration writes to path (Cluster
// API `files`, cloud-config `write_files`): networkd units, netplan, ifcfg, dhclient.
func ParseFile(path, content string) Result {
	var r Result
	r.scanFile(path, content, 1)
	return r
}

// parse reads data whose first line is line firstLine of the user data as written
// (0: inside an encoded part, where lines cannot be mapped back). contentType is the
// MIME part's type, "" outside MIME.
func (r *Result) parse(data string, firstLine int, contentType string, depth int) error {
	trimmed := strings.TrimSpace(data)
	switch {
	case trimmed == "":
		return nil
	case isMIME(trimmed):
		if depth >= maxDepth {
			return &Error{Line: firstLine, Msg: fmt.Sprintf("MIME parts nested more than %d deep", maxDepth)}
		}
		r.Formats = append(r.Formats, "mime")
		return r.parseMIME(data, firstLine, depth)
	case strings.HasPrefix(trimmed, "#cloud-config") || contentType == "text/cloud-config":
		r.Formats = append(r.Formats, "cloud-config")
		return r.parseCloudConfig(data, firstLine)
	case isBottlerocket(trimmed):
		r.Formats = append(r.Formats, "toml")
		return r.parseBottlerocket(data, firstLine)
	case strings.Contains(trimmed, "node.eks.aws/") && strings.Contains(trimmed, "NodeConfig"):
		r.Formats = append(r.Formats, "nodeconfig") // AL2023 NodeConfig has no MTU field
		return nil
	default:
		r.Formats = append(r.Formats, "shell")
		r.scanShell(data, firstLine)
		return nil
	}
}

func isMIME(s string) bool {
	head := strings.ToLower(strings.ReplaceAll(s, "\r\n", "\n"))
	if i := strings.Index(head, "\n\n"); i > 0 {
		head = head[:i]
	}
	return strings.Contains(head, "content-type: multipart/")
}

// isBottlerocket: Bottlerocket user data is TOML whose tables are under `settings`.
func isBottlerocket(s string) bool {
	return strings.HasPrefix(s, "[settings") || strings.Contains(s, "\n[settings") || strings.HasPrefix(s, "settings.")
}

func (r *Result) parseMIME(data string, firstLine, depth int) error {
	data = strings.ReplaceAll(data, "\r\n", "\n")
	// Leading blank lines are not part of the message; count them for the line numbers.
	for strings.HasPrefix(data, "\n") {
		data = data[1:]
		if firstLine > 0 {
			firstLine++
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		return &Error{Line: firstLine, Msg: fmt.Sprintf("MIME user data: %v", err)}
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return &Error{Line: firstLine, Msg: fmt.Sprintf("MIME user data: no boundary in Content-Type %q", msg.Header.Get("Content-Type"))}
	}
	boundary := params["boundary"]
	parts := partLines(data, boundary)
	mr := multipart.NewReader(msg.Body, boundary)
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		at := 0 // the part's delimiter line, for errors
		bodyLine := 0
		if i < len(parts) && firstLine > 0 {
			at = firstLine + parts[i].delimiter - 1
			bodyLine = firstLine + parts[i].body - 1
		}
		if err != nil {
			return &Error{Line: at, Msg: fmt.Sprintf("MIME user data, part %d: %v", i+1, err)}
		}
		body, err := io.ReadAll(io.LimitReader(part, maxBytes))
		if err != nil {
			return &Error{Line: at, Msg: fmt.Sprintf("MIME user data, part %d: %v", i+1, err)}
		}
		// The multipart reader decodes quoted-printable itself and drops the header, so
		// read the encoding from the part's own header lines.
		header := func(key string) string {
			v := ""
			if i < len(parts) {
				v = parts[i].header.Get(key)
			}
			if v == "" {
				v = part.Header.Get(key)
			}
			return strings.ToLower(v)
		}
		encoding := header("Content-Transfer-Encoding")
		switch encoding {
		case "base64":
			decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(body)), ""))
			if err != nil {
				return &Error{Line: at, Msg: fmt.Sprintf("MIME user data, part %d: invalid base64: %v", i+1, err)}
			}
			body = decoded
			bodyLine = 0 // lines inside an encoded part do not map back to the file
		case "quoted-printable":
			bodyLine = 0
		}
		contentType, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if gzipTypes[contentType] || strings.Contains(header("Content-Encoding"), "gzip") || bytes.HasPrefix(body, gzipMagic) {
			decoded, err := Gunzip(body)
			if err != nil {
				return &Error{Line: at, Msg: fmt.Sprintf("MIME user data, part %d: %v", i+1, err)}
			}
			body = decoded
			bodyLine = 0
			if gzipTypes[contentType] {
				contentType = "" // cloud-init tells the decompressed part's type by its content
			}
		}
		sub := Result{}
		if err := sub.parse(string(body), bodyLine, contentType, depth+1); err != nil {
			if e, ok := err.(*Error); ok {
				if e.Line == 0 {
					e.Line = at
				}
				e.Msg = fmt.Sprintf("MIME user data, part %d: %s", i+1, e.Msg)
				return e
			}
			return fmt.Errorf("MIME user data, part %d: %w", i+1, err)
		}
		r.Settings = append(r.Settings, sub.Settings...)
		r.Formats = append(r.Formats, sub.Formats...)
		r.addReloads(sub.Reloads...)
	}
}

var gzipMagic = []byte{0x1f, 0x8b}

// mimePart locates one part in the message text: lines are 1-based within it.
type mimePart struct {
	delimiter, body int
	header          textproto.MIMEHeader
}

// partLines finds where each part's delimiter and body are, so settings in unencoded parts
// keep their line in the user data (multipart.Reader does not tell).
func partLines(data, boundary string) []mimePart {
	lines := strings.Split(data, "\n")
	var parts []mimePart
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t")
		if l == "--"+boundary+"--" {
			break
		}
		if l != "--"+boundary {
			continue
		}
		p := mimePart{delimiter: i + 1, header: textproto.MIMEHeader{}}
		j := i + 1
		for ; j < len(lines) && strings.TrimSpace(lines[j]) != ""; j++ {
			if k, v, ok := strings.Cut(lines[j], ":"); ok {
				p.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		p.body = j + 2 // the line after the blank one
		parts = append(parts, p)
		i = j
	}
	return parts
}

type cloudConfig struct {
	Runcmd     []any `json:"runcmd"`
	Bootcmd    []any `json:"bootcmd"`
	WriteFiles []struct {
		Path     string `json:"path"`
		Content  string `json:"content"`
		Encoding string `json:"encoding"`
	} `json:"write_files"`
}

func (r *Result) parseCloudConfig(data string, firstLine int) error {
	var cc cloudConfig
	if err := yaml.Unmarshal([]byte(data), &cc); err != nil {
		return &Error{Line: firstLine, Msg: fmt.Sprintf("cloud-config user data is not YAML: %v", err)}
	}
	// Commands and plain files are matched in the raw text, which keeps their lines.
	r.scanShell(data, firstLine)
	for _, f := range cc.WriteFiles {
		// cloud-init's write_files encodings (cloudinit/config/cc_write_files.py); plain
		// content was read with the raw text above, and bare gz/gzip is binary YAML.
		enc := strings.ToLower(strings.TrimSpace(f.Encoding))
		gz := false
		switch enc {
		case "b64", "base64":
		case "gz+b64", "gz+base64", "gzip+b64", "gzip+base64":
			gz = true
		default:
			continue
		}
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(f.Content), ""))
		if err != nil {
			return &Error{Line: firstLine, Msg: fmt.Sprintf("cloud-config write_files %s: invalid base64: %v", f.Path, err)}
		}
		if gz {
			if b, err = Gunzip(b); err != nil {
				return &Error{Line: firstLine, Msg: fmt.Sprintf("cloud-config write_files %s (encoding %s): %v", f.Path, f.Encoding, err)}
			}
		}
		sub := ParseFile(f.Path, string(b))
		// A script it writes (rc.local, a systemd unit) may run commands.
		var sh Result
		sh.scanShell(string(b), 0)
		sub.Settings = append(sub.Settings, sh.Settings...)
		r.addReloads(sh.Reloads...)
		for _, s := range sub.Settings {
			s.Line = 0
			r.Settings = append(r.Settings, s)
		}
	}
	return nil
}

var (
	tomlTable  = regexp.MustCompile(`^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$`)
	tomlKV     = regexp.MustCompile(`^\s*([A-Za-z0-9_."'-]+(?:\s*\.\s*[A-Za-z0-9_."'-]+)*)\s*=\s*(.*)$`)
	tomlString = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"|^'([^']*)'`)
)

// parseBottlerocket reads Bottlerocket's TOML settings. Bottlerocket has no interface MTU
// setting; the only way its user data can change one is a bootstrap container, whose
// `user-data` (base64) the container runs: it is read as a script.
func (r *Result) parseBottlerocket(data string, firstLine int) error {
	table := ""
	open := "" // the closing token of a multi-line array or string being skipped
	for i, line := range strings.Split(data, "\n") {
		n := 0
		if firstLine > 0 {
			n = firstLine + i
		}
		if open != "" {
			if strings.Contains(line, open) {
				open = ""
			}
			continue
		}
		code := strings.TrimSpace(line)
		if code == "" || strings.HasPrefix(code, "#") {
			continue
		}
		if m := tomlTable.FindStringSubmatch(line); m != nil {
			table = unquoteKey(m[1])
			continue
		}
		m := tomlKV.FindStringSubmatch(line)
		if m == nil {
			return &Error{Line: n, Msg: fmt.Sprintf("Bottlerocket user data is not TOML: %q", code)}
		}
		key := unquoteKey(m[1])
		if table != "" {
			key = table + "." + key
		}
		value := strings.TrimSpace(m[2])
		switch {
		case strings.HasPrefix(value, `"""`) && strings.Count(value, `"""`) == 1:
			open = `"""`
		case strings.HasPrefix(value, `'''`) && strings.Count(value, `'''`) == 1:
			open = `'''`
		case strings.HasPrefix(value, "[") && strings.Count(value, "[") > strings.Count(value, "]"):
			open = "]"
		}
		if !strings.HasPrefix(key, "settings.bootstrap-containers.") || !strings.HasSuffix(key, ".user-data") {
			continue
		}
		s := tomlString.FindStringSubmatch(value)
		if s == nil {
			return &Error{Line: n, Msg: fmt.Sprintf("%s: want a base64 string", key)}
		}
		script, err := base64.StdEncoding.DecodeString(s[1] + s[2])
		if err != nil {
			return &Error{Line: n, Msg: fmt.Sprintf("%s: invalid base64: %v", key, err)}
		}
		sub := Result{}
		sub.scanShell(string(script), 1)
		for _, set := range sub.Settings {
			set.Line = n // the bootstrap container's user-data line
			set.Method = "bootstrap container: " + set.Method
			r.Settings = append(r.Settings, set)
		}
	}
	return nil
}

// BootstrapContainerScript decodes a Bottlerocket bootstrap container's user-data
// (eksctl's bottlerocket.settings carries the same setting as a map).
func BootstrapContainerScript(userData string) (Result, error) {
	script, err := base64.StdEncoding.DecodeString(strings.TrimSpace(userData))
	if err != nil {
		return Result{}, fmt.Errorf("invalid base64: %v", err)
	}
	var r Result
	r.scanShell(string(script), 1)
	for i := range r.Settings {
		r.Settings[i].Line = 0
		r.Settings[i].Method = "bootstrap container: " + r.Settings[i].Method
	}
	return r, nil
}

func unquoteKey(k string) string {
	var parts []string
	for _, p := range strings.Split(k, ".") {
		parts = append(parts, strings.Trim(strings.TrimSpace(p), `"'`))
	}
	return strings.Join(parts, ".")
}

// ifaceArg is an interface argument: a word, a quoted string or a command substitution.
const ifaceArg = `("[^"]*"|'[^']*'|\$\([^)]*\)|` + "`[^`]*`" + `|\S+)`

var (
	ipLink      = regexp.MustCompile(`\bip\s+(?:-\S+\s+)*l(?:ink|i|n)?\s+set\s+(?:dev\s+)?` + ifaceArg + `\s+(?:.*\s)?mtu\s+(\d+)`)
	ipLinkOrder = regexp.MustCompile(`\bip\s+(?:-\S+\s+)*l(?:ink|i|n)?\s+set\s+mtu\s+(\d+)\s+(?:dev\s+)?` + ifaceArg)
	// echo 8500 > /sys/class/net/ens5/mtu, printf 8500 >…, echo 8500 | tee …; the
	// interface may be a variable, or the path a variable's ("$i/mtu" in a loop).
	sysfs      = regexp.MustCompile(`\b(?:echo|printf)(?:\s+-\S+)*\s+["']?(\d+)(?:\\n)?["']?\s*(?:>{1,2}|\|\s*(?:sudo\s+)?tee(?:\s+-a)?)\s*["']?(?:/sys/class/net/(\$\([^)]*\)|[^/\s"']+)|(\$\{?\w+\}?))/mtu\b`)
	ifconfig   = regexp.MustCompile(`\bifconfig\s+` + ifaceArg + `\s+(?:.*\s)?mtu\s+(\d+)`)
	mtuBytes   = regexp.MustCompile(`^\s*MTUBytes\s*=(.*)$`) // a size: parseMTUBytes
	ifcfgMTU   = regexp.MustCompile(`^\s*MTU\s*=\s*["']?(\d+)`)
	dhclient   = regexp.MustCompile(`supersede\s+interface-mtu\s+(\d+)`)
	netplanMTU = regexp.MustCompile(`^\s*mtu:\s*(\d+)`)
	netplanIf  = regexp.MustCompile(`^\s+([A-Za-z0-9_.:-]+):\s*$`)
	// Where a heredoc or write_files entry puts the lines that follow.
	fileTarget    = regexp.MustCompile(`(?:cat|tee|echo|printf)\b[^>]*>{1,2}\s*["']?(/etc/[^\s"';]+)["']?|\btee\s+(?:-a\s+)?["']?(/etc/[^\s"';]+)["']?|^\s*-?\s*path:\s*["']?(/etc/[^\s"']+)["']?\s*$|^\s*-?\s*name:\s*["']?([\w.@-]+\.(?:network|link))["']?\s*$`)
	interfaceName = regexp.MustCompile(`^\s*(?:Name|OriginalName)\s*=\s*(\S+)|ifcfg-(\S+)`)
	// commandSeparator splits a line into the commands it runs, so that one command's
	// interface is never read with another's MTU.
	commandSeparator = regexp.MustCompile(`;|&&|\|\|`)
)

// ifaceName is the interface a setting names: VariableInterface when a shell variable or
// command substitution gives it, which is no name to quote.
func ifaceName(raw string) string {
	name := strings.Trim(raw, `"'`)
	if strings.ContainsAny(name, "$`") {
		return VariableInterface
	}
	return name
}

// netplanSections are netplan keys that hold other keys, never an interface name.
var netplanSections = map[string]bool{"network": true, "ethernets": true, "bonds": true, "bridges": true, "vlans": true, "match": true, "dhcp4-overrides": true, "dhcp6-overrides": true, "routes": true, "nameservers": true, "content": true, "write_files": true}

// scanShell finds MTU commands and file contents line by line, tracking the file that
// a heredoc or write_files entry is writing so MTUBytes/MTU=/mtu: are attributed right.
// A line ending in a backslash continues on the next one; a line's commands (`;`, `&&`,
// `||`) are read one by one.
func (r *Result) scanShell(data string, firstLine int) {
	lines := strings.Split(data, "\n")
	file, iface, heredocEnd := "", "", ""
	for i := 0; i < len(lines); i++ {
		n := 0
		if firstLine > 0 {
			n = firstLine + i
		}
		line := strings.TrimSuffix(lines[i], "\r")
		if heredocEnd != "" && strings.TrimSpace(line) == heredocEnd {
			file, iface, heredocEnd = "", "", ""
			continue
		}
		for continued(line) && i+1 < len(lines) && (heredocEnd == "" || strings.TrimSpace(lines[i+1]) != heredocEnd) {
			i++
			line = line[:len(line)-1] + strings.TrimSuffix(lines[i], "\r")
		}
		if file != "" && heredocEnd == "" && topLevelKey.MatchString(line) {
			file, iface = "", "" // a cloud-config key after write_files content
		}
		if heredocEnd == "" {
			if segments := splitCommands(line); anyTarget(segments) {
				for _, seg := range segments {
					m := fileTarget.FindStringSubmatch(seg)
					if m == nil {
						r.addCommands(seg, n)
						continue
					}
					if f, fi, end, follows := r.fileTargetCommand(seg, m, n); follows {
						file, iface, heredocEnd = f, fi, end
					}
				}
				continue
			}
		}
		if m := interfaceName.FindStringSubmatch(line); m != nil && m[1] != "" {
			iface = ifaceName(m[1])
		}
		if strings.Contains(file, "/netplan/") {
			if m := netplanIf.FindStringSubmatch(line); m != nil && !netplanSections[m[1]] {
				iface = m[1]
			}
		}
		if r.addCommands(line, n) {
			continue
		}
		if s, ok := fileSetting(file, line, iface); ok {
			s.Line = n
			r.Settings = append(r.Settings, s)
		}
	}
}

// fileTargetCommand reads one command that writes a file (m: its fileTarget match): a
// heredoc or write_files entry, whose content follows (follows; the file, its interface
// and the heredoc's terminator are returned), or a one-liner that carries the content.
func (r *Result) fileTargetCommand(cmd string, m []string, n int) (file, iface, heredocEnd string, follows bool) {
	target := firstNonEmpty(m[1], m[2], m[3])
	if m[4] != "" {
		// A Container Linux Config / Butane networkd unit, by name.
		target = "/etc/systemd/network/" + m[4]
	}
	targetIface := ""
	if im := interfaceName.FindStringSubmatch(target); im != nil && im[2] != "" {
		targetIface = ifaceName(im[2])
	}
	if h := heredoc.FindStringSubmatch(cmd); h != nil {
		return target, targetIface, h[1], true
	}
	if m[3] != "" || m[4] != "" { // write_files `path:`, a unit's `name:`: the content follows
		return target, targetIface, "", true
	}
	// A one-liner carries the content on its own line:
	// printf '[Link]\nMTUBytes=8500\n' | tee /etc/systemd/network/….conf
	for _, piece := range inlineContent(cmd) {
		if s, ok := fileSetting(target, piece, targetIface); ok {
			s.Line = n
			r.Settings = append(r.Settings, s)
			continue
		}
		// A command written into a boot script (rc.local, a dispatcher hook).
		r.addCommands(piece, n)
	}
	return "", "", "", false
}

// addCommands adds the settings of the commands in text, at line n, and the network
// managers they reload; it says whether there were settings.
func (r *Result) addCommands(text string, n int) bool {
	found := false
	for _, cmd := range commandSeparator.Split(stripComment(text), -1) {
		for _, rl := range reloaders {
			if rl.command.MatchString(cmd) {
				r.addReloads(rl.managers...)
			}
		}
		if s, ok := commandSetting(cmd); ok {
			s.Line = n
			r.Settings = append(r.Settings, s)
			found = true
		}
	}
	return found
}

// reloaders are commands that make a network manager re-read its files and reconfigure
// the interfaces whose files changed (networkctl(1) reload, reconfigure; netplan apply
// renders its YAML to networkd units and reloads networkd). Words may be separated as in
// a cloud-config list, `[networkctl, reload]`.
var reloaders = []struct {
	command  *regexp.Regexp
	managers []string
}{
	{regexp.MustCompile(`\bnetworkctl\b[\s"',]+(?:--?\S+[\s"',]+)*(?:reload|reconfigure)\b`), []string{"systemd-networkd"}},
	{regexp.MustCompile(`\bsystemctl\b[\s"',]+(?:--?\S+[\s"',]+)*(?:restart|try-restart|reload-or-restart)[\s"',]+(?:\S+[\s"',]+)*systemd-networkd(?:\.service)?\b`), []string{"systemd-networkd"}},
	{regexp.MustCompile(`\bnetplan\b[\s"',]+apply\b`), []string{"netplan", "systemd-networkd"}},
}

func (r *Result) addReloads(managers ...string) {
	for _, m := range managers {
		if !slices.Contains(r.Reloads, m) {
			r.Reloads = append(r.Reloads, m)
		}
	}
}

func anyTarget(segments []string) bool {
	for _, s := range segments {
		if fileTarget.MatchString(s) {
			return true
		}
	}
	return false
}

// continued: the line ends in an unescaped backslash, outside a comment.
func continued(line string) bool {
	code := stripComment(line)
	if code != line {
		return false
	}
	k := 0
	for k < len(line) && line[len(line)-1-k] == '\\' {
		k++
	}
	return k%2 == 1
}

// splitCommands splits a shell line at `;`, `&&` and `||` outside quotes, so a command
// that writes a file is told apart from the commands around it (a `;` inside
// `echo 'supersede interface-mtu 8500;'` is content).
func splitCommands(line string) []string {
	var out []string
	start := 0
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\\':
			i++
		case c == '\'' || c == '"':
			quote = c
		case c == ';', (c == '&' || c == '|') && i+1 < len(line) && line[i+1] == c:
			out = append(out, line[start:i])
			if c != ';' {
				i++
			}
			start = i + 1
		}
	}
	return append(out, line[start:])
}

var (
	heredoc     = regexp.MustCompile(`<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?`)
	topLevelKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*:`)
	echoPrefix  = regexp.MustCompile(`^\s*(?:sudo\s+)?(?:echo|printf)(?:\s+-[a-zA-Z]+)*\s+`)
)

// inlineContent is what an `echo …`/`printf …` one-liner writes, line by line.
func inlineContent(line string) []string {
	text := line
	if i := strings.IndexAny(text, ">|"); i >= 0 {
		text = text[:i]
	}
	text = echoPrefix.ReplaceAllString(text, "")
	var out []string
	for _, piece := range strings.Split(text, `\n`) {
		out = append(out, strings.Trim(piece, `'" `))
	}
	return out
}

// scanFile reads one written file's content.
func (r *Result) scanFile(path, content string, firstLine int) {
	iface := ""
	if im := interfaceName.FindStringSubmatch(path); im != nil && im[2] != "" {
		iface = ifaceName(im[2])
	}
	for i, line := range strings.Split(content, "\n") {
		if m := interfaceName.FindStringSubmatch(line); m != nil && m[1] != "" {
			iface = ifaceName(m[1])
		}
		if strings.Contains(path, "/netplan/") {
			if m := netplanIf.FindStringSubmatch(line); m != nil && !netplanSections[m[1]] {
				iface = m[1]
			}
		}
		if s, ok := fileSetting(path, line, iface); ok {
			s.Line = firstLine + i
			r.Settings = append(r.Settings, s)
		}
	}
}

// commandSetting recognises one command that sets an MTU until the next reconfiguration.
func commandSetting(cmd string) (Setting, bool) {
	code := stripComment(cmd)
	if m := ipLink.FindStringSubmatch(code); m != nil {
		return Setting{Interface: ifaceName(m[1]), MTU: atoi(m[2]), Method: "ip link set"}, true
	}
	if m := ipLinkOrder.FindStringSubmatch(code); m != nil {
		return Setting{Interface: ifaceName(m[2]), MTU: atoi(m[1]), Method: "ip link set"}, true
	}
	if m := sysfs.FindStringSubmatch(code); m != nil {
		return Setting{Interface: ifaceName(m[2] + m[3]), MTU: atoi(m[1]), Method: "/sys/class/net/*/mtu"}, true
	}
	if m := ifconfig.FindStringSubmatch(code); m != nil {
		return Setting{Interface: ifaceName(m[1]), MTU: atoi(m[2]), Method: "ifconfig"}, true
	}
	if m := dhclient.FindStringSubmatch(code); m != nil {
		return Setting{MTU: atoi(m[1]), Persistent: true, Method: "dhclient supersede interface-mtu"}, true
	}
	return Setting{}, false
}

// configFiles are the persistent network configurations user data may write: where such a
// file lives (a part of its path), the line that sets the MTU in it, and what to call it.
var configFiles = []struct {
	path   string
	mtu    *regexp.Regexp
	value  func(string) (int, bool) // reads the regexp's match as its reader does
	method string
}{
	// udev applies a .link file when the device appears, before networkd configures it.
	{".link", mtuBytes, parseMTUBytes, LinkFileMethod},
	{"/systemd/network/", mtuBytes, parseMTUBytes, "systemd-networkd MTUBytes"},
	{"/netplan/", netplanMTU, decimal, "netplan mtu"},
	{"ifcfg-", ifcfgMTU, decimal, "ifcfg MTU"},
	{"dhclient", dhclient, decimal, "dhclient supersede interface-mtu"},
}

// LinkFileMethod is the Method of MTUBytes= in a systemd .link file, which udev applies
// when the device appears (systemd.link(5)), not networkd.
const LinkFileMethod = "systemd .link MTUBytes"

func isLinkFile(path string) bool {
	return strings.HasSuffix(path, ".link") && strings.Contains(path, "/systemd/network/")
}

// fileSetting recognises persistent network configuration written to path: the first kind
// of file path names decides how its line is read.
func fileSetting(path, line, iface string) (Setting, bool) {
	if path == "" {
		return Setting{}, false
	}
	for _, f := range configFiles {
		if !strings.Contains(path, f.path) || f.path == ".link" && !isLinkFile(path) {
			continue
		}
		if m := f.mtu.FindStringSubmatch(line); m != nil {
			if mtu, ok := f.value(m[1]); ok {
				return Setting{Interface: iface, MTU: mtu, Persistent: true, Method: f.method, File: path}, true
			}
		}
		return Setting{}, false
	}
	return Setting{}, false
}

func stripComment(line string) string {
	if i := strings.Index(line, "#"); i >= 0 && !strings.Contains(line[:i], "'") && !strings.Contains(line[:i], `"`) {
		return line[:i]
	}
	return line
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// decimal reads a value its reader takes as a plain decimal number.
func decimal(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
