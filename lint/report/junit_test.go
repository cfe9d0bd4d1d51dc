package report_test

import (
	"encoding/xml"
	"strings"
	"testing"
)

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			File    string `xml:"file,attr"`
			Line    int    `xml:"line,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, out string) junitDoc {
	t.Helper()
	var doc junitDoc
	dec := xml.NewDecoder(strings.NewReader(out))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	return doc
}

func TestJUnit(t *testing.T) {
	out := format(t, "junit", sample())
	if !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration")
	}
	doc := parseJUnit(t, out)
	// 6 findings: ICMP001 twice on one object is one case; plus one input error.
	if doc.Tests != 6 || doc.Failures != 3 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Fatalf("totals tests=%d failures=%d errors=%d skipped=%d\n%s", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, out)
	}
	cases := map[string]int{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases[c.Name]++
			switch c.Name {
			case "MTU001 ConfigMap/kube-system/cilium-config":
				if c.Failure == nil || c.Failure.Type != "error" || !strings.Contains(c.Failure.Message, "100% of packets") ||
					!strings.Contains(c.Failure.Text, "clusters/prod/cilium-config.yaml:6: MTU001 error") || c.Line != 6 || c.File != "clusters/prod/cilium-config.yaml" {
					t.Errorf("MTU001 case: %+v", c)
				}
			case "ICMP001 CiliumNetworkPolicy/payments/api":
				if c.Failure == nil || !strings.Contains(c.Failure.Text, ":20: ICMP001") || !strings.Contains(c.Failure.Text, ":31: ICMP001") {
					t.Errorf("both ICMP001 findings belong to one case: %+v", c)
				}
			case "ICMP003 CiliumNetworkPolicy/payments/api":
				if c.Skipped == nil || !strings.Contains(c.Skipped.Message, "CHG-42") || c.Failure != nil {
					t.Errorf("suppressed case: %+v", c)
				}
			case "MTU004 HelmValues (cluster prod)":
				if c.Failure == nil || c.Failure.Type != "warning" {
					t.Errorf("warning case: %+v", c)
				}
			case "MTU006 HelmValues (cluster prod)":
				if c.Failure != nil || c.Skipped != nil {
					t.Errorf("info passes: %+v", c)
				}
			case "input error":
				if c.Error == nil || c.File != "bad.yaml" || c.Line != 3 {
					t.Errorf("input error case: %+v", c)
				}
			default:
				t.Errorf("unexpected case %q", c.Name)
			}
		}
	}
	if len(cases) != 6 {
		t.Errorf("cases: %v", cases)
	}
}

func TestJUnitClean(t *testing.T) {
	doc := parseJUnit(t, format(t, "junit", clean()))
	if doc.Tests != 1 || doc.Failures != 0 || len(doc.Suites) != 1 || doc.Suites[0].Cases[0].Failure != nil {
		t.Errorf("a clean run is one passing case: %+v", doc)
	}
}
