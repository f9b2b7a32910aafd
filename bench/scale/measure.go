package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/repo"
)

type measureConfig struct {
	seqfs string
	mount bool
	wrk   time.Duration
}

// figure is one measured number; perOp marks the figures whose cost per
// operation must not grow more than 2x with the instance.
type figure struct {
	name  string
	unit  string
	value float64
	perOp bool
}

type results []figure

func (r *results) add(name, unit string, v float64, perOp bool) {
	*r = append(*r, figure{name, unit, v, perOp})
	logf("  %-34s %12.3f %s", name, v, unit)
}

func measure(ctx context.Context, cfg measureConfig, dir string, n int) (results, error) {
	var res results
	sh := newShape(n)
	rng := rand.New(rand.NewPCG(uint64(n), 7))

	// Open: seqrepo.Open plus one lookup, on a fresh block cache.
	var opens []float64
	for range 5 {
		t := time.Now()
		inst, err := seqrepo.Open(ctx, dir, seqrepo.Options{BlockCache: bgzf.NewBlockCache(8 << 20)})
		if err != nil {
			return nil, err
		}
		if _, err := repo.Resolve(ctx, inst, "NCBI:NM_000000001.1", "", repo.StyleSeqRepo); err != nil {
			inst.Close()
			return nil, err
		}
		opens = append(opens, ms(time.Since(t)))
		inst.Close()
	}
	res.add("open + first lookup (median)", "ms", median(opens), true)

	// In-process fetch of random NCBI aliases: resolving (the index
	// lookups) and reading 100 bp, timed apart. A first pass loads the
	// .fai of every file it touches (a cost per file, bounded by SeqRepo's
	// 20,000 sequences a file); the timed pass reads through a block cache
	// of one block, so every read inflates its BGZF block on both
	// instances (otherwise the small instance's whole data sits in the
	// cache and the big one's does not).
	inst, err := seqrepo.Open(ctx, dir, seqrepo.Options{BlockCache: bgzf.NewBlockCache(64 << 10)})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 2000)
	for k := range ids {
		ids[k] = fmt.Sprintf("NCBI:NM_%09d.1", 1+rng.IntN(sh.perNS["NCBI"]))
	}
	buf := make([]byte, 100)
	var resolves, reads []float64
	for pass := range 2 {
		for _, id := range ids {
			t := time.Now()
			seqID, err := repo.Resolve(ctx, inst, id, "", repo.StyleSeqRepo)
			if err != nil {
				inst.Close()
				return nil, err
			}
			t1 := time.Now()
			if err := repo.ReadFull(ctx, inst, seqID, buf, 0); err != nil {
				inst.Close()
				return nil, err
			}
			if pass == 1 {
				resolves = append(resolves, ms(t1.Sub(t)))
				reads = append(reads, ms(time.Since(t1)))
			}
		}
	}
	res.add("resolve NCBI alias (median)", "ms", median(resolves), true)
	res.add("resolve NCBI alias (p99)", "ms", pct(resolves, 99), true)
	res.add("read 100 bp, block inflated (median)", "ms", median(reads), true)
	res.add("read 100 bp, block inflated (p99)", "ms", pct(reads, 99), true)
	// MD5s for the REST run: 10,000 consecutive sequences from a random
	// place, so that their data spans the same few BGZF blocks in both
	// instances and the run compares what grows with the instance (the
	// lookups), not how much sequence data fits in the block cache (the
	// cost of a read that inflates its block is measured above).
	var md5s []string
	k0 := rng.IntN(max(1, n-10_000+1))
	for k := k0; k < min(n, k0+10_000); k++ {
		for a, err := range inst.FindAliases(ctx, repo.AliasQuery{SeqID: idOf(k), Namespace: "MD5"}) {
			if err != nil {
				inst.Close()
				return nil, err
			}
			md5s = append(md5s, a.Alias)
		}
	}
	inst.Close()

	// CLI: status and fetch.
	var status, cliFetch []float64
	for range 3 {
		d, err := timeCmd(cfg.seqfs, "-s", dir, "status")
		if err != nil {
			return nil, err
		}
		status = append(status, ms(d))
	}
	res.add("seqfs status (median)", "ms", median(status), true)
	for range 10 {
		id := fmt.Sprintf("NCBI:NM_%09d.1", 1+rng.IntN(sh.perNS["NCBI"]))
		d, err := timeCmd(cfg.seqfs, "-s", dir, "fetch", id, "--start", "0", "--end", "100")
		if err != nil {
			return nil, err
		}
		cliFetch = append(cliFetch, ms(d))
	}
	res.add("seqfs fetch command (median)", "ms", median(cliFetch), true)

	if cfg.mount {
		if err := measureMount(ctx, cfg, dir, rng, &res); err != nil {
			return nil, err
		}
	}
	if err := measureREST(ctx, cfg, dir, md5s, &res); err != nil {
		return nil, err
	}
	return res, nil
}

// idOf is the seq_id of sequence k (recomputed; sequences are seeded by
// their number).
func idOf(k int) string {
	d, _ := repo.ComputeDigests(sequenceOf(k, nil))
	return d.SeqID
}

func measureMount(ctx context.Context, cfg measureConfig, dir string, rng *rand.Rand, res *results) error {
	mnt, err := os.MkdirTemp("", "seqfs-scale-mnt-")
	if err != nil {
		return err
	}
	defer os.Remove(mnt)
	nsDir := filepath.Join(mnt, listingNS)

	// ls -f and ls -l, each on a fresh mount.
	for _, flagLs := range []string{"-f", "-l"} {
		stop, err := mount(ctx, cfg, dir, mnt)
		if err != nil {
			return err
		}
		t := time.Now()
		out, err := exec.Command("ls", flagLs, nsDir).Output()
		d := time.Since(t)
		stop()
		if err != nil {
			return fmt.Errorf("ls %s %s: %w", flagLs, nsDir, err)
		}
		lines := strings.Count(string(out), "\n")
		res.add(fmt.Sprintf("ls %s %s/ (%d lines)", flagLs, listingNS, lines), "s", d.Seconds(), false)
		res.add(fmt.Sprintf("ls %s per file", flagLs), "us", float64(d.Microseconds())/float64(max(1, lines)), true)
	}

	// stat of random .dict files.
	stop, err := mount(ctx, cfg, dir, mnt)
	if err != nil {
		return err
	}
	defer stop()
	var stats []float64
	for range 2000 {
		p := filepath.Join(nsDir, fmt.Sprintf("BN_%07d.1.dict", rng.IntN(listingAliases)))
		t := time.Now()
		var st syscall.Stat_t
		err := syscall.Stat(p, &st)
		for err == syscall.EINTR { // a signal to this process (Go's preemption)
			err = syscall.Stat(p, &st)
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		stats = append(stats, ms(time.Since(t)))
	}
	res.add("stat random .dict (median)", "ms", median(stats), true)
	res.add("stat random .dict (p99)", "ms", pct(stats, 99), true)
	return nil
}

// mount starts `seqfs mount` on mnt and returns a function that unmounts
// it and waits for the daemon.
func mount(ctx context.Context, cfg measureConfig, dir, mnt string) (func(), error) {
	cmd := exec.CommandContext(ctx, cfg.seqfs, "-s", dir, "mount", mnt)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			exec.Command("umount", "-l", mnt).Run()
			cmd.Process.Kill()
			<-done
		}
	}
	for range 400 {
		if isMounted(mnt) {
			return stop, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("mount of %s on %s did not come up: %s", dir, mnt, stderr.String())
}

func isMounted(mnt string) bool {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 1 && fields[1] == mnt {
			return true
		}
	}
	return false
}

// wrkScript requests random 100-bp slices of the sequences listed in the
// file named by SEQFS_MD5S (one MD5 a line; every synthetic sequence has
// at least 100 residues).
const wrkScript = `
local ids = {}
for line in io.lines(os.getenv("SEQFS_MD5S")) do ids[#ids + 1] = line end
local counter = 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
function init(args) math.randomseed(20240220 + (tid or 0)) end
function request()
  return wrk.format("GET", "/sequence/" .. ids[math.random(#ids)] .. "?start=0&end=100")
end
`

func measureREST(ctx context.Context, cfg measureConfig, dir string, md5s []string, res *results) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (scripts/deps.sh installs it)")
	}
	work, err := os.MkdirTemp("", "seqfs-scale-wrk-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	ids, script := filepath.Join(work, "md5s"), filepath.Join(work, "random.lua")
	if err := os.WriteFile(ids, []byte(strings.Join(md5s, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.CommandContext(ctx, cfg.seqfs, "-s", dir, "serve", "--listen", addr)
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	up := false
	for range 400 {
		if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			up = true
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if !up {
		return fmt.Errorf("seqfs serve on %s did not come up", addr)
	}
	// A first run warms the server (the .fai of each file, SQLite's page
	// cache); the second is measured.
	var out []byte
	for _, d := range []time.Duration{3 * time.Second, cfg.wrk} {
		cmd := exec.CommandContext(ctx, "wrk", "-t2", "-c32", "-d"+d.String(), "--latency", "-s", script, "http://"+addr)
		cmd.Env = append(os.Environ(), "SEQFS_MD5S="+ids)
		if out, err = cmd.Output(); err != nil {
			return fmt.Errorf("wrk: %w", err)
		}
	}
	rps, p99, errs := parseWrk(string(out))
	res.add("REST requests/s (wrk -t2 -c32)", "req/s", rps, false)
	res.add("REST time per request (1/rps)", "us", 1e6/max(rps, 1), true)
	res.add("REST p99", "ms", p99, true)
	if errs != "" {
		logf("  wrk reported errors: %s", errs)
	}
	return nil
}

var (
	reRPS    = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	reP99    = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s)`)
	reErrors = regexp.MustCompile(`(?m)^\s*(Non-2xx.*|Socket errors.*)$`)
)

func parseWrk(out string) (rps, p99 float64, errs string) {
	if m := reRPS.FindStringSubmatch(out); m != nil {
		rps, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reP99.FindStringSubmatch(out); m != nil {
		p99, _ = strconv.ParseFloat(m[1], 64)
		switch m[2] {
		case "us":
			p99 /= 1000
		case "s":
			p99 *= 1000
		}
	}
	for _, m := range reErrors.FindAllStringSubmatch(out, -1) {
		errs += m[1] + "; "
	}
	return rps, p99, errs
}

func timeCmd(name string, args ...string) (time.Duration, error) {
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t := time.Now()
	err := cmd.Run()
	d := time.Since(t)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return d, nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func median(v []float64) float64 { return pct(v, 50) }

func pct(v []float64, p int) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// medianResults returns, figure by figure, the median over rounds of the
// same measurements.
func medianResults(rounds []results) results {
	out := slices.Clone(rounds[0])
	for i := range out {
		var v []float64
		for _, r := range rounds {
			v = append(v, r[i].value)
		}
		out[i].value = median(v)
	}
	return out
}

func printTable(w io.Writer, sizes []int, res []results) {
	fmt.Fprintf(w, "%-36s %16s %16s %8s\n", "figure", fmt.Sprintf("%d seqs", sizes[0]), fmt.Sprintf("%d seqs", sizes[1]), "ratio")
	fails := 0
	for i, f := range res[0] {
		g := res[1][i]
		ratio := g.value / f.value
		mark := ""
		if f.perOp && ratio > 2 {
			mark = "  > 2x"
			fails++
		}
		fmt.Fprintf(w, "%-36s %12.3f %-3s %12.3f %-3s %8.2f%s\n", f.name, f.value, f.unit, g.value, g.unit, ratio, mark)
	}
	fmt.Fprintf(w, "per-operation figures growing more than 2x: %d\n", fails)
}
