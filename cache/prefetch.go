package cache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/seqfs/seqfs/repo"
)

// Progress reports how far a Prefetch has got.
type Progress struct {
	Namespace string
	Done      int64 // aliases processed
	Total     int64 // aliases in the namespace
	Residues  int64 // residues read through the cache so far
}

// Prefetch warms the cache with every current alias of a DB-form namespace:
// its resolution, its sequence's Info and all of its blocks, so that they
// can be read offline later (as far as the size limit allows). progress,
// if not nil, is called after each alias from one goroutine at a time.
func (c *Cache) Prefetch(ctx context.Context, namespace string, parallel int, progress func(Progress)) error {
	if parallel < 1 {
		parallel = 4
	}
	var total int64
	for _, err := range c.NamespaceAliases(ctx, namespace) {
		if err != nil {
			return fmt.Errorf("prefetch %s: list aliases: %w", namespace, err)
		}
		total++
	}
	var (
		done, residues atomic.Int64
		mu             sync.Mutex
		seen           sync.Map // seq_id → struct{}: sequences already read
	)
	ctx = context.WithValue(ctx, waitKey{}, true)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for a, err := range c.NamespaceAliases(gctx, namespace) {
		if err != nil {
			g.Wait()
			return fmt.Errorf("prefetch %s: list aliases: %w", namespace, err)
		}
		g.Go(func() error {
			if _, err := repo.DistinctSeqIDs(gctx, c, repo.AliasQuery{Namespace: a.Namespace, Alias: a.Alias}); err != nil {
				return fmt.Errorf("prefetch %s: resolve %s: %w", namespace, a, err)
			}
			if _, dup := seen.LoadOrStore(a.SeqID, struct{}{}); !dup {
				n, err := c.warmSequence(gctx, a.SeqID)
				residues.Add(n)
				if err != nil {
					return fmt.Errorf("prefetch %s: %s: %w", namespace, a, err)
				}
			}
			d := done.Add(1)
			if progress != nil {
				mu.Lock()
				progress(Progress{Namespace: namespace, Done: d, Total: total, Residues: residues.Load()})
				mu.Unlock()
			}
			return nil
		})
		if gctx.Err() != nil {
			break
		}
	}
	return g.Wait()
}

// warmSequence reads every block of a sequence through the cache.
func (c *Cache) warmSequence(ctx context.Context, seqID string) (int64, error) {
	info, err := c.Info(ctx, seqID)
	if err != nil {
		return 0, err
	}
	var n int64
	for idx := int64(0); idx*c.bsize < info.Length; idx++ {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if _, err := c.block(ctx, seqID, idx, info.Length); err != nil {
			return n, err
		}
		n += c.blockLen(idx, info.Length)
	}
	return n, nil
}
