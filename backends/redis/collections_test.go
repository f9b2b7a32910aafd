package redis

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// TestCollections stores the sample collections through the Redis writer
// (single server and Cluster) and asks the collection questions, then
// checks what the writer refuses.
func TestCollections(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		start func(testing.TB) string
	}{
		{"Single", func(t testing.TB) string { return redistest.Start(t).URL() }},
		{"Cluster", func(t testing.TB) string { return redistest.StartCluster(t).URL() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			loc := loadSample(t, tc.start(t), true)
			u, _ := url.Parse(loc)
			w, err := OpenWriterOptions(ctx, mustOptions(t, u))
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if err := repotest.StoreSampleCollections(ctx, w); err != nil {
				t.Fatal(err)
			}
			if _, _, err := w.Collection(ctx, "genome"); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("staged collection visible before Commit: %v", err)
			}
			if err := w.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			repotest.Run(t, func(t *testing.T) repo.Source {
				src, err := repotest.OpenVia(ctx, Factory{}, loc)
				if err != nil {
					t.Fatal(err)
				}
				repotest.RunCollections(t, src)
				return src
			})
			missing := repo.Collection{Names: []string{"a"}, SeqIDs: []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, Lengths: []int64{1}}
			if _, err := w.StoreCollection(ctx, "x", missing); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("collection of a missing sequence: %v", err)
			}
			dup := repotest.SampleCollections[0].Coll
			dup.Names = []string{"a", "a", "b"}
			if _, err := w.StoreCollection(ctx, "x", dup); err == nil {
				t.Error("collection with a repeated name stored")
			}
		})
	}
}

func mustOptions(t *testing.T, u *url.URL) Options {
	t.Helper()
	o, err := ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
