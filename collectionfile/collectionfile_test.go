package collectionfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// Digests of the refget test sequences (refgenie/refget test_fasta).
const (
	seqX = "iYtREV555dUFKg2_agSJW6suquUyPpMw" // TTGGGGAA
	seq1 = "YBbVX0dLKG1ieEDCiMmkrTZFt_Z5Vdaj" // GGAA
	seq2 = "AcLxtBuKEPk_7PGE_H4dGElwZHCujwH6" // GCGC
)

// gzipMembers compresses each part as its own gzip member, as BGZF does.
func gzipMembers(t *testing.T, parts ...string) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		w := gzip.NewWriter(&b)
		if _, err := w.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestRead(t *testing.T) {
	t.Parallel()
	base := ">chrX desc\nTTGG\nggaa\n>chr1\nGGAA\n>chr2\r\nGC\r\nG*C\r\n"
	want := &File{Format: FormatFASTA, Names: []string{"chrX", "chr1", "chr2"}, Lengths: []int64{8, 4, 4}, SeqIDs: []string{seqX, seq1, seq2}}
	dict := "@HD\tVN:1.6\n@SQ\tSN:chrX\tLN:8\tM5:ABCDEF0123456789ABCDEF0123456789\tUR:file:x.fa\n@SQ\tSN:chr1\tLN:4\n"
	wantDict := &File{Format: FormatSAMHeader, Names: []string{"chrX", "chr1"}, Lengths: []int64{8, 4}, MD5s: []string{"abcdef0123456789abcdef0123456789", ""}}
	tests := []struct {
		name string
		data []byte
		want *File
	}{
		{"x.fa", []byte(base), want},
		{"x.txt", []byte("\n" + base), want},
		{"x.fa", []byte("comment before records\n" + base), want},
		{"x.fa.gz", gzipMembers(t, base), want},
		{"x.fa.bgz", gzipMembers(t, base[:20], base[20:]), want},
		{"x.fa", []byte(">chrX\n" + strings.Repeat("TTGG", 0) + "TTGGGGAA"), &File{Format: FormatFASTA, Names: []string{"chrX"}, Lengths: []int64{8}, SeqIDs: []string{seqX}}},
		{"x.fa.fai", []byte("chrX\t8\t6\t4\t5\nchr1\t4\t22\t4\t5\n"), &File{Format: FormatFai, Names: []string{"chrX", "chr1"}, Lengths: []int64{8, 4}}},
		{"x.dict", []byte(dict), wantDict},
		{"x.sam", []byte(dict + "r1\t0\tchrX\t1\t60\t4M\t*\t0\t0\tTTGG\t*\n@SQ\tSN:late\tLN:1\n"), wantDict},
		{"header", []byte(dict), wantDict},
		{"index", []byte("chrX\t8\t6\t4\t5\n"), &File{Format: FormatFai, Names: []string{"chrX"}, Lengths: []int64{8}}},
	}
	for _, tt := range tests {
		got, err := Read(bytes.NewReader(tt.data), tt.name)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		tt.want.Path = tt.name
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestReadLongLine(t *testing.T) {
	t.Parallel()
	seq := strings.Repeat("ACGT", 100_000) // one line longer than the read buffer
	got, err := Read(strings.NewReader(">"+strings.Repeat("n", 70_000)+"\n"+seq+"\n>b\nGGAA"), "long.fa")
	if err != nil {
		t.Fatal(err)
	}
	if got.Lengths[0] != int64(len(seq)) || got.Names[1] != "b" || got.SeqIDs[1] != seq1 || len(got.Names[0]) != 70_000 {
		t.Errorf("long lines: %v %v", got.Lengths, got.SeqIDs)
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, data, want string }{
		{"x.fa", ">a\nACGT\nAC-GT\n", `x.fa:3: record "a": character '-' in column 3 is not a residue`},
		{"x.fa", ">a\nAC\n>\nAC\n", "x.fa:3: FASTA header without a name"},
		{"x.fa", ">a\nAC\n>a\nAC\n", `x.fa: sequence name "a" appears twice`},
		{"x.fa", "no records\n", "x.fa: no FASTA records"},
		{"x.fai", "chrX\t8\t6\t4\n", "x.fai:1: not a .fai index line"},
		{"x.fai", "chrX\t8\t6\t4\t5\nchr1\tx\t22\t4\t5\n", "x.fai:2:"},
		{"x.dict", "@HD\tVN:1.6\n@SQ\tLN:8\n", "x.dict:2: @SQ line without SN"},
		{"x.dict", "@SQ\tSN:a\n", `x.dict:1: @SQ line for "a" without LN`},
		{"x.dict", "@SQ\tSN:a\tLN:-1\n", "x.dict:1: @SQ LN:-1 is not a non-negative integer"},
		{"x.dict", "@SQ\tSN:a\tLN:1\tM5:abc\n", "x.dict:1: @SQ M5:abc is not an MD5"},
		{"x.dict", "@SQ\tSN:a\tLN:1\tjunk\n", `x.dict:1: @SQ field "junk" is not TAG:VALUE`},
		{"x.dict", "@HD\tVN:1.6\n", "x.dict: no @SQ lines"},
		{"empty", "", "empty: empty file"},
		{"x.gz", "\x1f\x8bnot gzip", "x.gz: bad gzip data"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.data), tt.name)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, ErrFormat) {
			t.Errorf("%s %q: error %v, want %q", tt.name, tt.data, err, tt.want)
		}
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "g.fa")
	if err := os.WriteFile(p, []byte(">chrX\nTTGGGGAA\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(p)
	if err != nil || f.Path != p || f.SeqIDs[0] != seqX {
		t.Fatalf("%+v %v", f, err)
	}
	if _, err := ReadFile(p + ".missing"); err == nil || !strings.Contains(err.Error(), "g.fa.missing") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{">a\nACGT\n>b\nGG\n", "a\t4\t3\t4\t5\n", "@SQ\tSN:a\tLN:4\n", ">\n", "@SQ\tSN:a\tLN:x", "\x1f\x8b"} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1))
	}
	names := []string{"f", "f.fa", "f.fai", "f.dict", "f.sam", "f.fa.gz"}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		name := names[int(which)%len(names)]
		got, err := Read(bytes.NewReader(data), name)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(got.Names) == 0 || len(got.Names) != len(got.Lengths) {
			t.Fatalf("%d names, %d lengths", len(got.Names), len(got.Lengths))
		}
		switch got.Format {
		case FormatFASTA:
			if len(got.SeqIDs) != len(got.Names) {
				t.Fatalf("%d names, %d seq_ids", len(got.Names), len(got.SeqIDs))
			}
		case FormatSAMHeader:
			if len(got.MD5s) != len(got.Names) {
				t.Fatalf("%d names, %d MD5s", len(got.Names), len(got.MD5s))
			}
		}
		seen := map[string]bool{}
		for i, n := range got.Names {
			if n == "" || seen[n] || got.Lengths[i] < 0 {
				t.Fatalf("bad record %d %q %d", i, n, got.Lengths[i])
			}
			seen[n] = true
		}
	})
}
