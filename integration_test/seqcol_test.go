package integration_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
)

// The refget test FASTA files (refgenie/refget test_fasta, BSD-2-Clause)
// and their published seqcol digests.
const (
	baseFa   = ">chrX\nTTGGGGAA\n>chr1\nGGAA\n>chr2\nGCGC\n"
	orderFa  = ">chr1\nGGAA\n>chr2\nGCGC\n>chrX\nTTGGGGAA\n"
	subsetFa = ">chrX\nTTGGGGAA\n>chr1\nGGAA\n"
	baseD    = "XZlrcEGi6mlopZ2uD8ObHkQB1d0oDwKk"
	orderD   = "Tpdsg75D4GKCGEHtIiDSL9Zx-DSuX5V8"
	subsetD  = "sv7GIP1K0qcskIKF3iaBmQpaum21vH74"
)

// seqcolInstance creates an instance holding the collections "base" and
// "order" (loaded from FASTA files) and returns it with the directory of
// the files, which also holds subset.fa.
func seqcolInstance(t *testing.T) (inst, dir string) {
	t.Helper()
	dir = t.TempDir()
	for name, data := range map[string]string{"base.fa": baseFa, "order.fa": orderFa, "subset.fa": subsetFa} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(dir, "root")
	if _, e, code := seqfs(t, "-r", root, "init"); code != 0 {
		t.Fatalf("init: %s", e)
	}
	if _, e, code := seqfs(t, "-r", root, "load", "-n", "test", filepath.Join(dir, "base.fa"), filepath.Join(dir, "order.fa")); code != 0 {
		t.Fatalf("load: %s", e)
	}
	return filepath.Join(root, "master"), dir
}

// TestSeqcolCLI runs collections, collection, compare and identify on an
// instance loaded from FASTA files, with .fai and .dict files written by
// samtools.
func TestSeqcolCLI(t *testing.T) {
	samtools := testutil.RequireTool(t, "samtools")
	inst, dir := seqcolInstance(t)
	run := func(want int, args ...string) string {
		t.Helper()
		out, e, code := seqfs(t, append([]string{"-s", inst}, args...)...)
		if code != want {
			t.Fatalf("seqfs %v: exit %d, want %d\n%s%s", args, code, want, out, e)
		}
		return out
	}
	out := run(0, "collections")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") ||
		strings.Join(strings.Fields(lines[1]), " ") != "base "+baseD+" 3 16" ||
		strings.Join(strings.Fields(lines[2]), " ") != "order "+orderD+" 3 16" {
		t.Errorf("collections:\n%s", out)
	}
	if got := run(0, "collection", "base", "--level", "0"); got != baseD+"\n" {
		t.Errorf("level 0: %q", got)
	}
	var l1 map[string]string
	if err := json.Unmarshal([]byte(run(0, "collection", baseD, "--level", "1")), &l1); err != nil {
		t.Fatal(err)
	}
	if l1["names"] != "Fw1r9eRxfOZD98KKrhlYQNEdSRHoVxAG" || l1["sorted_name_length_pairs"] != "zjM1Ie9m0zFbqsAnZ6jAJSXuFpKTr40J" || len(l1) != 6 {
		t.Errorf("level 1: %v", l1)
	}
	l2 := run(0, "collection", "base")
	if !strings.HasPrefix(l2, `{"lengths":[8,4,4],"name_length_pairs":[{"length":8,"name":"chrX"},`) {
		t.Errorf("level 2: %s", l2)
	}
	run(1, "collection", "nonsense")
	run(2, "collection", "base", "--level", "3")

	// Files written by samtools beside the FASTA.
	subset := filepath.Join(dir, "subset.fa")
	if b, err := exec.Command(samtools, "faidx", subset).CombinedOutput(); err != nil {
		t.Fatalf("samtools faidx: %v: %s", err, b)
	}
	dict := filepath.Join(dir, "base.dict")
	if b, err := exec.Command(samtools, "dict", "-o", dict, filepath.Join(dir, "base.fa")).CombinedOutput(); err != nil {
		t.Fatalf("samtools dict: %v: %s", err, b)
	}

	type comparison struct {
		Digests struct {
			A, B *string
		}
		Attributes struct {
			AOnly []string `json:"a_only"`
		}
		ArrayElements struct {
			AAndBCount     map[string]int   `json:"a_and_b_count"`
			AAndBSameOrder map[string]*bool `json:"a_and_b_same_order"`
		} `json:"array_elements"`
	}
	compare := func(a, b string) comparison {
		t.Helper()
		var c comparison
		if err := json.Unmarshal([]byte(run(0, "compare", a, b)), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := compare("base", "order")
	if *c.Digests.A != baseD || *c.Digests.B != orderD || *c.ArrayElements.AAndBSameOrder["sorted_sequences"] != true ||
		*c.ArrayElements.AAndBSameOrder["names"] != false {
		t.Errorf("compare base order: %+v", c)
	}
	c = compare(subset, "base")
	if *c.Digests.A != subsetD || c.ArrayElements.AAndBCount["sequences"] != 2 || c.ArrayElements.AAndBSameOrder["lengths"] != nil {
		t.Errorf("compare subset.fa base: %+v", c)
	}
	c = compare(subset+".fai", "base")
	if c.Digests.A != nil || c.ArrayElements.AAndBCount["name_length_pairs"] != 2 || len(c.Attributes.AOnly) != 0 {
		t.Errorf("compare subset.fa.fai base: %+v", c)
	}
	// The .dict's M5 tags find the sequences through the MD5 aliases.
	c = compare(dict, "order")
	if c.Digests.A == nil || *c.Digests.A != baseD {
		t.Errorf("compare base.dict order: %+v", c)
	}
	// Files alone need no source.
	if out, e, code := seqfs(t, "-s", filepath.Join(dir, "missing"), "compare", subset, filepath.Join(dir, "base.fa")); code != 0 || !strings.Contains(out, subsetD) {
		t.Errorf("compare files without a source: %d %s %s", code, out, e)
	}
	run(1, "compare", "base", filepath.Join(dir, "nonexistent.fa"))

	out = run(0, "identify", dict)
	if !strings.Contains(out, baseD+"  base: identical") || !strings.Contains(out, orderD+"  order: the same sequences and names in another order") {
		t.Errorf("identify base.dict:\n%s", out)
	}
	// A BAM's header through standard input.
	bam := filepath.Join(dir, "x.bam")
	if b, err := exec.Command(samtools, "view", "-b", "-o", bam, dict).CombinedOutput(); err != nil {
		t.Fatalf("samtools view -b: %v: %s", err, b)
	}
	header, err := exec.Command(samtools, "view", "-H", bam).Output()
	if err != nil {
		t.Fatalf("samtools view -H: %v", err)
	}
	cmd := exec.Command(seqfsBin, "-s", inst, "identify", "-")
	cmd.Stdin = strings.NewReader(string(header))
	if b, err := cmd.Output(); err != nil || !strings.Contains(string(b), baseD+"  base: identical") {
		t.Errorf("identify - < BAM header: %v\n%s", err, b)
	}
	out = run(0, "identify", subset+".fai")
	if !strings.Contains(out, "base, 1 missing sequence (chr2): the names and lengths present match; sequences not compared") {
		t.Errorf("identify subset.fa.fai:\n%s", out)
	}
	other := filepath.Join(dir, "other.fa")
	if err := os.WriteFile(other, []byte(">z\nACGTACGTAC\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, code := seqfs(t, "-s", inst, "identify", other); code != 1 || !strings.Contains(out, "1 sequence, 10 residues") {
		t.Errorf("identify other.fa: exit %d\n%s", code, out)
	}
}

// TestSeqcolServe checks the seqcol API of `seqfs serve` on a loaded
// instance.
func TestSeqcolServe(t *testing.T) {
	inst, _ := seqcolInstance(t)
	base := startServe(t, inst)
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, body := get("/collection/" + baseD)
	want := `{"lengths":[8,4,4],"name_length_pairs":[{"length":8,"name":"chrX"},{"length":4,"name":"chr1"},{"length":4,"name":"chr2"}],` +
		`"names":["chrX","chr1","chr2"],"sequences":["SQ.iYtREV555dUFKg2_agSJW6suquUyPpMw","SQ.YBbVX0dLKG1ieEDCiMmkrTZFt_Z5Vdaj","SQ.AcLxtBuKEPk_7PGE_H4dGElwZHCujwH6"],` +
		`"sorted_sequences":["SQ.AcLxtBuKEPk_7PGE_H4dGElwZHCujwH6","SQ.YBbVX0dLKG1ieEDCiMmkrTZFt_Z5Vdaj","SQ.iYtREV555dUFKg2_agSJW6suquUyPpMw"]}`
	if st != 200 || body != want {
		t.Errorf("collection: %d %s", st, body)
	}
	if st, _ := get("/collection/" + subsetD); st != 404 {
		t.Errorf("unknown collection: %d", st)
	}
	if st, _ := get("/collection/" + baseD + "?level=7"); st != 400 {
		t.Errorf("bad level: %d", st)
	}
	st, body = get("/comparison/" + baseD + "/" + orderD)
	if st != 200 || !strings.Contains(body, `"sorted_sequences":true`) {
		t.Errorf("comparison: %d %s", st, body)
	}
	resp, err := http.Post(base+"/comparison/"+baseD, "application/json", strings.NewReader(
		`{"names":["chrX","chr1"],"lengths":[8,4],"sequences":["SQ.iYtREV555dUFKg2_agSJW6suquUyPpMw","SQ.YBbVX0dLKG1ieEDCiMmkrTZFt_Z5Vdaj"]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"b":"`+subsetD+`"`) {
		t.Errorf("POST comparison: %d %s", resp.StatusCode, b)
	}
	var page struct {
		Results    []string
		Pagination map[string]int
	}
	st, body = get("/list/collection?sorted_name_length_pairs=zjM1Ie9m0zFbqsAnZ6jAJSXuFpKTr40J&names=Fw1r9eRxfOZD98KKrhlYQNEdSRHoVxAG")
	if err := json.Unmarshal([]byte(body), &page); err != nil || st != 200 ||
		!reflect.DeepEqual(page.Results, []string{baseD}) || page.Pagination["total"] != 1 {
		t.Errorf("list: %d %s", st, body)
	}
	st, body = get("/attribute/collection/names/Fw1r9eRxfOZD98KKrhlYQNEdSRHoVxAG")
	if st != 200 || body != `["chrX","chr1","chr2"]` {
		t.Errorf("attribute: %d %s", st, body)
	}
	if st, _ := get("/attribute/collection/sorted_name_length_pairs/zjM1Ie9m0zFbqsAnZ6jAJSXuFpKTr40J"); st != 404 {
		t.Errorf("transient attribute: %d", st)
	}
	st, body = get("/service-info")
	if st != 200 || !strings.Contains(body, `"seqcol": {`) || !strings.Contains(body, `"artifact": "refget"`) {
		t.Errorf("service-info: %d %s", st, body)
	}
	if st, body := get("/openapi.json"); st != 200 || !strings.Contains(body, `"/comparison/{a}/{b}"`) {
		t.Errorf("openapi.json: %d", st)
	}
	// The sample instance (no collections) answers 404 and empty lists.
	sample := startServe(t, testutil.SampleInstance())
	for path, want := range map[string]int{"/collection/" + baseD: 404, "/list/collection": 200} {
		resp, err := http.Get(sample + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 200 && !strings.Contains(string(b), `"total":0`)) {
			t.Errorf("sample %s: %d %s", path, resp.StatusCode, b)
		}
	}
}

// TestSeqcolDigestsMatchPython recomputes every level-1 digest and the
// level-0 digest of a stored collection from its level-2 JSON with the
// specification's Python canonicalisation (json.dumps with sorted keys,
// no spaces, ensure_ascii=False), independently of seqfs.
func TestSeqcolDigestsMatchPython(t *testing.T) {
	python := testutil.RequireTool(t, "python3")
	inst, _ := seqcolInstance(t)
	l2, e, code := seqfs(t, "-s", inst, "collection", "order")
	if code != 0 {
		t.Fatal(e)
	}
	l1, _, _ := seqfs(t, "-s", inst, "collection", "order", "--level", "1")
	l0, _, _ := seqfs(t, "-s", inst, "collection", "order", "--level", "0")
	script := `
import json, hashlib, base64, sys
def canon(x): return json.dumps(x, separators=(",", ":"), ensure_ascii=False, allow_nan=False, sort_keys=True).encode("utf8")
def dg(b): return base64.urlsafe_b64encode(hashlib.sha512(b).digest()[:24]).decode()
l2 = json.loads(sys.argv[1])
nlp = [{"name": n, "length": l} for n, l in zip(l2["names"], l2["lengths"])]
assert nlp == l2["name_length_pairs"], "name_length_pairs"
assert sorted(l2["sequences"]) == l2["sorted_sequences"], "sorted_sequences"
l1 = {k: dg(canon(v)) for k, v in l2.items()}
l1["sorted_name_length_pairs"] = dg(canon(sorted(dg(canon(p)) for p in nlp)))
print(json.dumps(l1, sort_keys=True, separators=(",", ":")))
print(dg(canon({"names": l1["names"], "sequences": l1["sequences"]})))
`
	out, err := exec.Command(python, "-c", script, l2).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if want := l1 + l0; string(out) != want {
		t.Errorf("python computes\n%s, seqfs says\n%s", out, want)
	}
	if strings.TrimSpace(l0) != orderD {
		t.Errorf("level 0 %s, want %s", l0, orderD)
	}
}
