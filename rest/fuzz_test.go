package rest

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-0", "bytes=10-19", "bytes=-10", "bytes=10-", "bytes=1-2,3-4", "units=1-2", "bytes==1-2", "bytes=99999999999999999999-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		br, err := ParseRange(h)
		if err != nil {
			if !strings.Contains(err.Error(), "Range") {
				t.Errorf("error %q does not say what failed", err)
			}
			return
		}
		if br.First < 0 || br.Last < 0 || br.Open && br.Suffix {
			t.Fatalf("bad range %+v from %q", br, h)
		}
		// Accepted headers are exactly bytes=<digits>-<digits>, with at
		// most one side empty.
		spec := strings.TrimPrefix(h, "bytes=")
		a, b, _ := strings.Cut(spec, "-")
		if a == "" && b == "" {
			t.Fatalf("accepted %q", h)
		}
		for _, part := range []string{a, b} {
			if strings.Trim(part, "0123456789") != "" {
				t.Fatalf("accepted %q", h)
			}
		}
		if n, err := strconv.ParseInt(a, 10, 64); err == nil && n != br.First {
			t.Fatalf("first %d, want %d", br.First, n)
		}
		if first, last, ok := br.Bounds(1000); ok && (first < 0 || last >= 1000 || first > last) {
			t.Fatalf("Bounds(1000) of %q = %d-%d", h, first, last)
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"start=1&end=2", "start=%zz", "a=b&start=&end", "&&start=1&start=2", "end=%31%32"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseQuery(raw)
		if err != nil {
			return
		}
		if !q.hasStart && q.start != "" || !q.hasEnd && q.end != "" {
			t.Fatalf("value without flag: %+v", q)
		}
	})
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "text/plain", "*/*;q=0", "text/*, application/json;q=0.5", ",,;", "text/vnd.ga4gh.refget.v1.0.0+plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		i := negotiate(h, plainOffers)
		if i < -1 || i >= len(plainOffers) {
			t.Fatalf("negotiate(%q) = %d", h, i)
		}
	})
}

func FuzzEncodeJSON(f *testing.F) {
	for _, s := range []string{"abc", "é😀", "\x00\x1f\u2028", "\xff\xfe", `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := encodeJSON(map[string]any{"k": s})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range b {
			if c >= utf8.RuneSelf {
				t.Fatalf("non-ASCII byte in %q", b)
			}
		}
		var back map[string]string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("output %q does not parse: %v", b, err)
		}
		if utf8.ValidString(s) && back["k"] != s {
			t.Fatalf("round trip %q -> %q", s, back["k"])
		}
	})
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c", "\x00\x1f\n", "é😀", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q -> %q does not parse: %v", s, b, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("round trip %q -> %q", s, back)
		}
	})
}
