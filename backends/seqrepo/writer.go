package seqrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/seqfs/seqfs/repo"
)

// Commit thresholds of Python SeqRepo (docs/format.md, “Commit thresholds”):
// a batch is committed when it holds more than this many sequences, aliases
// or residues.
const (
	DefaultMaxPendingSequences = 20000
	DefaultMaxPendingAliases   = 60000
	DefaultMaxPendingResidues  = 1_000_000_000
)

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

var _ repo.Writer = (*Writer)(nil)

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
		for _, a := range d.Aliases() {
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
	if err := w.installBatch(); err != nil {
		return w.fail(err)
	}
	if err := w.applyOps(ctx); err != nil {
		return w.fail(err)
	}
	w.batchCommitted()
	w.commitCount++
	w.resetPending()
	inst, err := Open(ctx, w.dir, w.opts.Reader)
	if err != nil {
		return fmt.Errorf("reopen %s after commit: %w", w.dir, err)
	}
	w.swapReader(inst)
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
	for _, s := range w.statements() {
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
