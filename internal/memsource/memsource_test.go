package memsource_test

import (
	"context"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/memsource"
	"github.com/seqfs/seqfs/internal/sampleinst"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// loadDir returns a memsource holding a copy of the instance at dir.
func loadDir(t *testing.T, dir string) *memsource.Source {
	t.Helper()
	ctx := context.Background()
	inst, err := seqrepo.Open(ctx, dir, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	s, err := memsource.Load(ctx, inst)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The in-memory source answers the conformance questions like the SeqRepo
// instance it was loaded from, collections included, whether they are
// stored through StoreCollection or copied by Load.
func TestConformance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("Stored", func(t *testing.T) {
		t.Parallel()
		repotest.Run(t, func(t *testing.T) repo.Source {
			s := loadDir(t, testutil.SampleInstance())
			if err := repotest.StoreSampleCollections(ctx, s); err != nil {
				t.Fatal(err)
			}
			repotest.RunCollections(t, s)
			return s
		})
	})
	t.Run("Loaded", func(t *testing.T) {
		t.Parallel()
		s := loadDir(t, sampleinst.WithCollections(t))
		repotest.RunCollections(t, s)
	})
}
