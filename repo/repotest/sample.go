// Package repotest is the conformance suite every repo.Source (backend or
// layer) runs against the bundled sample data (testdata/yeast-phix-2019),
// plus shared benchmarks so sources compare on one table.
//
// A backend runs every suite that applies to it with one call,
// RunBackend, through its repo.Factory: the Source suite (Run) on a store
// holding the sample, RunCollections when the store keeps collections,
// and, for a writable backend, RunWriter (the repo.Writer contract) on new
// stores:
//
//	func TestBackend(t *testing.T) {
//		repotest.RunBackend(t, repotest.Backend{
//			Factory:     mybackend.Factory{},
//			Sample:      openBundledSample,
//			NewLocation: func(t *testing.T) string { return newEmptyStore(t) },
//		})
//	}
//
// A layer (cache, federation) or another source without a factory calls
// Run directly with a function that opens a source holding exactly the
// sample. A source that legitimately cannot answer some questions (a
// network façade that only resolves exact identifiers, say) calls RunWith,
// or gives Backend.Caps, and declares its limits in Caps; every check the
// Caps do not relax stays strict, and relaxed questions must still never
// get a wrong answer.
//
// SameSource compares two sources question by question (a copy with its
// original, one backend with another), and CheckWhole checks what a
// Writer leaves behind however a write ends.
package repotest

import "time"

// SampleSeq describes one sequence of the bundled sample instance.
type SampleSeq struct {
	SeqID     string
	Length    int64
	MD5       string
	SHA1      string
	SEGUID    string
	TestAlias string // the alias in namespace "test": a whole FASTA defline
	Added     time.Time
	Alphabet  string
	// Slices maps a start offset to the 20 residues that begin there
	// (negative keys count from the end and give the last -key residues).
	Slices map[int64]string
}

func at(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Sample lists the sample instance's sequences ordered by seq_id.
var Sample = []SampleSeq{
	{
		SeqID:     "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF",
		Length:    5386,
		MD5:       "3332ed720ac7eaa9b3655c06f6b9e196",
		SHA1:      "34e0042993536ccc41b16410ec942b9d631740ba",
		SEGUID:    "NOAEKZNTbMxBsWQQ7JQrnWMXQLo",
		TestAlias: "NC_001422.1 Enterobacteria phage phiX174 sensu lato, complete genome",
		Added:     at("2019-05-20 15:40:31"),
		Alphabet:  "ACGT",
		Slices:    map[int64]string{0: "GAGTTTTATCGCTTCCATGA", -10: "CCAACCTGCA"},
	},
	{
		SeqID:     "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn",
		Length:    230218,
		MD5:       "6681ac2f62509cfc220d78751b8dc524",
		SHA1:      "498646f731d70d90f9ea264d368c2f938986d4f7",
		SEGUID:    "SYZG9zHXDZD56iZNNowvk4mG1Pc",
		TestAlias: "I Saccharomyces_cerevisiae chromosome:R64-1-1:I:1:230218:1 REF",
		Added:     at("2019-05-20 15:40:27"),
		Alphabet:  "ACGT",
		Slices:    map[int64]string{0: "CCACACCACACCCACACACC", 100000: "GGTATTATTTTTTTTTTTTT"},
	},
	{
		SeqID:     "z-qJgWoacRBV77zcMgZN9E_utrdzmQsH",
		Length:    270161,
		MD5:       "b7ebc601f9a7df2e1ec5863deeae88a3",
		SHA1:      "28241430a190769c5991a9686403205f224caf0c",
		SEGUID:    "KCQUMKGQdpxZkaloZAMgXyJMrww",
		TestAlias: "VI Saccharomyces_cerevisiae chromosome:R64-1-1:VI:1:270161:1 REF",
		Added:     at("2019-05-20 15:40:34"),
		Alphabet:  "ACGT",
		Slices:    map[int64]string{0: "GATCTCGCAAGTGCATTCCT", 100000: "CCCTTGGCACTAAACGGTTG"},
	},
}

// SampleNamespaces are the sample's namespaces, sorted.
var SampleNamespaces = []string{"MD5", "SEGUID", "SHA1", "VMC", "test"}

// SampleSeqByID returns the sample sequence with the given seq_id.
func SampleSeqByID(id string) (SampleSeq, bool) {
	for _, s := range Sample {
		if s.SeqID == id {
			return s, true
		}
	}
	return SampleSeq{}, false
}
