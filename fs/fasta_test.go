package fs

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// naiveFasta renders the whole file the obvious way.
func naiveFasta(header string, seq []byte, w int) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	for i := 0; i < len(seq); i += w {
		b.Write(seq[i:min(i+w, len(seq))])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func testSeq(n int) []byte {
	seq := make([]byte, n)
	for i := range seq {
		seq[i] = "ACGTN"[(i*7+i/3)%5]
	}
	return seq
}

func fetcher(seq []byte, calls *int) FetchFunc {
	return func(p []byte, start int64) error {
		*calls++
		if start < 0 || start+int64(len(p)) > int64(len(seq)) {
			return fmt.Errorf("fetch [%d,%d) outside %d", start, start+int64(len(p)), len(seq))
		}
		copy(p, seq[start:])
		return nil
	}
}

func TestLayoutSizeAndFai(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		length int64
		width  int
		size   int64
		fai    string
	}{
		{"chr1", 0, 60, 6, ""},
		{"chr1", 1, 60, 8, "chr1\t1\t6\t1\t2\n"},
		{"chr1", 60, 60, 67, "chr1\t60\t6\t60\t61\n"},
		{"chr1", 61, 60, 69, "chr1\t61\t6\t60\t61\n"},
		{"x", 120, 60, 3 + 122, "x\t120\t3\t60\t61\n"},
		{"NC_001422.1", 5386, 60, 13 + 5386 + 90, "NC_001422.1\t5386\t13\t60\t61\n"},
		{"a", 10, 1, 3 + 20, "a\t10\t3\t1\t2\n"},
	}
	for _, tt := range tests {
		l := NewLayout(tt.name, tt.length, tt.width)
		if got := l.Size(); got != tt.size {
			t.Errorf("%s len %d w %d: size %d, want %d", tt.name, tt.length, tt.width, got, tt.size)
		}
		if got := int64(len(naiveFasta(l.Header, testSeq(int(tt.length)), tt.width))); got != tt.size {
			t.Errorf("naive size %d, want %d", got, tt.size)
		}
		if got := l.Fai(tt.name); got != tt.fai {
			t.Errorf("fai %q, want %q", got, tt.fai)
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ alias, header, fai string }{
		{"NC_001422.1", "NC_001422.1", "NC_001422.1"},
		{"NC_001422.1 Enterobacteria phage phiX174", "NC_001422.1 Enterobacteria phage phiX174", "NC_001422.1"},
		{"a\tb", "a\tb", "a"},
		{"a\nb\rc", "a b c", "a"},
	}
	for _, tt := range tests {
		if got := HeaderName(tt.alias); got != tt.header {
			t.Errorf("HeaderName(%q) = %q, want %q", tt.alias, got, tt.header)
		}
		if got := FaiName(tt.alias); got != tt.fai {
			t.Errorf("FaiName(%q) = %q, want %q", tt.alias, got, tt.fai)
		}
	}
}

func checkReads(t testing.TB, length, width int, off int64, n int) {
	seq := testSeq(length)
	l := NewLayout("seq name", int64(length), width)
	want := naiveFasta(l.Header, seq, width)
	dest := make([]byte, n)
	calls := 0
	got, err := l.ReadAt(dest, off, fetcher(seq, &calls))
	if err != nil {
		t.Fatalf("len %d w %d: ReadAt(%d, %d): %v", length, width, off, n, err)
	}
	var exp []byte
	if off < int64(len(want)) {
		exp = want[off:min(off+int64(n), int64(len(want)))]
	}
	if !bytes.Equal(dest[:got], exp) {
		t.Fatalf("len %d w %d: ReadAt(%d, %d) = %q, want %q", length, width, off, n, dest[:got], exp)
	}
	if calls > 1 {
		t.Fatalf("len %d w %d: ReadAt(%d, %d) fetched %d times", length, width, off, n, calls)
	}
}

func TestLayoutReadAt(t *testing.T) {
	t.Parallel()
	for _, length := range []int{0, 1, 59, 60, 61, 119, 120, 121, 1000} {
		for _, width := range []int{1, 2, 60, 70} {
			size := NewLayout("seq name", int64(length), width).Size()
			for off := int64(0); off <= size+1; off += 1 + off/7 {
				for _, n := range []int{0, 1, 2, 9, 61, 62, 200, 5000} {
					checkReads(t, length, width, off, n)
				}
			}
		}
	}
}

func TestLayoutReadAtErrors(t *testing.T) {
	t.Parallel()
	l := NewLayout("x", 100, 60)
	boom := errors.New("boom")
	if _, err := l.ReadAt(make([]byte, 10), 5, func([]byte, int64) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("fetch error not returned: %v", err)
	}
	// A read of the header only never fetches.
	if n, err := l.ReadAt(make([]byte, 2), 0, func([]byte, int64) error { return boom }); err != nil || n != 2 {
		t.Errorf("header read: n %d err %v", n, err)
	}
	if _, err := l.ReadAt(make([]byte, 1), -1, nil); err == nil {
		t.Error("negative offset accepted")
	}
}

func FuzzLayoutReadAt(f *testing.F) {
	f.Add(uint16(100), uint8(60), uint32(5), uint16(70))
	f.Add(uint16(0), uint8(1), uint32(0), uint16(1))
	f.Add(uint16(61), uint8(60), uint32(65), uint16(4096))
	f.Fuzz(func(t *testing.T, length uint16, width uint8, off uint32, n uint16) {
		if width == 0 {
			return
		}
		checkReads(t, int(length), int(width), int64(off%70000), int(n))
	})
}
