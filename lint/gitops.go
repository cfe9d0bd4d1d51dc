package lint

import (
	"fmt"
	"path"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// addValuesFrom resolves each Flux HelmRelease's valuesFrom ConfigMaps found in the run
// into settings layers below the release's own values, in Flux's order. A reference to a
// ConfigMap the run does not contain (or to a Secret) is skipped: the linter cannot see it.
func (inv *inventory) addValuesFrom(docs []*yamldoc.Document) {
	configMaps := configMapIndex{byName: map[string][]*yamldoc.Document{}}
	for _, d := range docs {
		obj, ok := d.Object.(map[string]any)
		if !ok {
			continue
		}
		if apiVersion, kind := policies.TypeMeta(obj); apiVersion == "v1" && kind == "ConfigMap" {
			_, name, _ := policies.Meta(obj)
			configMaps.byName[name] = append(configMaps.byName[name], d)
		}
	}
	n := len(inv.objects)
	for i := 0; i < n; i++ {
		release := inv.objects[i]
		if _, kind := policies.TypeMeta(release.Object); kind != "HelmRelease" {
			continue
		}
		ns, _, _ := policies.Meta(release.Object)
		for order, ref := range policies.FluxValuesFrom(release.Object) {
			if ref.Kind != "ConfigMap" {
				continue
			}
			doc := configMaps.find(ns, ref.Name, inv.docs[i].File)
			if doc == nil {
				continue
			}
			layer, err := valuesLayer(doc, ref, order)
			if err != nil {
				inv.errors = append(inv.errors, err)
				continue
			}
			inv.objects = append(inv.objects, policies.Object{
				ID: len(inv.objects), Kind: policies.KindCiliumConfig, Object: doc.Object.(map[string]any),
				Source: policies.Source{File: doc.File, Line: doc.Line}, Cilium: layer, Cluster: release.Cluster,
			})
			inv.docs = append(inv.docs, doc)
		}
	}
}

// configMapIndex finds the ConfigMap a HelmRelease in namespace ns names: Flux reads it
// from the release's namespace. Manifests often leave the namespace to kustomize's
// `namespace:` or to `kubectl -n`, so a ConfigMap or release without one matches by name;
// of several, the one nearest the release's file (the same cluster's directory).
type configMapIndex struct {
	byName map[string][]*yamldoc.Document
}

func (x configMapIndex) find(ns, name, releaseFile string) *yamldoc.Document {
	var best *yamldoc.Document
	bestShared := -1
	for _, d := range x.byName[name] {
		cmNamespace, _, _ := policies.Meta(d.Object.(map[string]any))
		if cmNamespace == ns {
			return d
		}
		if cmNamespace != "" && ns != "" {
			continue // in another namespace: not the one Flux reads
		}
		if shared := sharedDirs(d.File, releaseFile); shared > bestShared {
			best, bestShared = d, shared
		}
	}
	return best
}

// sharedDirs counts the leading directories two slash paths share.
func sharedDirs(a, b string) int {
	da, db := strings.Split(path.Dir(a), "/"), strings.Split(path.Dir(b), "/")
	n := 0
	for n < len(da) && n < len(db) && da[n] == db[n] {
		n++
	}
	return n
}

func valuesLayer(doc *yamldoc.Document, ref policies.ValuesRef, order int) (*policies.CiliumValues, error) {
	data, _ := doc.Object.(map[string]any)["data"].(map[string]any)
	text, ok := data[ref.Key].(string)
	if !ok {
		return nil, &yamldoc.Error{File: doc.File, Line: doc.Line, Msg: fmt.Sprintf("ConfigMap %s has no data key %q for a HelmRelease's valuesFrom", ref.Name, ref.Key)}
	}
	if ref.TargetPath != "" {
		// targetPath puts the whole value at one chart key (Helm --set semantics).
		values := map[string]any{}
		policies.SetValuePath(values, ref.TargetPath, text)
		return &policies.CiliumValues{Form: "helm", At: []any{"data", ref.Key}, Values: values, Order: order}, nil
	}
	var values map[string]any
	if err := yaml.Unmarshal([]byte(text), &values); err != nil {
		return nil, &yamldoc.Error{File: doc.File, Line: doc.LineOf([]any{"data", ref.Key}), Msg: fmt.Sprintf("data.%s is not YAML values: %v", ref.Key, err)}
	}
	return &policies.CiliumValues{Form: "helm", At: []any{"data", ref.Key}, Values: values, Order: order}, nil
}
