package policies

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

func capiCluster(t *testing.T, doc string) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

func proxy(t *testing.T, selector, values string) map[string]any {
	t.Helper()
	return capiCluster(t, `
apiVersion: addons.cluster.x-k8s.io/v1alpha1
kind: HelmChartProxy
metadata: {name: cilium, namespace: fleet}
spec:
  clusterSelector: `+selector+`
  repoURL: https://helm.cilium.io/
  chartName: cilium
  valuesTemplate: `+values)
}

const prodCluster = `
apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata:
  name: prod-use1
  namespace: fleet
  labels: {cni: cilium, tier: prod, cilium.io/cluster-id: "7"}
spec:
  controlPlaneRef: {kind: KubeadmControlPlane, name: prod-use1-cp}
  infrastructureRef: {kind: AWSCluster, name: prod-use1}
`

func TestHelmChartProxySelects(t *testing.T) {
	cluster := capiCluster(t, prodCluster)
	for _, tc := range []struct {
		selector string
		want     bool
		err      string
	}{
		{`{matchLabels: {cni: cilium}}`, true, ""},
		{`{matchLabels: {cni: calico}}`, false, ""},
		{`{}`, true, ""}, // an empty selector selects every Cluster of the namespace
		{`{matchExpressions: [{key: tier, operator: In, values: [prod, staging]}]}`, true, ""},
		{`{matchExpressions: [{key: tier, operator: NotIn, values: [prod]}]}`, false, ""},
		{`{matchExpressions: [{key: gpu, operator: DoesNotExist}]}`, true, ""},
		{`{matchExpressions: [{key: tier, operator: Within, values: [prod]}]}`, false, `"Within" is not a valid label selector operator`},
		{`{matchLabels: {cni: 1}}`, false, "spec.clusterSelector"},
	} {
		hcp := proxy(t, tc.selector, `""`)
		sel, err := ClusterSelector(hcp)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.selector, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.selector, err)
			continue
		}
		if got := HelmChartProxySelects(hcp, sel, cluster); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.selector, got, tc.want)
		}
	}
	other := capiCluster(t, strings.Replace(prodCluster, "namespace: fleet", "namespace: lab", 1))
	hcp := proxy(t, `{}`, `""`)
	sel, _ := ClusterSelector(hcp)
	if HelmChartProxySelects(hcp, sel, other) {
		t.Error("a HelmChartProxy selects Clusters of its own namespace only")
	}
}

func TestRenderHelmChartProxy(t *testing.T) {
	cluster := capiCluster(t, prodCluster)
	infra := capiCluster(t, `{apiVersion: infrastructure.cluster.x-k8s.io/v1beta2, kind: AWSCluster, metadata: {name: prod-use1, namespace: fleet}, spec: {region: us-east-1}}`)
	hcp := proxy(t, `{matchLabels: {cni: cilium}}`, `|
    cluster:
      name: {{ .Cluster.metadata.name }}-{{ .InfraCluster.spec.region }}
      id: {{ index .Cluster.metadata.labels "cilium.io/cluster-id" }}
    k8sServiceHost: {{ .Cluster.spec.controlPlaneEndpoint.host }}
    operator: {replicas: {{ if eq .ControlPlane.metadata.name "prod-use1-cp" }}2{{ else }}1{{ end }}}
    ipv6: {enabled: {{ .Cluster.spec.ipv6 }}}`)
	r, err := RenderHelmChartProxy(hcp, CAPIObjects{Cluster: cluster, InfraCluster: infra})
	if err != nil {
		t.Fatal(err)
	}
	if got := dig(r.Values, "cluster", "name"); got != "prod-use1-us-east-1" {
		t.Errorf("cluster.name = %v", got)
	}
	if got := dig(r.Values, "cluster", "id"); got != float64(7) {
		t.Errorf("cluster.id = %#v, want the label's 7 as a number", got)
	}
	if got := dig(r.Values, "operator", "replicas"); got != float64(2) {
		t.Errorf("operator.replicas = %v: the control plane the Cluster names stands in with its name", got)
	}
	// k8sServiceHost renders <no value> too, but no rule reads it.
	layer := r.Classified().Layers[0]
	unknown := DeferredSettings(layer)
	if len(unknown) != 1 || pathString(slices.Concat(layer.At, unknown[0])) != "spec.valuesTemplate.ipv6.enabled" || !strings.Contains(DeferredNote(layer, unknown[0]), "unknown") {
		t.Errorf("unknown settings = %v", unknown)
	}
	if got := dig(r.Object, "spec", "valuesTemplate"); !strings.Contains(got.(string), "name: prod-use1-us-east-1") {
		t.Errorf("the rendered object keeps the template: %v", got)
	}
	if !strings.Contains(dig(hcp, "spec", "valuesTemplate").(string), "{{") {
		t.Error("rendering changed the HelmChartProxy")
	}
}

func TestRenderHelmChartProxyRefuses(t *testing.T) {
	cluster := capiCluster(t, prodCluster)
	defer func(d time.Duration) { helmChartProxyTimeout = d }(helmChartProxyTimeout)
	helmChartProxyTimeout = 100 * time.Millisecond
	for _, tc := range []struct {
		name, values, want string
		parse              bool
	}{
		{"unparsable", `"cluster: {{ .Cluster.metadata.name"`, "does not parse", true},
		{"environment", `"MTU: {{ env \"MTU\" }}"`, "CAAPH removes it", false},
		{"loop", `"{{ range until 6000 }}{{ range until 3000 }}{{ end }}{{ end }}"`, "takes longer than", false},
		{"not a string", `{MTU: 8500}`, "want a string", true},
	} {
		_, err := RenderHelmChartProxy(proxy(t, `{}`, tc.values), CAPIObjects{Cluster: cluster})
		var te *TemplateError
		if !errors.As(err, &te) || te.Parse != tc.parse || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v (parse %v), want %q (parse %v)", tc.name, err, te != nil && te.Parse, tc.want, tc.parse)
		}
	}
	_, err := RenderHelmChartProxy(proxy(t, `{}`, `"- a list"`), CAPIObjects{Cluster: cluster})
	var fe *FieldError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "not a YAML map") {
		t.Errorf("a list of values: err = %v", err)
	}
}

// TestClassifyHelmChartProxy: alone, a HelmChartProxy is judged for a Cluster with the
// labels its selector requires.
func TestClassifyHelmChartProxy(t *testing.T) {
	hcp := proxy(t, `{matchLabels: {cilium.io/cluster-id: "3"}}`, `|
    cluster: {name: '{{ .Cluster.metadata.name }}', id: {{ index .Cluster.metadata.labels "cilium.io/cluster-id" }}}`)
	c, err := Classify(hcp)
	if err != nil || c.Kind != KindCiliumConfig || len(c.Layers) != 1 {
		t.Fatalf("Classify = %+v, %v", c, err)
	}
	if got := c.Layers[0].Values["cluster"]; got.(map[string]any)["id"] != float64(3) || got.(map[string]any)["name"] != "cilium-cluster" {
		t.Errorf("cluster = %v", got)
	}
	other := proxy(t, `{}`, `""`)
	other["spec"].(map[string]any)["chartName"] = "calico"
	if c, _ := Classify(other); c.Kind != "" {
		t.Errorf("a HelmChartProxy of another chart is %q", c.Kind)
	}
}
