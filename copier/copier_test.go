package copier_test

import (
	"bytes"
	"context"
	"path/filepath"
	"sort"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
)

func aliasSet(t *testing.T, src repo.Source) []string {
	t.Helper()
	var out []string
	for info, err := range src.Sequences(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		for a, err := range src.FindAliases(context.Background(), repo.AliasQuery{SeqID: info.SeqID}) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, a.SeqID+" "+a.String())
		}
	}
	sort.Strings(out)
	return out
}

func TestCopySample(t *testing.T) {
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
	// Same records (the sample's aliases include whole deflines with
	// spaces; they are copied byte for byte).
	got, want := aliasSet(t, w), aliasSet(t, src)
	if len(got) != len(want) || len(got) != 15 {
		t.Fatalf("copied %d alias records, source has %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("alias %d: %s, want %s", i, got[i], want[i])
		}
	}
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		a, _ := repo.Slice(ctx, src, info.SeqID, 0, repo.ToEnd)
		b, err := repo.Slice(ctx, w, info.SeqID, 0, repo.ToEnd)
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("sequence %s differs after copy (%v)", info.SeqID, err)
		}
	}
	// A second copy adds nothing.
	p, err = copier.Copy(ctx, src, w, copier.Options{})
	if err != nil || p.Added != 0 || p.Aliases != 0 {
		t.Fatalf("second copy: %+v, %v", p, err)
	}
}
