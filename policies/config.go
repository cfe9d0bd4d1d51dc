package policies

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// ConfigAPIVersion and ConfigKind identify an mtuguard config file.
const (
	ConfigAPIVersion = "mtuguard.dev/v1alpha1"
	ConfigKind       = "Config"
	// DefaultNodeMTU is what nodes get when nothing clamps them: AWS ENA jumbo frames,
	// the EKS AL2023 default.
	DefaultNodeMTU = 9001
)

// Config is the policy parameters both doors share (DESIGN.md "Config file").
type Config struct {
	APIVersion string            `json:"apiVersion,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	Mesh       MeshConfig        `json:"mesh,omitempty"`
	Nodes      NodesConfig       `json:"nodes,omitempty"`
	Rules      map[string]string `json:"rules,omitempty"`  // rule ID -> error|warning|info|off
	Ignore     []string          `json:"ignore,omitempty"` // globs the linter skips
}

// MeshConfig describes the path between ClusterMesh members.
type MeshConfig struct {
	Links   []string `json:"links,omitempty"`
	PathMTU int      `json:"pathMTU,omitempty"` // wins over Links
}

// NodesConfig describes the nodes when their pools do not say.
type NodesConfig struct {
	MTU int `json:"mtu,omitempty"`
}

// Severities a rule can be set to in Config.Rules.
var severities = map[string]bool{"error": true, "warning": true, "info": true, "off": true}

var ruleIDPattern = regexp.MustCompile(`^[A-Z]+[0-9]{3}$`)

// LoadConfig reads and validates a config file.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes and validates a config document. Unknown fields are errors:
// a misspelt `pathMtu` must not silently mean "path unknown".
func ParseConfig(data []byte) (Config, error) {
	var cfg Config
	if err := unmarshalStrict(data, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

// Validate reports every problem in the config at once.
func (c Config) Validate() error {
	var errs []error
	if c.APIVersion != "" && c.APIVersion != ConfigAPIVersion {
		errs = append(errs, fmt.Errorf("apiVersion %q: want %s", c.APIVersion, ConfigAPIVersion))
	}
	if c.Kind != "" && c.Kind != ConfigKind {
		errs = append(errs, fmt.Errorf("kind %q: want %s", c.Kind, ConfigKind))
	}
	for _, name := range c.Mesh.Links {
		if _, err := LookupLink(name); err != nil {
			errs = append(errs, fmt.Errorf("mesh.links: %w", err))
		}
	}
	if c.Mesh.PathMTU != 0 && (c.Mesh.PathMTU < 576 || c.Mesh.PathMTU > 65535) {
		errs = append(errs, fmt.Errorf("mesh.pathMTU %d: want 576-65535", c.Mesh.PathMTU))
	}
	if c.Nodes.MTU != 0 && (c.Nodes.MTU < 576 || c.Nodes.MTU > 65535) {
		errs = append(errs, fmt.Errorf("nodes.mtu %d: want 576-65535", c.Nodes.MTU))
	}
	known := map[string]bool{}
	for _, r := range Catalogue() {
		known[r.ID] = true
	}
	for id, sev := range c.Rules {
		if !ruleIDPattern.MatchString(id) || !known[id] {
			errs = append(errs, fmt.Errorf("rules: unknown rule %q (see `mtuguard rules`)", id))
		}
		if !severities[sev] {
			errs = append(errs, fmt.Errorf("rules.%s: %q is not one of error, warning, info, off", id, sev))
		}
	}
	return errors.Join(errs...)
}

// PathMTU is the largest packet the mesh path carries, and where that number comes from.
// ok is false when the config declares neither pathMTU nor links.
func (c Config) PathMTU() (mtu int, from string, ok bool) {
	if c.Mesh.PathMTU > 0 {
		return c.Mesh.PathMTU, "mesh.pathMTU", true
	}
	var via []string
	for _, name := range c.Mesh.Links {
		l, err := LookupLink(name)
		if err != nil {
			continue // Validate reports it
		}
		if mtu == 0 || l.MTU < mtu {
			mtu = l.MTU
		}
		via = append(via, fmt.Sprintf("%s %d", l.Name, l.MTU))
	}
	return mtu, strings.Join(via, ", "), mtu > 0
}

// NodeMTU is the node interface MTU assumed when node pools do not set one.
func (c Config) NodeMTU() int {
	if c.Nodes.MTU > 0 {
		return c.Nodes.MTU
	}
	return DefaultNodeMTU
}

// regoValue is the config as the rules see it (DESIGN.md "The Rego input contract").
func (c Config) regoValue() map[string]any {
	mesh := map[string]any{"links": c.linkValues()}
	if mtu, from, ok := c.PathMTU(); ok {
		mesh["pathMTU"] = mtu
		mesh["pathSource"] = from
	}
	return map[string]any{
		"mesh":  mesh,
		"nodes": map[string]any{"mtu": c.NodeMTU(), "declared": c.Nodes.MTU > 0},
	}
}

func (c Config) linkValues() []any {
	out := []any{}
	for _, name := range c.Mesh.Links {
		if l, err := LookupLink(name); err == nil {
			out = append(out, map[string]any{"name": l.Name, "mtu": l.MTU, "behaviour": l.Behaviour, "clampsMSS": l.ClampsMSS})
		}
	}
	return out
}
