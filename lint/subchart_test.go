package lint_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestUmbrellaChartValues: a chart depending on Cilium's passes it the values under the
// dependency's name or alias, in its values files and their overlays, unless the
// dependency's condition turns it off; a chart without that dependency passes nothing.
func TestUmbrellaChartValues(t *testing.T) {
	chart := func(dep string) string {
		return "apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n- name: cert-manager\n  version: 1.0.0\n" + dep
	}
	member := "  cluster:\n    name: prod\n    id: 1\n  clustermesh:\n    useAPIServer: true\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // files of the MTU001 findings, one per cluster
	}{
		{"under the dependency's name", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  repository: https://helm.cilium.io/\n"),
			"platform/values.yaml": "cilium:\n" + member,
		}, []string{"platform/values.yaml"}},
		{"under its alias", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  alias: cni\n  version: 1.18.3\n"),
			"platform/values.yaml": "cni:\n" + member + "cilium:\n  MTU: 8500\n",
		}, []string{"platform/values.yaml"}},
		{"clamped", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n"),
			"platform/values.yaml": "cilium:\n" + member + "  MTU: 8500\n",
		}, nil},
		{"an overlay clamps it", map[string]string{
			"platform/Chart.yaml":       chart("- name: cilium\n  version: 1.18.3\n"),
			"platform/values.yaml":      "cilium:\n" + member,
			"platform/values-prod.yaml": "cilium:\n  MTU: 8500\n",
		}, nil},
		{"a base beside two clusters' overlays", map[string]string{
			"platform/Chart.yaml":          chart("- name: cilium\n  version: 1.18.3\n"),
			"platform/values.yaml":         "cilium:\n  clustermesh:\n    useAPIServer: true\n",
			"platform/values-prod.yaml":    "cilium:\n  cluster: {name: prod, id: 1}\n",
			"platform/values-staging.yaml": "cilium:\n  cluster: {name: staging, id: 2}\n  MTU: 8500\n",
		}, []string{"platform/values.yaml"}},
		{"turned off by its condition", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  condition: cilium.enabled\n"),
			"platform/values.yaml": "cilium:\n  enabled: false\n" + member,
		}, nil},
		// Helm (pkg/chartutil/dependencies.go) decides on values.yaml coalesced with the
		// -f file: an overlay that says nothing inherits values.yaml's condition.
		{"off in values.yaml, an overlay silent", map[string]string{
			"platform/Chart.yaml":       chart("- name: cilium\n  version: 1.18.3\n  condition: cilium.enabled\n"),
			"platform/values.yaml":      "cilium:\n  enabled: false\n",
			"platform/values-prod.yaml": "cilium:\n" + member,
		}, nil},
		// ...and values.yaml turned off is still the base of an overlay turning it on.
		{"off in values.yaml, on in an overlay", map[string]string{
			"platform/Chart.yaml":       chart("- name: cilium\n  version: 1.18.3\n  condition: cilium.enabled\n"),
			"platform/values.yaml":      "cilium:\n  enabled: false\n  MTU: 8500\n",
			"platform/values-prod.yaml": "cilium:\n  enabled: true\n" + member,
		}, nil},
		{"off in values.yaml, on in an overlay, unclamped", map[string]string{
			"platform/Chart.yaml":       chart("- name: cilium\n  version: 1.18.3\n  condition: cilium.enabled\n"),
			"platform/values.yaml":      "cilium:\n  enabled: false\n  clustermesh: {useAPIServer: true}\n",
			"platform/values-prod.yaml": "cilium:\n  enabled: true\n  cluster: {name: prod, id: 1}\n",
		}, []string{"platform/values.yaml"}},
		// The first condition path that holds a bool decides; one that holds none is passed over.
		{"several condition paths, the first unset", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  condition: cilium.enabled,global.cilium.enabled\n"),
			"platform/values.yaml": "global:\n  cilium:\n    enabled: false\ncilium:\n" + member,
		}, nil},
		{"several condition paths, the first decides", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  condition: cilium.enabled,global.cilium.enabled\n"),
			"platform/values.yaml": "global:\n  cilium:\n    enabled: false\ncilium:\n  enabled: true\n" + member,
		}, []string{"platform/values.yaml"}},
		{"a non-bool condition is passed over", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  condition: cilium.enabled\n"),
			"platform/values.yaml": "cilium:\n  enabled: \"false\"\n" + member,
		}, []string{"platform/values.yaml"}},
		{"turned off by its tags", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  tags: [networking]\n"),
			"platform/values.yaml": "tags:\n  networking: false\ncilium:\n" + member,
		}, nil},
		{"one true tag keeps it", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  tags: [networking, cni]\n"),
			"platform/values.yaml": "tags:\n  networking: false\n  cni: true\ncilium:\n" + member,
		}, []string{"platform/values.yaml"}},
		{"its condition overrides its tags", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  condition: cilium.enabled\n  tags: [networking]\n"),
			"platform/values.yaml": "tags:\n  networking: false\ncilium:\n  enabled: true\n" + member,
		}, []string{"platform/values.yaml"}},
		// Helm sets every dependency enabled before its tags and condition decide.
		{"enabled: false in Chart.yaml is not read by Helm", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  enabled: false\n"),
			"platform/values.yaml": "cilium:\n" + member,
		}, []string{"platform/values.yaml"}},
		{"an apiVersion v1 chart's requirements.yaml", map[string]string{
			"platform/Chart.yaml":        "apiVersion: v1\nname: platform\nversion: 1.0.0\n",
			"platform/requirements.yaml": "dependencies:\n- name: cilium\n  version: 1.18.3\n  repository: https://helm.cilium.io/\n",
			"platform/values.yaml":       "cilium:\n" + member,
		}, []string{"platform/values.yaml"}},
		{"requirements.yaml's dependencies replace Chart.yaml's", map[string]string{
			"platform/Chart.yaml":        chart("- name: cilium\n  version: 1.18.3\n"),
			"platform/requirements.yaml": "dependencies:\n- name: cert-manager\n  version: 1.0.0\n",
			"platform/values.yaml":       "cilium:\n" + member,
		}, nil},
		{"from an OCI registry", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  repository: oci://quay.io/cilium/charts\n"),
			"platform/values.yaml": "cilium:\n" + member,
		}, []string{"platform/values.yaml"}},
		{"from a directory", map[string]string{
			"platform/Chart.yaml":  chart("- name: cilium\n  version: 1.18.3\n  repository: file://../cilium\n"),
			"platform/values.yaml": "cilium:\n" + member,
		}, []string{"platform/values.yaml"}},
		{"no Cilium dependency", map[string]string{
			"platform/Chart.yaml":  chart(""),
			"platform/values.yaml": "cilium:\n" + member,
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := findings(lintFiles(t, tc.files), "MTU001")
			var files []string
			for _, f := range got {
				files = append(files, f.File)
			}
			if len(files) != len(tc.want) || len(files) > 0 && files[0] != tc.want[0] {
				t.Errorf("MTU001 on %v, want %v: %+v", files, tc.want, got)
			}
		})
	}
}

// TestUmbrellaChartOddChartFiles: a Chart.yaml of any shape is no input error and no
// panic; one that declares no Cilium dependency leaves the values file another chart's.
func TestUmbrellaChartOddChartFiles(t *testing.T) {
	values := "cilium:\n  cluster: {name: prod, id: 1}\n  clustermesh: {useAPIServer: true}\n"
	for name, chart := range map[string]string{
		"a list":             "- name: cilium\n",
		"a string":           "cilium\n",
		"empty":              "",
		"dependencies a map": "apiVersion: v2\nname: p\nversion: 1.0.0\ndependencies: {name: cilium}\n",
		"odd dependencies":   "apiVersion: v2\nname: p\nversion: 1.0.0\ndependencies: [1, null, [cilium], {name: [cilium]}, {name: 3}]\n",
		"huge":               "apiVersion: v2\nname: p\nversion: 1.0.0\ndescription: " + strings.Repeat("x", 2<<20) + "\ndependencies: [{name: cilium}]\n",
	} {
		t.Run(name, func(t *testing.T) {
			if got := findings(lintFiles(t, map[string]string{"platform/Chart.yaml": chart, "platform/values.yaml": values}), "MTU001"); len(got) != 0 {
				t.Errorf("MTU001 %+v", got)
			}
		})
	}
	// Odd fields of the Cilium dependency itself are passed over.
	got := findings(lintFiles(t, map[string]string{
		"platform/Chart.yaml":  "apiVersion: v2\nname: p\nversion: 1.0.0\ndependencies: [{name: cilium, alias: [x], condition: 3, tags: x}]\n",
		"platform/values.yaml": values,
	}), "MTU001")
	if len(got) != 1 {
		t.Errorf("MTU001 %+v, want one", got)
	}
}

// TestUmbrellaReleaseValuesLayered: a release installing an umbrella chart of Cilium's
// from the run passes values of its own for the dependency, which Helm layers over the
// chart's values files: a clamp there closes MTU001, and a finding on it points into the
// release. When the chart's files make several clusters, a note says they are not read.
func TestUmbrellaReleaseValuesLayered(t *testing.T) {
	chart := map[string]string{
		"charts/platform/Chart.yaml":  "apiVersion: v2\nname: platform\nversion: 1.0.0\ndependencies:\n- name: cilium\n  version: 1.18.3\n",
		"charts/platform/values.yaml": "cilium:\n  cluster: {name: prod, id: 1}\n",
	}
	argo := "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: platform}\nspec:\n  source:\n    repoURL: https://example.com/platform.git\n    path: charts/platform\n    helm:\n%s"
	flux := "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: platform}\nspec:\n  chart:\n    spec:\n      chart: ./charts/platform\n      sourceRef: {kind: GitRepository, name: platform}\n  values:\n%s"
	for _, tc := range []struct {
		name, release string
		mtu001        string // where MTU001 points, "" for none
	}{
		{"Argo CD valuesObject", fmt.Sprintf(argo, "      valuesObject:\n        cilium: {MTU: 8500}\n"), ""},
		{"Argo CD values string", fmt.Sprintf(argo, "      values: |\n        cilium:\n          MTU: 8500\n"), ""},
		{"Argo CD parameters", fmt.Sprintf(argo, "      parameters:\n      - {name: cilium.MTU, value: \"8500\"}\n"), ""},
		{"Argo CD parameters over valuesObject", fmt.Sprintf(argo, "      valuesObject:\n        cilium: {MTU: 8500}\n      parameters:\n      - {name: cilium.MTU, value: \"9001\"}\n"), "apps/platform.yaml:11"}, // parameters: a list, pointed at as a whole
		{"Argo CD values for another dependency", fmt.Sprintf(argo, "      valuesObject:\n        cert-manager: {installCRDs: true}\n"), "charts/platform/values.yaml:1"},
		{"Flux values", fmt.Sprintf(flux, "    cilium: {MTU: 8500}\n"), ""},
		{"Flux values of jumbo frames", fmt.Sprintf(flux, "    cilium: {MTU: 9001}\n"), "apps/platform.yaml:10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"apps/platform.yaml": tc.release}
			for k, v := range chart {
				files[k] = v
			}
			rep := lintFiles(t, files)
			var at []string
			for _, f := range findings(rep, "MTU001") {
				at = append(at, fmt.Sprintf("%s:%d", f.File, f.Line))
			}
			if want := strings.Fields(tc.mtu001); !slices.Equal(at, want) {
				t.Errorf("MTU001 at %v, want %v: %+v", at, want, rep.Findings)
			}
			if len(rep.Notes) > 0 {
				t.Errorf("notes: %v", rep.Notes)
			}
		})
	}
	files := map[string]string{
		"charts/platform/Chart.yaml":          chart["charts/platform/Chart.yaml"],
		"charts/platform/values-prod.yaml":    "cilium:\n  cluster: {name: prod, id: 1}\n",
		"charts/platform/values-staging.yaml": "cilium:\n  cluster: {name: staging, id: 2}\n",
		"apps/platform.yaml":                  fmt.Sprintf(argo, "      valuesObject:\n        cilium: {MTU: 8500}\n"),
	}
	rep := lintFiles(t, files)
	if len(rep.Notes) != 1 || !strings.HasPrefix(rep.Notes[0].Error(), "apps/platform.yaml:8: this release installs the umbrella chart in charts/platform") {
		t.Errorf("notes: %v", rep.Notes)
	}
}
