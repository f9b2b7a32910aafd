package refget

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzParseMetadata(f *testing.F) {
	f.Add(`{"metadata":{"md5":"3332ed720ac7eaa9b3655c06f6b9e196","ga4gh":"SQ.`+sid+`","length":5386,"aliases":[{"alias":"x","naming_authority":"refseq"}]}}`, true)
	f.Add(`{"added":"2016-08-24T05:03:11Z","aliases":["VMC:GS_`+sid+`","refseq:X"],"alphabet":"ACGT","length":4560}`, false)
	f.Add(`{"metadata":{"trunc512":"2085c82d80500a91dd0b8aa9237b0e43f1c07809bd6e6785","length":1}}`, true)
	f.Fuzz(func(t *testing.T, body string, v2 bool) {
		var p protocol = seqrepoREST{}
		if v2 {
			p = refgetV2{}
		}
		m, err := p.parseMetadata([]byte(body))
		if err != nil {
			return
		}
		if !validSeqID(m.SeqID) || m.Length < 0 {
			t.Fatalf("accepted metadata with seq_id %q length %d", m.SeqID, m.Length)
		}
		for i, a := range m.Aliases {
			if a.SeqID != m.SeqID || a.Namespace == "" || a.Alias == "" || !a.Current {
				t.Fatalf("bad record %+v", a)
			}
			if i > 0 && (m.Aliases[i-1].Namespace > a.Namespace || (m.Aliases[i-1].Namespace == a.Namespace && m.Aliases[i-1].Alias >= a.Alias)) {
				t.Fatalf("records not sorted/unique: %v", m.Aliases)
			}
			if a.Namespace == "refseq" || a.Namespace == "ga4gh" || a.Namespace == "sha512t24u" {
				t.Fatalf("API namespace kept: %+v", a)
			}
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "Mon, 01 Jan 2024 00:00:05 GMT", "-5", "1e9"} {
		f.Add(s)
	}
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("parseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

func FuzzOpen(f *testing.F) {
	for _, s := range []string{"refget+https://h/b", "seqrepo+http://h:5000/seqrepo?timeout=1s", "refget+http://h?attempts=x", "refget+http://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		s, err := Open(t.Context(), u)
		if err != nil {
			return
		}
		defer s.Close()
		if !strings.HasPrefix(s.base, "http://") && !strings.HasPrefix(s.base, "https://") {
			t.Fatalf("Open(%q): base %q", raw, s.base)
		}
		if s.c.opts.Attempts < 1 || s.c.opts.Timeout <= 0 {
			t.Fatalf("Open(%q): options %+v", raw, s.c.opts)
		}
		// URLs built from any id stay parseable and under the base.
		for _, id := range []string{"a b/c?d#e%", "test:x"} {
			for _, p := range []protocol{refgetV2{}, seqrepoREST{}} {
				v, err := url.Parse(p.metadataURL(s.base, id))
				if err != nil || v.Host != u.Host {
					t.Fatalf("metadata URL for %q under %q: %v, %v", id, s.base, v, err)
				}
			}
		}
	})
}
