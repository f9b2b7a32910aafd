package seqrepo

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Snapshot makes a read-only copy of the instance src at dest, as SeqRepo's
// `snapshot` does: sequence files (every name containing ".bgz") are hard
// links, the two databases are copied, all write bits are removed, and the
// result appears at dest by an atomic rename of a temporary directory
// (dest + ".XXXX" next to it). dest must not exist and must not be inside
// src. The databases are copied under one SQLite read lock, so the copy is
// of one committed state even while a writer is working on src.
func Snapshot(ctx context.Context, src, dest string) error {
	src, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", src, err)
	}
	if dest, err = filepath.Abs(dest); err != nil {
		return fmt.Errorf("snapshot %s: %w", dest, err)
	}
	if rel, err := filepath.Rel(src, dest); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
		return fmt.Errorf("snapshot %s: destination %s is inside the source instance", src, dest)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("snapshot %s: destination %s exists", src, dest)
	}
	for _, p := range []string{AliasesDBPath(src), SeqInfoDBPath(src)} {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("snapshot: %s is not a SeqRepo instance (missing %s)", src, p)
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), filepath.Base(dest)+".")
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", src, err)
	}
	ok := false
	defer func() {
		if !ok {
			snapMakeWritable(tmp)
			os.RemoveAll(tmp)
		}
	}()
	// The databases first (both under one read lock, so they are from the
	// same commit), then the sequence files: every file they reference was
	// renamed into place before its commit, so it exists by now.
	if err := os.Mkdir(filepath.Join(tmp, SequencesDirName), 0o755); err != nil {
		return fmt.Errorf("snapshot %s: %w", src, err)
	}
	if err := snapCopyDBs(ctx, src, tmp); err != nil {
		return fmt.Errorf("snapshot %s: %w", src, err)
	}
	dbs := map[string]bool{AliasesDBFile: true, filepath.Join(SequencesDirName, SeqInfoDBFile): true}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("scan %s: %w", p, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(tmp, rel)
		switch {
		case rel == "." || rel == SequencesDirName || dbs[rel]:
			return nil
		case d.IsDir():
			if err := os.Mkdir(target, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", target, err)
			}
		case d.Type().IsRegular() && strings.Contains(d.Name(), ".bgz"):
			if err := os.Link(p, target); err != nil {
				return fmt.Errorf("link %s to %s: %w", p, target, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", src, err)
	}
	if err := snapDropWriteBits(tmp); err != nil {
		return fmt.Errorf("snapshot %s: %w", src, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return fmt.Errorf("snapshot %s: rename %s to %s: %w", src, tmp, dest, err)
	}
	ok = true
	return writeSyncDir(filepath.Dir(dest))
}

// snapCopyDBs copies both databases of instance src into dst while
// holding one SQLite read transaction over both, so no commit can happen
// between or during the copies (a hot journal left by a crash is rolled
// back by SQLite first).
func snapCopyDBs(ctx context.Context, src, dst string) error {
	apath, spath := AliasesDBPath(src), SeqInfoDBPath(src)
	db, err := sql.Open("sqlite3", writerDSN(apath))
	if err != nil {
		return fmt.Errorf("open %s: %w", apath, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s: %w", apath, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS seqdb`, spath); err != nil {
		return fmt.Errorf("attach %s: %w", spath, err)
	}
	hasColls, err := snapAttachCollections(ctx, conn, src)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("read-lock %s: %w", src, err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM main.sqlite_master) + (SELECT count(*) FROM seqdb.sqlite_master)`+snapCollectionsLock(hasColls)).Scan(&n); err != nil {
		return fmt.Errorf("read-lock %s: %w", src, err)
	}
	if err := snapCopyFile(apath, AliasesDBPath(dst)); err != nil {
		return err
	}
	if hasColls {
		if err := snapCopyFile(CollectionsDBPath(src), CollectionsDBPath(dst)); err != nil {
			return err
		}
	}
	return snapCopyFile(spath, SeqInfoDBPath(dst))
}

// snapCopyFile copies one file and syncs the copy.
func snapCopyFile(path, target string) error {
	in, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("copy %s: %w", path, err)
	}
	defer in.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("copy %s: %w", path, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", path, target, err)
	}
	return syncClose(out, target)
}

// snapDropWriteBits removes every write bit below and including root,
// deepest paths first so directories are changed after their contents.
func snapDropWriteBits(root string) error {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if st.Mode()&os.ModeSymlink != 0 {
			continue
		}
		if err := os.Chmod(p, st.Mode().Perm()&^0o222); err != nil {
			return fmt.Errorf("chmod %s: %w", p, err)
		}
	}
	return nil
}

// snapMakeWritable restores owner write bits on directories so a failed
// snapshot can be removed.
func snapMakeWritable(root string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			if st, err := os.Stat(p); err == nil {
				os.Chmod(p, st.Mode().Perm()|0o700)
			}
		}
		return nil
	})
}

// UpdateLatest points root/latest at the newest instance in root (names
// matching InstanceNameRE, newest = last in byte order) with a relative
// symlink, replaced atomically. It returns the instance name.
func UpdateLatest(root string) (string, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return "", fmt.Errorf("update-latest: %w", err)
	}
	var names []string
	for _, e := range ents {
		if InstanceNameRE.MatchString(e.Name()) && e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("update-latest: no instances (directories named YYYY-MM-DD) in %s", root)
	}
	sort.Strings(names)
	newest := names[len(names)-1]
	link := filepath.Join(root, LatestLinkName)
	if st, err := os.Lstat(link); err == nil && st.Mode()&os.ModeSymlink == 0 {
		return "", fmt.Errorf("update-latest: %s exists and is not a symlink", link)
	}
	tmp := filepath.Join(root, writeTmpPrefix+"latest")
	os.Remove(tmp)
	if err := os.Symlink(newest, tmp); err != nil {
		return "", fmt.Errorf("update-latest: %w", err)
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("update-latest: replace %s: %w", link, err)
	}
	return newest, nil
}
