package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/repo"
)

// loadCollectionFlag checks load's --collection against its arguments: it
// names the collection of one file.
func loadCollectionFlag(c *cli.Context) (string, error) {
	name := c.String("collection")
	if name != "" && c.NArg() > 1 {
		return "", usagef("--collection names the collection of one file; load %d files with one command each, or without --collection to name each after its file", c.NArg())
	}
	if name == "" && slices.Contains(c.Args().Slice(), "-") {
		fmt.Fprintln(c.App.ErrWriter, "seqfs load: standard input's collection is recorded by its digest only; name it with --collection NAME")
	}
	if name != "" {
		if err := repo.CheckCollectionName(name); err != nil {
			return "", usagef("--collection: %v", err)
		}
	}
	return name, nil
}

// collectionStem returns the collection name of a FASTA file: its base
// name without .gz or .bgz and then without .fa, .fasta or .fna.
func collectionStem(path string) string {
	name := filepath.Base(path)
	for _, suffixes := range [][]string{{".gz", ".bgz"}, {".fa", ".fasta", ".fna"}} {
		for _, suf := range suffixes {
			if s, ok := strings.CutSuffix(name, suf); ok && s != "" {
				name = s
				break
			}
		}
	}
	return name
}

// fileCollection gathers the records of one loaded file.
type fileCollection struct{ c repo.Collection }

// add appends a record: its name (first word), seq_id and length.
func (f *fileCollection) add(name, seqID string, length int) {
	f.c.Names = append(f.c.Names, name)
	f.c.SeqIDs = append(f.c.SeqIDs, seqID)
	f.c.Lengths = append(f.c.Lengths, int64(length))
}

// store records the file's records as a collection in w, named explicit
// or else after the file. Standard input has no file name: without
// --collection its collection is recorded by digest only (SeqRepo's
// `load -n NS -` keeps working). A file that cannot make a collection (no
// records, or a name used twice) is an error when the name was given
// explicitly and a logged warning otherwise: the sequences are loaded
// either way, as SeqRepo's loader would.
func (f *fileCollection) store(ctx context.Context, w repo.CollectionWriter, path, explicit string) error {
	name := explicit
	if name == "" && path != "-" {
		name = collectionStem(path)
	}
	if err := repo.CheckStorableCollection(name, f.c); err != nil {
		if explicit != "" {
			return fmt.Errorf("%s: %w", path, err)
		}
		slog.Warn("file not recorded as a collection", "file", path, "err", err)
		return nil
	}
	d, err := w.StoreCollection(ctx, name, f.c)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	slog.Info("collection recorded", "file", path, "name", name, "digest", d, "sequences", f.c.Len())
	return nil
}
