package policies

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

// Link is a known hop between ClusterMesh members.
type Link struct {
	Name      string `json:"name"`
	MTU       int    `json:"mtu"`
	Behaviour string `json:"behaviour"` // "drops" or "signals": what it does with an oversized DF packet
	// ClampsMSS: the hop lowers the MSS of TCP connections through it to fit its MTU, so
	// unencapsulated TCP survives even where it drops larger packets silently.
	ClampsMSS   bool   `json:"clampsMSS,omitempty"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

//go:embed links.yaml
var linksYAML []byte

// links is parsed once at start-up; links.yaml is embedded, so a parse error is a build defect.
var links = func() map[string]Link {
	var doc struct {
		Links map[string]Link `json:"links"`
	}
	if err := unmarshalStrict(linksYAML, &doc); err != nil {
		panic(fmt.Sprintf("policies/links.yaml: %v", err))
	}
	for name, l := range doc.Links {
		l.Name = name
		doc.Links[name] = l
	}
	return doc.Links
}()

// Links returns the link table, sorted by name.
func Links() []Link {
	out := make([]Link, 0, len(links))
	for _, l := range links {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupLink resolves a link name; the error lists the known names.
func LookupLink(name string) (Link, error) {
	if l, ok := links[name]; ok {
		return l, nil
	}
	names := make([]string, 0, len(links))
	for _, l := range Links() {
		names = append(names, l.Name)
	}
	return Link{}, fmt.Errorf("unknown link %q; known links: %s", name, strings.Join(names, ", "))
}
