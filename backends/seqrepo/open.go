// Package seqrepo reads (and, in its writer files, writes) SeqRepo instances
// in the on-disk layout of biocommons.seqrepo: two SQLite databases
// (aliases.sqlite3 and sequences/db.sqlite3) plus BGZF-compressed FASTA
// files with .fai and .gzi sidecars under sequences/.
// Sequence collections, which Python SeqRepo does not know, are kept in a
// third database, collections.sqlite3 (see CollectionsDBFile).
//
// An *Instance implements repo.Source. It is safe for concurrent use: the
// SQLite databases are opened read-only through database/sql's connection
// pool, sequence files are opened through a bounded, reference-counted
// pool of handles, and inflated BGZF blocks are shared by every instance of
// the process through one bounded LRU (see SharedBlockCache).
package seqrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // SQLite driver "sqlite3"

	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/sqlitevfs"
)

// Layout of an instance directory (docs/format.md, “Instance directory”).
const (
	// AliasesDBFile is the alias database, directly inside the instance.
	AliasesDBFile = "aliases.sqlite3"
	// SequencesDirName is the directory holding the sequence files and
	// their index database; seqinfo.relpath is relative to it.
	SequencesDirName = "sequences"
	// SeqInfoDBFile is the sequence index database inside SequencesDirName.
	SeqInfoDBFile = "db.sqlite3"
	// ExpectedSchemaVersion is the only "schema version" in the meta table
	// of both databases that SeqRepo (and seqfs) accept.
	ExpectedSchemaVersion = "1"
	// LatestLinkName is the symlink in a root directory naming the newest
	// instance.
	LatestLinkName = "latest"
)

// Defaults for Options.
const (
	// DefaultMaxOpenFiles bounds the sequence files an Instance keeps open.
	DefaultMaxOpenFiles = 256
	// DefaultBlockCacheBytes is the size of the process-wide block cache.
	DefaultBlockCacheBytes = 256 << 20
	// DefaultInfoCacheEntries bounds the cached seqinfo rows per Instance.
	DefaultInfoCacheEntries = 1 << 20
)

// AliasesDBPath returns the path of the alias database of an instance.
func AliasesDBPath(instanceDir string) string {
	return filepath.Join(instanceDir, AliasesDBFile)
}

// SequencesPath returns the sequences directory of an instance.
func SequencesPath(instanceDir string) string {
	return filepath.Join(instanceDir, SequencesDirName)
}

// SeqInfoDBPath returns the path of the sequence index database of an
// instance.
func SeqInfoDBPath(instanceDir string) string {
	return filepath.Join(instanceDir, SequencesDirName, SeqInfoDBFile)
}

// InstanceNameRE matches the names of local instance directories in a root
// directory, as SeqRepo's CLI recognises them (docs/format.md, “Root
// directory”): years 2010-2029, hyphens optional.
var InstanceNameRE = regexp.MustCompile(`^20[12]\d-?\d\d-?\d\d$`)

// Options tunes an Instance. The zero value gives the defaults.
type Options struct {
	// MaxOpenFiles bounds the sequence files kept open (default
	// DefaultMaxOpenFiles). Files in use are never closed, so the bound is
	// exceeded only while more distinct files are being read at once.
	MaxOpenFiles int
	// BlockCache holds inflated BGZF blocks; nil means the process-wide
	// SharedBlockCache.
	BlockCache *bgzf.BlockCache
	// InfoCacheEntries bounds the cached seqinfo rows (default
	// DefaultInfoCacheEntries).
	InfoCacheEntries int
	// Storage reads the files under sequences/; nil means the local
	// directory <instance>/sequences.
	Storage Storage
}

var (
	sharedCacheOnce sync.Once
	sharedCache     *bgzf.BlockCache
)

// SharedBlockCache returns the process-wide cache of inflated BGZF blocks
// (DefaultBlockCacheBytes) used by every Instance opened without
// Options.BlockCache.
func SharedBlockCache() *bgzf.BlockCache {
	sharedCacheOnce.Do(func() { sharedCache = bgzf.NewBlockCache(DefaultBlockCacheBytes) })
	return sharedCache
}

// Instance is an open SeqRepo instance. It implements repo.Source and is
// safe for concurrent use.
type Instance struct {
	dir       string
	aliasPath string  // the alias database, for messages
	seqDBPath string  // the sequence index database, for messages
	remote    Storage // the instance's storage when opened by OpenStorage
	vfsRegs   []*sqlitevfs.Registration
	vfsFiles  []StorageFile
	aliasDB   *sql.DB
	seqDB     *sql.DB
	immutable bool
	// rolledBack is set when a database is read as of its last commit
	// past a killed writer's hot journal.
	// A lazily opened database (collections) may set it after Open.
	rolledBack atomic.Bool
	storage    Storage
	pool       *filePool
	cache      *bgzf.BlockCache

	infos seqInfoCache
	colls collectionsState
	stmts sync.Map // query text -> *sql.Stmt (see stmt)

	filesMu sync.RWMutex
	files   map[string]*seqFile // by relpath
}

var _ repo.Source = (*Instance)(nil)

// openFileURL opens file:///path (or a plain path) as a SeqRepo instance or
// root directory.
func openFileURL(ctx context.Context, u *url.URL) (repo.Source, error) {
	if err := checkLocalURL(u); err != nil {
		return nil, err
	}
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	inst, err := Open(ctx, p, Options{})
	if err != nil {
		return nil, err
	}
	return inst, nil
}

// checkLocalURL rejects a file URL that names a host other than this one.
func checkLocalURL(u *url.URL) error {
	if u.Host != "" && u.Host != "localhost" {
		return fmt.Errorf("file URL with host %q: only local paths are supported", u.Host)
	}
	return nil
}

// DirError reports a SeqRepo directory that cannot be opened, with
// SeqRepo's wording ("Unable to open SeqRepo directory <dir>").
type DirError struct {
	Dir string
	Err error
}

func (e *DirError) Error() string {
	return "Unable to open SeqRepo directory " + e.Dir + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *DirError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, repo.ErrNotFound) true.
func (e *DirError) Is(target error) bool { return target == repo.ErrNotFound }

// ResolveInstanceDir returns the instance directory that path names: path
// itself if it holds an instance (aliases.sqlite3 or sequences/), else
// <path>/latest if that exists, else the newest instance-named
// subdirectory. The error names what is missing.
func ResolveInstanceDir(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", &DirError{Dir: path, Err: err}
	}
	if !st.IsDir() {
		return "", &DirError{Dir: path, Err: errors.New("not a directory")}
	}
	if looksLikeInstance(path) {
		return path, nil
	}
	latest := filepath.Join(path, LatestLinkName)
	if st, err := os.Stat(latest); err == nil && st.IsDir() {
		return latest, nil
	}
	names, err := ListInstances(path)
	if err != nil {
		return "", err
	}
	if len(names) > 0 {
		return filepath.Join(path, names[len(names)-1]), nil
	}
	if others := RootInstances(path); len(others) > 0 {
		return "", &DirError{Dir: path, Err: fmt.Errorf(
			"a SeqRepo root directory is read through its %q instance, and %s has none (its instances: %s); "+
				"name an instance (-i %s, or the path %s), or make one current: `seqfs -r %s snapshot` then `seqfs -r %s update-latest`",
			LatestLinkName, path, strings.Join(others, ", "), others[0], filepath.Join(path, others[0]), path, path)}
	}
	return path, nil // Open reports which part is missing.
}

// RootInstances returns the names of the subdirectories of root that hold
// an instance, dated or not (master), sorted; none if root cannot be read.
func RootInstances(root string) []string {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if p := filepath.Join(root, e.Name()); e.IsDir() && looksLikeInstance(p) {
			out = append(out, e.Name())
		}
	}
	return out
}

func looksLikeInstance(dir string) bool {
	for _, p := range []string{AliasesDBPath(dir), SequencesPath(dir)} {
		if _, err := os.Lstat(p); err == nil {
			return true
		}
	}
	return false
}

// ListInstances returns the names of the instance directories in a SeqRepo
// root directory (names matching InstanceNameRE; master, latest and
// temporary pull directories are ignored), sorted so the newest is last.
func ListInstances(root string) ([]string, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("list instances in %s: %w", root, err)
	}
	var out []string
	for _, e := range ents {
		if !InstanceNameRE.MatchString(e.Name()) {
			continue
		}
		st, err := os.Stat(filepath.Join(root, e.Name()))
		if err != nil || !st.IsDir() {
			continue
		}
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out, nil
}

// Open opens the SeqRepo instance at path read-only. path is an instance
// directory or a root directory (then its latest instance is used, see
// ResolveInstanceDir). Nothing is created or modified: both databases are
// opened with mode=ro, and with immutable=1 when the instance directory is
// not writable (a snapshot).
func Open(ctx context.Context, path string, opts Options) (*Instance, error) {
	dir, err := ResolveInstanceDir(path)
	if err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	for _, p := range []string{AliasesDBPath(dir), SeqInfoDBPath(dir)} {
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s is not a SeqRepo instance: missing %s: %w (%w)", dir, p, repo.ErrNotFound, err)
		case err != nil:
			// Exists, or may, but cannot be reached: say so, not "missing".
			return nil, repo.Inaccessible(p, fmt.Errorf("cannot read the database of instance %s (check the permissions of %s and its directory): %w", dir, p, err))
		case !st.Mode().IsRegular():
			return nil, fmt.Errorf("%s is not a SeqRepo instance: %s is not a regular file: %w", dir, p, repo.ErrNotFound)
		case syscall.Access(p, 4 /* R_OK */) != nil:
			return nil, repo.Inaccessible(p, fmt.Errorf("cannot read the database of instance %s (check its permissions): %w", dir, fs.ErrPermission))
		}
	}
	inst := &Instance{
		dir:       dir,
		aliasPath: AliasesDBPath(dir),
		seqDBPath: SeqInfoDBPath(dir),
		immutable: !dirWritable(dir),
		storage:   opts.Storage,
		cache:     opts.BlockCache,
		files:     make(map[string]*seqFile),
	}
	if inst.storage == nil {
		inst.storage = NewDirStorage(SequencesPath(dir))
	}
	inst.init(opts)

	if inst.aliasDB, err = inst.openLocalDB(ctx, inst.aliasPath); err != nil {
		inst.Close()
		return nil, err
	}
	if inst.seqDB, err = inst.openLocalDB(ctx, inst.seqDBPath); err != nil {
		inst.Close()
		return nil, err
	}
	return inst, nil
}

// openLocalDB opens one database of a local instance read-only: directly,
// or, when a killed writer left a hot journal, at its last committed state
// through a journalOverlay (see hotjournal.go), without writing anything.
func (i *Instance) openLocalDB(ctx context.Context, path string) (*sql.DB, error) {
	ov, err := openHotJournal(path)
	if err != nil {
		return nil, err
	}
	if ov == nil {
		return openReadOnlyDB(ctx, path, i.immutable)
	}
	i.rolledBack.Store(true)
	slog.Warn("a writer was killed inside a transaction; reading the database as of its last commit (run `seqfs recover` or any load to repair it)",
		"database", path, "journal", ov.journal.Name())
	return i.openVFSDB(ctx, ov, path)
}

// init sets up the caches and the file pool from opts; inst.storage must
// be set.
func (i *Instance) init(opts Options) {
	if i.cache == nil {
		i.cache = SharedBlockCache()
	}
	maxOpen := opts.MaxOpenFiles
	if maxOpen <= 0 {
		maxOpen = DefaultMaxOpenFiles
	}
	i.pool = newFilePool(i.storage, maxOpen)
	maxInfos := opts.InfoCacheEntries
	if maxInfos <= 0 {
		maxInfos = DefaultInfoCacheEntries
	}
	i.infos.init(maxInfos)
}

// dirWritable reports whether dir can be written by this process. Write
// bits are checked as well as access(2), because access reports success for
// root even on a 0500 snapshot directory.
func dirWritable(dir string) bool {
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm()&0o222 == 0 {
		return false
	}
	return syscall.Access(dir, 2 /* W_OK */) == nil
}

// sqliteDSN returns the read-only URI for a database file.
func sqliteDSN(path string, immutable bool) string {
	u := url.URL{Scheme: "file", Path: path}
	dsn := u.String() + "?mode=ro"
	if immutable {
		dsn += "&immutable=1"
	}
	return dsn
}

// openReadOnlyDB opens a SeqRepo database read-only and checks its schema
// version.
func openReadOnlyDB(ctx context.Context, path string, immutable bool) (*sql.DB, error) {
	return openDSN(ctx, sqliteDSN(path, immutable), path)
}

// openDSN opens a read-only database by its DSN and checks its schema
// version; path names it in messages.
func openDSN(ctx context.Context, dsn, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := checkSchemaVersion(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkSchemaVersion reads meta's "schema version" as SeqRepo does and
// accepts only ExpectedSchemaVersion.
func checkSchemaVersion(ctx context.Context, db *sql.DB, path string) error {
	var hasMeta int
	err := db.QueryRowContext(ctx, `select count(*) from sqlite_master where type = 'table' and name = 'meta'`).Scan(&hasMeta)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, repo.Corrupt(path, err))
	}
	if hasMeta == 0 {
		return fmt.Errorf("open %s: Upgrade required: database has no meta table (schema version None), seqfs expects %s: %w",
			path, ExpectedSchemaVersion, repo.ErrUnsupported)
	}
	var v string
	err = db.QueryRowContext(ctx, `select value from meta where key = 'schema version'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("open %s: Upgrade required: meta table has no schema version, seqfs expects %s: %w",
			path, ExpectedSchemaVersion, repo.ErrUnsupported)
	}
	if err != nil {
		return fmt.Errorf("open %s: read schema version: %w", path, repo.Corrupt(path, err))
	}
	if v != ExpectedSchemaVersion {
		return fmt.Errorf("open %s: Upgrade required: database schema version is %s, seqfs expects %s: %w",
			path, v, ExpectedSchemaVersion, repo.ErrUnsupported)
	}
	return nil
}

// Dir returns the absolute instance directory.
func (i *Instance) Dir() string { return i.dir }

// RolledBack reports whether a database of the instance had a hot journal
// left by a killed writer and is read as of its last commit (a fixed view:
// reopen the instance once a writer has recovered it).
func (i *Instance) RolledBack() bool { return i.rolledBack.Load() }

// Immutable reports whether the databases were opened with immutable=1
// because the instance directory is not writable (a snapshot).
func (i *Instance) Immutable() bool { return i.immutable }

// Close closes the databases and every open sequence file. Reads in
// progress finish first; later calls fail.
func (i *Instance) Close() error {
	var errs []error
	i.stmts.Range(func(_, st any) bool {
		errs = append(errs, st.(*sql.Stmt).Close())
		return true
	})
	if i.aliasDB != nil {
		errs = append(errs, i.aliasDB.Close())
	}
	if i.seqDB != nil {
		errs = append(errs, i.seqDB.Close())
	}
	if i.pool != nil {
		errs = append(errs, i.pool.close())
	}
	errs = append(errs, i.closeCollections())
	for _, r := range i.vfsRegs {
		r.Unregister()
	}
	for _, f := range i.vfsFiles {
		errs = append(errs, f.Close())
	}
	i.vfsRegs, i.vfsFiles = nil, nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s: %w", i.dir, err)
	}
	return nil
}

// Stats summarises an instance for "seqfs status" (SeqRepo's show-status):
// the two queries of docs/format.md, “Statistics”, plus the instance's size
// on disk.
type Stats struct {
	// Sequences, Residues and Files come from seqinfo.
	Sequences, Residues, Files int64
	// SeqMinAdded and SeqMaxAdded bound seqinfo.added (zero if empty).
	SeqMinAdded, SeqMaxAdded time.Time
	// Aliases counts every alias row, CurrentAliases those with
	// is_current = 1; AliasSequences the distinct seq_ids and Namespaces
	// the distinct namespaces among all rows.
	Aliases, CurrentAliases, AliasSequences, Namespaces int64
	// AliasMinAdded and AliasMaxAdded bound seqalias.added (zero if empty).
	AliasMinAdded, AliasMaxAdded time.Time
	// SizeBytes is the sum of the sizes of all files in the instance.
	SizeBytes int64
	// SchemaVersion is the schema version of both databases.
	SchemaVersion string
}

// Stats runs SeqRepo's status queries and sums the instance's file sizes.
// The counts are those of SeqRepo's show-status, computed so that no query
// sorts millions of rows: one pass over each table (seq_id is seqinfo's
// primary key, so its count is the distinct count), distinct seq_ids read
// in order from their index, distinct relpaths and namespaces with one
// index or hash step each (see statsSeqSQL, statsAliasSQL).
func (i *Instance) Stats(ctx context.Context) (Stats, error) {
	s := Stats{SchemaVersion: ExpectedSchemaVersion}
	var minA, maxA sql.NullString
	err := i.seqDB.QueryRowContext(ctx, statsSeqSQL).Scan(&s.Sequences, &s.Residues, &minA, &maxA)
	if err == nil {
		err = i.seqDB.QueryRowContext(ctx, `select count(distinct relpath) from seqinfo`).Scan(&s.Files)
	}
	if err != nil {
		return Stats{}, fmt.Errorf("stats of %s: %w", i.seqDBPath, err)
	}
	if s.SeqMinAdded, s.SeqMaxAdded, err = parseAddedPair(minA, maxA); err != nil {
		return Stats{}, fmt.Errorf("stats of %s: %w", i.seqDBPath, err)
	}
	err = i.aliasDB.QueryRowContext(ctx, statsAliasSQL).Scan(&s.Aliases, &s.CurrentAliases, &minA, &maxA)
	if err == nil {
		err = i.aliasDB.QueryRowContext(ctx, `select count(distinct seq_id) from seqalias`).Scan(&s.AliasSequences)
	}
	if err == nil {
		err = i.aliasDB.QueryRowContext(ctx, statsNamespacesSQL).Scan(&s.Namespaces)
	}
	if err != nil {
		return Stats{}, fmt.Errorf("stats of %s: %w", i.aliasPath, err)
	}
	if s.AliasMinAdded, s.AliasMaxAdded, err = parseAddedPair(minA, maxA); err != nil {
		return Stats{}, fmt.Errorf("stats of %s: %w", i.aliasPath, err)
	}
	if i.remote != nil {
		if sz, ok := i.remote.(StorageSizer); ok {
			if s.SizeBytes, err = sz.TotalSize(ctx); err != nil {
				return Stats{}, fmt.Errorf("size of %s: %w", i.dir, err)
			}
		}
		return s, nil
	}
	if s.SizeBytes, err = dirSize(ctx, i.dir); err != nil {
		return Stats{}, err
	}
	return s, nil
}

// dirSize sums the sizes of the files under dir as SeqRepo's show-status
// does with os.walk and os.path.getsize: a symlinked dir itself (such as
// <root>/latest) is followed, symlinked subdirectories are not, symlinked
// files count with their target's size.
func dirSize(ctx context.Context, dir string) (int64, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", dir, err)
	}
	var total int64
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return ctx.Err()
		}
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			return nil // broken link, or a link to a directory (not walked)
		}
		total += st.Size()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", dir, err)
	}
	return total, nil
}

// The queries of Stats. count(distinct x) in a query with other
// aggregates sorts every row in a temporary b-tree (12 s instead of 1 s on
// the 1.1 M rows of SeqRepo's release), so each distinct count has its own
// query that reads an index in order.
const (
	statsSeqSQL   = `select count(seq_id), coalesce(sum(len), 0), cast(min(added) as text), cast(max(added) as text) from seqinfo`
	statsAliasSQL = `select count(*), coalesce(sum(is_current), 0), cast(min(added) as text), cast(max(added) as text) from seqalias`
	// statsNamespacesSQL counts the namespaces of all alias rows with one
	// seek of the namespace index each.
	statsNamespacesSQL = `with recursive ns(n) as (
	select min(namespace) from seqalias
	union all
	select (select min(namespace) from seqalias where namespace > ns.n) from ns where ns.n is not null
) select count(n) from ns`
)

func parseAddedPair(a, b sql.NullString) (time.Time, time.Time, error) {
	var ta, tb time.Time
	var err error
	if a.Valid {
		if ta, err = ParseAdded(a.String); err != nil {
			return ta, tb, err
		}
	}
	if b.Valid {
		if tb, err = ParseAdded(b.String); err != nil {
			return ta, tb, err
		}
	}
	return ta, tb, nil
}

// Factory opens SeqRepo instances and root directories on local disk (plain
// paths and file:// URLs) and writes instances there, creating an empty
// one when the directory holds none. It has no settings.
type Factory struct{}

var _ repo.WriterFactory = Factory{}

// Name returns "seqrepo".
func (Factory) Name() string { return "seqrepo" }

// Schemes returns "file", the scheme of local paths.
func (Factory) Schemes() []string { return []string{"file"} }

// Settings returns none.
func (Factory) Settings() []repo.Setting { return nil }

// Open opens the instance or root directory at u.
func (Factory) Open(ctx context.Context, u *url.URL, _ repo.Settings) (repo.Source, error) {
	return openFileURL(ctx, u)
}

// WriterSchemes returns "file".
func (f Factory) WriterSchemes() []string { return f.Schemes() }

// OpenWriter opens the instance at u for writing (see the type).
func (Factory) OpenWriter(ctx context.Context, u *url.URL, _ repo.Settings) (repo.Writer, error) {
	return openWriterURL(ctx, u)
}
