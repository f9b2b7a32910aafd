package integration_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
)

// The legacy-tools tests: a genome loaded from one FASTA is a collection,
// served as /collection/<stem>.fa; bwa, samtools, bcftools, picard and
// seqkit must give the same output on it as on a local copy of that FASTA.

// chr20Path is GRCh37 chromosome 20 from Debian's vt-examples.
const chr20Path = "/usr/share/doc/vt/examples/ref/20.fa.gz"

// genomeRecord is one record of the test FASTA.
type genomeRecord struct {
	name string
	seq  []byte
}

// sampleRecords exports yeast I, VI and phiX from the sample instance,
// named by RefSeq accession.
func sampleRecords(t testing.TB) []genomeRecord {
	t.Helper()
	var recs []genomeRecord
	for _, r := range []struct{ id, ac string }{
		{"lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn", "NC_001133.9"},
		{"z-qJgWoacRBV77zcMgZN9E_utrdzmQsH", "NC_001138.5"},
		{"IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", "NC_001422.1"},
	} {
		out, errOut, code := seqfs(t, "-s", testutil.SampleInstance(), "export", "-n", "VMC", "GS_"+r.id)
		if code != 0 {
			t.Fatalf("export %s: exit %d: %s", r.id, code, errOut)
		}
		_, seqs := parseFasta([]byte(out))
		if len(seqs) != 1 {
			t.Fatalf("export %s: %d records", r.id, len(seqs))
		}
		recs = append(recs, genomeRecord{r.ac, seqs[0]})
	}
	return recs
}

// chr20Record reads chr20, named NC_000020.10.
func chr20Record(t testing.TB) genomeRecord {
	t.Helper()
	f, err := os.Open(chr20Path)
	if err != nil {
		testutil.SkipOrFail(t, "%s missing: install vt-examples (scripts/deps.sh)", chr20Path)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("read %s: %v", chr20Path, err)
	}
	_, seqs := parseFasta(text)
	return genomeRecord{"NC_000020.10", seqs[0]}
}

// writeGenome writes recs as a FASTA wrapped at 60 (the mount's width).
func writeGenome(t testing.TB, path string, recs []genomeRecord) {
	t.Helper()
	var b bytes.Buffer
	for _, r := range recs {
		b.Write(wrapFasta(r.name, r.seq, 60))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadGenomes creates an instance and loads each FASTA into it (each
// becomes a collection named after the file's stem); it returns the
// instance directory.
func loadGenomes(t testing.TB, fastas ...string) string {
	t.Helper()
	root := t.TempDir()
	if _, errOut, code := seqfs(t, "-r", root, "init", "-i", "master"); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	for _, fa := range fastas {
		if _, errOut, code := seqfs(t, "-r", root, "load", "-i", "master", "-n", "NCBI", fa); code != 0 {
			t.Fatalf("load %s: %s", fa, errOut)
		}
	}
	return filepath.Join(root, "master")
}

// requireTools skips (fails in CI) unless every tool is installed.
func requireTools(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		testutil.RequireTool(t, n)
	}
}

// sameOutput runs a tool on the mount's FASTA and on the local copy (the
// args' "REF" replaced by each) and fails unless the outputs are equal
// after dropping the lines that drop says name the file.
func sameOutput(t *testing.T, mountFa, localFa string, drop func(line string) bool, name string, args ...string) []byte {
	t.Helper()
	run := func(ref string) []byte {
		a := slices.Clone(args)
		for i := range a {
			a[i] = strings.ReplaceAll(a[i], "REF", ref)
		}
		out := runTool(t, nil, name, a...)
		if drop == nil {
			return out
		}
		var kept bytes.Buffer
		for _, line := range strings.SplitAfter(string(out), "\n") {
			if !drop(line) {
				kept.WriteString(line)
			}
		}
		return kept.Bytes()
	}
	m, l := run(mountFa), run(localFa)
	if !bytes.Equal(m, l) {
		t.Errorf("%s %v: output on the mount differs from the local copy:\nmount:\n%.600s\nlocal:\n%.600s", name, args, m, l)
	}
	if len(m) == 0 {
		t.Errorf("%s %v: no output", name, args)
	}
	return m
}

// sqFields returns the SN, LN and M5 fields of a dictionary's @SQ lines.
func sqFields(t testing.TB, dict []byte) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(string(dict), "\n") {
		if !strings.HasPrefix(line, "@SQ\t") {
			continue
		}
		var keep []string
		for _, f := range strings.Split(line, "\t")[1:] {
			if strings.HasPrefix(f, "SN:") || strings.HasPrefix(f, "LN:") || strings.HasPrefix(f, "M5:") {
				keep = append(keep, f)
			}
		}
		out = append(out, strings.Join(keep, "\t"))
	}
	if len(out) == 0 {
		t.Errorf("dictionary without @SQ lines:\n%s", dict)
	}
	return out
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCollectionLegacyTools runs the tools on a real genome: GRCh37 chr20
// plus yeast I, VI and phiX as one FASTA.
func TestCollectionLegacyTools(t *testing.T) {
	requireFUSE(t)
	requireTools(t, "samtools", "bwa", "bcftools", "PicardCommandLine", "seqkit")
	work := t.TempDir()
	recs := append([]genomeRecord{chr20Record(t)}, sampleRecords(t)...)
	local := filepath.Join(work, "genome.fa")
	writeGenome(t, local, recs)
	small := filepath.Join(work, "small.fa")
	writeGenome(t, small, recs[1:])
	inst := loadGenomes(t, local, small)
	side := t.TempDir()
	m := startMount(t, []string{"-s", inst}, "--sidecar-dir", side)
	cdir := filepath.Join(m.dir, "collection")
	mfa := filepath.Join(cdir, "genome.fa")

	t.Run("fasta", func(t *testing.T) {
		names, err := os.ReadDir(cdir)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"genome.fa", "genome.fa.fai", "genome.dict", "small.fa"} {
			if !slices.ContainsFunc(names, func(e os.DirEntry) bool { return e.Name() == want }) {
				t.Errorf("/collection lacks %s: %v", want, names)
			}
		}
		if !bytes.Equal(readFile(t, mfa), readFile(t, local)) {
			t.Fatal("/collection/genome.fa differs from the FASTA it was loaded from")
		}
	})

	t.Run("samtools faidx", func(t *testing.T) {
		runTool(t, nil, "samtools", "faidx", local)
		if got, want := readFile(t, mfa+".fai"), readFile(t, local+".fai"); !bytes.Equal(got, want) {
			t.Errorf(".fai differs from samtools faidx's:\n%s\nwant\n%s", got, want)
		}
		// Without a region samtools rewrites the .fai: the same bytes.
		runTool(t, nil, "samtools", "faidx", mfa)
		regions := []string{
			"NC_000020.10:59-61", "NC_000020.10:60-121", "NC_000020.10:30000000-30001000",
			"NC_000020.10:63025400-63025520", "NC_001133.9:230100-230218", "NC_001138.5:1-70",
			"NC_001422.1", "NC_001422.1:5300-5386",
		}
		sameOutput(t, mfa, local, nil, "samtools", append([]string{"faidx", "REF"}, regions...)...)
		// Consecutive regions across the records' boundaries in one call.
		sameOutput(t, mfa, local, nil, "samtools", "faidx", "-n", "70", "REF",
			"NC_000020.10:63025481-63025520", "NC_001133.9:1-130", "NC_001133.9:230189-230218", "NC_001138.5:1-45")
	})

	t.Run("seqkit", func(t *testing.T) {
		// -f makes seqkit write its own index, REF.seqkit.fai.
		sameOutput(t, mfa, local, nil, "seqkit", "faidx", "-f", "REF", "NC_001138.5:100-260", "NC_001422.1")
		if _, err := os.Stat(filepath.Join(side, "collection", "genome.fa.seqkit.fai")); err != nil {
			t.Errorf("seqkit's index is not in the sidecar directory: %v", err)
		}
	})

	t.Run("dict", func(t *testing.T) {
		mdict := readFile(t, filepath.Join(cdir, "genome.dict"))
		if got := runTool(t, nil, "samtools", "dict", mfa); !bytes.Equal(got, mdict) {
			t.Errorf("genome.dict differs from samtools dict's:\n%s\nwant\n%s", mdict, got)
		}
		if got := readFile(t, filepath.Join(cdir, "genome.fa.dict")); !bytes.Equal(got, mdict) {
			t.Errorf("genome.fa.dict differs from genome.dict")
		}
		picardDict := func(ref, out string) []byte {
			runTool(t, nil, "PicardCommandLine", "CreateSequenceDictionary", "-R", ref, "-O", out)
			return readFile(t, out)
		}
		fromMount := sqFields(t, picardDict(mfa, filepath.Join(work, "mount.dict")))
		fromLocal := sqFields(t, picardDict(local, filepath.Join(work, "genome.dict")))
		if served := sqFields(t, mdict); !slices.Equal(fromMount, served) || !slices.Equal(fromLocal, served) {
			t.Errorf("SN/LN/M5 differ:\nserved %q\npicard on the mount %q\npicard on the local copy %q", served, fromMount, fromLocal)
		}
	})

	t.Run("GATK-style dict lookup", func(t *testing.T) {
		// ScatterIntervalsByNs needs <stem>.dict and .fai beside the
		// FASTA (the local ones were written by the subtests above).
		outs := map[string][]byte{}
		for what, ref := range map[string]string{"mount": mfa, "local": local} {
			out := filepath.Join(work, what+".interval_list")
			runTool(t, nil, "PicardCommandLine", "ScatterIntervalsByNs", "-R", ref, "-O", out)
			text := string(readFile(t, out))
			if what == "mount" {
				// The header is the served genome.dict's (its UR form
				// differs from what picard would write itself).
				served := strings.SplitAfter(string(readFile(t, filepath.Join(cdir, "genome.dict"))), "\n")[1:]
				if !strings.Contains(text, strings.Join(served, "")) {
					t.Errorf("ScatterIntervalsByNs on the mount did not use genome.dict:\n%s", text)
				}
			}
			var kept []string
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(line, "@SQ") {
					line = strings.Join(sqFields(t, []byte(line)), "\t")
				}
				if !strings.HasPrefix(line, "@HD") {
					kept = append(kept, line)
				}
			}
			outs[what] = []byte(strings.Join(kept, "\n"))
		}
		if !bytes.Equal(outs["mount"], outs["local"]) || bytes.Count(outs["mount"], []byte("\n")) < 8 {
			t.Errorf("ScatterIntervalsByNs differs:\nmount:\n%s\nlocal:\n%s", outs["mount"], outs["local"])
		}
	})

	t.Run("bcftools norm", func(t *testing.T) {
		vcf := filepath.Join(work, "calls.vcf")
		writeNormVCF(t, vcf, recs)
		drop := func(line string) bool { return strings.HasPrefix(line, "##bcftools_norm") }
		out := sameOutput(t, mfa, local, drop, "bcftools", "norm", "-c", "e", "-f", "REF", vcf)
		for _, r := range recs {
			if !bytes.Contains(out, []byte("\n"+r.name+"\t")) {
				t.Errorf("bcftools norm output lacks records on %s", r.name)
			}
		}
		in := readFile(t, vcf)
		moved := 0
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.SplitN(line, "\t", 3); len(f) == 3 && !strings.HasPrefix(line, "#") &&
				!bytes.Contains(in, []byte(f[0]+"\t"+f[1]+"\t")) {
				moved++
			}
		}
		if moved == 0 {
			t.Error("bcftools norm left-aligned no deletion: the test VCF does not exercise the reference")
		}
	})

	t.Run("bwa small", func(t *testing.T) {
		// bwa index on the mount writes the same index as on a local copy.
		smfa := filepath.Join(cdir, "small.fa")
		runTool(t, nil, "bwa", "index", smfa)
		runTool(t, nil, "bwa", "index", small)
		for _, ext := range []string{".amb", ".ann", ".bwt", ".pac", ".sa"} {
			if !bytes.Equal(readFile(t, smfa+ext), readFile(t, small+ext)) {
				t.Errorf("bwa index: %s differs from the local copy's", ext)
			}
		}
	})

	t.Run("bwa", func(t *testing.T) {
		runTool(t, nil, "bwa", "index", mfa)
		for _, ext := range []string{".amb", ".ann", ".bwt", ".pac", ".sa"} {
			if _, err := os.Stat(filepath.Join(side, "collection", "genome.fa"+ext)); err != nil {
				t.Errorf("bwa index file not in the sidecar directory: %v", err)
			}
		}
		reads := filepath.Join(work, "reads.fq")
		truth := writeReads(t, reads, recs, 400)
		sam := runTool(t, nil, "bwa", "mem", "-t", "2", mfa, reads)
		checkAlignments(t, sam, truth)

		// A later mount with the same sidecar directory reuses the index.
		m.stop()
		m2 := startMount(t, []string{"-s", inst}, "--sidecar-dir", side)
		sam2 := runTool(t, nil, "bwa", "mem", "-t", "2", filepath.Join(m2.dir, "collection", "genome.fa"), reads)
		noPG := func(b []byte) []byte {
			var kept bytes.Buffer
			for _, line := range strings.SplitAfter(string(b), "\n") {
				if !strings.HasPrefix(line, "@PG") {
					kept.WriteString(line)
				}
			}
			return kept.Bytes()
		}
		if !bytes.Equal(noPG(sam), noPG(sam2)) {
			t.Error("bwa mem with the index from the sidecar directory on a new mount gives other alignments")
		}
	})
}

// writeNormVCF writes a VCF with deletions on every contig: some in
// homopolymers (which norm left-aligns), the rest anywhere.
func writeNormVCF(t testing.TB, path string, recs []genomeRecord) {
	t.Helper()
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.2\n")
	for _, r := range recs {
		fmt.Fprintf(&b, "##contig=<ID=%s,length=%d>\n", r.name, len(r.seq))
	}
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
	rng := rand.New(rand.NewPCG(12, 12))
	for _, r := range recs {
		var pos []int
		// Right ends of homopolymer runs of length >= 3 (deletions there
		// move left) and random places.
		for i := 3; i < len(r.seq)-1 && len(pos) < 5; i += 997 {
			for j := i; j < min(i+500, len(r.seq)-1); j++ {
				c := r.seq[j]
				if c != 'N' && r.seq[j-1] == c && r.seq[j-2] == c && r.seq[j+1] != c {
					pos = append(pos, j-1) // 0-based start of "cc" at the run's end
					break
				}
			}
		}
		for len(pos) < 10 {
			p := 1 + rng.IntN(len(r.seq)-3)
			if !bytes.ContainsRune(r.seq[p:p+2], 'N') {
				pos = append(pos, p)
			}
		}
		slices.Sort(pos)
		pos = slices.Compact(pos)
		for _, p := range pos {
			fmt.Fprintf(&b, "%s\t%d\t.\t%s\t%s\t50\tPASS\t.\n", r.name, p+1, r.seq[p:p+2], r.seq[p:p+1])
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readTruth is where a simulated read comes from.
type readTruth struct {
	contig string
	pos    int // 1-based
}

// writeReads writes n error-free 100 bp reads from recs (weighted by
// length, none with an N) and returns their origins by read name.
func writeReads(t testing.TB, path string, recs []genomeRecord, n int) map[string]readTruth {
	t.Helper()
	rng := rand.New(rand.NewPCG(20, 20))
	var total int
	for _, r := range recs {
		total += len(r.seq)
	}
	truth := map[string]readTruth{}
	var b strings.Builder
	for len(truth) < n {
		x := rng.IntN(total)
		var r genomeRecord
		for _, r = range recs {
			if x < len(r.seq) {
				break
			}
			x -= len(r.seq)
		}
		if x+100 > len(r.seq) || bytes.ContainsAny(r.seq[x:x+100], "Nn") {
			continue
		}
		name := "r" + strconv.Itoa(len(truth))
		truth[name] = readTruth{r.name, x + 1}
		fmt.Fprintf(&b, "@%s\n%s\n+\n%s\n", name, bytes.ToUpper(r.seq[x:x+100]), strings.Repeat("I", 100))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return truth
}

// checkAlignments requires nearly every read (repeats aside) to align
// uniquely at its origin.
func checkAlignments(t testing.TB, sam []byte, truth map[string]readTruth) {
	t.Helper()
	right, seen := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(sam))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if strings.HasPrefix(f[0], "@") || len(f) < 5 {
			continue
		}
		flag, _ := strconv.Atoi(f[1])
		if flag&0x900 != 0 { // secondary, supplementary
			continue
		}
		seen++
		pos, _ := strconv.Atoi(f[3])
		if tr := truth[f[0]]; f[2] == tr.contig && pos == tr.pos {
			right++
		}
	}
	if seen != len(truth) || right < len(truth)*95/100 {
		t.Errorf("bwa mem: %d of %d reads reported, %d at their origin (want >= 95%%)", seen, len(truth), right)
	}
}

// TestCollectionAssemblyReport mounts the test genome after
// add-assembly-names: its seqfsTest1 collections serve whole genomes in
// the report's name styles, and bcftools norm works on a two-contig VCF
// against one of them (it fails on per-sequence files).
func TestCollectionAssemblyReport(t *testing.T) {
	requireFUSE(t)
	requireTools(t, "samtools", "bcftools")
	inst := testGenome(t, true)
	m := startMount(t, []string{"-s", inst})
	cdir := filepath.Join(m.dir, "collection")
	ents, err := os.ReadDir(cdir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"seqfsTest1.fa", "seqfsTest1.primary.ucsc.fa", "seqfsTest1.refseq.dict", "seqfsTest1.genbank.fa.fai"} {
		if !slices.ContainsFunc(ents, func(e os.DirEntry) bool { return e.Name() == want }) {
			t.Errorf("/collection lacks %s", want)
		}
	}
	recs := append([]genomeRecord{chr20Record(t)}, sampleRecords(t)...)
	primary := recs[:3] // phiX is not in the Primary Assembly unit
	for i, name := range []string{"chr20", "chrI", "chrVI"} {
		primary[i].name = name
	}
	local := filepath.Join(t.TempDir(), "hg.fa")
	writeGenome(t, local, primary)
	mfa := filepath.Join(cdir, "seqfsTest1.primary.ucsc.fa")
	if !bytes.Equal(readFile(t, mfa), readFile(t, local)) {
		t.Fatal("seqfsTest1.primary.ucsc.fa differs from chr20, chrI, chrVI as one FASTA")
	}
	runTool(t, nil, "samtools", "faidx", local)
	if got, want := readFile(t, mfa+".fai"), readFile(t, local+".fai"); !bytes.Equal(got, want) {
		t.Errorf(".fai differs from samtools faidx's:\n%s\nwant\n%s", got, want)
	}
	sameOutput(t, mfa, local, nil, "samtools", "faidx", "REF", "chr20:1000000-1000100", "chrVI:270100-270161")
	vcf := filepath.Join(t.TempDir(), "two.vcf")
	writeNormVCF(t, vcf, primary[:2])
	drop := func(line string) bool { return strings.HasPrefix(line, "##bcftools_norm") }
	sameOutput(t, mfa, local, drop, "bcftools", "norm", "-c", "e", "-f", "REF", vcf)
}
