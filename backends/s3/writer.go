package s3

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// Writer writes a SeqRepo instance to S3 ("seqfs copy SRC s3://…"): it
// stores into a temporary local instance with the SeqRepo writer and, on
// every Commit, uploads the files that changed since the last one (the
// databases last), so after a Commit the S3 copy opens with seqfs -s
// s3://…. Close removes the temporary instance. Reads see the local
// instance. It is safe for concurrent use as the SeqRepo writer is.
type Writer struct {
	*seqrepo.Writer
	tmp, dir, dst string
	cfg           Config

	mu       sync.Mutex
	uploaded map[string]fileStamp
}

var _ repo.Writer = (*Writer)(nil)

// OpenWriter returns a Writer for an s3:// URL (its query overrides base).
// The destination should be empty: the instance written replaces what is
// under the prefix key by key.
func OpenWriter(ctx context.Context, s3URL string, base Config) (*Writer, error) {
	u, err := url.Parse(s3URL)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", s3URL, err)
	}
	if _, _, _, err := ParseS3URL(u, base); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "seqfs-s3-writer-")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", s3URL, err)
	}
	dir := filepath.Join(tmp, "instance")
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return &Writer{Writer: w, tmp: tmp, dir: dir, dst: s3URL, cfg: base, uploaded: map[string]fileStamp{}}, nil
}

// Commit commits the local instance and uploads what changed.
func (w *Writer) Commit(ctx context.Context) error {
	if err := w.Writer.Commit(ctx); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := uploadInstance(ctx, w.dir, w.dst, w.cfg, w.uploaded); err != nil {
		return fmt.Errorf("commit to %s: %w", w.dst, err)
	}
	return nil
}

// Close closes the local writer and removes the temporary instance.
func (w *Writer) Close() error {
	err := w.Writer.Close()
	if rerr := os.RemoveAll(w.tmp); err == nil && rerr != nil {
		err = fmt.Errorf("remove %s: %w", w.tmp, rerr)
	}
	return err
}
