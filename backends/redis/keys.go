package redis

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// formatVersion is the value of the P:format key this code reads and writes.
const formatVersion = "seqfs-redis 1"

// sep separates the fields of a set member or hash field.
const sep = "\x00"

// keys builds the key names under one prefix.
type keys struct{ p string }

func (k keys) format() string          { return k.p + ":format" }
func (k keys) namespaces() string      { return k.p + ":namespaces" }
func (k keys) seqs() string            { return k.p + ":seqs" }
func (k keys) ns(ns string) string     { return k.p + ":ns:{" + ns + "}" }
func (k keys) nsHist(ns string) string { return k.p + ":nshist:{" + ns + "}" }
func (k keys) info(id string) string   { return k.p + ":seq:{" + id + "}:info" }
func (k keys) aliases(id string) string {
	return k.p + ":seq:{" + id + "}:aliases"
}
func (k keys) hist(id string) string { return k.p + ":seq:{" + id + "}:hist" }
func (k keys) part(id string, psize, n int64) string {
	return k.p + ":seq:{" + id + "}:" + strconv.FormatInt(psize, 10) + ":" + strconv.FormatInt(n, 10)
}

// formatTime encodes a timestamp as Unix seconds, with nanoseconds after a
// dot when there are any.
func formatTime(t time.Time) string {
	s := strconv.FormatInt(t.Unix(), 10)
	if ns := t.Nanosecond(); ns != 0 {
		s += "." + fmt.Sprintf("%09d", ns)
	}
	return s
}

// parseTime decodes formatTime's encoding; the result is in UTC.
func parseTime(s string) (time.Time, error) {
	secs, frac, hasFrac := strings.Cut(s, ".")
	if secs == "" || (secs[0] == '+') {
		return time.Time{}, fmt.Errorf("bad timestamp %q", s)
	}
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad timestamp %q", s)
	}
	var nsec int64
	if hasFrac {
		if len(frac) != 9 || strings.IndexFunc(frac, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return time.Time{}, fmt.Errorf("bad timestamp %q: fraction must be 9 digits", s)
		}
		nsec, _ = strconv.ParseInt(frac, 10, 64)
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// binding is one alias → seq_id record as stored in a namespace set.
type binding struct {
	alias string
	seqID string
	added string // encoded timestamp
}

func (b binding) member() string { return b.alias + sep + b.seqID + sep + b.added }

var errMember = errors.New("malformed member")

// parseBinding decodes a P:ns:{NS} or P:nshist:{NS} member.
func parseBinding(m string) (binding, error) {
	alias, rest, ok := strings.Cut(m, sep)
	if !ok {
		return binding{}, fmt.Errorf("%w %q", errMember, m)
	}
	seqID, added, ok := strings.Cut(rest, sep)
	if !ok || seqID == "" || strings.Contains(added, sep) {
		return binding{}, fmt.Errorf("%w %q", errMember, m)
	}
	if _, err := parseTime(added); err != nil {
		return binding{}, fmt.Errorf("%w %q: %v", errMember, m, err)
	}
	return binding{alias: alias, seqID: seqID, added: added}, nil
}

// nsAliasField is the P:seq:{ID}:aliases field of a binding.
func nsAliasField(ns, alias string) string { return ns + sep + alias }

// parseNSAliasField splits a P:seq:{ID}:aliases field.
func parseNSAliasField(f string) (ns, alias string, err error) {
	ns, alias, ok := strings.Cut(f, sep)
	if !ok || strings.Contains(alias, sep) {
		return "", "", fmt.Errorf("%w %q", errMember, f)
	}
	return ns, alias, nil
}

// histMember is the P:seq:{ID}:hist member of a superseded binding.
func histMember(ns, alias, added string) string { return ns + sep + alias + sep + added }

// parseHistMember splits a P:seq:{ID}:hist member.
func parseHistMember(m string) (ns, alias, added string, err error) {
	ns, rest, ok := strings.Cut(m, sep)
	if !ok {
		return "", "", "", fmt.Errorf("%w %q", errMember, m)
	}
	alias, added, ok = strings.Cut(rest, sep)
	if !ok || strings.Contains(added, sep) {
		return "", "", "", fmt.Errorf("%w %q", errMember, m)
	}
	if _, err := parseTime(added); err != nil {
		return "", "", "", fmt.Errorf("%w %q: %v", errMember, m, err)
	}
	return ns, alias, added, nil
}

// seqMeta is the content of a P:seq:{ID}:info hash.
type seqMeta struct {
	length int64
	alpha  string
	added  time.Time
	psize  int64
}

// parseInfo decodes the fields of an info hash (len, alpha, added, psize).
func parseInfo(length, alpha, added, psize string) (seqMeta, error) {
	var m seqMeta
	var err error
	if m.length, err = strconv.ParseInt(length, 10, 64); err != nil || m.length < 0 {
		return m, fmt.Errorf("bad len %q", length)
	}
	if m.psize, err = strconv.ParseInt(psize, 10, 64); err != nil || m.psize <= 0 {
		return m, fmt.Errorf("bad psize %q", psize)
	}
	if m.added, err = parseTime(added); err != nil {
		return m, err
	}
	m.alpha = alpha
	return m, nil
}

// parseSize reads a byte count with an optional k, m or g (KiB, MiB, GiB)
// suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult, s = 1<<10, s[:n-1]
		case 'm', 'M':
			mult, s = 1<<20, s[:n-1]
		case 'g', 'G':
			mult, s = 1<<30, s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return v * mult, nil
}

// likeRanges returns the ZRANGEBYLEX [min, max] pairs that together cover
// every member whose alias can match the LIKE pattern: one range per ASCII
// case variant of the pattern's literal prefix (up to maxVariantLetters
// letters; the rest of the prefix is not used to narrow), or the whole set.
func likeRanges(pattern string) [][2]string {
	const maxVariantLetters = 6
	end := strings.IndexAny(pattern, "%_")
	if end < 0 {
		end = len(pattern)
	}
	prefix := pattern[:end]
	letters := 0
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if c >= 0x80 {
			// Like compares runes; keep only whole ASCII bytes before it.
			prefix = prefix[:i]
			break
		}
		if isASCIILetter(c) {
			if letters == maxVariantLetters {
				prefix = prefix[:i]
				break
			}
			letters++
		}
	}
	if prefix == "" {
		return [][2]string{{"-", "+"}}
	}
	variants := []string{""}
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if !isASCIILetter(c) {
			for j := range variants {
				variants[j] += string(c)
			}
			continue
		}
		lo, up := c|0x20, c&^0x20
		next := make([]string, 0, 2*len(variants))
		for _, v := range variants {
			next = append(next, v+string(up), v+string(lo))
		}
		variants = next
	}
	out := make([][2]string, 0, len(variants))
	for _, v := range variants {
		out = append(out, [2]string{"[" + v, prefixEnd(v)})
	}
	return out
}

// prefixEnd is the exclusive ZRANGEBYLEX bound just above every string
// starting with p.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return "(" + string(b[:i+1])
		}
	}
	return "+"
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
