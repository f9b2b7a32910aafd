package integration_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

// Sample sequences (the refget compliance suite's test sequences).
const (
	chrIMD5   = "6681ac2f62509cfc220d78751b8dc524"
	chrIT512  = "959cb1883fc1ca9ae1394ceb475a356ead1ecceff5824ae7"
	chrIID    = "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn"
	phiXMD5   = "3332ed720ac7eaa9b3655c06f6b9e196"
	phiXID    = "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"
	chrVIMD5  = "b7ebc601f9a7df2e1ec5863deeae88a3"
	chrVIT512 = "cfea89816a1a711055efbcdc32064df44feeb6b773990b07"
)

type httpResp struct {
	status int
	body   []byte
	h      http.Header
}

func httpGet(t testing.TB, url string, hdr ...string) httpResp {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(b)) {
		t.Errorf("GET %s: Content-Length %q for %d bytes", url, cl, len(b))
	}
	return httpResp{res.StatusCode, b, res.Header}
}

// complianceCase is one check of the GA4GH refget compliance suite
// (2.0.0 and 1.2.6 share these cases; see ga4gh/refget-compliance-suite
// compliance_suite/tests.py), re-expressed as a request and its expected
// status, body and Content-Length.
type complianceCase struct {
	name   string
	id     string
	query  string
	hdr    []string
	status int
	from   int // expected body = seq[from:to] of the sequence id names
	to     int // -1: no body check
}

func complianceCases(accept string) []complianceCase {
	a := []string{"Accept", accept}
	with := func(extra ...string) []string { return append(append([]string{}, a...), extra...) }
	const I = 230218
	return []complianceCase{
		// sequence endpoint
		{"implement", chrIMD5, "", a, 200, 0, I},
		{"implement default", chrIMD5, "", nil, 200, 0, I},
		{"trunc512", chrIT512, "", a, 200, 0, I},
		{"chr VI trunc512", chrVIT512, "", a, 200, 0, 270161},
		{"invalid checksum 404", "Garbagechecksum", "", a, 404, 0, -1},
		{"invalid checksum 404 garbage id", "some1111garbage1111ID", "", a, 404, 0, -1},
		{"invalid encoding 406", chrIMD5, "", []string{"Accept", "embl/some_json"}, 406, 0, -1},
		{"start end", chrIMD5, "?start=10&end=20", a, 200, 10, 20},
		{"start=end", chrIMD5, "?start=10&end=10", a, 200, 10, 10},
		{"10-11", chrIMD5, "?start=10&end=11", a, 200, 10, 11},
		{"start only", chrIMD5, "?start=230208", a, 200, 230208, I},
		{"end only", chrIMD5, "?end=5", a, 200, 0, 5},
		{"last", chrIMD5, "?start=230217&end=230218", a, 200, 230217, I},
		{"start=0", chrIMD5, "?start=0", a, 200, 0, I},
		{"&end=len", chrIMD5, "?&end=230218", a, 200, 0, I},
		{"0-len", chrIMD5, "?start=0&end=230218", a, 200, 0, I},
		{"1-len", chrIMD5, "?start=1&end=230218", a, 200, 1, I},
		{"start=len-1", chrIMD5, "?start=230217", a, 200, 230217, I},
		{"end=0", chrIMD5, "?end=0", a, 200, 0, 0},
		{"range", chrIMD5, "", with("Range", "bytes=10-19"), 206, 10, 20},
		{"range 10-230217", chrIMD5, "", with("Range", "bytes=10-230217"), 206, 10, I},
		{"range 10-999999", chrIMD5, "", with("Range", "bytes=10-999999"), 206, 10, I},
		{"range 0-230217", chrIMD5, "", with("Range", "bytes=0-230217"), 206, 0, I},
		{"range 0-999999", chrIMD5, "", with("Range", "bytes=0-999999"), 206, 0, I},
		{"range 0-0", chrIMD5, "", with("Range", "bytes=0-0"), 206, 0, 1},
		{"range last", chrIMD5, "", with("Range", "bytes=230217-230217"), 206, 230217, I},
		{"start abc", chrIMD5, "?start=abc&end=20", a, 400, 0, -1},
		{"negative", chrIMD5, "?start=-10&end=-29", a, 400, 0, -1},
		{"start abc only", chrIMD5, "?start=abc", a, 400, 0, -1},
		{"67-5387", phiXMD5, "?start=67&end=5387", a, 416, 0, -1},
		{"5386-5375", phiXMD5, "?start=5386&end=5375", a, 416, 0, -1},
		{"5386-5386", phiXMD5, "?start=5386&end=5386", a, 416, 0, -1},
		{"5386-5", phiXMD5, "?start=5386&end=5", a, 416, 0, -1},
		{"units", chrIMD5, "", with("Range", "units=20-30"), 400, 0, -1},
		{"bytes=ab-19", chrIMD5, "", with("Range", "bytes=ab-19"), 400, 0, -1},
		{"bytes=-10--19", chrIMD5, "", with("Range", "bytes=-10--19"), 400, 0, -1},
		{"bytes=10--19", chrIMD5, "", with("Range", "bytes=10--19"), 400, 0, -1},
		{"bytes=-10-", chrIMD5, "", with("Range", "bytes=-10-"), 400, 0, -1},
		{"bytes==10-19", chrIMD5, "", with("Range", "bytes==10-19"), 400, 0, -1},
		{"bytes=5200-19", phiXMD5, "", with("Range", "bytes=5200-19"), 416, 0, -1},
		{"bytes=59-50", phiXMD5, "", with("Range", "bytes=59-50"), 416, 0, -1},
		{"bytes=5385-5382", phiXMD5, "", with("Range", "bytes=5385-5382"), 416, 0, -1},
		{"bytes=5387-5391", phiXMD5, "", with("Range", "bytes=5387-5391"), 416, 0, -1},
		{"bytes=5386-5387", phiXMD5, "", with("Range", "bytes=5386-5387"), 416, 0, -1},
		{"bytes=9999-99999", phiXMD5, "", with("Range", "bytes=9999-99999"), 416, 0, -1},
		{"circular unsupported I", chrIMD5, "?start=220218&end=671", a, 501, 0, -1},
		{"circular unsupported phiX", phiXMD5, "?start=20&end=4", a, 501, 0, -1},
		{"range with start/end", chrIMD5, "?start=0&end=10", []string{"Range", "bytes=0-10"}, 400, 0, -1},
		{"bad accept + start/end", chrIMD5, "?start=0&end=abc", []string{"Accept", "text/embl"}, 406, 0, -1},
	}
}

// TestRESTCompliance runs every check of the refget compliance suite
// (2.0.0 against /, 1.2.6 against /refget/1/) over real HTTP on the
// sample instance, plus the v2 identifier forms.
func TestRESTCompliance(t *testing.T) {
	ref := loadSampleRef(t)
	p := startRESTServe(t)
	byMD5 := map[string]string{chrIMD5: chrIID, phiXMD5: phiXID, chrIT512: chrIID, chrVIT512: "z-qJgWoacRBV77zcMgZN9E_utrdzmQsH"}
	for _, api := range []struct{ base, accept, seqCT, metaCT string }{
		{"/", "text/vnd.ga4gh.refget.v2.0.0+plain", "text/vnd.ga4gh.refget.v2.0.0+plain; charset=us-ascii", "application/vnd.ga4gh.refget.v2.0.0+json"},
		{"/", "text/vnd.ga4gh.refget.v1.0.0+plain", "text/vnd.ga4gh.refget.v1.0.0+plain; charset=us-ascii", "application/vnd.ga4gh.refget.v1.0.0+json"},
		{"/refget/1/", "text/vnd.ga4gh.refget.v1.0.0+plain", "text/vnd.ga4gh.refget.v1.0.0+plain; charset=utf-8", "application/vnd.ga4gh.refget.v1.0.0+json"},
	} {
		for _, c := range complianceCases(api.accept) {
			if api.base == "/refget/1/" && c.name == "bad accept + start/end" {
				c.status = 400 // seqrepo-rest-service validates parameters before Accept
			}
			t.Run(api.base+" "+api.accept+" "+c.name, func(t *testing.T) {
				r := httpGet(t, p.base+api.base+"sequence/"+c.id+c.query, c.hdr...)
				if r.status != c.status {
					t.Fatalf("status %d, want %d (%.200s)", r.status, c.status, r.body)
				}
				if c.to < 0 {
					return
				}
				want := ref.seqs[byMD5[c.id]][c.from:c.to]
				if !bytes.Equal(r.body, want) {
					t.Errorf("body: %d bytes, want %d", len(r.body), len(want))
				}
				if accept := r.h.Get("Content-Type"); c.hdr != nil && c.hdr[1] == api.accept && accept != api.seqCT {
					t.Errorf("Content-Type %q, want %q", accept, api.seqCT)
				}
			})
		}
		// service-info: the compliance suite reads "service" (1.2.6) and "refget" (2.0.0).
		r := httpGet(t, p.base+api.base+"sequence/service-info", "Accept", api.metaCT)
		var si map[string]any
		if err := json.Unmarshal(r.body, &si); err != nil || r.status != 200 {
			t.Fatalf("%s service-info: %d %v", api.base, r.status, err)
		}
		keys := []string{"service"}
		if api.base == "/" {
			keys = append(keys, "refget")
		}
		for _, k := range keys {
			o, _ := si[k].(map[string]any)
			if o["circular_supported"] != false {
				t.Errorf("%s service-info %s.circular_supported = %v", api.base, k, o["circular_supported"])
			}
			algs, _ := o["algorithms"].([]any)
			if len(algs) < 2 || algs[0] != "md5" {
				t.Errorf("%s service-info %s.algorithms = %v", api.base, k, o["algorithms"])
			}
			if _, ok := o["subsequence_limit"]; !ok {
				t.Errorf("%s service-info %s lacks subsequence_limit", api.base, k)
			}
		}
		if svc, _ := si["service"].(map[string]any); svc["supported_api_versions"] == nil {
			t.Errorf("%s service-info lacks service.supported_api_versions", api.base)
		}
		// metadata
		for _, id := range []string{chrIMD5, chrIT512} {
			for _, hdr := range [][]string{{"Accept", api.metaCT}, nil} {
				r := httpGet(t, p.base+api.base+"sequence/"+id+"/metadata", hdr...)
				var m struct {
					Metadata struct {
						MD5, TRUNC512 string
						Length        int
						Aliases       []map[string]string
					}
				}
				if err := json.Unmarshal(r.body, &m); err != nil || r.status != 200 {
					t.Fatalf("%s metadata %s: %d %v", api.base, id, r.status, err)
				}
				if m.Metadata.MD5 != chrIMD5 || m.Metadata.TRUNC512 != chrIT512 || m.Metadata.Length != 230218 || m.Metadata.Aliases == nil {
					t.Errorf("%s metadata %s: %s", api.base, id, r.body)
				}
				if hdr != nil && r.h.Get("Content-Type") != api.metaCT {
					t.Errorf("%s metadata Content-Type %q", api.base, r.h.Get("Content-Type"))
				}
			}
		}
		for _, c := range []struct {
			id, accept string
			status     int
		}{
			{"some1111garbage1111ID", api.metaCT, 404},
			{chrIMD5, "embl/some_json", 406},
		} {
			if r := httpGet(t, p.base+api.base+"sequence/"+c.id+"/metadata", "Accept", c.accept); r.status != c.status {
				t.Errorf("%s metadata %s Accept %s: %d, want %d", api.base, c.id, c.accept, r.status, c.status)
			}
		}
	}
	// refget v2 identifier forms on /.
	I := ref.seqs[chrIID]
	for _, id := range []string{chrIMD5, strings.ToUpper(chrIMD5), "md5:" + chrIMD5, "SQ." + chrIID, "ga4gh:SQ." + chrIID, "ga4gh%3ASQ." + chrIID, chrIT512, "trunc512:" + chrIT512} {
		r := httpGet(t, p.base+"/sequence/"+id+"?start=100000&end=100020")
		if r.status != 200 || string(r.body) != string(I[100000:100020]) || string(r.body) != "GGTATTATTTTTTTTTTTTT" {
			t.Errorf("id %s: %d %q", id, r.status, r.body)
		}
	}
	// Namespaced alias with spaces and colons (the sample's test namespace).
	r := httpGet(t, p.base+"/sequence/test:NC_001422.1%20Enterobacteria%20phage%20phiX174%20sensu%20lato,%20complete%20genome?end=20")
	if r.status != 200 || string(r.body) != "GAGTTTTATCGCTTCCATGA" {
		t.Errorf("test: alias: %d %q", r.status, r.body)
	}
	// RFC 9110 suffix and open ranges.
	r = httpGet(t, p.base+"/sequence/"+chrIMD5, "Range", "bytes=-10")
	if r.status != 206 || string(r.body) != string(I[len(I)-10:]) || r.h.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", len(I)-10, len(I)-1, len(I)) {
		t.Errorf("bytes=-10: %d %q %q", r.status, r.body, r.h.Get("Content-Range"))
	}
	r = httpGet(t, p.base+"/sequence/"+phiXMD5, "Range", "bytes=5376-")
	if r.status != 206 || string(r.body) != "CCAACCTGCA" || r.h.Get("Content-Range") != "bytes 5376-5385/5386" {
		t.Errorf("bytes=5376-: %d %q %q", r.status, r.body, r.h.Get("Content-Range"))
	}
	r = httpGet(t, p.base+"/sequence/"+chrIMD5, "Range", "bytes=0-1, 4-5")
	if r.status != 400 {
		t.Errorf("multiple ranges: %d", r.status)
	}
	r = httpGet(t, p.base+"/sequence/"+phiXMD5, "Range", "bytes=5380-6000")
	if r.status != 206 || string(r.body) != string(ref.seqs[phiXID][5380:]) || r.h.Get("Content-Range") != "bytes 5380-5385/5386" {
		t.Errorf("beyond end: %d %q %q", r.status, r.body, r.h.Get("Content-Range"))
	}
}

// TestRESTSeqRepoBytes compares /seqrepo/1 and /refget/1 responses on the
// sample byte for byte with seqrepo-rest-service's encoding (docs/format.md,
// “REST encoding”, “/seqrepo/1” and “/refget/1”).
func TestRESTSeqRepoBytes(t *testing.T) {
	p := startRESTServe(t)
	phiXAliases := []string{
		"MD5:3332ed720ac7eaa9b3655c06f6b9e196",
		"SEGUID:NOAEKZNTbMxBsWQQ7JQrnWMXQLo",
		"SHA1:34e0042993536ccc41b16410ec942b9d631740ba",
		"VMC:GS_IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF",
		"sha512t24u:IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF",
		"ga4gh:SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF",
		"test:NC_001422.1 Enterobacteria phage phiX174 sensu lato, complete genome",
	}
	var meta strings.Builder
	meta.WriteString("{\n  \"added\": \"2019-05-20T15:40:31Z\",\n  \"aliases\": [\n")
	for i, a := range phiXAliases {
		sep := ",\n"
		if i == len(phiXAliases)-1 {
			sep = "\n"
		}
		meta.WriteString("    \"" + a + "\"" + sep)
	}
	meta.WriteString("  ],\n  \"alphabet\": \"ACGT\",\n  \"length\": 5386\n}\n")
	var v1 strings.Builder
	v1.WriteString("{\n  \"metadata\": {\n    \"aliases\": [\n")
	for i, a := range phiXAliases {
		ns, al, _ := strings.Cut(a, ":")
		sep := ",\n"
		if i == len(phiXAliases)-1 {
			sep = "\n"
		}
		fmt.Fprintf(&v1, "      {\n        \"alias\": %q,\n        \"naming_authority\": %q\n      }%s", al, ns, sep)
	}
	v1.WriteString("    ],\n    \"id\": \"IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF\",\n    \"length\": 5386,\n" +
		"    \"md5\": \"3332ed720ac7eaa9b3655c06f6b9e196\",\n    \"trunc512\": \"2085c82d80500a91dd0b8aa9237b0e43f1c07809bd6e6785\"\n  }\n}\n")
	problem := func(status int, title, detail string) string {
		return fmt.Sprintf("{\n  \"detail\": %q,\n  \"status\": %d,\n  \"title\": %q,\n  \"type\": \"about:blank\"\n}\n", detail, status, title)
	}
	for _, c := range []struct {
		path   string
		hdr    []string
		status int
		ct     string
		body   string
	}{
		{"/seqrepo/1/metadata/MD5:" + phiXMD5, nil, 200, "application/json", meta.String()},
		{"/seqrepo/1/metadata/" + phiXMD5, nil, 200, "application/json", meta.String()},
		{"/seqrepo/1/metadata/ga4gh:SQ." + phiXID, nil, 200, "application/json", meta.String()},
		{"/seqrepo/1/metadata/" + phiXMD5[:10], nil, 200, "application/json", meta.String()},
		{"/seqrepo/1/metadata/2085c82d80500a91dd0b8aa9237b0e43f1c07809bd6e6785", nil, 200, "application/json", meta.String()},
		{"/seqrepo/1/metadata/test:NC_001422.1%20Enterobacteria%20phage%20phiX174%20sensu%20lato,%20complete%20genome", nil, 200, "application/json", meta.String()},
		{"/seqrepo/1/metadata/NC_001422.1", nil, 404, "application/json", ""},
		{"/seqrepo/1/sequence/ga4gh:SQ." + phiXID + "?start=0&end=20", nil, 200, "text/plain; charset=utf-8", "GAGTTTTATCGCTTCCATGA"},
		{"/seqrepo/1/sequence/" + phiXMD5 + "?start=5376", nil, 200, "text/plain; charset=utf-8", "CCAACCTGCA"},
		{"/seqrepo/1/sequence/" + phiXMD5 + "?start=5376&end=99999", nil, 200, "text/plain; charset=utf-8", "CCAACCTGCA"},
		{"/seqrepo/1/sequence/" + phiXMD5 + "?start=6000&end=7000", nil, 200, "text/plain; charset=utf-8", ""},
		{"/seqrepo/1/sequence/" + phiXMD5 + "?start=7&end=5", nil, 422, "application/problem+json", problem(422, "Unprocessable Entity", "Invalid coordinates: start > end")},
		{"/seqrepo/1/sequence/" + phiXMD5 + "?start=1&bogus=2", nil, 400, "application/problem+json", "{\n  \"detail\": \"Extra query parameter(s) bogus not in spec\",\n  \"status\": 400,\n  \"title\": null,\n  \"type\": \"about:blank\"\n}\n"},
		{"/seqrepo/1/sequence/" + phiXMD5 + "1", nil, 404, "text/plain; charset=utf-8", ""}, // odd-length hex: 500 in Python
		{"/refget/1/sequence/" + phiXMD5 + "/metadata", nil, 200, "application/vnd.ga4gh.refget.v1.0.0+json", v1.String()},
		{"/refget/1/sequence/ga4gh%3ASQ." + phiXID + "/metadata", nil, 200, "application/vnd.ga4gh.refget.v1.0.0+json", v1.String()},
		{"/refget/1/sequence/" + phiXMD5 + "/metadata", []string{"Accept", "text/html, */*"}, 406, "application/problem+json", problem(406, "Not Acceptable", "Invalid Accept header")},
		{"/refget/1/sequence/" + phiXMD5 + "?start=10&end=5", nil, 501, "application/problem+json", problem(501, "Not Implemented", "Invalid coordinates: start > end")},
		{"/refget/1/sequence/" + phiXMD5 + "?start=5386&end=5387", nil, 416, "application/problem+json", problem(416, "Requested Range Not Satisfiable", "Invalid coordinates: start > sequence length")},
		{"/refget/1/sequence/" + phiXMD5 + "?start=0&end=5387", nil, 416, "application/problem+json", problem(416, "Requested Range Not Satisfiable", "Invalid coordinates: end > sequence length")},
		{"/refget/1/sequence/" + phiXMD5 + "?start=5380", nil, 200, "text/vnd.ga4gh.refget.v1.0.0+plain; charset=utf-8", "CCTGCA"},
		{"/refget/1/sequence/" + phiXMD5, []string{"Range", "bytes=5376-5385"}, 206, "text/vnd.ga4gh.refget.v1.0.0+plain; charset=utf-8", "CCAACCTGCA"},
		{"/refget/1/ping", nil, 200, "application/json", "\"The secret is to bang the rocks together, guys.\"\n"},
	} {
		r := httpGet(t, p.base+c.path, c.hdr...)
		if r.status != c.status || r.h.Get("Content-Type") != c.ct || string(r.body) != c.body {
			t.Errorf("%s:\n got %d %q %q\nwant %d %q %q", c.path, r.status, r.h.Get("Content-Type"), r.body, c.status, c.ct, c.body)
		}
	}
	r := httpGet(t, p.base+"/seqrepo/1/ping")
	var ping struct {
		Dependencies struct{ Seqrepo struct{ Root string } }
	}
	if err := json.Unmarshal(r.body, &ping); err != nil || ping.Dependencies.Seqrepo.Root != testutil.SampleInstance() || !bytes.HasSuffix(r.body, []byte("}\n")) {
		t.Errorf("ping: %s", r.body)
	}
	// Operations: metrics count what was served, one access-log line per request.
	m := httpGet(t, p.base+"/metrics")
	if !bytes.Contains(m.body, []byte(`seqfs_http_requests_total{route="GET /seqrepo/1/metadata/{alias}",code="200"} 6`)) {
		t.Errorf("metrics:\n%s", m.body)
	}
	time.Sleep(400 * time.Millisecond) // access log is flushed every 200 ms
	if n := strings.Count(p.out.String(), `"msg":"request"`); n < 20 {
		t.Errorf("access log has %d request lines:\n%s", n, p.out.String())
	}
}

// TestRESTCRAMRefPath decodes a CRAM with htslib fetching the references
// from the server (REF_PATH=http://127.0.0.1:PORT/sequence/%s, no cache).
func TestRESTCRAMRefPath(t *testing.T) {
	ref := loadSampleRef(t)
	testutil.RequireTool(t, "samtools")
	p := startRESTServe(t)
	work := t.TempDir()
	ids := []string{"z-qJgWoacRBV77zcMgZN9E_utrdzmQsH", phiXID}
	names := []string{"chrVI", "phiX"}
	fa, sam := cramInput(ref, ids, names, rand.New(rand.NewPCG(11, 3)), 300, 4, 30)
	refFa := filepath.Join(work, "ref.fa")
	samPath := filepath.Join(work, "in.sam")
	cram := filepath.Join(work, "in.cram")
	os.WriteFile(refFa, fa.Bytes(), 0o644)
	os.WriteFile(samPath, sam.Bytes(), 0o644)
	runTool(t, nil, "samtools", "view", "-C", "-T", refFa, "-o", cram, samPath)
	os.Remove(refFa)
	os.Remove(refFa + ".fai")
	home := t.TempDir()
	cmd := exec.Command("samtools", "view", "--no-PG", cram)
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + home,
		"REF_PATH=" + p.base + "/sequence/%s", "no_proxy=127.0.0.1", "NO_PROXY=127.0.0.1"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("samtools view with REF_PATH=%s/sequence/%%s: %v\n%s", p.base, err, stderr.String())
	}
	checkDecodedSAM(t, sam.String(), out)
	time.Sleep(400 * time.Millisecond)
	for _, md5 := range []string{chrVIMD5, phiXMD5} {
		if !strings.Contains(p.out.String(), `"uri":"/sequence/`+md5+`"`) {
			t.Errorf("htslib did not fetch %s from the server:\n%s", md5, p.out.String())
		}
	}
	if ents, _ := os.ReadDir(home); len(ents) != 0 {
		t.Errorf("htslib wrote a reference cache under HOME: %v", ents)
	}
}

// TestRESTSlowClientAndShutdown: a client that never finishes its request
// is cut off by the header timeout without holding others; SIGTERM shuts
// the server down gracefully (exit 0); binding every interface must be
// explicit.
func TestRESTSlowClientAndShutdown(t *testing.T) {
	p := startRESTServe(t, "--read-header-timeout", "500ms", "--access-log", "")
	host := strings.TrimPrefix(p.base, "http://")
	var slow []net.Conn
	for range 20 {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("GET /sequence/" + phiXMD5 + " HTTP/1.1\r\nHost: x\r\n"))
		slow = append(slow, c)
	}
	t0 := time.Now()
	r := httpGet(t, p.base+"/sequence/"+phiXMD5+"?start=0&end=10")
	if r.status != 200 || string(r.body) != "GAGTTTTATC" {
		t.Errorf("with slow clients connected: %d %q", r.status, r.body)
	}
	if el := time.Since(t0); el > 400*time.Millisecond {
		t.Errorf("request took %v while slow clients were connected", el)
	}
	for _, c := range slow {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.ReadAll(c)
	}
	if el := time.Since(t0); el > 3*time.Second {
		t.Errorf("slow clients held for %v (header timeout 500ms)", el)
	}
	// Graceful shutdown on SIGTERM.
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("seqfs serve after SIGTERM: %v\n%s", p.err, p.out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("seqfs serve did not stop on SIGTERM")
	}
	_, stderr, code := seqfs(t, "-s", testutil.SampleInstance(), "serve", "--listen", ":0")
	if code != 2 || !strings.Contains(stderr, "0.0.0.0") {
		t.Errorf("--listen :0: exit %d, %s", code, stderr)
	}
}
