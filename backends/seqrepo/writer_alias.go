package seqrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/seqfs/seqfs/repo"
)

// StoreAliases binds aliases to a sequence the instance already holds
// (committed or staged in this Writer), one after the other with
// SeqAliasDB.store_alias's rules: namespaces are translated to DB form; an
// alias already bound to seqID is kept; one bound to another sequence is
// marked historic (is_current = 0) and bound anew. This is what SeqRepo's
// add-assembly-names does. Like Store it is staged until Commit, but it
// never commits by itself. It returns how many aliases were newly bound;
// an unknown seqID is an error matching repo.ErrNotFound.
func (w *Writer) StoreAliases(ctx context.Context, seqID string, aliases []repo.NSAlias) (int, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.closed {
		return 0, ErrWriterClosed
	}
	if w.failed != nil {
		return 0, fmt.Errorf("writer %s failed earlier: %w", w.dir, w.failed)
	}
	for _, a := range aliases {
		if a.Namespace == "" || a.Alias == "" {
			return 0, fmt.Errorf("store aliases in %s: empty namespace or alias in %q", w.dir, a.String())
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if !w.inTx {
		if _, err := w.conn.ExecContext(noCancel, `BEGIN`); err != nil {
			return 0, w.fail(fmt.Errorf("begin transaction on %s: %w", w.dir, err))
		}
		w.inTx = true
	}
	exists, err := w.seqExists(ctx, seqID)
	if err != nil {
		return 0, w.fail(err)
	}
	if !exists {
		return 0, fmt.Errorf("store aliases in %s: sequence %s: %w", w.dir, seqID, repo.ErrNotFound)
	}
	added := 0
	for _, a := range aliases {
		ns, al := repo.TranslateAPI2DB(a.Namespace, a.Alias)
		ok, err := w.queueAlias(ctx, seqID, ns, al)
		if err != nil {
			return added, w.fail(err)
		}
		if ok {
			added++
			w.pendAliases++
		}
	}
	return added, nil
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
