package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "recover",
		Usage:     "repair an instance after a writer was killed (default <root>/master)",
		ArgsUsage: "[INSTANCE_DIR]",
		Description: "Opens the instance for writing and closes it again, which rolls back the transaction of a\n" +
			"writer that was killed inside its commit (its rollback journal and the super-journal\n" +
			"aliases.sqlite3-mj…) and removes the sequence files of uncommitted batches. Readers do not\n" +
			"need this (they read such an instance as of its last commit), but a snapshot or a fast\n" +
			"read of the databases does. Run it as a user who can write the instance.",
		Flags:        []cli.Flag{writeInstanceFlag()},
		OnUsageError: onUsageError,
		Action:       recoverAction,
	})
}

func recoverAction(c *cli.Context) error {
	var dir string
	switch c.NArg() {
	case 0:
		var err error
		if dir, err = writeInstanceDir(c); err != nil {
			return err
		}
	case 1:
		dir = c.Args().First()
	default:
		return usagef("recover takes at most one instance directory (got %d arguments)", c.NArg())
	}
	w, err := seqrepo.OpenWriter(c.Context, dir, seqrepo.WriterOptions{})
	if err != nil {
		return fmt.Errorf("recover %s: %w", dir, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("recover %s: %w", dir, err)
	}
	fmt.Fprintf(c.App.ErrWriter, "instance %s is consistent\n", dir)
	return nil
}
