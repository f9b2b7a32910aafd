package bgzf

import (
	"math/bits"
	"sync"

	"github.com/seqfs/seqfs/internal/lru"
)

const (
	// maxShards is the number of cache shards used for large caches.
	maxShards = 16
	// minShardBytes is the smallest shard capacity worth having: a few
	// maximal blocks. Small caches use fewer shards so that each can hold
	// some blocks.
	minShardBytes = 4 * MaxBlockSize
)

// BlockCache is a bounded, sharded LRU cache of inflated BGZF blocks, meant
// to be shared by all Readers of a process. Its size bound counts inflated
// bytes; a block larger than a shard's share of the bound is not cached.
// Concurrent misses for the same block inflate it only once.
//
// A BlockCache is safe for concurrent use. A nil *BlockCache caches nothing.
type BlockCache struct {
	shards []cacheShard
	mask   uint64
	max    int64
}

type cacheKey struct {
	id  uint64 // Reader id
	off uint64 // compressed offset of the block
}

// cacheEntry is a cached block or a load in progress. While loading, done is
// open and the entry is not on the LRU list; data and err are written before
// done is closed and are immutable afterwards.
type cacheEntry struct {
	lru.Links[*cacheEntry]
	key     cacheKey
	data    []byte
	err     error
	done    chan struct{}
	loading bool
}

type cacheShard struct {
	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
	lru     lru.List[*cacheEntry] // front is most recently used
	bytes   int64
	max     int64
	stats   CacheStats
	_       [64]byte // keep shards on separate cache lines
}

// CacheStats are cumulative counters and current occupancy of a BlockCache.
type CacheStats struct {
	// Hits counts lookups served from the cache.
	Hits uint64
	// Misses counts lookups that had to read and inflate a block.
	Misses uint64
	// Coalesced counts lookups that waited for another goroutine's
	// concurrent load of the same block instead of inflating it again.
	Coalesced uint64
	// Evictions counts blocks dropped to stay within the size bound.
	Evictions uint64
	// Entries is the number of cached blocks.
	Entries int64
	// Bytes is the number of inflated bytes held.
	Bytes int64
	// MaxBytes is the size bound.
	MaxBytes int64
}

// NewBlockCache returns a cache holding at most maxBytes bytes of inflated
// block data. Large caches are split into 16 shards, each bounded to
// maxBytes/16; small ones use fewer shards. A cache with maxBytes <= 0
// stores nothing but still makes concurrent readers of one block share a
// single inflation.
func NewBlockCache(maxBytes int64) *BlockCache {
	maxBytes = max(maxBytes, 0)
	n := 1
	if q := maxBytes / minShardBytes; q > 1 {
		// Largest power of two <= q, capped at maxShards.
		n = min(1<<(bits.Len64(uint64(q))-1), maxShards)
	}
	c := &BlockCache{shards: make([]cacheShard, n), mask: uint64(n - 1), max: maxBytes}
	for i := range c.shards {
		s := &c.shards[i]
		s.entries = make(map[cacheKey]*cacheEntry)
		s.max = maxBytes / int64(n)
	}
	return c
}

func (c *BlockCache) shard(k cacheKey) *cacheShard {
	h := k.id*0x9e3779b97f4a7c15 ^ k.off*0xff51afd7ed558ccd
	h ^= h >> 29
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 32
	return &c.shards[h&c.mask]
}

// get returns the cached block for k, if present and loaded, and marks it
// most recently used. It does not allocate.
func (c *BlockCache) get(k cacheKey) ([]byte, bool) {
	s := c.shard(k)
	s.mu.Lock()
	e, ok := s.entries[k]
	if !ok || e.loading {
		s.mu.Unlock()
		return nil, false
	}
	s.lru.MoveToFront(e)
	s.stats.Hits++
	s.mu.Unlock()
	return e.data, true
}

// getOrLoad returns the block for k, calling load to produce it if it is
// neither cached nor being loaded by another goroutine. Errors are returned
// to every waiter but are not cached. The returned slice must not be
// modified.
func (c *BlockCache) getOrLoad(k cacheKey, load func() ([]byte, error)) ([]byte, error) {
	s := c.shard(k)
	s.mu.Lock()
	if e, ok := s.entries[k]; ok {
		if !e.loading {
			s.lru.MoveToFront(e)
			s.stats.Hits++
			s.mu.Unlock()
			return e.data, nil
		}
		s.stats.Coalesced++
		s.mu.Unlock()
		<-e.done
		return e.data, e.err
	}
	e := &cacheEntry{key: k, loading: true, done: make(chan struct{})}
	s.entries[k] = e
	s.stats.Misses++
	s.mu.Unlock()

	// Make sure waiters are released even if load panics.
	completed := false
	defer func() {
		if !completed {
			s.mu.Lock()
			delete(s.entries, k)
			s.mu.Unlock()
			e.err = errLoadPanicked
			close(e.done)
		}
	}()
	data, err := load()

	s.mu.Lock()
	e.data, e.err, e.loading = data, err, false
	if err != nil || int64(len(data)) > s.max {
		delete(s.entries, k)
	} else {
		s.lru.PushFront(e)
		s.bytes += int64(len(data))
		s.stats.Entries++
		for s.bytes > s.max && s.lru.Back() != e {
			victim := s.lru.Back()
			s.lru.Remove(victim)
			delete(s.entries, victim.key)
			s.bytes -= int64(len(victim.data))
			s.stats.Entries--
			s.stats.Evictions++
		}
	}
	s.mu.Unlock()
	completed = true
	close(e.done)
	return data, err
}

var errLoadPanicked = corruptf("block load panicked in another goroutine")

// Stats returns a snapshot of the cache's counters. It is zero for a nil
// cache.
func (c *BlockCache) Stats() CacheStats {
	if c == nil {
		return CacheStats{}
	}
	st := CacheStats{MaxBytes: c.max}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Hits += s.stats.Hits
		st.Misses += s.stats.Misses
		st.Coalesced += s.stats.Coalesced
		st.Evictions += s.stats.Evictions
		st.Entries += s.stats.Entries
		st.Bytes += s.bytes
		s.mu.Unlock()
	}
	return st
}

// Purge drops every cached block. Loads in progress are unaffected.
func (c *BlockCache) Purge() {
	if c == nil {
		return
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for e := s.lru.Front(); e != nil; e = s.lru.Next(e) {
			delete(s.entries, e.key)
		}
		s.lru.Clear()
		s.bytes = 0
		s.stats.Entries = 0
		s.mu.Unlock()
	}
}
