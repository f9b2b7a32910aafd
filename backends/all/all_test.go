package all_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
)

// TestRegistry checks that the built-in list is consistent and that each
// scheme reaches its backend.
func TestRegistry(t *testing.T) {
	t.Parallel()
	r := all.Registry()
	want := []string{"file", "http", "https", "redis", "redis+cluster", "redis+sentinel", "redis+unix", "refget+http", "refget+https",
		"rediss", "rediss+cluster", "rediss+sentinel", "s3", "seqrepo+http", "seqrepo+https"}
	got := r.Schemes()
	for _, s := range want {
		if f, _, err := r.Factory(s + "://h/x"); err != nil || f == nil {
			t.Errorf("scheme %s: %v", s, err)
		}
	}
	if len(got) != len(want) {
		t.Errorf("schemes %v, want %d of them", got, len(want))
	}
	names := map[string]bool{}
	for _, s := range r.Settings() {
		names[s.Name] = true
	}
	for _, n := range []string{"s3-endpoint", "s3-region", "s3-stats"} {
		if !names[n] {
			t.Errorf("setting %s missing from %v", n, r.Settings())
		}
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, err := all.Open(ctx, testutil.SampleInstance())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if nss, err := src.Namespaces(ctx); err != nil || len(nss) == 0 {
		t.Errorf("namespaces %v, %v", nss, err)
	}
	tests := []struct {
		loc     string
		is      error
		mention string
	}{
		{"gopher://x/y", nil, `unknown source scheme "gopher"`},
		{"", nil, "empty source location"},
	}
	for _, tc := range tests {
		_, err := all.Open(ctx, tc.loc)
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("open %q: %v, want mention of %q", tc.loc, err, tc.mention)
		}
	}
	_, err = all.OpenWriter(ctx, "refget+http://127.0.0.1:1/")
	if !errors.Is(err, repo.ErrReadOnly) || !strings.Contains(err.Error(), "writable: file, redis") {
		t.Errorf("OpenWriter refget: %v", err)
	}
	_, err = all.OpenWriter(ctx, "https://127.0.0.1:1/x")
	if !errors.Is(err, repo.ErrReadOnly) {
		t.Errorf("OpenWriter https: %v", err)
	}
}
