package report_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

func TestText(t *testing.T) {
	out := format(t, "text", sample())
	for _, want := range []string{
		"clusters/prod/cilium-config.yaml:6: MTU001 error: pods get MTU 8951: 100% of packets > 8450 bytes, a:b,c\r\n    are lost\n",
		"    fix: set mtu: \"8500\"",
		"4 files, 4 objects: 3 errors, 1 warnings, 1 info, 1 suppressed, 1 input errors, 1 input notes",
		"  suppressed ICMP003 at clusters/prod/policies.yaml:10: ignored by a mtuguard:ignore comment at clusters/prod/policies.yaml:9 (CHG-42 <ack>)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "policies.yaml:10: ICMP003") || strings.Contains(out, "\033[") {
		t.Errorf("suppressed findings are listed under the summary only, and no colour unless asked:\n%s", out)
	}
}

// TestTextGroupsSuppressionReasons: a rule turned off in the config suppresses many
// findings with one reason; they share a line.
func TestTextGroupsSuppressionReasons(t *testing.T) {
	r := clean()
	for i := range 5 {
		r.Findings = append(r.Findings, lint.Finding{
			Verdict: policies.Verdict{Finding: policies.Finding{Rule: "ICMP003", Severity: "warning"}, Suppressed: "rule ICMP003 is off in the mtuguard config"},
			File:    fmt.Sprintf("p%d.yaml", i), Line: 1,
		})
	}
	out := format(t, "text", r)
	want := "  suppressed ICMP003 at p0.yaml:1, p1.yaml:1, p2.yaml:1, 2 more: rule ICMP003 is off in the mtuguard config\n"
	if !strings.HasSuffix(out, want) || strings.Count(out, "suppressed ICMP003") != 1 {
		t.Errorf("got:\n%s\nwant suffix:\n%s", out, want)
	}
}
