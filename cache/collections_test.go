package cache

import (
	"context"
	"errors"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/sampleinst"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// TestCollectionsPassThrough runs the collection questions through the
// cache over an instance holding the sample collections, and checks that
// a cache over a source without collections says so (ErrUnsupported).
func TestCollectionsPassThrough(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := sampleinst.WithCollections(t)
	repotest.Run(t, func(t *testing.T) repo.Source {
		inst, err := seqrepo.Open(ctx, dir, seqrepo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(inst, Options{Dir: t.TempDir(), MaxBytes: 64 << 20, BlockSize: 4096})
		if err != nil {
			t.Fatal(err)
		}
		repotest.RunCollections(t, c)
		return c
	})

	c, err := New(nopClose{openSample(t)}, Options{Dir: t.TempDir(), MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.Collection(ctx, "genome"); !errors.Is(err, repo.ErrUnsupported) {
		t.Errorf("Collection over a source without collections = %v, want ErrUnsupported", err)
	}
	for _, err := range c.Collections(ctx) {
		if !errors.Is(err, repo.ErrUnsupported) {
			t.Errorf("Collections over a source without collections = %v, want ErrUnsupported", err)
		}
	}
}
