package fs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/seqfs/seqfs/repo"
)

// Errors about the mount point; the messages say how to fix them.
var (
	// ErrMountPointMissing means the mount point does not exist or is not
	// a directory.
	ErrMountPointMissing = errors.New("mount point missing")
	// ErrMountPointBusy means something is already mounted there.
	ErrMountPointBusy = errors.New("mount point busy")
	// ErrStaleMount means the mount point is a FUSE mount whose daemon is
	// gone ("transport endpoint is not connected").
	ErrStaleMount = errors.New("stale FUSE mount")
	// ErrMountPointNotEmpty means the mount point holds files that the
	// mount would hide.
	ErrMountPointNotEmpty = errors.New("mount point not empty")
)

// CheckEmpty returns an error matching ErrMountPointNotEmpty when dir has
// any entry: a mount over it would hide them until it is unmounted.
func CheckEmpty(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("mount point %s: %w", dir, err)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("mount point %s: %w", dir, err)
	}
	if len(names) > 0 {
		return fmt.Errorf("%w: %s holds files (%s, …) that the mount would hide; choose an empty directory, or mount over it anyway with --nonempty",
			ErrMountPointNotEmpty, dir, names[0])
	}
	return nil
}

// MountOptions configure Mount.
type MountOptions struct {
	Options
	// AllowOther lets users other than the mounting one read the mount
	// (for a normal user this needs user_allow_other in /etc/fuse.conf).
	AllowOther bool
	// DefaultPermissions makes the kernel check file modes itself
	// (the default_permissions mount option).
	DefaultPermissions bool
	// Debug logs every FUSE request.
	Debug bool
	// FsName is the source shown in /proc/mounts (default "seqfs").
	FsName string
	// NonEmpty allows mounting over a directory that holds files (hiding
	// them while mounted); otherwise Mount refuses (ErrMountPointNotEmpty).
	NonEmpty bool
}

// Server is a mounted file system.
type Server struct {
	srv  *fuse.Server
	dir  string
	log  *slog.Logger
	fsys *FS
	root *rootNode
	stop chan struct{} // ends the change watch (Options.Generation)
	once sync.Once
}

// Dir returns the mount point.
func (s *Server) Dir() string { return s.dir }

// Wait blocks until the file system is unmounted (by Unmount or from
// outside with fusermount3 -u / umount).
func (s *Server) Wait() { s.srv.Wait() }

// stillMounted reports whether dir is a mount point in this namespace.
func stillMounted(dir string) bool {
	ok, err := isMountPoint(dir)
	return err == nil && ok
}

// Unmount unmounts the file system. While it is busy (a process has a
// file open or its working directory inside) it retries until ctx ends,
// then detaches the mount lazily (umount2 MNT_DETACH as root, else
// fusermount3 -u -z) and logs that it did: the mount point is free at once,
// and the open files keep working only until the daemon exits.
func (s *Server) Unmount(ctx context.Context) error {
	s.once.Do(func() { close(s.stop) })
	var err error
	for {
		if err = s.srv.Unmount(); err == nil || !stillMounted(s.dir) {
			return nil
		}
		s.log.Warn("unmount: mount busy, retrying", "mountpoint", s.dir, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
			continue
		}
		break
	}
	lerr := syscall.Unmount(s.dir, syscall.MNT_DETACH)
	if lerr != nil {
		// Not root: fusermount3 detaches lazily for the mount's owner.
		out, ferr := exec.Command("fusermount3", "-u", "-z", s.dir).CombinedOutput()
		if ferr != nil {
			return fmt.Errorf("unmount %s: %w (lazy unmount also failed: %v; fusermount3 -u -z: %v %s; run `fusermount3 -u -z %s`)",
				s.dir, err, lerr, ferr, strings.TrimSpace(string(out)), s.dir)
		}
	}
	s.log.Warn("unmount: mount was busy (files open or working directories inside); detached it lazily", "mountpoint", s.dir)
	return nil
}

// CheckMountPoint verifies that dir can be mounted on: it exists, is a
// directory, is not already a mount point and is not a stale FUSE mount.
// The errors match ErrMountPointMissing, ErrMountPointBusy or
// ErrStaleMount and say how to fix the problem.
func CheckMountPoint(dir string) error {
	if IsFDMountPoint(dir) {
		return nil // mounted already by the caller (Apptainer --fusemount)
	}
	stale := func() error {
		return fmt.Errorf("%w: %s is left over from a seqfs (or other FUSE) daemon that was killed "+
			"(transport endpoint is not connected); clear it with `fusermount3 -u %s` (or as root `umount -l %s`) and mount again",
			ErrStaleMount, dir, dir, dir)
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, syscall.ENOTCONN):
		return stale()
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %s does not exist; create it with `mkdir -p %s`", ErrMountPointMissing, dir, dir)
	case err != nil:
		return fmt.Errorf("mount point %s: %w", dir, err)
	case !st.IsDir():
		return fmt.Errorf("%w: %s is not a directory", ErrMountPointMissing, dir)
	}
	mounted, err := isMountPoint(dir)
	if err != nil {
		return err
	}
	if mounted {
		// The kernel may answer stat from its attribute cache even when
		// the daemon is gone; reading the directory needs the daemon.
		if f, err := os.Open(dir); errors.Is(err, syscall.ENOTCONN) {
			return stale()
		} else if err == nil {
			_, err = f.Readdirnames(1)
			f.Close()
			if errors.Is(err, syscall.ENOTCONN) {
				return stale()
			}
		}
		return fmt.Errorf("%w: %s is already a mount point; unmount it first (`fusermount3 -u %s` or `umount %s`) or choose another directory",
			ErrMountPointBusy, dir, dir, dir)
	}
	return nil
}

// isMountPoint reports whether dir is listed as a mount point in
// /proc/self/mountinfo.
func isMountPoint(dir string) (bool, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false, fmt.Errorf("mount point %s: %w", dir, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, fmt.Errorf("read mount table: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMountinfo(fields[4]) == abs {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read /proc/self/mountinfo: %w", err)
	}
	return false, nil
}

// unescapeMountinfo decodes the \ooo octal escapes of /proc mount tables.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Mount mounts a read-only file system (writable for new files with
// Options.SidecarDir) over src at dir and starts serving
// it. As root it mounts directly (mount(2), no fusermount); otherwise it
// goes through fusermount3. The caller unmounts with Server.Unmount.
func Mount(ctx context.Context, src repo.Source, dir string, opts MountOptions) (*Server, error) {
	if err := CheckMountPoint(dir); err != nil {
		return nil, err
	}
	if !opts.NonEmpty && !IsFDMountPoint(dir) {
		if err := CheckEmpty(dir); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("mount point %s: %w", dir, err)
	}
	if opts.MountPoint == "" {
		opts.MountPoint = abs
	}
	magic := IsFDMountPoint(dir)
	if !magic {
		if err := CheckMountPermissions(abs, opts.AllowOther); err != nil {
			return nil, err
		}
	}
	fsys, err := New(src, opts.Options)
	if err != nil {
		return nil, err
	}
	timeout := fsys.timeout
	name := opts.FsName
	if name == "" {
		name = "seqfs"
	}
	mo := fuse.MountOptions{
		FsName:        name,
		Name:          "seqfs",
		AllowOther:    opts.AllowOther,
		Debug:         opts.Debug,
		MaxWrite:      1 << 20,
		MaxReadAhead:  1 << 20,
		MaxBackground: 64,
		// READDIRPLUS_AUTO: the kernel asks for entries with their
		// attributes only while the lister stats them (ls -l), so
		// `ls -l` of a namespace needs no LOOKUP round trip per file,
		// while a plain listing (ls, find) does not look up millions
		// of entries.
		ExtraCapabilities:    fuse.CAP_READDIRPLUS_AUTO,
		DisableXAttrs:        true,
		IgnoreSecurityLabels: true,
	}
	// Read-only unless tools may write sidecar files into the tree.
	switch {
	case magic: // the caller mounted /dev/fd/N already; go-fuse serves it
	case UsesMountSyscall():
		mo.DirectMountStrict = true // fusermount3 cannot do more than root can
		mo.DirectMountFlags = syscall.MS_NOSUID | syscall.MS_NODEV
		if fsys.sidecar == nil {
			mo.DirectMountFlags |= syscall.MS_RDONLY
		}
	default:
		mo.Options = []string{"nosuid", "nodev"}
		if fsys.sidecar == nil {
			mo.Options = append(mo.Options, "ro")
		}
	}
	if opts.DefaultPermissions {
		mo.Options = append(mo.Options, "default_permissions")
	}
	if opts.Debug {
		mo.Logger = log.New(os.Stderr, "fuse: ", log.LstdFlags)
	}
	negTimeout := timeout
	if opts.Generation != nil {
		negTimeout = min(timeout, ChangePoll)
	}
	fopts := &gofs.Options{
		MountOptions:    mo,
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &negTimeout,
	}
	root := &rootNode{fsys: fsys}
	srv, err := gofs.Mount(abs, root, fopts)
	if err != nil {
		if xerr := explainMountError(abs, opts.AllowOther, err); xerr != nil {
			return nil, xerr
		}
		switch {
		case errors.Is(err, syscall.EBUSY):
			return nil, fmt.Errorf("%w: mount %s: %v", ErrMountPointBusy, abs, err)
		case errors.Is(err, syscall.ENOENT) && strings.Contains(err.Error(), "fusermount"):
			return nil, fmt.Errorf("mount %s: %w (install fuse3 for fusermount3, or run as root)", abs, err)
		case strings.Contains(err.Error(), "fusermount"):
			return nil, fmt.Errorf("mount %s: %w (see fusermount3's message above: the mount point must be yours, "+
				"/dev/fuse readable and writable by you, and --allow-other needs user_allow_other in /etc/fuse.conf)", abs, err)
		}
		return nil, fmt.Errorf("mount %s: %w", abs, err)
	}
	s := &Server{srv: srv, dir: abs, log: fsys.log, fsys: fsys, root: root, stop: make(chan struct{})}
	if opts.Generation != nil {
		go s.watch(opts.Generation, s.stop)
	}
	return s, nil
}
