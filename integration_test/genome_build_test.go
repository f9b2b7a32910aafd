package integration_test

import (
	"context"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// TestTestGenomeBuild checks the test genome instance: four sequences of
// the report's lengths, each bound to its RefSeq accession in NCBI, and the
// collection its load recorded, which has seqfsTest1.refseq's digest.
func TestTestGenomeBuild(t *testing.T) {
	dir := testGenome(t, false)
	ctx := context.Background()
	src, err := seqrepo.Open(ctx, dir, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, tc := range []struct {
		ac, seqID string
		length    int64
	}{
		{"NC_000020.10", chr20SeqID, 63025520},
		{"NC_001133.9", yeastISeqID, 230218},
		{"NC_001138.5", yeastVISeqID, 270161},
		{"NC_001422.1", phiXSeqID, 5386},
	} {
		recs, err := repo.Collect(src.FindAliases(ctx, repo.AliasQuery{Namespace: "NCBI", Alias: tc.ac}))
		if err != nil || len(recs) != 1 || recs[0].SeqID != tc.seqID {
			t.Errorf("NCBI:%s = %v, %v; want %s", tc.ac, recs, err, tc.seqID)
			continue
		}
		info, err := src.Info(ctx, tc.seqID)
		if err != nil || info.Length != tc.length {
			t.Errorf("%s: length %d, %v; want %d", tc.ac, info.Length, err, tc.length)
		}
	}
	if _, d, err := collectionSource(t, dir).Collection(ctx, "testgenome"); err != nil || d != "qi2RoU0-ei0xy84W5ImZW8NcqFql9Mss" {
		t.Errorf("collection testgenome: %s, %v; want seqfsTest1.refseq's digest", d, err)
	}
}
