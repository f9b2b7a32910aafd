package federation_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/federation"
	"github.com/seqfs/seqfs/internal/memsource"
	"github.com/seqfs/seqfs/internal/sampleinst"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// downColls is a member that holds collections but cannot be reached.
type downColls struct{ downSource }

func (d downColls) Collection(context.Context, string) (repo.Collection, string, error) {
	return repo.Collection{}, "", d.err()
}
func (d downColls) Collections(context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return func(yield func(repo.CollectionInfo, error) bool) { yield(repo.CollectionInfo{}, d.err()) }
}

// plain hides every method of a source but those of repo.Source (so it
// holds no collections).
type plain struct{ repo.Source }

// memWithSample returns an in-memory copy of the sample sequences holding
// the collections stores adds.
func memWithSample(t *testing.T, stores ...repotest.SampleCollection) *memsource.Source {
	t.Helper()
	ctx := context.Background()
	s, err := memsource.Load(ctx, openSample(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range stores {
		if _, err := s.StoreCollection(ctx, sc.Name, sc.Coll); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestCollectionsConformance(t *testing.T) {
	t.Parallel()
	dir := sampleinst.WithCollections(t)
	for _, tc := range []struct {
		name    string
		members func(t *testing.T) []repo.Source
	}{
		{"single", func(t *testing.T) []repo.Source { return []repo.Source{openInstance(t, dir)} }},
		// The same collections in two members are one each.
		{"duplicate", func(t *testing.T) []repo.Source {
			return []repo.Source{openInstance(t, dir), memWithSample(t, repotest.SampleCollections...)}
		}},
		// Members without collections are left out.
		{"mixed", func(t *testing.T) []repo.Source {
			return []repo.Source{plain{openSample(t)}, openSample(t), openInstance(t, dir)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			repotest.Run(t, func(t *testing.T) repo.Source {
				f := newFed(t, federation.Options{}, tc.members(t)...)
				repotest.RunCollections(t, f)
				return f
			})
		})
	}
}

// A name bound in two members resolves to the first member's binding and
// is listed under it only; collections only one member has are there too.
func TestCollectionsUnion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	all := repotest.SampleCollections[0].Coll
	other := repo.Collection{Names: []string{"x"}, SeqIDs: all.SeqIDs[:1], Lengths: all.Lengths[:1]}
	onlyB := repo.Collection{Names: []string{"y"}, SeqIDs: all.SeqIDs[2:], Lengths: all.Lengths[2:]}
	a := memWithSample(t, repotest.SampleCollection{Name: "shared", Coll: all})
	b := memWithSample(t,
		repotest.SampleCollection{Name: "shared", Coll: other},
		repotest.SampleCollection{Name: "b-name", Coll: all},
		repotest.SampleCollection{Name: "only-b", Coll: onlyB})
	f := newFed(t, federation.Options{}, a, b)
	for _, tc := range []struct{ ref, want string }{
		{"shared", all.Digest()},
		{"b-name", all.Digest()},
		{"only-b", onlyB.Digest()},
		{other.Digest(), other.Digest()},
	} {
		if _, d, err := f.Collection(ctx, tc.ref); err != nil || d != tc.want {
			t.Errorf("Collection(%s) = %s, %v; want %s", tc.ref, d, err, tc.want)
		}
	}
	infos, err := repo.Collect(f.Collections(ctx))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, i := range infos {
		got[i.Digest] = i.Names
	}
	want := map[string][]string{all.Digest(): {"b-name", "shared"}, other.Digest(): nil, onlyB.Digest(): {"only-b"}}
	if len(got) != len(want) {
		t.Fatalf("listing = %v, want %v", got, want)
	}
	for d, names := range want {
		if g, ok := got[d]; !ok || !slices.Equal(g, names) {
			t.Errorf("listing of %s = %v, want %v", d, g, names)
		}
	}
	if !slices.IsSortedFunc(infos, func(x, y repo.CollectionInfo) int { return strings.Compare(x.Digest, y.Digest) }) {
		t.Errorf("listing not ordered by digest")
	}
}

func TestCollectionsDownAndUnsupported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// With a member down, what the others hold is answered and listed; a
	// look-up they cannot answer is unavailable, not "not found".
	partly := newFed(t, federation.Options{}, downColls{}, openInstance(t, sampleinst.WithCollections(t)))
	if _, d, err := partly.Collection(ctx, "genome"); err != nil || d != repotest.SampleCollections[0].Coll.Digest() {
		t.Errorf("Collection(genome) with a member down = %s, %v", d, err)
	}
	if _, _, err := partly.Collection(ctx, "no-such"); !errors.Is(err, repo.ErrUnavailable) || !strings.Contains(err.Error(), "src1") {
		t.Errorf("Collection(no-such) with a member down = %v, want ErrUnavailable naming src1", err)
	}
	if infos, err := repo.Collect(partly.Collections(ctx)); err != nil || len(infos) != 4 {
		t.Errorf("listing with a member down = %d collections, %v; want 4", len(infos), err)
	}

	down := newFed(t, federation.Options{}, downColls{}, plain{openSample(t)})
	if _, _, err := down.Collection(ctx, "genome"); !errors.Is(err, repo.ErrUnavailable) {
		t.Errorf("only member with collections down: Collection = %v, want ErrUnavailable", err)
	}
	if _, err := repo.Collect(down.Collections(ctx)); !errors.Is(err, repo.ErrUnavailable) {
		t.Errorf("only member with collections down: Collections = %v, want ErrUnavailable", err)
	}
	none := newFed(t, federation.Options{}, plain{openSample(t)}, downSource{})
	if _, _, err := none.Collection(ctx, "genome"); !errors.Is(err, repo.ErrUnsupported) {
		t.Errorf("no member with collections: Collection = %v, want ErrUnsupported", err)
	}
	if _, err := repo.Collect(none.Collections(ctx)); !errors.Is(err, repo.ErrUnsupported) {
		t.Errorf("no member with collections: Collections = %v, want ErrUnsupported", err)
	}
	if down.MemberStats()["src1"] == 0 {
		t.Errorf("failures of the down member not counted: %v", down.MemberStats())
	}
}
