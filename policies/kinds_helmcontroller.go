package policies

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// k3s and RKE2 install charts with their helm-controller (github.com/k3s-io/helm-controller,
// helm.cattle.io/v1). A HelmChart names the chart and carries values: spec.valuesContent, a
// YAML string, and spec.set, --set pairs. A HelmChartConfig of the same name and namespace
// adds its spec.valuesContent after the chart's. The install job runs
// `helm -f values-01_HelmChart.yaml -f values-10_HelmChartConfig.yaml --set …`, so the
// config wins over the chart's values and set wins over both (the layers' orders below).
//
// RKE2 ships Cilium as the HelmChart rke2-cilium, which RKE2 writes itself from its own
// manifests directory; a repository configures it with a HelmChartConfig of that name,
// whose values are the Cilium chart's at the top level (since v1.21.11+rke2r1; before,
// they sat under a `cilium:` key of a wrapper chart).
const (
	helmChartValuesOrder  = 0
	helmConfigValuesOrder = 1
	helmChartSetOrder     = 2
)

// rke2CiliumChart is the name of RKE2's bundled Cilium HelmChart.
const rke2CiliumChart = "rke2-cilium"

func classifyHelmController(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	if !strings.HasPrefix(apiVersion, "helm.cattle.io/") {
		return Classified{}, false, nil
	}
	spec, _ := obj["spec"].(map[string]any)
	switch kind {
	case "HelmChart":
		return classifyHelmChart(obj, spec)
	case "HelmChartConfig":
		return classifyHelmChartConfig(obj, spec)
	}
	return Classified{}, false, nil
}

func classifyHelmChart(obj, spec map[string]any) (Classified, bool, error) {
	_, name, _ := Meta(obj)
	chart, _ := spec["chart"].(string)
	if name != rke2CiliumChart && !isCiliumChartOrArchive(chart) {
		return Classified{}, false, nil
	}
	c := Classified{Kind: KindCiliumConfig}
	values, err := valuesContent(spec)
	if err != nil {
		return Classified{}, true, err
	}
	if values != nil {
		c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: []any{"spec", "valuesContent"}, Values: values, Order: helmChartValuesOrder})
	}
	if set, ok := spec["set"].(map[string]any); ok && len(set) > 0 {
		c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: []any{"spec", "set"}, Values: helmControllerSet(set), Order: helmChartSetOrder})
	}
	if len(c.Layers) == 0 {
		// A Cilium install with chart defaults: still a cluster to reason about.
		c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: []any{"spec"}, Values: map[string]any{}, Order: helmChartValuesOrder})
	}
	return c, true, nil
}

// classifyHelmChartConfig claims the config of RKE2's Cilium, and any other whose values
// name keys only Cilium's chart has: a HelmChartConfig does not say which chart it is for
// but by its name, which only matches the HelmChart's.
func classifyHelmChartConfig(obj, spec map[string]any) (Classified, bool, error) {
	_, name, _ := Meta(obj)
	values, err := valuesContent(spec)
	known := name == rke2CiliumChart || name == "cilium"
	switch {
	case err != nil && known:
		return Classified{}, true, err
	case err != nil || !known && !hasCiliumOnlyKey(values):
		return Classified{}, false, nil
	}
	if values == nil {
		values = map[string]any{}
	}
	return Classified{Kind: KindCiliumConfig, Layers: []*CiliumValues{
		{Form: "helm", At: []any{"spec", "valuesContent"}, Values: values, Order: helmConfigValuesOrder},
	}}, true, nil
}

// Rancher provisions RKE2 clusters from a provisioning.cattle.io/v1 Cluster: with
// spec.rkeConfig.machineGlobalConfig.cni cilium (a comma-separated list such as
// "multus,cilium" too), RKE2 installs its rke2-cilium chart, and Rancher hands the chart
// spec.rkeConfig.chartValues["rke2-cilium"] as the HelmChartConfig of that name would.
func classifyRancherCluster(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	if kind != "Cluster" || !strings.HasPrefix(apiVersion, "provisioning.cattle.io/") {
		return Classified{}, false, nil
	}
	at := []any{"spec", "rkeConfig", "chartValues", rke2CiliumChart}
	raw := dig(obj, at...)
	present := raw != nil
	cni, _ := dig(obj, "spec", "rkeConfig", "machineGlobalConfig", "cni").(string)
	if !present && !slices.Contains(strings.Split(strings.ReplaceAll(cni, " ", ""), ","), "cilium") {
		return Classified{}, false, nil
	}
	values, ok := raw.(map[string]any)
	if present && !ok {
		return Classified{}, true, &FieldError{Path: at, Msg: fmt.Sprintf("want a map of rke2-cilium chart values, got %s", yamlKindOf(raw))}
	}
	if values == nil {
		values = map[string]any{} // RKE2's chart defaults: still a cluster to reason about
	}
	return Classified{Kind: KindCiliumConfig, Layers: []*CiliumValues{{Form: "helm", At: at, Values: values}}}, true, nil
}

// ciliumArchive matches a chart given as an archive URL or path, e.g.
// https://helm.cilium.io/cilium-1.18.2.tgz.
var ciliumArchive = regexp.MustCompile(`(^|/)cilium-v?[0-9][^/]*\.tgz$`)

// isCiliumChartOrArchive accepts what isCiliumChart does, or an archive of the chart:
// helm-controller and Fleet take either as a chart.
func isCiliumChartOrArchive(s string) bool { return isCiliumChart(s) || ciliumArchive.MatchString(s) }

// valuesContent parses spec.valuesContent; nil when there is none.
func valuesContent(spec map[string]any) (map[string]any, error) {
	raw, present := spec["valuesContent"]
	if !present || raw == nil {
		return nil, nil
	}
	s, ok := raw.(string)
	if !ok {
		return nil, fmt.Errorf("spec.valuesContent: want a YAML string (valuesContent: |-), got %s; helm-controller refuses anything else", yamlKindOf(raw))
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var values map[string]any
	if err := yaml.Unmarshal([]byte(s), &values); err != nil {
		return nil, fmt.Errorf("spec.valuesContent is not a YAML map of chart values: %v", err)
	}
	return values, nil
}

// helmControllerSet types spec.set as the install job passes it: numbers and
// true/false (any case) with --set, every other string with --set-string.
func helmControllerSet(set map[string]any) map[string]any {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the job's order; a later path into the same list or map wins
	values := map[string]any{}
	for _, k := range keys {
		v := set[k]
		if s, ok := v.(string); ok && !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			setPath(values, splitHelmPath(k), s)
			continue
		}
		setPath(values, splitHelmPath(k), helmSetValue(fmt.Sprint(v)))
	}
	return values
}

func hasCiliumOnlyKey(values map[string]any) bool {
	for _, k := range helmValuesKeys {
		if _, ok := values[k]; ok {
			return true
		}
	}
	return false
}
