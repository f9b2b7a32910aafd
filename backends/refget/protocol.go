package refget

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// meta is what a façade knows about one sequence from its metadata.
type meta struct {
	SeqID    string
	Length   int64
	Alphabet string    // empty when the server does not say
	Added    time.Time // zero when the server does not say
	MD5      string    // lowercase hex, empty when unknown
	// Aliases are the sequence's current alias records in DB form, sorted
	// by (namespace, alias), without duplicates.
	Aliases []repo.Alias
}

// protocol is what differs between the refget v2 and seqrepo-rest APIs.
type protocol interface {
	// kind names the kind of server in messages.
	kind() string
	sequenceURL(base, id string, start, end int64) string
	metadataURL(base, id string) string
	sequenceAccept() string
	metadataAccept() string
	// aliasID maps a DB-form (namespace, alias) to the identifier the
	// server resolves to that binding; ok is false when it cannot be
	// asked.
	aliasID(namespace, alias string) (id string, ok bool)
	// seqIDRef is the identifier of a seq_id.
	seqIDRef(seqID string) string
	// parseMetadata decodes a metadata response body.
	parseMetadata(body []byte) (*meta, error)
}

var seqIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)

// validSeqID reports whether s has the form of a sha512t24u seq_id.
func validSeqID(s string) bool { return seqIDRE.MatchString(s) }

func rangeQuery(start, end int64) string {
	return "?start=" + strconv.FormatInt(start, 10) + "&end=" + strconv.FormatInt(end, 10)
}

// ---- refget v2 ----

type refgetV2 struct{}

func (refgetV2) kind() string { return "refget server" }

func (refgetV2) sequenceURL(base, id string, start, end int64) string {
	return base + "/sequence/" + url.PathEscape(id) + rangeQuery(start, end)
}

func (refgetV2) metadataURL(base, id string) string {
	return base + "/sequence/" + url.PathEscape(id) + "/metadata"
}

func (refgetV2) sequenceAccept() string { return "text/vnd.ga4gh.refget.v2.0.0+plain" }
func (refgetV2) metadataAccept() string { return "application/vnd.ga4gh.refget.v2.0.0+json" }

func (refgetV2) seqIDRef(seqID string) string { return "SQ." + seqID }

func (refgetV2) aliasID(ns, alias string) (string, bool) {
	if alias == "" {
		return "", false
	}
	switch ns {
	case "":
		return alias, true
	case "MD5":
		return "md5:" + alias, true
	case "VMC":
		if x, ok := strings.CutPrefix(alias, "GS_"); ok && validSeqID(x) {
			return "ga4gh:SQ." + x, true
		}
	case "NCBI":
		return "refseq:" + alias, true
	case "Ensembl":
		return "ensembl:" + alias, true
	case "LRG":
		return "lrg:" + alias, true
	}
	return ns + ":" + alias, true
}

type v2Metadata struct {
	Metadata *struct {
		ID       *string `json:"id"`
		MD5      *string `json:"md5"`
		GA4GH    *string `json:"ga4gh"`
		TRUNC512 *string `json:"trunc512"`
		Length   *int64  `json:"length"`
		Aliases  []struct {
			Alias           string `json:"alias"`
			NamingAuthority string `json:"naming_authority"`
		} `json:"aliases"`
	} `json:"metadata"`
}

var hex32RE = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

func (refgetV2) parseMetadata(body []byte) (*meta, error) {
	var doc v2Metadata
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("refget metadata: %w", err)
	}
	md := doc.Metadata
	if md == nil {
		return nil, errors.New(`refget metadata: no "metadata" object`)
	}
	if md.Length == nil || *md.Length < 0 {
		return nil, errors.New("refget metadata: missing or negative length")
	}
	m := &meta{Length: *md.Length}
	if md.GA4GH != nil && *md.GA4GH != "" {
		x := strings.TrimPrefix(*md.GA4GH, "ga4gh:")
		x, ok := strings.CutPrefix(x, "SQ.")
		if !ok || !validSeqID(x) {
			return nil, fmt.Errorf("refget metadata: malformed ga4gh digest %q", *md.GA4GH)
		}
		m.SeqID = x
	}
	if md.TRUNC512 != nil && *md.TRUNC512 != "" {
		sid, ok := repo.SeqIDFromTRUNC512(strings.TrimPrefix(strings.ToLower(*md.TRUNC512), "trunc512:"))
		switch {
		case !ok:
			return nil, fmt.Errorf("refget metadata: malformed trunc512 digest %q", *md.TRUNC512)
		case m.SeqID == "":
			m.SeqID = sid
		case m.SeqID != sid:
			return nil, fmt.Errorf("refget metadata: ga4gh %s and trunc512 %s name different sequences", m.SeqID, *md.TRUNC512)
		}
	}
	if md.MD5 != nil && *md.MD5 != "" {
		h := strings.TrimPrefix(*md.MD5, "md5:")
		if !hex32RE.MatchString(h) {
			return nil, fmt.Errorf("refget metadata: malformed md5 digest %q", *md.MD5)
		}
		m.MD5 = strings.ToLower(h)
	}
	var recs []repo.Alias
	add := func(ns, alias string) { recs = append(recs, repo.Alias{Namespace: ns, Alias: alias}) }
	for _, a := range md.Aliases {
		if a.Alias == "" || a.NamingAuthority == "" {
			continue
		}
		switch auth := strings.ToLower(a.NamingAuthority); auth {
		case "md5":
			if hex32RE.MatchString(a.Alias) {
				add("MD5", strings.ToLower(a.Alias))
			}
		case "trunc512":
			// Derivable from the seq_id; not a stored alias.
		case "ga4gh", "sha512t24u", "vmc":
			x := strings.TrimPrefix(a.Alias, "ga4gh:")
			x = strings.TrimPrefix(x, "SQ.")
			x = strings.TrimPrefix(x, "GS_")
			if validSeqID(x) {
				if m.SeqID == "" {
					m.SeqID = x
				} else if x != m.SeqID {
					return nil, fmt.Errorf("refget metadata: alias %s:%s names another sequence than %s", a.NamingAuthority, a.Alias, m.SeqID)
				}
			}
		case "refseq", "ensembl", "lrg":
			add(repo.TranslateAPI2DB(auth, a.Alias))
		default:
			add(a.NamingAuthority, a.Alias)
		}
	}
	if m.SeqID == "" {
		return nil, errors.New("refget metadata: no ga4gh or trunc512 digest, so the sequence cannot be identified")
	}
	if m.MD5 != "" {
		add("MD5", m.MD5)
	}
	add("VMC", "GS_"+m.SeqID)
	m.Aliases = finishAliases(recs, m.SeqID, m.Added)
	return m, nil
}

// ---- seqrepo-rest-service ----

type seqrepoREST struct{}

func (seqrepoREST) kind() string { return "seqrepo-rest-service" }

func (seqrepoREST) sequenceURL(base, id string, start, end int64) string {
	return base + "/1/sequence/" + url.PathEscape(id) + rangeQuery(start, end)
}

func (seqrepoREST) metadataURL(base, id string) string {
	return base + "/1/metadata/" + url.PathEscape(id)
}

func (seqrepoREST) sequenceAccept() string { return "text/plain" }
func (seqrepoREST) metadataAccept() string { return "application/json" }

func (seqrepoREST) seqIDRef(seqID string) string { return "ga4gh:SQ." + seqID }

func (seqrepoREST) aliasID(ns, alias string) (string, bool) {
	if alias == "" {
		return "", false
	}
	if ns == "" {
		return alias, true
	}
	// The service splits at the first colon and looks the DB-form
	// namespace up as given.
	return ns + ":" + alias, true
}

type restMetadata struct {
	Added    *string  `json:"added"`
	Aliases  []string `json:"aliases"`
	Alphabet *string  `json:"alphabet"`
	Length   *int64   `json:"length"`
}

func (seqrepoREST) parseMetadata(body []byte) (*meta, error) {
	var doc restMetadata
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("seqrepo metadata: %w", err)
	}
	if doc.Length == nil || *doc.Length < 0 {
		return nil, errors.New("seqrepo metadata: missing or negative length")
	}
	m := &meta{Length: *doc.Length}
	if doc.Alphabet != nil {
		m.Alphabet = *doc.Alphabet
	}
	if doc.Added != nil && *doc.Added != "" {
		t, err := parseAdded(*doc.Added)
		if err != nil {
			return nil, fmt.Errorf("seqrepo metadata: added %q: %w", *doc.Added, err)
		}
		m.Added = t
	}
	var recs []repo.Alias
	for _, s := range doc.Aliases {
		ns, alias, ok := strings.Cut(s, ":")
		if !ok || ns == "" || alias == "" {
			return nil, fmt.Errorf("seqrepo metadata: alias %q is not namespace:alias", s)
		}
		// API translations (refseq:, ga4gh:, sha512t24u:, ensembl:, lrg:)
		// collapse onto their DB records; repo.Aliases re-adds them.
		ns, alias = repo.TranslateAPI2DB(ns, alias)
		if ns == "VMC" {
			if x, ok := strings.CutPrefix(alias, "GS_"); ok && validSeqID(x) {
				if m.SeqID == "" {
					m.SeqID = x
				} else if m.SeqID != x {
					return nil, fmt.Errorf("seqrepo metadata: aliases name two sequences (%s and %s)", m.SeqID, x)
				}
			}
		}
		if ns == "MD5" && m.MD5 == "" && hex32RE.MatchString(alias) {
			m.MD5 = strings.ToLower(alias)
		}
		recs = append(recs, repo.Alias{Namespace: ns, Alias: alias})
	}
	if m.SeqID == "" {
		return nil, errors.New("seqrepo metadata: no VMC/ga4gh alias, so the sequence cannot be identified")
	}
	m.Aliases = finishAliases(recs, m.SeqID, m.Added)
	return m, nil
}

// parseAdded reads seqrepo-rest-service's timestamp ("2016-08-24T05:03:11Z",
// possibly with fractional seconds, or without the zone meaning UTC).
func parseAdded(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not an ISO 8601 timestamp")
}

// finishAliases fills in the records, sorts them by (namespace, alias) and
// drops duplicates.
func finishAliases(recs []repo.Alias, seqID string, added time.Time) []repo.Alias {
	for i := range recs {
		recs[i].SeqID, recs[i].Added, recs[i].Current = seqID, added, true
	}
	slices.SortFunc(recs, func(a, b repo.Alias) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Alias, b.Alias))
	})
	return slices.CompactFunc(recs, func(a, b repo.Alias) bool { return a.Namespace == b.Namespace && a.Alias == b.Alias })
}

func hexRE(n int) *regexp.Regexp { return regexp.MustCompile(`^[0-9a-fA-F]{` + strconv.Itoa(n) + `}$`) }

func strconvQuote(s string) string { return strconv.Quote(s) }
