package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

type hook struct {
	ID            string   `json:"id"`
	Entry         string   `json:"entry"`
	Args          []string `json:"args"`
	Language      string   `json:"language"`
	Files         string   `json:"files"`
	PassFilenames *bool    `json:"pass_filenames"`
}

// TestPreCommitHook drives .pre-commit-hooks.yaml the way pre-commit does: `go install`
// the repository (language: golang), select staged files with the `files` regex, and run
// entry + args (+ file names when pass_filenames) in the user's repository.
func TestPreCommitHook(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []hook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].ID != "mtuguard" || hooks[0].Language != "golang" {
		t.Fatalf("hooks: %+v", hooks)
	}
	h := hooks[0]
	gobin := t.TempDir()
	install := exec.Command("go", "install", "./cmd/mtuguard")
	install.Dir = "../.."
	install.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	filesRe := regexp.MustCompile(h.Files)
	for _, tc := range []struct {
		name   string
		mtu    string
		wantOK bool
	}{
		{"failing", "", false},
		{"passing", "  mtu: \"8500\"\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			write(t, repo, ".mtuguard.yaml", tgwConfig)
			write(t, repo, "clusters/a/cilium-config.yaml", unclampedMember+tc.mtu)
			write(t, repo, "README.md", "# not linted\n")
			staged := []string{"clusters/a/cilium-config.yaml", "README.md"}
			var selected []string
			for _, f := range staged {
				if filesRe.MatchString(f) {
					selected = append(selected, f)
				}
			}
			if len(selected) != 1 {
				t.Fatalf("files regex selected %v", selected)
			}
			argv := append(strings.Fields(h.Entry), h.Args...)
			if h.PassFilenames == nil || *h.PassFilenames {
				argv = append(argv, selected...)
			}
			cmd := exec.Command(filepath.Join(gobin, argv[0]), argv[1:]...)
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			out, err := cmd.CombinedOutput()
			if (err == nil) != tc.wantOK {
				t.Errorf("hook ok=%v, want %v:\n%s", err == nil, tc.wantOK, out)
			}
			if !tc.wantOK && !strings.Contains(string(out), "clusters/a/cilium-config.yaml:6: MTU001") {
				t.Errorf("output:\n%s", out)
			}
		})
	}
}

// TestPreCommitReal runs the hook with pre-commit itself (`pre-commit try-repo`, which
// installs it from this working tree as language: golang does) when pre-commit is on
// PATH (Debian: apt-get install pre-commit); TestPreCommitHook covers the rest.
func TestPreCommitReal(t *testing.T) {
	precommit, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit not installed")
	}
	if testing.Short() {
		t.Skip("builds the hook environment")
	}
	top, _ := filepath.Abs("../..")
	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	write(t, repo, ".mtuguard.yaml", tgwConfig)
	write(t, repo, "clusters/a/cilium-config.yaml", unclampedMember)
	write(t, repo, "README.md", "# not linted\n")
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	home := t.TempDir()
	tryRepo := func(files ...string) (string, error) {
		cmd := exec.Command(precommit, append([]string{"try-repo", top, "mtuguard", "--files"}, files...)...)
		cmd.Dir = repo
		// The hook's own GOPATH would download every module again; share the cache.
		cmd.Env = append(os.Environ(), "PRE_COMMIT_HOME="+home, "GOMODCACHE="+strings.TrimSpace(string(modcache)), "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := tryRepo("clusters/a/cilium-config.yaml")
	if err == nil || !strings.Contains(out, "clusters/a/cilium-config.yaml:6: MTU001 error") {
		t.Errorf("failing file: err %v\n%s", err, out)
	}
	if out, err := tryRepo("README.md"); err != nil || !strings.Contains(out, "(no files to check)Skipped") {
		t.Errorf("README only: err %v\n%s", err, out)
	}
	write(t, repo, "clusters/a/cilium-config.yaml", unclampedMember+"  mtu: \"8500\"\n")
	if out, err := tryRepo("clusters/a/cilium-config.yaml"); err != nil || !strings.Contains(out, "Passed") {
		t.Errorf("passing file: err %v\n%s", err, out)
	}
}
