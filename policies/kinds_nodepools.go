package policies

import (
	"fmt"
	"strings"

	"github.com/mtuguard/mtuguard/policies/userdata"
)

// KindNodePool is the normalised kind of objects that define node pools' boot
// configuration: Karpenter EC2NodeClass, eksctl ClusterConfig, Cluster API bootstrap
// templates. One object may define several pools (eksctl node groups).
const KindNodePool = "NodePool"

// NodePool is what one pool's boot configuration does to its nodes' interface MTU.
type NodePool struct {
	Name     string        `json:"name"`
	Path     []any         `json:"path"`   // the pool within its object
	Family   string        `json:"family"` // al2023, al2, bottlerocket, ubuntu, or "" when unknown
	Settings []PoolSetting `json:"settings"`
}

// PoolSetting is one MTU a pool applies, with where it is written.
type PoolSetting struct {
	userdata.Setting
	At []any `json:"at"` // path of the field within the pool; a final "#L<n>" is the line inside a block string
}

func classifyNodePools(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	group, _, _ := strings.Cut(apiVersion, "/")
	var pools []NodePool
	var err error
	switch {
	case group == "karpenter.k8s.aws" && kind == "EC2NodeClass":
		pools, err = karpenterPools(obj)
	case group == "eksctl.io" && kind == "ClusterConfig":
		pools, err = eksctlPools(obj)
	case group == "bootstrap.cluster.x-k8s.io" && (strings.HasSuffix(kind, "ConfigTemplate") || strings.HasSuffix(kind, "Config")):
		pools, err = capiPools(obj, kind)
	default:
		return Classified{}, false, nil
	}
	if err != nil {
		return Classified{}, true, err
	}
	return Classified{Kind: KindNodePool, Pools: pools}, true, nil
}

func karpenterPools(obj map[string]any) ([]NodePool, error) {
	_, name, _ := Meta(obj)
	family := ""
	if f, ok := dig(obj, "spec", "amiFamily").(string); ok {
		family = f
	}
	for _, t := range sliceOf(dig(obj, "spec", "amiSelectorTerms")) {
		if alias, ok := dig(t, "alias").(string); ok {
			family, _, _ = strings.Cut(alias, "@")
		}
	}
	p := NodePool{Name: name, Path: []any{}, Family: normaliseFamily(family)}
	if data, ok := dig(obj, "spec", "userData").(string); ok {
		if err := p.addScript(data, []any{"spec", "userData"}, true); err != nil {
			return nil, err
		}
	}
	return []NodePool{p}, nil
}

func eksctlPools(obj map[string]any) ([]NodePool, error) {
	var pools []NodePool
	for _, list := range []string{"nodeGroups", "managedNodeGroups"} {
		for i, g := range sliceOf(obj[list]) {
			gm, _ := g.(map[string]any)
			name, _ := gm["name"].(string)
			family, _ := gm["amiFamily"].(string)
			if family == "" {
				family = "AmazonLinux2023" // eksctl's default since 0.185 for new node groups
			}
			if gm["bottlerocket"] != nil {
				family = "Bottlerocket"
			}
			p := NodePool{Name: name, Path: []any{list, i}, Family: normaliseFamily(family)}
			for j, c := range sliceOf(gm["preBootstrapCommands"]) {
				if s, ok := c.(string); ok {
					if err := p.addScript(s, []any{"preBootstrapCommands", j}, false); err != nil {
						return nil, err
					}
				}
			}
			if s, ok := gm["overrideBootstrapCommand"].(string); ok {
				if err := p.addScript(s, []any{"overrideBootstrapCommand"}, true); err != nil {
					return nil, err
				}
			}
			pools = append(pools, p)
		}
	}
	return pools, nil
}

func capiPools(obj map[string]any, kind string) ([]NodePool, error) {
	_, name, _ := Meta(obj)
	base := []any{"spec"}
	if strings.HasSuffix(kind, "Template") {
		base = []any{"spec", "template", "spec"}
	}
	spec, _ := dig(obj, base...).(map[string]any)
	p := NodePool{Name: name, Path: base}
	for _, field := range []string{"preKubeadmCommands", "postKubeadmCommands", "preBootstrapCommands", "postBootstrapCommands", "preNodeadmCommands"} {
		for j, c := range sliceOf(spec[field]) {
			if s, ok := c.(string); ok {
				if err := p.addScript(s, []any{field, j}, false); err != nil {
					return nil, err
				}
			}
		}
	}
	for k, f := range sliceOf(spec["files"]) {
		fm, _ := f.(map[string]any)
		path, _ := fm["path"].(string)
		content, _ := fm["content"].(string)
		if path == "" || content == "" {
			continue
		}
		// Give the parser the file as a heredoc, so it knows where the lines go.
		script := fmt.Sprintf("cat > %s <<'EOF'\n%s\nEOF\n", path, content)
		at := []any{"files", k, "content"}
		r, err := userdata.Parse(script)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", pathString(at), err)
		}
		for _, s := range r.Settings {
			line := s.Line - 1 // the heredoc's first line is ours
			p.Settings = append(p.Settings, PoolSetting{Setting: s, At: append(append([]any{}, at...), fmt.Sprintf("#L%d", line))})
		}
	}
	return []NodePool{p}, nil
}

// addScript parses user data or a command; block strings get line-precise locations.
func (p *NodePool) addScript(data string, at []any, block bool) error {
	r, err := userdata.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %v; mtuguard cannot tell what MTU these nodes get", pathString(at), err)
	}
	for _, f := range r.Formats {
		if f == "toml" {
			p.Family = "bottlerocket"
		}
	}
	for _, s := range r.Settings {
		loc := append([]any{}, at...)
		if block && s.Line > 0 {
			loc = append(loc, fmt.Sprintf("#L%d", s.Line))
		}
		p.Settings = append(p.Settings, PoolSetting{Setting: s, At: loc})
	}
	return nil
}

func normaliseFamily(f string) string {
	switch strings.ToLower(strings.ReplaceAll(f, " ", "")) {
	case "al2023", "amazonlinux2023":
		return "al2023"
	case "al2", "amazonlinux2":
		return "al2"
	case "bottlerocket":
		return "bottlerocket"
	case "ubuntu", "ubuntu2004", "ubuntu2204", "ubuntu2404", "ubuntupro2204":
		return "ubuntu"
	}
	return strings.ToLower(f)
}
