package fs

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// ErrMountNotPermitted means this process may not mount a FUSE file system
// here: /dev/fuse is missing or not accessible, fusermount3 is missing or
// cannot gain privileges (in a user namespace or with no_new_privs), or the
// allow_other option is not allowed. The message says what is missing and
// which flags or commands do work.
var ErrMountNotPermitted = errors.New("FUSE mount not permitted")

// What works inside containers, quoted by the errors below.
const containerHelp = "what works: (1) mount on the host and bind the mount point read-only into the container " +
	"(bwrap --ro-bind /mnt/seqrepo /mnt/seqrepo, docker -v /mnt/seqrepo:/mnt/seqrepo:ro, apptainer --bind /mnt/seqrepo); " +
	"(2) mount inside as uid 0 of a user namespace that owns its mount namespace, with CAP_SYS_ADMIN and /dev/fuse: " +
	"unshare --user --map-root-user --mount …, bwrap --unshare-user --uid 0 --cap-add CAP_SYS_ADMIN --dev-bind /dev/fuse /dev/fuse … (bwrap started by root), " +
	"docker run --device /dev/fuse --cap-add SYS_ADMIN …, apptainer exec --fusemount \"container:seqfs … mount /mnt/seqrepo\" …"

// environment is what the permission checks look at; tests replace parts
// of it.
type environment struct {
	euid        int
	devFuse     string // path of the FUSE device
	fuseConf    string // path of fuse.conf
	uidMapPath  string // /proc/self/uid_map
	statusPath  string // /proc/self/status
	fusermount  func() (string, error)
	accessCheck func(path string, mode uint32) error
}

func hostEnvironment() environment {
	return environment{
		euid:        os.Geteuid(),
		devFuse:     "/dev/fuse",
		fuseConf:    "/etc/fuse.conf",
		uidMapPath:  "/proc/self/uid_map",
		statusPath:  "/proc/self/status",
		fusermount:  findFusermount,
		accessCheck: syscall.Access,
	}
}

// findFusermount finds fusermount3 (or the older fusermount) as go-fuse
// does: on PATH, else in /bin.
func findFusermount() (string, error) {
	for _, name := range []string{"fusermount3", "fusermount"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		if p := "/bin/" + name; isExecutable(p) {
			return p, nil
		}
	}
	return "", errors.New("fusermount3 not found")
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// CheckMountPermissions reports, before mounting, what keeps this process
// from mounting a FUSE file system (with allow_other if allowOther) on dir:
// nil if nothing is known to, else an error matching ErrMountNotPermitted
// that names what is missing and the flags that work.
func CheckMountPermissions(dir string, allowOther bool) error {
	return hostEnvironment().check(dir, allowOther)
}

func (e environment) check(dir string, allowOther bool) error {
	if _, err := os.Stat(e.devFuse); err != nil {
		return fmt.Errorf("%w: %s is missing (%v): load the fuse kernel module on the host (modprobe fuse) "+
			"and, in a container, pass the device in (docker --device /dev/fuse, bwrap --dev-bind /dev/fuse /dev/fuse); %s",
			ErrMountNotPermitted, e.devFuse, err, containerHelp)
	}
	if e.euid == 0 {
		return nil // root mounts with mount(2); its failures are explained by explainMountError
	}
	if err := e.accessCheck(e.devFuse, 6); err != nil { // R_OK|W_OK
		return fmt.Errorf("%w: %s is %s, so uid %d cannot open it for reading and writing (%v); "+
			"an administrator can allow users with `chmod 0666 %s` (the usual default), or mount as root "+
			"with --allow-other (fstab: -o allow_other) and let users read that mount",
			ErrMountNotPermitted, e.devFuse, describeFile(e.devFuse), e.euid, err, e.devFuse)
	}
	if hasCapSysAdmin(e.statusPath) {
		return nil // mounts with mount(2) like root
	}
	if inUserNamespace(e.uidMapPath) {
		return fmt.Errorf("%w: seqfs runs as uid %d inside a user namespace (a container or sandbox), where the setuid helper fusermount3 "+
			"cannot gain privileges (\"Operation not permitted\") even if it is installed; %s", ErrMountNotPermitted, e.euid, containerHelp)
	}
	fm, err := e.fusermount()
	if err != nil {
		return fmt.Errorf("%w: unprivileged mounts need the setuid helper fusermount3, which is not installed "+
			"(Debian/Ubuntu: apt-get install fuse3; RHEL: dnf install fuse3), or mount as root",
			ErrMountNotPermitted)
	}
	if noNewPrivs(e.statusPath) {
		return fmt.Errorf("%w: this process runs with no_new_privs (bwrap, docker --security-opt no-new-privileges, systemd NoNewPrivileges=), "+
			"so the setuid helper %s cannot gain privileges; %s", ErrMountNotPermitted, fm, containerHelp)
	}
	if st, err := os.Stat(fm); err == nil && st.Mode()&os.ModeSetuid == 0 {
		return fmt.Errorf("%w: %s is not setuid root (%s), so it cannot mount for uid %d; "+
			"an administrator restores it with `chmod u+s %s` (as the fuse3 package installs it)",
			ErrMountNotPermitted, fm, describeFile(fm), e.euid, fm)
	}
	if dir != "" {
		if err := e.accessCheck(dir, 2); err != nil { // W_OK
			return fmt.Errorf("%w: fusermount3 mounts only on directories you may write, and uid %d cannot write %s (%s); "+
				"mount on a directory of your own (mkdir -p ~/seqrepo)", ErrMountNotPermitted, e.euid, dir, describeFile(dir))
		}
	}
	if allowOther && !userAllowOther(e.fuseConf) {
		return fmt.Errorf("%w: --allow-other (-o allow_other) needs the line user_allow_other in %s for a user other than root; "+
			"an administrator adds it with `echo user_allow_other >> %s`, or leave out --allow-other (only you will see the mount)",
			ErrMountNotPermitted, e.fuseConf, e.fuseConf)
	}
	return nil
}

// explainMountError adds to a failed mount what is known to cause it.
func explainMountError(dir string, allowOther bool, err error) error {
	env := hostEnvironment()
	if cerr := env.check(dir, allowOther); cerr != nil {
		return fmt.Errorf("mount %s: %w (%v)", dir, cerr, err)
	}
	if (env.euid == 0 || hasCapSysAdmin(env.statusPath)) && errors.Is(err, syscall.EPERM) {
		where := "this process lacks CAP_SYS_ADMIN"
		switch owned, oerr := mountNSOwnedByOwnUserNS(); {
		case oerr == nil && !owned:
			where = "this mount namespace belongs to a parent user namespace, so CAP_SYS_ADMIN here does not cover it " +
				"(bwrap started by a normal user always nests a second user namespace, so nothing inside it can mount; " +
				"mount on the host and bind the mount point in, or run seqfs under `unshare --user --map-root-user --mount`, " +
				"or bwrap --unshare-user --uid 0 --cap-add CAP_SYS_ADMIN started by root)"
		case inUserNamespace(env.uidMapPath) && hasCapSysAdmin(env.statusPath):
			where = "the kernel refused a FUSE mount in this user namespace despite CAP_SYS_ADMIN (a seccomp or LSM policy of the container)"
		case inUserNamespace(env.uidMapPath):
			where = "uid 0 of this user namespace lacks CAP_SYS_ADMIN"
		}
		return fmt.Errorf("mount %s: %w: mount(2) was refused (%v): %s; %s", dir, ErrMountNotPermitted, err, where, containerHelp)
	}
	return nil
}

// hasCapSysAdmin reports whether CAP_SYS_ADMIN (bit 21) is in the
// effective set of a /proc/<pid>/status file.
func hasCapSysAdmin(statusPath string) bool {
	v, err := strconv.ParseUint(procStatusField(statusPath, "CapEff"), 16, 64)
	return err == nil && v&(1<<21) != 0
}

// UsesMountSyscall reports whether Mount uses mount(2) directly (as root or
// with CAP_SYS_ADMIN) rather than fusermount3.
func UsesMountSyscall() bool {
	return os.Geteuid() == 0 || hasCapSysAdmin("/proc/self/status")
}

// mountNSOwnedByOwnUserNS reports whether this process's mount namespace
// is owned by its own user namespace (NS_GET_USERNS on the mount namespace).
func mountNSOwnedByOwnUserNS() (bool, error) {
	mnt, err := os.Open("/proc/self/ns/mnt")
	if err != nil {
		return false, err
	}
	defer mnt.Close()
	const nsGetUserns = 0xb701 // _IO(0xb7, 0x1)
	fd, _, errno := syscall.Syscall(syscall.SYS_IOCTL, mnt.Fd(), nsGetUserns, 0)
	if errno == syscall.EPERM {
		return false, nil // the owner is an ancestor of this user namespace
	}
	if errno != 0 {
		return false, errno
	}
	owner := os.NewFile(fd, "userns")
	defer owner.Close()
	var a, b syscall.Stat_t
	if err := syscall.Fstat(int(owner.Fd()), &a); err != nil {
		return false, err
	}
	if err := syscall.Stat("/proc/self/ns/user", &b); err != nil {
		return false, err
	}
	return a.Ino == b.Ino && a.Dev == b.Dev, nil
}

// describeFile returns "mode owner-uid:gid" of path for messages.
func describeFile(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return err.Error()
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("mode %04o, owner %d:%d", st.Mode().Perm(), sys.Uid, sys.Gid)
	}
	return fmt.Sprintf("mode %04o", st.Mode().Perm())
}

// inUserNamespace reports whether uid_map shows a user namespace other
// than the initial one (which maps all 2^32-1 ids onto themselves).
func inUserNamespace(uidMapPath string) bool {
	b, err := os.ReadFile(uidMapPath)
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return !(len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295")
}

// noNewPrivs reports whether the NoNewPrivs flag is set in a
// /proc/<pid>/status file.
func noNewPrivs(statusPath string) bool {
	return procStatusField(statusPath, "NoNewPrivs") == "1"
}

func procStatusField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// userAllowOther reports whether fuse.conf has a user_allow_other line.
func userAllowOther(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == "user_allow_other" {
			return true
		}
	}
	return false
}

// IsFDMountPoint reports whether dir is a /dev/fd/N "mount point": an open
// /dev/fuse file descriptor that the caller has mounted already, as
// Apptainer's --fusemount and libfuse 3.3's convention pass it. Mount
// serves it directly; unmounting is the caller's business.
func IsFDMountPoint(dir string) bool {
	rest, ok := strings.CutPrefix(dir, "/dev/fd/")
	n, err := strconv.Atoi(rest)
	return ok && err == nil && n > 0
}
