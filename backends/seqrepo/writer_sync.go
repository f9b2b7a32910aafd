package seqrepo

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFileSync creates path with data and syncs it.
func writeFileSync(path string, data []byte) error {
	return writeOpenedSync(path, os.O_TRUNC, "create", data)
}

// writeAppendSync appends s to path (creating it) and syncs it and its
// directory.
func writeAppendSync(path, s string) error {
	if err := writeOpenedSync(path, os.O_APPEND, "open", []byte(s)); err != nil {
		return err
	}
	return writeSyncDir(filepath.Dir(path))
}

// writeOpenedSync opens path for writing (created if missing, with the
// extra flag O_TRUNC or O_APPEND), writes data and syncs and closes it;
// what names the opening in its error.
func writeOpenedSync(path string, flag int, what string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|flag, 0o644)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncClose(f, path)
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
func writeSyncFile(path string) error { return syncOpened(path, os.O_RDWR, "sync") }

// writeSyncDir syncs a directory so renames in it are durable.
func writeSyncDir(dir string) error { return syncOpened(dir, os.O_RDONLY, "sync directory") }

// syncOpened opens path with flag, syncs and closes it; what starts the
// error messages.
func syncOpened(path string, flag int, what string) error {
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	return nil
}
