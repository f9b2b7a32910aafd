package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "snapshot",
		Usage: "make a read-only snapshot of an instance (default master) named by today's UTC date",
		Description: "Hard-links the sequence files, copies the databases (with collections.sqlite3 when the instance has collections), removes all write bits and renames " +
			"the result into place atomically. A relative DEST is under the root directory.",
		Flags: []cli.Flag{
			writeInstanceFlag(),
			&cli.StringFlag{Name: "destination-name", Aliases: []string{"d"}, Usage: "snapshot name or path (default: UTC date YYYY-MM-DD)"},
		},
		OnUsageError: onUsageError,
		Action:       snapshotAction,
	})
}

func snapshotAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("snapshot takes no arguments (got %q)", c.Args().First())
	}
	src, err := writeInstanceDir(c)
	if err != nil {
		return err
	}
	dest := c.String("destination-name")
	if dest == "" {
		dest = time.Now().UTC().Format("2006-01-02")
	}
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(c.String("root-directory"), dest)
	}
	if err := seqrepo.Snapshot(c.Context, src, dest); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "snapshot %s created from %s\n", dest, src)
	return nil
}
