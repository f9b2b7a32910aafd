package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	seqfsfs "github.com/seqfs/seqfs/fs"
)

// Detaching. The starter (what mount(8) runs) re-runs seqfs in a new
// session with the equivalent command line and a pipe on fd 3
// (SEQFS_READY_FD=3). The daemon writes "ready" to the pipe once the file
// system is mounted, or "error: <message>" if it fails first; the starter
// exits 0 on "ready" and 1 with the daemon's message otherwise, so that
// mount(8) returns only when the mount can be used and fails with the
// reason when it cannot.

// Environment variables between the starter and the daemon.
const (
	envReadyFD = "SEQFS_READY_FD" // fd of the readiness pipe in the daemon
	envLog     = "SEQFS_LOG"      // "syslog": the daemon logs to syslog
)

// logWriter is where slog writes (see newApp's Before); a daemon started
// with log=syslog points it at syslog.
var logWriter io.Writer = os.Stderr

// daemonized is true in a detached daemon.
var daemonized bool

// readyPipe is the daemon's end of the readiness pipe (nil when not
// detached).
var readyPipe *os.File

// runMountHelper handles the mount(8) helper form; handled is false for
// any other command line.
func runMountHelper(args []string) (code int, handled bool) {
	app := newApp()
	if !isMountHelperForm(app, args) {
		return 0, false
	}
	cfg, err := parseMountHelper(app, args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "seqfs: %v\n", err)
		return exitUsage, true
	}
	if cfg.foreground {
		return run(cfg.args), true
	}
	return detach(cfg), true
}

// detach starts the daemon and waits until it reports the mount ready or
// failed.
func detach(cfg helperConfig) int {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "seqfs: readiness pipe: %v\n", err)
		return exitNotFound
	}
	defer r.Close()
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "seqfs: find own executable: %v\n", err)
		return exitNotFound
	}
	cmd := exec.Command(exe, cfg.args[1:]...)
	readyFD, fuseFD := daemonFDs(cfg.args[len(cfg.args)-1])
	cmd.ExtraFiles = make([]*os.File, max(readyFD, fuseFD)-2) // fd 3 onwards
	cmd.ExtraFiles[readyFD-3] = w
	if fuseFD >= 0 {
		cmd.ExtraFiles[fuseFD-3] = os.NewFile(uintptr(fuseFD), "fuse")
	}
	cmd.Env = append(os.Environ(), envReadyFD+"="+strconv.Itoa(readyFD))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// The daemon's stdout and stderr: the log file, the caller's stderr, or
	// /dev/null (never closed descriptors, which a later open would reuse).
	out, logPath := os.Stderr, cfg.log
	switch cfg.log {
	case "stderr":
	case "syslog":
		cmd.Env = append(cmd.Env, envLog+"=syslog")
		logPath = os.DevNull
		fallthrough
	default:
		if out, err = os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640); err != nil {
			w.Close()
			fmt.Fprintf(os.Stderr, "seqfs: log file: %v\n", err)
			return exitUsage
		}
		defer out.Close()
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		w.Close()
		fmt.Fprintf(os.Stderr, "seqfs: start daemon: %v\n", err)
		return exitNotFound
	}
	w.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "ready":
			_ = cmd.Process.Release()
			return exitOK
		case strings.HasPrefix(line, "warning: "):
			fmt.Fprintf(os.Stderr, "seqfs: %s\n", line)
		case strings.HasPrefix(line, "error: "):
			fmt.Fprintf(os.Stderr, "seqfs: %s\n", strings.TrimPrefix(line, "error: "))
			return exitStatus(cmd.Wait())
		}
	}
	err = cmd.Wait()
	fmt.Fprintf(os.Stderr, "seqfs: the daemon ended before mounting (%v); see its log (%s)\n", err, cfg.log)
	if code := exitStatus(err); code != exitOK {
		return code
	}
	return exitNotFound
}

// daemonFDs returns the daemon's descriptor numbers for the readiness pipe
// and, for a /dev/fd/N mount point (mount.fuse3's drop_privileges mounts
// /dev/fuse itself and passes it so), the FUSE descriptor, which keeps its
// number N; fuseFD is -1 otherwise.
func daemonFDs(dir string) (readyFD, fuseFD int) {
	n, err := strconv.Atoi(strings.TrimPrefix(dir, "/dev/fd/"))
	switch {
	case !seqfsfs.IsFDMountPoint(dir) || err != nil || n < 3:
		return 3, -1
	case n == 3:
		return 4, 3
	default:
		return 3, n
	}
}

// exitStatus returns a process's exit code.
func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return ee.ExitCode()
	}
	if err != nil {
		return exitNotFound
	}
	return exitOK
}

// setupDaemon runs first in every seqfs process: in a daemon it takes the
// readiness pipe and points the log at syslog if asked.
func setupDaemon() {
	fdStr := os.Getenv(envReadyFD)
	if fdStr == "" {
		return
	}
	os.Unsetenv(envReadyFD)
	fd, err := strconv.Atoi(fdStr)
	if err != nil || fd < 3 {
		return
	}
	syscall.CloseOnExec(fd)
	readyPipe = os.NewFile(uintptr(fd), "ready")
	daemonized = true
	if os.Getenv(envLog) == "syslog" {
		os.Unsetenv(envLog)
		sw, err := syslog.New(syslog.LOG_INFO|syslog.LOG_DAEMON, "seqfs")
		if err != nil {
			fmt.Fprintf(readyPipe, "warning: cannot log to syslog (%v); nothing will be logged (use -o log=/path/to/file)\n", err)
			logWriter = io.Discard
			return
		}
		logWriter = sw
	}
}

// notifyReady tells the starter that the mount is up.
func notifyReady() {
	if readyPipe == nil {
		return
	}
	fmt.Fprintln(readyPipe, "ready")
	readyPipe.Close()
	readyPipe = nil
}

// notifyFailed tells the starter why the daemon failed before mounting;
// it reports whether there was a starter waiting.
func notifyFailed(err error) bool {
	if readyPipe == nil {
		return false
	}
	fmt.Fprintf(readyPipe, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	readyPipe.Close()
	readyPipe = nil
	return true
}
