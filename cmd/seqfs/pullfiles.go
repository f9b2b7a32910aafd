package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

// instanceFiles is a SeqRepo-layout source whose files can be copied as
// they are (local, S3 and HTTP instances).
type instanceFiles interface {
	Files(ctx context.Context) iter.Seq2[string, error]
	OpenFile(ctx context.Context, rel string) (seqrepo.StorageFile, error)
}

// copyBufferSize is the size of each read from the source: one ranged
// request per 8 MiB on S3 and HTTP.
const copyBufferSize = 8 << 20

// fileCopyStats counts what copyInstanceFiles did.
type fileCopyStats struct {
	copied, linked int
	bytes          int64
}

// copyInstanceFiles copies every file of src byte for byte into the new
// directory dir. A sequence file or index that the previous instance prev
// ("" for none) has under the same name and with the same size is
// hard-linked instead, as rsync --link-dest does: sequence files are never
// rewritten, and their names are their creation times. Copied sequence
// files are made read-only (0444) as SeqRepo makes them.
func copyInstanceFiles(ctx context.Context, src instanceFiles, dir, prev string) (fileCopyStats, error) {
	var st fileCopyStats
	buf := make([]byte, copyBufferSize)
	for rel, err := range src.Files(ctx) {
		if err != nil {
			return st, err
		}
		isSeq := strings.HasPrefix(rel, seqrepo.SequencesDirName+"/") && rel != seqrepo.SequencesDirName+"/"+seqrepo.SeqInfoDBFile
		f, err := src.OpenFile(ctx, rel)
		if errors.Is(err, fs.ErrNotExist) && (strings.HasSuffix(rel, ".fai") || strings.HasSuffix(rel, ".gzi")) {
			continue // an index the source lacks is rebuilt by readers
		}
		if err != nil {
			return st, fmt.Errorf("open %s of the source: %w", rel, err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			f.Close()
			return st, err
		}
		if isSeq && prev != "" && linkPrevious(filepath.Join(prev, filepath.FromSlash(rel)), dst, f.Size()) {
			f.Close()
			st.linked++
			continue
		}
		mode := os.FileMode(0o644)
		if isSeq {
			mode = 0o444
		}
		n, err := copyFile(f, dst, mode, buf)
		f.Close()
		if err != nil {
			return st, fmt.Errorf("copy %s: %w", rel, err)
		}
		st.copied++
		st.bytes += n
	}
	return st, nil
}

// linkPrevious hard-links old to dst if old is a regular file of the given
// size, and reports whether it did.
func linkPrevious(old, dst string, size int64) bool {
	fi, err := os.Lstat(old)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != size {
		return false
	}
	return os.Link(old, dst) == nil
}

// copyFile writes all of src to a new file dst (mode) through a temporary
// name, synced before it is renamed into place.
func copyFile(src seqrepo.StorageFile, dst string, mode os.FileMode, buf []byte) (int64, error) {
	tmp := dst + ".part"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.CopyBuffer(out, io.NewSectionReader(src, 0, src.Size()), buf)
	if err == nil && n != src.Size() {
		err = fmt.Errorf("got %d of %d bytes", n, src.Size())
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return n, err
}
