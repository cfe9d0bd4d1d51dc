package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileInput: every bad input is an input error (exit 2) naming the file (and line
// where there is one) or a finding; never a panic or unbounded memory; and the good file
// beside it is still linted and reported.
func TestHostileInput(t *testing.T) {
	deepFlow := "a: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n"
	var deepMap strings.Builder
	deepMap.WriteString("a:\n")
	for i := 1; i < 3000; i++ {
		deepMap.WriteString(strings.Repeat(" ", i) + "b:\n")
	}
	cm := func(data string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cilium-config\ndata:\n" + data
	}
	policy := func(rule string) string {
		return "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  endpointSelector: {}\n  ingressDeny:\n  - " + rule + "\n"
	}
	for _, tc := range []struct {
		name, content, want string
	}{
		{"alias-bomb.yaml", aliasBomb, "alias-bomb.yaml:"},
		{"deep-flow.yaml", deepFlow, "deep-flow.yaml: invalid YAML: exceeded max depth"},
		{"deep-map.yaml", deepMap.String(), "deep-map.yaml:1002: YAML nests deeper than 1000 levels"},
		{"binary.yaml", "a: 1\n\x00\x01\x02", "binary.yaml:2: binary file"},
		{"latin1.yaml", "a: caf\xe9\n", "latin1.yaml:1: not valid UTF-8"},
		{"duplicate.yaml", cm("  mtu: \"8500\"\n  mtu: \"9001\"\n"), `duplicate.yaml:7: duplicate key "mtu" (first at line 6)`},
		{"mtu-abc.yaml", cm("  mtu: abc\n"), `mtu-abc.yaml:6: mtu: "abc" is not a whole number`},
		{"mtu-unquoted.yaml", cm("  mtu: 9001\n"), "mtu-unquoted.yaml:1: data: ConfigMap data values must be strings"},
		{"cluster-id-negative.yaml", cm("  cluster-id: \"-1\"\n"), `cluster-id-negative.yaml:6: cluster-id: "-1" is not a whole number`},
		{"icmps-number.yaml", policy("icmps: 3"), "icmps-number.yaml:7: ingressDeny[0].icmps must be a list"},
		{"icmp-type-name.yaml", policy("icmps: [{fields: [{type: PacketTooLarge, family: IPv6}]}]"), "icmp-type-name.yaml:7: icmps type \"PacketTooLarge\" is neither"},
		{"routing-mode.yaml", cm("  routing-mode: tunnle\n"), `routing-mode.yaml:6: routing-mode: "tunnle" is not one of native, tunnel`},
		{"underlay-ipv6.yaml", "routingMode: tunnel\nunderlayProtocol: ipv6\n", `underlay-ipv6.yaml:2: underlayProtocol: "ipv6" while IPv6 is disabled (ipv6.enabled defaults to false in Cilium's chart): the Cilium agent (1.20 and later) refuses to start`},
		{"cnc-underlay-ipv6.yaml", "apiVersion: cilium.io/v2\nkind: CiliumNodeConfig\nmetadata: {name: v6, namespace: kube-system}\nspec:\n  nodeSelector: {}\n  defaults:\n    enable-ipv6: \"false\"\n    underlay-protocol: ipv6\n", `cnc-underlay-ipv6.yaml:8: CiliumNodeConfig "v6" sets underlay-protocol, enable-ipv6: with it, the nodes it selects (every node) run underlay-protocol "ipv6" while IPv6 is disabled`},
		{"values-string.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    chart: cilium\n    helm:\n      values: \"a: [\"\n", "values-string.yaml:7: spec.source.helm.values: the string is not YAML values"},
		{"values-map.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  sources:\n  - chart: cilium\n    helm:\n      values:\n        MTU: 8500\n", "values-map.yaml:7: spec.sources[0].helm.values: Argo CD takes helm.values as a string, not a map, and refuses the Application: move the map to helm.valuesObject, or write it as a block string (values: |)"},
		{"userdata.yaml", "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: x}\nspec:\n  userData: |\n    Content-Type: multipart/mixed; boundary=\"B\"\n\n    --B\n    Content-Transfer-Encoding: base64\n\n    !!!\n    --B--\n", "userdata.yaml:8: spec.userData: MIME user data, part 1: invalid base64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.name, tc.content)
			write(t, dir, "good.yaml", unclampedMember)
			write(t, dir, "empty.yaml", "# only a comment\n---\n---\nnull\n")
			code, out, errOut := mtuguard(t, dir, "", "lint", "--config", write(t, t.TempDir(), "c.yaml", tgwConfig), ".")
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
			if !strings.Contains(out, "good.yaml:6: MTU001") {
				t.Errorf("the good file was not reported:\n%s", out)
			}
		})
	}
}

func TestHugeFileAndSymlinkLoop(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "huge.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(200 << 20)
	f.Close()
	if err := os.Symlink(".", filepath.Join(dir, "loop")); err != nil {
		t.Skip(err)
	}
	write(t, dir, "good.yaml", unclampedMember)
	code, out, errOut := mtuguard(t, dir, "", "lint", "--config", write(t, t.TempDir(), "c.yaml", tgwConfig), ".")
	if code != 2 || !strings.Contains(errOut, "huge.yaml: file is 209715200 bytes, over the 16777216-byte limit (raise --max-file-size") ||
		!strings.Contains(errOut, "symlink loop") || !strings.Contains(out, "good.yaml:6: MTU001") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// The limit is configurable.
	code, _, errOut = mtuguard(t, dir, "", "lint", "--max-file-size", "100", "good.yaml")
	if code != 2 || !strings.Contains(errOut, "over the 100-byte limit") {
		t.Errorf("--max-file-size: exit %d, %s", code, errOut)
	}
}
