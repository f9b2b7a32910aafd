// Command cache-bench measures the cache layer side by side with the
// backends it sits on, in one run:
//
//	go run ./bench/cache [-n 10000] [-len 64444167] [-fetch 100]
//
// It builds a chr20-sized sequence (GRCh38 chr20 is 64,444,167 nt; the
// machine has no network, so the residues are pseudo-random ACGT with N
// runs), stores it in a fresh SeqRepo instance on local disk and in its own
// redis-server (loopback, free port, persistence off), then times the same
// n random fetches through: the SeqRepo backend (after a warm-up pass, so
// its BGZF block cache is hot), the Redis backend with no cache, the cache
// over Redis cold (empty directory), warm (same process), and warm after a
// restart (a new cache over the same directory: disk hits only). No S3
// server is available on this machine, so Redis stands in as the remote.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/seqfs/seqfs/backends/redis"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/cache"
	"github.com/seqfs/seqfs/repo"
)

func main() {
	n := flag.Int("n", 10000, "random fetches per measurement")
	length := flag.Int("len", 64444167, "sequence length (GRCh38 chr20)")
	fetch := flag.Int("fetch", 100, "residues per fetch")
	flag.Parse()
	if err := run(*n, *length, *fetch); err != nil {
		fmt.Fprintln(os.Stderr, "cache-bench:", err)
		os.Exit(1)
	}
}

// counted counts the calls the cache makes to its backend.
type counted struct {
	repo.Source
	reads int
}

func (c *counted) ReadSequence(ctx context.Context, id string, p []byte, start int64) (int, error) {
	c.reads++
	return c.Source.ReadSequence(ctx, id, p, start)
}

func (c *counted) Close() error { return nil } // the bench closes the backend itself

func startRedis(dir string) (addr string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start redis-server: %w", err)
	}
	addr = "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 400 {
			cmd.Process.Kill()
			cmd.Wait()
			return "", nil, fmt.Errorf("redis-server on %s did not start", addr)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return addr, func() { cmd.Process.Kill(); cmd.Wait() }, nil
}

type result struct {
	name            string
	mean, p50, p99  time.Duration
	total           time.Duration
	backendRequests int
}

func measure(name string, starts []int64, fetch int, get func([]byte, int64) error) (result, error) {
	buf := make([]byte, fetch)
	lat := make([]time.Duration, len(starts))
	t0 := time.Now()
	for i, s := range starts {
		t1 := time.Now()
		if err := get(buf, s); err != nil {
			return result{}, fmt.Errorf("%s at %d: %w", name, s, err)
		}
		lat[i] = time.Since(t1)
	}
	total := time.Since(t0)
	slices.Sort(lat)
	return result{name: name, mean: total / time.Duration(len(starts)), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], total: total}, nil
}

func run(n, length, fetch int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "cache-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	rng := rand.New(rand.NewPCG(20, 26))
	seq := make([]byte, length)
	for i := range seq {
		seq[i] = "ACGT"[rng.IntN(4)]
	}
	for range length / 1_000_000 {
		s := rng.IntN(length - 50000)
		for j := s; j < s+rng.IntN(50000); j++ {
			seq[j] = 'N'
		}
	}
	d, err := repo.ComputeDigests(seq)
	if err != nil {
		return err
	}
	id := d.SeqID

	inst := filepath.Join(tmp, "seqrepo", "master")
	if err := seqrepo.CreateInstance(ctx, inst); err != nil {
		return err
	}
	sw, err := seqrepo.OpenWriter(ctx, inst, seqrepo.WriterOptions{})
	if err != nil {
		return err
	}
	if _, err := sw.Store(ctx, seq, []repo.NSAlias{{Namespace: "NCBI", Alias: "NC_000020.11"}}); err != nil {
		return err
	}
	if err := sw.Commit(ctx); err != nil {
		return err
	}
	sw.Close()
	disk, err := seqrepo.Open(ctx, inst, seqrepo.Options{})
	if err != nil {
		return err
	}
	defer disk.Close()

	addr, stop, err := startRedis(tmp)
	if err != nil {
		return err
	}
	defer stop()
	loc := "redis://" + addr + "/0?prefix=bench"
	u, _ := repo.ParseLocation(loc)
	w, err := redis.OpenWriter(ctx, u)
	if err != nil {
		return err
	}
	if _, err := w.Store(ctx, seq, []repo.NSAlias{{Namespace: "NCBI", Alias: "NC_000020.11"}}); err != nil {
		return err
	}
	if err := w.Commit(ctx); err != nil {
		return err
	}
	w.Close()
	remote, err := repo.Open(ctx, loc)
	if err != nil {
		return err
	}
	defer remote.Close()

	starts := make([]int64, n)
	for i := range starts {
		starts[i] = rng.Int64N(int64(length - fetch))
	}
	check := func(name string, src repo.Source) func([]byte, int64) error {
		return func(buf []byte, s int64) error {
			if err := repo.ReadFull(ctx, src, id, buf, s); err != nil {
				return err
			}
			if string(buf) != string(seq[s:s+int64(len(buf))]) {
				return fmt.Errorf("%s: wrong bytes at %d", name, s)
			}
			return nil
		}
	}

	var results []result
	// SeqRepo on local disk, after a warm-up pass over the same offsets.
	if _, err := measure("warm-up", starts, fetch, check("seqrepo", disk)); err != nil {
		return err
	}
	r, err := measure("seqrepo backend (local disk)", starts, fetch, check("seqrepo", disk))
	if err != nil {
		return err
	}
	results = append(results, r)
	// Redis, no cache (connections warmed by a few fetches first).
	if _, err := measure("warm-up", starts[:100], fetch, check("redis", remote)); err != nil {
		return err
	}
	if r, err = measure("redis backend, no cache", starts, fetch, check("redis", remote)); err != nil {
		return err
	}
	results = append(results, r)

	cdir := filepath.Join(tmp, "cache")
	be := &counted{Source: remote}
	c, err := cache.New(be, cache.Options{Dir: cdir, MaxBytes: 10 << 30})
	if err != nil {
		return err
	}
	for _, pass := range []string{"cache over redis, cold", "cache over redis, warm"} {
		before := be.reads
		if r, err = measure(pass, starts, fetch, check(pass, c)); err != nil {
			return err
		}
		r.backendRequests = be.reads - before
		results = append(results, r)
	}
	st := c.Stats()
	c.Close()
	be2 := &counted{Source: remote}
	c2, err := cache.New(be2, cache.Options{Dir: cdir, MaxBytes: 10 << 30})
	if err != nil {
		return err
	}
	if r, err = measure("cache over redis, restarted", starts, fetch, check("restarted", c2)); err != nil {
		return err
	}
	r.backendRequests = be2.reads
	results = append(results, r)
	if r, err = measure("  … and warm again", starts, fetch, check("restarted", c2)); err != nil {
		return err
	}
	r.backendRequests = be2.reads - results[len(results)-1].backendRequests
	results = append(results, r)
	c2.Close()

	fmt.Printf("cache-bench: %d random %d-bp fetches of a %d-nt sequence, single-threaded, same offsets on every path\n", n, fetch, length)
	fmt.Printf("cache: block %d residues, memory LRU %s, directory limit 10 GiB; after the cold+warm passes: %d entries, %s on disk\n\n",
		cache.DefaultBlockSize, cache.FormatSize(cache.DefaultMemBytes), st.Entries, cache.FormatSize(st.Bytes))
	fmt.Printf("%-30s %9s %9s %9s %9s %10s %9s\n", "path", "mean µs", "p50 µs", "p99 µs", "total ms", "backend rq", "vs seqrepo")
	base := results[0].mean
	us := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Nanoseconds())/1000, 'f', 2, 64) }
	for _, r := range results {
		rq := "-"
		if r.name != results[0].name && r.name != results[1].name {
			rq = strconv.Itoa(r.backendRequests)
		}
		fmt.Printf("%-30s %9s %9s %9s %9d %10s %8.2fx\n", r.name, us(r.mean), us(r.p50), us(r.p99), r.total.Milliseconds(), rq, float64(r.mean)/float64(base))
	}
	return nil
}
