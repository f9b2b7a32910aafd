package seqrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// writeJournalName is the file listing sequence files renamed into place
// whose database commit is not yet known to have happened.
const writeJournalName = ".seqfs-write.journal"

// journalPath returns the path of the instance's write journal.
func (w *Writer) journalPath() string { return filepath.Join(w.dir, writeJournalName) }

// installBatch finishes the open batch's sequence file, if any, lists it in
// the journal and renames it into place, all before the databases commit.
func (w *Writer) installBatch() error {
	b := w.batch
	if b == nil {
		return nil
	}
	if err := b.finish(); err != nil {
		return err
	}
	if err := writeAppendSync(w.journalPath(), b.relpath+"\n"); err != nil {
		return err
	}
	return b.install()
}

// batchCommitted counts and forgets the open batch's file, whose rows the
// databases now hold, and clears the journal that listed it.
func (w *Writer) batchCommitted() {
	if w.batch == nil {
		return
	}
	w.fileCount++
	w.batch = nil
	if err := os.Remove(w.journalPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		slog.Warn("remove journal", "instance", w.dir, "err", err)
	}
}

// recover removes what a killed writer left: sequence files renamed into
// place whose commit did not happen (listed in the journal) and temporary
// files.
func (w *Writer) recover(ctx context.Context) error {
	if err := w.removeUncommitted(ctx); err != nil {
		return err
	}
	return removeTempFiles(SequencesPath(w.dir))
}

// removeUncommitted deletes the sequence files listed in the journal that
// no seqinfo row references (their commit did not happen), then the
// journal.
func (w *Writer) removeUncommitted(ctx context.Context) error {
	jpath := w.journalPath()
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
	return nil
}

// removeTempFiles deletes the files below root that a writer was writing
// when it was killed (named with writeTmpPrefix).
func removeTempFiles(root string) error {
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
