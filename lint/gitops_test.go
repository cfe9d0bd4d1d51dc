package lint_test

import (
	"strings"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
)

// lintFiles is runFiles for inputs that must be valid.
func lintFiles(t *testing.T, files map[string]string) *lint.Report {
	t.Helper()
	rep := runFiles(t, files)
	for _, e := range rep.InputErrors {
		t.Errorf("input error: %v", e)
	}
	return rep
}

func findings(rep *lint.Report, rule string) []lint.Finding {
	var out []lint.Finding
	for _, f := range rep.Findings {
		if f.Rule == rule && f.Suppressed == "" {
			out = append(out, f)
		}
	}
	return out
}

const fluxRelease = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cilium
  namespace: kube-system
spec:
  chart:
    spec:
      chart: cilium
  valuesFrom:
  - kind: ConfigMap
    name: shared
  values:
    cluster:
      name: a
      id: 1
`

func TestFluxValuesFromLayers(t *testing.T) {
	shared := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: kube-system\ndata:\n  values.yaml: |\n    routingMode: tunnel\n    MTU: 9001\n"
	rep := lintFiles(t, map[string]string{"cilium/release.yaml": fluxRelease, "cilium/shared.yaml": shared})
	got := findings(rep, "MTU001")
	if len(got) != 1 || got[0].File != "cilium/shared.yaml" || got[0].Line != 9 {
		t.Fatalf("want MTU001 at the MTU line inside the valuesFrom ConfigMap (shared.yaml:9): %+v", got)
	}
	// The release's own values win over valuesFrom.
	clamped := fluxRelease + "    MTU: 8500\n"
	rep = lintFiles(t, map[string]string{"cilium/release.yaml": clamped, "cilium/shared.yaml": shared})
	if got := findings(rep, "MTU001"); len(got) != 0 {
		t.Errorf("spec.values MTU must override valuesFrom: %+v", got)
	}
}

// A valuesFrom ConfigMap the run does not hold (kustomize's configMapGenerator makes it in
// the usual Flux layout) or a Secret is an input note at its entry, not a silent gap.
func TestFluxValuesFromMissingIsNote(t *testing.T) {
	release := strings.Replace(fluxRelease, "    name: shared\n", "    name: shared\n  - kind: Secret\n    name: cilium-secret-values\n  - kind: ConfigMap\n", 1)
	rep := lintFiles(t, map[string]string{"cilium/release.yaml": release})
	var got []string
	for _, n := range rep.Notes {
		got = append(got, n.Error())
	}
	if len(got) != 2 || !strings.Contains(got[0], "ConfigMap shared is not among the linted files") ||
		!strings.Contains(got[1], "Secret cilium-secret-values is not read") {
		t.Errorf("want a note for each unread valuesFrom entry: %q", got)
	}
	if len(rep.InputErrors) != 0 {
		t.Errorf("notes are not input errors: %v", rep.InputErrors)
	}
}

// Flux reads valuesFrom in the release's namespace; a ConfigMap whose namespace kustomize
// sets later matches by name, the one in the release's own directory first, and one in
// another namespace never.
func TestFluxValuesFromNamespaces(t *testing.T) {
	configMap := func(namespace, mtu string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n" + namespace + "data:\n  values.yaml: |\n    routingMode: tunnel\n    MTU: " + mtu + "\n"
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string // where MTU001 points: the MTU the release reads, else its unset MTU
	}{
		{"namespace left to kustomize", map[string]string{"prod/cilium/release.yaml": fluxRelease, "prod/cilium/shared.yaml": configMap("", "9001")}, "prod/cilium/shared.yaml"},
		{"the nearest of two without a namespace", map[string]string{"prod/cilium/release.yaml": fluxRelease,
			"prod/cilium/shared.yaml": configMap("", "9001"), "staging/cilium/shared.yaml": configMap("", "8500")}, "prod/cilium/shared.yaml"},
		{"in another namespace", map[string]string{"prod/cilium/release.yaml": fluxRelease, "prod/cilium/shared.yaml": configMap("  namespace: apps\n", "9001")}, "prod/cilium/release.yaml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := findings(lintFiles(t, c.files), "MTU001")
			if len(got) != 1 || got[0].File != c.want {
				t.Errorf("want one MTU001 in %s: %+v", c.want, got)
			}
		})
	}
}

func TestArgoApplicationPrecedence(t *testing.T) {
	app := `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: cilium
spec:
  sources:
  - repoURL: https://github.com/example/platform
    path: values
  - repoURL: https://helm.cilium.io
    chart: cilium
    helm:
      values: |
        cluster:
          name: a
          id: 1
        MTU: 9001
`
	rep := lintFiles(t, map[string]string{"app.yaml": app})
	got := findings(rep, "MTU001")
	if len(got) != 1 || got[0].Line != 16 {
		t.Fatalf("want MTU001 on the MTU line inside helm.values (16): %+v", got)
	}
	// valuesObject replaces the values string (Argo CD's ValuesYAML): no member any more.
	withObject := app + "      valuesObject:\n        kubeProxyReplacement: true\n"
	rep = lintFiles(t, map[string]string{"app.yaml": withObject})
	if got := findings(rep, "MTU001"); len(got) != 0 {
		t.Errorf("helm.valuesObject must replace helm.values: %+v", got)
	}
	// parameters beat values.
	withParam := app + "      parameters:\n      - name: MTU\n        value: \"8500\"\n"
	rep = lintFiles(t, map[string]string{"app.yaml": withParam})
	if got := findings(rep, "MTU001"); len(got) != 0 {
		t.Errorf("helm.parameters MTU must win: %+v", got)
	}
}

func TestNonCiliumReleasesIgnored(t *testing.T) {
	other := `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: ingress, namespace: ingress}
spec:
  chart: {spec: {chart: ingress-nginx}}
  values: {controller: {replicaCount: 2}}
`
	rep := lintFiles(t, map[string]string{"r.yaml": other})
	if len(rep.Findings) != 0 {
		t.Errorf("%+v", rep.Findings)
	}
}

// An overlay holding only `cluster:` survives loading (no key in it names Cilium alone)
// and makes its directory's values a ClusterMesh member.
func TestHelmOverlayMakesMember(t *testing.T) {
	files := map[string]string{"cilium/values.yaml": "routingMode: tunnel\n"}
	if got := findings(lintFiles(t, files), "MTU001"); len(got) != 0 {
		t.Fatalf("no cluster id, no member: %+v", got)
	}
	files["cilium/values-prod.yaml"] = "cluster:\n  name: prod\n  id: 1\n"
	got := findings(lintFiles(t, files), "MTU001")
	if len(got) != 1 || got[0].Cluster != "prod" || got[0].File != "cilium/values.yaml" {
		t.Fatalf("want MTU001 on cluster prod at the base values.yaml: %+v", got)
	}
}

// Another chart's overlay whose keys all pass for Cilium's (grafana k8s-monitoring has a
// top-level `cluster.name`) belongs to the values file its name extends, which loading
// drops for having no Cilium settings: it must not become a second Cilium cluster.
func TestOtherChartsOverlayByName(t *testing.T) {
	files := map[string]string{
		"prod/cilium-values.yaml":              "routingMode: tunnel\nclustermesh:\n  useAPIServer: true\n",
		"prod/cilium-values-prod.yaml":         "cluster:\n  name: prod\n  id: 1\n",
		"prod/k8s-monitoring-values.yaml":      "destinations:\n- name: prom\n  type: prometheus\nclusterMetrics:\n  enabled: true\n",
		"prod/k8s-monitoring-values-prod.yaml": "cluster:\n  name: prod-eks\n",
	}
	rep := lintFiles(t, files)
	for _, f := range rep.Findings {
		if f.Cluster != "prod" {
			t.Errorf("k8s-monitoring's overlay read as Cilium values: %s on cluster %q", f.Rule, f.Cluster)
		}
	}
	if got := findings(rep, "MTU001"); len(got) != 1 {
		t.Errorf("want MTU001 on cluster prod: %+v", got)
	}
	// A base holding only keys Cilium's chart has, none the rules read, may be Cilium's
	// own: the overlay extending its name stays a Cilium overlay.
	rep = lintFiles(t, map[string]string{
		"c/values.yaml":        "operator:\n  replicas: 2\n",
		"c/values-common.yaml": "routingMode: tunnel\nclustermesh:\n  useAPIServer: true\n",
		"c/values-prod.yaml":   "cluster:\n  name: prod\n  id: 1\n",
	})
	if got := findings(rep, "MTU001"); len(got) != 1 || got[0].Cluster != "prod" {
		t.Errorf("want MTU001 on cluster prod (values-prod.yaml is Cilium's overlay): %+v", got)
	}
}

func argoMultiSource(valueFiles, helmExtra string) string {
	return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: cilium
spec:
  sources:
  - repoURL: https://helm.cilium.io
    chart: cilium
    helm:
      valueFiles:
` + valueFiles + helmExtra + `  - repoURL: https://git.example.com/platform.git
    ref: values
`
}

// Argo CD multi-source: value files in the run are layers in Argo's order (valueFiles
// in order, then values, valuesObject, parameters); one the run does not hold is a note.
// TestValueFiles: the value files Argo CD Applications and Kustomizations name are layers of
// their cluster, in the tool's order.
func TestValueFiles(t *testing.T) {
	member := "routingMode: tunnel\ncluster:\n  name: prod\n  id: 1\nMTU: 9001\n"
	for _, c := range []struct {
		name     string
		files    map[string]string
		wantFile string // where MTU001 points; "" = no MTU001
		wantLine int
		wantNote string // a note containing this; "" = none
	}{
		{"value file in the run", map[string]string{
			"argocd/cilium.yaml":                 argoMultiSource("      - $values/clusters/prod/values.yaml\n", ""),
			"platform/clusters/prod/values.yaml": member,
		}, "platform/clusters/prod/values.yaml", 5, ""},
		{"a later value file wins", map[string]string{
			"argocd/cilium.yaml":                 argoMultiSource("      - $values/clusters/prod/values.yaml\n      - $values/clusters/prod/mtu.yaml\n", ""),
			"platform/clusters/prod/values.yaml": member,
			"platform/clusters/prod/mtu.yaml":    "MTU: 8500\n",
		}, "", 0, ""},
		{"helm.values wins over value files", map[string]string{
			"argocd/cilium.yaml":                 argoMultiSource("      - $values/clusters/prod/values.yaml\n", "      values: |\n        MTU: 9001\n"),
			"platform/clusters/prod/values.yaml": "routingMode: tunnel\ncluster:\n  name: prod\n  id: 1\nMTU: 8500\n",
		}, "argocd/cilium.yaml", 13, ""},
		{"the nearest of two matches", map[string]string{
			"argocd/cilium.yaml":                 argoMultiSource("      - $values/clusters/prod/values.yaml\n", ""),
			"argocd/clusters/prod/values.yaml":   member,
			"vendor/x/clusters/prod/values.yaml": "MTU: 8500\nrouting-mode: 1\n",
		}, "argocd/clusters/prod/values.yaml", 5, ""},
		{"single source: relative to the chart source's path", map[string]string{
			"argocd/cilium.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    repoURL: https://git.example.com/platform.git\n" +
				"    path: charts/cilium\n    helm:\n      valueFiles: [../../envs/prod/cilium.yaml]\n",
			"envs/prod/cilium.yaml": member,
		}, "envs/prod/cilium.yaml", 5, ""},
		{"value file in another repository", map[string]string{
			"argocd/cilium.yaml": argoMultiSource("      - $values/clusters/prod/values.yaml\n", "      valuesObject:\n        cluster: {name: prod, id: 1}\n"),
		}, "argocd/cilium.yaml", 12, "argocd/cilium.yaml:11: value file $values/clusters/prod/values.yaml is not among the linted files (none ends in clusters/prod/values.yaml and holds Cilium settings), so the cluster is linted without it"},
		{"value file in the run without top-level Cilium settings (a wrapper chart's)", map[string]string{
			"argocd/cilium.yaml":        argoMultiSource("      - $values/clusters/prod/values.yaml\n", "      valuesObject:\n        cluster: {name: prod, id: 1}\n"),
			"clusters/prod/values.yaml": "cilium:\n  MTU: 9001\n",
		}, "argocd/cilium.yaml", 12, "argocd/cilium.yaml:11: value file $values/clusters/prod/values.yaml (clusters/prod/values.yaml) holds no Cilium setting at its top level"},
		{"value file inside the chart", map[string]string{
			"argocd/cilium.yaml": argoMultiSource("      - values-ipsec.yaml\n", ""),
		}, "", 0, "argocd/cilium.yaml:11: value file values-ipsec.yaml is a file inside the chart package"},
		{"kustomize: valuesInline overrides valuesFile", map[string]string{
			"cni/kustomization.yaml": "helmCharts:\n- name: cilium\n  valuesFile: values.yaml\n  valuesInline: {MTU: 8500}\n",
			"cni/values.yaml":        member,
		}, "", 0, ""},
		{"kustomize: additionalValuesFiles win over valuesInline", map[string]string{
			"cni/kustomization.yaml": "helmCharts:\n- name: cilium\n  valuesFile: ../base/cilium.yaml\n  additionalValuesFiles: [prod.yaml]\n  valuesInline: {MTU: 8500}\n",
			"base/cilium.yaml":       member,
			"cni/prod.yaml":          "MTU: 9001\n",
		}, "cni/prod.yaml", 1, ""},
		{"kustomize: a values file not in the run", map[string]string{
			"cni/kustomization.yaml": "helmCharts:\n- name: cilium\n  valuesFile: values.yaml\n  valuesInline: {cluster: {name: prod, id: 1}, routingMode: tunnel}\n",
		}, "cni/kustomization.yaml", 4, "cni/kustomization.yaml:3: value file values.yaml (cni/values.yaml) is not among the linted files"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := lintFiles(t, c.files)
			got := findings(rep, "MTU001")
			switch {
			case c.wantFile == "" && len(got) != 0:
				t.Errorf("want no MTU001: %+v", got)
			case c.wantFile != "" && (len(got) != 1 || got[0].File != c.wantFile || got[0].Line != c.wantLine):
				t.Errorf("want one MTU001 at %s:%d: %+v", c.wantFile, c.wantLine, got)
			}
			var notes []string
			for _, n := range rep.Notes {
				notes = append(notes, n.Error())
			}
			if c.wantNote == "" && len(notes) > 0 || c.wantNote != "" && (len(notes) != 1 || !strings.Contains(notes[0], c.wantNote)) {
				t.Errorf("notes %q, want one containing %q", notes, c.wantNote)
			}
			for _, f := range rep.Findings {
				if f.Cluster != "prod" && f.Cluster != "" && c.wantFile != "" {
					t.Errorf("finding on cluster %q: a value file must not be a cluster of its own: %+v", f.Cluster, f)
				}
			}
		})
	}
}

// A $ref that names no source is an Application Argo CD cannot render: an input error.
func TestArgoValueFileUnknownRef(t *testing.T) {
	rep := runFiles(t, map[string]string{"app.yaml": argoMultiSource("      - $vals/values.yaml\n", "")})
	if len(rep.InputErrors) != 1 || !strings.Contains(rep.InputErrors[0].Error(), "app.yaml:11: $vals names no source with `ref: vals`") {
		t.Errorf("input errors %v", rep.InputErrors)
	}
}

// A base shared by env overlays is judged in each cluster it is a layer of, and a
// mistake in it is one input error, not one per cluster.
func TestSharedBaseFindings(t *testing.T) {
	files := map[string]string{
		"cilium/values.yaml":         "routingMode: tunnel\nMTU: 9001\n",
		"cilium/values-prod.yaml":    "cluster:\n  name: prod\n  id: 1\n",
		"cilium/values-staging.yaml": "cluster:\n  name: staging\n  id: 2\nMTU: 8500\n",
	}
	got := findings(lintFiles(t, files), "MTU001")
	if len(got) != 1 || got[0].Cluster != "prod" || got[0].File != "cilium/values.yaml" || got[0].Line != 2 {
		t.Fatalf("want MTU001 for prod only, at the base's MTU (values.yaml:2): %+v", got)
	}
	files["cilium/values.yaml"] = "routingMode: tunnel\nMTU: abc\n"
	rep := runFiles(t, files)
	if len(rep.InputErrors) != 1 || !strings.Contains(rep.InputErrors[0].Error(), "cilium/values.yaml:2: MTU") {
		t.Errorf("want one input error at values.yaml:2: %v", rep.InputErrors)
	}
}

// TestFluxChartRef: a HelmRelease installs Cilium when its chartRef names a source of
// Cilium's chart in the run, whatever the source is called.
func TestFluxChartRef(t *testing.T) {
	release := "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cni, namespace: kube-system}\nspec:\n" +
		"  chartRef: {kind: OCIRepository, name: cni-chart}\n  values:\n    cluster: {name: prod, id: 1}\n    clustermesh: {useAPIServer: true}\n"
	source := func(url string) string {
		return "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: cni-chart, namespace: kube-system}\nspec:\n  url: " + url + "\n  ref: {tag: 1.20.2}\n"
	}
	for name, c := range map[string]struct {
		files map[string]string
		want  int // MTU001 findings
	}{
		"source of Cilium's chart": {map[string]string{"cni/release.yaml": release, "cni/source.yaml": source("oci://quay.io/cilium/charts/cilium")}, 1},
		"source of another chart":  {map[string]string{"cni/release.yaml": release, "cni/source.yaml": source("oci://ghcr.io/example/charts/calico")}, 0},
		"source not in the run":    {map[string]string{"cni/release.yaml": release}, 0},
		// chartRef.namespace defaults to the release's, so a source elsewhere is another one.
		"source in another namespace": {map[string]string{"cni/release.yaml": release,
			"cni/source.yaml": strings.Replace(source("oci://quay.io/cilium/charts/cilium"), "namespace: kube-system", "namespace: flux-system", 1)}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			if got := findings(lintFiles(t, c.files), "MTU001"); len(got) != c.want {
				t.Errorf("MTU001: %d findings, want %d: %+v", len(got), c.want, got)
			}
		})
	}
}
