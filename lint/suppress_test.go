package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

// member is a cilium-config ConfigMap of a ClusterMesh member that fires MTU001 on the
// mtu line (line 6 + offset) against a Transit Gateway path.
const member = `apiVersion: v1
kind: ConfigMap
metadata: {name: cilium-config, namespace: kube-system}
data:
  cluster-name: a
  cluster-id: "1"
  mtu: "9001"%s
`

func lintOne(t *testing.T, content string) *lint.Report {
	t.Helper()
	file := filepath.Join(t.TempDir(), "cilium-config.yaml")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := policies.Config{Mesh: policies.MeshConfig{Links: []string{"aws-transit-gateway"}}}
	rep, err := lint.Run(context.Background(), testEngine(t), []string{file}, lint.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.InputErrors) > 0 {
		t.Fatal(rep.InputErrors)
	}
	return rep
}

func mtu001(t *testing.T, rep *lint.Report) lint.Finding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Rule == "MTU001" {
			return f
		}
	}
	t.Fatalf("no MTU001: %+v", rep.Findings)
	return lint.Finding{}
}

func TestInlineSuppression(t *testing.T) {
	mtuLine := strings.Replace(member, "%s", "", 1)
	for _, tc := range []struct {
		name, content string
		want          string // substring of the reason; "" = not suppressed
	}{
		{"trailing comment", strings.Replace(member, "%s", "  # mtuguard:ignore MTU001 migrating in CHG-42", 1),
			"mtuguard:ignore comment at %s:7 (migrating in CHG-42)"},
		{"comment alone on the line above", strings.Replace(mtuLine, `  mtu: "9001"`, "  # mtuguard:ignore MTU001 migrating in CHG-42\n  mtu: \"9001\"", 1),
			":7 (migrating in CHG-42)"},
		{"several rules, spaces after commas, lower case", strings.Replace(member, "%s", " # mtuguard:ignore MTU004, mtu001", 1),
			"(no reason given)"},
		{"wildcard", strings.Replace(member, "%s", " # mtuguard:ignore * all of them", 1), "(all of them)"},
		{"another rule", strings.Replace(member, "%s", " # mtuguard:ignore MESH002 not this one", 1), ""},
		{"no rule named", strings.Replace(member, "%s", " # mtuguard:ignore", 1), ""},
		{"two lines above", strings.Replace(mtuLine, `  cluster-name: a`, "  # mtuguard:ignore MTU001 too far\n  cluster-name: a", 1), ""},
		// A trailing directive belongs to its own line, not to the next one.
		{"trailing comment on the line above", strings.Replace(mtuLine, `  cluster-id: "1"`, `  cluster-id: "1" # mtuguard:ignore MTU001 for cluster-id`, 1), ""},
		{"inside a string", strings.Replace(mtuLine, `  cluster-name: a`, `  cluster-name: "a#mtuguard:ignore MTU001"`, 1), ""},
		{"document directive", "# Staging stays on jumbo frames until the TGW is replaced.\n# mtuguard:ignore-document MTU001 see CHG-7\n\n" + mtuLine,
			"mtuguard:ignore-document comment at %s:2 (see CHG-7)"},
		{"document directive after ---", "---\n# mtuguard:ignore-document * lab cluster\n" + mtuLine, ":2 (lab cluster)"},
		{"document directive on the first line", strings.Replace(mtuLine, "apiVersion: v1", "apiVersion: v1 # mtuguard:ignore-document MTU001 x", 1), ":1 (x)"},
		// A plain ignore at the top is about the first line, not the document.
		{"plain ignore at the top", "# mtuguard:ignore MTU001 only line 2\n" + mtuLine, ""},
		// The previous document's comments are not this one's.
		{"directive of the previous document", "a: 1\n# mtuguard:ignore-document MTU001 x\nb: 2\n---\n" + mtuLine, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := lintOne(t, tc.content)
			f := mtu001(t, rep)
			if tc.want == "" {
				if f.Suppressed != "" || rep.Counts().Errors == 0 {
					t.Errorf("suppressed: %q", f.Suppressed)
				}
				return
			}
			want := strings.Replace(tc.want, "%s", f.File, 1)
			if !strings.Contains(f.Suppressed, want) || rep.Counts().Errors != 0 || rep.Counts().Suppressed == 0 {
				t.Errorf("want suppressed with %q, got %q (counts %+v)", want, f.Suppressed, rep.Counts())
			}
		})
	}
}

// TestInlineSuppressionHelmValues: Helm values have no metadata for an annotation, so
// the comment is their only in-file suppression; a finding on the whole document points
// at its first line and a directive alone above it covers it.
func TestInlineSuppressionHelmValues(t *testing.T) {
	content := `# mtuguard:ignore MTU001 migrating to MTU 8500 in CHG-42
cluster:
  name: a
  id: 1
clustermesh:
  useAPIServer: true
`
	f := mtu001(t, lintOne(t, content))
	if !strings.Contains(f.Suppressed, "CHG-42") {
		t.Errorf("want MTU001 suppressed by the comment: %+v", f)
	}
	f = mtu001(t, lintOne(t, strings.Replace(content, "MTU001", "MESH002", 1)))
	if f.Suppressed != "" {
		t.Errorf("a comment for another rule must not suppress MTU001: %+v", f)
	}
}
