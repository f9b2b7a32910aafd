package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
	fastain "github.com/seqfs/seqfs/fasta"
	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "load",
		Usage:     "load FASTA files into a SeqRepo instance (default <root>/master)",
		ArgsUsage: "FASTA...",
		Description: "Reads plain, gzip or BGZF FASTA (- for standard input). Each record's aliases come from its defline " +
			"as SeqRepo's loader makes them: NAMESPACE:<first word>, or refseq:X for each NCBI ref|X pair. " +
			"Sequences are upper-cased. Batches are committed every 20,000 sequences, 60,000 aliases or 1e9 residues; " +
			"an error or interruption keeps the batches committed before it and nothing of the rest. " +
			"Each file is also recorded as a sequence collection (its records' first words as names, in file order) " +
			"named after the file (its name without directory and .gz/.bgz and .fa/.fasta/.fna) or --collection; " +
			"a name given again moves to the new collection, whose predecessor stays reachable by its digest.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Required: true, Usage: "namespace of the aliases (e.g. NCBI, Ensembl, me)"},
			&cli.StringFlag{Name: "collection", Usage: "name of the collection recorded for the file (required for - , one file only)"},
			writeInstanceFlag(),
		},
		OnUsageError: onUsageError,
		Action:       loadAction,
	})
}

func loadAction(c *cli.Context) error {
	ns := c.String("namespace")
	if err := fastain.ValidateNamespace(ns); err != nil {
		return usagef("-n: %v", err)
	}
	if c.NArg() == 0 {
		return usagef("load needs at least one FASTA file (- for standard input)")
	}
	collName := c.String("collection")
	if collName != "" && c.NArg() > 1 {
		return usagef("--collection names the collection of one file; load %d files with one command each, or without --collection to name each after its file", c.NArg())
	}
	for _, path := range c.Args().Slice() {
		if path == "-" && collName == "" {
			return usagef("loading standard input (-) needs --collection NAME to name its collection")
		}
	}
	if collName != "" {
		if err := repo.CheckCollectionName(collName); err != nil {
			return usagef("--collection: %v", err)
		}
	}
	dir, err := writeInstanceDir(c)
	if err != nil {
		return err
	}
	w, err := seqrepo.OpenWriter(c.Context, dir, seqrepo.WriterOptions{})
	if err != nil {
		return err
	}
	defer w.Close()
	bar := newRateBar("load")
	defer bar.done()
	var seqs, added, residues, aliases int64
	start := time.Now()
	for _, path := range c.Args().Slice() {
		r, err := fastain.Open(path)
		if err != nil {
			return err
		}
		coll := repo.Collection{}
		err = func() error {
			defer r.Close()
			for {
				rec, err := r.Next()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				nsa, err := fastain.ParseDefline(rec.Header, ns)
				if err != nil {
					return fmt.Errorf("%s:%d: %w", path, rec.Line, err)
				}
				seq := bytes.ToUpper(rec.Seq)
				res, err := w.Store(c.Context, seq, nsa)
				if err != nil {
					return fmt.Errorf("%s:%d: record %q: %w", path, rec.Line, rec.Name(), err)
				}
				coll.Names = append(coll.Names, rec.Name())
				coll.SeqIDs = append(coll.SeqIDs, res.SeqID)
				coll.Lengths = append(coll.Lengths, int64(len(seq)))
				seqs++
				added += int64(res.SequencesAdded)
				aliases += int64(res.AliasesAdded)
				residues += int64(len(seq))
				bar.update(seqs, residues, aliases, false)
			}
		}()
		if err != nil {
			return err
		}
		if err := storeFileCollection(c.Context, w, path, collName, coll); err != nil {
			return err
		}
	}
	if err := w.Commit(c.Context); err != nil {
		return err
	}
	bar.update(seqs, residues, aliases, true)
	slog.Info("load done", "instance", dir, "sequences", seqs, "new", added, "aliases", aliases,
		"residues", residues, "seconds", time.Since(start).Seconds())
	return nil
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

// storeFileCollection records the records of one loaded file as a
// collection, named explicit or else after the file. A file that cannot
// make a collection (no records, or a name used twice) is an error when
// the name was given explicitly and a logged warning otherwise: the
// sequences are loaded either way, as SeqRepo's loader would.
func storeFileCollection(ctx context.Context, w repo.CollectionWriter, path, explicit string, coll repo.Collection) error {
	name := explicit
	if name == "" {
		name = collectionStem(path)
	}
	if err := repo.CheckStorableCollection(name, coll); err != nil {
		if explicit != "" {
			return fmt.Errorf("%s: %w", path, err)
		}
		slog.Warn("file not recorded as a collection", "file", path, "err", err)
		return nil
	}
	d, err := w.StoreCollection(ctx, name, coll)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	slog.Info("collection recorded", "file", path, "name", name, "digest", d, "sequences", coll.Len())
	return nil
}
