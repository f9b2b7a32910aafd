package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

func TestCollectionStem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, want string }{
		{"genome.fa", "genome"},
		{"/data/GRCh38.fasta.gz", "GRCh38"},
		{"x.fna.bgz", "x"},
		{"dir/plain", "plain"},
		{"a.b.fa", "a.b"},
		{".fa", ".fa"},
		{"reads.fq.gz", "reads.fq"},
	} {
		if got := collectionStem(tc.path); got != tc.want {
			t.Errorf("collectionStem(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// loadedCollection opens the instance and returns the collection that ref
// names.
func loadedCollection(t *testing.T, dir, ref string) (repo.Collection, string, error) {
	t.Helper()
	inst, err := seqrepo.Open(context.Background(), dir, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	return inst.Collection(context.Background(), ref)
}

// withStdin runs fn with standard input reading content.
func withStdin(t *testing.T, content string, fn func()) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(content)
	f.Seek(0, 0)
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old; f.Close() }()
	fn()
}

func TestLoadRecordsCollections(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "master")
	if _, stderr, code := runRead(t, "-r", root, "init"); code != exitOK {
		t.Fatalf("init: %s", stderr)
	}
	files := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	genome := write("genome.fa", ">chr1 first\nACGTACGT\n>chr2\nggggcc\n")
	again := write("copy-of-genome.fasta", ">chr1 first\nACGTACGT\n>chr2\nggggcc\n")
	other := write("other.fa", ">chrA\nTTTT\n")
	dup := write("dup.fa", ">x\nAC\n>x\nGG\n")
	empty := write("empty.fa", "")

	if _, stderr, code := runRead(t, "-r", root, "load", "-n", "t", genome); code != exitOK {
		t.Fatalf("load: %s", stderr)
	}
	c, d, err := loadedCollection(t, dir, "genome")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Names, []string{"chr1", "chr2"}) || !slices.Equal(c.Lengths, []int64{8, 6}) || c.Digest() != d {
		t.Fatalf("genome = %+v (%s)", c, d)
	}
	// The sequences as stored (upper-cased) are the collection's.
	for i, id := range c.SeqIDs {
		want, _ := repo.ComputeDigests([]byte(strings.ToUpper([]string{"ACGTACGT", "ggggcc"}[i])))
		if id != want.SeqID {
			t.Errorf("sequence %d is %s, want %s", i, id, want.SeqID)
		}
	}

	for _, tc := range []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantErr  string
	}{
		{"reload is a no-op", []string{genome}, "", exitOK, ""},
		{"same content, other name", []string{again}, "", exitOK, ""},
		{"stdin without --collection: digest only", []string{"-"}, ">s\nAC\n", exitOK, "--collection"},
		{"one --collection for several files", []string{"--collection", "x", genome, other}, "", exitUsage, "--collection"},
		{"digest-shaped --collection", []string{"--collection", d, genome}, "", exitUsage, "digest"},
		{"stdin with --collection", []string{"--collection", "piped", "-"}, ">chrA\nTTTT\n", exitOK, ""},
		{"name moves", []string{"--collection", "genome", other}, "", exitOK, ""},
		{"duplicate names: loaded, not a collection", []string{dup}, "", exitOK, ""},
		{"duplicate names with --collection", []string{"--collection", "dups", dup}, "", exitNotFound, "appears twice"},
		{"empty file with --collection", []string{"--collection", "nothing", empty}, "", exitNotFound, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr string
			var code int
			withStdin(t, tc.stdin, func() {
				_, stderr, code = runRead(t, append([]string{"-r", root, "load", "-n", "t"}, tc.args...)...)
			})
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tc.wantCode, tc.wantErr)
			}
		})
	}
	// Standard input without --collection: reachable by digest.
	ac, _ := repo.ComputeDigests([]byte("AC"))
	stdinDigest := repo.Collection{Names: []string{"s"}, SeqIDs: []string{ac.SeqID}, Lengths: []int64{2}}.Digest()
	if _, got, err := loadedCollection(t, dir, stdinDigest); err != nil || got != stdinDigest {
		t.Errorf("standard input's collection %s: %s, %v", stdinDigest, got, err)
	}
	oc, od, err := loadedCollection(t, dir, "piped")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ ref, want string }{
		{"genome", od},        // moved by --collection genome
		{d, d},                // the first genome, by digest
		{"copy-of-genome", d}, // same records, same digest
	} {
		if _, got, err := loadedCollection(t, dir, tc.ref); err != nil || got != tc.want {
			t.Errorf("collection %s = %s, %v; want %s", tc.ref, got, err, tc.want)
		}
	}
	if oc.Len() != 1 {
		t.Errorf("other = %+v", oc)
	}
	for _, ref := range []string{"dup", "dups", "nothing"} {
		if _, _, err := loadedCollection(t, dir, ref); !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("collection %s: %v, want not found", ref, err)
		}
	}
	inst, err := seqrepo.Open(context.Background(), dir, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	if infos, err := repo.Collect(inst.Collections(context.Background())); err != nil || len(infos) != 3 {
		t.Errorf("collections stored: %+v, %v; want 3", infos, err)
	}
}
