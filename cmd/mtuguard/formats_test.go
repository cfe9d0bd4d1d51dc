package main

import (
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGoldenFormats pins every format's output on the example repository.
func TestGoldenFormats(t *testing.T) {
	golden, _ := filepath.Abs("../../testdata/golden")
	examples, _ := filepath.Abs("../../testdata/examples")
	for _, format := range []string{"text", "json", "sarif", "junit", "github"} {
		t.Run(format, func(t *testing.T) {
			t.Setenv("NO_COLOR", "1")
			code, out, errOut := mtuguard(t, examples, "", "lint", "--format", format, ".")
			if code != 1 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			path := filepath.Join(golden, "examples."+format)
			if *update {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/mtuguard -run TestGoldenFormats -update)", err)
			}
			if out != string(want) {
				t.Errorf("%s output differs from %s; rerun with -update if intended.\ngot:\n%s", format, path, out)
			}
		})
	}
}

func TestSARIFIsValidAndLocated(t *testing.T) {
	examples, _ := filepath.Abs("../../testdata/examples")
	_, out, _ := mtuguard(t, examples, "", "lint", "--format", "sarif", ".")
	doc, err := sarif.FromBytes([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(); err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %v", err)
	}
	if len(doc.Runs) != 1 || len(doc.Runs[0].Tool.Driver.Rules) < 12 {
		t.Fatalf("want one run with every rule")
	}
	for _, r := range doc.Runs[0].Results {
		loc := r.Locations[0].PhysicalLocation
		if *loc.Region.StartLine < 1 || filepath.IsAbs(*loc.ArtifactLocation.URI) || strings.Contains(*loc.ArtifactLocation.URI, `\`) {
			t.Errorf("bad location %+v", loc)
		}
	}
	for _, rule := range doc.Runs[0].Tool.Driver.Rules {
		if rule.HelpURI == nil || !strings.HasSuffix(*rule.HelpURI, "#"+strings.ToLower(*rule.ID)) || rule.ShortDescription == nil || rule.FullDescription == nil {
			t.Errorf("rule %s lacks docs", *rule.ID)
		}
	}
	// A clean run still lists an empty results array.
	dir := t.TempDir()
	write(t, dir, "ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
	_, out, _ = mtuguard(t, dir, "", "lint", "--format", "sarif", ".")
	if !strings.Contains(out, `"results": []`) {
		t.Errorf("clean SARIF lacks results: []:\n%s", out)
	}
}

func TestJUnitParses(t *testing.T) {
	examples, _ := filepath.Abs("../../testdata/examples")
	_, out, _ := mtuguard(t, examples, "", "lint", "--format", "junit", ".")
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests == 0 || doc.Failures == 0 || doc.Suites[0].Cases[0].Failure == nil || doc.Suites[0].Cases[0].Failure.Message == "" {
		t.Errorf("junit: %+v", doc)
	}
}

func TestSeveralOutputs(t *testing.T) {
	examples, _ := filepath.Abs("../../testdata/examples")
	dir := t.TempDir()
	sarifFile, jsonFile := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.json")
	code, out, errOut := mtuguard(t, examples, "", "lint", "--format", "text", "--format", "sarif="+sarifFile, "--format", "json", "-o", jsonFile, ".")
	if code != 1 || !strings.Contains(out, "MTU001 error") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, f := range []string{sarifFile, jsonFile} {
		data, err := os.ReadFile(f)
		if err != nil || !json.Valid(data) {
			t.Errorf("%s: %v", f, err)
		}
	}
	if code, _, errOut := mtuguard(t, examples, "", "lint", "--format", "text", "--format", "json", "."); code != 2 || !strings.Contains(errOut, "only one --format can write to stdout") {
		t.Errorf("two formats on stdout: exit %d, %s", code, errOut)
	}
}

func TestExplain(t *testing.T) {
	code, out, errOut := mtuguard(t, "", "", "explain", "--node-mtu", "9001", "--path", "aws-transit-gateway", "--tunnel", "vxlan")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{"pod packet (pod MTU)               8951", "UNSAFE: pod MTU 8951", "mtu: 8500", "pod MTU 8450", "TCP MSS 8410"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = mtuguard(t, "", "", "explain", "--path", "aws-vpc", "--tunnel", "geneve", "--underlay", "ipv6", "--encryption", "ipsec")
	if !strings.Contains(out, "OK: 9001-byte packets fit") || !strings.Contains(out, "8854") { // 9001 - 70 - 77
		t.Errorf("ipsec over ipv6:\n%s", out)
	}
	if code, _, _ := mtuguard(t, "", "", "explain", "--tunnel", "gre"); code != 2 {
		t.Errorf("bad --tunnel: exit %d", code)
	}
	examples, _ := filepath.Abs("../../testdata/examples")
	_, out, _ = mtuguard(t, examples, "", "explain", "clusters/prod-euw1/cilium-config.yaml")
	if !strings.Contains(out, `cluster "prod-euw1"`) || !strings.Contains(out, "OK: 8500-byte packets fit") {
		t.Errorf("explain FILE:\n%s", out)
	}
}

func TestRulesCommand(t *testing.T) {
	_, out, _ := mtuguard(t, "", "", "rules")
	if !strings.Contains(out, "MTU001") || !strings.Contains(out, "ICMP004") {
		t.Errorf("rules:\n%s", out)
	}
	_, out, _ = mtuguard(t, "", "", "rules", "icmp002")
	if !strings.Contains(out, "ICMP002: Host firewall") || !strings.Contains(out, "Remediation:") {
		t.Errorf("rules ICMP002:\n%s", out)
	}
	if code, _, _ := mtuguard(t, "", "", "rules", "NOPE001"); code != 2 {
		t.Errorf("unknown rule: exit %d", code)
	}
}
