// Package flight coalesces concurrent calls for the same key into one
// ("singleflight") without letting one caller's cancellation fail the
// others.
//
// The shared work runs with a context detached from every caller's
// cancellation (it keeps the first caller's values, not its deadline). That
// context is cancelled only when every caller waiting for the result has
// gone, so a client that disconnects never turns into "context canceled"
// for the requests sharing its work, and work nobody waits for any more is
// stopped. Each caller stops waiting as soon as its own context ends.
package flight

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Group runs at most one call per key at a time. The zero value is ready
// to use; a Group must not be copied after first use.
type Group[V any] struct {
	mu    sync.Mutex
	calls map[string]*call[V]
}

type call[V any] struct {
	done    chan struct{}
	val     V
	err     error
	waiters int // callers still waiting; guarded by Group.mu
	cancel  context.CancelFunc
}

// Do returns the result of fn for key, running fn at most once for all
// callers that ask for the same key while it runs. fn gets a context that
// carries the values of the caller that started it and is cancelled only
// when all callers have stopped waiting. Do returns ctx.Err() when ctx ends
// before the result is ready. A panic in fn becomes an error for every
// caller instead of ending the process.
func (g *Group[V]) Do(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = make(map[string]*call[V])
	}
	c, joined := g.calls[key]
	if joined {
		c.waiters++
	} else {
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &call[V]{done: make(chan struct{}), waiters: 1, cancel: cancel}
		g.calls[key] = c
		go g.run(wctx, key, c, fn)
	}
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
	}
	g.mu.Lock()
	c.waiters--
	if c.waiters == 0 {
		select {
		case <-c.done:
		default:
			// Nobody waits any more: stop the work, and let a later
			// caller start afresh rather than join a cancelled call.
			c.cancel()
			if g.calls[key] == c {
				delete(g.calls, key)
			}
		}
	}
	g.mu.Unlock()
	var zero V
	return zero, ctx.Err()
}

// run executes fn for c and publishes its result.
func (g *Group[V]) run(ctx context.Context, key string, c *call[V], fn func(context.Context) (V, error)) {
	defer c.cancel()
	func() {
		defer func() {
			if r := recover(); r != nil {
				c.err = fmt.Errorf("shared call %q panicked: %v\n%s", key, r, debug.Stack())
			}
		}()
		c.val, c.err = fn(ctx)
	}()
	g.mu.Lock()
	if g.calls[key] == c {
		delete(g.calls, key)
	}
	g.mu.Unlock()
	close(c.done)
}
