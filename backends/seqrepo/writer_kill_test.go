package seqrepo

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// openKillHelperWriter opens the writer of a helper process that a test
// kills: the instance in $<prefix>_DIR (skipping the test when it is
// unset, i.e. when not run as a helper) and a random source seeded from
// $<prefix>_SEED. A helper that cannot open the writer exits with 3.
func openKillHelperWriter(t *testing.T, prefix string) (*Writer, *rand.Rand, int) {
	dir := os.Getenv(prefix + "_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	seed, _ := strconv.Atoi(os.Getenv(prefix + "_SEED"))
	w, err := OpenWriter(context.Background(), dir, WriterOptions{MaxPendingSequences: 40})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	return w, rand.New(rand.NewSource(int64(seed))), seed
}

// killHelper runs the test function helper of this binary in a child
// process with env added, kills it with SIGKILL after d and checks that it
// was still running.
func killHelper(t *testing.T, helper string, d time.Duration, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(d)
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("helper ended before the kill: %v\n%s", err, stderr.String())
	}
}

// TestWriterKillHelper is the process killed by TestWriterKill; it does
// nothing unless started by it.
func TestWriterKillHelper(t *testing.T) {
	ctx := context.Background()
	w, r, seed := openKillHelperWriter(t, "SEQFS_KILL")
	for i := 0; ; i++ {
		s := randSeq(r, 100+r.Intn(20000), "ACGT")
		if _, err := w.Store(ctx, s, []repo.NSAlias{{Namespace: "k", Alias: fmt.Sprintf("r%d-%d", seed, i)}}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
	}
}

// checkConsistent verifies what a reader sees: whole sequences only
// (repotest.CheckWhole), each with the one alias its helper stored besides
// the four digest aliases.
func checkConsistent(t *testing.T, dir string) (nseq int) {
	t.Helper()
	ctx := context.Background()
	// Through the reader, not the sqlite3 shell: the shell opens the
	// databases read-write and would roll back a hot journal itself.
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer inst.Close()
	nseq = repotest.CheckWhole(t, inst)
	for info, err := range inst.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if recs, err := repo.Collect(inst.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID})); err != nil || len(recs) != 5 {
			t.Fatalf("sequence %s has %d aliases (%v), want 4 digests + 1", info.SeqID, len(recs), err)
		}
	}
	return nseq
}

// newKillTestInstance skips a (slow) kill test under -short and returns a
// new, empty instance for it.
func newKillTestInstance(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("slow")
	}
	dir := filepath.Join(t.TempDir(), "master")
	if err := CreateInstance(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// hotJournal reports whether a rollback journal is left next to either
// database.
func hotJournal(dir string) bool {
	for _, p := range []string{AliasesDBPath(dir), SeqInfoDBPath(dir)} {
		if st, err := os.Stat(p + "-journal"); err == nil && st.Size() > 0 {
			return true
		}
	}
	return false
}

// TestWriterKill stays serial: it kills its helper after a chosen time.
func TestWriterKill(t *testing.T) {
	dir := newKillTestInstance(t)
	ctx := context.Background()
	r := rand.New(rand.NewSource(time.Now().UnixNano()))
	prev := 0
	for round := range 6 {
		killHelper(t, "TestWriterKillHelper", time.Duration(300+r.Intn(1500))*time.Millisecond,
			"SEQFS_KILL_DIR="+dir, fmt.Sprint("SEQFS_KILL_SEED=", round))
		// Readers see whole batches only, before any recovery, also when
		// the kill hit the database commit itself and left a hot journal
		// (read past, see hotjournal.go).
		if hotJournal(dir) {
			t.Logf("round %d: killed during the database commit (hot journal)", round)
		}
		checkConsistent(t, dir)
		if w, err := OpenWriter(ctx, dir, WriterOptions{}); err == nil {
			w.Close()
		}
		n := checkConsistent(t, dir)
		if n < prev {
			t.Fatalf("round %d: %d sequences, fewer than %d before", round, n, prev)
		}
		t.Logf("round %d: %d sequences committed", round, n)
		prev = n
		// The next writer cleans up, and afterwards every sequence file
		// is referenced and no temporary file is left.
		w, err := OpenWriter(ctx, dir, WriterOptions{})
		if err != nil {
			t.Fatalf("open writer after kill: %v", err)
		}
		w.Close()
		refs := sqlite3Out(t, SeqInfoDBPath(dir), "select distinct relpath from seqinfo")
		filepath.WalkDir(SequencesPath(dir), func(p string, d fs.DirEntry, err error) error {
			if d.IsDir() || strings.HasPrefix(d.Name(), SeqInfoDBFile) {
				return nil
			}
			rel, _ := filepath.Rel(SequencesPath(dir), p)
			rel = strings.TrimSuffix(strings.TrimSuffix(filepath.ToSlash(rel), ".fai"), ".gzi")
			if !strings.Contains(refs, rel+"\n") {
				t.Errorf("round %d: unreferenced file %s left", round, p)
			}
			return nil
		})
		if _, err := os.Stat(filepath.Join(dir, writeJournalName)); err == nil {
			t.Errorf("journal left after recovery")
		}
	}
	if prev == 0 {
		t.Errorf("no batch was ever committed; kill timing too early")
	}
}
