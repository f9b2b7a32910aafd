package federation

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/seqfs/seqfs/repo"
)

// Sequence collections in a federation are the union of the members'
// collections. A collection is identified by its digest, so the same
// digest held by several members is one collection. A name bound in
// several members resolves to the binding of the first member (in the
// federation's order) that binds it, like an alias under
// Options.PreferFirst; the listing shows each name only under that
// binding. Members that cannot hold collections (repo.ErrUnsupported) are
// left out; a member that fails is skipped with a logged warning, as for
// sequences: a listing shows what the others hold, and a look-up that the
// others cannot answer fails as unavailable (repo.ErrUnavailable), not as
// not found, since the collection may be in the member that is down.

var _ repo.CollectionSource = (*Federation)(nil)

// collectionMembers returns the members' collection interfaces (nil for a
// member without collections), or an error matching repo.ErrUnsupported
// when no member has them.
func (f *Federation) collectionMembers() ([]repo.CollectionSource, error) {
	out := make([]repo.CollectionSource, len(f.members))
	some := false
	for i, m := range f.members {
		if cs, err := repo.Collections(m.Source); err == nil {
			out[i], some = cs, true
		}
	}
	if !some {
		return nil, fmt.Errorf("federation: no member holds %w", repo.ErrUnsupported)
	}
	return out, nil
}

// Collection returns the collection a name or digest refers to in the
// first member that has it.
func (f *Federation) Collection(ctx context.Context, nameOrDigest string) (repo.Collection, string, error) {
	members, err := f.collectionMembers()
	if err != nil {
		return repo.Collection{}, "", err
	}
	down := -1
	var downErr error
	for i, cs := range members {
		if cs == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return repo.Collection{}, "", err
		}
		c, d, err := cs.Collection(ctx, nameOrDigest)
		switch {
		case err == nil:
			return c, d, nil
		case errors.Is(err, repo.ErrNotFound), errors.Is(err, repo.ErrUnsupported):
		case errors.Is(err, repo.ErrUnavailable):
			f.skip(i, "collection", err)
			if down < 0 {
				down, downErr = i, err
			}
		default:
			return repo.Collection{}, "", err
		}
	}
	if down >= 0 {
		// The collection may be in the member that is down.
		return repo.Collection{}, "", fmt.Errorf("collection %s: not in the members that answered, and %s is down: %w",
			nameOrDigest, f.members[down].Name, downErr)
	}
	return repo.Collection{}, "", &repo.CollectionNotFoundError{Ref: nameOrDigest}
}

// Collections lists the union of the members' collections ordered by
// digest. The members' listings are read whole first (their size is the
// number of collections, not of sequences) so that each name is shown
// under the first member's binding only. Added is the earliest a member
// gives for the collection.
func (f *Federation) Collections(ctx context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return func(yield func(repo.CollectionInfo, error) bool) {
		members, err := f.collectionMembers()
		if err != nil {
			yield(repo.CollectionInfo{}, err)
			return
		}
		byDigest := map[string]*repo.CollectionInfo{}
		claimed := map[string]bool{} // names bound by an earlier member
		var lastErr error
		answered := 0
		for i, cs := range members {
			if cs == nil {
				continue
			}
			infos, err := repo.Collect(cs.Collections(ctx))
			if err != nil {
				if ctx.Err() != nil {
					yield(repo.CollectionInfo{}, ctx.Err())
					return
				}
				f.skip(i, "collections", err)
				lastErr = err
				continue
			}
			answered++
			var mine []string
			for _, info := range infos {
				agg := byDigest[info.Digest]
				if agg == nil {
					cp := info
					cp.Names = nil
					agg = &cp
					byDigest[info.Digest] = agg
				} else if !info.Added.IsZero() && (agg.Added.IsZero() || info.Added.Before(agg.Added)) {
					agg.Added = info.Added
				}
				for _, n := range info.Names {
					if !claimed[n] {
						agg.Names = append(agg.Names, n)
						mine = append(mine, n)
					}
				}
			}
			for _, n := range mine {
				claimed[n] = true
			}
		}
		if answered == 0 {
			yield(repo.CollectionInfo{}, lastErr)
			return
		}
		out := make([]repo.CollectionInfo, 0, len(byDigest))
		for _, info := range byDigest {
			info.Names = repo.SortedNames(info.Names)
			out = append(out, *info)
		}
		slices.SortFunc(out, func(a, b repo.CollectionInfo) int { return strings.Compare(a.Digest, b.Digest) })
		for _, info := range out {
			if !yield(info, nil) {
				return
			}
		}
	}
}
