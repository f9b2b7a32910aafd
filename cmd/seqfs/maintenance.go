package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
	fastain "github.com/seqfs/seqfs/fasta"
	"github.com/seqfs/seqfs/repo"
)

// SeqRepo's maintenance commands: update-digests, upgrade, fetch-load,
// start-shell.

// updateDigestsPage is how many seq_ids update-digests reads from the
// database at a time (memory stays bounded at any instance size).
const updateDigestsPage = 1000

func init() {
	commands = append(commands, &cli.Command{
		Name:  "update-digests",
		Usage: "recompute the VMC, SHA1, MD5 and SEGUID aliases of every sequence (default instance master)",
		Description: "Reads every sequence of the instance and binds its four digest aliases, adding any that are missing,\n" +
			"then commits (seqrepo's command never commits, so its changes are lost; this one keeps them).",
		Flags:        []cli.Flag{writeInstanceFlag()},
		OnUsageError: onUsageError,
		Action:       updateDigestsAction,
	}, &cli.Command{
		Name:         "upgrade",
		Usage:        "bring an instance's databases to the current schema (default instance master)",
		Description:  "Checks both databases and prints \"upgraded to schema version N\" as seqrepo upgrade does; schema 1 is the only one, so there is nothing to migrate.",
		Flags:        []cli.Flag{writeInstanceFlag()},
		OnUsageError: onUsageError,
		Action:       upgradeAction,
	}, &cli.Command{
		Name:      "fetch-load",
		Usage:     "copy sequences by accession from a source (refget façade, REST service, any URL) into an instance (default master)",
		ArgsUsage: "ACCESSION...",
		Description: `seqrepo fetch-load downloads accessions from NCBI; seqfs fetches them from --from,
any source URL (refget+https://…, seqrepo+http://…/seqrepo, s3://…, redis://…, a directory),
and stores each as NAMESPACE:ACCESSION in the writable instance. Accessions the instance
already has in NAMESPACE are skipped.

Example:
  seqfs -r /srv/seqrepo fetch-load -n NCBI --from refget+https://refget.example.org NM_000551.3`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Required: true, Usage: "namespace of the stored aliases"},
			&cli.StringFlag{Name: "from", Required: true, Usage: "source `URL` to fetch the accessions from"},
			writeInstanceFlag(),
		},
		OnUsageError: onUsageError,
		Action:       fetchLoadAction,
	}, &cli.Command{
		Name:  "start-shell",
		Usage: "open the sqlite3 shell on an instance's databases, read-only (default instance latest)",
		Description: "Runs sqlite3 on aliases.sqlite3 (tables seqalias, …) with sequences/db.sqlite3 attached as \"seqs\"\n" +
			"(table seqs.seqinfo), both read-only. seqrepo's start-shell opens IPython instead.\n\n" +
			"Example:\n  seqfs start-shell <<< 'select count(*) from seqs.seqinfo;'",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "instance-name", Aliases: []string{"i"}, Usage: "instance under the root directory (default: latest)"},
			&cli.StringFlag{Name: "sqlite3", Value: "sqlite3", Usage: "sqlite3 shell executable"},
		},
		OnUsageError: onUsageError,
		Action:       startShellAction,
	})
}

func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("%s takes no arguments (got %q)", c.Command.Name, c.Args().First())
	}
	return nil
}

func updateDigestsAction(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	w, err := openWriteInstance(c)
	if err != nil {
		return err
	}
	defer w.Close()
	dir := w.Dir()
	db, err := sql.Open("sqlite3", readOnlyDSN(seqrepo.SeqInfoDBPath(dir)))
	if err != nil {
		return fmt.Errorf("update-digests: %w", err)
	}
	defer db.Close()
	bar := newRateBar("update-digests")
	defer bar.done()
	var seqs, residues, added int64
	for after := ""; ; {
		ids, err := seqIDPage(c.Context, db, after)
		if err != nil {
			return fmt.Errorf("update-digests: list sequences of %s: %w", dir, err)
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			n, err := restoreDigests(c.Context, w, id)
			if err != nil {
				return fmt.Errorf("update-digests: %s: %w", id, err)
			}
			seqs++
			residues += n.residues
			added += n.added
			bar.update(seqs, residues, added, false)
		}
		after = ids[len(ids)-1]
	}
	if err := w.Commit(c.Context); err != nil {
		return err
	}
	bar.update(seqs, residues, added, true)
	fmt.Fprintf(c.App.ErrWriter, "update-digests: %d sequences checked, %d digest aliases added\n", seqs, added)
	return nil
}

// readOnlyDSN is the read-only SQLite URI of a local database file.
func readOnlyDSN(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return (&url.URL{Scheme: "file", Path: path}).String() + "?mode=ro&_busy_timeout=30000"
}

// seqIDPage returns the next updateDigestsPage seq_ids after after, in
// order; the query holds no lock once it returns.
func seqIDPage(ctx context.Context, db *sql.DB, after string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT seq_id FROM seqinfo WHERE seq_id > ? ORDER BY seq_id LIMIT ?`, after, updateDigestsPage)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

type restored struct{ residues, added int64 }

// restoreDigests reads one sequence and stores its four digest aliases.
func restoreDigests(ctx context.Context, w *seqrepo.Writer, seqID string) (restored, error) {
	seq, err := repo.Slice(ctx, w, seqID, 0, repo.ToEnd)
	if err != nil {
		return restored{}, err
	}
	d, err := repo.ComputeDigests(seq)
	if err != nil {
		return restored{}, err
	}
	if d.SeqID != seqID {
		return restored{}, repo.Corrupt("update-digests: sequence "+seqID, fmt.Errorf("content digest is %s", d.SeqID))
	}
	aliases := d.Aliases()
	res, err := w.Store(ctx, seq, aliases[:])
	return restored{residues: int64(len(seq)), added: int64(res.AliasesAdded)}, err
}

func upgradeAction(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	dir, err := writeInstanceDir(c)
	if err != nil {
		return err
	}
	inst, err := seqrepo.Open(c.Context, dir, seqrepo.Options{})
	if err != nil {
		return err
	}
	defer inst.Close()
	st, err := inst.Stats(c.Context)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "upgraded to schema version %s\n", st.SchemaVersion)
	return nil
}

func fetchLoadAction(c *cli.Context) error {
	ns := c.String("namespace")
	if err := fastain.ValidateNamespace(ns); err != nil {
		return usagef("-n: %v", err)
	}
	if c.NArg() == 0 {
		return usagef("fetch-load needs at least one ACCESSION")
	}
	var wanted []repo.NSAlias
	for _, acc := range c.Args().Slice() {
		wanted = append(wanted, repo.NSAlias{Namespace: ns, Alias: acc})
	}
	if err := fastain.ValidateAliases(wanted); err != nil {
		return usageError{err}
	}
	src, err := registry.Open(c.Context, c.String("from"), backendSettings(c))
	if err != nil {
		return err
	}
	defer src.Close()
	w, err := openWriteInstance(c)
	if err != nil {
		return err
	}
	defer w.Close()
	dir := w.Dir()
	loaded := 0
	for _, a := range wanted {
		if have, err := hasAlias(c.Context, w, a); err != nil {
			return err
		} else if have {
			slog.Info("already in the instance; skipped", "alias", a.String())
			continue
		}
		id, err := resolveID(c.Context, src, a.Alias, "")
		if err != nil {
			return fmt.Errorf("fetch-load %s from %s: %w", a.Alias, c.String("from"), err)
		}
		seq, err := repo.Slice(c.Context, src, id, 0, repo.ToEnd)
		if err != nil {
			return fmt.Errorf("fetch-load %s from %s: %w", a.Alias, c.String("from"), err)
		}
		if d, err := repo.ComputeDigests(seq); err != nil || d.SeqID != id {
			return repo.Corrupt("fetch-load "+a.Alias, fmt.Errorf("the source's sequence does not match its id %s (%v)", id, err))
		}
		if _, err := w.Store(c.Context, seq, []repo.NSAlias{a}); err != nil {
			return fmt.Errorf("fetch-load %s: %w", a.Alias, err)
		}
		loaded++
	}
	if err := w.Commit(c.Context); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "fetch-load: %d of %d accessions loaded into %s\n", loaded, len(wanted), dir)
	return nil
}

// hasAlias reports whether src has the current alias a.
func hasAlias(ctx context.Context, src repo.Source, a repo.NSAlias) (bool, error) {
	ns, alias := repo.TranslateAPI2DB(a.Namespace, a.Alias)
	for _, err := range src.FindAliases(ctx, repo.AliasQuery{Namespace: ns, Alias: alias}) {
		if err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}

func startShellAction(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	dir, err := seqrepo.ResolveInstanceDir(filepath.Join(c.String("root-directory"), instanceName(c, "latest")))
	if err != nil {
		return err
	}
	exe, err := exec.LookPath(c.String("sqlite3"))
	if err != nil {
		return fmt.Errorf("start-shell: %w (install the sqlite3 shell: apt-get install sqlite3)", err)
	}
	attach := fmt.Sprintf("ATTACH DATABASE '%s' AS seqs", sqlQuote(readOnlyDSN(seqrepo.SeqInfoDBPath(dir))))
	args := []string{exe, "-readonly", "-cmd", attach, readOnlyDSN(seqrepo.AliasesDBPath(dir))}
	// Replace this process so the shell owns the terminal and its exit status is ours.
	if err := syscall.Exec(exe, args, os.Environ()); err != nil {
		return fmt.Errorf("start-shell: exec %s: %w", exe, err)
	}
	return nil
}

// sqlQuote doubles single quotes for an SQL string literal.
func sqlQuote(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// instanceName returns -i as given after or before the command, else def.
func instanceName(c *cli.Context, def string) string {
	for _, cc := range c.Lineage() {
		if cc.IsSet("instance-name") {
			return cc.String("instance-name")
		}
	}
	return def
}

// openWriteInstance opens the instance a write command works on (see
// writeInstanceDir) for writing; the caller closes it.
func openWriteInstance(c *cli.Context) (*seqrepo.Writer, error) {
	dir, err := writeInstanceDir(c)
	if err != nil {
		return nil, err
	}
	return seqrepo.OpenWriter(c.Context, dir, seqrepo.WriterOptions{})
}
