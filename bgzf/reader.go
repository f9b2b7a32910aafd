package bgzf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// readerIDs hands out the cache identities of Readers.
var readerIDs atomic.Uint64

// dataPool holds buffers for inflated blocks that are not kept in a cache.
var dataPool = sync.Pool{New: func() any {
	b := make([]byte, MaxBlockSize)
	return &b
}}

// Reader gives random access to the uncompressed contents of a BGZF file
// through its GZI index. It implements io.ReaderAt and is safe for
// concurrent use by multiple goroutines; no lock is held while reading from
// the underlying file or inflating.
//
// Every block is checked as it is read: its header, BSIZE and ISIZE must
// agree with the index, the deflate stream must fill the block exactly and
// the CRC32 must match. Problems are reported as *BlockError values; errors
// caused by bad data match ErrCorrupt.
type Reader struct {
	ra    io.ReaderAt
	csize int64
	gzi   GZI
	cache *BlockCache
	name  string
	id    uint64
	err   error        // invalid arguments to NewReader, reported by every call
	usize atomic.Int64 // uncompressed size, or -1 until the last block is read

	// Sequential read-ahead state.
	lastEnd atomic.Int64 // where the previous ReadAt ended
	aheadTo atomic.Int64 // uncompressed offset read-ahead has been started up to
	ahead   atomic.Bool  // a read-ahead of this Reader is running
}

// aheadSlots bounds the read-aheads running in the whole process, so many
// sequential readers share the cores instead of each taking them all.
var aheadSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// aheadGap is how far from the previous read's end a read may start and
// still count as sequential: FASTA readers skip line terminators, and the
// kernel's read-ahead issues several reads at once that arrive out of order.
const aheadGap = 256 << 10

// NewReader returns a Reader of the BGZF data in ra, which is
// compressedSize bytes long and indexed by gzi (as returned by ParseGZI or
// Writer.Index; an empty gzi stands for a single-block file). ra's ReadAt
// must be safe for concurrent use, as it is for *os.File. gzi must not be
// modified afterwards.
//
// cache may be nil to disable caching. Cached blocks are keyed by an
// identity unique to this Reader, so Readers never see each other's blocks.
// name identifies the file in error messages.
//
// Inconsistencies between gzi and compressedSize are reported by ReadAt.
func NewReader(ra io.ReaderAt, compressedSize int64, gzi GZI, cache *BlockCache, name string) *Reader {
	if len(gzi) == 0 {
		gzi = GZI{{}}
	}
	r := &Reader{ra: ra, csize: compressedSize, gzi: gzi, cache: cache, name: name, id: readerIDs.Add(1)}
	r.usize.Store(-1)
	if err := gzi.validate(); err != nil {
		r.err = fmt.Errorf("bgzf: %s: invalid index: %w", name, err)
	} else if compressedSize < 0 {
		r.err = fmt.Errorf("bgzf: %s: negative compressed size %d", name, compressedSize)
	} else if last := gzi[len(gzi)-1].Compressed; last >= uint64(compressedSize) {
		r.err = fmt.Errorf("bgzf: %s: index does not match file: block at compressed offset %d is beyond the file size %d: %w",
			name, last, compressedSize, ErrCorrupt)
	}
	return r
}

// Name returns the name given to NewReader.
func (r *Reader) Name() string { return r.name }

// Index returns the reader's block index. It must not be modified.
func (r *Reader) Index() GZI { return r.gzi }

// ReadAt reads len(p) uncompressed bytes starting at uncompressed offset
// off, following io.ReaderAt: it returns io.EOF when fewer than len(p) bytes
// remain (possibly with n > 0), and any other error together with the bytes
// read before it.
func (r *Reader) ReadAt(p []byte, off int64) (n int, err error) {
	if r.err != nil {
		return 0, r.err
	}
	if off < 0 {
		return 0, fmt.Errorf("bgzf: %s: negative offset %d", r.name, off)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if size := r.usize.Load(); size >= 0 && off >= size {
		return 0, io.EOF
	}
	if r.cache != nil {
		r.noteRead(off, off+int64(len(p)))
	}
	uoff := uint64(off)
	for i := r.gzi.Locate(uoff); n < len(p); i++ {
		if i >= len(r.gzi) {
			return n, io.EOF
		}
		c, err := r.copyBlock(i, p[n:], uoff-r.gzi[i].Uncompressed)
		n += c
		uoff += uint64(c)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// PrefetchWindow is the most uncompressed bytes one Prefetch call inflates
// (32 blocks), so a window always fits a reasonably sized block cache.
const PrefetchWindow = 32 * MaxBlockData

// Prefetch inflates the blocks holding uncompressed bytes [off, off+n) —
// at most PrefetchWindow of them — into the block cache on every core, so
// a long sequential read that follows costs copies only. It does nothing
// without a cache, on one core, or when the cache is too small to keep the
// window until it is read.
func (r *Reader) Prefetch(off, n int64) error {
	if r.err != nil || r.cache == nil || off < 0 || n <= 0 {
		return r.err
	}
	n = min(n, PrefetchWindow)
	from := r.gzi.Locate(uint64(off))
	to := r.gzi.Locate(uint64(off+n-1)) + 1
	return r.warm(from, to)
}

// noteRead starts a read-ahead of the next window in the background when
// reads are sequential and have come within half a window of what earlier
// read-aheads covered. At most one read-ahead per Reader runs at a time,
// and at most len(aheadSlots) in the process; when none is free the read
// just goes on without one.
func (r *Reader) noteRead(off, end int64) {
	prev := r.lastEnd.Swap(end)
	if off < prev-aheadGap || off > prev+aheadGap || prev == 0 {
		return
	}
	from := max(end, r.aheadTo.Load())
	if from > end+PrefetchWindow/2 || !r.ahead.CompareAndSwap(false, true) {
		return
	}
	select {
	case aheadSlots <- struct{}{}:
	default:
		r.ahead.Store(false)
		return
	}
	r.aheadTo.Store(from + PrefetchWindow)
	go func() {
		defer func() {
			<-aheadSlots
			r.ahead.Store(false)
		}()
		// An error here is reported by the read that needs the block.
		_ = r.Prefetch(from, PrefetchWindow)
	}()
}

// warm loads blocks [from, to) into the cache using up to GOMAXPROCS
// goroutines. Blocks already cached cost a lookup; concurrent loads of one
// block are coalesced by the cache.
func (r *Reader) warm(from, to int) error {
	to = min(to, len(r.gzi))
	workers := min(runtime.GOMAXPROCS(0), to-from)
	if workers < 2 || int64(to-from)*MaxBlockSize*4 > r.cache.max {
		// one core, or a cache too small to keep the window until it is copied
		return nil
	}
	var next atomic.Int64
	next.Store(int64(from))
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= to {
					errs <- nil
					return
				}
				key := cacheKey{id: r.id, off: r.gzi[i].Compressed}
				if _, ok := r.cache.get(key); ok {
					continue
				}
				if _, err := r.cache.getOrLoad(key, func() ([]byte, error) { return r.loadBlock(i, nil) }); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// copyBlock copies data of block i starting at offset within into dst.
func (r *Reader) copyBlock(i int, dst []byte, within uint64) (int, error) {
	var data []byte
	if r.cache != nil {
		key := cacheKey{id: r.id, off: r.gzi[i].Compressed}
		var ok bool
		if data, ok = r.cache.get(key); !ok {
			var err error
			data, err = r.cache.getOrLoad(key, func() ([]byte, error) { return r.loadBlock(i, nil) })
			if err != nil {
				return 0, err
			}
		}
	} else {
		bp := dataPool.Get().(*[]byte)
		defer dataPool.Put(bp)
		var err error
		if data, err = r.loadBlock(i, *bp); err != nil {
			return 0, err
		}
	}
	if within >= uint64(len(data)) {
		return 0, nil
	}
	return copy(dst, data[within:]), nil
}

// UncompressedSize returns the size of the uncompressed data: the offset of
// the last indexed block plus its length. The first call reads the last
// block.
func (r *Reader) UncompressedSize() (int64, error) {
	if r.err != nil {
		return 0, r.err
	}
	if size := r.usize.Load(); size >= 0 {
		return size, nil
	}
	last := len(r.gzi) - 1
	var one [1]byte
	if _, err := r.copyBlock(last, one[:], 0); err != nil {
		return 0, err
	}
	return r.usize.Load(), nil
}

func (r *Reader) blockErr(off uint64, err error) error {
	return &BlockError{Name: r.name, Offset: off, Err: err}
}

// loadBlock reads, checks and inflates block i. The data is stored in dst if
// it is large enough, otherwise in a new slice of exactly the block's size.
func (r *Reader) loadBlock(i int, dst []byte) ([]byte, error) {
	start := r.gzi[i].Compressed
	last := i == len(r.gzi)-1
	var want, remaining uint64
	if !last {
		want = r.gzi[i+1].Compressed - start
		if want > MaxBlockSize {
			return nil, r.blockErr(start, corruptf("index puts the next block %d bytes later, beyond the maximum block size %d", want, MaxBlockSize))
		}
	} else {
		// NewReader checked start < csize.
		remaining = uint64(r.csize) - start
		want = min(remaining, MaxBlockSize+uint64(len(eofBlock)))
	}

	bp := rawPool.Get().(*[]byte)
	defer rawPool.Put(bp)
	raw := (*bp)[:want]
	got, err := r.ra.ReadAt(raw, int64(start))
	if got < len(raw) {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, r.blockErr(start, corruptf("truncated file: read %d of %d bytes", got, len(raw)))
		}
		return nil, r.blockErr(start, fmt.Errorf("read: %w", err))
	}

	size, hdrLen, err := parseHeader(raw)
	if err != nil {
		return nil, r.blockErr(start, err)
	}
	if uint64(size) > want {
		if last {
			return nil, r.blockErr(start, corruptf("truncated: BSIZE says %d bytes but only %d remain in the file", size, want))
		}
		return nil, r.blockErr(start, corruptf("block is %d bytes (BSIZE) but the index puts the next block %d bytes later", size, want))
	}
	if !last && uint64(size) != want {
		return nil, r.blockErr(start, corruptf("block is %d bytes (BSIZE) but the index puts the next block %d bytes later", size, want))
	}
	if last {
		// The last indexed block must be followed by nothing or by the EOF
		// marker; anything else means the index is incomplete.
		trailing := remaining - uint64(size)
		if trailing != 0 && (trailing != uint64(len(eofBlock)) || !bytes.Equal(raw[size:], eofBlock[:])) {
			return nil, r.blockErr(start, corruptf("%d unindexed bytes follow the last indexed block (stale or incomplete index?)", trailing))
		}
	}
	block := raw[:size]
	isize := uint64(blockISize(block))
	if !last {
		if wantSize := r.gzi[i+1].Uncompressed - r.gzi[i].Uncompressed; isize != wantSize {
			return nil, r.blockErr(start, corruptf("ISIZE %d disagrees with the index, which implies %d", isize, wantSize))
		}
	}
	if isize > MaxBlockSize {
		return nil, r.blockErr(start, corruptf("ISIZE %d exceeds the maximum block size %d", isize, MaxBlockSize))
	}
	if uint64(cap(dst)) < isize {
		dst = make([]byte, isize)
	}
	data, err := inflateBlock(block, hdrLen, dst[:0])
	if err != nil {
		return nil, r.blockErr(start, err)
	}
	if last {
		r.usize.Store(int64(r.gzi[i].Uncompressed + isize))
	}
	return data, nil
}
