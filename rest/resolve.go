package rest

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/seqfs/seqfs/internal/flight"
	"github.com/seqfs/seqfs/internal/lru"
	"github.com/seqfs/seqfs/repo"
)

// resolved is what the hot path needs to know about an identifier.
type resolved struct {
	seqID string
	info  repo.Info
}

// lruCache is a bounded LRU of identifier resolutions. Sequence content is
// immutable, so entries never go stale; only successful resolutions are
// stored. It is safe for concurrent use.
type lruCache struct {
	m *lru.Map[string, resolved]
}

// newLRU returns a cache of at most max entries; max <= 0 disables it.
func newLRU(max int) *lruCache {
	return &lruCache{m: lru.NewMap[string, resolved](int64(max), nil)}
}

func (c *lruCache) get(key string) (resolved, bool) { return c.m.Get(key) }

func (c *lruCache) add(key string, v resolved) { c.m.Add(key, v) }

func (c *lruCache) len() int { return c.m.Len() }

// resolver resolves identifiers with one identifier style, caching
// results and coalescing concurrent misses for the same identifier.
type resolver struct {
	src          repo.Source
	style        repo.Style
	cache        *lruCache
	group        flight.Group[resolved] // a client that disconnects does not fail the others
	hits, misses *atomic.Int64
}

// patternError reports an identifier holding '%', which SeqRepo's alias
// lookup would run as an SQL LIKE pattern (a scan of the alias table that
// may match every sequence). The HTTP API refuses such identifiers with
// 400; see the package documentation.
type patternError struct{ id string }

func (e *patternError) Error() string {
	return "identifier " + quote(e.id) + " contains '%': SQL LIKE patterns are not accepted over HTTP; ask for an exact identifier"
}

// resolve returns the seq_id and Info an identifier names. Errors match
// the repo sentinels (ErrNotFound, ErrAmbiguous, ErrUnavailable, …), or
// are a *patternError for an identifier holding '%'.
func (r *resolver) resolve(ctx context.Context, id string) (resolved, error) {
	if repo.IsPattern(id) {
		return resolved{}, &patternError{id: id}
	}
	if v, ok := r.cache.get(id); ok {
		r.hits.Add(1)
		return v, nil
	}
	r.misses.Add(1)
	if r.style == repo.StyleRefget && prefixSearch(id, r.style) {
		// refget v2 names sequences by whole digests; the seqrepo-REST
		// hex-prefix heuristic is not applied there.
		return resolved{}, &repo.NotFoundError{Alias: id}
	}
	return r.group.Do(ctx, id, func(ctx context.Context) (resolved, error) {
		seqID, err := repo.Resolve(ctx, r.src, id, "", r.style)
		if err != nil {
			return resolved{}, err
		}
		info, err := r.src.Info(ctx, seqID)
		if err != nil {
			return resolved{}, fmt.Errorf("sequence info of %s (for %q): %w", seqID, id, err)
		}
		res := resolved{seqID: seqID, info: info}
		r.cache.add(id, res)
		return res, nil
	})
}

// prefixSearch reports whether resolving id in style would search by
// prefix (seqrepo-rest-service's hex-digest heuristic, a LIKE pattern).
func prefixSearch(id string, style repo.Style) bool {
	cands, err := repo.Candidates(id, "", style)
	if err != nil {
		return false
	}
	for _, c := range cands {
		if repo.IsPattern(c.Alias) {
			return true
		}
	}
	return false
}
