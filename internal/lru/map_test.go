package lru

import (
	"sync"
	"testing"
)

func TestMapCount(t *testing.T) {
	t.Parallel()
	m := NewMap[string, int](2, nil)
	m.Add("a", 1)
	m.Add("b", 2)
	m.Get("a")
	m.Add("c", 3)
	if _, ok := m.Get("b"); ok || m.Len() != 2 {
		t.Errorf("kept the least recently used entry (len %d)", m.Len())
	}
	if v, ok := m.Get("a"); !ok || v != 1 {
		t.Errorf("Get(a) = %d, %v", v, ok)
	}
	m.Add("a", 10)
	if v, _ := m.Get("a"); v != 10 || m.Len() != 2 {
		t.Errorf("after replacing: Get(a) = %d, len %d", v, m.Len())
	}
	m.Clear()
	if _, ok := m.Get("a"); ok || m.Len() != 0 {
		t.Error("Clear kept entries")
	}
}

func TestMapCost(t *testing.T) {
	t.Parallel()
	m := NewMap[string, string](10, func(s string) int64 { return int64(len(s)) })
	m.Add("a", "xxxx")
	m.Add("b", "xxxx")
	m.Add("big", "xxxxxxxxxxx") // costlier than the limit: not stored
	if _, ok := m.Get("big"); ok {
		t.Error("stored a value costlier than the limit")
	}
	m.Add("c", "xxxx") // evicts a
	if _, ok := m.Get("a"); ok {
		t.Error("kept a")
	}
	m.Add("b", "x") // cheaper now: room for d
	m.Add("d", "xxxx")
	for _, k := range []string{"b", "c", "d"} {
		if _, ok := m.Get(k); !ok {
			t.Errorf("lost %s", k)
		}
	}
}

func TestMapGetUnless(t *testing.T) {
	t.Parallel()
	m := NewMap[string, int](10, nil)
	m.Add("a", 1)
	m.Add("b", -1)
	neg := func(v int) bool { return v < 0 }
	if v, ok := m.GetUnless("a", neg); !ok || v != 1 {
		t.Errorf("GetUnless(a) = %d, %v", v, ok)
	}
	if _, ok := m.GetUnless("b", neg); ok {
		t.Error("GetUnless returned a stale value")
	}
	if m.Len() != 1 {
		t.Errorf("the stale value was kept (len %d)", m.Len())
	}
}

func TestMapDisabled(t *testing.T) {
	t.Parallel()
	m := NewMap[string, int](0, nil)
	m.Add("a", 1)
	if _, ok := m.Get("a"); ok || m.Len() != 0 {
		t.Error("a Map with limit 0 stored a value")
	}
}

func TestMapConcurrent(t *testing.T) {
	t.Parallel()
	m := NewMap[int, int](50, nil)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				k := (i*7 + g) % 100
				if v, ok := m.Get(k); ok && v != k {
					t.Errorf("Get(%d) = %d", k, v)
				}
				m.Add(k, k)
			}
		})
	}
	wg.Wait()
	if n := m.Len(); n > 50 {
		t.Errorf("len %d over the limit", n)
	}
}
