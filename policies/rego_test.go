package policies

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestRego runs every *_test.rego beside the policies, as `opa test` would.
func TestRego(t *testing.T) {
	p := parsed()
	if p.err != nil {
		t.Fatal(p.err)
	}
	modules := map[string]*ast.Module{}
	for name, m := range p.modules {
		modules[name] = m
	}
	for name, m := range p.tests {
		modules[name] = m
	}
	compiler, err := Compile(modules)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := tester.NewRunner().SetCompiler(compiler).RunTests(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for r := range ch {
		ran++
		if r.Fail || r.Error != nil {
			t.Errorf("%s.%s (%s): fail=%v err=%v", r.Package, r.Name, r.Location, r.Fail, r.Error)
		}
	}
	if ran == 0 {
		t.Fatal("no Rego tests ran")
	}
	t.Logf("%d Rego tests passed", ran)
}

// TestRegoFormatted fails when a policy is not `opa fmt`-clean.
func TestRegoFormatted(t *testing.T) {
	err := fs.WalkDir(regoFS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, _ := regoFS.ReadFile(path)
		want, err := format.SourceWithOpts(path, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		if string(want) != string(src) {
			if os.Getenv("REGO_FMT") != "" {
				return os.WriteFile(path, want, 0o644)
			}
			t.Errorf("%s is not opa fmt-clean; run `make fmt` (REGO_FMT=1 go test -run TestRegoFormatted ./policies)", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCatalogue checks every rule carries the METADATA the docs, CLI and SARIF need, and
// that every rule has Rego tests of both outcomes.
func TestCatalogue(t *testing.T) {
	rules := Catalogue()
	if len(rules) == 0 {
		t.Fatal("no rules")
	}
	var tests strings.Builder
	for _, m := range parsed().tests {
		tests.WriteString(m.String())
	}
	for _, r := range rules {
		for field, v := range map[string]string{"title": r.Title, "description": r.Description, "severity": r.Severity, "remediation": r.Remediation, "applies_to": r.AppliesTo, "related_resources (docs)": r.DocsURL} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: METADATA lacks %s", r.ID, field)
			}
		}
		if len(r.Kinds) == 0 {
			t.Errorf("%s: METADATA lacks custom.kinds (the normalised kinds it reports on)", r.ID)
		}
		if !severities[r.Severity] || r.Severity == "off" {
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		if !strings.HasSuffix(r.DocsURL, "#"+strings.ToLower(r.ID)) {
			t.Errorf("%s: docs link %q should end in #%s", r.ID, r.DocsURL, strings.ToLower(r.ID))
		}
		lower := strings.ToLower(r.ID)
		for _, prefix := range []string{"test_" + lower + "_fires", "test_" + lower + "_passes"} {
			if !strings.Contains(tests.String(), prefix) {
				t.Errorf("%s: no Rego test named %s_* beside the rule", r.ID, prefix)
			}
		}
	}
}
