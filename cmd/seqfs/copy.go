package main

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "copy",
		Usage:     "copy every sequence and current alias from any source into a writable store",
		ArgsUsage: "SRC DST",
		Description: "SRC is any readable location (SeqRepo instance or root, file://, s3://, https://, redis://, refget…). " +
			"DST is a writable store: a SeqRepo instance directory (created if missing) or redis://…. Sequences are copied byte for byte and verified " +
			"against their digests; digest aliases are recomputed by the destination. Sequence collections are copied with their current names " +
			"when the source holds them. Re-running completes an interrupted copy.",
		OnUsageError: onUsageError,
		Action:       copyAction,
	})
}

func copyAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("copy needs SRC and DST (got %d arguments)", c.NArg())
	}
	srcLoc, dstLoc := c.Args().Get(0), c.Args().Get(1)
	src, err := registry.Open(c.Context, srcLoc, backendSettings(c))
	if err != nil {
		return err
	}
	defer src.Close()
	w, err := registry.OpenWriter(c.Context, dstLoc, backendSettings(c))
	if err != nil {
		return err
	}
	defer w.Close()
	p, err := copyWithProgress(c.Context, src, w, "copy")
	if err != nil {
		return err
	}
	writeSummary(c.App.ErrWriter, "copied", dstLoc, p.Sequences, p.Added, p.Aliases, p.Residues, p.Elapsed)
	return nil
}

// copyWithProgress copies src into w with copier (verifying every
// sequence), drawing a progress bar labelled label on a terminal.
func copyWithProgress(ctx context.Context, src repo.Source, w repo.Writer, label string) (copier.Progress, error) {
	bar := newRateBar(label)
	defer bar.done()
	p, err := copier.Copy(ctx, src, w, copier.Options{
		Verify: true,
		OnProgress: func(p copier.Progress) {
			bar.update(p.Sequences, p.Residues, p.Aliases, false)
		},
	})
	if err == nil {
		bar.update(p.Sequences, p.Residues, p.Aliases, true)
		bar.done() // before the caller's summary line
	}
	return p, err
}
