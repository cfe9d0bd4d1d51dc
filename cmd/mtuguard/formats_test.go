package main

import (
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGoldenFormats pins every format's output on the example repository, byte for byte:
// nothing is normalised, so the goldens are what a user sees. (lint/report's tests
// validate the SARIF golden against the SARIF 2.1.0 schema.)
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

func TestSARIFLocated(t *testing.T) {
	examples, _ := filepath.Abs("../../testdata/examples")
	_, out, _ := mtuguard(t, examples, "", "lint", "--format", "sarif", ".")
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
						Region           struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 || len(doc.Runs[0].Tool.Driver.Rules) < 15 || len(doc.Runs[0].Results) == 0 {
		t.Fatalf("want one run with every rule and the examples' results")
	}
	for _, r := range doc.Runs[0].Results {
		loc := r.Locations[0].PhysicalLocation
		if _, err := os.Stat(filepath.Join(examples, filepath.FromSlash(loc.ArtifactLocation.URI))); err != nil || loc.Region.StartLine < 1 {
			t.Errorf("location %+v must be a file relative to the working directory, with a line", loc)
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
	dec := xml.NewDecoder(strings.NewReader(out))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests == 0 || doc.Failures == 0 || doc.Suites[0].Cases[0].Failure == nil || doc.Suites[0].Cases[0].Failure.Message == "" {
		t.Errorf("junit: %+v", doc)
	}
}

func TestSeveralOutputs(t *testing.T) {
	examples, _ := filepath.Abs("../../testdata/examples")
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	readJSON := func(path string) bool {
		data, err := os.ReadFile(path)
		return err == nil && json.Valid(data)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		files []string // JSON files the run must write
	}{
		{"NAME=FILE", []string{"--format", "text", "--format", "sarif=" + file("a.sarif")}, []string{"a.sarif"}},
		{"NAME:FILE, comma list", []string{"--format", "text,sarif:" + file("b.sarif")}, []string{"b.sarif"}},
		{"--output pairs, - for stdout", []string{"--format", "text,sarif", "--output", "-," + file("c.sarif")}, []string{"c.sarif"}},
		{"repeated --output", []string{"--format", "sarif", "--format", "text", "--format", "json", "-o", file("d.sarif"), "-o", "-", "-o", file("d.json")}, []string{"d.sarif", "d.json"}},
		{"--output only for formats without a file", []string{"--format", "json=" + file("e.json"), "--format", "sarif", "--format", "text", "--output", file("e.sarif") + ",-"}, []string{"e.json", "e.sarif"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := mtuguard(t, examples, "", append(append([]string{"lint"}, tc.args...), ".")...)
			if code != 1 || !strings.Contains(out, "MTU001 error") || strings.HasPrefix(out, "{") {
				t.Fatalf("want text on stdout, exit 1: exit %d\n%s\n%s", code, out, errOut)
			}
			for _, f := range tc.files {
				if !readJSON(file(f)) {
					t.Errorf("%s not written", f)
				}
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"two formats on stdout", []string{"--format", "text", "--format", "json"}, "only one format can write to stdout"},
		{"outputs do not match formats", []string{"--format", "text,json", "-o", file("x.json")}, "1 --output values for 2 formats without a file"},
		{"one file twice", []string{"--format", "sarif,json", "-o", file("y") + "," + file("y")}, "two formats write to"},
		{"empty file after =", []string{"--format", "sarif="}, "no file after"},
		{"unknown format", []string{"--format", "checkstyle"}, `unknown format "checkstyle"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := mtuguard(t, examples, "", append(append([]string{"lint"}, tc.args...), ".")...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}

// TestReadmeExample keeps the README's "What it finds" excerpt true: each of its lines,
// up to a trailing "…", starts a line mtuguard prints on the examples.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "$ cd testdata/examples && mtuguard lint .\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README has no example of `mtuguard lint .` on testdata/examples")
	}
	examples, _ := filepath.Abs("../../testdata/examples")
	t.Setenv("NO_COLOR", "1")
	_, out, _ := mtuguard(t, examples, "", "lint", ".")
	printed := strings.Split(out, "\n")
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		want := strings.TrimSuffix(strings.TrimSuffix(line, "…"), " ")
		if want == "" {
			continue
		}
		if !slices.ContainsFunc(printed, func(p string) bool { return strings.HasPrefix(p, want) }) {
			t.Errorf("README example line is not what mtuguard prints:\n%s", line)
		}
	}
}

func TestExplain(t *testing.T) {
	// The case: Transit Gateway, VXLAN, nodes at 9001.
	code, out, errOut := mtuguard(t, "", "", "explain", "--node-mtu", "9001", "--path", "aws-transit-gateway", "--tunnel", "vxlan")
	if code != 0 {
		t.Fatal(errOut)
	}
	containsAll(t, "explain", out,
		"  packet on the wire (Cilium's MTU)                     9001 bytes\n",
		"  ├─ outer IPv4 + UDP + VXLAN headers, inner Ethernet     50\n",
		"  └─ pod packet (pod MTU)                               8951\n",
		"     └─ TCP payload (MSS)                               8911\n",
		"UNSAFE: pod MTU 8951 makes 9001-byte packets on the wire; the path carries 8500.",
		"A signal to the node does not help the",
		"Largest safe setting: mtu: 8500 → pod MTU 8450, TCP MSS 8410\n",
	)
	_, out, _ = mtuguard(t, "", "", "explain", "--path", "aws-vpc", "--tunnel", "geneve", "--underlay", "ipv6", "--encryption", "ipsec")
	if !strings.Contains(out, "OK: 9001-byte packets fit") || !strings.Contains(out, "pod MTU 8854 is safe") { // 9001 - 70 - 77
		t.Errorf("ipsec over ipv6:\n%s", out)
	}
	_, out, _ = mtuguard(t, "", "", "explain", "--path", "aws-site-to-site-vpn", "--encryption", "wireguard")
	if !strings.Contains(out, "drops larger packets silently") || !strings.Contains(out, "pod MTU 1301, TCP MSS 1261") { // 1446 - 50 - 95
		t.Errorf("VPN path:\n%s", out)
	}
	// Native routing across a silent hop: a Transit Gateway's MSS clamping saves TCP only.
	_, out, _ = mtuguard(t, "", "", "explain", "--path", "aws-transit-gateway-peering", "--tunnel", "none")
	if !strings.Contains(out, "clamps the MSS\n  of TCP through it, so the pods' TCP fits, but their UDP datagrams over 8500 bytes") {
		t.Errorf("native routing across TGW peering:\n%s", out)
	}
	_, out, _ = mtuguard(t, "", "", "explain", "--path", "aws-transit-gateway-peering")
	if strings.Contains(out, "clamps the MSS") {
		t.Errorf("tunnel mode: MSS clamping cannot see inside the tunnel:\n%s", out)
	}
	_, out, _ = mtuguard(t, "", "", "explain", "--path-mtu", "1300", "--tunnel", "geneve", "--underlay", "ipv6")
	if !strings.Contains(out, "is unknown") || !strings.Contains(out, "below 1280: IPv6 between pods stops working") {
		t.Errorf("unknown path, tiny pod MTU:\n%s", out)
	}
	// An egress gateway: native routing, yet Cilium keeps the tunnel overhead in the pod MTU.
	_, out, _ = mtuguard(t, "", "", "explain", "--path", "aws-transit-gateway", "--tunnel", "none", "--egress-gateway", "--encryption", "wireguard")
	containsAll(t, "egress gateway", out,
		"Byte budget: native routing with an egress gateway, WireGuard encryption",
		"  ├─ kept for the egress gateway's VXLAN tunnel           50\n",
		"  ├─ WireGuard encapsulation (80 before 1.20)             95\n",
		"  └─ pod packet (pod MTU)                               8856\n",
		"traffic between clusters is not encapsulated",
		"Largest safe setting: mtu: 8500 → pod MTU 8355",
	)
	for _, bad := range [][]string{{"--tunnel", "gre"}, {"--underlay", "ipx"}, {"--encryption", "tls"}, {"--path", "nope"}, {"--node-mtu", "0"}} {
		if code, _, _ := mtuguard(t, "", "", append([]string{"explain"}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d", bad, code)
		}
	}
	_, out, _ = mtuguard(t, "", "", "explain", "--links")
	if !strings.Contains(out, "aws-transit-gateway                   8500  signals") {
		t.Errorf("links:\n%s", out)
	}
}

// containsAll fails the test for each of wants that out lacks.
func containsAll(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, out)
		}
	}
}

func TestExplainFiles(t *testing.T) {
	examples, _ := filepath.Abs("../../testdata/examples")
	fluxMTU, _ := filepath.Abs("../../testdata/rules/MTU001/pass-flux-substituted-mtu.yaml")
	code, out, errOut := mtuguard(t, examples, "", "explain", "clusters/prod-euw1/cilium-config.yaml", "clusters/prod-use1/cilium-values.yaml")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{
		`== cluster "prod-euw1" (ClusterMesh member)`, "Cilium mtu 8500", "OK: 8500-byte packets fit",
		`== cluster "prod-use1" (ClusterMesh member)`, "node MTU 9001, auto-detected", "UNSAFE: pod MTU 8951",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain FILE lacks %q:\n%s", want, out)
		}
	}
	// The path from the flags wins over the config's.
	_, out, _ = mtuguard(t, examples, "", "explain", "--path", "aws-vpc", "clusters/prod-use1/cilium-values.yaml")
	if !strings.Contains(out, "aws-vpc (9001): path MTU 9001") || !strings.Contains(out, "OK: 9001-byte packets fit") {
		t.Errorf("--path with a file:\n%s", out)
	}
	if code, _, errOut := mtuguard(t, examples, "", "explain", "--tunnel", "geneve", "clusters/prod-use1/cilium-values.yaml"); code != 2 || !strings.Contains(errOut, "the files describe it") {
		t.Errorf("datapath flags with a file: exit %d %s", code, errOut)
	}
	if code, _, _ := mtuguard(t, examples, "", "explain", "clusters/prod-euw1/policies/payments.yaml"); code != 2 {
		t.Errorf("no Cilium config: exit %d", code)
	}
	// Chained to aws-cni, Cilium's mtu does not reach the pods: the budget starts at the node's.
	chained := t.TempDir()
	values := "cluster: {name: a, id: 1}\nclustermesh: {useAPIServer: true}\ncni: {chainingMode: aws-cni}\nroutingMode: native\nMTU: 8500\n"
	if err := os.WriteFile(filepath.Join(chained, "values.yaml"), []byte(values), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ = mtuguard(t, chained, "", "explain", "--path", "aws-vpc-peering-inter-region", "values.yaml")
	if !strings.Contains(out, "node MTU 9001, which aws-cni gives the pods") || !strings.Contains(out, "UNSAFE: pod MTU 9001") || !strings.Contains(out, "only with enable-route-mtu-for-cni-chaining") {
		t.Errorf("aws-cni chaining:\n%s", out)
	}
	// In tunnel mode the primary's pod MTU gets Cilium's VXLAN on top.
	values = "cluster: {name: a, id: 1}\ncni: {chainingMode: generic-veth}\nMTU: 8500\n"
	if err := os.WriteFile(filepath.Join(chained, "values.yaml"), []byte(values), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ = mtuguard(t, chained, "", "explain", "--path", "aws-transit-gateway", "values.yaml")
	containsAll(t, "tunnel chained to generic-veth", out, "packet on the wire (Cilium's MTU)                     9051 bytes",
		"UNSAFE: pod MTU 9001 makes 9051-byte packets", "else set the MTU generic-veth gives pods to 8450")
	// Cilium 1.16/1.17's high-scale ipcache: Geneve in native routing, with the DSR option.
	dir := t.TempDir()
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\n" +
		"data: {cluster-name: a, cluster-id: \"1\", routing-mode: native, tunnel-protocol: geneve, enable-high-scale-ipcache: \"true\"}\n"
	if err := os.WriteFile(filepath.Join(dir, "cilium.yaml"), []byte(cm), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = mtuguard(t, dir, "", "explain", "--path", "aws-transit-gateway", "cilium.yaml"); code != 0 {
		t.Fatalf("high-scale ipcache: exit %d %s", code, errOut)
	}
	containsAll(t, "high-scale ipcache", out,
		"native routing, pod traffic in Geneve (high-scale ipcache, Cilium 1.16/1.17)",
		"  ├─ outer IPv4 + UDP + Geneve headers, inner Ethernet    50\n",
		"  ├─ Geneve DSR option                                    12\n",
		"  └─ pod packet (pod MTU)                               8939\n",
		"which is the node, not the pod",
	)
	// A setting Flux substitutes when it applies the file is named, and read as unset.
	code, out, errOut = mtuguard(t, dir, "", "explain", "--path", "aws-transit-gateway", fluxMTU)
	if code != 0 || !strings.Contains(out, "Not known until the config is applied: mtu; read below as unset") || !strings.Contains(errOut, `MTU is "${CILIUM_MTU}"`) {
		t.Errorf("a substituted mtu: exit %d %s\n%s", code, errOut, out)
	}
	// A base values file is explained with the overlays beside it, as lint layers them:
	// staging-use1's name, cluster id and MTU 8500 are in values-staging.yaml.
	code, out, errOut = mtuguard(t, examples, "", "explain", "clusters/staging-use1/values.yaml")
	if code != 0 || !strings.Contains(out, `== cluster "staging-use1" (ClusterMesh member)`) || !strings.Contains(out, "Cilium mtu 8500") ||
		strings.Count(out, "== cluster") != 1 {
		t.Errorf("explain a base values file: exit %d %s\n%s", code, errOut, out)
	}
}

func TestRulesCommand(t *testing.T) {
	_, out, _ := mtuguard(t, "", "", "rules")
	if !strings.HasPrefix(out, "ID ") || !strings.Contains(out, "MTU001") || !strings.Contains(out, "ICMP004") {
		t.Errorf("rules:\n%s", out)
	}
	_, out, _ = mtuguard(t, "", "", "rules", "icmp002")
	if !strings.Contains(out, "ICMP002: Host firewall") || !strings.Contains(out, "Remediation:") || !strings.Contains(out, "README.md#icmp002") {
		t.Errorf("rules ICMP002:\n%s", out)
	}
	if code, _, _ := mtuguard(t, "", "", "rules", "NOPE001"); code != 2 {
		t.Errorf("unknown rule: exit %d", code)
	}
}
