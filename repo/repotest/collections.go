package repotest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// SampleCollection is one StoreCollection call of the sample collections.
type SampleCollection struct {
	Name string // "" stores the collection without binding a name
	Coll repo.Collection
}

// sampleColl builds a collection of sample sequences (by index in Sample)
// under the given names.
func sampleColl(names []string, idx ...int) repo.Collection {
	c := repo.Collection{Names: names}
	for _, i := range idx {
		c.SeqIDs = append(c.SeqIDs, Sample[i].SeqID)
		c.Lengths = append(c.Lengths, Sample[i].Length)
	}
	return c
}

// SampleCollections are the collections of the sample sequences that
// RunCollections expects, in the order StoreSampleCollections stores them:
// "genome" (all three), "two" (bound first to one collection and then
// moved to another), "genome-again" (the same collection as "genome"
// under a second name) and one collection stored without a name.
var SampleCollections = []SampleCollection{
	{Name: "genome", Coll: sampleColl([]string{"phiX", "chrI", "chrII"}, 0, 1, 2)},
	{Name: "two", Coll: sampleColl([]string{"a", "b"}, 1, 0)},
	{Name: "two", Coll: sampleColl([]string{"a", "b"}, 0, 1)},
	{Name: "genome-again", Coll: sampleColl([]string{"phiX", "chrI", "chrII"}, 0, 1, 2)},
	{Name: "", Coll: sampleColl([]string{"only one, with spaces"}, 2)},
}

// StoreSampleCollections stores SampleCollections through w in order (the
// sample sequences must be stored or staged already) and checks the
// digests StoreCollection returns. The caller commits.
func StoreSampleCollections(ctx context.Context, w repo.CollectionWriter) error {
	for _, sc := range SampleCollections {
		d, err := w.StoreCollection(ctx, sc.Name, sc.Coll)
		if err != nil {
			return fmt.Errorf("store sample collection %q: %w", sc.Name, err)
		}
		if want := sc.Coll.Digest(); d != want {
			return fmt.Errorf("store sample collection %q: digest %s, want %s", sc.Name, d, want)
		}
	}
	return nil
}

// sampleCollectionsWant returns the expected listing of the sample
// collections (Added left zero) and the collection of each current name.
func sampleCollectionsWant() ([]repo.CollectionInfo, map[string]repo.Collection) {
	byDigest := map[string]repo.Collection{}
	bound := map[string]string{}
	for _, sc := range SampleCollections {
		d := sc.Coll.Digest()
		byDigest[d] = sc.Coll
		if sc.Name != "" {
			bound[sc.Name] = d
		}
	}
	names := map[string][]string{}
	byName := map[string]repo.Collection{}
	for n, d := range bound {
		names[d] = append(names[d], n)
		byName[n] = byDigest[d]
	}
	var infos []repo.CollectionInfo
	for d, c := range byDigest {
		infos = append(infos, repo.CollectionInfo{Digest: d, Names: repo.SortedNames(names[d]),
			Sequences: c.Len(), Residues: c.Residues()})
	}
	slices.SortFunc(infos, func(a, b repo.CollectionInfo) int { return strings.Compare(a.Digest, b.Digest) })
	return infos, byName
}

func sameCollection(a, b repo.Collection) bool {
	return slices.Equal(a.Names, b.Names) && slices.Equal(a.SeqIDs, b.SeqIDs) && slices.Equal(a.Lengths, b.Lengths)
}

// RunCollections asks the collection questions of src, which must hold the
// sample sequences and exactly the collections StoreSampleCollections
// stores (stored through its own writer or copied in): look-up by name and
// by digest, the moved name, listing order and fields, not-found errors,
// and that every digest is repo.Collection.Digest of the arrays returned.
// Run it after the source's Run, or on its own; it does not close src.
// Unlike Run's, its questions are serial subtests: they are done when
// RunCollections returns, so the caller may close src right after.
func RunCollections(t *testing.T, src repo.Source) {
	t.Helper()
	ctx := context.Background()
	cs, err := repo.Collections(src)
	if err != nil {
		t.Fatalf("repo.Collections: %v", err)
	}
	wantInfos, byName := sampleCollectionsWant()

	t.Run("ByName", func(t *testing.T) {
		for name, want := range byName {
			c, d, err := cs.Collection(ctx, name)
			if err != nil {
				t.Errorf("Collection(%q): %v", name, err)
				continue
			}
			if !sameCollection(c, want) || d != want.Digest() || c.Digest() != d {
				t.Errorf("Collection(%q) = %+v, %s; want %+v, %s", name, c, d, want, want.Digest())
			}
		}
	})
	t.Run("ByDigest", func(t *testing.T) {
		for _, sc := range SampleCollections {
			want := sc.Coll.Digest()
			c, d, err := cs.Collection(ctx, want)
			if err != nil {
				t.Errorf("Collection(%s): %v", want, err)
				continue
			}
			if !sameCollection(c, sc.Coll) || d != want {
				t.Errorf("Collection(%s) = %+v, %s; want %+v", want, c, d, sc.Coll)
			}
		}
	})
	t.Run("MovedName", func(t *testing.T) {
		// "two" was stored twice: the name follows the second collection,
		// the first stays reachable by its digest.
		first, second := SampleCollections[1].Coll, SampleCollections[2].Coll
		_, d, err := cs.Collection(ctx, "two")
		if err != nil || d != second.Digest() {
			t.Errorf("Collection(two) = %s, %v; want the second collection %s", d, err, second.Digest())
		}
		c, d, err := cs.Collection(ctx, first.Digest())
		if err != nil || d != first.Digest() || !sameCollection(c, first) {
			t.Errorf("Collection(first digest of two) = %+v, %s, %v; want %+v", c, d, err, first)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		for _, ref := range []string{"no-such-collection", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", "phiX", Sample[0].SeqID} {
			_, _, err := cs.Collection(ctx, ref)
			if !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("Collection(%q) error = %v, want one matching repo.ErrNotFound", ref, err)
			}
		}
	})
	t.Run("List", func(t *testing.T) {
		var got []repo.CollectionInfo
		for info, err := range cs.Collections(ctx) {
			if err != nil {
				t.Fatalf("Collections: %v", err)
			}
			got = append(got, info)
		}
		if len(got) != len(wantInfos) {
			t.Fatalf("Collections listed %d, want %d: %+v", len(got), len(wantInfos), got)
		}
		now := time.Now().Add(time.Minute)
		for i, g := range got {
			w := wantInfos[i]
			if g.Digest != w.Digest || !slices.Equal(g.Names, w.Names) || g.Sequences != w.Sequences || g.Residues != w.Residues {
				t.Errorf("Collections[%d] = %+v, want %+v (Added aside)", i, g, w)
			}
			if g.Added.IsZero() || g.Added.After(now) || g.Added.Location() != time.UTC {
				t.Errorf("Collections[%d].Added = %v, want a past UTC time", i, g.Added)
			}
		}
		// Stopping early must not fail or hang.
		for range cs.Collections(ctx) {
			break
		}
	})
}
