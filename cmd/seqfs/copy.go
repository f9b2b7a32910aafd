package main

import (
	"errors"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "copy",
		Usage:     "copy every sequence and current alias from any source into a writable store",
		ArgsUsage: "SRC DST",
		Description: "SRC is any readable location (SeqRepo instance or root, file://, s3://, https://, redis://, refget…). " +
			"DST is a SeqRepo instance directory, created if missing. Sequences are copied byte for byte and verified " +
			"against their digests; digest aliases are recomputed by the destination. Re-running completes an interrupted copy.",
		OnUsageError: onUsageError,
		Action:       copyAction,
	})
}

func copyAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("copy needs SRC and DST (got %d arguments)", c.NArg())
	}
	srcLoc, dstLoc := c.Args().Get(0), c.Args().Get(1)
	dst := strings.TrimPrefix(dstLoc, "file://")
	if strings.Contains(dst, "://") {
		return usagef("cannot write to %s: only local SeqRepo instance directories are writable", dstLoc)
	}
	src, err := repo.Open(c.Context, srcLoc)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := os.Stat(seqrepo.AliasesDBPath(dst)); errors.Is(err, os.ErrNotExist) {
		if err := seqrepo.CreateInstance(c.Context, dst); err != nil {
			return err
		}
	}
	w, err := seqrepo.OpenWriter(c.Context, dst, seqrepo.WriterOptions{})
	if err != nil {
		return err
	}
	defer w.Close()
	bar := newRateBar("copy")
	defer bar.done()
	p, err := copier.Copy(c.Context, src, w, copier.Options{
		Verify: true,
		OnProgress: func(p copier.Progress) {
			bar.update(p.Sequences, p.Residues, p.Aliases, false)
		},
	})
	if err != nil {
		return err
	}
	bar.update(p.Sequences, p.Residues, p.Aliases, true)
	slog.Info("copy done", "from", srcLoc, "to", dst, "sequences", p.Sequences, "new", p.Added,
		"aliases", p.Aliases, "residues", p.Residues, "seconds", p.Elapsed.Seconds())
	return nil
}
