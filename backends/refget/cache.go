package refget

import (
	"time"

	"github.com/seqfs/seqfs/internal/lru"
)

// metaCache is a bounded LRU of metadata keyed by the identifier sent to
// the server. A nil meta records a 404 until expires. Safe for concurrent
// use.
type metaCache struct {
	m *lru.Map[string, cacheEntry]
}

type cacheEntry struct {
	meta    *meta
	expires time.Time // only for negative entries
}

func newMetaCache(max int) *metaCache {
	return &metaCache{m: lru.NewMap[string, cacheEntry](int64(max), nil)}
}

// get returns the entry for key: (meta, true) on a hit, (nil, true) for a
// remembered 404, (nil, false) on a miss.
func (c *metaCache) get(key string, now time.Time) (*meta, bool) {
	ent, ok := c.m.GetUnless(key, func(ent cacheEntry) bool {
		return ent.meta == nil && !now.Before(ent.expires) // an expired 404
	})
	return ent.meta, ok
}

// put stores m (or a 404 until expires when m is nil) under key.
func (c *metaCache) put(key string, m *meta, expires time.Time) {
	c.m.Add(key, cacheEntry{meta: m, expires: expires})
}

func (c *metaCache) len() int { return c.m.Len() }
