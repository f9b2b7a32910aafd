package copier_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo/repotest"
)

func TestCopySample(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, err := seqrepo.Open(ctx, testutil.SampleInstance(), seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := filepath.Join(t.TempDir(), "copy")
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		t.Fatal(err)
	}
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	calls := 0
	p, err := copier.Copy(ctx, src, w, copier.Options{ChunkSize: 10_000, Verify: true, OnProgress: func(copier.Progress) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if p.Sequences != 3 || p.Added != 3 || p.Residues != 230218+5386+270161 || p.Aliases != 3 || calls != 3 {
		t.Fatalf("progress %+v, %d calls", p, calls)
	}
	// The same sequences and records (the sample's aliases include whole
	// deflines with spaces; they are copied byte for byte).
	repotest.SameSource(t, src, w, repotest.SameContent)
	// A second copy adds nothing.
	p, err = copier.Copy(ctx, src, w, copier.Options{})
	if err != nil || p.Added != 0 || p.Aliases != 0 {
		t.Fatalf("second copy: %+v, %v", p, err)
	}
}
