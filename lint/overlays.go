package lint

import (
	"path"
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
// Another chart's values beside Cilium's fail the last test on their own keys.

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

// plainLayer reports whether l is a whole document of Helm values.
func plainLayer(l *policies.CiliumValues) bool {
	return l != nil && l.Form == "helm" && len(l.At) == 0
}

// overlay reports whether doc, which nothing else claimed, is a Helm overlay of the
// Cilium values in its directory (valuesDirs).
func overlay(doc *yamldoc.Document, obj map[string]any, valuesDirs map[string]bool) bool {
	return valuesDirs[path.Dir(doc.File)] && valuesFileName(doc.File) && policies.ChartValuesShaped(obj)
}
