package lint

import (
	"path"
	"slices"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// A Rancher Fleet bundle (fleet.yaml) installing Cilium's chart stands for the values
// each group of the clusters it targets gets (policies.CiliumFleetBundle): without
// targetCustomizations, one cluster; with them, each customization's clusters, a cluster
// each, whose findings name the customization. Its valuesFiles are layers, read from the
// run.

// fleetSet is what the run's Fleet bundles read of its other files.
type fleetSet struct {
	used   map[*yamldoc.Document]bool              // values files: layers, not clusters
	layers map[*yamldoc.Document][]fleetValuesFile // a bundle's view -> its values files
}

type fleetValuesFile struct {
	doc   *yamldoc.Document
	order int
}

// expandFleetBundles replaces each fleet.yaml installing Cilium among ordered with views
// of it, one per group of target clusters, classified.
func (inv *inventory) expandFleetBundles(ordered []*yamldoc.Document, classes []policies.Classified, files []string) ([]*yamldoc.Document, []policies.Classified, fleetSet) {
	set := fleetSet{used: map[*yamldoc.Document]bool{}, layers: map[*yamldoc.Document][]fleetValuesFile{}}
	var byFile map[string][]*yamldoc.Document // made at the first bundle: most runs have none
	docs, cls := expandEach(ordered, classes, func(doc *yamldoc.Document, obj map[string]any, out *expanded) bool {
		bundle, ok := policies.CiliumFleetBundle(doc.File, obj)
		if !ok {
			return false
		}
		if byFile == nil {
			byFile = map[string][]*yamldoc.Document{}
			for _, d := range ordered {
				byFile[d.File] = append(byFile[d.File], d)
			}
		}
		dir := path.Dir(doc.File)
		// valuesFiles read for helm options h, as layers from order on.
		valuesFiles := func(h policies.FleetHelm, order int) []fleetValuesFile {
			var out []fleetValuesFile
			for _, entry := range h.ValuesFiles {
				file := path.Join(dir, entry)
				found := byFile[file]
				if len(found) == 0 && !slices.Contains(files, file) {
					inv.report(doc, &yamldoc.Error{File: doc.File, Line: doc.LineOf(slices.Concat(h.Options, []any{"valuesFiles"})),
						Msg: "valuesFiles entry " + entry + " (" + file + ") is not among the linted files, so the bundle is judged without it"}, true)
				}
				for _, d := range found {
					if _, isMap := d.Object.(map[string]any); isMap {
						set.used[d] = true
						out = append(out, fleetValuesFile{d, order})
						order++
					}
				}
			}
			return out
		}
		base := func() *policies.CiliumValues {
			return &policies.CiliumValues{Form: "helm", At: bundle.Base.At, Values: orEmpty(bundle.Base.Values)}
		}
		baseFiles := valuesFiles(bundle.Base, 1)
		if len(bundle.Targets) == 0 {
			out.add(doc, policies.Classified{Kind: policies.KindCiliumConfig, Layers: []*policies.CiliumValues{base()}})
			set.layers[doc] = baseFiles
			return true
		}
		// The clusters no customization matches get the bundle's own values alone; whether
		// there are any is up to the GitRepo's targets, so they are not judged.
		inv.report(doc, &yamldoc.Error{File: doc.File, Line: doc.LineOf([]any{"targetCustomizations"}),
			Msg: "each targetCustomization's clusters are judged; the clusters none of them matches, which get helm.values alone, are not (the GitRepo's targets decide whether there are any)"}, true)
		for _, t := range bundle.Targets {
			order := 1 + len(baseFiles)
			own := &policies.CiliumValues{Form: "helm", At: t.At, Values: orEmpty(t.Values), Order: order}
			view := doc.Within(obj)
			inv.generated[view] = generatedApp{what: "targetCustomization", name: t.Name, of: "of Fleet bundle " + dir}
			out.add(view, policies.Classified{Kind: policies.KindCiliumConfig, Layers: []*policies.CiliumValues{base(), own}})
			set.layers[view] = append(slices.Clone(baseFiles), valuesFiles(t, order+1)...)
		}
		return true
	})
	return docs, cls, set
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// addFleetLayers adds the values files of each Fleet bundle's view among ordered as layers
// of its cluster; first holds each document's first object.
func (inv *inventory) addFleetLayers(set fleetSet, ordered []*yamldoc.Document, first []int) {
	for i, doc := range ordered {
		for _, f := range set.layers[doc] {
			inv.addLayer(first[i], f.doc, &policies.CiliumValues{Form: "helm", At: []any{}, Values: f.doc.Object.(map[string]any), Order: f.order})
		}
	}
}
