package seqrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// collWriter is the Writer's state for collections: whether the
// collections database is attached (as schema colldb) and the collections
// staged for the next commit.
type collWriter struct {
	attached bool
	ops      []collOp
}

// collOp is one staged StoreCollection.
type collOp struct {
	name, digest string
	c            repo.Collection
	added        time.Time // zero: the commit's time
}

// StoreCollection stages c, whose sequences must be committed or staged in
// this writer, and binds name to it when name is not empty; see
// repo.CollectionWriter. It becomes visible with the next Commit, together
// with the sequences and aliases of that commit, or not at all.
func (w *Writer) StoreCollection(ctx context.Context, name string, c repo.Collection) (string, error) {
	return w.storeCollection(ctx, name, c, time.Time{})
}

// StoreCollectionCopy is StoreCollection for a copy of a collection first
// stored at added elsewhere (repo.ExactCollectionCopier): a collection new
// to the instance gets added as its added time.
func (w *Writer) StoreCollectionCopy(ctx context.Context, name string, c repo.Collection, added time.Time) (string, error) {
	return w.storeCollection(ctx, name, c, added)
}

func (w *Writer) storeCollection(ctx context.Context, name string, c repo.Collection, added time.Time) (string, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.closed {
		return "", ErrWriterClosed
	}
	if w.failed != nil {
		return "", fmt.Errorf("writer %s failed earlier: %w", w.dir, w.failed)
	}
	if err := repo.CheckStorableCollection(name, c); err != nil {
		return "", fmt.Errorf("store collection in %s: %w", w.dir, err)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	for i, id := range c.SeqIDs {
		ok, err := w.seqExists(ctx, id)
		if err != nil {
			return "", w.fail(err)
		}
		if !ok {
			return "", fmt.Errorf("store collection %q in %s: sequence %q: %w", name, w.dir, c.Names[i], &repo.SeqNotFoundError{SeqID: id})
		}
	}
	d := c.Digest()
	w.coll.ops = append(w.coll.ops, collOp{name: name, digest: d, c: c, added: added})
	return d, nil
}

// attachExistingCollections attaches the collections database if the
// instance has one (called before any transaction is open).
func (w *Writer) attachExistingCollections(ctx context.Context) error {
	path := CollectionsDBPath(w.dir)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	return w.attachCollections(ctx)
}

// prepareCollections makes sure the collections database exists and is
// attached when collections are staged. ATTACH cannot run inside a
// transaction, so the writer's read transaction (which has written
// nothing: rows are written by applyOps) is ended first.
func (w *Writer) prepareCollections(ctx context.Context) error {
	if len(w.coll.ops) == 0 || w.coll.attached {
		return nil
	}
	if w.inTx {
		if _, err := w.conn.ExecContext(noCancel, `ROLLBACK`); err != nil {
			return fmt.Errorf("end read transaction on %s: %w", w.dir, err)
		}
		w.inTx = false
	}
	path := CollectionsDBPath(w.dir)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createCollectionsDB(ctx, path); err != nil {
			return err
		}
	}
	return w.attachCollections(ctx)
}

// attachCollections attaches the existing collections database as colldb
// and checks its schema version.
func (w *Writer) attachCollections(ctx context.Context) error {
	path := CollectionsDBPath(w.dir)
	if _, err := w.conn.ExecContext(ctx, `ATTACH DATABASE ? AS colldb`, path); err != nil {
		return fmt.Errorf("attach %s: %w", path, err)
	}
	if _, err := w.conn.ExecContext(ctx, `PRAGMA colldb.cache_spill = 0`); err != nil {
		return fmt.Errorf("configure %s: %w", path, err)
	}
	if err := schemaCheck(ctx, w.conn, "colldb", path); err != nil {
		return err
	}
	w.coll.attached = true
	return nil
}

// createCollectionsDB creates an empty collections database at path, built
// under a temporary name and renamed into place.
func createCollectionsDB(ctx context.Context, path string) error {
	tmp := filepath.Join(filepath.Dir(path), writeTmpPrefix+filepath.Base(path))
	for _, p := range []string{tmp, tmp + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("create %s: %w", path, err)
		}
	}
	fail := func(err error) error {
		os.Remove(tmp)
		return fmt.Errorf("create %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", writerDSN(tmp))
	if err != nil {
		return fail(err)
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `PRAGMA page_size = 4096; PRAGMA journal_mode = delete; BEGIN; `+collectionsDDL+`; COMMIT`)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	if err := installSynced(tmp, path); err != nil {
		return fail(err)
	}
	return nil
}

// collectionAddedLayout formats a copied collection's added time (UTC, with
// microseconds, which ParseAdded reads).
const collectionAddedLayout = "2006-01-02 15:04:05.999999"

// installSynced syncs the finished file tmp and renames it to path,
// durably (the directory is synced as well).
func installSynced(tmp, path string) error {
	if err := writeSyncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
	}
	return writeSyncDir(filepath.Dir(path))
}

// applyCollectionOps writes the staged collections and name bindings in
// the commit's transaction. A name bound to another collection is marked
// historic and bound anew; a name already bound to the collection is left
// alone.
func (w *Writer) applyCollectionOps() error {
	path := CollectionsDBPath(w.dir)
	for _, op := range w.coll.ops {
		names, ids, lengths := repo.CollectionArrays(op.c)
		var added any // NULL: current_timestamp
		if !op.added.IsZero() {
			added = op.added.UTC().Format(collectionAddedLayout)
		}
		_, err := w.conn.ExecContext(noCancel, `INSERT OR IGNORE INTO colldb.collection (digest, n, residues, names, seq_ids, lengths, added)
			VALUES (?, ?, ?, ?, ?, ?, coalesce(?, current_timestamp))`, op.digest, op.c.Len(), op.c.Residues(), names, ids, lengths, added)
		if err != nil {
			return fmt.Errorf("insert collection %s into %s: %w", op.digest, path, err)
		}
		if op.name == "" {
			continue
		}
		var id int64
		var cur string
		err = w.conn.QueryRowContext(noCancel, `SELECT collection_name_id, digest FROM colldb.collection_name WHERE name = ? AND is_current = 1`, op.name).Scan(&id, &cur)
		switch {
		case err == nil && cur == op.digest:
			continue
		case err == nil:
			if _, err := w.conn.ExecContext(noCancel, `UPDATE colldb.collection_name SET is_current = 0 WHERE collection_name_id = ?`, id); err != nil {
				return fmt.Errorf("move collection name %q in %s: %w", op.name, path, err)
			}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look up collection name %q in %s: %w", op.name, path, err)
		}
		if _, err := w.conn.ExecContext(noCancel, `INSERT INTO colldb.collection_name (name, digest) VALUES (?, ?)`, op.name, op.digest); err != nil {
			return fmt.Errorf("bind collection name %q in %s: %w", op.name, path, err)
		}
	}
	return nil
}

// snapAttachCollections attaches the collections database of instance src
// to a snapshot's connection, if there is one, so that it is copied under
// the same read lock as the other two. It reports whether it did.
func snapAttachCollections(ctx context.Context, conn *sql.Conn, src string) (bool, error) {
	path := CollectionsDBPath(src)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("snapshot %s: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS colldb`, path); err != nil {
		return false, fmt.Errorf("attach %s: %w", path, err)
	}
	return true, nil
}

// snapCollectionsLock extends the snapshot's locking query to the
// collections database when it is attached (a read transaction locks a
// database only once it is read).
func snapCollectionsLock(attached bool) string {
	if !attached {
		return ""
	}
	return ` + (SELECT count(*) FROM colldb.sqlite_master)`
}
