package rest

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// flakySource is a memSource whose store can be switched off.
type flakySource struct {
	*memSource
	down atomic.Bool
}

func (f *flakySource) Info(ctx context.Context, seqID string) (repo.Info, error) {
	if f.down.Load() {
		return repo.Info{}, repo.Unavailable("redis 10.0.0.9:6379", errors.New("connection refused"))
	}
	return f.memSource.Info(ctx, seqID)
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	src := &flakySource{memSource: newMemSource()}
	srv := New(src, Options{Logger: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	if r := get(t, ts.URL+"/healthz"); r.status != 200 || r.body != "ok\n" {
		t.Errorf("healthy: %d %q", r.status, r.body)
	}
	src.down.Store(true)
	time.Sleep(healthTTL + 10*time.Millisecond)
	r := get(t, ts.URL+"/healthz")
	if r.status != 503 || r.body != string(healthDegraded) {
		t.Errorf("source down: %d %q; want 503 %q", r.status, r.body, healthDegraded)
	}
	src.down.Store(false)
	time.Sleep(healthTTL + 10*time.Millisecond)
	if r := get(t, ts.URL+"/healthz"); r.status != 200 {
		t.Errorf("recovered: %d %q", r.status, r.body)
	}
}
