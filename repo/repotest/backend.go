package repotest

import (
	"context"
	"errors"
	"testing"

	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/repo"
)

// Backend is a backend under test for RunBackend: its factory, the
// settings its stores need, and where its stores are.
type Backend struct {
	// Factory is the backend. Every store is opened through it, as a
	// program opens it from a URL.
	Factory repo.Factory
	// Settings are given to every Open and OpenWriter.
	Settings repo.Settings
	// Caps declares what its sources cannot answer (see RunWith).
	Caps Caps

	// SampleLocation returns the location of a store that already holds
	// the bundled sample instance, for a backend whose stores RunBackend
	// cannot write (a façade over a server). When nil, the Factory must
	// be a repo.WriterFactory: RunBackend opens a writer on NewLocation
	// and copies Sample into it, with the sample collections when the
	// writer stores collections.
	SampleLocation func(t *testing.T) string
	// SampleCollections declares that the store of SampleLocation holds
	// the sample collections (StoreSampleCollections), so that
	// RunCollections runs on it.
	SampleCollections bool
	// Sample returns a source holding the bundled sample instance (the
	// caller opens testdata/yeast-phix-2019 with the seqrepo backend; this
	// package cannot import it). Needed when SampleLocation is nil.
	Sample func(t *testing.T) repo.Source
	// NewLocation returns the location of a new, empty store. A
	// WriterFactory needs it: its stores are written by RunWriter too.
	NewLocation func(t *testing.T) string

	// AtomicCommit and FailCommits describe the stores to RunWriter (see
	// WriterStore); FailCommits gets the store's location.
	AtomicCommit bool
	FailCommits  func(t *testing.T, location string)
}

// RunBackend runs every conformance suite that applies to a backend, each
// through its Factory: the Source suite (RunWith) and, when the store holds
// collections, RunCollections on a store holding the sample; and, for a
// repo.WriterFactory, the Writer contract suite (RunWriter) on new stores.
// It is the one call a backend's tests make:
//
//	func TestBackend(t *testing.T) {
//		repotest.RunBackend(t, repotest.Backend{
//			Factory:     mybackend.Factory{},
//			Sample:      openBundledSample,
//			NewLocation: func(t *testing.T) string { return "my://" + t.TempDir() },
//		})
//	}
func RunBackend(t *testing.T, b Backend) {
	t.Helper()
	wf, writable := b.Factory.(repo.WriterFactory)
	if writable && b.NewLocation == nil {
		t.Fatalf("backend %s is writable: Backend.NewLocation is required", b.Factory.Name())
	}
	if b.SampleLocation == nil && (!writable || b.Sample == nil) {
		t.Fatalf("backend %s: Backend needs SampleLocation, or Sample and a writable factory", b.Factory.Name())
	}
	open := func(t *testing.T, loc string) (repo.Source, error) {
		reg, err := repo.NewRegistry(b.Factory)
		if err != nil {
			t.Fatal(err)
		}
		return reg.Open(context.Background(), loc, b.Settings)
	}
	loc, colls := "", b.SampleCollections
	if b.SampleLocation != nil {
		loc = b.SampleLocation(t)
	} else {
		loc = b.NewLocation(t)
		colls = writeSample(t, wf, loc, b)
	}
	mustOpen := func(t *testing.T) repo.Source {
		t.Helper()
		src, err := open(t, loc)
		if err != nil {
			t.Fatalf("open the sample store %s: %v", loc, err)
		}
		t.Cleanup(func() { src.Close() })
		return src
	}
	t.Run("Source", func(t *testing.T) { RunWith(t, mustOpen, b.Caps) })
	if colls {
		t.Run("Collections", func(t *testing.T) { RunCollections(t, mustOpen(t)) })
	}
	if !writable {
		return
	}
	t.Run("Writer", func(t *testing.T) {
		RunWriter(t, func(t *testing.T) WriterStore {
			loc := b.NewLocation(t)
			u, err := repo.ParseLocation(loc)
			if err != nil {
				t.Fatal(err)
			}
			s := WriterStore{
				OpenWriter: func(t *testing.T) repo.Writer {
					w, err := wf.OpenWriter(context.Background(), u, b.Settings)
					if err != nil {
						t.Fatalf("open a writer on %s: %v", loc, err)
					}
					return w
				},
				OpenSource:   func(t *testing.T) (repo.Source, error) { return open(t, loc) },
				AtomicCommit: b.AtomicCommit,
			}
			if b.FailCommits != nil {
				s.FailCommits = func(t *testing.T) { b.FailCommits(t, loc) }
			}
			return s
		})
	})
}

// writeSample copies the sample into the store at loc through the
// factory's writer, with the sample collections when the writer stores
// collections, and reports whether it stored them.
func writeSample(t *testing.T, wf repo.WriterFactory, loc string, b Backend) bool {
	t.Helper()
	ctx := context.Background()
	u, err := repo.ParseLocation(loc)
	if err != nil {
		t.Fatal(err)
	}
	w, err := wf.OpenWriter(ctx, u, b.Settings)
	if err != nil {
		t.Fatalf("open a writer on %s: %v", loc, err)
	}
	defer w.Close()
	src := b.Sample(t)
	if _, err := copier.Copy(ctx, src, w, copier.Options{Verify: true}); err != nil {
		t.Fatalf("copy the sample into %s: %v", loc, err)
	}
	cw, colls := w.(repo.CollectionWriter)
	if colls {
		switch err := StoreSampleCollections(ctx, cw); {
		case errors.Is(err, repo.ErrUnsupported):
			colls = false
		case err != nil:
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatalf("commit the sample into %s: %v", loc, err)
	}
	return colls
}
