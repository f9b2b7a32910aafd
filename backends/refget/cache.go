package refget

import (
	"container/list"
	"sync"
	"time"
)

// metaCache is a bounded LRU of metadata keyed by the identifier sent to
// the server. A nil meta records a 404 until expires. Safe for concurrent
// use.
type metaCache struct {
	mu    sync.Mutex
	max   int
	items map[string]*list.Element
	order list.List // front = most recently used
}

type cacheEntry struct {
	key     string
	meta    *meta
	expires time.Time // only for negative entries
}

func newMetaCache(max int) *metaCache {
	return &metaCache{max: max, items: make(map[string]*list.Element)}
}

// get returns the entry for key: (meta, true) on a hit, (nil, true) for a
// remembered 404, (nil, false) on a miss.
func (c *metaCache) get(key string, now time.Time) (*meta, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	ent := e.Value.(*cacheEntry)
	if ent.meta == nil && !now.Before(ent.expires) {
		c.order.Remove(e)
		delete(c.items, key)
		return nil, false
	}
	c.order.MoveToFront(e)
	return ent.meta, true
}

// put stores m (or a 404 until expires when m is nil) under key.
func (c *metaCache) put(key string, m *meta, expires time.Time) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		ent := e.Value.(*cacheEntry)
		ent.meta, ent.expires = m, expires
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, meta: m, expires: expires})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).key)
	}
}

func (c *metaCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
