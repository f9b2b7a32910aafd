package main

import (
	"bufio"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "translate",
		Usage:     "print every alias of the sequence an identifier names (SeqRepo translate_identifier)",
		ArgsUsage: "ID...",
		Description: "Prints one ns:alias per line: the sequence's current aliases plus their API translations\n" +
			"(refseq, ensembl, lrg, sha512t24u, ga4gh), in SeqRepo's order. -t keeps only the given\n" +
			"namespaces (exact names, API or DB form).",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "target-namespace", Aliases: []string{"t"}, Usage: "only aliases in this namespace (repeatable)"},
		},
		Action:       translateAction,
		OnUsageError: onUsageError,
	})
}

func translateAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("translate: an ID is required")
	}
	targets := c.StringSlice("target-namespace")
	return withSourceOutput(c, "translate", 0, func(src repo.Source, w *bufio.Writer) error {
		for _, id := range c.Args().Slice() {
			if emptyAlias(id, "") {
				return fmt.Errorf("translate %s: %w", id, &repo.NotFoundError{Alias: id})
			}
			out, err := repo.Translate(c.Context, src, id, targets)
			if err != nil {
				return fmt.Errorf("translate %s: %w", id, err)
			}
			for _, s := range out {
				w.WriteString(s + "\n")
			}
		}
		return nil
	})
}
