package fasta

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
)

type rec struct {
	hdr  string
	line int
	seq  string
}

func readAll(t testing.TB, r *Reader) ([]rec, error) {
	t.Helper()
	var out []rec
	for {
		x, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec{x.Header, x.Line, string(x.Seq)})
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ACGT", 300000) // one 1.2 MB line
	tests := []struct {
		name    string
		in      string
		want    []rec
		wantErr string // substring; "" = no error
	}{
		{"simple", ">a desc\nACGT\nAC\n>b\nMKV*\n", []rec{{"a desc", 1, "ACGTAC"}, {"b", 4, "MKV*"}}, ""},
		{"crlf and junk before", "junk line\r\n>x \t\r\n acgt \r\nNN\r\n", []rec{{"x", 2, "acgtNN"}}, ""},
		{"no final newline", ">x\nAC", []rec{{"x", 1, "AC"}}, ""},
		{"empty sequence", ">x\n>y\nA\n", []rec{{"x", 1, ""}, {"y", 2, "A"}}, ""},
		{"blank lines", ">x\n\nAC\n\n", []rec{{"x", 1, "AC"}}, ""},
		{"long line", ">x\n" + long + "\n", []rec{{"x", 1, long}}, ""},
		{"empty file", "", nil, "t.fa: empty file"},
		{"no header", "ACGT\nACGT\n", nil, "no FASTA record"},
		{"digit", ">x\nAC\nAC1T\n", nil, `t.fa:3: record "x": invalid residue '1'`},
		{"dash", ">x y\nAC-T\n", nil, `t.fa:2: record "x": invalid residue '-' (only letters and '*' are allowed) at column 3`},
		{"inner space", ">x\nAC GT\n", nil, "whitespace inside a sequence line"},
		{"binary", ">x\nAC\x00T\n", nil, "not a text file: byte 0x00"},
		{"binary header", "\x00\x01\x02", nil, "not a text file"},
		{"utf8 in the name", ">x\u00e9\nAC\n", nil, "not a text file: byte 0xc3 at column 3"},
		{"utf8 description", ">u1 caf\u00e9\nAC\n>u2 \u00e9 x\nG\n", []rec{{"u1 caf\u00e9", 1, "AC"}, {"u2 \u00e9 x", 3, "G"}}, ""},
		{"latin-1 description", ">u1 caf\xe9\nAC\n", []rec{{"u1 caf\xe9", 1, "AC"}}, ""},
		{"control byte in a description", ">u1 a\x01b\nAC\n", nil, "not a text file: byte 0x01"},
		{"utf8 in a line before the first header", "caf\u00e9\n>x\nAC\n", nil, "not a text file"},
		{"empty header", ">\nAC\n", nil, "empty FASTA header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewReader(strings.NewReader(tc.in), "t.fa")
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want containing %q", err, tc.wantErr)
				}
				if !errors.Is(err, ErrFormat) {
					t.Errorf("error %v does not match ErrFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d records, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("record %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func gz(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func TestOpenCompressed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const text = ">a\nACGT\n>b\nGG\n"
	plain := filepath.Join(dir, "x.fa")
	os.WriteFile(plain, []byte(text), 0o644)
	gzPath := filepath.Join(dir, "x.fa.gz")
	os.WriteFile(gzPath, gz(t, text), 0o644)
	fakeBGZ := filepath.Join(dir, "fake.fa.bgz")
	os.WriteFile(fakeBGZ, gz(t, text), 0o644)
	plainBGZ := filepath.Join(dir, "plain.fa.bgz")
	os.WriteFile(plainBGZ, []byte(text), 0o644)
	bgzip := testutil.RequireTool(t, "bgzip")
	realBGZ := filepath.Join(dir, "real.fa.bgz")
	out, err := exec.Command(bgzip, "-c", plain).Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(realBGZ, out, 0o644)

	for _, tc := range []struct {
		path, wantErr string
	}{
		{plain, ""}, {gzPath, ""}, {realBGZ, ""},
		{fakeBGZ, "gzip but not BGZF"},
		{plainBGZ, "not gzip at all"},
		{filepath.Join(dir, "missing.fa"), "no such file"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			t.Parallel()
			r, err := Open(tc.path)
			if err == nil {
				defer r.Close()
				var got []rec
				got, err = readAll(t, r)
				if err == nil && (len(got) != 2 || got[0].seq != "ACGT" || got[1].seq != "GG") {
					t.Fatalf("got %+v", got)
				}
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestTruncatedGzip(t *testing.T) {
	t.Parallel()
	b := gz(t, ">a\n"+strings.Repeat("ACGT", 10000)+"\n")
	r, err := NewReader(bytes.NewReader(b[:len(b)/2]), "cut.fa.gz")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, r); err == nil || !strings.Contains(err.Error(), "cut.fa.gz") {
		t.Fatalf("err = %v, want an error naming the file", err)
	}
}

func TestParseDefline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hdr, ns string
		want    []repo.NSAlias
		wantErr string
	}{
		{"NM_000551.3 VHL", "NCBI", []repo.NSAlias{nsa("NCBI", "NM_000551.3")}, ""},
		{"gi|119395733|ref|NM_000059.3| Homo sapiens", "test", []repo.NSAlias{nsa("refseq", "NM_000059.3")}, ""},
		{"ref|NC_1.1|ref|NC_2.2|", "x", []repo.NSAlias{nsa("refseq", "NC_1.1"), nsa("refseq", "NC_2.2")}, ""},
		{"U14680.1\tHomo sapiens", "test", []repo.NSAlias{nsa("test", "U14680.1")}, ""},
		{"chr1", "me", []repo.NSAlias{nsa("me", "chr1")}, ""},
		{"u1 caf\u00e9", "me", []repo.NSAlias{nsa("me", "u1")}, ""},
		{"caf\u00e9 u1", "me", nil, "contains characters outside"},
		{"a+b-c_d./e", "me", []repo.NSAlias{nsa("me", "a+b-c_d./e")}, ""},
		{"NM_000551", "NCBI", nil, "must be versioned"},
		{"gi|1|ref|NM_1|", "x", nil, "must be versioned"},
		{"ENST0001", "Ensembl", nil, "must be versioned"},
		{"ENST0001.2", "Ensembl", []repo.NSAlias{nsa("Ensembl", "ENST0001.2")}, ""},
		{"foo", "Ensembl", []repo.NSAlias{nsa("Ensembl", "foo")}, ""},
		{"a:b", "me", nil, "contains characters outside"},
		{"a#b", "me", nil, "contains characters outside"},
		{"x", "-", nil, "not allowed"},
		{"x", "", nil, "namespace is empty"},
		{"x", "a:b", nil, "contains ':'"},
		{"", "me", nil, "empty defline"},
	}
	for _, tc := range tests {
		got, err := ParseDefline(tc.hdr, tc.ns)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseDefline(%q, %q) err = %v, want %q", tc.hdr, tc.ns, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("ParseDefline(%q, %q) = %v, %v; want %v", tc.hdr, tc.ns, got, err, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseDefline(%q, %q)[%d] = %v, want %v", tc.hdr, tc.ns, i, got[i], tc.want[i])
			}
		}
	}
}

func nsa(ns, alias string) repo.NSAlias { return repo.NSAlias{Namespace: ns, Alias: alias} }
