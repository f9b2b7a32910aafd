// Package sampleinst makes writable copies of the bundled sample SeqRepo
// instance for tests, optionally holding the conformance suite's sample
// collections (repotest.SampleCollections), so that every source that
// reads the SeqRepo layout (local, s3://, https://, and the layers over
// them) can be asked repotest.RunCollections.
package sampleinst

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo/repotest"
)

// Copy returns a writable copy of the sample instance in a temporary
// directory (removed when the test ends).
func Copy(t testing.TB) string {
	t.Helper()
	src := testutil.SampleInstance()
	dst := filepath.Join(t.TempDir(), "master")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return copyFile(p, target)
	})
	if err != nil {
		t.Fatalf("copy sample instance %s: %v", src, err)
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// WithCollections returns a writable copy of the sample instance that also
// holds the sample collections, stored through the SeqRepo writer.
func WithCollections(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	dir := Copy(t)
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := repotest.StoreSampleCollections(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return dir
}
