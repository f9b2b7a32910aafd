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
	src, err := openSource(c)
	if err != nil {
		return err
	}
	defer src.Close()
	targets := c.StringSlice("target-namespace")
	w := bufio.NewWriter(c.App.Writer)
	for _, id := range c.Args().Slice() {
		if emptyAlias(id, "") {
			w.Flush()
			return fmt.Errorf("translate %s: %w", id, &repo.NotFoundError{Alias: id})
		}
		out, err := repo.Translate(c.Context, src, id, targets)
		if err != nil {
			w.Flush()
			return fmt.Errorf("translate %s: %w", id, err)
		}
		for _, s := range out {
			w.WriteString(s + "\n")
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("translate: write output: %w", err)
	}
	return nil
}
