package lru

import (
	"slices"
	"testing"
)

type item struct {
	Links[*item]
	v int
}

func order(l *List[*item]) []int {
	var fwd []int
	for e := l.Front(); e != nil; e = l.Next(e) {
		fwd = append(fwd, e.v)
	}
	var back []int
	for e := l.Back(); e != nil; e = l.Prev(e) {
		back = append(back, e.v)
	}
	slices.Reverse(back)
	if !slices.Equal(fwd, back) {
		panic("forward and backward orders differ")
	}
	return fwd
}

func TestList(t *testing.T) {
	t.Parallel()
	var l List[*item]
	if l.Front() != nil || l.Back() != nil {
		t.Fatal("zero List is not empty")
	}
	l.Clear()
	items := make([]*item, 4)
	for i := range items {
		items[i] = &item{v: i}
		l.PushFront(items[i])
	}
	check := func(want ...int) {
		t.Helper()
		if got := order(&l); !slices.Equal(got, want) {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	check(3, 2, 1, 0)
	l.MoveToFront(items[1])
	check(1, 3, 2, 0)
	l.MoveToFront(items[1])
	check(1, 3, 2, 0)
	l.MoveToFront(items[0])
	check(0, 1, 3, 2)
	l.Remove(items[2])
	check(0, 1, 3)
	l.Remove(items[0])
	check(1, 3)
	l.PushFront(items[2])
	check(2, 1, 3)
	l.Clear()
	check()
	if items[1].prev != nil || items[1].next != nil {
		t.Error("Clear left links set")
	}
	l.PushFront(items[3])
	check(3)
	l.Remove(items[3])
	check()
}

func TestListMoveAllocs(t *testing.T) {
	var l List[*item]
	items := []*item{{v: 0}, {v: 1}, {v: 2}}
	for _, e := range items {
		l.PushFront(e)
	}
	i := 0
	if n := testing.AllocsPerRun(100, func() {
		l.MoveToFront(items[i%len(items)])
		back := l.Back()
		l.Remove(back)
		l.PushFront(back)
		i++
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}
