package fs

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeStem(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) // 400 bytes
	tests := []struct {
		alias, stem string
	}{
		{"NC_000001.11", "NC_000001.11"},
		{"I Saccharomyces_cerevisiae chromosome:R64-1-1:I:1:230218:1 REF", "I Saccharomyces_cerevisiae chromosome:R64-1-1:I:1:230218:1 REF"},
		{"a/b", "a%2Fb"},
		{"50%", "50%25"},
		{"nul\x00x", "nul%00x"},
		{".", "."},
		{"..", ".."},
		{"", ""},
		{"%2F", "%252F"},
	}
	for _, tt := range tests {
		if got := EscapeStem(tt.alias); got != tt.stem {
			t.Errorf("EscapeStem(%q) = %q, want %q", tt.alias, got, tt.stem)
		}
		for _, k := range listedKinds {
			p, ok := parseName(tt.stem + suffixes[k])
			if !ok || p.alias != tt.alias || p.kind != k || p.long() {
				t.Errorf("parseName(%q) = %+v, %v", tt.stem+suffixes[k], p, ok)
			}
		}
	}
	s := EscapeStem(long)
	if len(s)+len(".fa.dict") > MaxNameLen || !utf8.ValidString(s) || !strings.Contains(s, longMark) {
		t.Fatalf("long stem %q (%d bytes)", s, len(s))
	}
	p, ok := parseName(s + ".fa.fai")
	if !ok || !p.long() || !strings.HasPrefix(long, p.alias) || !p.matches(long) || p.matches(long+"x") {
		t.Fatalf("parseName(long) = %+v, %v", p, ok)
	}
}

func TestParseNameRejects(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"x", "x.fasta", "a/b.fa", "a%2fb.fa", "a%b.fa", "a%.fa", "a%2.fa",
		"a%~0123.fa", "a%~0123456789ABCDEF.fa", strings.Repeat("a", 250) + ".fa",
	} {
		if p, ok := parseName(name); ok {
			t.Errorf("parseName(%q) accepted: %+v", name, p)
		}
	}
	for _, name := range []string{"x.fa", "x.fa.fai", "x.dict", "x.fa.dict", "x.seq", ".fa", "...seq"} {
		if _, ok := parseName(name); !ok {
			t.Errorf("parseName(%q) rejected", name)
		}
	}
}

func TestEscapeDir(t *testing.T) {
	t.Parallel()
	for _, ns := range []string{"NCBI", ".", "..", "a/b", "50%", "MD5"} {
		name := escapeDir(ns)
		if name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
			t.Errorf("escapeDir(%q) = %q", ns, name)
		}
		if got, ok := unescapeDir(name); !ok || got != ns {
			t.Errorf("unescapeDir(%q) = %q, %v", name, got, ok)
		}
	}
	if _, ok := unescapeDir("a%2fb"); ok {
		t.Error("non-canonical dir name accepted")
	}
}

func FuzzEscapeStem(f *testing.F) {
	for _, s := range []string{"NC_1", "a/b", "%", "\x00", strings.Repeat("x/", 200), strings.Repeat("é%", 90)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, alias string) {
		stem := EscapeStem(alias)
		if strings.ContainsAny(stem, "/\x00") || len(stem) > maxStem {
			t.Fatalf("EscapeStem(%q) = %q", alias, stem)
		}
		p, ok := parseName(stem + ".fa")
		if !ok || !p.matches(alias) {
			t.Fatalf("parseName(EscapeStem(%q)) = %+v, %v", alias, p, ok)
		}
		if !p.long() && p.alias != alias {
			t.Fatalf("round trip %q -> %q -> %q", alias, stem, p.alias)
		}
		if p.long() && !strings.HasPrefix(alias, p.alias) {
			t.Fatalf("long prefix %q not a prefix of %q", p.alias, alias)
		}
	})
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"x.fa", "a%2Fb.fa.fai", "a%~0123456789abcdef.seq", "%.dict"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		p, ok := parseName(name)
		if !ok {
			return
		}
		if p.stem+suffixes[p.kind] != name {
			t.Fatalf("parseName(%q): stem %q kind %d", name, p.stem, p.kind)
		}
		if !p.long() && EscapeStem(p.alias) != p.stem {
			t.Fatalf("parseName(%q) accepted non-canonical %q", name, p.alias)
		}
	})
}

func TestFIFOCache(t *testing.T) {
	t.Parallel()
	c := newFIFOCache[int](3)
	for i, k := range []string{"a", "b", "c", "b", "d"} {
		c.put(k, i)
	}
	want := map[string]int{"b": 3, "c": 2, "d": 4}
	for _, k := range []string{"a", "b", "c", "d"} {
		v, ok := c.get(k)
		if w, in := want[k]; ok != in || v != w {
			t.Errorf("get(%s) = %d, %v; want %d, %v", k, v, ok, w, in)
		}
	}
}
