package integration_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// bigSeq is a deterministic multi-megabase sequence with N runs.
func bigSeq(n int) []byte {
	r := rand.New(rand.NewPCG(20, 20))
	seq := make([]byte, n)
	for i := range seq {
		seq[i] = "ACGT"[r.IntN(4)]
	}
	for i := 0; i+5000 < n; i += 1_000_003 {
		copy(seq[i:], bytes.Repeat([]byte("N"), 5000))
	}
	return seq
}

// writeInstance stores sequences with their aliases into a new SeqRepo
// instance with the real SeqRepo-layout writer and returns its directory.
func writeInstance(t testing.TB, entries map[string][]byte) string {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "inst")
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		t.Fatal(err)
	}
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for alias, seq := range entries {
		if _, err := w.Store(ctx, seq, []repo.NSAlias{{Namespace: "refseq", Alias: alias}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFSMultiMegabase mounts an instance holding a 6-Mb sequence and checks
// cat, samtools faidx on 1,000 random regions, samtools dict, the text
// tools and 16 concurrent readers against a plain copy on local disk.
func TestFSMultiMegabase(t *testing.T) {
	seq := bigSeq(6_000_000)
	inst := writeInstance(t, map[string][]byte{"NC_BIG.1": seq})
	m := startMount(t, []string{"-s", inst})
	plain := filepath.Join(t.TempDir(), "big.fa")
	want := wrapFasta("NC_BIG.1", seq, 60)
	if err := os.WriteFile(plain, want, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"NCBI", "refseq"} {
		mounted := filepath.Join(m.dir, dir, "NC_BIG.1.fa")
		if got := runTool(t, nil, "cat", mounted); !bytes.Equal(got, want) {
			t.Fatalf("cat %s: %d bytes, want %d, first diff at %d", mounted, len(got), len(want), firstDiff(got, want))
		}
	}
	mounted := filepath.Join(m.dir, "NCBI", "NC_BIG.1.fa")
	sum := md5.Sum(seq)
	md5hex := hex.EncodeToString(sum[:])
	if got, err := os.ReadFile(filepath.Join(m.dir, "MD5", md5hex+".seq")); err != nil || !bytes.Equal(got, seq) {
		t.Fatalf("MD5/%s.seq: %v", md5hex, err)
	}

	r := rand.New(rand.NewPCG(1, 2))
	regions := []string{"NC_BIG.1:1-1", "NC_BIG.1:5999990-6000000", "NC_BIG.1:1000000-1006000"}
	for len(regions) < 1000 {
		s := 1 + r.IntN(len(seq))
		e := min(s+r.IntN(20000), len(seq))
		regions = append(regions, fmt.Sprintf("NC_BIG.1:%d-%d", s, e))
	}
	got := runTool(t, nil, "samtools", append([]string{"faidx", mounted}, regions...)...)
	exp := runTool(t, nil, "samtools", append([]string{"faidx", plain}, regions...)...)
	if !bytes.Equal(got, exp) {
		t.Errorf("samtools faidx of 1,000 regions differs from the plain copy at byte %d", firstDiff(got, exp))
	}
	if d, sd := runTool(t, nil, "cat", filepath.Join(m.dir, "NCBI", "NC_BIG.1.dict")), runTool(t, nil, "samtools", "dict", mounted); !bytes.Equal(d, sd) {
		t.Errorf(".dict %q, samtools dict %q", d, sd)
	}
	if m5 := dictM5(runTool(t, nil, "samtools", "dict", plain)); m5 != md5hex {
		t.Errorf("plain copy M5 %s, want %s", m5, md5hex)
	}
	for _, tool := range [][]string{
		{"awk", `!/^>/ { n += length($0); g += gsub(/G/, "G") } END { print NR, n, g }`},
		{"grep", "-c", "NNNNNNNNNN"},
		{"wc", "-c"},
		{"tail", "-c", "100000"},
		{"md5sum"},
	} {
		if g, w := runShell(t, tool, mounted), runShell(t, tool, plain); !bytes.Equal(g, w) {
			t.Errorf("%s: %q, plain copy %q", tool[0], g, w)
		}
	}

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.Open(mounted)
			if err != nil {
				errs <- err
				return
			}
			defer f.Close()
			r := rand.New(rand.NewPCG(uint64(g), 3))
			buf := make([]byte, 1<<20)
			for range 100 {
				off := r.Int64N(int64(len(want)))
				n := 1 + r.IntN(1+r.IntN(len(buf)))
				c, err := f.ReadAt(buf[:n], off)
				if err != nil && !errors.Is(err, io.EOF) {
					errs <- err
					return
				}
				if !bytes.Equal(buf[:c], want[off:min(off+int64(n), int64(len(want)))]) {
					errs <- fmt.Errorf("pread [%d,+%d): wrong bytes", off, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
