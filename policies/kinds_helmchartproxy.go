package policies

import (
	"fmt"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// Cluster API's add-on provider for Helm (sigs.k8s.io/cluster-api-addon-provider-helm,
// CAAPH) installs a chart on every workload Cluster a HelmChartProxy selects: the Clusters
// of its namespace whose labels match spec.clusterSelector (an empty selector selects all
// of them). spec.valuesTemplate is the chart's values as a Go text/template with sprig's
// functions (less env, expandenv and getHostByName), executed for each Cluster over
// .Cluster, .ControlPlane and .InfraCluster, the objects the Cluster's controlPlaneRef and
// infrastructureRef name (internal/value_substitutions.go). A ClusterMesh of CAPI clusters
// is often one HelmChartProxy whose template names each member after its Cluster.

// helmChartProxyTimeout bounds rendering one HelmChartProxy for one Cluster: a Go
// template can loop without making output. (A variable for the tests.)
var helmChartProxyTimeout = 2 * time.Second

// noValue is what text/template prints for a field the data lacks (CAAPH renders with the
// default missingkey option): a Cluster's field its controllers set, such as
// spec.controlPlaneEndpoint, is not in a repository.
const noValue = "<no value>"

// IsCiliumHelmChartProxy reports whether obj is a HelmChartProxy installing Cilium's chart.
func IsCiliumHelmChartProxy(obj map[string]any) bool {
	apiVersion, kind := TypeMeta(obj)
	if kind != "HelmChartProxy" || !strings.HasPrefix(apiVersion, "addons.cluster.x-k8s.io/") {
		return false
	}
	chart, _ := dig(obj, "spec", "chartName").(string)
	return isCiliumChart(chart)
}

// IsCAPICluster reports whether obj is a Cluster API Cluster.
func IsCAPICluster(obj map[string]any) bool {
	apiVersion, kind := TypeMeta(obj)
	return kind == "Cluster" && strings.HasPrefix(apiVersion, "cluster.x-k8s.io/")
}

// IsCAPIClusterPart reports whether obj may be what a Cluster's controlPlaneRef or
// infrastructureRef names (a KubeadmControlPlane, an AWSManagedControlPlane, an AWSCluster):
// a HelmChartProxy's template may read it.
func IsCAPIClusterPart(obj map[string]any) bool {
	apiVersion, kind := TypeMeta(obj)
	group, _, _ := strings.Cut(apiVersion, "/")
	return group == "controlplane.cluster.x-k8s.io" && strings.HasSuffix(kind, "ControlPlane") ||
		group == "infrastructure.cluster.x-k8s.io" && strings.HasSuffix(kind, "Cluster")
}

// ClusterRefs are the control plane and infrastructure a Cluster names: kind and name
// (v1beta1 refs carry apiVersion and namespace too, v1beta2 refs apiGroup; CAAPH looks
// them up in the Cluster's namespace).
func ClusterRefs(cluster map[string]any) (controlPlane, infra [2]string) {
	ref := func(field string) [2]string {
		kind, _ := dig(cluster, "spec", field, "kind").(string)
		name, _ := dig(cluster, "spec", field, "name").(string)
		return [2]string{kind, name}
	}
	return ref("controlPlaneRef"), ref("infrastructureRef")
}

// HelmChartProxySelects reports whether hcp, whose ClusterSelector is sel, selects
// cluster: the same namespace (an unset one is whichever the objects are applied to) and
// labels sel matches.
func HelmChartProxySelects(hcp map[string]any, sel labels.Selector, cluster map[string]any) bool {
	hns, _, _ := Meta(hcp)
	cns, _, _ := Meta(cluster)
	if hns != "" && cns != "" && hns != cns {
		return false
	}
	md, _ := cluster["metadata"].(map[string]any)
	set := labels.Set{}
	if ls, ok := md["labels"].(map[string]any); ok {
		for k, v := range ls {
			if s, ok := v.(string); ok {
				set[k] = s
			}
		}
	}
	return sel.Matches(set)
}

// ClusterSelector reads hcp's spec.clusterSelector; the error says what is wrong with it.
func ClusterSelector(hcp map[string]any) (labels.Selector, error) {
	var ls metav1.LabelSelector
	if raw, ok := dig(hcp, "spec", "clusterSelector").(map[string]any); ok {
		if err := decodeTyped(raw, &ls); err != nil {
			return nil, fmt.Errorf("spec.clusterSelector: %v", err)
		}
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, fmt.Errorf("spec.clusterSelector: %v", err)
	}
	return sel, nil
}

// CAPIObjects are what a HelmChartProxy's template reads of one Cluster. A nil
// ControlPlane or InfraCluster is one the Cluster names that the run does not hold: a
// stand-in with its kind, name and namespace takes its place.
type CAPIObjects struct {
	Cluster, ControlPlane, InfraCluster map[string]any
}

// StandInCluster is the Cluster a HelmChartProxy is judged for when the run holds none it
// selects: one with the labels its clusterSelector requires, in its namespace.
func StandInCluster(hcp map[string]any) map[string]any {
	ns, name, _ := Meta(hcp)
	ls := map[string]any{}
	if ml, ok := dig(hcp, "spec", "clusterSelector", "matchLabels").(map[string]any); ok {
		for k, v := range ml {
			ls[k] = v
		}
	}
	md := map[string]any{"name": name + "-cluster", "labels": ls}
	if ns != "" {
		md["namespace"] = ns
	}
	return map[string]any{"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Cluster", "metadata": md}
}

// RenderedProxy is a HelmChartProxy's values for one Cluster.
type RenderedProxy struct {
	Object map[string]any // the HelmChartProxy with spec.valuesTemplate rendered
	Values map[string]any // the chart values it renders ("<no value>" ones are unknown: DeferredSettings)
}

// Classified is the rendered HelmChartProxy as rule input.
func (r RenderedProxy) Classified() Classified {
	values := r.Values
	if values == nil {
		values = map[string]any{} // the chart's defaults: still a cluster to reason about
	}
	return Classified{Kind: KindCiliumConfig, Layers: []*CiliumValues{{Form: "helm", At: []any{"spec", "valuesTemplate"}, Values: values}}}
}

// TemplateError is a valuesTemplate CAAPH cannot render: Parse when it does not parse (no
// Cluster gets the chart), else rendering it for one Cluster fails, perhaps for a field
// only the live Cluster has.
type TemplateError struct {
	Parse bool
	Msg   string
}

func (e *TemplateError) Error() string { return "spec.valuesTemplate: " + e.Msg }

// RenderHelmChartProxy renders hcp's values for one Cluster, as CAAPH does.
func RenderHelmChartProxy(hcp map[string]any, objs CAPIObjects) (RenderedProxy, error) {
	return bounded(helmChartProxyTimeout, func() (RenderedProxy, error) { return renderHelmChartProxy(hcp, objs) },
		func(late bool, r any) (RenderedProxy, error) {
			if late {
				return RenderedProxy{}, &TemplateError{Msg: fmt.Sprintf("rendering it takes longer than %s (a Go template that loops?), so mtuguard does not judge it", helmChartProxyTimeout)}
			}
			return RenderedProxy{}, &TemplateError{Msg: fmt.Sprintf("internal error rendering it (%v); please report this file to mtuguard", r)}
		})
}

func renderHelmChartProxy(hcp map[string]any, objs CAPIObjects) (RenderedProxy, error) {
	v := dig(hcp, "spec", "valuesTemplate")
	raw, isString := v.(string)
	if v != nil && !isString {
		return RenderedProxy{}, &TemplateError{Parse: true, Msg: fmt.Sprintf("want a string (valuesTemplate: |), got %s; the API server refuses anything else", yamlKindOf(v))}
	}
	r := &renderer{goTemplate: true, base: caaphTemplateBase, left: maxRenderedTotal}
	if _, err := r.parse(raw, nil); err != nil {
		return RenderedProxy{}, &TemplateError{Parse: true, Msg: err.Error()}
	}
	// Copies: sprig's set and unset change the maps they are given.
	data := map[string]any{"Cluster": copyTree(objs.Cluster)}
	controlPlane, infra := ClusterRefs(objs.Cluster)
	ns, _, _ := Meta(objs.Cluster)
	for _, part := range []struct {
		key string
		ref [2]string
		obj map[string]any
	}{{"ControlPlane", controlPlane, objs.ControlPlane}, {"InfraCluster", infra, objs.InfraCluster}} {
		switch {
		case part.obj != nil:
			data[part.key] = copyTree(part.obj)
		case part.ref[0] != "" && part.ref[1] != "":
			md := map[string]any{"name": part.ref[1]}
			if ns != "" {
				md["namespace"] = ns
			}
			data[part.key] = map[string]any{"kind": part.ref[0], "metadata": md}
		}
	}
	out, err := r.replace(raw, data)
	if err != nil {
		return RenderedProxy{}, &TemplateError{Msg: err.Error()}
	}
	rendered := copyTree(hcp).(map[string]any)
	rendered["spec"].(map[string]any)["valuesTemplate"] = out
	values, err := helmChartProxyValues(out)
	if err != nil {
		return RenderedProxy{}, err
	}
	return RenderedProxy{Object: rendered, Values: values}, nil
}

// caaphTemplateBase is CAAPH's functions: sprig's, less the environment's, each bounded.
var caaphTemplateBase = sync.OnceValue(func() *texttemplate.Template {
	return texttemplate.New("base").Funcs(boundedFuncs("CAAPH", nil))
})

// helmChartProxyValues parses rendered values (nil: none).
func helmChartProxyValues(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var values map[string]any
	if err := yaml.Unmarshal([]byte(s), &values); err != nil {
		return nil, &FieldError{Path: []any{"spec", "valuesTemplate"}, Msg: fmt.Sprintf("renders to what is not a YAML map of chart values (%v), which CAAPH's install fails on", err)}
	}
	return values, nil
}

// classifyHelmChartProxy reads a HelmChartProxy that installs Cilium alone: rendered for
// the Cluster its selector describes (StandInCluster). The linter renders it for each
// Cluster of the run it selects instead.
func classifyHelmChartProxy(obj map[string]any) (Classified, bool, error) {
	if !IsCiliumHelmChartProxy(obj) {
		return Classified{}, false, nil
	}
	r, err := RenderHelmChartProxy(obj, CAPIObjects{Cluster: StandInCluster(obj)})
	if err != nil {
		return Classified{}, true, err
	}
	return r.Classified(), true, nil
}
