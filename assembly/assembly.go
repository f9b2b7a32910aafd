// Package assembly holds genome assembly definitions (which sequences make
// up GRCh38.p14 and under which names) and SeqRepo's add-assembly-names:
// the built-in definitions that SeqRepo uses (bioutils' assembly files),
// a parser for NCBI assembly reports (*_assembly_report.txt), the alias
// loading, and the sequence collections an assembly defines.
//
// Facts the code depends on:
//
//   - bioutils' model (the embedded data/*.json.gz, one file per assembly):
//     {"name", "description", "genbank_ac", "refseq_ac", "date",
//     "submitter", "sequences": [{"name", "aliases", "refseq_ac",
//     "genbank_ac", "length", "sequence_role", "assembly_unit",
//     "relationship"}, …]} in the report's order. aliases holds the
//     UCSC-style name when the report has one. Absent accessions are "na"
//     (refseq_ac) or null (genbank_ac); this package makes both "".
//   - An NCBI assembly report is text: '#' comment lines, among them
//     "# Assembly name:  GRCh38.p14" naming the assembly and the column
//     header "# Sequence-Name<TAB>Sequence-Role<TAB>…", then one
//     tab-separated line per sequence with the columns Sequence-Name,
//     Sequence-Role, Assigned-Molecule, Assigned-Molecule-Location/Type,
//     GenBank-Accn, Relationship, RefSeq-Accn, Assembly-Unit,
//     Sequence-Length, UCSC-style-name; "na" where absent. Relationship
//     "=" means the RefSeq and GenBank sequences are identical, "<>" that
//     they differ (or that one is absent).
//   - SeqRepo's add-assembly-names binds, for every sequence whose
//     relationship is "=" or "<>" and whose RefSeq accession is an NCBI
//     alias (current or not), the aliases <assembly>:<name> and
//     <assembly>:<each alias>; see Load.
package assembly

import (
	"fmt"
	"strings"

	"github.com/seqfs/seqfs/repo"
)

// PrimaryUnit is the Assembly-Unit of an assembly's primary sequences.
const PrimaryUnit = "Primary Assembly"

// Assembly is one genome assembly definition, as bioutils models it.
type Assembly struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	GenBankAC   string     `json:"genbank_ac"` // assembly accession (GCA_…), "" if absent
	RefSeqAC    string     `json:"refseq_ac"`  // assembly accession (GCF_…), "" if absent
	Date        string     `json:"date"`
	Submitter   string     `json:"submitter"`
	Sequences   []Sequence `json:"sequences"` // in the report's order
}

// Sequence is one sequence of an assembly.
type Sequence struct {
	Name         string   `json:"name"`          // Sequence-Name, e.g. "1", "HSCHR1_CTG1_UNLOCALIZED"
	Aliases      []string `json:"aliases"`       // the UCSC-style name, if any
	RefSeqAC     string   `json:"refseq_ac"`     // e.g. "NC_000001.11", "" if absent
	GenBankAC    string   `json:"genbank_ac"`    // e.g. "CM000663.2", "" if absent
	Length       int64    `json:"length"`        // Sequence-Length
	Role         string   `json:"sequence_role"` // assembled-molecule, alt-scaffold, …
	Unit         string   `json:"assembly_unit"` // "Primary Assembly", "ALT_REF_LOCI_1", …
	Relationship string   `json:"relationship"`  // "=", "<>" or "na"
}

// UCSCName returns the sequence's UCSC-style name ("chr1"), or "".
func (s Sequence) UCSCName() string {
	if len(s.Aliases) == 0 {
		return ""
	}
	return s.Aliases[0]
}

// Loadable reports whether add-assembly-names binds the sequence's names:
// its relationship is "=" or "<>".
func (s Sequence) Loadable() bool { return s.Relationship == "=" || s.Relationship == "<>" }

// Loadable returns the sequences whose relationship is "=" or "<>", in
// order.
func (a *Assembly) Loadable() []Sequence {
	var out []Sequence
	for _, s := range a.Sequences {
		if s.Loadable() {
			out = append(out, s)
		}
	}
	return out
}

// CheckName reports whether name can be an assembly's name, that is a
// SeqRepo namespace of its own: not empty, no whitespace, ':' or '%' (a
// LIKE pattern), not one of SeqRepo's namespaces and not an API-level name
// that SeqRepo translates (refseq, ga4gh, …).
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty assembly name")
	case strings.ContainsAny(name, " \t\r\n\v\f:%"):
		return fmt.Errorf("assembly name %q contains whitespace, ':' or '%%'", name)
	}
	if repo.IsSeqRepoNamespace(name) {
		return fmt.Errorf("assembly name %q is one of SeqRepo's namespaces", name)
	}
	if ns, _ := repo.TranslateAPI2DB(name, "x"); ns != name {
		return fmt.Errorf("assembly name %q is a namespace SeqRepo translates to %s", name, ns)
	}
	return nil
}
