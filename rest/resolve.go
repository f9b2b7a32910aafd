package rest

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"

	"github.com/seqfs/seqfs/repo"
)

// resolved is what the hot path needs to know about an identifier.
type resolved struct {
	seqID string
	info  repo.Info
}

// lruCache is a bounded, mutex-protected LRU of identifier resolutions.
// Sequence content is immutable, so entries never go stale; only
// successful resolutions are stored.
type lruCache struct {
	mu    sync.Mutex
	max   int
	items map[string]*list.Element
	order list.List // front = most recently used
}

type lruEntry struct {
	key string
	val resolved
}

func newLRU(max int) *lruCache {
	return &lruCache{max: max, items: make(map[string]*list.Element)}
}

func (c *lruCache) get(key string) (resolved, bool) {
	if c.max <= 0 {
		return resolved{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry).val, true
	}
	return resolved{}, false
}

func (c *lruCache) add(key string, v resolved) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		e.Value.(*lruEntry).val = v
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key: key, val: v})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*lruEntry).key)
	}
}

func (c *lruCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// resolver resolves identifiers with one identifier style, caching
// results and coalescing concurrent misses for the same identifier.
type resolver struct {
	src          repo.Source
	style        repo.Style
	cache        *lruCache
	group        singleflight.Group
	hits, misses *atomic.Int64
}

// resolve returns the seq_id and Info an identifier names. Errors match
// the repo sentinels (ErrNotFound, ErrAmbiguous, ErrUnavailable, …).
func (r *resolver) resolve(ctx context.Context, id string) (resolved, error) {
	if v, ok := r.cache.get(id); ok {
		r.hits.Add(1)
		return v, nil
	}
	r.misses.Add(1)
	v, err, _ := r.group.Do(id, func() (any, error) {
		seqID, err := repo.Resolve(ctx, r.src, id, "", r.style)
		if err != nil {
			return resolved{}, err
		}
		info, err := r.src.Info(ctx, seqID)
		if err != nil {
			return resolved{}, fmt.Errorf("sequence info of %s (for %q): %w", seqID, id, err)
		}
		res := resolved{seqID: seqID, info: info}
		r.cache.add(id, res)
		return res, nil
	})
	if err != nil {
		return resolved{}, err
	}
	return v.(resolved), nil
}
