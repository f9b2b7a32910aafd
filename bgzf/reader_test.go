package bgzf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// checkRandomReads compares random ReadAt calls against want.
func checkRandomReads(t *testing.T, r *Reader, want []byte, count int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	size := len(want)
	for range count {
		off := rng.IntN(size + 10)
		n := rng.IntN(3 * MaxBlockData)
		if rng.IntN(4) == 0 {
			n = rng.IntN(200)
		}
		p := make([]byte, n)
		got, err := r.ReadAt(p, int64(off))
		wantN := max(0, min(n, size-off))
		if got != wantN {
			t.Fatalf("ReadAt(len %d, off %d) = %d, %v; want %d bytes", n, off, got, err, wantN)
		}
		if wantN < n && err != io.EOF {
			t.Fatalf("ReadAt(len %d, off %d) short read without io.EOF: %v", n, off, err)
		}
		if wantN == n && err != nil {
			t.Fatalf("ReadAt(len %d, off %d): %v", n, off, err)
		}
		if got > 0 && !bytes.Equal(p[:got], want[off:off+got]) {
			t.Fatalf("ReadAt(len %d, off %d) returned wrong bytes", n, off)
		}
	}
}

func TestReaderRealFiles(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../testdata/*/*/sequences/*/*/*/*.fa.bgz")
	if len(files) == 0 {
		t.Fatal("no BGZF test data under ../testdata (it is part of the repository)")
	}
	cache := NewBlockCache(8 << 20)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		gziData, err := os.ReadFile(f + ".gzi")
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseGZI(gziData)
		if err != nil {
			t.Fatal(err)
		}
		want, err := gunzip(data)
		if err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		for _, c := range []*BlockCache{nil, cache} {
			r := NewReader(fh, int64(len(data)), g, c, filepath.Base(f))
			got, err := readAll(r, 4093)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: readAll: %d bytes (want %d), %v", f, len(got), len(want), err)
			}
			size, err := r.UncompressedSize()
			if err != nil || size != int64(len(want)) {
				t.Fatalf("%s: UncompressedSize = %d, %v; want %d", f, size, err, len(want))
			}
			checkRandomReads(t, r, want, 300, 3)
		}
		// Our writer produces the same index for the same data.
		if _, g2 := writeBGZF(t, want, 2); !equalGZI(g, g2) {
			t.Errorf("%s: Writer index %v, htslib index %v", f, g2, g)
		}
	}
}

func equalGZI(a, b GZI) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		// Compressed offsets depend on the deflate implementation; block
		// boundaries in the uncompressed data must agree.
		if a[i].Uncompressed != b[i].Uncompressed {
			return false
		}
	}
	return true
}

func TestReaderIndexVariants(t *testing.T) {
	t.Parallel()
	want := randomData(1000, 1)
	tests := []struct {
		name      string
		blockSize int
		eofMarker bool
		listEOF   bool
	}{
		{"multi block with EOF marker", 100, true, false},
		{"multi block, EOF block listed in index", 100, true, true},
		{"multi block without EOF marker", 100, false, false},
		{"single block", 1000, true, false},
		{"single block, EOF listed", 1000, true, true},
		{"one byte blocks", 1, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file, g := buildBGZF(t, want, tt.blockSize, 6, tt.eofMarker)
			if tt.listEOF {
				g = append(g, Block{uint64(len(file) - len(eofBlock)), uint64(len(want))})
			}
			for _, c := range []*BlockCache{nil, NewBlockCache(1 << 20)} {
				r := NewReader(bytes.NewReader(file), int64(len(file)), g, c, "t")
				for _, step := range []int{1, 7, 100, 333, 5000} {
					got, err := readAll(r, step)
					if err != nil || !bytes.Equal(got, want) {
						t.Fatalf("step %d: got %d bytes, %v", step, len(got), err)
					}
				}
				checkRandomReads(t, r, want, 200, 5)
				if size, err := r.UncompressedSize(); err != nil || size != int64(len(want)) {
					t.Fatalf("UncompressedSize = %d, %v", size, err)
				}
			}
		})
	}
}

func TestReaderEmpty(t *testing.T) {
	t.Parallel()
	for _, g := range []GZI{nil, {{}}} {
		r := NewReader(bytes.NewReader(eofBlock[:]), int64(len(eofBlock)), g, nil, "empty")
		n, err := r.ReadAt(make([]byte, 10), 0)
		if n != 0 || err != io.EOF {
			t.Fatalf("ReadAt on empty file = %d, %v", n, err)
		}
		if size, err := r.UncompressedSize(); size != 0 || err != nil {
			t.Fatalf("UncompressedSize = %d, %v", size, err)
		}
	}
	// Writer output for empty input, with bgzip's 2^64-1 entry count.
	file, g := writeBGZF(t, nil, 1)
	if !bytes.Equal(file, eofBlock[:]) || len(g) != 1 {
		t.Fatalf("empty Writer output %x, index %v", file, g)
	}
}

func TestReaderArgs(t *testing.T) {
	t.Parallel()
	file, g := buildBGZF(t, randomData(300, 2), 100, 6, true)
	r := NewReader(bytes.NewReader(file), int64(len(file)), g, nil, "f")
	if _, err := r.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("negative offset accepted")
	}
	if n, err := r.ReadAt(nil, 5); n != 0 || err != nil {
		t.Errorf("empty read = %d, %v", n, err)
	}
	if _, err := r.ReadAt(make([]byte, 1), 300); err != io.EOF {
		t.Errorf("read at end: %v", err)
	}
	if _, err := r.ReadAt(make([]byte, 1), 1<<40); err != io.EOF {
		t.Errorf("read past end: %v", err)
	}
	bad := []struct {
		g    GZI
		size int64
		want string
	}{
		{GZI{{1, 0}}, int64(len(file)), "invalid index"},
		{GZI{{}, {10, 5}, {9, 6}}, int64(len(file)), "invalid index"},
		{g, -1, "negative compressed size"},
		{GZI{{}, {uint64(len(file)), 300}}, int64(len(file)), "beyond the file size"},
	}
	for _, b := range bad {
		r := NewReader(bytes.NewReader(file), b.size, b.g, nil, "f")
		if _, err := r.ReadAt(make([]byte, 1), 0); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("NewReader(%v, %d): ReadAt error %v, want %q", b.g, b.size, err, b.want)
		}
		if _, err := r.UncompressedSize(); err == nil {
			t.Errorf("NewReader(%v, %d): UncompressedSize succeeded", b.g, b.size)
		}
	}
}

// TestReaderCorruption damages a three-block file in various ways and checks
// that reads of the damaged block fail with a descriptive error while the
// other blocks still read correctly.
func TestReaderCorruption(t *testing.T) {
	t.Parallel()
	want := randomData(300, 3)
	orig, g := buildBGZF(t, want, 100, 6, true)
	b1 := int(g[1].Compressed) // second block
	b2 := int(g[2].Compressed) // third (last) block
	eofAt := len(orig) - len(eofBlock)
	tests := []struct {
		name    string
		mutate  func(f []byte, g GZI) ([]byte, GZI)
		block   int    // uncompressed block (0..2) whose reads must fail
		offset  int    // compressed offset named in the error
		wantErr string // substring of the error
	}{
		{"crc", func(f []byte, g GZI) ([]byte, GZI) { f[b2-8] ^= 1; return f, g }, 1, b1, "CRC32 mismatch"},
		{"isize vs index", func(f []byte, g GZI) ([]byte, GZI) { f[b2-4]++; return f, g }, 1, b1, "ISIZE 101 disagrees with the index"},
		{"isize of last block", func(f []byte, g GZI) ([]byte, GZI) { f[eofAt-4]++; return f, g }, 2, b2, "deflate data ends before ISIZE"},
		{"isize too small", func(f []byte, g GZI) ([]byte, GZI) { f[eofAt-4]--; return f, g }, 2, b2, "deflate data is longer than ISIZE"},
		{"isize huge", func(f []byte, g GZI) ([]byte, GZI) { f[eofAt-2] = 0xff; return f, g }, 2, b2, "exceeds the maximum block size"},
		{"magic", func(f []byte, g GZI) ([]byte, GZI) { f[b1] = 0; return f, g }, 1, b1, "not a gzip member"},
		{"method", func(f []byte, g GZI) ([]byte, GZI) { f[b1+2] = 7; return f, g }, 1, b1, "compression method 7"},
		{"flags", func(f []byte, g GZI) ([]byte, GZI) { f[b1+3] |= 8; return f, g }, 1, b1, "unsupported gzip flags"},
		{"no extra", func(f []byte, g GZI) ([]byte, GZI) { f[b1+3] = 0; return f, g }, 1, b1, "no extra field"},
		{"no BC", func(f []byte, g GZI) ([]byte, GZI) { f[b1+12] = 'X'; return f, g }, 1, b1, "no BC subfield"},
		{"bad slen", func(f []byte, g GZI) ([]byte, GZI) { f[b1+14] = 3; return f, g }, 1, b1, "overruns"},
		{"BSIZE vs index", func(f []byte, g GZI) ([]byte, GZI) { f[b1+16]--; return f, g }, 1, b1, "block is"},
		{"BSIZE tiny", func(f []byte, g GZI) ([]byte, GZI) { f[b1+16], f[b1+17] = 3, 0; return f, g }, 1, b1, "too small"},
		{"deflate garbage", func(f []byte, g GZI) ([]byte, GZI) {
			for i := b1 + 18; i < b2-8; i++ {
				f[i] = 0xff
			}
			return f, g
		}, 1, b1, "inflate"},
		{"unused deflate data", func(f []byte, g GZI) ([]byte, GZI) {
			// A byte between the end of the deflate stream and the trailer.
			f = slices.Insert(f, eofAt-trailerSize, 0)
			binary.LittleEndian.PutUint16(f[b2+16:], binary.LittleEndian.Uint16(f[b2+16:])+1)
			return f, g
		}, 2, b2, "1 bytes of unused data"},
		{"truncated last block", func(f []byte, g GZI) ([]byte, GZI) { return f[:b2+30], g }, 2, b2, "truncated"},
		{"truncated header", func(f []byte, g GZI) ([]byte, GZI) { return f[:b2+5], g }, 2, b2, "truncated block header"},
		{"stale index", func(f []byte, g GZI) ([]byte, GZI) { return f, g[:2] }, 1, b1, "unindexed bytes follow"},
		{"trailing junk", func(f []byte, g GZI) ([]byte, GZI) { return append(f, 0), g }, 2, b2, "unindexed bytes follow"},
		{"bad EOF marker", func(f []byte, g GZI) ([]byte, GZI) { f[len(f)-1] = 1; return f, g }, 2, b2, "unindexed bytes follow"},
		{"index offset wrong", func(f []byte, g GZI) ([]byte, GZI) {
			g = append(GZI(nil), g...)
			g[2].Compressed++
			return f, g
		}, 1, b1, "block is"},
		{"index gap too large", func(f []byte, g GZI) ([]byte, GZI) {
			f = append(f[:b2:b2], append(make([]byte, MaxBlockSize), f[b2:]...)...)
			g = append(GZI(nil), g...)
			g[2].Compressed += MaxBlockSize
			return f, g
		}, 1, b1, "beyond the maximum block size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, g := tt.mutate(bytes.Clone(orig), g)
			for _, c := range []*BlockCache{nil, NewBlockCache(1 << 20)} {
				r := NewReader(bytes.NewReader(f), int64(len(f)), g, c, "test.bgz")
				for blk := range 3 {
					p := make([]byte, 50)
					n, err := r.ReadAt(p, int64(blk*100+25))
					if tt.name == "index offset wrong" && blk == 2 {
						// The shifted entry also breaks the block it points to.
						if err == nil || !strings.Contains(err.Error(), "not a gzip member") {
							t.Fatalf("block 2: %v", err)
						}
						continue
					}
					if blk != tt.block && !(tt.name == "stale index" && blk == 2) {
						if err != nil || !bytes.Equal(p[:n], want[blk*100+25:][:n]) || n != 50 {
							t.Fatalf("intact block %d: %d, %v", blk, n, err)
						}
						continue
					}
					if err == nil || err == io.EOF {
						t.Fatalf("block %d: no error (n=%d)", blk, n)
					}
					if n != 0 {
						t.Fatalf("block %d: %d bytes returned with error", blk, n)
					}
					prefix := fmt.Sprintf("bgzf: test.bgz: block at compressed offset %d: ", tt.offset)
					if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("block %d: error %q, want prefix %q and %q", blk, err, prefix, tt.wantErr)
					}
					if !errors.Is(err, ErrCorrupt) {
						t.Fatalf("error %v does not match ErrCorrupt", err)
					}
					var be *BlockError
					if !errors.As(err, &be) || be.Offset != uint64(tt.offset) || be.Name != "test.bgz" {
						t.Fatalf("error %v is not a matching *BlockError", err)
					}
				}
				// A read spanning the damaged block returns the good prefix.
				if tt.block > 0 {
					p := make([]byte, 150)
					start := (tt.block - 1) * 100
					n, err := r.ReadAt(p, int64(start))
					if err == nil || n != 100 || !bytes.Equal(p[:n], want[start:start+100]) {
						t.Fatalf("spanning read: %d, %v", n, err)
					}
				}
			}
		})
	}
}

var errDisk = errors.New("disk on fire")

type failingReaderAt struct{}

func (failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errDisk }

func TestReaderIOError(t *testing.T) {
	t.Parallel()
	r := NewReader(failingReaderAt{}, 1000, nil, NewBlockCache(1<<20), "broken")
	_, err := r.ReadAt(make([]byte, 10), 0)
	if !errors.Is(err, errDisk) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v", err)
	}
	if want := "bgzf: broken: block at compressed offset 0: read: disk on fire"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

func TestReaderConcurrent(t *testing.T) {
	t.Parallel()
	want := randomData(3<<20, 4)
	file, g := writeBGZF(t, want, 4)
	// A cache smaller than the data forces evictions alongside hits.
	cache := NewBlockCache(1 << 20)
	r := NewReader(bytes.NewReader(file), int64(len(file)), g, cache, "conc")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			p := make([]byte, 70000)
			for range 300 {
				n := rng.IntN(len(p))
				off := rng.IntN(len(want) - n)
				if rng.IntN(2) == 0 { // concentrate on a few blocks
					off = rng.IntN(4 * MaxBlockData)
				}
				got, err := r.ReadAt(p[:n], int64(off))
				if err != nil || got != n || !bytes.Equal(p[:n], want[off:off+n]) {
					t.Errorf("ReadAt(%d, %d) = %d, %v", n, off, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := cache.Stats()
	if st.Hits == 0 || st.Misses == 0 || st.Evictions == 0 || st.Bytes > 1<<20 {
		t.Fatalf("unexpected stats %+v", st)
	}
	t.Logf("stats: %+v", st)
}

// TestCacheSingleflight checks that concurrent misses for one block read and
// inflate it only once.
func TestCacheSingleflight(t *testing.T) {
	t.Parallel()
	want := randomData(200000, 5)
	file, g := writeBGZF(t, want, 1)
	var mu sync.Mutex
	reads := map[int64]int{}
	release := make(chan struct{})
	cra := &countingReaderAt{ra: bytes.NewReader(file), hook: func(off int64) {
		mu.Lock()
		reads[off]++
		mu.Unlock()
		<-release
	}}
	cache := NewBlockCache(64 << 20)
	r := NewReader(cra, int64(len(file)), g, cache, "sf")
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p := make([]byte, 10)
			off := int64(MaxBlockData + 1000 + i)
			if _, err := r.ReadAt(p, off); err != nil || !bytes.Equal(p, want[off:off+10]) {
				t.Errorf("ReadAt: %v", err)
			}
		})
	}
	// Wait until all goroutines are either loading or waiting. (Readers
	// this close together look sequential, so a read-ahead of the next
	// blocks may add misses of its own.)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := cache.Stats()
		if st.Misses+st.Coalesced >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines did not all reach the cache: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for r.ahead.Load() { // let a read-ahead the readers started finish
		time.Sleep(time.Millisecond)
	}
	st := cache.Stats()
	mu.Lock()
	defer mu.Unlock()
	if reads[int64(g[1].Compressed)] != 1 || st.Coalesced == 0 {
		t.Fatalf("block read %d times (want once), stats %+v, reads %v", reads[int64(g[1].Compressed)], st, reads)
	}
}

func TestCacheErrorsNotCached(t *testing.T) {
	t.Parallel()
	file, g := buildBGZF(t, randomData(300, 6), 100, 6, true)
	// A ReaderAt that fails once, then succeeds.
	flaky := &flakyReaderAt{ra: bytes.NewReader(file), failures: 1}
	cache := NewBlockCache(1 << 20)
	r := NewReader(flaky, int64(len(file)), g, cache, "flaky")
	if _, err := r.ReadAt(make([]byte, 5), 0); !errors.Is(err, errDisk) {
		t.Fatalf("first read: %v", err)
	}
	if _, err := r.ReadAt(make([]byte, 5), 0); err != nil {
		t.Fatalf("second read: %v", err)
	}
	// The second read looks sequential, so it may start a read-ahead of
	// the other blocks; let it finish before counting.
	for r.ahead.Load() {
		time.Sleep(time.Millisecond)
	}
	before := cache.Stats()
	if before.Misses < 2 || before.Entries < 1 {
		t.Fatalf("stats %+v", before)
	}
	// The block is now cached: reading it again is a hit.
	if _, err := r.ReadAt(make([]byte, 5), 0); err != nil {
		t.Fatalf("third read: %v", err)
	}
	if after := cache.Stats(); after.Hits != before.Hits+1 || after.Misses != before.Misses {
		t.Fatalf("third read: stats %+v, before %+v", after, before)
	}
}

type flakyReaderAt struct {
	mu       sync.Mutex
	ra       io.ReaderAt
	failures int
}

func (f *flakyReaderAt) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	fail := f.failures > 0
	f.failures--
	f.mu.Unlock()
	if fail {
		return 0, errDisk
	}
	return f.ra.ReadAt(p, off)
}

func TestCacheEviction(t *testing.T) {
	t.Parallel()
	want := randomData(10*MaxBlockData, 7)
	file, g := writeBGZF(t, want, 2)
	// Room for exactly three full blocks in a single shard.
	cache := NewBlockCache(3 * MaxBlockData)
	if len(cache.shards) != 1 {
		t.Fatalf("%d shards", len(cache.shards))
	}
	r := NewReader(bytes.NewReader(file), int64(len(file)), g, cache, "ev")
	read := func(blk int) {
		t.Helper()
		p := make([]byte, 10)
		if _, err := r.ReadAt(p, int64(blk*MaxBlockData)); err != nil {
			t.Fatal(err)
		}
	}
	for blk := range 3 {
		read(blk)
	}
	read(0) // 0 becomes most recently used; 1 is the LRU victim
	read(3)
	st := cache.Stats()
	if st.Misses != 4 || st.Hits != 1 || st.Evictions != 1 || st.Entries != 3 || st.Bytes != 3*MaxBlockData {
		t.Fatalf("stats %+v", st)
	}
	read(0) // still cached
	read(1) // evicted earlier: a miss
	st = cache.Stats()
	if st.Hits != 2 || st.Misses != 5 {
		t.Fatalf("stats %+v", st)
	}
	cache.Purge()
	if st := cache.Stats(); st.Entries != 0 || st.Bytes != 0 {
		t.Fatalf("after Purge: %+v", st)
	}
	read(1)
	if st := cache.Stats(); st.Entries != 1 {
		t.Fatalf("after Purge and read: %+v", st)
	}

	// A zero-sized cache stores nothing but still works.
	zero := NewBlockCache(0)
	r = NewReader(bytes.NewReader(file), int64(len(file)), g, zero, "zero")
	checkRandomReads(t, r, want, 20, 8)
	if st := zero.Stats(); st.Entries != 0 || st.Hits != 0 || st.Misses == 0 {
		t.Fatalf("zero cache stats %+v", st)
	}
	if st := (*BlockCache)(nil).Stats(); st != (CacheStats{}) {
		t.Fatalf("nil cache stats %+v", st)
	}
}

func TestCacheSharding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		max    int64
		shards int
	}{{0, 1}, {1, 1}, {8 * MaxBlockSize, 2}, {15 * 4 * MaxBlockSize, 8}, {1 << 30, 16}} {
		if got := len(NewBlockCache(tc.max).shards); got != tc.shards {
			t.Errorf("NewBlockCache(%d): %d shards, want %d", tc.max, got, tc.shards)
		}
	}
}

// TestReadAtCacheHitAllocs verifies that a read served from the cache does
// not allocate.
func TestReadAtCacheHitAllocs(t *testing.T) {
	want := randomData(4*MaxBlockData, 10)
	file, g := writeBGZF(t, want, 1)
	r := NewReader(bytes.NewReader(file), int64(len(file)), g, NewBlockCache(16<<20), "allocs")
	p := make([]byte, 100)
	offs := []int64{5, MaxBlockData - 50, 3*MaxBlockData + 7} // includes a read spanning two blocks
	for _, off := range offs {
		if _, err := r.ReadAt(p, off); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		for _, off := range offs {
			if _, err := r.ReadAt(p, off); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("cache-hit ReadAt allocates %v times per run", allocs)
	}
}

// benchFile is a 4 MB BGZF file shared by the read benchmarks.
var benchFile = sync.OnceValues(func() ([]byte, GZI) {
	data := randomData(4<<20, 11)
	var buf bytes.Buffer
	w := NewWriter(&buf, 0)
	w.Write(data)
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes(), w.Index()
})

func benchmarkReadAt(b *testing.B, cache *BlockCache) {
	file, g := benchFile()
	path := filepath.Join(b.TempDir(), "bench.bgz")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		b.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	r := NewReader(fh, int64(len(file)), g, cache, "bench")
	size, err := r.UncompressedSize()
	if err != nil {
		b.Fatal(err)
	}
	if cache != nil {
		// Warm the cache.
		if _, err := readAll(r, 1<<16); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(100)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		p := make([]byte, 100)
		for pb.Next() {
			if _, err := r.ReadAt(p, rng.Int64N(size-100)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkReadAtCached measures 100-byte reads at random offsets of a 4 MB
// file whose blocks are all cached.
func BenchmarkReadAtCached(b *testing.B) { benchmarkReadAt(b, NewBlockCache(64<<20)) }

// BenchmarkReadAtCold measures the same reads without a cache: each one
// reads and inflates a block.
func BenchmarkReadAtCold(b *testing.B) { benchmarkReadAt(b, nil) }

func BenchmarkInflateBlock(b *testing.B) {
	file, _ := benchFile()
	size, hdr, err := parseHeader(file)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, MaxBlockSize)
	b.SetBytes(int64(binary.LittleEndian.Uint32(file[size-4:])))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := inflateBlock(file[:size], hdr, dst); err != nil {
			b.Fatal(err)
		}
	}
}
