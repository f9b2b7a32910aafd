package seqrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// TestDataFileNotAccessible: a data file that exists but cannot be read (a
// symlink loop, a directory, no permission) is an operator's problem:
// ErrInaccessible naming the file, never ErrUnavailable (which clients
// retry) nor ErrCorrupt; a missing file stays ErrCorrupt.
func TestDataFileNotAccessible(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		breakIt func(t *testing.T, p string) // p: a .fa.bgz of the copy
		want    error
	}{
		{"symlink loop", func(t *testing.T, p string) {
			os.Remove(p)
			if err := os.Symlink(filepath.Base(p), p); err != nil {
				t.Fatal(err)
			}
		}, repo.ErrInaccessible},
		{"directory", func(t *testing.T, p string) {
			os.Remove(p)
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, repo.ErrInaccessible},
		{"missing", func(t *testing.T, p string) { os.Remove(p) }, repo.ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := sampleCopy(t)
			files, _ := filepath.Glob(filepath.Join(SequencesPath(dir), "*", "*", "*", "*.fa.bgz"))
			if len(files) == 0 {
				t.Fatal("no sequence files in the sample")
			}
			for _, f := range files {
				tc.breakIt(t, f)
			}
			inst, err := Open(ctx, dir, Options{BlockCache: nil})
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Close()
			var got error
			for info, err := range inst.Sequences(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				_, got = inst.ReadSequence(ctx, info.SeqID, make([]byte, 10), 0)
				break
			}
			if !errors.Is(got, tc.want) || errors.Is(got, repo.ErrUnavailable) {
				t.Fatalf("read error %v; want one matching %v only", got, tc.want)
			}
			if !strings.Contains(got.Error(), SequencesPath(dir)) {
				t.Errorf("error %q does not name the file", got)
			}
		})
	}
}

// TestAccessErrClass: the errors of a file that cannot be read (as open(2)
// returns them; tests run as root cannot provoke EACCES) are classed as
// ErrInaccessible, other I/O errors stay ErrUnavailable.
func TestAccessErrClass(t *testing.T) {
	t.Parallel()
	inst := &Instance{storage: NewDirStorage("/x")}
	for _, tc := range []struct {
		err  error
		want error
	}{
		{&os.PathError{Op: "open", Path: "/x/a.fa.bgz", Err: syscall.EACCES}, repo.ErrInaccessible},
		{&os.PathError{Op: "open", Path: "/x/a.fa.bgz", Err: syscall.EPERM}, repo.ErrInaccessible},
		{&os.PathError{Op: "open", Path: "/x/a.fa.bgz", Err: syscall.ELOOP}, repo.ErrInaccessible},
		{&os.PathError{Op: "read", Path: "/x/a.fa.bgz", Err: syscall.EISDIR}, repo.ErrInaccessible},
		{&os.PathError{Op: "read", Path: "/x/a.fa.bgz", Err: syscall.EIO}, repo.ErrUnavailable},
		{&os.PathError{Op: "open", Path: "/x/a.fa.bgz", Err: syscall.ENOENT}, repo.ErrCorrupt},
	} {
		if got := inst.storageErr("a.fa.bgz", tc.err); !errors.Is(got, tc.want) {
			t.Errorf("storageErr(%v) = %v; want %v", tc.err, got, tc.want)
		}
	}
}

// TestSequencesDirNotAccessible: when sequences/ cannot be entered, Open
// says the database cannot be read, not that it is missing.
func TestSequencesDirNotAccessible(t *testing.T) {
	t.Parallel()
	dir := sampleCopy(t)
	seqs := SequencesPath(dir)
	if os.Geteuid() == 0 {
		// Root enters any directory; a symlink loop fails for root too.
		if err := os.RemoveAll(seqs); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(SequencesDirName, seqs); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := os.Chmod(seqs, 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(seqs, 0o755)
	}
	_, err := Open(context.Background(), dir, Options{})
	if !errors.Is(err, repo.ErrInaccessible) || strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), SeqInfoDBPath(dir)) {
		t.Fatalf("Open = %v; want ErrInaccessible naming %s, not 'missing'", err, SeqInfoDBPath(dir))
	}
}
