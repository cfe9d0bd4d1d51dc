package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mtuguard/mtuguard/lint/report"
)

// mtuguard runs the CLI in-process, in dir, and returns exit code, stdout and stderr.
func mtuguard(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// aliasBomb is a billion-laughs document: 9^9 nodes once expanded.
var aliasBomb = func() string {
	s := "a0: &a0 [x,x,x,x,x,x,x,x,x]\n"
	for i := 1; i < 10; i++ {
		s += fmt.Sprintf("a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), ","))
	}
	return s
}()

const tgwConfig = "apiVersion: mtuguard.dev/v1alpha1\nkind: Config\nmesh:\n  links: [aws-transit-gateway]\n"

const unclampedMember = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cilium-config
  namespace: kube-system
data:
  cluster-name: prod-use1
  cluster-id: "1"
  routing-mode: tunnel
`

func TestExitCodes(t *testing.T) {
	examples, err := filepath.Abs("../../testdata/examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		args  []string
		want  int
	}{
		{"clean", map[string]string{".mtuguard.yaml": tgwConfig, "cm.yaml": strings.Replace(unclampedMember, "routing-mode: tunnel", "mtu: \"8500\"", 1)}, []string{"lint", "."}, 0},
		{"error finding", map[string]string{".mtuguard.yaml": tgwConfig, "cm.yaml": unclampedMember}, []string{"lint", "."}, 1},
		{"warning passes by default", map[string]string{"cm.yaml": unclampedMember}, []string{"lint", "."}, 0},
		{"warning fails with --fail-on warning", map[string]string{"cm.yaml": unclampedMember}, []string{"lint", "--fail-on", "warning", "."}, 1},
		{"rule off in config", map[string]string{".mtuguard.yaml": tgwConfig + "rules:\n  MTU001: \"off\"\n", "cm.yaml": unclampedMember}, []string{"lint", "."}, 0},
		{"bad flag", nil, []string{"lint", "--nope"}, 2},
		{"bad --fail-on", nil, []string{"lint", "--fail-on", "info", "."}, 2},
		{"unknown format", nil, []string{"lint", "--format", "xml", "."}, 2},
		{"unknown link", map[string]string{".mtuguard.yaml": "mesh:\n  links: [aws-tgw]\n"}, []string{"lint", "."}, 2},
		{"missing path", nil, []string{"lint", "does-not-exist.yaml"}, 2},
		{"malformed yaml", map[string]string{"bad.yaml": "a: [1, 2\n"}, []string{"lint", "."}, 2},
		{"alias bomb", map[string]string{"bomb.yaml": aliasBomb}, []string{"lint", "."}, 2},
		{"examples", nil, []string{"lint", "--config", filepath.Join(examples, ".mtuguard.yaml"), examples}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				write(t, dir, name, content)
			}
			code, out, errOut := mtuguard(t, dir, "", tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errOut)
			}
		})
	}
}

// An input note (an Argo CD value file the run does not hold) is said on stderr in the
// file:line form and leaves the exit status to the findings.
func TestInputNoteDoesNotFail(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n"+
		"  - chart: cilium\n    helm:\n      valueFiles: [$values/prod/values.yaml]\n  - repoURL: https://git.example.com/values.git\n    ref: values\n")
	code, _, errOut := mtuguard(t, dir, "", "lint", ".")
	want := "mtuguard: note: app.yaml:7: value file $values/prod/values.yaml is not among the linted files"
	if code != 0 || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, want 0; stderr lacks %q:\n%s", code, want, errOut)
	}
}

func TestUnknownLinkListsKnownOnes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".mtuguard.yaml", "mesh:\n  links: [aws-tgw]\n")
	_, _, errOut := mtuguard(t, dir, "", "lint", ".")
	for _, want := range []string{`unknown link "aws-tgw"`, "aws-transit-gateway", "azure-expressroute"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestMalformedYAMLNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.yaml", unclampedMember)
	write(t, dir, "bad.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n")
	code, out, errOut := mtuguard(t, dir, "", "lint", "--config", write(t, dir, "cfg/c.yaml", tgwConfig), ".")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, "bad.yaml:") {
		t.Errorf("stderr does not name bad.yaml with a line:\n%s", errOut)
	}
	// The good file is still linted.
	if !strings.Contains(out, "good.yaml:") || !strings.Contains(out, "MTU001") {
		t.Errorf("the good file's finding is missing:\n%s", out)
	}
}

func TestStdin(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".mtuguard.yaml", tgwConfig)
	code, out, _ := mtuguard(t, dir, unclampedMember, "lint", "-")
	if code != 1 || !strings.Contains(out, "<stdin>:6: MTU001 error") {
		t.Errorf("exit %d; stdout:\n%s", code, out)
	}
	// Helm values on stdin, declared with --values.
	code, out, _ = mtuguard(t, "", "cluster:\n  name: a\n  id: 1\n", "lint", "--values", "-")
	if code != 1 || !strings.Contains(out, "<stdin>:1: MTU001") {
		t.Errorf("--values -: exit %d; stdout:\n%s", code, out)
	}
}

// TestJSONContract decodes --format json into the documented shape.
func TestJSONContract(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".mtuguard.yaml", tgwConfig)
	write(t, dir, "clusters/prod-use1/cilium-config.yaml", unclampedMember)
	code, out, errOut := mtuguard(t, dir, "", "lint", "--format", "json", ".")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got report.JSONReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Summary.Files != 2 || got.Summary.Errors != 1 || len(got.Findings) != 1 {
		t.Fatalf("summary %+v, findings %+v", got.Summary, got.Findings)
	}
	f := got.Findings[0]
	if f.Rule != "MTU001" || f.Severity != "error" || f.File != "clusters/prod-use1/cilium-config.yaml" || f.Line != 6 ||
		f.Object.Kind != "ConfigMap" || f.Object.Name != "cilium-config" || f.Object.Namespace != "kube-system" ||
		f.Cluster != "prod-use1" || f.Remediation == "" {
		t.Errorf("finding %+v", f)
	}
}

// `webhook --context-from` refuses to start on context it cannot read, naming the place.
func TestWebhookContextFromErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "cilium.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config}\ndata:\n  mtu: [8500]\n")
	write(t, dir, "broken.yaml", "kind: [\n")
	code, _, stderr := mtuguard(t, dir, "", "webhook", "--context-from", ".")
	if code == 0 || !strings.Contains(stderr, "broken.yaml:") || !strings.Contains(stderr, "cilium.yaml:") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
