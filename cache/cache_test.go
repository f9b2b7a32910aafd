package cache

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// TestConformance runs the shared suite over the cache, cold (fresh
// directory) and warm (a second cache over the directory the first filled).
func TestConformance(t *testing.T) {
	t.Parallel()
	src := openSample(t)
	dir := t.TempDir()
	for _, pass := range []string{"cold", "warm"} {
		t.Run(pass, func(t *testing.T) {
			repotest.Run(t, func(t *testing.T) repo.Source {
				c, err := New(nopClose{src}, Options{Dir: dir, MaxBytes: 64 << 20, BlockSize: 4096})
				if err != nil {
					t.Fatal(err)
				}
				return c
			})
		})
	}
}

// TestSecondPassNoBackend reads 1,000 random ranges over Redis twice: the
// second pass makes zero backend requests and every byte is right; a
// restarted cache over the same directory also makes none.
func TestSecondPassNoBackend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rem := startRemote(t)
	dir := t.TempDir()
	type rng struct {
		id         string
		start, len int64
	}
	r := rand.New(rand.NewPCG(7, 7))
	var ranges []rng
	for range 1000 {
		s := repotest.Sample[r.IntN(len(repotest.Sample))]
		n := 1 + r.Int64N(2000)
		start := r.Int64N(s.Length - n)
		ranges = append(ranges, rng{s.SeqID, start, n})
	}
	pass := func(c *Cache) {
		t.Helper()
		for _, g := range ranges {
			if err := checkRange(ctx, c, g.id, rem.seqs[g.id], g.start, g.len); err != nil {
				t.Fatal(err)
			}
		}
		// Resolution by alias goes through the cache too.
		for _, s := range repotest.Sample {
			id, err := repo.Resolve(ctx, c, "test:"+s.TestAlias, "", repo.StyleSeqRepo)
			if err != nil || id != s.SeqID {
				t.Fatalf("resolve test:%s = %q, %v; want %s", s.TestAlias, id, err, s.SeqID)
			}
		}
	}

	be := rem.open(t)
	c := newCache(t, be, Options{Dir: dir, MaxBytes: 64 << 20, BlockSize: 16 << 10})
	pass(c)
	cold := be.total()
	if cold == 0 {
		t.Fatal("cold pass made no backend requests")
	}
	pass(c)
	if got := be.total() - cold; got != 0 {
		t.Errorf("warm pass made %d backend requests, want 0", got)
	}
	settle(t, c)
	st := c.Stats()
	t.Logf("cold pass: %d backend requests; stats %+v", cold, st)
	if st.Hits == 0 || st.Misses == 0 || st.Entries == 0 || st.Bytes == 0 {
		t.Errorf("stats not counting: %+v", st)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart: a new cache (memory empty) over the same directory.
	be2 := rem.open(t)
	c2 := newCache(t, be2, Options{Dir: dir, MaxBytes: 64 << 20, BlockSize: 16 << 10})
	pass(c2)
	if got := be2.total(); got != 0 {
		t.Errorf("after restart: %d backend requests, want 0", got)
	}
	if st := c2.Stats(); st.MemHits == st.Hits {
		t.Errorf("after restart every hit came from memory: %+v", st)
	}
}

// TestCorruptEntryRepaired flips a byte in one entry and truncates another:
// reads still return the right bytes, fetch again and log the repair.
func TestCorruptEntryRepaired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := openSample(t)
	full := sampleBytes(t, src)
	s := repotest.Sample[1]
	dir := t.TempDir()
	c := newCache(t, src, Options{Dir: dir, MaxBytes: 64 << 20, BlockSize: 8192})
	if err := checkRange(ctx, c, s.SeqID, full[s.SeqID], 0, s.Length); err != nil {
		t.Fatal(err)
	}
	c.Close()

	files := entryFiles(t, dir)
	block0 := c.disk.path(entryName(c.blockEntryKey(blockKey{s.SeqID, 0})))
	block5 := c.disk.path(entryName(c.blockEntryKey(blockKey{s.SeqID, 5})))
	info := c.disk.path(entryName(c.infoEntryKey(s.SeqID)))
	for _, p := range []string{block0, block5, info} {
		if _, ok := files[p]; !ok {
			t.Fatalf("entry %s not on disk", p)
		}
	}
	damage := []struct {
		name string
		path string
		do   func(b []byte) []byte
	}{
		{"flip payload byte", block0, func(b []byte) []byte { b[len(b)-100] ^= 0x20; return b }},
		{"truncate", block5, func(b []byte) []byte { return b[:len(b)/2] }},
		{"flip header byte", info, func(b []byte) []byte { b[20] ^= 1; return b }},
	}
	for _, d := range damage {
		b, err := os.ReadFile(d.path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(d.path, d.do(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var logs logBuffer
	be := &counting{Source: src}
	c2 := newCache(t, be, Options{Dir: dir, MaxBytes: 64 << 20, BlockSize: 8192, Logger: logs.logger()})
	for range 2 {
		if err := checkRange(ctx, c2, s.SeqID, full[s.SeqID], 0, s.Length); err != nil {
			t.Fatal(err)
		}
	}
	if got := be.reads.Load(); got != 2 {
		t.Errorf("backend reads after damaging 2 blocks = %d, want 2", got)
	}
	if got := be.infos.Load(); got != 1 {
		t.Errorf("backend Info calls after damaging the info entry = %d, want 1", got)
	}
	for _, d := range damage {
		if !strings.Contains(logs.String(), d.path) {
			t.Errorf("%s: no log naming %s; log:\n%s", d.name, d.path, logs.String())
		}
	}
	if st := c2.Stats(); st.Corrupt != 3 {
		t.Errorf("stats count %d corrupt entries, want 3", st.Corrupt)
	}
	settle(t, c2)
	// Repaired entries verify again.
	for _, p := range []string{block0, block5, info} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("entry %s not rewritten: %v", p, err)
		}
	}
}

// TestSizeBound streams a working set ten times the limit through the
// cache in random order; the entry files never exceed the limit and the
// index agrees with the directory.
func TestSizeBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 9))
	big := randSeq(r, 20<<20) // 20 MB working set
	rem := startRemote(t, big)
	be := rem.open(t)
	d, err := repo.ComputeDigests(big)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 2 << 20 // 2 MB cache
	dir := t.TempDir()
	c := newCache(t, be, Options{Dir: dir, MaxBytes: limit, MemBytes: -1})
	var peak int64
	for i := range 600 {
		start := r.Int64N(int64(len(big)) - 1000)
		if err := checkRange(ctx, c, d.SeqID, big, start, 1000); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			peak = max(peak, lockedSize(t, dir))
		}
	}
	settle(t, c)
	files := entryFiles(t, dir)
	total := sumSizes(files)
	peak = max(peak, total)
	st := c.Stats()
	t.Logf("limit %d, peak %d, final %d bytes in %d files; stats %+v", limit, peak, total, len(files), st)
	if peak > limit {
		t.Errorf("cache reached %d bytes, limit %d", peak, limit)
	}
	if st.Bytes != total || st.Entries != int64(len(files)) {
		t.Errorf("index says %d bytes in %d entries, directory has %d in %d", st.Bytes, st.Entries, total, len(files))
	}
	if st.Evictions == 0 {
		t.Error("no evictions counted")
	}
	if total < limit/2 {
		t.Errorf("cache holds only %d bytes of its %d limit", total, limit)
	}
}

// TestTinyLimitPassesThrough: a limit below one block writes nothing.
func TestTinyLimitPassesThrough(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := openSample(t)
	full := sampleBytes(t, src)
	dir := t.TempDir()
	c := newCache(t, src, Options{Dir: dir, MaxBytes: 1000, BlockSize: 4096})
	s := repotest.Sample[0]
	if err := checkRange(ctx, c, s.SeqID, full[s.SeqID], 0, s.Length); err != nil {
		t.Fatal(err)
	}
	if n := len(entryFiles(t, dir)); n != 0 {
		t.Errorf("%d entries written with a 1000-byte limit", n)
	}
}

// TestConcurrentMissesFetchOnce: many readers of one cold block cause one
// backend read.
func TestConcurrentMissesFetchOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rem := startRemote(t)
	be := rem.open(t)
	s := repotest.Sample[2]
	c := newCache(t, be, Options{Dir: t.TempDir(), MaxBytes: 64 << 20})
	if _, err := c.Info(ctx, s.SeqID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			errs <- checkRange(ctx, c, s.SeqID, rem.seqs[s.SeqID], int64(i*100), 100)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := be.reads.Load(); got != 1 {
		t.Errorf("64 concurrent reads of one cold block made %d backend reads, want 1", got)
	}
}

// TestNegativeCache: an unknown seq_id or alias is asked once per TTL. It
// stays serial: three look-ups must finish within the 300 ms TTL.
func TestNegativeCache(t *testing.T) {
	ctx := context.Background()
	be := &counting{Source: openSample(t)}
	c := newCache(t, be, Options{Dir: t.TempDir(), MaxBytes: 64 << 20, NegativeTTL: 300 * time.Millisecond})
	const unknown = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for range 3 {
		if _, err := c.Info(ctx, unknown); !errors.Is(err, repo.ErrNotFound) {
			t.Fatalf("Info(unknown) = %v, want not found", err)
		}
		if _, err := c.ReadSequence(ctx, unknown, make([]byte, 10), 0); !errors.Is(err, repo.ErrNotFound) {
			t.Fatalf("ReadSequence(unknown) = %v, want not found", err)
		}
		if _, err := repo.Resolve(ctx, c, "test:nope", "", repo.StyleSeqRepo); !errors.Is(err, repo.ErrNotFound) {
			t.Fatalf("Resolve(test:nope) = %v, want not found", err)
		}
	}
	infos, finds := be.infos.Load(), be.finds.Load()
	if infos != 1 {
		t.Errorf("3 lookups of an unknown seq_id made %d backend Info calls, want 1", infos)
	}
	time.Sleep(400 * time.Millisecond)
	c.Info(ctx, unknown)
	repo.Resolve(ctx, c, "test:nope", "", repo.StyleSeqRepo)
	if be.infos.Load() != infos+1 || be.finds.Load() == finds {
		t.Errorf("after the TTL: Info calls %d→%d, FindAliases %d→%d; want both asked again", infos, be.infos.Load(), finds, be.finds.Load())
	}
}

// TestUnwritableDirPassesThrough: a cache directory that cannot be created
// and one on a full file system both degrade to pass-through.
func TestUnwritableDirPassesThrough(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := openSample(t)
	full := sampleBytes(t, src)
	s := repotest.Sample[1]
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	var logs logBuffer
	c := newCache(t, src, Options{Dir: filepath.Join(file, "cache"), MaxBytes: 64 << 20, Logger: logs.logger()})
	if err := checkRange(ctx, c, s.SeqID, full[s.SeqID], 1000, 5000); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "memory only") {
		t.Errorf("no warning about the unusable directory; log:\n%s", logs.String())
	}
}

// TestBackendStopped: after warming, cached ranges read with the backend
// down; uncached ones fail with ErrUnavailable naming the block.
func TestBackendStopped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rem := startRemote(t)
	be := rem.open(t)
	s := repotest.Sample[1]
	want := rem.seqs[s.SeqID]
	c := newCache(t, be, Options{Dir: t.TempDir(), MaxBytes: 64 << 20, BlockSize: 4096})
	id, err := repo.Resolve(ctx, c, "test:"+s.TestAlias, "", repo.StyleSeqRepo)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkRange(ctx, c, id, want, 0, 50000); err != nil {
		t.Fatal(err)
	}
	rem.srv.Stop()
	if err := checkRange(ctx, c, id, want, 100, 40000); err != nil {
		t.Errorf("cached range with the backend down: %v", err)
	}
	if id2, err := repo.Resolve(ctx, c, "test:"+s.TestAlias, "", repo.StyleSeqRepo); err != nil || id2 != id {
		t.Errorf("cached resolution with the backend down: %q, %v", id2, err)
	}
	_, err = c.ReadSequence(ctx, id, make([]byte, 100), 200000)
	if !errors.Is(err, repo.ErrUnavailable) || !strings.Contains(err.Error(), "block") {
		t.Errorf("uncached range with the backend down: %v; want ErrUnavailable naming the block", err)
	}
}

// TestReadSequenceEdges checks coordinates against the source itself.
func TestReadSequenceEdges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := openSample(t)
	full := sampleBytes(t, src)
	c := newCache(t, src, Options{Dir: t.TempDir(), MaxBytes: 64 << 20, BlockSize: 1000})
	s := repotest.Sample[0]
	L := s.Length
	tests := []struct {
		name    string
		start   int64
		n       int
		wantN   int
		wantErr error
	}{
		{"whole", 0, int(L), int(L), nil},
		{"across blocks", 999, 2, 2, nil},
		{"last residue", L - 1, 1, 1, nil},
		{"past end", L - 10, 100, 10, io.EOF},
		{"at end", L, 10, 0, io.EOF},
		{"empty at end", L, 0, 0, nil},
		{"beyond end", L + 1, 10, 0, repo.ErrBadCoordinates},
		{"negative", -1, 10, 0, repo.ErrBadCoordinates},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := make([]byte, tc.n)
			n, err := c.ReadSequence(ctx, s.SeqID, p, tc.start)
			if n != tc.wantN || (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("ReadSequence(%d, %d) = %d, %v; want %d, %v", tc.start, tc.n, n, err, tc.wantN, tc.wantErr)
			}
			if n > 0 && string(p[:n]) != string(full[s.SeqID][tc.start:tc.start+int64(n)]) {
				t.Fatal("wrong bytes")
			}
		})
	}
}

// TestClear empties memory and disk.
func TestClear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	be := &counting{Source: openSample(t)}
	dir := t.TempDir()
	c := newCache(t, be, Options{Dir: dir, MaxBytes: 64 << 20})
	s := repotest.Sample[0]
	buf := make([]byte, 100)
	c.ReadSequence(ctx, s.SeqID, buf, 0)
	settle(t, c)
	n, err := ClearDir(ctx, dir)
	if err != nil || n == 0 {
		t.Fatalf("ClearDir = %d, %v", n, err)
	}
	if _, err := c.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if files := entryFiles(t, dir); len(files) != 0 {
		t.Errorf("%d files left after clear", len(files))
	}
	before := be.reads.Load()
	c.ReadSequence(ctx, s.SeqID, buf, 0)
	if be.reads.Load() != before+1 {
		t.Error("read after Clear did not go to the backend")
	}
	settle(t, c)
	st, err := ReadDirStats(ctx, dir)
	if err != nil || st.Entries != 2 {
		t.Errorf("ReadDirStats = %+v, %v; want 2 entries (info, block)", st, err)
	}
}

func TestCountersExposeStats(t *testing.T) {
	t.Parallel()
	src := openSample(t)
	c, err := New(src, Options{Dir: t.TempDir(), MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 10)
	for range 2 {
		if _, err := c.ReadSequence(context.Background(), "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", buf, 0); err != nil {
			t.Fatal(err)
		}
	}
	text := string(repo.AppendPrometheus(nil, c.Counters()))
	for _, want := range []string{"# TYPE seqfs_cache_hits_total counter", "seqfs_cache_misses_total ", "# TYPE seqfs_cache_bytes gauge"} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	if s := c.Stats(); s.Hits == 0 || !strings.Contains(text, "seqfs_cache_hits_total "+strconv.FormatInt(s.Hits, 10)+"\n") {
		t.Errorf("hits %d not exported:\n%s", s.Hits, text)
	}
}
