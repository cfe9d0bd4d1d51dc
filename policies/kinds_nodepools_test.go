package policies

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func poolsOf(t *testing.T, doc string) []NodePool {
	t.Helper()
	c := classifyYAML(t, doc)
	if c.Kind != KindNodePool {
		t.Fatalf("kind %q, want %s", c.Kind, KindNodePool)
	}
	return c.Pools
}

func TestEksctlFamilies(t *testing.T) {
	for _, tc := range []struct{ version, list, family, want string }{
		{"", "nodeGroups", "", "al2"}, // eksctl's default version 1.32
		{"1.32", "managedNodeGroups", "", "al2023"},
		{"1.29", "managedNodeGroups", "", "al2"},
		{"1.33", "nodeGroups", "", "al2023"},
		{"1.33", "nodeGroups", "Ubuntu2404", "ubuntu"},
		{"1.33", "nodeGroups", "WindowsServer2022CoreContainer", "windows"},
		{"1.30", "managedNodeGroups", "Bottlerocket", "bottlerocket"},
	} {
		doc := "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c, region: r, version: \"" + tc.version + "\"}\n" + tc.list + ":\n- name: ng\n  amiFamily: \"" + tc.family + "\"\n"
		if got := poolsOf(t, doc)[0].Family; got != tc.want {
			t.Errorf("%s %s %q: family %q, want %q", tc.version, tc.list, tc.family, got, tc.want)
		}
	}
}

func TestEksctlPool(t *testing.T) {
	doc := `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: c, region: r, version: "1.33"}
managedNodeGroups:
- name: br
  amiFamily: Bottlerocket
  labels: {workload: gpu}
  bottlerocket:
    settings:
      bootstrap-containers:
        mtu:
          source: example.com/mtu:1
          user-data: aXAgbGluayBzZXQgZGV2IGV0aDAgbXR1IDg1MDAK
`
	p := poolsOf(t, doc)[0]
	wantLabels := map[string]string{"workload": "gpu", labelEksctlNodeGroup: "br", labelEKSNodeGroup: "br"}
	if !reflect.DeepEqual(p.Labels, wantLabels) || p.Family != "bottlerocket" {
		t.Errorf("labels %v family %q", p.Labels, p.Family)
	}
	if len(p.Settings) != 1 || p.Settings[0].MTU != 8500 || !reflect.DeepEqual(p.Settings[0].At, []any{"bottlerocket", "settings", "bootstrap-containers", "mtu", "user-data"}) {
		t.Errorf("settings %+v", p.Settings)
	}
}

func TestKarpenterNodePoolRefs(t *testing.T) {
	v1 := poolsOf(t, "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: gpu}\nspec:\n  template:\n    metadata: {labels: {team: ml}}\n    spec:\n      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: jumbo}\n")[0]
	if v1.NodeClass != "jumbo" || v1.Labels[labelKarpenterNodePool] != "gpu" || v1.Labels["team"] != "ml" || v1.Labels[labelKarpenterNodeClass] != "jumbo" {
		t.Errorf("v1: %+v", v1)
	}
	beta := poolsOf(t, "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: gpu}\nspec:\n  template:\n    spec:\n      nodeClassRef: {apiVersion: karpenter.k8s.aws/v1beta1, kind: EC2NodeClass, name: jumbo}\n")[0]
	if beta.NodeClass != "jumbo" {
		t.Errorf("v1beta1: %+v", beta)
	}
	// v1beta1's kind and apiVersion are optional: the AWS provider finds the class by name.
	nameOnly := poolsOf(t, "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: gpu}\nspec:\n  template:\n    spec:\n      nodeClassRef: {name: jumbo}\n")[0]
	if nameOnly.NodeClass != "jumbo" || nameOnly.Labels[labelKarpenterNodeClass] != "jumbo" {
		t.Errorf("v1beta1 ref by name only: %+v", nameOnly)
	}
	otherGroup := poolsOf(t, "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      nodeClassRef: {apiVersion: example.com/v1, name: y}\n")[0]
	if otherGroup.NodeClass != "" {
		t.Errorf("a kind-less ref to another group is not an EC2NodeClass: %+v", otherGroup)
	}
	other := poolsOf(t, "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      nodeClassRef: {group: example.com, kind: OtherNodeClass, name: y}\n")[0]
	if other.NodeClass != "" {
		t.Errorf("another provider's class is not an EC2NodeClass: %+v", other)
	}
	// Windows nodes run no Cilium: a pool kept to them counts as Windows whatever its class.
	win := poolsOf(t, "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      requirements: [{key: kubernetes.io/os, operator: In, values: [windows]}]\n      nodeClassRef: {group: example.com, kind: Other, name: y}\n")[0]
	mixed := poolsOf(t, "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: m}\nspec:\n  template:\n    spec:\n      requirements: [{key: kubernetes.io/os, operator: In, values: [linux, windows]}]\n      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: y}\n")[0]
	if win.Family != "windows" || mixed.Family != "" {
		t.Errorf("windows-only pool %+v, mixed pool %+v", win, mixed)
	}
	class := poolsOf(t, "apiVersion: karpenter.k8s.aws/v1beta1\nkind: EC2NodeClass\nmetadata: {name: old}\nspec: {role: r}\n")[0]
	if class.Family != "al2" {
		t.Errorf("v1beta1 without amiFamily is AL2: %+v", class)
	}
	br := poolsOf(t, "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: br}\nspec:\n  amiSelectorTerms: [{alias: bottlerocket@v1.30.0}]\n")[0]
	if br.Family != "bottlerocket" {
		t.Errorf("alias family: %+v", br)
	}
}

func TestClusterAPIPools(t *testing.T) {
	kcp := poolsOf(t, `apiVersion: controlplane.cluster.x-k8s.io/v1beta2
kind: KubeadmControlPlane
metadata: {name: cp}
spec:
  kubeadmConfigSpec:
    preKubeadmCommands:
    - ip link set dev eth0 mtu 9001
`)[0]
	if len(kcp.Settings) != 1 || !reflect.DeepEqual(kcp.Path, []any{"spec", "kubeadmConfigSpec"}) || !reflect.DeepEqual(kcp.Settings[0].At, []any{"preKubeadmCommands", 0, "#L1"}) {
		t.Errorf("KubeadmControlPlane: %+v", kcp)
	}
	eks := poolsOf(t, `apiVersion: bootstrap.cluster.x-k8s.io/v1beta2
kind: EKSConfig
metadata: {name: w}
spec:
  boostrapCommandOverride: |
    #!/bin/bash
    echo 8500 > /sys/class/net/eth0/mtu
    /etc/eks/bootstrap.sh prod
`)[0]
	if eks.Family != "al2" || len(eks.Settings) != 1 || !reflect.DeepEqual(eks.Settings[0].At, []any{"boostrapCommandOverride", "#L2"}) {
		t.Errorf("EKSConfig: %+v", eks)
	}
	flatcar := poolsOf(t, `apiVersion: bootstrap.cluster.x-k8s.io/v1beta1
kind: KubeadmConfigTemplate
metadata: {name: w}
spec:
  template:
    spec:
      format: ignition
      joinConfiguration:
        nodeRegistration:
          kubeletExtraArgs: {node-labels: "pool=flatcar,tier=2"}
      ignition:
        containerLinuxConfig:
          additionalConfig: |
            storage:
              files:
              - path: /etc/systemd/network/10-eth0.network
                filesystem: root
                contents:
                  inline: |
                    [Match]
                    Name=eth0
                    [Link]
                    MTUBytes=9001
`)[0]
	if len(flatcar.Settings) != 1 || flatcar.Settings[0].MTU != 9001 || flatcar.Settings[0].Interface != "eth0" || !flatcar.Settings[0].Persistent {
		t.Errorf("Flatcar CLC: %+v", flatcar.Settings)
	}
	if !reflect.DeepEqual(flatcar.Labels, map[string]string{"pool": "flatcar", "tier": "2"}) {
		t.Errorf("node-labels: %v", flatcar.Labels)
	}
	// Ignition writes its files before networkd starts; cloud-init once the network is up.
	if !flatcar.Settings[0].Early {
		t.Errorf("a Container Linux Config's file is in place at boot: %+v", flatcar.Settings[0])
	}
}

func TestClusterAPIFilesWhen(t *testing.T) {
	doc := func(format string) string {
		return "apiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: KubeadmConfig\nmetadata: {name: w}\nspec:\n" + format +
			"  files:\n  - path: /etc/systemd/network/70-ens5.network.d/mtu.conf\n    content: |\n      [Link]\n      MTUBytes=8500\n" +
			"  preKubeadmCommands:\n  - networkctl reload\n"
	}
	for _, tc := range []struct {
		name, format string
		early        bool
	}{
		{"cloud-init", "", false},
		{"ignition", "  format: ignition\n", true},
	} {
		p := poolsOf(t, doc(tc.format))[0]
		if len(p.Settings) != 1 || p.Settings[0].Early != tc.early || p.Settings[0].File != "/etc/systemd/network/70-ens5.network.d/mtu.conf" {
			t.Errorf("%s: settings %+v, want early=%v", tc.name, p.Settings, tc.early)
		}
		if !reflect.DeepEqual(p.Reloads, []string{"systemd-networkd"}) {
			t.Errorf("%s: reloads %v", tc.name, p.Reloads)
		}
	}
}

// Karpenter wraps userData that is not MIME in a part of its own, by AMI family
// (karpenter-provider-aws pkg/providers/amifamily/bootstrap).
func TestKarpenterWrapsUserData(t *testing.T) {
	class := func(alias, userData string) NodePool {
		t.Helper()
		indented := "    " + strings.ReplaceAll(strings.TrimSuffix(userData, "\n"), "\n", "\n    ") + "\n"
		return poolsOf(t, "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: c}\nspec:\n  amiSelectorTerms: [{alias: "+alias+"}]\n  userData: |\n"+indented)[0]
	}
	cloudConfig := "#cloud-config\nruncmd:\n- ip link set dev ens5 mtu 8500\n- networkctl reload\n"
	mime := "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/cloud-config\n\n" + cloudConfig + "--B--\n"
	for _, tc := range []struct {
		name, alias, data string
		lost              string // in the settings' Ignored, "" when they run
	}{
		{"AL2023 cloud-config becomes a NodeConfig part", "al2023@latest", cloudConfig, "nodeadm refuses it"},
		{"AL2023 shell script stays a script", "al2023@latest", "#!/bin/bash\nip link set dev ens5 mtu 8500\n", ""},
		{"AL2023 MIME passes as it is", "al2023@latest", mime, ""},
		{"AL2 cloud-config becomes a shell script", "al2@latest", "#cloud-config\nruncmd:\n- ip link set dev eth0 mtu 8500\n", "runs this cloud-config as a script"},
		{"AL2 shell script", "al2@latest", "#!/bin/bash\nip link set dev eth0 mtu 8500\n", ""},
		{"Custom family passes as it is", "", cloudConfig, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alias := tc.alias
			if alias == "" {
				alias = "al2023@latest"
			}
			p := class(alias, tc.data)
			if tc.alias == "" {
				p = poolsOf(t, "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: c}\nspec:\n  amiFamily: Custom\n  userData: |\n    "+strings.ReplaceAll(strings.TrimSuffix(tc.data, "\n"), "\n", "\n    ")+"\n")[0]
			}
			if len(p.Settings) == 0 {
				t.Fatalf("no settings read: %+v", p)
			}
			for _, s := range p.Settings {
				if !strings.Contains(s.Ignored, tc.lost) || (tc.lost == "") != (s.Ignored == "") {
					t.Errorf("setting %+v: ignored %q, want %q", s.Setting, s.Ignored, tc.lost)
				}
			}
			if tc.lost != "" && p.Reloads != nil {
				t.Errorf("commands that never run reload nothing: %v", p.Reloads)
			}
		})
	}
}

// TestV1beta1NodePoolGroupPruned: v1beta1's nodeClassRef has no group field, so the API
// server drops one rather than refusing its "/"; the pool reads its EC2NodeClass.
func TestV1beta1NodePoolGroupPruned(t *testing.T) {
	var obj map[string]any
	doc := "apiVersion: karpenter.sh/v1beta1\nkind: NodePool\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      nodeClassRef: {group: karpenter.k8s.aws/v1beta1, name: jumbo}\n"
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	c, err := Classify(obj)
	if err != nil || len(c.Pools) != 1 || c.Pools[0].NodeClass != "jumbo" {
		t.Errorf("Classify = %+v, %v", c.Pools, err)
	}
}

func TestPoolErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ doc, path, msg string }{
		{"apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: x}\nspec:\n  userData: |\n    [settings.kubernetes]\n    max-pods 1\n", "spec.userData", "not TOML"},
		{"apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c}\nnodeGroups:\n- name: a\n- name: b\n  overrideBootstrapCommand: |\n    #cloud-config\n    runcmd: [\n", "nodeGroups[1].overrideBootstrapCommand", "not YAML"},
		{"apiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: KubeadmConfigTemplate\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      files:\n      - {path: /etc/systemd/network/a.network, encoding: base64, content: \"%%%\"}\n", "spec.template.spec.files[0].content", "invalid base64"},
		// Karpenter's own windows-custom-userdata example; the NodePool CRD refuses it.
		{"apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      nodeClassRef: {group: karpenter.k8s.aws/v1, kind: EC2NodeClass, name: w}\n", "spec.template.spec.nodeClassRef.group", `write "karpenter.k8s.aws"`},
		{"apiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: KubeadmConfigTemplate\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      files:\n      - {path: /etc/systemd/network/a.network, encoding: gzip+base64, content: \"" + gzipBomb(t) + "\"}\n", "spec.template.spec.files[0].content", "encoding gzip+base64: gzip content decompresses to more than 1048576 bytes"},
	} {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(tc.doc), &obj); err != nil {
			t.Fatal(err)
		}
		_, err := Classify(obj)
		var fe *FieldError
		if !errors.As(err, &fe) || pathString(trimLine(fe.Path)) != tc.path || !strings.HasPrefix(err.Error(), tc.path+": ") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want a FieldError at %s saying %q", tc.path, err, tc.path, tc.msg)
		}
	}
}

// gzipBomb is 2 MiB of zeros, gzipped and base64-encoded: more than mtuguard decompresses.
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

// A managed node group with a launch template boots with the template's AMI and user
// data, which eksctl does not show.
func TestEksctlLaunchTemplate(t *testing.T) {
	p := poolsOf(t, "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c, region: r}\nmanagedNodeGroups:\n- name: lt\n  launchTemplate: {id: lt-0123456789abcdef0, version: \"3\"}\n- name: plain\n")
	if !strings.Contains(p[0].Unknown, "launch template lt-0123456789abcdef0 (version 3)") || p[1].Unknown != "" {
		t.Errorf("unknown: %q, %q", p[0].Unknown, p[1].Unknown)
	}
}

func TestEksctlGroupShape(t *testing.T) {
	const head = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c, region: r}\n"
	for groups, want := range map[string]string{
		"nodeGroups:\n- ng-1\n":                                                           "nodeGroups[0]: a node group must be an object with a name, got a string",
		"nodeGroups:\n- {amiFamily: AmazonLinux2023}\n":                                   "nodeGroups[0].name: a node group needs a name",
		"nodeGroups:\n- {name: a, preBootstrapCommands: ip link set ens5 mtu 9001}\n":     "nodeGroups[0].preBootstrapCommands: preBootstrapCommands must be a list of commands, got a string",
		"managedNodeGroups:\n- {name: a, preBootstrapCommands: [{ip: link}]}\n":           "managedNodeGroups[0].preBootstrapCommands[0]: each preBootstrapCommands entry must be a string, got a map",
		"managedNodeGroups:\n- {name: a, overrideBootstrapCommand: [echo]}\n":             "managedNodeGroups[0].overrideBootstrapCommand: overrideBootstrapCommand must be a string",
		"nodeGroups:\n- {name: a, preBootstrapCommands: ['ip link set ens5 mtu 8500']}\n": "",
	} {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(head+groups), &obj); err != nil {
			t.Fatal(err)
		}
		_, err := Classify(obj)
		if want == "" && err != nil || want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)) {
			t.Errorf("%s: err = %v, want %q", groups, err, want)
		}
	}
}

// TestKarpenterWindowsOnlyRequirements: Karpenter intersects the requirements on
// kubernetes.io/os (beta.kubernetes.io/os normalized to it), so any that keeps Linux out
// leaves the pool no node that runs Cilium; one that still admits Linux does not.
func TestKarpenterWindowsOnlyRequirements(t *testing.T) {
	for _, tc := range []struct {
		requirements string
		windows      bool
	}{
		{"[{key: kubernetes.io/os, operator: In, values: [windows]}]", true},
		{"[{key: kubernetes.io/os, operator: In, values: [linux, windows]}]", false},
		{"[{key: kubernetes.io/os, operator: NotIn, values: [linux]}]", true},
		{"[{key: kubernetes.io/os, operator: NotIn, values: [windows]}]", false},
		{"[{key: kubernetes.io/os, operator: Exists}]", false},
		{"[{key: kubernetes.io/os, operator: DoesNotExist}]", true},
		{"[{key: beta.kubernetes.io/os, operator: In, values: [windows]}]", true},
		// ANDed: the second one keeps Linux out whatever the first says.
		{"[{key: kubernetes.io/os, operator: In, values: [linux, windows]}, {key: kubernetes.io/os, operator: NotIn, values: [linux]}]", true},
		{"[{key: kubernetes.io/os, operator: In, values: [linux, windows], minValues: 1}, {key: kubernetes.io/arch, operator: In, values: [amd64]}]", false},
		{"[{key: node.kubernetes.io/windows-build, operator: In, values: [10.0.20348]}]", false},
	} {
		p := poolsOf(t, "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: p}\nspec:\n  template:\n    spec:\n      requirements: "+tc.requirements+"\n      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: y}\n")[0]
		if got := p.Family == "windows"; got != tc.windows {
			t.Errorf("%s: Windows only %v, want %v", tc.requirements, got, tc.windows)
		}
	}
}
