package main

import (
	"strings"
	"testing"

	"github.com/seqfs/seqfs/collectionfile"
	"github.com/seqfs/seqfs/repo"
)

func TestDescribeCollection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"GRCh38.p14.primary.ucsc"}, "GRCh38.p14 primary assembly, UCSC names (GRCh38.p14.primary.ucsc)"},
		{[]string{"GRCh38.p14.refseq"}, "GRCh38.p14, RefSeq names (GRCh38.p14.refseq)"},
		{[]string{"GRCh38.p14.primary"}, "GRCh38.p14 primary assembly (GRCh38.p14.primary)"},
		{[]string{"GRCh38.p14"}, "GRCh38.p14"},
		{[]string{"chr20"}, "chr20"},
		{[]string{".ucsc"}, ".ucsc"},
		{nil, "collection D"},
	}
	for _, tt := range tests {
		if got := describeCollection(repo.CollectionInfo{Digest: "D", Names: tt.names}); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.names, got, tt.want)
		}
	}
}

func TestIdentifyOne(t *testing.T) {
	t.Parallel()
	ids := []string{"iYtREV555dUFKg2_agSJW6suquUyPpMw", "YBbVX0dLKG1ieEDCiMmkrTZFt_Z5Vdaj", "AcLxtBuKEPk_7PGE_H4dGElwZHCujwH6",
		"2YnepKM7OkBoOrKmvHbGqguVfF9amCST", "lwDyBi432Py-7xnAISyQlnlhWDEaBPv2"}
	stored := repo.Collection{Names: []string{"chr1", "chr2", "chr3"}, SeqIDs: ids[:3], Lengths: []int64{8, 4, 4}}
	info := repo.CollectionInfo{Digest: stored.Digest(), Names: []string{"asm.primary.ucsc"}}
	fasta := func(names []string, seqs []string, lengths []int64) *collectionfile.File {
		return &collectionfile.File{Format: collectionfile.FormatFASTA, Names: names, SeqIDs: seqs, Lengths: lengths}
	}
	fai := func(names []string, lengths []int64) *collectionfile.File {
		return &collectionfile.File{Format: collectionfile.FormatFai, Names: names, Lengths: lengths}
	}
	const desc = "asm primary assembly, UCSC names (asm.primary.ucsc)"
	tests := []struct {
		name string
		f    *collectionfile.File
		rank int
		want string // "" for no match
	}{
		{"identical", fasta(stored.Names, stored.SeqIDs, stored.Lengths), 0, desc + ": identical"},
		{"reordered", fasta([]string{"chr2", "chr1", "chr3"}, []string{ids[1], ids[0], ids[2]}, []int64{4, 8, 4}), 1,
			desc + ": the same sequences and names in another order"},
		{"renamed", fasta([]string{"1", "2", "3"}, ids[:3], []int64{8, 4, 4}), 1, desc + ": the same sequences with other names"},
		{"decoys", fasta([]string{"chr1", "chr2", "chr3", "d1", "d2"}, ids, []int64{8, 4, 4, 1, 1}), 2,
			desc + ", 2 extra sequences (d1, d2): its sequences all match"},
		{"part", fasta([]string{"chr1"}, ids[:1], []int64{8}), 2, desc + ", 2 missing sequences (chr2, chr3): the sequences present match"},
		{"other sequences", fasta([]string{"chr1", "chr2", "chr3"}, []string{ids[3], ids[4], ids[3]}, []int64{8, 4, 4}), 3,
			desc + ": the same names and lengths (coordinate system), but the sequences differ"},
		{"fai", fai(stored.Names, stored.Lengths), 3, desc + ": the same names and lengths (coordinate system); sequences not compared"},
		{"fai reordered", fai([]string{"chr3", "chr1", "chr2"}, []int64{4, 8, 4}), 3,
			desc + ": the same names and lengths (coordinate system) in another order; sequences not compared"},
		{"fai plus", fai([]string{"chr1", "chr2", "chr3", "chrM"}, []int64{8, 4, 4, 16}), 4,
			desc + ", 1 extra sequence (chrM): its names and lengths all match; sequences not compared"},
		{"fai other lengths", fai([]string{"chr1", "chr2"}, []int64{9, 9}), 0, ""},
		{"overlap both ways", fai([]string{"chr1", "chrM"}, []int64{8, 16}), 0, ""},
	}
	for _, tt := range tests {
		var sc *repo.Seqcol
		if tt.f.SeqIDs != nil {
			sc = repo.NewSeqcol(repo.Collection{Names: tt.f.Names, SeqIDs: tt.f.SeqIDs, Lengths: tt.f.Lengths})
		} else {
			sc, _ = repo.NewCoordinateSeqcol(tt.f.Names, tt.f.Lengths)
		}
		m, ok := identifyOne(tt.f, sc, tt.f.SeqIDs, stored, info)
		if tt.want == "" {
			if ok {
				t.Errorf("%s: matched: %s", tt.name, m.text)
			}
			continue
		}
		if !ok || m.text != tt.want || m.rank != tt.rank {
			t.Errorf("%s: %v rank %d %q,\nwant rank %d %q", tt.name, ok, m.rank, m.text, tt.rank, tt.want)
		}
	}
	if got := countNames([]string{"a", "b", "c", "d"}, "extra"); !strings.HasSuffix(got, "(a, b, c, …)") {
		t.Errorf("countNames: %q", got)
	}
}
