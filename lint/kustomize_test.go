package lint_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
)

const baseRelease = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cilium, namespace: kube-system}
spec:
  chart: {spec: {chart: cilium, sourceRef: {kind: HelmRepository, name: cilium}}}
  values: {routingMode: tunnel, clustermesh: {useAPIServer: true}}
`

const baseReleaseValuesFrom = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cilium, namespace: kube-system}
spec:
  chart: {spec: {chart: cilium, sourceRef: {kind: HelmRepository, name: cilium}}}
  valuesFrom: [{kind: ConfigMap, name: cilium-values}]
  values: {routingMode: tunnel, clustermesh: {useAPIServer: true}}
`

func smpPatch(name string, id int) string {
	return fmt.Sprintf(`apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cilium, namespace: kube-system}
spec:
  values:
    cluster:
      name: %s
      id: %d
`, name, id)
}

// clusterFindings maps each cluster to the file:line of its rule's findings.
func clusterFindings(rep *lint.Report, rule string) map[string][]string {
	out := map[string][]string{}
	for _, f := range findings(rep, rule) {
		out[f.Cluster] = append(out[f.Cluster], fmt.Sprintf("%s:%d", f.File, f.Line))
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func notes(rep *lint.Report) string {
	var s []string
	for _, n := range rep.Notes {
		s = append(s, n.Error())
	}
	return strings.Join(s, "\n")
}

// fluxcd/flux2-kustomize-helm-example: a base release, overlays patching its values.
func TestKustomizeOverlays(t *testing.T) {
	base := map[string]string{
		"base/cilium/release.yaml":       baseRelease,
		"base/cilium/kustomization.yaml": "resources: [release.yaml]\n",
	}
	with := func(files map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range files {
			out[k] = v
		}
		return out
	}
	jsonPatch := func(name string, id int) string {
		return fmt.Sprintf("- op: add\n  path: /spec/values/cluster\n  value: {name: %s, id: %d}\n", name, id)
	}
	tests := []struct {
		name    string
		files   map[string]string
		mtu001  map[string][]string // cluster -> file:line of MTU001
		noteHas string
	}{{
		name: "patches with path and target",
		files: with(map[string]string{
			"prod-use1/kustomization.yaml":  "resources: [../base/cilium]\npatches: [{path: cilium-values.yaml, target: {kind: HelmRelease, name: cilium}}]\n",
			"prod-use1/cilium-values.yaml":  smpPatch("prod-use1", 1),
			"prod-euw1/kustomization.yaml":  "resources: [../base/cilium]\npatches: [{path: cilium-values.yaml, target: {kind: HelmRelease, name: cilium}}]\n",
			"prod-euw1/cilium-values.yaml":  smpPatch("prod-euw1", 2),
			"clusters/prod/infra.yaml":      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra, namespace: flux-system}\nspec: {path: ./prod-use1}\n",
			"prod-use1/policies/deny.yaml":  "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n",
			"base/cilium/README-notes.yaml": "foo: bar\n",
		}),
		mtu001: map[string][]string{"prod-use1": {"base/cilium/release.yaml:6"}, "prod-euw1": {"base/cilium/release.yaml:6"}},
	}, {
		name: "patchesStrategicMerge, no target",
		files: with(map[string]string{
			"envs/a/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base/cilium]\npatchesStrategicMerge: [values.yaml]\n",
			"envs/a/values.yaml":        smpPatch("a", 1),
			"envs/b/kustomization.yaml": "resources: [../../base/cilium]\npatchesStrategicMerge: [values.yaml]\n",
			"envs/b/values.yaml":        smpPatch("b", 2),
		}),
		mtu001: map[string][]string{"a": {"base/cilium/release.yaml:6"}, "b": {"base/cilium/release.yaml:6"}},
	}, {
		name: "inline patch and JSON 6902",
		files: with(map[string]string{
			"a/kustomization.yaml": "resources: [../base/cilium]\npatches:\n- target: {kind: HelmRelease, name: cil.*}\n  patch: |\n    apiVersion: helm.toolkit.fluxcd.io/v2\n    kind: HelmRelease\n    metadata: {name: cilium}\n    spec:\n      values:\n        cluster: {name: a, id: 1}\n        MTU: 9001\n",
			"b/kustomization.yaml": "resources: [../base/cilium]\npatches: [{path: ops.yaml, target: {kind: HelmRelease, name: cilium}}]\n",
			"b/ops.yaml":           jsonPatch("b", 2),
		}),
		// a's MTU is set by the inline patch: the finding points at its line inside it.
		mtu001: map[string][]string{"a": {"a/kustomization.yaml:11"}, "b": {"base/cilium/release.yaml:6"}},
	}, {
		name: "a patch setting the MTU points at the patch file",
		files: with(map[string]string{
			"a/kustomization.yaml": "resources: [../base/cilium]\npatches: [{path: p.yaml}]\n",
			"a/p.yaml":             smpPatch("a", 1) + "    MTU: 9001\n",
			"b/kustomization.yaml": "resources: [../base/cilium]\npatches: [{path: p.yaml}]\n",
			"b/p.yaml":             smpPatch("b", 2) + "    MTU: 8500\n",
		}),
		mtu001: map[string][]string{"a": {"a/p.yaml:9"}},
	}, {
		name: "a patch that matches no release is a note",
		files: with(map[string]string{
			"a/kustomization.yaml": "resources: [../base/cilium]\npatches: [{path: p.yaml, target: {kind: HelmRelease, name: cilium-agent}}]\n",
			"a/p.yaml":             smpPatch("a", 1),
		}),
		mtu001:  map[string][]string{"a#0": {"base/cilium/release.yaml:6"}},
		noteHas: "matches no Cilium HelmRelease",
	}, {
		name: "configMapGenerator valuesFrom in overlays",
		files: map[string]string{
			"base/cilium/release.yaml":       baseReleaseValuesFrom,
			"base/cilium/kustomization.yaml": "resources: [release.yaml]\n",
			"prod-use1/kustomization.yaml":   "resources: [../base/cilium]\nconfigMapGenerator: [{name: cilium-values, namespace: kube-system, files: [values.yaml=values.yaml]}]\n",
			"prod-use1/values.yaml":          "cluster: {name: prod-use1, id: 1}\nMTU: 9001\n",
			"prod-euw1/kustomization.yaml":   "resources: [../base/cilium]\nconfigMapGenerator: [{name: cilium-values, files: [values.yaml]}]\n",
			"prod-euw1/values.yaml":          "cluster: {name: prod-euw1, id: 2}\n",
		},
		mtu001: map[string][]string{"prod-use1": {"prod-use1/values.yaml:2"}, "prod-euw1": {"prod-euw1/values.yaml:1"}}, // no MTU: the lowest layer's top
	}, {
		name: "configMapGenerator literal beside the release",
		files: map[string]string{
			"cilium/release.yaml":       baseReleaseValuesFrom,
			"cilium/kustomization.yaml": "resources: [release.yaml]\nconfigMapGenerator:\n- name: cilium-values\n  literals:\n  - |-\n    values.yaml=cluster: {name: solo, id: 1}\n",
		},
		mtu001: map[string][]string{"solo": {"cilium/kustomization.yaml:5"}}, // the literal
	}, {
		name: "no overlays: the release is its own cluster",
		files: map[string]string{
			"clusters/a/release.yaml":       strings.Replace(baseRelease, "useAPIServer: true}", "useAPIServer: true}, cluster: {name: a, id: 1}", 1),
			"clusters/b/release.yaml":       strings.Replace(baseRelease, "useAPIServer: true}", "useAPIServer: true}, cluster: {name: b, id: 2}", 1),
			"clusters/b/kustomization.yaml": "resources: [release.yaml]\n",
		},
		mtu001: map[string][]string{"a": {"clusters/a/release.yaml:6"}, "b": {"clusters/b/release.yaml:6"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := lintFiles(t, tt.files)
			if got := clusterFindings(rep, "MTU001"); fmt.Sprint(got) != fmt.Sprint(tt.mtu001) {
				t.Errorf("MTU001 by cluster = %v, want %v", got, tt.mtu001)
			}
			if tt.noteHas == "" {
				if got := findings(rep, "MESH001"); len(got) != 0 {
					t.Errorf("MESH001: %+v", got)
				}
				if n := notes(rep); n != "" {
					t.Errorf("notes: %s", n)
				}
			} else if n := notes(rep); !strings.Contains(n, tt.noteHas) {
				t.Errorf("notes %q lack %q", n, tt.noteHas)
			}
		})
	}
}

// Objects in an overlay's directory belong to the instance whose directory it is.
func TestKustomizeOverlayDirectory(t *testing.T) {
	rep := lintFiles(t, map[string]string{
		"base/cilium/release.yaml":       baseRelease,
		"base/cilium/kustomization.yaml": "resources: [release.yaml]\n",
		"prod-use1/kustomization.yaml":   "resources: [../base/cilium, policy.yaml]\npatches: [{path: cilium-values.yaml}]\n",
		"prod-use1/cilium-values.yaml":   smpPatch("prod-use1", 1),
		"prod-use1/policy.yaml":          "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  endpointSelector: {}\n  ingressDeny: [{fromEntities: [world], icmps: [{fields: [{type: PacketTooBig, family: IPv6}]}]}]\n",
		"prod-euw1/kustomization.yaml":   "resources: [../base/cilium]\npatches: [{path: cilium-values.yaml}]\n",
		"prod-euw1/cilium-values.yaml":   smpPatch("prod-euw1", 2),
	})
	n := 0
	for _, f := range rep.Findings {
		if f.File == "prod-use1/policy.yaml" {
			n++
			if f.Cluster != "prod-use1" {
				t.Errorf("the overlay's policy belongs to its cluster: %+v", f)
			}
		}
	}
	if n == 0 {
		t.Error("no finding on the overlay's policy")
	}
}
