// Command s3-bench counts the requests and bytes that reading a remote
// SeqRepo instance costs, over s3:// (a real versitygw on a loopback port)
// and over http:// (net/http's static file server with Range), side by side
// in one run:
//
//	go run ./bench/s3 [-fasta /usr/share/doc/vt/examples/ref/20.fa.gz] [-aliases 1000000] [-n 1000] [-repeat 5]
//
// Two instances are measured: chr20 (loaded with `seqfs init` + `seqfs load
// -n NCBI`) and a synthetic one, the chr20 instance plus -aliases extra
// aliases (SYN:alias-N, inserted directly with SQLite, all valid rows
// pointing at chr20). For each it reports: open + first fetch (resolve an
// alias, read 100 bp); -n random 100-bp fetches (each cold: a block not
// read before; requests per fetch, mean and max); a full sequential read of
// chr20 against the compressed size of its .fa.bgz, with its cold time
// (median of -repeat runs); and the instance's
// total size. versitygw is the one pinned in tools/go.mod (internal/s3test).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/backends/s3"
	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/repo"
)

func main() {
	fasta := flag.String("fasta", "/usr/share/doc/vt/examples/ref/20.fa.gz", "chr20 FASTA (gzip)")
	nAliases := flag.Int("aliases", 1000000, "extra aliases of the synthetic instance")
	n := flag.Int("n", 1000, "random 100-bp fetches")
	repeat := flag.Int("repeat", 5, "cold full reads of chr20 per storage; the median time is reported")
	flag.Parse()
	if err := run(*fasta, *nAliases, *n, max(*repeat, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "s3-bench:", err)
		os.Exit(1)
	}
}

func run(fasta string, nAliases, n, repeat int) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "s3-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	bin := filepath.Join(work, "seqfs")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/seqfs").CombinedOutput(); err != nil {
		return fmt.Errorf("build seqfs: %v\n%s", err, out)
	}
	root := filepath.Join(work, "root")
	chr20 := filepath.Join(root, "chr20")
	t0 := time.Now()
	for _, args := range [][]string{{"-r", root, "-i", "chr20", "init"}, {"-r", root, "-i", "chr20", "load", "-n", "GRCh37", fasta}} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("seqfs %v: %v\n%s", args, err, out)
		}
	}
	fmt.Printf("chr20 instance loaded in %.1fs\n", time.Since(t0).Seconds())
	synth := filepath.Join(root, "synthetic")
	t0 = time.Now()
	if err := makeSynthetic(chr20, synth, nAliases); err != nil {
		return err
	}
	fmt.Printf("synthetic instance (%d extra aliases) made in %.1fs\n", nAliases, time.Since(t0).Seconds())

	// versitygw over a directory holding the bucket "bench".
	gwRoot := filepath.Join(work, "gw")
	os.MkdirAll(filepath.Join(gwRoot, "bench"), 0o755)
	gw, err := s3test.Launch(gwRoot)
	if err != nil {
		return err
	}
	defer gw.Stop()
	for _, kv := range gw.Env() {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	for _, name := range []string{"chr20", "synthetic"} {
		if _, err := s3.UploadInstance(ctx, filepath.Join(root, name), "s3://bench/seqrepo/"+name, s3.Config{Endpoint: gw.Endpoint()}); err != nil {
			return err
		}
	}
	// A static HTTP server over the same root.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: http.FileServer(http.Dir(root))}
	go hs.Serve(l)
	defer hs.Close()
	httpBase := "http://" + l.Addr().String()

	var chr20ID string
	if err := withDB(filepath.Join(chr20, "aliases.sqlite3"), func(db *sql.DB) error {
		return db.QueryRow(`select seq_id from seqalias where namespace = 'GRCh37' limit 1`).Scan(&chr20ID)
	}); err != nil {
		return err
	}
	bgz, err := bgzSize(chr20)
	if err != nil {
		return err
	}

	fmt.Printf("\n%-10s %-5s | %-22s | %-32s | %-43s | %s\n", "instance", "via", "open+first fetch", fmt.Sprintf("%d random 100-bp fetches", n), "full chr20 read (1 MiB reads)", "instance size")
	fmt.Println(strings.Repeat("-", 140))
	for _, name := range []string{"chr20", "synthetic"} {
		size := dirSize(filepath.Join(root, name))
		firstAlias := "GRCh37:20"
		if name == "synthetic" {
			firstAlias = fmt.Sprintf("SYN:alias-%07d", rand.IntN(nAliases))
		}
		for _, via := range []string{"s3", "http"} {
			loc := "s3://bench/seqrepo/" + name + "?endpoint=" + url.QueryEscape(gw.Endpoint())
			if via == "http" {
				loc = httpBase + "/" + name
			}
			r, err := measure(ctx, loc, firstAlias, chr20ID, n, name == "chr20", repeat)
			if err != nil {
				return fmt.Errorf("%s over %s: %w", name, via, err)
			}
			full := "-"
			if r.fullBytes > 0 {
				full = fmt.Sprintf("%d req, %.2f MB = %.3fx bgz, %.3fs cold", r.fullReq, mb(r.fullBytes), float64(r.fullBytes)/float64(bgz), r.fullTime.Seconds())
			}
			fmt.Printf("%-10s %-5s | %3d req, %7.1f KB   | %4d req, %d cold (max %d req), %5.1f MB | %-43s | %.1f MB\n",
				name, via, r.openReq, float64(r.openBytes)/1024, r.randReq, r.randCold, r.randMax, mb(r.randBytes), full, mb(size))
		}
	}
	fmt.Printf("\nfull chr20 read: every residue in 1 MiB reads on a fresh instance (cold: no chunk or block cached), median time of %d runs; inflater %s\n", repeat, bgzf.Inflater)
	fmt.Printf("chr20 .fa.bgz: %.2f MB; targets: open+first < 16 requests and < 1 MB; random fetch <= 2 requests cold; full read <= 1.05x\n", mb(bgz))
	return nil
}

func mb(n int64) float64 { return float64(n) / 1e6 }

type result struct {
	openReq, openBytes int64
	randReq, randBytes int64
	randMax, randCold  int64
	fullReq, fullBytes int64
	fullTime           time.Duration
}

// measure opens loc afresh for each part, so every part starts cold.
func measure(ctx context.Context, loc, alias, seqID string, n int, full bool, repeat int) (result, error) {
	var r result
	open := func() (*s3.Instance, error) {
		src, err := all.Open(ctx, loc)
		if err != nil {
			return nil, err
		}
		return src.(*s3.Instance), nil
	}
	// Open + first fetch.
	inst, err := open()
	if err != nil {
		return r, err
	}
	ns, a, _ := strings.Cut(alias, ":")
	id, err := repo.Resolve(ctx, inst, a, ns, repo.StyleSeqRepo)
	if err != nil {
		return r, err
	}
	buf := make([]byte, 100)
	if _, err := inst.ReadSequence(ctx, id, buf, 1000000); err != nil {
		return r, err
	}
	st := inst.Storage().Stats()
	r.openReq, r.openBytes = st.Requests, st.Bytes
	info, err := inst.Info(ctx, seqID)
	if err != nil {
		return r, err
	}
	// Random fetches: each at a distinct 64 KiB-aligned region so it is cold.
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(int(info.Length / (1 << 16)))
	for i := 0; i < n && i < len(perm); i++ {
		before := inst.Storage().Stats()
		start := int64(perm[i])<<16 + rng.Int64N(1<<16-100)
		if _, err := inst.ReadSequence(ctx, seqID, buf, start); err != nil {
			return r, err
		}
		after := inst.Storage().Stats()
		d := after.Requests - before.Requests
		r.randReq += d
		r.randBytes += after.Bytes - before.Bytes
		r.randMax = max(r.randMax, d)
		if d > 0 {
			r.randCold++
		}
	}
	inst.Close()
	if !full {
		return r, nil
	}
	// Full sequential read, each run on a fresh instance; requests and
	// bytes are the same every run, the time is the median.
	var times []time.Duration
	for range repeat {
		if inst, err = open(); err != nil {
			return r, err
		}
		before := inst.Storage().Stats()
		big := make([]byte, 1<<20)
		t0 := time.Now()
		for off := int64(0); off < info.Length; off += int64(len(big)) {
			if _, err := inst.ReadSequence(ctx, seqID, big[:min(int64(len(big)), info.Length-off)], off); err != nil {
				inst.Close()
				return r, err
			}
		}
		times = append(times, time.Since(t0))
		after := inst.Storage().Stats()
		inst.Close()
		r.fullReq, r.fullBytes = after.Requests-before.Requests, after.Bytes-before.Bytes
	}
	slices.Sort(times)
	r.fullTime = times[len(times)/2]
	return r, nil
}

// makeSynthetic copies the chr20 instance to dst and adds n aliases
// SYN:alias-NNNNNNN of chr20's seq_id to its alias database.
func makeSynthetic(src, dst string, n int) error {
	if out, err := exec.Command("cp", "-r", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("cp: %v %s", err, out)
	}
	return withDB(filepath.Join(dst, "aliases.sqlite3"), func(db *sql.DB) error {
		var id string
		if err := db.QueryRow(`select seq_id from seqalias limit 1`).Scan(&id); err != nil {
			return err
		}
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		stmt, err := tx.Prepare(`insert into seqalias (seq_id, namespace, alias, added, is_current) values (?, 'SYN', ?, '2024-01-01 00:00:00', 1)`)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if _, err := stmt.Exec(id, fmt.Sprintf("alias-%07d", i)); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		_, err = db.Exec(`vacuum`)
		return err
	})
}

func withDB(path string, fn func(*sql.DB) error) error {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

func bgzSize(inst string) (int64, error) {
	var n int64
	err := filepath.WalkDir(filepath.Join(inst, "sequences"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".fa.bgz") {
			info, _ := d.Info()
			n += info.Size()
		}
		return err
	})
	return n, err
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			info, _ := d.Info()
			n += info.Size()
		}
		return nil
	})
	return n
}
