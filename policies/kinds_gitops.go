package policies

import (
	"fmt"
	slashpath "path"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// GitOps objects that install Cilium's chart carry its values: Flux HelmRelease
// (spec.values; spec.valuesFrom is resolved by the linter from ConfigMaps in the run) and
// Argo CD Application (spec.source or spec.sources[]: helm.values, a YAML string;
// helm.valuesObject; helm.parameters). Argo's precedence is parameters over valuesObject
// over values; Flux's is spec.values over valuesFrom, in order.

func classifyFluxHelmRelease(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	if kind != "HelmRelease" || !strings.HasPrefix(apiVersion, "helm.toolkit.fluxcd.io/") {
		return Classified{}, false, nil
	}
	spec, _ := obj["spec"].(map[string]any)
	if !fluxChartIsCilium(spec) {
		return Classified{}, false, nil
	}
	return FluxHelmRelease(obj), true, nil
}

// FluxHelmRelease classifies a HelmRelease known to install Cilium's chart: by its own
// chart name, or through the chart source its chartRef names (lint resolves those).
func FluxHelmRelease(obj map[string]any) Classified {
	spec, _ := obj["spec"].(map[string]any)
	values, ok := spec["values"].(map[string]any)
	if !ok {
		values = map[string]any{}
	}
	// valuesFrom layers come first (orders 0..n-1); the linter adds them when present.
	order := len(sliceOf(spec["valuesFrom"]))
	return Classified{Kind: KindCiliumConfig, Layers: []*CiliumValues{{Form: "helm", At: []any{"spec", "values"}, Values: values, Order: order}}}
}

// FluxChartSource names a Flux source that serves Cilium's chart, as kind/name with its
// namespace: an OCIRepository whose url is the chart's (oci://quay.io/cilium/charts/cilium
// or a mirror ending in /cilium), or a HelmChart of chart cilium.
func FluxChartSource(obj map[string]any) (ref FluxRef, ok bool) {
	apiVersion, kind := TypeMeta(obj)
	if !strings.HasPrefix(apiVersion, "source.toolkit.fluxcd.io/") {
		return FluxRef{}, false
	}
	ns, name, _ := Meta(obj)
	switch kind {
	case "OCIRepository":
		url, _ := dig(obj, "spec", "url").(string)
		ok = strings.HasPrefix(url, "oci://") && isCiliumChart(url)
	case "HelmChart":
		chart, _ := dig(obj, "spec", "chart").(string)
		ok = isCiliumChart(chart)
	}
	return FluxRef{Kind: kind, Namespace: ns, Name: name}, ok && name != ""
}

// FluxChartRef is the chart source a HelmRelease's spec.chartRef names; its namespace
// defaults to the release's (helm.toolkit.fluxcd.io/v2 CrossNamespaceSourceReference).
func FluxChartRef(obj map[string]any) (FluxRef, bool) {
	if _, kind := TypeMeta(obj); kind != "HelmRelease" {
		return FluxRef{}, false
	}
	ref, _ := dig(obj, "spec", "chartRef").(map[string]any)
	kind, _ := ref["kind"].(string)
	name, _ := ref["name"].(string)
	ns, _ := ref["namespace"].(string)
	if ns == "" {
		ns, _, _ = Meta(obj)
	}
	return FluxRef{Kind: kind, Namespace: ns, Name: name}, kind != "" && name != ""
}

// FluxRef names a Flux object.
type FluxRef struct{ Kind, Namespace, Name string }

// Matches says whether r names s; a namespace either leaves out (kustomize sets it
// later) matches any.
func (r FluxRef) Matches(s FluxRef) bool {
	return r.Kind == s.Kind && r.Name == s.Name && (r.Namespace == "" || s.Namespace == "" || r.Namespace == s.Namespace)
}

func fluxChartIsCilium(spec map[string]any) bool {
	if chart, ok := dig(spec, "chart", "spec", "chart").(string); ok {
		return isCiliumChart(chart)
	}
	if ref, ok := dig(spec, "chartRef", "name").(string); ok {
		return isCiliumChart(ref)
	}
	return false
}

// isCiliumChart accepts the chart's name, an OCI or repo path ending in it, or a path to
// the chart in Cilium's repository (install/kubernetes/cilium).
func isCiliumChart(s string) bool {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	return s == "cilium" || strings.HasSuffix(s, "/cilium")
}

func classifyArgoApplication(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	if kind != "Application" || !strings.HasPrefix(apiVersion, "argoproj.io/") {
		return Classified{}, false, nil
	}
	sources := argoCiliumSources(obj)
	if len(sources) == 0 {
		return Classified{}, false, nil
	}
	c := Classified{Kind: KindCiliumConfig}
	for _, at := range sources {
		layers, err := argoHelmLayers(obj, at)
		if err != nil {
			return Classified{}, true, err
		}
		c.Layers = append(c.Layers, layers...)
	}
	if len(c.Layers) == 0 {
		// A Cilium install with chart defaults: still a cluster to reason about.
		c.Layers = append(c.Layers, &CiliumValues{Form: "helm", At: append(append([]any{}, sources[0]...), "helm"), Values: map[string]any{}})
	}
	return c, true, nil
}

// argoHelmLayers reads the values an Application's source at passes Helm, lowest first:
// the values string, replaced by valuesObject when there is one, then parameters; their
// orders leave room below for the source's valueFiles.
func argoHelmLayers(obj map[string]any, at []any) ([]*CiliumValues, error) {
	var layers []*CiliumValues
	helm, _ := dig(obj, append(append([]any{}, at...), "helm")...).(map[string]any)
	helmAt := append(append([]any{}, at...), "helm")
	// valueFiles come first (orders 0..n-1); the linter adds those it finds.
	files := len(sliceOf(helm["valueFiles"]))
	valuesAt := append(append([]any{}, helmAt...), "values")
	if v, ok := helm["values"]; ok && v != nil {
		if _, isString := v.(string); !isString {
			// The CRD types helm.values as a string, so the API server refuses the
			// Application; Argo CD never renders it.
			return nil, &FieldError{Path: valuesAt, Msg: fmt.Sprintf("Argo CD takes helm.values as a string, not %s, and refuses the Application: "+
				"move the map to helm.valuesObject, or write it as a block string (values: |)", yamlKindOf(v))}
		}
	}
	// valuesObject replaces the values string (ApplicationSourceHelm.ValuesYAML).
	_, hasObject := helm["valuesObject"].(map[string]any)
	if s, ok := helm["values"].(string); ok && strings.TrimSpace(s) != "" && !hasObject {
		var values map[string]any
		if err := yaml.Unmarshal([]byte(s), &values); err != nil {
			return nil, &FieldError{Path: valuesAt, Msg: fmt.Sprintf("the string is not YAML values: %v", err)}
		}
		layers = append(layers, &CiliumValues{Form: "helm", At: valuesAt, Values: values, Order: files})
	}
	if v, ok := helm["valuesObject"].(map[string]any); ok {
		layers = append(layers, &CiliumValues{Form: "helm", At: append(append([]any{}, helmAt...), "valuesObject"), Values: v, Order: files + 1})
	}
	if params := sliceOf(helm["parameters"]); len(params) > 0 {
		// Argo CD passes parameters as `helm --set name=value` (`--set-string` with
		// forceString), so Helm types them: "true" a boolean, "8500" a number.
		values := map[string]any{}
		for _, p := range params {
			pm, _ := p.(map[string]any)
			name, _ := pm["name"].(string)
			value := fmt.Sprint(pm["value"])
			if pm["value"] == nil {
				value = ""
			}
			if name == "" {
				continue
			}
			if force, _ := pm["forceString"].(bool); force {
				setPath(values, splitHelmPath(name), value)
			} else {
				setPath(values, splitHelmPath(name), helmSetValue(value))
			}
		}
		layers = append(layers, &CiliumValues{Form: "helm", At: append(append([]any{}, helmAt...), "parameters"), Values: values, Order: files + 2})
	}
	return layers, nil
}

// argoCiliumSources lists the paths of an Application's sources of the cilium chart.
func argoCiliumSources(obj map[string]any) [][]any {
	spec, _ := obj["spec"].(map[string]any)
	var sources [][]any
	// With `sources`, Argo CD ignores `source` (multiple-sources documentation).
	if src, ok := spec["source"].(map[string]any); ok && argoSourceIsCilium(src) && len(sliceOf(spec["sources"])) == 0 {
		sources = append(sources, []any{"spec", "source"})
	}
	for i, s := range sliceOf(spec["sources"]) {
		if src, ok := s.(map[string]any); ok && argoSourceIsCilium(src) {
			sources = append(sources, []any{"spec", "sources", i})
		}
	}
	return sources
}

// ValueFile is a values file a GitOps object passes to Helm: an Argo CD Application's
// helm.valueFiles entry (passed to `helm template --values`, in order, before
// values/valuesObject: reposerver/repository/repository.go and util/helm/cmd.go in
// argoproj/argo-cd), or a kustomize helmCharts valuesFile/additionalValuesFiles entry.
type ValueFile struct {
	At    []any  // the entry in the object, for its line
	Order int    // its layer order among the object's layers
	Entry string // as written, e.g. $values/clusters/prod/values.yaml
	// Path is where the file is: relative to the root of a repository (Argo CD: after
	// `$ref/` for a ref source, else the chart source's path joined with the entry), or,
	// with Beside, to the directory of the object's own file (kustomize). "" when
	// Unreadable says why no file here can be it.
	Path, Unreadable string
	Beside           bool
	// Broken says why the object cannot be rendered at all: a $ref naming no source with
	// that `ref`.
	Broken string
}

// ArgoValueFiles lists the valueFiles of an Application's cilium sources.
func ArgoValueFiles(obj map[string]any) []ValueFile {
	refs := map[string]bool{}
	for _, s := range sliceOf(dig(obj, "spec", "sources")) {
		if m, ok := s.(map[string]any); ok {
			if ref, ok := m["ref"].(string); ok && ref != "" {
				refs[ref] = true
			}
		}
	}
	var out []ValueFile
	for _, at := range argoCiliumSources(obj) {
		src, _ := dig(obj, at...).(map[string]any)
		for i, e := range sliceOf(dig(src, "helm", "valueFiles")) {
			entry, isString := e.(string)
			f := ValueFile{At: append(append([]any{}, at...), "helm", "valueFiles", i), Order: i, Entry: entry}
			if !isString {
				// The CRD types valueFiles as a list of strings: the API server refuses it.
				got := "null"
				if e != nil {
					got = yamlKindOf(e)
				}
				f.Broken = fmt.Sprintf("helm.valueFiles[%d] must be a string (a value file's path), got %s: the API server refuses the Application", i, got)
				out = append(out, f)
				continue
			}
			f.Path, f.Unreadable, f.Broken = argoValueFilePath(src, entry, refs)
			out = append(out, f)
		}
	}
	return out
}

func argoValueFilePath(src map[string]any, entry string, refs map[string]bool) (file, unreadable, broken string) {
	switch {
	case strings.HasPrefix(entry, "$"):
		ref, rest, _ := strings.Cut(entry, "/")
		if !refs[ref[1:]] {
			return "", "", fmt.Sprintf("%s names no source with `ref: %s`, so Argo CD cannot render the Application: add `ref: %s` to the source that holds the file", ref, ref[1:], ref[1:])
		}
		file = slashpath.Clean("/" + rest)[1:]
	case strings.Contains(entry, "://"):
		return "", "a remote URL", ""
	case src["chart"] != nil:
		return "", "a file inside the chart package", ""
	default:
		// Relative to the source's path; an absolute entry is from the repository root
		// (util/io/path/resolved.go).
		p, _ := src["path"].(string)
		if strings.HasPrefix(entry, "/") {
			p = ""
		}
		file = slashpath.Clean("/" + slashpath.Join(p, entry))[1:]
	}
	if strings.ContainsAny(file, "*?[") {
		return "", "a glob, which mtuguard does not expand", ""
	}
	if file == "" {
		return "", "not a file", ""
	}
	return file, "", ""
}

func argoSourceIsCilium(src map[string]any) bool {
	if chart, ok := src["chart"].(string); ok {
		return isCiliumChart(chart)
	}
	if path, ok := src["path"].(string); ok {
		return isCiliumChart(path)
	}
	return false
}

func dig(v any, path ...any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				return nil
			}
			v = l[s]
		}
	}
	return v
}

func sliceOf(v any) []any {
	s, _ := v.([]any)
	return s
}

// SetValuePath sets a Helm --set style path (a.b.c, a\.b, a[0]) in values, creating maps
// on the way. A string value is typed as Flux's valuesFrom targetPath types it (Helm's
// --set parser): "true" is a boolean, "8500" a number; a quoted value stays a string.
func SetValuePath(values map[string]any, path string, v any) {
	if s, ok := v.(string); ok {
		if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
			v = s[1 : len(s)-1]
		} else {
			v = helmSetValue(s)
		}
	}
	setPath(values, splitHelmPath(path), v)
}

// splitHelmPath splits a --set key at unescaped dots; a segment may end in list indexes.
func splitHelmPath(path string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\' && i+1 < len(path):
			i++
			cur.WriteByte(path[i])
		case path[i] == '.':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(path[i])
		}
	}
	return append(out, cur.String())
}

// helmSetValue types a --set value as Helm's strvals does (typedVal): true/false/null,
// whole numbers without a leading zero; `{a,b}` is a list.
func helmSetValue(s string) any {
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		var list []any
		for _, item := range strings.Split(s[1:len(s)-1], ",") {
			list = append(list, helmSetValue(item))
		}
		return list
	}
	switch strings.ToLower(s) {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	case "0":
		return int64(0)
	}
	if s != "" && s[0] != '0' {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// setPath sets path in m, creating maps (and, for key[i], lists) on the way.
func setPath(m map[string]any, path []string, v any) {
	if len(path) == 0 {
		return
	}
	key, idx := listIndexes(path[0])
	rest := path[1:]
	if len(idx) > 0 {
		m[key] = setIndexed(m[key], idx, rest, v)
		return
	}
	if len(rest) == 0 {
		m[key] = v
		return
	}
	next, ok := m[key].(map[string]any)
	if !ok {
		next = map[string]any{}
		m[key] = next
	}
	setPath(next, rest, v)
}

// setIndexed sets cur[idx[0]][idx[1]]…, then rest, growing lists as --set does.
func setIndexed(cur any, idx []int, rest []string, v any) []any {
	list, _ := cur.([]any)
	for len(list) <= idx[0] {
		list = append(list, nil)
	}
	switch {
	case len(idx) > 1:
		list[idx[0]] = setIndexed(list[idx[0]], idx[1:], rest, v)
	case len(rest) == 0:
		list[idx[0]] = v
	default:
		next, ok := list[idx[0]].(map[string]any)
		if !ok {
			next = map[string]any{}
		}
		setPath(next, rest, v)
		list[idx[0]] = next
	}
	return list
}

// listIndexes splits "key[0][1]" into "key" and [0 1]; indexes above 1024 are ignored,
// as a bound on what a path can allocate.
func listIndexes(seg string) (string, []int) {
	open := strings.IndexByte(seg, '[')
	if open < 0 || !strings.HasSuffix(seg, "]") {
		return seg, nil
	}
	var idx []int
	for _, part := range strings.Split(seg[open+1:len(seg)-1], "][") {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || n > 1024 {
			return seg, nil
		}
		idx = append(idx, n)
	}
	return seg[:open], idx
}

func pathString(path []any) string {
	var b strings.Builder
	for i, p := range path {
		if n, ok := p.(int); ok {
			fmt.Fprintf(&b, "[%d]", n)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, p)
	}
	return b.String()
}

// FluxValuesFrom lists a HelmRelease's valuesFrom ConfigMap references, in order.
func FluxValuesFrom(obj map[string]any) []ValuesRef {
	var out []ValuesRef
	for _, v := range sliceOf(dig(obj, "spec", "valuesFrom")) {
		m, _ := v.(map[string]any)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		key, _ := m["valuesKey"].(string)
		if key == "" {
			key = "values.yaml"
		}
		target, _ := m["targetPath"].(string)
		out = append(out, ValuesRef{Kind: kind, Name: name, Key: key, TargetPath: target})
	}
	return out
}

// ValuesRef is one Flux valuesFrom entry.
type ValuesRef struct {
	Kind, Name, Key, TargetPath string
}

// yamlKindOf names what a decoded YAML value is, for messages.
func yamlKindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	}
	return "a number"
}

// UmbrellaReleaseLayers are the values a release installing an umbrella chart passes
// Cilium's chart under the dependency's key: those of the Argo CD Application source at
// (values, valuesObject, parameters, in Argo CD's order), or, with at nil, a Flux
// HelmRelease's spec.values; each descended into key.
func UmbrellaReleaseLayers(obj map[string]any, at []any, key string) ([]*CiliumValues, error) {
	var layers []*CiliumValues
	if at == nil {
		values, _ := dig(obj, "spec", "values").(map[string]any)
		layers = []*CiliumValues{{Form: "helm", At: []any{"spec", "values"}, Values: values}}
	} else {
		var err error
		if layers, err = argoHelmLayers(obj, at); err != nil {
			return nil, err
		}
	}
	var out []*CiliumValues
	for _, l := range layers {
		if v, ok := l.Values[key].(map[string]any); ok {
			out = append(out, &CiliumValues{Form: "helm", At: pathOf(l.At, key), Values: v, Order: l.Order})
		}
	}
	return out, nil
}
