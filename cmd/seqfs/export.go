package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/repo"
)

// exportLineWidth is SeqRepo's FASTA line width for export.
const exportLineWidth = 100

func init() {
	commands = append(commands,
		&cli.Command{
			Name:      "export",
			Usage:     "write sequences as FASTA to stdout (seqrepo export)",
			ArgsUsage: "[ALIAS...]",
			Description: "Without arguments exports every sequence (ordered by seq_id) with all its aliases; with -n\n" +
				"only the sequences having an alias in that namespace, with those aliases; with ALIAS\n" +
				"arguments (SQL LIKE patterns when they contain %) the matching sequences and aliases.\n" +
				"Headers list ns:alias sorted by namespace then alias; lines are 100 residues.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "namespace (e.g. refseq, NCBI, Ensembl, LRG)"},
			},
			Action:       exportAction,
			OnUsageError: onUsageError,
		},
		&cli.Command{
			Name:  "export-aliases",
			Usage: "print every sequence's aliases, one tab-separated line per sequence (seqrepo export-aliases)",
			Description: "Lines are ordered by seq_id; each starts with GA4GH:SQ.<seq_id> followed by the other\n" +
				"aliases (VMC first, then codepoint order). With -n only sequences having an alias in that\n" +
				"exact namespace are printed (whole lines, unlike seqrepo, which drops leading entries).",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "only sequences with an alias in this namespace"},
			},
			Action:       exportAliasesAction,
			OnUsageError: onUsageError,
		})
}

func exportAction(c *cli.Context) error {
	ns := c.String("namespace")
	return withSourceOutput(c, "export", 64<<10, func(src repo.Source, w *bufio.Writer) error {
		ctx := c.Context
		var (
			err     error
			missing []string
			records int
		)
		write := func(seqID string, recs []repo.Alias) error {
			records++
			return exportRecord(ctx, w, src, seqID, recs)
		}
		switch {
		case c.NArg() > 0:
			err = groupBySeqID(exportAliasRecords(ctx, src, ns, c.Args().Slice(), &missing), write)
		case ns != "":
			dbns, _ := repo.TranslateAPI2DB(ns, "")
			err = groupBySeqID(expanded(src.FindAliases(ctx, repo.AliasQuery{Namespace: dbns})), write)
			if err == nil && records == 0 {
				err = fmt.Errorf("namespace %s has no aliases: %w", ns, repo.ErrNotFound)
			}
		default:
			err = exportAll(ctx, w, src)
		}
		if err == nil && len(missing) > 0 {
			err = exportMissing(ns, missing, records)
		}
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	})
}

// exportAll writes every sequence, ordered by seq_id, with all its current
// aliases and their translations.
func exportAll(ctx context.Context, w io.Writer, src repo.Source) error {
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			return fmt.Errorf("list sequences: %w", err)
		}
		aliases, err := repo.Aliases(ctx, src, info.SeqID)
		if err != nil {
			return fmt.Errorf("aliases of %s: %w", info.SeqID, err)
		}
		if err := writeFASTARecord(ctx, w, src, info.SeqID, info.Length, aliases); err != nil {
			return err
		}
	}
	return nil
}

// exportMissing is the error of an export whose aliases matched nothing
// (some of them, or all: then the output is empty). An alias written
// "NS:alias" without -n gets the command that selects it, since export
// matches its arguments as aliases (as SeqRepo does), not as identifiers.
func exportMissing(ns string, missing []string, exported int) error {
	msg := fmt.Sprintf("no sequence has the alias %s", strings.Join(missing, ", "))
	if ns != "" {
		msg += " in namespace " + ns
	}
	if exported > 0 {
		msg += fmt.Sprintf(" (the other %d sequences were written)", exported)
	}
	if ns == "" {
		for _, a := range missing {
			if n, al, ok := strings.Cut(a, ":"); ok && n != "" && al != "" {
				msg += fmt.Sprintf("; export matches its arguments as aliases: to select alias %s in namespace %s use `seqfs export -n %s %s`", al, n, n, al)
				break
			}
		}
	}
	return fmt.Errorf("%s: %w", msg, repo.ErrNotFound)
}

// exportAliasRecords streams, for each distinct alias in the order given,
// the current records matching (namespace, alias) — with SeqRepo's API→DB
// translation and LIKE semantics — each followed by its translations. An
// alias that matches nothing is skipped (SeqRepo prints nothing for it)
// and appended to *missing.
func exportAliasRecords(ctx context.Context, src repo.Source, ns string, aliases []string, missing *[]string) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		seen := map[string]bool{}
		for _, a := range aliases {
			if seen[a] {
				continue
			}
			seen[a] = true
			dbns, dbal := repo.TranslateAPI2DB(ns, a)
			if dbal == "" {
				// SeqRepo compares alias = '' which matches no record.
				*missing = append(*missing, a)
				continue
			}
			n := 0
			for rec, err := range expanded(src.FindAliases(ctx, repo.AliasQuery{Namespace: dbns, Alias: dbal})) {
				if err != nil {
					yield(rec, fmt.Errorf("find alias %s: %w", a, err))
					return
				}
				n++
				if !yield(rec, nil) {
					return
				}
			}
			if n == 0 {
				*missing = append(*missing, a)
			}
		}
	}
}

// expanded inserts each record's DB→API translations right after it.
func expanded(recs iter.Seq2[repo.Alias, error]) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		for a, err := range recs {
			if err != nil {
				yield(a, err)
				return
			}
			if !yield(a, nil) {
				return
			}
			for _, t := range repo.TranslateDB2API(a) {
				if !yield(t, nil) {
					return
				}
			}
		}
	}
}

// groupBySeqID calls fn for each run of consecutive records with the same
// seq_id (Python's itertools.groupby); only one run is held at a time.
func groupBySeqID(recs iter.Seq2[repo.Alias, error], fn func(seqID string, recs []repo.Alias) error) error {
	var cur []repo.Alias
	for a, err := range recs {
		if err != nil {
			return err
		}
		if len(cur) > 0 && cur[0].SeqID != a.SeqID {
			if err := fn(cur[0].SeqID, cur); err != nil {
				return err
			}
			cur = cur[:0]
		}
		cur = append(cur, a)
	}
	if len(cur) > 0 {
		return fn(cur[0].SeqID, cur)
	}
	return nil
}

func exportRecord(ctx context.Context, w io.Writer, src repo.Source, seqID string, recs []repo.Alias) error {
	info, err := src.Info(ctx, seqID)
	if err != nil {
		return fmt.Errorf("sequence %s: %w", seqID, err)
	}
	return writeFASTARecord(ctx, w, src, seqID, info.Length, recs)
}

// writeFASTARecord writes ">" + the aliases as ns:alias sorted by
// (namespace, alias), space-separated, then the sequence in 100-residue
// lines.
func writeFASTARecord(ctx context.Context, w io.Writer, src repo.Source, seqID string, length int64, recs []repo.Alias) error {
	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b repo.Alias) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Alias, b.Alias))
	})
	var hdr strings.Builder
	hdr.WriteByte('>')
	for i, a := range sorted {
		if i > 0 {
			hdr.WriteByte(' ')
		}
		hdr.WriteString(a.String())
	}
	hdr.WriteByte('\n')
	if _, err := io.WriteString(w, hdr.String()); err != nil {
		return err
	}
	if err := writeResidues(ctx, w, src, seqID, 0, length, exportLineWidth); err != nil {
		return fmt.Errorf("sequence %s: %w", seqID, err)
	}
	return nil
}

func exportAliasesAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("export-aliases: unexpected argument %q", c.Args().First())
	}
	ns := c.String("namespace")
	return withSourceOutput(c, "export-aliases", 64<<10, func(src repo.Source, w *bufio.Writer) error {
		err := groupBySeqID(expanded(src.FindAliases(c.Context, repo.AliasQuery{})), func(_ string, recs []repo.Alias) error {
			if line, ok := aliasLine(recs, ns); ok {
				_, err := w.WriteString(line)
				return err
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("export-aliases: %w", err)
		}
		return nil
	})
}

// aliasLine renders one export-aliases line for a sequence's records: the
// ns:alias strings with VMC entries first, then in codepoint order, the
// first entry's "VMC:GS_" rewritten to "GA4GH:SQ.", tab-separated. With ns
// set, ok is false unless a record is in exactly that namespace.
func aliasLine(recs []repo.Alias, ns string) (string, bool) {
	if ns != "" && !slices.ContainsFunc(recs, func(a repo.Alias) bool { return a.Namespace == ns }) {
		return "", false
	}
	names := make([]string, len(recs))
	for i, a := range recs {
		names[i] = a.String()
	}
	slices.SortStableFunc(names, func(a, b string) int {
		va, vb := strings.HasPrefix(a, "VMC:"), strings.HasPrefix(b, "VMC:")
		if va != vb {
			if va {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	if len(names) == 0 {
		return "", false
	}
	names[0] = strings.ReplaceAll(names[0], "VMC:GS_", "GA4GH:SQ.")
	return strings.Join(names, "\t") + "\n", true
}
