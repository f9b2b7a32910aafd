package integration_test

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/testutil"
)

// TestReadersAfterLoadKilledInsideCommit kills `seqfs load` with SIGKILL
// inside its database commit (the super-journal aliases.sqlite3-mj… and hot
// journals stay behind) and checks that status, fetch, serve and mount all
// work on the instance as of its last commit without changing a byte of
// it, also when the directory is read-only, and that `seqfs recover`
// repairs it.
func TestReadersAfterLoadKilledInsideCommit(t *testing.T) {
	root := t.TempDir()
	inst := filepath.Join(root, "master")
	if _, errOut, code := seqfs(t, "-r", root, "init"); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	first := writeFASTA(t, filepath.Join(root, "first.fa"), 5, 200, 200, 1, "a")["a0"]
	if _, errOut, code := seqfs(t, "-r", root, "load", "-n", "t", filepath.Join(root, "first.fa")); code != 0 {
		t.Fatalf("load: %s", errOut)
	}
	writeFASTA(t, filepath.Join(root, "second.fa"), 3000, 200, 200, 2, "b")
	hot := false
	for attempt := 0; attempt < 10 && !hot; attempt++ {
		cmd := exec.Command(seqfsBin, "-r", root, "load", "-n", "t", filepath.Join(root, "second.fa"))
		testutil.KillOnFirstWrite(t, cmd, seqrepo.AliasesDBPath(inst), time.Minute)
		supers, _ := filepath.Glob(filepath.Join(inst, "aliases.sqlite3-mj*"))
		j, _ := os.ReadFile(seqrepo.AliasesDBPath(inst) + "-journal")
		hot = len(supers) > 0 && len(j) > 8 && j[0] == 0xd9
		if !hot {
			seqfs(t, "-s", inst, "recover")
		}
	}
	if !hot {
		t.Fatal("no kill landed inside the commit in 10 attempts")
	}
	sums := dirSums(t, inst)

	check := func(t *testing.T) {
		out, errOut, code := seqfs(t, "-s", inst, "status")
		if code != 0 || !strings.Contains(out, "sequences: 5 sequences, 1000 residues") {
			t.Errorf("status: exit %d\n%s%s", code, out, errOut)
		}
		out, errOut, code = seqfs(t, "-s", inst, "fetch", "t:a0")
		if code != 0 || strings.TrimSpace(out) != first {
			t.Errorf("fetch t:a0: exit %d, %q, %s", code, out, errOut)
		}
		if _, errOut, code = seqfs(t, "-s", inst, "fetch", "t:b0"); code != 1 || !strings.Contains(errOut, "not found") {
			t.Errorf("fetch of the killed batch's t:b0: exit %d, %s; want not found", code, errOut)
		}
		base := startServe(t, inst)
		resp, err := http.Get(base + "/sequence/t:a0?start=0&end=10")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != first[:10] {
			t.Errorf("serve: %d %q", resp.StatusCode, body)
		}
		m := startMount(t, []string{"-s", inst})
		got, err := os.ReadFile(filepath.Join(m.dir, "t", "a0.seq"))
		if err != nil || string(got) != first {
			t.Errorf("mount: read t/a0.seq = %q, %v", got, err)
		}
		m.stop()
	}
	t.Run("writable directory", check)
	t.Run("read-only directory", func(t *testing.T) {
		if err := os.Chmod(inst, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(inst, 0o755)
		check(t)
	})
	for p, sum := range dirSums(t, inst) {
		if sums[p] != sum {
			t.Errorf("a reader changed %s", p)
		}
	}

	out, errOut, code := seqfs(t, "-s", inst, "recover")
	if code != 0 || !strings.Contains(errOut, "is consistent") {
		t.Fatalf("recover: exit %d %s%s", code, out, errOut)
	}
	if j, err := os.ReadFile(seqrepo.AliasesDBPath(inst) + "-journal"); err == nil && len(j) > 0 && j[0] == 0xd9 {
		t.Errorf("hot journal left after recover")
	}
	if out, _, code := seqfs(t, "-s", inst, "status"); code != 0 || !strings.Contains(out, "sequences: 5 sequences") {
		t.Errorf("status after recover: %d %s", code, out)
	}
}

// dirSums returns the contents of every regular file under dir by path.
func dirSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = string(b)
		}
		return nil
	})
	return out
}
