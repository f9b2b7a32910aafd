package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// statsSource is what status needs from a source: SeqRepo's show-status
// counts and the directory they describe. Only SeqRepo-layout instances
// have them.
type statsSource interface {
	Stats(ctx context.Context) (seqrepo.Stats, error)
	Dir() string
}

func init() {
	commands = append(commands, &cli.Command{
		Name:    "status",
		Aliases: []string{"show-status"},
		Usage:   "show an instance's size and counts (seqrepo show-status)",
		Description: "For each source (the -r/-i instance, each -s, or each source of --config) prints\n" +
			"seqrepo show-status's report. Sources other than SeqRepo-layout instances have no\n" +
			"statistics; status says so and exits 1.",
		Action:       statusAction,
		OnUsageError: onUsageError,
	})
}

func statusAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("status: unexpected argument %q", c.Args().First())
	}
	cfg, err := readSourceConfig(c)
	if err != nil {
		return err
	}
	settings := backendSettings(c)
	w := bufio.NewWriter(c.App.Writer)
	defer w.Flush()
	fmt.Fprintf(w, "seqfs %s\n", version)
	for _, m := range cfg.Members {
		if err := statusOne(c.Context, w, m.URL, settings.Merge(m.Settings)); err != nil {
			w.Reset(io.Discard) // print nothing on stdout when a source fails
			return withOpenHint(c, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("status: write output: %w", err)
	}
	return nil
}

// statusOne prints the show-status lines (after the version line) for one
// source location, opened with settings.
func statusOne(ctx context.Context, w io.Writer, loc string, settings repo.Settings) error {
	src, err := registry.Open(ctx, loc, settings)
	if err != nil {
		return err
	}
	defer src.Close()
	ss, ok := src.(statsSource)
	if !ok {
		return fmt.Errorf("status of %s: this kind of source (%T) keeps no SeqRepo statistics: %w", loc, src, repo.ErrUnsupported)
	}
	st, err := ss.Stats(ctx)
	if err != nil {
		return fmt.Errorf("status of %s: %w", loc, err)
	}
	// SeqRepo prints the instance directory as given (root/instance);
	// a URL or a root directory is shown as the instance it resolved to.
	dir := ss.Dir()
	if !strings.Contains(loc, "://") {
		if abs, err := filepath.Abs(loc); err == nil && abs == dir {
			dir = loc
		}
	}
	fmt.Fprintf(w, "instance directory: %s, %.1f GB\n", dir, float64(st.SizeBytes)/1e9)
	fmt.Fprintf(w, "backends: fastadir (schema %s), seqaliasdb (schema %s) \n", st.SchemaVersion, st.SchemaVersion)
	fmt.Fprintf(w, "sequences: %d sequences, %d residues, %d files\n", st.Sequences, st.Residues, st.Files)
	fmt.Fprintf(w, "aliases: %d aliases, %d current, %d namespaces, %d sequences\n",
		st.Aliases, st.CurrentAliases, st.Namespaces, st.AliasSequences)
	return nil
}
