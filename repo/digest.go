package repo

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
)

// Digests holds every content digest SeqRepo derives from a sequence. All are
// computed over the normalised sequence (see Normalize).
type Digests struct {
	SeqID  string // sha512t24u: base64url of the first 24 bytes of SHA-512, 32 chars
	MD5    string // lowercase hex
	SHA1   string // lowercase hex
	SEGUID string // standard base64 of SHA-1, '=' padding removed
}

// VMC returns the VMC alias ("GS_" + seq_id).
func (d Digests) VMC() string { return "GS_" + d.SeqID }

// GA4GH returns the GA4GH identifier without the "ga4gh:" prefix ("SQ." + seq_id).
func (d Digests) GA4GH() string { return "SQ." + d.SeqID }

// Aliases returns the digest aliases SeqRepo stores with every sequence,
// in the order it adds them: VMC, SHA1, MD5, SEGUID (the stored digest
// namespaces, see IsStoredDigestNamespace).
func (d Digests) Aliases() [4]NSAlias {
	return [...]NSAlias{{Namespace: "VMC", Alias: d.VMC()}, {Namespace: "SHA1", Alias: d.SHA1},
		{Namespace: "MD5", Alias: d.MD5}, {Namespace: "SEGUID", Alias: d.SEGUID}}
}

// TRUNC512 returns the refget v1 TRUNC512 digest (48 lowercase hex chars).
func (d Digests) TRUNC512() string { return TRUNC512(d.SeqID) }

// NonAlphaError reports a sequence that contains a character outside A–Z
// after normalisation; Offset is the 0-based position in the input.
type NonAlphaError struct {
	Char   byte
	Offset int
}

func (e *NonAlphaError) Error() string {
	return fmt.Sprintf("normalized sequence contains non-alphabetic character %q at offset %d", e.Char, e.Offset)
}

// ComputeDigests normalises seq the way bioutils does (drop whitespace and
// '*', uppercase, reject anything outside A–Z) and returns its digests. It
// streams over seq without copying it whole.
func ComputeDigests(seq []byte) (Digests, error) {
	var h digester
	h.init()
	if err := h.write(seq, 0); err != nil {
		return Digests{}, err
	}
	return h.sum(), nil
}

// Digester computes Digests incrementally over a sequence fed in pieces, so
// a loader can hash a chromosome while reading it.
type Digester struct {
	d digester
	n int
}

// NewDigester returns a Digester ready for Write.
func NewDigester() *Digester {
	g := &Digester{}
	g.d.init()
	return g
}

// Write feeds more sequence; it fails on a character outside A–Z after
// normalisation, reporting its offset in the whole stream.
func (g *Digester) Write(p []byte) (int, error) {
	if err := g.d.write(p, g.n); err != nil {
		return 0, err
	}
	g.n += len(p)
	return len(p), nil
}

// Sum returns the digests of everything written so far.
func (g *Digester) Sum() Digests { return g.d.sum() }

type digester struct {
	s512, m5, s1 hash.Hash
	buf          [4096]byte
}

func (h *digester) init() {
	h.s512, h.m5, h.s1 = sha512.New(), md5.New(), sha1.New()
}

func (h *digester) write(seq []byte, base int) error {
	n := 0
	flush := func() {
		if n > 0 {
			h.s512.Write(h.buf[:n])
			h.m5.Write(h.buf[:n])
			h.s1.Write(h.buf[:n])
			n = 0
		}
	}
	for i, c := range seq {
		switch {
		case c >= 'A' && c <= 'Z':
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c == '*' || c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f):
			continue
		default:
			return &NonAlphaError{Char: c, Offset: base + i}
		}
		h.buf[n] = c
		n++
		if n == len(h.buf) {
			flush()
		}
	}
	flush()
	return nil
}

func (h *digester) sum() Digests {
	s512 := h.s512.Sum(nil)
	s1 := h.s1.Sum(nil)
	seguid := base64.StdEncoding.EncodeToString(s1)
	for len(seguid) > 0 && seguid[len(seguid)-1] == '=' {
		seguid = seguid[:len(seguid)-1]
	}
	return Digests{
		SeqID:  base64.RawURLEncoding.EncodeToString(s512[:24]),
		MD5:    hex.EncodeToString(h.m5.Sum(nil)),
		SHA1:   hex.EncodeToString(s1),
		SEGUID: seguid,
	}
}

// TRUNC512 converts a sha512t24u seq_id to its 48-hex TRUNC512 form. It
// returns "" if seqID is not valid base64url of 24 bytes.
func TRUNC512(seqID string) string {
	b, err := base64.RawURLEncoding.DecodeString(seqID)
	if err != nil || len(b) != 24 {
		return ""
	}
	return hex.EncodeToString(b)
}

// SeqIDFromTRUNC512 converts 48 hex chars (any case) to the seq_id.
func SeqIDFromTRUNC512(h string) (string, bool) {
	if len(h) != 48 {
		return "", false
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(b), true
}

// Alphabet returns SeqRepo's alpha column for a stored sequence: its
// distinct bytes in ascending order.
func Alphabet(seq []byte) string {
	var a AlphabetSet
	a.Add(seq)
	return a.String()
}

// AlphabetSet accumulates the alphabet of a sequence fed in pieces.
type AlphabetSet struct{ seen [256]bool }

// Add records the bytes of p.
func (a *AlphabetSet) Add(p []byte) {
	for _, c := range p {
		a.seen[c] = true
	}
}

// String returns the sorted distinct bytes seen.
func (a *AlphabetSet) String() string {
	out := make([]byte, 0, 32)
	for c := range 256 {
		if a.seen[c] {
			out = append(out, byte(c))
		}
	}
	return string(out)
}
