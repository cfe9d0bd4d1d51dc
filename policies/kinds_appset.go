package policies

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// An Argo CD ApplicationSet whose template installs Cilium's chart is a fleet of
// Applications, one per parameter set its generators make, each one cluster's Cilium
// config. ExpandApplicationSet makes them the way the ApplicationSet controller does
// (applicationset/controllers/template/template.go GenerateApplications and
// applicationset/generators in argoproj/argo-cd): list, git files and directories (from
// the lint run's files), and matrix and merge of those. Generators that ask the live
// Argo CD or an API for their parameters are input notes: the run cannot see them.

// MaxGeneratedApplications bounds what one ApplicationSet expands to.
const MaxGeneratedApplications = 1000

// maxGeneratorNesting is how deep matrix and merge nest: Argo CD reads a third level as a
// generator without any (ApplicationSetTerminalGenerator has no matrix or merge), which
// fails with "child generator generated no parameters".
const maxGeneratorNesting = 2

// appSetTimeout bounds the time one ApplicationSet takes to expand: a Go template can
// loop without making output. (A variable for the tests.)
var appSetTimeout = 5 * time.Second

// generatorKinds are an ApplicationSetGenerator's generators, in the order Argo CD
// reads them (GetRelevantGenerators walks the struct's fields).
var generatorKinds = []string{"list", "clusters", "git", "scmProvider", "clusterDecisionResource", "pullRequest", "matrix", "merge", "plugin"}

// unseenGenerators say where the generators mtuguard cannot expand take their parameters.
var unseenGenerators = map[string]string{
	"clusters":                "clusters from the Argo CD instance's cluster secrets",
	"scmProvider":             "repositories from an SCM provider's API",
	"pullRequest":             "pull requests from an SCM provider's API",
	"clusterDecisionResource": "clusters from a custom resource in the Argo CD cluster",
	"plugin":                  "parameters from a plugin service",
}

// IsApplicationSet reports whether obj is an Argo CD ApplicationSet.
func IsApplicationSet(obj map[string]any) bool {
	apiVersion, kind := TypeMeta(obj)
	return kind == "ApplicationSet" && strings.HasPrefix(apiVersion, "argoproj.io/")
}

// AppSetRun is what expanding an ApplicationSet may read of the lint run: git generators
// read their repository from the run's files.
type AppSetRun struct {
	Files []string                       // every file of the run, slash paths
	Read  func(file string) (any, error) // a file's first document; nil for an empty file
	From  string                         // the ApplicationSet's file: of several checkouts, the nearest is the repository
}

// GeneratedApp is one Application an ApplicationSet generates.
type GeneratedApp struct {
	Name   string
	Object map[string]any // the rendered Application
	// Template lists where the Application's fields are in the ApplicationSet: a
	// generator's own template first, when it has one, then spec.template.
	Template [][]any
	nameAt   []any // where its metadata.name is in the ApplicationSet
}

// AppSetIssue is what kept part of an ApplicationSet from being expanded, at Path in it.
type AppSetIssue struct {
	Path []any
	Msg  string
	Note bool // an input note (the run cannot see it), else an input error
}

// AppSetExpansion is what an ApplicationSet expands to.
type AppSetExpansion struct {
	Apps   []GeneratedApp
	Issues []AppSetIssue
	Read   []string // the run's files its git files generators read
}

// ExpandApplicationSet makes the Applications an ApplicationSet that installs Cilium
// generates; for any other ApplicationSet, nothing.
func ExpandApplicationSet(obj map[string]any, run AppSetRun) AppSetExpansion {
	e, _ := bounded(appSetTimeout, func() (AppSetExpansion, error) { return expandApplicationSet(obj, run), nil },
		func(late bool, r any) (AppSetExpansion, error) {
			if late {
				return AppSetExpansion{Issues: []AppSetIssue{{Path: []any{"spec", "template"},
					Msg: fmt.Sprintf("rendering the ApplicationSet's Applications takes longer than %s (a Go template that loops?), so mtuguard checks none of them", appSetTimeout)}}}, nil
			}
			return AppSetExpansion{Issues: []AppSetIssue{{Path: []any{"spec"}, Msg: fmt.Sprintf("internal error expanding the ApplicationSet (%v); please report this file to mtuguard", r)}}}, nil
		})
	return e
}

// paramSet is one parameter set a generator makes.
type paramSet map[string]any

// generated is what one generator made.
type generated struct {
	params []paramSet
	failed bool    // an input error was reported: Argo CD generates nothing from it
	unseen *unseen // parameters the run cannot see
}

// unseen is what a generator takes that the run cannot see: said at path with what
// follows for the Applications (which depends on where the generator is), then fix.
type unseen struct {
	path     []any
	msg, fix string
}

func (x *expander) noteUnseen(u *unseen, follows string) {
	if x.notes {
		x.note(u.path, u.msg+", so "+follows+" ("+u.fix+")")
	}
}

type expander struct {
	r      renderer
	run    AppSetRun
	notes  bool // the template installs Cilium by name, so what is not expanded is said
	issues []AppSetIssue
	read   map[string]bool
	capped bool // a generator made more than MaxGeneratedApplications parameter sets
}

func expandApplicationSet(obj map[string]any, run AppSetRun) AppSetExpansion {
	x := &expander{run: run, read: map[string]bool{}}
	x.r.left = maxRenderedTotal
	spec, ok := obj["spec"].(map[string]any)
	if !ok {
		return AppSetExpansion{} // nothing to expand, and nothing that says it is Cilium
	}
	base, ok := spec["template"].(map[string]any)
	literal, templated := templateInstallsCilium(base)
	for _, g := range sliceOf(spec["generators"]) {
		gm, _ := g.(map[string]any)
		for _, kind := range generatorKinds {
			if t, ok := dig(gm, kind, "template").(map[string]any); ok {
				l, t := templateInstallsCilium(t)
				literal, templated = literal || l, templated || t
			}
		}
	}
	if !literal && !templated {
		return AppSetExpansion{}
	}
	x.notes = literal
	if !ok {
		x.fail([]any{"spec", "template"}, "spec.template must be a map (an Application's metadata and spec): the API server refuses the ApplicationSet")
		return x.result(nil)
	}
	if !x.options(spec) {
		return x.result(nil)
	}
	if spec["templatePatch"] != nil {
		x.note([]any{"spec", "templatePatch"}, "templatePatch is not applied, so the Applications are checked as spec.template renders them, without the patch")
	}
	gens, ok := spec["generators"].([]any)
	if !ok {
		x.fail([]any{"spec", "generators"}, fmt.Sprintf("spec.generators must be a list, got %s: the API server refuses the ApplicationSet", describe(spec["generators"])))
		return x.result(nil)
	}
	var apps []GeneratedApp
	for i, g := range gens {
		at := []any{"spec", "generators", i}
		gm, ok := g.(map[string]any)
		if !ok {
			x.fail(at, fmt.Sprintf("generator %d must be a map, got %s: the API server refuses the ApplicationSet", i, describe(g)))
			continue
		}
		for _, kind := range x.kinds(gm, at) {
			out := x.generate(kind, gm, at, 1, nil)
			if out.unseen != nil {
				x.noteUnseen(out.unseen, "the Cilium config of the Applications it generates is not checked")
			}
			tmpl, tmpls, prefixes := base, []map[string]any{base}, [][]any{{"spec", "template"}}
			if own, ok := dig(gm, kind, "template").(map[string]any); ok && len(own) > 0 {
				tmpl, tmpls = mergeTemplate(own, base), []map[string]any{own, base}
				prefixes = [][]any{pathOf(at, kind, "template"), {"spec", "template"}}
			}
			for _, p := range x.selected(gm, at, out.params) {
				if len(apps) == MaxGeneratedApplications {
					x.capped = true
					break
				}
				if app, ok := x.render(obj, tmpl, p, prefixes, tmpls); ok {
					apps = append(apps, app)
				}
			}
		}
	}
	return x.result(x.validate(apps))
}

func (x *expander) result(apps []GeneratedApp) AppSetExpansion {
	if x.capped {
		x.fail([]any{"spec", "generators"}, fmt.Sprintf("the ApplicationSet generates more than %d Applications, more than mtuguard expands: only the first %d are checked", MaxGeneratedApplications, MaxGeneratedApplications))
	}
	e := AppSetExpansion{Apps: apps}
	seen := map[string]bool{}
	for _, is := range x.issues {
		key := fmt.Sprint(is.Path, is.Msg, is.Note)
		if !seen[key] { // a child generator read once per parameter set of its sibling
			seen[key] = true
			e.Issues = append(e.Issues, is)
		}
	}
	for f := range x.read {
		e.Read = append(e.Read, f)
	}
	sort.Strings(e.Read)
	return e
}

func (x *expander) fail(at []any, msg string) {
	x.issues = append(x.issues, AppSetIssue{Path: at, Msg: msg})
}

func (x *expander) note(at []any, msg string) {
	x.issues = append(x.issues, AppSetIssue{Path: at, Msg: msg, Note: true})
}

// options reads goTemplate and goTemplateOptions.
func (x *expander) options(spec map[string]any) bool {
	switch v := spec["goTemplate"].(type) {
	case nil:
	case bool:
		x.r.goTemplate = v
	default:
		x.fail([]any{"spec", "goTemplate"}, fmt.Sprintf("goTemplate must be true or false, got %s: the API server refuses the ApplicationSet", describe(v)))
		return false
	}
	opts, ok := spec["goTemplateOptions"].([]any)
	if !ok && spec["goTemplateOptions"] != nil {
		x.fail([]any{"spec", "goTemplateOptions"}, "goTemplateOptions must be a list of strings: the API server refuses the ApplicationSet")
		return false
	}
	for i, o := range opts {
		s, _ := o.(string)
		if err := goTemplateOption(s); err != nil {
			x.fail([]any{"spec", "goTemplateOptions", i}, err.Error()+": Argo CD cannot render the template")
			return false
		}
		x.r.options = append(x.r.options, s)
	}
	return true
}

// templateInstallsCilium says whether a template's Application installs Cilium's chart
// (literal), or names its chart or path by a parameter (templated), which only rendering
// tells.
func templateInstallsCilium(tmpl map[string]any) (literal, templated bool) {
	app := map[string]any{"spec": tmpl["spec"]}
	if len(argoCiliumSources(app)) > 0 {
		return true, false
	}
	spec, _ := tmpl["spec"].(map[string]any)
	sources := sliceOf(spec["sources"])
	if src, ok := spec["source"]; ok {
		sources = append(sources, src)
	}
	for _, s := range sources {
		src, _ := s.(map[string]any)
		for _, k := range []string{"chart", "path", "repoURL"} {
			if v, _ := src[k].(string); strings.Contains(v, "{{") {
				return false, true
			}
		}
	}
	return false, false
}

// kinds lists the generators an entry names; an entry that names none generates nothing.
func (x *expander) kinds(gm map[string]any, at []any) []string {
	var out []string
	for _, k := range generatorKinds {
		if gm[k] != nil {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		var other []string
		for k := range gm {
			if k != "selector" {
				other = append(other, k)
			}
		}
		sort.Strings(other)
		msg := fmt.Sprintf("generator %v names none of Argo CD's generators (%s), so it generates no Application", at[len(at)-1], strings.Join(generatorKinds, ", "))
		if len(other) > 0 {
			msg += fmt.Sprintf("; Argo CD ignores %s", strings.Join(other, ", "))
		}
		x.fail(at, msg)
	}
	return out
}

// generate runs the generator kind of the entry gm at at (depth 1 at the top, 2 inside
// a matrix or merge); params, when set, are the first matrix child's, which the second
// child's strings are rendered with before it runs (InterpolateGenerator).
func (x *expander) generate(kind string, gm map[string]any, at []any, depth int, params paramSet) generated {
	atK := pathOf(at, kind)
	if len(params) > 0 {
		rendered, err := x.interpolate(gm, params, nil, true)
		if err != nil {
			x.fail(pathOf(atK, err.path...), fmt.Sprintf("%s with the first generator's parameters: %v", kind, err.err))
			return generated{failed: true}
		}
		gm = rendered.(map[string]any)
	}
	switch kind {
	case "list":
		return x.list(gm[kind], atK)
	case "git":
		return x.git(gm[kind], atK)
	case "matrix":
		return x.matrix(gm[kind], atK, depth)
	case "merge":
		return x.merge(gm[kind], atK, depth)
	}
	return generated{unseen: &unseen{path: atK, msg: fmt.Sprintf("the %s generator takes %s, which a lint run cannot see", kind, unseenGenerators[kind]),
		fix: "`argocd appset generate` renders them with the Argo CD server's view, for mtuguard lint to read"}}
}

// child runs a matrix or merge child: exactly one generator, selected by its selector.
func (x *expander) child(c any, at []any, depth int, params paramSet) generated {
	cm, ok := c.(map[string]any)
	if !ok {
		x.fail(at, fmt.Sprintf("a child generator must be a map, got %s: the API server refuses the ApplicationSet", describe(c)))
		return generated{failed: true}
	}
	kinds := x.kinds(cm, at)
	switch {
	case len(kinds) == 0:
		return generated{failed: true}
	case len(kinds) > 1:
		x.fail(at, fmt.Sprintf("a child generator names %s: Argo CD takes one generator per child (\"found more than one generator in matrix.Generators\"); give each its own list item", strings.Join(kinds, " and ")))
		return generated{failed: true}
	case (kinds[0] == "matrix" || kinds[0] == "merge") && depth >= maxGeneratorNesting:
		x.fail(at, fmt.Sprintf("%s nested in a %s that is itself nested: Argo CD nests matrix and merge generators only %d levels deep and fails with \"child generator generated no parameters\"", kinds[0], at[len(at)-3], maxGeneratorNesting))
		return generated{failed: true}
	}
	out := x.generate(kinds[0], cm, at, depth+1, params)
	out.params = x.selected(cm, at, out.params)
	return out
}

// mergeTemplate fills a generator's own template from spec.template, the generator's
// fields winning (mergo.Merge in mergeGeneratorTemplate): maps merge key by key, and
// lists, strings and the valuesObject are taken whole from whichever sets them.
func mergeTemplate(own, base map[string]any) map[string]any {
	out := copyTree(own).(map[string]any)
	for k, bv := range base {
		ov, ok := out[k]
		if om, isMap := ov.(map[string]any); isMap && k != "valuesObject" {
			if bm, ok := bv.(map[string]any); ok {
				out[k] = mergeTemplate(om, bm)
				continue
			}
		}
		if !ok || isZero(ov) {
			out[k] = copyTree(bv)
		}
	}
	return out
}

func isZero(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case bool:
		return !t
	case int64:
		return t == 0
	case float64:
		return t == 0
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// renderError is where in the template a string failed to render.
type renderError struct {
	path []any
	err  error
}

// render makes the Application of one parameter set (RenderTemplateParams, then
// GetTempApplication's fields): the ApplicationSet's namespace is the Application's.
func (x *expander) render(appSet, tmpl map[string]any, p paramSet, prefixes [][]any, tmpls []map[string]any) (GeneratedApp, bool) {
	rendered := any(copyTree(tmpl))
	if len(p) > 0 { // Argo CD renders nothing without parameters
		var err *renderError
		if rendered, err = x.interpolate(tmpl, p, nil, false); err != nil {
			if err.err == errRenderBudget {
				x.fail([]any{"spec", "template"}, err.err.Error())
			} else {
				x.fail(templatePath(prefixes, tmpls, err.path), fmt.Sprintf("%v, so Argo CD generates no Application from the ApplicationSet", err.err))
			}
			return GeneratedApp{}, false
		}
	}
	t, _ := rendered.(map[string]any)
	md, _ := t["metadata"].(map[string]any)
	meta := map[string]any{}
	for _, k := range []string{"name", "labels", "annotations", "finalizers"} {
		if v, ok := md[k]; ok {
			meta[k] = v
		}
	}
	if ns, _, _ := Meta(appSet); ns != "" {
		meta["namespace"] = ns
	}
	name, _ := meta["name"].(string)
	app := map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": meta, "spec": t["spec"]}
	return GeneratedApp{Name: name, Object: app, Template: prefixes, nameAt: templatePath(prefixes, tmpls, []any{"metadata", "name"})}, true
}

// templatePath is where a path of the merged template is in the ApplicationSet.
func templatePath(prefixes [][]any, tmpls []map[string]any, p []any) []any {
	for i, prefix := range prefixes {
		if i == len(prefixes)-1 || dig(tmpls[i], p...) != nil {
			return pathOf(prefix, p...)
		}
	}
	return p
}

// interpolate renders every string of v with params, map keys included, dropping null
// map values as Argo CD's reflection walk does (deeplyReplace). A generator (gen)
// rendered with the first matrix child's parameters keeps those of its values that name
// a missing parameter as written (RenderGeneratorParams).
func (x *expander) interpolate(v any, params paramSet, path []any, gen bool) (any, *renderError) {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if t[k] == nil {
				continue
			}
			at := pathOf(path, k)
			val, err := x.interpolate(t[k], params, at, gen)
			if err != nil {
				return nil, err
			}
			key, rerr := x.r.replace(k, params)
			if rerr != nil {
				return nil, &renderError{at, rerr}
			}
			out[key] = val
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			val, err := x.interpolate(item, params, pathOf(path, i), gen)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	case string:
		s, err := x.replaceAt(t, params, path, gen)
		if err != nil {
			return nil, &renderError{path, err}
		}
		return s, nil
	}
	return v, nil
}

// replaceAt renders a string; in a generator, its values (kind, "values", key).
func (x *expander) replaceAt(s string, params paramSet, path []any, gen bool) (string, error) {
	if !gen || !x.r.goTemplate || len(path) != 3 || path[1] != "values" {
		return x.r.replace(s, params)
	}
	var opts []string
	for _, o := range x.r.options {
		if !strings.HasPrefix(o, "missingkey=") {
			opts = append(opts, o)
		}
	}
	out, err := x.r.replaceWith(s, params, append(opts, "missingkey=error"))
	if err != nil && strings.Contains(err.Error(), "map has no entry for key") {
		return s, nil
	}
	return out, err
}

// validate refuses Applications without a name and all but the first of each name
// (ApplicationSetReconciler.validateGeneratedApplications).
func (x *expander) validate(apps []GeneratedApp) []GeneratedApp {
	var out []GeneratedApp
	seen := map[string]bool{}
	for _, a := range apps {
		at := a.nameAt
		switch {
		case a.Name == "":
			x.fail(at, "a generated Application has no name, and Argo CD refuses it: set metadata.name from a parameter, e.g. cilium-{{cluster}}")
		case seen[a.Name]:
			x.fail(at, fmt.Sprintf("two generated Applications are named %s, and Argo CD refuses the second: make metadata.name differ per parameter set", a.Name))
		default:
			seen[a.Name] = true
			out = append(out, a)
		}
	}
	return out
}

// pathOf is at followed by more, in a slice of its own: paths are kept in issues.
func pathOf(at []any, more ...any) []any {
	return append(append(make([]any, 0, len(at)+len(more)), at...), more...)
}

// describe names what a decoded YAML value is, for messages.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", t)
	}
	return yamlKindOf(v)
}

// TemplatedString reports whether the field at path of an Application the ApplicationSet
// appSet generated from the template at prefixes is a template string there: rendered,
// it is a string whatever it reads ('{{id}}' gives "1", never 1).
func TemplatedString(appSet map[string]any, prefixes [][]any, path []any) bool {
	for _, prefix := range prefixes {
		if v := dig(appSet, pathOf(prefix, path...)...); v != nil {
			s, ok := v.(string)
			return ok && strings.Contains(s, "{{")
		}
	}
	return false
}

// TemplatedStringHint says what to do about a setting Cilium's chart types that an
// ApplicationSet's template renders as a string.
const TemplatedStringHint = "the ApplicationSet's template renders every templated value as a string: template numbers and booleans in helm.values (a YAML string, rendered before Helm reads it) or pass them in helm.parameters, which Helm types"
