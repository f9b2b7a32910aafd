// Package sqlitevfs lets mattn/go-sqlite3 query a read-only SQLite database
// that is not a local file: any io.ReaderAt with a known size (an S3 object,
// an HTTP resource read with Range requests, a byte slice).
//
// It registers one SQLite VFS, named VFSName, with the SQLite library that
// mattn/go-sqlite3 compiles in (through github.com/psanford/sqlite3vfs).
// Register adds a file to the VFS under a unique name and returns the DSN to
// pass to sql.Open("sqlite3", dsn); the database is opened with mode=ro and
// immutable=1, so SQLite takes no locks, writes no journal and never asks
// for anything but reads of the main database file.
//
// The VFS itself does no caching beyond what SQLite's own page cache does:
// remote files are expected to cache (and coalesce) their byte ranges, as
// the storages in backends/s3 do, so every SQLite page read costs at most
// one ranged request and usually none.
package sqlitevfs

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/psanford/sqlite3vfs"
)

// VFSName is the name of the SQLite VFS this package registers.
const VFSName = "seqfs-ro"

// pathPrefix starts the names under which files are registered.
const pathPrefix = "/seqfs-vfs/"

// File is what the VFS reads: random access that is safe for concurrent
// use, plus the size in bytes.
type File interface {
	io.ReaderAt
	Size() int64
}

var (
	regOnce sync.Once
	regErr  error

	filesMu sync.RWMutex
	files   = map[string]*entry{}
	nextID  atomic.Uint64
)

type entry struct {
	f       File
	desc    string
	lastErr atomic.Pointer[error]
}

// register installs the VFS once per process.
func register() error {
	regOnce.Do(func() {
		regErr = sqlite3vfs.RegisterVFS(VFSName, roVFS{}, sqlite3vfs.WithMaxPathName(512))
		if regErr != nil {
			regErr = fmt.Errorf("register SQLite VFS %s: %w", VFSName, regErr)
		}
	})
	return regErr
}

// Registration is a file registered with the VFS.
type Registration struct {
	name string
	desc string
	// DSN is the data source name to open the file with mattn/go-sqlite3:
	// a file: URI with vfs=VFSName, mode=ro and immutable=1.
	DSN string
}

// Register makes f readable by SQLite and returns its Registration. desc
// names the file in error messages (for example its URL). Unregister it
// after the *sql.DB using it is closed.
func Register(f File, desc string) (*Registration, error) {
	if f == nil {
		return nil, errors.New("sqlitevfs: register nil file")
	}
	if err := register(); err != nil {
		return nil, err
	}
	name := pathPrefix + strconv.FormatUint(nextID.Add(1), 10) + ".sqlite3"
	filesMu.Lock()
	files[name] = &entry{f: f, desc: desc}
	filesMu.Unlock()
	u := url.URL{Scheme: "file", Path: name}
	q := url.Values{"vfs": {VFSName}, "mode": {"ro"}, "immutable": {"1"}}
	return &Registration{name: name, desc: desc, DSN: u.String() + "?" + q.Encode()}, nil
}

// LastError returns the last error a read of the file returned, or nil.
// SQLite reports failed reads only as "disk I/O error"; this recovers the
// cause (for example an HTTP status naming the object) for messages.
func (r *Registration) LastError() error {
	if e := lookup(r.name); e != nil {
		if p := e.lastErr.Load(); p != nil {
			return *p
		}
	}
	return nil
}

// Desc returns the description given to Register.
func (r *Registration) Desc() string { return r.desc }

// Unregister removes the file from the VFS; later opens of its DSN fail.
func (r *Registration) Unregister() {
	filesMu.Lock()
	delete(files, r.name)
	filesMu.Unlock()
}

func lookup(name string) *entry {
	filesMu.RLock()
	defer filesMu.RUnlock()
	return files[name]
}

// roVFS is the read-only VFS. It knows only registered files.
type roVFS struct{}

func (roVFS) Open(name string, flags sqlite3vfs.OpenFlag) (sqlite3vfs.File, sqlite3vfs.OpenFlag, error) {
	if flags&sqlite3vfs.OpenMainDB == 0 {
		// Journals, WAL and temp files: immutable databases never need them.
		return nil, 0, sqlite3vfs.CantOpenError
	}
	if flags&(sqlite3vfs.OpenReadWrite|sqlite3vfs.OpenCreate) != 0 {
		return nil, 0, sqlite3vfs.ReadOnlyError
	}
	e := lookup(name)
	if e == nil {
		return nil, 0, sqlite3vfs.CantOpenError
	}
	return &roFile{e: e}, sqlite3vfs.OpenReadOnly, nil
}

func (roVFS) Delete(name string, dirSync bool) error { return sqlite3vfs.ReadOnlyError }

func (roVFS) Access(name string, flag sqlite3vfs.AccessFlag) (bool, error) {
	if strings.HasSuffix(name, "-wal") || strings.HasSuffix(name, "-journal") || strings.HasSuffix(name, "-shm") {
		return false, nil
	}
	if lookup(name) == nil {
		return false, nil
	}
	return flag != sqlite3vfs.AccessReadWrite, nil
}

func (roVFS) FullPathname(name string) string { return name }

// roFile is one open database file.
type roFile struct{ e *entry }

func (f *roFile) Close() error { return nil }

// ReadAt fills p from the file. SQLite reads past the end only when probing
// (for example the first 100 bytes of an empty file); a short read is
// reported as io.EOF, which the VFS glue turns into SQLITE_IOERR_SHORT_READ
// after zero-filling the rest, as SQLite requires.
func (f *roFile) ReadAt(p []byte, off int64) (int, error) {
	size := f.e.f.Size()
	if off >= size {
		return 0, io.EOF
	}
	want := p
	if rem := size - off; int64(len(want)) > rem {
		want = want[:rem]
	}
	n, err := f.e.f.ReadAt(want, off)
	if n == len(want) && len(want) < len(p) {
		return n, io.EOF
	}
	if n < len(want) {
		if err == nil || err == io.EOF {
			// A file shorter than it claimed: an I/O error, not a short read
			// SQLite would take for zeroes.
			err = fmt.Errorf("%s: read %d bytes at %d: got %d: %w", f.e.desc, len(want), off, n, io.ErrUnexpectedEOF)
		}
		f.e.lastErr.Store(&err)
		return n, err
	}
	return n, nil
}

func (f *roFile) WriteAt(p []byte, off int64) (int, error) { return 0, sqlite3vfs.ReadOnlyError }
func (f *roFile) Truncate(size int64) error                { return sqlite3vfs.ReadOnlyError }
func (f *roFile) Sync(flag sqlite3vfs.SyncType) error      { return nil }
func (f *roFile) FileSize() (int64, error)                 { return f.e.f.Size(), nil }
func (f *roFile) Lock(elock sqlite3vfs.LockType) error     { return nil }
func (f *roFile) Unlock(elock sqlite3vfs.LockType) error   { return nil }
func (f *roFile) CheckReservedLock() (bool, error)         { return false, nil }
func (f *roFile) SectorSize() int64                        { return 4096 }

func (f *roFile) DeviceCharacteristics() sqlite3vfs.DeviceCharacteristic {
	return sqlite3vfs.IocapImmutable
}
