package policies

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The Rego sources: libraries under lib/, one package per rule family under rules/.
// Tests (*_test.rego) are embedded too so `go test` can run them, but the engine skips them.
//
//go:embed lib/*.rego rules/*.rego
var regoFS embed.FS

// Rule is one catalogue entry, read from the rule's OPA METADATA: the single source of
// rule documentation for the CLI, SARIF, the webhook and policies/README.md.
type Rule struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Severity  string `json:"severity"`
	Family    string `json:"family"`
	AppliesTo string `json:"appliesTo"`
	// Kinds are the normalised kinds of the objects the rule reports on (METADATA
	// custom.kinds): an admission evaluates only the rules of its object's kind.
	Kinds       []string `json:"kinds"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	DocsURL     string   `json:"docsURL"`
	Package     string   `json:"package"` // e.g. data.mtuguard.rules.mtu
}

var ruleNamePattern = regexp.MustCompile(`^[A-Z]+[0-9]{3}$`)

type parsedPolicies struct {
	modules   map[string]*ast.Module // by file name, tests excluded
	tests     map[string]*ast.Module
	catalogue []Rule
	err       error
}

var parsed = sync.OnceValue(func() parsedPolicies {
	p := parsedPolicies{modules: map[string]*ast.Module{}, tests: map[string]*ast.Module{}}
	p.err = fs.WalkDir(regoFS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := regoFS.ReadFile(path)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(path, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, "_test.rego") {
			p.tests[path] = m
		} else {
			p.modules[path] = m
		}
		return nil
	})
	if p.err == nil {
		p.catalogue, p.err = buildCatalogue(p.modules)
	}
	return p
})

// Catalogue returns every rule, sorted by ID.
func Catalogue() []Rule {
	p := parsed()
	if p.err != nil {
		panic(fmt.Sprintf("embedded policies: %v", p.err)) // a build defect, caught by the package tests
	}
	return p.catalogue
}

// LookupRule finds a rule by ID (case-insensitive).
func LookupRule(id string) (Rule, bool) {
	for _, r := range Catalogue() {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return Rule{}, false
}

func buildCatalogue(modules map[string]*ast.Module) ([]Rule, error) {
	var mods []*ast.Module
	for _, m := range modules {
		mods = append(mods, m)
	}
	set, errs := ast.BuildAnnotationSet(mods)
	if len(errs) > 0 {
		return nil, errs
	}
	var out []Rule
	for _, entry := range set.Flatten() {
		a := entry.Annotations
		if a.Scope != "rule" {
			continue
		}
		path := entry.Path.String()
		name := strings.TrimPrefix(path[strings.LastIndex(path, "."):], ".")
		if !ruleNamePattern.MatchString(name) {
			continue
		}
		r := Rule{
			ID:          name,
			Title:       a.Title,
			Description: strings.TrimSpace(a.Description),
			Package:     strings.TrimSuffix(path, "."+name),
			Family:      strings.TrimPrefix(strings.TrimSuffix(path, "."+name), "data.mtuguard.rules."),
		}
		r.Severity, _ = a.Custom["severity"].(string)
		r.Remediation, _ = a.Custom["remediation"].(string)
		r.Remediation = strings.TrimSpace(r.Remediation)
		r.AppliesTo, _ = a.Custom["applies_to"].(string)
		kinds, _ := a.Custom["kinds"].([]any)
		for _, k := range kinds {
			if k, ok := k.(string); ok && slices.Contains(normalisedKinds, k) {
				r.Kinds = append(r.Kinds, k)
			} else {
				return nil, fmt.Errorf("%s: METADATA custom.kinds: %v is not one of %v", path, k, normalisedKinds)
			}
		}
		if id, _ := a.Custom["id"].(string); id != name {
			return nil, fmt.Errorf("%s: METADATA custom.id %q differs from the rule name", path, id)
		}
		for _, res := range a.RelatedResources {
			if res.Ref.String() != "" {
				r.DocsURL = res.Ref.String()
				break
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
