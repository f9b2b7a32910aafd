package bgzf

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// Sequential reads start a background read-ahead of the following window;
// random reads do not. Bytes are right either way.
func TestSequentialReadAhead(t *testing.T) {
	t.Parallel()
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("read-ahead inflates on several cores; GOMAXPROCS is 1")
	}
	data := randomData(8<<20, 7)
	bgz, gzi := writeBGZF(t, data, 2)
	cache := NewBlockCache(256 << 20)
	r := NewReader(bytes.NewReader(bgz), int64(len(bgz)), gzi, cache, "seq.bgz")

	buf := make([]byte, 128<<10)
	for off := int64(0); off < 4*int64(len(buf)); off += int64(len(buf)) {
		if _, err := r.ReadAt(buf, off); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, data[off:off+int64(len(buf))]) {
			t.Fatalf("bytes at %d differ", off)
		}
	}
	// The window after the reads so far is being inflated in the background.
	deadline := time.Now().Add(10 * time.Second)
	for r.ahead.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	ahead := 4 * int64(len(buf))
	i := gzi.Locate(uint64(ahead + PrefetchWindow/2))
	if _, ok := cache.get(cacheKey{id: r.id, off: gzi[i].Compressed}); !ok {
		t.Errorf("block %d (uncompressed %d) not read ahead after sequential reads", i, gzi[i].Uncompressed)
	}

	// Random reads on a fresh reader start nothing.
	r2 := NewReader(bytes.NewReader(bgz), int64(len(bgz)), gzi, cache, "rand.bgz")
	for _, off := range []int64{5 << 20, 1 << 20, 3 << 20} {
		if _, err := r2.ReadAt(buf[:100], off); err != nil {
			t.Fatal(err)
		}
	}
	if r2.aheadTo.Load() != 0 {
		t.Errorf("random reads started a read-ahead up to %d", r2.aheadTo.Load())
	}
}
