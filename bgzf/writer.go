package bgzf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
)

// DefaultCompression is the compression level used by NewWriter, the same as
// htslib's default (zlib level 6).
const DefaultCompression = 6

// writeJob is one block travelling through the compression pipeline.
type writeJob struct {
	in   []byte       // uncompressed data, at most MaxBlockData bytes
	out  bytes.Buffer // complete compressed block
	err  error
	done chan struct{}
}

// Writer compresses data into BGZF format. Input is cut into blocks of
// MaxBlockData uncompressed bytes, which are compressed in parallel and
// written in order; Close flushes the last partial block and appends the
// EOF marker. At most about 2*workers blocks are in memory at once.
//
// Write and Close must not be called concurrently. An error from the
// underlying writer is returned by a later Write or by Close. Close must be
// called to release the worker goroutines.
type Writer struct {
	w     io.Writer
	level int

	cur    *writeJob      // block being filled by Write
	free   chan *writeJob // recycled jobs; its capacity bounds memory
	work   chan *writeJob // jobs to compress
	order  chan *writeJob // jobs in submission order, for the output goroutine
	wg     sync.WaitGroup // compression workers
	outEnd chan struct{}  // closed when the output goroutine exits

	mu     sync.Mutex
	outErr error // first error from compression or the underlying writer

	index  GZI    // written by the output goroutine; read after Close
	coff   uint64 // compressed bytes written so far (output goroutine)
	uoff   uint64 // uncompressed bytes written so far (output goroutine)
	closed bool
	err    error // sticky error returned by Write and Close
}

// NewWriter returns a Writer compressing at DefaultCompression on workers
// goroutines (runtime.GOMAXPROCS(0) if workers <= 0).
func NewWriter(w io.Writer, workers int) *Writer {
	bw, err := NewWriterLevel(w, DefaultCompression, workers)
	if err != nil {
		panic(err) // unreachable: DefaultCompression is valid
	}
	return bw
}

// NewWriterLevel is like NewWriter but uses the given compression level,
// from 0 (store only) to 9 (best compression), or -1 for the default.
func NewWriterLevel(w io.Writer, level, workers int) (*Writer, error) {
	if level == -1 {
		level = DefaultCompression
	}
	if level < 0 || level > 9 {
		return nil, fmt.Errorf("bgzf: invalid compression level %d (want -1 to 9)", level)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	window := 2 * workers
	bw := &Writer{
		w:      w,
		level:  level,
		free:   make(chan *writeJob, window),
		work:   make(chan *writeJob, window),
		order:  make(chan *writeJob, window),
		outEnd: make(chan struct{}),
		index:  GZI{{}},
	}
	for range window {
		bw.free <- &writeJob{done: make(chan struct{}, 1)}
	}
	bw.wg.Add(workers)
	for range workers {
		go bw.compressLoop()
	}
	go bw.outputLoop()
	return bw, nil
}

// Write buffers p, dispatching each full block for compression. It returns
// an error, and writes nothing more, once compression or the underlying
// writer has failed.
func (bw *Writer) Write(p []byte) (int, error) {
	if bw.closed {
		return 0, errors.New("bgzf: write to closed Writer")
	}
	if err := bw.checkErr(); err != nil {
		return 0, err
	}
	n := 0
	for len(p) > 0 {
		if bw.cur == nil {
			bw.cur = <-bw.free
			if bw.cur.in == nil { // allocated on first use
				bw.cur.in = make([]byte, 0, MaxBlockData)
			}
			if err := bw.checkErr(); err != nil {
				return n, err
			}
		}
		c := min(len(p), MaxBlockData-len(bw.cur.in))
		bw.cur.in = append(bw.cur.in, p[:c]...)
		n += c
		p = p[c:]
		if len(bw.cur.in) == MaxBlockData {
			bw.dispatch()
		}
	}
	return n, nil
}

// dispatch sends the current block to the workers and the output goroutine.
func (bw *Writer) dispatch() {
	job := bw.cur
	bw.cur = nil
	bw.order <- job
	bw.work <- job
}

// checkErr returns the sticky error, picking up asynchronous failures.
func (bw *Writer) checkErr() error {
	if bw.err == nil {
		bw.mu.Lock()
		if bw.outErr != nil {
			bw.err = bw.outErr
		}
		bw.mu.Unlock()
	}
	return bw.err
}

func (bw *Writer) setErr(err error) {
	bw.mu.Lock()
	if bw.outErr == nil {
		bw.outErr = err
	}
	bw.mu.Unlock()
}

// Close compresses and writes any buffered data and the EOF marker, waits
// for all blocks to be written and stops the workers. It does not close the
// underlying writer. Further calls return the same result.
func (bw *Writer) Close() error {
	if bw.closed {
		return bw.err
	}
	bw.closed = true
	if bw.cur != nil && len(bw.cur.in) > 0 {
		bw.dispatch()
	}
	close(bw.work)
	close(bw.order)
	bw.wg.Wait()
	<-bw.outEnd
	if err := bw.checkErr(); err != nil {
		return err
	}
	if _, err := bw.w.Write(eofBlock[:]); err != nil {
		bw.err = fmt.Errorf("bgzf: writing EOF block: %w", err)
		return bw.err
	}
	return nil
}

// Index returns the block index of the data written: one entry per block,
// starting with {0, 0}, without the EOF marker (as htslib's bgzip -i
// writes it). It is complete only after a successful Close.
func (bw *Writer) Index() GZI {
	if !bw.closed {
		return nil
	}
	return bw.index
}

func (bw *Writer) compressLoop() {
	defer bw.wg.Done()
	fw, _ := flate.NewWriter(io.Discard, bw.level)
	var stored *flate.Writer
	for job := range bw.work {
		job.err = compressBlock(&job.out, job.in, fw)
		if job.err == nil && job.out.Len() > MaxBlockSize {
			// Only possible for incompressible data at higher levels; stored
			// deflate blocks always fit.
			if stored == nil {
				stored, _ = flate.NewWriter(io.Discard, flate.NoCompression)
			}
			job.err = compressBlock(&job.out, job.in, stored)
			if job.err == nil && job.out.Len() > MaxBlockSize {
				job.err = fmt.Errorf("bgzf: compressed block of %d bytes exceeds %d", job.out.Len(), MaxBlockSize)
			}
		}
		job.done <- struct{}{}
	}
}

// compressBlock writes the complete BGZF block holding data to out.
func compressBlock(out *bytes.Buffer, data []byte, fw *flate.Writer) error {
	out.Reset()
	var hdr [headerSize]byte
	copy(hdr[:], eofBlock[:headerSize]) // same fixed fields; BSIZE set below
	out.Write(hdr[:])
	fw.Reset(out)
	if _, err := fw.Write(data); err != nil {
		return fmt.Errorf("bgzf: compressing block: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("bgzf: compressing block: %w", err)
	}
	var trailer [trailerSize]byte
	binary.LittleEndian.PutUint32(trailer[0:], crc32.ChecksumIEEE(data))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(len(data)))
	out.Write(trailer[:])
	b := out.Bytes()
	if len(b) <= MaxBlockSize {
		binary.LittleEndian.PutUint16(b[16:], uint16(len(b)-1))
	}
	return nil
}

func (bw *Writer) outputLoop() {
	defer close(bw.outEnd)
	failed := false
	for job := range bw.order {
		<-job.done
		if !failed {
			err := job.err
			if err == nil {
				if bw.coff > 0 || bw.uoff > 0 {
					bw.index = append(bw.index, Block{Compressed: bw.coff, Uncompressed: bw.uoff})
				}
				if _, werr := bw.w.Write(job.out.Bytes()); werr != nil {
					err = fmt.Errorf("bgzf: writing block at compressed offset %d: %w", bw.coff, werr)
				}
				bw.coff += uint64(job.out.Len())
				bw.uoff += uint64(len(job.in))
			}
			if err != nil {
				failed = true
				bw.setErr(err)
			}
		}
		job.in = job.in[:0]
		bw.free <- job
	}
}
