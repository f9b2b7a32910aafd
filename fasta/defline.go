package fasta

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/seqfs/seqfs/repo"
)

// refPair matches NCBI "ref|ACCESSION" pairs in a defline word.
var refPair = regexp.MustCompile(`(ref)\|([^|]+)`)

// aliasChars is SeqRepo's rule for loadable aliases.
var aliasChars = regexp.MustCompile(`^[-+./_A-Za-z0-9]+$`)

// ParseDefline turns a FASTA header into the aliases SeqRepo's loader stores
// (docs/format.md, “FASTA loader”): the header's first word; if it holds NCBI
// "ref|X" pairs (as in "gi|123|ref|NM_000059.3|"), one refseq:X alias per
// pair and namespace is ignored; otherwise namespace:word. The aliases are
// checked with ValidateAliases.
func ParseDefline(header, namespace string) ([]repo.NSAlias, error) {
	if err := ValidateNamespace(namespace); err != nil {
		return nil, err
	}
	word := firstWord(header)
	if word == "" {
		return nil, fmt.Errorf("empty defline")
	}
	var out []repo.NSAlias
	if m := refPair.FindAllStringSubmatch(word, -1); len(m) > 0 {
		for _, p := range m {
			out = append(out, repo.NSAlias{Namespace: "refseq", Alias: p[2]})
		}
	} else {
		out = []repo.NSAlias{{Namespace: namespace, Alias: word}}
	}
	if err := ValidateAliases(out); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidateNamespace rejects namespaces a load cannot use: empty, "-" (which
// SeqRepo's CLI refuses), or containing ':' or whitespace, which would make
// "namespace:alias" ambiguous.
func ValidateNamespace(ns string) error {
	switch {
	case ns == "":
		return fmt.Errorf("namespace is empty")
	case ns == "-":
		return fmt.Errorf("namespace %q is not allowed", ns)
	case strings.ContainsAny(ns, ": \t\r\n\v\f"):
		return fmt.Errorf("namespace %q contains ':' or whitespace", ns)
	}
	for i := 0; i < len(ns); i++ {
		if c := ns[i]; c < 0x20 || c >= 0x7f {
			return fmt.Errorf("namespace %q contains byte 0x%02x", ns, c)
		}
	}
	return nil
}

// ValidateAliases applies SeqRepo's validate_aliases: an alias may contain
// only letters, digits and "-+./_"; in namespaces starting with "Ensembl",
// aliases starting with "ENS" must be versioned (contain '.'); in "NCBI"
// and "refseq" every alias must be versioned.
func ValidateAliases(aliases []repo.NSAlias) error {
	for _, a := range aliases {
		if !aliasChars.MatchString(a.Alias) {
			return fmt.Errorf("alias %q (namespace %s) contains characters outside [-+./_A-Za-z0-9]", a.Alias, a.Namespace)
		}
		if strings.HasPrefix(a.Namespace, "Ensembl") && strings.HasPrefix(a.Alias, "ENS") && !strings.Contains(a.Alias, ".") {
			return fmt.Errorf("alias %q (namespace %s): Ensembl identifiers must be versioned (ENS….N)", a.Alias, a.Namespace)
		}
		if (a.Namespace == "NCBI" || a.Namespace == "refseq") && !strings.Contains(a.Alias, ".") {
			return fmt.Errorf("alias %q (namespace %s): RefSeq accessions must be versioned (contain '.')", a.Alias, a.Namespace)
		}
	}
	return nil
}
