package s3

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

// fetcher reads byte ranges of objects in one remote store.
type fetcher interface {
	// fetch reads [off, off+n) of the object key (shorter at its end)
	// and returns the bytes and the object's total size. A missing object
	// gives an error matching fs.ErrNotExist that names it.
	fetch(ctx context.Context, key string, off, n int64) ([]byte, int64, error)
	// stat returns the object's size.
	stat(ctx context.Context, key string) (int64, error)
	// url names the object for messages.
	url(key string) string
}

// Stats counts the requests a Storage made and the bytes it received.
type Stats struct {
	// Requests counts HTTP requests sent, retries included.
	Requests int64
	// Bytes counts response body bytes received.
	Bytes int64
	// Retries counts requests that were sent again after a failure.
	Retries int64
	// Errors counts operations that failed after all retries.
	Errors int64
}

// String formats the counters for logs and --s3-stats.
func (s Stats) String() string {
	return fmt.Sprintf("%d requests, %d bytes, %d retries, %d errors", s.Requests, s.Bytes, s.Retries, s.Errors)
}

// counters are the live Stats of a storage; they also add to the process
// totals.
type counters struct {
	requests, bytes, retries, errors atomic.Int64
}

var processTotals counters

func (c *counters) snapshot() Stats {
	return Stats{Requests: c.requests.Load(), Bytes: c.bytes.Load(), Retries: c.retries.Load(), Errors: c.errors.Load()}
}

func (c *counters) addRequest() { c.requests.Add(1); processTotals.requests.Add(1) }
func (c *counters) addBytes(n int64) {
	c.bytes.Add(n)
	processTotals.bytes.Add(n)
}
func (c *counters) addRetry() { c.retries.Add(1); processTotals.retries.Add(1) }
func (c *counters) addError() { c.errors.Add(1); processTotals.errors.Add(1) }

// TotalStats returns the counters summed over every Storage of the process.
func TotalStats() Stats { return processTotals.snapshot() }

// Storage is a seqrepo.Storage over objects in S3 or on an HTTP server,
// all under one prefix. Files are read with ranged GETs in aligned chunks
// through a bounded cache shared by the process (see DefaultChunkSize,
// DefaultCacheBytes, DefaultReadAheadBytes); concurrent reads of one chunk
// make one request, and sequential readers fetch ahead within a global
// budget. It is safe for concurrent use.
type Storage struct {
	f      fetcher
	prefix string // "" or ends in '/'
	chunk  int64
	cache  *chunkCache
	stats  *counters
	lister func(ctx context.Context, prefix string) (int64, error)
}

var _ seqrepo.Storage = (*Storage)(nil)

func newStorage(f fetcher, prefix string, stats *counters) *Storage {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &Storage{f: f, prefix: prefix, chunk: DefaultChunkSize, cache: defaultCache(), stats: stats}
}

// String returns the storage's URL.
func (s *Storage) String() string { return strings.TrimSuffix(s.f.url(s.prefix), "/") }

// Stats returns the requests and bytes of this storage so far.
func (s *Storage) Stats() Stats { return s.stats.snapshot() }

// Sub returns a Storage for the objects under dir inside s, sharing its
// connection, cache and counters.
func (s *Storage) Sub(dir string) *Storage {
	c := *s
	c.prefix = strings.TrimSuffix(s.prefix+strings.Trim(dir, "/"), "/") + "/"
	return &c
}

func (s *Storage) describe(key string) string { return s.f.url(key) }

// fetch is fetcher.fetch with the cancellation check.
func (s *Storage) fetch(ctx context.Context, key string, off, n int64) ([]byte, int64, error) {
	return s.f.fetch(ctx, key, off, n)
}

// TotalSize sums the sizes of the objects under the prefix (S3 only).
func (s *Storage) TotalSize(ctx context.Context) (int64, error) {
	if s.lister == nil {
		return 0, nil
	}
	return s.lister(ctx, s.prefix)
}

// Open opens the object relpath under the prefix. The first chunk is
// fetched at once, which also gives the object's size, so opening a small
// file and reading it costs one request.
func (s *Storage) Open(ctx context.Context, relpath string) (seqrepo.StorageFile, error) {
	if err := seqrepo.CheckRelpath(relpath); err != nil {
		return nil, err
	}
	key := s.prefix + relpath
	data, size, err := s.f.fetch(ctx, key, 0, s.chunk)
	if errors.Is(err, errEmptyObject) {
		data, size, err = nil, 0, nil
	}
	if err != nil {
		return nil, err
	}
	f := &rangeFile{st: s, key: key, size: size, id: fileIDs.Add(1), chunk: s.chunk}
	if size > 0 {
		e := &chunk{key: chunkKey{f.id, 0}, loading: true, done: make(chan struct{})}
		s.cache.mu.Lock()
		s.cache.m[e.key] = e
		s.cache.mu.Unlock()
		s.cache.complete(e, data, nil)
	}
	return f, nil
}

// errEmptyObject is returned by a ranged fetch of an empty object (a Range
// request on it is answered 416).
var errEmptyObject = errors.New("empty object")

// retryPolicy drives the retries of the HTTP storage: exponential backoff
// with full jitter.
type retryPolicy struct {
	attempts int
	base     time.Duration
	cap      time.Duration
}

var defaultRetry = retryPolicy{attempts: 8, base: 100 * time.Millisecond, cap: 2 * time.Second}

// backoff returns the wait before attempt (1-based retry number).
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.base << min(attempt-1, 20)
	if d > p.cap || d <= 0 {
		d = p.cap
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// notFound builds the error for a missing object.
func notFound(url string) error {
	return fmt.Errorf("%s: no such object: %w", url, fs.ErrNotExist)
}

// keyJoin joins '/'-separated key parts.
func keyJoin(parts ...string) string { return strings.TrimPrefix(path.Join(parts...), "/") }

func logRetry(url string, attempt int, err error) {
	slog.Debug("retrying remote read", "object", url, "attempt", attempt, "err", err)
}
