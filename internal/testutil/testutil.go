// Package testutil holds helpers shared by seqfs tests: locating the bundled
// sample instance and external tools, and the rule that a test which would
// skip for a missing part fails instead when CI=true.
package testutil

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// SkipOrFail skips the test, or fails it when running in CI (CI=true), where
// every part a test needs must be present.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, so this cannot be skipped: "+format, args...)
	}
	t.Skipf(format, args...)
}

// RequireTool returns the path of an external program, skipping (or
// failing in CI) when it is not installed. scripts/deps.sh installs them all.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		SkipOrFail(t, "%s not installed (run scripts/deps.sh)", name)
	}
	return p
}

// RepoRoot returns the module's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SampleRoot is the SeqRepo root directory of the bundled sample data.
func SampleRoot() string { return filepath.Join(RepoRoot(), "testdata", "yeast-phix-2019") }

// SampleInstance is the bundled sample SeqRepo instance (yeast chr I and VI,
// phiX174), written by the Python implementation in 2019.
func SampleInstance() string { return filepath.Join(SampleRoot(), "master") }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
