package repo_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

const otherSeqID = "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn"

func TestCheckStorableCollection(t *testing.T) {
	t.Parallel()
	ok := repo.Collection{Names: []string{"chr1"}, SeqIDs: []string{phixSeqID}, Lengths: []int64{5386}}
	for _, tc := range []struct {
		name string
		coll repo.Collection
		want string // "" = accepted
	}{
		{"genome", ok, ""},
		{"", ok, ""},
		{"with spaces and / slash", ok, ""},
		{"nul\x00", ok, "NUL"},
		{"line\nbreak", ok, "line break"},
		{phixSeqID, ok, "digest"},
		{"empty", repo.Collection{}, "no sequences"},
		{"ragged", repo.Collection{Names: []string{"a", "b"}, SeqIDs: []string{phixSeqID}, Lengths: []int64{1}}, "differ"},
	} {
		err := repo.CheckStorableCollection(tc.name, tc.coll)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckStorableCollection(%q) = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestCollectionArraysRoundTrip(t *testing.T) {
	t.Parallel()
	c := repo.Collection{Names: []string{"chr1", "ü\"<&>"}, SeqIDs: []string{phixSeqID, otherSeqID}, Lengths: []int64{5386, 230218}}
	n, s, l := repo.CollectionArrays(c)
	if n != `["chr1","ü\"<&>"]` || l != `[5386,230218]` {
		t.Errorf("arrays = %s %s %s", n, s, l)
	}
	got, err := repo.ParseCollectionArrays(c.Digest(), n, s, l)
	if err != nil || !slices.Equal(got.Names, c.Names) || !slices.Equal(got.SeqIDs, c.SeqIDs) || !slices.Equal(got.Lengths, c.Lengths) {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	for _, tc := range []struct{ what, digest, n, s, l string }{
		{"wrong digest", otherSeqID, n, s, l},
		{"bad JSON", c.Digest(), `["chr1"`, s, l},
		{"ragged", c.Digest(), `["chr1"]`, s, l},
		{"negative", c.Digest(), n, s, `[5386,-1]`},
	} {
		if _, err := repo.ParseCollectionArrays(tc.digest, tc.n, tc.s, tc.l); err == nil {
			t.Errorf("%s: accepted", tc.what)
		}
	}
}

// FuzzParseCollectionArrays checks that stored arrays either parse into a
// valid collection whose digest is the one asked for and which re-encodes
// to a form that parses back the same, or fail without panicking.
func FuzzParseCollectionArrays(f *testing.F) {
	c := repo.Collection{Names: []string{"chr1", "chr2"}, SeqIDs: []string{phixSeqID, otherSeqID}, Lengths: []int64{5386, 230218}}
	n, s, l := repo.CollectionArrays(c)
	f.Add(c.Digest(), n, s, l)
	f.Add(c.Digest(), "[]", "[]", "[]")
	f.Add("x", `["a"]`, `["`+phixSeqID+`"]`, `[1e3]`)
	f.Add(c.Digest(), `null`, `{}`, `[1,2`)
	f.Fuzz(func(t *testing.T, digest, names, ids, lengths string) {
		got, err := repo.ParseCollectionArrays(digest, names, ids, lengths)
		if err != nil {
			return
		}
		if got.Validate() != nil || got.Digest() != digest {
			t.Fatalf("accepted %+v under %s", got, digest)
		}
		n, s, l := repo.CollectionArrays(got)
		again, err := repo.ParseCollectionArrays(digest, n, s, l)
		if err != nil || !slices.Equal(again.Names, got.Names) || !slices.Equal(again.SeqIDs, got.SeqIDs) || !slices.Equal(again.Lengths, got.Lengths) {
			t.Fatalf("re-encoded %+v does not parse back: %v", got, err)
		}
	})
}
