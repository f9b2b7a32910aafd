// Command scale is the real-scale benchmark: it builds an instance shaped
// like SeqRepo's 2024-02-20 release (1,143,253 sequences, 5.86 M aliases in
// 35 namespaces; short synthetic sequences, since the alias table is what
// grows) and one of the same shape with 10,000 sequences, then measures on
// both and prints the figures side by side with their ratio:
//
//   - ls -f and ls -l of the 100,000-alias namespace "bench" through a
//     fresh mount each (400,000 files: .fa, .fa.fai, .dict, .seq per alias)
//   - stat of random .dict files on a fresh mount (median, p99)
//   - seqfs status, and opening the instance (seqrepo.Open plus a first
//     lookup)
//   - random fetch latency in process (resolving an NCBI alias; reading
//     100 bp with its BGZF block inflated) and of the `seqfs fetch` command
//   - REST throughput with wrk: random 100-bp /sequence/{md5} requests over
//     10,000 sequences stored side by side (the same data volume in both
//     instances; after a 3 s warm-up run)
//
// Usage (as root, for the mounts; wrk from scripts/deps.sh):
//
//	go build -o bin/seqfs ./cmd/seqfs
//	go run ./bench/scale -dir /tmp/seqfs-scale -seqfs bin/seqfs
//
// The machine is usually shared: the rounds alternate between the two
// instances and each printed figure is the median over the rounds.
//
// The instances are generated once under -dir (about 2.5 GB for the big
// one; a few minutes) and reused; -small and -big choose their sizes.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func main() {
	dir := flag.String("dir", filepath.Join(os.TempDir(), "seqfs-scale"), "where the instances are generated (kept for later runs)")
	seqfs := flag.String("seqfs", "bin/seqfs", "the seqfs binary to measure")
	small := flag.Int("small", 10_000, "sequences of the small instance")
	big := flag.Int("big", releaseSequences, "sequences of the big instance")
	genOnly := flag.Bool("generate-only", false, "build the instances and stop")
	noMount := flag.Bool("no-mount", false, "skip the FUSE measurements")
	wrkDur := flag.Duration("wrk", 10*time.Second, "duration of each wrk run")
	runs := flag.Int("runs", 3, "measurement rounds (small and big alternate; each figure is the median over the rounds)")
	flag.Parse()
	ctx := context.Background()
	sizes := []int{*small, *big}
	var insts []string
	for _, n := range sizes {
		p := filepath.Join(*dir, fmt.Sprintf("n%d", n))
		if _, err := os.Stat(filepath.Join(p, ".complete")); err != nil {
			os.RemoveAll(p)
			logf("generating %s (%d sequences)", p, n)
			if err := generate(ctx, p, n); err != nil {
				fatal(err)
			}
			if err := os.WriteFile(filepath.Join(p, ".complete"), nil, 0o644); err != nil {
				fatal(err)
			}
		}
		insts = append(insts, p)
	}
	if *genOnly {
		return
	}
	bin, err := filepath.Abs(*seqfs)
	if err != nil {
		fatal(err)
	}
	cfg := measureConfig{seqfs: bin, mount: !*noMount, wrk: *wrkDur}
	rounds := make([][]results, len(insts)) // by instance, by round
	for round := range max(1, *runs) {
		for i, p := range insts {
			logf("round %d: measuring %s", round+1, p)
			r, err := measure(ctx, cfg, p, sizes[i])
			if err != nil {
				fatal(err)
			}
			rounds[i] = append(rounds[i], r)
		}
	}
	res := make([]results, len(insts))
	for i := range insts {
		res[i] = medianResults(rounds[i])
	}
	printTable(os.Stdout, sizes, res)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}
