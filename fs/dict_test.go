package fs

import (
	"context"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

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
