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

func TestInlineSuppression(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "values.yaml")
	content := `# mtuguard:ignore MTU001 migrating to MTU 8500 in CHG-42
cluster:
  name: a
  id: 1
clustermesh:
  useAPIServer: true
`
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := policies.Config{Mesh: policies.MeshConfig{Links: []string{"aws-transit-gateway"}}}
	rep, err := lint.Run(context.Background(), testEngine(t), []string{file}, lint.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var got *lint.Finding
	for i := range rep.Findings {
		if rep.Findings[i].Rule == "MTU001" {
			got = &rep.Findings[i]
		}
	}
	if got == nil || !strings.Contains(got.Suppressed, "CHG-42") || rep.Counts().Errors != 0 || rep.Counts().Suppressed == 0 {
		t.Fatalf("want MTU001 suppressed by the comment: %+v", rep.Findings)
	}
	// Another rule on the same line is not suppressed by it.
	content = strings.Replace(content, "MTU001", "MESH002", 1)
	os.WriteFile(file, []byte(content), 0o644)
	rep, _ = lint.Run(context.Background(), testEngine(t), []string{file}, lint.Options{Config: cfg})
	if rep.Counts().Errors != 1 {
		t.Errorf("a comment for another rule must not suppress MTU001: %+v", rep.Findings)
	}
}
