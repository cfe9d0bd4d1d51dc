package webhook

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	toolscache "k8s.io/client-go/tools/cache"
)

// The informers' events move the generation, except a periodic resync, which re-delivers
// every object unchanged and must not make every admission list the cluster again.
func TestCacheInventoryCountsChanges(t *testing.T) {
	inv := &CacheInventory{}
	events := inv.Changes()
	at := func(rv string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetResourceVersion(rv)
		return u
	}
	steps := []struct {
		name  string
		event func()
		moves bool
	}{
		{"add", func() { events.OnAdd(at("1"), true) }, true},
		{"resync", func() { events.OnUpdate(at("1"), at("1")) }, false},
		{"update", func() { events.OnUpdate(at("1"), at("2")) }, true},
		{"delete", func() { events.OnDelete(at("2")) }, true},
		{"delete seen late", func() { events.OnDelete(toolscache.DeletedFinalStateUnknown{Key: "ns/x", Obj: at("2")}) }, true},
	}
	for _, s := range steps {
		before := inv.Generation()
		s.event()
		if moved := inv.Generation() != before; moved != s.moves {
			t.Errorf("%s: generation moved %v, want %v", s.name, moved, s.moves)
		}
	}
}
