package rest

import (
	"math"
	"net/url"
	"strings"
)

// ByteRange is one parsed "Range: bytes=…" request (RFC 9110 §14.1.2):
// "bytes=first-last" (0-based, inclusive on both ends), "bytes=first-"
// (Open: from first to the end) or "bytes=-n" (Suffix: the last n bytes,
// n in Last).
type ByteRange struct {
	First, Last int64
	Open        bool // "bytes=first-": Last is unused
	Suffix      bool // "bytes=-n": First is unused, Last is n
}

// Closed reports whether the range is of the form "bytes=first-last".
func (br ByteRange) Closed() bool { return !br.Open && !br.Suffix }

// Bounds returns the inclusive byte offsets the range selects in a
// representation of the given length, or ok=false when it selects nothing
// (416 Range Not Satisfiable): a first offset at or beyond the length, a
// closed range whose last offset is before its first, or an empty suffix.
// A last offset beyond the end is clipped to it, as RFC 9110 requires.
func (br ByteRange) Bounds(length int64) (first, last int64, ok bool) {
	switch {
	case br.Suffix:
		if br.Last == 0 || length == 0 {
			return 0, 0, false
		}
		return max(0, length-br.Last), length - 1, true
	case br.First >= length, !br.Open && br.First > br.Last:
		return 0, 0, false
	case br.Open:
		return br.First, length - 1, true
	}
	return br.First, min(br.Last, length-1), true
}

// RangeSyntaxError reports a Range header that is not exactly one byte
// range ("bytes=first-last", "bytes=first-" or "bytes=-n").
type RangeSyntaxError struct{ Header string }

func (e *RangeSyntaxError) Error() string {
	return "could not parse Range header " + quote(e.Header) + ": only one range of the form bytes=first-last, bytes=first- or bytes=-suffix is supported"
}

// ParseRange parses a refget Range header: exactly one byte range of
// decimal digits, closed ("bytes=first-last"), open ("bytes=first-") or a
// suffix ("bytes=-n"). Multiple ranges, other units and whitespace are
// rejected. Numbers too large for int64 saturate at math.MaxInt64, so they
// are reported as out of bounds later rather than as a syntax error.
func ParseRange(h string) (ByteRange, error) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return ByteRange{}, &RangeSyntaxError{h}
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return ByteRange{}, &RangeSyntaxError{h}
	}
	var br ByteRange
	var ok1, ok2 bool
	switch {
	case a == "":
		br.Suffix = true
		br.Last, ok2 = parseDigits(b)
		ok1 = true
	case b == "":
		br.Open = true
		br.First, ok1 = parseDigits(a)
		ok2 = true
	default:
		br.First, ok1 = parseDigits(a)
		br.Last, ok2 = parseDigits(b)
	}
	if !ok1 || !ok2 {
		return ByteRange{}, &RangeSyntaxError{h}
	}
	return br, nil
}

// parseDigits parses a non-empty run of ASCII digits, saturating at
// math.MaxInt64. Anything else (sign, space, empty) is rejected.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + d
	}
	return n, true
}

// queryParams holds the start/end parameters of a request and any names
// that the endpoint does not know.
type queryParams struct {
	start, end       string
	hasStart, hasEnd bool
	unknown          []string // names of other parameters, in order
}

// parseQuery reads start and end from a raw query string without building
// a map (this is the hot path). The first occurrence of a name wins.
func parseQuery(raw string) (queryParams, error) {
	var q queryParams
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if strings.ContainsAny(k, "%+") {
			uk, err := url.QueryUnescape(k)
			if err != nil {
				return q, err
			}
			k = uk
		}
		if strings.ContainsAny(v, "%+") {
			uv, err := url.QueryUnescape(v)
			if err != nil {
				return q, err
			}
			v = uv
		}
		switch k {
		case "start":
			if !q.hasStart {
				q.start, q.hasStart = v, true
			}
		case "end":
			if !q.hasEnd {
				q.end, q.hasEnd = v, true
			}
		default:
			q.unknown = append(q.unknown, k)
		}
	}
	return q, nil
}

// negotiate returns the index in offers of the type to answer with for
// the Accept header h, or -1 when nothing offered is acceptable. offers[0]
// is the default. Each Accept element degrades: parameters (charset, q)
// are dropped, "type/*" and "*/*" match anything of that type; an element
// with q=0 is refused. A missing or empty header accepts the default.
func negotiate(h string, offers []string) int {
	if strings.TrimSpace(h) == "" {
		return 0
	}
	best := -1
	for h != "" {
		var el string
		el, h, _ = strings.Cut(h, ",")
		name, params, _ := strings.Cut(el, ";")
		name = strings.TrimSpace(name)
		if name == "" || qZero(params) {
			continue
		}
		for i, o := range offers {
			if best != -1 && i >= best {
				break
			}
			if mediaMatch(name, o) {
				best = i
				break
			}
		}
		if best == 0 {
			return 0
		}
	}
	return best
}

// qZero reports whether the parameters contain q=0 (not acceptable).
func qZero(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			v = strings.TrimSpace(v)
			return v == "0" || strings.Trim(v, "0.") == "" && strings.HasPrefix(v, "0")
		}
	}
	return false
}

// mediaMatch compares an Accept element (wildcards allowed) with a concrete
// media type, case-insensitively.
func mediaMatch(pattern, offer string) bool {
	if pattern == "*/*" || strings.EqualFold(pattern, offer) {
		return true
	}
	pt, ps, ok := strings.Cut(pattern, "/")
	if !ok || ps != "*" {
		return false
	}
	ot, _, _ := strings.Cut(offer, "/")
	return strings.EqualFold(pt, ot)
}

func quote(s string) string {
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}
