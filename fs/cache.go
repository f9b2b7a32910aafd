package fs

import "sync"

// fifoCache is a small bounded map with first-in-first-out eviction, safe
// for concurrent use. Listings and the lookups that follow them (ls -l
// stats every name of a directory in listing order) hit it, so a
// directory of a million aliases costs one source query per alias, not
// one per file.
type fifoCache[V any] struct {
	mu   sync.Mutex
	m    map[string]V
	ring []string
	next int
}

func newFIFOCache[V any](size int) *fifoCache[V] {
	return &fifoCache[V]{m: make(map[string]V, size), ring: make([]string, size)}
}

func (c *fifoCache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *fifoCache[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		c.m[k] = v
		return
	}
	if old := c.ring[c.next]; old != "" || len(c.m) == len(c.ring) {
		delete(c.m, old)
	}
	c.ring[c.next] = k
	c.next = (c.next + 1) % len(c.ring)
	c.m[k] = v
}

// clear drops every entry.
func (c *fifoCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	clear(c.ring)
	c.next = 0
}
