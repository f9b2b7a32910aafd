package fs

import (
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// md5CountingSource counts the MD5 lookups (FindAliases in namespace MD5
// by seq_id) made of it.
type md5CountingSource struct {
	repo.Source
	md5Lookups atomic.Int64
}

func (s *md5CountingSource) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	if q.Namespace == "MD5" && q.SeqID != "" {
		s.md5Lookups.Add(1)
	}
	return s.Source.FindAliases(ctx, q)
}

// TestDictStatNeedsNoDigest: stat of .dict files (ls -l) does no MD5
// lookup; reading one does, and its size matched. The UR is a URI:
// spaces and '%' are percent-encoded.
func TestDictStatNeedsNoDigest(t *testing.T) {
	t.Parallel()
	seq := testSeq(500)
	id := "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
	mem := newMemSource(map[string][]string{id: {"test:chr 1 100%", "test:plain", "MD5:" + md5hex(seq)}}, map[string][]byte{id: seq})
	src := &md5CountingSource{Source: mem}
	dir := mountMem(t, src, 60)
	names := []string{"chr 1 100%25.dict", "plain.dict", "plain.fa.dict"}
	sizes := map[string]int64{}
	for _, n := range names {
		st, err := os.Stat(filepath.Join(dir, "test", n))
		if err != nil {
			t.Fatalf("stat %s: %v", n, err)
		}
		sizes[n] = st.Size()
	}
	if n := src.md5Lookups.Load(); n != 0 {
		t.Fatalf("stat of %d .dict files made %d MD5 lookups, want 0", len(names), n)
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, "test", n))
		if err != nil {
			t.Fatalf("read %s: %v", n, err)
		}
		if int64(len(b)) != sizes[n] || !strings.Contains(string(b), "M5:"+md5hex(seq)) {
			t.Errorf("%s: %d bytes (stat said %d): %q", n, len(b), sizes[n], b)
		}
	}
	if src.md5Lookups.Load() == 0 {
		t.Errorf("reading .dict files made no MD5 lookup")
	}
	b, _ := os.ReadFile(filepath.Join(dir, "test", "chr 1 100%25.dict"))
	want := "UR:file://" + dir + "/test/chr%201%20100%2525.fa\n"
	if !strings.HasSuffix(string(b), want) {
		t.Errorf("UR not percent-encoded: %q, want suffix %q", b, want)
	}
}

// TestMountRefusesNonEmpty: a mount would hide the files of a non-empty
// directory, so it is refused unless NonEmpty says to.
func TestMountRefusesNonEmpty(t *testing.T) {
	t.Parallel()
	requireFUSE(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := newMemSource(nil, nil)
	_, err := Mount(context.Background(), src, dir, MountOptions{})
	if !errors.Is(err, ErrMountPointNotEmpty) || !strings.Contains(err.Error(), "--nonempty") || !strings.Contains(err.Error(), "keep.txt") {
		t.Fatalf("mount over a non-empty dir: %v; want ErrMountPointNotEmpty naming the file and --nonempty", err)
	}
	srv, err := Mount(context.Background(), src, dir, MountOptions{NonEmpty: true})
	if err != nil {
		t.Fatalf("mount with NonEmpty: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Unmount(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	if b, err := os.ReadFile(filepath.Join(dir, "keep.txt")); err != nil || string(b) != "x" {
		t.Errorf("file under the mount after unmount: %q, %v", b, err)
	}
}
