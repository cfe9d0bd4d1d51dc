package policies

import "strings"

// kustomize renders charts listed under a Kustomization's helmCharts (with
// --enable-helm, as Argo CD can run it). For each chart, sigs.k8s.io/kustomize/api
// internal/builtins/HelmChartInflationGenerator.go merges valuesInline into valuesFile
// (by default the chart's own values.yaml) as valuesMerge says — override (the default):
// inline wins; merge: the file wins; replace: inline alone — and runs
// `helm template -f <that> -f <additionalValuesFiles…>`, so the additional files win over
// both, later ones over earlier. The files are paths from the kustomization's directory.

// Layer orders of one helmCharts entry; additional values files follow from
// kustomizeAdditionalOrder on.
const (
	kustomizeFileOrder       = 0
	kustomizeInlineOrder     = 1
	kustomizeAdditionalOrder = 2
)

func classifyKustomization(obj map[string]any) (Classified, bool, error) {
	if !isKustomization(obj) {
		return Classified{}, false, nil
	}
	c := Classified{Kind: KindCiliumConfig}
	for _, chart := range kustomizeCiliumCharts(obj) {
		inline, _ := chart.entry["valuesInline"].(map[string]any)
		at := []any{"helmCharts", chart.index, "valuesInline"}
		order := kustomizeInlineOrder
		switch {
		case len(inline) == 0 || chart.merge == "merge" && chart.valuesFile == "":
			// Chart defaults; with merge and no valuesFile, the chart's own values.yaml wins
			// over valuesInline and declares every setting the rules read.
			c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: []any{"helmCharts", chart.index}, Values: map[string]any{}, Order: order})
			continue
		case chart.merge == "merge":
			order = kustomizeFileOrder - 1 // under valuesFile
		}
		c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: at, Values: inline, Order: order})
	}
	if len(c.Layers) == 0 {
		return Classified{}, false, nil
	}
	return c, true, nil
}

// isKustomization: a kustomization.yaml, whose apiVersion and kind are optional.
func isKustomization(obj map[string]any) bool {
	apiVersion, kind := TypeMeta(obj)
	if kind == "Kustomization" && strings.HasPrefix(apiVersion, "kustomize.config.k8s.io/") {
		return true
	}
	_, charts := obj["helmCharts"].([]any)
	return apiVersion == "" && kind == "" && charts
}

type kustomizeChart struct {
	index      int
	entry      map[string]any
	merge      string // valuesMerge: override (default), merge or replace
	valuesFile string
}

func kustomizeCiliumCharts(obj map[string]any) []kustomizeChart {
	var out []kustomizeChart
	for i, e := range sliceOf(obj["helmCharts"]) {
		entry, _ := e.(map[string]any)
		name, _ := entry["name"].(string)
		if !isCiliumChart(name) {
			continue
		}
		merge, _ := entry["valuesMerge"].(string)
		file, _ := entry["valuesFile"].(string)
		out = append(out, kustomizeChart{index: i, entry: entry, merge: merge, valuesFile: file})
	}
	return out
}

// KustomizeValueFiles lists the values files of a Kustomization's cilium charts, with the
// orders of their layers among the entry's valuesInline (see classifyKustomization).
func KustomizeValueFiles(obj map[string]any) []ValueFile {
	if !isKustomization(obj) {
		return nil
	}
	var out []ValueFile
	for _, chart := range kustomizeCiliumCharts(obj) {
		if chart.valuesFile != "" && chart.merge != "replace" {
			out = append(out, ValueFile{At: []any{"helmCharts", chart.index, "valuesFile"}, Order: kustomizeFileOrder, Entry: chart.valuesFile, Path: chart.valuesFile, Beside: true})
		}
		for j, f := range sliceOf(chart.entry["additionalValuesFiles"]) {
			if s, ok := f.(string); ok && s != "" {
				out = append(out, ValueFile{At: []any{"helmCharts", chart.index, "additionalValuesFiles", j}, Order: kustomizeAdditionalOrder + j, Entry: s, Path: s, Beside: true})
			}
		}
	}
	return out
}
