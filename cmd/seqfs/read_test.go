package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
)

// Tests that run the CLI in-process (runRead, newApp) stay serial:
// urfave/cli writes to its package-level help flag on every run.

// runRead runs the CLI in-process and returns stdout, stderr (as main
// would print it) and the exit code.
func runRead(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	app := newApp()
	var out, errb bytes.Buffer
	app.Writer, app.ErrWriter = &out, &errb
	full, err := permuteArgs(app, append([]string{"seqfs"}, args...))
	if err == nil {
		err = app.RunContext(context.Background(), full)
	}
	if err != nil {
		errb.WriteString("seqfs: " + err.Error() + "\n")
		return out.String(), errb.String(), exitCode(err)
	}
	return out.String(), errb.String(), exitOK
}

func sample(t *testing.T) string {
	t.Helper()
	dir := testutil.SampleInstance()
	if _, err := os.Stat(filepath.Join(dir, "aliases.sqlite3")); err != nil {
		testutil.SkipOrFail(t, "sample instance missing: %v", err)
	}
	return dir
}

// The bundled sample (docs/format.md, “Bundled sample”).
const (
	phixID = "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"
	chr1ID = "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn"
	chr6ID = "z-qJgWoacRBV77zcMgZN9E_utrdzmQsH"

	phixMD5 = "3332ed720ac7eaa9b3655c06f6b9e196"
	chr1MD5 = "6681ac2f62509cfc220d78751b8dc524"
	chr6MD5 = "b7ebc601f9a7df2e1ec5863deeae88a3"

	phixDefline = "NC_001422.1 Enterobacteria phage phiX174 sensu lato, complete genome"
	chr1Defline = "I Saccharomyces_cerevisiae chromosome:R64-1-1:I:1:230218:1 REF"
	chr6Defline = "VI Saccharomyces_cerevisiae chromosome:R64-1-1:VI:1:270161:1 REF"
)

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// sampleSeqs reads the three sample sequences straight from the backend and
// checks them against the MD5s of docs/format.md, “Bundled sample”.
func sampleSeqs(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	inst, err := seqrepo.Open(ctx, sample(t), seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	out := map[string]string{}
	for id, sum := range map[string]string{phixID: phixMD5, chr1ID: chr1MD5, chr6ID: chr6MD5} {
		b, err := repo.Slice(ctx, inst, id, 0, repo.ToEnd)
		if err != nil {
			t.Fatal(err)
		}
		if got := md5hex(string(b)); got != sum {
			t.Fatalf("sample %s has MD5 %s, want %s", id, got, sum)
		}
		out[id] = string(b)
	}
	return out
}

func TestFetchAliasForms(t *testing.T) {
	s := sample(t)
	phixT512 := repo.TRUNC512(phixID)
	tests := []struct {
		args   []string
		prefix string // first 20 residues
		md5    string
	}{
		{[]string{"MD5:" + phixMD5}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"md5:" + phixMD5}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{phixMD5}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{strings.ToUpper(phixMD5)}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"SHA1:34e0042993536ccc41b16410ec942b9d631740ba"}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"34e0042993536ccc41b16410ec942b9d631740ba"}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"SEGUID:NOAEKZNTbMxBsWQQ7JQrnWMXQLo"}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"VMC:GS_" + phixID}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"ga4gh:SQ." + phixID}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"SQ." + phixID}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"sha512t24u:" + phixID}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{phixT512}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"trunc512:" + phixT512}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"test:" + phixDefline}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{phixDefline}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"--namespace", "test", phixDefline}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"-n", "MD5", phixMD5}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"NC_001422.1%"}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"nc_001422.1%"}, "GAGTTTTATCGCTTCCATGA", phixMD5}, // LIKE folds ASCII case
		{[]string{"%phiX174%"}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"test:NC%"}, "GAGTTTTATCGCTTCCATGA", phixMD5},
		{[]string{"MD5:" + chr1MD5}, "CCACACCACACCCACACACC", chr1MD5},
		{[]string{"test:" + chr1Defline}, "CCACACCACACCCACACACC", chr1MD5}, // colons inside the alias
		{[]string{chr1Defline}, "CCACACCACACCCACACACC", chr1MD5},
		{[]string{"I Sacch%"}, "CCACACCACACCCACACACC", chr1MD5},
		{[]string{"_I Sacch%"}, "GATCTCGCAAGTGCATTCCT", chr6MD5}, // '_' is one character
		{[]string{"SQ." + chr6ID}, "GATCTCGCAAGTGCATTCCT", chr6MD5},
		{[]string{chr6Defline}, "GATCTCGCAAGTGCATTCCT", chr6MD5},
		{[]string{"SEGUID:KCQUMKGQdpxZkaloZAMgXyJMrww"}, "GATCTCGCAAGTGCATTCCT", chr6MD5},
	}
	for _, tt := range tests {
		out, errOut, code := runRead(t, append([]string{"-s", s, "fetch"}, tt.args...)...)
		if code != 0 {
			t.Errorf("fetch %q: exit %d: %s", tt.args, code, errOut)
			continue
		}
		seq, ok := strings.CutSuffix(out, "\n")
		if !ok || strings.Contains(seq, "\n") {
			t.Errorf("fetch %q: output is not one line", tt.args)
			continue
		}
		if !strings.HasPrefix(seq, tt.prefix) || md5hex(seq) != tt.md5 {
			t.Errorf("fetch %q = %.20s… (MD5 %s), want %s… (MD5 %s)", tt.args, seq, md5hex(seq), tt.prefix, tt.md5)
		}
	}
}

func TestFetchCoordinates(t *testing.T) {
	s := sample(t)
	phix := "SQ." + phixID
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--start", "0", "--end", "20", phix}, "GAGTTTTATCGCTTCCATGA"},
		{[]string{"--end", "20", phix}, "GAGTTTTATCGCTTCCATGA"},
		{[]string{"--start", "5376", phix}, "CCAACCTGCA"},
		{[]string{"--start", "5381", "--end", "9999", phix}, "CTGCA"}, // end clipped
		{[]string{"--start", "5386", phix}, ""},
		{[]string{"--start", "9000", "--end", "9999", phix}, ""},
		{[]string{"--start", "7", "--end", "7", phix}, ""},
		{[]string{"--start", "100000", "--end", "100020", "MD5:" + chr1MD5}, "GGTATTATTTTTTTTTTTTT"},
		{[]string{"--start", "100000", "--end", "100020", "MD5:" + chr6MD5}, "CCCTTGGCACTAAACGGTTG"},
		{[]string{"--start", "0", "--end", "20", "MD5:" + chr6MD5}, "GATCTCGCAAGTGCATTCCT"},
		// Several IDs, one line each.
		{[]string{"--end", "10", phix, "MD5:" + chr1MD5, "MD5:" + chr6MD5}, "GAGTTTTATC\nCCACACCACA\nGATCTCGCAA"},
	}
	for _, tt := range tests {
		out, errOut, code := runRead(t, append([]string{"-s", s, "fetch"}, tt.args...)...)
		if code != 0 || out != tt.want+"\n" {
			t.Errorf("fetch %q = %q (exit %d, %s), want %q", tt.args, out, code, errOut, tt.want+"\n")
		}
	}
}

func TestFetchWholeAndFASTA(t *testing.T) {
	s := sample(t)
	seqs := sampleSeqs(t)
	for _, id := range []string{phixID, chr1ID, chr6ID} {
		out, _, code := runRead(t, "-s", s, "fetch", "ga4gh:SQ."+id)
		if code != 0 || out != seqs[id]+"\n" {
			t.Errorf("fetch %s: exit %d, %d bytes, want %d", id, code, len(out), len(seqs[id])+1)
		}
		for _, width := range []int{60, 100, 7} {
			out, _, code := runRead(t, "-s", s, "fetch", "--fasta", "--line-width", strconv.Itoa(width), "SQ."+id)
			if code != 0 || out != fasta(">SQ."+id, seqs[id], width) {
				t.Errorf("fetch --fasta --line-width %d %s: exit %d, wrong output", width, id, code)
			}
		}
	}
	// The header is the identifier as given; a subsequence is wrapped too.
	out, _, code := runRead(t, "-s", s, "fetch", "--fasta", "--start", "5", "--end", "130", "test:"+phixDefline)
	if want := fasta(">test:"+phixDefline, seqs[phixID][5:130], 60); code != 0 || out != want {
		t.Errorf("fetch --fasta subsequence = %q, want %q", out, want)
	}
	// An empty range in FASTA is a header alone.
	out, _, code = runRead(t, "-s", s, "fetch", "--fasta", "--start", "6000", "SQ."+phixID)
	if code != 0 || out != ">SQ."+phixID+"\n" {
		t.Errorf("fetch --fasta empty = %q", out)
	}
}

// fasta composes the expected FASTA text by hand.
func fasta(header, seq string, width int) string {
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := 0; i < len(seq); i += width {
		b.WriteString(seq[i:min(i+width, len(seq))] + "\n")
	}
	return b.String()
}

func TestFetchErrors(t *testing.T) {
	s := sample(t)
	tests := []struct {
		args    []string
		code    int
		message []string // substrings of stderr
	}{
		{[]string{"fetch", "nope"}, 1, []string{"Alias nope (namespace: None) not found"}},
		{[]string{"fetch", ""}, 1, []string{"not found"}},
		{[]string{"fetch", "MD5:"}, 1, []string{"Alias MD5: (namespace: None) not found"}},
		{[]string{"fetch", "-n", "test", ""}, 1, []string{"namespace: test", "not found"}},
		{[]string{"info", "ga4gh:"}, 1, []string{"not found"}},
		{[]string{"translate", "test:"}, 1, []string{"not found"}},
		{[]string{"fetch", "refseq:NC_001422.1"}, 1, []string{"NC_001422.1", "not found"}},
		{[]string{"fetch", "--namespace", "MD5", phixDefline}, 1, []string{phixDefline, "namespace: MD5", "not found"}},
		{[]string{"fetch", "%"}, 1, []string{"not unique", phixID, chr1ID, chr6ID}},
		{[]string{"fetch", "%Saccharomyces%"}, 1, []string{"not unique", chr1ID, chr6ID}},
		{[]string{"fetch", "--start", "7", "--end", "5", "SQ." + phixID}, 1, []string{"invalid coordinates: start (7) > stop (5)"}},
		{[]string{"fetch", "--start", "-1", "--end", "3", "SQ." + phixID}, 1, []string{"start out of range (-1)"}},
		{[]string{"fetch", "--start", "3", "--end", "-1", "SQ." + phixID}, 1, []string{"invalid coordinates: start (3) > stop (-1)"}},
		{[]string{"fetch"}, 2, []string{"ID"}},
		{[]string{"fetch", "--bogus", "x"}, 2, []string{"bogus"}},
		{[]string{"fetch", "--start", "abc", "x"}, 2, []string{"abc"}},
		{[]string{"fetch", "--fasta", "--line-width", "0", "x"}, 2, []string{"line-width"}},
		{[]string{"info"}, 2, []string{"ID"}},
		{[]string{"info", "nope"}, 1, []string{"not found"}},
		{[]string{"info", "%"}, 1, []string{"not unique", phixID}},
		{[]string{"translate"}, 2, []string{"ID"}},
		{[]string{"translate", "nope"}, 1, []string{"not found"}},
		{[]string{"export-aliases", "extra"}, 2, []string{"extra"}},
	}
	for _, tt := range tests {
		out, errOut, code := runRead(t, append([]string{"-s", s}, tt.args...)...)
		if code != tt.code {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tt.args, code, tt.code, errOut)
		}
		for _, m := range tt.message {
			if !strings.Contains(errOut, m) {
				t.Errorf("%q: stderr %q does not contain %q", tt.args, errOut, m)
			}
		}
		if tt.code != 0 && out != "" {
			t.Errorf("%q: failed but wrote %q", tt.args, out)
		}
	}
}

func TestInfoExact(t *testing.T) {
	s := sample(t)
	// Composed by hand from the sample's seqinfo and seqalias rows.
	want := `{
  "added": "2019-05-20T15:40:31Z",
  "aliases": [
    "MD5:3332ed720ac7eaa9b3655c06f6b9e196",
    "SEGUID:NOAEKZNTbMxBsWQQ7JQrnWMXQLo",
    "SHA1:34e0042993536ccc41b16410ec942b9d631740ba",
    "VMC:GS_IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF",
    "sha512t24u:IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF",
    "ga4gh:SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF",
    "test:NC_001422.1 Enterobacteria phage phiX174 sensu lato, complete genome"
  ],
  "alphabet": "ACGT",
  "length": 5386
}
`
	for _, id := range []string{"SQ." + phixID, phixMD5, phixDefline, "NC_001422.1%"} {
		out, errOut, code := runRead(t, "-s", s, "info", id)
		if code != 0 || out != want {
			t.Errorf("info %q (exit %d, %s) =\n%s\nwant\n%s", id, code, errOut, out, want)
		}
	}
	out, _, code := runRead(t, "-s", s, "info", "MD5:"+chr1MD5)
	if code != 0 || !strings.Contains(out, `"length": 230218`) || !strings.Contains(out, `"added": "2019-05-20T15:40:27Z"`) ||
		!strings.Contains(out, `"test:I Saccharomyces_cerevisiae chromosome:R64-1-1:I:1:230218:1 REF"`) {
		t.Errorf("info chr I = %s", out)
	}
}

func TestMetadataJSONEscaping(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"plain":        `"plain"`,
		`q"b\s/`:       `"q\"b\\s/"`,
		"\b\f\n\r\t":   `"\b\f\n\r\t"`,
		"\x00\x1f\x7f": `"\u0000\u001f\u007f"`,
		"é":            `"\u00e9"`,
		"日本":           `"\u65e5\u672c"`,
		"𝄞":            `"\ud834\udd1e"`,
		"a\xffb":       `"a\ufffdb"`,
	}
	for in, want := range tests {
		if got := pyJSONString(in); got != want {
			t.Errorf("pyJSONString(%q) = %s, want %s", in, got, want)
		}
	}
	info := repo.Info{SeqID: "x", Length: 0, Alphabet: ""}
	if got, want := metadataJSON(info, nil), "{\n  \"added\": null,\n  \"aliases\": [],\n  \"alphabet\": \"\",\n  \"length\": 0\n}\n"; got != want {
		t.Errorf("metadataJSON(empty) = %q, want %q", got, want)
	}
}

func TestTranslateCommand(t *testing.T) {
	s := sample(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"translate", "MD5:" + phixMD5},
			"MD5:" + phixMD5 + "\n" +
				"SEGUID:NOAEKZNTbMxBsWQQ7JQrnWMXQLo\n" +
				"SHA1:34e0042993536ccc41b16410ec942b9d631740ba\n" +
				"VMC:GS_" + phixID + "\n" +
				"sha512t24u:" + phixID + "\n" +
				"ga4gh:SQ." + phixID + "\n" +
				"test:" + phixDefline + "\n"},
		{[]string{"translate", "-t", "ga4gh", "test:" + chr1Defline}, "ga4gh:SQ." + chr1ID + "\n"},
		{[]string{"translate", "-t", "MD5", "-t", "VMC", phixDefline}, "MD5:" + phixMD5 + "\nVMC:GS_" + phixID + "\n"},
		{[]string{"translate", "-t", "NCBI", "SQ." + phixID}, ""},
		{[]string{"translate", "-t", "test", "SQ." + chr6ID, "SQ." + phixID}, "test:" + chr6Defline + "\ntest:" + phixDefline + "\n"},
	}
	for _, tt := range tests {
		out, errOut, code := runRead(t, append([]string{"-s", s}, tt.args...)...)
		if code != 0 || out != tt.want {
			t.Errorf("%q (exit %d, %s) =\n%s\nwant\n%s", tt.args, code, errOut, out, tt.want)
		}
	}
}

// header lines of the sample as seqrepo export writes them: ns:alias sorted
// by namespace then alias (codepoint order).
func exportHeader(seqID, md5, sha1, seguid, defline string) string {
	return ">MD5:" + md5 + " SEGUID:" + seguid + " SHA1:" + sha1 + " VMC:GS_" + seqID +
		" ga4gh:SQ." + seqID + " sha512t24u:" + seqID + " test:" + defline
}

func TestExportExact(t *testing.T) {
	s := sample(t)
	seqs := sampleSeqs(t)
	phixH := exportHeader(phixID, phixMD5, "34e0042993536ccc41b16410ec942b9d631740ba", "NOAEKZNTbMxBsWQQ7JQrnWMXQLo", phixDefline)
	chr1H := exportHeader(chr1ID, chr1MD5, "498646f731d70d90f9ea264d368c2f938986d4f7", "SYZG9zHXDZD56iZNNowvk4mG1Pc", chr1Defline)
	chr6H := exportHeader(chr6ID, chr6MD5, "28241430a190769c5991a9686403205f224caf0c", "KCQUMKGQdpxZkaloZAMgXyJMrww", chr6Defline)
	tests := []struct {
		args []string
		want string
	}{
		// Everything, ordered by seq_id (byte order: I < l < z).
		{[]string{"export"}, fasta(phixH, seqs[phixID], 100) + fasta(chr1H, seqs[chr1ID], 100) + fasta(chr6H, seqs[chr6ID], 100)},
		// A namespace: only its records (plus their translations).
		{[]string{"export", "-n", "test"}, fasta(">test:"+phixDefline, seqs[phixID], 100) +
			fasta(">test:"+chr1Defline, seqs[chr1ID], 100) + fasta(">test:"+chr6Defline, seqs[chr6ID], 100)},
		{[]string{"export", "-n", "sha512t24u"}, fasta(">VMC:GS_"+phixID+" ga4gh:SQ."+phixID+" sha512t24u:"+phixID, seqs[phixID], 100) +
			fasta(">VMC:GS_"+chr1ID+" ga4gh:SQ."+chr1ID+" sha512t24u:"+chr1ID, seqs[chr1ID], 100) +
			fasta(">VMC:GS_"+chr6ID+" ga4gh:SQ."+chr6ID+" sha512t24u:"+chr6ID, seqs[chr6ID], 100)},
		// Aliases, in the order given, patterns allowed.
		{[]string{"export", "NC_001422.1%"}, fasta(">test:"+phixDefline, seqs[phixID], 100)},
		{[]string{"export", "-n", "MD5", chr1MD5, phixMD5, chr1MD5}, fasta(">MD5:"+chr1MD5, seqs[chr1ID], 100) + fasta(">MD5:"+phixMD5, seqs[phixID], 100)},
		{[]string{"export", "-n", "ga4gh", "SQ." + chr6ID}, fasta(">VMC:GS_"+chr6ID+" ga4gh:SQ."+chr6ID+" sha512t24u:"+chr6ID, seqs[chr6ID], 100)},
		{[]string{"export", "%Saccharomyces%"}, fasta(">test:"+chr1Defline, seqs[chr1ID], 100) + fasta(">test:"+chr6Defline, seqs[chr6ID], 100)},
		// Consecutive records of one sequence from two aliases form one record.
		{[]string{"export", phixMD5, "NOAEKZNTbMxBsWQQ7JQrnWMXQLo"}, fasta(">MD5:"+phixMD5+" SEGUID:NOAEKZNTbMxBsWQQ7JQrnWMXQLo", seqs[phixID], 100)},
	}
	for _, tt := range tests {
		out, errOut, code := runRead(t, append([]string{"-s", s}, tt.args...)...)
		if code != 0 || out != tt.want {
			t.Errorf("%q (exit %d, %s): got %d bytes, want %d; first lines:\n%.300s\nwant\n%.300s", tt.args, code, errOut, len(out), len(tt.want), out, tt.want)
		}
	}
}

// An export that selects nothing (or leaves out some of its aliases) is
// an error, not an empty file and exit 0; what matched is still written.
func TestExportNothingMatches(t *testing.T) {
	s := sample(t)
	seqs := sampleSeqs(t)
	tests := []struct {
		args    []string
		wantOut string
		wantErr []string
	}{
		{[]string{"export", "nope"}, "", []string{"no sequence has the alias nope"}},
		{[]string{"export", ""}, "", []string{"no sequence has the alias "}},
		{[]string{"export", "-n", "NCBI"}, "", []string{"namespace NCBI has no aliases"}},
		{[]string{"export", "UCSC:chr20"}, "", []string{"no sequence has the alias UCSC:chr20", "seqfs export -n UCSC chr20"}},
		{[]string{"export", "-n", "MD5", "0123", phixMD5}, fasta(">MD5:"+phixMD5, seqs[phixID], 100),
			[]string{"no sequence has the alias 0123 in namespace MD5 (the other 1 sequences were written)"}},
	}
	for _, tt := range tests {
		out, errOut, code := runRead(t, append([]string{"-s", s}, tt.args...)...)
		if code != exitNotFound || out != tt.wantOut {
			t.Errorf("%q: exit %d, %d bytes out; want exit %d, %d bytes", tt.args, code, len(out), exitNotFound, len(tt.wantOut))
		}
		for _, w := range tt.wantErr {
			if !strings.Contains(errOut, w) {
				t.Errorf("%q: stderr %q lacks %q", tt.args, errOut, w)
			}
		}
	}
}

func TestExportAliasesExact(t *testing.T) {
	s := sample(t)
	line := func(seqID, md5, sha1, seguid, defline string) string {
		return strings.Join([]string{"GA4GH:SQ." + seqID, "MD5:" + md5, "SEGUID:" + seguid, "SHA1:" + sha1,
			"ga4gh:SQ." + seqID, "sha512t24u:" + seqID, "test:" + defline}, "\t") + "\n"
	}
	all := line(phixID, phixMD5, "34e0042993536ccc41b16410ec942b9d631740ba", "NOAEKZNTbMxBsWQQ7JQrnWMXQLo", phixDefline) +
		line(chr1ID, chr1MD5, "498646f731d70d90f9ea264d368c2f938986d4f7", "SYZG9zHXDZD56iZNNowvk4mG1Pc", chr1Defline) +
		line(chr6ID, chr6MD5, "28241430a190769c5991a9686403205f224caf0c", "KCQUMKGQdpxZkaloZAMgXyJMrww", chr6Defline)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"export-aliases"}, all},
		// -n prints whole lines (seqrepo's quirk of dropping the entries up
		// to the first match is fixed).
		{[]string{"export-aliases", "-n", "test"}, all},
		{[]string{"export-aliases", "-n", "ga4gh"}, all},
		{[]string{"export-aliases", "-n", "NCBI"}, ""},
		{[]string{"export-aliases", "-n", "md5"}, ""}, // exact namespace
	}
	for _, tt := range tests {
		out, errOut, code := runRead(t, append([]string{"-s", s}, tt.args...)...)
		if code != 0 || out != tt.want {
			t.Errorf("%q (exit %d, %s) =\n%s\nwant\n%s", tt.args, code, errOut, out, tt.want)
		}
	}
}

func TestAliasLine(t *testing.T) {
	t.Parallel()
	rec := func(ns, a string) repo.Alias { return repo.Alias{SeqID: "x", Namespace: ns, Alias: a, Current: true} }
	recs := repo.ExpandTranslations([]repo.Alias{rec("MD5", "m"), rec("NCBI", "NM_1.1"), rec("SEGUID", "s"), rec("VMC", "GS_x")})
	want := "GA4GH:SQ.x\tMD5:m\tNCBI:NM_1.1\tSEGUID:s\tga4gh:SQ.x\trefseq:NM_1.1\tsha512t24u:x\n"
	for _, ns := range []string{"", "NCBI", "refseq", "MD5", "sha512t24u"} {
		if got, ok := aliasLine(recs, ns); !ok || got != want {
			t.Errorf("aliasLine(ns %q) = %q, %v; want %q", ns, got, ok, want)
		}
	}
	for _, ns := range []string{"Ensembl", "ncbi", "VMC:"} {
		if _, ok := aliasLine(recs, ns); ok {
			t.Errorf("aliasLine(ns %q) printed a line for a sequence without that namespace", ns)
		}
	}
	// No VMC record: the first entry is left alone.
	if got, _ := aliasLine([]repo.Alias{rec("b", "2"), rec("a", "1")}, ""); got != "a:1\tb:2\n" {
		t.Errorf("aliasLine without VMC = %q", got)
	}
}

func TestStatusExact(t *testing.T) {
	sample(t)
	root := testutil.SampleRoot()
	want := "seqfs " + version + "\n" +
		"instance directory: " + filepath.Join(root, "master") + ", 0.0 GB\n" +
		"backends: fastadir (schema 1), seqaliasdb (schema 1) \n" +
		"sequences: 3 sequences, 505765 residues, 3 files\n" +
		"aliases: 15 aliases, 15 current, 5 namespaces, 3 sequences\n"
	out, errOut, code := runRead(t, "-r", root, "-i", "master", "status")
	if code != 0 || out != want {
		t.Errorf("status (exit %d, %s) =\n%q\nwant\n%q", code, errOut, out, want)
	}
	// Two sources: one block each after the version line.
	out, _, code = runRead(t, "-s", testutil.SampleInstance(), "-s", testutil.SampleInstance(), "status")
	if block := strings.TrimPrefix(want, "seqfs "+version+"\n"); code != 0 || out != "seqfs "+version+"\n"+block+block {
		t.Errorf("status of two sources = %q", out)
	}
}

// noStats hides the SeqRepo instance's Stats method, like any source
// that is not a SeqRepo layout.
type noStats struct{ repo.Source }

// noStatsFactory opens nostats-test://PATH as the instance at PATH
// hidden behind noStats.
type noStatsFactory struct{ seqrepo.Factory }

func (noStatsFactory) Schemes() []string { return []string{"nostats-test"} }

func (noStatsFactory) Open(ctx context.Context, u *url.URL, _ repo.Settings) (repo.Source, error) {
	inst, err := seqrepo.Open(ctx, u.Path, seqrepo.Options{})
	if err != nil {
		return nil, err
	}
	return noStats{inst}, nil
}

func TestStatusWithoutStats(t *testing.T) {
	reg, err := repo.NewRegistry(append(all.Factories(), noStatsFactory{})...)
	if err != nil {
		t.Fatal(err)
	}
	saved := registry
	registry = reg
	t.Cleanup(func() { registry = saved })
	s := sample(t)
	out, errOut, code := runRead(t, "-s", "nostats-test://"+s, "status")
	if code != 1 || !strings.Contains(errOut, "no SeqRepo statistics") || !strings.Contains(errOut, "nostats-test://") {
		t.Errorf("status of a source without stats: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	_, errOut, code = runRead(t, "-r", t.TempDir(), "status")
	if code != 1 || !strings.Contains(errOut, "latest") {
		t.Errorf("status of an empty root: exit %d, stderr %q", code, errOut)
	}
}

func TestListLocalInstances(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"2019-05-20", "20190521", "2024-12-20", "2099-01-01", "master", "2024-12-20.k3j2x9ab", "2019-5-20"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("2024-12-20", filepath.Join(root, "latest")); err != nil {
		t.Fatal(err)
	}
	want := "Local instances (" + root + ")\n  2019-05-20\n  20190521\n  2024-12-20\n"
	out, errOut, code := runRead(t, "-r", root, "list-local-instances")
	if code != 0 || out != want {
		t.Errorf("list-local-instances (exit %d, %s) = %q, want %q", code, errOut, out, want)
	}
	t.Setenv("SEQREPO_ROOT_DIR", root)
	if out, _, _ := runRead(t, "list-local-instances"); out != want {
		t.Errorf("with SEQREPO_ROOT_DIR = %q, want %q", out, want)
	}
	out, _, code = runRead(t, "-r", testutil.SampleRoot(), "list-local-instances")
	if code != 0 || out != "Local instances ("+testutil.SampleRoot()+")\n" {
		t.Errorf("sample root = %q (exit %d)", out, code)
	}
	_, errOut, code = runRead(t, "-r", filepath.Join(root, "missing"), "list-local-instances")
	if code != 1 || !strings.Contains(errOut, "missing") {
		t.Errorf("missing root: exit %d, %q", code, errOut)
	}
}

func TestInstanceSizeFollowsLatestLink(t *testing.T) {
	inst := sample(t)
	root := t.TempDir()
	if err := os.Symlink(inst, filepath.Join(root, "latest")); err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, f := range []string{"aliases.sqlite3", "sequences/db.sqlite3",
		"sequences/2019/0520/1540/1558366827.9243503.fa.bgz", "sequences/2019/0520/1540/1558366827.9243503.fa.bgz.fai", "sequences/2019/0520/1540/1558366827.9243503.fa.bgz.gzi",
		"sequences/2019/0520/1540/1558366831.7744648.fa.bgz", "sequences/2019/0520/1540/1558366831.7744648.fa.bgz.fai", "sequences/2019/0520/1540/1558366831.7744648.fa.bgz.gzi",
		"sequences/2019/0520/1540/1558366834.1231377.fa.bgz", "sequences/2019/0520/1540/1558366834.1231377.fa.bgz.fai", "sequences/2019/0520/1540/1558366834.1231377.fa.bgz.gzi",
	} {
		st, err := os.Stat(filepath.Join(inst, f))
		if err != nil {
			t.Fatal(err)
		}
		want += st.Size()
	}
	for _, dir := range []string{inst, filepath.Join(root, "latest")} {
		i, err := seqrepo.Open(context.Background(), dir, seqrepo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := i.Stats(context.Background())
		i.Close()
		if err != nil || st.SizeBytes != want {
			t.Errorf("Stats(%s).SizeBytes = %d, %v; want %d", dir, st.SizeBytes, err, want)
		}
	}
	out, errOut, code := runRead(t, "-r", root, "status")
	if code != 0 || !strings.Contains(out, "instance directory: "+filepath.Join(root, "latest")+", 0.0 GB\n") {
		t.Errorf("status via latest (exit %d, %s) = %q", code, errOut, out)
	}
}

// Flags may follow the identifiers, as in `seqfs fetch NM_000551.3 --start 0
// --end 20`; "--" ends flag parsing.
func TestFlagsAfterArguments(t *testing.T) {
	src := sample(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-s", src, "fetch", "SQ." + phixID, "--start", "0", "--end", "10"}, "GAGTTTTATC\n"},
		{[]string{"-s", src, "fetch", "SQ." + phixID, "--start=5", "--end", "10"}, "TTATC\n"},
		{[]string{"fetch", "SQ." + phixID, "-s", src, "--end", "4"}, "GAGT\n"},
	} {
		out, errb, code := runRead(t, tc.args...)
		if code != 0 || out != tc.want {
			t.Errorf("%q: exit %d, out %q, stderr %q; want %q", tc.args, code, out, errb, tc.want)
		}
	}
	if _, errb, code := runRead(t, "-s", src, "fetch", "--", "--start"); code != 1 || !strings.Contains(errb, "--start") {
		t.Errorf("after --, --start is an identifier: exit %d, stderr %q", code, errb)
	}
}

// Usage mistakes exit 2 with a message saying what is wrong.
func TestUsageErrors(t *testing.T) {
	src := sample(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus-cmd"}, `unknown command "bogus-cmd"`},
		{[]string{"cache", "bogus"}, `unknown command "bogus" (see seqfs cache --help)`},
		{[]string{"-r", t.TempDir(), "load", "x.fa"}, `Required flag "namespace"`},
		{[]string{"-s", src, "fetch", "SQ." + phixID, "--start"}, "flag --start needs a value"},
	} {
		_, errb, code := runRead(t, tc.args...)
		if code != 2 || !strings.Contains(errb, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errb, tc.want)
		}
	}
}

// With several identifiers, one that fails is reported and the others are
// still printed, like cat; the exit status is 1.
func TestFetchSeveralWithFailure(t *testing.T) {
	out, errb, code := runRead(t, "-s", sample(t), "fetch", "--end", "5", "SQ."+phixID, "nosuch", "SQ."+phixID)
	if code != 1 || out != "GAGTT\nGAGTT\n" || !strings.Contains(errb, "Alias nosuch") || !strings.Contains(errb, "1 of 3 identifiers failed") {
		t.Errorf("exit %d, out %q, stderr %q", code, out, errb)
	}
}
