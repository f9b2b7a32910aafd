package cache

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/backends/redis"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// counting wraps a real source and counts the calls made to it, so tests
// can assert what the cache asked the backend.
type counting struct {
	repo.Source
	reads, infos, finds, other atomic.Int64
}

func (c *counting) total() int64 {
	return c.reads.Load() + c.infos.Load() + c.finds.Load() + c.other.Load()
}

func (c *counting) ReadSequence(ctx context.Context, id string, p []byte, start int64) (int, error) {
	c.reads.Add(1)
	return c.Source.ReadSequence(ctx, id, p, start)
}

func (c *counting) Info(ctx context.Context, id string) (repo.Info, error) {
	c.infos.Add(1)
	return c.Source.Info(ctx, id)
}

func (c *counting) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	c.finds.Add(1)
	return c.Source.FindAliases(ctx, q)
}

func (c *counting) Namespaces(ctx context.Context) ([]string, error) {
	c.other.Add(1)
	return c.Source.Namespaces(ctx)
}

// nopClose keeps a shared source open when a cache over it is closed.
type nopClose struct{ repo.Source }

func (nopClose) Close() error { return nil }

// openSample opens the bundled SeqRepo instance with the real backend.
func openSample(t testing.TB) repo.Source {
	t.Helper()
	src, err := seqrepo.Open(context.Background(), testutil.SampleInstance(), seqrepo.Options{})
	if err != nil {
		t.Fatalf("open sample instance: %v", err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// sampleBytes returns the whole sequences of the sample, by seq_id.
func sampleBytes(t testing.TB, src repo.Source) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, s := range repotest.Sample {
		b, err := repo.Slice(context.Background(), src, s.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatalf("read %s: %v", s.SeqID, err)
		}
		out[s.SeqID] = b
	}
	return out
}

// remote is a real redis-server holding the sample sequences (with their
// "test" aliases) plus extra sequences, read through the Redis backend.
type remote struct {
	srv  *redistest.Server
	url  string
	seqs map[string][]byte // by seq_id
}

// startRemote starts redis-server and loads the sample and extra sequences
// (each with alias test:extraN).
func startRemote(t testing.TB, extra ...[]byte) *remote {
	t.Helper()
	ctx := context.Background()
	srv := redistest.Start(t)
	r := &remote{srv: srv, url: srv.URL() + "?prefix=cachetest", seqs: map[string][]byte{}}
	u, err := repo.ParseLocation(r.url)
	if err != nil {
		t.Fatal(err)
	}
	w, err := redis.OpenWriter(ctx, u)
	if err != nil {
		t.Fatalf("open redis writer %s: %v", r.url, err)
	}
	defer w.Close()
	sample := sampleBytes(t, openSample(t))
	for _, s := range repotest.Sample {
		if _, err := w.Store(ctx, sample[s.SeqID], []repo.NSAlias{{Namespace: "test", Alias: s.TestAlias}}); err != nil {
			t.Fatalf("store %s in redis: %v", s.SeqID, err)
		}
		r.seqs[s.SeqID] = sample[s.SeqID]
	}
	for i, b := range extra {
		if _, err := w.Store(ctx, b, []repo.NSAlias{{Namespace: "test", Alias: fmt.Sprintf("extra%d", i)}}); err != nil {
			t.Fatalf("store extra%d in redis: %v", i, err)
		}
		d, err := repo.ComputeDigests(b)
		if err != nil {
			t.Fatal(err)
		}
		r.seqs[d.SeqID] = b
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatalf("commit redis: %v", err)
	}
	return r
}

// open returns a counted Redis source, closed at cleanup.
func (r *remote) open(t testing.TB) *counting {
	t.Helper()
	src, err := all.Open(context.Background(), r.url)
	if err != nil {
		t.Fatalf("open %s: %v", r.url, err)
	}
	t.Cleanup(func() { src.Close() })
	return &counting{Source: src}
}

func randSeq(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[r.IntN(4)]
	}
	return b
}

// logBuffer captures slog output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newCache wraps src (not owned) and closes the cache at cleanup.
func newCache(t testing.TB, src repo.Source, o Options) *Cache {
	t.Helper()
	c, err := New(nopClose{src}, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// entryFiles lists the entry files of a cache directory with their sizes.
func entryFiles(t testing.TB, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(filepath.Join(dir, entriesDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				if os.IsNotExist(err) { // evicted meanwhile
					return nil
				}
				return err
			}
			out[p] = fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", dir, err)
	}
	return out
}

func sumSizes(m map[string]int64) int64 {
	var s int64
	for _, v := range m {
		s += v
	}
	return s
}

// checkRange reads [start, start+n) through src and compares with want.
func checkRange(ctx context.Context, src repo.Source, id string, want []byte, start, n int64) error {
	buf := make([]byte, n)
	if err := repo.ReadFull(ctx, src, id, buf, start); err != nil {
		return fmt.Errorf("read %s [%d,%d): %w", id, start, start+n, err)
	}
	if !bytes.Equal(buf, want[start:start+n]) {
		return fmt.Errorf("read %s [%d,%d): wrong bytes %q…, want %q…", id, start, start+n,
			buf[:min(20, len(buf))], want[start:min(start+20, start+n)])
	}
	return nil
}

// lockedSize sums the entry files while holding the index's write lock, so
// that no process adds or evicts during the scan: a consistent snapshot.
func lockedSize(t testing.TB, dir string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, IndexFile)+"?_busy_timeout=30000&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatalf("lock index in %s: %v", dir, err)
	}
	defer tx.Rollback()
	// BEGIN IMMEDIATE takes the lock lazily in some drivers; touch a table.
	if _, err := tx.Exec(`UPDATE counters SET value = value WHERE name = 'bytes'`); err != nil {
		if strings.Contains(err.Error(), "no such table") { // not yet created: no entries
			return 0
		}
		t.Fatalf("lock index in %s: %v", dir, err)
	}
	return sumSizes(entryFiles(t, dir))
}

// settle waits until the cache's background writes are done.
func settle(t testing.TB, c *Cache) {
	t.Helper()
	if c.disk == nil {
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for c.disk.pending.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("cache writes did not finish within 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
