package policies

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Normalised kinds: what the rules call the objects they read.
const (
	KindCiliumConfig                   = "CiliumConfig" // cilium-config ConfigMap, Helm values, HelmRelease/Application/HelmChart(Config)/HelmChartProxy/Rancher Cluster values
	KindCiliumNetworkPolicy            = "CiliumNetworkPolicy"
	KindCiliumClusterwideNetworkPolicy = "CiliumClusterwideNetworkPolicy"
	KindNetworkPolicy                  = "NetworkPolicy"
	KindCiliumNodeConfig               = "CiliumNodeConfig" // per-node overrides of cilium-config
)

// normalisedKinds are every kind Classify gives, KindNodePool included.
var normalisedKinds = []string{KindCiliumConfig, KindCiliumNetworkPolicy, KindCiliumClusterwideNetworkPolicy,
	KindNetworkPolicy, KindCiliumNodeConfig, KindNodePool}

// Watched lists the API kinds the rules read from a live cluster: the webhook caches them
// (whichever are installed) and its RBAC grants get/list/watch on exactly these.
var Watched = []schema.GroupVersionKind{
	{Version: "v1", Kind: "ConfigMap"}, // only cilium-config: the webhook's cache filters by name
	{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"},
	{Group: "cilium.io", Version: "v2", Kind: KindCiliumNetworkPolicy},
	{Group: "cilium.io", Version: "v2", Kind: KindCiliumClusterwideNetworkPolicy},
	{Group: "cilium.io", Version: "v2", Kind: "CiliumNodeConfig"},
	{Group: "karpenter.sh", Version: "v1", Kind: "NodePool"},
	{Group: "karpenter.k8s.aws", Version: "v1", Kind: "EC2NodeClass"},
}

// Classified is what Classify learned about an object.
type Classified struct {
	Kind string // normalised kind; "" when no rule reads this object
	// Layers, for KindCiliumConfig, are where the settings are: one for a ConfigMap or a
	// values file, several for an Argo CD Application (values, valuesObject, parameters).
	Layers []*CiliumValues
	// Pools, for KindNodePool, are the node pools the object defines.
	Pools []NodePool
}

// Objects turns a classified object into rule input: one Object per Cilium settings
// layer, else one. IDs start at next.
func (c Classified) Objects(obj map[string]any, src Source, next int) []Object {
	if len(c.Layers) == 0 {
		return []Object{{ID: next, Source: src, Kind: c.Kind, Object: obj, Pools: c.Pools}}
	}
	out := make([]Object, 0, len(c.Layers))
	for i, l := range c.Layers {
		out = append(out, Object{ID: next + i, Source: src, Kind: c.Kind, Object: obj, Cilium: l})
	}
	return out
}

// classifier recognises one family of objects. ok=false means "not mine"; an error means
// "mine, but malformed" (e.g. a cilium-config whose data is not strings).
type classifier func(obj map[string]any) (c Classified, ok bool, err error)

// classifiers are tried in order; the first that claims an object wins.
var classifiers = []classifier{
	classifyCiliumConfigMap,
	classifyNetworkPolicy,
	classifyCiliumPolicy,
	classifyFluxHelmRelease,
	classifyArgoApplication,
	classifyHelmController,
	classifyHelmChartProxy,
	classifyRancherCluster,
	classifyKustomization,
	classifyNodePools,
	classifyHelmValues,
}

// Classify names the normalised kind of a Kubernetes object or Helm values document.
func Classify(obj map[string]any) (Classified, error) {
	for _, c := range classifiers {
		if got, ok, err := c(obj); ok || err != nil {
			return got, err
		}
	}
	return Classified{}, nil
}

// TypeMeta returns an object's apiVersion and kind ("" when absent or not strings).
func TypeMeta(obj map[string]any) (apiVersion, kind string) {
	apiVersion, _ = obj["apiVersion"].(string)
	kind, _ = obj["kind"].(string)
	return apiVersion, kind
}

// Meta returns an object's metadata fields the reports and suppression use.
func Meta(obj map[string]any) (namespace, name string, annotations map[string]string) {
	md, _ := obj["metadata"].(map[string]any)
	namespace, _ = md["namespace"].(string)
	name, _ = md["name"].(string)
	annotations = map[string]string{}
	if a, ok := md["annotations"].(map[string]any); ok {
		for k, v := range a {
			if s, ok := v.(string); ok {
				annotations[k] = s
			}
		}
	}
	return namespace, name, annotations
}

// CiliumConfigMapName is the ConfigMap the Cilium agent reads, in whatever namespace Cilium runs.
const CiliumConfigMapName = "cilium-config"

func classifyCiliumConfigMap(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	if apiVersion != "v1" || kind != "ConfigMap" {
		return Classified{}, false, nil
	}
	if _, name, _ := Meta(obj); name != CiliumConfigMapName {
		return Classified{}, false, nil
	}
	// Typed decoding catches what the API server would refuse, e.g. `mtu: 9001` unquoted.
	var cm corev1.ConfigMap
	if err := decodeTyped(obj, &cm); err != nil {
		return Classified{}, true, err
	}
	values := map[string]any{}
	for k, v := range cm.Data {
		values[k] = v
	}
	return Classified{Kind: KindCiliumConfig, Layers: []*CiliumValues{{Form: "configmap", At: []any{"data"}, Values: values}}}, true, nil
}

func classifyNetworkPolicy(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	if apiVersion != "networking.k8s.io/v1" || kind != "NetworkPolicy" {
		return Classified{}, false, nil
	}
	var np networkingv1.NetworkPolicy
	if err := decodeTyped(obj, &np); err != nil {
		return Classified{}, true, err
	}
	return Classified{Kind: KindNetworkPolicy}, true, nil
}

func classifyCiliumPolicy(obj map[string]any) (Classified, bool, error) {
	apiVersion, kind := TypeMeta(obj)
	switch {
	case apiVersion == "cilium.io/v2" && (kind == KindCiliumNetworkPolicy || kind == KindCiliumClusterwideNetworkPolicy):
		return Classified{Kind: kind}, true, nil
	case (apiVersion == "cilium.io/v2" || apiVersion == "cilium.io/v2alpha1") && kind == KindCiliumNodeConfig:
		if d, ok := dig(obj, "spec", "defaults").(map[string]any); ok {
			for k, v := range d {
				if _, ok := v.(string); !ok {
					return Classified{}, true, fmt.Errorf("spec.defaults.%s: want a string, as in cilium-config (quote it)", k)
				}
			}
		}
		return Classified{Kind: kind}, true, nil
	}
	return Classified{}, false, nil
}

// helmValuesKeys are top-level keys only Cilium's chart uses (DESIGN.md "Helm values").
var helmValuesKeys = []string{"routingMode", "tunnelProtocol", "tunnel", "MTU", "clustermesh", "underlayProtocol", "kubeProxyReplacement", "eni", "hubble", "bpf"}

func classifyHelmValues(obj map[string]any) (Classified, bool, error) {
	if apiVersion, kind := TypeMeta(obj); apiVersion != "" || kind != "" {
		return Classified{}, false, nil
	}
	if hasCiliumOnlyKey(obj) {
		return HelmValues(obj), true, nil
	}
	return Classified{}, false, nil
}

// HelmValues classifies a document the user declared to be Cilium Helm values (--values).
func HelmValues(obj map[string]any) Classified {
	return Classified{Kind: KindCiliumConfig, Layers: []*CiliumValues{{Form: "helm", At: []any{}, Values: obj}}}
}

// decodeTyped checks obj against a k8s.io/api type, so wrong field types are reported the
// way the API server would.
func decodeTyped(obj map[string]any, into any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, into); err != nil {
		return typeError(err)
	}
	return nil
}

func typeError(err error) error {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		field := te.Field
		if field == "data" || strings.HasPrefix(field, "data.") {
			return fmt.Errorf("%s: ConfigMap data values must be strings, got %s (quote the value)", field, te.Value)
		}
		return fmt.Errorf("%s: want %s, got %s", field, te.Type, te.Value)
	}
	return err
}
