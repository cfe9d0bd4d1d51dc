package webhook

import (
	"sync"

	"github.com/mtuguard/mtuguard/policies"
)

// preparedCache keeps what the handler derives from stored objects, so an admission
// classifies and converts only the objects that changed since the last one: each stored
// version's classification and Rego value.
type preparedCache struct {
	mu      sync.Mutex
	entries map[string]*prepared // by Stored.Version
	swept   int                  // len(entries) after the last sweep
}

// prepared is one stored object as the rules take it.
type prepared struct {
	version  string // Stored.Version
	identity string
	object   map[string]any
	class    policies.Classified
	values   []*policies.Prepared
	usable   bool // classified and converted; an unreadable cluster object is no context
	seen     bool // listed since the last sweep
}

// entry returns s prepared, from the cache when this version was seen before.
func (c *preparedCache) entry(s Stored) *prepared {
	if s.Version != "" {
		c.mu.Lock()
		p, ok := c.entries[s.Version]
		if ok {
			p.seen = true
		}
		c.mu.Unlock()
		if ok {
			return p
		}
	}
	p := prepare(s.Object)
	p.version = s.Version
	if s.Version != "" {
		c.mu.Lock()
		if c.entries == nil {
			c.entries = map[string]*prepared{}
		}
		p.seen = true
		c.entries[s.Version] = p
		c.mu.Unlock()
	}
	return p
}

func prepare(obj map[string]any) *prepared {
	p := &prepared{identity: identity(obj), object: obj}
	class, err := policies.Classify(obj)
	if err != nil || class.Kind == "" {
		return p
	}
	p.class = class
	for _, o := range class.Objects(obj, policies.Source{}, 0) {
		v, err := policies.Prepare(o)
		if err != nil {
			return p
		}
		p.values = append(p.values, v)
	}
	p.usable = true
	return p
}

// sweep forgets versions no longer listed once the cache has doubled since the last sweep,
// so updates and deletions do not grow it without bound. Call it after a complete listing.
func (c *preparedCache) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) <= 2*c.swept+64 {
		return
	}
	for version, p := range c.entries {
		if !p.seen {
			delete(c.entries, version)
		}
		p.seen = false
	}
	c.swept = len(c.entries)
}
