package lint_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

// runFiles lints files in a temporary directory and returns the report, input errors
// included.
func runFiles(t *testing.T, files map[string]string) *lint.Report {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	cfg := policies.Config{Mesh: policies.MeshConfig{Links: []string{"aws-transit-gateway"}}}
	rep, err := lint.Run(context.Background(), testEngine(t), []string{"."}, lint.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

const memberConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {cluster-name: a, cluster-id: \"1\"}\n"

const nodeClassHead = `apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: nc}
spec:
  amiSelectorTerms: [{alias: al2023@latest}]
  userData: |
`

// User data mtuguard cannot read is an input error naming the file, a line and the
// field: never a silent pass.
func TestUnreadableUserDataIsAnInputError(t *testing.T) {
	for _, tc := range []struct{ name, userData, want string }{
		{"mime base64", "    Content-Type: multipart/mixed; boundary=\"B\"\n\n    --B\n    Content-Transfer-Encoding: base64\n\n    !!!\n    --B--\n", "spec.userData: MIME user data, part 1: invalid base64"},
		{"bottlerocket toml", "    [settings.kubernetes]\n    max-pods 110\n", "spec.userData: Bottlerocket user data is not TOML"},
		{"cloud-config", "    #cloud-config\n    runcmd: [\n", "spec.userData: cloud-config user data is not YAML"},
		// A gzip bomb: 2 MiB of zeros in a few kilobytes; mtuguard stops at 1 MiB.
		{"gzip bomb", "    Content-Type: multipart/mixed; boundary=\"B\"\n\n    --B\n\n    #!/bin/bash\n    --B\n    Content-Type: application/x-gzip\n    Content-Transfer-Encoding: base64\n\n    " + gzipBomb(t) + "\n    --B--\n", "spec.userData: MIME user data, part 2: gzip content decompresses to more than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := runFiles(t, map[string]string{"cilium.yaml": memberConfigMap, "nodes/nc.yaml": nodeClassHead + tc.userData})
			if len(rep.InputErrors) != 1 {
				t.Fatalf("want one input error, got %v", rep.InputErrors)
			}
			got := rep.InputErrors[0].Error()
			if !strings.HasPrefix(got, "nodes/nc.yaml:") || !strings.Contains(got, tc.want) || !strings.Contains(got, "cannot tell what MTU") {
				t.Errorf("error %q lacks the file, line and %q", got, tc.want)
			}
		})
	}
}

// Findings on pools point at the line inside block strings: user data, an eksctl
// command, a Cluster API file's content, a MIME part.
func TestPoolFindingLines(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
	}{
		{"userData script", nodeClassHead + "    #!/bin/bash\n    set -e\n    ip link set dev ens5 mtu 9001\n", 9},
		{"userData MIME part", nodeClassHead + "    MIME-Version: 1.0\n    Content-Type: multipart/mixed; boundary=\"//\"\n\n    --//\n    Content-Type: text/x-shellscript\n\n    ip link set dev ens5 mtu 9001\n    --//--\n", 13},
		{"eksctl block command", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: a, region: us-east-1}\nnodeGroups:\n- name: ng\n  preBootstrapCommands:\n  - echo hi\n  - |\n    echo start\n    ip link set dev eth0 mtu 9001\n", 10}, // AL2: eth0
		{"eksctl plain command", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: a, region: us-east-1}\nmanagedNodeGroups:\n- name: ng\n  preBootstrapCommands:\n  - echo hi\n  - ip link set dev ens5 mtu 9001\n", 8},
		{"continued command", nodeClassHead + "    #!/bin/bash\n    ip link set \\\n      dev ens5 mtu 9001\n", 8},
		{"second command on a line", nodeClassHead + "    #!/bin/bash\n    ip link set dev lo up; ip link set dev ens5 mtu 9001\n", 8},
		{"kubeadm file content", "apiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: KubeadmConfigTemplate\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      files:\n      - path: /etc/systemd/network/10-eth0.network\n        content: |\n          [Match]\n          Name=eth0\n          [Link]\n          MTUBytes=9001\n", 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := runFiles(t, map[string]string{"cilium.yaml": memberConfigMap, "nodes/pool.yaml": tc.doc})
			for _, e := range rep.InputErrors {
				t.Errorf("input error: %v", e)
			}
			got := findings(rep, "MTU002")
			if len(got) != 1 || got[0].File != "nodes/pool.yaml" || got[0].Line != tc.line {
				t.Fatalf("want MTU002 at nodes/pool.yaml:%d, got %+v", tc.line, got)
			}
		})
	}
}

// Flux sets a valuesFrom targetPath with Helm's --set parser: "8500" is a number, so
// the chart accepts it and mtuguard reads it as one (no input error).
func TestFluxTargetPathIsTyped(t *testing.T) {
	release := fluxRelease + "    MTU: 9001\n"
	release = strings.Replace(release, "    name: shared\n", "    name: shared\n    valuesKey: mtu\n    targetPath: MTU\n", 1)
	// The release's own MTU would win; drop it so the targetPath value decides.
	release = strings.Replace(release, "    MTU: 9001\n", "", 1)
	shared := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: kube-system\ndata:\n  mtu: \"8500\"\n"
	rep := runFiles(t, map[string]string{"cilium/release.yaml": release, "cilium/shared.yaml": shared})
	for _, e := range rep.InputErrors {
		t.Errorf("input error: %v", e)
	}
	if got := findings(rep, "MTU001"); len(got) != 0 {
		t.Errorf("MTU 8500 from targetPath must clamp: %+v", got)
	}
}

// An interface a shell variable names is no name to quote: the messages say so, and the
// advice names the family's primary interface.
func TestPoolVariableInterfaceMessages(t *testing.T) {
	doc := strings.Replace(nodeClassHead, "name: nc", "name: loop", 1) + "    #!/bin/bash\n    for i in /sys/class/net/ens*; do ip link set dev $(basename $i) mtu 8500; done\n"
	rep := runFiles(t, map[string]string{"nodes/pool.yaml": doc})
	got := findings(rep, "MTU007")
	if len(got) != 1 {
		t.Fatalf("want one MTU007, got %+v (input errors %v)", rep.Findings, rep.InputErrors)
	}
	f := got[0]
	if !strings.Contains(f.Message, "an interface named by a shell variable") || strings.Contains(f.Message+f.Remediation, "$") || !strings.Contains(f.Remediation, "/etc/systemd/network/70-ens5.network.d/mtu.conf") {
		t.Errorf("message %q, remediation %q", f.Message, f.Remediation)
	}
}

// gzipBomb is 2 MiB of zeros, gzipped and base64-encoded on one line.
func gzipBomb(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(make([]byte, 2<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}
