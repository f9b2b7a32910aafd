package testutil

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// KillOnFirstWrite starts cmd and kills it with SIGKILL as soon as it first
// writes to the file at path (watched with inotify, so the kill lands
// within microseconds of the write: for a SQLite database whose writer
// keeps its changes in memory until the commit, inside the commit). It
// waits for cmd and fails the test if cmd ended by itself or wrote
// nothing within timeout.
func KillOnFirstWrite(t testing.TB, cmd *exec.Cmd, path string, timeout time.Duration) {
	t.Helper()
	KillOnEvent(t, cmd, path, syscall.IN_MODIFY, timeout)
}

// KillOnEvent is KillOnFirstWrite for any inotify event mask on path (a
// file or a directory): IN_DELETE on a directory kills cmd when it first
// removes a file there.
func KillOnEvent(t testing.TB, cmd *exec.Cmd, path string, mask uint32, timeout time.Duration) {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatalf("inotify: %v", err)
	}
	defer syscall.Close(fd)
	if _, err := syscall.InotifyAddWatch(fd, path, mask); err != nil {
		t.Fatalf("watch %s: %v", path, err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	written := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		if n, err := syscall.Read(fd, buf); err == nil && n > 0 {
			cmd.Process.Signal(syscall.SIGKILL)
		}
		close(written)
	}()
	select {
	case <-written:
	case <-time.After(timeout):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%s did not write %s within %v", cmd.Path, path, timeout)
	}
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != os.Kill {
		t.Fatalf("%s ended before the kill: %v", cmd.Path, cmd.ProcessState)
	}
}
