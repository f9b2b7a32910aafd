package fs

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// File kinds served for every alias.
type fileKind int

const (
	kindFasta  fileKind = iota // <alias>.fa
	kindFai                    // <alias>.fa.fai
	kindDict                   // <alias>.dict
	kindFaDict                 // <alias>.fa.dict (lookup only, same content as .dict)
	kindSeq                    // <alias>.seq
	numKinds
)

// suffixes by kind; listed kinds are the first four distinct ones.
var suffixes = [numKinds]string{".fa", ".fa.fai", ".dict", ".fa.dict", ".seq"}

// listedKinds are the files a directory listing shows for every alias
// (.fa.dict resolves on lookup but is not listed, to keep listings short).
var listedKinds = []fileKind{kindFasta, kindFai, kindDict, kindSeq}

// MaxNameLen is the longest file name the kernel accepts.
const MaxNameLen = 255

// maxStem is the longest escaped stem that leaves room for every suffix.
const maxStem = MaxNameLen - len(".fa.dict")

// longMark separates the truncated stem from the hash in a long name.
const longMark = "%~"

// hashLen is the number of hex digits of SHA-256 used in long names.
const hashLen = 16

// EscapeStem returns the file-name stem of an alias; the files are the stem
// plus ".fa", ".fa.fai", ".dict", ".fa.dict" or ".seq". The rule:
//
//   - '%' becomes "%25", '/' becomes "%2F" and NUL becomes "%00"; every other
//     byte (spaces, colons, '|', non-ASCII) stays as it is. "." and ".."
//     need no escape because every name carries a suffix.
//   - If the escaped stem is longer than 247 bytes (255 minus the longest
//     suffix), it is cut to at most 229 bytes (never inside a %XX escape or
//     a UTF-8 character) and "%~" plus the first 16 hex digits of the
//     SHA-256 of the alias are appended.
//
// Names are canonical: a name is served only if it is exactly the stem of
// the alias it decodes to. The FASTA header, .fai and .dict always carry
// the real alias, never the escaped stem.
func EscapeStem(alias string) string {
	e := percentEscape(alias)
	if len(e) <= maxStem {
		return e
	}
	cut := maxStem - len(longMark) - hashLen
	// Do not split a valid UTF-8 character (invalid bytes are cut anywhere).
	for i := cut - 1; i >= 0 && i > cut-utf8.UTFMax; i-- {
		if utf8.RuneStart(e[i]) {
			if r, size := utf8.DecodeRuneInString(e[i:]); r != utf8.RuneError && i+size > cut {
				cut = i
			}
			break
		}
	}
	// Do not split a %XX escape.
	switch {
	case e[cut-1] == '%':
		cut--
	case e[cut-2] == '%':
		cut -= 2
	}
	return e[:cut] + longMark + aliasHash(alias)
}

func aliasHash(alias string) string {
	sum := sha256.Sum256([]byte(alias))
	return hex.EncodeToString(sum[:])[:hashLen]
}

func percentEscape(s string) string {
	if !strings.ContainsAny(s, "%/\x00") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			b.WriteString("%25")
		case '/':
			b.WriteString("%2F")
		case 0:
			b.WriteString("%00")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// percentUnescape reverses percentEscape; ok is false for any '%' that is
// not one of the three escapes (so that every name has one meaning).
func percentUnescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		switch s[i+1 : i+3] {
		case "25":
			b.WriteByte('%')
		case "2F":
			b.WriteByte('/')
		case "00":
			b.WriteByte(0)
		default:
			return "", false
		}
		i += 2
	}
	return b.String(), true
}

// parsedName is a file name split into its parts.
type parsedName struct {
	kind fileKind
	stem string
	// alias is the decoded alias of a short stem; for a long stem it is
	// the decoded prefix and hash is set.
	alias string
	hash  string
}

// long reports whether the name uses the truncated long form.
func (p parsedName) long() bool { return p.hash != "" }

// matches reports whether alias is the alias the name stands for.
func (p parsedName) matches(alias string) bool { return EscapeStem(alias) == p.stem }

// ParseName splits a file name into stem and kind and decodes the stem; ok
// is false for names that no alias produces.
func parseName(name string) (parsedName, bool) {
	var p parsedName
	kind := fileKind(-1)
	// Longest suffix first: ".fa.fai" and ".fa.dict" before ".dict".
	for _, k := range []fileKind{kindFai, kindFaDict, kindFasta, kindDict, kindSeq} {
		if strings.HasSuffix(name, suffixes[k]) {
			kind = k
			break
		}
	}
	if kind < 0 || len(name) > MaxNameLen {
		return p, false
	}
	p.kind = kind
	p.stem = name[:len(name)-len(suffixes[kind])]
	if len(p.stem) > maxStem {
		return p, false
	}
	text := p.stem
	if i := strings.LastIndex(p.stem, longMark); i >= 0 {
		p.hash = p.stem[i+len(longMark):]
		text = p.stem[:i]
		if len(p.hash) != hashLen || strings.Trim(p.hash, "0123456789abcdef") != "" {
			return p, false
		}
	}
	alias, ok := percentUnescape(text)
	if !ok {
		return p, false
	}
	p.alias = alias
	if !p.long() && EscapeStem(alias) != p.stem {
		return p, false
	}
	return p, true
}

// escapeDir returns the directory name of a namespace: the escape rule of
// EscapeStem, plus "." and ".." written as "%2E" and "%2E%2E".
func escapeDir(ns string) string {
	switch ns {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return percentEscape(ns)
}

// unescapeDir reverses escapeDir.
func unescapeDir(name string) (string, bool) {
	switch name {
	case "%2E":
		return ".", true
	case "%2E%2E":
		return "..", true
	}
	ns, ok := percentUnescape(name)
	if !ok || percentEscape(ns) != name {
		return "", false
	}
	return ns, true
}
