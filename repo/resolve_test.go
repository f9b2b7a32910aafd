package repo_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/memsource"
	"github.com/seqfs/seqfs/repo"
)

// memSource is an in-memory repo.Source for testing the shared resolution
// code; added stamps what store adds.
type memSource struct {
	*memsource.Source
	added time.Time
}

// store adds a sequence with its digest aliases and the given ns:alias
// pairs (API namespaces translated), like SeqRepo.store.
func (m *memSource) store(t *testing.T, seq string, nsaliases ...string) string {
	t.Helper()
	d, err := repo.ComputeDigests([]byte(seq))
	if err != nil {
		t.Fatal(err)
	}
	m.Put(repo.Info{SeqID: d.SeqID, Length: int64(len(seq)), Alphabet: repo.Alphabet([]byte(seq)), Added: m.added}, []byte(seq))
	add := func(ns, a string) {
		m.AddAliases(repo.Alias{SeqID: d.SeqID, Namespace: ns, Alias: a, Added: m.added, Current: true})
	}
	add("VMC", d.VMC())
	add("SHA1", d.SHA1)
	add("MD5", d.MD5)
	add("SEGUID", d.SEGUID)
	for _, nsa := range nsaliases {
		ns, a, _ := strings.Cut(nsa, ":")
		add(repo.TranslateAPI2DB(ns, a))
	}
	return d.SeqID
}

// seqrepoTestSource mirrors the fixtures of SeqRepo's tests/test_seqrepo.py.
func seqrepoTestSource(t *testing.T) *memSource {
	m := &memSource{Source: memsource.New(), added: time.Date(2016, 8, 24, 5, 3, 11, 0, time.UTC)}
	m.store(t, "SMELLASSWEET", "en:rose", "fr:rose", "it:rosa")
	m.store(t, "ASINCHANGE", "en:coin")
	m.store(t, "ASINACORNER", "fr:coin")
	m.store(t, "NCBISEQUENCE", "refseq:refseqac")
	// A superseded binding must be ignored.
	m.AddAliases(repo.Alias{SeqID: "0lhCSrLAuZIVydVIOyv7q4LIyl569J08", Namespace: "en", Alias: "rose", Current: false})
	return m
}

const (
	roseID   = "bsoUMlD3TrEtlh9Dt1iT29mzfkwwFUDr"
	changeID = "0lhCSrLAuZIVydVIOyv7q4LIyl569J08"
	cornerID = "LDz34B6fA_fLxFoc2agLrXQRYuupOGGM"
	ncbiID   = "9Sn3d56Fzds_c6ovS__sj1fbMd_Xd3J6"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := seqrepoTestSource(t)
	tests := []struct {
		id, ns string
		style  repo.Style
		want   string
	}{
		{"rose", "", repo.StyleSeqRepo, roseID},
		{"rosa", "", repo.StyleSeqRepo, roseID},
		{"en:rose", "", repo.StyleSeqRepo, roseID},
		{"coin", "en", repo.StyleSeqRepo, changeID},
		{"coin", "fr", repo.StyleSeqRepo, cornerID},
		{"en:coin", "", repo.StyleSeqRepo, changeID},
		{"ros%", "", repo.StyleSeqRepo, roseID}, // unique prefix
		{"ROS%", "", repo.StyleSeqRepo, roseID}, // LIKE folds ASCII case
		{"MD5:ea81b52627e387fc6edd8b9412cd3a99", "", repo.StyleSeqRepo, cornerID},
		{"md5:ea81b52627e387fc6edd8b9412cd3a99", "", repo.StyleSeqRepo, cornerID},
		{"ea81b52627e387fc6edd8b9412cd3a99", "", repo.StyleSeqRepo, cornerID},
		{"EA81B52627E387FC6EDD8B9412CD3A99", "", repo.StyleSeqRepo, cornerID},
		{"SEGUID:aMQF/cdHkAayLkVYs8XV2u+Hy34", "", repo.StyleSeqRepo, cornerID},
		{"SHA1:68c405fdc7479006b22e4558b3c5d5daef87cb7e", "", repo.StyleSeqRepo, cornerID},
		{"VMC:GS_LDz34B6fA_fLxFoc2agLrXQRYuupOGGM", "", repo.StyleSeqRepo, cornerID},
		{"ga4gh:SQ.LDz34B6fA_fLxFoc2agLrXQRYuupOGGM", "", repo.StyleSeqRepo, cornerID},
		{"SQ.LDz34B6fA_fLxFoc2agLrXQRYuupOGGM", "", repo.StyleSeqRepo, cornerID},
		{"sha512t24u:LDz34B6fA_fLxFoc2agLrXQRYuupOGGM", "", repo.StyleSeqRepo, cornerID},
		{repo.TRUNC512(cornerID), "", repo.StyleSeqRepo, cornerID},
		{"refseq:refseqac", "", repo.StyleSeqRepo, ncbiID},
		{"RefSeq:refseqac", "", repo.StyleSeqRepo, ncbiID},
		{"REFSEQ:refseqac", "", repo.StyleSeqRepo, ncbiID},
		{"NCBI:refseqac", "", repo.StyleSeqRepo, ncbiID},
		{"refseqac", "refseq", repo.StyleSeqRepo, ncbiID},
		{"refseqac", "", repo.StyleSeqRepo, ncbiID},
		// REST: hex prefixes.
		{"ea81b526", "", repo.StyleREST, cornerID},
		{repo.TRUNC512(cornerID), "", repo.StyleREST, cornerID},
		{"en:coin", "", repo.StyleREST, changeID},
		{"ga4gh:SQ.LDz34B6fA_fLxFoc2agLrXQRYuupOGGM", "", repo.StyleREST, cornerID},
		{"rose", "", repo.StyleREST, roseID},
		// refget: exact digests.
		{"md5:ea81b52627e387fc6edd8b9412cd3a99", "", repo.StyleRefget, cornerID},
		{"SQ.LDz34B6fA_fLxFoc2agLrXQRYuupOGGM", "", repo.StyleRefget, cornerID},
	}
	for _, tt := range tests {
		got, err := repo.Resolve(ctx, src, tt.id, tt.ns, tt.style)
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q, ns %q, style %d) = %q, %v; want %q", tt.id, tt.ns, tt.style, got, err, tt.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := seqrepoTestSource(t)
	// The error names the alias and namespace as SeqRepo's KeyError does:
	// "ns:alias" is reported as alias in namespace ns.
	notFound := []struct{ id, ns, wantAlias, wantNS string }{
		{"tulip", "", "tulip", ""},
		{"ncbi:refseqac", "", "refseqac", "ncbi"}, // only refseq (any case) and NCBI are translated
		{"coin", "de", "coin", "de"},
		{"rose", "it", "rose", "it"},
		{"MD5:EA81B52627E387FC6EDD8B9412CD3A99X", "", "EA81B52627E387FC6EDD8B9412CD3A99X", "MD5"},
		{"SQ.LDz34B6fA_fLxFoc2agLrXQRYuupOGG", "", "SQ.LDz34B6fA_fLxFoc2agLrXQRYuupOGG", ""},
	}
	for _, tt := range notFound {
		_, err := repo.Resolve(ctx, src, tt.id, tt.ns, repo.StyleSeqRepo)
		var nf *repo.NotFoundError
		if !errors.As(err, &nf) || nf.Alias != tt.wantAlias || nf.Namespace != tt.wantNS || !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("Resolve(%q, %q) error = %v, want *NotFoundError for %q in %q", tt.id, tt.ns, err, tt.wantAlias, tt.wantNS)
		}
	}
	_, err := repo.Resolve(ctx, src, "coin", "", repo.StyleSeqRepo)
	var amb *repo.AmbiguousError
	if !errors.As(err, &amb) || !errors.Is(err, repo.ErrAmbiguous) {
		t.Fatalf("Resolve(coin) error = %v, want *AmbiguousError", err)
	}
	if want := []string{changeID, cornerID}; !reflect.DeepEqual(amb.Candidates, want) {
		t.Errorf("ambiguous candidates = %v, want %v", amb.Candidates, want)
	}
	for _, id := range []string{changeID, cornerID, "coin"} {
		if !strings.Contains(err.Error(), id) {
			t.Errorf("ambiguity message %q does not name %s", err, id)
		}
	}
	// ResolveAll reports both without an error.
	ids, err := repo.ResolveAll(ctx, src, "coin", "", repo.StyleSeqRepo)
	if err != nil || !reflect.DeepEqual(ids, []string{changeID, cornerID}) {
		t.Errorf("ResolveAll(coin) = %v, %v", ids, err)
	}
	// Odd-length hex in the REST style is an identifier error.
	if _, err := repo.Resolve(ctx, src, "ea81b5262", "", repo.StyleREST); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("odd hex: %v", err)
	}
}

// TestResolveEmptyAlias: SeqRepo compares alias with the empty string,
// which matches no record, so "" and "ns:" name nothing. An empty
// AliasQuery field means "anything", so the candidates must not be asked
// as such.
func TestResolveEmptyAlias(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := seqrepoTestSource(t)
	for _, id := range []string{"", "en:", "MD5:", "ga4gh:", "sha512t24u:", "refseq:"} {
		for _, style := range []repo.Style{repo.StyleSeqRepo, repo.StyleREST, repo.StyleRefget} {
			_, err := repo.Resolve(ctx, src, id, "", style)
			if !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("Resolve(%q, style %d) error = %v, want not found", id, style, err)
			}
		}
	}
}

func TestAliasesAndTranslate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := seqrepoTestSource(t)
	// translate_alias("coin", namespace="en") of docs/format.md, “Alias lookup”.
	got, err := repo.Translate(ctx, src, "en:coin", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"MD5:f8d96135b3a8b7b3a5d6c32dea535577",
		"SEGUID:dwqBHm28d+C7nqK7fAMybhpgJlU",
		"SHA1:770a811e6dbc77e0bb9ea2bb7c03326e1a602655",
		"VMC:GS_0lhCSrLAuZIVydVIOyv7q4LIyl569J08",
		"sha512t24u:0lhCSrLAuZIVydVIOyv7q4LIyl569J08",
		"ga4gh:SQ.0lhCSrLAuZIVydVIOyv7q4LIyl569J08",
		"en:coin",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Translate(en:coin) =\n%v\nwant\n%v", got, want)
	}
	tests := []struct {
		id      string
		targets []string
		want    []string
	}{
		{"en:rose", []string{"VMC"}, []string{"VMC:GS_bsoUMlD3TrEtlh9Dt1iT29mzfkwwFUDr"}},
		{"rose", []string{"en", "fr", "it"}, []string{"en:rose", "fr:rose", "it:rosa"}},
		{"refseqac", []string{"refseq", "ga4gh"}, []string{"refseq:refseqac", "ga4gh:SQ.9Sn3d56Fzds_c6ovS__sj1fbMd_Xd3J6"}},
		{"refseqac", []string{"NCBI"}, []string{"NCBI:refseqac"}},
		{"refseqac", []string{"ncbi"}, nil},
	}
	for _, tt := range tests {
		got, err := repo.Translate(ctx, src, tt.id, tt.targets)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Translate(%q, %v) = %v, %v; want %v", tt.id, tt.targets, got, err, tt.want)
		}
	}
	if _, err := repo.Translate(ctx, src, "coin", nil); !errors.Is(err, repo.ErrAmbiguous) {
		t.Errorf("Translate(coin) error = %v, want ambiguous", err)
	}

	al, err := repo.Aliases(ctx, src, ncbiID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range al {
		names = append(names, a.String())
		if a.SeqID != ncbiID || !a.Current {
			t.Errorf("alias %s has seq_id %s current %v", a, a.SeqID, a.Current)
		}
	}
	wantNames := []string{
		"MD5:be8a4c35767bb783a7b8b6dc04ba3718",
		"NCBI:refseqac",
		"refseq:refseqac",
		"SEGUID:5W5mCzikufDcezdNTGKLa9zricw",
		"SHA1:e56e660b38a4b9f0dc7b374d4c628b6bdceb89cc",
		"VMC:GS_9Sn3d56Fzds_c6ovS__sj1fbMd_Xd3J6",
		"sha512t24u:9Sn3d56Fzds_c6ovS__sj1fbMd_Xd3J6",
		"ga4gh:SQ.9Sn3d56Fzds_c6ovS__sj1fbMd_Xd3J6",
	}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("Aliases = %v, want %v", names, wantNames)
	}
}

func TestSliceAndReadFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := seqrepoTestSource(t)
	tests := []struct {
		start, end int64
		want       string
		err        bool
	}{
		{0, repo.ToEnd, "SMELLASSWEET", false},
		{5, 7, "AS", false},
		{5, repo.ToEnd, "ASSWEET", false},
		{0, 5, "SMELL", false},
		{10, 20, "ET", false},
		{12, 20, "", false},
		{20, 30, "", false},
		{7, 5, "", true},
		{-1, 3, "", true},
	}
	for _, tt := range tests {
		got, err := repo.Slice(ctx, src, roseID, tt.start, tt.end)
		if tt.err {
			if !errors.Is(err, repo.ErrBadCoordinates) {
				t.Errorf("Slice(%d, %d) error = %v, want bad coordinates", tt.start, tt.end, err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("Slice(%d, %d) = %q, %v; want %q", tt.start, tt.end, got, err, tt.want)
		}
	}
	if _, err := repo.Slice(ctx, src, "nope", 0, 1); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("Slice(unknown) error = %v, want not found", err)
	}
	// ReadFull reports a short read as bad coordinates.
	buf := make([]byte, 5)
	if err := repo.ReadFull(ctx, src, roseID, buf, 10); !errors.Is(err, repo.ErrBadCoordinates) {
		t.Errorf("ReadFull past the end: %v", err)
	}
	if err := repo.ReadFull(ctx, src, roseID, buf, 7); err != nil || string(buf) != "SWEET" {
		t.Errorf("ReadFull(7) = %q, %v", buf, err)
	}
}

func TestCollectAndDistinct(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := seqrepoTestSource(t)
	ids, err := repo.DistinctSeqIDs(ctx, src, repo.AliasQuery{Namespace: "fr"})
	if err != nil || !reflect.DeepEqual(ids, []string{cornerID, roseID}) {
		t.Errorf("DistinctSeqIDs(fr) = %v, %v", ids, err)
	}
	boom := errors.New("boom")
	failing := func(yield func(int, error) bool) {
		if yield(1, nil) {
			yield(0, boom)
		}
	}
	if _, err := repo.Collect(failing); !errors.Is(err, boom) {
		t.Errorf("Collect error = %v, want boom", err)
	}
}
