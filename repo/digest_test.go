package repo_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// digestVectors are the verified vectors of docs/format.md, “Digest test
// vectors” (sequence → seq_id, MD5, SHA1, SEGUID), computed by
// bioutils/SeqRepo.
var digestVectors = []struct {
	name, seq                string
	seqID, md5, sha1, seguid string
}{
	{"empty", "", "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXc", "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "2jmj7l5rSw0yVb/vlWAYkK/YBwk"},
	{"ACGT", "ACGT", "aKF498dAxcJAqme6QYQ7EZ07-fiw8Kw2", "f1f8f4bf413b16ad135722aa4591043e", "2108994e17f6cca9ff2352ada92b6511db076034", "IQiZThf2zKn/I1KtqStlEdsHYDQ"},
	{"acgt normalised", "acgt", "aKF498dAxcJAqme6QYQ7EZ07-fiw8Kw2", "f1f8f4bf413b16ad135722aa4591043e", "2108994e17f6cca9ff2352ada92b6511db076034", "IQiZThf2zKn/I1KtqStlEdsHYDQ"},
	{"SMELLASSWEET", "SMELLASSWEET", "bsoUMlD3TrEtlh9Dt1iT29mzfkwwFUDr", "8b2698fb0b0c93558a6adbb11edb1e4b", "6d0574c5cd37ea611283d101a52558b1365a441b", "bQV0xc036mESg9EBpSVYsTZaRBs"},
	{"ASINCHANGE", "ASINCHANGE", "0lhCSrLAuZIVydVIOyv7q4LIyl569J08", "f8d96135b3a8b7b3a5d6c32dea535577", "770a811e6dbc77e0bb9ea2bb7c03326e1a602655", "dwqBHm28d+C7nqK7fAMybhpgJlU"},
	{"ASINACORNER", "ASINACORNER", "LDz34B6fA_fLxFoc2agLrXQRYuupOGGM", "ea81b52627e387fc6edd8b9412cd3a99", "68c405fdc7479006b22e4558b3c5d5daef87cb7e", "aMQF/cdHkAayLkVYs8XV2u+Hy34"},
	{"NCBISEQUENCE", "NCBISEQUENCE", "9Sn3d56Fzds_c6ovS__sj1fbMd_Xd3J6", "be8a4c35767bb783a7b8b6dc04ba3718", "e56e660b38a4b9f0dc7b374d4c628b6bdceb89cc", "5W5mCzikufDcezdNTGKLa9zricw"},
	{"MKV* hashes MKV", "MKV*", "WGgAyMJeObGj3hO3DZitI0gDYWL4h9yL", "bc5a0dfbf35ec22ac2c0f8c1e5534d8e", "df2edc09e8bfa7eb164dfa3bfc93bf039fc5bb91", "3y7cCei/p+sWTfo7/JO/A5/Fu5E"},
	{"MKV", "MKV", "WGgAyMJeObGj3hO3DZitI0gDYWL4h9yL", "bc5a0dfbf35ec22ac2c0f8c1e5534d8e", "df2edc09e8bfa7eb164dfa3bfc93bf039fc5bb91", "3y7cCei/p+sWTfo7/JO/A5/Fu5E"},
	{"whitespace and stars stripped", " a\tc\r\n*g\vt\f*\n", "aKF498dAxcJAqme6QYQ7EZ07-fiw8Kw2", "f1f8f4bf413b16ad135722aa4591043e", "2108994e17f6cca9ff2352ada92b6511db076034", "IQiZThf2zKn/I1KtqStlEdsHYDQ"},
	{"only stars", "***", "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXc", "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "2jmj7l5rSw0yVb/vlWAYkK/YBwk"},
}

func TestComputeDigestsVectors(t *testing.T) {
	t.Parallel()
	for _, v := range digestVectors {
		t.Run(v.name, func(t *testing.T) {
			d, err := repo.ComputeDigests([]byte(v.seq))
			if err != nil {
				t.Fatalf("ComputeDigests(%q): %v", v.seq, err)
			}
			want := repo.Digests{SeqID: v.seqID, MD5: v.md5, SHA1: v.sha1, SEGUID: v.seguid}
			if d != want {
				t.Fatalf("ComputeDigests(%q) = %+v, want %+v", v.seq, d, want)
			}
			if got := d.VMC(); got != "GS_"+v.seqID {
				t.Errorf("VMC() = %q", got)
			}
			if got := d.GA4GH(); got != "SQ."+v.seqID {
				t.Errorf("GA4GH() = %q", got)
			}
			// The streaming Digester fed one byte at a time agrees.
			g := repo.NewDigester()
			for i := range len(v.seq) {
				if _, err := g.Write([]byte{v.seq[i]}); err != nil {
					t.Fatalf("Digester.Write at %d: %v", i, err)
				}
			}
			if got := g.Sum(); got != want {
				t.Fatalf("Digester = %+v, want %+v", got, want)
			}
		})
	}
}

// TestUnnormalisedVector checks the un-normalised acgt digests of
// docs/format.md, “Digest test vectors” (bioutils normalize=False, which
// seqrepo never uses) with the standard library, and that ComputeDigests does
// normalise, so it never produces that digest.
func TestUnnormalisedVector(t *testing.T) {
	t.Parallel()
	s512 := sha512.Sum512([]byte("acgt"))
	s1 := sha1.Sum([]byte("acgt"))
	m5 := md5.Sum([]byte("acgt"))
	if got := base64.RawURLEncoding.EncodeToString(s512[:24]); got != "eFwawHHdibaZBDcs9kW3gm31h1NNJcQe" {
		t.Errorf("sha512t24u(acgt) = %s", got)
	}
	if got := hex.EncodeToString(m5[:]); got != "db516c3913e179338b162b2476d1c23f" {
		t.Errorf("md5(acgt) = %s", got)
	}
	if got := hex.EncodeToString(s1[:]); got != "9482340281b5fc8f2a298dbbd6b82fe42159b6c5" {
		t.Errorf("sha1(acgt) = %s", got)
	}
	if got := strings.TrimRight(base64.StdEncoding.EncodeToString(s1[:]), "="); got != "lII0AoG1/I8qKY271rgv5CFZtsU" {
		t.Errorf("seguid(acgt) = %s", got)
	}
	d, err := repo.ComputeDigests([]byte("acgt"))
	if err != nil {
		t.Fatal(err)
	}
	if d.SeqID == "eFwawHHdibaZBDcs9kW3gm31h1NNJcQe" {
		t.Error("ComputeDigests did not normalise acgt")
	}
}

func TestComputeDigestsRejectsNonAlpha(t *testing.T) {
	t.Parallel()
	tests := []struct {
		seq    string
		char   byte
		offset int
	}{
		{"AC-GT", '-', 2},
		{"ACGT.", '.', 4},
		{"1ACGT", '1', 0},
		{"AC=GT", '=', 2},
		{"AC GT\x00", 0, 5},
		{"ACGT\xc3\xa9", 0xc3, 4}, // é: not A–Z
		{"A*C-", '-', 3},          // offset counts the stripped '*'
	}
	for _, tt := range tests {
		_, err := repo.ComputeDigests([]byte(tt.seq))
		var nae *repo.NonAlphaError
		if !errors.As(err, &nae) {
			t.Errorf("ComputeDigests(%q) error = %v, want *NonAlphaError", tt.seq, err)
			continue
		}
		if nae.Char != tt.char || nae.Offset != tt.offset {
			t.Errorf("ComputeDigests(%q) = %+v, want char %q offset %d", tt.seq, *nae, tt.char, tt.offset)
		}
		if !strings.Contains(err.Error(), "non-alphabetic") {
			t.Errorf("message %q does not say non-alphabetic", err)
		}
	}
}

func TestDigesterReportsStreamOffset(t *testing.T) {
	t.Parallel()
	g := repo.NewDigester()
	if _, err := g.Write([]byte("ACGT\nACGT\n")); err != nil {
		t.Fatal(err)
	}
	_, err := g.Write([]byte("AC-"))
	var nae *repo.NonAlphaError
	if !errors.As(err, &nae) || nae.Offset != 12 || nae.Char != '-' {
		t.Fatalf("second Write error = %v, want '-' at offset 12", err)
	}
}

func TestTRUNC512(t *testing.T) {
	t.Parallel()
	vectors := []struct{ seqID, trunc512 string }{
		{"Ya6Rs7DHhDeg7YaOSg1EoNi3U_nQ9SvO", "61ae91b3b0c78437a0ed868e4a0d44a0d8b753f9d0f52bce"},
		{"v_QTc1p-MUYdgrRv4LMT6ByXIOsdw3C_", "bff413735a7e31461d82b46fe0b313e81c9720eb1dc370bf"},
		{"aKF498dAxcJAqme6QYQ7EZ07-fiw8Kw2", "68a178f7c740c5c240aa67ba41843b119d3bf9f8b0f0ac36"},
	}
	for _, v := range vectors {
		if got := repo.TRUNC512(v.seqID); got != v.trunc512 {
			t.Errorf("TRUNC512(%s) = %s, want %s", v.seqID, got, v.trunc512)
		}
		for _, h := range []string{v.trunc512, strings.ToUpper(v.trunc512)} {
			got, ok := repo.SeqIDFromTRUNC512(h)
			if !ok || got != v.seqID {
				t.Errorf("SeqIDFromTRUNC512(%s) = %s, %v; want %s", h, got, ok, v.seqID)
			}
		}
	}
	d, _ := repo.ComputeDigests([]byte("ACGT"))
	if got := d.TRUNC512(); got != "68a178f7c740c5c240aa67ba41843b119d3bf9f8b0f0ac36" {
		t.Errorf("Digests.TRUNC512() = %s", got)
	}
	for _, bad := range []string{"", "short", "Ya6Rs7DHhDeg7YaOSg1EoNi3U_nQ9Sv", "Ya6Rs7DHhDeg7YaOSg1EoNi3U_nQ9Sv!", "Ya6Rs7DHhDeg7YaOSg1EoNi3U/nQ9SvO"} {
		if got := repo.TRUNC512(bad); got != "" {
			t.Errorf("TRUNC512(%q) = %q, want empty", bad, got)
		}
	}
	for _, bad := range []string{"", "61ae", "61ae91b3b0c78437a0ed868e4a0d44a0d8b753f9d0f52bc", "zzae91b3b0c78437a0ed868e4a0d44a0d8b753f9d0f52bce"} {
		if _, ok := repo.SeqIDFromTRUNC512(bad); ok {
			t.Errorf("SeqIDFromTRUNC512(%q) ok, want false", bad)
		}
	}
}

func TestAlphabet(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":             "",
		"ACGTTGCA":     "ACGT",
		"MKV*":         "*KMV",
		"ACGTNMR":      "ACGMNRT",
		"acgt":         "acgt",
		"SMELLASSWEET": "AELMSTW",
	}
	for seq, want := range tests {
		if got := repo.Alphabet([]byte(seq)); got != want {
			t.Errorf("Alphabet(%q) = %q, want %q", seq, got, want)
		}
	}
	var a repo.AlphabetSet
	a.Add([]byte("TT"))
	a.Add([]byte("GA"))
	if got := a.String(); got != "AGT" {
		t.Errorf("AlphabetSet over pieces = %q, want AGT", got)
	}
}

// TestDigestAliases checks that the digest aliases come in SeqRepo's order
// and each lies in a stored digest namespace.
func TestDigestAliases(t *testing.T) {
	t.Parallel()
	d, err := repo.ComputeDigests([]byte("ACGT"))
	if err != nil {
		t.Fatal(err)
	}
	got := d.Aliases()
	want := [4]repo.NSAlias{{"VMC", "GS_" + d.SeqID}, {"SHA1", d.SHA1}, {"MD5", d.MD5}, {"SEGUID", d.SEGUID}}
	if got != want {
		t.Errorf("Aliases() = %v, want %v", got, want)
	}
	for _, a := range got {
		if !repo.IsStoredDigestNamespace(a.Namespace) {
			t.Errorf("%s is not a stored digest namespace", a.Namespace)
		}
	}
}
