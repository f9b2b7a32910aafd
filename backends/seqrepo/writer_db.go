package seqrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
)

// writerDSN returns the read-write URI of a database file.
func writerDSN(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // a relative path would be read as a URI authority
	}
	u := url.URL{Scheme: "file", Path: path}
	return u.String() + "?_busy_timeout=30000"
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
	return w.prepareStatements(ctx)
}

// prepareStatements prepares the per-row statements of Store and Commit on
// the writer's connection.
func (w *Writer) prepareStatements(ctx context.Context) (err error) {
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

// statements returns the writer's prepared statements (nil where not
// prepared), for closing.
func (w *Writer) statements() []*sql.Stmt {
	return []*sql.Stmt{w.stmtSeqExists, w.stmtInsertSeq, w.stmtFindAlias, w.stmtRetireAlias, w.stmtInsertAlias}
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
