package report_test

import (
	"strings"
	"testing"
)

func TestGitHub(t *testing.T) {
	out := format(t, "github", sample())
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		// Data escapes %, CR and LF; a property (file, title) also escapes : and ,.
		"::error file=clusters/prod/cilium-config.yaml,line=6,title=MTU001::pods get MTU 8951: 100%25 of packets > 8450 bytes, a:b,c%0D%0Aare lost%0AFix: set mtu: \"8500\"",
		"::error file=clusters/prod/policies.yaml,line=20,title=ICMP001::ingressDeny rule 0 denies PacketTooBig%0AFix: set mtu: \"8500\"",
		"::error file=clusters/prod/policies.yaml,line=31,title=ICMP001::ingressDeny rule 1 denies PacketTooBig%0AFix: set mtu: \"8500\"",
		// the suppressed ICMP003 is not annotated
		"::warning file=clusters/prod/my values.yaml,line=3,title=MTU004::members disagree on MTU%0AFix: set mtu: \"8500\"",
		"::notice file=clusters/prod/my values.yaml,line=1,title=MTU006::mesh path undeclared%0AFix: set mtu: \"8500\"",
		"::error file=bad.yaml,line=3,title=input error::mapping values are not allowed in this context",
		"::warning file=argocd/cilium.yaml,line=11,title=input note::value file $values/prod.yaml is not among the linted files",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\ngot  %s\nwant %s", i, lines[i], want[i])
		}
	}
	if out := format(t, "github", clean()); out != "" {
		t.Errorf("a clean run annotates nothing: %q", out)
	}
}

func TestGitHubEscapesProperties(t *testing.T) {
	r := sample()
	r.Findings = r.Findings[:1]
	r.InputErrors, r.Notes = nil, nil
	r.Findings[0].File = "odd,name:50%.yaml"
	out := format(t, "github", r)
	if !strings.HasPrefix(out, "::error file=odd%2Cname%3A50%25.yaml,line=6,") {
		t.Errorf("file property not escaped: %s", out)
	}
}
