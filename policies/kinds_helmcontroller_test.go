package policies

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestHelmControllerLayers(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []*CiliumValues // nil: not Cilium's
		err       string
	}{
		{name: "HelmChart of Cilium's repo: valuesContent, then set",
			doc: `apiVersion: helm.cattle.io/v1
kind: HelmChart
metadata: {name: cilium, namespace: kube-system}
spec:
  repo: https://helm.cilium.io
  chart: cilium
  valuesContent: |-
    routingMode: tunnel
    MTU: 9001
  set:
    MTU: 8500
    cluster.name: "a"
    ipv6.enabled: "True"
    cluster.id: "7"`,
			want: []*CiliumValues{
				{Form: "helm", At: []any{"spec", "valuesContent"}, Values: map[string]any{"routingMode": "tunnel", "MTU": float64(9001)}, Order: 0},
				// helm-controller passes "7" with --set-string: a string; True with --set: a boolean.
				{Form: "helm", At: []any{"spec", "set"}, Values: map[string]any{"MTU": int64(8500), "cluster": map[string]any{"name": "a", "id": "7"}, "ipv6": map[string]any{"enabled": true}}, Order: 2},
			}},
		{name: "HelmChart of an archive URL, chart defaults",
			doc:  "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: cni}\nspec: {chart: 'https://example.com/charts/cilium-1.18.2.tgz'}",
			want: []*CiliumValues{{Form: "helm", At: []any{"spec"}, Values: map[string]any{}}}},
		{name: "RKE2's Cilium config",
			doc:  "apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata: {name: rke2-cilium, namespace: kube-system}\nspec:\n  valuesContent: |-\n    MTU: 8500\n",
			want: []*CiliumValues{{Form: "helm", At: []any{"spec", "valuesContent"}, Values: map[string]any{"MTU": float64(8500)}, Order: 1}}},
		{name: "a config of another name with Cilium's keys",
			doc:  "apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata: {name: cni}\nspec:\n  valuesContent: |-\n    tunnelProtocol: geneve\n",
			want: []*CiliumValues{{Form: "helm", At: []any{"spec", "valuesContent"}, Values: map[string]any{"tunnelProtocol": "geneve"}, Order: 1}}},
		{name: "another chart", doc: "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: traefik}\nspec: {chart: traefik, valuesContent: 'MTU: 1'}"},
		{name: "another chart's config", doc: "apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata: {name: rke2-traefik}\nspec: {valuesContent: 'ports: {}'}"},
		{name: "valuesContent as a map",
			doc: "apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata: {name: rke2-cilium}\nspec:\n  valuesContent: {MTU: 8500}\n",
			err: "spec.valuesContent: want a YAML string"},
		{name: "valuesContent not YAML",
			doc: "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: rke2-cilium}\nspec:\n  valuesContent: '[a'\n",
			err: "spec.valuesContent is not a YAML map"},
		{name: "Rancher Cluster: chartValues of rke2-cilium",
			doc:  "apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: {name: a}\nspec:\n  rkeConfig:\n    machineGlobalConfig: {cni: cilium}\n    chartValues:\n      rke2-cilium: {MTU: 8500}\n      rke2-ingress-nginx: {}\n",
			want: []*CiliumValues{{Form: "helm", At: []any{"spec", "rkeConfig", "chartValues", "rke2-cilium"}, Values: map[string]any{"MTU": float64(8500)}}}},
		{name: "Rancher Cluster with cilium among its CNIs, chart defaults",
			doc:  "apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: {name: a}\nspec:\n  rkeConfig:\n    machineGlobalConfig: {cni: 'multus, cilium'}\n",
			want: []*CiliumValues{{Form: "helm", At: []any{"spec", "rkeConfig", "chartValues", "rke2-cilium"}, Values: map[string]any{}}}},
		{name: "Rancher Cluster on canal", doc: "apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: {name: a}\nspec:\n  rkeConfig:\n    machineGlobalConfig: {cni: canal}\n"},
		{name: "Rancher Cluster with chartValues of rke2-cilium a string",
			doc: "apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata: {name: a}\nspec:\n  rkeConfig:\n    chartValues: {rke2-cilium: 'MTU: 8500'}\n",
			err: "spec.rkeConfig.chartValues.rke2-cilium: want a map of rke2-cilium chart values, got a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == "" {
				checkLayers(t, tc.doc, tc.want)
				return
			}
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.doc), &obj); err != nil {
				t.Fatal(err)
			}
			if _, err := Classify(obj); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

// checkLayers classifies doc and compares its Cilium settings layers with want (nil: no
// Cilium config); it returns the decoded document.
func checkLayers(t *testing.T, doc string, want []*CiliumValues) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	c, err := Classify(obj)
	switch {
	case err != nil:
		t.Fatal(err)
	case want == nil && c.Kind != "":
		t.Fatalf("classified as %s, want nothing", c.Kind)
	case want != nil && (c.Kind != KindCiliumConfig || !reflect.DeepEqual(c.Layers, want)):
		t.Errorf("got %s %s\nwant %s", c.Kind, layersString(c.Layers), layersString(want))
	}
	return obj
}

func layersString(ls []*CiliumValues) string {
	var b strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&b, "%+v; ", *l)
	}
	return b.String()
}
