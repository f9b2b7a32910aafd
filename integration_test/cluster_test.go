package integration_test

import (
	"bytes"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

// These tests run seqfs the way clusters do: from /etc/fstab through
// mount(8) and mount.fuse3, as an unprivileged user, and in bubblewrap
// sandboxes standing in for containers. They need root to install the
// mount helper and to create the unprivileged test user.

// phixMD5 names the phiX sequence of the sample in the MD5 namespace.
const phixMD5 = "3332ed720ac7eaa9b3655c06f6b9e196"

// testUserName is the unprivileged account the tests create.
const testUserName = "seqfsit"

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.SkipOrFail(t, "needs root (to install the mount helper, create a test user, change /dev/fuse)")
	}
	requireFUSE(t)
}

// phixFasta is the FASTA the mounts serve for MD5/<phixMD5>.fa.
func phixFasta(t *testing.T, width int) []byte {
	t.Helper()
	ref := loadSampleRef(t)
	for _, a := range ref.aliases {
		if a.ns == "MD5" && a.alias == phixMD5 {
			return wrapFasta(phixMD5, ref.seqs[a.seqID], width)
		}
	}
	t.Fatalf("sample has no MD5:%s", phixMD5)
	return nil
}

// testUser returns the uid and gid of the unprivileged test user, creating
// it if needed.
func testUser(t *testing.T) (int, int) {
	t.Helper()
	if _, err := user.Lookup(testUserName); err != nil {
		testutil.RequireTool(t, "useradd")
		if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", testUserName).CombinedOutput(); err != nil {
			t.Fatalf("useradd %s: %v\n%s", testUserName, err, out)
		}
	}
	u, err := user.Lookup(testUserName)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// asUser returns a command that runs name args as uid:gid with no
// supplementary groups.
func asUser(uid, gid int, name string, args ...string) *exec.Cmd {
	return exec.Command("setpriv", append([]string{"--reuid=" + strconv.Itoa(uid), "--regid=" + strconv.Itoa(gid), "--clear-groups", name}, args...)...)
}

// runAs runs a command as uid:gid and returns stdout, stderr and the exit code.
func runAs(t *testing.T, uid, gid int, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := asUser(uid, gid, name, args...)
	cmd.Dir = "/"
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s as %d: %v", name, uid, err)
	}
	return out.String(), errb.String(), 0
}

// publicDir returns a new directory every user can enter (mode 0755),
// removed at cleanup.
func publicDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "seqfs-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// publicBinary copies the seqfs binary where every user can run it.
func publicBinary(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(seqfsBin)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(publicDir(t), "seqfs")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// setDevFuseMode sets the mode of /dev/fuse for the test and restores it
// at cleanup.
func setDevFuseMode(t *testing.T, mode fs.FileMode) {
	t.Helper()
	st, err := os.Stat("/dev/fuse")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod("/dev/fuse", mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod("/dev/fuse", st.Mode().Perm()) })
}

// processesOf returns the pids running the executable exe.
func processesOf(exe string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink("/proc/" + e.Name() + "/exe"); err == nil && target == exe {
			if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && strings.Contains(string(st), ") Z ") {
				continue // a zombie is no daemon
			}
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitNoProcesses waits until no process runs exe.
func waitNoProcesses(t *testing.T, exe string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for len(processesOf(exe)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("seqfs still running %v after its parent exited (--die-with-parent)", processesOf(exe))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// installMountHelper makes `seqfs` the fuse.seqfs type helper that
// mount.fuse3 runs (it looks the type name up on the default PATH) by
// linking /usr/local/sbin/seqfs to the test binary, until cleanup.
func installMountHelper(t *testing.T) {
	t.Helper()
	link := "/usr/local/sbin/seqfs"
	if target, err := os.Readlink(link); err == nil {
		if !strings.Contains(target, "seqfs-it-") && !strings.Contains(target, "seqfs-cluster-") {
			testutil.SkipOrFail(t, "%s exists (-> %s); not replacing an installed seqfs", link, target)
		}
		os.Remove(link)
	} else if _, err := os.Lstat(link); err == nil {
		testutil.SkipOrFail(t, "%s exists; not replacing an installed seqfs", link)
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(publicBinary(t), link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(link) })
}

// bgProc is a seqfs started in the background.
type bgProc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
}

// startProc starts cmd, collecting its stderr.
func startProc(t *testing.T, cmd *exec.Cmd) *bgProc {
	t.Helper()
	p := &bgProc{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	return p
}

// waitExit checks that the process exits with status 0 within 10 s of
// what (the event that should end it).
func (p *bgProc) waitExit(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("seqfs exited with %v after %s:\n%s", err, what, p.stderr)
		}
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("seqfs still running 10 s after %s:\n%s", what, p.stderr)
	}
}

// listenSyslog stands in for syslogd on /dev/log when nothing listens
// there, collecting what is logged until cleanup; nil if a syslog daemon
// runs (its log cannot be read back here).
func listenSyslog(t *testing.T) *lockedBuffer {
	t.Helper()
	if _, err := os.Lstat("/dev/log"); err == nil {
		t.Log("a syslog daemon owns /dev/log; not checking syslog output")
		return nil
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: "/dev/log", Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen on /dev/log: %v", err)
	}
	t.Cleanup(func() { conn.Close(); os.Remove("/dev/log") })
	var buf lockedBuffer
	go func() {
		b := make([]byte, 64<<10)
		for {
			n, err := conn.Read(b)
			if err != nil {
				return
			}
			buf.Write(append(b[:n:n], '\n'))
		}
	}()
	return &buf
}

// waitFor polls cond until it holds or within passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFstabMountAndUmount(t *testing.T) {
	requireRoot(t)
	testutil.RequireTool(t, "mount.fuse3")
	testutil.RequireTool(t, "setpriv")
	installMountHelper(t)
	uid, gid := testUser(t)
	want := phixFasta(t, 70)

	pub := publicDir(t)
	dir := filepath.Join(pub, "seqrepo")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(t.TempDir(), "seqfs.log")
	fstab := filepath.Join(t.TempDir(), "fstab")
	line := testutil.SampleInstance() + " " + dir + " fuse.seqfs ro,allow_other,nofail,_netdev,x-systemd.automount,line_width=70,log=" + logFile + " 0 0\n"
	if err := os.WriteFile(fstab, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	// mount DIR looks DIR up in the fstab, as at boot or for `mount /mnt/seqrepo`.
	if out, err := exec.Command("mount", "-T", fstab, dir).CombinedOutput(); err != nil {
		t.Fatalf("mount -T %s %s: %v\n%s", fstab, dir, err, out)
	}
	t.Cleanup(func() {
		if isMounted(dir) {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	// mount(8) returned: the mount must be usable now, not eventually.
	if !isMounted(dir) {
		t.Fatalf("%s is not mounted after mount returned", dir)
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if !strings.Contains(string(mi), " "+dir+" ") || !strings.Contains(string(mi), " fuse.seqfs ") {
		t.Errorf("no fuse.seqfs mount on %s in mountinfo", dir)
	}
	fa := filepath.Join(dir, "MD5", phixMD5+".fa")
	if got, err := os.ReadFile(fa); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %s through the fstab mount: %v (equal %v)", fa, err, bytes.Equal(got, want))
	}
	// allow_other: another user reads it too.
	if out, errs, code := runAs(t, uid, gid, "cat", fa); code != 0 || out != string(want) {
		t.Errorf("uid %d reading the allow_other mount: exit %d %s", uid, code, errs)
	}
	if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
		t.Fatalf("umount %s: %v\n%s", dir, err, out)
	}
	waitFor(t, "the daemon to log its exit", 10*time.Second, func() bool {
		b, _ := os.ReadFile(logFile)
		return strings.Contains(string(b), "unmounted from outside")
	})
	if isMounted(dir) {
		t.Errorf("%s still mounted after umount", dir)
	}

	// drop_privileges: mount.fuse3 mounts /dev/fuse itself and runs seqfs
	// without privileges on /dev/fd/N.
	dropLog := filepath.Join(t.TempDir(), "seqfs-drop.log")
	if out, err := exec.Command("mount", "-t", "fuse.seqfs", testutil.SampleInstance(), dir, "-o", "ro,allow_other,drop_privileges,log="+dropLog).CombinedOutput(); err != nil {
		t.Fatalf("mount -o drop_privileges: %v\n%s", err, out)
	}
	if got, err := os.ReadFile(fa); err != nil || !bytes.Equal(got, phixFasta(t, 60)) {
		t.Errorf("read %s through the drop_privileges mount: %v", fa, err)
	}
	if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
		t.Fatalf("umount %s: %v\n%s", dir, err, out)
	}
	waitFor(t, "the drop_privileges daemon to log its exit", 10*time.Second, func() bool {
		b, _ := os.ReadFile(dropLog)
		return strings.Contains(string(b), "unmounted from outside")
	})

	// Without log=, the daemon logs to syslog (the journal under systemd).
	if sys := listenSyslog(t); sys != nil {
		if out, err := exec.Command("mount", "-t", "fuse.seqfs", testutil.SampleInstance(), dir, "-o", "ro").CombinedOutput(); err != nil {
			t.Fatalf("mount -o ro: %v\n%s", err, out)
		}
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Fatalf("umount %s: %v\n%s", dir, err, out)
		}
		waitFor(t, "the daemon's syslog message", 10*time.Second, func() bool {
			return strings.Contains(sys.String(), "seqfs") && strings.Contains(sys.String(), "unmounted from outside")
		})
	}

	// Failures make mount(8) fail with seqfs's reason, and leave nothing mounted.
	for _, tc := range []struct {
		source, opts, want string
	}{
		{"/no/such/seqrepo", "ro", "/no/such/seqrepo"},
		{testutil.SampleInstance(), "ro,no_such_option", `unknown mount option "no_such_option"`},
		{testutil.SampleInstance(), "ro,line_width=0", "line-width"},
	} {
		out, err := exec.Command("mount", "-t", "fuse.seqfs", tc.source, dir, "-o", tc.opts).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("mount %s -o %s: err %v, output %q; want a failure mentioning %q", tc.source, tc.opts, err, out, tc.want)
		}
		if isMounted(dir) {
			t.Errorf("mount %s -o %s failed but left a mount", tc.source, tc.opts)
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	}
}

func TestUnprivilegedMount(t *testing.T) {
	requireRoot(t)
	testutil.RequireTool(t, "setpriv")
	testutil.RequireTool(t, "fusermount3")
	uid, gid := testUser(t)
	bin := publicBinary(t)
	want := phixFasta(t, 60)
	mp := filepath.Join(publicDir(t), "mine")
	if err := os.Mkdir(mp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(mp, uid, gid); err != nil {
		t.Fatal(err)
	}
	sample := testutil.SampleInstance()

	setDevFuseMode(t, 0o600)
	_, errs, code := runAs(t, uid, gid, bin, "-s", sample, "mount", mp)
	if code != 1 || !strings.Contains(errs, "/dev/fuse") || !strings.Contains(errs, "chmod 0666 /dev/fuse") {
		t.Errorf("mount with /dev/fuse 0600: exit %d, stderr %q; want exit 1 naming /dev/fuse and the fix", code, errs)
	}

	setDevFuseMode(t, 0o666)
	if conf, _ := os.ReadFile("/etc/fuse.conf"); !bytes.Contains(conf, []byte("\nuser_allow_other")) {
		_, errs, code = runAs(t, uid, gid, bin, "-s", sample, "mount", "--allow-other", mp)
		if code != 1 || !strings.Contains(errs, "user_allow_other") {
			t.Errorf("mount --allow-other without user_allow_other: exit %d, stderr %q", code, errs)
		}
	}
	root := filepath.Join(publicDir(t), "root-owned")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errs, code = runAs(t, uid, gid, bin, "-s", sample, "mount", root); code != 1 || !strings.Contains(errs, "cannot write") {
		t.Errorf("mount on a directory the user cannot write: exit %d, stderr %q", code, errs)
	}

	// What works: the user's own mount point through fusermount3.
	p := startProc(t, asUser(uid, gid, bin, "-s", sample, "mount", mp))
	waitFor(t, "the user's mount", 20*time.Second, func() bool { return isMounted(mp) })
	if out, errs, code := runAs(t, uid, gid, "cat", filepath.Join(mp, "MD5", phixMD5+".fa")); code != 0 || out != string(want) {
		t.Errorf("user reading own mount: exit %d %s", code, errs)
	}
	// Without allow_other, nobody else (not even root) gets in.
	if _, err := os.ReadDir(mp); err == nil {
		t.Errorf("root could list a mount made without --allow-other")
	}
	if _, errs, code := runAs(t, uid, gid, "fusermount3", "-u", mp); code != 0 {
		t.Fatalf("fusermount3 -u as the user: %s", errs)
	}
	p.waitExit(t, "fusermount3 -u")
}

func TestBubblewrapReadsHostMount(t *testing.T) {
	requireRoot(t)
	testutil.RequireTool(t, "bwrap")
	testutil.RequireTool(t, "setpriv")
	uid, gid := testUser(t)
	want := phixFasta(t, 60)
	// Let the user reach the mount points (t.TempDir's parent is 0700).
	if err := os.Chmod(filepath.Dir(t.TempDir()), 0o755); err != nil {
		t.Fatal(err)
	}
	shared := startMount(t, []string{"-s", testutil.SampleInstance()}, "--allow-other")
	private := startMount(t, []string{"-s", testutil.SampleInstance()})
	container := func(hostDir string) (string, string, int) {
		return runAs(t, uid, gid, "bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
			"--dev", "/dev", "--proc", "/proc", "--tmpfs", "/mnt", "--ro-bind", hostDir, "/mnt/seqrepo",
			"cat", "/mnt/seqrepo/MD5/"+phixMD5+".fa")
	}
	if out, errs, code := container(shared.dir); code != 0 || out != string(want) {
		t.Errorf("container reading the host's --allow-other mount: exit %d, stderr %s", code, errs)
	}
	// A mount made without --allow-other is closed to the container's user.
	if _, _, code := container(private.dir); code == 0 {
		t.Errorf("container read a host mount made without --allow-other")
	}
}

func TestMountInsideUserNamespace(t *testing.T) {
	requireRoot(t)
	testutil.RequireTool(t, "bwrap")
	testutil.RequireTool(t, "unshare")
	testutil.RequireTool(t, "setpriv")
	uid, gid := testUser(t)
	bin := publicBinary(t)
	sample := testutil.SampleInstance()
	want := phixFasta(t, 60)
	setDevFuseMode(t, 0o666)
	sandbox := []string{"--ro-bind", "/", "/", "--dev", "/dev", "--dev-bind", "/dev/fuse", "/dev/fuse", "--tmpfs", "/mnt", "--dir", "/mnt/ref"}

	// A normal user in a sandbox: fusermount3 cannot work, and seqfs says what does.
	_, errs, code := runAs(t, uid, gid, "bwrap", append(sandbox, bin, "-s", sample, "mount", "/mnt/ref")...)
	if code != 1 || !strings.Contains(errs, "inside a user namespace") || !strings.Contains(errs, "--ro-bind") {
		t.Errorf("mount in an unprivileged sandbox: exit %d, stderr %q", code, errs)
	}
	// bwrap started by a normal user nests its user namespaces: even uid 0
	// with CAP_SYS_ADMIN there cannot mount.
	_, errs, code = runAs(t, uid, gid, "bwrap", append(append([]string{"--unshare-user", "--uid", "0", "--cap-add", "CAP_SYS_ADMIN"}, sandbox...),
		bin, "-s", sample, "mount", "/mnt/ref")...)
	if code != 1 || !strings.Contains(errs, "parent user namespace") {
		t.Errorf("mount as uid 0 of a nested user namespace: exit %d, stderr %q", code, errs)
	}

	// What works: uid 0 of a user namespace owning its mount namespace
	// (made by the user with unshare, or by root with bwrap). The shell is
	// the container's init: when it exits, --die-with-parent ends seqfs.
	script := bin + " -s " + sample + ` mount --die-with-parent /mnt/ref 2>/dev/null &
for i in $(seq 100); do [ -d /mnt/ref/MD5 ] && break; sleep 0.1; done
cat /mnt/ref/MD5/` + phixMD5 + ".fa"
	out, errs, code := runAs(t, uid, gid, "unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
		"mount -t tmpfs none /mnt && mkdir /mnt/ref && "+script)
	if code != 0 || out != string(want) {
		t.Errorf("mount inside unshare --user --map-root-user --mount: exit %d, stderr %q", code, errs)
	}
	waitNoProcesses(t, bin, 10*time.Second)

	cmd := exec.Command("bwrap", append(append([]string{"--unshare-user", "--uid", "0", "--cap-add", "CAP_SYS_ADMIN"}, sandbox...), "sh", "-c", script)...)
	if got, err := cmd.Output(); err != nil || !bytes.Equal(got, want) {
		t.Errorf("mount inside bwrap --unshare-user --uid 0 --cap-add CAP_SYS_ADMIN (started by root): %v", err)
	}
	waitNoProcesses(t, bin, 10*time.Second)
}

// TestFDMountPoint does what Apptainer's --fusemount does: the runtime
// opens /dev/fuse, mounts it on the mount point and runs seqfs with the
// mount point given as /dev/fd/N; seqfs serves that descriptor.
func TestFDMountPoint(t *testing.T) {
	requireRoot(t)
	want := phixFasta(t, 60)
	dir := t.TempDir()
	dev, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	data := "fd=" + strconv.Itoa(int(dev.Fd())) + ",rootmode=40000,user_id=0,group_id=0,allow_other"
	if err := syscall.Mount("seqfs", dir, "fuse.seqfs", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_RDONLY, data); err != nil {
		t.Fatalf("mount(2) /dev/fuse on %s: %v", dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	cmd := exec.Command(seqfsBin, "-s", testutil.SampleInstance(), "mount", "/dev/fd/3")
	cmd.ExtraFiles = []*os.File{dev}
	p := startProc(t, cmd)
	dev.Close() // seqfs holds the connection now
	got, err := os.ReadFile(filepath.Join(dir, "MD5", phixMD5+".fa"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("read through the /dev/fd/3 mount: %v (equal %v)\n%s", err, bytes.Equal(got, want), p.stderr.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	p.waitExit(t, "SIGTERM")
}
