package main

import (
	"bufio"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "list-local-instances",
		Usage: "list the SeqRepo instances in the root directory (-r)",
		Description: "Prints \"Local instances (<root>)\" and then one indented line per instance directory whose\n" +
			"name looks like a date (YYYY-MM-DD or YYYYMMDD, 2010–2029), oldest first, as seqrepo does.",
		Action:       listLocalInstancesAction,
		OnUsageError: onUsageError,
	})
}

func listLocalInstancesAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("list-local-instances: unexpected argument %q", c.Args().First())
	}
	root := c.String("root-directory")
	names, err := seqrepo.ListInstances(root)
	if err != nil {
		return err
	}
	return writeOutput(c, "list-local-instances", 0, func(w *bufio.Writer) error {
		fmt.Fprintf(w, "Local instances (%s)\n", root)
		for _, n := range names {
			fmt.Fprintf(w, "  %s\n", n)
		}
		return nil
	})
}
