// Command redis-bench measures the Redis backend side by side with its
// limit and with the SeqRepo layout on local disk, in one run:
//
//	go run ./bench/redis [-n 10000] [-len 64444167] [-workers 16]
//
// It starts its own redis-server on a free loopback port (persistence off),
// reads human chr20 from -fasta (default: the GRCh37 chr20 that Debian's vt
// package ships, 63,025,520 nt; if it is missing, a pseudo-random sequence
// of GRCh38 chr20's length, 64,444,167 nt), stores it in a fresh SeqRepo
// instance and copies that into Redis with the backend's Writer, then times
// n random 100-bp fetches single-threaded and with -workers goroutines
// through: raw go-redis GETRANGE on the sequence's key (the limit), the
// Redis backend, and the SeqRepo backend. The paths are measured in turn
// for -rounds rounds and the best round of each is reported (the machine
// may be shared). It prints latency percentiles, throughput and the Redis
// memory per residue.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/backends/redis"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

func main() {
	n := flag.Int("n", 10000, "random fetches per measurement")
	length := flag.Int("len", 64444167, "sequence length (GRCh38 chr20)")
	workers := flag.Int("workers", 16, "goroutines for the concurrent runs")
	fetch := flag.Int("fetch", 100, "residues per fetch")
	fasta := flag.String("fasta", "/usr/share/doc/vt/examples/ref/20.fa.gz", "FASTA (plain or gzip) whose first record is used; synthetic if missing")
	rounds := flag.Int("rounds", 3, "measurement rounds")
	flag.Parse()
	if err := run(*n, *length, *workers, *fetch, *rounds, *fasta); err != nil {
		fmt.Fprintln(os.Stderr, "redis-bench:", err)
		os.Exit(1)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// readFasta returns the first record of a plain or gzip FASTA file.
func readFasta(path string) (string, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var name string
	seq := make([]byte, 0, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) > 0 && line[0] == '>' {
			if name != "" {
				break
			}
			name = strings.Fields(string(line[1:]) + " x")[0]
			continue
		}
		seq = append(seq, bytes.TrimSpace(line)...)
	}
	if err := sc.Err(); err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	if name == "" || len(seq) == 0 {
		return "", nil, fmt.Errorf("%s: no FASTA record", path)
	}
	return name, seq, nil
}

func run(n, length, workers, fetch, rounds int, fasta string) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "redis-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	srv := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", tmp, "--loglevel", "warning")
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	raw := goredis.NewClient(&goredis.Options{Addr: addr, PoolSize: 64})
	defer raw.Close()
	for i := 0; raw.Ping(ctx).Err() != nil; i++ {
		if i > 200 {
			return fmt.Errorf("redis-server on %s did not start", addr)
		}
		time.Sleep(25 * time.Millisecond)
	}
	version, _ := raw.Info(ctx, "server").Result()

	// The sequence, in a SeqRepo instance on local disk.
	rng := rand.New(rand.NewPCG(20, 20))
	name, seq, err := readFasta(fasta)
	if err != nil {
		fmt.Fprintf(os.Stderr, "redis-bench: %v; using a pseudo-random sequence of %d nt\n", err, length)
		name, seq = "synthetic", make([]byte, length)
		for i := range seq {
			seq[i] = "ACGT"[rng.IntN(4)]
		}
	}
	length = len(seq)
	inst := filepath.Join(tmp, "seqrepo", "master")
	if err := seqrepo.CreateInstance(ctx, inst); err != nil {
		return err
	}
	t0 := time.Now()
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
	seqrepoLoad := time.Since(t0)
	disk, err := seqrepo.Open(ctx, inst, seqrepo.Options{})
	if err != nil {
		return err
	}
	defer disk.Close()
	d, err := repo.ComputeDigests(seq)
	if err != nil {
		return err
	}
	id := d.SeqID

	// Copy it into Redis through the backend's Writer.
	memBefore := usedMemory(ctx, raw)
	loc := "redis://" + addr + "/0?prefix=bench"
	u, _ := url.Parse(loc)
	t0 = time.Now()
	w, err := redis.OpenWriter(ctx, u)
	if err != nil {
		return err
	}
	info, err := disk.Info(ctx, id)
	if err != nil {
		return err
	}
	recs, err := repo.Collect(disk.FindAliases(ctx, repo.AliasQuery{SeqID: id}))
	if err != nil {
		return err
	}
	whole, err := repo.Slice(ctx, disk, id, 0, repo.ToEnd)
	if err != nil {
		return err
	}
	if _, err := w.StoreCopy(ctx, whole, info, recs); err != nil {
		return err
	}
	if err := w.Commit(ctx); err != nil {
		return err
	}
	w.Close()
	redisLoad := time.Since(t0)
	memAfter := usedMemory(ctx, raw)
	src, err := all.Open(ctx, loc)
	if err != nil {
		return err
	}
	defer src.Close()
	partKey := "bench:seq:{" + id + "}:" + strconv.Itoa(redis.DefaultPartSize) + ":0"
	keyMem, _ := raw.MemoryUsage(ctx, partKey).Result()

	starts := make([]int64, n)
	for i := range starts {
		starts[i] = rng.Int64N(int64(length - fetch))
	}
	// Every path must give the same bytes before anything is timed.
	for _, s := range starts[:200] {
		a, _ := raw.GetRange(ctx, partKey, s, s+int64(fetch)-1).Result()
		b := make([]byte, fetch)
		c := make([]byte, fetch)
		if _, err := src.ReadSequence(ctx, id, b, s); err != nil {
			return err
		}
		if _, err := disk.ReadSequence(ctx, id, c, s); err != nil {
			return err
		}
		if a != string(seq[s:s+int64(fetch)]) || string(b) != a || string(c) != a {
			return fmt.Errorf("fetch at %d differs between paths", s)
		}
	}

	type path struct {
		name string
		get  func(buf []byte, start int64) error
	}
	paths := []path{
		{"raw go-redis GETRANGE", func(buf []byte, s int64) error {
			v, err := raw.GetRange(ctx, partKey, s, s+int64(len(buf))-1).Result()
			copy(buf, v)
			return err
		}},
		{"redis backend", func(buf []byte, s int64) error {
			_, err := src.ReadSequence(ctx, id, buf, s)
			return err
		}},
		{"seqrepo backend (disk)", func(buf []byte, s int64) error {
			_, err := disk.ReadSequence(ctx, id, buf, s)
			return err
		}},
	}
	fmt.Printf("redis-bench: %d random %d-bp fetches of %s (%s, %d nt); %d goroutines for the concurrent run; best of %d rounds; GOMAXPROCS %d\n",
		n, fetch, name, fasta, length, workers, rounds, runtimeProcs())
	fmt.Printf("redis-server %s\n", field(version, "redis_version"))
	fmt.Printf("load: seqrepo writer %v, redis copy %v\n\n", seqrepoLoad.Round(time.Millisecond), redisLoad.Round(time.Millisecond))
	fmt.Printf("%-24s %10s %10s %10s %10s %14s\n", "path", "mean µs", "p50 µs", "p99 µs", "1-thr op/s", fmt.Sprintf("%d-thr op/s", workers))
	type result struct {
		mean, p50, p99, single, conc float64
	}
	best := map[string]*result{}
	buf := make([]byte, fetch)
	for _, p := range paths { // warm up (connections, block caches)
		for _, s := range starts[:1000] {
			if err := p.get(buf, s); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
		}
	}
	lat := make([]time.Duration, n)
	for range rounds {
		for _, p := range paths {
			t0 := time.Now()
			for i, s := range starts {
				t1 := time.Now()
				if err := p.get(buf, s); err != nil {
					return fmt.Errorf("%s: %w", p.name, err)
				}
				lat[i] = time.Since(t1)
			}
			single := time.Since(t0)
			slices.Sort(lat)
			var wg sync.WaitGroup
			var errMu sync.Mutex
			var firstErr error
			t0 = time.Now()
			for g := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b := make([]byte, fetch)
					for i := g; i < n; i += workers {
						if err := p.get(b, starts[i]); err != nil {
							errMu.Lock()
							firstErr = err
							errMu.Unlock()
							return
						}
					}
				}()
			}
			wg.Wait()
			conc := time.Since(t0)
			if firstErr != nil {
				return fmt.Errorf("%s: %w", p.name, firstErr)
			}
			r := result{mean: us(single) / float64(n), p50: us(lat[n/2]), p99: us(lat[n*99/100]),
				single: float64(n) / single.Seconds(), conc: float64(n) / conc.Seconds()}
			b := best[p.name]
			if b == nil {
				best[p.name] = &r
				continue
			}
			if r.mean < b.mean {
				b.mean, b.p50, b.p99, b.single = r.mean, r.p50, r.p99, r.single
			}
			b.conc = max(b.conc, r.conc)
		}
	}
	results := map[string][2]float64{}
	for _, p := range paths {
		r := best[p.name]
		results[p.name] = [2]float64{r.mean, r.conc}
		fmt.Printf("%-24s %10.1f %10.1f %10.1f %10.0f %14.0f\n", p.name, r.mean, r.p50, r.p99, r.single, r.conc)
	}
	rawR, be := results["raw go-redis GETRANGE"], results["redis backend"]
	fmt.Printf("\nredis backend vs raw GETRANGE: latency %.2fx (target ≤ 1.3x), concurrent throughput %.2fx of raw (target ≥ 1/1.3 = 0.77x)\n",
		be[0]/rawR[0], be[1]/rawR[1])
	fmt.Printf("redis memory: used_memory grew %d bytes for %d residues = %.3f bytes/residue (MEMORY USAGE of the sequence key: %d bytes)\n",
		memAfter-memBefore, length, float64(memAfter-memBefore)/float64(length), keyMem)
	return nil
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

func usedMemory(ctx context.Context, c *goredis.Client) int64 {
	s, _ := c.Info(ctx, "memory").Result()
	v, _ := strconv.ParseInt(field(s, "used_memory"), 10, 64)
	return v
}

func field(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == name {
			return v
		}
	}
	return ""
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
