package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/seqfs/seqfs/internal/lru"
)

// Defaults of the process-wide chunk cache.
const (
	// DefaultChunkSize is the unit in which remote files are fetched and
	// cached: every ranged GET starts and ends on a multiple of it (or the
	// end of the file). 32 KiB holds 8 SQLite pages or one to two BGZF
	// blocks of DNA.
	DefaultChunkSize = 32 << 10
	// DefaultCacheBytes bounds the raw bytes cached for all remote files of
	// the process.
	DefaultCacheBytes = 64 << 20
	// DefaultReadAheadBytes bounds, for the whole process, the bytes
	// fetched ahead of sequential readers that have not been read yet.
	DefaultReadAheadBytes = 16 << 20
	// maxWindowChunks bounds the read-ahead window of one stream.
	maxWindowChunks = 64
	// firstWindowChunks is the read-ahead window when a stream is first
	// found sequential.
	firstWindowChunks = 4
	// streamsPerFile is how many sequential readers of one file are
	// tracked at once.
	streamsPerFile = 4
)

// chunkKey names one chunk of one open file.
type chunkKey struct {
	file uint64
	idx  int64
}

type chunk struct {
	lru.Links[*chunk]
	key     chunkKey
	data    []byte
	err     error
	done    chan struct{}
	loading bool
	ahead   bool  // fetched by read-ahead and not read yet
	reserve int64 // read-ahead budget reserved while loading
}

// chunkCache is a bounded LRU of file chunks shared by every remote file
// of the process. A chunk being fetched is in the map with loading set, so
// concurrent readers of it wait for the one fetch (singleflight). Chunks
// fetched ahead of a sequential reader count against a global read-ahead
// budget until they are read or evicted.
type chunkCache struct {
	maxBytes   int64
	aheadLimit int64

	mu         sync.Mutex
	m          map[chunkKey]*chunk
	lru        lru.List[*chunk] // front is most recent
	bytes      int64
	aheadBytes int64
}

func newChunkCache(maxBytes, aheadLimit int64) *chunkCache {
	return &chunkCache{maxBytes: maxBytes, aheadLimit: aheadLimit, m: make(map[chunkKey]*chunk)}
}

var (
	sharedCacheOnce sync.Once
	sharedCache     *chunkCache
)

func defaultCache() *chunkCache {
	sharedCacheOnce.Do(func() { sharedCache = newChunkCache(DefaultCacheBytes, DefaultReadAheadBytes) })
	return sharedCache
}

// evictLocked drops least recently used loaded chunks until the cache is
// within its bound.
func (c *chunkCache) evictLocked() {
	for e := c.lru.Back(); c.bytes > c.maxBytes && e != nil; {
		prev := c.lru.Prev(e)
		c.lru.Remove(e)
		delete(c.m, e.key)
		c.bytes -= int64(len(e.data))
		if e.ahead {
			c.aheadBytes -= int64(len(e.data))
		}
		e = prev
	}
}

// complete stores the result of a fetch in the claimed chunk e.
func (c *chunkCache) complete(e *chunk, data []byte, err error) {
	c.mu.Lock()
	e.data, e.err, e.loading = data, err, false
	if err != nil {
		delete(c.m, e.key)
		if e.ahead {
			c.aheadBytes -= e.reserve
		}
	} else {
		if e.ahead {
			// The reservation made when claiming becomes the real size.
			c.aheadBytes += int64(len(data)) - e.reserve
		}
		c.lru.PushFront(e)
		c.bytes += int64(len(data))
		c.evictLocked()
	}
	c.mu.Unlock()
	close(e.done)
}

// consumed marks a loaded chunk as read, releasing its read-ahead budget.
func (c *chunkCache) consumed(e *chunk) {
	c.mu.Lock()
	if e.ahead && !e.loading {
		e.ahead = false
		c.aheadBytes -= int64(len(e.data))
	}
	c.mu.Unlock()
}

// purgeFile drops the chunks of one file (when it is closed).
func (c *chunkCache) purgeFile(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if k.file != id || e.loading {
			continue
		}
		c.lru.Remove(e)
		delete(c.m, k)
		c.bytes -= int64(len(e.data))
		if e.ahead {
			c.aheadBytes -= int64(len(e.data))
		}
	}
}

// rangeFile is an open remote file read in aligned chunks through the
// shared chunk cache. It implements seqrepo.StorageFile.
type rangeFile struct {
	st    *Storage
	key   string
	size  int64
	id    uint64
	chunk int64

	mu      sync.Mutex
	streams [streamsPerFile]stream
	clock   uint64
	closed  atomic.Bool
}

// stream is one sequential reader of a file: the chunk it will read next
// and its read-ahead window.
type stream struct {
	next   int64
	window int64
	used   uint64
}

var fileIDs atomic.Uint64

// Size returns the object's size.
func (f *rangeFile) Size() int64 { return f.size }

// Close drops the file's cached chunks.
func (f *rangeFile) Close() error {
	if f.closed.CompareAndSwap(false, true) {
		f.st.cache.purgeFile(f.id)
	}
	return nil
}

// observe records a read of chunks [first, last] and returns how many
// chunks to read ahead after last (0 for a random read).
func (f *rangeFile) observe(first, last int64) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock++
	oldest := 0
	for i := range f.streams {
		s := &f.streams[i]
		if s.used != 0 && (first == s.next || first == s.next-1) && last >= s.next-1 {
			if last >= s.next {
				s.window = min(max(s.window*2, firstWindowChunks), maxWindowChunks)
			}
			s.next, s.used = last+1, f.clock
			return s.window
		}
		if s.used < f.streams[oldest].used {
			oldest = i
		}
	}
	f.streams[oldest] = stream{next: last + 1, used: f.clock}
	return 0
}

// ReadAt reads len(p) bytes at off, fetching the missing chunks (and, for
// a sequential reader, chunks ahead) with as few ranged GETs as possible.
// It is safe for concurrent use.
func (f *rangeFile) ReadAt(p []byte, off int64) (int, error) {
	if f.closed.Load() {
		return 0, fmt.Errorf("read %s: %w", f.st.describe(f.key), errors.New("file is closed"))
	}
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", f.st.describe(f.key), off)
	}
	if off >= f.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	end := min(off+int64(len(p)), f.size)
	first, last := off/f.chunk, (end-1)/f.chunk
	ahead := f.observe(first, last)
	nchunks := (f.size + f.chunk - 1) / f.chunk

	c := f.st.cache
	got := make([]*chunk, 0, last-first+1)
	var claimed []*chunk // chunks this call must fetch, in order
	c.mu.Lock()
	for i := first; i <= last; i++ {
		k := chunkKey{f.id, i}
		e := c.m[k]
		if e == nil {
			e = &chunk{key: k, loading: true, done: make(chan struct{})}
			c.m[k] = e
			claimed = append(claimed, e)
		} else if !e.loading {
			c.lru.MoveToFront(e)
		}
		if e.ahead && !e.loading {
			e.ahead = false
			c.aheadBytes -= int64(len(e.data))
		}
		got = append(got, e)
	}
	// Read ahead when fewer than half the window is already there.
	var aheadClaimed []*chunk
	if ahead > 0 {
		lim := min(last+ahead, nchunks-1)
		present := int64(0)
		for i := last + 1; i <= lim; i++ {
			if c.m[chunkKey{f.id, i}] != nil {
				present++
			}
		}
		if present*2 <= ahead {
			for i := last + 1; i <= lim; i++ {
				k := chunkKey{f.id, i}
				if c.m[k] != nil {
					if len(aheadClaimed) > 0 {
						break // keep the fetch contiguous
					}
					continue
				}
				if c.aheadBytes+f.chunk > c.aheadLimit {
					break
				}
				e := &chunk{key: k, loading: true, ahead: true, reserve: f.chunk, done: make(chan struct{})}
				c.m[k] = e
				c.aheadBytes += f.chunk
				aheadClaimed = append(aheadClaimed, e)
			}
		}
	}
	c.mu.Unlock()

	// Fetch the claimed chunks in contiguous runs; read-ahead chunks join
	// the last run when they follow it, else go in a background fetch.
	runs := splitRuns(claimed)
	if len(aheadClaimed) > 0 {
		if n := len(runs); n > 0 && runs[n-1][len(runs[n-1])-1].key.idx+1 == aheadClaimed[0].key.idx {
			runs[n-1] = append(runs[n-1], aheadClaimed...)
		} else {
			go f.fetchRun(aheadClaimed)
		}
	}
	var wg sync.WaitGroup
	for _, r := range runs[min(1, len(runs)):] {
		wg.Add(1)
		go func(r []*chunk) { defer wg.Done(); f.fetchRun(r) }(r)
	}
	if len(runs) > 0 {
		f.fetchRun(runs[0])
	}
	wg.Wait()

	n := 0
	for _, e := range got {
		<-e.done
		if e.err != nil {
			return n, e.err
		}
		c.consumed(e)
		start := int64(0)
		if e.key.idx == first {
			start = off - first*f.chunk
		}
		if start > int64(len(e.data)) {
			break
		}
		n += copy(p[n:], e.data[start:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// splitRuns groups chunks (in increasing order) into runs of consecutive
// indexes.
func splitRuns(cs []*chunk) [][]*chunk {
	var runs [][]*chunk
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && cs[j].key.idx == cs[j-1].key.idx+1 {
			j++
		}
		runs = append(runs, cs[i:j:j])
		i = j
	}
	return runs
}

// fetchRun fetches consecutive chunks with one ranged GET and completes
// them.
func (f *rangeFile) fetchRun(run []*chunk) {
	from := run[0].key.idx * f.chunk
	to := min((run[len(run)-1].key.idx+1)*f.chunk, f.size)
	data, _, err := f.st.fetch(context.Background(), f.key, from, to-from)
	if err == nil && int64(len(data)) != to-from {
		err = fmt.Errorf("read %s [%d, %d): got %d bytes: %w", f.st.describe(f.key), from, to, len(data), io.ErrUnexpectedEOF)
	}
	for i, e := range run {
		if err != nil {
			f.st.cache.complete(e, nil, err)
			continue
		}
		lo := int64(i) * f.chunk
		hi := min(lo+f.chunk, int64(len(data)))
		f.st.cache.complete(e, data[lo:hi:hi], nil)
	}
}
