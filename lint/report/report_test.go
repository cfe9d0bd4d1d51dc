package report_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/lint/report"
	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// sample is a hand-built report with the awkward cases every format must carry: a rule
// firing twice on one object, a suppressed finding, an info finding, Helm values (no
// object name), characters that need escaping, a file name with a space, an input error, an input note.
func sample() *lint.Report {
	cm := lint.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "cilium-config"}
	cnp := lint.ObjectRef{APIVersion: "cilium.io/v2", Kind: "CiliumNetworkPolicy", Namespace: "payments", Name: "api"}
	finding := func(rule, sev, msg, file string, line int, ref lint.ObjectRef, suppressed string) lint.Finding {
		return lint.Finding{
			Verdict: policies.Verdict{Finding: policies.Finding{Rule: rule, Severity: sev, Message: msg, Remediation: "set mtu: \"8500\""}, Suppressed: suppressed},
			File:    file, Line: line, Ref: ref, Cluster: "prod",
		}
	}
	return &lint.Report{
		Files:   []string{"clusters/prod/cilium-config.yaml", "clusters/prod/policies.yaml", "clusters/prod/my values.yaml", "bad.yaml"},
		Objects: 4,
		Findings: []lint.Finding{
			finding("MTU001", "error", "pods get MTU 8951: 100% of packets > 8450 bytes, a:b,c\r\nare lost", "clusters/prod/cilium-config.yaml", 6, cm, ""),
			finding("ICMP001", "error", "ingressDeny rule 0 denies PacketTooBig", "clusters/prod/policies.yaml", 20, cnp, ""),
			finding("ICMP001", "error", "ingressDeny rule 1 denies PacketTooBig", "clusters/prod/policies.yaml", 31, cnp, ""),
			finding("ICMP003", "warning", "default-deny without frag-needed", "clusters/prod/policies.yaml", 10, cnp,
				"ignored by a mtuguard:ignore comment at clusters/prod/policies.yaml:9 (CHG-42 <ack>)"),
			finding("MTU004", "warning", "members disagree on MTU", "clusters/prod/my values.yaml", 3, lint.ObjectRef{Kind: "HelmValues"}, ""),
			finding("MTU006", "info", "mesh path undeclared", "clusters/prod/my values.yaml", 1, lint.ObjectRef{Kind: "HelmValues"}, ""),
		},
		InputErrors: []error{&yamldoc.Error{File: "bad.yaml", Line: 3, Msg: "mapping values are not allowed in this context"}},
		Notes:       []error{&yamldoc.Error{File: "argocd/cilium.yaml", Line: 11, Msg: "value file $values/prod.yaml is not among the linted files"}},
	}
}

func clean() *lint.Report {
	return &lint.Report{Files: []string{"a.yaml"}, Objects: 1}
}

func format(t *testing.T, name string, r *lint.Report) string {
	t.Helper()
	f, err := report.Get(name, report.Options{Version: "v0.0.0-test"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Format(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGetUnknownFormat(t *testing.T) {
	if _, err := report.Get("checkstyle", report.Options{}); err == nil {
		t.Fatal("want an error naming the known formats")
	}
	if got := report.Names(); len(got) != 5 {
		t.Errorf("formats: %v", got)
	}
}

// Input notes are in the JSON contract beside input errors, counted, and never absent.
func TestJSONInputNotes(t *testing.T) {
	var got report.JSONReport
	if err := json.Unmarshal([]byte(format(t, "json", sample())), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Notes) != 1 || got.Notes[0] != "argocd/cilium.yaml:11: value file $values/prod.yaml is not among the linted files" || got.Summary.InputNotes != 1 {
		t.Errorf("notes %q, summary %+v", got.Notes, got.Summary)
	}
	if out := format(t, "json", clean()); !bytes.Contains([]byte(out), []byte(`"inputNotes": []`)) {
		t.Errorf("a clean run lists no notes as [], not null:\n%s", out)
	}
}
