package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	seqfsfs "github.com/seqfs/seqfs/fs"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "mount",
		Usage:     "serve the source as a read-only FUSE tree of FASTA files (runs in the foreground)",
		ArgsUsage: "MOUNTPOINT",
		Description: `Mounts /<namespace>/<alias>.fa (+ .fa.fai, .dict, .seq) and /digest/SQ.<id>.fa
for every alias of the source, and /collection/<name>.fa (+ .fa.fai, .dict):
each sequence collection (genome) of the source as one multi-record FASTA. Runs until SIGINT/SIGTERM, then unmounts.
As root it mounts with mount(2); other users need fusermount3 (package fuse3).

Examples:
  seqfs -s /usr/local/share/seqrepo/latest mount /mnt/seqrepo
  samtools faidx /mnt/seqrepo/NCBI/NC_000001.11.fa NC_000001.11:1-1000
  REF_PATH=/mnt/seqrepo/MD5/%s.seq samtools view x.cram
  seqfs -s DIR mount --sidecar-dir ~/seqfs-sidecar /mnt/seqrepo &
  bwa index /mnt/seqrepo/collection/GRCh38.p14.fa   # index files land in ~/seqfs-sidecar

From /etc/fstab, systemd or autofs: mount -t fuse.seqfs SOURCE DIR -o ro,allow_other,…
runs "seqfs SOURCE DIR -o OPTIONS", which detaches once the mount is ready. MOUNTPOINT
/dev/fd/N serves an already mounted /dev/fuse descriptor (Apptainer --fusemount).
In containers: --die-with-parent; who may mount where: docs/cluster.md.`,
		Flags: append([]cli.Flag{
			&cli.IntFlag{Name: "line-width", Aliases: []string{"w"}, Value: seqfsfs.DefaultLineWidth, Usage: "residues per FASTA line"},
			&cli.BoolFlag{Name: "allow-other", Usage: "let other users read the mount (normal users need user_allow_other in /etc/fuse.conf)"},
			&cli.DurationFlag{Name: "cache-timeout", Value: seqfsfs.DefaultTimeout, Usage: "how long the kernel caches names and attributes"},
			&cli.BoolFlag{Name: "fuse-debug", Usage: "log every FUSE request"},
			&cli.BoolFlag{Name: "nonempty", Usage: "mount over a directory that holds files (they are hidden while mounted)"},
			&cli.StringFlag{Name: "sidecar-dir", Usage: "keep files that tools create in the tree (bwa index, .seqkit.fai, temporary files) in `DIR` and serve them back; without it the mount is read-only"},
			&cli.StringFlag{Name: "max-nodes", EnvVars: []string{seqfsfs.MaxNodesEnv}, Hidden: true,
				Usage: "looked-up files whose kernel entries the mount keeps (default " + strconv.Itoa(seqfsfs.DefaultMaxNodes) + "; negative: no bound)"},
		}, containerMountFlags...),
		Action: mountAction,
	})
}

func mountAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("mount: expected exactly one MOUNTPOINT, got %d arguments", c.NArg())
	}
	dir := c.Args().First()
	if w := c.Int("line-width"); w < 1 {
		return usagef("mount: --line-width %d: must be at least 1", w)
	}
	if err := seqfsfs.CheckMountPoint(dir); err != nil {
		return err
	}
	maxNodes, err := maxNodesOf(c)
	if err != nil {
		return err
	}
	if c.Bool("die-with-parent") {
		if err := dieWithParent(); err != nil {
			return err
		}
	}
	src, err := openSource(c)
	if err != nil {
		return err
	}
	defer src.Close()
	srv, err := seqfsfs.Mount(c.Context, src, dir, seqfsfs.MountOptions{
		Options: seqfsfs.Options{
			LineWidth:  c.Int("line-width"),
			Timeout:    c.Duration("cache-timeout"),
			Generation: generationOf(c),
			SidecarDir: c.String("sidecar-dir"),
			MaxNodes:   maxNodes,
		},
		AllowOther:         c.Bool("allow-other"),
		DefaultPermissions: c.Bool("default-permissions"),
		Debug:              c.Bool("fuse-debug"),
		NonEmpty:           c.Bool("nonempty"),
		FsName:             "seqfs:" + strings.Join(sourceLocations(c, "latest"), ","),
	})
	if err != nil {
		return err
	}
	notifyReady()
	fmt.Fprintf(os.Stderr, "seqfs: mounted at %s (stop with Ctrl-C, SIGTERM or fusermount3 -u %s)\n", srv.Dir(), srv.Dir())
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	select {
	case <-done:
		slog.Info("unmounted from outside", "mountpoint", srv.Dir())
		return nil
	case <-c.Context.Done():
	}
	// Stopping: a busy mount is retried for a few seconds, then detached
	// lazily; the daemon then waits a little for open files to be closed
	// and exits anyway. A second signal skips both waits.
	slog.Warn("signal received: unmounting (send it again to stop at once)", "mountpoint", srv.Dir())
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if seqfsfs.IsFDMountPoint(dir) {
		return nil // Apptainer --fusemount: the runtime unmounts when the container ends
	}
	hurry := make(chan struct{})
	go func() {
		select {
		case <-again:
			slog.Warn("second signal: detaching the mount and exiting now", "mountpoint", srv.Dir())
			close(hurry)
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := srv.Unmount(ctx); err != nil {
		return err
	}
	select {
	case <-done:
	case <-ctx.Done():
		// Lazily detached with files still open: they keep the FUSE
		// connection alive. Exiting closes it (their next reads fail).
		wait, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		select {
		case <-done:
		case <-hurry:
		case <-wait.Done():
			slog.Warn("files are still open in the detached mount; exiting anyway (their next reads fail)", "mountpoint", srv.Dir())
		}
	}
	fmt.Fprintf(os.Stderr, "seqfs: unmounted %s\n", srv.Dir())
	return nil
}

// maxNodesOf returns the hidden --max-nodes (or $SEQFS_FS_MAX_NODES): 0
// when not given, for the file system's default.
func maxNodesOf(c *cli.Context) (int, error) {
	v := c.String("max-nodes")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%s=%q: want a positive (or, for no bound, negative) integer", seqfsfs.MaxNodesEnv, v)
	}
	return n, nil
}
