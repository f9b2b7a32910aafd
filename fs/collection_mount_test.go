package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/memsource"
	"github.com/seqfs/seqfs/repo"
)

// mountOpts mounts src with opts on a temporary directory and unmounts at
// test end.
func mountOpts(t *testing.T, src repo.Source, opts Options) string {
	t.Helper()
	requireFUSE(t)
	dir := t.TempDir()
	srv, err := Mount(context.Background(), src, dir, MountOptions{Options: opts, Debug: os.Getenv("H12DEBUG") != ""})
	if err != nil {
		t.Fatalf("mount: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Unmount(ctx); err != nil {
			t.Errorf("unmount: %v", err)
		}
		srv.Wait()
	})
	return dir
}

// collectionSource returns a source holding the sequences of c (with MD5
// aliases) and c stored as "asm".
func collectionSource(t *testing.T, c repo.Collection, seqs map[string][]byte) (*memsource.Source, string) {
	t.Helper()
	src := memsource.New()
	for id, s := range seqs {
		src.Put(repo.Info{SeqID: id, Length: int64(len(s))}, s)
		src.AddAliases(repo.Alias{SeqID: id, Namespace: "MD5", Alias: md5hex(s), Current: true})
	}
	digest, err := src.StoreCollection(context.Background(), "asm", c)
	if err != nil {
		t.Fatal(err)
	}
	return src, digest
}

func TestMountCollection(t *testing.T) {
	t.Parallel()
	c, seqs := testCollection(150, 61, 0, 1, 7000)
	src, digest := collectionSource(t, c, seqs)
	dir := mountOpts(t, src, Options{LineWidth: 60})
	wantFa, wantFai := naiveCollection(c, seqs, 60)

	ents, err := os.ReadDir(filepath.Join(dir, CollectionDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"asm.dict", "asm.fa", "asm.fa.fai", digest + ".dict", digest + ".fa", digest + ".fa.fai"} // os.ReadDir sorts
	if !slices.Equal(names, want) {
		t.Errorf("listing %v, want %v", names, want)
	}
	root, err := os.ReadDir(dir)
	if err != nil || !slices.ContainsFunc(root, func(e os.DirEntry) bool { return e.Name() == CollectionDir && e.IsDir() }) {
		t.Errorf("root listing lacks %s/: %v", CollectionDir, err)
	}
	for _, stem := range []string{"asm", digest} {
		p := filepath.Join(dir, CollectionDir, stem)
		checkFile(t, p+".fa", wantFa)
		checkFile(t, p+".fa.fai", []byte(wantFai))
		var dict strings.Builder
		dict.WriteString("@HD\tVN:1.0\tSO:unsorted\n")
		for i, name := range c.Names {
			dict.WriteString(dictLine(name, c.Lengths[i], md5hex(seqs[c.SeqIDs[i]]), p+".fa"))
		}
		checkFile(t, p+".dict", []byte(dict.String()))
		checkFile(t, p+".fa.dict", []byte(strings.ReplaceAll(dict.String(), p+".fa", p+".fa")))
	}
	for _, bad := range []string{"nope.fa", "asm.seq", "asm.txt"} {
		if _, err := os.Stat(filepath.Join(dir, CollectionDir, bad)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stat %s: %v, want not exist", bad, err)
		}
	}
	// Read-only without a sidecar directory.
	p := filepath.Join(dir, CollectionDir, "asm.fa.fai")
	if err := os.WriteFile(p, []byte(wantFai), 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("rewrite .fai without sidecar: %v, want EROFS", err)
	}
	if err := os.WriteFile(filepath.Join(dir, CollectionDir, "asm.fa.bwt"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("create without sidecar: %v, want EROFS", err)
	}
}

// checkFile compares a file's size (from stat) and content.
func checkFile(t *testing.T, path string, want []byte) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != int64(len(want)) {
		t.Errorf("%s: size %d, want %d", path, st.Size(), len(want))
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: content differs (%d bytes, want %d)\n%.300q\nwant\n%.300q", path, len(got), len(want), got, want)
	}
}

func TestMountCollectionNoCollections(t *testing.T) {
	t.Parallel()
	src := newMemSource(map[string][]string{"S": {"NCBI:x"}}, map[string][]byte{"S": testSeq(10)})
	dir := mountMem(t, src, 60)
	ents, err := os.ReadDir(filepath.Join(dir, CollectionDir))
	if err != nil || len(ents) != 0 {
		t.Errorf("empty source: /%s has %v, %v", CollectionDir, ents, err)
	}
}

func TestMountSidecar(t *testing.T) {
	t.Parallel()
	c, seqs := testCollection(100, 20)
	src, _ := collectionSource(t, c, seqs)
	side := t.TempDir()
	dir := mountOpts(t, src, Options{LineWidth: 60, SidecarDir: side})
	cdir := filepath.Join(dir, CollectionDir)
	_, wantFai := naiveCollection(c, seqs, 60)

	// A tool writes a temporary file and renames it into place.
	tmp, final := filepath.Join(cdir, "asm.fa.bwt.tmp"), filepath.Join(cdir, "asm.fa.bwt")
	if err := os.WriteFile(tmp, []byte("index data"), 0o644); err != nil {
		t.Fatalf("create sidecar file: %v", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		t.Fatalf("rename sidecar file: %v", err)
	}
	f, err := os.OpenFile(final, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(" more"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkFile(t, final, []byte("index data more"))
	if got, err := os.ReadFile(filepath.Join(side, CollectionDir, "asm.fa.bwt")); err != nil || string(got) != "index data more" {
		t.Errorf("sidecar store holds %q, %v", got, err)
	}
	if err := os.Truncate(final, 5); err != nil {
		t.Errorf("truncate sidecar file: %v", err)
	}
	checkFile(t, final, []byte("index"))
	ents, err := os.ReadDir(cdir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ents, func(e os.DirEntry) bool { return e.Name() == "asm.fa.bwt" }) {
		t.Errorf("listing lacks the sidecar file: %v", ents)
	}
	if slices.ContainsFunc(ents, func(e os.DirEntry) bool { return e.Name() == "asm.fa.bwt.tmp" }) {
		t.Errorf("listing still has the renamed file: %v", ents)
	}

	// Served files stay read-only.
	fa := filepath.Join(cdir, "asm.fa")
	checks := []struct {
		name string
		err  error
	}{
		{"write .fa", func() error { f, err := os.OpenFile(fa, os.O_WRONLY, 0); f.Close(); return err }()},
		{"remove .fa", os.Remove(fa)},
		{"rename .fa", os.Rename(fa, filepath.Join(cdir, "b.fa"))},
		{"rename onto .fa", os.Rename(final, fa)},
		{"truncate .fa", os.Truncate(fa, 0)},
	}
	for _, c := range checks {
		if !errors.Is(c.err, syscall.EROFS) {
			t.Errorf("%s: %v, want EROFS", c.name, c.err)
		}
	}
	// A tool may rewrite an index with its exact content, not change it.
	fai := filepath.Join(cdir, "asm.fa.fai")
	if err := os.WriteFile(fai, []byte(wantFai), 0o644); err != nil {
		t.Errorf("rewrite .fai with the same content: %v", err)
	}
	if err := os.WriteFile(fai, []byte("chr1\t1\t1\t1\t2\n"), 0o644); !errors.Is(err, syscall.EIO) {
		t.Errorf("rewrite .fai with other content: %v, want EIO", err)
	}
	checkFile(t, fai, []byte(wantFai))

	if err := os.Remove(final); err != nil {
		t.Errorf("remove sidecar file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(side, CollectionDir, "asm.fa.bwt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sidecar store still has the removed file: %v", err)
	}
}

func TestMountSidecarReused(t *testing.T) {
	t.Parallel()
	c, seqs := testCollection(10)
	src, _ := collectionSource(t, c, seqs)
	side := t.TempDir()
	if err := os.MkdirAll(filepath.Join(side, CollectionDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(side, CollectionDir, "asm.fa.sa"), []byte("made earlier"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := mountOpts(t, src, Options{SidecarDir: side})
	checkFile(t, filepath.Join(dir, CollectionDir, "asm.fa.sa"), []byte("made earlier"))
}

func TestMountSidecarNamespace(t *testing.T) {
	t.Parallel()
	seq := testSeq(100)
	src := newMemSource(map[string][]string{"S": {"NCBI:x"}}, map[string][]byte{"S": seq})
	side := t.TempDir()
	dir := mountOpts(t, src, Options{SidecarDir: side})
	p := filepath.Join(dir, "NCBI", "x.fa.seqkit.fai")
	if err := os.WriteFile(p, []byte("x\t100\n"), 0o644); err != nil {
		t.Fatalf("create beside a sequence: %v", err)
	}
	checkFile(t, p, []byte("x\t100\n"))
	if got, err := os.ReadFile(filepath.Join(side, "NCBI", "x.fa.seqkit.fai")); err != nil || string(got) != "x\t100\n" {
		t.Errorf("sidecar store holds %q, %v", got, err)
	}
	ents, err := os.ReadDir(filepath.Join(dir, "NCBI"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"x.dict", "x.fa", "x.fa.fai", "x.fa.seqkit.fai", "x.seq"}
	if !slices.Equal(names, want) {
		t.Errorf("listing %v, want %v", names, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "NCBI", "x.fa"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("write x.fa: %v, want EROFS", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "top.txt"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("create in the root: %v, want EROFS", err)
	}
}

func TestMountCollectionListing(t *testing.T) {
	t.Parallel()
	src := memsource.New()
	const n = 1000
	for i := range n {
		c, seqs := testCollection(100+i%7, 50)
		c.Names[0] = fmt.Sprintf("c%04d", i) // distinct collections
		for id, s := range seqs {
			src.Put(repo.Info{SeqID: id, Length: int64(len(s))}, s)
		}
		if _, err := src.StoreCollection(context.Background(), fmt.Sprintf("g%04d", i), c); err != nil {
			t.Fatal(err)
		}
	}
	dir := mountOpts(t, src, Options{})
	start := time.Now()
	ents, err := os.ReadDir(filepath.Join(dir, CollectionDir))
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, e := range ents {
		info, err := e.Info() // lstat, as ls -l does
		if err != nil {
			t.Fatal(err)
		}
		size += info.Size()
	}
	t.Logf("ls -l of %d collections: %d entries in %v", n, len(ents), time.Since(start))
	if len(ents) != 6*n {
		t.Errorf("%d entries, want %d", len(ents), 6*n)
	}
	if size == 0 {
		t.Error("every size is 0")
	}
}
