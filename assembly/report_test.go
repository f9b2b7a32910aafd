package assembly

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// formatReport writes a in NCBI's assembly report format (the inverse of
// ParseReport, for round-trip tests).
func formatReport(a *Assembly) string {
	na := func(s string) string {
		if s == "" {
			return "na"
		}
		return s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Assembly name:  %s\r\n# Description:    %s\r\n# Organism name:  Homo sapiens (human)\r\n", a.Name, a.Description)
	fmt.Fprintf(&b, "# Submitter:      %s\r\n# Date:           %s\r\n", a.Submitter, a.Date)
	fmt.Fprintf(&b, "# GenBank assembly accession: %s\r\n# RefSeq assembly accession: %s\r\n#\r\n", na(a.GenBankAC), na(a.RefSeqAC))
	b.WriteString("## Assembly-Units:\r\n## GenBank Unit Accession\tRefSeq Unit Accession\tAssembly-Unit name\r\n#\r\n")
	b.WriteString("# Sequence-Name\tSequence-Role\tAssigned-Molecule\tAssigned-Molecule-Location/Type\tGenBank-Accn\tRelationship\tRefSeq-Accn\tAssembly-Unit\tSequence-Length\tUCSC-style-name\r\n")
	for _, s := range a.Sequences {
		fmt.Fprintf(&b, "%s\t%s\tna\tna\t%s\t%s\t%s\t%s\t%d\t%s\r\n", s.Name, s.Role, na(s.GenBankAC), s.Relationship, na(s.RefSeqAC), s.Unit, s.Length, na(s.UCSCName()))
	}
	return b.String()
}

// TestParseReportBuiltins round-trips every built-in assembly through the
// report format: parsing gives bioutils' model back.
func TestParseReportBuiltins(t *testing.T) {
	t.Parallel()
	all, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range all {
		got, err := ParseReport(strings.NewReader(formatReport(want)))
		if err != nil {
			t.Fatalf("%s: %v", want.Name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: round trip differs:\n got %+v\nwant %+v", want.Name, got.Sequences[:2], want.Sequences[:2])
		}
	}
}

// TestParseReportTestGenome parses the test genome's report.
func TestParseReportTestGenome(t *testing.T) {
	t.Parallel()
	a, err := ReadReport(filepath.Join("..", "testdata", "genome", "test_assembly_report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Assembly{
		Name:        "seqfsTest1",
		Description: "seqfs test genome: GRCh37 chromosome 20, yeast (S288C) chromosomes I and VI, phage phiX174",
		Date:        "2026-12-03",
		Submitter:   "seqfs",
		Sequences: []Sequence{
			{Name: "20", Aliases: []string{"chr20"}, RefSeqAC: "NC_000020.10", GenBankAC: "CM000682.1", Length: 63025520, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="},
			{Name: "I", Aliases: []string{"chrI"}, RefSeqAC: "NC_001133.9", GenBankAC: "BK006935.2", Length: 230218, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="},
			{Name: "VI", Aliases: []string{"chrVI"}, RefSeqAC: "NC_001138.5", GenBankAC: "BK006940.2", Length: 270161, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="},
			{Name: "phiX", Aliases: []string{"chrPhiX"}, RefSeqAC: "NC_001422.1", GenBankAC: "J02482.1", Length: 5386, Role: "assembled-molecule", Unit: "non-nuclear", Relationship: "="},
		},
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got %+v\nwant %+v", a, want)
	}
}

func TestParseReport(t *testing.T) {
	t.Parallel()
	const head = "# Assembly name:  X1\n# Sequence-Name\tSequence-Role\tAssigned-Molecule\tAssigned-Molecule-Location/Type\tGenBank-Accn\tRelationship\tRefSeq-Accn\tAssembly-Unit\tSequence-Length\tUCSC-style-name\n"
	const line = "1\tassembled-molecule\t1\tChromosome\tCM1.1\t=\tNC_1.1\tPrimary Assembly\t100\tchr1\n"
	tests := []struct {
		name, in string
		seqs     []Sequence
	}{
		{"standard", head + line + "2\tunplaced-scaffold\tna\tna\tGL2.1\t<>\tna\tPrimary Assembly\t5\tna\n", []Sequence{
			{Name: "1", Aliases: []string{"chr1"}, RefSeqAC: "NC_1.1", GenBankAC: "CM1.1", Length: 100, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="},
			{Name: "2", Aliases: []string{}, GenBankAC: "GL2.1", Length: 5, Role: "unplaced-scaffold", Unit: PrimaryUnit, Relationship: "<>"},
		}},
		{"no column header: standard order", "# Assembly name: X1\n" + line, []Sequence{
			{Name: "1", Aliases: []string{"chr1"}, RefSeqAC: "NC_1.1", GenBankAC: "CM1.1", Length: 100, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="},
		}},
		{"columns reordered, no UCSC column", "# Assembly name: X1\n#Sequence-Length\tSequence-Name\tSequence-Role\tGenBank-Accn\tRelationship\tRefSeq-Accn\tAssembly-Unit\n7\tMT\tassembled-molecule\tJ01415.2\t=\tNC_012920.1\tnon-nuclear\n", []Sequence{
			{Name: "MT", Aliases: []string{}, RefSeqAC: "NC_012920.1", GenBankAC: "J01415.2", Length: 7, Role: "assembled-molecule", Unit: "non-nuclear", Relationship: "="},
		}},
		{"a comment naming a column is no header", "# Assembly name: X1\n# Sequence-Name: see below\n" + line, []Sequence{
			{Name: "1", Aliases: []string{"chr1"}, RefSeqAC: "NC_1.1", GenBankAC: "CM1.1", Length: 100, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="},
		}},
		{"CRLF and blank lines", strings.ReplaceAll(head+"\n"+line, "\n", "\r\n"), []Sequence{
			{Name: "1", Aliases: []string{"chr1"}, RefSeqAC: "NC_1.1", GenBankAC: "CM1.1", Length: 100, Role: "assembled-molecule", Unit: PrimaryUnit, Relationship: "="},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := ParseReport(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != "X1" || !reflect.DeepEqual(a.Sequences, tc.seqs) {
				t.Errorf("got %s %+v\nwant X1 %+v", a.Name, a.Sequences, tc.seqs)
			}
		})
	}
}

// TestParseReportHeader reads the header of an older NCBI report: "Assembly
// Name" capitalised, accessions followed by "(latest)", an unpadded date.
func TestParseReportHeader(t *testing.T) {
	t.Parallel()
	const in = "# Assembly Name:  GRCh38.p4\n# Description:    Genome Reference Consortium Human Build 38 patch release 4 (GRCh38.p4)\n" +
		"# Organism name:  Homo sapiens (human)\n# Taxid:          9606\n# Submitter:      Genome Reference Consortium\n" +
		"# Date:           2015-6-25\n# GenBank Assembly Accession: GCA_000001405.19 (latest)\n" +
		"# RefSeq Assembly Accession: GCF_000001405.30 (latest)\n# RefSeq Assembly and GenBank Assemblies Identical: yes\n#\n" +
		"1\tassembled-molecule\t1\tChromosome\tCM000663.2\t=\tNC_000001.11\tPrimary Assembly\t248956422\tchr1\n"
	a, err := ParseReport(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{a.Name, a.Description, a.Submitter, a.Date, a.GenBankAC, a.RefSeqAC}
	want := []string{"GRCh38.p4", "Genome Reference Consortium Human Build 38 patch release 4 (GRCh38.p4)", "Genome Reference Consortium",
		"2015-06-25", "GCA_000001405.19", "GCF_000001405.30"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("header %q; want %q", got, want)
	}
	for d, w := range map[string]string{"2022-02-03": "2022-02-03", "2015-6-5": "2015-06-05", "June 2015": "June", "1-2": "1-2", "x-1-2": "x-1-2"} {
		if g := normaliseDate(strings.Fields(d)[0]); g != w {
			t.Errorf("normaliseDate(%q) = %q; want %q", d, g, w)
		}
	}
}

func TestParseReportErrors(t *testing.T) {
	t.Parallel()
	const name = "# Assembly name:  X1\n"
	const cols = "# Sequence-Name\tSequence-Role\tAssigned-Molecule\tAssigned-Molecule-Location/Type\tGenBank-Accn\tRelationship\tRefSeq-Accn\tAssembly-Unit\tSequence-Length\tUCSC-style-name\n"
	const line = "1\tassembled-molecule\t1\tChromosome\tCM1.1\t=\tNC_1.1\tPrimary Assembly\t100\tchr1\n"
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"no name", cols + line, 0, "no \"# Assembly name:\""},
		{"empty name", "# Assembly name:\n" + cols + line, 1, "empty"},
		{"reserved name", "# Assembly name: NCBI\n" + cols + line, 1, "SeqRepo's namespaces"},
		{"translated name", "# Assembly name: refseq\n" + cols + line, 1, "translates"},
		{"two names", name + name + cols + line, 2, "second"},
		{"no sequences", name + cols, 0, "no sequences"},
		{"too few fields", name + cols + "1\tassembled-molecule\n", 3, "2 tab-separated fields, want 10"},
		{"too many fields", name + cols + strings.TrimSuffix(line, "\n") + "\tx\n", 3, "11 tab-separated fields"},
		{"bad length", name + cols + strings.Replace(line, "\t100\t", "\t1e3\t", 1), 3, "is not a length"},
		{"negative length", name + cols + strings.Replace(line, "\t100\t", "\t-1\t", 1), 3, "is not a length"},
		{"na name", name + cols + "na" + line[1:], 3, "missing Sequence-Name"},
		{"duplicate name", name + cols + line + line, 4, "appears twice (first on line 3)"},
		{"empty relationship", name + cols + strings.Replace(line, "\t=\t", "\t\t", 1), 3, "empty Relationship"},
		{"missing column", name + "# Sequence-Name\tSequence-Role\n", 2, "lacks GenBank-Accn"},
		{"second header", name + cols + cols + line, 3, "second column header"},
		{"header after data", name + line + cols, 3, "after sequence lines"},
		{"column twice", name + "# Sequence-Name\tSequence-Name\n", 2, "named twice"},
		{"line too long", name + strings.Repeat("x", maxReportLine+1) + "\n", 2, "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseReport(strings.NewReader(tc.in))
			var re *ReportError
			if !errors.As(err, &re) {
				t.Fatalf("error %v; want a *ReportError", err)
			}
			if re.Line != tc.line || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q (line %d); want line %d and %q", err, re.Line, tc.line, tc.msg)
			}
		})
	}
}

func TestReadReportNamesFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "GCF_x_assembly_report.txt")
	if err := os.WriteFile(p, []byte("# Assembly name: X1\n1\tr\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadReport(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":2: ") {
		t.Errorf("error %v; want it to start with %s:2:", err, p)
	}
	if _, err := ReadReport(p + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
