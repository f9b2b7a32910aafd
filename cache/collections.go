package cache

import (
	"context"
	"fmt"
	"iter"

	"github.com/seqfs/seqfs/repo"
)

var _ repo.CollectionSource = (*Cache)(nil)

// Collection passes the look-up to the wrapped source (collections are
// small and not cached). It fails with an error matching
// repo.ErrUnsupported when the source cannot hold collections.
func (c *Cache) Collection(ctx context.Context, nameOrDigest string) (repo.Collection, string, error) {
	cs, err := repo.Collections(c.src)
	if err != nil {
		return repo.Collection{}, "", fmt.Errorf("cache over %T: collection %s: %w", c.src, nameOrDigest, err)
	}
	coll, d, err := cs.Collection(ctx, nameOrDigest)
	c.backend(err)
	return coll, d, err
}

// Collections streams the wrapped source's collections (not cached); see
// Collection for a source without them.
func (c *Cache) Collections(ctx context.Context) iter.Seq2[repo.CollectionInfo, error] {
	cs, err := repo.Collections(c.src)
	if err != nil {
		return func(yield func(repo.CollectionInfo, error) bool) {
			yield(repo.CollectionInfo{}, fmt.Errorf("cache over %T: list collections: %w", c.src, err))
		}
	}
	return passThrough(c, cs.Collections(ctx))
}

// passThrough streams seq, a listing of the wrapped source, counting it as
// one backend request (failed if it ends with an error).
func passThrough[T any](c *Cache, seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var ferr error
		defer func() { c.backend(ferr) }()
		for v, err := range seq {
			if err != nil {
				ferr = err
			}
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}
