package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/rest"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "serve",
		Usage: "serve sequences over HTTP: refget v2, seqrepo-rest-service (/seqrepo/1, /refget/1), /healthz, /metrics",
		Description: "Serves the source selected by the global flags. refget v2 answers at /sequence/{id},\n" +
			"/sequence/{id}/metadata and /service-info; seqrepo-rest-service clients use /seqrepo/1 and\n" +
			"/refget/1 (e.g. seqrepo+http://127.0.0.1:5000/seqrepo). Listens on 127.0.0.1:5000 by default;\n" +
			"to listen on every interface say so explicitly (--listen 0.0.0.0:5000). Stops gracefully on\n" +
			"SIGTERM or SIGINT.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Aliases: []string{"l"}, Value: "127.0.0.1:5000", Usage: "address to listen on (host:port)"},
			&cli.IntFlag{Name: "max-in-flight", Value: 1024, Usage: "concurrent requests before answering 503 (negative: no limit)"},
			&cli.IntFlag{Name: "resolve-cache", Value: 100000, Usage: "identifier resolutions cached per identifier style (negative: none)"},
			&cli.StringFlag{Name: "access-log", Value: "-", Usage: "access log file (JSON lines); - is stderr, empty disables"},
			&cli.DurationFlag{Name: "read-header-timeout", Value: 10 * time.Second, Usage: "time allowed to send request headers"},
			&cli.DurationFlag{Name: "read-timeout", Value: 30 * time.Second, Usage: "time allowed to read a request"},
			&cli.DurationFlag{Name: "write-timeout", Value: 60 * time.Second, Usage: "time allowed to write a response (per 32 KiB chunk of long sequences; a client that reads nothing for this long is cut off)"},
			&cli.DurationFlag{Name: "idle-timeout", Value: 120 * time.Second, Usage: "keep-alive idle time"},
			&cli.DurationFlag{Name: "shutdown-timeout", Value: 10 * time.Second, Usage: "grace period for requests in flight on shutdown"},
		},
		Action: serveAction,
	})
}

// startLog returns the logger of a server's start message, an INFO record
// that is shown at the default level (WARN) too: the default logger when
// it shows INFO (-v), else one that does, used for this message only, so
// the per-request INFO records stay off.
func startLog(c *cli.Context) *slog.Logger {
	if slog.Default().Enabled(c.Context, slog.LevelInfo) {
		return slog.Default()
	}
	return slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func serveAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("serve: unexpected arguments %q (give the source with -s/--source or -r/-i)", c.Args().Slice())
	}
	addr := c.String("listen")
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("serve: --listen %q: %v", addr, err)
	}
	if host == "" {
		return usagef("serve: --listen %q has no host; name the interface (127.0.0.1:PORT, or 0.0.0.0:PORT for every interface)", addr)
	}
	src, err := openSource(c)
	if err != nil {
		return err
	}
	defer src.Close()

	var accessLog io.Writer
	var closeLog func() error
	switch path := c.String("access-log"); path {
	case "":
	case "-":
		bw := rest.NewBufferedWriter(os.Stderr, 200*time.Millisecond)
		accessLog, closeLog = bw, bw.Close
	default:
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open access log %s: %w", path, err)
		}
		defer f.Close()
		bw := rest.NewBufferedWriter(f, 200*time.Millisecond)
		accessLog, closeLog = bw, bw.Close
	}
	if closeLog != nil {
		defer closeLog()
	}

	srv := rest.New(src, rest.Options{
		Version:     version,
		Root:        strings.Join(sourceLocations(c, "latest"), ","),
		CacheSize:   c.Int("resolve-cache"),
		MaxInFlight: c.Int("max-in-flight"),
		AccessLog:   accessLog,
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", addr, err)
	}
	startLog(c).Info("seqfs serve listening", "addr", ln.Addr().String(), "source", strings.Join(sourceLocations(c, "latest"), ","))
	return srv.Serve(c.Context, ln, rest.Timeouts{
		ReadHeader: c.Duration("read-header-timeout"),
		Read:       c.Duration("read-timeout"),
		Write:      c.Duration("write-timeout"),
		Idle:       c.Duration("idle-timeout"),
		Shutdown:   c.Duration("shutdown-timeout"),
	})
}
