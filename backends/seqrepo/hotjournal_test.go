package seqrepo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

// killInsideCommit runs TestWriterKillHelper on dir and kills it with
// SIGKILL the moment SQLite starts writing pages to aliases.sqlite3
// (watched with inotify): the writer keeps uncommitted pages in memory, so
// that happens only inside a commit, after the super-journal and the
// journals are synced. It reports whether the kill left a hot journal
// behind (it landed before the commit point).
func killInsideCommit(t *testing.T, dir string, seed int) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriterKillHelper$")
	cmd.Env = append(os.Environ(), "SEQFS_KILL_DIR="+dir, fmt.Sprint("SEQFS_KILL_SEED=", seed))
	testutil.KillOnFirstWrite(t, cmd, AliasesDBPath(dir), 60*time.Second)
	supers, _ := filepath.Glob(filepath.Join(dir, AliasesDBFile+"-mj*"))
	return len(supers) > 0 && journalSynced(AliasesDBPath(dir))
}

// journalSynced reports whether the journal of db starts with SQLite's
// magic, which SQLite writes once the journal is synced, before changing
// the database.
func journalSynced(db string) bool {
	f, err := os.Open(db + "-journal")
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(journalMagic))
	_, err = f.ReadAt(b, 0)
	return err == nil && bytes.Equal(b, journalMagic)
}

// fileSums returns a digest of every file of dir by name, to show that
// readers change nothing.
func fileSums(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = sha256.Sum256(b)
		}
		return nil
	})
	return out
}

// TestReadersAfterKillInsideCommit kills a writer inside its two-database
// commit (super-journal present, hot journals beside both databases) and
// checks that read-only opens, of a writable and of an unwritable
// (immutable) instance directory, see the last committed state without
// writing anything, and that it is the state SQLite's own rollback gives.
func TestReadersAfterKillInsideCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "master")
	if err := CreateInstance(ctx, dir); err != nil {
		t.Fatal(err)
	}
	hit := false
	for attempt := range 10 {
		if killInsideCommit(t, dir, attempt) {
			hit = true
			break
		}
		t.Logf("attempt %d: the kill missed the commit; recovering and trying again", attempt)
		if w, err := OpenWriter(ctx, dir, WriterOptions{}); err == nil {
			w.Close()
		}
	}
	if !hit {
		t.Fatal("no kill landed inside a commit in 10 attempts")
	}

	// The fault of the issue: a plain read-only connection fails.
	db, err := openReadOnlyDB(ctx, AliasesDBPath(dir), false)
	if err == nil {
		_, err = db.ExecContext(ctx, "select count(*) from seqalias")
		db.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("plain read-only open after the kill: %v; want SQLite's readonly error (is the journal hot?)", err)
	}
	t.Logf("a plain read-only open fails as the issue reports: %v", err)

	before := fileSums(t, dir)
	read := func(t *testing.T) (int, Stats) {
		n := checkConsistent(t, dir)
		inst, err := Open(ctx, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		if !inst.RolledBack() {
			t.Errorf("instance not marked as read past a hot journal")
		}
		st, err := inst.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st.SizeBytes = 0
		return n, st
	}
	n, st := read(t)
	t.Run("immutable directory", func(t *testing.T) {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o755)
		n2, st2 := read(t)
		if n2 != n || st2 != st {
			t.Errorf("immutable open sees %d sequences %+v, writable open %d %+v", n2, st2, n, st)
		}
	})
	after := fileSums(t, dir)
	for p, sum := range before {
		if after[p] != sum {
			t.Errorf("reading changed %s", p)
		}
	}
	if len(after) != len(before) {
		t.Errorf("reading added or removed files: %d before, %d after", len(before), len(after))
	}

	// SQLite's own rollback (by the next writer) gives the same state.
	w, err := OpenWriter(ctx, dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if journalSynced(AliasesDBPath(dir)) || journalSynced(SeqInfoDBPath(dir)) {
		t.Fatal("hot journal left after the writer's recovery")
	}
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	got, err := inst.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got.SizeBytes = 0
	if inst.RolledBack() || got != st {
		t.Errorf("after SQLite's rollback: %+v (rolled back %v); readers saw %+v", got, inst.RolledBack(), st)
	}
	t.Logf("readers saw %d sequences as of the last commit, the same as after recovery", n)
}

// TestHotJournalUnreadable: a hot journal that cannot be read gives an
// error that says what to run.
func TestHotJournalUnreadable(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "inst")
	if err := CreateInstance(ctx, dir); err != nil {
		t.Fatal(err)
	}
	j := AliasesDBPath(dir) + "-journal"
	if err := os.WriteFile(j, append(append([]byte{}, journalMagic...), make([]byte, 600)...), 0o644); err != nil {
		t.Fatal(err)
	}
	// Page size 0 in the header: not a journal SQLite wrote.
	_, err := Open(ctx, dir, Options{})
	var he *HotJournalError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "seqfs recover "+dir) {
		t.Fatalf("Open = %v; want a HotJournalError naming `seqfs recover %s`", err, dir)
	}
}
