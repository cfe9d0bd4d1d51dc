package lint

import (
	"reflect"
	"slices"
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
	inv := newInventory(Loaded{Documents: docs}, newClassifier(nil), LoadOptions{})
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
	inv := newInventory(Loaded{Documents: docs}, newClassifier(nil), LoadOptions{})
	if inv.objects[1].Cluster != "solo" {
		t.Errorf("cluster %q", inv.objects[1].Cluster)
	}
}

// Overlays (overlays.go): a values file beside Cilium's values that holds only chart keys
// is a later layer of that cluster; other charts' values files are not.
func TestHelmOverlays(t *testing.T) {
	base := map[string]any{"routingMode": "tunnel", "MTU": 9001}
	type m = map[string]any
	for _, c := range []struct {
		name   string
		docs   []*yamldoc.Document
		forced []string
		want   map[string]string // file -> cluster; files not listed must not be objects
		first  string            // the base layer, when it matters
	}{
		{"overlay naming the cluster", []*yamldoc.Document{
			helmDoc("c/values-prod.yaml", m{"cluster": m{"name": "prod", "id": 1}}),
			helmDoc("c/values.yaml", base),
		}, nil, map[string]string{"c/values.yaml": "prod", "c/values-prod.yaml": "prod"}, "c/values.yaml"},
		{"name-values overlay, base by longer name", []*yamldoc.Document{
			helmDoc("c/cilium-values-prod.yaml", m{"ipam": m{"mode": "eni"}, "cluster": m{"name": "p"}}),
			helmDoc("c/cilium-values.yaml", base),
		}, nil, map[string]string{"c/cilium-values.yaml": "p", "c/cilium-values-prod.yaml": "p"}, "c/cilium-values.yaml"},
		{"dotted env overlay", []*yamldoc.Document{
			helmDoc("c/values.yaml", base),
			helmDoc("c/values.prod.yml", m{"MTU": 8500, "cluster": m{"name": "p"}}),
		}, nil, map[string]string{"c/values.yaml": "p", "c/values.prod.yml": "p"}, "c/values.yaml"},
		{"another chart's values beside Cilium's", []*yamldoc.Document{
			helmDoc("c/values.yaml", base),
			helmDoc("c/values-ingress.yaml", m{"controller": m{"replicaCount": 2}, "ipv6": m{"enabled": true}}),
		}, nil, map[string]string{"c/values.yaml": "c#0"}, ""},
		{"another chart's overlay, by the name of its base", []*yamldoc.Document{
			helmDoc("c/values.yaml", base),
			helmDoc("c/k8s-monitoring-values.yaml", m{"destinations": []any{}}),
			helmDoc("c/k8s-monitoring-values-prod.yaml", m{"cluster": m{"name": "prod-eks"}}),
		}, nil, map[string]string{"c/values.yaml": "c#0"}, ""},
		{"only keys no rule reads", []*yamldoc.Document{
			helmDoc("c/values.yaml", base),
			helmDoc("c/values-redis.yaml", m{"image": m{"tag": "7"}, "resources": m{}}),
		}, nil, map[string]string{"c/values.yaml": "c#0"}, ""},
		{"not named as values", []*yamldoc.Document{
			helmDoc("c/values.yaml", base),
			helmDoc("c/cluster.yaml", m{"cluster": m{"name": "x"}}),
		}, nil, map[string]string{"c/values.yaml": "c#0"}, ""},
		{"no Cilium values in the directory", []*yamldoc.Document{
			helmDoc("c/values.yaml", base),
			helmDoc("other/values-prod.yaml", m{"cluster": m{"name": "x"}}),
		}, nil, map[string]string{"c/values.yaml": "c#0"}, ""},
		{"a --values file is a base", []*yamldoc.Document{
			helmDoc("c/values.yaml", m{"ipam": m{"mode": "eni"}}),
			helmDoc("c/values-prod.yaml", m{"cluster": m{"name": "p", "id": 2}}),
		}, []string{"c/values.yaml"}, map[string]string{"c/values.yaml": "p", "c/values-prod.yaml": "p"}, "c/values.yaml"},
		{"without a base, chart keys alone are not Cilium's", []*yamldoc.Document{
			helmDoc("c/values.yaml", m{"ipam": m{"mode": "eni"}}),
			helmDoc("c/values-prod.yaml", m{"cluster": m{"name": "p", "id": 2}}),
		}, nil, map[string]string{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv := newInventory(Loaded{Documents: c.docs}, newClassifier(c.forced), LoadOptions{})
			got := map[string]string{}
			for _, o := range inv.objects {
				got[o.Source.File] = o.Cluster
			}
			for f, cluster := range c.want {
				if g, ok := got[f]; !ok || g != cluster {
					t.Errorf("%s: cluster %q (object: %v), want %q", f, g, ok, cluster)
				}
			}
			for f := range got {
				if _, ok := c.want[f]; !ok {
					t.Errorf("%s is an object; want it not claimed as Cilium values", f)
				}
			}
			if c.first != "" && inv.objects[0].Source.File != c.first {
				t.Errorf("first layer %s, want %s", inv.objects[0].Source.File, c.first)
			}
		})
	}
}

func argoApp(valueFiles ...string) map[string]any {
	files := []any{}
	for _, f := range valueFiles {
		files = append(files, f)
	}
	return map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "spec": map[string]any{"sources": []any{
		map[string]any{"repoURL": "https://helm.cilium.io", "chart": "cilium", "helm": map[string]any{"valueFiles": files}},
		map[string]any{"repoURL": "https://git.example.com/platform.git", "ref": "values"},
	}}}
}

// An Argo CD Application's value files found in the run are layers of its cluster, which
// they name; their directories hold that cluster's other objects.
func TestArgoValueFileClusters(t *testing.T) {
	type m = map[string]any
	cnp := m{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy"}
	docs := []*yamldoc.Document{
		helmDoc("argocd/cilium-prod.yaml", argoApp("$values/clusters/prod/values.yaml")),
		helmDoc("argocd/cilium-staging.yaml", argoApp("$values/clusters/staging/values.yaml", "$values/clusters/staging/values-mtu.yaml")),
		helmDoc("repo/clusters/prod/values.yaml", m{"routingMode": "tunnel", "cluster": m{"name": "prod", "id": 1}}),
		helmDoc("repo/clusters/staging/values.yaml", m{"cluster": m{"name": "staging", "id": 2}}),
		helmDoc("repo/clusters/staging/values-mtu.yaml", m{"MTU": 8500}),
		helmDoc("repo/clusters/prod/policies/p.yaml", cnp),
		helmDoc("repo/clusters/staging/policies/p.yaml", cnp),
	}
	inv := newInventory(Loaded{Documents: docs}, newClassifier(nil), LoadOptions{})
	got := map[string][]string{}
	for _, o := range inv.objects {
		got[o.Source.File] = append(got[o.Source.File], o.Cluster)
	}
	want := map[string][]string{
		"argocd/cilium-prod.yaml": {"prod"}, "repo/clusters/prod/values.yaml": {"prod"}, "repo/clusters/prod/policies/p.yaml": {"prod"},
		"argocd/cilium-staging.yaml": {"staging"}, "repo/clusters/staging/values.yaml": {"staging"},
		"repo/clusters/staging/values-mtu.yaml": {"staging"}, "repo/clusters/staging/policies/p.yaml": {"staging"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("clusters by file:\n got %v\nwant %v", got, want)
	}
	if len(inv.notes) != 0 || len(inv.errors) != 0 {
		t.Errorf("notes %v, errors %v", inv.notes, inv.errors)
	}
}

// values.yaml beside values-prod.yaml and values-staging.yaml, each naming its cluster, is
// the base layer of both clusters, not a cluster of its own; a file naming no cluster that
// sorts after them is their top layer.
func TestSharedBaseValues(t *testing.T) {
	type m = map[string]any
	docs := []*yamldoc.Document{
		helmDoc("c/values.yaml", m{"routingMode": "tunnel", "MTU": 9001}),
		helmDoc("c/values-prod.yaml", m{"cluster": m{"name": "prod", "id": 1}}),
		helmDoc("c/values-staging.yaml", m{"cluster": m{"name": "staging", "id": 2}}),
		helmDoc("c/values-zz-override.yaml", m{"ipv6": m{"enabled": true}}),
		helmDoc("c/policies/p.yaml", m{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy"}),
	}
	inv := newInventory(Loaded{Documents: docs}, newClassifier(nil), LoadOptions{})
	// layers[cluster] lists each cluster's files lowest layer first, as Rego ranks them.
	type layer struct {
		order, id int
		file      string
	}
	byCluster := map[string][]layer{}
	for _, o := range inv.objects {
		if o.Cilium != nil {
			byCluster[o.Cluster] = append(byCluster[o.Cluster], layer{o.Cilium.Order, o.ID, o.Source.File})
		}
	}
	got := map[string][]string{}
	for c, ls := range byCluster {
		slices.SortFunc(ls, func(a, b layer) int {
			if a.order != b.order {
				return a.order - b.order
			}
			return a.id - b.id
		})
		for _, l := range ls {
			got[c] = append(got[c], l.file)
		}
	}
	want := map[string][]string{
		"prod":    {"c/values.yaml", "c/values-prod.yaml", "c/values-zz-override.yaml"},
		"staging": {"c/values.yaml", "c/values-staging.yaml", "c/values-zz-override.yaml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("layers by cluster:\n got %v\nwant %v", got, want)
	}
	for _, o := range inv.objects {
		if o.Source.File == "c/policies/p.yaml" && o.Cluster != "" {
			t.Errorf("a policy beside two clusters' values belongs to neither: %q", o.Cluster)
		}
	}
}
