package integration_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

// copyTree copies a directory tree with cp -a (modes and times kept).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}

// startRsyncDaemon serves root as the rsync module "seqrepo" on a free
// loopback port and returns the --remote-host value for it.
func startRsyncDaemon(t *testing.T, root string) string {
	t.Helper()
	rsync := testutil.RequireTool(t, "rsync")
	port := testutil.FreePort(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "rsyncd.conf")
	// Run as this user (as root rsync would switch to nobody, who cannot
	// read the test's temporary directories).
	body := fmt.Sprintf("use chroot = no\nuid = %d\ngid = %d\n[seqrepo]\n  path = %s\n  read only = yes\n", os.Geteuid(), os.Getegid(), root)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rsync, "--daemon", "--no-detach", "--config="+conf, "--address=127.0.0.1",
		"--port="+strconv.Itoa(port), "--log-file="+filepath.Join(dir, "rsyncd.log"))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start rsync --daemon: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	waitFor(t, "rsync --daemon to listen", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return "rsync://" + addr
}

// inodes maps the files under dir (relative paths) to their inode numbers.
func inodes(t *testing.T, dir string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = info.Sys().(*syscall.Stat_t).Ino
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPullFromRsyncDaemon(t *testing.T) {
	remote, local := t.TempDir(), t.TempDir()
	copyTree(t, testutil.SampleInstance(), filepath.Join(remote, "2019-05-20"))
	copyTree(t, testutil.SampleInstance(), filepath.Join(remote, "2020-01-01"))
	// The newer release has a changed alias database; its sequence files
	// are the same, as between real releases.
	changed := filepath.Join(remote, "2020-01-01", "aliases.sqlite3")
	future := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(changed, future, future); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("2020-01-01", filepath.Join(remote, "latest")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(remote, "master"), 0o755); err != nil {
		t.Fatal(err)
	}
	host := startRsyncDaemon(t, remote)
	g := []string{"-r", local, "--remote-host", host}

	out, errs, code := seqfs(t, append(g, "list-remote-instances")...)
	if want := "Remote instances (" + host + ")\n  2019-05-20\n  2020-01-01\n"; code != 0 || out != want {
		t.Fatalf("list-remote-instances: exit %d\n%q\nwant %q\n%s", code, out, want, errs)
	}

	if _, errs, code = seqfs(t, append(g, "pull", "-i", "2019-05-20")...); code != 0 {
		t.Fatalf("pull -i 2019-05-20: exit %d\n%s", code, errs)
	}
	first := filepath.Join(local, "2019-05-20")
	if out, _, _ := seqfs(t, "-s", first, "export"); out == "" {
		t.Fatal("the pulled instance exports nothing")
	} else if want, _, _ := seqfs(t, "-s", testutil.SampleInstance(), "export"); out != want {
		t.Error("the pulled instance differs from the remote one")
	}

	// A dry run prints the rsync command and changes nothing.
	_, errs, code = seqfs(t, append(g, "--dry-run", "pull")...)
	if code != 0 || !strings.Contains(errs, "--link-dest="+first+"/") || !strings.Contains(errs, host+"/seqrepo/2020-01-01/") {
		t.Errorf("pull --dry-run: exit %d, stderr %q", code, errs)
	}
	if ents, _ := os.ReadDir(local); len(ents) != 1 {
		t.Errorf("the dry run left %d entries in the root, want 1", len(ents))
	}

	// The newest remote instance, with --update-latest: unchanged files
	// are hard links to the previous instance.
	if _, errs, code = seqfs(t, append(g, "pull", "--update-latest")...); code != 0 {
		t.Fatalf("pull --update-latest: exit %d\n%s", code, errs)
	}
	second := filepath.Join(local, "2020-01-01")
	old, cur := inodes(t, first), inodes(t, second)
	if len(cur) != len(old) || len(cur) < 5 {
		t.Fatalf("pulled %d files, previous instance has %d", len(cur), len(old))
	}
	for rel, ino := range cur {
		same := old[rel] == ino
		if rel == "aliases.sqlite3" && same {
			t.Errorf("%s changed remotely but is a hard link to the old copy", rel)
		}
		if rel != "aliases.sqlite3" && !same {
			t.Errorf("%s is unchanged but not hard-linked to %s (inode %d vs %d)", rel, first, ino, old[rel])
		}
	}
	if target, err := os.Readlink(filepath.Join(local, "latest")); err != nil || target != "2020-01-01" {
		t.Errorf("latest -> %q (%v), want 2020-01-01", target, err)
	}
	if ents, _ := os.ReadDir(local); len(ents) != 3 {
		t.Errorf("root has %d entries, want 2019-05-20, 2020-01-01 and latest (no temporary directories)", len(ents))
	}
	if out, errs, code := seqfs(t, "-r", local, "show-status"); code != 0 || !strings.Contains(out, "instance directory: "+filepath.Join(local, "latest")) {
		t.Errorf("show-status of the pulled latest: exit %d\n%s%s", code, out, errs)
	}

	// Pulling an instance that is already there does nothing; an unknown one fails.
	if _, errs, code = seqfs(t, append(g, "pull", "-i", "2020-01-01")...); code != 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("pull of a local instance: exit %d, stderr %q", code, errs)
	}
	if _, errs, code = seqfs(t, append(g, "pull", "-i", "2021-02-03")...); code != 1 || !strings.Contains(errs, "2019-05-20, 2020-01-01") {
		t.Errorf("pull of an unknown instance: exit %d, stderr %q", code, errs)
	}
	// A server that is down is an error that names the command.
	if _, errs, code = seqfs(t, "-r", local, "--remote-host", "rsync://127.0.0.1:1", "list-remote-instances"); code != 1 || !strings.Contains(errs, "rsync") {
		t.Errorf("list-remote-instances of a closed port: exit %d, stderr %q", code, errs)
	}
}

func TestPullFromSourceURL(t *testing.T) {
	_, redisLoc := startRedisSample(t)
	_, s3Loc := startS3Sample(t)
	root := t.TempDir()
	want, _, _ := seqfs(t, "-s", testutil.SampleInstance(), "export-aliases")
	for _, tc := range []struct{ from, name string }{
		{redisLoc, "2021-01-01"},                  // copied sequence by sequence
		{testutil.SampleInstance(), "2021-02-02"}, // copied file by file
		{s3Loc, "2021-03-03"},                     // file by file, linked to 2021-02-02
	} {
		if _, errs, code := seqfs(t, "-r", root, "pull", "--from", tc.from, "-i", tc.name); code != 0 {
			t.Fatalf("pull --from %s: exit %d\n%s", tc.from, code, errs)
		}
		if got, errs, _ := seqfs(t, "-s", filepath.Join(root, tc.name), "export-aliases"); got != want {
			t.Errorf("pull --from %s: export-aliases differs\n%s", tc.from, errs)
		}
	}
	// A file-by-file pull is exact: every file equals the source's.
	for rel := range inodes(t, testutil.SampleInstance()) {
		a, errA := os.ReadFile(filepath.Join(testutil.SampleInstance(), rel))
		b, errB := os.ReadFile(filepath.Join(root, "2021-03-03", rel))
		if errA != nil || errB != nil || string(a) != string(b) {
			t.Errorf("%s of the s3 pull differs from the source (%v, %v)", rel, errA, errB)
		}
	}
	// Sequence files unchanged since the newest local instance are hard links to it.
	prev, cur := inodes(t, filepath.Join(root, "2021-02-02")), inodes(t, filepath.Join(root, "2021-03-03"))
	for rel, ino := range cur {
		if linked := prev[rel] == ino; linked != strings.HasPrefix(rel, "sequences/20") {
			t.Errorf("%s: hard-linked to the previous instance %v", rel, linked)
		}
	}
	if ents, _ := os.ReadDir(root); len(ents) != 3 {
		t.Errorf("root has %d entries, want the 3 instances (no temporary directories)", len(ents))
	}
	if _, errs, code := seqfs(t, "-r", root, "pull", "--from", redisLoc); code != 2 || !strings.Contains(errs, "-i") {
		t.Errorf("pull --from without a date name: exit %d, stderr %q", code, errs)
	}
}

func TestSeqRepoMaintenanceCommands(t *testing.T) {
	testutil.RequireTool(t, "sqlite3")
	root := t.TempDir()
	master := filepath.Join(root, "master")
	copyTree(t, testutil.SampleInstance(), master)
	if out, errs, code := seqfs(t, "-r", root, "upgrade"); code != 0 || out != "upgraded to schema version 1\n" {
		t.Errorf("upgrade: exit %d %q %s", code, out, errs)
	}
	status, _, _ := seqfs(t, "-r", root, "-i", "master", "status")
	if out, errs, code := seqfs(t, "-r", root, "-i", "master", "show-status"); code != 0 || out != status {
		t.Errorf("show-status: exit %d %q, want status's %q %s", code, out, status, errs)
	}

	count := func(ns string) string {
		out := runTool(t, nil, "sqlite3", filepath.Join(master, "aliases.sqlite3"), "select count(*) from seqalias where namespace='"+ns+"' and is_current=1")
		return strings.TrimSpace(string(out))
	}
	runTool(t, nil, "sqlite3", filepath.Join(master, "aliases.sqlite3"), "delete from seqalias where namespace in ('MD5','SEGUID')")
	if _, errs, code := seqfs(t, "-r", root, "update-digests"); code != 0 || !strings.Contains(errs, "6 digest aliases added") {
		t.Errorf("update-digests: exit %d %s", code, errs)
	}
	if count("MD5") != "3" || count("SEGUID") != "3" {
		t.Errorf("after update-digests: %s MD5, %s SEGUID aliases, want 3 each", count("MD5"), count("SEGUID"))
	}

	// fetch-load from a refget façade over seqfs serve.
	base := startServe(t, testutil.SampleInstance())
	from := "refget+" + base
	if _, errs, code := seqfs(t, "-r", root, "init", "-i", "2022-01-01"); code != 0 {
		t.Fatal(errs)
	}
	fl := []string{"-r", root, "fetch-load", "-i", "2022-01-01", "-n", "phage", "--from", from}
	if _, errs, code := seqfs(t, append(fl, phixMD5)...); code != 0 || !strings.Contains(errs, "1 of 1 accessions loaded") {
		t.Fatalf("fetch-load: exit %d %s", code, errs)
	}
	if _, errs, code := seqfs(t, append(fl, phixMD5)...); code != 0 || !strings.Contains(errs, "0 of 1 accessions loaded") {
		t.Errorf("fetch-load again: exit %d %s", code, errs)
	}
	got, _, _ := seqfs(t, "-r", root, "-i", "2022-01-01", "fetch", "phage:"+phixMD5, "--start", "0", "--end", "20")
	wantSeq, _, _ := seqfs(t, "-s", testutil.SampleInstance(), "fetch", "MD5:"+phixMD5, "--start", "0", "--end", "20")
	if got == "" || got != wantSeq {
		t.Errorf("fetch of the fetch-loaded sequence: %q, want %q", got, wantSeq)
	}
	if _, errs, code := seqfs(t, append(fl, "NO_SUCH.1")...); code != 1 || !strings.Contains(errs, "NO_SUCH.1") {
		t.Errorf("fetch-load of a missing accession: exit %d %s", code, errs)
	}
	if _, errs, code := seqfs(t, append(fl, "bad alias")...); code != 2 {
		t.Errorf("fetch-load of an invalid alias: exit %d %s", code, errs)
	}

	// start-shell: the sqlite3 shell on latest (here master), read-only.
	if err := os.Symlink("master", filepath.Join(root, "latest")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(seqfsBin, "-r", root, "start-shell")
	cmd.Stdin = strings.NewReader("select count(*) from seqs.seqinfo;\nselect count(*) from seqalias where namespace='VMC';\ndelete from seqalias;\n")
	out, err := cmd.CombinedOutput()
	if !strings.HasPrefix(string(out), "3\n3\n") || !strings.Contains(string(out), "readonly") || err == nil {
		t.Errorf("start-shell: %v\n%s", err, out)
	}
}
