package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// Documents made from another: an ApplicationSet's Applications (appset.go), a
// HelmChartProxy's values for each Cluster (helmchartproxy.go), a Fleet bundle's
// customizations (fleet.go), a cluster as one Flux Kustomization substitutes it
// (fluxsubst.go). Their findings name what they are; their input errors and notes, often
// the same for all an owner makes, are said once, naming them.

// expanded is the run's documents and their classifications as an expansion pass rebuilds
// them: views of the documents it expands in their place, the rest as they were.
type expanded struct {
	docs []*yamldoc.Document
	cls  []policies.Classified
}

func (e *expanded) add(d *yamldoc.Document, c policies.Classified) {
	e.docs, e.cls = append(e.docs, d), append(e.cls, c)
}

// expandEach offers each document of ordered with an object to expand, which adds the
// views it makes of one it claims (returning true) to out; the others stay as they are.
func expandEach(ordered []*yamldoc.Document, classes []policies.Classified, expand func(doc *yamldoc.Document, obj map[string]any, out *expanded) bool) ([]*yamldoc.Document, []policies.Classified) {
	var out expanded
	for i, doc := range ordered {
		if obj, _ := doc.Object.(map[string]any); obj == nil || !expand(doc, obj, &out) {
			out.add(doc, classes[i])
		}
	}
	return out.docs, out.cls
}

// generatedApp says what made a generated document.
type generatedApp struct {
	what, name string         // "Application" and its name, "Cluster" and its name, ...
	of         string         // "of ApplicationSet cilium", or ""
	appSet     map[string]any // the ApplicationSet or HelmChartProxy, whose annotations count (nil for others)
	template   [][]any        // where the Application's template is in the ApplicationSet
}

func (g generatedApp) String() string { return strings.TrimSuffix(g.what+" "+g.name+" "+g.of, " ") }

// fromAppSet is true for an ApplicationSet's Application.
func (g generatedApp) fromAppSet() bool { return g.template != nil }

// report records an input error or note about owner's document.
func (inv *inventory) report(owner *yamldoc.Document, e *yamldoc.Error, note bool) {
	switch g, ok := inv.generated[owner]; {
	case ok:
		inv.appError(g, e, note)
	case note:
		inv.notes = append(inv.notes, e)
	default:
		inv.errors = append(inv.errors, e)
	}
}

// appError records an input error or note about a generated Application (or a
// HelmChartProxy's Cluster). The Applications of one ApplicationSet often share it (a
// template value every one renders the same way), so they are said once, naming them.
func (inv *inventory) appError(g generatedApp, e *yamldoc.Error, note bool) {
	k := appErrorKey{*e, note}
	if inv.appErrors == nil {
		inv.appErrors = map[appErrorKey][]generatedApp{}
	}
	if _, seen := inv.appErrors[k]; !seen {
		inv.appErrorOrder = append(inv.appErrorOrder, k)
	}
	inv.appErrors[k] = append(inv.appErrors[k], g)
}

type appErrorKey struct {
	err  yamldoc.Error
	note bool
}

// flushAppErrors adds the generated Applications' errors and notes, once each.
func (inv *inventory) flushAppErrors() {
	for _, k := range inv.appErrorOrder {
		e := k.err
		e.Msg = namedApps(inv.appErrors[k]) + ": " + e.Msg
		if k.note {
			inv.notes = append(inv.notes, &e)
		} else {
			inv.errors = append(inv.errors, &e)
		}
	}
	inv.appErrors, inv.appErrorOrder = nil, nil
}

// namedApps lists the Applications an error is about: a few by name, then how many more.
func namedApps(apps []generatedApp) string {
	if len(apps) == 1 {
		return apps[0].String()
	}
	const shown = 3
	type owner struct{ what, of string }
	byOwner := map[owner][]string{}
	var order []owner
	for _, a := range apps {
		o := owner{a.what, a.of}
		if _, ok := byOwner[o]; !ok {
			order = append(order, o)
		}
		byOwner[o] = append(byOwner[o], a.name)
	}
	var parts []string
	for _, o := range order {
		names := byOwner[o]
		sort.Strings(names)
		list := strings.Join(names[:min(shown, len(names))], ", ")
		if len(names) > shown {
			list += fmt.Sprintf(" and %d more", len(names)-shown)
		}
		parts = append(parts, strings.TrimSuffix(fmt.Sprintf("%ss %s %s", o.what, list, o.of), " "))
	}
	return strings.Join(parts, "; ")
}
