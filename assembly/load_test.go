package assembly

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// row is a seqalias row without its timestamp.
type row struct {
	id               int // seqalias_id: Python inserts first, and a failed insert takes no rowid
	ns, alias, seqID string
	current          int
}

func (r row) String() string {
	return fmt.Sprintf("%d %s:%s→%.6s(%d)", r.id, r.ns, r.alias, r.seqID, r.current)
}

// loadFixture is a SeqRepo instance built with the real writer for Load's
// tests: sequences a, d, hi and lo, where NCBI:NC_B.1 was bound to hi (the
// greater seq_id) and then re-bound to lo, so its row for hi is historic.
type loadFixture struct {
	dir          string
	a, d, hi, lo string // seq_ids
	lenHi        int64
	assemblies   []*Assembly
}

func newLoadFixture(t *testing.T) *loadFixture {
	t.Helper()
	ctx := context.Background()
	f := &loadFixture{dir: filepath.Join(t.TempDir(), "master")}
	if err := seqrepo.CreateInstance(ctx, f.dir); err != nil {
		t.Fatal(err)
	}
	w, err := seqrepo.OpenWriter(ctx, f.dir, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	id := func(s string) string {
		d, err := repo.ComputeDigests([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d.SeqID
	}
	seqs := map[string]string{}
	for _, s := range []string{"ACGTACGTAA", "GGGGCCCC", "TTTTAAAA", "CCCCAAAATT"} {
		seqs[id(s)] = s
	}
	f.a, f.d = id("ACGTACGTAA"), id("GGGGCCCC")
	f.hi, f.lo = id("TTTTAAAA"), id("CCCCAAAATT")
	if f.hi < f.lo {
		f.hi, f.lo = f.lo, f.hi
	}
	f.lenHi = int64(len(seqs[f.hi]))
	for _, st := range []struct{ id, ac string }{{f.a, "NC_A.1"}, {f.d, "NC_D.1"}, {f.hi, "NC_B.1"}, {f.lo, "NC_B.1"}} {
		if _, err := w.Store(ctx, []byte(seqs[st.id]), []repo.NSAlias{{Namespace: "NCBI", Alias: st.ac}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	seq := func(name, ac, unit, rel string, length int64, aliases ...string) Sequence {
		return Sequence{Name: name, Aliases: append([]string{}, aliases...), RefSeqAC: ac, GenBankAC: "GB_" + name,
			Length: length, Role: "assembled-molecule", Unit: unit, Relationship: rel}
	}
	f.assemblies = []*Assembly{
		{Name: "AsmOne", Sequences: []Sequence{
			seq("1", "NC_A.1", PrimaryUnit, "=", 10, "chr1"),
			seq("2", "NC_B.1", PrimaryUnit, "=", f.lenHi, "chr2"),
			seq("3", "NC_D.1", "non-nuclear", "<>", 8),
			seq("4", "NC_missing.1", PrimaryUnit, "na", 5, "chr4"),
		}},
		{Name: "AsmPartial", Sequences: []Sequence{
			seq("1", "NC_A.1", PrimaryUnit, "=", 10, "chr1"),
			seq("9", "NC_Z.9", PrimaryUnit, "=", 99, "chr9"),
		}},
		{Name: "AsmNone", Sequences: []Sequence{seq("1", "NC_A.1", PrimaryUnit, "na", 10)}},
		{Name: "AsmDup", Sequences: []Sequence{
			seq("u1", "NC_A.1", PrimaryUnit, "=", 10, "chrU"),
			seq("u2", "NC_D.1", PrimaryUnit, "=", 8, "chrU"),
		}},
	}
	return f
}

// rows returns the alias table without the digest namespaces, by rowid.
func (f *loadFixture) rows(t *testing.T) []row {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+seqrepo.AliasesDBPath(f.dir)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.Query(`select seqalias_id, namespace, alias, seq_id, is_current from seqalias
		where namespace not in ('VMC', 'SHA1', 'MD5', 'SEGUID') order by seqalias_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.ns, &r.alias, &r.seqID, &r.current); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// collections opens the fixture read-only, closed at the end of the test.
func (f *loadFixture) collections(t *testing.T) repo.CollectionSource {
	t.Helper()
	src, err := seqrepo.Open(context.Background(), f.dir, seqrepo.Options{})
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

// target opens a writer on the fixture, closed at the end of the test.
func (f *loadFixture) target(t *testing.T) Target {
	t.Helper()
	w, err := seqrepo.OpenWriter(context.Background(), f.dir, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	target, ok := any(w).(Target)
	if !ok {
		t.Fatal("seqrepo.Writer does not implement assembly.Target")
	}
	return target
}

// load runs Load on the fixture with opts, in a writer of its own.
func (f *loadFixture) load(t *testing.T, opts Options) []Result {
	t.Helper()
	w := f.target(t)
	defer w.(interface{ Close() error }).Close()
	res, err := Load(context.Background(), w, f.assemblies, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLoadAliasRows states the alias rows Python SeqRepo's
// add-assembly-names writes (cli.add_assembly_names with
// SeqAliasDB.store_alias) on the fixture, run after run, and checks that
// Load writes exactly those.
func TestLoadAliasRows(t *testing.T) {
	t.Parallel()
	f := newLoadFixture(t)
	// What the fixture holds before: NC_B.1's first binding is historic.
	// Each sequence's four digest aliases come before its NCBI alias.
	base := []row{{5, "NCBI", "NC_A.1", f.a, 1}, {10, "NCBI", "NC_D.1", f.d, 1}, {15, "NCBI", "NC_B.1", f.hi, 0}, {20, "NCBI", "NC_B.1", f.lo, 1}}
	if got := f.rows(t); !slices.Equal(got, base) {
		t.Fatalf("fixture rows %v; want %v", got, base)
	}

	// Run 1, no options. Name order: AsmDup, AsmNone, AsmOne, AsmPartial.
	// AsmDup: u1 and u2 share chrU, so the second binding supersedes the
	// first. AsmNone has no "=" / "<>" sequence. AsmOne: sequence 4 is
	// "na" and ignored; NC_B.1 maps to hi, the greatest seq_id among its
	// rows though that row is historic (Python's dict over rows ordered by
	// seq_id). AsmPartial lacks NC_Z.9: skipped.
	run1 := append(slices.Clone(base),
		row{21, "AsmDup", "u1", f.a, 1}, row{22, "AsmDup", "chrU", f.a, 0}, row{23, "AsmDup", "u2", f.d, 1}, row{24, "AsmDup", "chrU", f.d, 1},
		row{25, "AsmOne", "1", f.a, 1}, row{26, "AsmOne", "chr1", f.a, 1}, row{27, "AsmOne", "2", f.hi, 1}, row{28, "AsmOne", "chr2", f.hi, 1},
		row{29, "AsmOne", "3", f.d, 1},
	)
	res := f.load(t, Options{})
	if got := f.rows(t); !slices.Equal(got, run1) {
		t.Fatalf("run 1 rows\n got %v\nwant %v", got, run1)
	}
	var states []string
	for _, r := range res {
		states = append(states, fmt.Sprintf("%s %d/%d %q", r.Assembly, r.Sequences, r.AliasesAdded, r.AliasesSkipped))
	}
	wantStates := []string{
		`AsmDup 2/4 ""`, `AsmNone 0/0 "no sequences with relationship = or <>"`, `AsmOne 3/5 ""`,
		`AsmPartial 0/0 "the instance lacks 1 of its 2 sequences (--partial-load loads the others)"`,
	}
	if !slices.Equal(states, wantStates) {
		t.Errorf("results %q; want %q", states, wantStates)
	}

	// Run 2, the same again: every loaded assembly is present now.
	f.load(t, Options{})
	if got := f.rows(t); !slices.Equal(got, run1) {
		t.Fatalf("run 2 changed rows\n got %v\nwant %v", got, run1)
	}

	// Run 3, --partial-load: only AsmPartial is not present; it gets the
	// aliases of the sequence the instance holds.
	run3 := append(slices.Clone(run1), row{30, "AsmPartial", "1", f.a, 1}, row{31, "AsmPartial", "chr1", f.a, 1})
	f.load(t, Options{PartialLoad: true})
	if got := f.rows(t); !slices.Equal(got, run3) {
		t.Fatalf("run 3 rows\n got %v\nwant %v", got, run3)
	}

	// Run 4, --reload-all: AsmDup's chrU moves to a and back to d, two new
	// rows each time (as in Python); AsmOne's bindings exist; AsmPartial
	// is incomplete and not partial-loaded now.
	run4 := slices.Clone(run3)
	run4[slices.Index(run4, row{24, "AsmDup", "chrU", f.d, 1})].current = 0
	run4 = append(run4, row{32, "AsmDup", "chrU", f.a, 0}, row{33, "AsmDup", "chrU", f.d, 1})
	f.load(t, Options{ReloadAll: true})
	if got := f.rows(t); !slices.Equal(got, run4) {
		t.Fatalf("run 4 rows\n got %v\nwant %v", got, run4)
	}
}

// TestLoadCollections checks the collections Load stores and that storing
// them again changes nothing.
func TestLoadCollections(t *testing.T) {
	t.Parallel()
	f := newLoadFixture(t)
	res := f.load(t, Options{})
	made := map[string][]string{}
	for _, r := range res {
		for _, c := range r.Collections {
			made[r.Assembly] = append(made[r.Assembly], c.Name)
			if c.Unchanged {
				t.Errorf("%s: unchanged on first load", c.Name)
			}
		}
	}
	want := map[string][]string{
		"AsmOne": {"AsmOne", "AsmOne.refseq", "AsmOne.genbank", "AsmOne.primary", "AsmOne.primary.ucsc", "AsmOne.primary.refseq", "AsmOne.primary.genbank"},
		"AsmDup": {"AsmDup", "AsmDup.refseq", "AsmDup.genbank", "AsmDup.primary", "AsmDup.primary.refseq", "AsmDup.primary.genbank"},
	}
	for k, v := range want {
		if !slices.Equal(made[k], v) {
			t.Errorf("%s: collections %v; want %v", k, made[k], v)
		}
	}
	if len(made) != len(want) {
		t.Errorf("collections made for %v; want only AsmOne, AsmDup", made)
	}
	ctx := context.Background()
	c, d, err := f.collections(t).Collection(ctx, "AsmOne.primary.ucsc")
	if err != nil {
		t.Fatal(err)
	}
	wantC := repo.Collection{Names: []string{"chr1", "chr2"}, SeqIDs: []string{f.a, f.hi}, Lengths: []int64{10, f.lenHi}}
	if !slices.Equal(c.Names, wantC.Names) || !slices.Equal(c.SeqIDs, wantC.SeqIDs) || !slices.Equal(c.Lengths, wantC.Lengths) || d != wantC.Digest() {
		t.Errorf("AsmOne.primary.ucsc = %+v %s; want %+v %s", c, d, wantC, wantC.Digest())
	}
	for _, r := range f.load(t, Options{}) {
		for _, c := range r.Collections {
			if !c.Unchanged {
				t.Errorf("%s: stored again on the second run", c.Name)
			}
		}
	}
}

// TestLoadDryRun checks that a dry run reports but commits nothing.
func TestLoadDryRun(t *testing.T) {
	t.Parallel()
	f := newLoadFixture(t)
	before := f.rows(t)
	res := f.load(t, Options{DryRun: true, PartialLoad: true})
	if got := f.rows(t); !slices.Equal(got, before) {
		t.Errorf("dry run changed rows: %v", got)
	}
	if len(res) != 4 || res[2].Assembly != "AsmOne" || res[2].AliasesAdded != 5 || len(res[2].Collections) != 7 {
		t.Errorf("dry run results %+v", res)
	}
	if _, _, err := f.collections(t).Collection(context.Background(), "AsmOne"); err == nil {
		t.Error("dry run stored collection AsmOne")
	}
}

// TestLoadErrors checks Load's refusals before anything is written.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	f := newLoadFixture(t)
	ctx := context.Background()
	target := f.target(t)
	one := f.assemblies[0]
	bad := *one
	bad.Sequences = slices.Clone(one.Sequences)
	bad.Sequences[1].Length++
	for _, tc := range []struct {
		name string
		in   []*Assembly
		msg  string
	}{
		{"twice", []*Assembly{one, one}, "assembly AsmOne is given twice"},
		{"reserved", []*Assembly{{Name: "NCBI", Sequences: one.Sequences}}, "SeqRepo's namespaces"},
		{"length", []*Assembly{&bad}, "sequence 2 (NC_B.1"},
	} {
		if _, err := Load(ctx, target, tc.in, Options{}); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v; want %q", tc.name, err, tc.msg)
		}
	}
	if got := f.rows(t); len(got) != 4 {
		t.Errorf("refused loads wrote rows: %v", got)
	}
}
