package repotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// Same selects what SameSource compares.
type Same int

const (
	// SameContent compares what a copy through Writer.Store keeps: every
	// sequence (Info and bytes) and every current alias record. Added
	// times and historic alias records are not compared.
	SameContent Same = iota
	// SameExact also compares every Added time and every historic alias
	// record: what an exact copy (repo.ExactCopier) or another reader of
	// the same store keeps.
	SameExact
)

// sameRecords caps the alias records whose questions SameSource asks; a
// random sample of that many keeps large sources quick.
const sameRecords = 150

// SameSource requires got to answer every question as want does: every
// sequence (Sequences, Info, the whole bytes and random ReadSequence
// ranges), FindAliases by every record's seq_id, namespace and alias and
// by patterns, Namespaces and NamespaceAliases, Resolve in every style and
// Translate of every record, and, when want lists collections, the same
// collection listing and arrays. how says whether timestamps and historic
// records count (see Same). want must hold at least one sequence.
func SameSource(t testing.TB, want, got repo.Source, how Same) {
	t.Helper()
	ctx := context.Background()
	exact := how == SameExact
	infos := sameSequences(t, ctx, want, got, exact)
	all, err := repo.Collect(want.FindAliases(ctx, repo.AliasQuery{IncludeHistoric: exact}))
	if err != nil {
		t.Fatalf("want: FindAliases: %v", err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	if len(all) > sameRecords {
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		all = all[:sameRecords]
	}
	sameAliases(t, ctx, want, got, all, exact)
	ids := []string{"NC_001422.1", "nosuch", "ga4gh:SQ." + infos[0].SeqID, "SQ." + infos[0].SeqID, "MD5:%", "test:NC_001422.1%"}
	for _, r := range all {
		ids = append(ids, r.String(), r.Alias)
	}
	for _, style := range []repo.Style{repo.StyleSeqRepo, repo.StyleREST, repo.StyleRefget} {
		for _, id := range ids {
			sa, ea := repo.Resolve(ctx, want, id, "", style)
			sb, eb := repo.Resolve(ctx, got, id, "", style)
			if sa != sb || fmt.Sprint(ea) != fmt.Sprint(eb) || errors.Is(ea, repo.ErrNotFound) != errors.Is(eb, repo.ErrNotFound) {
				t.Errorf("Resolve(%q, style %d): want %q %v, got %q %v", id, style, sa, ea, sb, eb)
			}
		}
		if t.Failed() {
			return
		}
	}
	for _, r := range all {
		ta, ea := repo.Translate(ctx, want, r.String(), nil)
		tb, eb := repo.Translate(ctx, got, r.String(), nil)
		if !slices.Equal(ta, tb) || fmt.Sprint(ea) != fmt.Sprint(eb) {
			t.Errorf("Translate(%s): want %v %v, got %v %v", r, strings.Join(ta, " "), ea, strings.Join(tb, " "), eb)
		}
	}
	sameCollections(t, ctx, want, got, exact)
}

// sameSequences compares the sequence listings, Info and bytes and returns
// want's listing (not empty).
func sameSequences(t testing.TB, ctx context.Context, want, got repo.Source, exact bool) []repo.Info {
	t.Helper()
	infosA, err := repo.Collect(want.Sequences(ctx))
	if err != nil {
		t.Fatalf("want: Sequences: %v", err)
	}
	if len(infosA) == 0 {
		t.Fatal("SameSource: want holds no sequence")
	}
	infosB, err := repo.Collect(got.Sequences(ctx))
	if err != nil {
		t.Fatalf("got: Sequences: %v", err)
	}
	eqInfo := func(x, y repo.Info) bool {
		return x.SeqID == y.SeqID && x.Length == y.Length && x.Alphabet == y.Alphabet && (!exact || x.Added.Equal(y.Added))
	}
	if !slices.EqualFunc(infosA, infosB, eqInfo) {
		t.Fatalf("Sequences differ:\nwant %v\n got %v", infosA, infosB)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, info := range infosA {
		ib, err := got.Info(ctx, info.SeqID)
		if err != nil || !eqInfo(info, ib) {
			t.Errorf("Info(%s): want %+v, got %+v %v", info.SeqID, info, ib, err)
		}
		sa, err := repo.Slice(ctx, want, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatalf("want: read %s: %v", info.SeqID, err)
		}
		sb, err := repo.Slice(ctx, got, info.SeqID, 0, repo.ToEnd)
		if err != nil || !bytes.Equal(sa, sb) {
			t.Errorf("sequence %s differs (%d vs %d bytes, %v)", info.SeqID, len(sa), len(sb), err)
		}
		for range max(5, 600/len(infosA)) {
			start := rng.Int64N(info.Length + 1)
			n := rng.IntN(30000)
			pa, pb := make([]byte, n), make([]byte, n)
			na, ea := want.ReadSequence(ctx, info.SeqID, pa, start)
			nb, eb := got.ReadSequence(ctx, info.SeqID, pb, start)
			if na != nb || !bytes.Equal(pa[:na], pb[:nb]) || fmt.Sprint(ea) != fmt.Sprint(eb) {
				t.Fatalf("ReadSequence(%s, %d, +%d): want %d %v, got %d %v", info.SeqID, start, n, na, ea, nb, eb)
			}
		}
	}
	return infosA
}

// sameAliases compares FindAliases for fixed queries and for queries built
// from the records all, Namespaces and NamespaceAliases.
func sameAliases(t testing.TB, ctx context.Context, want, got repo.Source, all []repo.Alias, exact bool) {
	t.Helper()
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
		return x.SeqID == y.SeqID && x.Namespace == y.Namespace && x.Alias == y.Alias && x.Current == y.Current && (!exact || x.Added.Equal(y.Added))
	}
	for _, q := range queries {
		if !exact && q.IncludeHistoric {
			continue
		}
		ra, errA := repo.Collect(want.FindAliases(ctx, q))
		rb, errB := repo.Collect(got.FindAliases(ctx, q))
		if errA != nil || errB != nil || !slices.EqualFunc(ra, rb, eqAlias) {
			t.Errorf("FindAliases(%+v):\nwant %d %v %v\n got %d %v %v", q, len(ra), head(ra), errA, len(rb), head(rb), errB)
		}
	}
	na, err := want.Namespaces(ctx)
	if err != nil {
		t.Fatalf("want: Namespaces: %v", err)
	}
	nb, err := got.Namespaces(ctx)
	if err != nil || !slices.Equal(na, nb) {
		t.Errorf("Namespaces: want %v, got %v %v", na, nb, err)
	}
	for _, ns := range append(na, "nosuch", "refseq") {
		ra, errA := repo.Collect(want.NamespaceAliases(ctx, ns))
		rb, errB := repo.Collect(got.NamespaceAliases(ctx, ns))
		if errA != nil || errB != nil || !slices.EqualFunc(ra, rb, eqAlias) {
			t.Errorf("NamespaceAliases(%s): want %d %v, got %d %v", ns, len(ra), errA, len(rb), errB)
		}
	}
}

// head returns up to the first three records of rs, for messages.
func head(rs []repo.Alias) []repo.Alias { return rs[:min(3, len(rs))] }

// sameCollections compares the collection listings and every collection's
// arrays when want holds collections; Added counts only when exact.
func sameCollections(t testing.TB, ctx context.Context, want, got repo.Source, exact bool) {
	t.Helper()
	ca, err := repo.Collections(want)
	if err != nil {
		return
	}
	la, err := repo.Collect(ca.Collections(ctx))
	if err != nil || len(la) == 0 {
		return
	}
	cb, err := repo.Collections(got)
	if err != nil {
		t.Fatalf("want holds %d collections, got: %v", len(la), err)
	}
	lb, err := repo.Collect(cb.Collections(ctx))
	if err != nil {
		t.Fatalf("got: Collections: %v", err)
	}
	eq := func(x, y repo.CollectionInfo) bool {
		return x.Digest == y.Digest && slices.Equal(x.Names, y.Names) && x.Sequences == y.Sequences &&
			x.Residues == y.Residues && (!exact || x.Added.Equal(y.Added))
	}
	if !slices.EqualFunc(la, lb, eq) {
		t.Fatalf("Collections differ:\nwant %+v\n got %+v", la, lb)
	}
	for _, info := range la {
		x, _, err := ca.Collection(ctx, info.Digest)
		if err != nil {
			t.Fatalf("want: Collection(%s): %v", info.Digest, err)
		}
		y, d, err := cb.Collection(ctx, info.Digest)
		if err != nil || d != info.Digest || !sameCollection(x, y) {
			t.Errorf("Collection(%s): want %+v, got %+v %s %v", info.Digest, x, y, d, err)
		}
	}
}
