package assembly

import (
	"errors"
	"slices"
	"testing"
)

func TestBuiltins(t *testing.T) {
	t.Parallel()
	names := BuiltinNames()
	if len(names) != 30 || !slices.IsSorted(names) {
		t.Fatalf("BuiltinNames() = %d names %v; want 30 sorted", len(names), names)
	}
	all, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range all {
		if a.Name != names[i] {
			t.Errorf("file %s.json.gz holds assembly %q", names[i], a.Name)
		}
	}
	tests := []struct {
		name           string
		seqs, loadable int
		molecules      int
		noRefSeq       int
		first          Sequence
	}{
		{"GRCh38.p14", 709, 709, 25, 4, Sequence{Name: "1", Aliases: []string{"chr1"}, RefSeqAC: "NC_000001.11", GenBankAC: "CM000663.2",
			Length: 248956422, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="}},
		{"GRCh37", 92, 92, 24, 0, Sequence{Name: "1", Aliases: []string{"chr1"}, RefSeqAC: "NC_000001.10", GenBankAC: "CM000663.1",
			Length: 249250621, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="}},
		{"T2T-CHM13v2.0", 25, 25, 25, 1, Sequence{Name: "1", Aliases: []string{"chr1"}, RefSeqAC: "NC_060925.1", GenBankAC: "CP068277.2",
			Length: 248387328, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := Builtin(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			mol, noRS := 0, 0
			for _, s := range a.Sequences {
				if s.Role == "assembled-molecule" {
					mol++
				}
				if s.RefSeqAC == "" {
					noRS++
				}
			}
			if len(a.Sequences) != tc.seqs || len(a.Loadable()) != tc.loadable || mol != tc.molecules || noRS != tc.noRefSeq {
				t.Errorf("%d sequences, %d loadable, %d molecules, %d without RefSeq; want %d, %d, %d, %d",
					len(a.Sequences), len(a.Loadable()), mol, noRS, tc.seqs, tc.loadable, tc.molecules, tc.noRefSeq)
			}
			if !equalSequence(a.Sequences[0], tc.first) {
				t.Errorf("first sequence %+v; want %+v", a.Sequences[0], tc.first)
			}
		})
	}
}

func equalSequence(a, b Sequence) bool {
	return slices.Equal(a.Aliases, b.Aliases) && a.Name == b.Name && a.RefSeqAC == b.RefSeqAC && a.GenBankAC == b.GenBankAC &&
		a.Length == b.Length && a.Role == b.Role && a.Unit == b.Unit && a.Relationship == b.Relationship
}

func TestBuiltinUnknown(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"GRCh39", "", "../data/GRCh38", "data/GRCh38"} {
		if _, err := Builtin(n); !errors.Is(err, ErrUnknownAssembly) {
			t.Errorf("Builtin(%q) error %v; want ErrUnknownAssembly", n, err)
		}
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"GRCh38.p14", true}, {"CHM1_1.0", true}, {"T2T-CHM13v2.0", true}, {"seqfsTest1", true},
		{"", false}, {"a b", false}, {"a:b", false}, {"a%", false}, {"NCBI", false}, {"VMC", false},
		{"refseq", false}, {"RefSeq", false}, {"ga4gh", false}, {"ensembl", false}, {"Ensembl", false},
	} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v; want ok=%v", tc.name, err, tc.ok)
		}
	}
}
