package rest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestDisconnectDoesNotFailSharedResolution: two clients ask for the same
// unresolved identifier, so they share one resolution; the client whose
// request started it disconnects. The other must get its sequence, not a
// 503 "context canceled".
func TestDisconnectDoesNotFailSharedResolution(t *testing.T) {
	t.Parallel()
	src := newMemSource()
	seq := randSeq(500, 9)
	src.add(seq, true, "NCBI:NC_000009.1")
	release := make(chan struct{})
	var lookups atomic.Int32
	src.findHook = func(ctx context.Context) error {
		lookups.Add(1)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	srv := New(src, Options{Logger: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	url := ts.URL + "/sequence/refseq:NC_000009.1"

	ctx1, disconnect := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx1, "GET", url, nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		first <- err
	}()
	waitUntil(t, func() bool { return lookups.Load() == 1 })

	type result struct {
		status int
		body   string
		err    error
	}
	second := make(chan result, 1)
	go func() {
		res, err := http.Get(url)
		if err != nil {
			second <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		second <- result{res.StatusCode, string(b), err}
	}()
	waitUntil(t, func() bool { return srv.metrics.inFlight.Load() == 2 })

	disconnect()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first client: %v, want its own cancellation", err)
	}
	time.Sleep(50 * time.Millisecond) // let the server notice the disconnect
	close(release)
	r := <-second
	if r.err != nil || r.status != http.StatusOK || r.body != seq {
		t.Fatalf("second client: status %d, err %v, body %.80q; want 200 and the sequence", r.status, r.err, r.body)
	}
	if n := lookups.Load(); n != 1 {
		t.Errorf("%d alias lookups, want 1 shared", n)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 40s")
		}
		time.Sleep(time.Millisecond)
	}
}
