package federation

import (
	"container/heap"
	"iter"
)

// mergeSorted merges streams that are each sorted by cmp into one sorted
// stream, holding one pending item per stream. A stream's error is passed to
// onErr with the stream's index; if onErr returns a non-nil error it is
// yielded and the merge stops, otherwise that stream is dropped and the merge
// goes on without it.
func mergeSorted[T any](streams []iter.Seq2[T, error], cmp func(a, b T) int, onErr func(i int, err error) error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		h := &mergeHeap[T]{cmp: cmp}
		var stops []func()
		defer func() {
			for _, stop := range stops {
				stop()
			}
		}()
		// advance pulls the next item of stream i into the heap; it returns
		// a fatal error if onErr says so.
		advance := func(i int, next func() (T, error, bool)) error {
			v, err, ok := next()
			if !ok {
				return nil
			}
			if err != nil {
				return onErr(i, err)
			}
			heap.Push(h, mergeItem[T]{v: v, src: i, next: next})
			return nil
		}
		for i, s := range streams {
			next, stop := iter.Pull2(s)
			stops = append(stops, stop)
			if err := advance(i, next); err != nil {
				var zero T
				yield(zero, err)
				return
			}
		}
		for h.Len() > 0 {
			it := heap.Pop(h).(mergeItem[T])
			if !yield(it.v, nil) {
				return
			}
			if err := advance(it.src, it.next); err != nil {
				var zero T
				yield(zero, err)
				return
			}
		}
	}
}

type mergeItem[T any] struct {
	v    T
	src  int
	next func() (T, error, bool)
}

type mergeHeap[T any] struct {
	items []mergeItem[T]
	cmp   func(a, b T) int
}

func (h *mergeHeap[T]) Len() int { return len(h.items) }
func (h *mergeHeap[T]) Less(i, j int) bool {
	if c := h.cmp(h.items[i].v, h.items[j].v); c != 0 {
		return c < 0
	}
	return h.items[i].src < h.items[j].src // earlier source first on ties
}
func (h *mergeHeap[T]) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap[T]) Push(x any)    { h.items = append(h.items, x.(mergeItem[T])) }
func (h *mergeHeap[T]) Pop() any {
	n := len(h.items) - 1
	it := h.items[n]
	h.items = h.items[:n]
	return it
}
