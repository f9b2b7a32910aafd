package integration_test

import (
	"bufio"
	"bytes"
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

// mountProc is a running `seqfs mount` daemon.
type mountProc struct {
	t      testing.TB
	cmd    *exec.Cmd
	dir    string
	stderr *lockedBuffer
	done   chan struct{}
	err    error // exit status, valid after done
}

// requireFUSE skips (fails in CI) when FUSE cannot be mounted here.
func requireFUSE(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		testutil.SkipOrFail(t, "no /dev/fuse: %v", err)
	}
	if os.Geteuid() != 0 {
		testutil.RequireTool(t, "fusermount3")
	}
}

// startMount runs `seqfs GLOBAL... mount EXTRA... DIR` on a fresh temporary
// directory, waits until the mount is up and registers a cleanup that
// stops it with SIGTERM and fails the test if a mount is left behind.
func startMount(t testing.TB, global []string, extra ...string) *mountProc {
	t.Helper()
	requireFUSE(t)
	dir := t.TempDir()
	args := append(append(append([]string{}, global...), "mount"), extra...)
	m := &mountProc{t: t, dir: dir, stderr: &lockedBuffer{}, done: make(chan struct{})}
	m.cmd = exec.Command(seqfsBin, append(args, dir)...)
	m.cmd.Stderr = m.stderr
	m.cmd.Stdout = m.stderr
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start seqfs mount: %v", err)
	}
	go func() { m.err = m.cmd.Wait(); close(m.done) }()
	t.Cleanup(m.stop)
	deadline := time.Now().Add(20 * time.Second)
	for !isMounted(dir) {
		select {
		case <-m.done:
			t.Fatalf("seqfs mount exited before mounting: %v\n%s", m.err, m.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("seqfs mount did not mount %s within 20 s:\n%s", dir, m.stderr)
		}
	}
	return m
}

// signal sends sig and waits for the daemon to exit.
func (m *mountProc) signal(sig syscall.Signal, wait time.Duration) bool {
	select {
	case <-m.done:
		return true
	default:
	}
	_ = m.cmd.Process.Signal(sig)
	select {
	case <-m.done:
		return true
	case <-time.After(wait):
		return false
	}
}

// stop ends the daemon and makes sure nothing stays mounted.
func (m *mountProc) stop() {
	if !m.signal(syscall.SIGTERM, 15*time.Second) {
		m.t.Errorf("seqfs mount did not exit within 15 s of SIGTERM:\n%s", m.stderr)
		m.signal(syscall.SIGKILL, 5*time.Second)
	}
	if strings.Contains(m.stderr.String(), "DATA RACE") || strings.Contains(m.stderr.String(), "panic:") {
		m.t.Errorf("seqfs mount daemon reported a failure:\n%s", m.stderr)
	}
	if isMounted(m.dir) {
		m.t.Errorf("mount %s left behind after the daemon exited; detaching it", m.dir)
		if err := syscall.Unmount(m.dir, syscall.MNT_DETACH); err != nil {
			_ = exec.Command("fusermount3", "-uz", m.dir).Run()
		}
	}
}

// isMounted reports whether dir is a mount point.
func isMounted(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unoctal(fields[4]) == abs {
			return true
		}
	}
	return false
}

func unoctal(s string) string {
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

// wrapFasta renders a FASTA record the way samtools would read it back.
func wrapFasta(header string, seq []byte, width int) []byte {
	var b bytes.Buffer
	b.WriteString(">" + header + "\n")
	for i := 0; i < len(seq); i += width {
		b.Write(seq[i:min(i+width, len(seq))])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// parseFasta returns the records of a FASTA text: header lines (without
// '>') and their sequences with line breaks removed.
func parseFasta(text []byte) (headers []string, seqs [][]byte) {
	for _, line := range bytes.Split(text, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) > 0 && line[0] == '>' {
			headers = append(headers, string(line[1:]))
			seqs = append(seqs, nil)
		} else if len(seqs) > 0 {
			seqs[len(seqs)-1] = append(seqs[len(seqs)-1], line...)
		}
	}
	return headers, seqs
}

// runTool runs an external program and returns its stdout, failing the
// test with stderr on error.
func runTool(t testing.TB, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = env
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}
