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

// TestRegistry checks that the built-in list is consistent: every scheme
// reaches its backend and every setting is offered.
func TestRegistry(t *testing.T) {
	t.Parallel()
	r := all.Registry()
	settings := map[string]bool{}
	for _, s := range r.Settings() {
		settings[s.Name] = true
	}
	for _, f := range all.Factories() {
		for _, s := range f.Schemes() {
			got, _, err := r.Factory(s + "://h/x")
			if err != nil || got.Name() != f.Name() {
				t.Errorf("scheme %s: %v, %v; want backend %s", s, got, err, f.Name())
			}
		}
		for _, s := range f.Settings() {
			if !settings[s.Name] {
				t.Errorf("setting %s of %s missing from the registry", s.Name, f.Name())
			}
		}
	}
	if f, _, err := r.Factory("/plain/path"); err != nil || f.Name() != "seqrepo" {
		t.Errorf("a plain path opens with %v, %v; want seqrepo", f, err)
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
