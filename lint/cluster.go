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

// Clusters (DESIGN.md): each Cilium config starts a cluster named by its cluster-name.
// Cilium configs in one directory with the same name, or without one beside a single named
// config, are layers of one cluster (values.yaml + values-prod.yaml; overlays.go says which
// files beside Cilium's values are overlays). The value files a HelmRelease or Application
// reads are layers of its cluster and may name it. Every other object belongs to the
// cluster whose Cilium config sits in the nearest enclosing directory, or to the only
// cluster when there is one.

// orderLayers sorts documents so that, within a directory, values files come in the
// order a user passes them to `helm -f`: later layers win in Rego. values.yaml is the
// base; then files by name without extension, so a file comes before those that extend
// its name (cilium-values.yaml before cilium-values-prod.yaml, which plain name order
// would reverse: '-' sorts before '.').
func orderLayers(docs []*yamldoc.Document) []*yamldoc.Document {
	out := append([]*yamldoc.Document(nil), docs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if da, db := path.Dir(a.File), path.Dir(b.File); da != db {
			return da < db
		}
		if ra, rb := layerRank(a.File), layerRank(b.File); ra != rb {
			return ra < rb
		}
		if sa, sb := layerStem(a.File), layerStem(b.File); sa != sb {
			return sa < sb
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Index < b.Index
	})
	return out
}

func layerRank(file string) int {
	switch path.Base(file) {
	case "values.yaml", "values.yml":
		return 0
	}
	return 1
}

type clusterGroup struct {
	dir, name string
	unit      string // an Application an ApplicationSet generates (file#document/name): a cluster of its own
	ids       []int
	configMap bool // a cilium-config ConfigMap: never layered with others
}

func (g *clusterGroup) layered() bool { return !g.configMap }

// assignClusters names each object's cluster. The Cilium configs of one bundle (the
// layers of one document, and the value files its HelmRelease or Application reads)
// form one unit: named by the highest layer that sets a cluster name, as Helm would
// merge them, and sitting in the directory of each of its files, so that a value file
// kept beside its cluster's policies claims them. A bundle in home (a kustomize instance
// of a release) sits in that directory alone: the overlay's, not its base's. A bundle in
// units (an Application an ApplicationSet generates) is a cluster of its own, whatever
// its name: the ApplicationSet's Applications deploy to as many clusters.
func assignClusters(objects []policies.Object, bundle []int, home, units map[int]string) (out []SharedLayer) {
	dirOf := func(id int) string {
		if d, ok := home[bundle[id]]; ok {
			return d
		}
		return path.Dir(objects[id].Source.File)
	}
	groups := map[[3]string]*clusterGroup{}
	var order []*clusterGroup
	group := func(dir, name, unit string) *clusterGroup {
		k := [3]string{dir, name, unit}
		if g, ok := groups[k]; ok {
			return g
		}
		g := &clusterGroup{dir: dir, name: name, unit: unit}
		groups[k] = g
		order = append(order, g)
		return g
	}
	members := map[int][]int{} // bundle -> its Cilium configs, lowest layer first
	var bundles []int
	for i, o := range objects {
		if o.Kind != policies.KindCiliumConfig {
			continue
		}
		if _, seen := members[bundle[i]]; !seen {
			bundles = append(bundles, bundle[i])
		}
		members[bundle[i]] = append(members[bundle[i]], i)
	}
	var unnamed []int
	for _, b := range bundles {
		o := objects[b]
		name := bundleName(objects, members[b])
		if o.Cilium.Form == "configmap" {
			// A cluster has one cilium-config: each ConfigMap is its own cluster.
			g := &clusterGroup{dir: dirOf(b), name: name, ids: members[b], configMap: true}
			order = append(order, g)
			continue
		}
		if name != "" || units[b] != "" {
			g := group(dirOf(b), name, units[b])
			g.ids = append(g.ids, members[b]...)
		} else {
			unnamed = append(unnamed, b)
		}
	}
	type share struct {
		id int
		g  *clusterGroup
	}
	var shares []share
	for _, b := range unnamed {
		dir := dirOf(b)
		named := groupsIn(order, dir)
		if len(named) == 1 {
			named[0].ids = append(named[0].ids, members[b]...)
			continue
		}
		// values.yaml beside values-prod.yaml and values-staging.yaml, each naming its
		// cluster, is the base of both (helm -f values.yaml -f values-prod.yaml): a layer
		// naming no cluster is shared by every values-file cluster of its directory.
		if plain := plainGroups(objects, named); len(plain) > 1 && len(members[b]) == 1 && plainValuesObject(objects[b]) {
			plain[0].ids = append(plain[0].ids, b)
			for _, g := range plain[1:] {
				shares = append(shares, share{b, g})
			}
			continue
		}
		g := group(dir, "", "")
		g.ids = append(g.ids, members[b]...)
	}
	key := clusterKeys(order)
	for _, s := range shares {
		// Layers of one cluster rank by order, then ID; the copy comes last by ID, so
		// its order keeps it where the original sits among the cluster's own files.
		layer := *objects[s.id].Cilium
		layer.Order = 1
		if s.id < slices.Min(s.g.ids) {
			layer.Order = -1
		}
		out = append(out, SharedLayer{ID: s.id, Cluster: key[s.g], Values: &layer})
	}
	byDir := map[string][]*clusterGroup{}
	for _, g := range order {
		dirs := map[string]bool{g.dir: true}
		for _, id := range g.ids {
			objects[id].Cluster = key[g]
			dirs[dirOf(id)] = true
		}
		for d := range dirs {
			byDir[d] = append(byDir[d], g)
		}
	}
	for i := range objects {
		if objects[i].Kind == policies.KindCiliumConfig {
			continue
		}
		objects[i].Cluster = enclosingCluster(path.Dir(objects[i].Source.File), byDir, order, key)
	}
	return out
}

// SharedLayer is a values file that is a layer of one more cluster than the one its
// object is in: the object is to be repeated in Cluster with Values.
type SharedLayer struct {
	ID      int
	Cluster string
	Values  *policies.CiliumValues
}

// plainGroups are the groups made only of values files.
func plainGroups(objects []policies.Object, groups []*clusterGroup) []*clusterGroup {
	var out []*clusterGroup
	for _, g := range groups {
		plain := true
		for _, id := range g.ids {
			plain = plain && plainValuesObject(objects[id])
		}
		if plain {
			out = append(out, g)
		}
	}
	return out
}

// plainValuesObject reports whether o is a document of Cilium values itself.
func plainValuesObject(o policies.Object) bool {
	return plainLayer(o.Cilium) && o.Source.File != ""
}

// bundleName is the cluster name of the highest layer of ids that sets one.
func bundleName(objects []policies.Object, ids []int) string {
	name, top := "", -1<<31
	for _, id := range ids {
		if n := clusterName(objects[id]); n != "" && objects[id].Cilium.Order >= top {
			name, top = n, objects[id].Cilium.Order
		}
	}
	return name
}

func groupsIn(order []*clusterGroup, dir string) []*clusterGroup {
	var out []*clusterGroup
	for _, g := range order {
		if g.dir == dir && g.name != "" && g.unit == "" && len(g.ids) > 0 && g.layered() {
			out = append(out, g)
		}
	}
	return out
}

// clusterKeys names each group: its cluster-name (or directory) when unique, else
// qualified by directory, else numbered.
func clusterKeys(order []*clusterGroup) map[*clusterGroup]string {
	key := map[*clusterGroup]string{}
	for _, qualify := range []func(g *clusterGroup) string{
		func(g *clusterGroup) string { return g.name },
		// An Application an ApplicationSet generates, by its name (the unit's last part).
		func(g *clusterGroup) string {
			if g.unit == "" {
				return ""
			}
			return strings.TrimPrefix(g.name+"@"+g.unit[strings.LastIndex(g.unit, "/")+1:], "@")
		},
		func(g *clusterGroup) string { return g.name + "@" + g.dir },
	} {
		seen := map[string]int{}
		for _, g := range order {
			seen[qualify(g)]++
		}
		for _, g := range order {
			if _, done := key[g]; !done && seen[qualify(g)] == 1 && qualify(g) != "" && (g.name != "" || g.unit != "") {
				key[g] = qualify(g)
			}
		}
	}
	for i, g := range order {
		if _, done := key[g]; done {
			continue
		}
		if g.name == "" {
			key[g] = fmt.Sprintf("%s#%d", g.dir, i)
		} else {
			key[g] = fmt.Sprintf("%s@%s#%d", g.name, g.dir, i)
		}
	}
	return key
}

func enclosingCluster(dir string, byDir map[string][]*clusterGroup, order []*clusterGroup, key map[*clusterGroup]string) string {
	for d := dir; ; {
		if gs := byDir[d]; len(gs) == 1 {
			return key[gs[0]]
		} else if len(gs) > 1 {
			return "" // several clusters configured side by side: ambiguous
		}
		parent := path.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if len(order) == 1 {
		return key[order[0]]
	}
	return ""
}

// clusterName peeks at a Cilium config's cluster name, before Rego normalises it.
func clusterName(o policies.Object) string {
	if o.Cilium == nil {
		return ""
	}
	if o.Cilium.Form == "configmap" {
		s, _ := o.Cilium.Values["cluster-name"].(string)
		return s
	}
	if c, ok := o.Cilium.Values["cluster"].(map[string]any); ok {
		if s, ok := c["name"].(string); ok {
			return s
		}
	}
	return ""
}
