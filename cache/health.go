package cache

import (
	"context"

	"github.com/seqfs/seqfs/repo"
)

// CheckHealth reports whether the cached source can be reached
// (repo.HealthChecker); the cache itself never answers for it.
func (c *Cache) CheckHealth(ctx context.Context) error { return repo.CheckHealth(ctx, c.src) }
