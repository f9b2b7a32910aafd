// Command fetch benchmarks seqfs's SeqRepo writer and reader against
// htslib tools on human chr20 (Debian vt's 20.fa.gz): the load against
// `bgzip -@2`, 10,000 random regions (100 bp, 1 bp, 10 kb; fixed seed)
// fetched through the library in one process against
// `samtools faidx 20.fa.gz -r regions.txt`, and a whole-chromosome fetch
// against `samtools faidx` and `bgzip -dc`. Every measurement runs -repeat
// times, seqfs and its peer alternating, and the medians are printed in a
// side-by-side table (the benchmark machine is shared).
//
// Usage: go run ./bench/fetch -seqfs /path/to/seqfs [-fasta 20.fa.gz] [-repeat 5]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/repo"
)

func main() {
	fastaPath := flag.String("fasta", "/usr/share/doc/vt/examples/ref/20.fa.gz", "BGZF FASTA with .fai/.gzi (one chromosome)")
	seqfsBin := flag.String("seqfs", "seqfs", "seqfs binary")
	n := flag.Int("n", 10000, "regions per size")
	seed := flag.Int64("seed", 42, "random seed for regions")
	repeat := flag.Int("repeat", 5, "runs of every measurement (seqfs and its peer alternate); the median is reported")
	flag.Parse()
	ctx := context.Background()
	reps := max(*repeat, 1)

	tmp, err := os.MkdirTemp("", "seqfs-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	chrom := readFirstName(*fastaPath + ".fai")

	plain := filepath.Join(tmp, "chr.fa")
	check(shell(fmt.Sprintf("bgzip -dc %q > %q", *fastaPath, plain)))

	// Load: every run into a fresh root.
	load := func(input string) func() time.Duration {
		k := 0
		return func() time.Duration {
			k++
			root := filepath.Join(tmp, fmt.Sprintf("load-%d", k))
			check(run(*seqfsBin, "-r", root, "init"))
			t := timeIt(func() { check(run(*seqfsBin, "-r", root, "load", "-n", "bench", input)) })
			check(os.RemoveAll(root))
			return t
		}
	}
	bgzipC := func() time.Duration {
		return timeIt(func() { check(shell(fmt.Sprintf("bgzip -@2 -c %q > /dev/null", plain))) })
	}
	loadT, bgzipT := medians(reps, load(*fastaPath), bgzipC)
	loadPlainT, _ := medians(reps, load(plain), nil)
	pyNote := "(Python SeqRepo: ~24 s)"

	root := filepath.Join(tmp, "root")
	check(run(*seqfsBin, "-r", root, "init"))
	check(run(*seqfsBin, "-r", root, "load", "-n", "bench", *fastaPath))
	inst, err := seqrepo.Open(ctx, filepath.Join(root, "master"), seqrepo.Options{})
	check(err)
	defer inst.Close()
	seqID, err := repo.Resolve(ctx, inst, "bench:"+chrom, "", repo.StyleSeqRepo)
	check(err)
	info, err := inst.Info(ctx, seqID)
	check(err)
	length := info.Length

	type row struct {
		what       string
		seqfs, ref time.Duration
		refName    string
		count      int
	}
	var rows []row
	type cpuRow struct {
		what       string
		seqfs, ref time.Duration
		refName    string
	}
	var cpuRows []cpuRow
	var warmPerFetch time.Duration
	for _, size := range []int64{100, 1, 10_000} {
		r := rand.New(rand.NewSource(*seed + size))
		starts := make([]int64, *n)
		var sb strings.Builder
		for i := range starts {
			starts[i] = r.Int63n(length - size)
			fmt.Fprintf(&sb, "%s:%d-%d\n", chrom, starts[i]+1, starts[i]+size)
		}
		regions := filepath.Join(tmp, fmt.Sprintf("regions-%d.txt", size))
		check(os.WriteFile(regions, []byte(sb.String()), 0o644))
		buf := make([]byte, size)
		// Verify a few regions against samtools first.
		for i := 0; i < 3; i++ {
			check(repo.ReadFull(ctx, inst, seqID, buf, starts[i]))
			out, err := exec.Command("samtools", "faidx", *fastaPath, fmt.Sprintf("%s:%d-%d", chrom, starts[i]+1, starts[i]+size)).Output()
			check(err)
			if got := strings.ReplaceAll(strings.SplitN(string(out), "\n", 2)[1], "\n", ""); got != strings.ToUpper(string(buf)) && got != string(buf) {
				log.Fatalf("region %d differs from samtools", i)
			}
		}
		fetchAll := func(src repo.Source) {
			for _, s := range starts {
				check(repo.ReadFull(ctx, src, seqID, buf, s))
			}
		}
		// A fresh instance and block cache per run: the timing includes
		// the cold start, as samtools' does.
		var libCPU, samCPU []time.Duration
		libT, samT := medians(reps, func() time.Duration {
			cold := openCold(ctx, filepath.Join(root, "master"))
			defer cold.Close()
			return timeCPU(&libCPU, func() { fetchAll(cold) })
		}, func() time.Duration {
			return timeCPU(&samCPU, func() { check(shell(fmt.Sprintf("samtools faidx %q -r %q > /dev/null", *fastaPath, regions))) })
		})
		if size == 100 {
			cpuRows = append(cpuRows, cpuRow{"10000 random 100-bp regions, cold", median(libCPU), median(samCPU), "samtools faidx -r"})
		}
		rows = append(rows, row{fmt.Sprintf("%d random %d-bp regions, cold", *n, size), libT, samT, "samtools faidx -r", *n})
		if size == 100 {
			// The same fetches again on an instance whose blocks are cached.
			fetchAll(inst)
			t, _ := medians(reps, func() time.Duration { return timeIt(func() { fetchAll(inst) }) }, nil)
			warmPerFetch = t / time.Duration(*n)
		}
	}
	whole := make([]byte, length)
	var wholeWarm, wholeCPU, samWholeCPU, bgzipCPU []time.Duration
	wholeT, samWholeT := medians(reps, func() time.Duration {
		cold := openCold(ctx, filepath.Join(root, "master"))
		defer cold.Close()
		t := timeCPU(&wholeCPU, func() { check(repo.ReadFull(ctx, cold, seqID, whole, 0)) })
		// Second read: blocks now cached.
		wholeWarm = append(wholeWarm, timeIt(func() { check(repo.ReadFull(ctx, cold, seqID, whole, 0)) }))
		return t
	}, func() time.Duration {
		return timeCPU(&samWholeCPU, func() { check(shell(fmt.Sprintf("samtools faidx %q %s > /dev/null", *fastaPath, chrom))) })
	})
	_, bgzipDT := medians(reps, nil, func() time.Duration {
		return timeCPU(&bgzipCPU, func() { check(shell(fmt.Sprintf("bgzip -dc %q > /dev/null", *fastaPath))) })
	})
	cpuRows = append(cpuRows,
		cpuRow{"whole chromosome, cold", median(wholeCPU), median(samWholeCPU), "samtools faidx 20.fa.gz 20"},
		cpuRow{"whole chromosome, cold", median(wholeCPU), median(bgzipCPU), "bgzip -dc (libdeflate)"})

	fmt.Printf("chromosome %s: %d residues (seq_id %s); inflater %s; %d CPUs\n", chrom, length, seqID, bgzf.Inflater, runtime.NumCPU())
	fmt.Printf("every figure is the median of %d runs, seqfs and its peer alternating; cold = fresh instance and block cache, page cache warm (as for the peers)\n\n", reps)
	fmt.Printf("%-38s %14s %14s %8s  %s\n", "task", "seqfs", "reference", "ratio", "reference tool")
	for _, r := range rows {
		fmt.Printf("%-38s %11.0f/s %11.0f/s %7.2fx  %s (%v vs %v)\n", r.what,
			float64(r.count)/r.seqfs.Seconds(), float64(r.count)/r.ref.Seconds(), r.ref.Seconds()/r.seqfs.Seconds(), r.refName, r.seqfs.Round(time.Millisecond), r.ref.Round(time.Millisecond))
	}
	fmt.Printf("%-38s %12.2fµs %14s %8s  in-process fetch from cached blocks\n", fmt.Sprintf("%d random 100-bp regions, warm", *n), float64(warmPerFetch.Nanoseconds())/1e3, "", "")
	fmt.Printf("%-38s %13.3fs %13.3fs %7.2fx  %s\n", "whole chromosome, cold", wholeT.Seconds(), samWholeT.Seconds(), samWholeT.Seconds()/wholeT.Seconds(), "samtools faidx 20.fa.gz 20")
	fmt.Printf("%-38s %13.3fs %13.3fs %7.2fx  %s\n", "whole chromosome, cold", wholeT.Seconds(), bgzipDT.Seconds(), bgzipDT.Seconds()/wholeT.Seconds(), "bgzip -dc (libdeflate)")
	fmt.Printf("%-38s %13.3fs %14s\n", "whole chromosome, warm block cache", median(wholeWarm).Seconds(), "")
	fmt.Printf("%-38s %13.3fs %13.3fs %7.2fx  %s %s\n", "load 20.fa.gz", loadT.Seconds(), bgzipT.Seconds(), bgzipT.Seconds()/loadT.Seconds(), "bgzip -@2 -c of plain FASTA", pyNote)
	fmt.Printf("%-38s %13.3fs %13.3fs %7.2fx  %s\n", "load plain FASTA", loadPlainT.Seconds(), bgzipT.Seconds(), bgzipT.Seconds()/loadPlainT.Seconds(), "bgzip -@2 -c of plain FASTA")
	fmt.Printf("\nCPU time (user+sys of this process or of the peer's, medians; less disturbed by other load than wall time)\n")
	for _, r := range cpuRows {
		fmt.Printf("%-38s %13.3fs %13.3fs %7.2fx  %s\n", r.what, r.seqfs.Seconds(), r.ref.Seconds(), r.ref.Seconds()/r.seqfs.Seconds(), r.refName)
	}
	fmt.Println("\nratio > 1 means seqfs is faster")
}

// medians runs a and b (either may be nil) alternately n times each and
// returns the median duration of each, so load from other processes on a
// shared machine hits both alike.
func medians(n int, a, b func() time.Duration) (time.Duration, time.Duration) {
	var as, bs []time.Duration
	for range n {
		if a != nil {
			as = append(as, a())
		}
		if b != nil {
			bs = append(bs, b())
		}
	}
	return median(as), median(bs)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// openCold opens the instance with its own empty block cache.
func openCold(ctx context.Context, dir string) *seqrepo.Instance {
	inst, err := seqrepo.Open(ctx, dir, seqrepo.Options{BlockCache: bgzf.NewBlockCache(seqrepo.DefaultBlockCacheBytes)})
	check(err)
	return inst
}

// timeCPU runs f, appends the CPU time (user+sys) it took in this process
// and its children to cpu and returns the wall time.
func timeCPU(cpu *[]time.Duration, f func()) time.Duration {
	before := cpuTime()
	t := timeIt(f)
	*cpu = append(*cpu, cpuTime()-before)
	return t
}

// cpuTime is the user+sys time of this process and its waited-for children.
func cpuTime() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		check(syscall.Getrusage(who, &ru))
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return total
}

func timeIt(f func()) time.Duration {
	t := time.Now()
	f()
	return time.Since(t)
}

func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w\n%s", name, args, err, out)
	}
	return nil
}

func shell(script string) error {
	return run("bash", "-c", "set -o pipefail; "+script)
}

func readFirstName(fai string) string {
	b, err := os.ReadFile(fai)
	check(err)
	return strings.SplitN(string(b), "\t", 2)[0]
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
