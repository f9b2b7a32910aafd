package repo

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Sequences of the refget test FASTA files (refgenie/refget test_fasta,
// BSD-2-Clause): chrX TTGGGGAA, chr1 GGAA, chr2 GCGC.
const (
	seqX = "iYtREV555dUFKg2_agSJW6suquUyPpMw"
	seq1 = "YBbVX0dLKG1ieEDCiMmkrTZFt_Z5Vdaj"
	seq2 = "AcLxtBuKEPk_7PGE_H4dGElwZHCujwH6"
)

func testCollection(names []string, ids []string, lengths []int64) Collection {
	return Collection{Names: names, SeqIDs: ids, Lengths: lengths}
}

var (
	baseFa         = testCollection([]string{"chrX", "chr1", "chr2"}, []string{seqX, seq1, seq2}, []int64{8, 4, 4})
	differentOrder = testCollection([]string{"chr1", "chr2", "chrX"}, []string{seq1, seq2, seqX}, []int64{4, 4, 8})
	subsetFa       = testCollection([]string{"chrX", "chr1"}, []string{seqX, seq1}, []int64{8, 4})
	pairSwap       = testCollection([]string{"chr2", "chr1", "chrX"}, []string{seqX, seq1, seq2}, []int64{8, 4, 4})
)

// The published digests of the refget test FASTA files (level 0 and the
// level-1 digests of every attribute of the extended schema).
func TestSeqcolDigests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		c      Collection
		level0 string
		level1 map[string]string
	}{
		{"base.fa", baseFa, "XZlrcEGi6mlopZ2uD8ObHkQB1d0oDwKk", map[string]string{
			"lengths": "cGRMZIb3AVgkcAfNv39RN7hnT5Chk7RX", "names": "Fw1r9eRxfOZD98KKrhlYQNEdSRHoVxAG",
			"sequences": "0uDQVLuHaOZi1u76LjV__yrVUIz9Bwhr", "sorted_sequences": "KgWo6TT1Lqw6vgkXU9sYtCU9xwXoDt6M",
			"name_length_pairs": "B9MESWM8k-hK_OeQK8bZNAG74pLY0Ujq", "sorted_name_length_pairs": "zjM1Ie9m0zFbqsAnZ6jAJSXuFpKTr40J"}},
		{"different_order.fa", differentOrder, "Tpdsg75D4GKCGEHtIiDSL9Zx-DSuX5V8", map[string]string{
			"lengths": "x5qpE4FtMkvlwpKIzvHs3a02Nex5tthp", "names": "dOAOfPGkf3wAf3CUsbjVTKhY9Wq2DL6f",
			"sequences": "7t6Ulz6OeUWu6FBxntbvFKOl8w3icl2h", "sorted_sequences": "KgWo6TT1Lqw6vgkXU9sYtCU9xwXoDt6M",
			"name_length_pairs": "a6JbVltjGqj5fEr01M0qjqCmlLLQ_P7N", "sorted_name_length_pairs": "zjM1Ie9m0zFbqsAnZ6jAJSXuFpKTr40J"}},
		{"subset.fa", subsetFa, "sv7GIP1K0qcskIKF3iaBmQpaum21vH74", map[string]string{
			"lengths": "7-_HdxYiRf-AJLBKOTaJUdxXrUkIXs6T", "names": "iyNUhtfR0TALytlmxK1Zx1_q3frkZyAd",
			"sequences": "3ZP38SZcoc9wN7jsRyNSP9mQ1a3TUoUF", "sorted_sequences": "p5sNbnAUithQJ3oxrBL3YXTNig08SNKB",
			"name_length_pairs": "b_TLfweI2gfClgj57gcTFtEOMJ_daWd4", "sorted_name_length_pairs": "AvGYsdgtJpTLKYil3eLddJxwrE5OfKhE"}},
		{"pair_swap.fa", pairSwap, "UNGAdNDmBbQbHihecPPFxwTydTcdFKxL", map[string]string{
			"lengths": "cGRMZIb3AVgkcAfNv39RN7hnT5Chk7RX", "names": "gSWbV6khfIsnlQTyw1PmlQ8G7VRfIWbU",
			"sequences": "0uDQVLuHaOZi1u76LjV__yrVUIz9Bwhr", "sorted_sequences": "KgWo6TT1Lqw6vgkXU9sYtCU9xwXoDt6M",
			"name_length_pairs": "yjUFKuKCURANxHar4JDF5ABOn6FJ-T8m", "sorted_name_length_pairs": "rL5OQOnFba8yyz7lS-0-hgZvwcQsiajN"}},
	}
	for _, tt := range tests {
		s := NewSeqcol(tt.c)
		if got := s.Digest(); got != tt.level0 || tt.c.Digest() != tt.level0 {
			t.Errorf("%s: level 0 = %s (Collection.Digest %s), want %s", tt.name, got, tt.c.Digest(), tt.level0)
		}
		var l1 map[string]string
		if err := json.Unmarshal(s.Level1JSON(), &l1); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(l1, tt.level1) {
			t.Errorf("%s: level 1 = %v, want %v", tt.name, l1, tt.level1)
		}
		// Level 2 is canonical JSON of the five non-transient arrays, and
		// parsing it back gives the same collection.
		l2 := s.Level2JSON()
		var m map[string]any
		if err := json.Unmarshal(l2, &m); err != nil {
			t.Fatalf("%s: level 2 %s: %v", tt.name, l2, err)
		}
		if _, ok := m[AttrSortedNameLengthPairs]; ok || len(m) != 5 {
			t.Errorf("%s: level 2 has %d attributes: %s", tt.name, len(m), l2)
		}
		if string(CanonicalJSON(m)) != string(l2) {
			t.Errorf("%s: level 2 not canonical:\n%s\n%s", tt.name, l2, CanonicalJSON(m))
		}
		back, err := ParseSeqcol(l2)
		if err != nil {
			t.Fatalf("%s: parse level 2: %v", tt.name, err)
		}
		if string(back.Level1JSON()) != string(s.Level1JSON()) {
			t.Errorf("%s: level 1 after round trip %s, want %s", tt.name, back.Level1JSON(), s.Level1JSON())
		}
		if _, ok := s.AttributeJSON(AttrSortedNameLengthPairs); ok {
			t.Errorf("%s: transient attribute has a value", tt.name)
		}
		if v, ok := s.AttributeJSON(AttrNameLengthPairs); !ok || !strings.HasPrefix(string(v), `[{"length":`) {
			t.Errorf("%s: name_length_pairs %s", tt.name, v)
		}
	}
}

// The level-1 digests of the specification's worked example.
func TestSeqcolSpecExampleLevel1(t *testing.T) {
	t.Parallel()
	c := testCollection([]string{"chr1", "chr2", "chr3"},
		[]string{"2YnepKM7OkBoOrKmvHbGqguVfF9amCST", "lwDyBi432Py-7xnAISyQlnlhWDEaBPv2", "Eqk6_SvMMDCc6C-uEfickOUWTatLMDQZ"},
		[]int64{248956422, 242193529, 198295559})
	s := NewSeqcol(c)
	for attr, want := range map[string]string{
		"lengths": "5K4odB173rjao1Cnbk5BnvLt9V7aPAa2", "names": "g04lKdxiYtG3dOGeUC5AdKEifw65G0Wp",
		"sequences": "rD29ZKmEqwwHRXjiQ36p6UMZQ5hemmsb",
	} {
		if got, _ := s.Level1(attr); got != want {
			t.Errorf("%s = %s, want %s", attr, got, want)
		}
	}
	if s.Digest() != "sjNNwm4zov3Dl0FRWbRTcZwzqrTQKIqL" {
		t.Errorf("level 0 = %s", s.Digest())
	}
}

func TestCompareSeqcols(t *testing.T) {
	t.Parallel()
	tr, fa := true, false
	all := []string{"lengths", "name_length_pairs", "names", "sequences", "sorted_name_length_pairs", "sorted_sequences"}
	arrays := []string{"lengths", "name_length_pairs", "names", "sequences", "sorted_sequences"}
	counts := func(vals ...int) map[string]int {
		m := map[string]int{}
		for i, a := range arrays {
			m[a] = vals[i]
		}
		return m
	}
	order := func(vals ...*bool) map[string]*bool {
		m := map[string]*bool{}
		for i, a := range arrays {
			m[a] = vals[i]
		}
		return m
	}
	coords, _ := NewCoordinateSeqcol([]string{"chrX", "chr1", "chr2"}, []int64{8, 4, 4})
	tests := []struct {
		name  string
		a, b  *Seqcol
		attrs ComparedAttributes
		elems ComparedElements
	}{
		{"identical", NewSeqcol(baseFa), NewSeqcol(baseFa),
			ComparedAttributes{[]string{}, []string{}, all},
			ComparedElements{counts(3, 3, 3, 3, 3), counts(3, 3, 3, 3, 3), counts(3, 3, 3, 3, 3), order(&tr, &tr, &tr, &tr, &tr)}},
		{"different order", NewSeqcol(baseFa), NewSeqcol(differentOrder),
			ComparedAttributes{[]string{}, []string{}, all},
			ComparedElements{counts(3, 3, 3, 3, 3), counts(3, 3, 3, 3, 3), counts(3, 3, 3, 3, 3), order(&fa, &fa, &fa, &fa, &tr)}},
		// lengths [8,4,4] vs [8,4]: 4 occurs twice in a, once in b.
		{"subset", NewSeqcol(baseFa), NewSeqcol(subsetFa),
			ComparedAttributes{[]string{}, []string{}, all},
			ComparedElements{counts(3, 3, 3, 3, 3), counts(2, 2, 2, 2, 2), counts(2, 2, 2, 2, 2), order(nil, &tr, &tr, &tr, &tr)}},
		// names swapped between two sequences of equal length.
		{"pair swap", NewSeqcol(baseFa), NewSeqcol(pairSwap),
			ComparedAttributes{[]string{}, []string{}, all},
			ComparedElements{counts(3, 3, 3, 3, 3), counts(3, 3, 3, 3, 3), counts(3, 1, 3, 3, 3), order(&tr, nil, &fa, &tr, &tr)}},
		{"coordinate system", NewSeqcol(baseFa), coords,
			ComparedAttributes{[]string{"sequences", "sorted_sequences"}, []string{}, []string{"lengths", "name_length_pairs", "names", "sorted_name_length_pairs"}},
			ComparedElements{counts(3, 3, 3, 3, 3),
				map[string]int{"lengths": 3, "name_length_pairs": 3, "names": 3},
				map[string]int{"lengths": 3, "name_length_pairs": 3, "names": 3},
				map[string]*bool{"lengths": &tr, "name_length_pairs": &tr, "names": &tr}}},
	}
	for _, tt := range tests {
		r := CompareSeqcols(tt.a, tt.b)
		if !reflect.DeepEqual(r.Attributes, tt.attrs) {
			t.Errorf("%s: attributes %+v, want %+v", tt.name, r.Attributes, tt.attrs)
		}
		if !reflect.DeepEqual(r.ArrayElements, tt.elems) {
			got, _ := json.Marshal(r.ArrayElements)
			want, _ := json.Marshal(tt.elems)
			t.Errorf("%s: array_elements\n%s, want\n%s", tt.name, got, want)
		}
		if r.Digests.A == nil || *r.Digests.A != tt.a.Digest() || (r.Digests.B == nil) != (tt.b.Digest() == "") {
			t.Errorf("%s: digests %+v", tt.name, r.Digests)
		}
	}
}

func TestCompareArrays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		x, y  string
		n     int
		order string // "null", "true", "false"
	}{
		{"", "", 0, "null"},
		{"a", "a", 1, "null"},               // fewer than two shared
		{"abc", "xyz", 0, "null"},           // nothing shared
		{"abc", "abc", 3, "true"},           // identical
		{"abc", "cba", 3, "false"},          // reversed
		{"axbyc", "abc", 3, "true"},         // extras in a do not break order
		{"abc", "zazbzcz", 3, "true"},       // extras in b neither
		{"aab", "aab", 3, "true"},           // balanced duplicates
		{"aab", "aba", 3, "false"},          // balanced, other order
		{"aab", "ab", 2, "null"},            // unbalanced duplicates
		{"aabb", "abbb", 3, "null"},         // unbalanced
		{"ab", "ba", 2, "false"},            // the smallest defined case
		{"abcdef", "abcfed", 6, "false"},    //
		{"abcdef", "xxabcdefxx", 6, "true"}, //
	}
	for _, tt := range tests {
		split := func(s string) []string { return strings.Split(s, "")[:len(s)] }
		n, same := compareArrays(split(tt.x), split(tt.y))
		got := "null"
		if same != nil {
			got = map[bool]string{true: "true", false: "false"}[*same]
		}
		if n != tt.n || got != tt.order {
			t.Errorf("compare %q %q = %d %s, want %d %s", tt.x, tt.y, n, got, tt.n, tt.order)
		}
	}
}

func TestParseSeqcol(t *testing.T) {
	t.Parallel()
	id := "SQ." + seqX
	tests := []struct {
		name, body string
		err        string // "" when valid
	}{
		{"minimal", `{"names":["a"],"lengths":[8],"sequences":["` + id + `"]}`, ""},
		{"extra attribute", `{"names":["a"],"lengths":[8],"sequences":["` + id + `"],"topologies":["linear"]}`, ""},
		{"not object", `[1]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"trailing", `{"names":[],"lengths":[],"sequences":[]} {}`, "data after"},
		{"missing sequences", `{"names":["a"],"lengths":[8]}`, `"sequences" is missing`},
		{"not array", `{"names":"a","lengths":[8],"sequences":["` + id + `"]}`, "not an array"},
		{"uncollated", `{"names":["a","b"],"lengths":[8],"sequences":["` + id + `"]}`, "collated"},
		{"negative length", `{"names":["a"],"lengths":[-1],"sequences":["` + id + `"]}`, "negative"},
		{"float length", `{"names":["a"],"lengths":[1.5],"sequences":["` + id + `"]}`, "not an integer"},
		{"bad sequence id", `{"names":["a"],"lengths":[1],"sequences":["chr1"]}`, "refget sequence id"},
		{"name not string", `{"names":[1],"lengths":[1],"sequences":["` + id + `"]}`, "not a string"},
		{"bad pair", `{"names":["a"],"lengths":[1],"sequences":["` + id + `"],"name_length_pairs":[{"name":"a"}]}`, "length"},
		{"float in extra", `{"names":["a"],"lengths":[1],"sequences":["` + id + `"],"x":[1e3]}`, "not an integer"},
	}
	for _, tt := range tests {
		s, err := ParseSeqcol([]byte(tt.body))
		if tt.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if s.Len() != 1 {
				t.Errorf("%s: %d sequences", tt.name, s.Len())
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrBadSeqcol) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.err)
		}
	}
	// Derived attributes match those of the stored form.
	s, err := ParseSeqcol([]byte(`{"names":["chrX","chr1","chr2"],"lengths":[8,4,4],"sequences":["SQ.` + seqX + `","SQ.` + seq1 + `","SQ.` + seq2 + `"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Level1JSON()) != string(NewSeqcol(baseFa).Level1JSON()) {
		t.Errorf("derived level 1 %s", s.Level1JSON())
	}
}

// JCS writes U+2028 and U+2029 as themselves; encoding/json escapes them.
func TestCanonicalJSONLineSeparators(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"a\u2028b\u2029c", "\"a\u2028b\u2029c\""},
		{`\u2028`, `"\\u2028"`},
		{"\\\u2028", "\"\\\\\u2028\""},
		{"<&>\x01\b\f\n\r\t\"", `"<&>\u0001\b\f\n\r\t\""`},
	}
	for _, tt := range tests {
		if got := string(CanonicalJSON(tt.in)); got != tt.want {
			t.Errorf("CanonicalJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := canonicalString(tt.in); got != tt.want {
			t.Errorf("canonicalString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSeqcolSchema(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(SeqcolSchema())
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]struct {
			Collated bool `json:"collated"`
		}
		GA4GH struct{ Inherent, Transient []string } `json:"ga4gh"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Properties) != len(SeqcolAttributes) || !reflect.DeepEqual(s.GA4GH.Inherent, []string{"names", "sequences"}) ||
		!reflect.DeepEqual(s.GA4GH.Transient, []string{"sorted_name_length_pairs"}) {
		t.Errorf("schema %s", b)
	}
	for _, a := range SeqcolAttributes {
		if s.Properties[a].Collated != isCollated(a) {
			t.Errorf("%s: collated %v", a, s.Properties[a].Collated)
		}
	}
}

// FuzzCanonicalString checks the fast string quoting against CanonicalJSON.
func FuzzCanonicalString(f *testing.F) {
	for _, s := range []string{"", "chr1", "a\u2028b", `\u2029`, "\x00\x1f\x7f\"\\", "\xff\xfe", "Ünï 😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := canonicalString(s), string(CanonicalJSON(s)); got != want {
			t.Fatalf("canonicalString(%q) = %q, CanonicalJSON %q", s, got, want)
		}
	})
}

// BenchmarkCompareSeqcols compares two fresh 700-sequence collections
// (element counts computed inside the loop).
func BenchmarkCompareSeqcols(b *testing.B) {
	var c Collection
	for i := range 700 {
		c.Names = append(c.Names, "chr"+strconv.Itoa(i))
		c.SeqIDs = append(c.SeqIDs, GA4GHDigest([]byte(strconv.Itoa(i))))
		c.Lengths = append(c.Lengths, int64(1000+i))
	}
	b.ReportAllocs()
	for b.Loop() {
		CompareSeqcols(NewSeqcol(c), NewSeqcol(c))
	}
}
