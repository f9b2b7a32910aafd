package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/assembly"
	"github.com/seqfs/seqfs/backends/seqrepo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "add-assembly-names",
		Usage:     "add assembly names (GRCh38:chr1, …) as aliases and assemblies as sequence collections (seqrepo add-assembly-names)",
		ArgsUsage: "[ASSEMBLY...]",
		Description: "SeqRepo's add-assembly-names, writing the same alias rows: for each assembly (in name order) whose name is " +
			"not yet a namespace (or every one with --reload-all), each sequence with relationship = or <> whose RefSeq " +
			"accession is an NCBI alias gets the aliases <assembly>:<name> and <assembly>:<UCSC-style name> " +
			"(GRCh38.p14:1, GRCh38.p14:chr1). An assembly with accessions the instance lacks gets none unless --partial-load. " +
			"The assemblies are SeqRepo's built-in ones (" + strings.Join(assembly.BuiltinNames(), ", ") + "), or only those " +
			"named as arguments, or, with --assembly-report, only the assemblies of those NCBI *_assembly_report.txt files " +
			"(the '# Assembly name:' header names each).\n\n" +
			"Each assembly also becomes sequence collections, stored with its aliases in one commit per assembly: " +
			"<assembly> (every = / <> sequence, report order, Sequence-Name names) and <assembly>.primary (the Primary " +
			"Assembly unit), each also as <…>.ucsc, <…>.refseq and <…>.genbank with those names " +
			"(GRCh38.p14.primary.ucsc has hg38's names without alts). A collection is made only when the instance holds all " +
			"its sequences, with the lengths the assembly gives, and a name style only when every sequence has a name in it; " +
			"what is not made is reported. Collections are made for assemblies already present too (storing one again " +
			"changes nothing).",
		Flags: []cli.Flag{
			writeInstanceFlag(),
			&cli.BoolFlag{Name: "reload-all", Aliases: []string{"r"}, Usage: "reload all assemblies, not just those missing as namespaces"},
			&cli.BoolFlag{Name: "partial-load", Aliases: []string{"p"}, Usage: "assign assembly aliases even if some sequences are missing"},
			&cli.StringSliceFlag{Name: "assembly-report", Usage: "an NCBI assembly report to load instead of the built-in assemblies (repeatable)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "report what would be done; commit nothing"},
		},
		OnUsageError: onUsageError,
		Action:       addAssemblyNamesAction,
	})
}

func addAssemblyNamesAction(c *cli.Context) error {
	candidates, err := assembliesToConsider(c.StringSlice("assembly-report"), c.Args().Slice())
	if err != nil {
		return err
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
	t, ok := any(w).(assembly.Target)
	if !ok {
		return fmt.Errorf("add-assembly-names: the SeqRepo writer of this build cannot store sequence collections")
	}
	opts := assembly.Options{ReloadAll: c.Bool("reload-all"), PartialLoad: c.Bool("partial-load"), DryRun: c.Bool("dry-run")}
	results, err := assembly.Load(c.Context, t, candidates, opts)
	printAssemblyResults(c.App.Writer, results, opts.DryRun)
	return err
}

// assembliesToConsider returns the assemblies of the reports if any are
// given, else the built-in ones; names, if given, select among them.
func assembliesToConsider(reports, names []string) ([]*assembly.Assembly, error) {
	if len(reports) == 0 {
		if len(names) == 0 {
			return assembly.Builtins()
		}
		var out []*assembly.Assembly
		for _, n := range names {
			a, err := assembly.Builtin(n)
			if err != nil {
				return nil, usageError{err}
			}
			out = append(out, a)
		}
		return out, nil
	}
	var all []*assembly.Assembly
	for _, p := range reports {
		a, err := assembly.ReadReport(p)
		if err != nil {
			return nil, err
		}
		all = append(all, a)
	}
	if len(names) == 0 {
		return all, nil
	}
	var out []*assembly.Assembly
	for _, n := range names {
		i := slices.IndexFunc(all, func(a *assembly.Assembly) bool { return a.Name == n })
		if i < 0 {
			return nil, usagef("assembly %s is not in the given reports", n)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// printAssemblyResults tells the user what happened to each assembly.
func printAssemblyResults(out io.Writer, results []assembly.Result, dryRun bool) {
	for _, r := range results {
		switch {
		case r.AliasesSkipped != "":
			fmt.Fprintf(out, "%s: aliases skipped: %s\n", r.Assembly, r.AliasesSkipped)
		case len(r.Missing) > 0:
			fmt.Fprintf(out, "%s: %d sequences, %d aliases added; %d sequences missing from the instance (partial load)\n",
				r.Assembly, r.Sequences, r.AliasesAdded, len(r.Missing))
		default:
			fmt.Fprintf(out, "%s: %d sequences, %d aliases added\n", r.Assembly, r.Sequences, r.AliasesAdded)
		}
		for _, sc := range r.Collections {
			state := "stored"
			if sc.Unchanged {
				state = "unchanged"
			}
			fmt.Fprintf(out, "  collection %s %s (%d sequences, %d residues) %s\n", sc.Name, sc.Digest, sc.Sequences, sc.Residues, state)
		}
		for _, s := range r.SkippedCollections {
			fmt.Fprintf(out, "  collection not made: %s\n", s)
		}
	}
	if dryRun {
		fmt.Fprintln(out, "dry run: nothing was committed")
	}
}
