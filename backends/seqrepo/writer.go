package seqrepo

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/faidx"
	"github.com/seqfs/seqfs/repo"
)

// Commit thresholds of Python SeqRepo (spec §5.3): a batch is committed when
// it holds more than this many sequences, aliases or residues.
const (
	DefaultMaxPendingSequences = 20000
	DefaultMaxPendingAliases   = 60000
	DefaultMaxPendingResidues  = 1_000_000_000
)

// writeLineWidth is the residues per FASTA line in SeqRepo's files.
const writeLineWidth = 100

// writeJournalName is the file listing sequence files renamed into place
// whose database commit is not yet known to have happened.
const writeJournalName = ".seqfs-write.journal"

// writeTmpPrefix starts the names of files being written. Readers never
// reference them, snapshots never copy them (no ".bgz" in the name), and
// the next writer removes leftovers of a killed one.
const writeTmpPrefix = ".seqfs-tmp-"

// ErrWriterClosed is returned by a Writer after Close.
var ErrWriterClosed = errors.New("seqrepo writer is closed")

// WriterOptions tunes a Writer. The zero value gives SeqRepo's behaviour.
type WriterOptions struct {
	// Workers is the number of goroutines compressing BGZF blocks
	// (0 = GOMAXPROCS).
	Workers int
	// MaxPendingSequences, MaxPendingAliases and MaxPendingResidues are
	// the automatic commit thresholds (defaults: SeqRepo's 20,000 /
	// 60,000 / 1e9).
	MaxPendingSequences int
	MaxPendingAliases   int
	MaxPendingResidues  int64
	// Reader is used for the read-only Instance that serves the Writer's
	// repo.Source methods.
	Reader Options
}

// Writer adds sequences and aliases to a SeqRepo instance on local disk,
// producing files and database rows that Python SeqRepo reads and can keep
// writing. It implements repo.Writer; its read methods see committed data
// only (through an Instance reopened after every commit). It holds an
// exclusive lock on the instance until Close. Safe for concurrent use;
// writes are serialised.
//
// Each commit batch goes to a new file sequences/YYYY/MMDD/HHMM/<time>.fa.bgz
// (plus .fai and .gzi, mode 0444), written under a temporary name, synced
// and renamed into place before the databases are committed. Both databases
// are committed in one SQLite transaction (the sequence database is
// attached to the alias database's connection), so after a crash readers
// see the instance as it was after the last complete commit.
type Writer struct {
	dir  string
	opts WriterOptions
	lock *lockFile
	db   *sql.DB
	conn *sql.Conn

	stmtSeqExists, stmtInsertSeq, stmtFindAlias, stmtRetireAlias, stmtInsertAlias *sql.Stmt

	wmu                    sync.Mutex        // serialises writes
	inTx                   bool              // a transaction is open on conn
	ops                    []writeOp         // pending database changes, in order
	pendSeq                map[string]bool   // seq_ids stored in the pending batch
	pendAlias              map[string]string // "ns\x00alias" -> seq_id bound in the pending batch
	batch                  *writeBatch
	pendSeqs, pendAliases  int
	pendResidues           int64
	failed                 error
	closed                 bool
	scratch                []byte
	normBuf                []byte
	lastBaseName           string
	rmu                    sync.Mutex // guards cur
	cur                    *writerReaderRef
	commitCount, fileCount int
	coll                   collWriter // staged collections (collections_writer.go)
}

// writeOp is one pending database change: a seqinfo row (relpath set) or
// an alias binding.
type writeOp struct {
	seqID, relpath, alpha string
	length                int64
	ns, alias             string
}

// noCancel is the context of the writer's per-row SQL statements: with a
// cancellable context the SQLite driver starts a goroutine per statement,
// which costs more than the statement. Store and Commit check the caller's
// context before they start instead.
var noCancel = context.Background()

// writerReaderRef counts the users of one read-only Instance so that it is
// closed only when the last iterator using it is done.
type writerReaderRef struct {
	inst    *Instance
	n       int
	retired bool
}

var _ repo.Writer = (*Writer)(nil)

// writerDSN returns the read-write URI of a database file.
func writerDSN(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // a relative path would be read as a URI authority
	}
	u := url.URL{Scheme: "file", Path: path}
	return u.String() + "?_busy_timeout=30000"
}

// OpenWriter opens the existing instance at dir for writing (see
// CreateInstance for a new one). It fails with a *LockedError if another
// seqfs writer has it open. Leftovers of a writer that was killed are
// removed first.
func OpenWriter(ctx context.Context, dir string, opts WriterOptions) (*Writer, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open writer %s: %w", dir, err)
	}
	dir = abs
	for _, p := range []string{AliasesDBPath(dir), SeqInfoDBPath(dir)} {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return nil, fmt.Errorf("open writer: %s is not a SeqRepo instance (missing %s; create it with `seqfs init`): %w", dir, p, repo.ErrNotFound)
		}
	}
	if st, err := os.Stat(dir); err == nil && st.Mode().Perm()&0o222 == 0 {
		// A snapshot: its write bits were removed so that it never changes
		// (readers open it as immutable). Root could write anyway; refuse.
		return nil, fmt.Errorf("open writer: instance %s is read-only (a snapshot, mode %v); load into a writable instance such as master: %w",
			dir, st.Mode().Perm(), repo.ErrReadOnly)
	}
	if opts.MaxPendingSequences <= 0 {
		opts.MaxPendingSequences = DefaultMaxPendingSequences
	}
	if opts.MaxPendingAliases <= 0 {
		opts.MaxPendingAliases = DefaultMaxPendingAliases
	}
	if opts.MaxPendingResidues <= 0 {
		opts.MaxPendingResidues = DefaultMaxPendingResidues
	}
	lk, err := lockInstance(dir)
	if err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, opts: opts, lock: lk, pendSeq: map[string]bool{}, pendAlias: map[string]string{}}
	if err := w.openDB(ctx); err != nil {
		w.closeAll()
		return nil, err
	}
	if err := w.recover(ctx); err != nil {
		w.closeAll()
		return nil, err
	}
	inst, err := Open(ctx, dir, opts.Reader)
	if err != nil {
		w.closeAll()
		return nil, err
	}
	w.cur = &writerReaderRef{inst: inst}
	return w, nil
}

func (w *Writer) openDB(ctx context.Context) error {
	apath, spath := AliasesDBPath(w.dir), SeqInfoDBPath(w.dir)
	db, err := sql.Open("sqlite3", writerDSN(apath))
	if err != nil {
		return fmt.Errorf("open %s: %w", apath, err)
	}
	db.SetMaxOpenConns(1)
	w.db = db
	if w.conn, err = db.Conn(ctx); err != nil {
		return fmt.Errorf("open %s: %w", apath, err)
	}
	if _, err := w.conn.ExecContext(ctx, `ATTACH DATABASE ? AS seqdb`, spath); err != nil {
		return fmt.Errorf("attach %s: %w", spath, err)
	}
	// A large page cache with spilling off keeps uncommitted pages in
	// memory, so readers are not locked out before the commit itself.
	for _, s := range []string{"main", "seqdb"} {
		if _, err := w.conn.ExecContext(ctx, `PRAGMA `+s+`.cache_size = -262144; PRAGMA `+s+`.cache_spill = 0`); err != nil {
			return fmt.Errorf("configure %s: %w", w.dir, err)
		}
	}
	if err := schemaCheck(ctx, w.conn, "main", apath); err != nil {
		return err
	}
	if err := schemaCheck(ctx, w.conn, "seqdb", spath); err != nil {
		return err
	}
	if err := w.attachExistingCollections(ctx); err != nil {
		return err
	}
	prep := func(dst **sql.Stmt, q string) {
		if err == nil {
			*dst, err = w.conn.PrepareContext(ctx, q)
			if err != nil {
				err = fmt.Errorf("prepare %q on %s: %w", q, w.dir, err)
			}
		}
	}
	prep(&w.stmtSeqExists, `SELECT 1 FROM seqdb.seqinfo WHERE seq_id = ?`)
	prep(&w.stmtInsertSeq, `INSERT INTO seqdb.seqinfo (seq_id, len, alpha, relpath) VALUES (?, ?, ?, ?)`)
	prep(&w.stmtFindAlias, `SELECT seqalias_id, seq_id FROM main.seqalias WHERE namespace = ? AND alias = ? AND is_current = 1`)
	prep(&w.stmtRetireAlias, `UPDATE main.seqalias SET is_current = 0 WHERE seqalias_id = ?`)
	prep(&w.stmtInsertAlias, `INSERT INTO main.seqalias (seq_id, namespace, alias) VALUES (?, ?, ?)`)
	return err
}

// recover removes what a killed writer left: sequence files renamed into
// place whose commit did not happen (listed in the journal) and temporary
// files.
func (w *Writer) recover(ctx context.Context) error {
	jpath := filepath.Join(w.dir, writeJournalName)
	data, err := os.ReadFile(jpath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", jpath, err)
	}
	for _, rel := range strings.Split(string(data), "\n") {
		if rel == "" {
			continue
		}
		var one int
		err := w.conn.QueryRowContext(ctx, `SELECT 1 FROM seqdb.seqinfo WHERE relpath = ? LIMIT 1`, rel).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			p := filepath.Join(SequencesPath(w.dir), filepath.FromSlash(rel))
			slog.Warn("removing sequence file of an uncommitted batch", "file", p)
			for _, f := range []string{p, p + ".fai", p + ".gzi"} {
				if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("remove %s: %w", f, err)
				}
			}
		case err != nil:
			return fmt.Errorf("recover %s: check %s: %w", w.dir, rel, err)
		}
	}
	if data != nil {
		if err := os.Remove(jpath); err != nil {
			return fmt.Errorf("remove %s: %w", jpath, err)
		}
	}
	root := SequencesPath(w.dir)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("scan %s: %w", root, err)
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), writeTmpPrefix) {
			slog.Warn("removing temporary file left by an interrupted writer", "file", p)
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("remove %s: %w", p, err)
			}
		}
		return nil
	})
}

// Dir returns the instance directory.
func (w *Writer) Dir() string { return w.dir }

// Store adds a sequence, stored byte for byte as given (letters and '*'
// only; SeqRepo's loader upper-cases first), with its aliases; see
// repo.Writer. It commits by itself when a threshold of WriterOptions is
// exceeded.
func (w *Writer) Store(ctx context.Context, seq []byte, aliases []repo.NSAlias) (repo.StoreResult, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	var res repo.StoreResult
	if w.closed {
		return res, ErrWriterClosed
	}
	if w.failed != nil {
		return res, fmt.Errorf("writer %s failed earlier: %w", w.dir, w.failed)
	}
	for _, a := range aliases {
		if a.Namespace == "" || a.Alias == "" {
			return res, fmt.Errorf("store in %s: empty namespace or alias in %q", w.dir, a.String())
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	d, alpha, err := w.digests(seq)
	if err != nil {
		return res, fmt.Errorf("store in %s: %w", w.dir, err)
	}
	res.SeqID = d.SeqID
	// Look-ups run in one read transaction held until the commit, which
	// saves SQLite's per-statement locking; it writes only at commit time.
	if !w.inTx {
		if _, err := w.conn.ExecContext(noCancel, `BEGIN`); err != nil {
			return res, w.fail(fmt.Errorf("begin transaction on %s: %w", w.dir, err))
		}
		w.inTx = true
	}
	exists, err := w.seqExists(ctx, d.SeqID)
	if err != nil {
		return res, w.fail(err)
	}
	if !exists {
		if int64(len(seq)) > w.opts.MaxPendingResidues && w.pendSeqs > 0 {
			if err := w.commitLocked(ctx); err != nil {
				return res, err
			}
		}
		if w.batch == nil {
			if w.batch, err = w.newBatch(); err != nil {
				return res, w.fail(err)
			}
		}
		if err := w.batch.appendSeq(d.SeqID, seq, &w.scratch); err != nil {
			return res, w.fail(err)
		}
		w.ops = append(w.ops, writeOp{seqID: d.SeqID, length: int64(len(seq)), alpha: alpha, relpath: w.batch.relpath})
		w.pendSeq[d.SeqID] = true
		// The digest aliases of a new sequence cannot be bound yet (they
		// are functions of it), so they need no look-up here; the commit
		// still applies SeqRepo's rules to them.
		for _, a := range [...]repo.NSAlias{{Namespace: "VMC", Alias: d.VMC()}, {Namespace: "SHA1", Alias: d.SHA1}, {Namespace: "MD5", Alias: d.MD5}, {Namespace: "SEGUID", Alias: d.SEGUID}} {
			w.pendAlias[a.Namespace+"\x00"+a.Alias] = d.SeqID
			w.ops = append(w.ops, writeOp{seqID: d.SeqID, ns: a.Namespace, alias: a.Alias})
		}
		w.pendSeqs++
		w.pendAliases += 4
		w.pendResidues += int64(len(seq))
		res.SequencesAdded = 1
	}
	for _, a := range aliases {
		ns, al := repo.TranslateAPI2DB(a.Namespace, a.Alias)
		added, err := w.queueAlias(ctx, d.SeqID, ns, al)
		if err != nil {
			return res, w.fail(err)
		}
		if added {
			res.AliasesAdded++
			w.pendAliases++
		}
	}
	if w.pendSeqs > w.opts.MaxPendingSequences || w.pendAliases > w.opts.MaxPendingAliases || w.pendResidues > w.opts.MaxPendingResidues {
		if err := w.commitLocked(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

// seqExists reports whether seqID is committed or pending.
func (w *Writer) seqExists(ctx context.Context, seqID string) (bool, error) {
	if w.pendSeq[seqID] {
		return true, nil
	}
	var one int
	err := w.stmtSeqExists.QueryRowContext(noCancel, seqID).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("look up %s in %s: %w", seqID, SeqInfoDBPath(w.dir), err)
	}
	return err == nil, nil
}

// queueAlias schedules binding (ns, alias) to seqID and reports whether
// that changes anything (it does not if the alias is already bound to
// seqID, committed or pending).
func (w *Writer) queueAlias(ctx context.Context, seqID, ns, alias string) (bool, error) {
	key := ns + "\x00" + alias
	cur, pending := w.pendAlias[key]
	if !pending {
		var id int64
		err := w.stmtFindAlias.QueryRowContext(noCancel, ns, alias).Scan(&id, &cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("look up alias %s:%s in %s: %w", ns, alias, AliasesDBPath(w.dir), err)
		}
	}
	if cur == seqID {
		return false, nil
	}
	w.pendAlias[key] = seqID
	w.ops = append(w.ops, writeOp{seqID: seqID, ns: ns, alias: alias})
	return true, nil
}

// storeAlias binds (ns, alias) to seqID as SeqAliasDB.store_alias does: a
// current binding to the same sequence is kept; one to another sequence is
// marked historic (is_current = 0) and a new row added. It reports whether
// a row was added.
func (w *Writer) storeAlias(ctx context.Context, seqID, ns, alias string) (bool, error) {
	// Insert first, as SeqRepo does; the partial unique index reports an
	// existing current binding.
	_, err := w.stmtInsertAlias.ExecContext(noCancel, seqID, ns, alias)
	var se sqlite3.Error
	if err == nil {
		return true, nil
	}
	if !errors.As(err, &se) || se.ExtendedCode != sqlite3.ErrConstraintUnique {
		return false, fmt.Errorf("insert alias %s:%s in %s: %w", ns, alias, AliasesDBPath(w.dir), err)
	}
	var id int64
	var old string
	if err := w.stmtFindAlias.QueryRowContext(noCancel, ns, alias).Scan(&id, &old); err != nil {
		return false, fmt.Errorf("look up alias %s:%s in %s: %w", ns, alias, AliasesDBPath(w.dir), err)
	}
	if old == seqID {
		return false, nil
	}
	slog.Info("re-assigning alias", "alias", ns+":"+alias, "from", old, "to", seqID)
	if _, err := w.stmtRetireAlias.ExecContext(noCancel, id); err != nil {
		return false, fmt.Errorf("retire alias %s:%s in %s: %w", ns, alias, AliasesDBPath(w.dir), err)
	}
	if _, err := w.stmtInsertAlias.ExecContext(noCancel, seqID, ns, alias); err != nil {
		return false, fmt.Errorf("insert alias %s:%s in %s: %w", ns, alias, AliasesDBPath(w.dir), err)
	}
	return true, nil
}

// digests checks the stored bytes (letters and '*') and computes the
// digests of the normalised sequence (upper-cased, '*' removed) with the
// three hashes running in parallel, plus the alphabet of the stored bytes.
func (w *Writer) digests(seq []byte) (repo.Digests, string, error) {
	var seen [256]bool
	normalized := true
	for i, c := range seq {
		if !seen[c] {
			switch {
			case c >= 'A' && c <= 'Z':
			case c >= 'a' && c <= 'z' || c == '*':
				normalized = false
			default:
				return repo.Digests{}, "", fmt.Errorf("sequence byte %d is %q: only letters and '*' can be stored", i, c)
			}
			seen[c] = true
		}
	}
	var alpha []byte
	for c := range 256 {
		if seen[c] {
			alpha = append(alpha, byte(c))
		}
	}
	norm := seq
	if !normalized {
		norm = w.normBuf[:0]
		for _, c := range seq {
			switch {
			case c == '*':
			case c >= 'a' && c <= 'z':
				norm = append(norm, c-('a'-'A'))
			default:
				norm = append(norm, c)
			}
		}
		w.normBuf = norm
	}
	var s512, s1 []byte
	var m5 [16]byte
	if len(norm) < 1<<20 {
		h := sha512.Sum512(norm)
		s512 = h[:]
		h1 := sha1.Sum(norm)
		s1 = h1[:]
		m5 = md5.Sum(norm)
	} else {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); h := sha512.Sum512(norm); s512 = h[:] }()
		go func() { defer wg.Done(); h := sha1.Sum(norm); s1 = h[:] }()
		m5 = md5.Sum(norm)
		wg.Wait()
	}
	d := repo.Digests{
		SeqID:  base64.RawURLEncoding.EncodeToString(s512[:24]),
		MD5:    hex.EncodeToString(m5[:]),
		SHA1:   hex.EncodeToString(s1),
		SEGUID: base64.RawStdEncoding.EncodeToString(s1),
	}
	return d, string(alpha), nil
}

// fail rolls back the open batch and makes the Writer refuse further
// writes; it returns err.
func (w *Writer) fail(err error) error {
	w.rollback()
	w.failed = err
	return err
}

// rollback discards the open transaction and batch file.
func (w *Writer) rollback() {
	if w.batch != nil {
		w.batch.abort()
		w.batch = nil
	}
	w.resetPending()
}

func (w *Writer) resetPending() {
	if w.inTx {
		if _, err := w.conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
			slog.Error("rollback failed", "instance", w.dir, "err", err)
		}
		w.inTx = false
	}
	w.ops = w.ops[:0]
	clear(w.pendSeq)
	clear(w.pendAlias)
	w.coll.ops = nil
	w.pendSeqs, w.pendAliases, w.pendResidues = 0, 0, 0
}

// Commit writes the open batch file with its indexes and commits both
// databases; see repo.Writer.
func (w *Writer) Commit(ctx context.Context) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.closed {
		return ErrWriterClosed
	}
	if w.failed != nil {
		return fmt.Errorf("writer %s failed earlier: %w", w.dir, w.failed)
	}
	return w.commitLocked(ctx)
}

func (w *Writer) commitLocked(ctx context.Context) error {
	if len(w.ops) == 0 && w.batch == nil && len(w.coll.ops) == 0 {
		return nil
	}
	if err := w.prepareCollections(ctx); err != nil {
		return w.fail(err)
	}
	jpath := filepath.Join(w.dir, writeJournalName)
	if b := w.batch; b != nil {
		if err := b.finish(); err != nil {
			return w.fail(err)
		}
		if err := writeAppendSync(jpath, b.relpath+"\n"); err != nil {
			return w.fail(err)
		}
		if err := b.install(); err != nil {
			return w.fail(err)
		}
	}
	if err := w.applyOps(ctx); err != nil {
		return w.fail(err)
	}
	if w.batch != nil {
		w.fileCount++
		w.batch = nil
		if err := os.Remove(jpath); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Warn("remove journal", "instance", w.dir, "err", err)
		}
	}
	w.commitCount++
	w.resetPending()
	inst, err := Open(ctx, w.dir, w.opts.Reader)
	if err != nil {
		return fmt.Errorf("reopen %s after commit: %w", w.dir, err)
	}
	w.swapReader(inst)
	return nil
}

// applyOps writes the pending rows to both databases in one short
// transaction (the sequence database is attached, so SQLite commits both
// atomically through a super-journal). Keeping the transaction short keeps
// the window in which a crash leaves a hot journal small.
func (w *Writer) applyOps(ctx context.Context) (err error) {
	if !w.inTx {
		if _, err := w.conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			return fmt.Errorf("begin transaction on %s: %w", w.dir, err)
		}
		w.inTx = true
	}
	for _, op := range w.ops {
		if op.relpath != "" {
			if _, err := w.stmtInsertSeq.ExecContext(noCancel, op.seqID, op.length, op.alpha, op.relpath); err != nil {
				return fmt.Errorf("insert seqinfo %s into %s: %w", op.seqID, SeqInfoDBPath(w.dir), err)
			}
			continue
		}
		if _, err := w.storeAlias(ctx, op.seqID, op.ns, op.alias); err != nil {
			return err
		}
	}
	if err := w.applyCollectionOps(); err != nil {
		return err
	}
	if _, err := w.conn.ExecContext(noCancel, `COMMIT`); err != nil {
		return fmt.Errorf("commit %s: %w", w.dir, err)
	}
	w.inTx = false
	return nil
}

// Close discards anything not committed (like SeqRepo's alias database,
// nothing is committed implicitly), closes the databases and releases the
// lock.
func (w *Writer) Close() error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	w.rollback()
	return w.closeAll()
}

func (w *Writer) closeAll() error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for _, s := range []*sql.Stmt{w.stmtSeqExists, w.stmtInsertSeq, w.stmtFindAlias, w.stmtRetireAlias, w.stmtInsertAlias} {
		if s != nil {
			keep(s.Close())
		}
	}
	if w.conn != nil {
		keep(w.conn.Close())
	}
	if w.db != nil {
		keep(w.db.Close())
	}
	w.swapReader(nil)
	keep(w.lock.unlock())
	return first
}

// Stats returns the counts of commits and sequence files written so far.
func (w *Writer) Stats() (commits, files int) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	return w.commitCount, w.fileCount
}

// --- sequence files -------------------------------------------------------

// writeBatch is the sequence file of the open batch.
type writeBatch struct {
	seqDir  string // absolute directory of the file
	relpath string // path of the final .fa.bgz relative to sequences/
	base    string // final basename
	tmp     string // temporary data file; + "-fai", "-gzi" for the indexes
	f       *os.File
	buf     *bufio.Writer
	bw      *bgzf.Writer
	off     int64
	fai     []faidx.Record
	done    []string // final paths installed by install
}

// writePyTime formats t like Python's repr(time.time()).
func writePyTime(t time.Time) string {
	s := strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func (w *Writer) newBatch() (*writeBatch, error) {
	for {
		now := time.Now()
		rel := now.UTC().Format("2006/0102/1504")
		base := writePyTime(now) + ".fa.bgz"
		if base == w.lastBaseName {
			time.Sleep(time.Microsecond)
			continue
		}
		dir := filepath.Join(SequencesPath(w.dir), filepath.FromSlash(rel))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		taken := false
		for _, n := range []string{base, base + ".fai", base + ".gzi", strings.TrimSuffix(base, ".bgz")} {
			if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
				taken = true
			}
		}
		if taken {
			time.Sleep(time.Microsecond)
			continue
		}
		w.lastBaseName = base
		b := &writeBatch{seqDir: dir, relpath: rel + "/" + base, base: base,
			tmp: filepath.Join(dir, writeTmpPrefix+strings.TrimSuffix(base, ".fa.bgz"))}
		f, err := os.OpenFile(b.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", b.tmp, err)
		}
		b.f = f
		b.buf = bufio.NewWriterSize(f, 1<<20)
		b.bw = bgzf.NewWriter(b.buf, w.opts.Workers)
		return b, nil
	}
}

// appendSeq writes one FASTA record (">id", 100-residue lines) and notes
// its .fai entry. scratch is a reusable line buffer.
func (b *writeBatch) appendSeq(id string, seq []byte, scratch *[]byte) error {
	hdr := ">" + id + "\n"
	if _, err := b.bw.Write([]byte(hdr)); err != nil {
		return fmt.Errorf("write %s: %w", b.tmp, err)
	}
	b.off += int64(len(hdr))
	n := int64(len(seq))
	if n > 0 {
		lb := min(n, writeLineWidth)
		b.fai = append(b.fai, faidx.Record{Name: id, Length: n, Offset: b.off, LineBases: lb, LineWidth: lb + 1})
	}
	const chunk = 1 << 20
	if cap(*scratch) < chunk+writeLineWidth+1 {
		*scratch = make([]byte, 0, chunk+writeLineWidth+1)
	}
	buf := (*scratch)[:0]
	for i := 0; i < len(seq); i += writeLineWidth {
		buf = append(buf, seq[i:min(i+writeLineWidth, len(seq))]...)
		buf = append(buf, '\n')
		if len(buf) >= chunk {
			if _, err := b.bw.Write(buf); err != nil {
				return fmt.Errorf("write %s: %w", b.tmp, err)
			}
			b.off += int64(len(buf))
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if _, err := b.bw.Write(buf); err != nil {
			return fmt.Errorf("write %s: %w", b.tmp, err)
		}
		b.off += int64(len(buf))
	}
	return nil
}

// finish completes the data file and writes the .fai and .gzi under
// temporary names, all synced and mode 0444.
func (b *writeBatch) finish() error {
	if err := b.bw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", b.tmp, err)
	}
	if err := b.flushAndClose(); err != nil {
		return err
	}
	var fai strings.Builder
	if err := faidx.Write(&fai, b.fai); err != nil {
		return fmt.Errorf("index %s: %w", b.tmp, err)
	}
	if err := writeFileSync(b.tmp+"-fai", []byte(fai.String())); err != nil {
		return err
	}
	gzi, err := b.bw.Index().MarshalBinary()
	if err != nil {
		return fmt.Errorf("index %s: %w", b.tmp, err)
	}
	if err := writeFileSync(b.tmp+"-gzi", gzi); err != nil {
		return err
	}
	for _, p := range []string{b.tmp, b.tmp + "-fai", b.tmp + "-gzi"} {
		if err := os.Chmod(p, 0o444); err != nil {
			return fmt.Errorf("chmod %s: %w", p, err)
		}
	}
	return nil
}

// install renames the finished files to their final names (indexes first,
// so a data file is never visible without them) and syncs the directory.
func (b *writeBatch) install() error {
	final := filepath.Join(b.seqDir, b.base)
	for _, mv := range [][2]string{{b.tmp + "-fai", final + ".fai"}, {b.tmp + "-gzi", final + ".gzi"}, {b.tmp, final}} {
		if err := os.Rename(mv[0], mv[1]); err != nil {
			return fmt.Errorf("rename %s to %s: %w", mv[0], mv[1], err)
		}
		b.done = append(b.done, mv[1])
	}
	return writeSyncDir(b.seqDir)
}

// removeInstalled deletes files installed for a batch whose commit failed.
func (b *writeBatch) removeInstalled() {
	for _, p := range b.done {
		os.Remove(p)
	}
	b.done = nil
}

// abort discards the batch's temporary files.
func (b *writeBatch) abort() {
	if b.bw != nil {
		b.bw.Close()
	}
	if b.f != nil {
		b.f.Close()
		b.f = nil
	}
	for _, p := range []string{b.tmp, b.tmp + "-fai", b.tmp + "-gzi"} {
		os.Remove(p)
	}
	b.removeInstalled()
}

func (b *writeBatch) flushAndClose() error {
	// bgzf.Writer does not flush the buffer it writes to.
	if err := b.buf.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", b.tmp, err)
	}
	if err := b.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", b.tmp, err)
	}
	err := b.f.Close()
	b.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", b.tmp, err)
	}
	return nil
}

// --- helpers ----------------------------------------------------------------

// writeFileSync creates path with data and syncs it.
func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncClose(f, path)
}

// writeAppendSync appends s to path (creating it) and syncs it.
func writeAppendSync(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncClose(f, path); err != nil {
		return err
	}
	return writeSyncDir(filepath.Dir(path))
}

// syncClose syncs and closes f, the file written at path; f is closed even
// when the sync fails.
func syncClose(f *os.File, path string) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// writeSyncFile syncs an existing file.
func writeSyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// writeSyncDir syncs a directory so renames in it are durable.
func writeSyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// --- read side ----------------------------------------------------------------

func (w *Writer) swapReader(inst *Instance) {
	w.rmu.Lock()
	defer w.rmu.Unlock()
	if old := w.cur; old != nil {
		old.retired = true
		if old.n == 0 {
			old.inst.Close()
		}
	}
	w.cur = nil
	if inst != nil {
		w.cur = &writerReaderRef{inst: inst}
	}
}

func (w *Writer) acquire() (*writerReaderRef, error) {
	w.rmu.Lock()
	defer w.rmu.Unlock()
	if w.cur == nil {
		return nil, ErrWriterClosed
	}
	w.cur.n++
	return w.cur, nil
}

func (w *Writer) release(r *writerReaderRef) {
	w.rmu.Lock()
	defer w.rmu.Unlock()
	r.n--
	if r.n == 0 && r.retired {
		r.inst.Close()
	}
}

// FindAliases implements repo.Source over the committed data.
func (w *Writer) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return committedSeq(w, func(inst *Instance) iter.Seq2[repo.Alias, error] { return inst.FindAliases(ctx, q) })
}

// NamespaceAliases implements repo.Source over the committed data.
func (w *Writer) NamespaceAliases(ctx context.Context, namespace string) iter.Seq2[repo.Alias, error] {
	return committedSeq(w, func(inst *Instance) iter.Seq2[repo.Alias, error] { return inst.NamespaceAliases(ctx, namespace) })
}

// Sequences implements repo.Source over the committed data.
func (w *Writer) Sequences(ctx context.Context) iter.Seq2[repo.Info, error] {
	return committedSeq(w, func(inst *Instance) iter.Seq2[repo.Info, error] { return inst.Sequences(ctx) })
}

// committedSeq iterates over seq of the committed instance, which it holds
// while the iteration runs.
func committedSeq[T any](w *Writer, seq func(*Instance) iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		r, err := w.acquire()
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		defer w.release(r)
		for v, err := range seq(r.inst) {
			if !yield(v, err) {
				return
			}
		}
	}
}

// Namespaces implements repo.Source over the committed data.
func (w *Writer) Namespaces(ctx context.Context) ([]string, error) {
	r, err := w.acquire()
	if err != nil {
		return nil, err
	}
	defer w.release(r)
	return r.inst.Namespaces(ctx)
}

// Info implements repo.Source over the committed data.
func (w *Writer) Info(ctx context.Context, seqID string) (repo.Info, error) {
	r, err := w.acquire()
	if err != nil {
		return repo.Info{}, err
	}
	defer w.release(r)
	return r.inst.Info(ctx, seqID)
}

// ReadSequence implements repo.Source over the committed data.
func (w *Writer) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	r, err := w.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release(r)
	return r.inst.ReadSequence(ctx, seqID, p, start)
}
