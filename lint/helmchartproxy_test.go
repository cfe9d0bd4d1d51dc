package lint_test

import (
	"slices"
	"strings"
	"testing"
)

// capiCluster is a Cluster API Cluster of namespace fleet labelled for Cilium.
func capiCluster(name, id string) string {
	return `apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata:
  name: ` + name + `
  namespace: fleet
  labels: {cni: cilium, cilium.io/cluster-id: "` + id + `"}
spec:
  infrastructureRef: {kind: AWSCluster, name: ` + name + `}
`
}

// ciliumProxy is a HelmChartProxy installing Cilium on the Clusters labelled cni=cilium,
// each a mesh member named after its Cluster.
func ciliumProxy(values string) string {
	return `apiVersion: addons.cluster.x-k8s.io/v1alpha1
kind: HelmChartProxy
metadata: {name: cilium, namespace: fleet}
spec:
  clusterSelector:
    matchLabels: {cni: cilium}
  repoURL: https://helm.cilium.io/
  chartName: cilium
  valuesTemplate: |
    cluster:
      name: {{ .Cluster.metadata.name }}
      id: {{ index .Cluster.metadata.labels "cilium.io/cluster-id" }}
    clustermesh:
      useAPIServer: true
` + values
}

// clampedWorkers clamps a Cluster's workers to 8500 for good (Ignition writes the
// networkd drop-in before the interface comes up).
const clampedWorkers = `apiVersion: bootstrap.cluster.x-k8s.io/v1beta1
kind: KubeadmConfigTemplate
metadata: {name: workers, namespace: fleet}
spec:
  template:
    spec:
      format: ignition
      files:
      - path: /etc/systemd/network/00-eth0.network.d/mtu.conf
        content: |
          [Link]
          MTUBytes=8500
`

// Each Cluster a HelmChartProxy selects is a cluster of its own, its findings at the
// template's lines, naming the Cluster; the node pools beside a Cluster object are its.
func TestHelmChartProxyPerCluster(t *testing.T) {
	rep := lintFiles(t, map[string]string{
		"addons/cilium.yaml":              ciliumProxy(""),
		"clusters/prod-use1/cluster.yaml": capiCluster("prod-use1", "1"),
		"clusters/prod-use1/workers.yaml": clampedWorkers,
		"clusters/prod-euw1/cluster.yaml": capiCluster("prod-euw1", "2"),
		"clusters/lab/cluster.yaml":       strings.Replace(capiCluster("lab", "3"), "cni: cilium", "cni: calico", 1),
	})
	got := findings(rep, "MTU001")
	if len(got) != 1 {
		t.Fatalf("want MTU001 on prod-euw1 alone (prod-use1's workers are clamped, lab is not selected): %+v", rep.Findings)
	}
	f := got[0]
	if f.Cluster != "prod-euw1" || f.File != "addons/cilium.yaml" || f.Line != 9 || !strings.HasPrefix(f.Message, "Cluster prod-euw1 of HelmChartProxy cilium: ") {
		t.Errorf("finding = %s:%d %s %q", f.File, f.Line, f.Cluster, f.Message)
	}
	if len(findings(rep, "MESH001"))+len(findings(rep, "MESH002")) > 0 {
		t.Errorf("each Cluster gets its own name and id: %+v", rep.Findings)
	}
	if len(rep.Notes) > 0 {
		t.Errorf("notes: %v", noteList(rep))
	}
}

// A literal cluster.id gives every selected Cluster the same one.
func TestHelmChartProxySameIDForEveryCluster(t *testing.T) {
	rep := lintFiles(t, map[string]string{
		"addons/cilium.yaml":      strings.Replace(ciliumProxy("    MTU: 8500\n"), `{{ index .Cluster.metadata.labels "cilium.io/cluster-id" }}`, "4", 1),
		"clusters/a/cluster.yaml": capiCluster("prod-use1", "1"),
		"clusters/b/cluster.yaml": capiCluster("prod-euw1", "2"),
	})
	if got := findings(rep, "MESH001"); len(got) != 2 || got[0].Line != 12 {
		t.Errorf("want MESH001 on both Clusters at cluster.id: %+v", rep.Findings)
	}
}

// Without a Cluster it selects, the HelmChartProxy is judged once, for a Cluster with the
// selector's labels, and a note says so; what that Cluster lacks is unknown.
func TestHelmChartProxyWithoutClusters(t *testing.T) {
	rep := lintFiles(t, map[string]string{"addons/cilium.yaml": ciliumProxy("")})
	if got := findings(rep, "MTU001"); len(got) != 1 || got[0].Cluster != "cilium-cluster" {
		t.Errorf("want MTU001 on the stand-in Cluster: %+v", rep.Findings)
	}
	if got := findings(rep, "MESH001"); len(got) > 0 {
		t.Errorf("the stand-in's cluster.id is unknown, not 0: %+v", got)
	}
	notes := noteList(rep)
	if len(notes) != 2 || !strings.Contains(notes[0], "addons/cilium.yaml:5: HelmChartProxy fleet/cilium installs Cilium on the Clusters it selects, and no Cluster is among the linted files") ||
		!strings.Contains(notes[1], `addons/cilium.yaml:12: spec.valuesTemplate.cluster.id: renders "<no value>"`) {
		t.Errorf("notes = %q", notes)
	}
}

// The run's Clusters, none selected, are counted in the note.
func TestHelmChartProxySelectsNone(t *testing.T) {
	rep := lintFiles(t, map[string]string{
		"addons/cilium.yaml":      strings.Replace(ciliumProxy("    MTU: 8500\n"), "namespace: fleet}", "namespace: lab}", 1),
		"clusters/a/cluster.yaml": capiCluster("prod-use1", "1"),
	})
	if notes := noteList(rep); len(notes) == 0 || !strings.Contains(notes[0], "the one Cluster among the linted files is not in its namespace") {
		t.Errorf("notes = %q", notes)
	}
}

// A template that does not parse fails every Cluster's install: an input error. One that
// fails for one Cluster may read what only the live Cluster has: a note, said once.
func TestHelmChartProxyTemplateErrors(t *testing.T) {
	clusters := map[string]string{"clusters/a/cluster.yaml": capiCluster("prod-use1", "1"), "clusters/b/cluster.yaml": capiCluster("prod-euw1", "2")}
	files := func(values string) map[string]string {
		m := map[string]string{"addons/cilium.yaml": ciliumProxy(values)}
		for k, v := range clusters {
			m[k] = v
		}
		return m
	}
	rep := runFiles(t, files("    MTU: {{ .Cluster.spec.mtu\n"))
	if len(rep.InputErrors) != 1 || !strings.Contains(rep.InputErrors[0].Error(), "addons/cilium.yaml:9: Clusters prod-euw1, prod-use1 of HelmChartProxy cilium: spec.valuesTemplate: the Go template does not parse") {
		t.Errorf("input errors = %v", rep.InputErrors)
	}
	rep = runFiles(t, files("    MTU: {{ index .Cluster.spec.topology.variables 0 }}\n"))
	notes := noteList(rep)
	if len(rep.InputErrors) > 0 || !slices.ContainsFunc(notes, func(n string) bool {
		return strings.Contains(n, "Clusters prod-euw1, prod-use1 of HelmChartProxy cilium: spec.valuesTemplate: the Go template does not render") && strings.HasSuffix(n, "not judged for this Cluster")
	}) {
		t.Errorf("input errors %v, notes %q", rep.InputErrors, notes)
	}
	if len(rep.Findings) > 0 {
		t.Errorf("a Cluster whose values do not render is not judged: %+v", rep.Findings)
	}
	sel := strings.Replace(ciliumProxy(""), "matchLabels: {cni: cilium}", "matchExpressions: [{key: cni, operator: Is}]", 1)
	rep = runFiles(t, map[string]string{"addons/cilium.yaml": sel})
	if len(rep.InputErrors) != 1 || !strings.Contains(rep.InputErrors[0].Error(), `addons/cilium.yaml:5: spec.clusterSelector: "Is" is not a valid label selector operator`) {
		t.Errorf("input errors = %v", rep.InputErrors)
	}
}

// clusterctl writes each Cluster's objects to a file of its own, often side by side: a
// bootstrap config template is its Cluster's through the MachineDeployment naming it.
func TestHelmChartProxyPoolsByOwner(t *testing.T) {
	machines := func(cluster, template string) string {
		return `apiVersion: cluster.x-k8s.io/v1beta1
kind: MachineDeployment
metadata: {name: ` + cluster + `-md-0, namespace: fleet}
spec:
  clusterName: ` + cluster + `
  template:
    spec:
      clusterName: ` + cluster + `
      bootstrap:
        configRef: {apiVersion: bootstrap.cluster.x-k8s.io/v1beta1, kind: KubeadmConfigTemplate, name: ` + template + `}
`
	}
	rep := lintFiles(t, map[string]string{
		"addons/cilium.yaml":      ciliumProxy(""),
		"clusters/prod-use1.yaml": capiCluster("prod-use1", "1") + "---\n" + machines("prod-use1", "workers") + "---\n" + clampedWorkers,
		"clusters/prod-euw1.yaml": capiCluster("prod-euw1", "2") + "---\n" + machines("prod-euw1", "euw1-workers"),
	})
	got := findings(rep, "MTU001")
	if len(got) != 1 || got[0].Cluster != "prod-euw1" {
		t.Errorf("want MTU001 on prod-euw1 alone (prod-use1's MachineDeployment uses the clamped template): %+v", rep.Findings)
	}
}
