package integration_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFSSignalWithOpenFile: SIGTERM ends the mount within 15 s while a
// file in it is open, detaching the busy mount lazily and saying so; a
// second signal skips the waiting (issue 16, item 6).
func TestFSSignalWithOpenFile(t *testing.T) {
	for _, c := range []struct {
		name    string
		signals int
		within  time.Duration
	}{
		{"one SIGTERM", 1, 15 * time.Second},
		{"two SIGTERMs", 2, 3 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := startMount(t, sampleGlobal())
			f, err := os.Open(filepath.Join(m.dir, "MD5", phiXMD5+".fa"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			buf := make([]byte, 16)
			if _, err := f.Read(buf); err != nil {
				t.Fatalf("read the open file: %v", err)
			}
			cwd := filepath.Join(m.dir, "MD5") // a busy directory too
			d, err := os.Open(cwd)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()

			t0 := time.Now()
			m.cmd.Process.Signal(syscall.SIGTERM)
			if c.signals > 1 {
				time.Sleep(300 * time.Millisecond)
				m.cmd.Process.Signal(syscall.SIGTERM)
			}
			select {
			case <-m.done:
			case <-time.After(c.within):
				t.Fatalf("seqfs mount still running %v after SIGTERM with a file open:\n%s", c.within, m.stderr)
			}
			t.Logf("%s with a file open: exited after %v", c.name, time.Since(t0).Round(time.Millisecond))
			if m.err != nil {
				t.Errorf("exit status after SIGTERM: %v\n%s", m.err, m.stderr)
			}
			if isMounted(m.dir) {
				t.Errorf("mount %s left behind", m.dir)
			}
			if log := m.stderr.String(); !strings.Contains(log, "lazily") {
				t.Errorf("the daemon did not say it detached the busy mount lazily:\n%s", log)
			}
		})
	}
}

// TestFSNonEmptyMountPoint: mounting over a directory with files would
// hide them; the CLI refuses and says how to insist (--nonempty).
func TestFSNonEmptyMountPoint(t *testing.T) {
	requireFUSE(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := seqfs(t, append(sampleGlobal(), "mount", dir)...)
	if code == 0 || !strings.Contains(stderr, "--nonempty") || !strings.Contains(stderr, "notes.txt") {
		t.Fatalf("mount over a non-empty dir: exit %d, %q; want a refusal naming the file and --nonempty", code, stderr)
	}
	if isMounted(dir) {
		t.Fatalf("refused mount left %s mounted", dir)
	}
}
