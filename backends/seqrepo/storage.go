package seqrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// StorageFile is one open file of a Storage: random-access reads that are
// safe for concurrent use, and its size.
type StorageFile interface {
	io.ReaderAt
	io.Closer
	// Size returns the file's length in bytes.
	Size() int64
}

// Storage gives access to the files under an instance's sequences/
// directory by their relpath (as stored in seqinfo.relpath, '/'-separated).
// The local-disk implementation is DirStorage; remote ones (S3, HTTP ranges)
// implement the same interface. Implementations are safe for concurrent
// use. A missing file is reported with an error matching fs.ErrNotExist.
type Storage interface {
	// Open opens the file at relpath.
	Open(ctx context.Context, relpath string) (StorageFile, error)
	// String describes the storage location for messages.
	String() string
}

// DirStorage is a Storage over a local directory.
type DirStorage struct{ dir string }

// NewDirStorage returns a Storage reading files under dir.
func NewDirStorage(dir string) *DirStorage { return &DirStorage{dir: dir} }

// String returns the directory.
func (s *DirStorage) String() string { return s.dir }

// Path returns the local path of relpath, rejecting paths that would leave
// the directory.
func (s *DirStorage) Path(relpath string) (string, error) {
	if err := CheckRelpath(relpath); err != nil {
		return "", err
	}
	return filepath.Join(s.dir, filepath.FromSlash(relpath)), nil
}

// Open opens relpath read-only.
func (s *DirStorage) Open(ctx context.Context, relpath string) (StorageFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := s.Path(relpath)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		if st.IsDir() {
			return nil, fmt.Errorf("open %s: %w", p, syscall.EISDIR)
		}
		return nil, fmt.Errorf("open %s: %w", p, errNotRegular)
	}
	return &osFile{File: f, size: st.Size()}, nil
}

// errNotRegular is matched by the error of opening a device, FIFO or
// socket where a data file belongs.
var errNotRegular = errors.New("not a regular file")

type osFile struct {
	*os.File
	size int64
}

func (f *osFile) Size() int64 { return f.size }

// CheckRelpath validates a seqinfo.relpath: a non-empty, '/'-separated,
// relative path that stays inside the sequences directory (no "..", no
// leading '/', no NUL or backslash). The path is otherwise opaque.
func CheckRelpath(relpath string) error {
	switch {
	case relpath == "":
		return fmt.Errorf("invalid relpath %q: empty", relpath)
	case strings.ContainsAny(relpath, "\x00\\"):
		return fmt.Errorf("invalid relpath %q: contains NUL or backslash", relpath)
	case !fs.ValidPath(relpath) || relpath == ".":
		return fmt.Errorf("invalid relpath %q: not a clean relative path inside sequences/", relpath)
	}
	return nil
}

// readWholeFile reads a small file (a sidecar index) from storage, up to
// limit bytes.
func readWholeFile(ctx context.Context, st Storage, relpath string, limit int64) ([]byte, error) {
	f, err := st.Open(ctx, relpath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n := f.Size()
	if n > limit {
		return nil, fmt.Errorf("%d bytes exceeds the limit of %d for an index file", n, limit)
	}
	buf := make([]byte, n)
	got, err := f.ReadAt(buf, 0)
	if got == len(buf) {
		return buf, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}
