package bgzf

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// gziBytes encodes a raw .gzi with count n and the given (c, u) pairs.
func gziBytes(n uint64, pairs ...uint64) []byte {
	b := binary.LittleEndian.AppendUint64(nil, n)
	for _, v := range pairs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

func TestParseGZI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []byte
		want    GZI
		wantErr string
	}{
		{name: "single block", in: make([]byte, 8), want: GZI{{}}},
		{name: "bgzip empty input", in: bytes.Repeat([]byte{0xff}, 8), want: GZI{{}}},
		{name: "two entries", in: gziBytes(2, 100, 65280, 200, 130560), want: GZI{{}, {100, 65280}, {200, 130560}}},
		{name: "empty block allowed", in: gziBytes(2, 100, 65280, 128, 65280), want: GZI{{}, {100, 65280}, {128, 65280}}},
		{name: "too short", in: []byte{1, 2, 3}, wantErr: "too short"},
		{name: "count too big", in: gziBytes(2, 100, 65280), wantErr: "header says 2 entries but 16 bytes follow"},
		{name: "count too small", in: gziBytes(0, 100, 65280), wantErr: "header says 0 entries"},
		{name: "partial entry", in: append(gziBytes(1, 100, 65280), 0), wantErr: "17 bytes follow"},
		{name: "huge count", in: gziBytes(1 << 62), wantErr: "header says 4611686018427387904 entries"},
		{name: "compressed not increasing", in: gziBytes(2, 100, 10, 100, 20), wantErr: "entry 2: compressed offset 100 does not increase"},
		{name: "zero compressed", in: gziBytes(1, 0, 10), wantErr: "entry 1: compressed offset 0 does not increase"},
		{name: "uncompressed decreasing", in: gziBytes(2, 100, 20, 200, 10), wantErr: "entry 2: uncompressed offset 10 decreases"},
		{name: "offset too large", in: gziBytes(1, 1<<63, 10), wantErr: "exceeds 2^63-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseGZI(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseGZI error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseGZI = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGZIMarshalRealFiles(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../testdata/*/*/sequences/*/*/*/*.gzi")
	if len(files) == 0 {
		t.Fatal("no .gzi test data under ../testdata (it is part of the repository)")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseGZI(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out, err := g.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, data) {
			t.Errorf("%s: MarshalBinary differs from the file", f)
		}
	}
}

func TestGZIMarshalErrors(t *testing.T) {
	t.Parallel()
	for _, g := range []GZI{nil, {{1, 0}}, {{}, {5, 5}, {5, 6}}, {{}, {5, 5}, {6, 4}}} {
		if _, err := g.MarshalBinary(); err == nil {
			t.Errorf("MarshalBinary(%v) succeeded", g)
		}
	}
	out, err := GZI{{}}.MarshalBinary()
	if err != nil || !bytes.Equal(out, make([]byte, 8)) {
		t.Fatalf("single block: %x, %v", out, err)
	}
}

func TestLocate(t *testing.T) {
	t.Parallel()
	g := GZI{{0, 0}, {100, 10}, {200, 20}, {228, 20}, {300, 30}}
	tests := []struct {
		uoff uint64
		want int
	}{
		{0, 0}, {9, 0}, {10, 1}, {19, 1}, {20, 3}, {29, 3}, {30, 4}, {1 << 40, 4},
	}
	for _, tt := range tests {
		if got := g.Locate(tt.uoff); got != tt.want {
			t.Errorf("Locate(%d) = %d, want %d", tt.uoff, got, tt.want)
		}
	}
	if got := (GZI{}).Locate(5); got != 0 {
		t.Errorf("empty Locate = %d", got)
	}
	if got := (GZI{{}}).Locate(5); got != 0 {
		t.Errorf("single Locate = %d", got)
	}
}

func FuzzParseGZI(f *testing.F) {
	f.Add(make([]byte, 8))
	f.Add(bytes.Repeat([]byte{0xff}, 8))
	f.Add(gziBytes(2, 100, 65280, 200, 130560))
	f.Add(gziBytes(2, 100, 20, 200, 10))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGZI(data)
		if err != nil {
			return
		}
		if len(g) == 0 || g[0] != (Block{}) {
			t.Fatalf("parsed index %v lacks the first block", g)
		}
		out, err := g.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of parsed index: %v", err)
		}
		again, err := ParseGZI(out)
		if err != nil || !reflect.DeepEqual(g, again) {
			t.Fatalf("round trip: %v vs %v (%v)", g, again, err)
		}
		if len(data) > 8 && !bytes.Equal(out, data) {
			t.Fatalf("MarshalBinary does not reproduce the input")
		}
		for i, b := range g {
			if got := g.Locate(b.Uncompressed); g[got].Uncompressed != b.Uncompressed || got < i {
				t.Fatalf("Locate(%d) = %d, entry %d", b.Uncompressed, got, i)
			}
		}
	})
}
