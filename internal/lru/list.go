// Package lru holds the least-recently-used bookkeeping of the process's
// bounded caches: List, an intrusive doubly-linked list whose elements carry
// their own links, so that inserting, moving or dropping an element never
// allocates, for caches that manage their own entries and locking; and Map,
// a cost-bounded, mutex-protected LRU map built on it.
package lru

// Links are the list pointers of one element. A type E becomes a list
// element by embedding Links[*E]; *E then satisfies Elem[*E].
type Links[P any] struct {
	prev, next *Links[P]
	elem       P // the element these links belong to; nil in a list's root
}

func (n *Links[P]) links() *Links[P] { return n }

// Elem is satisfied by pointers to structs that embed Links.
type Elem[P any] interface {
	comparable
	links() *Links[P]
}

// List orders elements from the most recently used (the front) to the least
// recently used (the back). The zero value is an empty list; a List must not
// be copied once used. An element is on at most one list at a time; Remove
// and MoveToFront must only be given elements that are on the list. A List is
// not safe for concurrent use.
type List[P Elem[P]] struct {
	root Links[P] // sentinel: root.next is the front, root.prev the back
}

// Front returns the most recently used element, or nil.
func (l *List[P]) Front() P {
	if l.root.next == nil {
		return l.root.elem
	}
	return l.root.next.elem
}

// Back returns the least recently used element, or nil.
func (l *List[P]) Back() P {
	if l.root.prev == nil {
		return l.root.elem
	}
	return l.root.prev.elem
}

// Next returns the element after e (less recently used), or nil.
func (l *List[P]) Next(e P) P { return e.links().next.elem }

// Prev returns the element before e (more recently used), or nil.
func (l *List[P]) Prev(e P) P { return e.links().prev.elem }

// PushFront inserts e, which must not be on a list, at the front.
func (l *List[P]) PushFront(e P) {
	if l.root.next == nil {
		l.root.next, l.root.prev = &l.root, &l.root
	}
	n := e.links()
	n.elem = e
	l.insertFront(n)
}

// Remove takes e off the list.
func (l *List[P]) Remove(e P) { unlink(e.links()) }

// MoveToFront marks e as the most recently used element.
func (l *List[P]) MoveToFront(e P) {
	n := e.links()
	if l.root.next == n {
		return
	}
	unlink(n)
	l.insertFront(n)
}

// Clear takes every element off the list.
func (l *List[P]) Clear() {
	if l.root.next == nil {
		return
	}
	for n := l.root.next; n != &l.root; {
		next := n.next
		n.prev, n.next = nil, nil
		n = next
	}
	l.root.next, l.root.prev = &l.root, &l.root
}

func (l *List[P]) insertFront(n *Links[P]) {
	n.prev = &l.root
	n.next = l.root.next
	l.root.next.prev = n
	l.root.next = n
}

func unlink[P any](n *Links[P]) {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.prev, n.next = nil, nil
}
