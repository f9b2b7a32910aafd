package faidx

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []Record
		wantErr string // substring; empty means success
	}{
		{name: "empty file", in: "", want: nil},
		{
			name: "samtools",
			in:   "chr1\t248956422\t112\t70\t71\nchrM\t16569\t253105752\t60\t61\n",
			want: []Record{
				{"chr1", 248956422, 112, 70, 71},
				{"chrM", 16569, 253105752, 60, 61},
			},
		},
		{name: "no final newline", in: "a\t1\t3\t1\t2", want: []Record{{"a", 1, 3, 1, 2}}},
		{name: "crlf", in: "a\t1\t3\t1\t2\r\nb\t2\t8\t2\t4\r\n", want: []Record{{"a", 1, 3, 1, 2}, {"b", 2, 8, 2, 4}}},
		{name: "fastq sixth column", in: "r1\t10\t4\t10\t11\t19\n", want: []Record{{"r1", 10, 4, 10, 11}}},
		{name: "zero length", in: "e\t0\t3\t0\t0\n", want: []Record{{"e", 0, 3, 0, 0}}},
		{name: "name with space", in: "a b\t1\t5\t1\t2\n", want: []Record{{"a b", 1, 5, 1, 2}}},
		{name: "too few columns", in: "a\t1\t3\t1\n", wantErr: "line 1: expected 5 or 6 tab-separated columns, got 4"},
		{name: "too many columns", in: "a\t1\t3\t1\t2\t3\t4\n", wantErr: "got 7"},
		{name: "space separated", in: "a 1 3 1 2\n", wantErr: "got 1"},
		{name: "non-integer", in: "a\t1\t3\t1\t2\nb\tx\t3\t1\t2\n", wantErr: `line 2: column 2 (length): "x" is not a non-negative integer`},
		{name: "negative", in: "a\t-1\t3\t1\t2\n", wantErr: "is not a non-negative integer"},
		{name: "plus sign", in: "a\t+1\t3\t1\t2\n", wantErr: "is not a non-negative integer"},
		{name: "float", in: "a\t1\t3.0\t1\t2\n", wantErr: "column 3 (offset)"},
		{name: "empty column", in: "a\t1\t\t1\t2\n", wantErr: "column 3 (offset): empty value"},
		{name: "bad qual column", in: "a\t1\t3\t1\t2\tq\n", wantErr: "column 6 (qualoffset)"},
		{name: "overflow int64", in: "a\t99999999999999999999\t3\t1\t2\n", wantErr: "out of range"},
		{name: "linebases > linewidth", in: "a\t10\t3\t61\t60\n", wantErr: "linebases 61 exceeds linewidth 60"},
		{name: "linebases zero", in: "a\t10\t3\t0\t1\n", wantErr: "linebases is 0 for a sequence of length 10"},
		{name: "empty name", in: "\t10\t3\t1\t2\n", wantErr: "empty sequence name"},
		{name: "blank line", in: "a\t1\t3\t1\t2\n\nb\t1\t3\t1\t2\n", wantErr: "line 2: empty line"},
		{name: "extent overflow", in: "a\t9223372036854775807\t9223372036854775806\t1\t2\n", wantErr: "overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want containing %q", err, tt.wantErr)
				}
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not a *ParseError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseLongLine(t *testing.T) {
	t.Parallel()
	in := "a\t1\t3\t1\t2\n" + strings.Repeat("x", maxLineLength+1) + "\t1\t3\t1\t2\n"
	_, err := Parse(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 2: line longer than") {
		t.Fatalf("Parse error = %v", err)
	}
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestParseReadError(t *testing.T) {
	t.Parallel()
	_, err := Parse(failReader{})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Parse error = %v", err)
	}
}

func TestFormatWrite(t *testing.T) {
	t.Parallel()
	r := Record{"chr1", 248956422, 112, 70, 71}
	if got, want := r.Format(), "chr1\t248956422\t112\t70\t71\n"; got != want {
		t.Fatalf("Format = %q, want %q", got, want)
	}
	var buf bytes.Buffer
	recs := []Record{r, {"e", 0, 300, 0, 0}}
	if err := Write(&buf, recs); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "chr1\t248956422\t112\t70\t71\ne\t0\t300\t0\t0\n"; got != want {
		t.Fatalf("Write = %q, want %q", got, want)
	}
	buf.Reset()
	if err := Write(&buf, []Record{r, {"bad", 5, 0, 6, 5}}); err == nil || buf.Len() != 0 {
		t.Fatalf("Write of invalid record: err=%v, wrote %q", err, buf.String())
	}
}

// TestRealIndexes checks that the htslib-generated indexes in the repository
// test data parse and re-serialise byte for byte.
func TestRealIndexes(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../testdata/*/*/sequences/*/*/*/*.fai")
	if len(files) == 0 {
		t.Fatal("no .fai test data found under ../testdata (it is part of the repository)")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := Parse(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, recs); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Errorf("%s: Write = %q, want %q", f, buf.Bytes(), data)
		}
	}
}

// fasta renders a FASTA entry with the given line length and terminator and
// returns the text plus the record describing it.
func fasta(name string, seq []byte, prefix int, lineBases int, eol string) ([]byte, Record) {
	var b []byte
	b = append(b, bytes.Repeat([]byte{'#'}, prefix)...)
	b = append(b, '>')
	b = append(b, name...)
	b = append(b, eol...)
	off := len(b)
	for i := 0; i < len(seq); i += lineBases {
		b = append(b, seq[i:min(i+lineBases, len(seq))]...)
		b = append(b, eol...)
	}
	return b, Record{Name: name, Length: int64(len(seq)), Offset: int64(off), LineBases: int64(lineBases), LineWidth: int64(lineBases + len(eol))}
}

func TestByteOffsetAndSpan(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		length, lineBases int
		eol               string
	}{
		{1, 60, "\n"}, {59, 60, "\n"}, {60, 60, "\n"}, {61, 60, "\n"}, {120, 60, "\n"},
		{1000, 7, "\n"}, {1000, 1, "\n"}, {250, 10, "\r\n"}, {33, 33, "\r\n"},
	} {
		seq := make([]byte, tc.length)
		for i := range seq {
			seq[i] = "ACGT"[rng.IntN(4)]
		}
		text, rec := fasta("s", seq, 5, tc.lineBases, tc.eol)
		if err := rec.Validate(); err != nil {
			t.Fatal(err)
		}
		for pos := range int64(tc.length) {
			off := rec.ByteOffset(pos)
			if text[off] != seq[pos] {
				t.Fatalf("%+v: ByteOffset(%d)=%d holds %q, want %q", tc, pos, off, text[off], seq[pos])
			}
		}
		end := rec.ByteOffset(rec.Length)
		if want := rec.ByteOffset(rec.Length-1) + 1; end != want {
			t.Fatalf("%+v: ByteOffset(Length)=%d, want %d", tc, end, want)
		}
		if rec.ByteOffset(-3) != rec.Offset {
			t.Fatalf("ByteOffset(-3) != Offset")
		}
		for range 200 {
			s := int64(rng.IntN(tc.length + 1))
			e := int64(rng.IntN(tc.length + 1))
			off, n := rec.ByteSpan(s, e)
			if s >= e {
				if n != 0 || off != rec.ByteOffset(s) {
					t.Fatalf("ByteSpan(%d,%d) = %d,%d", s, e, off, n)
				}
				continue
			}
			got := strings.NewReplacer("\r", "", "\n", "").Replace(string(text[off : off+n]))
			if got != string(seq[s:e]) {
				t.Fatalf("%+v: ByteSpan(%d,%d)=(%d,%d) gives %q, want %q", tc, s, e, off, n, got, seq[s:e])
			}
			if last := text[off+n-1]; last == '\n' || last == '\r' {
				t.Fatalf("ByteSpan(%d,%d) ends in a line terminator", s, e)
			}
		}
	}
}

func TestByteSpanClamp(t *testing.T) {
	t.Parallel()
	r := Record{"s", 10, 4, 4, 5} // lines: 4+4+2 bases
	tests := []struct{ s, e, off, n int64 }{
		{0, 10, 4, 12},
		{-5, 100, 4, 12},
		{3, 5, 7, 3},
		{4, 8, 9, 4},
		{4, 9, 9, 6},
		{10, 10, 16, 0},
		{12, 20, 16, 0},
		{5, 2, 10, 0},
	}
	for _, tt := range tests {
		off, n := r.ByteSpan(tt.s, tt.e)
		if off != tt.off || n != tt.n {
			t.Errorf("ByteSpan(%d,%d) = (%d,%d), want (%d,%d)", tt.s, tt.e, off, n, tt.off, tt.n)
		}
	}
	empty := Record{"e", 0, 7, 0, 0}
	if off, n := empty.ByteSpan(0, 5); off != 7 || n != 0 {
		t.Errorf("empty ByteSpan = (%d,%d)", off, n)
	}
	if got := empty.ByteOffset(3); got != 7 {
		t.Errorf("empty ByteOffset(3) = %d", got)
	}
}

func TestIndex(t *testing.T) {
	t.Parallel()
	recs := []Record{{"a", 1, 3, 1, 2}, {"b", 2, 8, 2, 3}}
	ix, err := NewIndex(recs)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := ix.Lookup("b"); !ok || r != recs[1] {
		t.Fatalf("Lookup(b) = %+v, %v", r, ok)
	}
	if _, ok := ix.Lookup("c"); ok {
		t.Fatal("Lookup(c) found a record")
	}
	if _, err := NewIndex(append(recs, Record{"a", 5, 20, 5, 6})); err == nil || !strings.Contains(err.Error(), `duplicate sequence name "a"`) {
		t.Fatalf("NewIndex with duplicate: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("chr1\t248956422\t112\t70\t71\nchrM\t16569\t253105752\t60\t61\n"))
	f.Add([]byte("r1\t10\t4\t10\t11\t19\r\n"))
	f.Add([]byte("a\t-1\t3\t1\t2\n"))
	f.Add([]byte("a\t9223372036854775807\t0\t1\t1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := Parse(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, recs); err != nil {
			t.Fatalf("Write of parsed records: %v", err)
		}
		again, err := Parse(&buf)
		if err != nil {
			t.Fatalf("re-Parse: %v", err)
		}
		if !reflect.DeepEqual(recs, again) {
			t.Fatalf("round trip mismatch: %+v vs %+v", recs, again)
		}
		for _, r := range recs {
			end := r.ByteOffset(r.Length)
			if end < r.Offset {
				t.Fatalf("%+v: end offset %d before start", r, end)
			}
			for _, p := range []int64{0, 1, r.Length / 2, r.Length - 1} {
				if p < 0 || p >= r.Length {
					continue
				}
				off := r.ByteOffset(p)
				if off < r.Offset || off >= end {
					t.Fatalf("%+v: ByteOffset(%d)=%d outside [%d,%d)", r, p, off, r.Offset, end)
				}
			}
			if off, n := r.ByteSpan(0, r.Length); off != r.Offset || off+n != end || n < r.Length {
				t.Fatalf("%+v: ByteSpan(0,Length)=(%d,%d), end %d", r, off, n, end)
			}
		}
	})
}
