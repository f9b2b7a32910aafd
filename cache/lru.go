package cache

import (
	ilru "github.com/seqfs/seqfs/internal/lru"
)

// lru is a bounded least-recently-used map split into shards so that
// concurrent readers rarely contend. Each shard holds at most cap/shards
// cost units; cost is computed once per value when it is added.
type lru[K comparable, V any] struct {
	shards []*ilru.Map[K, V]
	hash   func(K) uint64
}

// newLRU returns an LRU holding about limit cost units in total over n
// shards (n a power of two). A limit ≤ 0 makes an LRU that stores nothing.
func newLRU[K comparable, V any](limit int64, n int, hash func(K) uint64, cost func(V) int64) *lru[K, V] {
	l := &lru[K, V]{shards: make([]*ilru.Map[K, V], n), hash: hash}
	for i := range l.shards {
		l.shards[i] = ilru.NewMap[K](limit/int64(n), cost)
	}
	return l
}

func (l *lru[K, V]) shard(k K) *ilru.Map[K, V] {
	return l.shards[l.hash(k)&uint64(len(l.shards)-1)]
}

// get returns the value for k and marks it most recently used.
func (l *lru[K, V]) get(k K) (V, bool) { return l.shard(k).Get(k) }

// add stores v under k, evicting least recently used values to stay within
// the shard's limit. A value costlier than the whole shard is not stored.
func (l *lru[K, V]) add(k K, v V) { l.shard(k).Add(k, v) }

// clear drops everything.
func (l *lru[K, V]) clear() {
	for _, s := range l.shards {
		s.Clear()
	}
}
