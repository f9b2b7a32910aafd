package cache

import (
	"container/list"
	"sync"
)

// lru is a bounded least-recently-used map split into shards so that
// concurrent readers rarely contend. Each shard holds at most cap/shards
// cost units; cost is computed once per value when it is added.
type lru[K comparable, V any] struct {
	shards []lruShard[K, V]
	hash   func(K) uint64
	cost   func(V) int64
}

type lruShard[K comparable, V any] struct {
	mu    sync.Mutex
	items map[K]*list.Element
	order list.List // front = most recent
	used  int64
	limit int64
}

type lruItem[K comparable, V any] struct {
	key  K
	val  V
	cost int64
}

// newLRU returns an LRU holding about limit cost units in total over n
// shards (n a power of two). A limit ≤ 0 makes an LRU that stores nothing.
func newLRU[K comparable, V any](limit int64, n int, hash func(K) uint64, cost func(V) int64) *lru[K, V] {
	l := &lru[K, V]{shards: make([]lruShard[K, V], n), hash: hash, cost: cost}
	for i := range l.shards {
		l.shards[i].items = make(map[K]*list.Element)
		l.shards[i].limit = limit / int64(n)
	}
	return l
}

func (l *lru[K, V]) shard(k K) *lruShard[K, V] {
	return &l.shards[l.hash(k)&uint64(len(l.shards)-1)]
}

// get returns the value for k and marks it most recently used.
func (l *lru[K, V]) get(k K) (V, bool) {
	s := l.shard(k)
	s.mu.Lock()
	e, ok := s.items[k]
	if !ok {
		s.mu.Unlock()
		var zero V
		return zero, false
	}
	s.order.MoveToFront(e)
	v := e.Value.(*lruItem[K, V]).val
	s.mu.Unlock()
	return v, true
}

// add stores v under k, evicting least recently used values to stay within
// the shard's limit. A value costlier than the whole shard is not stored.
func (l *lru[K, V]) add(k K, v V) {
	c := l.cost(v)
	s := l.shard(k)
	if c > s.limit {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[k]; ok {
		it := e.Value.(*lruItem[K, V])
		s.used += c - it.cost
		it.val, it.cost = v, c
		s.order.MoveToFront(e)
	} else {
		s.items[k] = s.order.PushFront(&lruItem[K, V]{key: k, val: v, cost: c})
		s.used += c
	}
	for s.used > s.limit {
		e := s.order.Back()
		it := e.Value.(*lruItem[K, V])
		s.order.Remove(e)
		delete(s.items, it.key)
		s.used -= it.cost
	}
}

// clear drops everything.
func (l *lru[K, V]) clear() {
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		clear(s.items)
		s.order.Init()
		s.used = 0
		s.mu.Unlock()
	}
}
