package integration_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

func writeFASTA(t *testing.T, path string, n, minLen, maxLen int, seed int64, prefix string) map[string]string {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	var b bytes.Buffer
	want := map[string]string{}
	for i := range n {
		l := minLen + r.Intn(maxLen-minLen+1)
		s := make([]byte, l)
		for j := range s {
			s[j] = "acgtn"[r.Intn(5)]
		}
		name := fmt.Sprintf("%s%d", prefix, i)
		fmt.Fprintf(&b, ">%s some description\n", name)
		for j := 0; j < l; j += 60 {
			b.Write(s[j:min(j+60, l)])
			b.WriteByte('\n')
		}
		want[name] = strings.ToUpper(string(s))
	}
	data := b.Bytes()
	if strings.HasSuffix(path, ".gz") {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return want
}

func mustSeqfs(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := seqfs(t, args...)
	if code != 0 {
		t.Fatalf("seqfs %v: exit %d\n%s", args, code, errOut)
	}
	return out
}

func TestWriteCLI(t *testing.T) {
	samtools := testutil.RequireTool(t, "samtools")
	bgzip := testutil.RequireTool(t, "bgzip")
	root := t.TempDir()
	r := []string{"-r", root}
	mustSeqfs(t, append(r, "init")...)
	if _, e, code := seqfs(t, append(r, "init")...); code == 0 || !strings.Contains(e, "exists and is not empty") {
		t.Errorf("second init: exit %d, %s", code, e)
	}

	// Inputs: plain, gzip, BGZF and stdin.
	in := t.TempDir()
	plain := writeFASTA(t, filepath.Join(in, "a.fa"), 300, 50, 3000, 1, "a")
	gz := writeFASTA(t, filepath.Join(in, "b.fa.gz"), 200, 50, 3000, 2, "b")
	bgzSrc := writeFASTA(t, filepath.Join(in, "c.fa"), 100, 50, 3000, 3, "c")
	out, err := exec.Command(bgzip, "-c", filepath.Join(in, "c.fa")).Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(in, "c.fa.bgz"), out, 0o644)
	big := writeFASTA(t, filepath.Join(in, "d.fa"), 1, 1_200_000, 1_200_000, 4, "d")
	mustSeqfs(t, append(r, "load", "-n", "me", filepath.Join(in, "a.fa"), filepath.Join(in, "b.fa.gz"), filepath.Join(in, "c.fa.bgz"))...)
	cmd := exec.Command(seqfsBin, append(r, "load", "-i", "master", "-n", "me", "--collection", "stdin", "-")...)
	cmd.Stdin, _ = os.Open(filepath.Join(in, "d.fa"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("load from stdin: %v %s", err, out)
	}
	for _, m := range []map[string]string{plain, gz, bgzSrc, big} {
		n := 0
		for name, seq := range m {
			if n++; n > 40 {
				break
			}
			got := mustSeqfs(t, append(r, "-i", "master", "fetch", "me:"+name)...)
			if strings.TrimSpace(got) != seq {
				t.Fatalf("fetch me:%s: got %d residues, want %d", name, len(strings.TrimSpace(got)), len(seq))
			}
		}
	}
	master := filepath.Join(root, "master")
	countSeqs := func() string {
		out, err := exec.Command("sqlite3", filepath.Join(master, "sequences", "db.sqlite3"), "select count(*) from seqinfo").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	if n := countSeqs(); n != "601" {
		t.Fatalf("%s sequences stored, want 601", n)
	}

	// samtools reads every file with the indexes as written.
	filepath.WalkDir(filepath.Join(master, "sequences"), func(p string, d fs.DirEntry, err error) error {
		if strings.HasSuffix(p, ".fa.bgz") {
			fai, _ := os.ReadFile(p + ".fai")
			name := strings.SplitN(string(fai), "\t", 2)[0]
			if out, err := exec.Command(samtools, "faidx", p, "--", name).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), ">"+name+"\n") {
				t.Errorf("samtools faidx %s: %v %s", p, err, out)
			}
			if out, err := exec.Command(bgzip, "-t", p).CombinedOutput(); err != nil {
				t.Errorf("bgzip -t %s: %v %s", p, err, out)
			}
		}
		return nil
	})

	// Bad input: a clear error, exit status non-zero, nothing written.
	bad := map[string]string{
		"empty.fa":   "",
		"nohdr.fa":   "ACGT\nACGT\n",
		"digit.fa":   ">x\nACGT\nAC9T\n",
		"alias.fa":   ">x#y\nACGT\n",
		"binary.fa":  ">x\nAC\x00\x01GT\n",
		"gzonly.bgz": "",
	}
	var gzb bytes.Buffer
	zw := gzip.NewWriter(&gzb)
	zw.Write([]byte(">x\nACGT\n"))
	zw.Close()
	wantErr := map[string]string{
		"empty.fa":   "empty.fa: empty file",
		"nohdr.fa":   "no FASTA record",
		"digit.fa":   `digit.fa:3: record "x": invalid residue '9'`,
		"alias.fa":   `alias "x#y"`,
		"binary.fa":  "not a text file",
		"gzonly.bgz": "gzip but not BGZF",
	}
	for name, content := range bad {
		p := filepath.Join(in, name)
		if name == "gzonly.bgz" {
			os.WriteFile(p, gzb.Bytes(), 0o644)
		} else {
			os.WriteFile(p, []byte(content), 0o644)
		}
		_, e, code := seqfs(t, append(r, "load", "-n", "me", p)...)
		if code == 0 || !strings.Contains(e, wantErr[name]) {
			t.Errorf("load %s: exit %d, stderr %q; want error containing %q", name, code, e, wantErr[name])
		}
	}
	if _, e, code := seqfs(t, append(r, "load", "-n", "-", filepath.Join(in, "a.fa"))...); code != 2 {
		t.Errorf("-n -: exit %d %s", code, e)
	}
	if n := countSeqs(); n != "601" {
		t.Errorf("%s sequences after bad loads, want 601", n)
	}

	// Snapshot, update-latest, copy.
	mustSeqfs(t, append(r, "snapshot", "-d", "2024-05-06")...)
	t.Cleanup(func() { exec.Command("chmod", "-R", "u+w", filepath.Join(root, "2024-05-06")).Run() })
	mustSeqfs(t, append(r, "update-latest")...)
	if target, _ := os.Readlink(filepath.Join(root, "latest")); target != "2024-05-06" {
		t.Errorf("latest -> %q", target)
	}
	dst := filepath.Join(t.TempDir(), "copied")
	mustSeqfs(t, "copy", filepath.Join(root, "latest"), dst)
	for name, seq := range big {
		if got := mustSeqfs(t, "-s", dst, "fetch", "me:"+name); strings.TrimSpace(got) != seq {
			t.Errorf("copy: me:%s differs", name)
		}
	}
	// The sample (aliases with spaces and colons) copies too.
	dst2 := filepath.Join(t.TempDir(), "sample-copy")
	mustSeqfs(t, "copy", testutil.SampleInstance(), dst2)
	got := mustSeqfs(t, "-s", dst2, "fetch", "--start", "0", "--end", "20", "MD5:3332ed720ac7eaa9b3655c06f6b9e196")
	if strings.TrimSpace(got) != "GAGTTTTATCGCTTCCATGA" {
		t.Errorf("copied sample phiX = %q", got)
	}
}

func TestWriteLockAndKill(t *testing.T) {
	root := t.TempDir()
	r := []string{"-r", root}
	mustSeqfs(t, append(r, "init")...)
	in := t.TempDir()
	// 45,000 records: three whole batches and a rest.
	writeFASTA(t, filepath.Join(in, "many.fa"), 45000, 30, 200, 5, "m")

	// A load waiting on stdin holds the lock.
	holder := exec.Command(seqfsBin, append(r, "load", "-n", "me", "--collection", "held", "-")...)
	stdin, _ := holder.StdinPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(stdin, ">x\nACGT\n")
	time.Sleep(500 * time.Millisecond)
	_, e, code := seqfs(t, append(r, "load", "-n", "me", filepath.Join(in, "many.fa"))...)
	want := fmt.Sprintf("is locked by another writer (pid %d)", holder.Process.Pid)
	if code == 0 || !strings.Contains(e, want) {
		t.Errorf("second writer: exit %d, %q; want %q", code, e, want)
	}
	stdin.Close()
	if err := holder.Wait(); err != nil {
		t.Fatalf("holder load: %v", err)
	}

	// kill -9 in the middle of a large load: the instance reads as
	// before, or with whole batches.
	seqCount := func() int {
		out, err := exec.Command("sqlite3", filepath.Join(root, "master", "sequences", "db.sqlite3"), "select count(*) from seqinfo").Output()
		if err != nil {
			return -1
		}
		var n int
		fmt.Sscan(string(out), &n)
		return n
	}
	// First kill early (inside the first batch), then kill as soon as the
	// first batch has been committed (inside the second).
	for round := range 2 {
		cmd := exec.Command(seqfsBin, append(r, "load", "-n", "me", filepath.Join(in, "many.fa"))...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			time.Sleep(300 * time.Millisecond)
		} else {
			deadline := time.Now().Add(2 * time.Minute)
			for seqCount() < 12002 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		out, e, code := seqfs(t, append(r, "-i", "master", "status")...)
		if code != 0 {
			t.Fatalf("status after kill: %s", e)
		}
		t.Logf("after kill %d: %s", round, strings.ReplaceAll(out, "\n", " | "))
		// Each record adds 5 aliases (4 digests + 1), so the 60,000-alias
		// threshold commits every 12,001 sequences.
		if n := seqCount(); n != 1 && (n-1)%12001 != 0 {
			t.Errorf("after kill: not whole batches: %s", out)
		}
		if got := mustSeqfs(t, append(r, "-i", "master", "fetch", "me:x")...); strings.TrimSpace(got) != "ACGT" {
			t.Errorf("me:x after kill = %q", got)
		}
	}
	// Completing the load afterwards gives everything, and no leftovers.
	mustSeqfs(t, append(r, "load", "-n", "me", filepath.Join(in, "many.fa"))...)
	out := mustSeqfs(t, append(r, "-i", "master", "status")...)
	if !strings.Contains(out, "sequences: 45001 sequences") {
		t.Errorf("after full load: %s", out)
	}
	filepath.WalkDir(filepath.Join(root, "master"), func(p string, d fs.DirEntry, err error) error {
		if strings.Contains(d.Name(), ".seqfs-tmp") || strings.HasSuffix(d.Name(), ".journal") {
			t.Errorf("leftover %s", p)
		}
		return nil
	})
}
