package repo

import (
	"iter"
	"slices"
	"strings"
)

// SeqRepo's namespaces. Alias records are stored under DB-form namespaces
// (NCBI, Ensembl, LRG, VMC, MD5, SHA1, SEGUID, assembly names, anything a
// user loads). Clients may also name a few API-level namespaces (refseq,
// ensembl, lrg, sha512t24u, ga4gh) that are never stored: SeqRepo
// translates them to DB form on the way in (TranslateAPI2DB) and lists
// stored records a second time under them on the way out (TranslateDB2API).

// storedDigestNamespaces are the DB namespaces whose aliases SeqRepo
// computes from a sequence when it stores it, in the order it stores them.
var storedDigestNamespaces = [...]string{"VMC", "SHA1", "MD5", "SEGUID"}

// apiNamespaces are the API-level namespaces, in the order a namespace
// listing shows them.
var apiNamespaces = [...]string{"refseq", "ensembl", "lrg", "ga4gh", "sha512t24u"}

// nameNamespaces pairs each DB namespace of names that SeqRepo also lists
// under an API-level name with that name.
var nameNamespaces = [...]struct{ db, api string }{
	{"NCBI", "refseq"}, {"Ensembl", "ensembl"}, {"LRG", "lrg"},
}

// The VMC digest namespace, its API-level forms and their alias prefixes.
const (
	nsVMC        = "VMC"
	nsSHA512t24u = "sha512t24u"
	nsGA4GH      = "ga4gh"
	vmcPrefix    = "GS_"
	ga4ghPrefix  = "SQ."
)

// IsStoredDigestNamespace reports whether ns is a DB namespace whose
// aliases SeqRepo computes from the sequence itself when it stores it
// (VMC, SHA1, MD5, SEGUID): every writer adds them on its own, so they are
// never given to it.
func IsStoredDigestNamespace(ns string) bool {
	return slices.Contains(storedDigestNamespaces[:], ns)
}

// IsDigestNamespace reports whether the aliases of namespace ns are digests
// of the sequence rather than names: the stored digest namespaces and the
// API-level forms of one (sha512t24u, ga4gh).
func IsDigestNamespace(ns string) bool {
	if IsAPINamespace(ns) {
		ns, _ = TranslateAPI2DB(ns, "")
	}
	return IsStoredDigestNamespace(ns)
}

// APINamespaces yields the API-level namespace names, those
// TranslateAPI2DB translates: refseq, ensembl, lrg, ga4gh, sha512t24u.
func APINamespaces() iter.Seq[string] { return slices.Values(apiNamespaces[:]) }

// IsAPINamespace reports whether ns is an API-level namespace that
// TranslateAPI2DB translates: one of APINamespaces, with refseq matched in
// any case (RefSeq, REFSEQ, …) as SeqRepo does.
func IsAPINamespace(ns string) bool {
	return slices.Contains(apiNamespaces[:], canonicalAPINamespace(ns))
}

// canonicalAPINamespace returns "refseq" for refseq in any case, the one
// API-level name SeqRepo matches case-insensitively, and ns otherwise.
func canonicalAPINamespace(ns string) string {
	if strings.EqualFold(ns, "refseq") {
		return "refseq"
	}
	return ns
}

// IsTranslatedNamespace reports whether ns is the DB form of an API-level
// namespace (NCBI, Ensembl, LRG, VMC): SeqRepo lists its records a second
// time under the API-level name (TranslateDB2API).
func IsTranslatedNamespace(ns string) bool {
	for api := range APINamespaces() {
		if db, _ := TranslateAPI2DB(api, ""); db == ns {
			return true
		}
	}
	return false
}

// IsSeqRepoNamespace reports whether ns is a DB namespace that means
// something to SeqRepo itself (NCBI, Ensembl, LRG, VMC, MD5, SHA1,
// SEGUID): a stored digest namespace or the DB form of an API-level one.
// Loading other names into it would corrupt what SeqRepo derives from it.
func IsSeqRepoNamespace(ns string) bool {
	return IsStoredDigestNamespace(ns) || IsTranslatedNamespace(ns)
}

// NamespaceDB2API returns the API-level name under which SeqRepo lists the
// names of DB namespace ns again: NCBI → refseq, Ensembl → ensembl,
// LRG → lrg. Any other namespace is returned unchanged, VMC included (its
// digest has two API-level forms, see TranslateAliasDB2API).
func NamespaceDB2API(ns string) string {
	for _, p := range nameNamespaces {
		if p.db == ns {
			return p.api
		}
	}
	return ns
}

// TranslateAPI2DB maps an API-level namespace and alias to the form stored in
// SeqRepo's alias table, exactly as SeqRepo's translate_api2db does:
// refseq (any case) → NCBI; ensembl → Ensembl; lrg → LRG;
// sha512t24u:x → VMC:GS_x; ga4gh:SQ.x → VMC:GS_x (the first three characters
// are dropped blindly). Anything else is returned unchanged.
func TranslateAPI2DB(namespace, alias string) (string, string) {
	api := canonicalAPINamespace(namespace)
	for _, p := range nameNamespaces {
		if p.api == api {
			return p.db, alias
		}
	}
	switch {
	case alias == "" && (api == nsSHA512t24u || api == nsGA4GH):
		return nsVMC, alias
	case api == nsSHA512t24u:
		return nsVMC, vmcPrefix + alias
	case api == nsGA4GH:
		if len(alias) < len(ga4ghPrefix) {
			return nsVMC, vmcPrefix
		}
		return nsVMC, vmcPrefix + alias[len(ga4ghPrefix):]
	}
	return namespace, alias
}

// TranslateAliasDB2API returns the alias under API-level namespace api of a
// stored alias of api's DB form (TranslateAPI2DB), as TranslateDB2API lists
// it: VMC's GS_x is x under sha512t24u and SQ.x under ga4gh; names keep
// their alias. ok is false when the stored alias is not listed under api
// (a VMC alias without the GS_ prefix).
func TranslateAliasDB2API(api, alias string) (string, bool) {
	api = canonicalAPINamespace(api)
	if api != nsSHA512t24u && api != nsGA4GH {
		return alias, true
	}
	x, ok := strings.CutPrefix(alias, vmcPrefix)
	switch {
	case !ok:
		return "", false
	case api == nsGA4GH:
		return ga4ghPrefix + x, true
	}
	return x, true
}

// TranslateDB2API returns the extra API-level records SeqRepo yields right
// after a stored record: NCBI:a → refseq:a; Ensembl:a → ensembl:a;
// LRG:a → lrg:a; VMC:GS_x → sha512t24u:x, ga4gh:SQ.x. Other records have none.
func TranslateDB2API(a Alias) []Alias {
	extra := func(ns, al string) Alias {
		b := a
		b.Namespace, b.Alias = ns, al
		return b
	}
	if api := NamespaceDB2API(a.Namespace); api != a.Namespace {
		return []Alias{extra(api, a.Alias)}
	}
	if a.Namespace != nsVMC {
		return nil
	}
	var out []Alias
	for _, api := range [...]string{nsSHA512t24u, nsGA4GH} {
		if al, ok := TranslateAliasDB2API(api, a.Alias); ok {
			out = append(out, extra(api, al))
		}
	}
	return out
}

// ExpandTranslations returns records with each record's DB→API translations
// inserted right after it, the order in which SeqRepo lists aliases.
func ExpandTranslations(records []Alias) []Alias {
	out := make([]Alias, 0, len(records)*2)
	for _, a := range records {
		out = append(out, a)
		out = append(out, TranslateDB2API(a)...)
	}
	return out
}
