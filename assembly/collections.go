package assembly

import (
	"fmt"
	"strings"

	"github.com/seqfs/seqfs/repo"
)

// NameStyle is one way of naming an assembly's sequences in a collection.
type NameStyle struct {
	Suffix string                // appended to the collection name: "", ".ucsc", ".refseq", ".genbank"
	What   string                // what the names are, for messages
	Name   func(Sequence) string // the sequence's name in this style, "" if it has none
}

// NameStyles are the styles every assembly collection is made in: the
// report's Sequence-Name ("1"), UCSC ("chr1"), RefSeq ("NC_000001.11") and
// GenBank ("CM000663.2") accessions.
var NameStyles = []NameStyle{
	{"", "Sequence-Name", func(s Sequence) string { return s.Name }},
	{".ucsc", "UCSC-style name", Sequence.UCSCName},
	{".refseq", "RefSeq accession", func(s Sequence) string { return s.RefSeqAC }},
	{".genbank", "GenBank accession", func(s Sequence) string { return s.GenBankAC }},
}

// Member is what an instance holds for one sequence of an assembly.
type Member struct {
	SeqID  string
	Length int64
}

// NamedCollection is a collection an assembly defines, with its name.
type NamedCollection struct {
	Name       string
	Collection repo.Collection
}

// Collections returns the sequence collections assembly a defines, given
// the sequences an instance holds (keyed by RefSeq accession):
//
//   - <name>: every sequence with relationship "=" or "<>", in report order;
//   - <name>.primary: those of them in the Primary Assembly unit;
//
// each named by Sequence-Name and, as <…>.ucsc, <…>.refseq and
// <…>.genbank, by UCSC-style name and accession. A collection is made only
// when the instance holds all its sequences, and a style only when every
// sequence has a unique name in it: never a collection with holes. What is
// not made is explained in skipped. A sequence whose length in the
// instance differs from the report's is an error naming it.
func (a *Assembly) Collections(held map[string]Member) (cols []NamedCollection, skipped []string, err error) {
	loadable := a.Loadable()
	var primary []Sequence
	for _, s := range loadable {
		if s.Unit == PrimaryUnit {
			primary = append(primary, s)
		}
	}
	for _, set := range []struct {
		name string
		seqs []Sequence
	}{{a.Name, loadable}, {a.Name + ".primary", primary}} {
		if len(set.seqs) == 0 {
			skipped = append(skipped, fmt.Sprintf("%s: no sequences", set.name))
			continue
		}
		members, missing, err := a.members(set.seqs, held)
		if err != nil {
			return nil, nil, err
		}
		if len(missing) > 0 {
			skipped = append(skipped, fmt.Sprintf("%s: the instance lacks %d of its %d sequences (%s)",
				set.name, len(missing), len(set.seqs), examples(missing)))
			continue
		}
		for _, st := range NameStyles {
			c, why := styled(set.seqs, members, st)
			if why != "" {
				skipped = append(skipped, fmt.Sprintf("%s%s: %s", set.name, st.Suffix, why))
				continue
			}
			cols = append(cols, NamedCollection{Name: set.name + st.Suffix, Collection: c})
		}
	}
	return cols, skipped, nil
}

// members looks up seqs in held, checking lengths, and lists the missing
// ones by name.
func (a *Assembly) members(seqs []Sequence, held map[string]Member) ([]Member, []string, error) {
	var (
		out     = make([]Member, len(seqs))
		missing []string
	)
	for i, s := range seqs {
		m, ok := held[s.RefSeqAC]
		if s.RefSeqAC == "" || !ok {
			ac := s.RefSeqAC
			if ac == "" {
				ac = "no RefSeq accession"
			}
			missing = append(missing, s.Name+" ("+ac+")")
			continue
		}
		if m.Length != s.Length {
			return nil, nil, fmt.Errorf("assembly %s: sequence %s (%s, seq_id %s) has %d residues in the instance but %d in the assembly definition",
				a.Name, s.Name, s.RefSeqAC, m.SeqID, m.Length, s.Length)
		}
		out[i] = m
	}
	return out, missing, nil
}

// styled builds the collection of seqs named in style st, or says why not.
func styled(seqs []Sequence, members []Member, st NameStyle) (repo.Collection, string) {
	c := repo.Collection{Names: make([]string, len(seqs)), SeqIDs: make([]string, len(seqs)), Lengths: make([]int64, len(seqs))}
	var unnamed []string
	seen := make(map[string]string, len(seqs))
	for i, s := range seqs {
		n := st.Name(s)
		if n == "" {
			unnamed = append(unnamed, s.Name)
			continue
		}
		if other, dup := seen[n]; dup {
			return c, fmt.Sprintf("sequences %s and %s share the %s %q", other, s.Name, st.What, n)
		}
		seen[n] = s.Name
		c.Names[i], c.SeqIDs[i], c.Lengths[i] = n, members[i].SeqID, members[i].Length
	}
	if len(unnamed) > 0 {
		return c, fmt.Sprintf("%d of %d sequences have no %s (%s)", len(unnamed), len(seqs), st.What, examples(unnamed))
	}
	if err := c.Validate(); err != nil {
		return c, err.Error()
	}
	return c, ""
}

// examples lists up to five items, then how many more.
func examples(items []string) string {
	const max = 5
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}
