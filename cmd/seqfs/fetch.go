package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "fetch",
		Usage:     "print sequences or subsequences by identifier",
		ArgsUsage: "ID...",
		Description: "Each ID is resolved as SeqRepo does (ns:alias, a bare alias in any namespace, SQ.…, ga4gh:SQ.…,\n" +
			"md5 hex, md5:…, trunc512 hex; refseq/ensembl/lrg/ga4gh/sha512t24u translated). --start/--end\n" +
			"are 0-based, half-open (interbase) with pysam's clipping rules. Flags go before the IDs.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "look the IDs up in this namespace only"},
			&cli.Int64Flag{Name: "start", Usage: "first residue (0-based, inclusive)", DefaultText: "0"},
			&cli.Int64Flag{Name: "end", Usage: "end residue (0-based, exclusive)", DefaultText: "end of sequence"},
			&cli.BoolFlag{Name: "fasta", Usage: "print FASTA: a >ID header and wrapped lines"},
			&cli.IntFlag{Name: "line-width", Value: 60, Usage: "residues per line with --fasta"},
		},
		Action:       fetchAction,
		OnUsageError: onUsageError,
	})
}

func fetchAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("fetch: at least one ID is required")
	}
	width := 0
	if c.Bool("fasta") {
		width = c.Int("line-width")
		if width < 1 {
			return usagef("fetch: --line-width must be at least 1, got %d", width)
		}
	}
	start, end := int64(0), int64(repo.ToEnd)
	if c.IsSet("start") {
		start = c.Int64("start")
	}
	if c.IsSet("end") {
		end = c.Int64("end")
	}
	ns := c.String("namespace")
	return withSourceOutput(c, "fetch", 64<<10, func(src repo.Source, w *bufio.Writer) error {
		// Like cat: an identifier that fails is reported and the others are
		// still printed; the exit status says something failed.
		ids := c.Args().Slice()
		var failed []error
		for _, id := range ids {
			err := fetchOne(c.Context, w, src, id, ns, start, end, width)
			switch {
			case err == nil:
			case len(ids) > 1 && (errors.Is(err, repo.ErrNotFound) || errors.Is(err, repo.ErrAmbiguous) || errors.Is(err, repo.ErrBadCoordinates)):
				fmt.Fprintf(c.App.ErrWriter, "seqfs: %v\n", err)
				failed = append(failed, err)
			default:
				return err // one identifier, or the source or the output failed
			}
		}
		if len(failed) > 0 {
			return fmt.Errorf("fetch: %d of %d identifiers failed: %w", len(failed), len(ids), failed[0])
		}
		return nil
	})
}

// fetchOne resolves id and writes residues [start, end) of its sequence:
// as one line when width is 0, else as FASTA with header ">id".
func fetchOne(ctx context.Context, w *bufio.Writer, src repo.Source, id, ns string, start, end int64, width int) error {
	seqID, err := resolveID(ctx, src, id, ns)
	if err != nil {
		return fmt.Errorf("fetch %s: %w%s", id, err, regionHint(err, id))
	}
	info, err := src.Info(ctx, seqID)
	if err != nil {
		return fmt.Errorf("fetch %s (%s): %w", id, seqID, err)
	}
	s, e, err := repo.CheckCoordinates(start, end, info.Length)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", id, err)
	}
	if width > 0 {
		w.WriteString(">" + id + "\n")
	}
	if err := writeResidues(ctx, w, src, seqID, s, e, width); err != nil {
		return fmt.Errorf("fetch %s (%s): %w", id, seqID, err)
	}
	if width == 0 {
		w.WriteByte('\n')
	}
	return nil
}

// regionRE matches an identifier that ends like a samtools region,
// ID:START or ID:START-END (1-based, inclusive; commas allowed); a hint is
// given for ID:START only when ID has a namespace.
var regionRE = regexp.MustCompile(`^(.+):([0-9][0-9,]*)(?:-([0-9][0-9,]*))?$`)

// regionHint explains, for an identifier that was not found and looks like
// a region ("GRCh37:20:1000001-1000010"), that coordinates are given with
// --start/--end, converted to their 0-based, end-exclusive values.
func regionHint(err error, id string) string {
	m := regionRE.FindStringSubmatch(id)
	if m == nil || !errors.Is(err, repo.ErrNotFound) || (m[3] == "" && !strings.Contains(m[1], ":")) {
		return "" // "GRCh38:1" is a namespace and an alias, not a region
	}
	num := func(s string) int64 {
		n, _ := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		return n
	}
	start := max(num(m[2])-1, 0)
	cmd := fmt.Sprintf("seqfs fetch %s --start %d", m[1], start)
	if m[3] != "" {
		cmd += fmt.Sprintf(" --end %d", num(m[3]))
	}
	return fmt.Sprintf(" (identifiers hold no coordinates; if %q is a region, 1-based and inclusive, ask for it as `%s`: --start and --end are 0-based, end exclusive)", id, cmd)
}

// chunkResidues is how many residues writeResidues reads per call to the
// source, so that a whole chromosome is never held in memory.
const chunkResidues = 1 << 20

// writeResidues streams residues [s, e) of seqID to w. With width > 0 every
// line of at most width residues ends with a newline (FASTA body, nothing
// for an empty range); with width 0 the residues are written unbroken.
func writeResidues(ctx context.Context, w io.Writer, src repo.Source, seqID string, s, e int64, width int) error {
	chunk := int64(chunkResidues)
	if width > 0 {
		chunk = max(1, chunkResidues/int64(width)) * int64(width)
	}
	buf := make([]byte, min(chunk, e-s))
	for pos := s; pos < e; {
		n := min(int64(len(buf)), e-pos)
		p := buf[:n]
		if err := repo.ReadFull(ctx, src, seqID, p, pos); err != nil {
			return err
		}
		if width == 0 {
			if _, err := w.Write(p); err != nil {
				return err
			}
		} else {
			for len(p) > 0 {
				line := p[:min(len(p), width)]
				p = p[len(line):]
				if _, err := w.Write(line); err != nil {
					return err
				}
				if _, err := w.Write([]byte{'\n'}); err != nil {
					return err
				}
			}
		}
		pos += n
	}
	return nil
}

// onUsageError makes a command's flag-parsing errors usage errors (exit
// 2); urfave/cli consults only the command's own handler, not the app's.
func onUsageError(_ *cli.Context, err error, _ bool) error { return usageError{err} }

// resolveID resolves an identifier SeqRepo-style. An empty alias ("" or
// "ns:") names nothing, as in SeqRepo, where it is compared with the empty
// string; it is rejected here because an empty AliasQuery field would
// match every record.
func resolveID(ctx context.Context, src repo.Source, id, ns string) (string, error) {
	if emptyAlias(id, ns) {
		return "", &repo.NotFoundError{Alias: id, Namespace: ns}
	}
	return repo.Resolve(ctx, src, id, ns, repo.StyleSeqRepo)
}

func emptyAlias(id, ns string) bool {
	if id == "" {
		return true
	}
	nsPart, al, ok := strings.Cut(id, ":")
	return ns == "" && ok && nsPart != "" && al == ""
}
