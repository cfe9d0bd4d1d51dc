package policies

import (
	"os"
	"testing"
)

// TestReferenceUpToDate fails when policies/README.md is stale; `make generate`
// (UPDATE_REFERENCE=1) rewrites it.
func TestReferenceUpToDate(t *testing.T) {
	want := Reference()
	if os.Getenv("UPDATE_REFERENCE") != "" {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("README.md")
	if err != nil || string(got) != want {
		t.Fatalf("policies/README.md is stale or missing (%v): run `make generate`", err)
	}
}
