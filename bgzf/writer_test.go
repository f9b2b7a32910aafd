package bgzf

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// checkBlocks walks file block by block and checks that every block has a
// valid header, respects the size limits and matches the index.
func checkBlocks(t *testing.T, file []byte, g GZI, dataLen int) {
	t.Helper()
	if !bytes.HasSuffix(file, eofBlock[:]) {
		t.Fatal("missing EOF marker")
	}
	var walked GZI
	var u uint64
	for off := 0; off < len(file)-len(eofBlock); {
		size, _, err := parseHeader(file[off:])
		if err != nil {
			t.Fatalf("block at %d: %v", off, err)
		}
		if size > MaxBlockSize {
			t.Fatalf("block at %d: %d bytes", off, size)
		}
		isize := blockISize(file[off : off+size])
		if isize > MaxBlockData || isize == 0 {
			t.Fatalf("block at %d: ISIZE %d", off, isize)
		}
		walked = append(walked, Block{uint64(off), u})
		u += uint64(isize)
		off += size
	}
	if u != uint64(dataLen) {
		t.Fatalf("blocks hold %d bytes, want %d", u, dataLen)
	}
	if len(walked) == 0 {
		walked = GZI{{}}
	}
	if len(walked) != len(g) {
		t.Fatalf("index has %d entries, file %d blocks", len(g), len(walked))
	}
	for i := range g {
		if g[i] != walked[i] {
			t.Fatalf("index entry %d = %v, block at %v", i, g[i], walked[i])
		}
	}
}

func TestWriterRoundTrip(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, 100, MaxBlockData - 1, MaxBlockData, MaxBlockData + 1, 2 * MaxBlockData, 5<<20 + 17}
	for _, size := range sizes {
		for _, kind := range []string{"dna", "random"} {
			data := randomData(size, uint64(size))
			if kind == "random" {
				data = incompressible(size, uint64(size))
			}
			for _, workers := range []int{1, 3} {
				file, g := writeBGZF(t, data, workers)
				checkBlocks(t, file, g, size)
				// The standard library decodes it as multi-member gzip.
				got, err := gunzip(file)
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("size %d %s: gunzip: %d bytes, %v", size, kind, len(got), err)
				}
				r := NewReader(bytes.NewReader(file), int64(len(file)), g, NewBlockCache(1<<20), "rt")
				got, err = readAll(r, 10007)
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("size %d %s: Reader: %d bytes, %v", size, kind, len(got), err)
				}
				if size > 0 {
					checkRandomReads(t, r, data, 50, uint64(size))
				}
				// The index survives a round trip through the file format.
				raw, err := g.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				if g2, err := ParseGZI(raw); err != nil || len(g2) != len(g) {
					t.Fatalf("ParseGZI(MarshalBinary) = %v, %v", g2, err)
				}
			}
		}
	}
}

func TestWriterLevels(t *testing.T) {
	t.Parallel()
	data := randomData(3*MaxBlockData+5, 12)
	var sizes []int
	for _, level := range []int{-1, 0, 1, 6, 9} {
		var buf bytes.Buffer
		w, err := NewWriterLevel(&buf, level, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		checkBlocks(t, buf.Bytes(), w.Index(), len(data))
		got, err := gunzip(buf.Bytes())
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("level %d: %v", level, err)
		}
		sizes = append(sizes, buf.Len())
	}
	if sizes[1] <= sizes[3] {
		t.Errorf("level 0 output (%d) not larger than level 6 (%d)", sizes[1], sizes[3])
	}
	for _, level := range []int{-2, 10} {
		if _, err := NewWriterLevel(io.Discard, level, 1); err == nil {
			t.Errorf("level %d accepted", level)
		}
	}
}

// failAfter accepts n bytes, then fails.
type failAfter struct{ n int }

var errFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errFull
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	data := incompressible(20*MaxBlockData, 13)
	// Failure while writing blocks surfaces on Write or Close.
	w := NewWriter(&failAfter{n: 100000}, 2)
	var werr error
	for p := data; len(p) > 0 && werr == nil; p = p[min(len(p), 1000):] {
		_, werr = w.Write(p[:min(len(p), 1000)])
	}
	cerr := w.Close()
	if !errors.Is(cerr, errFull) {
		t.Fatalf("Close error %v", cerr)
	}
	if werr != nil && !errors.Is(werr, errFull) {
		t.Fatalf("Write error %v", werr)
	}
	if !strings.Contains(cerr.Error(), "bgzf: writing block at compressed offset") {
		t.Fatalf("error lacks context: %v", cerr)
	}
	if err := w.Close(); err != cerr {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}

	// Failure writing the EOF marker.
	w = NewWriter(&failAfter{n: 0}, 1)
	if err := w.Close(); !errors.Is(err, errFull) || !strings.Contains(err.Error(), "EOF block") {
		t.Fatalf("Close error %v", err)
	}
	if w.Index() == nil {
		t.Fatal("nil index after Close")
	}
	if NewWriter(io.Discard, 1).Index() != nil {
		t.Fatal("index before Close")
	}
}

// TestWriterBgzipCompatible cross-checks with htslib's bgzip: bgzip decodes
// our output, re-indexing it gives our index, and bgzip's own output and
// index read correctly.
func TestWriterBgzipCompatible(t *testing.T) {
	t.Parallel()
	bgzip, err := exec.LookPath("bgzip")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("bgzip not installed (apt-get install tabix)")
		}
		t.Skip("bgzip not installed (apt-get install tabix)")
	}
	dir := t.TempDir()
	for _, size := range []int{0, 1, MaxBlockData, MaxBlockData + 1, 3<<20 + 5} {
		data := randomData(size, uint64(size)+100)
		file, g := writeBGZF(t, data, 2)

		// bgzip decodes and re-indexes our output.
		ours := filepath.Join(dir, "ours.gz")
		if err := os.WriteFile(ours, file, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bgzip, "-dc", ours).Output()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("size %d: bgzip -dc: %d bytes, %v", size, len(out), err)
		}
		if out, err := exec.Command(bgzip, "-t", ours).CombinedOutput(); err != nil {
			t.Fatalf("size %d: bgzip -t: %v: %s", size, err, out)
		}
		if size > 0 { // bgzip writes a count of 2^64-1 for empty files
			if out, err := exec.Command(bgzip, "-r", ours).CombinedOutput(); err != nil {
				t.Fatalf("bgzip -r: %v: %s", err, out)
			}
			theirs, err := os.ReadFile(ours + ".gzi")
			if err != nil {
				t.Fatal(err)
			}
			mine, _ := g.MarshalBinary()
			if !bytes.Equal(mine, theirs) {
				t.Fatalf("size %d: index differs from bgzip -r", size)
			}
		}

		// bgzip's output and index read correctly.
		plain := filepath.Join(dir, "plain")
		if err := os.WriteFile(plain, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bgzip, "-i", "-f", plain).CombinedOutput(); err != nil {
			t.Fatalf("bgzip -i: %v: %s", err, out)
		}
		bfile, err := os.ReadFile(plain + ".gz")
		if err != nil {
			t.Fatal(err)
		}
		rawIdx, err := os.ReadFile(plain + ".gz.gzi")
		if err != nil {
			t.Fatal(err)
		}
		bg, err := ParseGZI(rawIdx)
		if err != nil {
			t.Fatalf("size %d: ParseGZI(bgzip index): %v", size, err)
		}
		if !equalGZI(bg, g) {
			t.Fatalf("size %d: block boundaries differ: bgzip %v, ours %v", size, bg, g)
		}
		fh, err := os.Open(plain + ".gz")
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(fh, int64(len(bfile)), bg, NewBlockCache(1<<20), "bgzip")
		got, err := readAll(r, 65536)
		fh.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: reading bgzip output: %d bytes, %v", size, len(got), err)
		}
	}
}

// BenchmarkWriter measures compression throughput of DNA-like data.
func BenchmarkWriter(b *testing.B) {
	data := randomData(16<<20, 14)
	for _, workers := range []int{1, 0} {
		name := "workers=1"
		if workers == 0 {
			name = "workers=GOMAXPROCS"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				w := NewWriter(io.Discard, workers)
				if _, err := w.Write(data); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
