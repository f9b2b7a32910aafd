package integration_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestFSMountSeesLoad: a mount of a writable master shows what a later
// `load` adds, including a name looked up (and missed) before the load and
// a new namespace (issue 16, item 8).
func TestFSMountSeesLoad(t *testing.T) {
	root := t.TempDir()
	fa1 := filepath.Join(t.TempDir(), "one.fa")
	fa2 := filepath.Join(t.TempDir(), "two.fa")
	os.WriteFile(fa1, []byte(">first\nACGTACGTAA\n"), 0o644)
	os.WriteFile(fa2, []byte(">second\nTTTTGGGGCC\n"), 0o644)
	mustSeqfs(t, "-r", root, "init")
	mustSeqfs(t, "-r", root, "load", "-n", "ns1", fa1)

	m := startMount(t, []string{"-r", root, "-i", "master"})
	list := func(dir string) []string {
		ents, err := os.ReadDir(filepath.Join(m.dir, dir))
		if err != nil {
			return nil
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	if got := list("ns1"); !slices.Contains(got, "first.fa") {
		t.Fatalf("ns1 before the second load: %v", got)
	}
	// Misses the kernel would otherwise remember for an hour.
	if _, err := os.Stat(filepath.Join(m.dir, "ns1", "second.fa")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stat ns1/second.fa before the load: %v", err)
	}
	if _, err := os.Stat(filepath.Join(m.dir, "ns2")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stat ns2 before the load: %v", err)
	}

	mustSeqfs(t, "-r", root, "load", "-n", "ns1", fa2)
	mustSeqfs(t, "-r", root, "load", "-n", "ns2", fa2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err1 := os.ReadFile(filepath.Join(m.dir, "ns1", "second.fa"))
		_, err2 := os.Stat(filepath.Join(m.dir, "ns2", "second.seq"))
		if err1 == nil && err2 == nil && slices.Contains(list("ns1"), "second.fa") && slices.Contains(list(""), "ns2") {
			if string(b) != ">second\nTTTTGGGGCC\n" {
				t.Errorf("ns1/second.fa = %q", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the load the mount shows: ns1 %v, root %v (read: %v, stat: %v)\n%s", list("ns1"), list(""), err1, err2, m.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
