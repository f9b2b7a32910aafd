package repo_test

import (
	"slices"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// TestNamespaceSets classifies every namespace SeqRepo knows, a few that
// differ only in case, and ordinary ones.
func TestNamespaceSets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ns           string
		storedDigest bool   // IsStoredDigestNamespace
		digest       bool   // IsDigestNamespace
		api          bool   // IsAPINamespace
		translated   bool   // IsTranslatedNamespace
		seqrepo      bool   // IsSeqRepoNamespace
		db2api       string // NamespaceDB2API
	}{
		{ns: "VMC", storedDigest: true, digest: true, translated: true, seqrepo: true, db2api: "VMC"},
		{ns: "SHA1", storedDigest: true, digest: true, seqrepo: true, db2api: "SHA1"},
		{ns: "MD5", storedDigest: true, digest: true, seqrepo: true, db2api: "MD5"},
		{ns: "SEGUID", storedDigest: true, digest: true, seqrepo: true, db2api: "SEGUID"},
		{ns: "NCBI", translated: true, seqrepo: true, db2api: "refseq"},
		{ns: "Ensembl", translated: true, seqrepo: true, db2api: "ensembl"},
		{ns: "LRG", translated: true, seqrepo: true, db2api: "lrg"},
		{ns: "refseq", api: true, db2api: "refseq"},
		{ns: "RefSeq", api: true, db2api: "RefSeq"},
		{ns: "REFSEQ", api: true, db2api: "REFSEQ"},
		{ns: "ensembl", api: true, db2api: "ensembl"},
		{ns: "lrg", api: true, db2api: "lrg"},
		{ns: "sha512t24u", digest: true, api: true, db2api: "sha512t24u"},
		{ns: "ga4gh", digest: true, api: true, db2api: "ga4gh"},
		// Only refseq is matched in any case; the rest are exact.
		{ns: "md5", db2api: "md5"},
		{ns: "vmc", db2api: "vmc"},
		{ns: "ncbi", db2api: "ncbi"},
		{ns: "ENSEMBL", db2api: "ENSEMBL"},
		{ns: "Lrg", db2api: "Lrg"},
		{ns: "GA4GH", db2api: "GA4GH"},
		{ns: "SHA512T24U", db2api: "SHA512T24U"},
		{ns: "TRUNC512", db2api: "TRUNC512"},
		{ns: "GRCh38", db2api: "GRCh38"},
		{ns: "test", db2api: "test"},
		{ns: "", db2api: ""},
	}
	for _, tt := range tests {
		t.Run(tt.ns, func(t *testing.T) {
			for _, c := range []struct {
				name      string
				got, want bool
			}{
				{"IsStoredDigestNamespace", repo.IsStoredDigestNamespace(tt.ns), tt.storedDigest},
				{"IsDigestNamespace", repo.IsDigestNamespace(tt.ns), tt.digest},
				{"IsAPINamespace", repo.IsAPINamespace(tt.ns), tt.api},
				{"IsTranslatedNamespace", repo.IsTranslatedNamespace(tt.ns), tt.translated},
				{"IsSeqRepoNamespace", repo.IsSeqRepoNamespace(tt.ns), tt.seqrepo},
			} {
				if c.got != c.want {
					t.Errorf("%s(%q) = %v, want %v", c.name, tt.ns, c.got, c.want)
				}
			}
			if got := repo.NamespaceDB2API(tt.ns); got != tt.db2api {
				t.Errorf("NamespaceDB2API(%q) = %q, want %q", tt.ns, got, tt.db2api)
			}
			// An API-level namespace is exactly one TranslateAPI2DB renames.
			if db, _ := repo.TranslateAPI2DB(tt.ns, "x"); (db != tt.ns) != tt.api {
				t.Errorf("TranslateAPI2DB(%q) = %q, but IsAPINamespace = %v", tt.ns, db, tt.api)
			}
		})
	}
}

// TestAPINamespaces checks the listing order and that a caller cannot
// change the list.
func TestAPINamespaces(t *testing.T) {
	t.Parallel()
	want := []string{"refseq", "ensembl", "lrg", "ga4gh", "sha512t24u"}
	got := slices.Collect(repo.APINamespaces())
	if !slices.Equal(got, want) {
		t.Fatalf("APINamespaces = %v, want %v", got, want)
	}
	got[0] = "changed"
	if again := slices.Collect(repo.APINamespaces()); !slices.Equal(again, want) {
		t.Errorf("APINamespaces after changing a collected copy = %v, want %v", again, want)
	}
	for ns := range repo.APINamespaces() {
		if !repo.IsAPINamespace(ns) {
			t.Errorf("IsAPINamespace(%q) = false for a listed namespace", ns)
		}
		if db, _ := repo.TranslateAPI2DB(ns, ""); !repo.IsTranslatedNamespace(db) {
			t.Errorf("%q translates to %q, which IsTranslatedNamespace rejects", ns, db)
		}
	}
}

// TestTranslateAliasDB2API is the alias side of TranslateDB2API, and it
// undoes TranslateAPI2DB for well-formed aliases.
func TestTranslateAliasDB2API(t *testing.T) {
	t.Parallel()
	const x = "v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"
	tests := []struct {
		api, alias string
		want       string
		ok         bool
	}{
		{"sha512t24u", "GS_" + x, x, true},
		{"sha512t24u", "GS_", "", true},
		{"sha512t24u", x, "", false},
		{"sha512t24u", "", "", false},
		{"ga4gh", "GS_" + x, "SQ." + x, true},
		{"ga4gh", "GS_", "SQ.", true},
		{"ga4gh", "SQ." + x, "", false},
		{"ga4gh", "", "", false},
		{"refseq", "NM_000551.3", "NM_000551.3", true},
		{"RefSeq", "NM_000551.3", "NM_000551.3", true},
		{"ensembl", "ENST00000288602.11", "ENST00000288602.11", true},
		{"lrg", "LRG_99t1", "LRG_99t1", true},
		{"", "chr1", "chr1", true},
		{"GRCh38", "chr1", "chr1", true},
	}
	for _, tt := range tests {
		got, ok := repo.TranslateAliasDB2API(tt.api, tt.alias)
		if got != tt.want || ok != tt.ok {
			t.Errorf("TranslateAliasDB2API(%q, %q) = (%q, %v), want (%q, %v)", tt.api, tt.alias, got, ok, tt.want, tt.ok)
		}
		// An empty API alias stays empty in TranslateAPI2DB (SeqRepo's
		// "alias absent"), so GS_ alone does not come back.
		if !ok || got == "" || !repo.IsAPINamespace(tt.api) {
			continue
		}
		if _, back := repo.TranslateAPI2DB(tt.api, got); back != tt.alias {
			t.Errorf("TranslateAPI2DB(%q, %q) = %q, want the stored alias %q back", tt.api, got, back, tt.alias)
		}
	}
}
