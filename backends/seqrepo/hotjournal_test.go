package seqrepo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

// killWriterUntil runs TestWriterKillHelper on the instance at dir with
// seeds 0 to 9, killing each run with kill, until landed reports that the
// kill hit the moment wanted (where, for messages); after a miss a writer
// recovers the instance. No hit in ten runs fails the test.
func killWriterUntil(t *testing.T, dir, where string, kill func(cmd *exec.Cmd), landed func() bool) {
	t.Helper()
	for attempt := range 10 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriterKillHelper$")
		cmd.Env = append(os.Environ(), "SEQFS_KILL_DIR="+dir, fmt.Sprint("SEQFS_KILL_SEED=", attempt))
		kill(cmd)
		if landed() {
			return
		}
		t.Logf("attempt %d: the kill missed %s; recovering and trying again", attempt, where)
		if w, err := OpenWriter(context.Background(), dir, WriterOptions{}); err == nil {
			w.Close()
		}
	}
	t.Fatalf("no kill landed %s in 10 attempts", where)
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
// It stays serial: the kill races the writer.
func TestReadersAfterKillInsideCommit(t *testing.T) {
	dir := newKillTestInstance(t)
	ctx := context.Background()
	// SIGKILL the moment SQLite starts writing pages to aliases.sqlite3
	// (inotify): the writer keeps uncommitted pages in memory, so that
	// happens only inside a commit, after the super-journal and the
	// journals are synced. A hot journal left behind means the kill landed
	// before the commit point.
	killWriterUntil(t, dir, "inside a commit", func(cmd *exec.Cmd) {
		testutil.KillOnFirstWrite(t, cmd, AliasesDBPath(dir), 60*time.Second)
	}, func() bool {
		supers, _ := filepath.Glob(filepath.Join(dir, AliasesDBFile+"-mj*"))
		return len(supers) > 0 && journalSynced(AliasesDBPath(dir))
	})

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

// TestReadersAfterKillAtCommitPoint kills a writer right after SQLite
// deleted the super-journal (the commit point) and before it deleted the
// journals: SQLite still takes them as hot and refuses read-only
// connections, though the database files hold the new commit, which
// readers must see.
// It stays serial: the kill races the writer.
func TestReadersAfterKillAtCommitPoint(t *testing.T) {
	dir := newKillTestInstance(t)
	ctx := context.Background()
	killWriterUntil(t, dir, "between the commit point and the journals' deletion", func(cmd *exec.Cmd) {
		testutil.KillOnEvent(t, cmd, dir, syscall.IN_DELETE, 60*time.Second)
	}, func() bool {
		supers, _ := filepath.Glob(filepath.Join(dir, AliasesDBFile+"-mj*"))
		return len(supers) == 0 && journalSynced(AliasesDBPath(dir))
	})
	db, err := openReadOnlyDB(ctx, AliasesDBPath(dir), false)
	if err == nil {
		db.Close()
		t.Fatal("plain read-only open worked: the journal is not hot for SQLite")
	}
	n := checkConsistent(t, dir)
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := inst.Stats(ctx)
	inst.Close()
	if err != nil {
		t.Fatal(err)
	}
	w, err := OpenWriter(ctx, dir, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	inst, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	got, err := inst.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.SizeBytes, got.SizeBytes = 0, 0
	if got != st || n == 0 {
		t.Errorf("readers saw %+v (%d sequences), after recovery %+v", st, n, got)
	}
}

// TestHotJournalUnreadable: a hot journal that cannot be read gives an
// error that says what to run.
func TestHotJournalUnreadable(t *testing.T) {
	t.Parallel()
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

// journalBytes builds a rollback journal in SQLite's format: one segment
// with the given pages (number -> content) of pageSize bytes and a database
// size of mxPg pages before the transaction, optionally naming a
// super-journal.
func journalBytes(pageSize, sector int, mxPg uint32, pages map[uint32][]byte, order []uint32, super string) []byte {
	const nonce = 0x1234abcd
	be := func(b []byte, v uint32) []byte { return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v)) }
	j := append([]byte{}, journalMagic...)
	j = be(j, uint32(len(order)))
	j = be(j, nonce)
	j = be(j, mxPg)
	j = be(j, uint32(sector))
	j = be(j, uint32(pageSize))
	j = append(j, make([]byte, sector-len(j))...)
	for _, pg := range order {
		data := pages[pg]
		j = be(j, pg)
		j = append(j, data...)
		sum := uint32(nonce)
		for i := pageSize - 200; i > 0; i -= 200 {
			sum += uint32(data[i])
		}
		j = be(j, sum)
	}
	if super != "" {
		j = append(j, make([]byte, (sector-len(j)%sector)%sector)...)
		j = be(j, uint32(sqlitePendingByte/pageSize+1))
		j = append(j, super...)
		j = be(j, uint32(len(super)))
		var sum uint32
		for _, c := range []byte(super) {
			sum += uint32(int8(c))
		}
		j = be(j, sum)
		j = append(j, journalMagic...)
	}
	return j
}

// TestJournalOverlay reads a database through journals built by hand:
// journaled pages replace the file's, the size is cut to the size before
// the transaction, a bad checksum ends playback, and a journal whose
// super-journal is gone is not hot.
func TestJournalOverlay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const ps = 512
	db := filepath.Join(dir, "db")
	if err := os.WriteFile(db, bytes.Repeat([]byte{'n'}, 4*ps), 0o644); err != nil { // now 4 pages
		t.Fatal(err)
	}
	old1, old2 := bytes.Repeat([]byte{'a'}, ps), bytes.Repeat([]byte{'b'}, ps)
	super := filepath.Join(dir, "db-mj01")
	tests := []struct {
		name    string
		journal []byte
		super   bool   // create the super-journal
		want    string // the database as read, by page ("" = not hot)
	}{
		{"pages restored, size cut", journalBytes(ps, 512, 3, map[uint32][]byte{1: old1, 2: old2}, []uint32{2, 1}, ""), false, "abn"},
		{"database that was longer", journalBytes(ps, 512, 5, map[uint32][]byte{1: old1}, []uint32{1}, ""), false, "annn\x00"},
		{"super-journal present", journalBytes(ps, 1024, 3, map[uint32][]byte{1: old1}, []uint32{1}, super), true, "ann"},
		{"super-journal gone: committed, file as it is", journalBytes(ps, 512, 3, map[uint32][]byte{1: old1}, []uint32{1}, super), false, "nnnn"},
		{"no valid header: file as it is", append([]byte{1}, journalBytes(ps, 512, 3, map[uint32][]byte{1: old1}, []uint32{1}, "")[1:]...), false, "nnnn"},
		{"header never synced (zero first byte): not hot", append(make([]byte, 8), journalBytes(ps, 512, 3, nil, nil, "")[8:]...), false, ""},
	}
	bad := journalBytes(ps, 512, 4, map[uint32][]byte{1: old1, 2: old2}, []uint32{1, 2}, "")
	bad[512+4+ps+4+4+ps-200] ^= 1 // second record's page: checksum fails
	tests = append(tests, struct {
		name    string
		journal []byte
		super   bool
		want    string
	}{"bad checksum ends playback", bad, false, "annn"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(db+"-journal", tc.journal, 0o644); err != nil {
				t.Fatal(err)
			}
			os.Remove(super)
			if tc.super {
				os.WriteFile(super, []byte("x"), 0o644)
			}
			o, err := openHotJournal(db)
			if err != nil {
				t.Fatal(err)
			}
			if o == nil {
				if tc.want != "" {
					t.Fatalf("journal not taken as hot; want %q", tc.want)
				}
				return
			}
			defer o.Close()
			if tc.want == "" {
				t.Fatal("journal taken as hot")
			}
			got := make([]byte, o.Size())
			if n, err := o.ReadAt(got, 0); n != len(got) || err != nil {
				t.Fatalf("ReadAt = %d, %v", n, err)
			}
			var pages []byte
			for p := 0; p < len(got); p += ps {
				if !bytes.Equal(got[p:p+ps], bytes.Repeat(got[p:p+1], ps)) {
					t.Fatalf("page %d mixed: %q", p/ps+1, got[p:p+ps])
				}
				pages = append(pages, got[p])
			}
			if string(pages) != tc.want {
				t.Errorf("pages %q, want %q", pages, tc.want)
			}
			// An unaligned read across a restored page boundary.
			part := make([]byte, 10)
			if _, err := o.ReadAt(part, ps-5); err != nil || string(part) != string(got[ps-5:ps+5]) {
				t.Errorf("ReadAt(10 at %d) = %q, %v", ps-5, part, err)
			}
		})
	}
}

func FuzzReadJournal(f *testing.F) {
	const ps = 512
	f.Add(journalBytes(ps, 512, 3, map[uint32][]byte{1: bytes.Repeat([]byte{'a'}, ps)}, []uint32{1}, ""))
	f.Add(journalBytes(ps, 1024, 2, map[uint32][]byte{2: bytes.Repeat([]byte{'b'}, ps)}, []uint32{2}, "/nonexistent-mj"))
	f.Add([]byte{})
	dir := f.TempDir()
	db := filepath.Join(dir, "db")
	if err := os.WriteFile(db, bytes.Repeat([]byte{'n'}, 4*ps), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, journal []byte) {
		jp := filepath.Join(t.TempDir(), "j")
		if err := os.WriteFile(jp, journal, 0o644); err != nil {
			t.Fatal(err)
		}
		dbf, err := os.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		jf, err := os.Open(jp)
		if err != nil {
			t.Fatal(err)
		}
		defer dbf.Close()
		defer jf.Close()
		o, err := readJournal(dbf, jf, int64(len(journal)))
		if err != nil || o == nil {
			return
		}
		for pg, off := range o.pages {
			if pg < 1 || off < 0 || off+o.pageSize > int64(len(journal)) {
				t.Fatalf("page %d at %d of a %d-byte journal", pg, off, len(journal))
			}
		}
		buf := make([]byte, 3*ps)
		if _, err := o.ReadAt(buf, 0); err != nil && err != io.EOF {
			t.Fatalf("ReadAt: %v", err)
		}
	})
}

// TestReservedLockHeld: a write lock on SQLite's RESERVED byte (what a live
// writer holds) is found in /proc/locks by the file's device and inode.
func TestReservedLockHeld(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lock := func(typ int16) {
		lk := syscall.Flock_t{Type: typ, Whence: io.SeekStart, Start: sqliteReservedByte, Len: 1}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		typ  int16
		want bool
	}{{syscall.F_WRLCK, true}, {syscall.F_UNLCK, false}} {
		lock(tc.typ)
		if got, err := reservedLockHeld(p); err != nil || got != tc.want {
			t.Errorf("after lock type %d: reservedLockHeld = %v, %v; want %v", tc.typ, got, err, tc.want)
		}
	}
	listing := "1: POSIX  ADVISORY  WRITE 3384 fd:01:17 1073741824 1073742335\n" +
		"1: -> POSIX  ADVISORY  WRITE 3385 fd:01:18 1073741825 1073741825\n" +
		"2: FLOCK  ADVISORY  WRITE 3386 fd:01:19 0 EOF\n" +
		"3: OFDLCK ADVISORY  WRITE -1 fd:01:20 0 EOF\n" +
		"4: POSIX  ADVISORY  READ 3387 fd:01:21 1073741825 1073741825\n"
	for id, want := range map[string]bool{"fd:01:17": true, "fd:01:18": false, "fd:01:19": false, "fd:01:20": true, "fd:01:21": false, "fd:01:22": false} {
		if got := locksReserved(listing, id); got != want {
			t.Errorf("locksReserved(%s) = %v, want %v", id, got, want)
		}
	}
}
