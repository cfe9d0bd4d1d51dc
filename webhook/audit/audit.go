// Package audit reads a live cluster's objects into lint documents, so `mtuguard audit`
// reports them with the linter's formats and line numbers.
package audit

import (
	"context"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/lint/yamldoc"
	"github.com/mtuguard/mtuguard/policies"
)

// Load lists every object of the watched kinds the cluster serves.
func Load(ctx context.Context, cfg *rest.Config) (lint.Loaded, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return lint.Loaded{}, err
	}
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil {
		return lint.Loaded{}, fmt.Errorf("discover API groups: %w", err)
	}
	mapper := restmapper.NewDiscoveryRESTMapper(groups)
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return lint.Loaded{}, err
	}
	var out lint.Loaded
	for _, gvk := range policies.Watched {
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			continue // not installed here
		} else if err != nil {
			return lint.Loaded{}, err
		}
		opts := metav1.ListOptions{}
		if gvk.Kind == "ConfigMap" {
			opts.FieldSelector = "metadata.name=" + policies.CiliumConfigMapName
		}
		list, err := client.Resource(m.Resource).List(ctx, opts)
		if err != nil {
			return lint.Loaded{}, fmt.Errorf("list %s: %w", m.Resource.Resource, err)
		}
		for i := range list.Items {
			doc, err := document(gvk.Kind, &list.Items[i])
			if err != nil {
				out.Errors = append(out.Errors, err)
				continue
			}
			out.Files = append(out.Files, doc.File)
			out.Documents = append(out.Documents, doc)
		}
	}
	sort.Strings(out.Files)
	return out, nil
}

// document renders the object as `kubectl get -o yaml` would, so findings carry a line.
func document(kind string, u *unstructured.Unstructured) (*yamldoc.Document, error) {
	u.SetManagedFields(nil)
	name := "cluster/" + kind + "/" + u.GetName()
	if ns := u.GetNamespace(); ns != "" {
		name = "cluster/" + kind + "/" + ns + "/" + u.GetName()
	}
	data, err := yaml.Marshal(u.Object)
	if err != nil {
		return nil, &yamldoc.Error{File: name, Msg: err.Error()}
	}
	docs, err := yamldoc.Parse(name, data, yamldoc.Limits{})
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, &yamldoc.Error{File: name, Msg: "empty object"}
	}
	return docs[0], nil
}
