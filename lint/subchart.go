package lint

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// Umbrella charts: a chart whose Chart.yaml lists Cilium's chart among its dependencies
// passes Cilium the values under the dependency's name (or alias) in its own values
// files, as Helm does for every subchart. Those values files hold no Cilium key at their
// top level, so without their Chart.yaml they would pass for another chart's and the
// cluster's Cilium settings would go unread.

// chartFile is the name Helm requires for a chart's metadata.
const chartFile = "Chart.yaml"

// ciliumSubchart is how a chart depends on Cilium's: the values key Helm hands Cilium
// (the dependency's alias, else its name) and its condition (a values path that turns
// the dependency off when false).
type ciliumSubchart struct {
	key       string
	condition string
}

// subchartOf reads a Chart.yaml document: the Cilium dependency it declares, if any.
func subchartOf(d *yamldoc.Document) (ciliumSubchart, bool) {
	obj, ok := d.Object.(map[string]any)
	if !ok {
		return ciliumSubchart{}, false
	}
	deps, _ := obj["dependencies"].([]any)
	for _, dep := range deps {
		m, _ := dep.(map[string]any)
		if name, _ := m["name"].(string); name != "cilium" {
			continue
		}
		key, _ := m["alias"].(string)
		if key == "" {
			key = "cilium"
		}
		condition, _ := m["condition"].(string)
		return ciliumSubchart{key: key, condition: condition}, true
	}
	return ciliumSubchart{}, false
}

// subchartValues classifies a values file of an umbrella chart as the Cilium values it
// passes its Cilium dependency; ok is false for any other document, and for values that
// turn the dependency off through its condition.
func (cl *classifier) subchartValues(d *yamldoc.Document, obj map[string]any) (policies.Classified, bool) {
	if !valuesFileName(d.File) || path.Base(d.File) == chartFile {
		return policies.Classified{}, false
	}
	if apiVersion, kind := policies.TypeMeta(obj); apiVersion != "" || kind != "" {
		return policies.Classified{}, false
	}
	s, ok := cl.subchart(d.File)
	if !ok {
		return policies.Classified{}, false
	}
	values, ok := obj[s.key].(map[string]any)
	if !ok || disabled(obj, s.condition) {
		return policies.Classified{}, false
	}
	return policies.Classified{Kind: policies.KindCiliumConfig, Layers: []*policies.CiliumValues{
		{Form: "helm", At: []any{s.key}, Values: values, Subchart: true},
	}}, true
}

// disabled: Helm's dependency condition (comma-separated values paths, the first that
// is set decides) is false in these values.
func disabled(obj map[string]any, condition string) bool {
	for _, p := range strings.Split(condition, ",") {
		var v any = obj
		for _, k := range strings.Split(strings.TrimSpace(p), ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if b, ok := v.(bool); ok {
			return !b
		}
	}
	return false
}

// subchart is the Cilium dependency of the Chart.yaml beside file, if it has one: read
// from disk once per directory, since a values file is read with its chart (as Helm
// does) whether or not the run names the Chart.yaml too.
func (cl *classifier) subchart(file string) (ciliumSubchart, bool) {
	if file == StdinName {
		return ciliumSubchart{}, false
	}
	dir := filepath.Dir(filepath.FromSlash(file))
	if v, ok := cl.chartDirs.Load(dir); ok {
		s := v.(ciliumSubchart)
		return s, s.key != ""
	}
	var s ciliumSubchart
	if data, err := os.ReadFile(filepath.Join(dir, chartFile)); err == nil {
		if docs, err := yamldoc.Parse(chartFile, data, yamldoc.Limits{MaxFileBytes: 1 << 20}); err == nil && len(docs) > 0 {
			s, _ = subchartOf(docs[0])
		}
	}
	cl.chartDirs.Store(dir, s)
	return s, s.key != ""
}
