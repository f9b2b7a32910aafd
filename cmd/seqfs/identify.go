package main

import (
	"bufio"
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/collectionfile"
	"github.com/seqfs/seqfs/repo"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "identify",
		Usage:     "say which stored collections a FASTA, .fai, .dict or SAM header matches",
		ArgsUsage: "FILE|-",
		Description: "Compares the collection FILE describes with every stored collection and prints those\n" +
			"it matches, best first: identical; the same sequences (other names or order); a stored\n" +
			"collection plus extra sequences, or part of one; the same coordinate system (names and\n" +
			"lengths) with or without the same sequences. A .fai has no sequences, so it matches by\n" +
			"coordinate system only; a .dict or SAM header matches by sequence when the source has\n" +
			"MD5 aliases for all its M5 tags. \"-\" reads standard input (e.g. samtools view -H x.bam |\n" +
			"seqfs identify -). Exits 1 when nothing matches.",
		Action:       identifyAction,
		OnUsageError: onUsageError,
	})
}

// match is one stored collection a file matches.
type match struct {
	rank    int // 0 identical … 4 partial coordinate system
	misfits int // extra plus missing sequences
	info    repo.CollectionInfo
	text    string
}

func identifyAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("identify: one FILE is required")
	}
	path := c.Args().First()
	src := &lazySource{c: c}
	defer src.Close()
	f, err := collectionfile.ReadFile(path)
	if err != nil {
		return fmt.Errorf("identify: %w", err)
	}
	fileSC, fileSeqs := fileSeqcol(c.Context, f, src)
	s, err := src.get()
	if err != nil {
		return fmt.Errorf("identify: %w", err)
	}
	cs, infos, err := storedCollections(c.Context, s)
	if err != nil {
		return fmt.Errorf("identify: %w", err)
	}
	var matches []match
	for _, info := range infos {
		coll, _, err := cs.Collection(c.Context, info.Digest)
		if err != nil {
			return fmt.Errorf("identify: read collection %s: %w", info.Digest, err)
		}
		if m, ok := identifyOne(f, fileSC, fileSeqs, coll, info); ok {
			matches = append(matches, m)
		}
	}
	slices.SortStableFunc(matches, func(a, b match) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.misfits, b.misfits))
	})
	var residues int64
	for _, l := range f.Lengths {
		residues += l
	}
	err = writeOutput(c, "identify", 0, func(w *bufio.Writer) error {
		fmt.Fprintf(w, "%s: %s, %s, %s residues", path, f.Format, plural(len(f.Names), "sequence"), strconv.FormatInt(residues, 10))
		if d := fileSC.Digest(); d != "" {
			fmt.Fprintf(w, ", seqcol digest %s", d)
		}
		w.WriteString("\n")
		for _, m := range matches {
			fmt.Fprintf(w, "  %s  %s\n", m.info.Digest, m.text)
		}
		return nil
	})
	if err == nil && len(matches) == 0 {
		return fmt.Errorf("identify: %s matches none of the %d stored collections", path, len(infos))
	}
	return err
}

// identifyOne says how a file's collection relates to a stored one.
// fileSeqs are the file's seq_ids, nil when it has no sequences.
func identifyOne(f *collectionfile.File, fileSC *repo.Seqcol, fileSeqs []string, coll repo.Collection, info repo.CollectionInfo) (match, bool) {
	desc := describeCollection(info)
	if d := fileSC.Digest(); d != "" && d == info.Digest {
		return match{rank: 0, info: info, text: desc + ": identical"}, true
	}
	// The comparison is computed only for collections that match at all.
	compare := sync.OnceValue(func() repo.SeqcolComparison { return repo.CompareSeqcols(fileSC, repo.NewSeqcol(coll)) })
	hasSeqs := fileSeqs != nil
	pairKeys := func(names []string, lengths []int64) []string {
		out := make([]string, len(names))
		for i := range names {
			out[i] = names[i] + "\x00" + strconv.FormatInt(lengths[i], 10)
		}
		return out
	}
	fileCoords, storedCoords := pairKeys(f.Names, f.Lengths), pairKeys(coll.Names, coll.Lengths)
	if hasSeqs {
		extra, missing, shared := setDiff(fileSeqs, f.Names, coll.SeqIDs, coll.Names)
		if shared > 0 && (len(extra) == 0 || len(missing) == 0) {
			cmpr := compare()
			namesMatch := cmpr.ArrayElements.AAndBCount[repo.AttrNameLengthPairs] == shared
			order := cmpr.ArrayElements.AAndBSameOrder[repo.AttrSequences]
			var what string
			rank := 2
			switch {
			case len(extra) == 0 && len(missing) == 0 && namesMatch:
				what, rank = ": the same sequences and names in another order", 1
			case len(extra) == 0 && len(missing) == 0:
				what, rank = ": the same sequences with other names", 1
			case len(missing) == 0:
				what = ", " + countNames(extra, "extra") + ": its sequences all match"
			default:
				what = ", " + countNames(missing, "missing") + ": the sequences present match"
			}
			if rank == 2 && !namesMatch {
				what += ", with other names"
			}
			if rank == 2 && order != nil && !*order {
				what += ", in another order"
			}
			return match{rank: rank, misfits: len(extra) + len(missing), info: info, text: desc + what}, true
		}
	}
	extra, missing, shared := setDiff(fileCoords, f.Names, storedCoords, coll.Names)
	if shared == 0 || (len(extra) > 0 && len(missing) > 0) {
		return match{}, false
	}
	var what string
	switch {
	case len(extra) == 0 && len(missing) == 0:
		what = ": the same names and lengths (coordinate system)"
		if o := compare().ArrayElements.AAndBSameOrder[repo.AttrNameLengthPairs]; o != nil && !*o {
			what += " in another order"
		}
	case len(missing) == 0:
		what = ", " + countNames(extra, "extra") + ": its names and lengths all match"
	default:
		what = ", " + countNames(missing, "missing") + ": the names and lengths present match"
	}
	if hasSeqs {
		what += ", but the sequences differ"
	} else {
		what += "; sequences not compared"
	}
	return match{rank: 3 + min(1, len(extra)+len(missing)), misfits: len(extra) + len(missing), info: info, text: desc + what}, true
}

// setDiff compares two lists of keys as sets: the names (from the
// collated name lists) of the keys only in the first, of those only in the
// second, and how many keys of the first are in the second.
func setDiff(keysA, namesA, keysB, namesB []string) (onlyA, onlyB []string, shared int) {
	inB := make(map[string]bool, len(keysB))
	for _, k := range keysB {
		inB[k] = true
	}
	inA := make(map[string]bool, len(keysA))
	for i, k := range keysA {
		inA[k] = true
		if inB[k] {
			shared++
		} else {
			onlyA = append(onlyA, namesA[i])
		}
	}
	for i, k := range keysB {
		if !inA[k] {
			onlyB = append(onlyB, namesB[i])
		}
	}
	return onlyA, onlyB, shared
}

// countNames says "3 extra sequences (a, b, c)", naming at most three.
func countNames(names []string, what string) string {
	s := strconv.Itoa(len(names)) + " " + what + " " + map[bool]string{true: "sequence", false: "sequences"}[len(names) == 1]
	shown := names[:min(3, len(names))]
	s += " (" + strings.Join(shown, ", ")
	if len(names) > len(shown) {
		s += ", …"
	}
	return s + ")"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// nameStyles are the name-style suffixes of the collections that
// add-assembly-names creates.
var nameStyles = map[string]string{"ucsc": "UCSC names", "refseq": "RefSeq names", "genbank": "GenBank names"}

// describeCollection names a stored collection in words from its first
// name: "GRCh38.p14.primary.ucsc" is "GRCh38.p14 primary assembly, UCSC
// names (GRCh38.p14.primary.ucsc)".
func describeCollection(info repo.CollectionInfo) string {
	if len(info.Names) == 0 {
		return "collection " + info.Digest
	}
	name := info.Names[0]
	base, style := name, ""
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		if s, ok := nameStyles[base[i+1:]]; ok {
			base, style = base[:i], s
		}
	}
	primary := false
	if b, ok := strings.CutSuffix(base, ".primary"); ok && b != "" {
		base, primary = b, true
	}
	if style == "" && !primary {
		return name
	}
	words := base
	if primary {
		words += " primary assembly"
	}
	if style != "" {
		words += ", " + style
	}
	return words + " (" + name + ")"
}
