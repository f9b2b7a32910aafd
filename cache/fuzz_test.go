package cache

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

func FuzzDecodeEntry(f *testing.F) {
	f.Add(encodeEntry(kindBlock, "block\x00k", []byte("ACGT")), "block\x00k")
	f.Add(encodeEntry(kindBlock, "", nil), "")
	f.Add([]byte(entryMagic), "x")
	f.Fuzz(func(t *testing.T, b []byte, key string) {
		p, err := decodeEntry(b, kindBlock, key)
		if err != nil {
			if !errors.Is(err, errEntry) {
				t.Fatalf("error %v does not match errEntry", err)
			}
			return
		}
		// Anything accepted must be exactly what encodeEntry makes.
		if !bytes.Equal(encodeEntry(kindBlock, key, p), b) {
			t.Fatalf("accepted an entry that does not re-encode identically")
		}
	})
}

func FuzzDecodeInfo(f *testing.F) {
	f.Add(encodeInfo(repo.Info{SeqID: "abc", Length: 10, Alphabet: "ACGT", Added: time.Unix(1e9, 0).UTC()}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := decodeInfo(b)
		if err != nil {
			return
		}
		if info.Length < 0 {
			t.Fatalf("negative length accepted")
		}
		if got, err := decodeInfo(encodeInfo(info)); err != nil || got != info {
			t.Fatalf("round trip: %+v, %v; want %+v", got, err, info)
		}
	})
}

func FuzzDecodeAliases(f *testing.F) {
	f.Add(encodeAliases(aliasResult{fetched: time.Unix(5, 0), recs: []repo.Alias{
		{SeqID: "s", Namespace: "NCBI", Alias: "NC_1", Added: time.Unix(1, 0), Current: true},
		{SeqID: "s", Namespace: "test", Alias: "a b:c"},
	}}))
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeAliases(b)
		if err != nil {
			return
		}
		again, err := decodeAliases(encodeAliases(r))
		if err != nil || len(again.recs) != len(r.recs) || !again.fetched.Equal(r.fetched) {
			t.Fatalf("round trip failed: %v", err)
		}
		for i := range r.recs {
			a, b := r.recs[i], again.recs[i]
			if a.SeqID != b.SeqID || a.Namespace != b.Namespace || a.Alias != b.Alias || a.Current != b.Current || !a.Added.Equal(b.Added) {
				t.Fatalf("record %d: %+v != %+v", i, a, b)
			}
		}
	})
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"10G", "1.5GiB", "512mb", "0", "4096", "1e3", "-1", "K", "9999999P", " 7 k "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
	})
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"4096", 4096, true},
		{"10G", 10 << 30, true},
		{"10g", 10 << 30, true},
		{"10GB", 10 << 30, true},
		{"10GiB", 10 << 30, true},
		{"1.5M", 3 << 19, true},
		{"512KiB", 512 << 10, true},
		{"2T", 2 << 40, true},
		{"100B", 100, true},
		{" 7k ", 7 << 10, true},
		{"", 0, false},
		{"G", 0, false},
		{"-1G", 0, false},
		{"1e3", 0, false},
		{"5iB", 0, false},
		{"ten", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"99999999999P", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestEntryErrors(t *testing.T) {
	t.Parallel()
	good := encodeEntry(kindInfo, "info\x00k", []byte("payload"))
	mod := func(f func([]byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		buf  []byte
		kind uint16
		key  string
		want string
	}{
		{"good", good, kindInfo, "info\x00k", ""},
		{"truncated header", good[:10], kindInfo, "info\x00k", "truncated header"},
		{"truncated payload", good[:len(good)-1], kindInfo, "info\x00k", "header says"},
		{"extra byte", append(bytes.Clone(good), 0), kindInfo, "info\x00k", "header says"},
		{"magic", mod(func(b []byte) []byte { b[0] = 'X'; return b }), kindInfo, "info\x00k", "magic"},
		{"version", mod(func(b []byte) []byte { b[8] = 9; return b }), kindInfo, "info\x00k", "version"},
		{"kind", good, kindBlock, "info\x00k", "kind"},
		{"key", good, kindInfo, "info\x00j", "holds key"},
		{"payload bit", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), kindInfo, "info\x00k", "checksum"},
		{"huge length", mod(func(b []byte) []byte { b[23] = 0x7f; return b }), kindInfo, "info\x00k", "implausible"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodeEntry(tc.buf, tc.kind, tc.key)
			if tc.want == "" {
				if err != nil || string(p) != "payload" {
					t.Fatalf("decode = %q, %v", p, err)
				}
				return
			}
			if err == nil || !errors.Is(err, errEntry) || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("decode error %v; want one mentioning %q", err, tc.want)
			}
		})
	}
}
