package integration_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
)

// cliSample describes the bundled sample's sequences (docs/format.md,
// “Bundled sample”).
var cliSample = []struct {
	seqID, relpath, md5 string
	length              int64
}{
	{"IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", "2019/0520/1540/1558366831.7744648.fa.bgz", "3332ed720ac7eaa9b3655c06f6b9e196", 5386},
	{"lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn", "2019/0520/1540/1558366827.9243503.fa.bgz", "6681ac2f62509cfc220d78751b8dc524", 230218},
	{"z-qJgWoacRBV77zcMgZN9E_utrdzmQsH", "2019/0520/1540/1558366834.1231377.fa.bgz", "b7ebc601f9a7df2e1ec5863deeae88a3", 270161},
}

// pysamPython returns a Python interpreter that can import pysam.
func pysamPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import pysam").Run() == nil {
			return path
		}
	}
	testutil.SkipOrFail(t, "no python3 with pysam (run scripts/deps.sh: python3-pysam)")
	return ""
}

// coord is an optional coordinate: nil means "not given" (None).
type coord = *int64

func ip(v int64) coord { return &v }

// TestCLIFetchMatchesPysam compares `seqfs fetch --start --end` with pysam
// reading the same .fa.bgz files (what SeqRepo does), results and error
// messages, across BGZF block boundaries and the clipping rules.
func TestCLIFetchMatchesPysam(t *testing.T) {
	py := pysamPython(t)
	inst := testutil.SampleInstance()
	type query struct {
		SeqID string `json:"seq_id"`
		Path  string `json:"path"`
		Start coord  `json:"start"`
		End   coord  `json:"end"`
	}
	var qs []query
	for _, s := range cliSample {
		L := s.length
		for _, c := range [][2]coord{
			{nil, nil}, {ip(0), ip(20)}, {nil, ip(25)}, {ip(L - 10), nil}, {ip(L - 5), ip(L + 100)},
			{ip(L), nil}, {ip(L + 5), ip(L + 10)}, {ip(5), ip(5)}, {ip(7), ip(5)}, {ip(-1), ip(3)},
			{ip(-3), nil}, {ip(3), ip(-1)}, {ip(64590), ip(64700)}, {ip(100000), ip(100020)},
			{ip(129000), ip(131500)}, {ip(195000), ip(196500)},
		} {
			qs = append(qs, query{s.seqID, filepath.Join(inst, "sequences", s.relpath), c[0], c[1]})
		}
	}
	in, err := json.Marshal(qs)
	if err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys, pysam
out = []
for q in json.load(sys.stdin):
    f = pysam.FastaFile(q["path"])
    try:
        out.append({"seq": f.fetch(q["seq_id"], q["start"], q["end"])})
    except Exception as e:
        out.append({"err": str(e)})
json.dump(out, sys.stdout)
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("pysam: %v", err)
	}
	var want []struct {
		Seq *string `json:"seq"`
		Err string  `json:"err"`
	}
	if err := json.Unmarshal(raw, &want); err != nil || len(want) != len(qs) {
		t.Fatalf("pysam output: %v (%d results)", err, len(want))
	}
	for i, q := range qs {
		args := []string{"-s", inst, "fetch"}
		desc := "None:None"
		if q.Start != nil {
			args = append(args, "--start", strconv.FormatInt(*q.Start, 10))
			desc = strconv.FormatInt(*q.Start, 10) + desc[4:]
		}
		if q.End != nil {
			args = append(args, "--end", strconv.FormatInt(*q.End, 10))
			desc = desc[:strings.Index(desc, ":")+1] + strconv.FormatInt(*q.End, 10)
		}
		args = append(args, "SQ."+q.SeqID)
		out, errOut, code := seqfs(t, args...)
		if w := want[i]; w.Seq != nil {
			if code != 0 || out != *w.Seq+"\n" {
				t.Errorf("%s[%s]: seqfs exit %d (%s), %d bytes; pysam %d bytes", q.SeqID, desc, code, errOut, len(out), len(*w.Seq)+1)
			}
		} else if code != 1 || !strings.Contains(errOut, w.Err) || out != "" {
			t.Errorf("%s[%s]: seqfs exit %d, stderr %q; pysam raised %q", q.SeqID, desc, code, errOut, w.Err)
		}
	}
}

// TestCLIExportWithSamtools indexes `seqfs export` and `seqfs fetch --fasta`
// output with samtools faidx and reads regions back.
func TestCLIExportWithSamtools(t *testing.T) {
	samtools := testutil.RequireTool(t, "samtools")
	inst := testutil.SampleInstance()
	dir := t.TempDir()

	out, errOut, code := seqfs(t, "-s", inst, "export", "-n", "MD5")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	fa := filepath.Join(dir, "export.fa")
	if err := os.WriteFile(fa, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(samtools, "faidx", fa).CombinedOutput(); err != nil {
		t.Fatalf("samtools faidx: %v: %s", err, b)
	}
	fai, err := os.ReadFile(fa + ".fai")
	if err != nil {
		t.Fatal(err)
	}
	// Records ordered by seq_id, 100 residues per line.
	var wantFai strings.Builder
	off := int64(0)
	for _, s := range cliSample {
		name := "MD5:" + s.md5
		off += int64(len(">" + name + "\n"))
		wantFai.WriteString(name + "\t" + strconv.FormatInt(s.length, 10) + "\t" + strconv.FormatInt(off, 10) + "\t100\t101\n")
		off += s.length + (s.length+99)/100
	}
	if string(fai) != wantFai.String() {
		t.Errorf("samtools .fai of export =\n%s\nwant\n%s", fai, wantFai.String())
	}
	for _, s := range cliSample {
		region := "{MD5:" + s.md5 + "}:100001-100020"
		if s.length < 100020 {
			region = "{MD5:" + s.md5 + "}:5377-5386"
		}
		b, err := exec.Command(samtools, "faidx", fa, region).Output()
		if err != nil {
			t.Fatalf("samtools faidx %s: %v", region, err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		got := strings.Join(lines[1:], "")
		r := region[strings.LastIndex(region, ":")+1:]
		a, e, _ := strings.Cut(r, "-")
		out, _, code := seqfs(t, "-s", inst, "fetch", "--start", dec(a), "--end", e, "MD5:"+s.md5)
		if code != 0 || out != got+"\n" {
			t.Errorf("samtools %s = %q, seqfs fetch = %q", region, got, out)
		}
	}

	// fetch --fasta with the default width 60 is valid FASTA for samtools.
	out, _, code = seqfs(t, "-s", inst, "fetch", "--fasta", "SQ."+cliSample[1].seqID)
	if code != 0 {
		t.Fatalf("fetch --fasta: exit %d", code)
	}
	fa2 := filepath.Join(dir, "chr1.fa")
	if err := os.WriteFile(fa2, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(samtools, "faidx", fa2).CombinedOutput(); err != nil {
		t.Fatalf("samtools faidx: %v: %s", err, b)
	}
	fai, _ = os.ReadFile(fa2 + ".fai")
	name := "SQ." + cliSample[1].seqID
	if want := name + "\t230218\t" + strconv.Itoa(len(name)+2) + "\t60\t61\n"; string(fai) != want {
		t.Errorf(".fai of fetch --fasta = %q, want %q", fai, want)
	}
	b, err := exec.Command(samtools, "faidx", fa2, name).Output()
	if err != nil {
		t.Fatal(err)
	}
	seq := strings.ReplaceAll(strings.SplitN(string(b), "\n", 2)[1], "\n", "")
	if sum := md5.Sum([]byte(seq)); hex.EncodeToString(sum[:]) != cliSample[1].md5 {
		t.Errorf("samtools reads back a sequence with MD5 %x, want %s", sum, cliSample[1].md5)
	}
}

func dec(oneBased string) string {
	n, _ := strconv.Atoi(oneBased)
	return strconv.Itoa(n - 1)
}

// TestCLIReadCommands runs the read commands through the real binary: exit
// codes, the "seqfs: " error prefix, and the root/instance flags and
// environment.
func TestCLIReadCommands(t *testing.T) {
	inst := testutil.SampleInstance()
	root := testutil.SampleRoot()
	phix := "SQ." + cliSample[0].seqID
	tests := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stdout string // exact when not "*"
		stderr string // substring
	}{
		{"fetch", nil, []string{"-s", inst, "fetch", "--end", "20", phix}, 0, "GAGTTTTATCGCTTCCATGA\n", ""},
		{"root and instance", nil, []string{"-r", root, "-i", "master", "fetch", "--end", "10", "MD5:" + cliSample[1].md5}, 0, "CCACACCACA\n", ""},
		{"SEQREPO_ROOT_DIR", []string{"SEQREPO_ROOT_DIR=" + root}, []string{"-i", "master", "fetch", "--start", "100000", "--end", "100020", "MD5:" + cliSample[2].md5}, 0, "CCCTTGGCACTAAACGGTTG\n", ""},
		{"file URL", nil, []string{"-s", "file://" + inst, "translate", "-t", "SEGUID", phix}, 0, "SEGUID:NOAEKZNTbMxBsWQQ7JQrnWMXQLo\n", ""},
		{"info", nil, []string{"-s", inst, "info", phix}, 0, "*", ""},
		{"not found", nil, []string{"-s", inst, "fetch", "NC_000001.11"}, 1, "", "seqfs: fetch NC_000001.11: Alias NC_000001.11 (namespace: None) not found"},
		{"ambiguous", nil, []string{"-s", inst, "info", "%"}, 1, "", "not unique: matches 3 sequences: IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF, lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn, z-qJgWoacRBV77zcMgZN9E_utrdzmQsH"},
		{"start > end", nil, []string{"-s", inst, "fetch", "--start", "9", "--end", "2", phix}, 1, "", "invalid coordinates: start (9) > stop (2)"},
		{"bad flag", nil, []string{"-s", inst, "fetch", "--frobnicate", phix}, 2, "", "frobnicate"},
		{"missing id", nil, []string{"-s", inst, "translate"}, 2, "", "ID is required"},
		{"missing instance", nil, []string{"-r", t.TempDir(), "-i", "2020-01-01", "fetch", phix}, 1, "", "2020-01-01"},
		{"status", nil, []string{"-r", root, "-i", "master", "status"}, 0, "*", ""},
		{"list-local-instances", nil, []string{"-r", root, "list-local-instances"}, 0, "Local instances (" + root + ")\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := seqfsEnv(t, tt.env, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if tt.stdout != "*" && stdout != tt.stdout {
				t.Errorf("stdout %q, want %q", stdout, tt.stdout)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
			if strings.Contains(stderr, "panic") {
				t.Errorf("panic: %s", stderr)
			}
		})
	}
}
