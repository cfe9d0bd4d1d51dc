package webhook

import (
	"context"
	"fmt"
	"maps"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CacheInventory reads the watched kinds from the manager's informer cache: every request
// sees the cluster as the cache has it, without a call to the API server.
type CacheInventory struct {
	Reader client.Reader
	Kinds  []schema.GroupVersionKind // the watched kinds installed in this cluster

	changes atomic.Uint64
}

// Generation counts the changes the informers reported (Changes); it is Generational
// only once Changes is registered with the informer of every kind in Kinds.
func (c *CacheInventory) Generation() uint64 { return c.changes.Load() }

// Changes is the informer event handler that counts changes. The informer updates its
// store before it calls a handler, so a listing made after reading a generation holds at
// least the changes counted in it.
func (c *CacheInventory) Changes() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { c.changes.Add(1) },
		UpdateFunc: func(old, updated any) {
			if resourceVersion(old) != resourceVersion(updated) { // not a periodic resync
				c.changes.Add(1)
			}
		},
		DeleteFunc: func(any) { c.changes.Add(1) },
	}
}

func resourceVersion(obj any) string {
	if o, ok := obj.(metav1.Object); ok {
		return o.GetResourceVersion()
	}
	return "" // a tombstone or another type: count it as a change
}

// Objects lists every cached object of the watched kinds. They are the cache's own objects,
// not copies (the handler never modifies them): most are already prepared from an earlier
// request, and copying them all would cost more than the admission itself.
func (c *CacheInventory) Objects(ctx context.Context) ([]Stored, error) {
	var out []Stored
	for _, gvk := range c.Kinds {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := c.Reader.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("list %s: %w", gvk.Kind, err)
		}
		for i := range list.Items {
			obj := list.Items[i].Object
			if obj["apiVersion"] == nil {
				obj = maps.Clone(obj) // the cache's object stays as it is
				obj["apiVersion"] = gvk.GroupVersion().String()
				obj["kind"] = gvk.Kind
			}
			out = append(out, Stored{Version: version(&list.Items[i]), Object: obj})
		}
	}
	return out, nil
}

// version names an object's version by uid and resourceVersion, which the API server
// changes on every write.
func version(u *unstructured.Unstructured) string {
	uid, rv := u.GetUID(), u.GetResourceVersion()
	if uid == "" || rv == "" {
		return ""
	}
	return string(uid) + "/" + rv
}
