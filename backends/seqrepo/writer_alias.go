package seqrepo

import (
	"context"
	"fmt"

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
