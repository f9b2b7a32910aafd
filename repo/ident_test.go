package repo_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// TestTranslateAPI2DB is the table of docs/format.md, “Namespace
// translation”, plus the consequences listed there.
func TestTranslateAPI2DB(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ns, alias     string
		wantNS, wantA string
	}{
		{"refseq", "NM_000551.3", "NCBI", "NM_000551.3"},
		{"RefSeq", "NM_000551.3", "NCBI", "NM_000551.3"},
		{"REFSEQ", "NM_000551.3", "NCBI", "NM_000551.3"},
		{"rEfSeQ", "x", "NCBI", "x"},
		{"NCBI", "NM_000551.3", "NCBI", "NM_000551.3"},
		{"ncbi", "NM_000551.3", "ncbi", "NM_000551.3"}, // not translated
		{"ensembl", "ENST00000288602.11", "Ensembl", "ENST00000288602.11"},
		{"Ensembl", "ENST00000288602.11", "Ensembl", "ENST00000288602.11"},
		{"ENSEMBL", "ENST00000288602.11", "ENSEMBL", "ENST00000288602.11"}, // not translated
		{"lrg", "LRG_99t1", "LRG", "LRG_99t1"},
		{"LRG", "LRG_99t1", "LRG", "LRG_99t1"},
		{"Lrg", "LRG_99t1", "Lrg", "LRG_99t1"},
		{"sha512t24u", "v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_", "VMC", "GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"},
		{"sha512t24u", "", "VMC", ""}, // alias absent stays absent
		{"SHA512T24U", "x", "SHA512T24U", "x"},
		{"ga4gh", "SQ.v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_", "VMC", "GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"},
		{"ga4gh", "XX.abc", "VMC", "GS_abc"}, // first three characters dropped blindly
		{"ga4gh", "", "VMC", ""},
		{"GA4GH", "SQ.v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_", "GA4GH", "SQ.v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"}, // not translated
		{"MD5", "215137b1973c1a5afcf86be7d999574a", "MD5", "215137b1973c1a5afcf86be7d999574a"},
		{"md5", "215137b1973c1a5afcf86be7d999574a", "md5", "215137b1973c1a5afcf86be7d999574a"},
		{"VMC", "GS_x", "VMC", "GS_x"},
		{"GRCh38", "chr1", "GRCh38", "chr1"},
		{"", "NM_000551.3", "", "NM_000551.3"},
	}
	for _, tt := range tests {
		ns, a := repo.TranslateAPI2DB(tt.ns, tt.alias)
		if ns != tt.wantNS || a != tt.wantA {
			t.Errorf("TranslateAPI2DB(%q, %q) = (%q, %q), want (%q, %q)", tt.ns, tt.alias, ns, a, tt.wantNS, tt.wantA)
		}
	}
}

func TestTranslateDB2API(t *testing.T) {
	t.Parallel()
	added := time.Date(2016, 8, 24, 5, 3, 11, 0, time.UTC)
	rec := func(ns, a string) repo.Alias {
		return repo.Alias{SeqID: "v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_", Namespace: ns, Alias: a, Added: added, Current: true}
	}
	tests := []struct {
		in   repo.Alias
		want []repo.Alias
	}{
		{rec("NCBI", "NM_000551.3"), []repo.Alias{rec("refseq", "NM_000551.3")}},
		{rec("Ensembl", "ENST1.1"), []repo.Alias{rec("ensembl", "ENST1.1")}},
		{rec("LRG", "LRG_1"), []repo.Alias{rec("lrg", "LRG_1")}},
		{rec("VMC", "GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"), []repo.Alias{
			rec("sha512t24u", "v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"),
			rec("ga4gh", "SQ.v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"),
		}},
		{rec("VMC", "not-a-gs"), nil},
		{rec("MD5", "215137b1973c1a5afcf86be7d999574a"), nil},
		{rec("ncbi", "x"), nil},
		{rec("refseq", "x"), nil},
	}
	for _, tt := range tests {
		if got := repo.TranslateDB2API(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("TranslateDB2API(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// ExpandTranslations puts each record's translations right after it.
	in := []repo.Alias{rec("MD5", "m"), rec("NCBI", "NM_000551.3"), rec("SEGUID", "s"), rec("VMC", "GS_x")}
	var got []string
	for _, a := range repo.ExpandTranslations(in) {
		got = append(got, a.String())
	}
	want := []string{"MD5:m", "NCBI:NM_000551.3", "refseq:NM_000551.3", "SEGUID:s", "VMC:GS_x", "sha512t24u:x", "ga4gh:SQ.x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ExpandTranslations = %v, want %v", got, want)
	}
}

func TestLike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"NM_%", "NM_000551.3", true},
		{"NM_%", "nm1234", true}, // '_' is a wildcard, ASCII case-insensitive
		{"NM_%", "NM", false},
		{"abc", "ABC", true},
		{"ABC", "abc", true},
		{"a_c", "abc", true},
		{"a_c", "ac", false},
		{"a_c", "abbc", false},
		{"%", "", true},
		{"%", "anything at all", true},
		{"%%", "x", true},
		{"", "", true},
		{"", "a", false},
		{"a", "", false},
		{"ros%", "rose", true},
		{"ros%", "ROSA", true},
		{"ros%", "pros", false},
		{"%ose", "rose", true},
		{"%os%", "rose", true},
		{"a%b%c", "aXbYc", true},
		{"a%b%c", "abc", true},
		{"a%b%c", "aXbY", false},
		{"%a%a%a", "aaa", true},
		{"%a%a%a", "aa", false},
		{"a%%b", "ab", true},
		{"_", "ä", true},   // one character, not one byte
		{"__", "ä", false}, // ä is one character
		{"é", "É", false},  // only ASCII folds
		{"é", "é", true},
		{"ß", "SS", false},
		{"[a]", "a", false}, // no character classes
		{`a\%`, `a%`, false},
		{`a\%`, `a\xyz`, true}, // backslash is not an escape
		{"6681ac2f%", "6681AC2F62509cfc220d78751b8dc524", true},
		{"GS_ZoGsLw==%", "GS_ZoGsLw==", true},
		{"x_", "x\n", true},
		{"%.1", "NC_000001.1", true},
		{"%.1", "NC_000001.11", false},
	}
	for _, tt := range tests {
		if got := repo.Like(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Like(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestMatchesAndAliasQuery(t *testing.T) {
	t.Parallel()
	a := repo.Alias{SeqID: "abc", Namespace: "NCBI", Alias: "NM_1.1", Current: true}
	old := a
	old.Current = false
	tests := []struct {
		q    repo.AliasQuery
		a    repo.Alias
		want bool
	}{
		{repo.AliasQuery{}, a, true},
		{repo.AliasQuery{}, old, false},
		{repo.AliasQuery{IncludeHistoric: true}, old, true},
		{repo.AliasQuery{Namespace: "NCBI"}, a, true},
		{repo.AliasQuery{Namespace: "ncbi"}, a, false}, // '=' is case-sensitive
		{repo.AliasQuery{Namespace: "ncbi%"}, a, true}, // LIKE is not
		{repo.AliasQuery{Alias: "NM_1.1"}, a, true},
		{repo.AliasQuery{Alias: "NM_1"}, a, false},
		{repo.AliasQuery{Alias: "NM%"}, a, true},
		{repo.AliasQuery{SeqID: "abc", Namespace: "NCBI", Alias: "NM_1.1"}, a, true},
		{repo.AliasQuery{SeqID: "abd", Namespace: "NCBI", Alias: "NM_1.1"}, a, false},
		{repo.AliasQuery{SeqID: "a%"}, a, true},
	}
	for _, tt := range tests {
		if got := tt.q.Match(tt.a); got != tt.want {
			t.Errorf("%+v.Match(%+v) = %v, want %v", tt.q, tt.a, got, tt.want)
		}
	}
	if !repo.IsPattern("a%") || repo.IsPattern("a_") {
		t.Error("IsPattern: only '%' makes a pattern")
	}
}

func TestInferNamespaces(t *testing.T) {
	t.Parallel()
	// The bioutils.accessions.infer_namespaces doctest examples, and more.
	tests := map[string][]string{
		"ENST00000530893.6": {"ensembl"},
		"ENSG00000139618":   {"ensembl"},
		"NM_01234":          {"refseq"},
		"NM_01234.5":        {"refseq"},
		"NC_000001.11":      {"refseq"},
		"NZ_ABCD12345678":   {"refseq"},
		"NQ_01234.5":        nil,
		"A2BC19":            {"uniprot"},
		"P12345":            {"insdc", "uniprot"},
		"U14680.1":          {"insdc"},
		"AB123456":          {"insdc"},
		"rose":              nil,
		"":                  nil,
	}
	for id, want := range tests {
		if got := repo.InferNamespaces(id); !reflect.DeepEqual(got, want) {
			t.Errorf("InferNamespaces(%q) = %v, want %v", id, got, want)
		}
	}
}

const (
	phixMD5   = "3332ed720ac7eaa9b3655c06f6b9e196"
	phixSeqID = "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"
)

func TestCandidates(t *testing.T) {
	t.Parallel()
	type C = repo.Candidate
	phixT512 := repo.TRUNC512(phixSeqID)
	tests := []struct {
		name  string
		id    string
		ns    string
		style repo.Style
		want  []C
	}{
		// StyleSeqRepo: digest forms first, then ns:alias, then any namespace.
		{"seqrepo MD5:", "MD5:" + phixMD5, "", repo.StyleSeqRepo, []C{{"MD5", phixMD5}, {"", "MD5:" + phixMD5}}},
		{"seqrepo md5: upper hex", "md5:3332ED720AC7EAA9B3655C06F6B9E196", "", repo.StyleSeqRepo, []C{{"MD5", phixMD5}, {"", "md5:3332ED720AC7EAA9B3655C06F6B9E196"}}},
		{"seqrepo bare md5", phixMD5, "", repo.StyleSeqRepo, []C{{"MD5", phixMD5}, {"", phixMD5}}},
		{"seqrepo SQ.", "SQ." + phixSeqID, "", repo.StyleSeqRepo, []C{{"VMC", "GS_" + phixSeqID}, {"", "SQ." + phixSeqID}}},
		{"seqrepo ga4gh:SQ.", "ga4gh:SQ." + phixSeqID, "", repo.StyleSeqRepo, []C{{"VMC", "GS_" + phixSeqID}, {"", "ga4gh:SQ." + phixSeqID}}},
		{"seqrepo trunc512", phixT512, "", repo.StyleSeqRepo, []C{{"VMC", "GS_" + phixSeqID}, {"", phixT512}}},
		{"seqrepo trunc512:", "trunc512:" + phixT512, "", repo.StyleSeqRepo, []C{{"VMC", "GS_" + phixSeqID}, {"", "trunc512:" + phixT512}}},
		{"seqrepo sha512t24u:", "sha512t24u:" + phixSeqID, "", repo.StyleSeqRepo, []C{{"sha512t24u", phixSeqID}, {"", "sha512t24u:" + phixSeqID}}},
		{"seqrepo refseq:", "refseq:NC_001422.1", "", repo.StyleSeqRepo, []C{{"refseq", "NC_001422.1"}, {"", "refseq:NC_001422.1"}}},
		{"seqrepo defline alias splits at first colon", "test:I Saccharomyces_cerevisiae chromosome:R64-1-1:I:1:230218:1 REF", "", repo.StyleSeqRepo,
			[]C{{"test", "I Saccharomyces_cerevisiae chromosome:R64-1-1:I:1:230218:1 REF"}, {"", "test:I Saccharomyces_cerevisiae chromosome:R64-1-1:I:1:230218:1 REF"}}},
		{"seqrepo bare", "NC_001422.1", "", repo.StyleSeqRepo, []C{{"", "NC_001422.1"}}},
		{"seqrepo leading colon", ":abc", "", repo.StyleSeqRepo, []C{{"", ":abc"}}},
		{"seqrepo 31 hex is not md5", phixMD5[:31], "", repo.StyleSeqRepo, []C{{"", phixMD5[:31]}}},
		{"seqrepo SQ. wrong length", "SQ.abc", "", repo.StyleSeqRepo, []C{{"", "SQ.abc"}}},
		{"seqrepo explicit namespace", "NC_001422.1", "refseq", repo.StyleSeqRepo, []C{{"refseq", "NC_001422.1"}}},
		{"seqrepo explicit namespace wins over digest", phixMD5, "test", repo.StyleSeqRepo, []C{{"test", phixMD5}}},

		// StyleREST: docs/format.md, “Identifier heuristic”.
		{"rest ns:alias", "refseq:NM_000551.3", "", repo.StyleREST, []C{{"refseq", "NM_000551.3"}}},
		{"rest split at first colon", "a:b:c", "", repo.StyleREST, []C{{"a", "b:c"}}},
		{"rest ga4gh", "ga4gh:SQ." + phixSeqID, "", repo.StyleREST, []C{{"ga4gh", "SQ." + phixSeqID}}},
		{"rest refseq inferred", "NM_01234", "", repo.StyleREST, []C{{"refseq", "NM_01234"}}},
		{"rest ensembl inferred", "ENST00000530893.6", "", repo.StyleREST, []C{{"ensembl", "ENST00000530893.6"}}},
		{"rest uniprot inferred", "A2BC19", "", repo.StyleREST, []C{{"uniprot", "A2BC19"}}},
		{"rest insdc+uniprot inferred", "P12345", "", repo.StyleREST, []C{{"insdc", "P12345"}, {"uniprot", "P12345"}}},
		{"rest nothing inferred", "NQ_01234.5", "", repo.StyleREST, []C{{"", "NQ_01234.5"}}},
		{"rest 8 hex prefix", "3332ed72", "", repo.StyleREST, []C{{"MD5", "3332ed72%"}, {"VMC", "GS_MzLtcg==%"}}},
		{"rest 6 hex is not a digest", "3332ed", "", repo.StyleREST, []C{{"", "3332ed"}}},
		{"rest md5 is a prefix match", phixMD5, "", repo.StyleREST, []C{{"MD5", phixMD5 + "%"}, {"VMC", "GS_MzLtcgrH6qmzZVwG9rnhlg==%"}}},
		{"rest trunc512 maps to the seq_id", phixT512, "", repo.StyleREST, []C{{"MD5", phixT512 + "%"}, {"VMC", "GS_" + phixSeqID + "%"}}},
		{"rest bare seq_id", phixSeqID, "", repo.StyleREST, []C{{"", phixSeqID}}},

		// StyleRefget: exact digests, then REST rules.
		{"refget md5:", "md5:" + phixMD5, "", repo.StyleRefget, []C{{"MD5", phixMD5}}},
		{"refget bare md5", phixMD5, "", repo.StyleRefget, []C{{"MD5", phixMD5}}},
		{"refget ga4gh:SQ.", "ga4gh:SQ." + phixSeqID, "", repo.StyleRefget, []C{{"VMC", "GS_" + phixSeqID}}},
		{"refget SQ.", "SQ." + phixSeqID, "", repo.StyleRefget, []C{{"VMC", "GS_" + phixSeqID}}},
		{"refget trunc512", phixT512, "", repo.StyleRefget, []C{{"VMC", "GS_" + phixSeqID}}},
		{"refget falls back to REST", "NM_01234", "", repo.StyleRefget, []C{{"refseq", "NM_01234"}}},
		{"refget hex prefix", "3332ed72", "", repo.StyleRefget, []C{{"MD5", "3332ed72%"}, {"VMC", "GS_MzLtcg==%"}}},
		{"refget explicit namespace", "x", "NCBI", repo.StyleRefget, []C{{"NCBI", "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := repo.Candidates(tt.id, tt.ns, tt.style)
			if err != nil {
				t.Fatalf("Candidates(%q, %q): %v", tt.id, tt.ns, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Candidates(%q, %q) = %v, want %v", tt.id, tt.ns, got, tt.want)
			}
		})
	}
}

func TestCandidatesOddHex(t *testing.T) {
	t.Parallel()
	for _, style := range []repo.Style{repo.StyleREST, repo.StyleRefget} {
		_, err := repo.Candidates("3332ed720", "", style)
		var ie *repo.IdentifierError
		if !errors.As(err, &ie) || ie.ID != "3332ed720" {
			t.Fatalf("style %d: odd-length hex error = %v, want *IdentifierError naming the id", style, err)
		}
		if !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("style %d: odd-length hex error does not match ErrNotFound", style)
		}
	}
	// StyleSeqRepo has no hex-prefix rule: an odd-length hex string is an
	// ordinary alias.
	got, err := repo.Candidates("3332ed720", "", repo.StyleSeqRepo)
	if err != nil || !reflect.DeepEqual(got, []repo.Candidate{{Namespace: "", Alias: "3332ed720"}}) {
		t.Errorf("StyleSeqRepo odd hex = %v, %v", got, err)
	}
}

func TestCandidateQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    repo.Candidate
		want repo.AliasQuery
	}{
		{repo.Candidate{Namespace: "refseq", Alias: "NM_1.1"}, repo.AliasQuery{Namespace: "NCBI", Alias: "NM_1.1"}},
		{repo.Candidate{Namespace: "ga4gh", Alias: "SQ.x"}, repo.AliasQuery{Namespace: "VMC", Alias: "GS_x"}},
		{repo.Candidate{Namespace: "sha512t24u", Alias: "x"}, repo.AliasQuery{Namespace: "VMC", Alias: "GS_x"}},
		{repo.Candidate{Namespace: "", Alias: "rose"}, repo.AliasQuery{Alias: "rose"}},
		{repo.Candidate{Namespace: "MD5", Alias: "3332ed72%"}, repo.AliasQuery{Namespace: "MD5", Alias: "3332ed72%"}},
	}
	for _, tt := range tests {
		if got := tt.c.Query(); got != tt.want {
			t.Errorf("%+v.Query() = %+v, want %+v", tt.c, got, tt.want)
		}
	}
}

// TestCheckCoordinates is the pysam table of docs/format.md, “Coordinates”,
// on "SMELLASSWEET".
func TestCheckCoordinates(t *testing.T) {
	t.Parallel()
	const seq = "SMELLASSWEET"
	const none = repo.ToEnd
	tests := []struct {
		start, end int64
		want       string
		err        string
	}{
		{0, none, "SMELLASSWEET", ""},
		{5, 7, "AS", ""},
		{5, none, "ASSWEET", ""},
		{0, 5, "SMELL", ""},
		{10, 20, "ET", ""},
		{12, 20, "", ""},
		{20, 30, "", ""},
		{20, none, "", ""},
		{5, 5, "", ""},
		{0, 0, "", ""},
		{0, 12, "SMELLASSWEET", ""},
		{7, 5, "", "invalid coordinates: start (7) > stop (5)"},
		{-1, 3, "", "start out of range (-1)"},
		{-3, none, "", "start out of range (-3)"},
		{3, -1, "", "invalid coordinates: start (3) > stop (-1)"},
		{0, -1, "", "invalid coordinates: start (0) > stop (-1)"},
	}
	for _, tt := range tests {
		s, e, err := repo.CheckCoordinates(tt.start, tt.end, int64(len(seq)))
		if tt.err != "" {
			var ce *repo.CoordinateError
			if !errors.As(err, &ce) || err.Error() != tt.err || !errors.Is(err, repo.ErrBadCoordinates) {
				t.Errorf("CheckCoordinates(%d, %d) error = %v, want %q", tt.start, tt.end, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("CheckCoordinates(%d, %d): %v", tt.start, tt.end, err)
			continue
		}
		if s < 0 || e > int64(len(seq)) || s > e {
			t.Errorf("CheckCoordinates(%d, %d) = [%d, %d) outside the sequence", tt.start, tt.end, s, e)
			continue
		}
		if got := seq[s:e]; got != tt.want {
			t.Errorf("CheckCoordinates(%d, %d) selects %q, want %q", tt.start, tt.end, got, tt.want)
		}
	}
	// An empty sequence: everything is empty, nothing is an error but the
	// pysam errors.
	if s, e, err := repo.CheckCoordinates(0, none, 0); err != nil || s != e {
		t.Errorf("empty sequence: [%d, %d) %v", s, e, err)
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err      error
		sentinel error
		msg      string
	}{
		{&repo.NotFoundError{Alias: "rose"}, repo.ErrNotFound, "Alias rose (namespace: None) not found"},
		{&repo.NotFoundError{Alias: "rose", Namespace: "en"}, repo.ErrNotFound, "Alias rose (namespace: en) not found"},
		{&repo.AmbiguousError{Alias: "coin", Candidates: []string{"a", "b"}}, repo.ErrAmbiguous, "Alias coin (namespace: None): not unique: matches 2 sequences: a, b"},
		{&repo.AmbiguousError{Alias: "coin", Namespace: "x", Candidates: []string{"a", "b"}, Detail: "d"}, repo.ErrAmbiguous, "Alias coin (namespace: x): not unique: matches 2 sequences: a, b (d)"},
		{&repo.SeqNotFoundError{SeqID: "q"}, repo.ErrNotFound, "sequence q not found"},
		{&repo.CoordinateError{Msg: "m"}, repo.ErrBadCoordinates, "m"},
		{repo.Unavailable("redis://h", errors.New("refused")), repo.ErrUnavailable, "redis://h: refused"},
		{repo.Corrupt("f.gzi", errors.New("short")), repo.ErrCorrupt, "f.gzi: short"},
	}
	for _, tt := range tests {
		if tt.err.Error() != tt.msg {
			t.Errorf("message %q, want %q", tt.err.Error(), tt.msg)
		}
		if !errors.Is(tt.err, tt.sentinel) {
			t.Errorf("%v does not match %v", tt.err, tt.sentinel)
		}
	}
	inner := errors.New("inner")
	if err := repo.Unavailable("x", inner); !errors.Is(err, inner) {
		t.Error("Unavailable does not wrap its cause")
	}
}
