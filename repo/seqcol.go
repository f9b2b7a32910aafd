package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Attributes of the GA4GH seqcol 1.0 extended schema
// (seqcol_extended_v1.0.0), the schema seqfs implements.
const (
	AttrLengths               = "lengths"                  // collated integers
	AttrNameLengthPairs       = "name_length_pairs"        // collated {"length", "name"} objects
	AttrNames                 = "names"                    // collated strings; inherent
	AttrSequences             = "sequences"                // collated "SQ." ids; inherent
	AttrSortedNameLengthPairs = "sorted_name_length_pairs" // digests of the pairs, sorted; transient
	AttrSortedSequences       = "sorted_sequences"         // the sequences, sorted
)

// SeqcolAttributes lists the extended schema's attributes, sorted.
var SeqcolAttributes = []string{
	AttrLengths, AttrNameLengthPairs, AttrNames, AttrSequences, AttrSortedNameLengthPairs, AttrSortedSequences,
}

// IsSeqcolAttribute reports whether attr is an attribute of the schema.
func IsSeqcolAttribute(attr string) bool { return slices.Contains(SeqcolAttributes, attr) }

// IsTransientAttribute reports whether attr is transient: it has a level-1
// digest but no level-2 value (sorted_name_length_pairs).
func IsTransientAttribute(attr string) bool { return attr == AttrSortedNameLengthPairs }

// isCollated reports whether attr's elements describe the sequences one to
// one, in collection order.
func isCollated(attr string) bool {
	switch attr {
	case AttrNames, AttrSequences, AttrLengths, AttrNameLengthPairs:
		return true
	}
	return false
}

// SeqcolSchema returns the JSON Schema of the collections seqfs serves: the
// extended schema with its ga4gh qualifiers (inherent, transient) and the
// collated property qualifier. A new value is returned on every call.
func SeqcolSchema() map[string]any {
	strs := func(desc string) map[string]any {
		return map[string]any{"type": "array", "description": desc, "items": map[string]any{"type": "string"}}
	}
	collated := func(m map[string]any) map[string]any { m["collated"] = true; return m }
	pair := map[string]any{
		"type":                 "object",
		"properties":           map[string]any{"length": map[string]any{"type": "integer"}, "name": map[string]any{"type": "string"}},
		"required":             []string{"length", "name"},
		"additionalProperties": false,
	}
	return map[string]any{
		"$id":         "https://ga4gh.github.io/refget/schemas/seqcol_extended_v1.0.0.json",
		"description": "A collection of biological sequences (seqcol 1.0 extended schema).",
		"type":        "object",
		"properties": map[string]any{
			AttrLengths: collated(map[string]any{"type": "array", "description": "Number of residues in each sequence.",
				"items": map[string]any{"type": "integer", "minimum": 0}}),
			AttrNames:     collated(strs("Human-readable labels of each sequence (chromosome names).")),
			AttrSequences: collated(strs("Refget sequences v2 identifiers (SQ. + sha512t24u) of the sequences.")),
			AttrNameLengthPairs: collated(map[string]any{"type": "array",
				"description": "The name and length of each sequence, in collection order (the ordered coordinate system).",
				"items":       pair}),
			AttrSortedNameLengthPairs: map[string]any{"type": "array", "collated": false,
				"description": "Digests of the canonical JSON of each name-length pair, sorted (an order-invariant coordinate system).",
				"items":       map[string]any{"type": "string"}},
			AttrSortedSequences: map[string]any{"type": "array", "collated": false,
				"description": "The sequences array sorted lexicographically (order-invariant sequence content).",
				"items":       map[string]any{"type": "string"}},
		},
		"required": []string{AttrLengths, AttrNames, AttrSequences},
		"ga4gh": map[string]any{
			"inherent":  []string{AttrNames, AttrSequences},
			"transient": []string{AttrSortedNameLengthPairs},
			"passthru":  []string{},
		},
	}
}

// Seqcol is a sequence collection in seqcol's array form: each attribute's
// array with every element held as its canonical JSON (RFC 8785), and each
// attribute's level-1 digest. Two elements are equal when their canonical
// JSON is, which is how the comparison function matches elements of any
// attribute. A Seqcol may lack attributes (a .fai gives no sequences); it
// is immutable once built and safe for concurrent use.
type Seqcol struct {
	arrays map[string][]string              // attribute -> elements' canonical JSON (transient ones too)
	level1 map[string]string                // attribute -> level-1 digest
	level2 func() []byte                    // canonical level-2 JSON, computed once
	counts func() map[string]map[string]int // attribute -> element -> occurrences, computed once
}

// NewSeqcol returns c in seqcol form with all six attributes of the
// extended schema.
func NewSeqcol(c Collection) *Seqcol {
	return buildSeqcol(map[string][]string{
		AttrNames:     canonicalStrings(c.Names, ""),
		AttrLengths:   canonicalInts(c.Lengths),
		AttrSequences: canonicalStrings(c.SeqIDs, "SQ."),
	})
}

// NewCoordinateSeqcol returns a collection known only by its names and
// lengths (a .fai or chrom sizes file): names, lengths, name_length_pairs
// and sorted_name_length_pairs, and no level-0 digest.
func NewCoordinateSeqcol(names []string, lengths []int64) (*Seqcol, error) {
	if len(names) != len(lengths) {
		return nil, fmt.Errorf("coordinate system: %d names but %d lengths", len(names), len(lengths))
	}
	return buildSeqcol(map[string][]string{
		AttrNames:   canonicalStrings(names, ""),
		AttrLengths: canonicalInts(lengths),
	}), nil
}

// buildSeqcol derives the attributes that arrays lacks and can be derived
// from what it has, and digests every attribute.
func buildSeqcol(arrays map[string][]string) *Seqcol {
	names, hasNames := arrays[AttrNames]
	lengths, hasLengths := arrays[AttrLengths]
	if hasNames && hasLengths && len(names) == len(lengths) {
		if _, ok := arrays[AttrNameLengthPairs]; !ok {
			pairs := make([]string, len(names))
			for i := range names {
				pairs[i] = `{"length":` + lengths[i] + `,"name":` + names[i] + `}`
			}
			arrays[AttrNameLengthPairs] = pairs
		}
	}
	if pairs, ok := arrays[AttrNameLengthPairs]; ok {
		if _, ok := arrays[AttrSortedNameLengthPairs]; !ok {
			sorted := make([]string, len(pairs))
			for i, p := range pairs {
				sorted[i] = canonicalString(GA4GHDigest([]byte(p)))
			}
			slices.Sort(sorted)
			arrays[AttrSortedNameLengthPairs] = sorted
		}
	}
	if seqs, ok := arrays[AttrSequences]; ok {
		if _, ok := arrays[AttrSortedSequences]; !ok {
			// Sorting the quoted ids sorts the ids: they share the quotes and
			// hold no escaped characters.
			arrays[AttrSortedSequences] = slices.Sorted(slices.Values(seqs))
		}
	}
	s := &Seqcol{arrays: arrays, level1: make(map[string]string, len(arrays))}
	for attr, elems := range arrays {
		s.level1[attr] = GA4GHDigest(joinArray(elems))
	}
	s.level2 = sync.OnceValue(s.encodeLevel2)
	s.counts = sync.OnceValue(func() map[string]map[string]int {
		m := make(map[string]map[string]int, len(arrays))
		for attr, elems := range arrays {
			m[attr] = countElements(elems)
		}
		return m
	})
	return s
}

// joinArray returns the canonical JSON of an array of canonical elements.
func joinArray(elems []string) []byte {
	n := 2
	for _, e := range elems {
		n += len(e) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e...)
	}
	return append(b, ']')
}

func canonicalStrings(ss []string, prefix string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = canonicalString(prefix + s)
	}
	return out
}

func canonicalInts(ns []int64) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.FormatInt(n, 10)
	}
	return out
}

// canonicalString returns the RFC 8785 form of a JSON string: '"' and '\\'
// escaped, \b \t \n \f \r in short form, other control characters as
// \u00xx, everything else (U+2028 and U+2029 included) as UTF-8. Invalid
// UTF-8 becomes U+FFFD, as encoding/json does.
func canonicalString(s string) string {
	return string(appendCanonicalString(make([]byte, 0, len(s)+2), s))
}

func appendCanonicalString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, "\ufffd"...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		i++
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// Digest returns the level-0 digest, or "" when the collection lacks an
// inherent attribute (names or sequences).
func (s *Seqcol) Digest() string {
	n, ok1 := s.level1[AttrNames]
	q, ok2 := s.level1[AttrSequences]
	if !ok1 || !ok2 {
		return ""
	}
	return GA4GHDigest(CanonicalJSON(map[string]string{AttrNames: n, AttrSequences: q}))
}

// Attributes returns the attributes the collection has, sorted.
func (s *Seqcol) Attributes() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for a := range s.level1 {
			if !yield(a) {
				return
			}
		}
	})
}

// Len returns the number of sequences (the length of a collated array), or
// 0 for a collection without one.
func (s *Seqcol) Len() int {
	for _, a := range []string{AttrNames, AttrSequences, AttrLengths, AttrNameLengthPairs} {
		if e, ok := s.arrays[a]; ok {
			return len(e)
		}
	}
	return 0
}

// Level1 returns the level-1 digest of an attribute.
func (s *Seqcol) Level1(attr string) (string, bool) {
	d, ok := s.level1[attr]
	return d, ok
}

// Level1JSON returns the canonical JSON of the level-1 object: a digest
// per attribute.
func (s *Seqcol) Level1JSON() []byte { return CanonicalJSON(s.level1) }

// Level2JSON returns the canonical JSON of the level-2 object: every
// non-transient attribute's array. The slice is shared: do not modify it.
func (s *Seqcol) Level2JSON() []byte { return s.level2() }

func (s *Seqcol) encodeLevel2() []byte {
	b := []byte{'{'}
	for _, a := range s.Attributes() {
		if IsTransientAttribute(a) {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendCanonicalString(b, a)
		b = append(b, ':')
		b = append(b, joinArray(s.arrays[a])...)
	}
	return append(b, '}')
}

// AttributeJSON returns the canonical JSON of a non-transient attribute's
// level-2 value.
func (s *Seqcol) AttributeJSON(attr string) ([]byte, bool) {
	e, ok := s.arrays[attr]
	if !ok || IsTransientAttribute(attr) {
		return nil, false
	}
	return joinArray(e), true
}

// SeqcolComparison is the result of the seqcol comparison function.
type SeqcolComparison struct {
	Digests       ComparedDigests    `json:"digests"`
	Attributes    ComparedAttributes `json:"attributes"`
	ArrayElements ComparedElements   `json:"array_elements"`
}

// ComparedDigests holds the level-0 digests of the two collections (nil
// when unknown).
type ComparedDigests struct {
	A *string `json:"a"`
	B *string `json:"b"`
}

// ComparedAttributes lists the attributes only in a, only in b and in both,
// each sorted.
type ComparedAttributes struct {
	AOnly []string `json:"a_only"`
	BOnly []string `json:"b_only"`
	AAndB []string `json:"a_and_b"`
}

// ComparedElements compares the arrays of the non-transient attributes:
// their sizes, how many elements they share (as multisets) and whether the
// shared elements come in the same order.
type ComparedElements struct {
	ACount         map[string]int   `json:"a_count"`
	BCount         map[string]int   `json:"b_count"`
	AAndBCount     map[string]int   `json:"a_and_b_count"`
	AAndBSameOrder map[string]*bool `json:"a_and_b_same_order"`
}

// CompareSeqcols compares a and b as the seqcol 1.0 comparison function
// does. Digests are those of Digest ("" becomes null). For each array
// attribute in both, a_and_b_count is the size of the multiset
// intersection, and a_and_b_same_order is null when fewer than two
// elements are shared or when the duplicates are unbalanced (an element
// shared by both occurs a different number of times in each), else whether
// the shared elements, taken in each array's order, form the same list.
// Transient attributes appear under attributes but not array_elements.
func CompareSeqcols(a, b *Seqcol) SeqcolComparison {
	var r SeqcolComparison
	if d := a.Digest(); d != "" {
		r.Digests.A = &d
	}
	if d := b.Digest(); d != "" {
		r.Digests.B = &d
	}
	r.Attributes = ComparedAttributes{AOnly: []string{}, BOnly: []string{}, AAndB: []string{}}
	e := ComparedElements{ACount: map[string]int{}, BCount: map[string]int{}, AAndBCount: map[string]int{}, AAndBSameOrder: map[string]*bool{}}
	for _, attr := range a.Attributes() {
		if _, ok := b.level1[attr]; ok {
			r.Attributes.AAndB = append(r.Attributes.AAndB, attr)
		} else {
			r.Attributes.AOnly = append(r.Attributes.AOnly, attr)
		}
		if !IsTransientAttribute(attr) {
			e.ACount[attr] = len(a.arrays[attr])
		}
	}
	for _, attr := range b.Attributes() {
		if _, ok := a.level1[attr]; !ok {
			r.Attributes.BOnly = append(r.Attributes.BOnly, attr)
		}
		if !IsTransientAttribute(attr) {
			e.BCount[attr] = len(b.arrays[attr])
		}
	}
	for _, attr := range r.Attributes.AAndB {
		if IsTransientAttribute(attr) {
			continue
		}
		n, same := compareCounted(a.arrays[attr], b.arrays[attr], a.counts()[attr], b.counts()[attr])
		e.AAndBCount[attr] = n
		e.AAndBSameOrder[attr] = same
	}
	r.ArrayElements = e
	return r
}

// countElements counts the occurrences of each element.
func countElements(x []string) map[string]int {
	c := make(map[string]int, len(x))
	for _, v := range x {
		c[v]++
	}
	return c
}

// compareArrays returns the size of the multiset intersection of x and y
// and the same-order verdict of the seqcol specification.
func compareArrays(x, y []string) (int, *bool) {
	return compareCounted(x, y, countElements(x), countElements(y))
}

// compareCounted is compareArrays with the element counts of x and y
// (cx, cy) already known.
func compareCounted(x, y []string, cx, cy map[string]int) (int, *bool) {
	shared, balanced := 0, true
	for v, n := range cx {
		m := cy[v]
		if m == 0 {
			continue
		}
		shared += min(n, m)
		if n != m {
			balanced = false
		}
	}
	if shared < 2 || !balanced {
		return shared, nil
	}
	// Balanced: both arrays hold the shared elements equally often, so the
	// filtered lists have equal length and order is defined.
	j := 0
	same := true
	for _, v := range x {
		if cy[v] == 0 {
			continue
		}
		for j < len(y) && cx[y[j]] == 0 {
			j++
		}
		if j == len(y) || y[j] != v {
			same = false
			break
		}
		j++
	}
	return shared, &same
}

// ErrBadSeqcol is matched (errors.Is) by errors of ParseSeqcol.
var ErrBadSeqcol = errors.New("bad sequence collection")

// ParseSeqcol reads a level-2 sequence collection (a JSON object of
// arrays, as a client POSTs for comparison). names, lengths and sequences
// are required; the extended schema's attributes are checked for their
// element types and collated ones for their length; other array
// attributes are accepted as they are (with integer numbers only).
// Derivable attributes that are missing (name_length_pairs,
// sorted_name_length_pairs, sorted_sequences) are computed.
func ParseSeqcol(data []byte) (*Seqcol, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadSeqcol, fmt.Sprintf(format, a...))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return nil, bad("not a JSON object: %v", err)
	}
	if dec.More() {
		return nil, bad("data after the JSON object")
	}
	if obj == nil {
		return nil, bad("not a JSON object")
	}
	arrays := make(map[string][]string, len(obj))
	n := -1
	for attr, raw := range obj {
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil || elems == nil {
			return nil, bad("attribute %q is not an array", attr)
		}
		out := make([]string, len(elems))
		for i, el := range elems {
			c, err := canonicalElement(attr, el)
			if err != nil {
				return nil, bad("attribute %q element %d: %v", attr, i, err)
			}
			out[i] = c
		}
		if isCollated(attr) {
			if n >= 0 && len(out) != n {
				return nil, bad("collated attribute %q has %d elements, others %d", attr, len(out), n)
			}
			n = len(out)
		}
		arrays[attr] = out
	}
	for _, attr := range []string{AttrLengths, AttrNames, AttrSequences} {
		if _, ok := arrays[attr]; !ok {
			return nil, bad("required attribute %q is missing", attr)
		}
	}
	return buildSeqcol(arrays), nil
}

// canonicalElement checks one element of a posted attribute and returns
// its canonical JSON.
func canonicalElement(attr string, raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch attr {
	case AttrNames, AttrSequences, AttrSortedSequences, AttrSortedNameLengthPairs:
		s, ok := v.(string)
		if !ok {
			return "", errors.New("not a string")
		}
		if attr == AttrSequences || attr == AttrSortedSequences {
			if len(s) < 3 || s[:3] != "SQ." || !IsSeqID(s[3:]) {
				return "", fmt.Errorf("%q is not a refget sequence id (SQ. + 32 characters)", s)
			}
		}
		return canonicalString(s), nil
	case AttrLengths:
		l, err := jsonInt(v)
		if err != nil {
			return "", err
		}
		if l < 0 {
			return "", fmt.Errorf("negative length %d", l)
		}
		return strconv.FormatInt(l, 10), nil
	case AttrNameLengthPairs:
		m, ok := v.(map[string]any)
		name, okN := m["name"].(string)
		if !ok || len(m) != 2 || !okN {
			return "", errors.New(`not a {"length", "name"} object`)
		}
		l, err := jsonInt(m["length"])
		if err != nil || l < 0 {
			return "", errors.New(`"length" is not a non-negative integer`)
		}
		return `{"length":` + strconv.FormatInt(l, 10) + `,"name":` + canonicalString(name) + `}`, nil
	}
	v, err := normalizeNumbers(v)
	if err != nil {
		return "", err
	}
	return string(CanonicalJSON(v)), nil
}

// jsonInt returns a JSON number that is an integer.
func jsonInt(v any) (int64, error) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, errors.New("not an integer")
	}
	l, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not an integer", num)
	}
	return l, nil
}

// normalizeNumbers turns every number in v into an int64, rejecting
// numbers that are not integers, whose canonical form would need RFC
// 8785's floating-point rules.
func normalizeNumbers(v any) (any, error) {
	var err error
	switch x := v.(type) {
	case json.Number:
		return jsonInt(x)
	case []any:
		for i := range x {
			if x[i], err = normalizeNumbers(x[i]); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range x {
			if x[k], err = normalizeNumbers(x[k]); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}
