package cache

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // the index database
)

// IndexFile is the name of the SQLite index inside a cache directory.
const IndexFile = "index.sqlite3"

// entriesDir holds the entry files, in 256 subdirectories by the first
// byte of the key hash; tmpDir holds files being written.
const (
	entriesDir = "v1"
	tmpDir     = "tmp"
)

// disableFor is how long the disk layer stays off after a write failure
// (full disk, read-only directory) before it is tried again.
const disableFor = time.Minute

// store is the on-disk part of the cache: entry files plus an SQLite index
// (WAL mode, shared by every process using the directory) that records each
// entry's size and last access so that the total stays within a limit.
type store struct {
	dir   string
	limit int64
	db    *sql.DB
	log   *slog.Logger

	offUntil atomic.Int64 // unix nanos until which writes are skipped

	mu      sync.Mutex
	touches map[string]int64 // file name → access time, flushed in batches
	deltas  map[string]int64 // counter deltas, flushed in batches

	bytes   atomic.Int64 // last known totals, for Stats
	entries atomic.Int64

	// Writes happen in the background so that a miss costs the reader
	// only the fetch; a full queue drops the write (the entry stays in
	// memory) unless the caller asked to wait.
	qmu      sync.RWMutex
	closed   bool
	queue    chan pendingWrite
	writers  sync.WaitGroup
	dropped  atomic.Int64
	pending  atomic.Int64 // writes queued or in progress
	corruptN atomic.Int64 // corrupt entries dropped
}

type pendingWrite struct {
	key  string
	data []byte
}

// writeQueue and writeWorkers size the background writer.
const (
	writeQueue   = 1024
	writeWorkers = 4
)

// openStore opens or creates the cache directory and its index.
func openStore(dir string, limit int64, log *slog.Logger) (*store, error) {
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o755); err != nil {
		return nil, fmt.Errorf("create cache directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, entriesDir), 0o755); err != nil {
		return nil, fmt.Errorf("create cache directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, IndexFile)
	dsn := "file:" + path + "?_journal_mode=WAL&_busy_timeout=30000&_synchronous=NORMAL&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open cache index %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`PRAGMA journal_size_limit = 1048576`,
		`CREATE TABLE IF NOT EXISTS entries (name TEXT PRIMARY KEY, size INTEGER NOT NULL, atime INTEGER NOT NULL) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS entries_atime ON entries (atime)`,
		`CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("init cache index %s: %w", path, err)
		}
	}
	removeStaleTemps(filepath.Join(dir, tmpDir))
	s := &store{dir: dir, limit: limit, db: db, log: log,
		touches: map[string]int64{}, deltas: map[string]int64{}}
	if _, err := s.totals(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	s.queue = make(chan pendingWrite, writeQueue)
	for range writeWorkers {
		s.writers.Go(func() {
			for w := range s.queue {
				s.write(context.Background(), w.key, w.data)
				s.pending.Add(-1)
			}
		})
	}
	return s, nil
}

// put queues an entry for writing. With wait false a full queue drops it.
func (s *store) put(key string, data []byte, wait bool) {
	if int64(len(data)) > s.limit || s.disabled() {
		return
	}
	s.qmu.RLock()
	defer s.qmu.RUnlock()
	if s.closed {
		return
	}
	s.pending.Add(1)
	if wait {
		s.queue <- pendingWrite{key, data}
		return
	}
	select {
	case s.queue <- pendingWrite{key, data}:
	default:
		s.pending.Add(-1)
		s.dropped.Add(1)
	}
}

// drain stops the writers after they finish the queued writes.
func (s *store) drain() {
	s.qmu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.qmu.Unlock()
	s.writers.Wait()
}

// removeStaleTemps deletes temporary files left by processes that died
// while writing (older than an hour, so no live writer is affected).
func removeStaleTemps(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Hour {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// entryName returns the file name of key: a hash, so any key is a safe name.
func entryName(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:16])
}

func (s *store) path(name string) string {
	return filepath.Join(s.dir, entriesDir, name[:2], name)
}

// read returns the verified payload of key, or ok=false when there is no
// usable entry. A corrupt or truncated entry is deleted and logged.
func (s *store) read(kind uint16, key string) (payload []byte, ok bool) {
	name := entryName(key)
	path := s.path(name)
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("cache: cannot open entry", "file", path, "err", err)
		}
		return nil, false
	}
	defer f.Close()
	var hdr [headerSize]byte
	n, err := f.ReadAt(hdr[:], 0)
	if err != nil && !(errors.Is(err, io.EOF) && n == headerSize) {
		s.corrupt(path, name, fmt.Errorf("%w: read header: %v", errEntry, err))
		return nil, false
	}
	total, err := entryLen(hdr[:], kind)
	if err != nil {
		s.corrupt(path, name, err)
		return nil, false
	}
	buf := make([]byte, total+1)
	n, err = f.ReadAt(buf, 0)
	if int64(n) != total || !errors.Is(err, io.EOF) {
		s.corrupt(path, name, fmt.Errorf("%w: file is %d+ bytes, header says %d", errEntry, n, total))
		return nil, false
	}
	payload, err = decodeEntry(buf[:total], kind, key)
	if err != nil {
		s.corrupt(path, name, err)
		return nil, false
	}
	s.touch(name)
	return payload, true
}

// corrupt drops a bad entry so that it is fetched again.
func (s *store) corrupt(path, name string, cause error) {
	s.log.Warn("cache: dropping corrupt entry; it will be fetched again", "file", path, "err", cause)
	s.count("corrupt", 1)
	s.corruptN.Add(1)
	ctx := context.Background()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var size int64
		switch err := tx.QueryRow(`SELECT size FROM entries WHERE name = ?`, name).Scan(&size); {
		case errors.Is(err, sql.ErrNoRows):
			return removeFile(path)
		case err != nil:
			return err
		}
		if _, err := tx.Exec(`DELETE FROM entries WHERE name = ?`, name); err != nil {
			return err
		}
		if err := addCounters(tx, map[string]int64{"bytes": -size, "entries": -1}); err != nil {
			return err
		}
		return removeFile(path)
	})
	if err != nil {
		s.log.Warn("cache: cannot drop corrupt entry", "file", path, "err", err)
	}
}

func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// touch records an access for the next batched index update.
func (s *store) touch(name string) {
	s.mu.Lock()
	s.touches[name] = time.Now().UnixNano()
	s.mu.Unlock()
}

// count adds to a persistent counter at the next flush.
func (s *store) count(name string, d int64) {
	s.mu.Lock()
	s.deltas[name] += d
	s.mu.Unlock()
}

// disabled reports whether writes are currently off after a failure.
func (s *store) disabled() bool {
	return time.Now().UnixNano() < s.offUntil.Load()
}

// writeFailed turns writes off for a while and says so.
func (s *store) writeFailed(what string, err error) {
	if s.offUntil.Swap(time.Now().Add(disableFor).UnixNano()) < time.Now().UnixNano() {
		s.log.Warn("cache: cannot write, passing reads through to the source", "dir", s.dir, "op", what, "err", err, "retry_in", disableFor)
	}
}

// write stores an entry, evicting least recently used entries so that the
// total size of entry files stays within the limit. Failures are logged
// and otherwise ignored: the cache is an optimisation.
func (s *store) write(ctx context.Context, key string, data []byte) {
	size := int64(len(data))
	if size > s.limit || s.disabled() {
		return
	}
	name := entryName(key)
	final := s.path(name)
	tmp, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), name+".*")
	if err != nil {
		s.writeFailed("create temporary file", err)
		return
	}
	tmpName := tmp.Name()
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmpName)
		s.writeFailed("write "+tmpName, err)
		return
	}
	var evicted int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		evicted = 0
		var old int64
		switch err := tx.QueryRow(`SELECT size FROM entries WHERE name = ?`, name).Scan(&old); {
		case err == nil:
			if _, err := os.Stat(final); err == nil {
				// Another process wrote it meanwhile.
				_, err := tx.Exec(`UPDATE entries SET atime = ? WHERE name = ?`, time.Now().UnixNano(), name)
				return err
			}
			// Stale row without a file: replace it.
			if _, err := tx.Exec(`DELETE FROM entries WHERE name = ?`, name); err != nil {
				return err
			}
			if err := addCounters(tx, map[string]int64{"bytes": -old, "entries": -1}); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var total int64
		if err := tx.QueryRow(`SELECT COALESCE((SELECT value FROM counters WHERE name = 'bytes'), 0)`).Scan(&total); err != nil {
			return err
		}
		var freed, n int64
		for total-freed+size > s.limit {
			victims, err := oldest(tx, 64)
			if err != nil {
				return err
			}
			if len(victims) == 0 {
				break
			}
			for _, v := range victims {
				if _, err := tx.Exec(`DELETE FROM entries WHERE name = ?`, v.name); err != nil {
					return err
				}
				if err := removeFile(s.path(v.name)); err != nil {
					return err
				}
				freed += v.size
				n++
				if total-freed+size <= s.limit {
					break
				}
			}
		}
		evicted = n
		if _, err := tx.Exec(`INSERT INTO entries (name, size, atime) VALUES (?, ?, ?)`, name, size, time.Now().UnixNano()); err != nil {
			return err
		}
		if err := addCounters(tx, map[string]int64{"bytes": size - freed, "entries": 1 - n, "evictions": n}); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return err
		}
		// The rename happens inside the transaction, so no other process
		// can evict the entry between accounting for it and creating it.
		return os.Rename(tmpName, final)
	})
	if err != nil {
		os.Remove(tmpName)
		s.writeFailed("store "+final, err)
		return
	}
	os.Remove(tmpName) // when another process had written it
	if evicted > 0 {
		s.log.Debug("cache: evicted entries", "count", evicted, "dir", s.dir)
	}
}

type victim struct {
	name string
	size int64
}

func oldest(tx *sql.Tx, n int) ([]victim, error) {
	rows, err := tx.Query(`SELECT name, size FROM entries ORDER BY atime LIMIT ?`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []victim
	for rows.Next() {
		var v victim
		if err := rows.Scan(&v.name, &v.size); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func addCounters(tx *sql.Tx, d map[string]int64) error {
	for k, v := range d {
		if v == 0 {
			continue
		}
		if _, err := tx.Exec(`INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value`, k, v); err != nil {
			return err
		}
	}
	return nil
}

// tx runs fn in an IMMEDIATE transaction (the index's write lock, shared by
// every process) and refreshes the cached totals.
func (s *store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cache index %s: begin: %w", s.dir, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := s.readTotals(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cache index %s: commit: %w", s.dir, err)
	}
	return nil
}

func (s *store) readTotals(tx *sql.Tx) error {
	_, err := s.loadTotals(context.Background(), tx)
	return err
}

// loadTotals reads the persistent counters and refreshes the cached totals.
func (s *store) loadTotals(ctx context.Context, q querier) (map[string]int64, error) {
	c, err := readCounters(ctx, q)
	if err != nil {
		return nil, err
	}
	s.bytes.Store(c["bytes"])
	s.entries.Store(c["entries"])
	return c, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readCounters(ctx context.Context, q querier) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, value FROM counters`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// totals returns the persistent counters of the directory.
func (s *store) totals(ctx context.Context) (map[string]int64, error) {
	out, err := s.loadTotals(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("read cache index in %s: %w", s.dir, err)
	}
	return out, nil
}

// flush writes batched access times and counter deltas to the index.
func (s *store) flush(ctx context.Context) error {
	s.mu.Lock()
	touches, deltas := s.touches, s.deltas
	if len(touches) == 0 && len(deltas) == 0 {
		s.mu.Unlock()
		return nil
	}
	s.touches, s.deltas = map[string]int64{}, map[string]int64{}
	s.mu.Unlock()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if len(touches) > 0 {
			st, err := tx.Prepare(`UPDATE entries SET atime = max(atime, ?) WHERE name = ?`)
			if err != nil {
				return err
			}
			defer st.Close()
			for name, at := range touches {
				if _, err := st.Exec(at, name); err != nil {
					return err
				}
			}
		}
		return addCounters(tx, deltas)
	})
}

// clear deletes every entry and resets the counters.
func (s *store) clear(ctx context.Context) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRow(`SELECT count(*) FROM entries`).Scan(&n); err != nil {
			return err
		}
		if err := os.RemoveAll(filepath.Join(s.dir, entriesDir)); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(s.dir, entriesDir), 0o755); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM entries`); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM counters`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("clear cache %s: %w", s.dir, err)
	}
	return n, nil
}

func (s *store) close() error {
	s.drain()
	ferr := s.flush(context.Background())
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close cache index in %s: %w", s.dir, err)
	}
	return ferr
}

// DirStats describes a cache directory as recorded in its index; the
// counters add up the activity of every process that used it.
type DirStats struct {
	Dir       string
	Entries   int64
	Bytes     int64
	Hits      int64
	Misses    int64
	Evictions int64
	Corrupt   int64
}

// HitRatio returns Hits/(Hits+Misses), or 0 when nothing was looked up.
func (d DirStats) HitRatio() float64 {
	if d.Hits+d.Misses == 0 {
		return 0
	}
	return float64(d.Hits) / float64(d.Hits+d.Misses)
}

// ReadDirStats reads the statistics of a cache directory. A directory
// without an index is reported as fs.ErrNotExist.
func ReadDirStats(ctx context.Context, dir string) (DirStats, error) {
	if _, err := os.Stat(filepath.Join(dir, IndexFile)); err != nil {
		return DirStats{}, fmt.Errorf("cache directory %s: %w", dir, err)
	}
	s, err := openStore(dir, 0, slog.Default())
	if err != nil {
		return DirStats{}, err
	}
	defer s.close()
	t, err := s.totals(ctx)
	if err != nil {
		return DirStats{}, err
	}
	return DirStats{Dir: dir, Entries: t["entries"], Bytes: t["bytes"], Hits: t["hits"],
		Misses: t["misses"], Evictions: t["evictions"], Corrupt: t["corrupt"]}, nil
}

// ClearDir deletes every entry of a cache directory (safe while other
// processes use it) and returns how many there were. A directory without an
// index is left alone and reported as fs.ErrNotExist.
func ClearDir(ctx context.Context, dir string) (int64, error) {
	if _, err := os.Stat(filepath.Join(dir, IndexFile)); err != nil {
		return 0, fmt.Errorf("cache directory %s: %w", dir, err)
	}
	s, err := openStore(dir, 0, slog.Default())
	if err != nil {
		return 0, err
	}
	defer s.close()
	return s.clear(ctx)
}
