package webhook

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/mtuguard/mtuguard/policies"
)

// Generational is an Inventory that counts its changes: while Generation returns the same
// number, Objects returns the same objects. The handler then reuses the context it built
// for an admitted kind instead of walking every cluster object again: in a cluster with
// thousands of policies that walk costs more than evaluating the rules.
type Generational interface {
	Generation() uint64
}

// snapshot is what the rules judging one admitted kind read from the cluster
// (policies.NeededFor), as of one listing of the inventory.
type snapshot struct {
	generation uint64
	kept       bool        // by generation, for later admissions
	configs    []*prepared // Cilium configs: first in every evaluation
	others     []*prepared
	digest     []byte // of every entry's version, in order; nil when one is unknown

	mu      sync.Mutex
	derived *policies.Derived // what the rules derive from the context, once per kept snapshot
}

// snapshots keeps the latest snapshot per admitted kind.
type snapshots struct {
	mu     sync.Mutex
	byKind map[string]*snapshot
}

func (s *snapshots) get(kind string, generation uint64) *snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.byKind[kind]; snap != nil && snap.generation == generation {
		return snap
	}
	return nil
}

func (s *snapshots) put(kind string, snap *snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byKind == nil {
		s.byKind = map[string]*snapshot{}
	}
	s.byKind[kind] = snap
}

// snapshot returns the context of an admitted kind, listing the inventory only when it
// changed since the last listing (always, for an inventory that does not count changes).
func (h *Handler) snapshot(ctx context.Context, kind string) (*snapshot, error) {
	var generation uint64
	counted, ok := h.Inventory.(Generational)
	if ok {
		generation = counted.Generation() // before listing: a later change lists again
		if snap := h.snapshots.get(kind, generation); snap != nil {
			return snap, nil
		}
	}
	stored, err := h.Inventory.Objects(ctx)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{generation: generation}
	versions := sha256.New()
	known := true
	for _, s := range stored {
		p := h.prepared.entry(s)
		if !p.usable || !policies.NeededFor(kind, p.class, p.object) {
			continue // unreadable cluster objects are not the admitted object's fault
		}
		if p.class.Kind == policies.KindCiliumConfig {
			snap.configs = append(snap.configs, p)
		} else {
			snap.others = append(snap.others, p)
		}
	}
	h.prepared.sweep()
	for _, p := range append(snap.configs[:len(snap.configs):len(snap.configs)], snap.others...) {
		known = known && p.version != ""
		versions.Write([]byte(p.version))
		versions.Write([]byte{0})
	}
	if known {
		snap.digest = versions.Sum(nil)
	}
	if ok {
		snap.kept = true
		h.snapshots.put(kind, snap)
	}
	return snap, nil
}

// derive returns what the rules derive from the evaluation's context (policies.Derived),
// derived once per kept snapshot: nil, for the rules to derive it themselves, when the
// admitted object replaces one of the snapshot's (its stored version is not in in) or is
// a Cilium config, which changes what is derived. Derived reads the objects only, never
// mtuguard's config, so a reloaded config file does not change it.
func (s *snapshot) derive(ctx context.Context, e *policies.Engine, cfg policies.Config, in evaluation, kind string) (*policies.Derived, error) {
	if !s.kept || !in.whole || kind == policies.KindCiliumConfig {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.derived == nil {
		d, err := e.Derive(ctx, cfg, in.objects)
		if err != nil {
			return nil, err
		}
		s.derived = d
	}
	return s.derived, nil
}

// evaluation is what one admission evaluates.
type evaluation struct {
	objects []*policies.Prepared // the context, Cilium configs first, then the admitted object
	focus   []int                // the admitted object's entries in objects
	whole   bool                 // the context is the whole snapshot: nothing was replaced
	digest  []byte               // the context's versions (snapshot.digest)
}

// evaluation is the snapshot's context for an admitted object, without the stored version
// of that object (its identity): the admission replaces it.
func (s *snapshot) evaluation(admitted string) evaluation {
	in := evaluation{digest: s.digest, whole: true}
	for _, group := range [][]*prepared{s.configs, s.others} {
		for _, p := range group {
			if p.identity == admitted {
				in.whole = false
				continue
			}
			in.objects = append(in.objects, p.values...)
		}
	}
	return in
}
