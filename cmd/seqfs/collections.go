package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "collections",
		Usage: "list the stored sequence collections (name, seqcol digest, sequences, residues)",
		Description: "Prints one line per collection, sorted by name (unnamed collections last): its names\n" +
			"(comma-separated, \"-\" when it has none), its seqcol level-0 digest, its number of\n" +
			"sequences and its total residues.",
		Action:       collectionsAction,
		OnUsageError: onUsageError,
	}, &cli.Command{
		Name:      "collection",
		Usage:     "print a stored sequence collection as seqcol JSON",
		ArgsUsage: "NAME|DIGEST",
		Description: "Prints the collection a name or seqcol digest refers to: --level 2 (the default) the\n" +
			"arrays (names, lengths, sequences, name_length_pairs, sorted_sequences), --level 1 a\n" +
			"digest per attribute, --level 0 the collection's digest. The JSON is canonical (RFC 8785).",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "level", Aliases: []string{"l"}, Value: 2, Usage: "representation level: 0, 1 or 2"},
		},
		Action:       collectionAction,
		OnUsageError: onUsageError,
	})
}

// sourceCollections returns the collection interface of src, with an error
// that says so when src cannot hold collections.
func sourceCollections(src repo.Source) (repo.CollectionSource, error) {
	cs, err := repo.Collections(src)
	if err != nil {
		return nil, fmt.Errorf("this source holds no sequence collections (%w)", err)
	}
	return cs, nil
}

// storedCollections returns src's collection interface and its
// collections, sorted by their first name (unnamed ones last, by digest).
func storedCollections(ctx context.Context, src repo.Source) (repo.CollectionSource, []repo.CollectionInfo, error) {
	cs, err := sourceCollections(src)
	if err != nil {
		return nil, nil, err
	}
	var infos []repo.CollectionInfo
	for info, err := range cs.Collections(ctx) {
		if errors.Is(err, repo.ErrUnsupported) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("list collections: %w", err)
		}
		infos = append(infos, info)
	}
	slices.SortFunc(infos, func(a, b repo.CollectionInfo) int {
		switch {
		case len(a.Names) == 0 && len(b.Names) > 0:
			return 1
		case len(a.Names) > 0 && len(b.Names) == 0:
			return -1
		case len(a.Names) > 0:
			if c := cmp.Compare(a.Names[0], b.Names[0]); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Digest, b.Digest)
	})
	return cs, slices.CompactFunc(infos, func(a, b repo.CollectionInfo) bool { return a.Digest == b.Digest }), nil
}

func collectionsAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("collections: unexpected argument %q", c.Args().First())
	}
	return withSourceOutput(c, "collections", 0, func(src repo.Source, w *bufio.Writer) error {
		_, infos, err := storedCollections(c.Context, src)
		if err != nil {
			return fmt.Errorf("collections: %w", err)
		}
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tDIGEST\tSEQUENCES\tRESIDUES")
		for _, info := range infos {
			name := strings.Join(info.Names, ",")
			if name == "" {
				name = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", name, info.Digest, info.Sequences, info.Residues)
		}
		return tw.Flush()
	})
}

func collectionAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("collection: one NAME or DIGEST is required")
	}
	level := c.Int("level")
	if level < 0 || level > 2 {
		return usagef("collection: --level must be 0, 1 or 2, not %d", level)
	}
	ref := c.Args().First()
	return withSourceOutput(c, "collection", 0, func(src repo.Source, w *bufio.Writer) error {
		cs, err := sourceCollections(src)
		if err != nil {
			return fmt.Errorf("collection %s: %w", ref, err)
		}
		coll, digest, err := cs.Collection(c.Context, ref)
		if err != nil {
			return fmt.Errorf("collection %s: %w", ref, err)
		}
		switch level {
		case 0:
			w.WriteString(digest)
		case 1:
			w.Write(repo.NewSeqcol(coll).Level1JSON())
		default:
			w.Write(repo.NewSeqcol(coll).Level2JSON())
		}
		return w.WriteByte('\n')
	})
}
