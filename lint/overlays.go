package lint

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// Helm overlays (README "Clusters"): a repository keeps Cilium's values in values.yaml
// and per-environment overlays beside it (values-prod.yaml) that hold only what differs,
// often `cluster:`, `ipam:` or `MTU:`. Most such overlays carry no key only Cilium's chart
// uses, so on their own they are not recognisable; lost, they would silently drop the
// layer that names the cluster or sets its MTU. An overlay is therefore claimed when all
// of these hold:
//   - it sits in the same directory as a document already known to be Cilium values
//     (by its keys, or named with --values);
//   - its file name has the word "values" (values.yaml, values-prod.yaml, prod-values.yaml,
//     cilium-values.prod.yml), as Helm values files are named;
//   - policies.ChartValuesShaped: no apiVersion/kind, every top-level key is one Cilium's
//     chart declares, and one of them is a key the rules read.
// Another chart's values beside Cilium's fail the last test on their own keys, and its
// overlays are told by name: an overlay whose name extends another chart's values file
// (k8s-monitoring-values-prod.yaml beside k8s-monitoring-values.yaml, which is not Cilium
// values) layers that chart, even when its keys alone (grafana's k8s-monitoring chart has
// `cluster.name`) would pass for Cilium's.

// valuesFileName reports whether a file is named as a Helm values file: "values" is a
// word of its name without extension, words split at - _ and dots.
func valuesFileName(file string) bool {
	for _, w := range strings.FieldsFunc(layerStem(file), func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if strings.EqualFold(w, "values") {
			return true
		}
	}
	return false
}

// layerStem is a file's base name without its YAML or JSON extension.
func layerStem(file string) string {
	base := path.Base(file)
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		if strings.HasSuffix(base, ext) {
			return strings.TrimSuffix(base, ext)
		}
	}
	return base
}

// plainValues reports whether c is a document of Cilium values itself (not values
// embedded in a HelmRelease or Application, not a cilium-config ConfigMap).
func plainValues(c policies.Classified) bool {
	return c.Kind == policies.KindCiliumConfig && len(c.Layers) == 1 && plainLayer(c.Layers[0])
}

// plainLayer reports whether l is a whole document of Helm values, or the part of an
// umbrella chart's values file its Cilium dependency gets.
func plainLayer(l *policies.CiliumValues) bool {
	return l != nil && l.Form == "helm" && (len(l.At) == 0 || l.Subchart)
}

// overlay reports whether doc, which nothing else claimed, is a Helm overlay of the
// Cilium values in its directory (valuesDirs), and not of another chart's values file
// its name extends. bases maps the values files in those directories to whether they
// are another chart's (foreign).
func overlay(doc *yamldoc.Document, obj map[string]any, valuesDirs, bases map[string]bool) bool {
	return valuesDirs[path.Dir(doc.File)] && valuesFileName(doc.File) && policies.ChartValuesShaped(obj) &&
		!bases[baseFile(doc.File, bases)]
}

// baseFile is the sibling values file whose name file's name extends the most
// (cilium-values.yaml for cilium-values-prod.yaml), among bases, or "".
func baseFile(file string, bases map[string]bool) string {
	stem, dir := layerStem(file), path.Dir(file)
	best, bestLen := "", 0
	for b := range bases {
		s := layerStem(b)
		if path.Dir(b) != dir || b == file || len(s) <= bestLen || len(s) >= len(stem) ||
			!strings.HasPrefix(stem, s) || !strings.ContainsRune("-_.", rune(stem[len(s)])) {
			continue
		}
		best, bestLen = b, len(s)
	}
	return best
}

// valuesBases maps each values-named file in valuesDirs to whether it holds another
// chart's values: no document of it is Cilium values or shaped like them (loading drops
// documents without Cilium settings; the classifier remembers their values files).
func valuesBases(ordered []*yamldoc.Document, classes []policies.Classified, valuesDirs map[string]bool, cl *classifier) map[string]bool {
	bases := map[string]bool{}
	cl.plainFiles.Range(func(file, foreign any) bool {
		if f := file.(string); foreign.(bool) && valuesDirs[path.Dir(f)] && valuesFileName(f) {
			bases[f] = true
		}
		return true
	})
	for i, doc := range ordered {
		if !valuesDirs[path.Dir(doc.File)] || !valuesFileName(doc.File) {
			continue
		}
		obj, _ := doc.Object.(map[string]any)
		cilium := plainValues(classes[i]) || (classes[i].Kind == "" && obj != nil && policies.ChartValuesShaped(obj))
		if foreign, seen := bases[doc.File]; !seen || foreign {
			bases[doc.File] = !cilium
		}
	}
	return bases
}

// OverlaySiblings lists, for each file in files named as a values file, the other values
// files in its directory that files does not name: the overlays that linting the
// directory layers over it, which a command reading one file (explain) must read too to
// see the cluster lint sees.
func OverlaySiblings(files []string) []string {
	named := map[string]bool{}
	for _, f := range files {
		named[filepath.Clean(f)] = true
	}
	dirs := map[string]bool{}
	var out []string
	for _, f := range files {
		dir := filepath.Dir(f)
		if f == "-" || dirs[dir] || !valuesFileName(filepath.ToSlash(f)) {
			continue
		}
		dirs[dir] = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // Load reports the named file's own problem
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if e.Type().IsRegular() && !named[filepath.Clean(p)] && layerStem(e.Name()) != e.Name() && valuesFileName(e.Name()) {
				out = append(out, p)
			}
		}
	}
	return out
}
