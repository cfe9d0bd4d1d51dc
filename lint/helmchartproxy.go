package lint

import (
	"errors"
	"fmt"
	"path"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// A HelmChartProxy (Cluster API's Helm add-on provider) that installs Cilium's chart
// stands for its values on each Cluster of the run it selects (policies.
// RenderHelmChartProxy): each is a cluster of its own, sitting in the directory of its
// Cluster object so that the node pools defined beside the Cluster are its, with findings
// pointing into the valuesTemplate and naming the Cluster. A HelmChartProxy selecting none
// of the run's Clusters is judged once, for a Cluster with the labels its selector
// requires, and a note says so.

// capiObjects are the run's Cluster API objects: the Clusters, what their templates read
// (parts), and which Clusters use each node pool object (users, capiowners.go).
type capiObjects struct {
	clusters []*yamldoc.Document
	parts    map[capiKey]map[string]any // control planes and infrastructure clusters
	users    map[capiKey]map[string]bool
}

func findCAPIObjects(docs []*yamldoc.Document) capiObjects {
	c := capiObjects{parts: map[capiKey]map[string]any{}, users: map[capiKey]map[string]bool{}}
	for _, doc := range docs {
		obj, _ := doc.Object.(map[string]any)
		if obj == nil {
			continue
		}
		switch {
		case policies.IsCAPICluster(obj):
			ns, name, _ := policies.Meta(obj)
			c.clusters = append(c.clusters, doc)
			controlPlane, _ := policies.ClusterRefs(obj)
			c.use(capiKey{ns, controlPlane[0], controlPlane[1]}, name)
		case policies.IsCAPIClusterPart(obj):
			ns, name, _ := policies.Meta(obj)
			_, kind := policies.TypeMeta(obj)
			c.parts[capiKey{ns, kind, name}] = obj
		case isCAPIMachineOwner(obj):
			ns, _, _ := policies.Meta(obj)
			cluster, _ := dig(obj, "spec", "clusterName").(string)
			refKind, _ := dig(obj, "spec", "template", "spec", "bootstrap", "configRef", "kind").(string)
			refName, _ := dig(obj, "spec", "template", "spec", "bootstrap", "configRef", "name").(string)
			c.use(capiKey{ns, refKind, refName}, cluster)
		}
	}
	return c
}

// of is what a template reads of cluster.
func (c capiObjects) of(cluster map[string]any) policies.CAPIObjects {
	ns, _, _ := policies.Meta(cluster)
	controlPlane, infra := policies.ClusterRefs(cluster)
	return policies.CAPIObjects{
		Cluster:      cluster,
		ControlPlane: c.parts[capiKey{ns, controlPlane[0], controlPlane[1]}],
		InfraCluster: c.parts[capiKey{ns, infra[0], infra[1]}],
	}
}

// expandHelmChartProxies replaces each HelmChartProxy installing Cilium among ordered
// with views of it, one per Cluster of the run it selects, classified; home gets each
// view's directory, its Cluster's.
func (inv *inventory) expandHelmChartProxies(ordered []*yamldoc.Document, classes []policies.Classified, capi capiObjects, home map[*yamldoc.Document]string) ([]*yamldoc.Document, []policies.Classified) {
	return expandEach(ordered, classes, func(doc *yamldoc.Document, obj map[string]any, out *expanded) bool {
		if !policies.IsCiliumHelmChartProxy(obj) {
			return false
		}
		selected, err := selectedClusters(obj, capi.clusters)
		if err != nil {
			inv.errors = append(inv.errors, &yamldoc.Error{File: doc.File, Line: doc.LineOf([]any{"spec", "clusterSelector"}), Msg: err.Error()})
			return true
		}
		if len(selected) == 0 {
			if view, c, ok := inv.renderProxy(doc, obj, policies.CAPIObjects{Cluster: policies.StandInCluster(obj)}, generatedApp{}, len(capi.clusters)); ok {
				out.add(view, c)
			}
			return true
		}
		_, proxy, _ := policies.Meta(obj)
		for _, cluster := range selected {
			cobj := cluster.Object.(map[string]any)
			_, name, _ := policies.Meta(cobj)
			g := generatedApp{what: "Cluster", name: name, of: "of HelmChartProxy " + proxy, appSet: obj}
			if view, c, ok := inv.renderProxy(doc, obj, capi.of(cobj), g, 0); ok {
				inv.generated[view] = g
				home[view] = path.Dir(cluster.File)
				out.add(view, c)
			}
		}
		return true
	})
}

func selectedClusters(hcp map[string]any, clusters []*yamldoc.Document) ([]*yamldoc.Document, error) {
	sel, err := policies.ClusterSelector(hcp)
	if err != nil {
		return nil, err
	}
	var out []*yamldoc.Document
	for _, c := range clusters {
		if policies.HelmChartProxySelects(hcp, sel, c.Object.(map[string]any)) {
			out = append(out, c)
		}
	}
	return out, nil
}

// renderProxy renders hcp's values for one Cluster: g names it, or is zero for the
// stand-in of a HelmChartProxy that selects none of the run's Clusters, of which there
// are clusters.
func (inv *inventory) renderProxy(doc *yamldoc.Document, hcp map[string]any, objs policies.CAPIObjects, g generatedApp, clusters int) (*yamldoc.Document, policies.Classified, bool) {
	ns, name, _ := policies.Meta(hcp)
	standIn := g.name == ""
	report := func(at []any, msg string, note bool) {
		e := &yamldoc.Error{File: doc.File, Line: doc.LineOf(at), Msg: msg}
		if standIn {
			inv.report(doc, e, note)
		} else {
			inv.appError(g, e, note)
		}
	}
	if standIn {
		which := "no Cluster is among the linted files"
		switch {
		case clusters == 1:
			which = "the one Cluster among the linted files is not in its namespace with labels its clusterSelector matches"
		case clusters > 1:
			which = fmt.Sprintf("none of the %d Clusters among the linted files is in its namespace with labels its clusterSelector matches", clusters)
		}
		report([]any{"spec", "clusterSelector"}, fmt.Sprintf("HelmChartProxy %s installs Cilium on the Clusters it selects, and %s: its values are judged once, for a Cluster named %s with the labels the selector requires; lint it with the Cluster objects to judge each Cluster's", qualified(ns, name), which, policies.StandInCluster(hcp)["metadata"].(map[string]any)["name"]), true)
	}
	r, err := policies.RenderHelmChartProxy(hcp, objs)
	if err != nil {
		var te *policies.TemplateError
		var fe *policies.FieldError
		at := []any{"spec", "valuesTemplate"}
		if errors.As(err, &fe) {
			at = fe.Path
		}
		// A template that renders for no Cluster is an error; one that fails for one
		// Cluster may read a field only the live Cluster has.
		note := errors.As(err, &te) && !te.Parse
		if note {
			err = fmt.Errorf("%w; not judged for this Cluster", err)
		}
		report(at, err.Error(), note)
		return nil, policies.Classified{}, false
	}
	return doc.Within(r.Object), r.Classified(), true
}

func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}
