package lint

import (
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
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
// (the dependency's alias, else its name), its condition (values paths that turn the
// dependency off when false) and tags. base is the chart's own values.yaml, which Helm
// always coalesces under the -f files, and enabledBy says whether some values file of
// the directory other than values.yaml turns the dependency on over it.
type ciliumSubchart struct {
	key       string
	condition string
	tags      []string
	base      map[string]any
	enabledBy bool
}

// maxChartBytes bounds what is read of a Chart.yaml, requirements.yaml or a sibling
// values file to decide the dependency (Helm's own chart files are small).
const maxChartBytes = 1 << 20

// subchartOf reads a chart's metadata document (Chart.yaml, or requirements.yaml, whose
// dependencies Helm's loader reads over Chart.yaml's): the Cilium dependency it declares,
// and whether it declares dependencies at all. A dependency's `enabled` in Chart.yaml is
// not read: Helm sets every dependency enabled before its tags and condition decide.
func subchartOf(d *yamldoc.Document) (s ciliumSubchart, declared bool) {
	obj, ok := d.Object.(map[string]any)
	if !ok {
		return ciliumSubchart{}, false
	}
	deps, declared := obj["dependencies"].([]any)
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
		var tags []string
		listed, _ := m["tags"].([]any)
		for _, t := range listed {
			if t, ok := t.(string); ok {
				tags = append(tags, t)
			}
		}
		return ciliumSubchart{key: key, condition: condition, tags: tags}, true
	}
	return ciliumSubchart{}, declared
}

// subchartValues classifies a values file of an umbrella chart as the Cilium values it
// passes its Cilium dependency; ok is false for any other document, and for values that
// turn the dependency off through its condition or tags.
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
	if !ok || !s.enabledIn(path.Base(d.File), obj) {
		return policies.Classified{}, false
	}
	return policies.Classified{Kind: policies.KindCiliumConfig, Layers: []*policies.CiliumValues{
		{Form: "helm", At: []any{s.key}, Values: values, Subchart: true},
	}}, true
}

// enabledIn: Helm installs the dependency with the values file named base (obj) given
// to it. Helm decides on the chart's values.yaml coalesced with the -f files, so an
// overlay that says nothing inherits values.yaml's verdict, and values.yaml turned off
// is still a layer when an overlay beside it turns the dependency on.
func (s ciliumSubchart) enabledIn(base string, obj map[string]any) bool {
	if base == "values.yaml" {
		return s.enabled(obj) || s.enabledBy
	}
	return s.enabled(coalesce(s.base, obj))
}

// enabled is Helm's verdict on the dependency for the coalesced values v
// (pkg/chartutil/dependencies.go): enabled, unless its tags are all false or unset with
// one false; then the first condition path (split at commas, each taken as written)
// that holds a bool decides.
func (s ciliumSubchart) enabled(v map[string]any) bool {
	on := true
	if tags, ok := v["tags"].(map[string]any); ok {
		var hasTrue, hasFalse bool
		for _, t := range s.tags {
			if b, ok := tags[t].(bool); ok {
				hasTrue, hasFalse = hasTrue || b, hasFalse || !b
			}
		}
		on = hasTrue || !hasFalse
	}
	for _, p := range strings.Split(strings.TrimSpace(s.condition), ",") {
		if p == "" {
			continue
		}
		var x any = v
		for _, k := range strings.Split(p, ".") {
			m, _ := x.(map[string]any)
			x = m[k]
		}
		if b, ok := x.(bool); ok {
			return b
		}
	}
	return on
}

// coalesce is over laid on base, maps merged key by key, as Helm coalesces values files.
func coalesce(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = coalesce(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// subchart is the Cilium dependency of the chart whose Chart.yaml is beside file, if it
// has one: read from disk once per directory, since a values file is read with its chart
// (as Helm does) whether or not the run names the Chart.yaml too. Nothing read here is an
// error: a chart Helm cannot load is not one whose values mtuguard reinterprets.
func (cl *classifier) subchart(file string) (ciliumSubchart, bool) {
	if file == StdinName {
		return ciliumSubchart{}, false
	}
	dir := filepath.Dir(filepath.FromSlash(file))
	if v, ok := cl.chartDirs.Load(dir); ok {
		s := v.(ciliumSubchart)
		return s, s.key != ""
	}
	s, _ := readSubchart(filepath.Join(dir, chartFile))
	if r, declared := readSubchart(filepath.Join(dir, "requirements.yaml")); declared {
		s = r // Helm's loader reads requirements.yaml's dependencies over Chart.yaml's
	}
	if s.key != "" {
		s.base = readValues(filepath.Join(dir, "values.yaml"))
		if entries, err := os.ReadDir(dir); err == nil {
			for _, e := range entries {
				name := e.Name()
				if name == "values.yaml" || layerStem(name) == name || !valuesFileName(name) || !e.Type().IsRegular() {
					continue
				}
				if v := readValues(filepath.Join(dir, name)); v != nil && s.enabled(coalesce(s.base, v)) && !s.enabled(s.base) {
					s.enabledBy = true
					break
				}
			}
		}
	}
	cl.chartDirs.Store(dir, s)
	return s, s.key != ""
}

// readChartFile is the first document of a small regular file, or nil.
func readChartFile(file string) *yamldoc.Document {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > maxChartBytes {
		return nil // a FIFO would block the read; a huge file is no chart's
	}
	data, err := io.ReadAll(io.LimitReader(f, maxChartBytes+1))
	if err != nil {
		return nil
	}
	docs, err := yamldoc.Parse(filepath.Base(file), data, yamldoc.Limits{MaxFileBytes: maxChartBytes, MaxNodes: 100_000, MaxDepth: 100})
	if err != nil || len(docs) == 0 {
		return nil
	}
	return docs[0]
}

func readSubchart(file string) (ciliumSubchart, bool) {
	d := readChartFile(file)
	if d == nil {
		return ciliumSubchart{}, false
	}
	return subchartOf(d)
}

func readValues(file string) map[string]any {
	d := readChartFile(file)
	if d == nil {
		return nil
	}
	m, _ := d.Object.(map[string]any)
	return m
}

// umbrellaRelease is an Argo CD Application or Flux HelmRelease that installs an umbrella
// chart of Cilium's from a directory of the run (a git source's `path`, a HelmRelease's
// chart path) and passes values of its own for the Cilium dependency: Helm layers them
// over the chart's values files.
type umbrellaRelease struct {
	doc    *yamldoc.Document
	dir    string // the chart's
	at     []any  // the release's values, for a note
	key    string
	layers []*policies.CiliumValues
}

// umbrellaReleases finds the releases of umbrella charts of the run that pass values for
// the Cilium dependency.
func (inv *inventory) umbrellaReleases(ordered []*yamldoc.Document, classes []policies.Classified, files []string, cl *classifier) []umbrellaRelease {
	dirs := map[string]bool{}
	var dirList []string
	for _, f := range files {
		if d := path.Dir(f); !dirs[d] {
			dirs[d] = true
			dirList = append(dirList, d)
		}
	}
	var out []umbrellaRelease
	for i, doc := range ordered {
		obj, ok := doc.Object.(map[string]any)
		if !ok || classes[i].Kind != "" {
			continue
		}
		for _, src := range umbrellaSources(obj) {
			dir := nearestWithSuffix(dirList, strings.Trim(path.Clean(src.path), "/"), doc.File)
			if dir == "" {
				continue
			}
			s, ok := cl.subchart(path.Join(dir, "values.yaml"))
			if !ok {
				continue
			}
			layers, err := policies.UmbrellaReleaseLayers(obj, src.source, s.key)
			if err != nil {
				inv.report(doc, &yamldoc.Error{File: doc.File, Line: doc.LineOf(src.at), Msg: err.Error()}, false)
				continue
			}
			if len(layers) == 0 {
				continue // it passes the Cilium dependency nothing
			}
			out = append(out, umbrellaRelease{doc: doc, dir: dir, at: src.at, key: s.key, layers: layers})
		}
	}
	return out
}

// umbrellaReleaseOrder puts a release's values over every values file of its chart.
const umbrellaReleaseOrder = 1000

// layerUmbrellaReleases adds each release's values as the top layers of the cluster its
// chart's values files make. When those files make several clusters (values-prod.yaml,
// values-staging.yaml), which one the release installs is not followed: a note says so.
func (inv *inventory) layerUmbrellaReleases(releases []umbrellaRelease, ordered []*yamldoc.Document, classes []policies.Classified, first []int, used map[*yamldoc.Document]bool) {
	for _, r := range releases {
		owner, names := -1, map[string]bool{}
		for i, doc := range ordered {
			c := classes[i]
			if path.Dir(doc.File) != r.dir || used[doc] || c.Kind != policies.KindCiliumConfig || len(c.Layers) == 0 || !c.Layers[0].Subchart {
				continue
			}
			if owner < 0 {
				owner = first[i]
			}
			if n := clusterName(inv.objects[first[i]]); n != "" {
				names[n] = true
			}
		}
		if owner < 0 || len(names) > 1 {
			inv.report(r.doc, &yamldoc.Error{File: r.doc.File, Line: r.doc.LineOf(r.at), Msg: "this release installs the umbrella chart in " + r.dir + ", whose values files are read for Cilium (under `" + r.key + ":`) as several clusters, so which one its own values for `" + r.key + ":` are layered over is not known and they are not read: a clamp or cluster name set here is not seen"}, true)
			continue
		}
		for _, l := range r.layers {
			l.Order += umbrellaReleaseOrder
			inv.addLayer(owner, r.doc, l)
		}
	}
}

// umbrellaSource is a chart path a release installs from.
type umbrellaSource struct {
	path   string
	source []any // the Argo CD source's path in the Application; nil for Flux
	at     []any // where the release's values are, for the note's line
}

// umbrellaSources lists the chart directories an Argo CD Application (git sources with
// a path and no chart) or a Flux HelmRelease (a chart given as a path) installs from.
func umbrellaSources(obj map[string]any) []umbrellaSource {
	apiVersion, kind := policies.TypeMeta(obj)
	spec, _ := obj["spec"].(map[string]any)
	var out []umbrellaSource
	switch {
	case kind == "Application" && strings.HasPrefix(apiVersion, "argoproj.io/"):
		sources := []any{spec["source"]}
		at := [][]any{{"spec", "source"}}
		if list, ok := spec["sources"].([]any); ok {
			sources, at = list, nil
			for i := range list {
				at = append(at, []any{"spec", "sources", i})
			}
		}
		for i, s := range sources {
			m, _ := s.(map[string]any)
			p, _ := m["path"].(string)
			if p == "" || m["chart"] != nil {
				continue
			}
			out = append(out, umbrellaSource{path: p, source: at[i], at: slices.Concat(at[i], []any{"helm"})})
		}
	case fluxHelmRelease(obj):
		chartSpec, _ := spec["chart"].(map[string]any)
		inner, _ := chartSpec["spec"].(map[string]any)
		chart, _ := inner["chart"].(string)
		if strings.Contains(chart, "/") {
			out = append(out, umbrellaSource{path: chart, at: []any{"spec", "values"}})
		}
	}
	return out
}
