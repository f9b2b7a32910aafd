package main

import (
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"github.com/urfave/cli/v2"
)

// containerMountFlags are the mount flags for shared and container use.
var containerMountFlags = []cli.Flag{
	&cli.BoolFlag{Name: "default-permissions", Usage: "let the kernel check file modes (the default_permissions mount option)"},
	&cli.BoolFlag{Name: "die-with-parent", Usage: "unmount and exit when the process that started seqfs exits " +
		"(for sandboxes and containers without their own pid namespace, where a daemon would outlive them)"},
}

// dieWithParent asks the kernel to send SIGTERM when the parent process
// exits (PR_SET_PDEATHSIG), which unmounts like any SIGTERM. If the parent
// is already gone it signals itself.
func dieWithParent() error {
	ppid := os.Getppid()
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		return fmt.Errorf("--die-with-parent: prctl(PR_SET_PDEATHSIG): %w", errno)
	}
	if os.Getppid() != ppid {
		slog.Warn("parent exited before --die-with-parent took effect; exiting")
		return syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
	return nil
}
