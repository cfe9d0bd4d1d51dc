package policies

import (
	"encoding/json"
	"fmt"
	"maps"
	slashpath "path"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// The generators of an ApplicationSet that a lint run can expand, as Argo CD's
// applicationset/generators run them: list, git (files and directories, from the run's
// files), matrix, merge; and the post-selector every generator may have.

// specMap is a generator's spec, which the CRD types a map with fields.
func (x *expander) specMap(spec any, at []any, kind, fields string) (map[string]any, bool) {
	m, ok := spec.(map[string]any)
	if !ok {
		x.fail(at, fmt.Sprintf("%s must be a map with %s, got %s: the API server refuses the ApplicationSet", kind, fields, describe(spec)))
	}
	return m, ok
}

func (x *expander) list(spec any, at []any) generated {
	m, ok := x.specMap(spec, at, "list", "elements")
	if !ok {
		return generated{failed: true}
	}
	elements, ok := m["elements"].([]any)
	if !ok && m["elements"] != nil {
		x.fail(pathOf(at, "elements"), fmt.Sprintf("list.elements must be a list, got %s: the API server refuses the ApplicationSet", describe(m["elements"])))
		return generated{failed: true}
	}
	var out generated
	for i, e := range elements {
		em, ok := e.(map[string]any)
		if !ok {
			x.fail(pathOf(at, "elements", i), fmt.Sprintf("list element %d is %s, not a map of parameters: Argo CD cannot read it and generates nothing", i, describe(e)))
			return generated{failed: true}
		}
		p, err := x.elementParams(em)
		if err != "" {
			x.fail(pathOf(at, "elements", i), fmt.Sprintf("list element %d: %s", i, err))
			return generated{failed: true}
		}
		if !x.add(&out, p) {
			return out
		}
	}
	if y, ok := m["elementsYaml"]; ok && y != nil {
		s, isString := y.(string)
		var items []map[string]any
		if !isString {
			x.fail(pathOf(at, "elementsYaml"), fmt.Sprintf("list.elementsYaml must be a string, got %s: the API server refuses the ApplicationSet", describe(y)))
			return generated{failed: true}
		}
		if err := yaml.Unmarshal([]byte(s), &items); err != nil {
			x.fail(pathOf(at, "elementsYaml"), fmt.Sprintf("list.elementsYaml is not a YAML list of maps: %v", err))
			return generated{failed: true}
		}
		// Argo CD appends these as they are, without flattening them (ListGenerator).
		for _, item := range items {
			if !x.add(&out, paramSet(item)) {
				return out
			}
		}
	}
	return out
}

// elementParams reads a list element as Argo CD does: with goTemplate, as it is; without,
// every value must be a string, and a `values` map of strings becomes values.<key>.
func (x *expander) elementParams(em map[string]any) (paramSet, string) {
	if x.r.goTemplate {
		return paramSet(copyTree(em).(map[string]any)), ""
	}
	p := paramSet{}
	for _, k := range slices.Sorted(maps.Keys(em)) { // the same error every run
		v := em[k]
		if k == "values" {
			values, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Sprintf("values is %s; Argo CD takes a map of strings (\"error parsing values map\")", describe(v))
			}
			for _, vk := range slices.Sorted(maps.Keys(values)) {
				s, ok := values[vk].(string)
				vv := values[vk]
				if !ok {
					return nil, fmt.Sprintf("values.%s is %s; without goTemplate Argo CD takes only strings (\"error parsing value as string\"): quote it", vk, describe(vv))
				}
				p["values."+vk] = s
			}
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Sprintf("%s is %s; without goTemplate Argo CD takes only strings (\"error parsing value as string\") and generates nothing: quote it, or set goTemplate: true", k, describe(v))
		}
		p[k] = s
	}
	return p, ""
}

// add appends p unless the generator already made MaxGeneratedApplications sets.
func (x *expander) add(out *generated, p paramSet) bool {
	if len(out.params) >= MaxGeneratedApplications {
		x.capped = true
		return false
	}
	out.params = append(out.params, p)
	return true
}

func (x *expander) git(spec any, at []any) generated {
	m, ok := x.specMap(spec, at, "git", "repoURL and directories or files")
	if !ok {
		return generated{failed: true}
	}
	repo, _ := m["repoURL"].(string)
	prefix, _ := m["pathParamPrefix"].(string)
	values := map[string]string{}
	if v, ok := m["values"].(map[string]any); ok {
		for _, k := range slices.Sorted(maps.Keys(v)) {
			val := v[k]
			s, ok := val.(string)
			if !ok {
				x.fail(pathOf(at, "values", k), fmt.Sprintf("git.values.%s must be a string, got %s: the API server refuses the ApplicationSet", k, describe(val)))
				return generated{failed: true}
			}
			values[k] = s
		}
	}
	dirs, ok := x.gitItems(m, at, "directories")
	if !ok {
		return generated{failed: true}
	}
	files, ok := x.gitItems(m, at, "files")
	if !ok {
		return generated{failed: true}
	}
	g := gitParams{prefix: prefix, values: values}
	switch {
	case len(dirs) > 0:
		return x.gitDirectories(dirs, repo, at, g)
	case len(files) > 0:
		return x.gitFiles(files, repo, at, g)
	}
	x.fail(at, "the git generator has neither directories nor files, so Argo CD generates nothing from it")
	return generated{failed: true}
}

type gitItem struct {
	path    string
	exclude bool
}

type gitParams struct {
	prefix string
	values map[string]string
}

func (x *expander) gitItems(m map[string]any, at []any, key string) ([]gitItem, bool) {
	v, ok := m[key].([]any)
	if !ok && m[key] != nil {
		x.fail(pathOf(at, key), fmt.Sprintf("git.%s must be a list of {path, exclude}, got %s: the API server refuses the ApplicationSet", key, describe(m[key])))
		return nil, false
	}
	var out []gitItem
	for i, item := range v {
		im, _ := item.(map[string]any)
		p, ok := im["path"].(string)
		exclude, isBool := im["exclude"].(bool)
		if !ok || (im["exclude"] != nil && !isBool) {
			x.fail(pathOf(at, key, i), fmt.Sprintf("git.%s[%d] must have a string path (and exclude true or false): the API server refuses the ApplicationSet", key, i))
			return nil, false
		}
		out = append(out, gitItem{p, exclude})
	}
	return out, true
}

// gitDirectories makes a parameter set per directory of the repository that an include
// path matches (path.Match, so * stays within a directory) and no exclude path does
// (GitGenerator.filterApps).
func (x *expander) gitDirectories(items []gitItem, repo string, at []any, g gitParams) generated {
	match := func(rel string, exclude bool) bool {
		for _, it := range items {
			if it.exclude == exclude {
				if ok, _ := slashpath.Match(it.path, rel); ok {
					return true
				}
			}
		}
		return false
	}
	var all []string
	for _, d := range runDirectories(x.run.Files, "") {
		all = append(all, d+"/")
	}
	root, ok := gitRoot(all, func(rel string) bool { return match(strings.TrimSuffix(rel, "/"), false) }, x.run.From)
	if !ok {
		return generated{unseen: x.unseenRepo(at, repo, "directory", items)}
	}
	var out generated
	for _, d := range runDirectories(x.run.Files, root) {
		if !match(d, false) || match(d, true) {
			continue
		}
		p := paramSet{}
		if x.r.goTemplate {
			p.setPrefixed(g.prefix, map[string]any{"path": d, "basename": slashpath.Base(d), "basenameNormalized": SanitizeName(slashpath.Base(d)), "segments": segments(d)})
		} else {
			p.flatPath(g.prefix, d)
		}
		if !x.values(p, g, at) || !x.add(&out, p) {
			return out
		}
	}
	return out
}

// gitFiles makes parameter sets from the repository's files an include path matches and
// no exclude path does, in path order: each file is a map of parameters or a list of
// them, with the path.* parameters added (generateParamsFromGitFile).
func (x *expander) gitFiles(items []gitItem, repo string, at []any, g gitParams) generated {
	var include, exclude []gitPattern
	for _, it := range items {
		if it.exclude {
			exclude = append(exclude, newGitPattern(it.path))
		} else {
			include = append(include, newGitPattern(it.path))
		}
	}
	matches := func(patterns []gitPattern, rel string) bool {
		return slices.ContainsFunc(patterns, func(p gitPattern) bool { return p.match(rel) })
	}
	root, ok := gitRoot(x.run.Files, func(rel string) bool { return matches(include, rel) }, x.run.From)
	if !ok {
		return generated{unseen: x.unseenRepo(at, repo, "file", items)}
	}
	var out generated
	for _, f := range x.run.Files { // sorted, as Argo CD sorts the paths
		rel, ok := strings.CutPrefix(f, root)
		if !ok || !matches(include, rel) || matches(exclude, rel) {
			continue
		}
		x.read[f] = true
		doc, err := x.run.Read(f)
		if err != nil {
			x.fail(at, fmt.Sprintf("the git files generator reads %s: %v", f, err))
			return generated{failed: true}
		}
		var objects []any
		switch d := doc.(type) {
		case nil:
			objects = []any{map[string]any{}} // an empty file is one set of path parameters
		case map[string]any:
			objects = []any{d}
		case []any:
			objects = d
		default:
			objects = []any{d}
		}
		for _, o := range objects {
			om, ok := o.(map[string]any)
			if !ok {
				x.fail(at, fmt.Sprintf("the git files generator reads %s, which holds %s, not a map of parameters or a list of them: Argo CD fails with \"unable to parse file\"", f, describe(o)))
				return generated{failed: true}
			}
			om = copyTree(om).(map[string]any)
			p := paramSet{}
			dir := slashpath.Dir(rel)
			if x.r.goTemplate {
				maps.Copy(p, om)
				p.setPrefixed(g.prefix, map[string]any{"path": dir, "basename": slashpath.Base(dir), "filename": slashpath.Base(rel),
					"basenameNormalized": SanitizeName(slashpath.Base(dir)), "filenameNormalized": SanitizeName(slashpath.Base(rel)), "segments": segments(dir)})
			} else {
				for k, v := range flatten(om) {
					p[k] = v
				}
				name := p.flatPath(g.prefix, dir)
				p[name+".filename"] = slashpath.Base(rel)
				p[name+".filenameNormalized"] = SanitizeName(slashpath.Base(rel))
			}
			if !x.values(p, g, at) || !x.add(&out, p) {
				return out
			}
		}
	}
	return out
}

func (x *expander) unseenRepo(at []any, repo, what string, items []gitItem) *unseen {
	var paths []string
	for _, it := range items {
		if !it.exclude {
			paths = append(paths, it.path)
		}
	}
	if repo == "" {
		repo = "its repository"
	}
	return &unseen{path: at, msg: fmt.Sprintf("no %s of the run matches the git generator's %s", what, strings.Join(paths, ", ")),
		fix: "lint a checkout of " + repo + " in the same run"}
}

// setPrefixed puts the path map at path, or at <prefix>.path (pathParamPrefix).
func (p paramSet) setPrefixed(prefix string, path map[string]any) {
	if prefix != "" {
		p[prefix] = map[string]any{"path": path}
		return
	}
	p["path"] = path
}

// flatPath sets the path parameters without goTemplate: path, path.basename,
// path.basenameNormalized and path[N] per segment; it returns the parameters' name.
func (p paramSet) flatPath(prefix, dir string) string {
	name := "path"
	if prefix != "" {
		name = prefix + ".path"
	}
	p[name] = dir
	p[name+".basename"] = slashpath.Base(dir)
	p[name+".basenameNormalized"] = SanitizeName(slashpath.Base(dir))
	for i, seg := range strings.Split(dir, "/") {
		if seg != "" {
			p[name+"["+strconv.Itoa(i)+"]"] = seg
		}
	}
	return name
}

func segments(dir string) []any {
	var out []any
	for _, s := range strings.Split(dir, "/") {
		out = append(out, s)
	}
	return out
}

// values adds a git generator's values, rendered with the parameters so far: under
// values.<key>, or in the values map with goTemplate (appendTemplatedValues).
func (x *expander) values(p paramSet, g gitParams, at []any) bool {
	rendered := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(g.values)) {
		s, err := x.r.replace(g.values[k], p)
		if err != nil {
			x.fail(pathOf(at, "values", k), fmt.Sprintf("git.values.%s: %v", k, err))
			return false
		}
		rendered[k] = s
	}
	if len(rendered) == 0 {
		return true
	}
	if x.r.goTemplate {
		p["values"] = rendered
		return true
	}
	for k, v := range rendered {
		p["values."+k] = v
	}
	return true
}

// matrix makes every combination of its two children's parameter sets; the second child
// is rendered with each of the first's sets.
func (x *expander) matrix(spec any, at []any, depth int) generated {
	m, ok := x.specMap(spec, at, "matrix", "generators")
	if !ok {
		return generated{failed: true}
	}
	children, ok := m["generators"].([]any)
	if !ok {
		x.fail(at, fmt.Sprintf("matrix.generators must be a list of two generators, got %s: the API server refuses the ApplicationSet", describe(m["generators"])))
		return generated{failed: true}
	}
	if len(children) != 2 {
		x.fail(pathOf(at, "generators"), fmt.Sprintf("a matrix combines exactly two generators, this one has %d: Argo CD generates nothing from it", len(children)))
		return generated{failed: true}
	}
	first := x.child(children[0], pathOf(at, "generators", 0), depth, nil)
	if first.failed || first.unseen != nil {
		return first
	}
	var out generated
	for _, a := range first.params {
		second := x.child(children[1], pathOf(at, "generators", 1), depth, a)
		if second.failed || second.unseen != nil {
			return second
		}
		for _, b := range second.params {
			p, err := x.combine(a, b)
			if err != "" {
				x.fail(at, err)
				return generated{failed: true}
			}
			if !x.add(&out, p) {
				return out
			}
		}
	}
	return out
}

// combine joins a matrix's parameter sets: with goTemplate the first's win, merged deeply;
// without, a key both have must have the same value (utils.CombineStringMaps).
func (x *expander) combine(a, b paramSet) (paramSet, string) {
	if x.r.goTemplate {
		out := paramSet(copyTree(map[string]any(b)).(map[string]any))
		mergeParams(out, a)
		return out, ""
	}
	out := paramSet{}
	for k, v := range a {
		out[k] = fmt.Sprint(v)
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		s := fmt.Sprint(b[k])
		if cur, ok := out[k]; ok && cur != s {
			return nil, fmt.Sprintf("the matrix's generators both set parameter %s, to %q and %q: Argo CD refuses (\"found duplicate key %s with different value\")", k, cur, s, k)
		}
		out[k] = s
	}
	return out, ""
}

// mergeParams merges src into dst, src winning, maps merged key by key (mergo.Merge with
// WithOverride).
func mergeParams(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeParams(dm, sm)
				continue
			}
		}
		dst[k] = copyTree(v)
	}
}

// merge overrides the first child's parameter sets with the sets of the others that
// agree with them on every merge key; sets of the others that match none are dropped.
func (x *expander) merge(spec any, at []any, depth int) generated {
	m, ok := x.specMap(spec, at, "merge", "generators and mergeKeys")
	if !ok {
		return generated{failed: true}
	}
	children, ok := m["generators"].([]any)
	if !ok || len(children) < 2 {
		x.fail(at, "merge.generators must list two or more generators: Argo CD generates nothing from it")
		return generated{failed: true}
	}
	var keys []string
	for _, k := range sliceOf(m["mergeKeys"]) {
		s, ok := k.(string)
		if !ok {
			keys = nil
			break
		}
		if !slices.Contains(keys, s) {
			keys = append(keys, s)
		}
	}
	if len(keys) == 0 {
		x.fail(pathOf(at, "mergeKeys"), "merge.mergeKeys must list one or more parameter names (strings): Argo CD generates nothing from it")
		return generated{failed: true}
	}
	base := x.child(children[0], pathOf(at, "generators", 0), depth, nil)
	if base.failed || base.unseen != nil {
		return base
	}
	out := generated{}
	for _, p := range base.params {
		out.params = append(out.params, paramSet(copyTree(map[string]any(p)).(map[string]any)))
	}
	byKey, err := mergeIndex(out.params, keys)
	if err != "" {
		x.fail(pathOf(at, "generators", 0), err)
		return generated{failed: true}
	}
	for i := 1; i < len(children); i++ {
		cat := pathOf(at, "generators", i)
		over := x.child(children[i], cat, depth, nil)
		if over.failed {
			return over
		}
		if over.unseen != nil {
			x.noteUnseen(over.unseen, "the merge's Applications are checked without the parameters it would merge in")
			continue
		}
		overKey, err := mergeIndex(over.params, keys)
		if err != "" {
			x.fail(cat, err)
			return generated{failed: true}
		}
		for k, o := range overKey {
			if b, ok := byKey[k]; ok {
				if x.r.goTemplate {
					mergeParams(b, o)
				} else {
					maps.Copy(b, o)
				}
			}
		}
	}
	return out
}

// mergeIndex indexes parameter sets by their merge keys' values; two sets with the same
// values are an error (ErrNonUniqueParamSets).
func mergeIndex(params []paramSet, keys []string) (map[string]paramSet, string) {
	out := map[string]paramSet{}
	for _, p := range params {
		key := map[string]any{}
		for _, k := range keys {
			key[k] = p[k]
		}
		data, _ := json.Marshal(key)
		if _, dup := out[string(data)]; dup {
			return nil, fmt.Sprintf("two of the generator's parameter sets have the same merge keys %s: Argo CD requires them unique and generates nothing", data)
		}
		out[string(data)] = p
	}
	return out, ""
}

// selected keeps the parameter sets a generator's selector matches, on the parameters
// flattened to dotted keys (Transform's post-selector).
func (x *expander) selected(gm map[string]any, at []any, params []paramSet) []paramSet {
	sel, ok := gm["selector"]
	if !ok || sel == nil {
		return params
	}
	s, ok := sel.(map[string]any)
	if !ok {
		x.fail(pathOf(at, "selector"), fmt.Sprintf("selector must be a label selector, got %s: the API server refuses the ApplicationSet", describe(sel)))
		return nil
	}
	var reqs []func(map[string]string) bool
	labels, _ := s["matchLabels"].(map[string]any)
	for k, v := range labels {
		want := fmt.Sprint(v)
		reqs = append(reqs, func(l map[string]string) bool { got, ok := l[k]; return ok && got == want })
	}
	for i, e := range sliceOf(s["matchExpressions"]) {
		em, _ := e.(map[string]any)
		key, _ := em["key"].(string)
		var values []string
		for _, v := range sliceOf(em["values"]) {
			values = append(values, fmt.Sprint(v))
		}
		op, _ := em["operator"].(string)
		var req func(map[string]string) bool
		switch op {
		case "In":
			req = func(l map[string]string) bool { v, ok := l[key]; return ok && slices.Contains(values, v) }
		case "NotIn":
			req = func(l map[string]string) bool { v, ok := l[key]; return !ok || !slices.Contains(values, v) }
		case "Exists":
			req = func(l map[string]string) bool { _, ok := l[key]; return ok }
		case "DoesNotExist":
			req = func(l map[string]string) bool { _, ok := l[key]; return !ok }
		default:
			x.fail(pathOf(at, "selector", "matchExpressions", i), fmt.Sprintf("%q is not a selector operator (In, NotIn, Exists, DoesNotExist): Argo CD generates nothing from this generator", op))
			return nil
		}
		reqs = append(reqs, req)
	}
	var out []paramSet
	for _, p := range params {
		flat := flatten(p)
		if !slices.ContainsFunc(reqs, func(r func(map[string]string) bool) bool { return !r(flat) }) {
			out = append(out, p)
		}
	}
	return out
}

// flatten turns nested parameters into dotted keys, list items by index, values printed
// with %v (github.com/jeremywohl/flatten's DotStyle, as Argo CD uses it).
func flatten(m map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		join := func(k string) string {
			if prefix == "" {
				return k
			}
			return prefix + "." + k
		}
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				walk(join(k), x)
			}
		case paramSet:
			walk(prefix, map[string]any(t))
		case []any:
			for i, x := range t {
				walk(join(strconv.Itoa(i)), x)
			}
		default:
			out[prefix] = fmt.Sprintf("%v", v)
		}
	}
	walk("", map[string]any(m))
	return out
}
