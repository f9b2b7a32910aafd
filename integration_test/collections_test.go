package integration_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/repo"
)

// A FASTA loaded with the real binary becomes a collection that travels
// with snapshot, copy (to Redis and back) and s3-upload, and reads the same
// from every place it lands.
func TestCollectionsEndToEnd(t *testing.T) {
	root := t.TempDir()
	fa := filepath.Join(t.TempDir(), "mini-genome.fa.gz")
	plain := ">chr1 first record\nACGTACGTNN\n>chrM\nggccttaa\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(plain))
	zw.Close()
	if err := os.WriteFile(fa, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		if out, errb, code := seqfs(t, args...); code != 0 {
			t.Fatalf("seqfs %v: exit %d\n%s%s", args, code, out, errb)
		}
	}
	run("-r", root, "init")
	run("-r", root, "load", "-n", "t", fa)
	run("-r", root, "snapshot", "-d", "2024-01-01")
	snap := filepath.Join(root, "2024-01-01")
	t.Cleanup(func() {
		filepath.Walk(snap, func(p string, _ os.FileInfo, _ error) error { return os.Chmod(p, 0o755) })
	})

	rsrv := redistest.Start(t)
	rloc := rsrv.URL() + "?prefix=colls"
	run("copy", snap, rloc)
	back := filepath.Join(t.TempDir(), "back")
	run("copy", rloc, back)

	s3srv := s3test.Start(t)
	s3srv.SetEnv(t)
	s3srv.MakeBucket("seqrepo")
	s3loc := "s3://seqrepo/colls/2024-01-01"
	run("s3-upload", snap, s3loc)

	want := repo.Collection{Names: []string{"chr1", "chrM"}, Lengths: []int64{10, 8}}
	for _, s := range []string{"ACGTACGTNN", "GGCCTTAA"} {
		d, err := repo.ComputeDigests([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		want.SeqIDs = append(want.SeqIDs, d.SeqID)
	}
	ctx := context.Background()
	for _, loc := range []string{filepath.Join(root, "master"), snap, rloc, back, s3loc} {
		t.Run(filepath.Base(loc), func(t *testing.T) {
			src, err := all.Open(ctx, loc)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			cs, err := repo.Collections(src)
			if err != nil {
				t.Fatal(err)
			}
			c, d, err := cs.Collection(ctx, "mini-genome")
			if err != nil {
				t.Fatalf("collection mini-genome in %s: %v", loc, err)
			}
			if d != want.Digest() || !slices.Equal(c.Names, want.Names) || !slices.Equal(c.SeqIDs, want.SeqIDs) || !slices.Equal(c.Lengths, want.Lengths) {
				t.Errorf("%s: mini-genome = %+v (%s), want %+v (%s)", loc, c, d, want, want.Digest())
			}
			infos, err := repo.Collect(cs.Collections(ctx))
			if err != nil || len(infos) != 1 || !slices.Equal(infos[0].Names, []string{"mini-genome"}) || infos[0].Residues != 18 {
				t.Errorf("%s: listing %+v, %v", loc, infos, err)
			}
		})
	}
}
