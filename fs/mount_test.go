package fs

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/memsource"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
)

// newMemSource returns an in-memory repo.Source for exercising the node
// logic through a real kernel mount before any backend exists: entries maps
// a seq_id to its current "ns:alias" names. It counts reads.
func newMemSource(entries map[string][]string, seqs map[string][]byte) *memsource.Source {
	m := memsource.New()
	for id, s := range seqs {
		m.Put(repo.Info{SeqID: id, Length: int64(len(s)), Added: time.Date(2019, 5, 20, 0, 0, 0, 0, time.UTC)}, s)
	}
	for id, list := range entries {
		for _, a := range list {
			ns, al, _ := strings.Cut(a, ":")
			m.AddAliases(repo.Alias{SeqID: id, Namespace: ns, Alias: al, Current: true})
		}
	}
	return m
}

func requireFUSE(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		testutil.SkipOrFail(t, "no /dev/fuse: %v", err)
	}
	if os.Geteuid() != 0 {
		testutil.RequireTool(t, "fusermount3")
	}
}

// mountMem mounts src on a temporary directory and unmounts at test end.
func mountMem(t *testing.T, src repo.Source, width int) string {
	t.Helper()
	return mountOpts(t, src, Options{LineWidth: width})
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func TestMountTree(t *testing.T) {
	t.Parallel()
	seqA := testSeq(1000)
	seqB := []byte("ACGTACGTNN")
	idA, idB := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	longAlias := strings.Repeat("long/alias ", 30)
	src := newMemSource(map[string][]string{
		idA: {"NCBI:NC_000001.11", "MD5:" + md5hex(seqA), "VMC:GS_" + idA, "test:chr1 the first one", "odd:a/b", "odd:50%", "odd:" + longAlias},
		idB: {"NCBI:NC_2", "VMC:GS_" + idB}, // no MD5 alias: computed
	}, map[string][]byte{idA: seqA, idB: seqB})
	dir := mountMem(t, src, 60)
	faA := naiveFasta(">NC_000001.11\n", seqA, 60)

	files := []struct {
		path string
		want []byte
	}{
		{"NCBI/NC_000001.11.fa", faA},
		{"NCBI/NC_000001.11.seq", seqA},
		{"NCBI/NC_000001.11.fa.fai", []byte("NC_000001.11\t1000\t14\t60\t61\n")},
		{"NCBI/NC_000001.11.dict", []byte(Dict("NC_000001.11", 1000, md5hex(seqA), dir+"/NCBI/NC_000001.11.fa"))},
		{"NCBI/NC_000001.11.fa.dict", []byte(Dict("NC_000001.11", 1000, md5hex(seqA), dir+"/NCBI/NC_000001.11.fa"))},
		{"refseq/NC_000001.11.fa", faA},
		{"NCBI/NC_2.fa", []byte(">NC_2\nACGTACGTNN\n")},
		{"NCBI/NC_2.dict", []byte(Dict("NC_2", 10, md5hex(seqB), dir+"/NCBI/NC_2.fa"))},
		{"MD5/" + md5hex(seqA) + ".seq", seqA},
		{"digest/SQ." + idA + ".fa", naiveFasta(">SQ."+idA+"\n", seqA, 60)},
		{"ga4gh/SQ." + idB + ".seq", seqB},
		{"sha512t24u/" + idB + ".fa", []byte(">" + idB + "\nACGTACGTNN\n")},
		{"VMC/GS_" + idB + ".seq", seqB},
		{"test/chr1 the first one.fa", naiveFasta(">chr1 the first one\n", seqA, 60)},
		{"test/chr1 the first one.fa.fai", []byte("chr1\t1000\t20\t60\t61\n")},
		{"odd/a%2Fb.fa", naiveFasta(">a/b\n", seqA, 60)},
		{"odd/50%25.seq", seqA},
		{"odd/" + EscapeStem(longAlias) + ".fa", naiveFasta(">"+longAlias+"\n", seqA, 60)},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.path)
		got, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("read %s: %v", f.path, err)
			continue
		}
		if !bytes.Equal(got, f.want) {
			t.Errorf("%s: got %d bytes %q…, want %d bytes %q…", f.path, len(got), got[:min(80, len(got))], len(f.want), f.want[:min(80, len(f.want))])
		}
		st, err := os.Stat(p)
		if err != nil || st.Size() != int64(len(f.want)) || st.Mode().Perm() != 0o444 {
			t.Errorf("stat %s: %v %v", f.path, st, err)
		}
	}

	for _, missing := range []string{"NCBI/NC_404.fa", "NCBI/x.txt", "nope", "NCBI/a%2fb.fa", "ga4gh/XX" + idA + ".fa", "digest/" + idA + ".fa", "odd/a%2Fb%~0000000000000000.fa"} {
		if _, err := os.Stat(filepath.Join(dir, missing)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stat %s: %v, want not exist", missing, err)
		}
	}

	root, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range root {
		names = append(names, e.Name())
		if !e.IsDir() {
			t.Errorf("%s not a dir", e.Name())
		}
	}
	// The API names that work are listed too (refseq for NCBI; ga4gh and
	// sha512t24u for VMC).
	if want := []string{"MD5", "NCBI", "VMC", "collection", "digest", "ga4gh", "odd", "refseq", "sha512t24u", "test"}; !slices.Equal(names, want) {
		t.Errorf("root listing %v, want %v", names, want)
	}
	ents, err := os.ReadDir(filepath.Join(dir, "NCBI"))
	if err != nil {
		t.Fatal(err)
	}
	names = names[:0]
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"NC_000001.11.dict", "NC_000001.11.fa", "NC_000001.11.fa.fai", "NC_000001.11.seq", "NC_2.dict", "NC_2.fa", "NC_2.fa.fai", "NC_2.seq"}
	if !slices.Equal(names, want) {
		t.Errorf("NCBI listing %v, want %v", names, want)
	}
	ents, err = os.ReadDir(filepath.Join(dir, "ga4gh"))
	if err != nil || len(ents) != 8 || !strings.HasPrefix(ents[0].Name(), "SQ.") {
		t.Errorf("ga4gh listing %v %v", ents, err)
	}
	ents, err = os.ReadDir(filepath.Join(dir, "odd"))
	if err != nil || len(ents) != 12 {
		t.Errorf("odd listing %d entries %v", len(ents), err)
	}
	for _, e := range ents { // every listed name resolves
		if _, err := os.Stat(filepath.Join(dir, "odd", e.Name())); err != nil {
			t.Errorf("listed %q does not stat: %v", e.Name(), err)
		}
	}
}

func TestMountReadOnly(t *testing.T) {
	t.Parallel()
	seq := testSeq(100)
	src := newMemSource(map[string][]string{"S": {"NCBI:x"}}, map[string][]byte{"S": seq})
	dir := mountMem(t, src, 60)
	p := filepath.Join(dir, "NCBI", "x.fa")
	if _, err := os.ReadFile(p); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		err  error
	}{
		{"open for write", func() error { f, err := os.OpenFile(p, os.O_WRONLY, 0); f.Close(); return err }()},
		{"create", os.WriteFile(filepath.Join(dir, "NCBI", "new.fa"), []byte("x"), 0o644)},
		{"mkdir", os.Mkdir(filepath.Join(dir, "NCBI", "d"), 0o755)},
		{"mkdir root", os.Mkdir(filepath.Join(dir, "d"), 0o755)},
		{"remove", os.Remove(p)},
		{"rename", os.Rename(p, filepath.Join(dir, "NCBI", "y.fa"))},
		{"chmod", os.Chmod(p, 0o644)},
		{"truncate", os.Truncate(p, 0)},
		{"symlink", os.Symlink("x.fa", filepath.Join(dir, "NCBI", "l.fa"))},
	}
	for _, c := range checks {
		if !errors.Is(c.err, syscall.EROFS) {
			t.Errorf("%s: %v, want EROFS", c.name, c.err)
		}
	}
}

func TestMountRandomReads(t *testing.T) {
	t.Parallel()
	seq := testSeq(3_000_000)
	src := newMemSource(map[string][]string{"S": {"NCBI:big"}}, map[string][]byte{"S": seq})
	dir := mountMem(t, src, 70)
	want := naiveFasta(">big\n", seq, 70)
	f, err := os.Open(filepath.Join(dir, "NCBI", "big.fa"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			buf := make([]byte, 70000)
			for range 200 {
				off := r.Int64N(int64(len(want)))
				n := 1 + r.IntN(len(buf))
				got, err := f.ReadAt(buf[:n], off)
				if err != nil && !errors.Is(err, io.EOF) {
					errs <- err
					return
				}
				if !bytes.Equal(buf[:got], want[off:min(off+int64(n), int64(len(want)))]) {
					errs <- fmt.Errorf("pread(%d, %d): wrong bytes", off, n)
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
	if _, maxRead := src.ReadStats(); maxRead > 1<<20 {
		t.Errorf("largest single fetch %d residues: reads must not fetch whole sequences", maxRead)
	}
}

func TestCheckMountPoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		path string
		want error
	}{
		{filepath.Join(dir, "missing"), ErrMountPointMissing},
		{file, ErrMountPointMissing},
		{"/proc", ErrMountPointBusy},
		{dir, nil},
	}
	for _, tt := range tests {
		err := CheckMountPoint(tt.path)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("CheckMountPoint(%s) = %v, want %v", tt.path, err, tt.want)
		}
	}
}
