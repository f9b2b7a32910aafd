package repotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/internal/memsource"
	"github.com/seqfs/seqfs/repo"
)

// WriterStore is one fresh, empty writable store, as RunWriter uses it.
type WriterStore struct {
	// OpenWriter opens a Writer on the store. RunWriter closes every
	// Writer it opens and never has two open at once.
	OpenWriter func(t *testing.T) repo.Writer
	// OpenSource opens a new reader of what is committed in the store;
	// RunWriter closes it. Before the first commit it may fail with an
	// error matching repo.ErrNotFound: nothing is stored yet.
	OpenSource func(t *testing.T) (repo.Source, error)
	// FailCommits, if set, makes every later Commit on the store fail,
	// as a full disk or a lost server would; RunWriter calls it before it
	// stages the writes of the commit that must fail. Without it the
	// FailedCommit case is skipped.
	FailCommits func(t *testing.T)
	// AtomicCommit declares that one Commit is all or nothing (the
	// store commits in one transaction): after a failed Commit readers
	// see exactly what they saw before it.
	AtomicCommit bool
}

// RunWriter checks the repo.Writer contract (see its documentation):
// staged writes invisible until a commit, Commit making them visible,
// Close discarding only what is staged, whole sequences only, rejected
// Stores changing nothing, idempotent re-adds, aliases re-pointed with
// their history, concurrent Stores, copies by package copier interrupted
// and resumed, and, for a repo.CollectionWriter, staged collections.
// Every case calls newStore for a fresh, empty store.
//
// The cases run as parallel subtests of t, each on its own store, except
// FailedCommit, which runs alone before the others start, so FailCommits
// may refuse commits server-wide until the test's cleanup. The calls of
// newStore come one at a time, in the order of the cases; what the
// stores need must be released with t.Cleanup, not defer, since the
// parallel cases run after the function that called RunWriter returns.
func RunWriter(t *testing.T, newStore func(t *testing.T) WriterStore) {
	t.Helper()
	for _, c := range []struct {
		name  string
		run   func(t *testing.T, s *writerCase)
		alone bool // FailCommits may reach past its store (a server-wide setting)
	}{
		{"Staging", testStaging, false},
		{"CloseDiscards", testCloseDiscards, false},
		{"Rejected", testRejected, false},
		{"Idempotent", testIdempotent, false},
		{"Repoint", testRepoint, false},
		{"FailedCommit", testFailedCommit, true},
		{"Concurrent", testConcurrentStores, false},
		{"ResumedCopy", testResumedCopy, false},
		{"Collections", testCollectionWriter, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := newStore(t)
			if !c.alone {
				t.Parallel()
			}
			c.run(t, &writerCase{WriterStore: store, ctx: context.Background()})
		})
	}
}

// writerCase is one store under test.
type writerCase struct {
	WriterStore
	ctx context.Context
}

// open opens a Writer, closed when the test ends.
func (s *writerCase) open(t *testing.T) repo.Writer {
	t.Helper()
	w := s.OpenWriter(t)
	if w == nil {
		t.Fatal("OpenWriter returned a nil Writer")
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// reader opens a new reader of the store, closed when the test ends; it
// returns nil when nothing is stored yet.
func (s *writerCase) reader(t *testing.T) repo.Source {
	t.Helper()
	src, err := s.OpenSource(t)
	if errors.Is(err, repo.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("open a reader: %v", err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// committed opens a new reader of a store that must hold commits.
func (s *writerCase) committed(t *testing.T) repo.Source {
	t.Helper()
	src := s.reader(t)
	if src == nil {
		t.Fatal("the store holds nothing after a commit")
	}
	return src
}

// store calls w.Store and requires the result want (SeqID aside).
func (s *writerCase) store(t *testing.T, w repo.Writer, seq string, want repo.StoreResult, aliases ...repo.NSAlias) string {
	t.Helper()
	d, err := repo.ComputeDigests([]byte(seq))
	if err != nil {
		t.Fatal(err)
	}
	want.SeqID = d.SeqID
	res, err := w.Store(s.ctx, []byte(seq), aliases)
	if err != nil || res != want {
		t.Fatalf("Store(%.20q, %v) = %+v, %v; want %+v", seq, aliases, res, err, want)
	}
	return d.SeqID
}

// commit commits w.
func (s *writerCase) commit(t *testing.T, w repo.Writer) {
	t.Helper()
	if err := w.Commit(s.ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// has reports whether src (nil: an empty store) holds seqID.
func has(t testing.TB, src repo.Source, seqID string) bool {
	t.Helper()
	if src == nil {
		return false
	}
	_, err := src.Info(context.Background(), seqID)
	if errors.Is(err, repo.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatalf("Info(%s): %v", seqID, err)
	}
	return true
}

// records returns src's alias records matching q as sorted
// "seq_id ns:alias current" strings (nil for an empty store).
func records(t testing.TB, src repo.Source, q repo.AliasQuery) []string {
	t.Helper()
	if src == nil {
		return nil
	}
	var out []string
	for a, err := range src.FindAliases(context.Background(), q) {
		if err != nil {
			t.Fatalf("FindAliases(%+v): %v", q, err)
		}
		out = append(out, fmt.Sprintf("%s %s %t", a.SeqID, a, a.Current))
	}
	slices.Sort(out)
	return out
}

// digestRecords returns the current digest alias records of seq in the
// form records gives, plus "seqID ns:alias true" for each of extra.
func digestRecords(seq string, extra ...string) []string {
	d, err := repo.ComputeDigests([]byte(seq))
	if err != nil {
		panic(err)
	}
	out := []string{d.SeqID + " VMC:" + d.VMC() + " true", d.SeqID + " SHA1:" + d.SHA1 + " true",
		d.SeqID + " MD5:" + d.MD5 + " true", d.SeqID + " SEGUID:" + d.SEGUID + " true"}
	for _, e := range extra {
		out = append(out, d.SeqID+" "+e+" true")
	}
	slices.Sort(out)
	return out
}

// CheckWhole requires src to hold whole sequences only, as every
// repo.Writer leaves its store however a write ends: each sequence reads
// back with its digest and length and has its four digest aliases, and
// every current alias points at a stored sequence. It returns the number
// of sequences; a nil src is an empty store.
func CheckWhole(t testing.TB, src repo.Source) int {
	t.Helper()
	if src == nil {
		return 0
	}
	ctx := context.Background()
	n := 0
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			t.Fatalf("Sequences: %v", err)
		}
		seq, err := repo.Slice(ctx, src, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatalf("read %s: %v", info.SeqID, err)
		}
		if d, _ := repo.ComputeDigests(seq); d.SeqID != info.SeqID || int64(len(seq)) != info.Length {
			t.Errorf("sequence %s reads back %d residues with digest %s; Info says %d", info.SeqID, len(seq), d.SeqID, info.Length)
		}
		got := records(t, src, repo.AliasQuery{SeqID: info.SeqID})
		for _, want := range digestRecords(string(seq)) {
			if !slices.Contains(got, want) {
				t.Errorf("sequence %s lacks its digest alias %q", info.SeqID, want)
			}
		}
		n++
	}
	for a, err := range src.FindAliases(ctx, repo.AliasQuery{}) {
		if err != nil {
			t.Fatalf("FindAliases: %v", err)
		}
		if !has(t, src, a.SeqID) {
			t.Errorf("alias %s points at %s, which is not stored", a, a.SeqID)
		}
	}
	return n
}

// testStaging: nothing is visible before Commit, everything after, with
// the digest aliases, translated namespaces and the bytes as given.
func testStaging(t *testing.T, s *writerCase) {
	w := s.open(t)
	start := time.Now().Add(-time.Second)
	const dna, protein = "ACGTTGCAACGTNNACGT", "mkv*LLS*"
	id1 := s.store(t, w, dna, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 2},
		repo.NSAlias{Namespace: "A", Alias: "1"}, repo.NSAlias{Namespace: "refseq", Alias: "NM_1.1"})
	id2 := s.store(t, w, protein, repo.StoreResult{SequencesAdded: 1})
	for name, src := range map[string]repo.Source{"the writer": w, "a reader": s.reader(t)} {
		for _, id := range []string{id1, id2} {
			if has(t, src, id) {
				t.Errorf("%s sees staged sequence %s before Commit", name, id)
			}
		}
		if got := records(t, src, repo.AliasQuery{Namespace: "A", Alias: "1"}); len(got) != 0 {
			t.Errorf("%s sees a staged alias before Commit: %v", name, got)
		}
	}
	s.commit(t, w)
	for name, src := range map[string]repo.Source{"the writer": w, "a reader": s.committed(t)} {
		for id, seq := range map[string]string{id1: dna, id2: protein} {
			info, err := src.Info(s.ctx, id)
			if err != nil || info.Length != int64(len(seq)) || info.Alphabet != repo.Alphabet([]byte(seq)) ||
				info.Added.Before(start) || info.Added.After(time.Now().Add(time.Second)) {
				t.Errorf("%s: Info(%s) = %+v, %v; want length %d, alphabet %q, added now", name, id, info, err, len(seq), repo.Alphabet([]byte(seq)))
			}
			if got, err := repo.Slice(s.ctx, src, id, 0, repo.ToEnd); err != nil || string(got) != seq {
				t.Errorf("%s: sequence %s reads %q, %v; want %q as stored", name, id, got, err, seq)
			}
		}
		if got, want := records(t, src, repo.AliasQuery{SeqID: id1}), digestRecords(dna, "A:1", "NCBI:NM_1.1"); !slices.Equal(got, want) {
			t.Errorf("%s: aliases of %s:\n got %v\nwant %v", name, id1, got, want)
		}
		if n := CheckWhole(t, src); n != 2 {
			t.Errorf("%s: %d sequences, want 2", name, n)
		}
	}
}

// testCloseDiscards: Close without Commit discards what was staged since
// the last commit and nothing before it.
func testCloseDiscards(t *testing.T, s *writerCase) {
	w := s.open(t)
	a1 := repo.NSAlias{Namespace: "A", Alias: "1"}
	id1 := s.store(t, w, "GATTACA", repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1}, a1)
	s.commit(t, w)
	id2 := s.store(t, w, "CATTAG", repo.StoreResult{SequencesAdded: 1, AliasesAdded: 2}, a1, repo.NSAlias{Namespace: "B", Alias: "2"})
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if res, err := w.Store(s.ctx, []byte("ACGT"), nil); err == nil {
		t.Errorf("Store after Close = %+v; want an error", res)
	}
	src := s.committed(t)
	if !has(t, src, id1) || has(t, src, id2) {
		t.Fatalf("after Close without Commit: committed sequence stored %t, staged one stored %t", has(t, src, id1), has(t, src, id2))
	}
	if got, want := records(t, src, repo.AliasQuery{Namespace: "A", Alias: "1", IncludeHistoric: true}), []string{id1 + " A:1 true"}; !slices.Equal(got, want) {
		t.Errorf("A:1 after Close without Commit: %v, want %v", got, want)
	}
	CheckWhole(t, src)
	// A new Writer finds the committed state and stores the rest anew.
	w = s.open(t)
	s.store(t, w, "GATTACA", repo.StoreResult{}, a1)
	s.store(t, w, "CATTAG", repo.StoreResult{SequencesAdded: 1, AliasesAdded: 2}, a1, repo.NSAlias{Namespace: "B", Alias: "2"})
	s.commit(t, w)
	src = s.committed(t)
	if got, want := records(t, src, repo.AliasQuery{Namespace: "A", Alias: "1", IncludeHistoric: true}), []string{id1 + " A:1 false", id2 + " A:1 true"}; !slices.Equal(sortedRecords(got), sortedRecords(want)) {
		t.Errorf("A:1 after the second Writer: %v, want %v", got, want)
	}
	if n := CheckWhole(t, src); n != 2 {
		t.Errorf("%d sequences, want 2", n)
	}
}

// sortedRecords returns recs sorted (records already sorts; wanted lists
// are sorted here).
func sortedRecords(recs []string) []string { return slices.Sorted(slices.Values(recs)) }

// testRejected: a Store rejected for its arguments changes nothing, and
// what was staged before it commits as usual.
func testRejected(t *testing.T, s *writerCase) {
	w := s.open(t)
	good := s.store(t, w, "ACGTACGTAAA", repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1}, repo.NSAlias{Namespace: "A", Alias: "good"})
	for _, bad := range []string{"AC-GT", "AC GT", "ACGT\n", "AC1GT", "AC.GT"} {
		if res, err := w.Store(s.ctx, []byte(bad), []repo.NSAlias{{Namespace: "B", Alias: "bad"}}); err == nil {
			t.Errorf("Store(%q) = %+v; want an error", bad, res)
		}
	}
	const other = "TTTTGGGGCCCC"
	for _, a := range []repo.NSAlias{{Namespace: "", Alias: "y"}, {Namespace: "x", Alias: ""}} {
		if res, err := w.Store(s.ctx, []byte(other), []repo.NSAlias{{Namespace: "B", Alias: "ok"}, a}); err == nil {
			t.Errorf("Store with alias %q = %+v; want an error", a, res)
		}
	}
	s.commit(t, w)
	d, _ := repo.ComputeDigests([]byte(other))
	for _, src := range []repo.Source{w, s.committed(t)} {
		if !has(t, src, good) || has(t, src, d.SeqID) {
			t.Errorf("after rejected Stores: the good sequence stored %t, the rejected one %t", has(t, src, good), has(t, src, d.SeqID))
		}
		if got := records(t, src, repo.AliasQuery{Namespace: "B", IncludeHistoric: true}); len(got) != 0 {
			t.Errorf("rejected Stores left aliases: %v", got)
		}
		if n := CheckWhole(t, src); n != 1 {
			t.Errorf("%d sequences, want 1", n)
		}
	}
}

// exactRecords returns every record of seqID, historic ones included,
// with its Added time.
func exactRecords(t *testing.T, src repo.Source, seqID string) []string {
	t.Helper()
	var out []string
	for a, err := range src.FindAliases(context.Background(), repo.AliasQuery{SeqID: seqID, IncludeHistoric: true}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %t %s", a, a.Current, a.Added.UTC().Format(time.RFC3339Nano)))
	}
	slices.Sort(out)
	return out
}

// testIdempotent: storing again what is stored, staged or committed, adds
// nothing and changes no timestamp.
func testIdempotent(t *testing.T, s *writerCase) {
	w := s.open(t)
	const seq = "ACGTNACGTNRYKM"
	a, b := repo.NSAlias{Namespace: "A", Alias: "1"}, repo.NSAlias{Namespace: "refseq", Alias: "NM_2.1"}
	id := s.store(t, w, seq, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 2}, a, a, b)
	s.store(t, w, seq, repo.StoreResult{}, a, b)                                             // staged
	s.store(t, w, seq, repo.StoreResult{}, repo.NSAlias{Namespace: "NCBI", Alias: "NM_2.1"}) // the DB form of b
	s.commit(t, w)
	src := s.committed(t)
	info, err := src.Info(s.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	recs := exactRecords(t, src, id)
	if len(recs) != 6 {
		t.Errorf("records of %s: %v; want 4 digest aliases, A:1 and NCBI:NM_2.1", id, recs)
	}
	time.Sleep(1100 * time.Millisecond) // a changed timestamp would differ
	s.store(t, w, seq, repo.StoreResult{}, b, a)
	s.commit(t, w)
	for _, src := range []repo.Source{w, s.committed(t)} {
		if again, err := src.Info(s.ctx, id); err != nil || !again.Added.Equal(info.Added) || again.Length != info.Length || again.Alphabet != info.Alphabet {
			t.Errorf("Info after a re-add: %+v, %v; want %+v", again, err, info)
		}
		if got := exactRecords(t, src, id); !slices.Equal(got, recs) {
			t.Errorf("records after a re-add:\n got %v\nwant %v", got, recs)
		}
	}
}

// testRepoint replays SeqRepo's store_alias steps (tests/test_seqaliasdb.py):
// an alias stored for another sequence is re-pointed and its old binding
// kept as historic, across a commit and twice within one.
func testRepoint(t *testing.T, s *writerCase) {
	w := s.open(t)
	const q1, q2, q3 = "ACGT", "SMELLASSWEET", "GGGG"
	a1, a2, b1 := repo.NSAlias{Namespace: "A", Alias: "1"}, repo.NSAlias{Namespace: "A", Alias: "2"}, repo.NSAlias{Namespace: "B", Alias: "1"}
	id1 := s.store(t, w, q1, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1}, a1)
	s.store(t, w, q1, repo.StoreResult{}, a1)
	s.store(t, w, q1, repo.StoreResult{AliasesAdded: 1}, a2)
	s.store(t, w, q1, repo.StoreResult{AliasesAdded: 1}, b1)
	s.commit(t, w)
	id2 := s.store(t, w, q2, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1}, a1) // re-points a committed alias
	id3 := s.store(t, w, q3, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1}, b1) // and one twice in a batch
	s.store(t, w, q1, repo.StoreResult{AliasesAdded: 1}, b1)
	if id, err := repo.Resolve(s.ctx, s.committed(t), "A:1", "", repo.StyleSeqRepo); err != nil || id != id1 {
		t.Errorf("A:1 resolves to %q, %v before Commit; want %s", id, err, id1)
	}
	s.commit(t, w)
	want := sortedRecords([]string{id1 + " A:1 false", id2 + " A:1 true", id1 + " A:2 true",
		id1 + " B:1 false", id3 + " B:1 false", id1 + " B:1 true"})
	for name, src := range map[string]repo.Source{"the writer": w, "a reader": s.committed(t)} {
		var got []string
		for _, ns := range []string{"A", "B"} {
			got = append(got, records(t, src, repo.AliasQuery{Namespace: ns, IncludeHistoric: true})...)
		}
		if got = sortedRecords(got); !slices.Equal(got, want) {
			t.Errorf("%s: records of A and B:\n got %v\nwant %v", name, got, want)
		}
		for alias, wantID := range map[string]string{"A:1": id2, "A:2": id1, "B:1": id1} {
			if id, err := repo.Resolve(s.ctx, src, alias, "", repo.StyleSeqRepo); err != nil || id != wantID {
				t.Errorf("%s: %s resolves to %q, %v; want %s", name, alias, id, err, wantID)
			}
		}
		CheckWhole(t, src)
	}
}

// testFailedCommit: a failed Commit leaves whole sequences only and, on a
// store whose commits are atomic, exactly what was committed before.
func testFailedCommit(t *testing.T, s *writerCase) {
	if s.FailCommits == nil {
		t.Skip("the store has no way to make a Commit fail")
	}
	w := s.open(t)
	b1 := repo.NSAlias{Namespace: "B", Alias: "1"}
	s.store(t, w, "GATTACAGATTACA", repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1}, b1)
	s.commit(t, w)
	before := s.committed(t)
	wantRecs := records(t, before, repo.AliasQuery{IncludeHistoric: true})
	wantSeqs, err := repo.Collect(before.Sequences(s.ctx))
	if err != nil {
		t.Fatal(err)
	}
	s.FailCommits(t)
	s.store(t, w, "CCCCGGGGAT", repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1}, repo.NSAlias{Namespace: "A", Alias: "1"})
	s.store(t, w, "TTTTAAAAGC", repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1}, b1) // re-points a committed alias
	if err := w.Commit(s.ctx); err == nil {
		t.Fatal("Commit succeeded after FailCommits")
	}
	after := s.committed(t)
	CheckWhole(t, after)
	for _, info := range wantSeqs {
		if !has(t, after, info.SeqID) {
			t.Errorf("sequence %s, committed before, is gone after a failed Commit", info.SeqID)
		}
	}
	if !s.AtomicCommit {
		return
	}
	if got := records(t, after, repo.AliasQuery{IncludeHistoric: true}); !slices.Equal(got, wantRecs) {
		t.Errorf("alias records after a failed Commit:\n got %v\nwant %v", got, wantRecs)
	}
	if got, err := repo.Collect(after.Sequences(s.ctx)); err != nil || !slices.EqualFunc(got, wantSeqs, func(a, b repo.Info) bool { return a.SeqID == b.SeqID }) {
		t.Errorf("sequences after a failed Commit: %v, %v; want %v", got, err, wantSeqs)
	}
}

// testConcurrentStores: Stores from several goroutines all commit.
func testConcurrentStores(t *testing.T, s *writerCase) {
	w := s.open(t)
	const workers, each = 4, 6
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for i := range each {
				seq := randomResidues(rng, 50+rng.IntN(500))
				a := repo.NSAlias{Namespace: "c", Alias: fmt.Sprintf("g%d-%d", g, i)}
				if res, err := w.Store(s.ctx, seq, []repo.NSAlias{a}); err != nil || res.SequencesAdded != 1 || res.AliasesAdded != 1 {
					errs <- fmt.Errorf("store %s: %+v, %w", a, res, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s.commit(t, w)
	src := s.committed(t)
	if n := CheckWhole(t, src); n != workers*each {
		t.Errorf("%d sequences, want %d", n, workers*each)
	}
	if got := records(t, src, repo.AliasQuery{Namespace: "c"}); len(got) != workers*each {
		t.Errorf("%d aliases in c, want %d", len(got), workers*each)
	}
}

// randomResidues returns n random nucleotides.
func randomResidues(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGTN"[rng.IntN(5)]
	}
	return b
}

// copySequences is the number of sequences of copySource.
const copySequences = 12

// copySource returns an in-memory source to copy: sequences with their
// digest aliases and two user aliases each, an alias re-pointed (so one
// historic record) and, with collections, two collections.
func copySource(t *testing.T, collections bool) *memsource.Source {
	t.Helper()
	src := memsource.New()
	rng := rand.New(rand.NewPCG(1, 2))
	added := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	var ids []string
	for i := range copySequences {
		seq := randomResidues(rng, 1+rng.IntN(3000))
		if i == 3 {
			seq = bytes.ToLower(seq)
		}
		d, err := repo.ComputeDigests(seq)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.SeqID)
		src.Put(repo.Info{SeqID: d.SeqID, Length: int64(len(seq)), Alphabet: repo.Alphabet(seq), Added: added}, seq)
		for _, a := range [][2]string{{"VMC", d.VMC()}, {"SHA1", d.SHA1}, {"MD5", d.MD5}, {"SEGUID", d.SEGUID},
			{"NCBI", fmt.Sprintf("NC_%06d.1", i)}, {"other", fmt.Sprintf("name %d", i)}} {
			src.AddAliases(repo.Alias{SeqID: d.SeqID, Namespace: a[0], Alias: a[1], Added: added, Current: true})
		}
	}
	src.AddAliases(repo.Alias{SeqID: ids[2], Namespace: "moved", Alias: "x", Added: added},
		repo.Alias{SeqID: ids[7], Namespace: "moved", Alias: "x", Added: added.Add(time.Hour), Current: true})
	if collections {
		for name, idx := range map[string][]int{"first": {0, 1}, "": {5}} {
			c := repo.Collection{}
			for _, i := range idx {
				info, _ := src.Info(context.Background(), ids[i])
				c.Names = append(c.Names, fmt.Sprintf("s%d", i))
				c.SeqIDs = append(c.SeqIDs, ids[i])
				c.Lengths = append(c.Lengths, info.Length)
			}
			if _, err := src.StoreCollection(context.Background(), name, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	return src
}

// testResumedCopy copies a source with package copier, interrupts the copy
// after a commit, and copies again: the store then holds exactly the
// source (timestamps and history too when the Writer is a
// repo.ExactCopier), and a third copy adds nothing.
func testResumedCopy(t *testing.T, s *writerCase) {
	w := s.open(t)
	_, exact := w.(repo.ExactCopier)
	_, colls := w.(repo.CollectionWriter)
	src := copySource(t, colls)
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	var commitErr error
	_, err := copier.Copy(ctx, src, w, copier.Options{OnProgress: func(p copier.Progress) {
		switch p.Sequences {
		case 4:
			commitErr = w.Commit(s.ctx) // as a Writer may commit by itself
		case 8:
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || commitErr != nil {
		t.Fatalf("interrupted copy: %v (commit: %v); want context.Canceled", err, commitErr)
	}
	// Readers see the committed sequences, each whole with its aliases.
	dst := s.committed(t)
	if n := CheckWhole(t, dst); n != 4 {
		t.Errorf("after the interrupted copy: %d sequences, want the 4 committed", n)
	}
	for info, err := range dst.Sequences(s.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if got, want := records(t, dst, repo.AliasQuery{SeqID: info.SeqID}), records(t, src, repo.AliasQuery{SeqID: info.SeqID}); !slices.Equal(got, want) {
			t.Errorf("aliases of %s after the interrupted copy:\n got %v\nwant %v", info.SeqID, got, want)
		}
	}
	w.Close()
	w = s.open(t)
	const wantAdded = copySequences - 4
	p, err := copier.Copy(s.ctx, src, w, copier.Options{Verify: true})
	if err != nil || p.Sequences != copySequences || p.Added != wantAdded {
		t.Fatalf("resumed copy: %+v, %v; want %d sequences, %d added", p, err, copySequences, wantAdded)
	}
	how := SameContent
	if exact {
		how = SameExact
	}
	SameSource(t, src, s.committed(t), how)
	if p, err := copier.Copy(s.ctx, src, w, copier.Options{}); err != nil || p.Added != 0 || p.Aliases != 0 {
		t.Errorf("a copy of what is copied: %+v, %v; want nothing added", p, err)
	}
}

// testCollectionWriter: collections are staged like sequences, visible at
// Commit, re-stored idempotently, moved by name, and discarded by Close.
func testCollectionWriter(t *testing.T, s *writerCase) {
	w := s.open(t)
	cw, ok := w.(repo.CollectionWriter)
	if !ok {
		t.Skip("the Writer does not store collections")
	}
	const x, y = "ACGTACGTTT", "GGGCCCAAAT"
	idX := s.store(t, w, x, repo.StoreResult{SequencesAdded: 1})
	idY := s.store(t, w, y, repo.StoreResult{SequencesAdded: 1})
	c1 := repo.Collection{Names: []string{"x", "y"}, SeqIDs: []string{idX, idY}, Lengths: []int64{int64(len(x)), int64(len(y))}}
	c2 := repo.Collection{Names: []string{"y", "x"}, SeqIDs: []string{idY, idX}, Lengths: []int64{int64(len(y)), int64(len(x))}}
	storeColl := func(name string, c repo.Collection) {
		t.Helper()
		if d, err := cw.StoreCollection(s.ctx, name, c); err != nil || d != c.Digest() {
			t.Fatalf("StoreCollection(%q) = %s, %v; want %s", name, d, err, c.Digest())
		}
	}
	// lookup returns the digest ref resolves to in src ("" when not found).
	lookup := func(src repo.Source, ref string) string {
		t.Helper()
		if src == nil {
			return ""
		}
		cs, err := repo.Collections(src)
		if err != nil {
			t.Fatalf("repo.Collections: %v", err)
		}
		_, d, err := cs.Collection(s.ctx, ref)
		if errors.Is(err, repo.ErrNotFound) {
			return ""
		}
		if err != nil {
			t.Fatalf("Collection(%q): %v", ref, err)
		}
		return d
	}
	storeColl("coll", c1)
	for _, src := range []repo.Source{w, s.reader(t)} {
		if d := lookup(src, "coll"); d != "" {
			t.Errorf("staged collection visible before Commit: %s", d)
		}
	}
	s.commit(t, w)
	storeColl("coll", c1) // idempotent
	s.commit(t, w)
	for _, src := range []repo.Source{w, s.committed(t)} {
		if d := lookup(src, "coll"); d != c1.Digest() {
			t.Errorf("coll is %q after Commit, want %s", d, c1.Digest())
		}
	}
	storeColl("coll", c2) // moves the name
	s.commit(t, w)
	src := s.committed(t)
	if d, old := lookup(src, "coll"), lookup(src, c1.Digest()); d != c2.Digest() || old != c1.Digest() {
		t.Errorf("after the move: coll is %q, the first collection %q; want %s and %s", d, old, c2.Digest(), c1.Digest())
	}
	cs, _ := repo.Collections(src)
	if infos, err := repo.Collect(cs.Collections(s.ctx)); err != nil || len(infos) != 2 {
		t.Errorf("Collections listed %+v, %v; want the two", infos, err)
	}
	// Staged and closed: discarded. A collection of a sequence that is
	// not stored is refused.
	storeColl("gone", c1)
	missing, _ := repo.ComputeDigests([]byte("TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTAAAAC"))
	if _, err := cw.StoreCollection(s.ctx, "bad", repo.Collection{Names: []string{"m"}, SeqIDs: []string{missing.SeqID}, Lengths: []int64{47}}); err == nil {
		t.Error("StoreCollection of a sequence that is not stored succeeded")
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	src = s.committed(t)
	if d := lookup(src, "gone"); d != "" {
		t.Errorf("a collection staged and closed is stored: %s", d)
	}
	if d := lookup(src, "bad"); d != "" {
		t.Errorf("a refused collection is stored: %s", d)
	}
}
