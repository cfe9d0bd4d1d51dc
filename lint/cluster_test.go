package lint

import (
	"testing"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

func helmDoc(file string, obj map[string]any) *yamldoc.Document {
	return &yamldoc.Document{File: file, Line: 1, Object: obj}
}

func TestClusterGrouping(t *testing.T) {
	cm := func(name string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cilium-config"},
			"data": map[string]any{"cluster-name": name}}
	}
	cnp := map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy"}
	docs := []*yamldoc.Document{
		helmDoc("clusters/a/values-prod.yaml", map[string]any{"MTU": 8500}),                                                         // layer of a
		helmDoc("clusters/a/values.yaml", map[string]any{"cluster": map[string]any{"name": "a", "id": 1}, "bpf": map[string]any{}}), // base of a
		helmDoc("clusters/a/policies/p.yaml", cnp),
		helmDoc("clusters/b/cilium-config.yaml", cm("b")),
		helmDoc("clusters/b/deep/x/p.yaml", cnp),
		helmDoc("clusters/c/one.yaml", cm("same")),
		helmDoc("clusters/d/two.yaml", cm("same")),
		helmDoc("shared/p.yaml", cnp), // no enclosing cluster, several clusters: unknown
	}
	inv := newInventory(docs, newClassifier(nil))
	got := map[string]string{}
	order := map[string]int{}
	for i, o := range inv.objects {
		got[o.Source.File] = o.Cluster
		order[o.Source.File] = i
	}
	want := map[string]string{
		"clusters/a/values.yaml": "a", "clusters/a/values-prod.yaml": "a", "clusters/a/policies/p.yaml": "a",
		"clusters/b/cilium-config.yaml": "b", "clusters/b/deep/x/p.yaml": "b",
		"clusters/c/one.yaml": "same@clusters/c", "clusters/d/two.yaml": "same@clusters/d",
		"shared/p.yaml": "",
	}
	for f, c := range want {
		if got[f] != c {
			t.Errorf("%s: cluster %q, want %q", f, got[f], c)
		}
	}
	// values.yaml is the base layer: it must come before values-prod.yaml.
	if order["clusters/a/values.yaml"] > order["clusters/a/values-prod.yaml"] {
		t.Error("values.yaml must be the first layer")
	}
	if inv.objects[order["clusters/a/values-prod.yaml"]].Kind != policies.KindCiliumConfig {
		t.Error("a values file with MTU is Helm values")
	}
}

func TestOnlyClusterAdoptsStrays(t *testing.T) {
	docs := []*yamldoc.Document{
		helmDoc("cilium/values.yaml", map[string]any{"routingMode": "tunnel", "cluster": map[string]any{"name": "solo"}}),
		helmDoc("netpol/p.yaml", map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy"}),
	}
	inv := newInventory(docs, newClassifier(nil))
	if inv.objects[1].Cluster != "solo" {
		t.Errorf("cluster %q", inv.objects[1].Cluster)
	}
}
