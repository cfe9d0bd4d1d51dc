package policies

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateReference = flag.Bool("update", false, "rewrite policies/README.md from the rules' METADATA")

// TestReferenceUpToDate fails when policies/README.md is stale; `make generate`,
// `go generate ./policies` or `go test ./policies -run TestReferenceUpToDate -update`
// rewrites it (UPDATE_REFERENCE=1 too, for older Makefiles).
func TestReferenceUpToDate(t *testing.T) {
	want := Reference()
	if *updateReference || os.Getenv("UPDATE_REFERENCE") != "" {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("README.md")
	if err != nil || string(got) != want {
		t.Fatalf("policies/README.md is stale or missing (%v): run `make generate`", err)
	}
}

// TestReferenceAnchors: every rule's DocsURL (SARIF helpUri, `mtuguard rules ID`) lands
// on its section of the reference.
func TestReferenceAnchors(t *testing.T) {
	ref := Reference()
	for _, r := range Catalogue() {
		const base = "https://github.com/mtuguard/mtuguard/blob/main/policies/README.md#"
		if !strings.HasPrefix(r.DocsURL, base) || r.DocsURL == base {
			t.Errorf("%s: DocsURL %q is not in the reference", r.ID, r.DocsURL)
			continue
		}
		if anchor := r.DocsURL[len(base):]; !strings.Contains(ref, `<a id="`+anchor+`"></a>`+"\n## "+r.ID+":") {
			t.Errorf("%s: no anchor %q before its heading", r.ID, anchor)
		}
	}
}
