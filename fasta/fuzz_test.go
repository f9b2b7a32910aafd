package fasta

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func FuzzReader(f *testing.F) {
	for _, s := range []string{">a\nACGT\n", "x\n>a b\r\nAC\n\n>c\n", "", ">\n", ">a\nA-C\n", "\x1f\x8b\x08\x04"} {
		f.Add([]byte(s))
	}
	f.Add(gz(f, ">a\nACGT\n>b\nNN*\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		defer r.Close()
		for i := 0; i < 1000; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz") && !strings.Contains(err.Error(), "fuzz") {
					t.Fatalf("error does not name the file: %v", err)
				}
				return
			}
			if rec.Name() == "" {
				t.Fatalf("record with empty name from %q", data)
			}
			for _, c := range rec.Seq {
				if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '*') {
					t.Fatalf("bad residue %q accepted", c)
				}
			}
		}
	})
}

func FuzzParseDefline(f *testing.F) {
	f.Add("gi|1|ref|NM_1.1|", "NCBI")
	f.Add("chr1 x", "me")
	f.Add("ENST1", "Ensembl")
	f.Fuzz(func(t *testing.T, hdr, ns string) {
		out, err := ParseDefline(hdr, ns)
		if err != nil {
			return
		}
		if len(out) == 0 {
			t.Fatal("no aliases and no error")
		}
		for _, a := range out {
			if !aliasChars.MatchString(a.Alias) || a.Namespace == "" || a.Namespace == "-" {
				t.Fatalf("invalid alias accepted: %+v", a)
			}
		}
	})
}
