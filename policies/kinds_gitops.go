package policies

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// GitOps objects that install Cilium's chart carry its values: Flux HelmRelease
// (spec.values; spec.valuesFrom is resolved by the linter from ConfigMaps in the run) and
// Argo CD Application (spec.source or spec.sources[]: helm.values, a YAML string;
// helm.valuesObject; helm.parameters). Argo's precedence is parameters over valuesObject
// over values; Flux's is spec.values over valuesFrom, in order.

func classifyFluxHelmRelease(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	if kind != "HelmRelease" || !strings.HasPrefix(apiVersion, "helm.toolkit.fluxcd.io/") {
		return Classified{}, false, nil
	}
	spec, _ := obj["spec"].(map[string]any)
	if !fluxChartIsCilium(spec) {
		return Classified{}, false, nil
	}
	values, ok := spec["values"].(map[string]any)
	if !ok {
		values = map[string]any{}
	}
	// valuesFrom layers come first (orders 0..n-1); the linter adds them when present.
	order := len(sliceOf(spec["valuesFrom"]))
	return Classified{Kind: KindCiliumConfig, Layers: []*CiliumValues{{Form: "helm", At: []any{"spec", "values"}, Values: values, Order: order}}}, true, nil
}

func fluxChartIsCilium(spec map[string]any) bool {
	if chart, ok := dig(spec, "chart", "spec", "chart").(string); ok {
		return isCiliumChart(chart)
	}
	if ref, ok := dig(spec, "chartRef", "name").(string); ok {
		return isCiliumChart(ref)
	}
	return false
}

// isCiliumChart accepts the chart's name, an OCI or repo path ending in it, or a path to
// the chart in Cilium's repository (install/kubernetes/cilium).
func isCiliumChart(s string) bool {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	return s == "cilium" || strings.HasSuffix(s, "/cilium")
}

func classifyArgoApplication(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	if kind != "Application" || !strings.HasPrefix(apiVersion, "argoproj.io/") {
		return Classified{}, false, nil
	}
	spec, _ := obj["spec"].(map[string]any)
	var sources [][]any // paths of the Helm sources of the cilium chart
	if src, ok := spec["source"].(map[string]any); ok && argoSourceIsCilium(src) {
		sources = append(sources, []any{"spec", "source"})
	}
	for i, s := range sliceOf(spec["sources"]) {
		if src, ok := s.(map[string]any); ok && argoSourceIsCilium(src) {
			sources = append(sources, []any{"spec", "sources", i})
		}
	}
	if len(sources) == 0 {
		return Classified{}, false, nil
	}
	c := Classified{Kind: KindCiliumConfig}
	for _, at := range sources {
		helm, _ := dig(obj, append(append([]any{}, at...), "helm")...).(map[string]any)
		helmAt := append(append([]any{}, at...), "helm")
		if s, ok := helm["values"].(string); ok && strings.TrimSpace(s) != "" {
			var values map[string]any
			if err := yaml.Unmarshal([]byte(s), &values); err != nil {
				return Classified{}, true, fmt.Errorf("%s: the helm.values string is not YAML: %v", pathString(append(helmAt, "values")), err)
			}
			c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: append(append([]any{}, helmAt...), "values"), Values: values, Order: 0})
		}
		if v, ok := helm["valuesObject"].(map[string]any); ok {
			c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: append(append([]any{}, helmAt...), "valuesObject"), Values: v, Order: 1})
		}
		if params := sliceOf(helm["parameters"]); len(params) > 0 {
			values := map[string]any{}
			for _, p := range params {
				pm, _ := p.(map[string]any)
				name, _ := pm["name"].(string)
				if name != "" {
					setPath(values, strings.Split(name, "."), pm["value"])
				}
			}
			c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: append(append([]any{}, helmAt...), "parameters"), Values: values, Order: 2})
		}
		if len(c.Layers) == 0 {
			// A Cilium install with chart defaults: still a cluster to reason about.
			c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: helmAt, Values: map[string]any{}})
		}
	}
	return c, true, nil
}

func argoSourceIsCilium(src map[string]any) bool {
	if chart, ok := src["chart"].(string); ok {
		return isCiliumChart(chart)
	}
	if path, ok := src["path"].(string); ok {
		return isCiliumChart(path)
	}
	return false
}

func dig(v any, path ...any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				return nil
			}
			v = l[s]
		}
	}
	return v
}

func sliceOf(v any) []any {
	s, _ := v.([]any)
	return s
}

// SetValuePath sets a Helm --set style path (a.b.c) in values, creating maps on the way.
func SetValuePath(values map[string]any, path string, v any) {
	setPath(values, strings.Split(path, "."), v)
}

// setPath sets path in m; parameters' values are strings, as Helm's --set gives them.
func setPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

func pathString(path []any) string {
	var b strings.Builder
	for i, p := range path {
		if n, ok := p.(int); ok {
			fmt.Fprintf(&b, "[%d]", n)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, p)
	}
	return b.String()
}

// FluxValuesFrom lists a HelmRelease's valuesFrom ConfigMap references, in order.
func FluxValuesFrom(obj map[string]any) []ValuesRef {
	var out []ValuesRef
	for _, v := range sliceOf(dig(obj, "spec", "valuesFrom")) {
		m, _ := v.(map[string]any)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		key, _ := m["valuesKey"].(string)
		if key == "" {
			key = "values.yaml"
		}
		target, _ := m["targetPath"].(string)
		out = append(out, ValuesRef{Kind: kind, Name: name, Key: key, TargetPath: target})
	}
	return out
}

// ValuesRef is one Flux valuesFrom entry.
type ValuesRef struct {
	Kind, Name, Key, TargetPath string
}
