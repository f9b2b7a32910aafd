package cache

import "github.com/seqfs/seqfs/repo"

// Counters exposes the cache's statistics as metrics (REST /metrics),
// followed by the wrapped source's own counters.
func (c *Cache) Counters() []repo.Counter {
	s := c.Stats()
	counter := func(name, help string, v int64) repo.Counter {
		return repo.Counter{Name: name, Help: help, Value: float64(v)}
	}
	gauge := func(name, help string, v int64) repo.Counter {
		return repo.Counter{Name: name, Help: help, Value: float64(v), Gauge: true}
	}
	out := []repo.Counter{
		counter("seqfs_cache_hits_total", "Cache lookups answered without the source.", s.Hits),
		counter("seqfs_cache_memory_hits_total", "Cache lookups answered from memory.", s.MemHits),
		counter("seqfs_cache_misses_total", "Cache lookups that went to the source.", s.Misses),
		counter("seqfs_cache_backend_requests_total", "Calls the cache made to the wrapped source.", s.BackendRequests),
		counter("seqfs_cache_backend_errors_total", "Calls to the wrapped source that failed.", s.BackendErrors),
		counter("seqfs_cache_evictions_total", "Entries evicted from the cache directory.", s.Evictions),
		counter("seqfs_cache_corrupt_total", "Corrupt cache entries dropped and fetched again.", s.Corrupt),
		counter("seqfs_cache_writes_dropped_total", "Blocks not written to disk because the write queue was full.", s.WritesDropped),
		counter("seqfs_cache_fetched_residues_total", "Residues fetched from the wrapped source.", s.BytesFetched),
		gauge("seqfs_cache_entries", "Entry files in the cache directory.", s.Entries),
		gauge("seqfs_cache_bytes", "Total size of the cache directory's entries.", s.Bytes),
		gauge("seqfs_cache_limit_bytes", "Size limit of the cache directory.", s.LimitBytes),
	}
	return append(out, repo.CountersOf(c.src)...)
}
