package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:         "update-latest",
		Usage:        "point <root>/latest at the newest instance (YYYY-MM-DD)",
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("update-latest takes no arguments (got %q)", c.Args().First())
			}
			name, err := seqrepo.UpdateLatest(c.String("root-directory"))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.ErrWriter, "latest -> %s\n", name)
			return nil
		},
	})
}
