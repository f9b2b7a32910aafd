package seqrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"

	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/sqlitevfs"
)

// StorageSizer is implemented by storages that can sum the sizes of every
// file under them (for "seqfs status" of a remote instance).
type StorageSizer interface {
	// TotalSize returns the total size in bytes of all files in the
	// storage.
	TotalSize(ctx context.Context) (int64, error)
}

// SubStorage returns a Storage over the files of st under the directory
// prefix dir ('/'-separated, relative).
func SubStorage(st Storage, dir string) Storage { return &subStorage{st: st, dir: dir} }

type subStorage struct {
	st  Storage
	dir string
}

func (s *subStorage) Open(ctx context.Context, relpath string) (StorageFile, error) {
	if err := CheckRelpath(relpath); err != nil {
		return nil, err
	}
	return s.st.Open(ctx, path.Join(s.dir, relpath))
}

func (s *subStorage) String() string { return s.st.String() + "/" + s.dir }

// OpenStorage opens, read-only, the SeqRepo instance whose files are in st
// under their names relative to the instance directory (aliases.sqlite3,
// sequences/db.sqlite3, sequences/<relpath>…): a remote instance in S3 or
// on an HTTP server. The two databases are queried in place through the
// range-read VFS of package sqlitevfs, so nothing is downloaded whole; the
// instance is treated as immutable. opts.Storage is ignored.
//
// A missing database gives an error matching repo.ErrNotFound that names
// it.
func OpenStorage(ctx context.Context, st Storage, opts Options) (*Instance, error) {
	loc := st.String()
	inst := &Instance{
		dir:       loc,
		aliasPath: loc + "/" + AliasesDBFile,
		seqDBPath: loc + "/" + SequencesDirName + "/" + SeqInfoDBFile,
		immutable: true,
		remote:    st,
		storage:   SubStorage(st, SequencesDirName),
		cache:     opts.BlockCache,
		files:     make(map[string]*seqFile),
	}
	inst.init(opts)
	var err error
	if inst.aliasDB, err = inst.openRemoteDB(ctx, AliasesDBFile, inst.aliasPath); err != nil {
		inst.Close()
		return nil, err
	}
	if inst.seqDB, err = inst.openRemoteDB(ctx, SequencesDirName+"/"+SeqInfoDBFile, inst.seqDBPath); err != nil {
		inst.Close()
		return nil, err
	}
	return inst, nil
}

// openRemoteDB opens one database of a remote instance through the VFS and
// checks its schema version.
func (i *Instance) openRemoteDB(ctx context.Context, rel, desc string) (*sql.DB, error) {
	f, err := i.remote.Open(ctx, rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, repo.ErrNotFound) {
			return nil, fmt.Errorf("%s is not a SeqRepo instance: missing %s: %w (%w)", i.dir, desc, repo.ErrNotFound, err)
		}
		return nil, fmt.Errorf("open %s: %w", desc, err)
	}
	return i.openVFSDB(ctx, f, desc)
}

// openVFSDB opens a database read through the range-read VFS of package
// sqlitevfs (f is closed with the Instance) and checks its schema version.
func (i *Instance) openVFSDB(ctx context.Context, f StorageFile, desc string) (*sql.DB, error) {
	reg, err := sqlitevfs.Register(f, desc)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", desc, err)
	}
	i.vfsRegs = append(i.vfsRegs, reg)
	i.vfsFiles = append(i.vfsFiles, f)
	db, err := sql.Open("sqlite3", reg.DSN)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", desc, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := checkSchemaVersion(ctx, db, desc); err != nil {
		db.Close()
		if cause := reg.LastError(); cause != nil {
			return nil, fmt.Errorf("open %s: %w", desc, repo.Unavailable(desc, cause))
		}
		return nil, err
	}
	return db, nil
}

// vfsCause returns the read error behind a failed query of a remote
// database, if there is one.
func (i *Instance) vfsCause(path string) error {
	for _, r := range i.vfsRegs {
		if r.Desc() == path {
			return r.LastError()
		}
	}
	return nil
}
