package policies

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/policies/userdata"
)

// KindNodePool is the normalised kind of objects that define node pools' boot
// configuration: Karpenter EC2NodeClass and NodePool, eksctl ClusterConfig, Cluster API
// bootstrap configs and templates. One object may define several pools (eksctl node groups).
const KindNodePool = "NodePool"

// NodePool is what one pool's boot configuration does to its nodes' interface MTU.
type NodePool struct {
	Name     string        `json:"name"`
	Path     []any         `json:"path"`   // the pool within its object
	Family   string        `json:"family"` // al2023, al2, bottlerocket, ubuntu, windows, or "" when unknown
	Settings []PoolSetting `json:"settings"`
	// Labels are node labels the pool's nodes carry, for CiliumNodeConfig selectors.
	Labels map[string]string `json:"labels,omitempty"`
	// NodeClass, on a Karpenter NodePool, names the EC2NodeClass whose boot configuration
	// its nodes get; such a pool has no settings of its own.
	NodeClass string `json:"nodeclass,omitempty"`
	// Reloads are the network managers the pool's boot commands tell to re-read their
	// files (userdata.Result.Reloads).
	Reloads []string `json:"reloads,omitempty"`
	// Unknown says why the pool's boot configuration is out of the linter's sight (an
	// eksctl launch template), when it is.
	Unknown string `json:"unknown,omitempty"`
}

// PoolSetting is one MTU a pool applies, with where it is written.
type PoolSetting struct {
	userdata.Setting
	At []any `json:"at"` // path of the field within the pool; a final "#L<n>" is the line inside a block string
	// Early: the file is in place before the network manager first configures the
	// interface (written by Ignition in the initramfs), so it applies at boot without a
	// reload. cloud-init writes files and runs commands after the network is up.
	Early bool `json:"early,omitempty"`
	// Ignored says why the setting never reaches the nodes although the pool's OS would
	// read it, when the way the pool hands it over loses it (Karpenter's wrapping).
	Ignored string `json:"ignored,omitempty"`
}

// FieldError is a field of an object that cannot be read, with the field's path so the
// linter can point at its line (and, with a final "#L<n>", the line inside a block string).
type FieldError struct {
	Path []any
	Msg  string
}

func (e *FieldError) Error() string { return pathString(trimLine(e.Path)) + ": " + e.Msg }

func trimLine(p []any) []any {
	if n := len(p); n > 0 {
		if s, ok := p[n-1].(string); ok && strings.HasPrefix(s, "#L") {
			return p[:n-1]
		}
	}
	return p
}

// Labels Karpenter and eksctl put on every node of a pool.
const (
	labelKarpenterNodePool  = "karpenter.sh/nodepool"
	labelKarpenterNodeClass = "karpenter.k8s.aws/ec2nodeclass"
	labelEksctlNodeGroup    = "alpha.eksctl.io/nodegroup-name"
	labelEKSNodeGroup       = "eks.amazonaws.com/nodegroup"
)

func classifyNodePools(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	group, version, _ := strings.Cut(apiVersion, "/")
	var pools []NodePool
	var err error
	switch {
	case group == "karpenter.k8s.aws" && kind == "EC2NodeClass":
		pools, err = karpenterNodeClass(obj, version)
	case group == "karpenter.sh" && kind == "NodePool":
		pools, err = karpenterNodePool(obj)
	case group == "eksctl.io" && kind == "ClusterConfig":
		pools, err = eksctlPools(obj)
	case group == "bootstrap.cluster.x-k8s.io" && (strings.HasSuffix(kind, "ConfigTemplate") || strings.HasSuffix(kind, "Config")):
		base := []any{"spec"}
		if strings.HasSuffix(kind, "Template") {
			base = []any{"spec", "template", "spec"}
		}
		pools, err = capiPools(obj, kind, base)
	case group == "controlplane.cluster.x-k8s.io" && (kind == "KubeadmControlPlane" || kind == "KubeadmControlPlaneTemplate"):
		// Control-plane machines run Cilium too, and send tunnel packets like workers.
		base := []any{"spec", "kubeadmConfigSpec"}
		if kind == "KubeadmControlPlaneTemplate" {
			base = []any{"spec", "template", "spec", "kubeadmConfigSpec"}
		}
		pools, err = capiPools(obj, kind, base)
	default:
		return Classified{}, false, nil
	}
	if err != nil {
		return Classified{}, true, err
	}
	return Classified{Kind: KindNodePool, Pools: pools}, true, nil
}

// karpenterNodeClass reads an EC2NodeClass: v1 names the AMI family in
// amiSelectorTerms[].alias ("al2023@latest") or amiFamily; v1beta1 in amiFamily (default AL2).
func karpenterNodeClass(obj map[string]any, version string) ([]NodePool, error) {
	_, name, _ := Meta(obj)
	family, _ := dig(obj, "spec", "amiFamily").(string)
	for _, t := range sliceOf(dig(obj, "spec", "amiSelectorTerms")) {
		if alias, ok := dig(t, "alias").(string); ok {
			family, _, _ = strings.Cut(alias, "@")
		}
	}
	if family == "" && version == "v1beta1" {
		family = "AL2"
	}
	p := NodePool{Name: name, Path: []any{}, Family: normaliseFamily(family), Labels: map[string]string{labelKarpenterNodeClass: name}}
	if data, ok := dig(obj, "spec", "userData").(string); ok {
		if err := p.addUserData(data, []any{"spec", "userData"}); err != nil {
			return nil, err
		}
		if lost := karpenterWrapLoses(p.Family, data); lost != "" {
			for k := range p.Settings {
				p.Settings[k].Ignored = fmt.Sprintf("%s MTU %d has no effect: %s", p.Settings[k].Method, p.Settings[k].MTU, lost)
			}
			p.Reloads = nil
		}
	}
	return []NodePool{p}, nil
}

// karpenterWrapLoses says why the way Karpenter hands an EC2NodeClass's userData to the
// node keeps cloud-init from running what mtuguard reads in it, or "". Karpenter passes
// MIME user data (starting with "MIME-Version:" or "Content-Type:") on part by part and
// wraps anything else in a part of its own (karpenter-provider-aws
// pkg/providers/amifamily/bootstrap): for AL2023 (nodeadm.go parseUserData) YAML becomes
// an application/node.eks.aws part, read by nodeadm only, and the rest a shell script; for
// AL2 (eksbootstrap.go mimeify) everything becomes a shell script, so a cloud-config is
// run as a script, not read as cloud-config.
func karpenterWrapLoses(family, data string) string {
	head := strings.TrimSpace(data)
	if strings.HasPrefix(head, "MIME-Version:") || strings.HasPrefix(head, "Content-Type:") {
		return ""
	}
	switch family {
	case "al2023":
		if yaml.Unmarshal([]byte(data), &map[string]any{}) != nil {
			return "" // a shell script part
		}
		lost := "Karpenter hands AL2023 user data that is YAML but not MIME to nodeadm as a NodeConfig part, which cloud-init does not run"
		if !strings.Contains(data, "node.eks.aws/") {
			lost += ", and nodeadm refuses it (it is no NodeConfig), so the nodes never join the cluster"
		}
		return lost + "; wrap it in MIME multipart with its own Content-Type (text/cloud-config, text/x-shellscript)"
	case "al2":
		if strings.HasPrefix(head, "#cloud-config") {
			return "Karpenter wraps AL2 user data that is not MIME in a text/x-shellscript part, so cloud-init runs this cloud-config as a script and never reads it as cloud-config; wrap it in MIME multipart with Content-Type: text/cloud-config"
		}
	}
	return ""
}

// karpenterNodePool reads a Karpenter NodePool: its nodes boot with its EC2NodeClass's
// configuration (v1 nodeClassRef {group, kind, name}; v1beta1 {apiVersion, kind, name},
// where kind and apiVersion are optional and the AWS provider looks the EC2NodeClass up
// by name alone: pkg/cloudprovider of karpenter-provider-aws v0.36). A ref without kind
// names an EC2NodeClass unless its group says otherwise. A pool whose requirements keep
// Linux out (windowsOnly) boots nodes that run no Cilium.
func karpenterNodePool(obj map[string]any) ([]NodePool, error) {
	_, name, _ := Meta(obj)
	labels := stringMap(dig(obj, "spec", "template", "metadata", "labels"))
	labels[labelKarpenterNodePool] = name
	refAt := []any{"spec", "template", "spec", "nodeClassRef"}
	p := NodePool{Name: name, Path: refAt, Labels: labels}
	if windowsOnly(dig(obj, "spec", "template", "spec", "requirements")) {
		p.Family = "windows"
	}
	ref, _ := dig(obj, refAt...).(map[string]any)
	kind, _ := ref["kind"].(string)
	group, _ := ref["group"].(string)
	if apiVersion, _ := TypeMeta(obj); apiVersion != "karpenter.sh/v1" {
		group = "" // v1beta1's nodeClassRef has apiVersion, no group: the API server prunes it
	}
	if strings.Contains(group, "/") {
		// karpenter.sh_nodepools.yaml: group has pattern ^[^/]*$.
		return nil, &FieldError{Path: append(refAt, "group"), Msg: fmt.Sprintf("nodeClassRef.group %q is an API group and version; the API server refuses the NodePool (the CRD allows no \"/\"): write %q", group, strings.SplitN(group, "/", 2)[0])}
	}
	if av, ok := ref["apiVersion"].(string); ok {
		group, _, _ = strings.Cut(av, "/")
	}
	if (kind == "EC2NodeClass" || kind == "") && (group == "" || group == "karpenter.k8s.aws") {
		p.NodeClass, _ = ref["name"].(string)
		if p.NodeClass != "" {
			p.Labels[labelKarpenterNodeClass] = p.NodeClass
		}
	}
	return []NodePool{p}, nil
}

// windowsOnly: the NodePool's requirements leave its nodes no Linux, so none runs
// Cilium. Karpenter intersects the requirements on one key (pkg/scheduling
// requirements.go Add), reads beta.kubernetes.io/os as kubernetes.io/os, and the AWS
// provider's instance types offer only the OS of the EC2NodeClass's AMI family
// (instancetype/types.go getOS): In without linux, NotIn [linux], DoesNotExist, or a
// numeric bound (Gt, Lt, Gte, Lte: "linux" is no integer) all keep Linux out.
func windowsOnly(requirements any) bool {
	for _, r := range sliceOf(requirements) {
		m, _ := r.(map[string]any)
		if key := m["key"]; key != "kubernetes.io/os" && key != "beta.kubernetes.io/os" {
			continue
		}
		values := sliceOf(m["values"])
		hasLinux := slices.Contains(values, any("linux"))
		switch m["operator"] {
		case "In":
			// The CRD refuses In without values.
			if len(values) > 0 && !hasLinux {
				return true
			}
		case "NotIn":
			if hasLinux {
				return true
			}
		case "DoesNotExist", "Gt", "Lt", "Gte", "Lte":
			return true
		}
	}
	return false
}

func eksctlPools(obj map[string]any) ([]NodePool, error) {
	version, _ := dig(obj, "metadata", "version").(string)
	var pools []NodePool
	for _, list := range []string{"nodeGroups", "managedNodeGroups"} {
		for i, g := range sliceOf(obj[list]) {
			if err := eksctlGroupShape(g, []any{list, i}); err != nil {
				return nil, err
			}
			gm := g.(map[string]any)
			name := gm["name"].(string)
			family, _ := gm["amiFamily"].(string)
			if family == "" {
				_, customAMI := gm["ami"].(string)
				family = eksctlDefaultFamily(version, list == "managedNodeGroups", customAMI)
			}
			if gm["bottlerocket"] != nil && family == "" {
				family = "Bottlerocket"
			}
			labels := stringMap(gm["labels"])
			labels[labelEksctlNodeGroup] = name
			if list == "managedNodeGroups" {
				labels[labelEKSNodeGroup] = name
			}
			p := NodePool{Name: name, Path: []any{list, i}, Family: normaliseFamily(family), Labels: labels}
			if lt, ok := gm["launchTemplate"].(map[string]any); ok && list == "managedNodeGroups" {
				p.Unknown = launchTemplateNote(lt)
			}
			for j, c := range sliceOf(gm["preBootstrapCommands"]) {
				if s, ok := c.(string); ok {
					if err := p.addScript(s, []any{list, i, "preBootstrapCommands", j}); err != nil {
						return nil, err
					}
				}
			}
			if s, ok := gm["overrideBootstrapCommand"].(string); ok {
				if err := p.addUserData(s, []any{list, i, "overrideBootstrapCommand"}); err != nil {
					return nil, err
				}
			}
			if settings, ok := dig(gm, "bottlerocket", "settings").(map[string]any); ok {
				if err := p.addBootstrapContainers(settings, []any{list, i, "bottlerocket", "settings"}); err != nil {
					return nil, err
				}
			}
			// Paths above are absolute (for errors); settings are relative to the pool.
			for k := range p.Settings {
				p.Settings[k].At = p.Settings[k].At[2:]
			}
			pools = append(pools, p)
		}
	}
	return pools, nil
}

// launchTemplateNote says why a managed node group with a launchTemplate has an unknown
// MTU: eksctl then takes the AMI and user data from that EC2 launch template and refuses
// ami, preBootstrapCommands and overrideBootstrapCommand beside it
// (pkg/apis/eksctl.io/v1alpha5/validation.go), so what sets the MTU is outside the file.
func launchTemplateNote(lt map[string]any) string {
	id, _ := lt["id"].(string)
	version := "its default version"
	if v := lt["version"]; v != nil && v != "" {
		version = fmt.Sprintf("version %v", v)
	}
	return fmt.Sprintf("it boots from launch template %s (%s), whose AMI and user data are outside this file", id, version)
}

// eksctlDefaultFamily is eksctl's default AMI family (pkg/apis/eksctl.io/v1alpha5
// defaults.go, v0.215): AL2023 from Kubernetes 1.33 (AL2's end), and for managed node
// groups from 1.30; AL2 before. metadata.version defaults to 1.32.
func eksctlDefaultFamily(version string, managed, customAMI bool) string {
	minor := 32
	if major, m, ok := strings.Cut(version, "."); ok && major == "1" {
		if n, err := strconv.Atoi(m); err == nil {
			minor = n
		}
	}
	switch {
	case managed && customAMI:
		return "" // eksctl requires amiFamily with a custom AMI
	case minor >= 33, managed && minor >= 30:
		return "AmazonLinux2023"
	}
	return "AmazonLinux2"
}

// addBootstrapContainers reads Bottlerocket settings given as a map (eksctl's
// bottlerocket.settings, with or without the leading "settings" key).
func (p *NodePool) addBootstrapContainers(settings map[string]any, at []any) error {
	containers, ok := settings["bootstrap-containers"].(map[string]any)
	if !ok {
		if s, ok := settings["settings"].(map[string]any); ok {
			return p.addBootstrapContainers(s, append(at, "settings"))
		}
		return nil
	}
	names := make([]string, 0, len(containers))
	for name := range containers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		data, ok := dig(containers[name], "user-data").(string)
		if !ok {
			continue
		}
		fieldAt := append(append([]any{}, at...), "bootstrap-containers", name, "user-data")
		r, err := userdata.BootstrapContainerScript(data)
		if err != nil {
			return &FieldError{Path: fieldAt, Msg: err.Error()}
		}
		for _, s := range r.Settings {
			p.Settings = append(p.Settings, PoolSetting{Setting: s, At: fieldAt})
		}
	}
	return nil
}

func capiPools(obj map[string]any, kind string, base []any) ([]NodePool, error) {
	_, name, _ := Meta(obj)
	spec, _ := dig(obj, base...).(map[string]any)
	p := NodePool{Name: name, Path: base, Labels: capiNodeLabels(spec)}
	switch {
	case strings.HasPrefix(kind, "NodeadmConfig"):
		p.Family = "al2023" // nodeadm is AL2023's bootstrap
	case strings.HasPrefix(kind, "EKSConfig"):
		p.Family = "al2" // bootstrap.sh: the AL2 EKS AMI
	}
	abs := func(rel ...any) []any { return append(append([]any{}, base...), rel...) }
	// Commands: kubeadm (pre/post, bootCommands = cloud-init bootcmd), CAPA EKSConfig
	// (pre/post bootstrap; the override's JSON name is spelt "boostrapCommandOverride"
	// in the CRD), CAPA NodeadmConfig (preNodeadmCommands).
	for _, field := range []string{"preKubeadmCommands", "postKubeadmCommands", "bootCommands", "preBootstrapCommands", "postBootstrapCommands", "preNodeadmCommands"} {
		for j, c := range sliceOf(spec[field]) {
			if s, ok := c.(string); ok {
				if err := p.addScript(s, abs(field, j)); err != nil {
					return nil, err
				}
			}
		}
	}
	if s, ok := spec["boostrapCommandOverride"].(string); ok {
		if err := p.addUserData(s, abs("boostrapCommandOverride")); err != nil {
			return nil, err
		}
	}
	// With `format: ignition` Ignition writes the files in the initramfs, before the
	// network manager starts; cloud-init (the default) writes them once the network is up.
	ignition := spec["format"] == "ignition"
	for k, f := range sliceOf(spec["files"]) {
		from := len(p.Settings)
		if err := p.addFile(f, abs("files", k)); err != nil {
			return nil, err
		}
		p.markEarly(from, ignition)
	}
	// Flatcar: a Container Linux Config whose storage.files and networkd.units may hold
	// networkd configuration (Ignition writes them before networkd starts); read as text,
	// which keeps its lines.
	if clc, ok := dig(spec, "ignition", "containerLinuxConfig", "additionalConfig").(string); ok {
		from := len(p.Settings)
		if err := p.addScript(clc, abs("ignition", "containerLinuxConfig", "additionalConfig")); err != nil {
			return nil, err
		}
		p.markEarly(from, true)
	}
	for k := range p.Settings {
		p.Settings[k].At = p.Settings[k].At[len(base):]
	}
	return []NodePool{p}, nil
}

// markEarly marks the persistent settings added since index from as in place before the
// network manager first configures the interface, when early.
func (p *NodePool) markEarly(from int, early bool) {
	for k := from; early && k < len(p.Settings); k++ {
		p.Settings[k].Early = p.Settings[k].Persistent
	}
}

// addReloads records network managers the pool's commands reload, once each.
func (p *NodePool) addReloads(managers []string) {
	for _, m := range managers {
		if !slices.Contains(p.Reloads, m) {
			p.Reloads = append(p.Reloads, m)
		}
	}
}

// capiNodeLabels reads node-labels from the kubelet arguments of a kubeadm join (v1beta1:
// a map; v1beta2: a list of {name, value}).
func capiNodeLabels(spec map[string]any) map[string]string {
	labels := map[string]string{}
	var raw string
	args := dig(spec, "joinConfiguration", "nodeRegistration", "kubeletExtraArgs")
	switch a := args.(type) {
	case map[string]any:
		raw, _ = a["node-labels"].(string)
	case []any:
		for _, e := range a {
			if dig(e, "name") == "node-labels" {
				raw, _ = dig(e, "value").(string)
			}
		}
	}
	for _, kv := range strings.Split(raw, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k != "" {
			labels[k] = v
		}
	}
	if len(labels) == 0 {
		return nil
	}
	return labels
}

// addFile reads a Cluster API `files` entry: content as written, or base64 / gzip+base64
// encoded (contentFrom, a Secret, is out of the linter's sight).
func (p *NodePool) addFile(f any, at []any) error {
	fm, _ := f.(map[string]any)
	path, _ := fm["path"].(string)
	content, _ := fm["content"].(string)
	if path == "" || content == "" {
		return nil
	}
	contentAt := append(append([]any{}, at...), "content")
	encoding, _ := fm["encoding"].(string)
	encoded := encoding != ""
	switch encoding {
	case "":
	case "base64", "gzip+base64":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(content), ""))
		if err != nil {
			return &FieldError{Path: contentAt, Msg: fmt.Sprintf("encoding %s: invalid base64: %v", encoding, err)}
		}
		if encoding == "gzip+base64" {
			if b, err = userdata.Gunzip(b); err != nil {
				return &FieldError{Path: contentAt, Msg: fmt.Sprintf("encoding %s: %v", encoding, err)}
			}
		}
		content = string(b)
	default:
		return nil // gzip: binary, cannot be written in YAML
	}
	r := userdata.ParseFile(path, content)
	// A script file (a systemd unit, rc.local) may run commands.
	sh, _ := userdata.Parse(content)
	p.addReloads(sh.Reloads)
	for _, s := range sh.Settings {
		if !s.Persistent {
			r.Settings = append(r.Settings, s)
		}
	}
	for _, s := range r.Settings {
		loc := contentAt
		if !encoded && s.Line > 0 {
			loc = append(append([]any{}, contentAt...), fmt.Sprintf("#L%d", s.Line))
		}
		s.Line = 0
		p.Settings = append(p.Settings, PoolSetting{Setting: s, At: loc})
	}
	return nil
}

// addUserData parses a whole user data document or script.
func (p *NodePool) addUserData(data string, at []any) error {
	r, err := userdata.Parse(data)
	if err != nil {
		return userDataError(at, err)
	}
	for _, f := range r.Formats {
		if f == "toml" {
			p.Family = "bottlerocket"
		}
	}
	p.addSettings(r.Settings, at)
	p.addReloads(r.Reloads)
	return nil
}

// eksctlGroupShape refuses what eksctl's ClusterConfig schema refuses in a node group the
// rules read: it must be an object with a name, and its bootstrap commands strings (a
// single command written as a string would be silently lost otherwise).
func eksctlGroupShape(g any, at []any) error {
	gm, ok := g.(map[string]any)
	if !ok {
		return &FieldError{Path: at, Msg: fmt.Sprintf("a node group must be an object with a name, got %s; eksctl refuses the ClusterConfig", yamlKindOf(g))}
	}
	if name, ok := gm["name"].(string); !ok || name == "" {
		return &FieldError{Path: append(at, "name"), Msg: "a node group needs a name (a string); eksctl refuses the ClusterConfig"}
	}
	if v, ok := gm["preBootstrapCommands"]; ok && v != nil {
		cmds, isList := v.([]any)
		if !isList {
			return &FieldError{Path: append(at, "preBootstrapCommands"), Msg: fmt.Sprintf("preBootstrapCommands must be a list of commands, got %s; eksctl refuses the ClusterConfig (write `- <command>`)", yamlKindOf(v))}
		}
		for j, c := range cmds {
			if _, ok := c.(string); !ok {
				return &FieldError{Path: append(at, "preBootstrapCommands", j), Msg: fmt.Sprintf("each preBootstrapCommands entry must be a string, got %s; eksctl refuses the ClusterConfig", yamlKindOf(c))}
			}
		}
	}
	if v, ok := gm["overrideBootstrapCommand"]; ok && v != nil {
		if _, ok := v.(string); !ok {
			return &FieldError{Path: append(at, "overrideBootstrapCommand"), Msg: fmt.Sprintf("overrideBootstrapCommand must be a string (a script), got %s; eksctl refuses the ClusterConfig", yamlKindOf(v))}
		}
	}
	return nil
}

// addScript parses one command (eksctl preBootstrapCommands, kubeadm preKubeadmCommands),
// which may be a multi-line block of its own.
func (p *NodePool) addScript(data string, at []any) error {
	r, err := userdata.Parse(data)
	if err != nil {
		return userDataError(at, err)
	}
	p.addSettings(r.Settings, at)
	p.addReloads(r.Reloads)
	return nil
}

func (p *NodePool) addSettings(settings []userdata.Setting, at []any) {
	for _, s := range settings {
		loc := append([]any{}, at...)
		if s.Line > 0 {
			// For a block string the linter finds the line inside it; for a plain one,
			// the field's line.
			loc = append(loc, fmt.Sprintf("#L%d", s.Line))
		}
		s.Line = 0
		p.Settings = append(p.Settings, PoolSetting{Setting: s, At: loc})
	}
}

func userDataError(at []any, err error) error {
	msg := err.Error()
	loc := append([]any{}, at...)
	var ue *userdata.Error
	if errors.As(err, &ue) {
		msg = ue.Msg
		if ue.Line > 0 {
			loc = append(loc, fmt.Sprintf("#L%d", ue.Line))
			msg = fmt.Sprintf("%s (line %d of the user data)", ue.Msg, ue.Line)
		}
	}
	return &FieldError{Path: loc, Msg: msg + "; mtuguard cannot tell what MTU these nodes get"}
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

func normaliseFamily(f string) string {
	s := strings.ToLower(strings.ReplaceAll(f, " ", ""))
	switch {
	case s == "al2023", s == "amazonlinux2023":
		return "al2023"
	case s == "al2", s == "amazonlinux2":
		return "al2"
	case s == "bottlerocket":
		return "bottlerocket"
	case strings.HasPrefix(s, "ubuntu"):
		return "ubuntu"
	case strings.HasPrefix(s, "windows"):
		return "windows"
	case s == "custom":
		return ""
	}
	return s
}
