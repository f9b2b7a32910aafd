package s3

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memFetcher serves objects from memory, counting requests; a delay makes
// concurrent requests overlap.
type memFetcher struct {
	objs  map[string][]byte
	reqs  atomic.Int64
	bytes atomic.Int64
	delay time.Duration
}

func (m *memFetcher) url(key string) string { return "mem://" + key }

func (m *memFetcher) fetch(ctx context.Context, key string, off, n int64) ([]byte, int64, error) {
	m.reqs.Add(1)
	time.Sleep(m.delay)
	b, ok := m.objs[key]
	if !ok {
		return nil, 0, notFound(m.url(key))
	}
	if len(b) == 0 {
		return nil, 0, errEmptyObject
	}
	end := min(off+n, int64(len(b)))
	m.bytes.Add(end - off)
	return append([]byte(nil), b[off:end]...), int64(len(b)), nil
}

func (m *memFetcher) stat(ctx context.Context, key string) (int64, error) {
	return int64(len(m.objs[key])), nil
}

func newMem(t *testing.T, size int) (*Storage, *memFetcher, []byte) {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	mf := &memFetcher{objs: map[string][]byte{"p/f": data, "p/empty": {}}}
	st := newStorage(mf, "p", &counters{})
	st.cache = newChunkCache(8<<20, 2<<20)
	return st, mf, data
}

func TestRangeFileReads(t *testing.T) {
	t.Parallel()
	st, mf, data := newMem(t, 1<<20+123)
	f, err := st.Open(context.Background(), "f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Size() != int64(len(data)) || mf.reqs.Load() != 1 {
		t.Fatalf("open: size %d, %d requests", f.Size(), mf.reqs.Load())
	}
	tests := []struct {
		off, n int64
		eof    bool
	}{
		{0, 10, false}, {100, 40000, false}, {int64(len(data)) - 5, 5, false}, {int64(len(data)) - 5, 10, true},
		{int64(len(data)), 1, true}, {DefaultChunkSize - 1, 2, false}, {3 * DefaultChunkSize, 5 * DefaultChunkSize, false},
	}
	for _, tc := range tests {
		p := make([]byte, tc.n)
		n, err := f.ReadAt(p, tc.off)
		want := data[min(tc.off, int64(len(data))):min(tc.off+tc.n, int64(len(data)))]
		if !bytes.Equal(p[:n], want) {
			t.Errorf("ReadAt(%d, %d): wrong bytes", tc.off, tc.n)
		}
		if (err == io.EOF) != tc.eof || (err != nil && err != io.EOF) {
			t.Errorf("ReadAt(%d, %d): err %v, want EOF %v", tc.off, tc.n, err, tc.eof)
		}
	}
	if _, err := st.Open(context.Background(), "missing"); err == nil {
		t.Error("open of a missing object succeeded")
	}
	e, err := st.Open(context.Background(), "empty")
	if err != nil || e.Size() != 0 {
		t.Errorf("open of an empty object: %v", err)
	}
}

func TestRangeFileSingleflight(t *testing.T) {
	t.Parallel()
	st, mf, data := newMem(t, 1<<20)
	mf.delay = 20 * time.Millisecond
	f, _ := st.Open(context.Background(), "f")
	defer f.Close()
	base := mf.reqs.Load()
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := make([]byte, 100)
			if _, err := f.ReadAt(p, 500000); err != nil || !bytes.Equal(p, data[500000:500100]) {
				t.Errorf("concurrent read: %v", err)
			}
		}()
	}
	wg.Wait()
	if got := mf.reqs.Load() - base; got != 1 {
		t.Errorf("16 concurrent reads of one chunk made %d requests, want 1", got)
	}
}

func TestRangeFileSequentialReadAhead(t *testing.T) {
	t.Parallel()
	st, mf, data := newMem(t, 8<<20)
	f, _ := st.Open(context.Background(), "f")
	defer f.Close()
	got := make([]byte, 0, len(data))
	p := make([]byte, 20000)
	for off := int64(0); off < int64(len(data)); off += int64(len(p)) {
		n, _ := f.ReadAt(p, off)
		got = append(got, p[:n]...)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("sequential read returned wrong bytes")
	}
	reqs, b := mf.reqs.Load(), mf.bytes.Load()
	if b > int64(len(data))*105/100 {
		t.Errorf("sequential read transferred %d bytes for %d", b, len(data))
	}
	if reqs > 40 {
		t.Errorf("sequential read of 8 MiB took %d requests; read-ahead should keep it under 40", reqs)
	}
	st.cache.mu.Lock()
	ahead := st.cache.aheadBytes
	st.cache.mu.Unlock()
	if ahead < 0 || ahead > st.cache.aheadLimit {
		t.Errorf("read-ahead accounting out of bounds: %d", ahead)
	}
}

func TestRangeFileRandomConcurrent(t *testing.T) {
	t.Parallel()
	st, _, data := newMem(t, 3<<20)
	st.cache = newChunkCache(256<<10, 64<<10) // force evictions
	f, _ := st.Open(context.Background(), "f")
	defer f.Close()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; i < 300; i++ {
				off := r.Int64N(int64(len(data)))
				n := r.Int64N(100000) + 1
				p := make([]byte, n)
				k, err := f.ReadAt(p, off)
				if err != nil && err != io.EOF {
					t.Errorf("ReadAt: %v", err)
					return
				}
				if !bytes.Equal(p[:k], data[off:off+int64(k)]) {
					t.Errorf("ReadAt(%d, %d): wrong bytes", off, n)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}
