// Command cache-bench measures the cache layer over a real S3 server, side
// by side with the backends it sits on, in one run:
//
//	go run ./bench/cache [-n 10000] [-fetch 100] [-runs 5] [-block 65536,262144]
//	                     [-redis=true] [-cachedir DIR] [-cpuprofile FILE]
//
// It loads chr20 (-fasta, default /usr/share/doc/vt/examples/ref/20.fa.gz:
// GRCh37 chr20, 63,025,520 nt, alias GRCh37:20) into a fresh SeqRepo
// instance on local disk with the SeqRepo writer, uploads that instance
// with s3.UploadInstance to a real versitygw (S3 API, posix backend, a free
// loopback port; started through internal/s3test, which builds the
// versitygw pinned in tools/go.mod), and times the same n random fetches (fixed
// seed, identical for every row) through:
//
//   - the SeqRepo backend on local disk, after a warm-up pass over the same
//     offsets, so its inflated-BGZF block cache (its own, 256 MiB) is hot;
//   - s3:// with no cache, on a freshly opened instance (its in-process
//     chunk and BGZF caches start empty), then a second pass with them hot;
//   - for each -block (default: cache.DefaultBlockSize, 256 Ki residues, and
//     64 Ki, which writes four times as many entry files): the cache over a
//     fresh s3:// instance, cold (empty directory), warm (same process, once
//     the cold pass's background disk writes have finished), restarted (a
//     new cache over the same directory and a new s3:// instance: disk
//     hits), and cold with no directory (memory only, to separate the cost
//     of writing entries to disk);
//   - with -redis and redis-server installed: Redis with no cache and the
//     cache over Redis (default block size), cold and warm.
//
// Every fetch is checked against the FASTA's residues. The whole set is
// measured -runs times (fresh instances and cache directories each time)
// and each row reports the median over runs of the mean, p50 and p99
// latencies, plus the range of the means, since a shared machine's load
// moves single runs a lot. "src calls" counts the calls the cache made to
// its backend; "S3 GETs" and "S3 MB" count requests and bytes to the S3
// server during the pass. The verdicts on the targets (warm within
// 1.5x of the local SeqRepo backend; cold no slower than s3 with no cache)
// close the output.
package main

import (
	"bytes"
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
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/backends/redis"
	"github.com/seqfs/seqfs/backends/s3"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/cache"
	"github.com/seqfs/seqfs/fasta"
	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/source"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.n, "n", 10000, "random fetches per measurement")
	flag.IntVar(&cfg.fetch, "fetch", 100, "residues per fetch")
	flag.IntVar(&cfg.runs, "runs", 5, "times to measure every row (medians are reported)")
	flag.StringVar(&cfg.fasta, "fasta", "/usr/share/doc/vt/examples/ref/20.fa.gz", "chr20 FASTA (plain, gzip or BGZF; one record)")
	blocks := flag.String("block", strconv.Itoa(cache.DefaultBlockSize)+",65536", "cache BlockSize values to measure, comma-separated (the default and a smaller one)")
	flag.BoolVar(&cfg.redis, "redis", true, "also measure Redis (needs redis-server)")
	flag.StringVar(&cfg.cacheDir, "cachedir", "", "directory in which to make the cache directories (default: the run's temporary directory)")
	flag.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of the first cache-over-s3 cold pass to this file")
	flag.Parse()
	for _, f := range strings.Split(*blocks, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || b < 1 {
			fmt.Fprintf(os.Stderr, "cache-bench: -block: bad size %q\n", f)
			os.Exit(2)
		}
		cfg.blocks = append(cfg.blocks, b)
	}
	if cfg.n < 100 || cfg.fetch < 1 || cfg.runs < 1 {
		fmt.Fprintln(os.Stderr, "cache-bench: need -n >= 100, -fetch >= 1, -runs >= 1")
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "cache-bench:", err)
		os.Exit(1)
	}
}

type config struct {
	n, fetch, runs int
	fasta          string
	blocks         []int
	redis          bool
	cacheDir       string
	profile        string
}

// result is one pass over the offsets.
type result struct {
	mean, p50, p99 time.Duration
	srcCalls       int64 // -1: not applicable
	s3GETs         int64 // -1: not applicable
	s3Bytes        int64
}

// row collects the passes of one path over all runs.
type row struct {
	name string
	runs []result
}

// bench holds what every run shares.
type bench struct {
	config
	ctx      context.Context
	seq      []byte
	id       string
	starts   []int64
	disk     *seqrepo.Instance
	s3loc    string
	redisLoc string // "" when Redis is not measured
	cparent  string // parent of the cache directories
	rows     []*row
	notes    map[string]string // per cache configuration, from the last run
}

func (b *bench) record(name string, r result) {
	for _, rw := range b.rows {
		if rw.name == name {
			rw.runs = append(rw.runs, r)
			return
		}
	}
	b.rows = append(b.rows, &row{name: name, runs: []result{r}})
}

// measure times get over every start, one at a time, after a collection
// so that garbage from earlier passes is not charged to this one.
func (b *bench) measure(name string, get func([]byte, int64) error) (result, error) {
	runtime.GC()
	buf := make([]byte, b.fetch)
	lat := make([]time.Duration, len(b.starts))
	t0 := time.Now()
	for i, s := range b.starts {
		t1 := time.Now()
		if err := get(buf, s); err != nil {
			return result{}, fmt.Errorf("%s at %d: %w", name, s, err)
		}
		lat[i] = time.Since(t1)
	}
	total := time.Since(t0)
	slices.Sort(lat)
	return result{mean: total / time.Duration(len(lat)), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], srcCalls: -1, s3GETs: -1}, nil
}

// check returns a fetch through src that verifies the residues.
func (b *bench) check(name string, src repo.Source) func([]byte, int64) error {
	return func(buf []byte, s int64) error {
		if err := repo.ReadFull(b.ctx, src, b.id, buf, s); err != nil {
			return err
		}
		if !bytes.Equal(buf, b.seq[s:s+int64(len(buf))]) {
			return fmt.Errorf("%s: wrong bytes at %d", name, s)
		}
		return nil
	}
}

// openS3 opens a fresh instance: its chunk and BGZF caches are empty.
func (b *bench) openS3() (*s3.Instance, error) {
	src, err := all.Open(b.ctx, b.s3loc)
	if err != nil {
		return nil, err
	}
	return src.(*s3.Instance), nil
}

// loadChr20 loads the one record of the FASTA into a new SeqRepo instance
// at dir (aliases from its defline in namespace GRCh37) and returns its
// residues (upper case).
func loadChr20(ctx context.Context, path, dir string) ([]byte, error) {
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		return nil, err
	}
	r, err := fasta.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rec, err := r.Next()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	aliases, err := fasta.ParseDefline(rec.Header, "GRCh37")
	if err != nil {
		return nil, err
	}
	seq := bytes.ToUpper(rec.Seq)
	if _, err := r.Next(); err != io.EOF {
		return nil, fmt.Errorf("%s: want exactly one record", path)
	}
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if _, err := w.Store(ctx, seq, aliases); err != nil {
		return nil, err
	}
	return seq, w.Commit(ctx)
}

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

// loadRedis stores the sequence under loc.
func loadRedis(ctx context.Context, loc string, seq []byte) error {
	u, err := repo.ParseLocation(loc)
	if err != nil {
		return err
	}
	w, err := redis.OpenWriter(ctx, u)
	if err != nil {
		return err
	}
	defer w.Close()
	if _, err := w.Store(ctx, seq, []repo.NSAlias{{Namespace: "GRCh37", Alias: "20"}}); err != nil {
		return err
	}
	return w.Commit(ctx)
}

// startProfile starts the CPU profile if want and one was asked for and
// not yet written; the returned function stops it.
func (b *bench) startProfile(want bool) (func(), error) {
	if !want || b.profile == "" {
		return func() {}, nil
	}
	f, err := os.Create(b.profile)
	if err != nil {
		return nil, err
	}
	b.profile = ""
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// settle waits until the cache's directory stops growing: the background
// writes of the previous pass have finished.
func settle(c *cache.Cache) {
	last, same := int64(-1), 0
	for deadline := time.Now().Add(60 * time.Second); same < 3 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if e := c.Stats().Entries; e == last {
			same++
		} else {
			last, same = e, 0
		}
	}
}

func sizeLabel(b int) string {
	if b%1024 == 0 {
		return strconv.Itoa(b/1024) + "K"
	}
	return strconv.Itoa(b)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func run(cfg config) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "cache-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	b := &bench{config: cfg, ctx: ctx, cparent: tmp, notes: map[string]string{}}
	if cfg.cacheDir != "" {
		if b.cparent, err = os.MkdirTemp(cfg.cacheDir, "cache-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(b.cparent)
	}
	load0 := loadavg()

	t0 := time.Now()
	inst := filepath.Join(tmp, "seqrepo", "chr20")
	if b.seq, err = loadChr20(ctx, cfg.fasta, inst); err != nil {
		return fmt.Errorf("load %s: %w", cfg.fasta, err)
	}
	d, err := repo.ComputeDigests(b.seq)
	if err != nil {
		return err
	}
	b.id = d.SeqID
	loadTime := time.Since(t0)

	// The S3 server and the uploaded instance.
	gwRoot := filepath.Join(tmp, "gw")
	if err := os.MkdirAll(gwRoot, 0o755); err != nil {
		return err
	}
	gw, err := s3test.Launch(gwRoot)
	if err != nil {
		return err
	}
	defer gw.Stop()
	if err := gw.CreateBucket("bench"); err != nil {
		return err
	}
	for _, kv := range gw.Env() { // credentials (and no shared config) for the SDK
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	b.s3loc = "s3://bench/seqrepo/chr20?endpoint=" + url.QueryEscape(gw.Endpoint()) + "&region=" + s3test.Region
	t0 = time.Now()
	up, err := s3.UploadInstance(ctx, inst, b.s3loc, s3.Config{})
	if err != nil {
		return err
	}
	uploadTime := time.Since(t0)

	redisNote := "redis: skipped (-redis=false)"
	if cfg.redis {
		if _, err := exec.LookPath("redis-server"); err != nil {
			redisNote = "redis: skipped (redis-server not installed)"
		} else {
			addr, stop, err := startRedis(tmp)
			if err != nil {
				return err
			}
			defer stop()
			b.redisLoc = "redis://" + addr + "/0?prefix=bench"
			if err := loadRedis(ctx, b.redisLoc, b.seq); err != nil {
				return err
			}
			redisNote = "redis: its own redis-server on " + addr + " (persistence off)"
		}
	}

	rng := rand.New(rand.NewPCG(20, 26))
	b.starts = make([]int64, cfg.n)
	for i := range b.starts {
		b.starts[i] = rng.Int64N(int64(len(b.seq) - cfg.fetch))
	}

	// A private BGZF block cache: the s3:// instances fill the process-wide
	// one and would evict chr20's blocks between runs.
	if b.disk, err = seqrepo.Open(ctx, inst, seqrepo.Options{BlockCache: bgzf.NewBlockCache(seqrepo.DefaultBlockCacheBytes)}); err != nil {
		return err
	}
	defer b.disk.Close()
	if _, err := b.measure("warm-up", b.check("seqrepo", b.disk)); err != nil {
		return err
	}
	for i := range cfg.runs {
		fmt.Fprintf(os.Stderr, "cache-bench: run %d of %d\n", i+1, cfg.runs)
		if err := b.once(i); err != nil {
			return err
		}
	}

	fmt.Printf("cache-bench: %d random %d-bp fetches of chr20 (GRCh37:20, %d nt, %s), single-threaded, the same offsets (fixed seed) on every row; %d runs, medians\n",
		cfg.n, cfg.fetch, len(b.seq), b.id, cfg.runs)
	fmt.Printf("setup: SeqRepo load %.1fs; upload to versitygw %s %.1fs (%d objects, %s); S3 backend chunk %s, chunk cache %s\n",
		loadTime.Seconds(), gw.Endpoint(), uploadTime.Seconds(), up.Files, cache.FormatSize(up.Bytes),
		cache.FormatSize(s3.DefaultChunkSize), cache.FormatSize(s3.DefaultCacheBytes))
	fmt.Printf("cache: memory LRU %s, directory limit 10 GiB, directories under %s\n", cache.FormatSize(cache.DefaultMemBytes), b.cparent)
	for _, bs := range cfg.blocks {
		fmt.Printf("  block %s: %s\n", sizeLabel(bs), b.notes[sizeLabel(bs)])
	}
	fmt.Println(redisNote)
	fmt.Printf("load average: %s at start, %s at end; %d CPUs\n\n", load0, loadavg(), runtime.NumCPU())
	b.print()
	return nil
}

// once measures every row once.
func (b *bench) once(run int) error {
	r, err := b.measure("seqrepo", b.check("seqrepo", b.disk))
	if err != nil {
		return err
	}
	b.record("seqrepo, local disk", r)

	// S3 without the cache: a fresh instance, then the same pass again.
	remote, err := b.openS3()
	if err != nil {
		return err
	}
	for _, name := range []string{"s3, no cache", "s3, no cache, 2nd pass"} {
		before := remote.Storage().Stats()
		r, err := b.measure(name, b.check(name, remote))
		if err != nil {
			remote.Close()
			return err
		}
		after := remote.Storage().Stats()
		r.s3GETs, r.s3Bytes = after.Requests-before.Requests, after.Bytes-before.Bytes
		b.record(name, r)
	}
	remote.Close()

	for _, bs := range b.blocks {
		if err := b.cacheOverS3(run, bs); err != nil {
			return err
		}
	}
	if b.redisLoc != "" {
		return b.cacheOverRedis(run)
	}
	return nil
}

// cacheOverS3 measures the cache with block size bs over fresh s3://
// instances: cold, warm, restarted, and cold without a directory.
func (b *bench) cacheOverS3(run, bs int) error {
	label := "cache over s3"
	if len(b.blocks) > 1 || bs != cache.DefaultBlockSize {
		label += " (block " + sizeLabel(bs) + ")"
	}
	// Directories are removed at the end: deleting 60 MiB of entries (with
	// the disk's discard) would slow the next row down.
	dir := filepath.Join(b.cparent, fmt.Sprintf("s3-block%d-run%d", bs, run))
	for _, pass := range []string{"cold+warm", "restarted", "memory"} {
		be, err := b.openS3()
		if err != nil {
			return err
		}
		opts := cache.Options{Dir: dir, MaxBytes: 10 << 30, BlockSize: bs}
		names := []string{label + ", cold", label + ", warm"}
		switch pass {
		case "restarted":
			names = []string{label + ", restarted"}
		case "memory":
			names = []string{label + ", cold, memory only"}
			opts.Dir = ""
		}
		c, err := cache.New(be, opts)
		if err != nil {
			be.Close()
			return err
		}
		for i, name := range names {
			if i > 0 {
				settle(c)
			}
			cb, sb := c.Stats().BackendRequests, be.Storage().Stats()
			stop, err := b.startProfile(pass == "cold+warm" && i == 0)
			if err != nil {
				c.Close()
				return err
			}
			r, err := b.measure(name, b.check(name, c))
			stop()
			if err != nil {
				c.Close()
				return err
			}
			sa := be.Storage().Stats()
			r.srcCalls = c.Stats().BackendRequests - cb
			r.s3GETs, r.s3Bytes = sa.Requests-sb.Requests, sa.Bytes-sb.Bytes
			b.record(name, r)
		}
		if pass == "cold+warm" {
			st := c.Stats()
			b.notes[sizeLabel(bs)] = fmt.Sprintf("after cold+warm: %d entries, %s on disk, %d writes dropped (queue full)",
				st.Entries, cache.FormatSize(st.Bytes), st.WritesDropped)
		}
		if err := c.Close(); err != nil {
			return err
		}
	}
	return nil
}

// cacheOverRedis measures Redis with no cache, then the cache over it cold
// and warm.
func (b *bench) cacheOverRedis(run int) error {
	remote, err := all.Open(b.ctx, b.redisLoc)
	if err != nil {
		return err
	}
	// Connections warmed by a few fetches first.
	if err := b.check("redis", remote)(make([]byte, b.fetch), b.starts[0]); err != nil {
		remote.Close()
		return err
	}
	r, err := b.measure("redis, no cache", b.check("redis", remote))
	remote.Close()
	if err != nil {
		return err
	}
	b.record("redis, no cache", r)
	// The cache as seqfs -s REDIS --cache-dir DIR --cache-size 10G composes it.
	dir := filepath.Join(b.cparent, fmt.Sprintf("redis-run%d", run))
	src, err := source.Open(b.ctx, all.Registry(), source.Config{
		Members: []source.Member{{URL: b.redisLoc}},
		Cache:   &source.Cache{Dir: dir, MaxBytes: 10 << 30},
	})
	if err != nil {
		return err
	}
	defer src.Close()
	c, ok := src.(*cache.Cache)
	if !ok {
		return fmt.Errorf("cache over redis: source.Open gave a %T, not the cache", src)
	}
	for i, name := range []string{"cache over redis, cold", "cache over redis, warm"} {
		if i > 0 {
			settle(c)
		}
		cb := c.Stats().BackendRequests
		r, err := b.measure(name, b.check(name, c))
		if err != nil {
			return err
		}
		r.srcCalls = c.Stats().BackendRequests - cb
		b.record(name, r)
	}
	return nil
}

func median[T int64 | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// stat is the median over runs of one field.
func (rw *row) stat(f func(result) time.Duration) time.Duration {
	v := make([]time.Duration, len(rw.runs))
	for i, r := range rw.runs {
		v[i] = f(r)
	}
	return median(v)
}

func (rw *row) count(f func(result) int64) int64 {
	v := make([]int64, len(rw.runs))
	for i, r := range rw.runs {
		v[i] = f(r)
	}
	return median(v)
}

func (rw *row) meanRange() (lo, hi time.Duration) {
	lo, hi = rw.runs[0].mean, rw.runs[0].mean
	for _, r := range rw.runs {
		lo, hi = min(lo, r.mean), max(hi, r.mean)
	}
	return lo, hi
}

func (b *bench) find(name string) *row {
	for _, rw := range b.rows {
		if rw.name == name {
			return rw
		}
	}
	return nil
}

func (b *bench) print() {
	us := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Nanoseconds())/1000, 'f', 2, 64) }
	num := func(v int64) string {
		if v < 0 {
			return "-"
		}
		return strconv.FormatInt(v, 10)
	}
	mean := func(r result) time.Duration { return r.mean }
	fmt.Printf("%-46s %9s %17s %8s %9s %9s %8s %6s %10s\n", "path", "mean µs", "(range of runs)", "p50 µs", "p99 µs",
		"src calls", "S3 GETs", "S3 MB", "vs seqrepo")
	base := b.rows[0].stat(mean)
	for _, rw := range b.rows {
		lo, hi := rw.meanRange()
		gets := rw.count(func(r result) int64 { return r.s3GETs })
		mb := "-"
		if gets >= 0 {
			mb = strconv.FormatFloat(float64(rw.count(func(r result) int64 { return r.s3Bytes }))/1e6, 'f', 1, 64)
		}
		m := rw.stat(mean)
		fmt.Printf("%-46s %9s %17s %8s %9s %9s %8s %6s %9.2fx\n", rw.name, us(m), us(lo)+"–"+us(hi),
			us(rw.stat(func(r result) time.Duration { return r.p50 })), us(rw.stat(func(r result) time.Duration { return r.p99 })),
			num(rw.count(func(r result) int64 { return r.srcCalls })), num(gets), mb, float64(m)/float64(base))
	}
	fmt.Println()
	seqrepoMean := b.find("seqrepo, local disk").stat(mean)
	s3Mean := b.find("s3, no cache").stat(mean)
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	for _, rw := range b.rows {
		switch {
		case strings.HasPrefix(rw.name, "cache over s3") && strings.HasSuffix(rw.name, ", warm"):
			x := float64(rw.stat(mean)) / float64(seqrepoMean)
			fmt.Printf("target warm <= 1.5x seqrepo local disk: %-46s %.2fx  %s\n", rw.name, x, verdict(x <= 1.5))
		case strings.HasPrefix(rw.name, "cache over s3") && strings.Contains(rw.name, ", cold"):
			x := float64(rw.stat(mean)) / float64(s3Mean)
			fmt.Printf("target cold <= 1.0x s3 with no cache:   %-46s %.2fx  %s\n", rw.name, x, verdict(x <= 1))
		}
	}
}
