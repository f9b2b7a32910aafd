package redis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// copyInto copies every sequence of src with all its alias records into w
// (StoreCopy when exact, else Store with the current aliases), committing
// every few sequences.
func copyInto(t testing.TB, src repo.Source, w *Writer, exact bool) {
	t.Helper()
	ctx := context.Background()
	n := 0
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		seq, err := repo.Slice(ctx, src, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := repo.Collect(src.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID, IncludeHistoric: exact}))
		if err != nil {
			t.Fatal(err)
		}
		if exact {
			_, err = w.StoreCopy(ctx, seq, info, recs)
		} else {
			var as []repo.NSAlias
			for _, a := range recs {
				as = append(as, repo.NSAlias{Namespace: a.Namespace, Alias: a.Alias})
			}
			_, err = w.Store(ctx, seq, as)
		}
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%2 == 0 {
			if err := w.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func openSample(t testing.TB) repo.Source {
	t.Helper()
	src, err := seqrepo.Open(context.Background(), testutil.SampleInstance(), seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// loadSample copies the bundled sample into a fresh prefix of srv with a
// part size small enough that yeast chr I spans 23 parts, and returns the
// location of the copy.
func loadSample(t testing.TB, srvURL string, exact bool) string {
	t.Helper()
	loc := fmt.Sprintf("%s?prefix=sample%d&part_size=10007", srvURL, rand.Int64())
	u, _ := url.Parse(loc)
	w, err := OpenWriter(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	copyInto(t, openSample(t), w, exact)
	return loc
}

func TestConformance(t *testing.T) {
	runConformance(t, redistest.Start(t).URL())
}

func TestConformanceCluster(t *testing.T) {
	runConformance(t, redistest.StartCluster(t).URL())
}

// runConformance loads the sample exactly into the Redis at srvURL and runs
// the shared Source conformance suite on it.
func runConformance(t *testing.T, srvURL string) {
	t.Helper()
	loc := loadSample(t, srvURL, true)
	repotest.Run(t, func(t *testing.T) repo.Source {
		src, err := repotest.OpenVia(context.Background(), Factory{}, loc)
		if err != nil {
			t.Fatal(err)
		}
		return src
	})
}

// TestSameAnswersAsSeqRepo asks the Redis copy and the SeqRepo instance it
// was copied from the same questions and requires identical answers.
func TestSameAnswersAsSeqRepo(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	want := openSample(t)
	got, err := repotest.OpenVia(ctx, Factory{}, loadSample(t, srv.URL(), true))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	CompareSources(t, want, got, true)

	// A copy through the plain Writer.Store has the same aliases and
	// sequences; only the timestamps are the copy's.
	plain, err := repotest.OpenVia(ctx, Factory{}, loadSample(t, srv.URL(), false))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	CompareSources(t, want, plain, false)
}

// CompareSources requires b to answer every question exactly as a does:
// every sequence (info and bytes), FindAliases for every record's seq_id,
// namespace and alias and for patterns, namespace listings, resolution of
// every alias. With times false (a copy through plain Writer.Store),
// timestamps and historic records are not compared.
func CompareSources(t *testing.T, a, b repo.Source, times bool) {
	t.Helper()
	ctx := context.Background()
	infosA, err := repo.Collect(a.Sequences(ctx))
	if err != nil {
		t.Fatal(err)
	}
	infosB, err := repo.Collect(b.Sequences(ctx))
	if err != nil {
		t.Fatal(err)
	}
	eqInfo := func(x, y repo.Info) bool {
		return x.SeqID == y.SeqID && x.Length == y.Length && x.Alphabet == y.Alphabet && (!times || x.Added.Equal(y.Added))
	}
	if !slices.EqualFunc(infosA, infosB, eqInfo) {
		t.Fatalf("Sequences differ:\n%v\n%v", infosA, infosB)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, info := range infosA {
		ia, _ := a.Info(ctx, info.SeqID)
		ib, err := b.Info(ctx, info.SeqID)
		if err != nil || !eqInfo(ia, ib) {
			t.Errorf("Info(%s): %+v vs %+v %v", info.SeqID, ia, ib, err)
		}
		sa, _ := repo.Slice(ctx, a, info.SeqID, 0, repo.ToEnd)
		sb, err := repo.Slice(ctx, b, info.SeqID, 0, repo.ToEnd)
		if err != nil || !bytes.Equal(sa, sb) {
			t.Errorf("sequence %s differs (%v)", info.SeqID, err)
		}
		for range max(5, 600/len(infosA)) {
			start := rng.Int64N(info.Length + 1)
			n := rng.IntN(30000)
			pa, pb := make([]byte, n), make([]byte, n)
			na, ea := a.ReadSequence(ctx, info.SeqID, pa, start)
			nb, eb := b.ReadSequence(ctx, info.SeqID, pb, start)
			if na != nb || !bytes.Equal(pa[:na], pb[:nb]) || fmt.Sprint(ea) != fmt.Sprint(eb) {
				t.Fatalf("ReadSequence(%s, %d, +%d): %d %v vs %d %v", info.SeqID, start, n, na, ea, nb, eb)
			}
		}
	}
	all, err := repo.Collect(a.FindAliases(ctx, repo.AliasQuery{IncludeHistoric: times}))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) > 150 { // a random sample of the records keeps this quick
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		all = all[:150]
	}
	queries := []repo.AliasQuery{{}, {IncludeHistoric: true}, {Namespace: "%"}, {Alias: "%"}, {Alias: "%phiX%"},
		{Namespace: "test", Alias: "nc_%"}, {Namespace: "t_st", Alias: "%chromosome:R64-1-1:%"}, {Alias: "NC_001422.1"},
		{Namespace: "VMC", Alias: "GS_%"}, {Namespace: "MD5", Alias: "3332%"}, {SeqID: "z%"}, {SeqID: "nosuch"}, {Namespace: "nosuch"}}
	for _, r := range all {
		queries = append(queries, repo.AliasQuery{SeqID: r.SeqID}, repo.AliasQuery{Namespace: r.Namespace},
			repo.AliasQuery{Namespace: r.Namespace, Alias: r.Alias}, repo.AliasQuery{Alias: r.Alias},
			repo.AliasQuery{Alias: r.Alias, IncludeHistoric: true}, repo.AliasQuery{SeqID: r.SeqID, Namespace: r.Namespace},
			repo.AliasQuery{Namespace: r.Namespace, Alias: r.Alias[:len(r.Alias)/2] + "%"})
	}
	eqAlias := func(x, y repo.Alias) bool {
		return x.SeqID == y.SeqID && x.Namespace == y.Namespace && x.Alias == y.Alias && x.Current == y.Current && (!times || x.Added.Equal(y.Added))
	}
	for _, q := range queries {
		if !times && q.IncludeHistoric {
			continue
		}
		ra, errA := repo.Collect(a.FindAliases(ctx, q))
		rb, errB := repo.Collect(b.FindAliases(ctx, q))
		if errA != nil || errB != nil || !slices.EqualFunc(ra, rb, eqAlias) {
			t.Errorf("FindAliases(%+v):\n seqrepo %d %v %v\n   redis %d %v %v", q, len(ra), head(ra), errA, len(rb), head(rb), errB)
		}
	}
	na, _ := a.Namespaces(ctx)
	nb, err := b.Namespaces(ctx)
	if err != nil || !slices.Equal(na, nb) {
		t.Errorf("Namespaces: %v vs %v %v", na, nb, err)
	}
	for _, ns := range append(na, "nosuch", "refseq") {
		ra, errA := repo.Collect(a.NamespaceAliases(ctx, ns))
		rb, errB := repo.Collect(b.NamespaceAliases(ctx, ns))
		if errA != nil || errB != nil || !slices.EqualFunc(ra, rb, eqAlias) {
			t.Errorf("NamespaceAliases(%s): %d %v vs %d %v", ns, len(ra), errA, len(rb), errB)
		}
	}
	ids := []string{"NC_001422.1", "nosuch", "ga4gh:SQ." + infosA[0].SeqID, "SQ." + infosA[0].SeqID, "MD5:%", "test:NC_001422.1%"}
	for _, r := range all {
		ids = append(ids, r.String(), r.Alias)
	}
	for _, style := range []repo.Style{repo.StyleSeqRepo, repo.StyleREST, repo.StyleRefget} {
		for _, id := range ids {
			sa, ea := repo.Resolve(ctx, a, id, "", style)
			sb, eb := repo.Resolve(ctx, b, id, "", style)
			if sa != sb || fmt.Sprint(ea) != fmt.Sprint(eb) || errors.Is(ea, repo.ErrNotFound) != errors.Is(eb, repo.ErrNotFound) {
				t.Errorf("Resolve(%q, style %d): %q %v vs %q %v", id, style, sa, ea, sb, eb)
			}
		}
		if t.Failed() {
			return
		}
	}
	for _, r := range all {
		ta, ea := repo.Translate(ctx, a, r.String(), nil)
		tb, eb := repo.Translate(ctx, b, r.String(), nil)
		if !slices.Equal(ta, tb) || fmt.Sprint(ea) != fmt.Sprint(eb) {
			t.Errorf("Translate(%s): %v %v vs %v %v", r, strings.Join(ta, " "), ea, strings.Join(tb, " "), eb)
		}
	}
}

// TestRoundTripLarger builds a larger SeqRepo instance (hundreds of
// sequences, several namespaces, re-assigned aliases with history), copies
// it into Redis exactly, then back out into a new SeqRepo instance through
// the plain Writer interface, comparing every answer at each step.
func TestRoundTripLarger(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	inst := filepath.Join(t.TempDir(), "master")
	if err := seqrepo.CreateInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	sw, err := seqrepo.OpenWriter(ctx, inst, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 200 {
		seq := randSeq(rng, 1+rng.IntN(6000))
		if i%50 == 0 {
			seq = bytes.ToLower(seq[:1+len(seq)/3])
		}
		as := []repo.NSAlias{{Namespace: "refseq", Alias: fmt.Sprintf("NM_%06d.%d", i, 1+i%3)}, {Namespace: "GRCh38", Alias: fmt.Sprintf("chr%d", i%97)}}
		if i%3 == 0 {
			as = append(as, repo.NSAlias{Namespace: "Ensembl", Alias: fmt.Sprintf("ENST%011d.1", i)}, repo.NSAlias{Namespace: "me", Alias: fmt.Sprintf("x %d/%d", i, i)})
		}
		if _, err := sw.Store(ctx, seq, as); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 {
			if err := sw.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := sw.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	sw.Close()
	orig, err := seqrepo.Open(ctx, inst, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	if n, _ := repo.Collect(orig.FindAliases(ctx, repo.AliasQuery{Namespace: "GRCh38", IncludeHistoric: true})); len(n) != 200 {
		t.Fatalf("fixture: %d GRCh38 records, want 200 (103 historic)", len(n))
	}

	// In, exactly.
	loc := srv.URL() + "?prefix=big&part_size=4099"
	u, _ := url.Parse(loc)
	w, err := OpenWriter(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	copyInto(t, orig, w, true)
	w.Close()
	rs, err := repotest.OpenVia(ctx, Factory{}, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	CompareSources(t, orig, rs, true)

	// Out again, through the plain Writer interface of the SeqRepo layout.
	out := filepath.Join(t.TempDir(), "master")
	if err := seqrepo.CreateInstance(ctx, out); err != nil {
		t.Fatal(err)
	}
	ow, err := seqrepo.OpenWriter(ctx, out, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for info, err := range rs.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		seq, err := repo.Slice(ctx, rs, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := repo.Collect(rs.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID}))
		var as []repo.NSAlias
		for _, a := range recs {
			as = append(as, repo.NSAlias{Namespace: a.Namespace, Alias: a.Alias})
		}
		if _, err := ow.Store(ctx, seq, as); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ow.Close()
	back, err := seqrepo.Open(ctx, out, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	CompareSources(t, rs, back, false)
}

// TestCopierIntoAndOutOf runs the shared copier (what `seqfs copy` uses)
// from the sample into Redis, again to check that a re-run adds nothing,
// and from Redis out into a new SeqRepo instance.
func TestCopierIntoAndOutOf(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	sample := openSample(t)
	u, _ := url.Parse(srv.URL() + "?prefix=copier&part_size=65536")
	for run := range 2 {
		w, err := OpenWriter(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		p, err := copier.Copy(ctx, sample, w, copier.Options{Verify: true})
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		if wantAdded := int64(3 * (1 - run)); p.Sequences != 3 || p.Added != wantAdded {
			t.Errorf("run %d: %+v", run, p)
		}
	}
	rs, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	CompareSources(t, sample, rs, false)

	out := filepath.Join(t.TempDir(), "master")
	if err := seqrepo.CreateInstance(ctx, out); err != nil {
		t.Fatal(err)
	}
	ow, err := seqrepo.OpenWriter(ctx, out, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := copier.Copy(ctx, rs, ow, copier.Options{Verify: true}); err != nil {
		t.Fatal(err)
	}
	ow.Close()
	back, err := seqrepo.Open(ctx, out, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	CompareSources(t, sample, back, false)
}
