package seqrepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFileName is the file inside an instance on which a seqfs writer holds
// an exclusive flock(2). Python SeqRepo ignores it, and snapshots do not
// copy it (they take only *.bgz files and the two databases).
const LockFileName = ".seqfs-write.lock"

// ErrLocked is matched by the error returned when another writer holds an
// instance's lock.
var ErrLocked = errors.New("instance is locked by another writer")

// LockedError reports the instance and the pid recorded by the writer that
// holds its lock.
type LockedError struct {
	Dir string
	PID int // 0 if unknown
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("instance %s is locked by another writer (pid %d)", e.Dir, e.PID)
	}
	return fmt.Sprintf("instance %s is locked by another writer", e.Dir)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// lockFile is a held instance lock.
type lockFile struct{ f *os.File }

// lockInstance takes the exclusive writer lock of instance dir without
// waiting. The lock is released by unlock or when the process exits
// (including kill -9), so a stale lock file never blocks a later writer.
func lockInstance(dir string) (*lockFile, error) {
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b := make([]byte, 32)
			n, _ := f.ReadAt(b, 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
			return nil, &LockedError{Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &lockFile{f: f}, nil
}

// unlock releases the lock. The file stays (removing it would race with a
// writer that has just opened it).
func (l *lockFile) unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}
