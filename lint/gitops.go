package lint

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// addValuesFrom resolves each Flux HelmRelease's valuesFrom ConfigMaps found in the run
// into settings layers below the release's own values, in Flux's order, and returns the
// run's ConfigMaps by name for the kustomize instances of releases (kustomize.go), whose
// valuesFrom are resolved apart. A reference to a ConfigMap the run neither contains nor
// generates, or to a Secret, is an input note: the cluster is linted without it.
func (inv *inventory) addValuesFrom(docs []*yamldoc.Document) configMapIndex {
	configMaps := configMapIndex{byName: map[string][]*yamldoc.Document{}}
	for _, d := range docs {
		obj, ok := d.Object.(map[string]any)
		if !ok {
			continue
		}
		if apiVersion, kind := policies.TypeMeta(obj); apiVersion == "v1" && kind == "ConfigMap" {
			_, name, _ := policies.Meta(obj)
			configMaps.byName[name] = append(configMaps.byName[name], d)
		}
	}
	n := len(inv.objects)
	for i := 0; i < n; i++ {
		release := inv.objects[i]
		if _, kind := policies.TypeMeta(release.Object); kind != "HelmRelease" {
			continue
		}
		ns, _, _ := policies.Meta(release.Object)
		inv.resolveValuesFrom(i, ns, policies.FluxValuesFrom(release.Object), nil, configMaps)
	}
	return configMaps
}

// resolveValuesFrom adds the layers of the valuesFrom entries refs of the release object
// owner, in namespace ns: from the values a kustomize configMapGenerator makes for it
// (generated), else from the run's ConfigMaps.
func (inv *inventory) resolveValuesFrom(owner int, ns string, refs []policies.ValuesRef, generated []generatedValue, configMaps configMapIndex) {
	for order, ref := range refs {
		at := &yamldoc.Error{File: inv.docs[owner].File, Line: inv.docs[owner].LineOf([]any{"spec", "valuesFrom", order})}
		if ref.Name == "" || (ref.Kind != "ConfigMap" && ref.Kind != "Secret") {
			continue // the CRD requires both: the API server refuses the release
		}
		if ref.Kind != "ConfigMap" {
			at.Msg = fmt.Sprintf("valuesFrom %s %s is not read, so the cluster is linted without its values", ref.Kind, ref.Name)
			inv.notes = append(inv.notes, at)
			continue
		}
		if inv.generatedValuesFrom(owner, ns, ref, order, generated, at) {
			continue
		}
		doc := configMaps.find(ns, ref.Name, inv.docs[owner].File)
		if doc == nil {
			at.Msg = fmt.Sprintf("valuesFrom ConfigMap %s is not among the linted files, nor made by a configMapGenerator of a kustomization that includes the release, so the cluster is linted without it", ref.Name)
			inv.notes = append(inv.notes, at)
			continue
		}
		layer, err := valuesLayer(doc, ref, order)
		if err != nil {
			inv.errors = append(inv.errors, err)
			continue
		}
		inv.addLayer(owner, doc, layer)
	}
}

// generatedValuesFrom adds the layer a configMapGenerator makes for ref, and reports
// whether one of generated is the ConfigMap ref names.
func (inv *inventory) generatedValuesFrom(owner int, ns string, ref policies.ValuesRef, order int, generated []generatedValue, at *yamldoc.Error) bool {
	found := false
	for _, g := range generated {
		if g.name != ref.Name || (g.ns != "" && ns != "" && g.ns != ns) {
			continue
		}
		found = true
		if g.key != ref.Key {
			continue
		}
		switch {
		case ref.TargetPath != "":
			at.Msg = fmt.Sprintf("valuesFrom ConfigMap %s with targetPath is made by a configMapGenerator, which is not read for a targetPath, so the cluster is linted without it", ref.Name)
			inv.notes = append(inv.notes, at)
		case g.kustomization != nil:
			var values map[string]any
			if err := yaml.Unmarshal([]byte(g.literal), &values); err != nil {
				inv.errors = append(inv.errors, &yamldoc.Error{File: g.kustomization.File, Line: g.kustomization.LineOf(g.at), Msg: fmt.Sprintf("configMapGenerator literal %s is not YAML values for a HelmRelease's valuesFrom: %v", g.key, err)})
				continue
			}
			inv.addLayer(owner, g.kustomization, &policies.CiliumValues{Form: "helm", At: g.at, Values: values, Order: order})
		case len(g.docs) == 0:
			at.Msg = fmt.Sprintf("valuesFrom ConfigMap %s is generated from %s, which is not among the linted files or holds no Cilium settings, so the cluster is linted without it", ref.Name, g.file)
			inv.notes = append(inv.notes, at)
		default:
			for _, d := range g.docs {
				if obj, ok := d.Object.(map[string]any); ok {
					inv.addLayer(owner, d, &policies.CiliumValues{Form: "helm", At: []any{}, Values: obj, Order: order})
				}
			}
		}
		return true
	}
	if found {
		at.Msg = fmt.Sprintf("valuesFrom ConfigMap %s is generated without the key %s, so the cluster is linted without it", ref.Name, ref.Key)
		inv.notes = append(inv.notes, at)
	}
	return found
}

// configMapIndex finds the ConfigMap a HelmRelease (or a Flux Kustomization's
// substituteFrom) in namespace ns names: Flux reads it from that namespace. Manifests often leave the namespace to kustomize's
// `namespace:` or to `kubectl -n`, so a ConfigMap or release without one matches by name;
// of several, the one nearest the release's file (the same cluster's directory).
type configMapIndex struct {
	byName map[string][]*yamldoc.Document
}

func (x configMapIndex) find(ns, name, releaseFile string) *yamldoc.Document {
	var exact, loose []*yamldoc.Document
	for _, d := range x.byName[name] {
		switch cmNamespace, _, _ := policies.Meta(d.Object.(map[string]any)); {
		case cmNamespace == ns:
			exact = append(exact, d)
		case cmNamespace == "" || ns == "":
			loose = append(loose, d)
		} // else in another namespace: not the one Flux reads
	}
	if len(exact) > 0 {
		return nearest(exact, releaseFile)
	}
	if len(loose) > 0 {
		return nearest(loose, releaseFile)
	}
	return nil
}

// nearest is the document of docs sharing the most leading directories with file (the
// first of equals).
func nearest(docs []*yamldoc.Document, file string) *yamldoc.Document {
	best, bestShared := docs[0], -1
	for _, d := range docs {
		if shared := policies.SharedDirs(d.File, file); shared > bestShared {
			best, bestShared = d, shared
		}
	}
	return best
}

func valuesLayer(doc *yamldoc.Document, ref policies.ValuesRef, order int) (*policies.CiliumValues, error) {
	data, _ := doc.Object.(map[string]any)["data"].(map[string]any)
	text, ok := data[ref.Key].(string)
	if !ok {
		return nil, &yamldoc.Error{File: doc.File, Line: doc.Line, Msg: fmt.Sprintf("ConfigMap %s has no data key %q for a HelmRelease's valuesFrom", ref.Name, ref.Key)}
	}
	if ref.TargetPath != "" {
		// targetPath puts the whole value at one chart key (Helm --set semantics).
		values := map[string]any{}
		policies.SetValuePath(values, ref.TargetPath, text)
		return &policies.CiliumValues{Form: "helm", At: []any{"data", ref.Key}, Values: values, Order: order}, nil
	}
	var values map[string]any
	if err := yaml.Unmarshal([]byte(text), &values); err != nil {
		return nil, &yamldoc.Error{File: doc.File, Line: doc.LineOf([]any{"data", ref.Key}), Msg: fmt.Sprintf("data.%s is not YAML values: %v", ref.Key, err)}
	}
	return &policies.CiliumValues{Form: "helm", At: []any{"data", ref.Key}, Values: values, Order: order}, nil
}

// valueFileSet is what the run's GitOps objects (Argo CD Applications, kustomize
// Kustomizations) read from value files.
type valueFileSet struct {
	used   map[*yamldoc.Document]bool // documents read as value files
	layers []valueFileLayer
}

type valueFileLayer struct {
	owner  int // the index of the object naming the file, in the ordered documents
	doc    *yamldoc.Document
	values *policies.CiliumValues
}

// valueFiles finds, among the run's documents, the value files that the cilium charts of
// Argo CD Applications and Kustomizations name. Argo CD reads `$ref/path` from the root of
// the repository the ref source names, which this run may or may not hold, so a file
// matches by path suffix (clusters/prod/values.yaml is the run's
// x/clusters/prod/values.yaml); of several, the one nearest the Application's file.
// kustomize reads its paths from the kustomization's directory: that file exactly. A
// value file the run does not hold is a note, not an error: it usually lives in another
// repository, or is left out of the run, and the cluster is linted without it.
func (inv *inventory) valueFiles(ordered []*yamldoc.Document, classes []policies.Classified, cl *classifier) valueFileSet {
	set := valueFileSet{used: map[*yamldoc.Document]bool{}}
	byFile := map[string][]*yamldoc.Document{} // documents that may be value files
	var files []string
	for _, d := range ordered {
		if obj, ok := d.Object.(map[string]any); ok && policies.HasCiliumSettings(obj) {
			if _, seen := byFile[d.File]; !seen {
				files = append(files, d.File)
			}
			byFile[d.File] = append(byFile[d.File], d)
		}
	}
	plain := plainFiles(cl) // files the run holds that have no Cilium settings
	for i, owner := range ordered {
		if classes[i].Kind != policies.KindCiliumConfig {
			continue
		}
		for _, vf := range namedValueFiles(owner.Object.(map[string]any)) {
			at := &yamldoc.Error{File: owner.File, Line: owner.LineOf(vf.At)}
			switch {
			case vf.Broken != "":
				at.Msg = vf.Broken
				inv.report(owner, at, false)
				continue
			case vf.Unreadable != "":
				at.Msg = fmt.Sprintf("value file %s is %s, so the cluster is linted without it", vf.Entry, vf.Unreadable)
				inv.report(owner, at, true)
				continue
			}
			file := nearestWithSuffix(files, vf.Path, owner.File)
			if vf.Beside {
				file = path.Join(path.Dir(owner.File), vf.Path)
				if _, ok := byFile[file]; !ok {
					at.Msg = fmt.Sprintf("value file %s (%s) is not among the linted files or holds no Cilium settings, so the cluster is linted without it", vf.Entry, file)
					inv.report(owner, at, true)
					continue
				}
			}
			if plain := nearestWithSuffix(plain, vf.Path, owner.File); file == "" && plain != "" {
				at.Msg = fmt.Sprintf("value file %s (%s) holds no Cilium setting at its top level, so the cluster is linted without it (values nested under another key, such as a wrapper chart's `cilium:` for its subchart, are not read)", vf.Entry, plain)
				inv.report(owner, at, true)
				continue
			}
			if file == "" {
				at.Msg = fmt.Sprintf("value file %s is not among the linted files (none ends in %s and holds Cilium settings), so the cluster is linted without it: lint a checkout of the repository that holds it in the same run", vf.Entry, vf.Path)
				inv.report(owner, at, true)
				continue
			}
			for _, d := range byFile[file] {
				set.used[d] = true
				set.layers = append(set.layers, valueFileLayer{owner: i, doc: d,
					values: &policies.CiliumValues{Form: "helm", At: []any{}, Values: d.Object.(map[string]any), Order: vf.Order}})
			}
		}
	}
	return set
}

// plainFiles lists the files cl saw plain values without Cilium settings in.
func plainFiles(cl *classifier) []string {
	var files []string
	cl.plainFiles.Range(func(file, _ any) bool {
		files = append(files, file.(string))
		return true
	})
	return files
}

// namedValueFiles lists the value files an Application or a Kustomization names.
func namedValueFiles(obj map[string]any) []policies.ValueFile {
	if _, kind := policies.TypeMeta(obj); kind == "Application" {
		return policies.ArgoValueFiles(obj)
	}
	return policies.KustomizeValueFiles(obj) // none unless obj is a Kustomization
}

// nearestWithSuffix picks, of the files that are p or end in /p, the one sharing the
// most leading directories with from.
func nearestWithSuffix(files []string, p, from string) string {
	best, bestShared := "", -1
	for _, f := range files {
		if f != p && !strings.HasSuffix(f, "/"+p) {
			continue
		}
		if shared := policies.SharedDirs(f, from); shared > bestShared {
			best, bestShared = f, shared
		}
	}
	return best
}

// resolveChartRefs classifies the Flux HelmReleases whose spec.chartRef names a source of
// Cilium's chart in the run (an OCIRepository of oci://…/cilium, a HelmChart of chart
// cilium): such a release says nothing of its chart itself.
func resolveChartRefs(ordered []*yamldoc.Document, classes []policies.Classified) {
	var sources []policies.FluxRef
	for _, d := range ordered {
		if obj, ok := d.Object.(map[string]any); ok {
			if ref, ok := policies.FluxChartSource(obj); ok {
				sources = append(sources, ref)
			}
		}
	}
	if len(sources) == 0 {
		return
	}
	for i, d := range ordered {
		obj, ok := d.Object.(map[string]any)
		if !ok || classes[i].Kind != "" {
			continue
		}
		if ref, ok := policies.FluxChartRef(obj); ok && slices.ContainsFunc(sources, ref.Matches) {
			classes[i] = policies.FluxHelmRelease(obj)
		}
	}
}
