package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/collectionfile"
	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "compare",
		Usage:     "compare two sequence collections (the seqcol comparison)",
		ArgsUsage: "A B",
		Description: "A and B are each a local file (- for standard input) or a stored collection (name\n" +
			"or seqcol digest); an existing file wins over a collection of the same name. Files: FASTA\n" +
			"(plain, gzip or BGZF; sequence digests are computed), .fai (names and lengths), .dict or\n" +
			"SAM header (names, lengths, and sequences through the source's MD5 aliases when it has\n" +
			"them all).\n" +
			"Prints the GA4GH seqcol comparison object: digests, attributes (a_only, b_only, a_and_b)\n" +
			"and array_elements (a_count, b_count, a_and_b_count, a_and_b_same_order).",
		Action:       compareAction,
		OnUsageError: onUsageError,
	})
}

// lazySource opens the source the global flags select on first use, so
// that commands on local files only work without one.
type lazySource struct {
	c   *cli.Context
	src repo.Source
	err error
}

func (l *lazySource) get() (repo.Source, error) {
	if l.src == nil && l.err == nil {
		l.src, l.err = openSource(l.c)
	}
	return l.src, l.err
}

func (l *lazySource) Close() {
	if l.src != nil {
		l.src.Close()
	}
}

// loadOperand reads a local file when arg names one, else looks arg up
// among the stored collections.
func loadOperand(ctx context.Context, arg string, src *lazySource) (*repo.Seqcol, error) {
	if st, err := os.Stat(arg); arg == "-" || err == nil && !st.IsDir() {
		f, err := collectionfile.ReadFile(arg)
		if err != nil {
			return nil, err
		}
		sc, _ := fileSeqcol(ctx, f, src)
		return sc, nil
	}
	s, err := src.get()
	if err != nil {
		return nil, fmt.Errorf("%s is not a file; open the source to look for a collection: %w", arg, err)
	}
	cs, err := sourceCollections(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not a file and %w", arg, err)
	}
	coll, _, err := cs.Collection(ctx, arg)
	if err != nil {
		return nil, fmt.Errorf("%s is neither a file nor a stored collection: %w", arg, err)
	}
	return repo.NewSeqcol(coll), nil
}

// fileSeqcol returns the collection a file describes and its seq_ids (nil
// when it has no sequences). A SAM header's sequences are found through
// the source's MD5 aliases; when the source is unavailable or lacks one of
// them, the collection has names and lengths only.
func fileSeqcol(ctx context.Context, f *collectionfile.File, src *lazySource) (*repo.Seqcol, []string) {
	ids := f.SeqIDs
	if ids == nil && f.MD5s != nil {
		var err error
		if ids, err = seqIDsByMD5(ctx, f.MD5s, src); err != nil {
			slog.Warn("comparing names and lengths only", "file", f.Path, "reason", err)
		}
	}
	if ids != nil {
		return repo.NewSeqcol(repo.Collection{Names: f.Names, SeqIDs: ids, Lengths: f.Lengths}), ids
	}
	s, err := repo.NewCoordinateSeqcol(f.Names, f.Lengths)
	if err != nil {
		panic(err) // collectionfile returns collated names and lengths
	}
	return s, nil
}

// seqIDsByMD5 resolves MD5 digests to seq_ids through the source's MD5
// aliases.
func seqIDsByMD5(ctx context.Context, md5s []string, lazy *lazySource) ([]string, error) {
	for _, m := range md5s {
		if m == "" {
			return nil, errors.New("an @SQ line has no M5 tag")
		}
	}
	src, err := lazy.get()
	if err != nil {
		return nil, fmt.Errorf("no source to look the M5 digests up: %w", err)
	}
	ids := make([]string, len(md5s))
	for i, m := range md5s {
		for a, err := range src.FindAliases(ctx, repo.AliasQuery{Namespace: "MD5", Alias: m}) {
			if err != nil {
				return nil, fmt.Errorf("look up MD5 %s: %w", m, err)
			}
			ids[i] = a.SeqID
			break
		}
		if ids[i] == "" {
			return nil, fmt.Errorf("the source has no sequence with MD5 %s", m)
		}
	}
	return ids, nil
}

func compareAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("compare: two collections (A B) are required")
	}
	src := &lazySource{c: c}
	defer src.Close()
	a, err := loadOperand(c.Context, c.Args().Get(0), src)
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	b, err := loadOperand(c.Context, c.Args().Get(1), src)
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	out, err := json.MarshalIndent(repo.CompareSeqcols(a, b), "", "  ")
	if err != nil {
		return fmt.Errorf("compare: encode: %w", err)
	}
	return writeOutput(c, "compare", 0, func(w *bufio.Writer) error {
		w.Write(out)
		return w.WriteByte('\n')
	})
}
