package bgzf

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/flate"
)

// randomData returns n bytes of moderately compressible pseudo-random data
// (DNA-like with occasional newlines).
func randomData(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	b := make([]byte, n)
	for i := range b {
		if i%61 == 60 {
			b[i] = '\n'
		} else {
			b[i] = "ACGTN"[rng.IntN(5)]
		}
	}
	return b
}

// incompressible returns n uniformly random bytes.
func incompressible(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// writeBGZF compresses data with Writer and returns the file and its index.
func writeBGZF(t testing.TB, data []byte, workers int) ([]byte, GZI) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, workers)
	// Write in uneven pieces to exercise buffering.
	for p := data; len(p) > 0; {
		n := min(len(p), 1+len(p)%70001)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.Index()
}

// buildBGZF builds a BGZF file with blocks of blockSize uncompressed bytes
// (useful for small multi-block test files) and returns it with its index
// (without the EOF block).
func buildBGZF(t testing.TB, data []byte, blockSize, level int, eof bool) ([]byte, GZI) {
	t.Helper()
	fw, err := flate.NewWriter(io.Discard, level)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	g := GZI{{}}
	var block bytes.Buffer
	for u := 0; u < len(data); u += blockSize {
		if u > 0 {
			g = append(g, Block{Compressed: uint64(len(out)), Uncompressed: uint64(u)})
		}
		if err := compressBlock(&block, data[u:min(u+blockSize, len(data))], fw); err != nil {
			t.Fatal(err)
		}
		out = append(out, block.Bytes()...)
	}
	if eof {
		out = append(out, eofBlock[:]...)
	}
	return out, g
}

// gunzip decodes a (multi-member) gzip stream with the standard library.
func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, err
	}
	return io.ReadAll(zr)
}

// readAll reads the whole uncompressed stream from r in chunks of size step.
func readAll(r *Reader, step int) ([]byte, error) {
	var out []byte
	buf := make([]byte, step)
	for off := int64(0); ; off += int64(step) {
		n, err := r.ReadAt(buf, off)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// countingReaderAt calls hook before every ReadAt.
type countingReaderAt struct {
	ra   io.ReaderAt
	hook func(off int64)
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.hook(off)
	return c.ra.ReadAt(p, off)
}
