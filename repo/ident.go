package repo

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// IsPattern reports whether s is matched with LIKE rather than equality.
func IsPattern(s string) bool { return strings.IndexByte(s, '%') >= 0 }

// Like reports whether s matches the SQL LIKE pattern as SQLite evaluates
// it with default settings: '%' matches any run of characters (including
// none), '_' exactly one character, other characters match themselves with
// ASCII letters compared case-insensitively. There is no escape character.
func Like(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	// Iterative matcher with single backtrack point for the last '%'.
	pi, ti := 0, 0
	starP, starT := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && p[pi] == '%':
			starP, starT = pi, ti
			pi++
		case pi < len(p) && (p[pi] == '_' || foldASCII(p[pi]) == foldASCII(t[ti])):
			pi++
			ti++
		case starP >= 0:
			starT++
			pi, ti = starP+1, starT
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// Matches reports whether value satisfies one AliasQuery field: an empty
// field matches anything, a pattern uses Like, otherwise equality.
func Matches(field, value string) bool {
	switch {
	case field == "":
		return true
	case IsPattern(field):
		return Like(field, value)
	default:
		return field == value
	}
}

// Match reports whether the record satisfies every field of q.
func (q AliasQuery) Match(a Alias) bool {
	return (q.IncludeHistoric || a.Current) && Matches(q.SeqID, a.SeqID) &&
		Matches(q.Namespace, a.Namespace) && Matches(q.Alias, a.Alias)
}

func foldASCII(r rune) rune {
	if r >= 'a' && r <= 'z' {
		return r - ('a' - 'A')
	}
	return r
}

// Style selects which identifier conventions Candidates applies.
type Style int

const (
	// StyleSeqRepo is the library/CLI convention: "ns:alias" (split at the
	// first colon, falling back to the whole string as an alias), a bare
	// alias in any namespace, plus the digest forms SQ.x, ga4gh:SQ.x,
	// md5:hex, 32-hex MD5 and 48-hex TRUNC512.
	StyleSeqRepo Style = iota
	// StyleREST is seqrepo-rest-service's heuristic (docs/format.md,
	// “Identifier heuristic”): ns:alias, namespaces inferred from accession
	// syntax, hex digest prefixes, then any namespace.
	StyleREST
	// StyleRefget accepts the refget v2 identifier forms (md5 and ga4gh
	// digests with or without namespace, TRUNC512, namespaced aliases) and
	// then falls back to StyleREST.
	StyleRefget
)

// Candidate is one (namespace, alias) query to try, in API form; an empty
// Namespace searches every namespace.
type Candidate struct {
	Namespace string
	Alias     string
}

// Query returns the DB-form AliasQuery for the candidate.
func (c Candidate) Query() AliasQuery {
	ns, al := TranslateAPI2DB(c.Namespace, c.Alias)
	return AliasQuery{Namespace: ns, Alias: al}
}

// IdentifierError reports an identifier that cannot be parsed at all.
type IdentifierError struct {
	ID  string
	Msg string
}

func (e *IdentifierError) Error() string { return fmt.Sprintf("identifier %q: %s", e.ID, e.Msg) }

// Is makes errors.Is(err, ErrNotFound) true: an unparseable id names no
// sequence.
func (e *IdentifierError) Is(target error) bool { return target == ErrNotFound }

var (
	hex32   = regexp.MustCompile(`^[0-9A-Fa-f]{32}$`)
	hex48   = regexp.MustCompile(`^[0-9A-Fa-f]{48}$`)
	hex8    = regexp.MustCompile(`^[0-9A-Fa-f]{8,}$`)
	b64id   = regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)
	inferNS = []struct {
		re *regexp.Regexp
		ns string
	}{
		{regexp.MustCompile(`^(?:ENS|ENSACA|ENSAME|ENSAMX|ENSANA|ENSAPL|ENSBTA|ENSCAF|ENSCAN|ENSCAP|ENSCAT|ENSCCA|ENSCEL|ENSCGR|ENSCHI|ENSCHO|ENSCIN|ENSCJA|ENSCLA|ENSCPO|ENSCSA|ENSCSAV|ENSDAR|ENSDNO|ENSDOR|ENSEBU|ENSECA|ENSEEU|ENSETE|ENSFAL|ENSFCA|ENSFDA|ENSGAC|ENSGAL|ENSGGO|ENSGMO|ENSHGLF|ENSHGLM|ENSJJA|ENSLAC|ENSLAF|ENSLOC|ENSMAU|ENSMEU|ENSMFA|ENSMGA|ENSMIC|ENSMLE|ENSMLU|ENSMMU|ENSMNE|ENSMOC|ENSMOD|ENSMPU|ENSMUS|ENSNGA|ENSNLE|ENSOAN|ENSOAR|ENSOCU|ENSODE|ENSOGA|ENSONI|ENSOPR|ENSORL|ENSPAN|ENSPCA|ENSPCO|ENSPEM|ENSPFO|ENSPMA|ENSPPA|ENSPPR|ENSPPY|ENSPSI|ENSPTI|ENSPTR|ENSPVA|ENSRBI|ENSRNO|ENSRRO|ENSSAR|ENSSBO|ENSSCE|ENSSHA|ENSSSC|ENSSTO|ENSTBE|ENSTGU|ENSTNI|ENSTRU|ENSTSY|ENSTTR|ENSVPA|ENSXET|ENSXMA|FB|MGP_129S1SvImJ_|MGP_AJ_|MGP_AKRJ_|MGP_BALBcJ_|MGP_C3HHeJ_|MGP_C57BL6NJ_|MGP_CAROLIEiJ_|MGP_CASTEiJ_|MGP_CBAJ_|MGP_DBA2J_|MGP_FVBNJ_|MGP_LPJ_|MGP_NODShiLtJ_|MGP_NZOHlLtJ_|MGP_PWKPhJ_|MGP_PahariEiJ_|MGP_SPRETEiJ_|MGP_WSBEiJ_)(?:E|FM|G|GT|P|R|T)\d{11}(?:\.\d+)?$`), "ensembl"},
		{regexp.MustCompile(`^([A-Z]\d{5}|[A-Z]{2}\d{6}|[A-Z]{4}\d{8}|[A-J][A-Z]{2}\d{5})(\.\d+)?$`), "insdc"},
		{regexp.MustCompile(`^((AC|AP|NC|NG|NM|NP|NR|NT|NW|XM|XP|XR|YP|ZP)_\d+|(NZ_[A-Z]{4}\d+))(\.\d+)?$`), "refseq"},
		{regexp.MustCompile(`^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9]([A-Z][A-Z0-9]{2}[0-9]){1,2})$`), "uniprot"},
	}
)

// InferNamespaces returns the namespaces whose accession syntax id matches
// (bioutils.accessions.infer_namespaces: ensembl, insdc, refseq, uniprot).
func InferNamespaces(id string) []string {
	var out []string
	for _, r := range inferNS {
		if r.re.MatchString(id) {
			out = append(out, r.ns)
		}
	}
	return out
}

// Candidates turns an identifier into the ordered list of (namespace, alias)
// queries to try; the first that matches any current alias decides. A
// non-empty namespace restricts the search to it (StyleSeqRepo only).
func Candidates(id, namespace string, style Style) ([]Candidate, error) {
	if namespace != "" {
		return []Candidate{{namespace, id}}, nil
	}
	switch style {
	case StyleREST:
		return restCandidates(id)
	case StyleRefget:
		if c, ok := digestCandidate(id); ok {
			return []Candidate{c}, nil
		}
		return restCandidates(id)
	}
	var out []Candidate
	if c, ok := digestCandidate(id); ok {
		out = append(out, c)
	} else if ns, al, ok := strings.Cut(id, ":"); ok && ns != "" {
		out = append(out, Candidate{ns, al})
	}
	return append(out, Candidate{"", id}), nil
}

// digestCandidate recognises the unambiguous digest forms: md5:hex and
// 32-hex (any case), ga4gh:SQ.x and SQ.x, trunc512:hex and 48-hex.
// (sha512t24u:x and VMC:GS_x resolve as ordinary ns:alias.)
func digestCandidate(id string) (Candidate, bool) {
	ns, rest, hasNS := strings.Cut(id, ":")
	if !hasNS {
		ns, rest = "", id
	}
	switch lns := strings.ToLower(ns); {
	case (lns == "md5" || lns == "") && hex32.MatchString(rest):
		return Candidate{"MD5", strings.ToLower(rest)}, true
	case (lns == "trunc512" || lns == "") && hex48.MatchString(rest):
		sid, _ := SeqIDFromTRUNC512(rest)
		return Candidate{"VMC", "GS_" + sid}, true
	case (lns == "ga4gh" || lns == "") && strings.HasPrefix(rest, "SQ.") && b64id.MatchString(rest[3:]):
		return Candidate{"VMC", "GS_" + rest[3:]}, true
	}
	return Candidate{}, false
}

func restCandidates(q string) ([]Candidate, error) {
	if ns, al, ok := strings.Cut(q, ":"); ok {
		return []Candidate{{ns, al}}, nil
	}
	if nss := InferNamespaces(q); len(nss) > 0 {
		out := make([]Candidate, len(nss))
		for i, ns := range nss {
			out[i] = Candidate{ns, q}
		}
		return out, nil
	}
	if hex8.MatchString(q) {
		if len(q)%2 != 0 {
			return nil, &IdentifierError{ID: q, Msg: "odd-length hexadecimal digest"}
		}
		b, _ := hex.DecodeString(q)
		return []Candidate{
			{"MD5", q + "%"},
			{"VMC", "GS_" + base64.URLEncoding.EncodeToString(b) + "%"},
		}, nil
	}
	return []Candidate{{"", q}}, nil
}
