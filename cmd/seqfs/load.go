package main

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
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
			"an error or interruption keeps the batches committed before it and nothing of the rest.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Required: true, Usage: "namespace of the aliases (e.g. NCBI, Ensembl, me)"},
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
	}
	if err := w.Commit(c.Context); err != nil {
		return err
	}
	bar.update(seqs, residues, aliases, true)
	bar.done()
	writeSummary(c.App.ErrWriter, "loaded", dir, seqs, added, aliases, residues, time.Since(start))
	return nil
}
