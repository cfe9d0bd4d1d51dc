package lint

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// kustomize overlays (README "Clusters"), as fluxcd/flux2-kustomize-helm-example lays
// them out: a Cilium HelmRelease in a base directory, and per-environment kustomizations
// that list the base in `resources:` and patch the release's values (`patches:`, legacy
// `patchesStrategicMerge:`) or generate its valuesFrom ConfigMap (`configMapGenerator:`).
// Each kustomization no other one includes (a root: what a Flux Kustomization or
// `kubectl apply -k` builds) makes an instance of every Cilium HelmRelease it includes,
// with its directory as the cluster's. The base release is then no cluster of its own.
//
// Only what decides a Cilium release's values is followed, as sigs.k8s.io/kustomize/api
// applies it: resources (files and directories with a kustomization), patches with
// `path` or inline `patch` and a `target` by kind/name/namespace (regular expressions,
// anchored, api/types/selector.go), or none (the patch's own kind and name), and
// configMapGenerator `files`/`literals`. A HelmRelease is a custom resource, so a
// strategic-merge patch merges maps recursively and replaces lists except those whose
// items have a `name` (kyaml AssociativeSequenceKeys: valuesFrom entries merge by name);
// spec.values of each patch is therefore a layer over the release's own values, later
// patches over earlier ones. JSON 6902 `add`/`replace` of a path under /spec/values is a
// layer too. What cannot be followed is an input note.

// kustomizationFile reports whether file is named as kustomize reads a directory.
func kustomizationFile(file string) bool {
	switch path.Base(file) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	return false
}

// kustomizationDoc reports whether d is a kustomization kustomize would read.
func kustomizationDoc(d *yamldoc.Document) (map[string]any, bool) {
	obj, ok := d.Object.(map[string]any)
	if !ok || !kustomizationFile(d.File) {
		return nil, false
	}
	apiVersion, kind := policies.TypeMeta(obj)
	return obj, (apiVersion == "" && kind == "") || strings.HasPrefix(apiVersion, "kustomize.config.k8s.io/")
}

// jsonPatchDoc reports whether d is a list of JSON 6902 operations.
func jsonPatchDoc(d *yamldoc.Document) bool {
	ops, ok := d.Object.([]any)
	if !ok || len(ops) == 0 {
		return false
	}
	op, _ := ops[0].(map[string]any)
	_, hasOp := op["op"]
	return hasOp
}

// fluxHelmRelease reports whether obj is a Flux HelmRelease (a patch of one has no chart).
func fluxHelmRelease(obj map[string]any) bool {
	apiVersion, kind := policies.TypeMeta(obj)
	return kind == "HelmRelease" && strings.HasPrefix(apiVersion, "helm.toolkit.fluxcd.io/")
}

// releaseInstance is a Cilium HelmRelease as one root kustomization builds it.
type releaseInstance struct {
	release    int // index of the release document in the ordered documents
	doc        *yamldoc.Document
	dir        string // the root kustomization's directory: the cluster's
	ns         string // namespace after kustomize's `namespace:`
	layers     []instanceLayer
	valuesFrom []any            // spec.valuesFrom after the patches
	generated  []generatedValue // ConfigMaps the root's kustomizations generate
}

// instanceLayer is one patch's values: Values at At in doc.
type instanceLayer struct {
	doc    *yamldoc.Document
	object map[string]any
	at     []any
	values map[string]any
}

// generatedValue is a configMapGenerator's key: a file's documents, or a literal.
type generatedValue struct {
	name, ns, key string
	docs          []*yamldoc.Document // files: the file's documents (nil if none is kept)
	file          string
	kustomization *yamldoc.Document // literals: the kustomization and the literal's path
	at            []any
	literal       string
}

type kustomizeSet struct {
	instances []releaseInstance
	used      map[*yamldoc.Document]bool // documents read as bases, patches or generated values
}

type kustomizeWalk struct {
	inv     *inventory
	ordered []*yamldoc.Document
	classes []policies.Classified
	kusts   map[string]*yamldoc.Document   // directory -> its kustomization
	byFile  map[string][]*yamldoc.Document // file -> its documents
	index   map[*yamldoc.Document]int
	set     kustomizeSet
}

// kustomizeInstances finds the Cilium HelmReleases kustomizations include and builds
// each root kustomization's instances of them.
func (inv *inventory) kustomizeInstances(ordered []*yamldoc.Document, classes []policies.Classified) kustomizeSet {
	w := &kustomizeWalk{inv: inv, ordered: ordered, classes: classes, kusts: map[string]*yamldoc.Document{},
		byFile: map[string][]*yamldoc.Document{}, index: map[*yamldoc.Document]int{},
		set: kustomizeSet{used: map[*yamldoc.Document]bool{}}}
	for i, d := range ordered {
		w.byFile[d.File] = append(w.byFile[d.File], d)
		w.index[d] = i
		if _, ok := kustomizationDoc(d); ok {
			w.kusts[path.Dir(d.File)] = d
		}
	}
	if len(w.kusts) == 0 {
		return w.set
	}
	included := map[string]bool{}
	for dir, k := range w.kusts {
		for _, r := range w.resources(k) {
			if r != dir {
				if _, ok := w.kusts[r]; ok {
					included[r] = true
				}
			}
		}
	}
	for _, d := range ordered {
		dir := path.Dir(d.File)
		if w.kusts[dir] != d || included[dir] {
			continue
		}
		var generated []generatedValue
		instances := w.build(dir, map[string]bool{}, &generated)
		for i := range instances {
			instances[i].dir = dir
			instances[i].generated = generated
			w.set.used[ordered[instances[i].release]] = true
		}
		w.set.instances = append(w.set.instances, instances...)
	}
	return w.set
}

// resources lists the directories and files a kustomization's resources (and legacy
// bases) name, cleaned; remote ones are skipped.
func (w *kustomizeWalk) resources(k *yamldoc.Document) []string {
	obj, _ := k.Object.(map[string]any)
	var out []string
	for _, field := range []string{"resources", "bases"} {
		for _, e := range sliceAny(obj[field]) {
			s, _ := e.(string)
			if s == "" || strings.Contains(s, "://") || strings.HasPrefix(s, "github.com/") || strings.HasPrefix(s, "git@") {
				continue
			}
			out = append(out, path.Join(path.Dir(k.File), s))
		}
	}
	return out
}

// build returns the instances of Cilium HelmReleases the kustomization in dir makes,
// with its patches applied, collecting its generated values into generated.
func (w *kustomizeWalk) build(dir string, visiting map[string]bool, generated *[]generatedValue) []releaseInstance {
	if visiting[dir] {
		return nil // a cycle: kustomize refuses it
	}
	visiting[dir] = true
	defer delete(visiting, dir)
	k := w.kusts[dir]
	obj, _ := k.Object.(map[string]any)
	var out []releaseInstance
	for _, r := range w.resources(k) {
		if _, ok := w.kusts[r]; ok && r != dir {
			out = append(out, w.build(r, visiting, generated)...)
			continue
		}
		for _, d := range w.byFile[r] {
			i := w.index[d]
			ro, _ := d.Object.(map[string]any)
			if w.classes[i].Kind == policies.KindCiliumConfig && ro != nil && fluxHelmRelease(ro) {
				ns, _, _ := policies.Meta(ro)
				out = append(out, releaseInstance{release: i, doc: d, ns: ns, valuesFrom: sliceAny(dig(ro, "spec", "valuesFrom"))})
			}
		}
	}
	if ns, _ := obj["namespace"].(string); ns != "" {
		for i := range out {
			out[i].ns = ns
		}
	}
	*generated = append(*generated, w.generators(k, obj)...)
	w.applyPatches(k, obj, out)
	return out
}

// generators lists the values a kustomization's configMapGenerator entries hold.
func (w *kustomizeWalk) generators(k *yamldoc.Document, obj map[string]any) []generatedValue {
	var out []generatedValue
	defaultNS, _ := obj["namespace"].(string)
	for gi, g := range sliceAny(obj["configMapGenerator"]) {
		gm, _ := g.(map[string]any)
		name, _ := gm["name"].(string)
		ns, _ := gm["namespace"].(string)
		if ns == "" {
			ns = defaultNS
		}
		for _, f := range sliceAny(gm["files"]) {
			s, _ := f.(string)
			key, file, found := strings.Cut(s, "=")
			if !found {
				key, file = path.Base(s), s
			}
			file = path.Join(path.Dir(k.File), file)
			docs := w.byFile[file]
			for _, d := range docs {
				w.set.used[d] = true
			}
			out = append(out, generatedValue{name: name, ns: ns, key: key, docs: docs, file: file})
		}
		for li, l := range sliceAny(gm["literals"]) {
			s, _ := l.(string)
			if key, value, ok := strings.Cut(s, "="); ok {
				out = append(out, generatedValue{name: name, ns: ns, key: key, kustomization: k,
					at: []any{"configMapGenerator", gi, "literals", li}, literal: value})
			}
		}
	}
	return out
}

// applyPatches applies a kustomization's patches to the instances it builds.
func (w *kustomizeWalk) applyPatches(k *yamldoc.Document, obj map[string]any, instances []releaseInstance) {
	dir := path.Dir(k.File)
	type patch struct {
		at     []any // the entry in the kustomization
		target map[string]any
		docs   []*yamldoc.Document // a path's documents
		inline string
		json   bool // patchesJson6902
	}
	var patches []patch
	for i, p := range sliceAny(obj["patchesStrategicMerge"]) {
		s, _ := p.(string)
		if strings.ContainsAny(s, ":\n") { // an inline patch
			patches = append(patches, patch{at: []any{"patchesStrategicMerge", i}, inline: s})
		} else if s != "" {
			patches = append(patches, patch{at: []any{"patchesStrategicMerge", i}, docs: w.byFile[path.Join(dir, s)]})
		}
	}
	for _, field := range []string{"patches", "patchesJson6902"} {
		for i, p := range sliceAny(obj[field]) {
			pm, _ := p.(map[string]any)
			target, _ := pm["target"].(map[string]any)
			e := patch{at: []any{field, i}, target: target, json: field == "patchesJson6902"}
			if s, _ := pm["path"].(string); s != "" {
				e.docs = w.byFile[path.Join(dir, s)]
			} else if s, _ := pm["patch"].(string); s != "" {
				e.inline = s
				e.at = append(e.at, "patch")
			}
			patches = append(patches, e)
		}
	}
	for _, p := range patches {
		if p.target != nil && hasSelector(p.target) {
			w.note(k, p.at, "patch selects by label or annotation, which is not evaluated, so the Cilium release is linted without it")
			continue
		}
		var layers []patchContent
		if p.inline != "" {
			var v any
			if err := yaml.Unmarshal([]byte(p.inline), &v); err != nil {
				continue // kustomize refuses it; nothing of Cilium's to read
			}
			layers = append(layers, patchContent{doc: k, object: v, at: p.at})
		}
		for _, d := range p.docs {
			layers = append(layers, patchContent{doc: d, object: d.Object})
		}
		for _, c := range layers {
			w.applyPatch(k, p.at, p.target, c, instances)
		}
	}
}

// patchContent is one patch: a document of a patch file, or an inline patch at at in doc.
type patchContent struct {
	doc    *yamldoc.Document
	object any
	at     []any
}

func (w *kustomizeWalk) applyPatch(k *yamldoc.Document, entry []any, target map[string]any, c patchContent, instances []releaseInstance) {
	var layer instanceLayer
	var valuesFrom []any
	switch o := c.object.(type) {
	case map[string]any: // strategic merge
		if !fluxHelmRelease(o) {
			return
		}
		if target == nil {
			ns, name, _ := policies.Meta(o)
			target = map[string]any{"kind": "HelmRelease", "name": regexp.QuoteMeta(name), "namespace": regexp.QuoteMeta(ns)}
		}
		values, _ := dig(o, "spec", "values").(map[string]any)
		valuesFrom = sliceAny(dig(o, "spec", "valuesFrom"))
		at := append(append([]any{}, c.at...), "spec", "values")
		layer = instanceLayer{doc: c.doc, object: o, at: at, values: values}
		if c.at == nil {
			w.set.used[c.doc] = true
		}
	case []any: // JSON 6902
		if target == nil {
			return // kustomize requires a target for these
		}
		layer = w.jsonPatchLayer(k, entry, c, o)
	default:
		return
	}
	if layer.values == nil && valuesFrom == nil {
		return
	}
	matched := false
	for i := range instances {
		ro := w.ordered[instances[i].release].Object.(map[string]any)
		if !targets(target, ro, instances[i].ns) {
			continue
		}
		matched = true
		if layer.values != nil {
			instances[i].layers = append(instances[i].layers, layer)
		}
		instances[i].valuesFrom = mergeByName(instances[i].valuesFrom, valuesFrom)
	}
	if !matched && layer.values != nil && policies.HasCiliumSettings(layer.values) {
		w.note(k, entry, "patch sets Cilium values but matches no Cilium HelmRelease this kustomization includes among the linted files, so no cluster is linted with it")
	}
}

// jsonPatchLayer turns JSON 6902 add/replace operations under /spec/values into one layer.
func (w *kustomizeWalk) jsonPatchLayer(k *yamldoc.Document, entry []any, c patchContent, ops []any) instanceLayer {
	values := map[string]any{}
	var first []any
	for i, op := range ops {
		om, _ := op.(map[string]any)
		p, _ := om["path"].(string)
		rest, under := strings.CutPrefix(p, "/spec/values/")
		if !under && p != "/spec/values" {
			continue
		}
		kind, _ := om["op"].(string)
		var keys []string
		for _, t := range strings.Split(rest, "/") {
			keys = append(keys, strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~"))
		}
		if (kind != "add" && kind != "replace") || !under || numericKey(keys) {
			w.note(k, entry, fmt.Sprintf("JSON patch %s of %s is not applied, so the Cilium release is linted without it", kind, p))
			continue
		}
		setKeys(values, keys, om["value"])
		if first == nil {
			first = append(append([]any{}, c.at...), i, "value")
		}
	}
	if len(values) == 0 {
		return instanceLayer{}
	}
	obj, _ := c.doc.Object.(map[string]any)
	return instanceLayer{doc: c.doc, object: obj, at: first, values: values}
}

func numericKey(keys []string) bool {
	for _, k := range keys {
		if k == "-" || k == "" || strings.Trim(k, "0123456789") == "" {
			return true
		}
	}
	return false
}

func setKeys(m map[string]any, keys []string, v any) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
}

func (w *kustomizeWalk) note(k *yamldoc.Document, at []any, msg string) {
	w.inv.notes = append(w.inv.notes, &yamldoc.Error{File: k.File, Line: k.LineOf(at), Msg: msg})
}

func hasSelector(target map[string]any) bool {
	return target["labelSelector"] != nil || target["annotationSelector"] != nil
}

// targets reports whether a patch target selects the release (in namespace ns): each of
// group, version, kind, name and namespace given is an anchored regular expression.
func targets(target, release map[string]any, ns string) bool {
	apiVersion, kind := policies.TypeMeta(release)
	group, version, _ := strings.Cut(apiVersion, "/")
	_, name, _ := policies.Meta(release)
	for field, value := range map[string]string{"group": group, "version": version, "kind": kind, "name": name, "namespace": ns} {
		pattern, _ := target[field].(string)
		if pattern == "" {
			continue
		}
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil || !re.MatchString(value) {
			return false
		}
	}
	return true
}

// mergeByName merges a patch's list of named maps into base as kyaml does: an item with
// the name of a base item replaces it, others are appended.
func mergeByName(base, patch []any) []any {
	if patch == nil {
		return base
	}
	out := append([]any{}, base...)
	for _, p := range patch {
		pn, _ := dig(p, "name").(string)
		replaced := false
		for i, b := range out {
			if bn, _ := dig(b, "name").(string); bn == pn && pn != "" {
				out[i], replaced = p, true
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out
}

func sliceAny(v any) []any {
	s, _ := v.([]any)
	return s
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
