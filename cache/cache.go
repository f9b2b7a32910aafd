// Package cache implements a persistent, bounded, verified local cache as a
// repo.Source that wraps any other source.
//
// It caches fixed-size blocks of sequence (Options.BlockSize residues,
// keyed by seq_id and block index), sequence Info, and the results of exact
// (non-pattern) FindAliases queries, which is what identifier resolution
// asks. Namespace listings and Sequences pass through uncached.
//
// Lookups go to a bounded in-memory LRU, then to the cache directory, then
// to the wrapped source. Concurrent misses for one key make one request to
// the source. The directory holds one file per entry, named by a hash of
// the key, each with a header (magic, version, kind, key, length, CRC-32C)
// verified on every read: a corrupt or truncated entry is deleted, logged
// and fetched again, never served. Files are written to a temporary name and
// renamed, so no process ever sees a partial entry. An SQLite index (WAL
// mode) shared by every process using the directory records each entry's
// size and last access; whoever adds an entry evicts the least recently used
// ones first, under the index's write lock, so the total size of entry
// files never exceeds the limit however many processes share it. When the
// directory cannot be written (full disk, permissions) the cache passes
// reads through to the source and logs a warning.
//
// Unknown identifiers and sequences (negative results) are remembered in
// memory for Options.NegativeTTL. Alias results are re-validated after
// Options.AliasTTL; when the source is unreachable a stale answer is served.
package cache

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/seqfs/seqfs/repo"
)

// Defaults for Options.
const (
	DefaultBlockSize   = 256 << 10
	DefaultMemBytes    = 64 << 20
	DefaultNegativeTTL = 30 * time.Second
	DefaultAliasTTL    = time.Hour
	// maxCachedAliases is the largest FindAliases answer that is cached;
	// bigger ones stream through.
	maxCachedAliases = 4096
	// flushInterval is how often access times and counters reach the index.
	flushInterval = time.Second
)

// Options configure a Cache.
type Options struct {
	// Dir is the cache directory. Empty means memory only.
	Dir string
	// MaxBytes bounds the total size of the entry files in Dir (headers
	// included). A limit smaller than one block entry disables the disk
	// layer: reads pass through (with the memory layer in front).
	MaxBytes int64
	// BlockSize is the number of residues per cached block (default
	// DefaultBlockSize). Entries of different block sizes never mix.
	BlockSize int
	// MemBytes bounds the in-memory block LRU (default DefaultMemBytes;
	// negative disables it).
	MemBytes int64
	// NegativeTTL is how long an unknown identifier or sequence is
	// remembered (default DefaultNegativeTTL).
	NegativeTTL time.Duration
	// AliasTTL is how long a cached identifier resolution is trusted before
	// the source is asked again (default DefaultAliasTTL).
	AliasTTL time.Duration
	// Scope separates the identifier and Info entries of different sources
	// sharing one directory (for example the source URL). Sequence blocks
	// are keyed by seq_id, a digest of their content, and are shared.
	Scope string
	// Logger receives warnings (default slog.Default()).
	Logger *slog.Logger
}

// Stats are the cache's counters. Hits, misses and backend requests count
// this process's calls; Entries and Bytes describe the directory as last
// seen; Evictions and Corrupt count this process's actions.
type Stats struct {
	Hits            int64 // lookups answered without the source (memory or disk)
	MemHits         int64 // of which from memory
	Misses          int64 // lookups that went to the source
	BackendRequests int64 // calls made to the wrapped source
	BackendErrors   int64 // of which failed
	Evictions       int64 // entries evicted from the directory (all processes)
	Corrupt         int64 // corrupt entries dropped by this process
	WritesDropped   int64 // blocks not written to disk because the write queue was full
	Entries         int64 // entry files in the directory
	Bytes           int64 // their total size
	LimitBytes      int64 // the directory's size limit (0: no disk layer)
	BytesFetched    int64 // residues fetched from the source
}

// HitRatio returns Hits/(Hits+Misses), or 0 before any lookup.
func (s Stats) HitRatio() float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}

// Cache is a repo.Source that caches another. It is safe for concurrent use.
type Cache struct {
	src   repo.Source
	opts  Options
	log   *slog.Logger
	disk  *store // nil: memory only
	bsize int64

	blocks  *lru[blockKey, *memBlock]
	infos   *lru[string, repo.Info]
	aliases *lru[repo.AliasQuery, aliasResult]

	negMu  sync.Mutex
	negSeq map[string]time.Time // seq_id → when found unknown

	flight singleflight.Group

	hits, memHits, misses, requests, reqErrors, fetched atomic.Int64

	stop     chan struct{}
	done     chan struct{}
	closeOne sync.Once
	closeErr error
}

type blockKey struct {
	seqID string
	index int64
}

type memBlock struct {
	data    []byte
	name    string       // disk entry name ("" when memory only)
	touched atomic.Int64 // unix seconds of the last disk access-time update
}

var seed = maphash.MakeSeed()

// New wraps src in a cache. The cache owns src: Close closes it. A cache
// directory that cannot be created or opened is logged and the cache runs
// in memory only; New fails only for invalid options.
func New(src repo.Source, opts Options) (*Cache, error) {
	if opts.BlockSize == 0 {
		opts.BlockSize = DefaultBlockSize
	}
	if opts.BlockSize < 1 || opts.BlockSize > 64<<20 {
		return nil, fmt.Errorf("cache: block size %d out of range [1, 64 MiB]", opts.BlockSize)
	}
	if opts.MaxBytes < 0 {
		return nil, fmt.Errorf("cache: negative size limit %d", opts.MaxBytes)
	}
	if opts.MemBytes == 0 {
		opts.MemBytes = DefaultMemBytes
	}
	if opts.NegativeTTL == 0 {
		opts.NegativeTTL = DefaultNegativeTTL
	}
	if opts.AliasTTL == 0 {
		opts.AliasTTL = DefaultAliasTTL
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Cache{
		src: src, opts: opts, log: opts.Logger, bsize: int64(opts.BlockSize),
		blocks: newLRU(opts.MemBytes, 16, func(k blockKey) uint64 {
			return maphash.String(seed, k.seqID) ^ uint64(k.index)*0x9e3779b97f4a7c15
		}, func(b *memBlock) int64 { return int64(len(b.data)) + 128 }),
		infos: newLRU(100_000, 16, func(k string) uint64 { return maphash.String(seed, k) },
			func(repo.Info) int64 { return 1 }),
		aliases: newLRU(100_000, 16, func(q repo.AliasQuery) uint64 {
			return maphash.String(seed, q.SeqID) ^ maphash.String(seed, q.Namespace)*31 ^ maphash.String(seed, q.Alias)*131
		}, func(r aliasResult) int64 { return 1 + int64(len(r.recs)) }),
		negSeq: map[string]time.Time{},
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	minEntry := int64(headerSize + len(c.blockEntryKey(blockKey{seqID: "0123456789012345678901234567890123456789", index: 1 << 40})) + opts.BlockSize)
	switch {
	case opts.Dir == "":
	case opts.MaxBytes < minEntry:
		c.log.Info("cache: size limit below one block; caching in memory only", "dir", opts.Dir, "limit", opts.MaxBytes, "block_entry", minEntry)
	default:
		st, err := openStore(opts.Dir, opts.MaxBytes, c.log)
		if err != nil {
			c.log.Warn("cache: directory unusable; caching in memory only", "dir", opts.Dir, "err", err)
		} else {
			c.disk = st
		}
	}
	go c.flusher()
	return c, nil
}

// Source returns the wrapped source.
func (c *Cache) Source() repo.Source { return c.src }

func (c *Cache) flusher() {
	defer close(c.done)
	if c.disk == nil {
		<-c.stop
		return
	}
	t := time.NewTicker(flushInterval)
	defer t.Stop()
	var hits, misses int64
	flush := func() {
		h, m := c.hits.Load(), c.misses.Load()
		c.disk.count("hits", h-hits)
		c.disk.count("misses", m-misses)
		hits, misses = h, m
		if err := c.disk.flush(context.Background()); err != nil {
			c.log.Warn("cache: cannot update index", "dir", c.opts.Dir, "err", err)
		}
	}
	for {
		select {
		case <-c.stop:
			flush()
			return
		case <-t.C:
			flush()
		}
	}
}

// Close flushes the index, closes it and closes the wrapped source.
func (c *Cache) Close() error {
	c.closeOne.Do(func() {
		close(c.stop)
		<-c.done
		var errs []error
		if c.disk != nil {
			errs = append(errs, c.disk.close())
		}
		errs = append(errs, c.src.Close())
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// Stats returns the current counters.
func (c *Cache) Stats() Stats {
	s := Stats{
		Hits:            c.hits.Load(),
		MemHits:         c.memHits.Load(),
		Misses:          c.misses.Load(),
		BackendRequests: c.requests.Load(),
		BackendErrors:   c.reqErrors.Load(),
		BytesFetched:    c.fetched.Load(),
	}
	if c.disk != nil {
		s.Entries = c.disk.entries.Load()
		s.Bytes = c.disk.bytes.Load()
		s.LimitBytes = c.disk.limit
		s.WritesDropped = c.disk.dropped.Load()
		s.Corrupt = c.disk.corruptN.Load()
		if t, err := c.disk.totals(context.Background()); err == nil {
			s.Entries, s.Bytes, s.Evictions = t["entries"], t["bytes"], t["evictions"]
		}
	}
	return s
}

// Clear drops every cached entry, in memory and on disk, and returns the
// number of disk entries removed.
func (c *Cache) Clear(ctx context.Context) (int64, error) {
	c.blocks.clear()
	c.infos.clear()
	c.aliases.clear()
	c.negMu.Lock()
	clear(c.negSeq)
	c.negMu.Unlock()
	if c.disk == nil {
		return 0, nil
	}
	return c.disk.clear(ctx)
}

// backend notes one call to the wrapped source and its outcome.
func (c *Cache) backend(err error) {
	c.requests.Add(1)
	if err != nil {
		c.reqErrors.Add(1)
	}
}

func (c *Cache) hit(mem bool) {
	c.hits.Add(1)
	if mem {
		c.memHits.Add(1)
	}
}

func (c *Cache) miss() {
	c.misses.Add(1)
}

func (c *Cache) blockEntryKey(k blockKey) string {
	return "block\x00" + strconv.Itoa(c.opts.BlockSize) + "\x00" + k.seqID + "\x00" + strconv.FormatInt(k.index, 10)
}

func (c *Cache) infoEntryKey(seqID string) string {
	return "info\x00" + c.opts.Scope + "\x00" + seqID
}

func aliasEntryKey(scope string, q repo.AliasQuery) string {
	h := "0"
	if q.IncludeHistoric {
		h = "1"
	}
	return "aliases\x00" + scope + "\x00" + q.SeqID + "\x00" + q.Namespace + "\x00" + q.Alias + "\x00" + h
}

// negative reports whether seqID was found unknown within NegativeTTL.
func (c *Cache) negative(seqID string) bool {
	c.negMu.Lock()
	defer c.negMu.Unlock()
	t, ok := c.negSeq[seqID]
	if ok && time.Since(t) >= c.opts.NegativeTTL {
		delete(c.negSeq, seqID)
		ok = false
	}
	return ok
}

func (c *Cache) setNegative(seqID string) {
	c.negMu.Lock()
	defer c.negMu.Unlock()
	if len(c.negSeq) >= 100_000 {
		for k, t := range c.negSeq {
			if time.Since(t) >= c.opts.NegativeTTL {
				delete(c.negSeq, k)
			}
		}
		if len(c.negSeq) >= 100_000 {
			clear(c.negSeq)
		}
	}
	c.negSeq[seqID] = time.Now()
}

// Info returns a sequence's metadata, from the cache when possible.
func (c *Cache) Info(ctx context.Context, seqID string) (repo.Info, error) {
	if info, ok := c.infos.get(seqID); ok {
		c.hit(true)
		return info, nil
	}
	if c.negative(seqID) {
		c.hit(true)
		return repo.Info{}, &repo.SeqNotFoundError{SeqID: seqID}
	}
	key := c.infoEntryKey(seqID)
	if c.disk != nil {
		if b, ok := c.disk.read(kindInfo, key); ok {
			if info, err := decodeInfo(b); err == nil && info.SeqID == seqID {
				c.hit(false)
				c.infos.add(seqID, info)
				return info, nil
			}
			c.disk.corrupt(c.disk.path(entryName(key)), entryName(key), fmt.Errorf("%w: undecodable info for %s", errEntry, seqID))
		}
	}
	v, err := c.do(ctx, key, func(ctx context.Context) (any, error) {
		c.miss()
		info, err := c.src.Info(ctx, seqID)
		c.backend(err)
		if err != nil {
			if errors.Is(err, repo.ErrNotFound) {
				c.setNegative(seqID)
			}
			return repo.Info{}, err
		}
		c.infos.add(seqID, info)
		if c.disk != nil {
			c.disk.put(key, encodeEntry(kindInfo, key, encodeInfo(info)), true)
		}
		return info, nil
	})
	if err != nil {
		return repo.Info{}, err
	}
	return v.(repo.Info), nil
}

// ReadSequence copies residues [start, start+len(p)) into p from cached
// blocks, fetching missing blocks from the source.
func (c *Cache) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	info, err := c.Info(ctx, seqID)
	if err != nil {
		return 0, err
	}
	if start < 0 || start > info.Length {
		return 0, &repo.CoordinateError{Msg: fmt.Sprintf("sequence %s: start %d out of range [0, %d]", seqID, start, info.Length)}
	}
	n := 0
	for n < len(p) && start+int64(n) < info.Length {
		pos := start + int64(n)
		idx := pos / c.bsize
		blk, err := c.block(ctx, seqID, idx, info.Length)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], blk[pos-idx*c.bsize:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// do runs fn once for all concurrent callers with the same key. When the
// caller whose context ran fn was cancelled, the others try once more with
// their own context.
func (c *Cache) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	for try := 0; ; try++ {
		v, err, shared := c.flight.Do(key, func() (any, error) { return fn(ctx) })
		if err != nil && shared && try == 0 && ctx.Err() == nil &&
			(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			continue
		}
		return v, err
	}
}

// blockLen is the number of residues in block idx of a sequence.
func (c *Cache) blockLen(idx, length int64) int64 {
	return min(c.bsize, length-idx*c.bsize)
}

// block returns block idx of a sequence of the given length.
func (c *Cache) block(ctx context.Context, seqID string, idx, length int64) ([]byte, error) {
	k := blockKey{seqID: seqID, index: idx}
	if b, ok := c.blocks.get(k); ok {
		c.hit(true)
		if c.disk != nil {
			if now := time.Now().Unix(); now-b.touched.Load() >= 60 {
				b.touched.Store(now)
				c.disk.touch(b.name)
			}
		}
		return b.data, nil
	}
	want := c.blockLen(idx, length)
	key := c.blockEntryKey(k)
	if c.disk != nil {
		if b, ok := c.disk.read(kindBlock, key); ok {
			if int64(len(b)) == want {
				c.hit(false)
				mb := &memBlock{data: b, name: entryName(key)}
				mb.touched.Store(time.Now().Unix())
				c.blocks.add(k, mb)
				return b, nil
			}
			c.disk.corrupt(c.disk.path(entryName(key)), entryName(key),
				fmt.Errorf("%w: block %d of %s has %d residues, want %d", errEntry, idx, seqID, len(b), want))
		}
	}
	v, err := c.do(ctx, key, func(ctx context.Context) (any, error) {
		c.miss()
		buf := make([]byte, headerSize+len(key)+int(want))
		data := buf[headerSize+len(key):]
		err := repo.ReadFull(ctx, c.src, seqID, data, idx*c.bsize)
		c.backend(err)
		if err != nil {
			return nil, fmt.Errorf("cache: fetch block %d (residues %d-%d) of %s: %w", idx, idx*c.bsize, idx*c.bsize+want, seqID, err)
		}
		c.fetched.Add(want)
		mb := &memBlock{data: data}
		if c.disk != nil {
			mb.name = entryName(key)
			mb.touched.Store(time.Now().Unix())
			c.disk.put(key, fillEntry(buf, kindBlock, key), waitWrite(ctx))
		}
		c.blocks.add(k, mb)
		return data, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// waitKey marks a context whose block writes must not be dropped when the
// write queue is full (prefetch).
type waitKey struct{}

func waitWrite(ctx context.Context) bool { return ctx.Value(waitKey{}) != nil }

// cacheable reports whether a FindAliases answer may be cached: exact
// fields only, and narrow enough (by seq_id or alias) to be small.
func cacheable(q repo.AliasQuery) bool {
	if repo.IsPattern(q.SeqID) || repo.IsPattern(q.Namespace) || repo.IsPattern(q.Alias) {
		return false
	}
	return q.SeqID != "" || q.Alias != ""
}

// FindAliases answers exact queries from the cache; pattern and broad
// queries stream from the source.
func (c *Cache) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	if !cacheable(q) {
		return c.passAliases(ctx, q)
	}
	return func(yield func(repo.Alias, error) bool) {
		r, err := c.findAliases(ctx, q)
		if errors.Is(err, errTooMany) {
			c.passAliases(ctx, q)(yield)
			return
		}
		if err != nil {
			yield(repo.Alias{}, err)
			return
		}
		for _, a := range r.recs {
			if !yield(a, nil) {
				return
			}
		}
	}
}

var errTooMany = errors.New("too many aliases to cache")

func (c *Cache) passAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		var ferr error
		defer func() { c.backend(ferr) }()
		for a, err := range c.src.FindAliases(ctx, q) {
			if err != nil {
				ferr = err
				yield(repo.Alias{}, err)
				return
			}
			if !yield(a, nil) {
				return
			}
		}
	}
}

// fresh reports whether a cached alias answer can be used without asking
// the source.
func (c *Cache) fresh(r aliasResult) bool {
	ttl := c.opts.AliasTTL
	if len(r.recs) == 0 {
		ttl = c.opts.NegativeTTL
	}
	return time.Since(r.fetched) < ttl
}

func (c *Cache) findAliases(ctx context.Context, q repo.AliasQuery) (aliasResult, error) {
	stale, haveStale := c.aliases.get(q)
	if haveStale && c.fresh(stale) {
		c.hit(true)
		return stale, nil
	}
	key := aliasEntryKey(c.opts.Scope, q)
	if !haveStale && c.disk != nil {
		if b, ok := c.disk.read(kindAliases, key); ok {
			if r, err := decodeAliases(b); err == nil {
				c.aliases.add(q, r)
				if c.fresh(r) {
					c.hit(false)
					return r, nil
				}
				stale, haveStale = r, true
			} else {
				c.disk.corrupt(c.disk.path(entryName(key)), entryName(key), err)
			}
		}
	}
	v, err := c.do(ctx, key, func(ctx context.Context) (any, error) {
		c.miss()
		r := aliasResult{fetched: time.Now()}
		var ferr error
		for a, err := range c.src.FindAliases(ctx, q) {
			if err != nil {
				ferr = err
				break
			}
			if len(r.recs) == maxCachedAliases {
				ferr = errTooMany
				break
			}
			r.recs = append(r.recs, a)
		}
		if errors.Is(ferr, errTooMany) {
			return nil, ferr
		}
		c.backend(ferr)
		if ferr != nil {
			return nil, ferr
		}
		c.aliases.add(q, r)
		if c.disk != nil && len(r.recs) > 0 {
			c.disk.put(key, encodeEntry(kindAliases, key, encodeAliases(r)), true)
		}
		return r, nil
	})
	if err != nil {
		if haveStale && errors.Is(err, repo.ErrUnavailable) {
			c.log.Debug("cache: source unavailable; serving a stale resolution", "query", key, "err", err)
			c.hit(false)
			return stale, nil
		}
		return aliasResult{}, err
	}
	return v.(aliasResult), nil
}

// NamespaceAliases streams from the source (not cached).
func (c *Cache) NamespaceAliases(ctx context.Context, namespace string) iter.Seq2[repo.Alias, error] {
	return passThrough(c, c.src.NamespaceAliases(ctx, namespace))
}

// Namespaces asks the source (not cached).
func (c *Cache) Namespaces(ctx context.Context) ([]string, error) {
	ns, err := c.src.Namespaces(ctx)
	c.backend(err)
	return ns, err
}

// Sequences streams from the source (not cached).
func (c *Cache) Sequences(ctx context.Context) iter.Seq2[repo.Info, error] {
	return passThrough(c, c.src.Sequences(ctx))
}

var _ repo.Source = (*Cache)(nil)
