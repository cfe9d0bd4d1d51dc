package webhook

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CacheInventory reads the watched kinds from the manager's informer cache: every request
// sees the cluster as the cache has it, without a call to the API server.
type CacheInventory struct {
	Reader client.Reader
	Kinds  []schema.GroupVersionKind // the watched kinds installed in this cluster
}

// Objects lists every cached object of the watched kinds.
func (c *CacheInventory) Objects(ctx context.Context) ([]map[string]any, error) {
	var out []map[string]any
	for _, gvk := range c.Kinds {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := c.Reader.List(ctx, list); err != nil {
			return nil, fmt.Errorf("list %s: %w", gvk.Kind, err)
		}
		for i := range list.Items {
			obj := list.Items[i].Object
			if obj["apiVersion"] == nil {
				obj["apiVersion"] = gvk.GroupVersion().String()
				obj["kind"] = gvk.Kind
			}
			out = append(out, obj)
		}
	}
	return out, nil
}
