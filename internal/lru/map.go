package lru

import "sync"

// Map is a bounded map that drops its least recently used entries to stay
// within a cost limit. It is safe for concurrent use.
type Map[K comparable, V any] struct {
	limit int64
	cost  func(V) int64

	mu    sync.Mutex
	items map[K]*mapEntry[K, V]
	order List[*mapEntry[K, V]]
	used  int64
}

type mapEntry[K comparable, V any] struct {
	Links[*mapEntry[K, V]]
	key  K
	val  V
	cost int64
}

// NewMap returns a Map holding entries of at most limit total cost. cost
// is computed once per value when it is added; nil counts every entry as
// 1, making limit a number of entries. A limit <= 0 makes a Map that stores
// nothing.
func NewMap[K comparable, V any](limit int64, cost func(V) int64) *Map[K, V] {
	if cost == nil {
		cost = func(V) int64 { return 1 }
	}
	return &Map[K, V]{limit: limit, cost: cost, items: make(map[K]*mapEntry[K, V])}
}

// Get returns the value stored under k and marks it most recently used.
func (m *Map[K, V]) Get(k K) (V, bool) {
	return m.GetUnless(k, nil)
}

// GetUnless is Get, except that a value for which stale (if not nil)
// returns true is dropped and reported as missing.
func (m *Map[K, V]) GetUnless(k K, stale func(V) bool) (V, bool) {
	var zero V
	if m.limit <= 0 {
		return zero, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.items[k]
	if !ok {
		return zero, false
	}
	if stale != nil && stale(e.val) {
		m.remove(e)
		return zero, false
	}
	m.order.MoveToFront(e)
	return e.val, true
}

// Add stores v under k as the most recently used entry and drops least
// recently used entries until the total cost is within the limit. A value
// costlier than the limit is not stored (and an older value under k is
// kept).
func (m *Map[K, V]) Add(k K, v V) {
	c := m.cost(v)
	if m.limit <= 0 || c > m.limit {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[k]; ok {
		m.used += c - e.cost
		e.val, e.cost = v, c
		m.order.MoveToFront(e)
	} else {
		e := &mapEntry[K, V]{key: k, val: v, cost: c}
		m.items[k] = e
		m.order.PushFront(e)
		m.used += c
	}
	for m.used > m.limit {
		m.remove(m.order.Back())
	}
}

// Len returns the number of entries.
func (m *Map[K, V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// Clear drops every entry.
func (m *Map[K, V]) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.items)
	m.order.Clear()
	m.used = 0
}

func (m *Map[K, V]) remove(e *mapEntry[K, V]) {
	m.order.Remove(e)
	delete(m.items, e.key)
	m.used -= e.cost
}
