package source

import (
	"context"

	"github.com/seqfs/seqfs/cache"
	"github.com/seqfs/seqfs/repo"
)

// prefetchParallel is the number of aliases a prefetch warms at a time.
const prefetchParallel = 4

// Cache configures the local cache (package cache) of a composed source.
type Cache struct {
	// Dir is the cache directory, shared by processes; empty means memory
	// only.
	Dir string
	// MaxBytes bounds the directory's size.
	MaxBytes int64
	// Prefetch are namespaces (API or DB form) whose every sequence each
	// cache is warmed with before Open returns.
	Prefetch []string
	// Progress, when set, is told how a prefetch advances.
	Progress func(cache.Progress)
	// PrefetchDone, when set, is called after each namespace of Prefetch,
	// also when it failed, with the cache's statistics then.
	PrefetchDone func(namespace string, st cache.Stats, err error)
	// MembersOnly caches only the members that ask for it (Member.Cache),
	// not the composed source.
	MembersOnly bool
}

// wrap puts src behind the cache, with identifier entries kept under
// scope, and runs the prefetches. The returned source owns src; on error
// src is closed.
func (o *Cache) wrap(ctx context.Context, src repo.Source, scope string) (repo.Source, error) {
	cc, err := cache.New(src, cache.Options{Dir: o.Dir, MaxBytes: o.MaxBytes, Scope: scope})
	if err != nil {
		src.Close()
		return nil, err
	}
	for _, ns := range o.Prefetch {
		dbns, _ := repo.TranslateAPI2DB(ns, "")
		err := cc.Prefetch(ctx, dbns, prefetchParallel, o.Progress)
		if o.PrefetchDone != nil {
			o.PrefetchDone(ns, cc.Stats(), err)
		}
		if err != nil {
			cc.Close()
			return nil, err
		}
	}
	return cc, nil
}
