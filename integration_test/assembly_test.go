package integration_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
)

// genomeCollections are the eight collections add-assembly-names makes of
// the test genome, in the order it makes them, with their seqcol digests
// (computed independently from the seqcol specification: canonical JSON,
// sha512t24u of the names and SQ. sequences arrays, then of their object).
var genomeCollections = []struct {
	name, digest string
	names        []string
}{
	{"seqfsTest1", "eLNV9ycHaTLZH0u_p2GRVDjsZbL_2P0a", []string{"20", "I", "VI", "phiX"}},
	{"seqfsTest1.ucsc", "Gyr7k72DNyXa52JQ9trCnxIazLK8TEvc", []string{"chr20", "chrI", "chrVI", "chrPhiX"}},
	{"seqfsTest1.refseq", "qi2RoU0-ei0xy84W5ImZW8NcqFql9Mss", []string{"NC_000020.10", "NC_001133.9", "NC_001138.5", "NC_001422.1"}},
	{"seqfsTest1.genbank", "GxMAnbc2t-_tZz4CeDwPUUjSRgqli7Fr", []string{"CM000682.1", "BK006935.2", "BK006940.2", "J02482.1"}},
	{"seqfsTest1.primary", "Q5nLKtJzwhPtrzOkydQravcBQWCqOzxf", []string{"20", "I", "VI"}},
	{"seqfsTest1.primary.ucsc", "51e-pahuRdDg_U5C0i8iwTd-RCyJD4gb", []string{"chr20", "chrI", "chrVI"}},
	{"seqfsTest1.primary.refseq", "qe9xinlJJfpcdEiBwig0uwW367g1ndxi", []string{"NC_000020.10", "NC_001133.9", "NC_001138.5"}},
	{"seqfsTest1.primary.genbank", "vJsbvc2iL47ZSd89zP--YTRgEmRnKwUi", []string{"CM000682.1", "BK006935.2", "BK006940.2"}},
}

// genomeSeqIDs and genomeLengths are the test genome's sequences in report
// order.
var (
	genomeSeqIDs  = []string{chr20SeqID, yeastISeqID, yeastVISeqID, phiXSeqID}
	genomeLengths = []int64{63025520, 230218, 270161, 5386}
)

// collectionSource opens loc read-only (closed at the end of the test) as
// a collection source.
func collectionSource(t *testing.T, loc string) repo.CollectionSource {
	t.Helper()
	src, err := all.Open(context.Background(), loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	cs, err := repo.Collections(src)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// aliasRows returns the non-digest rows of an instance's alias table as
// "seqalias_id|namespace|alias|seq_id|is_current", by rowid, read with the
// sqlite3 CLI. Python SeqRepo inserts with the same rowids: it tries the
// insert first, and a failed insert takes no rowid.
func aliasRows(t *testing.T, dir string) []string {
	t.Helper()
	testutil.RequireTool(t, "sqlite3")
	out, err := exec.Command("sqlite3", filepath.Join(dir, "aliases.sqlite3"),
		`select seqalias_id, namespace, alias, seq_id, is_current from seqalias
		 where namespace not in ('VMC', 'SHA1', 'MD5', 'SEGUID') order by seqalias_id`).Output()
	if err != nil {
		t.Fatalf("sqlite3: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// genomeBaseRows are the test genome's alias rows before add-assembly-names
// (each sequence's four digest aliases come first).
var genomeBaseRows = []string{
	"5|NCBI|NC_000020.10|" + chr20SeqID + "|1",
	"10|NCBI|NC_001133.9|" + yeastISeqID + "|1",
	"15|NCBI|NC_001138.5|" + yeastVISeqID + "|1",
	"20|NCBI|NC_001422.1|" + phiXSeqID + "|1",
}

// numbered prefixes rows with the rowids from first on.
func numbered(first int, rows ...string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%d|%s", first+i, r)
	}
	return out
}

// genomeAssemblyRows are the rows Python SeqRepo's add-assembly-names adds
// for the test genome's report under the assembly name: <name> then the
// UCSC-style name of each sequence, in report order, all current.
func genomeAssemblyRows(name string) []string {
	return numbered(21,
		name+"|20|"+chr20SeqID+"|1", name+"|chr20|"+chr20SeqID+"|1",
		name+"|I|"+yeastISeqID+"|1", name+"|chrI|"+yeastISeqID+"|1",
		name+"|VI|"+yeastVISeqID+"|1", name+"|chrVI|"+yeastVISeqID+"|1",
		name+"|phiX|"+phiXSeqID+"|1", name+"|chrPhiX|"+phiXSeqID+"|1")
}

// addAssemblyNames runs `seqfs -r ROOT add-assembly-names ARGS...` on the
// instance dir (ROOT/master).
func addAssemblyNames(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	return seqfs(t, append([]string{"-r", filepath.Dir(dir), "add-assembly-names"}, args...)...)
}

// checkGenomeCollections checks that the instance holds exactly the eight
// collections of the test genome, by name and by digest, besides the one
// its load recorded.
func checkGenomeCollections(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	cs := collectionSource(t, dir)
	var listed []string
	for info, err := range cs.Collections(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, info.Names...)
	}
	var want []string
	for _, gc := range genomeCollections {
		want = append(want, gc.name)
		n := len(gc.names)
		for _, ref := range []string{gc.name, gc.digest} {
			c, d, err := cs.Collection(ctx, ref)
			if err != nil {
				t.Errorf("collection %s: %v", ref, err)
				continue
			}
			if d != gc.digest || !slices.Equal(c.Names, gc.names) || !slices.Equal(c.SeqIDs, genomeSeqIDs[:n]) || !slices.Equal(c.Lengths, genomeLengths[:n]) {
				t.Errorf("collection %s = %s %+v; want %s names %v", ref, d, c, gc.digest, gc.names)
			}
		}
	}
	want = append(want, "testgenome") // recorded by build.sh's load: seqfsTest1.refseq's digest
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("collection names %v; want %v", listed, want)
	}
}

// TestAddAssemblyNamesReport loads the test genome's assembly report: the
// aliases Python writes, the eight collections, and a second run, plain
// and with --reload-all, that changes nothing.
func TestAddAssemblyNamesReport(t *testing.T) {
	dir := testGenome(t, false)
	out, errb, code := addAssemblyNames(t, dir, "--assembly-report", genomeReport())
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errb)
	}
	if !strings.Contains(out, "seqfsTest1: 4 sequences, 8 aliases added") || !strings.Contains(out, "collection seqfsTest1.primary.ucsc 51e-pahuRdDg_U5C0i8iwTd-RCyJD4gb (3 sequences, 63525899 residues) stored") {
		t.Errorf("output:\n%s", out)
	}
	want := append(slices.Clone(genomeBaseRows), genomeAssemblyRows("seqfsTest1")...)
	if got := aliasRows(t, dir); !slices.Equal(got, want) {
		t.Fatalf("alias rows\n got %q\nwant %q", got, want)
	}
	checkGenomeCollections(t, dir)

	for _, args := range [][]string{{}, {"--reload-all"}, {"-r"}} {
		out, errb, code = addAssemblyNames(t, dir, append(args, "--assembly-report", genomeReport())...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errb)
		}
		if got := aliasRows(t, dir); !slices.Equal(got, want) {
			t.Fatalf("%v: alias rows changed\n got %q\nwant %q", args, got, want)
		}
		if strings.Count(out, " unchanged\n") != 8 {
			t.Errorf("%v: output:\n%s", args, out)
		}
		checkGenomeCollections(t, dir)
	}
	if !strings.Contains(out, "seqfsTest1: 4 sequences, 0 aliases added") {
		t.Errorf("--reload-all output:\n%s", out)
	}
}

// TestTestGenomeWithAssembly checks the test genome built with --assembly,
// which other tests mount.
func TestTestGenomeWithAssembly(t *testing.T) {
	dir := testGenome(t, true)
	if got, want := aliasRows(t, dir), append(slices.Clone(genomeBaseRows), genomeAssemblyRows("seqfsTest1")...); !slices.Equal(got, want) {
		t.Errorf("alias rows\n got %q\nwant %q", got, want)
	}
	checkGenomeCollections(t, dir)
}

// writeReport writes the test genome's report with extra sequence lines
// under another assembly name and returns its path.
func writeReport(t *testing.T, name string, edit func(string) string) string {
	t.Helper()
	b, err := os.ReadFile(genomeReport())
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "# Assembly name:  seqfsTest1", "# Assembly name:  "+name, 1)
	p := filepath.Join(t.TempDir(), name+"_assembly_report.txt")
	if err := os.WriteFile(p, []byte(edit(s)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAddAssemblyNamesIncomplete: an assembly with an accession the
// instance lacks gets no aliases unless --partial-load, and never
// collections with holes.
func TestAddAssemblyNamesIncomplete(t *testing.T) {
	dir := testGenome(t, false)
	report := writeReport(t, "seqfsTest2", func(s string) string {
		return s + "Un1\tunplaced-scaffold\tna\tna\tGL999999.1\t=\tNT_999999.1\tPrimary Assembly\t1000\tchrUn_GL999999v1\n"
	})
	out, errb, code := addAssemblyNames(t, dir, "--assembly-report", report)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errb)
	}
	for _, s := range []string{
		"seqfsTest2: aliases skipped: the instance lacks 1 of its 5 sequences (--partial-load loads the others)",
		"collection not made: seqfsTest2: the instance lacks 1 of its 5 sequences (Un1 (NT_999999.1))",
		"collection not made: seqfsTest2.primary: the instance lacks 1 of its 4 sequences",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if !strings.Contains(errb, "NT_999999.1") {
		t.Errorf("no warning naming the missing accession:\n%s", errb)
	}
	if got := aliasRows(t, dir); !slices.Equal(got, genomeBaseRows) {
		t.Fatalf("alias rows changed: %q", got)
	}
	out, errb, code = addAssemblyNames(t, dir, "-p", "--assembly-report", report)
	if code != 0 {
		t.Fatalf("-p: exit %d: %s%s", code, out, errb)
	}
	want := append(slices.Clone(genomeBaseRows), genomeAssemblyRows("seqfsTest2")...)
	if got := aliasRows(t, dir); !slices.Equal(got, want) {
		t.Fatalf("-p: alias rows\n got %q\nwant %q", got, want)
	}
	if !strings.Contains(out, "seqfsTest2: 4 sequences, 8 aliases added; 1 sequences missing from the instance (partial load)") || strings.Contains(out, "collection seqfsTest2") {
		t.Errorf("-p output:\n%s", out)
	}
}

// TestAddAssemblyNamesBuiltin runs the built-in assemblies against the
// test genome, which holds only GRCh37's chr20 of them.
func TestAddAssemblyNamesBuiltin(t *testing.T) {
	dir := testGenome(t, false)
	out, errb, code := addAssemblyNames(t, dir, "GRCh38.p14", "GRCh37")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errb)
	}
	for _, s := range []string{
		"GRCh37: aliases skipped: the instance lacks 91 of its 92 sequences",
		"GRCh38.p14: aliases skipped: the instance lacks 709 of its 709 sequences",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if got := aliasRows(t, dir); !slices.Equal(got, genomeBaseRows) {
		t.Fatalf("alias rows changed: %q", got)
	}
	// -p binds GRCh37:20 and GRCh37:chr20; the dry run first commits nothing.
	if out, errb, code = addAssemblyNames(t, dir, "-p", "--dry-run", "GRCh37"); code != 0 || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: exit %d: %s%s", code, out, errb)
	}
	if got := aliasRows(t, dir); !slices.Equal(got, genomeBaseRows) {
		t.Fatalf("dry run changed alias rows: %q", got)
	}
	if out, errb, code = addAssemblyNames(t, dir, "-p", "GRCh37"); code != 0 {
		t.Fatalf("-p: exit %d: %s%s", code, out, errb)
	}
	want := append(slices.Clone(genomeBaseRows), numbered(21, "GRCh37|20|"+chr20SeqID+"|1", "GRCh37|chr20|"+chr20SeqID+"|1")...)
	if got := aliasRows(t, dir); !slices.Equal(got, want) {
		t.Fatalf("-p: alias rows\n got %q\nwant %q", got, want)
	}
}

// TestAddAssemblyNamesErrors: bad reports, a length that disagrees with the
// instance and unknown assemblies fail clearly and write nothing.
func TestAddAssemblyNamesErrors(t *testing.T) {
	dir := testGenome(t, false)
	badLength := writeReport(t, "seqfsTest3", func(s string) string { return strings.Replace(s, "\t230218\t", "\t230219\t", 1) })
	malformed := writeReport(t, "seqfsTest4", func(s string) string { return strings.Replace(s, "\t5386\t", "\tfive\t", 1) })
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"length", []string{"--assembly-report", badLength}, 1, "sequence I (NC_001133.9, seq_id " + yeastISeqID + ") has 230218 residues in the instance but 230219"},
		{"malformed", []string{"--assembly-report", malformed}, 1, malformed + ":29: sequence phiX: Sequence-Length \"five\" is not a length"},
		{"missing report", []string{"--assembly-report", malformed + ".none"}, 1, "no such file"},
		{"unknown built-in", []string{"GRCh39"}, 2, "unknown assembly \"GRCh39\""},
		{"not in reports", []string{"--assembly-report", genomeReport(), "GRCh38"}, 2, "assembly GRCh38 is not in the given reports"},
	} {
		out, errb, code := addAssemblyNames(t, dir, tc.args...)
		if code != tc.code || !strings.Contains(errb, tc.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q (stdout %q)", tc.name, code, errb, tc.code, tc.msg, out)
		}
	}
	if got := aliasRows(t, dir); !slices.Equal(got, genomeBaseRows) {
		t.Fatalf("alias rows changed: %q", got)
	}
}
