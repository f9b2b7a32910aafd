package seqrepo

import (
	"context"
	"errors"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// TestStoreAliases replays SeqRepo's tests/test_seqaliasdb.py store_alias
// steps through StoreAliases (sequences stored first, some committed and
// some staged) and checks the rows and the refusals.
func TestStoreAliases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, dir := newTestWriter(t, WriterOptions{})
	const q1, q2 = "aKF498dAxcJAqme6QYQ7EZ07-fiw8Kw2", "bsoUMlD3TrEtlh9Dt1iT29mzfkwwFUDr"
	if _, err := w.Store(ctx, []byte("ACGT"), nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Store(ctx, []byte("SMELLASSWEET"), nil); err != nil { // staged
		t.Fatal(err)
	}
	steps := []struct {
		seqID string
		a     []repo.NSAlias
		added int
	}{
		{q1, []repo.NSAlias{{Namespace: "A", Alias: "1"}, {Namespace: "A", Alias: "1"}}, 1},
		{q1, []repo.NSAlias{{Namespace: "A", Alias: "2"}, {Namespace: "B", Alias: "1"}}, 2},
		{q2, []repo.NSAlias{{Namespace: "A", Alias: "1"}}, 1},
		{q2, []repo.NSAlias{{Namespace: "refseq", Alias: "NC_1.1"}}, 1}, // translated to NCBI
	}
	for i, s := range steps {
		n, err := w.StoreAliases(ctx, s.seqID, s.a)
		if err != nil || n != s.added {
			t.Fatalf("step %d: %d, %v; want %d added", i, n, err, s.added)
		}
	}
	if _, err := w.StoreAliases(ctx, "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXc", []repo.NSAlias{{Namespace: "A", Alias: "3"}}); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("unknown sequence: %v; want ErrNotFound", err)
	}
	if _, err := w.StoreAliases(ctx, q1, []repo.NSAlias{{Namespace: "A"}}); err == nil {
		t.Error("empty alias accepted")
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := sqlite3Out(t, AliasesDBPath(dir), "select namespace, alias, seq_id, is_current from seqalias where namespace in ('A','B','NCBI') order by seqalias_id")
	want := "A|1|" + q1 + "|0\nA|2|" + q1 + "|1\nB|1|" + q1 + "|1\nA|1|" + q2 + "|1\nNCBI|NC_1.1|" + q2 + "|1\n"
	if got != want {
		t.Errorf("seqalias rows:\n%s\nwant:\n%s", got, want)
	}
	w.Close()
	if _, err := w.StoreAliases(ctx, q1, []repo.NSAlias{{Namespace: "A", Alias: "1"}}); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("closed writer: %v", err)
	}
}
