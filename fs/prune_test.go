package fs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

func TestDentryQueue(t *testing.T) {
	t.Parallel()
	var q dentryQueue
	next, want := 0, 0
	for round := range 50 {
		for range round % 7 * 5 {
			q.push(dentry{name: fmt.Sprint(next)})
			next++
		}
		for range min(q.len(), round%5*6) {
			if d := q.pop(); d.name != fmt.Sprint(want) {
				t.Fatalf("pop %q, want %d", d.name, want)
			}
			want++
		}
		if q.len() != next-want {
			t.Fatalf("len %d, want %d", q.len(), next-want)
		}
	}
}

// TestMountBoundsNodes stats every file of a namespace of many aliases
// with a small node limit and checks that the kernel is made to forget
// the old nodes, that an open file keeps working while its entry is
// dropped, and that dropped files read correctly when looked up again.
// It runs with FUSE_NOTIFY_PRUNE (when the kernel has it) and with the
// per-entry invalidation older kernels get.
func TestMountBoundsNodes(t *testing.T) {
	const nAlias, limit = 600, 100
	seqs := map[string][]byte{}
	entries := map[string][]string{}
	seqOf := map[string][]byte{}
	for i := range nAlias {
		id := fmt.Sprintf("S%031d", i%7)
		if seqs[id] == nil {
			seqs[id] = testSeq(100 + 37*(i%7))
		}
		alias := fmt.Sprintf("A%04d", i)
		entries[id] = append(entries[id], "many:"+alias)
		seqOf[alias] = seqs[id]
	}
	for _, mode := range []string{"prune", "inval-entry"} {
		t.Run(mode, func(t *testing.T) {
			requireFUSE(t)
			dir := t.TempDir()
			srv, err := Mount(context.Background(), newMemSource(entries, seqs), dir, MountOptions{Options: Options{MaxNodes: limit}})
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
			p := srv.fsys.pruner
			if mode == "prune" && !srv.srv.KernelSettings().SupportsNotify(fuse.NOTIFY_PRUNE) {
				t.Skip("kernel without FUSE_NOTIFY_PRUNE (Linux < 6.18)")
			}
			if mode == "inval-entry" {
				p.mu.Lock()
				p.noPrune = true
				p.mu.Unlock()
			}
			ns := filepath.Join(dir, "many")
			check := func(name string, got []byte) {
				t.Helper()
				alias := strings.TrimSuffix(name, ".fa")
				if want := naiveFasta(">"+alias+"\n", seqOf[alias], 60); !bytes.Equal(got, want) {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			open, err := os.Open(filepath.Join(ns, "A0000.fa"))
			if err != nil {
				t.Fatal(err)
			}
			defer open.Close()

			ents, err := os.ReadDir(ns)
			if err != nil || len(ents) != 4*nAlias {
				t.Fatalf("listing: %d entries, %v", len(ents), err)
			}
			for _, e := range ents {
				if _, err := os.Lstat(filepath.Join(ns, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(10 * time.Second)
			for srv.fsys.liveFiles.Load() > limit+1 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			p.mu.Lock()
			dropped, noPrune := p.dropped, p.noPrune
			p.mu.Unlock()
			if live := srv.fsys.liveFiles.Load(); live > limit+1 {
				t.Errorf("%d file nodes alive after %d lookups (dropped %d), want at most %d", live, len(ents), dropped, limit+1)
			}
			if noPrune != (mode == "inval-entry") {
				t.Errorf("pruner noPrune = %v in mode %s", noPrune, mode)
			}
			if dropped < uint64(len(ents)-limit) {
				t.Errorf("dropped %d entries, want at least %d", dropped, len(ents)-limit)
			}

			got := make([]byte, 1000)
			n, err := open.ReadAt(got, 0)
			if n == 0 {
				t.Fatalf("read of the file open across the drop: %v", err)
			}
			check("A0000.fa", got[:n])
			for _, name := range []string{"A0001.fa", "A0002.fa", "A0300.fa", "A0599.fa"} {
				b, err := os.ReadFile(filepath.Join(ns, name))
				if err != nil {
					t.Fatal(err)
				}
				check(name, b)
			}
			b, err := os.ReadFile(filepath.Join(ns, "A0003.seq"))
			if err != nil || !bytes.Equal(b, seqOf["A0003"]) {
				t.Errorf("A0003.seq: %q, %v", b, err)
			}
		})
	}
}
