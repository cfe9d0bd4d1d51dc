package policies

import (
	"fmt"
	slashpath "path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fluxcd/pkg/envsubst"
	"sigs.k8s.io/yaml"
)

// A setting may be left for the deployment to fill in: Flux's kustomize-controller
// substitutes ${VAR} (and ${VAR:=default}, ${VAR:-default}) in what it applies, from the
// Flux Kustomization's spec.postBuild. The rules read such a setting as unknown
// (lib/cilium.rego deferred), never as its default; the linter says so once per setting.

// fluxVariable matches a reference to a variable of a substitution, as lib/cilium.rego
// does: Flux's and clusterctl's ${VAR}, ${VAR:=default}, Terraform's ${var.x}, Fleet's
// ${ .ClusterLabels.x }.
var fluxVariable = regexp.MustCompile(`\$\{\s*[.A-Za-z_][^}]*\}`)

// fleetClusterLabel starts a value Fleet replaces with a label of the target cluster.
const fleetClusterLabel = "global.fleet.clusterLabels."

// UnknownEffect says what the rules do with an unknown setting.
const UnknownEffect = "the ClusterMesh rules do not compare it, and the MTU rules pass the cluster by if it sizes packets"

// DeferredSettings lists the paths, under l.At, of the settings the rules read that l
// leaves to a substitution (or that a HelmChartProxy rendered as "<no value>"): the forms
// lib/cilium.rego's deferred takes as unknown.
func DeferredSettings(l *CiliumValues) [][]any {
	var out [][]any
	var walk func(v any, at []any)
	walk = func(v any, at []any) {
		switch v := v.(type) {
		case string:
			if fluxVariable.MatchString(v) || strings.HasPrefix(v, fleetClusterLabel) || strings.Contains(v, noValue) {
				out = append(out, at)
			}
		case map[string]any:
			for k, e := range v {
				walk(e, pathOf(at, k))
			}
		case []any:
			for i, e := range v {
				walk(e, pathOf(at, i))
			}
		}
	}
	for k, v := range l.Values {
		switch {
		case l.Form == "configmap" && ruleReadConfigKeys[k]:
			walk(v, []any{k})
		case k == "extraConfig":
			extra, _ := v.(map[string]any)
			for ek, ev := range extra {
				if ruleReadConfigKeys[ek] {
					walk(ev, []any{k, ek})
				}
			}
		case l.Form == "helm" && ruleReadKeys[k]:
			walk(v, []any{k})
		}
	}
	sort.Slice(out, func(i, j int) bool { return pathString(out[i]) < pathString(out[j]) })
	return out
}

// DeferredNote is the input note on a setting l leaves to a substitution, or that a
// HelmChartProxy's template rendered as "<no value>".
func DeferredNote(l *CiliumValues, p []any) string {
	if s, _ := dig(l.Values, p...).(string); strings.Contains(s, noValue) {
		return fmt.Sprintf("%s: renders %q: the template reads a field the linted files do not set (perhaps one Cluster API's controllers fill in), so mtuguard reads the setting as unknown: %s",
			pathString(slices.Concat(l.At, p)), noValue, UnknownEffect)
	}
	return fmt.Sprintf("%s is %q, a variable filled in when the file is applied (by a Flux Kustomization's spec.postBuild whose value for it the linted files do not hold, by clusterctl, a Terraform templatefile, or Fleet from the target cluster): mtuguard reads it as unknown: %s",
		pathString(p), dig(l.Values, p...), UnknownEffect)
}

// FluxPostBuild is what a Flux Kustomization (kustomize.toolkit.fluxcd.io) substitutes in
// what it applies: kustomize-controller reads the substituteFrom sources in order, then
// substitute over them (fluxcd/pkg kustomize/kustomize_varsub.go).
type FluxPostBuild struct {
	Path       string // spec.path, cleaned: what it applies, from its source's root ("" for all)
	Substitute map[string]string
	From       []FluxVarSource
}

// FluxVarSource is a substituteFrom entry: a ConfigMap or Secret of the Kustomization's
// namespace.
type FluxVarSource struct {
	Kind, Name string
	Optional   bool
}

// FluxKustomizationPostBuild reads a Flux Kustomization's spec.postBuild; ok is false for
// anything else, or one that substitutes nothing.
func FluxKustomizationPostBuild(obj map[string]any) (FluxPostBuild, bool) {
	apiVersion, kind := TypeMeta(obj)
	if kind != "Kustomization" || !strings.HasPrefix(apiVersion, "kustomize.toolkit.fluxcd.io/") {
		return FluxPostBuild{}, false
	}
	pb, _ := dig(obj, "spec", "postBuild").(map[string]any)
	if pb == nil {
		return FluxPostBuild{}, false
	}
	p, _ := dig(obj, "spec", "path").(string)
	p = strings.TrimPrefix(slashpath.Clean("/"+strings.TrimSpace(p)), "/")
	out := FluxPostBuild{Path: p, Substitute: map[string]string{}}
	if m, ok := pb["substitute"].(map[string]any); ok {
		for k, v := range m {
			// Flux drops newlines from values; a non-string the CRD refuses.
			if s, ok := v.(string); ok {
				out.Substitute[k] = strings.ReplaceAll(s, "\n", "")
			}
		}
	}
	for _, e := range sliceOf(pb["substituteFrom"]) {
		m, _ := e.(map[string]any)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		optional, _ := m["optional"].(bool)
		out.From = append(out.From, FluxVarSource{Kind: kind, Name: name, Optional: optional})
	}
	return out, len(out.Substitute) > 0 || len(out.From) > 0
}

// withDefault finds the variables a string gives a default for an empty value.
var withDefault = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*):[-=]`)

// wholeVariable matches a string that is one variable reference and nothing else: its
// substituted text is read as YAML again (id: ${CLUSTER_ID} becomes a number).
var wholeVariable = regexp.MustCompile(`^\$\{[^}]*\}$`)

// SubstituteFlux returns v, found at path at, with every string substituted as Flux does
// (envsubst, the ${var} forms). With complete, vars are all the variables there are: one
// not among them is empty, as Flux's default (non-strict) substitution has it, and
// missing gets the path of its first use; otherwise a string naming one stays as written
// (unknown). A string that was a variable reference alone is read as YAML again, as Flux
// re-reads the substituted manifest; an empty one is then null, which Helm takes as the
// key unset (the key is dropped). v is not changed.
func SubstituteFlux(v any, at []any, vars map[string]string, complete bool, missing map[string][]any) any {
	switch v := v.(type) {
	case string:
		if !strings.Contains(v, "${") {
			return v
		}
		defaulted := map[string]bool{} // ${name:=x}, ${name:-x}: the default stands in for it
		for _, m := range withDefault.FindAllStringSubmatch(v, -1) {
			defaulted[m[1]] = true
		}
		lacking := false
		out, err := envsubst.Eval(v, func(name string) (string, bool) {
			val, ok := vars[name]
			if !ok && complete {
				if _, seen := missing[name]; !seen && !defaulted[name] {
					missing[name] = at
				}
				return "", true
			}
			lacking = lacking || !ok
			return val, ok
		})
		if err != nil || lacking {
			return v // a form envsubst refuses, or a variable the run cannot see
		}
		if !wholeVariable.MatchString(v) {
			return out
		}
		var typed any
		if yaml.Unmarshal([]byte(out), &typed) != nil {
			return out
		}
		return typed
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			if e = SubstituteFlux(e, pathOf(at, k), vars, complete, missing); e != nil {
				m[k] = e
			}
		}
		return m
	case []any:
		l := make([]any, 0, len(v))
		for i, e := range v {
			l = append(l, SubstituteFlux(e, pathOf(at, i), vars, complete, missing))
		}
		return l
	}
	return v
}

// FluxSubstitutionDisabled reports whether obj opts out of substitution (the label or
// annotation kustomize.toolkit.fluxcd.io/substitute: disabled).
func FluxSubstitutionDisabled(obj map[string]any) bool {
	for _, field := range []string{"labels", "annotations"} {
		if v, _ := dig(obj, "metadata", field, "kustomize.toolkit.fluxcd.io/substitute").(string); v == "disabled" {
			return true
		}
	}
	return false
}
