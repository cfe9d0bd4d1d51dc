package lint

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// Flux's kustomize-controller substitutes ${VAR} in everything a Flux Kustomization with
// spec.postBuild applies (policies.SubstituteFlux). A cluster whose Cilium config sits
// under such a Kustomization's spec.path is judged as that Kustomization substitutes it;
// under several (one base applied to each cluster with variables of its own), once for
// each, as a cluster of its own whose findings name the Kustomization. What the run
// cannot see (a Secret's variables) stays unknown.

// fluxSubst is one Flux Kustomization's substitution.
type fluxSubst struct {
	name     string // namespace/name (file)
	dir      string // spec.path, from the repository's root
	vars     map[string]string
	complete bool // every substituteFrom source is among the linted files
}

// covers reports whether the Kustomization applies file: a file under its spec.path,
// which is relative to its source's root, matched as a path of the run or a suffix of one
// (the run may start below the root).
func (s *fluxSubst) covers(file string) bool {
	if s.dir == "" {
		return true
	}
	return strings.Contains("/"+path.Clean(file), "/"+s.dir+"/")
}

// fluxSubstitutions reads the run's Flux Kustomizations that substitute variables, with
// the variables the run holds: substituteFrom ConfigMaps in order, then substitute.
func fluxSubstitutions(docs []*yamldoc.Document, configMaps configMapIndex) []*fluxSubst {
	var subs []*fluxSubst
	for _, d := range docs {
		obj, _ := d.Object.(map[string]any)
		pb, ok := policies.FluxKustomizationPostBuild(obj)
		if !ok {
			continue
		}
		ns, name, _ := policies.Meta(obj)
		// One name per cluster's repository directory is usual: the file tells them apart.
		s := &fluxSubst{name: fmt.Sprintf("%s (%s)", qualified(ns, name), d.File), dir: pb.Path, vars: map[string]string{}, complete: true}
		for _, src := range pb.From {
			var cm *yamldoc.Document
			if src.Kind == "ConfigMap" {
				cm = configMaps.find(ns, src.Name, d.File) // each cluster's directory may hold its own
			}
			if cm == nil {
				s.complete = false // a Secret, or a ConfigMap the run does not hold
				continue
			}
			data, _ := cm.Object.(map[string]any)["data"].(map[string]any)
			for k, v := range data {
				if str, ok := v.(string); ok {
					s.vars[k] = strings.ReplaceAll(str, "\n", "")
				}
			}
		}
		for k, v := range pb.Substitute {
			s.vars[k] = v
		}
		subs = append(subs, s)
	}
	return subs
}

// substituteFlux judges each cluster whose Cilium config a Flux Kustomization of subs
// applies as it substitutes it. home holds the directories of kustomize instances (a
// base's release, built by the overlay a Kustomization's path names).
func (inv *inventory) substituteFlux(subs []*fluxSubst, home map[int]string) {
	if len(subs) == 0 {
		return
	}
	applies := func(s *fluxSubst, id int) bool {
		if d, ok := home[inv.bundle[id]]; ok && s.covers(d+"/kustomization.yaml") {
			return true
		}
		return s.covers(inv.docs[id].File)
	}
	byCluster := map[string][]int{}
	var order []string
	for id, o := range inv.objects {
		if o.Cluster == "" {
			continue
		}
		if _, ok := byCluster[o.Cluster]; !ok {
			order = append(order, o.Cluster)
		}
		byCluster[o.Cluster] = append(byCluster[o.Cluster], id)
	}
	used := map[string]bool{}
	for _, c := range order {
		used[c] = true
	}
	for _, c := range order {
		ids := byCluster[c]
		var covering []*fluxSubst
		for _, s := range subs {
			for _, id := range ids {
				if inv.objects[id].Cilium != nil && applies(s, id) {
					covering = append(covering, s)
					break
				}
			}
		}
		covering = innermost(covering)
		switch len(covering) {
		case 0:
		case 1:
			inv.substituteCluster(ids, covering[0], c, used, false, func(id int) bool { return applies(covering[0], id) })
		default:
			for _, s := range covering {
				clones := inv.cloneCluster(ids, s)
				original := map[int]int{}
				for i, id := range clones {
					original[id] = ids[i]
				}
				inv.substituteCluster(clones, s, c, used, true, func(id int) bool { return applies(s, original[id]) })
			}
			for _, id := range ids {
				// Judged only as each Kustomization substitutes it.
				o := &inv.objects[id]
				o.Cluster, o.Kind, o.Cilium, o.Pools = "", "", nil, nil
			}
		}
	}
}

// innermost keeps, of Kustomizations covering one cluster, those whose path no other's
// lies under: a parent's path holds its children's files, but the child applies them. The
// parent's variables are taken as the child's below its own, since parents commonly patch
// their children's postBuild in (spec.patches), and the child's are complete only if both
// are. Kustomizations of one path (a base each cluster's Kustomization applies) stay side
// by side.
func innermost(subs []*fluxSubst) []*fluxSubst {
	var out []*fluxSubst
	for _, s := range subs {
		if slices.ContainsFunc(subs, s.holds) {
			continue
		}
		merged := *s
		merged.vars = map[string]string{}
		for _, parent := range subs {
			if parent.holds(s) {
				for k, v := range parent.vars {
					merged.vars[k] = v
				}
				merged.complete = merged.complete && parent.complete
			}
		}
		for k, v := range s.vars {
			merged.vars[k] = v
		}
		out = append(out, &merged)
	}
	return out
}

// holds reports whether s's path lies above t's.
func (s *fluxSubst) holds(t *fluxSubst) bool {
	return t.dir != s.dir && (s.dir == "" || strings.HasPrefix(t.dir, s.dir+"/"))
}

// cloneCluster copies the objects ids for s to judge, with documents of their own that
// name s in findings; it returns the copies' ids, in the order of ids.
func (inv *inventory) cloneCluster(ids []int, s *fluxSubst) []int {
	renumbered := map[int]int{}
	var out []int
	for _, id := range ids {
		o := inv.objects[id]
		o.ID = len(inv.objects)
		renumbered[id] = o.ID
		doc := inv.docs[id].Copy()
		if g, ok := inv.generated[inv.docs[id]]; ok {
			inv.generated[doc] = g
		} else {
			inv.generated[doc] = generatedApp{what: "Flux Kustomization", name: s.name}
		}
		inv.objects = append(inv.objects, o)
		inv.docs = append(inv.docs, doc)
		inv.bundle = append(inv.bundle, inv.bundle[id])
		out = append(out, o.ID)
	}
	for _, id := range out {
		if b, ok := renumbered[inv.bundle[id]]; ok {
			inv.bundle[id] = b
		} else {
			inv.bundle[id] = id
		}
	}
	return out
}

// substituteCluster substitutes s's variables in the Cilium settings of those objects ids
// (cluster c) it applies, and names the cluster by its substituted name when that is new.
func (inv *inventory) substituteCluster(ids []int, s *fluxSubst, c string, used map[string]bool, clone bool, applies func(id int) bool) {
	missing := map[string][]any{}
	firstDoc := map[string]*yamldoc.Document{}
	for _, id := range ids {
		o := &inv.objects[id]
		if o.Cilium == nil || !applies(id) || policies.FluxSubstitutionDisabled(o.Object) {
			continue
		}
		layer := *o.Cilium
		m := map[string][]any{}
		layer.Values, _ = policies.SubstituteFlux(layer.Values, layer.At, s.vars, s.complete, m).(map[string]any)
		for k, p := range m {
			if _, seen := missing[k]; !seen {
				missing[k], firstDoc[k] = p, inv.docs[id]
			}
		}
		o.Cilium = &layer
	}
	names := make([]string, 0, len(missing))
	for k := range missing {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		doc := firstDoc[k]
		// Said plainly, not as a finding's prefix: the note names the Kustomization.
		inv.notes = append(inv.notes, &yamldoc.Error{File: doc.File, Line: doc.LineOf(missing[k]), Msg: fmt.Sprintf(
			"${%s} is not among the variables (spec.postBuild) of Flux Kustomization %s, which substitutes an empty value for it, leaving the setting unset (with --feature-gates=StrictPostBuildSubstitutions=true, Flux refuses the file instead)", k, s.name)})
	}
	var cilium []int
	for _, id := range ids {
		if inv.objects[id].Cilium != nil {
			cilium = append(cilium, id)
		}
	}
	key := c
	if name := bundleName(inv.objects, cilium); name != "" && name != c && !used[name] {
		key = name
	} else if clone {
		key = c + "@" + s.name
	}
	used[key] = true
	for _, id := range ids {
		inv.objects[id].Cluster = key
	}
}
