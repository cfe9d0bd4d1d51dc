package lint_test

import (
	"strings"
	"testing"
)

// fleetBundle installs Cilium's chart with Fleet: common values, then a customization per
// cluster group.
const fleetBundle = `defaultNamespace: kube-system
helm:
  releaseName: cilium
  repo: https://helm.cilium.io
  chart: cilium
  values:
    clustermesh:
      useAPIServer: true
  valuesFiles:
  - values.yaml
targetCustomizations:
- name: prod-use1
  clusterSelector:
    matchLabels: {region: us-east-1}
  helm:
    values:
      cluster: {name: prod-use1, id: 1}
      MTU: 8500
- name: prod-euw1
  clusterSelector:
    matchLabels: {region: eu-west-1}
  helm:
    values:
      cluster: {name: prod-euw1, id: 2}
    valuesFiles: [euw1.yaml]
- name: lab
  clusterSelector:
    matchLabels: {env: lab}
  doNotDeploy: true
`

// Each targetCustomization's clusters are a cluster of their own, with the bundle's values
// and values files under the customization's, as Fleet merges them.
func TestFleetBundleTargets(t *testing.T) {
	files := map[string]string{
		"cilium/fleet.yaml":  fleetBundle,
		"cilium/values.yaml": "kubeProxyReplacement: true\nipam:\n  operator:\n    clusterPoolIPv4PodCIDRList: [10.0.0.0/16]\n",
		"cilium/euw1.yaml":   "ipam:\n  operator:\n    clusterPoolIPv4PodCIDRList: [10.1.0.0/16]\n",
	}
	rep := lintFiles(t, files)
	got := findings(rep, "MTU001")
	if len(got) != 1 || got[0].Cluster != "prod-euw1" || !strings.HasPrefix(got[0].Message, "targetCustomization prod-euw1 of Fleet bundle cilium: ") {
		t.Errorf("want MTU001 on prod-euw1 alone (prod-use1 clamps, lab does not deploy): %+v", rep.Findings)
	}
	if len(findings(rep, "MESH004")) > 0 {
		t.Errorf("euw1.yaml gives prod-euw1 its own pod CIDR over values.yaml's: %+v", rep.Findings)
	}
	if notes := noteList(rep); len(notes) != 1 || !strings.Contains(notes[0], "cilium/fleet.yaml:11: each targetCustomization's clusters are judged") {
		t.Errorf("notes = %q", notes)
	}
	files["cilium/euw1.yaml"] += "MTU: 8500\n"
	if rep := lintFiles(t, files); len(rep.Findings) > 0 {
		t.Errorf("euw1.yaml clamps prod-euw1: %+v", rep.Findings)
	}
}

// Without customizations, the bundle is one cluster; a values file the run does not
// hold is a note.
func TestFleetBundleAlone(t *testing.T) {
	rep := lintFiles(t, map[string]string{
		"cilium/fleet.yml": "helm:\n  chart: oci://registry.example.com/charts/cilium\n  values:\n    cluster: {name: edge, id: 3}\n  valuesFiles: [missing.yaml]\n",
	})
	if got := findings(rep, "MTU001"); len(got) != 1 || got[0].Cluster != "edge" || got[0].Line != 3 {
		t.Errorf("want MTU001 on the bundle's values: %+v", rep.Findings)
	}
	if notes := noteList(rep); len(notes) != 1 || !strings.Contains(notes[0], "cilium/fleet.yml:5: valuesFiles entry missing.yaml (cilium/missing.yaml) is not among the linted files") {
		t.Errorf("notes = %q", notes)
	}
	rep = lintFiles(t, map[string]string{"app/fleet.yaml": "helm:\n  chart: ingress-nginx\n  values: {MTU: 9001, cluster: {id: 1}}\n"})
	if len(rep.Findings) > 0 {
		t.Errorf("another chart's bundle: %+v", rep.Findings)
	}
}
