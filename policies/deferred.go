package policies

import (
	"fmt"
	"regexp"
	"sort"
)

// A setting may be left for the deployment to fill in: Flux's kustomize-controller
// substitutes ${VAR} (and ${VAR:=default}, ${VAR:-default}) in what it applies, from the
// Flux Kustomization's spec.postBuild. The rules read such a setting as unknown
// (lib/cilium.rego deferred), never as its default; the linter says so once per setting.

// fluxVariable matches a post-build substitution variable, as lib/cilium.rego does.
var fluxVariable = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-=][^}]*)?\}`)

// UnknownEffect says what the rules do with an unknown setting.
const UnknownEffect = "the ClusterMesh rules do not compare it, and the MTU rules pass the cluster by if it sizes packets"

// DeferredSettings lists the paths, under l.At, of the settings l leaves to Flux's
// substitution, among those the rules read.
func DeferredSettings(l *CiliumValues) [][]any {
	var out [][]any
	var walk func(v any, at []any)
	walk = func(v any, at []any) {
		switch v := v.(type) {
		case string:
			if fluxVariable.MatchString(v) {
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

// DeferredNote is the input note on a setting l leaves to Flux's substitution.
func DeferredNote(l *CiliumValues, p []any) string {
	return fmt.Sprintf("%s is %q, which Flux's post-build substitution (spec.postBuild of the Flux Kustomization that applies this file) fills in: mtuguard reads it as unknown: %s",
		pathString(p), dig(l.Values, p...), UnknownEffect)
}
