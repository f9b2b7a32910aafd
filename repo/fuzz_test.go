package repo_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// FuzzCandidates checks that Candidates never panics, is deterministic,
// and keeps its structural promises for every style.
func FuzzCandidates(f *testing.F) {
	for _, s := range []string{
		"", ":", "::", "NM_000551.3", "refseq:NM_000551.3", "ga4gh:SQ." + phixSeqID, "SQ." + phixSeqID,
		phixMD5, "md5:" + phixMD5, repo.TRUNC512(phixSeqID), "trunc512:" + repo.TRUNC512(phixSeqID),
		"3332ed72", "3332ed720", "P12345", "ENST00000530893.6", "test:I chromosome:R64-1-1:I:1:230218:1 REF",
		"ros%", "ga4gh:", "ga4gh:S", "\xff\xfe:\x00", "sha512t24u:x",
	} {
		f.Add(s, "", uint8(0))
		f.Add(s, "NCBI", uint8(1))
		f.Add(s, "", uint8(2))
	}
	f.Fuzz(func(t *testing.T, id, ns string, st uint8) {
		style := repo.Style(st % 3)
		c1, err1 := repo.Candidates(id, ns, style)
		c2, err2 := repo.Candidates(id, ns, style)
		if !reflect.DeepEqual(c1, c2) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("Candidates(%q, %q, %d) not deterministic: %v %v / %v %v", id, ns, style, c1, err1, c2, err2)
		}
		if err1 != nil {
			var ie *repo.IdentifierError
			if !errors.As(err1, &ie) || ie.ID != id || !errors.Is(err1, repo.ErrNotFound) {
				t.Fatalf("Candidates(%q) error %v is not an *IdentifierError naming the id", id, err1)
			}
			if ns != "" || style == repo.StyleSeqRepo {
				t.Fatalf("Candidates(%q, %q, %d) failed: %v", id, ns, style, err1)
			}
			return
		}
		if len(c1) == 0 {
			t.Fatalf("Candidates(%q, %q, %d) returned nothing", id, ns, style)
		}
		if ns != "" {
			if want := []repo.Candidate{{Namespace: ns, Alias: id}}; !reflect.DeepEqual(c1, want) {
				t.Fatalf("Candidates(%q, %q) = %v, want %v", id, ns, c1, want)
			}
		}
		if ns == "" && style == repo.StyleSeqRepo {
			if last := c1[len(c1)-1]; last != (repo.Candidate{Alias: id}) {
				t.Fatalf("Candidates(%q) does not end with the any-namespace query: %v", id, c1)
			}
		}
		for _, c := range c1 {
			_ = c.Query() // must not panic
		}
	})
}

// likeRef is a reference LIKE matcher built on regexp: '%' → .*, '_' → .,
// ASCII letters as a two-letter class, everything else literal.
func likeRef(pattern, s string) bool {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for _, r := range pattern {
		switch {
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
			b.WriteString("[" + lo + up + "]")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String()).MatchString(s)
}

// FuzzLike checks Like against likeRef. Invalid UTF-8 is compared after
// mapping each bad byte to U+FFFD, as Like does.
func FuzzLike(f *testing.F) {
	for _, c := range [][2]string{
		{"NM_%", "nm1234"}, {"a%b%c", "aXbYc"}, {"%a%a%a", "aa"}, {"_", "ä"}, {"é", "É"},
		{"", ""}, {"%", ""}, {`a\%`, `a\b`}, {"[a]", "a"}, {"%_%_", "ab"}, {"x\xffy", "X\xffY"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 256 {
			return // keep the regexp reference fast
		}
		got := repo.Like(pattern, s)
		want := likeRef(string([]rune(pattern)), string([]rune(s)))
		if got != want {
			t.Fatalf("Like(%q, %q) = %v, reference says %v", pattern, s, got, want)
		}
	})
}

// refDigests hashes the normalised sequence with the standard library
// directly, independently of the package's streaming code.
func refDigests(seq []byte) (repo.Digests, bool) {
	var norm []byte
	for _, c := range seq {
		switch {
		case c == '*' || c == ' ' || (c >= '\t' && c <= '\r'):
		case c >= 'a' && c <= 'z':
			norm = append(norm, c-32)
		case c >= 'A' && c <= 'Z':
			norm = append(norm, c)
		default:
			return repo.Digests{}, false
		}
	}
	s512 := sha512.Sum512(norm)
	s1 := sha1.Sum(norm)
	m5 := md5.Sum(norm)
	return repo.Digests{
		SeqID:  base64.RawURLEncoding.EncodeToString(s512[:24]),
		MD5:    hex.EncodeToString(m5[:]),
		SHA1:   hex.EncodeToString(s1[:]),
		SEGUID: base64.RawStdEncoding.EncodeToString(s1[:]),
	}, true
}

// FuzzComputeDigests checks that a Digester fed the sequence in random
// pieces equals ComputeDigests (digests, or the same error and offset), and
// that both agree with a direct standard-library computation.
func FuzzComputeDigests(f *testing.F) {
	f.Add([]byte("ACGT"), []byte{1, 2})
	f.Add([]byte("acgt\nACGT*\r\n"), []byte{0, 5, 1})
	f.Add([]byte("AC-GT"), []byte{3})
	f.Add([]byte(strings.Repeat("SMELLASSWEET", 500)), []byte{200, 7, 255, 0, 31})
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, seq, splits []byte) {
		whole, errWhole := repo.ComputeDigests(seq)
		g := repo.NewDigester()
		var errStream error
		rest := seq
		for i := 0; len(rest) > 0 && errStream == nil; i++ {
			n := len(rest)
			if i < len(splits) {
				n = min(n, int(splits[i])*int(splits[i])%(len(rest)+1))
			}
			if _, errStream = g.Write(rest[:n]); errStream == nil {
				rest = rest[n:]
			}
		}
		ref, ok := refDigests(seq)
		if ok != (errWhole == nil) {
			t.Fatalf("ComputeDigests(%q) error = %v, reference ok = %v", seq, errWhole, ok)
		}
		if errWhole != nil {
			var a, b *repo.NonAlphaError
			if !errors.As(errWhole, &a) || !errors.As(errStream, &b) || *a != *b {
				t.Fatalf("errors differ: whole %v, streamed %v", errWhole, errStream)
			}
			if a.Offset < 0 || a.Offset >= len(seq) || seq[a.Offset] != a.Char {
				t.Fatalf("NonAlphaError %+v does not point at the bad byte of %q", *a, seq)
			}
			return
		}
		if errStream != nil {
			t.Fatalf("streamed error %v but ComputeDigests succeeded", errStream)
		}
		if got := g.Sum(); got != whole {
			t.Fatalf("streamed %+v != whole %+v", got, whole)
		}
		if whole != ref {
			t.Fatalf("ComputeDigests %+v != reference %+v", whole, ref)
		}
	})
}

// FuzzParseSeqcol checks that ParseSeqcol never panics, that what it
// accepts round-trips through its level-2 JSON, and that a collection
// compared with itself is identical in every array.
func FuzzParseSeqcol(f *testing.F) {
	id := "SQ.iYtREV555dUFKg2_agSJW6suquUyPpMw"
	for _, s := range []string{
		`{"names":["a"],"lengths":[8],"sequences":["` + id + `"]}`,
		`{"names":["a","b"],"lengths":[8,9],"sequences":["` + id + `","` + id + `"],"x":[{"b":1,"a":[2]}]}`,
		`{"names":[],"lengths":[],"sequences":[]}`, `{}`, `[]`, `null`, `{"names":["\u2028"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := repo.ParseSeqcol(data)
		if err != nil {
			if !errors.Is(err, repo.ErrBadSeqcol) {
				t.Fatalf("error %v does not match ErrBadSeqcol", err)
			}
			return
		}
		back, err := repo.ParseSeqcol(s.Level2JSON())
		if err != nil {
			t.Fatalf("level 2 %s does not parse: %v", s.Level2JSON(), err)
		}
		if string(back.Level1JSON()) != string(s.Level1JSON()) {
			t.Fatalf("round trip changed level 1: %s vs %s", back.Level1JSON(), s.Level1JSON())
		}
		r := repo.CompareSeqcols(s, s)
		for attr, n := range r.ArrayElements.ACount {
			if r.ArrayElements.AAndBCount[attr] != n {
				t.Fatalf("%s: %d of %d shared with itself", attr, r.ArrayElements.AAndBCount[attr], n)
			}
		}
	})
}
