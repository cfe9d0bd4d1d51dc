// Package userdata finds the interface MTU a node's boot configuration sets. No node-pool
// API has an MTU field (Karpenter, eksctl, Cluster API, AL2023 NodeConfig, Bottlerocket),
// so it is set in user data: shell (`ip link set dev ens5 mtu 8500`, `echo 8500 >
// /sys/class/net/ens5/mtu`), systemd-networkd (`MTUBytes=`), netplan (`mtu:`), AL2 ifcfg
// (`MTU=`) or dhclient (`supersede interface-mtu`), inside MIME multipart (base64 parts
// included) or cloud-config (runcmd, write_files) documents.
package userdata

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
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
}

// Result is what a piece of user data does to interface MTUs.
type Result struct {
	Settings []Setting `json:"settings"`
	Formats  []string  `json:"formats"` // what was read: shell, mime, cloud-config, nodeconfig, toml
}

// maxBytes bounds user data: EC2 allows 16 KiB; leave room for base64 and templating.
const maxBytes = 1 << 20

// Parse reads user data in any of the forms above.
func Parse(data string) (Result, error) {
	if len(data) > maxBytes {
		return Result{}, fmt.Errorf("user data is %d bytes, larger than any instance accepts", len(data))
	}
	var r Result
	err := r.parse(data, 1)
	return r, err
}

func (r *Result) parse(data string, firstLine int) error {
	trimmed := strings.TrimSpace(data)
	switch {
	case trimmed == "":
		return nil
	case isMIME(trimmed):
		r.Formats = append(r.Formats, "mime")
		return r.parseMIME(data)
	case strings.HasPrefix(trimmed, "#cloud-config"):
		r.Formats = append(r.Formats, "cloud-config")
		return r.parseCloudConfig(data, firstLine)
	case strings.HasPrefix(trimmed, "[settings") || strings.Contains(trimmed, "\n[settings"):
		r.Formats = append(r.Formats, "toml") // Bottlerocket: no setting for interface MTU exists
		return nil
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
	head := strings.ToLower(s)
	if i := strings.Index(head, "\n\n"); i > 0 {
		head = head[:i]
	}
	return strings.Contains(head, "content-type: multipart/")
}

func (r *Result) parseMIME(data string) error {
	msg, err := mail.ReadMessage(strings.NewReader(strings.ReplaceAll(data, "\r\n", "\n")))
	if err != nil {
		return fmt.Errorf("MIME user data: %v", err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return fmt.Errorf("MIME user data: no boundary in Content-Type %q", msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("MIME user data, part %d: %v", i+1, err)
		}
		body, err := io.ReadAll(io.LimitReader(part, maxBytes))
		if err != nil {
			return fmt.Errorf("MIME user data, part %d: %v", i+1, err)
		}
		if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
			decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(body)), ""))
			if err != nil {
				return fmt.Errorf("MIME user data, part %d: invalid base64: %v", i+1, err)
			}
			body = decoded
		}
		// Lines inside parts do not map back to the file reliably: report them at the
		// user data itself (line 0).
		sub := Result{}
		if err := sub.parse(string(body), 1); err != nil {
			return fmt.Errorf("MIME user data, part %d: %w", i+1, err)
		}
		for _, s := range sub.Settings {
			s.Line = 0
			r.Settings = append(r.Settings, s)
		}
		r.Formats = append(r.Formats, sub.Formats...)
	}
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
		return fmt.Errorf("cloud-config user data: %v", err)
	}
	// Commands and files are matched in the raw text, which keeps their lines.
	r.scanShell(data, firstLine)
	for _, f := range cc.WriteFiles {
		content := f.Content
		if strings.Contains(f.Encoding, "b64") || strings.Contains(f.Encoding, "base64") {
			if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(content)); err == nil {
				content = string(b)
				sub := Result{}
				sub.scanFile(f.Path, content, 1)
				for _, s := range sub.Settings {
					s.Line = 0
					r.Settings = append(r.Settings, s)
				}
			}
		}
	}
	return nil
}

var (
	ipLink      = regexp.MustCompile(`\bip\s+(?:-\S+\s+)*l(?:ink|i|n)?\s+set\s+(?:dev\s+)?(\S+)\s+(?:.*\s)?mtu\s+(\d+)`)
	ipLinkOrder = regexp.MustCompile(`\bip\s+(?:-\S+\s+)*l(?:ink|i|n)?\s+set\s+mtu\s+(\d+)\s+(?:dev\s+)?(\S+)`)
	sysfs       = regexp.MustCompile(`echo\s+["']?(\d+)["']?\s*>{1,2}\s*/sys/class/net/([^/\s]+)/mtu`)
	ifconfig    = regexp.MustCompile(`\bifconfig\s+(\S+)\s+(?:.*\s)?mtu\s+(\d+)`)
	mtuBytes    = regexp.MustCompile(`^\s*MTUBytes\s*=\s*(\d+)`)
	ifcfgMTU    = regexp.MustCompile(`^\s*MTU\s*=\s*["']?(\d+)`)
	dhclient    = regexp.MustCompile(`supersede\s+interface-mtu\s+(\d+)`)
	netplanMTU  = regexp.MustCompile(`^\s*mtu:\s*(\d+)`)
	// Where a heredoc or write_files entry puts the lines that follow.
	fileTarget    = regexp.MustCompile(`(?:cat|tee)\b[^>]*>{1,2}\s*["']?(/etc/\S+?)["']?(?:\s|$)|\btee\s+(?:-a\s+)?["']?(/etc/\S+?)["']?(?:\s|$)|^\s*-?\s*path:\s*["']?(/etc/\S+?)["']?\s*$`)
	interfaceName = regexp.MustCompile(`^\s*(?:Name|OriginalName)\s*=\s*(\S+)|ifcfg-(\S+)`)
)

// scanShell finds MTU commands and file contents line by line, tracking the file that
// a heredoc or write_files entry is writing so MTUBytes/MTU=/mtu: are attributed right.
func (r *Result) scanShell(data string, firstLine int) {
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 0, 1024), maxBytes) // grows as needed: most scripts are short
	file, iface := "", ""
	for n := firstLine; sc.Scan(); n++ {
		line := sc.Text()
		if m := fileTarget.FindStringSubmatch(line); m != nil {
			file = firstNonEmpty(m[1], m[2], m[3])
			iface = ""
			if im := interfaceName.FindStringSubmatch(file); im != nil && im[2] != "" {
				iface = im[2]
			}
			// One-liners carry the content on the same line:
			// printf '[Link]\nMTUBytes=8500\n' | tee /etc/systemd/network/….conf
			for _, piece := range strings.Split(line, `\n`) {
				if s, ok := fileSetting(file, strings.Trim(piece, `'" `), iface); ok {
					s.Line = n
					r.Settings = append(r.Settings, s)
				}
			}
			continue
		}
		if m := interfaceName.FindStringSubmatch(line); m != nil && m[1] != "" {
			iface = m[1]
		}
		if s, ok := commandSetting(line); ok {
			s.Line = n
			r.Settings = append(r.Settings, s)
			continue
		}
		if s, ok := fileSetting(file, line, iface); ok {
			s.Line = n
			r.Settings = append(r.Settings, s)
		}
	}
}

// scanFile reads one written file's content.
func (r *Result) scanFile(path, content string, firstLine int) {
	iface := ""
	if im := interfaceName.FindStringSubmatch(path); im != nil && im[2] != "" {
		iface = im[2]
	}
	for i, line := range strings.Split(content, "\n") {
		if m := interfaceName.FindStringSubmatch(line); m != nil && m[1] != "" {
			iface = m[1]
		}
		if s, ok := fileSetting(path, line, iface); ok {
			s.Line = firstLine + i
			r.Settings = append(r.Settings, s)
		}
	}
}

// commandSetting recognises commands that set an MTU until the next reconfiguration.
func commandSetting(line string) (Setting, bool) {
	code := stripComment(line)
	if m := ipLink.FindStringSubmatch(code); m != nil {
		return Setting{Interface: m[1], MTU: atoi(m[2]), Method: "ip link set"}, true
	}
	if m := ipLinkOrder.FindStringSubmatch(code); m != nil {
		return Setting{Interface: m[2], MTU: atoi(m[1]), Method: "ip link set"}, true
	}
	if m := sysfs.FindStringSubmatch(code); m != nil {
		return Setting{Interface: m[2], MTU: atoi(m[1]), Method: "/sys/class/net/*/mtu"}, true
	}
	if m := ifconfig.FindStringSubmatch(code); m != nil {
		return Setting{Interface: m[1], MTU: atoi(m[2]), Method: "ifconfig"}, true
	}
	if m := dhclient.FindStringSubmatch(code); m != nil {
		return Setting{MTU: atoi(m[1]), Persistent: true, Method: "dhclient supersede interface-mtu"}, true
	}
	return Setting{}, false
}

// fileSetting recognises persistent network configuration written to path.
func fileSetting(path, line, iface string) (Setting, bool) {
	switch {
	case path == "":
		return Setting{}, false
	case strings.Contains(path, "/systemd/network/"):
		if m := mtuBytes.FindStringSubmatch(line); m != nil {
			return Setting{Interface: iface, MTU: atoi(m[1]), Persistent: true, Method: "systemd-networkd MTUBytes"}, true
		}
	case strings.Contains(path, "/netplan/"):
		if m := netplanMTU.FindStringSubmatch(line); m != nil {
			return Setting{Interface: iface, MTU: atoi(m[1]), Persistent: true, Method: "netplan mtu"}, true
		}
	case strings.Contains(path, "ifcfg-"):
		if m := ifcfgMTU.FindStringSubmatch(line); m != nil {
			return Setting{Interface: iface, MTU: atoi(m[1]), Persistent: true, Method: "ifcfg MTU"}, true
		}
	case strings.Contains(path, "dhclient"):
		if m := dhclient.FindStringSubmatch(line); m != nil {
			return Setting{Interface: iface, MTU: atoi(m[1]), Persistent: true, Method: "dhclient supersede interface-mtu"}, true
		}
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

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
