// Command seqfs serves biological reference sequences from any store as
// files (FUSE), over HTTP (refget v2, seqrepo-rest-service) and from the
// command line. This package only wires the CLI; each command lives in its
// own file and appends itself to commands in an init function.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/redis"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// commands is filled by the init functions of the command files.
var commands []*cli.Command

// Exit codes.
const (
	exitOK       = 0
	exitNotFound = 1 // not found, ambiguous, or another runtime failure
	exitUsage    = 2
)

func main() {
	setupDaemon()
	if code, handled := runMountHelper(os.Args); handled {
		os.Exit(code)
	}
	os.Exit(run(os.Args))
}

func run(args []string) int {
	app := newApp()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args, err := permuteArgs(app, args)
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "seqfs: %v\n", err)
		if !notifyFailed(err) && daemonized {
			slog.Error("seqfs daemon failed", "err", err)
		}
		return exitCode(err)
	}
	return exitOK
}

// usageError marks an error as a usage mistake (exit 2).
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// exitCode maps an error to the exit status: usage mistakes 2, anything
// else (not found, ambiguous, a failing source) 1.
func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "Required flag") {
		return exitUsage // urfave/cli's missing required flags error is unexported
	}
	return exitNotFound
}

// verbosity counts -v flags.
var verbosity int

func newApp() *cli.App {
	setUsageErrors(commands)
	flags := []cli.Flag{
		&cli.StringFlag{Name: "root-directory", Aliases: []string{"r"}, EnvVars: []string{"SEQREPO_ROOT_DIR"},
			Value: "/usr/local/share/seqrepo", Usage: "SeqRepo root directory (parent of instances)"},
		&cli.StringFlag{Name: "instance-name", Aliases: []string{"i"}, Usage: "instance under the root directory (default: latest for reads, master for writes)"},
		&cli.StringSliceFlag{Name: "source", Aliases: []string{"s"}, Usage: "source URL or path (repeatable; overrides -r/-i)"},
	}
	flags = append(flags, federationFlags...)
	flags = append(flags, cacheFlags...)
	flags = append(flags, settingFlags(registry.Settings())...)
	flags = append(flags, remoteFlags...)
	flags = append(flags, &cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Count: &verbosity, Usage: "more logging (-v info, -vv debug)"})
	return &cli.App{
		Name:    "seqfs",
		Usage:   "serve reference sequences from any store as files, over HTTP and from the CLI",
		Version: version,
		Flags:   flags,
		Before: func(c *cli.Context) error {
			level := slog.LevelWarn
			switch v := verbosity; {
			case v == 1:
				level = slog.LevelInfo
			case v >= 2:
				level = slog.LevelDebug
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(logWriter, &slog.HandlerOptions{Level: level})))
			redis.RouteLibraryLog() // go-redis's dial failures at debug level, not on stderr
			return nil
		},
		Commands: commands,
		Action:   unknownCommand,
		// A --source value is one URL even with commas in it
		// (redis+cluster://h1:p1,h2:p2); repeat a flag for several values.
		DisableSliceFlagSeparator: true,
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usageError{err}
		},
		ExitErrHandler: func(c *cli.Context, err error) {},
	}
}
