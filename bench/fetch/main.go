// Command fetch benchmarks seqfs's SeqRepo writer and reader against
// htslib tools on human chr20 (Debian vt's 20.fa.gz): the load against
// `bgzip -@2`, 10,000 random regions (100 bp, 1 bp, 10 kb; fixed seed)
// fetched through the library in one process against
// `samtools faidx 20.fa.gz -r regions.txt`, and a whole-chromosome fetch
// against `samtools faidx` and `bgzip -dc`. It prints a side-by-side table.
//
// Usage: go run ./bench/fetch -seqfs /path/to/seqfs [-fasta 20.fa.gz]
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
	"strings"
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
	flag.Parse()
	ctx := context.Background()

	tmp, err := os.MkdirTemp("", "seqfs-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	chrom := readFirstName(*fastaPath + ".fai")

	plain := filepath.Join(tmp, "chr.fa")
	check(shell(fmt.Sprintf("bgzip -dc %q > %q", *fastaPath, plain)))

	// Load.
	root := filepath.Join(tmp, "root")
	check(run(*seqfsBin, "-r", root, "init"))
	loadT := timeIt(func() { check(run(*seqfsBin, "-r", root, "load", "-n", "bench", *fastaPath)) })
	loadPlainT := time.Duration(0)
	root2 := filepath.Join(tmp, "root2")
	check(run(*seqfsBin, "-r", root2, "init"))
	loadPlainT = timeIt(func() { check(run(*seqfsBin, "-r", root2, "load", "-n", "bench", plain)) })
	bgzipT := timeIt(func() { check(shell(fmt.Sprintf("bgzip -@2 -c %q > /dev/null", plain))) })
	pyNote := "(Python SeqRepo: ~24 s)"

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
		// A fresh instance and block cache per run: the timing includes
		// the cold start, as samtools' does.
		cold := openCold(ctx, filepath.Join(root, "master"))
		libT := timeIt(func() {
			for _, s := range starts {
				check(repo.ReadFull(ctx, cold, seqID, buf, s))
			}
		})
		cold.Close()
		samT := timeIt(func() { check(shell(fmt.Sprintf("samtools faidx %q -r %q > /dev/null", *fastaPath, regions))) })
		rows = append(rows, row{fmt.Sprintf("%d random %d-bp regions", *n, size), libT, samT, "samtools faidx -r", *n})
	}
	whole := make([]byte, length)
	cold := openCold(ctx, filepath.Join(root, "master"))
	wholeT := timeIt(func() { check(repo.ReadFull(ctx, cold, seqID, whole, 0)) })
	// Second run: blocks now cached.
	wholeT2 := timeIt(func() { check(repo.ReadFull(ctx, cold, seqID, whole, 0)) })
	cold.Close()
	samWholeT := timeIt(func() { check(shell(fmt.Sprintf("samtools faidx %q %s > /dev/null", *fastaPath, chrom))) })
	bgzipDT := timeIt(func() { check(shell(fmt.Sprintf("bgzip -dc %q > /dev/null", *fastaPath))) })

	fmt.Printf("chromosome %s: %d residues (seq_id %s)\n\n", chrom, length, seqID)
	fmt.Printf("%-34s %14s %14s %8s  %s\n", "task", "seqfs", "reference", "ratio", "reference tool")
	for _, r := range rows {
		fmt.Printf("%-34s %11.0f/s %11.0f/s %7.2fx  %s (%v vs %v)\n", r.what,
			float64(r.count)/r.seqfs.Seconds(), float64(r.count)/r.ref.Seconds(), r.ref.Seconds()/r.seqfs.Seconds(), r.refName, r.seqfs.Round(time.Millisecond), r.ref.Round(time.Millisecond))
	}
	fmt.Printf("%-34s %13.3fs %13.3fs %7.2fx  %s\n", "whole chromosome (cold cache)", wholeT.Seconds(), samWholeT.Seconds(), samWholeT.Seconds()/wholeT.Seconds(), "samtools faidx 20.fa.gz 20")
	fmt.Printf("%-34s %13.3fs %13.3fs %7.2fx  %s\n", "whole chromosome (cold cache)", wholeT.Seconds(), bgzipDT.Seconds(), bgzipDT.Seconds()/wholeT.Seconds(), "bgzip -dc (libdeflate)")
	fmt.Printf("%-34s %13.3fs %14s\n", "whole chromosome (warm cache)", wholeT2.Seconds(), "")
	fmt.Printf("%-34s %13.3fs %13.3fs %7.2fx  %s %s\n", "load 20.fa.gz", loadT.Seconds(), bgzipT.Seconds(), bgzipT.Seconds()/loadT.Seconds(), "bgzip -@2 -c of plain FASTA", pyNote)
	fmt.Printf("%-34s %13.3fs %13.3fs %7.2fx  %s\n", "load plain FASTA", loadPlainT.Seconds(), bgzipT.Seconds(), bgzipT.Seconds()/loadPlainT.Seconds(), "bgzip -@2 -c of plain FASTA")
	fmt.Println("\nratio > 1 means seqfs is faster")
}

// openCold opens the instance with its own empty block cache.
func openCold(ctx context.Context, dir string) *seqrepo.Instance {
	inst, err := seqrepo.Open(ctx, dir, seqrepo.Options{BlockCache: bgzf.NewBlockCache(seqrepo.DefaultBlockCacheBytes)})
	check(err)
	return inst
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
