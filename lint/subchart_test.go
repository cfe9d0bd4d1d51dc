package lint_test

import "testing"

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
