package policies

import (
	"reflect"
	"testing"
)

func TestKustomizationLayers(t *testing.T) {
	inline := map[string]any{"MTU": float64(8500)}
	for _, tc := range []struct {
		name, doc string
		want      []*CiliumValues // nil: not Cilium's
		files     []ValueFile
	}{
		{name: "valuesInline overrides valuesFile; additional files win over both",
			doc: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
helmCharts:
- name: ingress-nginx
  valuesInline: {MTU: 1}
- name: cilium
  repo: https://helm.cilium.io
  valuesFile: values.yaml
  additionalValuesFiles: [values-prod.yaml, values-eu.yaml]
  valuesInline: {MTU: 8500}`,
			want: []*CiliumValues{{Form: "helm", At: []any{"helmCharts", 1, "valuesInline"}, Values: inline, Order: 1}},
			files: []ValueFile{
				{At: []any{"helmCharts", 1, "valuesFile"}, Order: 0, Entry: "values.yaml", Path: "values.yaml", Beside: true},
				{At: []any{"helmCharts", 1, "additionalValuesFiles", 0}, Order: 2, Entry: "values-prod.yaml", Path: "values-prod.yaml", Beside: true},
				{At: []any{"helmCharts", 1, "additionalValuesFiles", 1}, Order: 3, Entry: "values-eu.yaml", Path: "values-eu.yaml", Beside: true},
			}},
		{name: "a kustomization.yaml without apiVersion and kind; valuesMerge merge: the file wins",
			doc:   "helmCharts:\n- {name: cilium, valuesFile: base.yaml, valuesMerge: merge, valuesInline: {MTU: 8500}}\n",
			want:  []*CiliumValues{{Form: "helm", At: []any{"helmCharts", 0, "valuesInline"}, Values: inline, Order: -1}},
			files: []ValueFile{{At: []any{"helmCharts", 0, "valuesFile"}, Order: 0, Entry: "base.yaml", Path: "base.yaml", Beside: true}}},
		{name: "merge without valuesFile: the chart's defaults win over every inline setting",
			doc:  "helmCharts:\n- {name: cilium, valuesMerge: merge, valuesInline: {MTU: 8500}}\n",
			want: []*CiliumValues{{Form: "helm", At: []any{"helmCharts", 0}, Values: map[string]any{}, Order: 1}}},
		{name: "replace: valuesFile is not read",
			doc:  "helmCharts:\n- {name: cilium, valuesFile: base.yaml, valuesMerge: replace, valuesInline: {MTU: 8500}}\n",
			want: []*CiliumValues{{Form: "helm", At: []any{"helmCharts", 0, "valuesInline"}, Values: inline, Order: 1}}},
		{name: "other charts only", doc: "helmCharts:\n- {name: cert-manager, valuesInline: {installCRDs: true}}\n"},
		{name: "a Kustomization without charts", doc: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cilium-config.yaml]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := checkLayers(t, tc.doc, tc.want)
			if files := KustomizeValueFiles(obj); !reflect.DeepEqual(files, tc.files) {
				t.Errorf("value files %+v, want %+v", files, tc.files)
			}
		})
	}
}
