package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:         "init",
		Usage:        "create an empty SeqRepo instance (default <root>/master)",
		Description:  "Creates the instance directory with both databases, exactly as Python SeqRepo's `seqrepo init` does; fails if the directory exists and is not empty.",
		Flags:        []cli.Flag{writeInstanceFlag()},
		OnUsageError: onUsageError,
		Action:       initAction,
	})
}

func initAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("init takes no arguments (got %q)", c.Args().First())
	}
	dir, err := writeInstanceDir(c)
	if err != nil {
		return err
	}
	if err := seqrepo.CreateInstance(c.Context, dir); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "initialised SeqRepo instance %s\n", dir)
	return nil
}
