package repotest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// Caps declares what a source legitimately cannot answer, so that RunWith
// relaxes exactly those checks and no others. The zero value demands
// everything (it is what Run uses). A relaxed question is still asked: the
// source may refuse it as described, but an answer it does give must be
// right.
type Caps struct {
	// ExactQueriesOnly: FindAliases answers only queries that name an
	// exact alias or seq_id. Queries with '%' patterns and queries naming
	// neither an alias nor a seq_id (listing a namespace or everything)
	// may fail with an error matching repo.ErrUnsupported, and so may
	// Resolve of identifiers whose candidates are patterns (including the
	// hex-prefix heuristics of StyleREST). A bare alias containing ':'
	// (the sample's yeast deflines) may also be not found, since such
	// servers split an identifier at its first colon; with its namespace
	// given it must still resolve.
	ExactQueriesOnly bool
	// NoAlphabetOrAdded: Info and Sequences may leave Alphabet empty and
	// Added zero, and alias records may carry a zero Added time. A value
	// that is given must be right; SeqID and Length are always checked.
	NoAlphabetOrAdded bool
	// MissingNamespaces are DB-form alias namespaces (such as "SHA1",
	// "SEGUID") whose records the source may omit: alias listings
	// (FindAliases, Aliases, NamespaceAliases) are compared with the
	// expectation from which any of those records may be missing, and
	// look-ups by those namespaces may be not found. Records the source
	// does return must still be right.
	MissingNamespaces []string
}

// Run asks the source returned by open every conformance question. The
// source must hold exactly the bundled sample instance (see Sample); Run
// closes it at the end. Questions a source answers with repo.ErrUnsupported
// (enumerating namespaces or sequences) are skipped, not failed. Run is
// RunWith with the zero Caps.
//
// The questions are parallel subtests of t: they run after the function
// that called Run returns, and before t's cleanups. Whatever the source
// needs (a server, a directory, an inner source) must therefore be
// released with t.Cleanup, not defer, and code after Run in the same
// function runs before the questions are asked.
func Run(t *testing.T, open func(t *testing.T) repo.Source) {
	t.Helper()
	RunWith(t, open, Caps{})
}

// RunWith is Run for a source with the limitations declared in caps (see
// Caps); every check that caps does not relax stays strict.
func RunWith(t *testing.T, open func(t *testing.T) repo.Source, caps Caps) {
	t.Helper()
	src := open(t)
	if src == nil {
		t.Fatal("open returned a nil source")
	}
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ctx := context.Background()
	full := make(map[string][]byte, len(Sample))
	for _, s := range Sample {
		b, err := repo.Slice(ctx, src, s.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatalf("read whole %s: %v", s.SeqID, err)
		}
		full[s.SeqID] = b
	}
	c := &checker{src: src, caps: caps}

	// The questions only read src, so they run in parallel with each
	// other; src is closed by the cleanup above, after the last of them.
	for _, q := range []struct {
		name string
		ask  func(t *testing.T)
	}{
		{"Digests", func(t *testing.T) { testDigests(t, full) }},
		{"KnownSlices", func(t *testing.T) { testKnownSlices(t, src) }},
		{"Coordinates", func(t *testing.T) { testCoordinates(t, src, full) }},
		{"ReadSequence", func(t *testing.T) { testReadSequence(t, src, full) }},
		{"Info", c.testInfo},
		{"Resolve", c.testResolve},
		{"FindAliases", c.testFindAliases},
		{"Aliases", c.testAliases},
		{"NamespaceAliases", c.testNamespaceAliases},
		{"Namespaces", func(t *testing.T) { testNamespaces(t, src) }},
		{"Sequences", c.testSequences},
		{"Concurrent", func(t *testing.T) { testConcurrent(t, src, full) }},
	} {
		t.Run(q.name, func(t *testing.T) {
			t.Parallel()
			q.ask(t)
		})
	}
}

// checker asks the questions whose checks depend on the source's Caps.
type checker struct {
	src  repo.Source
	caps Caps
}

// missing reports whether records of the DB-form namespace ns may be
// omitted.
func (c *checker) missing(ns string) bool { return slices.Contains(c.caps.MissingNamespaces, ns) }

// infoOK reports whether info describes s, as far as the caps require;
// wantUTC also requires a given Added time to be in UTC.
func (c *checker) infoOK(info repo.Info, s SampleSeq, wantUTC bool) bool {
	alphabetOK := info.Alphabet == s.Alphabet || (c.caps.NoAlphabetOrAdded && info.Alphabet == "")
	addedOK := (info.Added.Equal(s.Added) && (!wantUTC || info.Added.Location() == time.UTC)) ||
		(c.caps.NoAlphabetOrAdded && info.Added.IsZero())
	return info.SeqID == s.SeqID && info.Length == s.Length && alphabetOK && addedOK
}

// sameModuloMissing reports whether got is want with none, some or all of
// its records in missing namespaces left out (order kept). nsOf extracts a
// record's namespace.
func (c *checker) sameModuloMissing(got, want []string, nsOf func(string) string) bool {
	i := 0
	for _, w := range want {
		if i < len(got) && got[i] == w {
			i++
			continue
		}
		if !c.missing(nsOf(w)) {
			return false
		}
	}
	return i == len(got)
}

// excused reports whether err is a refusal the caps allow for a question
// they relax: always an error matching repo.ErrUnsupported, and a miss
// (repo.ErrNotFound) too when notFoundOK.
func excused(err error, notFoundOK bool) bool {
	return errors.Is(err, repo.ErrUnsupported) || (notFoundOK && errors.Is(err, repo.ErrNotFound))
}

func testDigests(t *testing.T, full map[string][]byte) {
	for _, s := range Sample {
		b := full[s.SeqID]
		if int64(len(b)) != s.Length {
			t.Errorf("%s: read %d residues, want %d", s.SeqID, len(b), s.Length)
		}
		sum := md5.Sum(b)
		if got := hex.EncodeToString(sum[:]); got != s.MD5 {
			t.Errorf("%s: MD5 of the bytes read = %s, want %s", s.SeqID, got, s.MD5)
		}
		d, err := repo.ComputeDigests(b)
		if err != nil {
			t.Errorf("%s: ComputeDigests: %v", s.SeqID, err)
			continue
		}
		want := repo.Digests{SeqID: s.SeqID, MD5: s.MD5, SHA1: s.SHA1, SEGUID: s.SEGUID}
		if d != want {
			t.Errorf("%s: digests = %+v, want %+v", s.SeqID, d, want)
		}
		if got := repo.Alphabet(b); got != s.Alphabet {
			t.Errorf("%s: alphabet of the bytes = %q, want %q", s.SeqID, got, s.Alphabet)
		}
	}
}

func testKnownSlices(t *testing.T, src repo.Source) {
	ctx := context.Background()
	for _, s := range Sample {
		for start, want := range s.Slices {
			end := start + int64(len(want))
			if start < 0 {
				start, end = s.Length+start, s.Length
			}
			got, err := repo.Slice(ctx, src, s.SeqID, start, end)
			if err != nil || string(got) != want {
				t.Errorf("%s[%d:%d] = %q, %v; want %q", s.SeqID, start, end, got, err, want)
			}
		}
	}
}

func testCoordinates(t *testing.T, src repo.Source, full map[string][]byte) {
	ctx := context.Background()
	s := Sample[0] // phiX174, 5386 nt
	seq := full[s.SeqID]
	n := s.Length
	tests := []struct {
		name       string
		start, end int64
		want       string // ignored when wantErr
		wantErr    bool
	}{
		{"whole", 0, repo.ToEnd, string(seq), false},
		{"5-7", 5, 7, string(seq[5:7]), false},
		{"open end", 5, repo.ToEnd, string(seq[5:]), false},
		{"prefix", 0, 5, string(seq[:5]), false},
		{"end clipped", n - 6, n + 14, string(seq[n-6:]), false},
		{"start at length", n, n + 8, "", false},
		{"start beyond length", n + 10, n + 20, "", false},
		{"start beyond length open end", n + 10, repo.ToEnd, "", false},
		{"empty 5-5", 5, 5, "", false},
		{"empty 0-0", 0, 0, "", false},
		{"line boundary", 99, 102, string(seq[99:102]), false},
		{"across many lines", 1234, 4321, string(seq[1234:4321]), false},
		{"start > end", 7, 5, "", true},
		{"negative start", -1, 3, "", true},
		{"negative start open end", -3, repo.ToEnd, "", true},
		{"negative end", 3, -1, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := repo.Slice(ctx, src, s.SeqID, tc.start, tc.end)
			if tc.wantErr {
				if !errors.Is(err, repo.ErrBadCoordinates) {
					t.Fatalf("Slice(%d, %d) = %q, %v; want an error matching ErrBadCoordinates", tc.start, tc.end, got, err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Slice(%d, %d) = %d bytes %.20q, %v; want %d bytes %.20q", tc.start, tc.end, len(got), got, err, len(tc.want), tc.want)
			}
		})
	}
}

func testReadSequence(t *testing.T, src repo.Source, full map[string][]byte) {
	ctx := context.Background()
	s := Sample[0]
	seq := full[s.SeqID]
	n := s.Length
	buf := make([]byte, 64)

	// Reading up to the end gives the tail and io.EOF.
	c, err := src.ReadSequence(ctx, s.SeqID, buf, n-10)
	if c != 10 || !errors.Is(err, io.EOF) || string(buf[:c]) != string(seq[n-10:]) {
		t.Errorf("ReadSequence(start=len-10, 64 bytes) = %d %q, %v; want 10 %q, io.EOF", c, buf[:c], err, seq[n-10:])
	}
	// A read that ends exactly at the end is complete (nil or io.EOF).
	c, err = src.ReadSequence(ctx, s.SeqID, buf[:10], n-10)
	if c != 10 || (err != nil && !errors.Is(err, io.EOF)) || string(buf[:c]) != string(seq[n-10:]) {
		t.Errorf("ReadSequence(start=len-10, 10 bytes) = %d %q, %v; want 10 %q", c, buf[:c], err, seq[n-10:])
	}
	// start == length: nothing, io.EOF.
	c, err = src.ReadSequence(ctx, s.SeqID, buf, n)
	if c != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("ReadSequence(start=len) = %d, %v; want 0, io.EOF", c, err)
	}
	// start beyond the length or negative: bad coordinates.
	for _, start := range []int64{n + 1, n + 1000, -1} {
		c, err = src.ReadSequence(ctx, s.SeqID, buf, start)
		if c != 0 || !errors.Is(err, repo.ErrBadCoordinates) {
			t.Errorf("ReadSequence(start=%d) = %d, %v; want 0 and an error matching ErrBadCoordinates", start, c, err)
		}
	}
	// Unknown seq_id: not found.
	for _, id := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nope", ""} {
		if _, err := src.Info(ctx, id); !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("Info(%q) error = %v; want ErrNotFound", id, err)
		}
		if c, err := src.ReadSequence(ctx, id, buf, 0); c != 0 || !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("ReadSequence(%q) = %d, %v; want ErrNotFound", id, c, err)
		}
	}
	// Reads spanning BGZF block boundaries of the long sequences.
	for _, s := range Sample[1:] {
		seq := full[s.SeqID]
		for _, start := range []int64{65000, 65280 - 50, 130000, s.Length - 70000} {
			p := make([]byte, 70000)
			if err := repo.ReadFull(ctx, src, s.SeqID, p, start); err != nil || string(p) != string(seq[start:start+70000]) {
				t.Errorf("%s: ReadFull(%d, 70000): %v, bytes equal: %v", s.SeqID, start, err, string(p) == string(seq[start:start+70000]))
			}
		}
	}
}

func (c *checker) testInfo(t *testing.T) {
	ctx := context.Background()
	for _, s := range Sample {
		info, err := c.src.Info(ctx, s.SeqID)
		if err != nil {
			t.Errorf("Info(%s): %v", s.SeqID, err)
			continue
		}
		if !c.infoOK(info, s, true) {
			want := repo.Info{SeqID: s.SeqID, Length: s.Length, Alphabet: s.Alphabet, Added: s.Added}
			t.Errorf("Info(%s) = %+v; want %+v (UTC)", s.SeqID, info, want)
		}
	}
}

// resolveExcuse says which refusals the caps allow for an identifier:
// unsupported is set when a source answering exact queries only may refuse
// it (a candidate query is a pattern), notFound when it may also miss it (a
// bare alias containing ':' for such a source, or a look-up by a namespace
// the source may omit). why explains the excuse.
func (c *checker) resolveExcuse(id, namespace string, style repo.Style) (unsupported, notFound bool, why string) {
	cands, err := repo.Candidates(id, namespace, style)
	if err != nil {
		return false, false, ""
	}
	if c.caps.ExactQueriesOnly {
		for _, cd := range cands {
			if q := cd.Query(); repo.IsPattern(q.Namespace) || repo.IsPattern(q.Alias) {
				return true, false, "pattern query on an exact-queries-only source"
			}
		}
		if namespace == "" && style == repo.StyleSeqRepo && strings.Contains(id, ":") {
			for _, s := range Sample {
				if id == s.TestAlias {
					return true, true, "bare alias containing ':' on an exact-queries-only source"
				}
			}
		}
	}
	// The first candidate decides when it matches; a look-up is by a
	// missing namespace when that candidate names one.
	if len(cands) > 0 && c.missing(cands[0].Query().Namespace) {
		return true, true, "look-up by a namespace the source may omit"
	}
	return false, false, ""
}

// checkResolve checks Resolve(id, namespace, style) against want (""
// meaning not found), allowing only the refusals resolveExcuse grants.
func (c *checker) checkResolve(t *testing.T, id, namespace string, style repo.Style, want string) {
	t.Helper()
	got, err := repo.Resolve(context.Background(), c.src, id, namespace, style)
	if unsup, nf, why := c.resolveExcuse(id, namespace, style); (unsup || nf) && err != nil && excused(err, nf) {
		t.Logf("Resolve(%q, namespace %q, style %d): %v (allowed: %s)", id, namespace, style, err, why)
		return
	}
	if want == "" {
		if !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("Resolve(%q, namespace %q, style %d) = %q, %v; want ErrNotFound", id, namespace, style, got, err)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("Resolve(%q, namespace %q, style %d) = %q, %v; want %q", id, namespace, style, got, err, want)
	}
}

func (c *checker) testResolve(t *testing.T) {
	ctx := context.Background()
	type tc struct {
		id    string
		style repo.Style
		want  string
	}
	var tests []tc
	for _, s := range Sample {
		for _, id := range []string{
			"MD5:" + s.MD5,
			"md5:" + strings.ToUpper(s.MD5),
			s.MD5,
			strings.ToUpper(s.MD5),
			"SHA1:" + s.SHA1,
			"SEGUID:" + s.SEGUID,
			"VMC:GS_" + s.SeqID,
			"ga4gh:SQ." + s.SeqID,
			"SQ." + s.SeqID,
			"sha512t24u:" + s.SeqID,
			repo.TRUNC512(s.SeqID),
			strings.ToUpper(repo.TRUNC512(s.SeqID)),
			"test:" + s.TestAlias,
			s.TestAlias,
			"MD5:" + s.MD5[:12] + "%",
		} {
			tests = append(tests, tc{id, repo.StyleSeqRepo, s.SeqID})
		}
		tests = append(tests,
			tc{s.MD5[:12], repo.StyleREST, s.SeqID},
			tc{repo.TRUNC512(s.SeqID), repo.StyleREST, s.SeqID},
			tc{"ga4gh:SQ." + s.SeqID, repo.StyleREST, s.SeqID},
			tc{s.MD5, repo.StyleRefget, s.SeqID},
			tc{"md5:" + s.MD5, repo.StyleRefget, s.SeqID},
			tc{"SQ." + s.SeqID, repo.StyleRefget, s.SeqID},
		)
	}
	tests = append(tests,
		tc{"test:NC_%", repo.StyleSeqRepo, Sample[0].SeqID},
		tc{"test:nc\\_001422%", repo.StyleSeqRepo, ""}, // no escape char in LIKE: backslash is literal
		tc{"test:VI %", repo.StyleSeqRepo, Sample[2].SeqID},
		tc{"test:vi_s%", repo.StyleSeqRepo, Sample[2].SeqID}, // LIKE: case-insensitive, '_' any char
		tc{"NC_001422.1%", repo.StyleSeqRepo, Sample[0].SeqID},
	)
	for _, tt := range tests {
		c.checkResolve(t, tt.id, "", tt.style, tt.want)
	}

	// Namespace given separately: exact, so never excused (not even a
	// defline containing ':').
	for _, s := range Sample {
		if got, err := repo.Resolve(ctx, c.src, s.TestAlias, "test", repo.StyleSeqRepo); err != nil || got != s.SeqID {
			t.Errorf("Resolve(%q, namespace test) = %q, %v; want %q", s.TestAlias, got, err, s.SeqID)
		}
	}

	// Ambiguous patterns list every candidate.
	for _, id := range []string{"test:%", "%", "MD5:%"} {
		_, err := repo.Resolve(ctx, c.src, id, "", repo.StyleSeqRepo)
		if unsup, _, why := c.resolveExcuse(id, "", repo.StyleSeqRepo); unsup && excused(err, false) {
			t.Logf("Resolve(%q): %v (allowed: %s)", id, err, why)
			continue
		}
		var ae *repo.AmbiguousError
		if !errors.Is(err, repo.ErrAmbiguous) || !errors.As(err, &ae) {
			t.Errorf("Resolve(%q) error = %v; want an *AmbiguousError", id, err)
			continue
		}
		want := []string{Sample[0].SeqID, Sample[1].SeqID, Sample[2].SeqID}
		if !slices.Equal(ae.Candidates, want) {
			t.Errorf("Resolve(%q) candidates = %v; want %v", id, ae.Candidates, want)
		}
	}

	// Unknown identifiers.
	for _, id := range []string{
		"MD5:00000000000000000000000000000000",
		"00000000000000000000000000000000",
		"SQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"ga4gh:SQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"test:nope",
		"nope",
		"md5:" + Sample[0].MD5[:31], // not 32 hex: literal alias in namespace md5
		"MD5:" + strings.ToUpper(Sample[0].MD5[:12]) + "x%",
		"ncbi:NC_001422.1",
		Sample[0].SeqID, // a bare sha512t24u is no alias
		"test:" + strings.ToUpper(Sample[0].TestAlias),
	} {
		c.checkResolve(t, id, "", repo.StyleSeqRepo, "")
	}
}

// collectAliases gathers a stream as "<seq_id[:4]> ns:alias" strings,
// stopping at the first error, which it returns.
func (c *checker) collectAliases(t *testing.T, seq func(func(repo.Alias, error) bool)) ([]string, error) {
	t.Helper()
	var out []string
	for a, err := range seq {
		if err != nil {
			return out, err
		}
		if !a.Current {
			t.Errorf("record %s of %s is not current", a, a.SeqID)
		}
		if a.Added.IsZero() && !c.caps.NoAlphabetOrAdded {
			t.Errorf("record %s of %s has no added time", a, a.SeqID)
		}
		if len(a.SeqID) < 4 {
			t.Errorf("record %s has a malformed seq_id %q", a, a.SeqID)
			out = append(out, a.SeqID+" "+a.String())
			continue
		}
		out = append(out, a.SeqID[:4]+" "+a.String())
	}
	return out, nil
}

// recordNS returns the namespace of a "<seq_id[:4]> ns:alias" record.
func recordNS(rec string) string {
	_, r, _ := strings.Cut(rec, " ")
	ns, _, _ := strings.Cut(r, ":")
	return ns
}

// aliasNS returns the namespace of an "ns:alias" string.
func aliasNS(s string) string {
	ns, _, _ := strings.Cut(s, ":")
	return ns
}

// sampleRecords returns the sample's alias records as "<seq_id[:4]>
// ns:alias", in find_aliases order, filtered by keep.
func sampleRecords(keep func(s SampleSeq, ns, alias string) bool) []string {
	var out []string
	for _, s := range Sample {
		for _, r := range [][2]string{
			{"MD5", s.MD5}, {"SEGUID", s.SEGUID}, {"SHA1", s.SHA1}, {"VMC", "GS_" + s.SeqID}, {"test", s.TestAlias},
		} {
			if keep == nil || keep(s, r[0], r[1]) {
				out = append(out, s.SeqID[:4]+" "+r[0]+":"+r[1])
			}
		}
	}
	return out
}

// exactQuery reports whether q names an exact alias or seq_id and has no
// pattern: what an ExactQueriesOnly source must answer.
func exactQuery(q repo.AliasQuery) bool {
	return !repo.IsPattern(q.SeqID) && !repo.IsPattern(q.Namespace) && !repo.IsPattern(q.Alias) &&
		(q.Alias != "" || q.SeqID != "")
}

func (c *checker) testFindAliases(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		q    repo.AliasQuery
		want []string
	}{
		{"all", repo.AliasQuery{}, sampleRecords(nil)},
		{"all incl. historic", repo.AliasQuery{IncludeHistoric: true}, sampleRecords(nil)},
		{"by seq_id", repo.AliasQuery{SeqID: Sample[1].SeqID}, sampleRecords(func(s SampleSeq, _, _ string) bool { return s.SeqID == Sample[1].SeqID })},
		{"seq_id pattern", repo.AliasQuery{SeqID: "z-%"}, sampleRecords(func(s SampleSeq, _, _ string) bool { return s.SeqID == Sample[2].SeqID })},
		{"namespace exact", repo.AliasQuery{Namespace: "MD5"}, sampleRecords(func(_ SampleSeq, ns, _ string) bool { return ns == "MD5" })},
		{"namespace exact is case-sensitive", repo.AliasQuery{Namespace: "md5"}, nil},
		{"namespace LIKE is case-insensitive", repo.AliasQuery{Namespace: "md%"}, sampleRecords(func(_ SampleSeq, ns, _ string) bool { return ns == "MD5" })},
		{"underscore wildcard", repo.AliasQuery{Namespace: "S_A%"}, sampleRecords(func(_ SampleSeq, ns, _ string) bool { return ns == "SHA1" })},
		{"underscore needs a char", repo.AliasQuery{Namespace: "MD5_%"}, nil},
		{"alias exact", repo.AliasQuery{Alias: Sample[0].TestAlias}, sampleRecords(func(s SampleSeq, ns, _ string) bool { return s.SeqID == Sample[0].SeqID && ns == "test" })},
		{"alias exact is case-sensitive", repo.AliasQuery{Alias: strings.ToUpper(Sample[0].MD5)}, nil},
		{"alias LIKE upper hex", repo.AliasQuery{Alias: strings.ToUpper(Sample[0].MD5[:10]) + "%"}, sampleRecords(func(s SampleSeq, ns, _ string) bool { return s.SeqID == Sample[0].SeqID && ns == "MD5" })},
		{"alias LIKE infix", repo.AliasQuery{Alias: "%chromosome:R64%"}, sampleRecords(func(s SampleSeq, ns, _ string) bool { return ns == "test" && s.SeqID != Sample[0].SeqID })},
		{"namespace and alias", repo.AliasQuery{Namespace: "VMC", Alias: "GS_%"}, sampleRecords(func(_ SampleSeq, ns, _ string) bool { return ns == "VMC" })},
		{"all three", repo.AliasQuery{SeqID: Sample[2].SeqID, Namespace: "test", Alias: "VI%"}, sampleRecords(func(s SampleSeq, ns, _ string) bool { return s.SeqID == Sample[2].SeqID && ns == "test" })},
		{"no match", repo.AliasQuery{Namespace: "NCBI"}, nil},
	}
	// Exact queries an ExactQueriesOnly source must answer, including by
	// namespace and alias in every namespace.
	for _, s := range Sample {
		for _, r := range [][2]string{
			{"MD5", s.MD5}, {"SEGUID", s.SEGUID}, {"SHA1", s.SHA1}, {"VMC", "GS_" + s.SeqID}, {"test", s.TestAlias},
		} {
			tests = append(tests, struct {
				name string
				q    repo.AliasQuery
				want []string
			}{"exact " + r[0] + " of " + s.SeqID[:4], repo.AliasQuery{Namespace: r[0], Alias: r[1]},
				sampleRecords(func(x SampleSeq, ns, _ string) bool { return x.SeqID == s.SeqID && ns == r[0] })})
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.collectAliases(t, c.src.FindAliases(ctx, tc.q))
			if err != nil {
				if c.caps.ExactQueriesOnly && !exactQuery(tc.q) && excused(err, false) {
					t.Skipf("FindAliases(%+v): %v (allowed: not an exact query)", tc.q, err)
				}
				t.Fatalf("FindAliases(%+v): %v", tc.q, err)
			}
			if !c.sameModuloMissing(got, tc.want, recordNS) {
				t.Errorf("FindAliases(%+v) =\n%s\nwant\n%s", tc.q, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	t.Run("early break", func(t *testing.T) {
		// Stopping early must release the stream: do it many times under a
		// deadline, so a leaked cursor or connection shows up as a hang.
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for _, q := range []repo.AliasQuery{{}, {SeqID: Sample[0].SeqID}} {
			for i := range 100 {
				n, refused := 0, false
				for a, err := range c.src.FindAliases(ctx, q) {
					if err != nil && c.caps.ExactQueriesOnly && !exactQuery(q) && excused(err, false) {
						refused = true
						break
					}
					if err != nil {
						t.Fatalf("query %+v, iteration %d: %v", q, i, err)
					}
					if a.SeqID != Sample[0].SeqID {
						t.Fatalf("query %+v: first record is of %s, want %s", q, a.SeqID, Sample[0].SeqID)
					}
					n++
					break
				}
				if refused {
					break // allowed: not an exact query
				}
				if n != 1 {
					t.Fatalf("query %+v, iteration %d: got no record", q, i)
				}
			}
		}
	})
}

func (c *checker) testAliases(t *testing.T) {
	ctx := context.Background()
	for _, s := range Sample {
		all, err := repo.Aliases(ctx, c.src, s.SeqID)
		if err != nil {
			t.Errorf("Aliases(%s): %v", s.SeqID, err)
			continue
		}
		var got []string
		for _, a := range all {
			got = append(got, a.String())
		}
		want := []string{
			"MD5:" + s.MD5,
			"SEGUID:" + s.SEGUID,
			"SHA1:" + s.SHA1,
			"VMC:GS_" + s.SeqID,
			"sha512t24u:" + s.SeqID,
			"ga4gh:SQ." + s.SeqID,
			"test:" + s.TestAlias,
		}
		if !c.sameModuloMissing(got, want, aliasNS) {
			t.Errorf("Aliases(%s) = %q; want %q", s.SeqID, got, want)
		}
		tr, err := repo.Translate(ctx, c.src, "MD5:"+s.MD5, []string{"VMC", "ga4gh"})
		if w := []string{"VMC:GS_" + s.SeqID, "ga4gh:SQ." + s.SeqID}; err != nil || !c.sameModuloMissing(tr, w, aliasNS) {
			t.Errorf("Translate(MD5:%s, [VMC ga4gh]) = %q, %v; want %q", s.MD5, tr, err, w)
		}
	}
	got, err := repo.Aliases(ctx, c.src, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if err != nil || len(got) != 0 {
		t.Errorf("Aliases(unknown) = %v, %v; want none", got, err)
	}
}

func (c *checker) testNamespaceAliases(t *testing.T) {
	ctx := context.Background()
	for _, ns := range SampleNamespaces {
		var got []string
		unsupported := false
		for a, err := range c.src.NamespaceAliases(ctx, ns) {
			if errors.Is(err, repo.ErrUnsupported) {
				unsupported = true
				break
			}
			if err != nil {
				t.Fatalf("NamespaceAliases(%s): %v", ns, err)
			}
			if a.Namespace != ns || !a.Current || (a.Added.IsZero() && !c.caps.NoAlphabetOrAdded) {
				t.Errorf("NamespaceAliases(%s) yielded %+v", ns, a)
			}
			got = append(got, a.Alias+" "+a.SeqID)
		}
		if unsupported {
			t.Skip("source cannot enumerate namespaces")
		}
		var want []string
		for _, s := range Sample {
			al := map[string]string{"MD5": s.MD5, "SEGUID": s.SEGUID, "SHA1": s.SHA1, "VMC": "GS_" + s.SeqID, "test": s.TestAlias}[ns]
			want = append(want, al+" "+s.SeqID)
		}
		slices.Sort(want) // byte order of alias; aliases are distinct
		if !c.sameModuloMissing(got, want, func(string) string { return ns }) {
			t.Errorf("NamespaceAliases(%s) = %q; want %q", ns, got, want)
		}
	}
	for _, ns := range []string{"md5", "NCBI", "refseq", "ga4gh", ""} {
		for a, err := range c.src.NamespaceAliases(ctx, ns) {
			t.Errorf("NamespaceAliases(%q) yielded %+v, %v; want nothing", ns, a, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for i := range 100 {
		n := 0
		for _, err := range c.src.NamespaceAliases(ctx, "test") {
			if err != nil {
				t.Fatalf("early break iteration %d: %v", i, err)
			}
			n++
			if n == 2 {
				break
			}
		}
		if n != 2 {
			t.Fatalf("early break iteration %d: got %d records", i, n)
		}
	}
}

func testNamespaces(t *testing.T, src repo.Source) {
	got, err := src.Namespaces(context.Background())
	if errors.Is(err, repo.ErrUnsupported) {
		t.Skip("source cannot list namespaces")
	}
	if err != nil || !slices.Equal(got, SampleNamespaces) {
		t.Errorf("Namespaces() = %q, %v; want %q", got, err, SampleNamespaces)
	}
}

func (c *checker) testSequences(t *testing.T) {
	var got []string
	for info, err := range c.src.Sequences(context.Background()) {
		if errors.Is(err, repo.ErrUnsupported) {
			t.Skip("source cannot enumerate sequences")
		}
		if err != nil {
			t.Fatalf("Sequences: %v", err)
		}
		s, ok := SampleSeqByID(info.SeqID)
		if !ok || !c.infoOK(info, s, false) {
			t.Errorf("Sequences yielded %+v; want %+v", info, s)
		}
		got = append(got, info.SeqID)
	}
	want := []string{Sample[0].SeqID, Sample[1].SeqID, Sample[2].SeqID}
	if !slices.Equal(got, want) {
		t.Errorf("Sequences order = %q; want %q", got, want)
	}
	for range c.src.Sequences(context.Background()) {
		break // early stop must not leak or panic
	}
}

func testConcurrent(t *testing.T, src repo.Source, full map[string][]byte) {
	const (
		workers = 32
		reads   = 150
	)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			buf := make([]byte, 20000)
			for range reads {
				s := Sample[rng.IntN(len(Sample))]
				seq := full[s.SeqID]
				start := rng.Int64N(s.Length + 1)
				n := rng.IntN(len(buf) + 1)
				if rng.IntN(4) == 0 {
					n = rng.IntN(120)
				}
				c, err := src.ReadSequence(ctx, s.SeqID, buf[:n], start)
				want := seq[start:min(start+int64(n), s.Length)]
				if (err != nil && !errors.Is(err, io.EOF)) || c != len(want) || string(buf[:c]) != string(want) {
					errs <- fmt.Errorf("worker %d: ReadSequence(%s, %d bytes at %d) = %d, %v; bytes match: %v",
						w, s.SeqID, n, start, c, err, string(buf[:c]) == string(want))
					return
				}
				if rng.IntN(10) == 0 {
					if id, err := repo.Resolve(ctx, src, "MD5:"+s.MD5, "", repo.StyleSeqRepo); err != nil || id != s.SeqID {
						errs <- fmt.Errorf("worker %d: Resolve(MD5:%s) = %q, %v", w, s.MD5, id, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
