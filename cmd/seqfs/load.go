package main

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	fastain "github.com/seqfs/seqfs/fasta"
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
	collName, err := loadCollectionFlag(c)
	if err != nil {
		return err
	}
	ns := c.String("namespace")
	if err := fastain.ValidateNamespace(ns); err != nil {
		return usagef("-n: %v", err)
	}
	if c.NArg() == 0 {
		return usagef("load needs at least one FASTA file (- for standard input)")
	}
	w, err := openWriteInstance(c)
	if err != nil {
		return err
	}
	defer w.Close()
	dir := w.Dir()
	bar := newRateBar("load")
	defer bar.done()
	var seqs, added, residues, aliases int64
	start := time.Now()
	for _, path := range c.Args().Slice() {
		r, err := fastain.Open(path)
		if err != nil {
			return err
		}
		var coll fileCollection
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
				coll.add(rec.Name(), res.SeqID, len(seq))
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
		if err := coll.store(c.Context, w, path, collName); err != nil {
			return err
		}
	}
	if err := w.Commit(c.Context); err != nil {
		return err
	}
	bar.update(seqs, residues, aliases, true)
	bar.done()
	writeSummary(c.App.ErrWriter, "loaded", dir, seqs, added, aliases, residues, time.Since(start))
	return nil
}
