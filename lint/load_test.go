package lint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
}

func errorText(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

func docFiles(docs []*yamldoc.Document) []string {
	var out []string
	for _, d := range docs {
		out = append(out, fmt.Sprintf("%s#%d", d.File, d.Index))
	}
	return out
}

func TestLoadWalk(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.yaml":                 "x: 1\n---\ny: 2\n",
		"b/c.yml":                "z: 3\n",
		"b/d.json":               `{"j": 1}`,
		"b/UPPER.YAML":           "u: 1\n",
		"b/readme.md":            "# not yaml\n",
		"b/values.yaml.tmpl":     "{{ not yaml }}\n",
		"vendor/v.yaml":          "v: 1\n",
		"docs/generated/g.yaml":  "g: 1\n",
		".git/config.yaml":       "g: 1\n",
		".github/workflows.yml":  "on: push\n",
		".pre-commit-config.yml": "repos: []\n", // hidden files are read; hidden directories are not
		"explicit.txt":           "e: 1\n",
		"bad/broken.yaml":        "a: [1\n",
		"empty.yaml":             "# only a comment\n---\nnull\n",
		"nested/deep/more.yaml":  "m: 1\n",
	})
	t.Chdir(root)
	got := Load(context.Background(), []string{".", "explicit.txt", "./a.yaml", "missing.yaml"}, LoadOptions{Ignore: []string{"vendor/**", "**/generated/**"}})
	wantFiles := []string{".pre-commit-config.yml", "a.yaml", "b/UPPER.YAML", "b/c.yml", "b/d.json", "bad/broken.yaml", "empty.yaml", "explicit.txt", "nested/deep/more.yaml"}
	if !slices.Equal(got.Files, wantFiles) {
		t.Errorf("files %v\nwant  %v", got.Files, wantFiles)
	}
	wantDocs := []string{".pre-commit-config.yml#0", "a.yaml#0", "a.yaml#1", "b/UPPER.YAML#0", "b/c.yml#0", "b/d.json#0", "explicit.txt#0", "nested/deep/more.yaml#0"}
	if !slices.Equal(docFiles(got.Documents), wantDocs) {
		t.Errorf("documents %v\nwant      %v", docFiles(got.Documents), wantDocs)
	}
	all := errorText(got.Errors)
	if len(got.Errors) != 2 || !strings.Contains(all, "missing.yaml: no such file or directory") || !strings.Contains(all, "bad/broken.yaml:1: invalid YAML") {
		t.Errorf("errors:\n%s", all)
	}
	for _, e := range got.Errors {
		if !errors.As(e, new(*yamldoc.Error)) {
			t.Errorf("%v is a %T, want *yamldoc.Error", e, e)
		}
	}
	// Lines survive the trip: a JSON document, the second document of a file.
	if d := got.Documents[5]; d.LineOf([]any{"j"}) != 1 {
		t.Errorf("JSON line %d", d.LineOf([]any{"j"}))
	}
	if d := got.Documents[2]; d.Line != 3 || d.LineOf([]any{"y"}) != 3 {
		t.Errorf("second document: line %d", d.Line)
	}
}

func TestLoadIgnore(t *testing.T) {
	root := writeTree(t, map[string]string{
		"repo/keep.yaml":             "k: 1\n",
		"repo/vendor/v.yaml":         "v: 1\n",
		"repo/charts/x/values.yaml":  "v: 1\n",
		"repo/charts/x/Chart.yaml":   "name: x\n",
		"repo/sub/vendor/deep.yaml":  "v: 1\n",
		"repo/sub/app.generated.yml": "v: 1\n",
	})
	t.Chdir(root)
	for _, tc := range []struct {
		name   string
		paths  []string
		ignore []string
		want   []string
	}{
		{"relative to the root named", []string{"repo"}, []string{"vendor/**"}, []string{"repo/charts/x/Chart.yaml", "repo/charts/x/values.yaml", "repo/keep.yaml", "repo/sub/app.generated.yml", "repo/sub/vendor/deep.yaml"}},
		{"as walked", []string{"repo"}, []string{"repo/vendor/**"}, []string{"repo/charts/x/Chart.yaml", "repo/charts/x/values.yaml", "repo/keep.yaml", "repo/sub/app.generated.yml", "repo/sub/vendor/deep.yaml"}},
		{"anywhere", []string{"repo"}, []string{"**/vendor/**"}, []string{"repo/charts/x/Chart.yaml", "repo/charts/x/values.yaml", "repo/keep.yaml", "repo/sub/app.generated.yml"}},
		{"file pattern", []string{"repo"}, []string{"**/*.generated.yml", "**/Chart.yaml"}, []string{"repo/charts/x/values.yaml", "repo/keep.yaml", "repo/sub/vendor/deep.yaml", "repo/vendor/v.yaml"}},
		{"root given absolute", []string{filepath.Join(root, "repo", "sub")}, []string{"vendor/**", "*.yml"}, nil},
		{"root with a trailing slash", []string{"repo/sub/"}, []string{"vendor/**"}, []string{"repo/sub/app.generated.yml"}},
		{"a file named explicitly is read regardless", []string{"repo/vendor/v.yaml"}, []string{"**/vendor/**"}, []string{"repo/vendor/v.yaml"}},
		{"bad glob matches nothing", []string{"repo/sub"}, []string{"[", "vendor/**"}, []string{"repo/sub/app.generated.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Load(context.Background(), tc.paths, LoadOptions{Ignore: tc.ignore})
			if len(got.Errors) > 0 || !slices.Equal(got.Files, tc.want) {
				t.Errorf("files %v\nwant  %v\n%s", got.Files, tc.want, errorText(got.Errors))
			}
		})
	}
}

// TestLoadHelmChartTemplates: a chart's templates are Go templates, not manifests; the
// walk leaves them with a note, and reads the rest of the chart (values.yaml, crds/).
func TestLoadHelmChartTemplates(t *testing.T) {
	root := writeTree(t, map[string]string{
		"charts/x/Chart.yaml":              "apiVersion: v2\nname: x\n",
		"charts/x/values.yaml":             "cilium:\n  MTU: 8500\n",
		"charts/x/templates/cm.yaml":       "metadata:\n  {{- include \"x.labels\" . | nindent 4 }}\n",
		"charts/x/crds/crd.yaml":           "kind: CustomResourceDefinition\n",
		"ansible/roles/r/templates/p.yaml": "kind: Pool\n",
	})
	t.Chdir(root)
	got := Load(context.Background(), []string{"."}, LoadOptions{})
	want := []string{"ansible/roles/r/templates/p.yaml", "charts/x/Chart.yaml", "charts/x/crds/crd.yaml", "charts/x/values.yaml"}
	if len(got.Errors) > 0 || !slices.Equal(got.Files, want) {
		t.Errorf("files %v\nwant  %v\n%s", got.Files, want, errorText(got.Errors))
	}
	if len(got.Notes) != 1 || !strings.Contains(got.Notes[0].Error(), "charts/x/templates: the templates of the Helm chart in charts/x are not read") || !strings.Contains(got.Notes[0].Error(), "helm template charts/x | mtuguard lint -") {
		t.Errorf("notes %v, want one naming charts/x/templates and how to lint the rendered chart", got.Notes)
	}
	// A monorepo of charts: a note for each of the first few, one counting the rest.
	tree := map[string]string{}
	for i := range 8 {
		tree[fmt.Sprintf("many/c%d/Chart.yaml", i)] = "name: c\n"
		tree[fmt.Sprintf("many/c%d/templates/x.yaml", i)] = "{{ x }}\n"
	}
	t.Chdir(writeTree(t, tree))
	got = Load(context.Background(), []string{"many"}, LoadOptions{})
	if len(got.Errors) > 0 || len(got.Notes) != 5 || !strings.Contains(got.Notes[4].Error(), "many/c4/templates: the templates of 4 more Helm charts (many/c4, many/c5, many/c6, …) are not read either") {
		t.Errorf("notes for eight charts: %v", got.Notes)
	}
	t.Chdir(root)
	// Named explicitly, a template is read (and fails as the YAML it is not).
	got = Load(context.Background(), []string{"charts/x/templates/cm.yaml"}, LoadOptions{})
	if len(got.Errors) != 1 || !strings.Contains(got.Errors[0].Error(), "looks like a template") {
		t.Errorf("explicit template: errors %v", got.Errors)
	}
}

func TestLoadSymlinks(t *testing.T) {
	root := writeTree(t, map[string]string{
		"d/ok.yaml":        "a: 1\n",
		"d/sub/s.yaml":     "s: 1\n",
		"shared/base.yaml": "b: 1\n",
		"target.yaml":      "t: 1\n",
	})
	t.Chdir(root)
	symlink(t, ".", "d/self")                     // loops: d/self/self/…
	symlink(t, "..", "d/sub/back")                // d/sub/back/sub/back/…
	symlink(t, "../shared", "d/shared")           // a shared directory is read under each path
	symlink(t, "../target.yaml", "d/link.yaml")   // a symlink to a file is read, under its own name
	symlink(t, "nowhere.yaml", "d/dangling.yaml") // dangling
	symlink(t, "nowhere", "d/notes.txt")          // dangling, but not where a manifest was meant
	symlink(t, "loop-b.yaml", "d/loop-a.yaml")    // a loop of file symlinks
	symlink(t, "loop-a.yaml", "d/loop-b.yaml")
	got := Load(context.Background(), []string{"d", "shared", "d/dangling.yaml", "d/loop-a.yaml"}, LoadOptions{})
	want := []string{"d/link.yaml", "d/ok.yaml", "d/shared/base.yaml", "d/sub/s.yaml", "shared/base.yaml"}
	if !slices.Equal(got.Files, want) {
		t.Errorf("files %v, want %v", got.Files, want)
	}
	all := errorText(got.Errors)
	for want, n := range map[string]int{
		"d/self: symlink loop: it leads back to a directory it is in; skipped": 1,
		"d/sub/back: symlink loop": 1,
		"d/dangling.yaml: dangling symlink (to nowhere.yaml, which does not exist)": 2, // walked, and named
		"d/loop-a.yaml: symlink loop: the symlinks never reach a file":              2,
		"d/loop-b.yaml: symlink loop":                                               1,
	} {
		if got := strings.Count(all, want); got != n {
			t.Errorf("%q reported %d times, want %d:\n%s", want, got, n, all)
		}
	}
	if strings.Contains(all, "notes.txt") {
		t.Errorf("a dangling link to no manifest was reported:\n%s", all)
	}
}

func TestLoadSymlinkFanOut(t *testing.T) {
	// Each level links twice to the next: 2^20 paths if the walk followed them all.
	root := t.TempDir()
	for i := 0; i < 20; i++ {
		if err := os.MkdirAll(filepath.Join(root, fmt.Sprint(i)), 0o755); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			symlink(t, filepath.Join(root, fmt.Sprint(i)), filepath.Join(root, fmt.Sprint(i-1), "a"))
			symlink(t, filepath.Join(root, fmt.Sprint(i)), filepath.Join(root, fmt.Sprint(i-1), "b"))
		}
	}
	if err := os.WriteFile(filepath.Join(root, "19", "x.yaml"), []byte("x: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := Load(context.Background(), []string{filepath.Join(root, "0")}, LoadOptions{})
	if len(got.Files) != maxVisits || len(got.Errors) != 10 || !strings.Contains(errorText(got.Errors), "symlinked paths; skipped from here") {
		t.Errorf("%d files, errors:\n%s", len(got.Files), errorText(got.Errors))
	}
}

func TestLoadSpecialFiles(t *testing.T) {
	root := writeTree(t, map[string]string{"ok.yaml": "a: 1\n"})
	t.Chdir(root)
	if err := syscall.Mkfifo("pipe.yaml", 0o644); err != nil {
		t.Skip("no FIFOs:", err)
	}
	// The walk must not open the FIFO: nothing writes to it, so a read would block forever.
	done := make(chan Loaded)
	go func() { done <- Load(context.Background(), []string{"."}, LoadOptions{}) }()
	select {
	case got := <-done:
		if !slices.Equal(got.Files, []string{"ok.yaml"}) || !strings.Contains(errorText(got.Errors), "pipe.yaml: not a regular file; skipped") {
			t.Errorf("files %v\n%s", got.Files, errorText(got.Errors))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the walk blocked on a FIFO")
	}
}

func TestLoadBadFilesDoNotStopOthers(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"alias-bomb.yaml", "malformed.yaml", "duplicate-key.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "bad", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("binary.yaml", "apiVersion: v1\n\x00\x01\x02\xff")
	write("binary.bin", "\x7fELF\x02\x01\x01\x00") // not walked (extension), read when named
	write("latin1.yaml", "a: 1\nb: caf\xe9\n")
	write("deep-flow.yaml", "a: "+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+"\n")
	write("deep-map.json", strings.Repeat(`{"a":`, 5000)+"1"+strings.Repeat("}", 5000))
	write("good-1.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
	write("good-2.json", `{"apiVersion": "v1", "kind": "List", "items": [{"kind": "ConfigMap"}, {"kind": "Secret"}]}`)
	write("z-good.yaml", "a: 1\n---\nb: 2\n")
	f, err := os.Create(filepath.Join(dir, "huge.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil { // sparse: 200 MB without writing them
		t.Fatal(err)
	}
	f.Close()

	start := time.Now()
	got := Load(context.Background(), []string{dir, filepath.Join(dir, "binary.bin")}, LoadOptions{Workers: 3})
	took := time.Since(start)
	rel := func(name string) string { return filepath.ToSlash(filepath.Join(dir, name)) }
	want := map[string]string{
		"alias-bomb.yaml:8: ":    "YAML aliases expand beyond 1000000 nodes (an alias bomb?); raise --max-yaml-nodes if this file is genuine",
		"malformed.yaml:8: ":     "invalid YAML: did not find expected key",
		"duplicate-key.yaml:9: ": `duplicate key "mtu" (first at line 7)`,
		"binary.yaml:2: ":        "binary file (NUL byte)",
		"binary.bin:1: ":         "binary file (control character U+007F",
		"latin1.yaml:2: ":        "not valid UTF-8 (byte 0xe9)",
		"deep-flow.yaml: ":       "invalid YAML: exceeded max depth of 10000",
		"deep-map.json:1: ":      "YAML nests deeper than 1000 levels",
		"huge.yaml: ":            "file is 209715200 bytes, over the 16777216-byte limit (raise --max-file-size if it is genuine)",
	}
	if len(got.Errors) != len(want) {
		t.Errorf("%d errors, want %d:\n%s", len(got.Errors), len(want), errorText(got.Errors))
	}
	all := errorText(got.Errors)
	for where, msg := range want {
		if !strings.Contains(all, rel(where)+msg) {
			t.Errorf("errors lack %q:\n%s", rel(where)+msg, all)
		}
	}
	wantDocs := []string{rel("good-1.yaml") + "#0", rel("good-2.json") + "#0", rel("good-2.json") + "#0", rel("z-good.yaml") + "#0", rel("z-good.yaml") + "#1"}
	if !slices.Equal(docFiles(got.Documents), wantDocs) {
		t.Errorf("documents %v\nwant %v", docFiles(got.Documents), wantDocs)
	}
	if len(got.Files) != 12 {
		t.Errorf("%d files read: %v", len(got.Files), got.Files)
	}
	t.Logf("%d files, %d errors in %v", len(got.Files), len(got.Errors), took)
}

func TestLoadStdin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		paths  []string
		stdin  string
		noIn   bool
		limits yamldoc.Limits
		docs   int
		err    string
	}{
		{name: "documents", paths: []string{"-"}, stdin: "a: 1\n---\nb: 2\n", docs: 2},
		{name: "named twice, read once", paths: []string{"-", "-"}, stdin: "a: 1\n", docs: 1},
		{name: "no stdin", paths: []string{"-"}, noIn: true, err: "<stdin>: no standard input to read"},
		{name: "over the limit", paths: []string{"-"}, stdin: strings.Repeat("a: 1\n", 100), limits: yamldoc.Limits{MaxFileBytes: 50}, err: "<stdin>: input is over the 50-byte limit (raise --max-file-size"},
		{name: "malformed", paths: []string{"-"}, stdin: "a: 1\nb: [\n", err: "<stdin>:2: invalid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := LoadOptions{Limits: tc.limits}
			if !tc.noIn {
				opts.Stdin = strings.NewReader(tc.stdin)
			}
			got := Load(context.Background(), tc.paths, opts)
			if len(got.Documents) != tc.docs || !slices.Equal(got.Files, []string{StdinName}) {
				t.Errorf("%d documents, files %v", len(got.Documents), got.Files)
			}
			for _, d := range got.Documents {
				if d.File != StdinName {
					t.Errorf("document named %q", d.File)
				}
			}
			if all := errorText(got.Errors); tc.err == "" && all != "" || !strings.Contains(all, tc.err) {
				t.Errorf("errors %q, want %q", all, tc.err)
			}
		})
	}
	got := Load(context.Background(), []string{"-"}, LoadOptions{Stdin: strings.NewReader("x: 1\n---\ny:\n  z: 2\n")})
	if d := got.Documents[1]; d.Line != 3 || d.LineOf([]any{"y", "z"}) != 4 {
		t.Errorf("stdin lines: %d %d", d.Line, d.LineOf([]any{"y", "z"}))
	}
}

func TestLoadPathErrors(t *testing.T) {
	root := writeTree(t, map[string]string{"ok.yaml": "a: 1\n"})
	t.Chdir(root)
	got := Load(context.Background(), []string{"", "missing.yaml", "missing-dir/", "ok.yaml"}, LoadOptions{})
	all := errorText(got.Errors)
	for _, want := range []string{`"": an empty path names no file`, "missing.yaml: no such file or directory", "missing-dir: no such file or directory"} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
	if !slices.Equal(got.Files, []string{"ok.yaml"}) || len(got.Documents) != 1 {
		t.Errorf("files %v", got.Files)
	}
}

func TestLoadLimits(t *testing.T) {
	root := writeTree(t, map[string]string{
		"small.yaml": "a: 1\n",
		"big.yaml":   strings.Repeat("k: v\n", 30)[:145] + "x: 1\n",
		"nodes.yaml": "[" + strings.Repeat("1,", 50) + "1]\n",
	})
	t.Chdir(root)
	got := Load(context.Background(), []string{"."}, LoadOptions{Limits: yamldoc.Limits{MaxFileBytes: 120, MaxNodes: 20}})
	all := errorText(got.Errors)
	for _, want := range []string{"big.yaml: file is 150 bytes, over the 120-byte limit", "nodes.yaml:1: YAML has more than 20 nodes; raise --max-yaml-nodes"} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
	if len(got.Documents) != 1 {
		t.Errorf("%d documents", len(got.Documents))
	}
}

func TestLoadCancel(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 50; i++ {
		files[fmt.Sprintf("f%02d.yaml", i)] = "a: 1\n"
	}
	root := writeTree(t, files)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := Load(ctx, []string{root}, LoadOptions{Workers: 2})
	if len(got.Files) != 0 || len(got.Documents) != 0 {
		t.Errorf("read %d files after cancellation", len(got.Files))
	}
	if len(got.Errors) != 1 || !errors.Is(got.Errors[0], context.Canceled) {
		t.Errorf("errors: %v", got.Errors)
	}
}

func TestLoadDeterministic(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 200; i++ {
		files[fmt.Sprintf("d%d/f%03d.yaml", i%7, i)] = fmt.Sprintf("i: %d\n---\nj: %d\n", i, i)
	}
	root := writeTree(t, files)
	var first []string
	for _, workers := range []int{1, 2, 8, 64} {
		got := Load(context.Background(), []string{root}, LoadOptions{Workers: workers})
		order := docFiles(got.Documents)
		if len(order) != 400 || !slices.IsSortedFunc(got.Files, strings.Compare) {
			t.Fatalf("workers %d: %d documents", workers, len(order))
		}
		if first == nil {
			first = order
		} else if !slices.Equal(order, first) {
			t.Errorf("workers %d: order differs", workers)
		}
	}
}

func TestLoadKeep(t *testing.T) {
	root := writeTree(t, map[string]string{"a.yaml": "kind: ConfigMap\n---\nkind: Deployment\n---\nkind: ConfigMap\n"})
	keep := func(d *yamldoc.Document) bool { return d.Object.(map[string]any)["kind"] == "ConfigMap" }
	got := Load(context.Background(), []string{root}, LoadOptions{Keep: keep})
	if len(got.Documents) != 2 || got.Skipped != 1 || got.Documents[1].Index != 2 {
		t.Errorf("%d documents, %d skipped", len(got.Documents), got.Skipped)
	}
}

// TestLoadHelmChartFileTemplates: a chart's files outside templates/ that are templates
// (Cilium's chart renders files/cilium-envoy/configmap/bootstrap-config.yaml with tpl),
// here in a chart vendored under an umbrella chart's charts/, are a note for their chart,
// not an input error; those that parse are read; outside a chart, one is still an error.
func TestLoadHelmChartFileTemplates(t *testing.T) {
	tmpl := "a:\n  {{- include \"x\" . | nindent 2 }}\n"
	t.Chdir(writeTree(t, map[string]string{
		"platform/Chart.yaml":                           "apiVersion: v2\nname: platform\n",
		"platform/values.yaml":                          "cilium:\n  MTU: 8500\n",
		"platform/charts/cilium/Chart.yaml":             "apiVersion: v2\nname: cilium\n",
		"platform/charts/cilium/values.yaml":            "MTU: 0\n",
		"platform/charts/cilium/files/envoy/boot.yaml":  tmpl,
		"platform/charts/cilium/files/envoy/other.yaml": tmpl,
		"platform/ci/values-ci.yaml":                    "cilium:\n  MTU: 1500\n",
		"platform/ci/bad.yaml":                          tmpl,
		"other/x.yaml":                                  tmpl,
	}))
	got := Load(context.Background(), []string{"."}, LoadOptions{})
	if len(got.Errors) != 1 || !strings.Contains(got.Errors[0].Error(), "other/x.yaml") {
		t.Errorf("errors %v, want other/x.yaml's alone", got.Errors)
	}
	var notes []string
	for _, n := range got.Notes {
		notes = append(notes, n.Error())
	}
	want := []string{
		"platform/charts/cilium/files/envoy/boot.yaml: a template of the Helm chart in platform/charts/cilium (and 1 more of its files), rendered by the chart's templates rather than installed: not read; lint the chart's output (helm template platform/charts/cilium | mtuguard lint -)",
		"platform/ci/bad.yaml: a template of the Helm chart in platform, rendered by the chart's templates rather than installed: not read; lint the chart's output (helm template platform | mtuguard lint -)",
	}
	if !slices.Equal(notes, want) {
		t.Errorf("notes\n%q\nwant\n%q", notes, want)
	}
	if !slices.Contains(got.Files, "platform/ci/values-ci.yaml") || !slices.Contains(got.Files, "platform/charts/cilium/values.yaml") {
		t.Errorf("files %v: a chart's other YAML files are read", got.Files)
	}
}
