package copier_test

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/seqfs/seqfs/backends/redis"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/internal/sampleinst"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// newInstanceWriter returns a writer on a new, empty SeqRepo instance.
func newInstanceWriter(t *testing.T) *seqrepo.Writer {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "copy")
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		t.Fatal(err)
	}
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestCopyCollections copies an instance holding the sample collections
// into a new SeqRepo instance and into Redis, twice (the second run is a
// no-op), and asks the copies the collection questions.
func TestCopyCollections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, err := seqrepo.Open(ctx, sampleinst.WithCollections(t), seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Closed at cleanup: the parallel subtests below run after this function returns.
	t.Cleanup(func() { src.Close() })
	want := int64(len(repotest.SampleCollections) - 1) // "genome-again" is "genome" under a second name
	for _, tc := range []struct {
		name string
		open func(t *testing.T) repo.Writer
	}{
		{"SeqRepo", func(t *testing.T) repo.Writer { return newInstanceWriter(t) }},
		{"Redis", func(t *testing.T) repo.Writer {
			u, err := url.Parse(redistest.Start(t).URL() + "?prefix=copycoll")
			if err != nil {
				t.Fatal(err)
			}
			w, err := redis.OpenWriter(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			return w
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := tc.open(t)
			defer w.Close()
			for run := range 2 {
				p, err := copier.Copy(ctx, src, w, copier.Options{Verify: true})
				if err != nil {
					t.Fatal(err)
				}
				if p.Collections != want {
					t.Errorf("run %d copied %d collections, want %d", run, p.Collections, want)
				}
			}
			repotest.RunCollections(t, w)
			// Exact copies: the same Added as the source's.
			cw, err := repo.Collections(w)
			if err != nil {
				t.Fatal(err)
			}
			got, err := repo.Collect(cw.Collections(ctx))
			if err != nil {
				t.Fatal(err)
			}
			want, err := repo.Collect(src.Collections(ctx))
			if err != nil || len(got) != len(want) {
				t.Fatalf("listings: %d vs %d, %v", len(got), len(want), err)
			}
			for i := range want {
				if !got[i].Added.Equal(want[i].Added) {
					t.Errorf("collection %s added %v in the copy, %v in the source", want[i].Digest, got[i].Added, want[i].Added)
				}
			}
		})
	}
	t.Run("SourceWithout", func(t *testing.T) {
		t.Parallel()
		plain, err := seqrepo.Open(ctx, sampleinst.Copy(t), seqrepo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer plain.Close()
		w := newInstanceWriter(t)
		defer w.Close()
		if p, err := copier.Copy(ctx, plain, w, copier.Options{}); err != nil || p.Collections != 0 {
			t.Fatalf("copy of an instance without collections: %+v, %v", p, err)
		}
		if _, err := repo.Collect(w.Collections(ctx)); err != nil {
			t.Fatal(err)
		}
	})
}
