// Package integration_test runs the seqfs binary end to end against real
// parts: FUSE mounts, HTTP servers, redis-server, samtools.
package integration_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
)

// seqfsBin is the seqfs binary built once for all tests in this package.
var seqfsBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "seqfs-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	seqfsBin = filepath.Join(dir, "seqfs")
	args := []string{"build", "-o", seqfsBin}
	if os.Getenv("SEQFS_RACE") == "1" {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "./cmd/seqfs")...)
	build.Dir = testutil.RepoRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build seqfs:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
