package webhook

import (
	"crypto/sha256"
	"encoding/json"
	"sync"

	"k8s.io/utils/lru"

	"github.com/mtuguard/mtuguard/policies"
)

// verdictCache keeps recent verdicts by a digest of everything they depend on (key).
// Most admissions in a GitOps-managed cluster repeat one: Flux, and Argo CD with server-side
// diff, compare by server-side dry-run, which sends every managed object to the webhook
// again each sync.
type verdictCache struct {
	once   sync.Once
	recent *lru.Cache
}

// verdictCacheSize bounds the cache: a result is a few findings, so this is a few MiB at most.
const verdictCacheSize = 4096

// key digests the admitted object's bytes, mtuguard's config and the context's versions
// (snapshot.digest); "" (never cached) when a context object's version is unknown.
func (c *verdictCache) key(raw []byte, cfg policies.Config, context []byte) string {
	if context == nil {
		return ""
	}
	h := sha256.New()
	h.Write(context)
	config, err := json.Marshal(cfg)
	if err != nil {
		return ""
	}
	h.Write(config)
	h.Write([]byte{0})
	h.Write(raw)
	return string(h.Sum(nil))
}

func (c *verdictCache) get(key string) (policies.Result, bool) {
	if key == "" {
		return policies.Result{}, false
	}
	c.once.Do(c.init)
	res, ok := c.recent.Get(key)
	if !ok {
		return policies.Result{}, false
	}
	return res.(policies.Result), true
}

func (c *verdictCache) add(key string, res policies.Result) {
	if key != "" {
		c.once.Do(c.init)
		c.recent.Add(key, res)
	}
}

func (c *verdictCache) init() { c.recent = lru.New(verdictCacheSize) }
