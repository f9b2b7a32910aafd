package refget

import (
	"strings"
	"testing"
	"time"
)

const sid = "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"

func TestParseV2Metadata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    []string // aliases "ns:alias"
		wantErr string
	}{
		{"seqfs", `{"metadata":{"id":"x","md5":"3332ed720ac7eaa9b3655c06f6b9e196","ga4gh":"SQ.` + sid + `","trunc512":"2085c82d80500a91dd0b8aa9237b0e43f1c07809bd6e6785","length":5386,
			"aliases":[{"alias":"NC_001422.1","naming_authority":"refseq"},{"alias":"a b:c","naming_authority":"test"},{"alias":"CM1.1","naming_authority":"insdc"}]}}`,
			[]string{"MD5:3332ed720ac7eaa9b3655c06f6b9e196", "NCBI:NC_001422.1", "VMC:GS_" + sid, "insdc:CM1.1", "test:a b:c"}, ""},
		{"ga4gh prefix, upper md5, digest aliases", `{"metadata":{"md5":"md5:3332ED720AC7EAA9B3655C06F6B9E196","ga4gh":"ga4gh:SQ.` + sid + `","length":5,
			"aliases":[{"alias":"SQ.` + sid + `","naming_authority":"ga4gh"},{"alias":"3332ed720ac7eaa9b3655c06f6b9e196","naming_authority":"MD5"},{"alias":"x","naming_authority":"TRUNC512"},{"alias":"ENST1","naming_authority":"ensembl"}]}}`,
			[]string{"Ensembl:ENST1", "MD5:3332ed720ac7eaa9b3655c06f6b9e196", "VMC:GS_" + sid}, ""},
		{"v1 style trunc512 only", `{"metadata":{"md5":"3332ed720ac7eaa9b3655c06f6b9e196","trunc512":"2085c82d80500a91dd0b8aa9237b0e43f1c07809bd6e6785","length":1,"aliases":[]}}`,
			[]string{"MD5:3332ed720ac7eaa9b3655c06f6b9e196", "VMC:GS_" + sid}, ""},
		{"no id", `{"metadata":{"md5":"3332ed720ac7eaa9b3655c06f6b9e196","length":1}}`, nil, "cannot be identified"},
		{"no length", `{"metadata":{"ga4gh":"SQ.` + sid + `"}}`, nil, "length"},
		{"negative length", `{"metadata":{"ga4gh":"SQ.` + sid + `","length":-1}}`, nil, "length"},
		{"bad ga4gh", `{"metadata":{"ga4gh":"SQ.short","length":1}}`, nil, "malformed ga4gh"},
		{"bad md5", `{"metadata":{"ga4gh":"SQ.` + sid + `","md5":"zz","length":1}}`, nil, "malformed md5"},
		{"disagreeing digests", `{"metadata":{"ga4gh":"SQ.` + sid + `","trunc512":"000000000000000000000000000000000000000000000000","length":1}}`, nil, "different sequences"},
		{"not json", `<html>`, nil, "refget metadata"},
		{"flat", `{"length":1}`, nil, `no "metadata"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := refgetV2{}.parseMetadata([]byte(tc.body))
			checkParse(t, m, err, tc.want, tc.wantErr)
		})
	}
}

func TestParseSeqRepoMetadata(t *testing.T) {
	t.Parallel()
	full := `{"added":"2016-08-24T05:03:11Z","aliases":["MD5:215137b1973c1a5afcf86be7d999574a","NCBI:NM_000551.3","refseq:NM_000551.3",
	"SEGUID:T12L0p2X5E8DbnL0+SwI4Wc1S6g","SHA1:4f5d8bd29d97e44f036e72f4f92c08e167354ba8","VMC:GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_",
	"sha512t24u:v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_","ga4gh:SQ.v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_","test:a:b c"],"alphabet":"ACGT","length":4560}`
	tests := []struct {
		name    string
		body    string
		want    []string
		wantErr string
	}{
		{"recorded", full, []string{"MD5:215137b1973c1a5afcf86be7d999574a", "NCBI:NM_000551.3", "SEGUID:T12L0p2X5E8DbnL0+SwI4Wc1S6g",
			"SHA1:4f5d8bd29d97e44f036e72f4f92c08e167354ba8", "VMC:GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_", "test:a:b c"}, ""},
		{"no vmc", `{"aliases":["MD5:215137b1973c1a5afcf86be7d999574a"],"length":1}`, nil, "cannot be identified"},
		{"bad alias", `{"aliases":["nocolon","VMC:GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"],"length":1}`, nil, "not namespace:alias"},
		{"bad added", `{"added":"yesterday","aliases":["VMC:GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"],"length":1}`, nil, "added"},
		{"two ids", `{"aliases":["VMC:GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_","ga4gh:SQ.` + sid + `"],"length":1}`, nil, "two sequences"},
		{"no length", `{"aliases":["VMC:GS_v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_"]}`, nil, "length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := seqrepoREST{}.parseMetadata([]byte(tc.body))
			checkParse(t, m, err, tc.want, tc.wantErr)
			if tc.name == "recorded" && err == nil {
				if m.Length != 4560 || m.Alphabet != "ACGT" || !m.Added.Equal(time.Date(2016, 8, 24, 5, 3, 11, 0, time.UTC)) || m.MD5 != "215137b1973c1a5afcf86be7d999574a" {
					t.Errorf("meta = %+v", m)
				}
			}
		})
	}
}

func checkParse(t *testing.T, m *meta, err error, want []string, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error = %v; want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range m.Aliases {
		if a.SeqID != m.SeqID || !a.Current {
			t.Errorf("record %+v", a)
		}
		got = append(got, a.String())
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("aliases = %q; want %q", got, want)
	}
}

func TestAliasID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ns, alias      string
		refget, seqrep string
	}{
		{"MD5", "abc", "md5:abc", "MD5:abc"},
		{"VMC", "GS_" + sid, "ga4gh:SQ." + sid, "VMC:GS_" + sid},
		{"VMC", "GS_short", "VMC:GS_short", "VMC:GS_short"},
		{"NCBI", "NC_1.1", "refseq:NC_1.1", "NCBI:NC_1.1"},
		{"Ensembl", "ENST1", "ensembl:ENST1", "Ensembl:ENST1"},
		{"LRG", "LRG_1", "lrg:LRG_1", "LRG:LRG_1"},
		{"test", "a b:c", "test:a b:c", "test:a b:c"},
		{"", "NC_1.1", "NC_1.1", "NC_1.1"},
	}
	for _, tc := range tests {
		if got, ok := (refgetV2{}).aliasID(tc.ns, tc.alias); !ok || got != tc.refget {
			t.Errorf("refget aliasID(%s, %s) = %q; want %q", tc.ns, tc.alias, got, tc.refget)
		}
		if got, ok := (seqrepoREST{}).aliasID(tc.ns, tc.alias); !ok || got != tc.seqrep {
			t.Errorf("seqrepo aliasID(%s, %s) = %q; want %q", tc.ns, tc.alias, got, tc.seqrep)
		}
	}
	if got := (refgetV2{}).metadataURL("http://h/b", "test:a b/c%"); got != "http://h/b/sequence/test:a%20b%2Fc%25/metadata" {
		t.Errorf("metadataURL = %s", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 3 ", 3 * time.Second, true},
		{"-1", 0, false},
		{"99999999999", 24 * time.Hour, true},
		{"Mon, 01 Jan 2024 00:00:05 GMT", 5 * time.Second, true},
		{"Sun, 31 Dec 2023 23:00:00 GMT", 0, true},
		{"soon", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
