package seqrepo

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/seqfs/seqfs/repo"
)

// digests checks the stored bytes (letters and '*') and computes the
// digests of the normalised sequence (upper-cased, '*' removed) with the
// three hashes running in parallel, plus the alphabet of the stored bytes.
func (w *Writer) digests(seq []byte) (repo.Digests, string, error) {
	var seen [256]bool
	normalized := true
	for i, c := range seq {
		if !seen[c] {
			switch {
			case c >= 'A' && c <= 'Z':
			case c >= 'a' && c <= 'z' || c == '*':
				normalized = false
			default:
				return repo.Digests{}, "", fmt.Errorf("sequence byte %d is %q: only letters and '*' can be stored", i, c)
			}
			seen[c] = true
		}
	}
	var alpha []byte
	for c := range 256 {
		if seen[c] {
			alpha = append(alpha, byte(c))
		}
	}
	norm := seq
	if !normalized {
		norm = w.normBuf[:0]
		for _, c := range seq {
			switch {
			case c == '*':
			case c >= 'a' && c <= 'z':
				norm = append(norm, c-('a'-'A'))
			default:
				norm = append(norm, c)
			}
		}
		w.normBuf = norm
	}
	var s512, s1 []byte
	var m5 [16]byte
	if len(norm) < 1<<20 {
		h := sha512.Sum512(norm)
		s512 = h[:]
		h1 := sha1.Sum(norm)
		s1 = h1[:]
		m5 = md5.Sum(norm)
	} else {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); h := sha512.Sum512(norm); s512 = h[:] }()
		go func() { defer wg.Done(); h := sha1.Sum(norm); s1 = h[:] }()
		m5 = md5.Sum(norm)
		wg.Wait()
	}
	d := repo.Digests{
		SeqID:  base64.RawURLEncoding.EncodeToString(s512[:24]),
		MD5:    hex.EncodeToString(m5[:]),
		SHA1:   hex.EncodeToString(s1),
		SEGUID: base64.RawStdEncoding.EncodeToString(s1),
	}
	return d, string(alpha), nil
}
