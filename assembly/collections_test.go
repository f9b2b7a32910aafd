package assembly

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testGenome is the test genome's assembly and what its instance holds.
func testGenome(t *testing.T) (*Assembly, map[string]Member) {
	t.Helper()
	a, err := ReadReport(filepath.Join("..", "testdata", "genome", "test_assembly_report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return a, map[string]Member{
		"NC_000020.10": {"iy_UbUrvECxFRX5LPTH_KPojdlT7BKsf", 63025520},
		"NC_001133.9":  {"lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn", 230218},
		"NC_001138.5":  {"z-qJgWoacRBV77zcMgZN9E_utrdzmQsH", 270161},
		"NC_001422.1":  {"IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", 5386},
	}
}

func TestCollections(t *testing.T) {
	t.Parallel()
	all := []string{"seqfsTest1", "seqfsTest1.ucsc", "seqfsTest1.refseq", "seqfsTest1.genbank",
		"seqfsTest1.primary", "seqfsTest1.primary.ucsc", "seqfsTest1.primary.refseq", "seqfsTest1.primary.genbank"}
	tests := []struct {
		name    string
		edit    func(a *Assembly, held map[string]Member)
		made    []string
		skipped []string // substrings, one per skipped message, in order
	}{
		{"complete", nil, all, nil},
		{"non-primary sequence missing", func(a *Assembly, held map[string]Member) { delete(held, "NC_001422.1") },
			all[4:], []string{"seqfsTest1: the instance lacks 1 of its 4 sequences (phiX (NC_001422.1))"}},
		{"primary sequence missing", func(a *Assembly, held map[string]Member) { delete(held, "NC_000020.10") },
			nil, []string{"seqfsTest1: the instance lacks 1 of its 4", "seqfsTest1.primary: the instance lacks 1 of its 3 sequences (20 (NC_000020.10))"}},
		{"no RefSeq accession", func(a *Assembly, held map[string]Member) { a.Sequences[3].RefSeqAC = "" },
			all[4:], []string{"phiX (no RefSeq accession)"}},
		{"a UCSC name missing", func(a *Assembly, held map[string]Member) { a.Sequences[1].Aliases = nil },
			[]string{all[0], all[2], all[3], all[4], all[6], all[7]},
			[]string{"seqfsTest1.ucsc: 1 of 4 sequences have no UCSC-style name (I)", "seqfsTest1.primary.ucsc: 1 of 3"}},
		{"UCSC names shared", func(a *Assembly, held map[string]Member) { a.Sequences[2].Aliases = []string{"chrI"} },
			[]string{all[0], all[2], all[3], all[4], all[6], all[7]},
			[]string{"seqfsTest1.ucsc: sequences I and VI share the UCSC-style name \"chrI\"", "seqfsTest1.primary.ucsc: sequences I and VI"}},
		{"no GenBank accessions", func(a *Assembly, held map[string]Member) {
			for i := range a.Sequences {
				a.Sequences[i].GenBankAC = ""
			}
		}, []string{all[0], all[1], all[2], all[4], all[5], all[6]}, []string{"seqfsTest1.genbank: 4 of 4 sequences have no GenBank accession (20, I, VI, phiX)", "seqfsTest1.primary.genbank"}},
		{"no primary unit", func(a *Assembly, held map[string]Member) {
			for i := range a.Sequences {
				a.Sequences[i].Unit = "other"
			}
		}, all[:4], []string{"seqfsTest1.primary: no sequences"}},
		{"not loadable sequences are left out", func(a *Assembly, held map[string]Member) {
			a.Sequences[3].Relationship = "na"
			delete(held, "NC_001422.1")
		}, all, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, held := testGenome(t)
			if tc.edit != nil {
				tc.edit(a, held)
			}
			cols, skipped, err := a.Collections(held)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range cols {
				names = append(names, c.Name)
				if err := c.Collection.Validate(); err != nil {
					t.Errorf("%s: %v", c.Name, err)
				}
			}
			if !slices.Equal(names, tc.made) {
				t.Errorf("made %v; want %v", names, tc.made)
			}
			if len(skipped) != len(tc.skipped) {
				t.Fatalf("skipped %q; want %d messages like %q", skipped, len(tc.skipped), tc.skipped)
			}
			for i, s := range skipped {
				if !strings.Contains(s, tc.skipped[i]) {
					t.Errorf("skipped[%d] = %q; want it to contain %q", i, s, tc.skipped[i])
				}
			}
		})
	}
}

func TestCollectionsContent(t *testing.T) {
	t.Parallel()
	a, held := testGenome(t)
	cols, _, err := a.Collections(held)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"seqfsTest1":                 {"20", "I", "VI", "phiX"},
		"seqfsTest1.ucsc":            {"chr20", "chrI", "chrVI", "chrPhiX"},
		"seqfsTest1.refseq":          {"NC_000020.10", "NC_001133.9", "NC_001138.5", "NC_001422.1"},
		"seqfsTest1.genbank":         {"CM000682.1", "BK006935.2", "BK006940.2", "J02482.1"},
		"seqfsTest1.primary.ucsc":    {"chr20", "chrI", "chrVI"},
		"seqfsTest1.primary.genbank": {"CM000682.1", "BK006935.2", "BK006940.2"},
	}
	ids := []string{"iy_UbUrvECxFRX5LPTH_KPojdlT7BKsf", "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn", "z-qJgWoacRBV77zcMgZN9E_utrdzmQsH", "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"}
	lengths := []int64{63025520, 230218, 270161, 5386}
	for _, c := range cols {
		w, ok := want[c.Name]
		if !ok {
			continue
		}
		if !slices.Equal(c.Collection.Names, w) || !slices.Equal(c.Collection.SeqIDs, ids[:len(w)]) || !slices.Equal(c.Collection.Lengths, lengths[:len(w)]) {
			t.Errorf("%s = %+v; want names %v", c.Name, c.Collection, w)
		}
	}
}

func TestCollectionsLengthMismatch(t *testing.T) {
	t.Parallel()
	a, held := testGenome(t)
	held["NC_001133.9"] = Member{"lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn", 230219}
	_, _, err := a.Collections(held)
	if err == nil || !strings.Contains(err.Error(), "sequence I (NC_001133.9") || !strings.Contains(err.Error(), "230219 residues in the instance but 230218") {
		t.Errorf("error %v; want a length mismatch naming sequence I", err)
	}
}
