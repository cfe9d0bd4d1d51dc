// Package lint runs the rules over files: load documents, classify them, group them into
// clusters, evaluate, and turn findings into file:line verdicts.
package lint

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// Options configure one lint run.
type Options struct {
	Config policies.Config
	Load   LoadOptions
	// HelmValues lists files whose documents are Cilium Helm values whatever their keys (--values).
	HelmValues []string
	// Cluster, when set, puts every object in this one cluster instead of grouping by
	// directory (auditing a live cluster).
	Cluster string

	classifier *classifier
}

// Report is the outcome of one run: what the formatters print.
type Report struct {
	Files       []string
	Objects     int // documents read
	Findings    []Finding
	InputErrors []error // unreadable or invalid input; makes the run exit 2
	// Notes are input the run could not see but need not fail for, such as an Argo CD
	// value file kept in another repository: said, so that nothing is lost silently,
	// never changing the exit status.
	Notes []error
}

// Finding is a verdict located in a file (DESIGN.md "Findings as the user sees them").
type Finding struct {
	policies.Verdict
	File    string    `json:"file"`
	Line    int       `json:"line"`
	Ref     ObjectRef `json:"object"`
	Cluster string    `json:"cluster,omitempty"`
}

// ObjectRef names the object a finding is about.
type ObjectRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
}

// Counts summarise a report's findings.
type Counts struct {
	Errors, Warnings, Infos, Suppressed int
}

// Counts tallies the findings by severity; suppressed ones only count as suppressed.
func (r *Report) Counts() Counts {
	var c Counts
	for _, f := range r.Findings {
		switch {
		case f.Suppressed != "":
			c.Suppressed++
		case f.Severity == "error":
			c.Errors++
		case f.Severity == "warning":
			c.Warnings++
		default:
			c.Infos++
		}
	}
	return c
}

// Run lints paths with engine; with a nil engine, it compiles the embedded rules while it
// reads the files (compiling takes as long as reading a few thousand documents).
func Run(ctx context.Context, engine *policies.Engine, paths []string, opts Options) (*Report, error) {
	if opts.Load.Ignore == nil {
		opts.Load.Ignore = opts.Config.Ignore
	}
	if opts.classifier == nil {
		opts.classifier = newClassifier(opts.HelmValues)
	}
	if opts.Load.Keep == nil {
		opts.Load.Keep = opts.classifier.keep
	}
	compiled := compileUnless(ctx, engine)
	loaded := Load(ctx, paths, opts.Load)
	engine, err := compiled()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Evaluate(ctx, engine, loaded, opts)
}

// compileUnless returns engine, or when it is nil compiles one in the background and
// returns a function that waits for it.
func compileUnless(ctx context.Context, engine *policies.Engine) func() (*policies.Engine, error) {
	if engine != nil {
		return func() (*policies.Engine, error) { return engine, nil }
	}
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		engine, err = policies.NewEngine(ctx)
	}()
	return func() (*policies.Engine, error) {
		<-done
		return engine, err
	}
}

// Evaluate runs the rules over documents already loaded (from files, or from a live
// cluster by `mtuguard audit`).
func Evaluate(ctx context.Context, engine *policies.Engine, loaded Loaded, opts Options) (*Report, error) {
	rep := &Report{Files: loaded.Files, Objects: len(loaded.Documents) + loaded.Skipped, InputErrors: loaded.Errors}
	if opts.classifier == nil {
		opts.classifier = newClassifier(opts.HelmValues)
	}
	set := newInventory(loaded, opts.classifier, opts.Load)
	if opts.Cluster != "" {
		for i := range set.objects {
			set.objects[i].Cluster = opts.Cluster
		}
	}
	if len(set.objects) == 0 {
		set.flushAppErrors()
		rep.InputErrors, rep.Notes = append(rep.InputErrors, set.errors...), slices.Concat(loaded.Notes, set.notes)
		return rep, nil
	}
	res, err := engine.EvalParallel(ctx, policies.Input{Config: opts.Config, Objects: set.objects}, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	seen := map[yamldoc.Error]bool{}
	var problems []error
	for _, p := range res.Problems {
		doc := set.docs[p.Object]
		e := yamldoc.Error{File: doc.File, Line: doc.LineOf(p.Path), Msg: p.Message}
		if g, ok := set.generated[doc]; ok {
			if g.fromAppSet() && strings.Contains(e.Msg, "is a string") && policies.TemplatedString(g.appSet, g.template, p.Path) {
				// Unquoting is no fix in a template: the rendering makes the string.
				if i := strings.LastIndex(e.Msg, ": write "); i > 0 {
					e.Msg = e.Msg[:i]
				}
				e.Msg += ": " + policies.TemplatedStringHint
			}
			set.appError(g, &e, false)
			continue
		}
		if !seen[e] { // a file layered into several clusters is wrong once
			seen[e] = true
			problems = append(problems, &e)
		}
	}
	set.flushAppErrors() // generated Applications' errors, once each, naming them
	rep.InputErrors = append(append(rep.InputErrors, set.errors...), problems...)
	rep.Notes = slices.Concat(loaded.Notes, set.notes)
	rep.Findings = set.locateAll(opts.Config.Apply(res.Findings, set.annotations))
	return rep, nil
}

// classifier classifies documents once per run: while loading, to drop those no rule
// reads (Deployments never sit in memory), and again for free when building the input.
type classifier struct {
	forced map[string]bool // files given with --values
	seen   sync.Map        // kept *yamldoc.Document -> classification
	// plainFiles holds the files with a dropped document of plain values (no
	// apiVersion/kind) without Cilium settings: a value file an Application names that
	// holds nothing the rules read (gitops.go), or, when a top-level key is not the Cilium
	// chart's (foreign), another chart's values, whose names tell which overlays are
	// theirs (overlays.go).
	plainFiles sync.Map // file -> foreign
	chartDirs  sync.Map // directory -> the Cilium dependency of its Chart.yaml (subchart.go)
}

type classification struct {
	c   policies.Classified
	err error
}

func newClassifier(helmValues []string) *classifier {
	forced := map[string]bool{}
	for _, f := range helmValues {
		if f == "-" {
			f = StdinName
		}
		forced[filepath.ToSlash(filepath.Clean(f))] = true
	}
	return &classifier{forced: forced}
}

// keep reports whether a rule may read d: classified kinds, classification errors (to
// report them), ConfigMaps (Flux valuesFrom), kustomizations, HelmReleases and JSON
// patches (a patch of a release has no chart), files forced to be Helm values, and plain
// documents with Cilium settings, which only the whole run can tell to be an overlay
// (overlays.go) or an Argo CD value file (gitops.go).
func (cl *classifier) keep(d *yamldoc.Document) bool {
	obj, ok := d.Object.(map[string]any)
	if !ok {
		return jsonPatchDoc(d) // a kustomize patch of a release's values, perhaps
	}
	if cl.forced[d.File] {
		return true
	}
	if apiVersion, kind := policies.TypeMeta(obj); apiVersion == "v1" && kind == "ConfigMap" {
		return true
	}
	if _, ok := policies.CiliumFleetBundle(d.File, obj); ok {
		return true // expanded with the whole run (fleet.go)
	}
	if policies.IsApplicationSet(obj) || policies.IsCiliumHelmChartProxy(obj) {
		return true // expanded with the whole run (appset.go, helmchartproxy.go)
	}
	if policies.IsCAPICluster(obj) || policies.IsCAPIClusterPart(obj) {
		return true // what a HelmChartProxy's template reads (helmchartproxy.go)
	}
	if isCAPIMachineOwner(obj) {
		return true // ties a bootstrap config template to its Cluster (capiowners.go)
	}
	if _, ok := policies.FluxKustomizationPostBuild(obj); ok {
		return true // substitutes variables in the clusters it applies (fluxsubst.go)
	}
	if _, ok := kustomizationDoc(d); ok || fluxHelmRelease(obj) {
		return true // kustomize overlays and their patches (kustomize.go)
	}
	if _, ok := policies.FluxChartSource(obj); ok {
		return true // names the chart of the releases referring to it (resolveChartRefs)
	}
	c, err := policies.Classify(obj)
	keep := err != nil || c.Kind != ""
	if keep {
		cl.seen.Store(d, classification{c, err})
	}
	if keep || policies.HasCiliumSettings(obj) {
		return true
	}
	if len(umbrellaSources(obj)) > 0 {
		return true // may install an umbrella chart of Cilium's (subchart.go)
	}
	if c, ok := cl.subchartValues(d, obj); ok {
		cl.seen.Store(d, classification{c, nil})
		return true // what an umbrella chart's values file passes Cilium's chart (subchart.go)
	}
	if apiVersion, kind := policies.TypeMeta(obj); apiVersion == "" && kind == "" {
		foreign := !policies.OnlyChartKeys(obj)
		if prev, seen := cl.plainFiles.LoadOrStore(d.File, foreign); seen && !prev.(bool) && foreign {
			cl.plainFiles.Store(d.File, true)
		}
	}
	return false
}

func (cl *classifier) classify(d *yamldoc.Document, obj map[string]any) (policies.Classified, error) {
	if cl.forced[d.File] {
		return policies.HelmValues(obj), nil
	}
	if v, ok := cl.seen.LoadAndDelete(d); ok {
		c := v.(classification)
		return c.c, c.err
	}
	if c, ok := cl.subchartValues(d, obj); ok {
		return c, nil
	}
	if policies.IsCiliumHelmChartProxy(obj) {
		// Rendered for each Cluster it selects, with the whole run (helmchartproxy.go).
		return policies.Classified{Kind: policies.KindCiliumConfig}, nil
	}
	return policies.Classify(obj)
}

// Objects classifies loaded documents and groups them into clusters: the rules' input,
// with the input errors and notes (Report.Notes) met on the way.
func Objects(loaded Loaded, opts Options) (objects []policies.Object, errs, notes []error) {
	inv := newInventory(loaded, newClassifier(opts.HelmValues), opts.Load)
	inv.flushAppErrors()
	return inv.objects, slices.Concat(loaded.Errors, inv.errors), slices.Concat(loaded.Notes, inv.notes)
}

// inventory is the run's objects in Rego form, with the documents they came from.
type inventory struct {
	objects []policies.Object
	docs    []*yamldoc.Document // by object ID
	// bundle[id] is the ID of the object whose cluster object id is in: the first object
	// of its own document, or of the HelmRelease/Application whose value file it is.
	bundle []int
	errors []error
	notes  []error // what the run could not see, without failing it (Report.Notes)
	// generated are the documents made from another (an ApplicationSet's Applications, a
	// HelmChartProxy's Clusters, a Fleet bundle's customizations, a cluster as one Flux
	// Kustomization substitutes it: views of the document), and their errors, said once
	// for all an owner makes.
	generated     map[*yamldoc.Document]generatedApp
	appErrors     map[appErrorKey][]generatedApp
	appErrorOrder []appErrorKey
}

func newInventory(loaded Loaded, cl *classifier, load LoadOptions) *inventory {
	inv := &inventory{generated: map[*yamldoc.Document]generatedApp{}}
	docs := loaded.Documents
	ordered := orderLayers(docs)
	// First every document's own classification: whether a document is an overlay or
	// an Argo CD value file depends on the rest of the run.
	classes := make([]policies.Classified, len(ordered))
	for i, doc := range ordered {
		obj, ok := doc.Object.(map[string]any)
		if !ok {
			continue // a scalar or list document: nothing a rule reads
		}
		c, err := cl.classify(doc, obj)
		if err != nil {
			line := doc.Line
			var fe *policies.FieldError
			if errors.As(err, &fe) {
				line = doc.LineOf(fe.Path) // the field, or the line inside its user data
			}
			inv.errors = append(inv.errors, &yamldoc.Error{File: doc.File, Line: line, Msg: err.Error()})
			continue
		}
		classes[i] = c
	}
	resolveChartRefs(ordered, classes)
	umbrellas := inv.umbrellaReleases(ordered, classes, loaded.Files, cl)
	ordered, classes, gitRead := inv.expandApplicationSets(ordered, classes, newRunFiles(loaded, load))
	proxyHome := map[*yamldoc.Document]string{}
	capi := findCAPIObjects(ordered)
	ordered, classes = inv.expandHelmChartProxies(ordered, classes, capi, proxyHome)
	ordered, classes, fleet := inv.expandFleetBundles(ordered, classes, loaded.Files)
	valueFiles := inv.valueFiles(ordered, classes, cl)
	for d := range fleet.used {
		valueFiles.used[d] = true // a Fleet bundle's values file
	}
	for _, doc := range ordered {
		if _, gen := inv.generated[doc]; gitRead[doc.File] && !gen {
			valueFiles.used[doc] = true // a git generator's parameters, not a cluster's settings
		}
	}
	kust := inv.kustomizeInstances(ordered, classes)
	for d := range kust.used {
		valueFiles.used[d] = true
	}
	valuesDirs := map[string]bool{}
	for i, doc := range ordered {
		if plainValues(classes[i]) && !valueFiles.used[doc] {
			valuesDirs[path.Dir(doc.File)] = true
		}
	}
	bases := valuesBases(ordered, classes, valuesDirs, cl)
	first := make([]int, len(ordered)) // each document's first object
	for i, doc := range ordered {
		c := classes[i]
		obj, _ := doc.Object.(map[string]any)
		if valueFiles.used[doc] {
			continue // a layer of the objects that name or include it, not a cluster of its own
		}
		if c.Kind == "" && obj != nil && overlay(doc, obj, valuesDirs, bases) {
			c = policies.HelmValues(obj)
		}
		if c.Kind == "" {
			continue
		}
		first[i] = len(inv.objects)
		src := policies.Source{File: doc.File, Line: doc.Line}
		if _, ok := inv.generated[doc]; ok {
			src.Line = doc.LineOf(nil) // its template's
		}
		for _, o := range c.Objects(obj, src, len(inv.objects)) {
			inv.objects = append(inv.objects, o)
			inv.docs = append(inv.docs, doc)
			inv.bundle = append(inv.bundle, first[i])
		}
	}
	for _, l := range valueFiles.layers {
		inv.addLayer(first[l.owner], l.doc, l.values)
	}
	inv.layerUmbrellaReleases(umbrellas, ordered, classes, first, valueFiles.used)
	inv.addFleetLayers(fleet, ordered, first)
	configMaps := inv.addValuesFrom(docs)
	units := map[int]string{}
	for i, doc := range ordered {
		if g, ok := inv.generated[doc]; ok && !valueFiles.used[doc] {
			// Unique in the run: two ApplicationSets may generate the same name.
			units[first[i]] = fmt.Sprintf("%s#%d/%s", doc.File, doc.Index, g.name)
		}
	}
	home := map[int]string{}
	for i, doc := range ordered {
		if d, ok := proxyHome[doc]; ok && !valueFiles.used[doc] {
			home[first[i]] = d // its Cluster's directory
		}
	}
	for _, in := range kust.instances {
		home[inv.addInstance(in, classes[in.release], configMaps)] = in.dir
	}
	for _, s := range assignClusters(inv.objects, inv.bundle, home, units) {
		o := inv.objects[s.ID]
		o.ID, o.Cluster, o.Cilium = len(inv.objects), s.Cluster, s.Values
		inv.objects = append(inv.objects, o)
		inv.docs = append(inv.docs, inv.docs[s.ID])
		inv.bundle = append(inv.bundle, o.ID)
	}
	inv.tieCAPIPools(capi)
	inv.substituteFlux(fluxSubstitutions(ordered, configMaps), home)
	inv.deferredNotes()
	return inv
}

// deferredNotes says, once each, which settings are left to a substitution when the file
// is applied: the rules read them as unknown.
func (inv *inventory) deferredNotes() {
	seen := map[yamldoc.Error]bool{}
	for id, o := range inv.objects {
		if o.Cilium == nil {
			continue
		}
		doc := inv.docs[id]
		for _, p := range policies.DeferredSettings(o.Cilium) {
			e := yamldoc.Error{File: doc.File, Line: doc.LineOf(slices.Concat(o.Cilium.At, p)), Msg: policies.DeferredNote(o.Cilium, p)}
			if !seen[e] {
				seen[e] = true
				inv.report(doc, &e, true)
			}
		}
	}
}

// addLayer adds a document's values as a layer of owner's cluster: a value file read
// by owner's HelmRelease or Application.
func (inv *inventory) addLayer(owner int, doc *yamldoc.Document, values *policies.CiliumValues) {
	obj, ok := doc.Object.(map[string]any)
	if !ok {
		obj = map[string]any{} // a JSON patch: a list of operations
	}
	inv.objects = append(inv.objects, policies.Object{
		ID: len(inv.objects), Kind: policies.KindCiliumConfig, Object: obj,
		Source: policies.Source{File: doc.File, Line: doc.Line}, Cilium: values,
	})
	inv.docs = append(inv.docs, doc)
	inv.bundle = append(inv.bundle, owner)
}

// addInstance adds a kustomize instance of a HelmRelease (kustomize.go): the release's
// objects, its patches' values over its own, and its valuesFrom layers below. It returns
// the instance's bundle.
func (inv *inventory) addInstance(in releaseInstance, c policies.Classified, configMaps configMapIndex) int {
	doc := in.doc
	obj := doc.Object.(map[string]any)
	first := len(inv.objects)
	for _, o := range c.Objects(obj, policies.Source{File: doc.File, Line: doc.Line}, first) {
		if o.Cilium != nil {
			layer := *o.Cilium
			layer.Order = len(in.valuesFrom)
			o.Cilium = &layer
		}
		inv.objects = append(inv.objects, o)
		inv.docs = append(inv.docs, doc)
		inv.bundle = append(inv.bundle, first)
	}
	for i, l := range in.layers {
		inv.addLayer(first, l.doc, &policies.CiliumValues{Form: "helm", At: l.at, Values: l.values, Order: len(in.valuesFrom) + 1 + i})
	}
	refs := policies.FluxValuesFrom(map[string]any{"spec": map[string]any{"valuesFrom": in.valuesFrom}})
	inv.resolveValuesFrom(first, in.ns, refs, in.generated, configMaps)
	return first
}

func (inv *inventory) annotations(id int) map[string]string {
	_, _, ann := policies.Meta(inv.objects[id].Object)
	if g, ok := inv.generated[inv.docs[id]]; ok {
		// The ApplicationSet's own annotations suppress for all it generates.
		_, _, own := policies.Meta(g.appSet)
		for k, v := range ann {
			own[k] = v
		}
		return own
	}
	return ann
}

// locateAll locates verdicts file by file, dropping each file's YAML nodes when done
// with it: a monorepo's node trees all at once would take more memory than the rest
// of the run.
func (inv *inventory) locateAll(verdicts []policies.Verdict) []Finding {
	out := make([]Finding, len(verdicts))
	order := make([]int, len(verdicts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return inv.docs[verdicts[order[a]].Object].File < inv.docs[verdicts[order[b]].Object].File
	})
	var prev *yamldoc.Document
	for _, i := range order {
		doc := inv.docs[verdicts[i].Object]
		if prev != nil && prev.File != doc.File {
			prev.ReleaseNodes()
		}
		out[i] = inv.locate(verdicts[i])
		prev = doc
	}
	if prev != nil {
		prev.ReleaseNodes()
	}
	return out
}

func (inv *inventory) locate(v policies.Verdict) Finding {
	o := inv.objects[v.Object]
	doc := inv.docs[v.Object]
	apiVersion, kind := policies.TypeMeta(o.Object)
	ns, name, _ := policies.Meta(o.Object)
	ref := ObjectRef{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name}
	if kind == "" {
		ref.Kind = "HelmValues"
	}
	line := doc.LineOf(v.Path)
	if g, ok := inv.generated[inv.docs[inv.bundle[v.Object]]]; ok {
		v.Message = g.String() + ": " + v.Message // its findings share the template's lines
	}
	if v.Suppressed == "" {
		v.Suppressed = inlineSuppression(doc, line, v.Rule)
	}
	return Finding{Verdict: v, File: doc.File, Line: line, Ref: ref, Cluster: o.Cluster}
}
