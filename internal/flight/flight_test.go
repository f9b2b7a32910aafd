package flight

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCallerCancelDoesNotFailOthers: the caller that started the shared
// work goes away; the others still get the result, and fn ran once.
func TestCallerCancelDoesNotFailOthers(t *testing.T) {
	t.Parallel()
	var g Group[string]
	var runs atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	fn := func(ctx context.Context) (string, error) {
		if runs.Add(1) == 1 {
			close(started)
		}
		select {
		case <-release:
			return "v", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	first, cancelFirst := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := g.Do(first, "k", fn)
		firstErr <- err
	}()
	<-started
	const others = 8
	var wg sync.WaitGroup
	results := make([]string, others)
	errs := make([]error, others)
	joined := make(chan struct{}, others)
	for i := range others {
		wg.Add(1)
		go func() {
			defer wg.Done()
			joined <- struct{}{}
			results[i], errs[i] = g.Do(context.Background(), "k", fn)
		}()
	}
	for range others {
		<-joined
	}
	waitFor(t, func() bool { return waiters(&g, "k") == others+1 })
	cancelFirst()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	wg.Wait()
	for i := range others {
		if errs[i] != nil || results[i] != "v" {
			t.Errorf("waiter %d got %q, %v; want v, nil", i, results[i], errs[i])
		}
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("fn ran %d times, want 1", n)
	}
}

// TestAllCallersGoneCancelsWork: when every caller has gone the work's
// context is cancelled, and the next caller starts a fresh call.
func TestAllCallersGoneCancelsWork(t *testing.T) {
	t.Parallel()
	var g Group[int]
	var runs atomic.Int32
	cancelled := make(chan struct{})
	fn := func(ctx context.Context) (int, error) {
		n := runs.Add(1)
		if n == 1 {
			<-ctx.Done()
			close(cancelled)
			return 0, ctx.Err()
		}
		return int(n), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := g.Do(ctx, "k", fn); done <- err }()
	waitFor(t, func() bool { return runs.Load() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("work not cancelled after its only caller left")
	}
	v, err := g.Do(context.Background(), "k", fn)
	if err != nil || v != 2 {
		t.Fatalf("fresh call = %d, %v; want 2, nil", v, err)
	}
}

// TestValuesKeptDeadlineDropped: fn sees the caller's values but not its
// deadline.
func TestValuesKeptDeadlineDropped(t *testing.T) {
	t.Parallel()
	type key struct{}
	var g Group[bool]
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "x"), time.Hour)
	defer cancel()
	ok, err := g.Do(ctx, "k", func(ctx context.Context) (bool, error) {
		_, hasDeadline := ctx.Deadline()
		return ctx.Value(key{}) == "x" && !hasDeadline, nil
	})
	if err != nil || !ok {
		t.Fatalf("values/deadline not as documented: %v, %v", ok, err)
	}
}

func TestPanicBecomesError(t *testing.T) {
	t.Parallel()
	var g Group[int]
	_, err := g.Do(context.Background(), "k", func(context.Context) (int, error) { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v, want an error naming the panic", err)
	}
	if v, err := g.Do(context.Background(), "k", func(context.Context) (int, error) { return 7, nil }); v != 7 || err != nil {
		t.Fatalf("after panic: %d, %v", v, err)
	}
}

func waiters[V any](g *Group[V], key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c := g.calls[key]; c != nil {
		return c.waiters
	}
	return 0
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
