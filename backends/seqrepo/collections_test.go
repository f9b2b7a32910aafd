package seqrepo

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// sampleWithCollections returns a writable copy of the sample instance
// holding the sample collections.
func sampleWithCollections(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	dir := sampleCopy(t)
	w, err := OpenWriter(ctx, dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := repotest.StoreSampleCollections(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCollectionsConformance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := sampleCopy(t)
	w, err := OpenWriter(ctx, dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, _, err := w.Collection(ctx, "genome"); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("instance without %s: Collection = %v, want not found", CollectionsDBFile, err)
	}
	if err := repotest.StoreSampleCollections(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Collection(ctx, "genome"); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("staged collection visible before Commit: %v", err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("Writer", func(t *testing.T) { repotest.RunCollections(t, w) })
	w.Close()

	t.Run("Instance", func(t *testing.T) {
		repotest.Run(t, func(t *testing.T) repo.Source {
			inst, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			repotest.RunCollections(t, inst)
			return inst
		})
	})
	t.Run("Snapshot", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "2024-01-01")
		if err := Snapshot(ctx, dir, dest); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { snapMakeWritable(dest) })
		inst, err := Open(ctx, dest, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		if !inst.Immutable() {
			t.Error("snapshot not opened immutable")
		}
		repotest.RunCollections(t, inst)
	})
}

func TestCollectionsReload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := sampleWithCollections(t)
	before := sqlite3Out(t, CollectionsDBPath(dir), "select count(*) from collection; select count(*) from collection_name")
	// Storing the same collections again changes nothing: same digests,
	// names already bound.
	w, err := OpenWriter(ctx, dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := repotest.StoreSampleCollections(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	w.Close()
	// The sample stores "two" twice, so a reload moves it back and forth:
	// one historic row more each time, nothing else.
	after := sqlite3Out(t, CollectionsDBPath(dir), "select count(*) from collection; select count(*) from collection_name")
	if before != "4\n4\n" || after != "4\n6\n" {
		t.Errorf("rows before/after reload = %q / %q, want 4,4 / 4,6", before, after)
	}
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	repotest.RunCollections(t, inst)
}

func TestCollectionsStagedWithSequences(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, dir := newTestWriter(t, WriterOptions{})
	var c repo.Collection
	for i, s := range []string{"ACGT", "GGGCCC", "TTTTTTTTTTA"} {
		res, err := w.Store(ctx, []byte(s), []repo.NSAlias{{Namespace: "t", Alias: fmt.Sprint("s", i)}})
		if err != nil {
			t.Fatal(err)
		}
		c.Names = append(c.Names, fmt.Sprint("chr", i))
		c.SeqIDs = append(c.SeqIDs, res.SeqID)
		c.Lengths = append(c.Lengths, int64(len(s)))
	}
	d, err := w.StoreCollection(ctx, "mine", c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(CollectionsDBPath(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists before the commit: %v", CollectionsDBFile, err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got, gd, err := w.Collection(ctx, "mine")
	if err != nil || gd != d || got.Digest() != d {
		t.Fatalf("Collection(mine) = %+v, %s, %v; want digest %s", got, gd, err, d)
	}
	// A discarded writer leaves nothing: Close without Commit.
	c2 := repo.Collection{Names: []string{"x"}, SeqIDs: c.SeqIDs[:1], Lengths: c.Lengths[:1]}
	if _, err := w.StoreCollection(ctx, "mine", c2); err != nil {
		t.Fatal(err)
	}
	w.Close()
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	if _, gd, err := inst.Collection(ctx, "mine"); err != nil || gd != d {
		t.Errorf("after a discarded rebind, mine = %s, %v; want %s", gd, err, d)
	}
	if _, _, err := inst.Collection(ctx, c2.Digest()); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("discarded collection found: %v", err)
	}
}

func TestCollectionsWriterErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, _ := newTestWriter(t, WriterOptions{})
	res, err := w.Store(ctx, []byte("ACGT"), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := res.SeqID
	missing := repotest.Sample[0].SeqID
	for _, tc := range []struct {
		name     string
		coll     repo.Collection
		wantKind error // nil: any error
	}{
		{"missing", repo.Collection{Names: []string{"a"}, SeqIDs: []string{missing}, Lengths: []int64{5386}}, repo.ErrNotFound},
		{"dup", repo.Collection{Names: []string{"a", "a"}, SeqIDs: []string{id, id}, Lengths: []int64{4, 4}}, nil},
		{"ragged", repo.Collection{Names: []string{"a", "b"}, SeqIDs: []string{id}, Lengths: []int64{4}}, nil},
		{"empty", repo.Collection{}, nil},
		{id, repo.Collection{Names: []string{"a"}, SeqIDs: []string{id}, Lengths: []int64{4}}, nil},
		{"new\nline", repo.Collection{Names: []string{"a"}, SeqIDs: []string{id}, Lengths: []int64{4}}, nil},
	} {
		t.Run(strconv.Quote(tc.name), func(t *testing.T) {
			_, err := w.StoreCollection(ctx, tc.name, tc.coll)
			if err == nil || (tc.wantKind != nil && !errors.Is(err, tc.wantKind)) {
				t.Errorf("StoreCollection = %v, want an error (%v)", err, tc.wantKind)
			}
		})
	}
	// Refused collections leave the writer usable.
	if _, err := w.StoreCollection(ctx, "ok", repo.Collection{Names: []string{"a"}, SeqIDs: []string{id}, Lengths: []int64{4}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := w.StoreCollection(ctx, "late", repo.Collection{Names: []string{"a"}, SeqIDs: []string{id}, Lengths: []int64{4}}); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("StoreCollection after Close = %v", err)
	}
}

// TestCollectionsKillHelper is the process killed by TestCollectionsKill;
// it does nothing unless started by it. Every few sequences it stores a
// collection of them and moves the name "moving" to it.
func TestCollectionsKillHelper(t *testing.T) {
	ctx := context.Background()
	w, r, seed := openKillHelperWriter(t, "SEQFS_COLLKILL")
	for i := 0; ; i++ {
		var c repo.Collection
		for j := range 3 {
			s := randSeq(r, 100+r.Intn(20000), "ACGT")
			res, err := w.Store(ctx, s, []repo.NSAlias{{Namespace: "k", Alias: fmt.Sprintf("r%d-%d-%d", seed, i, j)}})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
			c.Names = append(c.Names, fmt.Sprint("chr", j))
			c.SeqIDs = append(c.SeqIDs, res.SeqID)
			c.Lengths = append(c.Lengths, int64(len(s)))
		}
		for _, name := range []string{fmt.Sprintf("c%d-%d", seed, i), "moving"} {
			if _, err := w.StoreCollection(ctx, name, c); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(5)
			}
		}
		if i%5 == 4 {
			if err := w.Commit(ctx); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(6)
			}
		}
	}
}

// checkCollectionsConsistent verifies that every collection reads back
// with its digest and only references committed sequences, and returns
// how many there are.
func checkCollectionsConsistent(t *testing.T, dir string) int {
	t.Helper()
	ctx := context.Background()
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	n := 0
	for info, err := range inst.Collections(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		c, d, err := inst.Collection(ctx, info.Digest)
		if err != nil || d != info.Digest {
			t.Fatalf("collection %s: %v", info.Digest, err)
		}
		for _, id := range c.SeqIDs {
			if _, err := inst.Info(ctx, id); err != nil {
				t.Fatalf("collection %s references %s: %v", d, id, err)
			}
		}
		n++
	}
	if n > 0 {
		if _, _, err := inst.Collection(ctx, "moving"); err != nil {
			t.Fatalf("name moving: %v", err)
		}
	}
	return n
}

// TestCollectionsKill stays serial: it kills its helper after a chosen
// time.
func TestCollectionsKill(t *testing.T) {
	dir := newKillTestInstance(t)
	ctx := context.Background()
	r := rand.New(rand.NewSource(time.Now().UnixNano()))
	prev := 0
	for round := range 4 {
		killHelper(t, "TestCollectionsKillHelper", time.Duration(400+r.Intn(1500))*time.Millisecond,
			"SEQFS_COLLKILL_DIR="+dir, fmt.Sprint("SEQFS_COLLKILL_SEED=", round))
		// A writer rolls back a hot journal left by a kill during the
		// database commit; then all three databases are of one commit.
		w, err := OpenWriter(ctx, dir, WriterOptions{})
		if err != nil {
			t.Fatalf("open writer after kill: %v", err)
		}
		w.Close()
		checkConsistent(t, dir)
		n := checkCollectionsConsistent(t, dir)
		if n < prev {
			t.Fatalf("round %d: %d collections, fewer than %d before", round, n, prev)
		}
		t.Logf("round %d: %d collections committed", round, n)
		prev = n
	}
	if prev == 0 {
		t.Errorf("no collection was ever committed; kill timing too early")
	}
}

// A collection row whose arrays do not match its digest is reported as
// corrupt, never returned.
func TestCollectionsCorrupt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := sampleWithCollections(t)
	d := repotest.SampleCollections[0].Coll.Digest()
	execDB(t, CollectionsDBPath(dir), `update collection set names = '["phiX","chrI","chrIII"]' where digest = '`+d+`'`)
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	for _, ref := range []string{"genome", d} {
		if _, _, err := inst.Collection(ctx, ref); !errors.Is(err, repo.ErrCorrupt) {
			t.Errorf("Collection(%s) of a tampered row = %v, want ErrCorrupt", ref, err)
		}
	}
}

// BenchmarkCollection looks up a 700-sequence collection by name (the
// size of a human assembly with its patches).
func BenchmarkCollection(b *testing.B) {
	ctx := context.Background()
	w, dir := newTestWriter(b, WriterOptions{})
	r := rand.New(rand.NewSource(1))
	var c repo.Collection
	for i := range 700 {
		res, err := w.Store(ctx, randSeq(r, 50, "ACGT"), nil)
		if err != nil {
			b.Fatal(err)
		}
		c.Names = append(c.Names, fmt.Sprintf("chr%d_random_alt_%d", i, i))
		c.SeqIDs = append(c.SeqIDs, res.SeqID)
		c.Lengths = append(c.Lengths, 50)
	}
	if _, err := w.StoreCollection(ctx, "big", c); err != nil {
		b.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer inst.Close()
	b.ResetTimer()
	for range b.N {
		if _, _, err := inst.Collection(ctx, "big"); err != nil {
			b.Fatal(err)
		}
	}
}

// A commit whose collection rows fail leaves nothing of that commit: not
// its sequences, aliases or sequence file either.
func TestCollectionsCommitAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := sampleWithCollections(t)
	execDB(t, CollectionsDBPath(dir), `create trigger refuse before insert on collection begin select raise(abort, 'refused by test'); end`)
	w, err := OpenWriter(ctx, dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Store(ctx, []byte("ACGTTGCA"), []repo.NSAlias{{Namespace: "t", Alias: "new"}})
	if err != nil {
		t.Fatal(err)
	}
	c := repo.Collection{Names: []string{"n"}, SeqIDs: []string{res.SeqID}, Lengths: []int64{8}}
	if _, err := w.StoreCollection(ctx, "fails", c); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err == nil || !strings.Contains(err.Error(), "refused by test") {
		t.Fatalf("Commit = %v, want the trigger's refusal", err)
	}
	w.Close()
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	if _, err := inst.Info(ctx, res.SeqID); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("sequence of the failed commit: %v, want not found", err)
	}
	if _, err := repo.Resolve(ctx, inst, "t:new", "", repo.StyleSeqRepo); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("alias of the failed commit: %v, want not found", err)
	}
	files, _ := filepath.Glob(filepath.Join(SequencesPath(dir), "*", "*", "*", "*.fa.bgz"))
	if n := sqlite3Out(t, SeqInfoDBPath(dir), "select count(distinct relpath) from seqinfo"); n != fmt.Sprintf("%d\n", len(files)) {
		t.Errorf("%d sequence files, %s referenced: the failed batch's file is left", len(files), strings.TrimSpace(n))
	}
	repotest.RunCollections(t, inst)
}
