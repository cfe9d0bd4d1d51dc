package lint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func TestLoadWalk(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.yaml":                "x: 1\n---\ny: 2\n",
		"b/c.yml":               "z: 3\n",
		"b/d.json":              `{"j": 1}`,
		"b/readme.md":           "# not yaml\n",
		"vendor/v.yaml":         "v: 1\n",
		".git/config.yaml":      "g: 1\n",
		"explicit.txt":          "e: 1\n",
		"bad/broken.yaml":       "a: [1\n",
		"empty.yaml":            "# only a comment\n",
		"nested/deep/more.yaml": "m: 1\n",
	})
	t.Chdir(root)
	got := Load(context.Background(), []string{".", "explicit.txt", "missing.yaml"}, LoadOptions{Ignore: []string{"vendor/**"}})
	wantFiles := []string{"a.yaml", "b/c.yml", "b/d.json", "bad/broken.yaml", "empty.yaml", "explicit.txt", "nested/deep/more.yaml"}
	if strings.Join(got.Files, " ") != strings.Join(wantFiles, " ") {
		t.Errorf("files %v, want %v", got.Files, wantFiles)
	}
	if len(got.Documents) != 6 { // a.yaml has 2; broken and empty none
		t.Errorf("%d documents", len(got.Documents))
	}
	var msgs []string
	for _, e := range got.Errors {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"missing.yaml: no such file or directory", "bad/broken.yaml:"} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
}

func TestLoadSymlinkLoopAndLimits(t *testing.T) {
	root := writeTree(t, map[string]string{"d/ok.yaml": "a: 1\n"})
	if err := os.Symlink("..", filepath.Join(root, "d", "up")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	if err := os.Symlink("nowhere.yaml", filepath.Join(root, "d", "dangling.yaml")); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(root, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil { // sparse: 200 MB without writing them
		t.Fatal(err)
	}
	f.Close()
	got := Load(context.Background(), []string{root}, LoadOptions{})
	all := ""
	for _, e := range got.Errors {
		all += e.Error() + "\n"
	}
	for _, want := range []string{"symlink loop", "dangling symlink", "big.yaml: file is 209715200 bytes, over the 16777216-byte limit"} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
	if len(got.Documents) != 1 {
		t.Errorf("%d documents, want ok.yaml's 1", len(got.Documents))
	}
}

func TestLoadStdin(t *testing.T) {
	got := Load(context.Background(), []string{"-"}, LoadOptions{Stdin: strings.NewReader("a: 1\n---\nb: 2\n")})
	if len(got.Documents) != 2 || got.Documents[1].File != StdinName || got.Documents[1].Line != 3 {
		t.Errorf("%+v", got)
	}
}
