package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// encodeJSON renders v the way seqrepo-rest-service (Flask 2.2 in debug
// mode) does: keys sorted, indent 2, ", "/": " separators, non-ASCII
// escaped as \uXXXX (surrogate pairs above U+FFFF), '<', '>' and '&' left
// as they are, and a trailing newline. Use maps (or structs whose fields
// are declared in sorted order) so that keys come out sorted.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode JSON response: %w", err)
	}
	return asciiOnly(buf.Bytes()), nil
}

// asciiOnly escapes every non-ASCII rune as Python's ensure_ascii does. It
// relies on non-ASCII bytes occurring only inside JSON strings, which is
// true of encoding/json output.
func asciiOnly(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	const hexd = "0123456789abcdef"
	u := func(r rune) {
		out = append(out, '\\', 'u', hexd[r>>12&0xf], hexd[r>>8&0xf], hexd[r>>4&0xf], hexd[r&0xf])
	}
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			out = append(out, b[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		i += n
		if r > 0xffff {
			r -= 0x10000
			u(0xd800 + (r>>10)&0x3ff)
			u(0xdc00 + r&0x3ff)
			continue
		}
		u(r)
	}
	return out
}

// isoZ formats a UTC time as Python's datetime.isoformat('T') + "Z":
// seconds precision, microseconds only when non-zero.
func isoZ(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + "Z"
}
