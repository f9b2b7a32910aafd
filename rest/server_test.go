package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

type fixture struct {
	src                  *memSource
	srv                  *Server
	url                  string
	a, b, c              string // seq_ids
	seqA, seqB           string
	md5A, md5B, trunc512 string
}

func randSeq(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[r.IntN(4)]
	}
	return string(b)
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{src: newMemSource()}
	f.seqA = randSeq(1000, 1)
	f.seqB = randSeq(600_000, 2) // longer than one pooled buffer
	f.a = f.src.add(f.seqA, true, "NCBI:NC_000001.1", "insdc:CM000001.1", "test:chr Ünï 😀")
	f.b = f.src.add(f.seqB, true, "NCBI:NC_000002.1")
	f.c = f.src.add("ACGTN", false, "x:dup")
	f.src.add("TTTT", true, "x:dup")
	dA, _ := repo.ComputeDigests([]byte(f.seqA))
	dB, _ := repo.ComputeDigests([]byte(f.seqB))
	f.md5A, f.md5B, f.trunc512 = dA.MD5, dB.MD5, dA.TRUNC512()
	if opts.Version == "" {
		opts.Version = "test"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	f.srv = New(f.src, opts)
	ts := httptest.NewServer(f.srv.Handler())
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

type resp struct {
	status int
	body   string
	h      http.Header
}

func get(t *testing.T, url string, hdr ...string) resp {
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
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(b)) {
		t.Errorf("GET %s: Content-Length %q, body %d bytes", url, cl, len(b))
	}
	return resp{res.StatusCode, string(b), res.Header}
}

func TestSequenceV2(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	A, L := f.seqA, len(f.seqA)
	type tc struct {
		name   string
		path   string
		hdr    []string
		status int
		body   string // checked when status is 200/206
		ct     string
	}
	md5 := f.md5A
	cases := []tc{
		{"md5", "/sequence/" + md5, nil, 200, A, ctV2Plain},
		{"md5 upper", "/sequence/" + strings.ToUpper(md5), nil, 200, A, ctV2Plain},
		{"md5: prefix", "/sequence/md5:" + md5, nil, 200, A, ctV2Plain},
		{"MD5: prefix", "/sequence/MD5:" + md5, nil, 200, A, ctV2Plain},
		{"SQ.", "/sequence/SQ." + f.a, nil, 200, A, ctV2Plain},
		{"ga4gh:SQ.", "/sequence/ga4gh:SQ." + f.a, nil, 200, A, ctV2Plain},
		{"ga4gh%3ASQ.", "/sequence/ga4gh%3ASQ." + f.a, nil, 200, A, ctV2Plain},
		{"trunc512", "/sequence/" + f.trunc512, nil, 200, A, ctV2Plain},
		{"trunc512 upper", "/sequence/" + strings.ToUpper(f.trunc512), nil, 200, A, ctV2Plain},
		{"trunc512: prefix", "/sequence/trunc512:" + f.trunc512, nil, 200, A, ctV2Plain},
		{"insdc alias", "/sequence/insdc:CM000001.1", nil, 200, A, ctV2Plain},
		{"refseq alias", "/sequence/refseq:NC_000001.1", nil, 200, A, ctV2Plain},
		{"bare refseq accession", "/sequence/NC_000001.1", nil, 200, A, ctV2Plain},
		{"long sequence streamed", "/sequence/" + f.md5B, nil, 200, f.seqB, ctV2Plain},
		{"garbage id", "/sequence/some1111garbage1111ID", nil, 404, "", ""},
		{"garbage id bad accept", "/sequence/some1111garbage1111ID", []string{"Accept", "text/embl"}, 404, "", ""},
		{"odd hex", "/sequence/abcdef012", nil, 404, "", ""},
		{"unknown md5", "/sequence/00000000000000000000000000000000", nil, 404, "", ""},
		{"ambiguous", "/sequence/x:dup", nil, 409, "", ""},
		{"start/end", "/sequence/" + md5 + "?start=10&end=20", nil, 200, A[10:20], ctV2Plain},
		{"start=end", "/sequence/" + md5 + "?start=10&end=10", nil, 200, "", ctV2Plain},
		{"only start", "/sequence/" + md5 + "?start=990", nil, 200, A[990:], ctV2Plain},
		{"only end", "/sequence/" + md5 + "?end=5", nil, 200, A[:5], ctV2Plain},
		{"end=0", "/sequence/" + md5 + "?end=0", nil, 200, "", ctV2Plain},
		{"last residue", "/sequence/" + md5 + "?start=999&end=1000", nil, 200, A[999:], ctV2Plain},
		{"whole by start/end", "/sequence/" + md5 + "?start=0&end=1000", nil, 200, A, ctV2Plain},
		{"start abc", "/sequence/" + md5 + "?start=abc&end=20", nil, 400, "", ""},
		{"negative", "/sequence/" + md5 + "?start=-10&end=-29", nil, 400, "", ""},
		{"start abc only", "/sequence/" + md5 + "?start=abc", nil, 400, "", ""},
		{"end beyond", "/sequence/" + md5 + "?start=67&end=1001", nil, 416, "", ""},
		{"start=len > end", "/sequence/" + md5 + "?start=1000&end=995", nil, 416, "", ""},
		{"start=end=len", "/sequence/" + md5 + "?start=1000&end=1000", nil, 416, "", ""},
		{"start=len end small", "/sequence/" + md5 + "?start=1000&end=5", nil, 416, "", ""},
		{"start > end circular", "/sequence/" + md5 + "?start=900&end=67", nil, 501, "", ""},
		{"start > end small", "/sequence/" + md5 + "?start=20&end=4", nil, 501, "", ""},
		{"huge start", "/sequence/" + md5 + "?start=99999999999999999999999", nil, 416, "", ""},
		{"range", "/sequence/" + md5, []string{"Range", "bytes=10-19"}, 206, A[10:20], ctV2Plain},
		{"range to end", "/sequence/" + md5, []string{"Range", "bytes=10-999"}, 206, A[10:], ctV2Plain},
		{"range past end", "/sequence/" + md5, []string{"Range", "bytes=10-999999"}, 206, A[10:], ctV2Plain},
		{"range whole", "/sequence/" + md5, []string{"Range", "bytes=0-999"}, 206, A, ctV2Plain},
		{"range 0-0", "/sequence/" + md5, []string{"Range", "bytes=0-0"}, 206, A[:1], ctV2Plain},
		{"range last", "/sequence/" + md5, []string{"Range", "bytes=999-999"}, 206, A[999:], ctV2Plain},
		{"range long seq", "/sequence/" + f.md5B, []string{"Range", "bytes=100-599999"}, 206, f.seqB[100:], ctV2Plain},
		{"range units", "/sequence/" + md5, []string{"Range", "units=20-30"}, 400, "", ""},
		{"range ab", "/sequence/" + md5, []string{"Range", "bytes=ab-19"}, 400, "", ""},
		{"range neg neg", "/sequence/" + md5, []string{"Range", "bytes=-10--19"}, 400, "", ""},
		{"range 10--19", "/sequence/" + md5, []string{"Range", "bytes=10--19"}, 400, "", ""},
		{"range -10-", "/sequence/" + md5, []string{"Range", "bytes=-10-"}, 400, "", ""},
		{"range ==", "/sequence/" + md5, []string{"Range", "bytes==10-19"}, 400, "", ""},
		{"range suffix", "/sequence/" + md5, []string{"Range", "bytes=-10"}, 206, A[L-10:], ctV2Plain},
		{"range suffix longer than seq", "/sequence/" + md5, []string{"Range", "bytes=-5000"}, 206, A, ctV2Plain},
		{"range suffix long seq", "/sequence/" + f.md5B, []string{"Range", "bytes=-300000"}, 206, f.seqB[len(f.seqB)-300000:], ctV2Plain},
		{"range empty suffix", "/sequence/" + md5, []string{"Range", "bytes=-0"}, 416, "", ""},
		{"range open", "/sequence/" + md5, []string{"Range", "bytes=10-"}, 206, A[10:], ctV2Plain},
		{"range open last", "/sequence/" + md5, []string{"Range", "bytes=999-"}, 206, A[999:], ctV2Plain},
		{"range open at len", "/sequence/" + md5, []string{"Range", "bytes=1000-"}, 416, "", ""},
		{"range open long seq", "/sequence/" + f.md5B, []string{"Range", "bytes=7-"}, 206, f.seqB[7:], ctV2Plain},
		{"range --", "/sequence/" + md5, []string{"Range", "bytes=-"}, 400, "", ""},
		{"range multiple", "/sequence/" + md5, []string{"Range", "bytes=0-1,5-6"}, 400, "", ""},
		{"range first > last", "/sequence/" + md5, []string{"Range", "bytes=900-19"}, 416, "", ""},
		{"range 59-50", "/sequence/" + md5, []string{"Range", "bytes=59-50"}, 416, "", ""},
		{"range beyond", "/sequence/" + md5, []string{"Range", "bytes=1001-1005"}, 416, "", ""},
		{"range at len", "/sequence/" + md5, []string{"Range", "bytes=1000-1001"}, 416, "", ""},
		{"range far", "/sequence/" + md5, []string{"Range", "bytes=9999-99999"}, 416, "", ""},
		{"range with start/end", "/sequence/" + md5 + "?start=0&end=10", []string{"Range", "bytes=0-10"}, 400, "", ""},
		{"accept v2", "/sequence/" + md5 + "?end=3", []string{"Accept", "text/vnd.ga4gh.refget.v2.0.0+plain"}, 200, A[:3], ctV2Plain},
		{"accept v2 charset", "/sequence/" + md5 + "?end=3", []string{"Accept", "text/vnd.ga4gh.refget.v2.0.0+plain; charset=us-ascii"}, 200, A[:3], ctV2Plain},
		{"accept v1", "/sequence/" + md5 + "?end=3", []string{"Accept", "text/vnd.ga4gh.refget.v1.0.0+plain"}, 200, A[:3], ctV1Plain},
		{"accept text/plain", "/sequence/" + md5 + "?end=3", []string{"Accept", "text/plain"}, 200, A[:3], ctV2Plain},
		{"accept */*", "/sequence/" + md5 + "?end=3", []string{"Accept", "*/*"}, 200, A[:3], ctV2Plain},
		{"accept list", "/sequence/" + md5 + "?end=3", []string{"Accept", "application/json, text/html;q=0.9, text/plain;q=0.5"}, 200, A[:3], ctV2Plain},
		{"accept list prefers v1", "/sequence/" + md5 + "?end=3", []string{"Accept", "text/html, text/vnd.ga4gh.refget.v1.0.0+plain"}, 200, A[:3], ctV1Plain},
		{"accept embl", "/sequence/" + md5, []string{"Accept", "text/embl"}, 406, "", ""},
		{"accept json", "/sequence/" + md5, []string{"Accept", "application/json"}, 406, "", ""},
		{"accept q=0", "/sequence/" + md5, []string{"Accept", "text/plain;q=0"}, 406, "", ""},
		{"406 before 400", "/sequence/" + md5 + "?start=0&end=abc", []string{"Accept", "text/embl"}, 406, "", ""},
		{"406 before range 400", "/sequence/" + md5 + "?start=0&end=20", []string{"Accept", "text/embl", "Range", "bytes=0-20"}, 406, "", ""},
		{"trailing slash", "/sequence/" + md5 + "/?end=2", nil, 200, A[:2], ctV2Plain},
	}
	_ = L
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, f.url+c.path, c.hdr...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d (body %.200q)", r.status, c.status, r.body)
			}
			if c.status == 200 || c.status == 206 {
				if r.body != c.body {
					t.Errorf("body %d bytes %.40q…, want %d bytes %.40q…", len(r.body), r.body, len(c.body), c.body)
				}
				if ct := r.h.Get("Content-Type"); ct != c.ct {
					t.Errorf("Content-Type %q, want %q", ct, c.ct)
				}
			}
			if r.h.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("no CORS header")
			}
		})
	}
	// Header details.
	r := get(t, f.url+"/sequence/"+md5, "Range", "bytes=10-999999")
	if got := r.h.Get("Content-Range"); got != "bytes 10-999/1000" {
		t.Errorf("Content-Range %q", got)
	}
	r = get(t, f.url+"/sequence/"+md5, "Range", "bytes=1000-1001")
	if got := r.h.Get("Content-Range"); got != "bytes */1000" {
		t.Errorf("416 Content-Range %q", got)
	}
	for h, want := range map[string]string{"bytes=-10": "bytes 990-999/1000", "bytes=10-": "bytes 10-999/1000", "bytes=-5000": "bytes 0-999/1000"} {
		r = get(t, f.url+"/sequence/"+md5, "Range", h)
		if got := r.h.Get("Content-Range"); r.status != 206 || got != want {
			t.Errorf("Range %s: %d Content-Range %q, want 206 %q", h, r.status, got, want)
		}
	}
	r = get(t, f.url+"/sequence/"+md5+"?start=1&end=2")
	if got := r.h.Get("Accept-Ranges"); got != "none" {
		t.Errorf("start/end Accept-Ranges %q, want none", got)
	}
}

func TestMetadataAndServiceInfoV2(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	r := get(t, f.url+"/sequence/"+f.md5A+"/metadata")
	if r.status != 200 || r.h.Get("Content-Type") != ctV2JSON {
		t.Fatalf("metadata: %d %q", r.status, r.h.Get("Content-Type"))
	}
	var m struct {
		Metadata struct {
			ID, MD5, GA4GH, TRUNC512 string
			Length                   int64
			Aliases                  []refgetAlias
		}
	}
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatal(err)
	}
	md := m.Metadata
	want := []refgetAlias{{"NC_000001.1", "refseq"}, {"CM000001.1", "insdc"}, {"chr Ünï 😀", "test"}}
	if md.MD5 != f.md5A || md.GA4GH != "SQ."+f.a || md.TRUNC512 != f.trunc512 || md.Length != 1000 || md.ID != f.md5A {
		t.Errorf("metadata %+v", md)
	}
	if len(md.Aliases) != len(want) {
		t.Fatalf("aliases %+v, want %+v", md.Aliases, want)
	}
	for i := range want {
		if md.Aliases[i] != want[i] {
			t.Errorf("alias %d = %+v, want %+v", i, md.Aliases[i], want[i])
		}
	}
	// MD5 computed when the source has no MD5 alias.
	r = get(t, f.url+"/sequence/SQ."+f.c+"/metadata")
	d, _ := repo.ComputeDigests([]byte("ACGTN"))
	if r.status != 200 || !strings.Contains(r.body, `"md5": "`+d.MD5+`"`) {
		t.Errorf("computed md5: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		id, accept string
		status     int
	}{
		{"some1111garbage1111ID", "", 404},
		{"some1111garbage1111ID", "application/vnd.ga4gh.refget.v1.0.0+json", 404},
		{"some1111garbage1111ID", "application/embl", 404},
		{f.md5A, "application/embl", 406},
		{f.md5A, "application/vnd.ga4gh.refget.v1.0.0+json", 200},
		{f.md5A, "application/json", 200},
		{f.trunc512, "", 200},
		{"x:dup", "", 409},
	} {
		r := get(t, f.url+"/sequence/"+c.id+"/metadata", "Accept", c.accept)
		if r.status != c.status {
			t.Errorf("metadata %s Accept %q: %d, want %d", c.id, c.accept, r.status, c.status)
		}
	}
	for _, p := range []string{"/sequence/service-info", "/service-info"} {
		r := get(t, f.url+p)
		var si struct {
			Type    struct{ Group, Artifact, Version string }
			Refget  map[string]any
			Service map[string]any
		}
		if err := json.Unmarshal([]byte(r.body), &si); err != nil || r.status != 200 {
			t.Fatalf("%s: %d %v", p, r.status, err)
		}
		if si.Type.Artifact != "refget" || si.Type.Version != "2.0.0" || si.Refget["circular_supported"] != false ||
			si.Service["circular_supported"] != false || si.Service["supported_api_versions"] == nil {
			t.Errorf("%s: %s", p, r.body)
		}
		if _, ok := si.Refget["subsequence_limit"]; !ok {
			t.Errorf("%s: no subsequence_limit", p)
		}
	}
}

// TestSeqRepoAPI checks /seqrepo/1 byte for byte against the encoding of
// seqrepo-rest-service (docs/format.md, “REST encoding” and “/seqrepo/1”).
func TestSeqRepoAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{Root: "/srv/seqrepo/x"})
	dC, _ := repo.ComputeDigests([]byte("ACGTN"))
	r := get(t, f.url+"/seqrepo/1/metadata/SQ."+f.c)
	if r.status != 404 {
		t.Errorf("bare SQ. on /seqrepo/1 should be 404 (REST heuristics), got %d", r.status)
	}
	r = get(t, f.url+"/seqrepo/1/metadata/ga4gh:SQ."+f.c)
	want := "{\n  \"added\": \"2019-05-20T15:40:31Z\",\n  \"aliases\": [\n" +
		"    \"SEGUID:" + dC.SEGUID + "\",\n" +
		"    \"SHA1:" + dC.SHA1 + "\",\n" +
		"    \"VMC:GS_" + f.c + "\",\n" +
		"    \"sha512t24u:" + f.c + "\",\n" +
		"    \"ga4gh:SQ." + f.c + "\",\n" +
		"    \"x:dup\"\n  ],\n  \"alphabet\": \"ACGNT\",\n  \"length\": 5\n}\n"
	if r.status != 200 || r.body != want || r.h.Get("Content-Type") != "application/json" {
		t.Errorf("metadata: %d %q\n got %q\nwant %q", r.status, r.h.Get("Content-Type"), r.body, want)
	}
	// Non-ASCII escaped as Python's ensure_ascii does.
	r = get(t, f.url+"/seqrepo/1/metadata/"+f.md5A)
	if !strings.Contains(r.body, `"test:chr \u00dcn\u00ef \ud83d\ude00"`) {
		t.Errorf("non-ASCII alias not escaped: %s", r.body)
	}
	A := f.seqA
	for _, c := range []struct {
		path   string
		status int
		body   string
		ct     string
	}{
		{"/seqrepo/1/sequence/NC_000001.1", 200, A, ctTextUTF8},
		{"/seqrepo/1/sequence/refseq:NC_000001.1?start=5&end=7", 200, A[5:7], ctTextUTF8},
		{"/seqrepo/1/sequence/" + f.md5A[:8] + "?end=4", 200, A[:4], ctTextUTF8}, // md5 prefix
		{"/seqrepo/1/sequence/" + f.trunc512 + "?end=4", 200, A[:4], ctTextUTF8},
		{"/seqrepo/1/sequence/" + strings.ToUpper(f.md5A) + "?end=4", 200, A[:4], ctTextUTF8},
		{"/seqrepo/1/sequence/NC_000001.1?start=990&end=5000", 200, A[990:], ctTextUTF8},
		{"/seqrepo/1/sequence/NC_000001.1?start=2000&end=3000", 200, "", ctTextUTF8},
		{"/seqrepo/1/sequence/NC_000001.1?start=2000", 200, "", ctTextUTF8},
		{"/seqrepo/1/sequence/NC_000001.1?start=7&end=5", 422, `{
  "detail": "Invalid coordinates: start > end",
  "status": 422,
  "title": "Unprocessable Entity",
  "type": "about:blank"
}
`, ctProblem},
		{"/seqrepo/1/sequence/x:dup", 422, `{
  "detail": "Multiple sequences exist for alias 'x:dup'",
  "status": 422,
  "title": "Unprocessable Entity",
  "type": "about:blank"
}
`, ctProblem},
		{"/seqrepo/1/sequence/NC_999.1", 404, "", ctTextUTF8},
		{"/seqrepo/1/sequence/abcdef012", 404, "", ctTextUTF8}, // odd-length hex: 500 in Python
		{"/seqrepo/1/sequence/NC_000001.1?start=abc", 400, "", ctProblem},
		{"/seqrepo/1/sequence/NC_000001.1?start=-1", 400, "", ctProblem},
		{"/seqrepo/1/sequence/NC_000001.1?foo=1", 400, "", ctProblem},
		{"/seqrepo/1/metadata/NC_000001.1?start=1", 400, "", ctProblem},
		{"/seqrepo/1/metadata/NC_999.1", 404, "", "application/json"},
	} {
		r := get(t, f.url+c.path)
		if r.status != c.status || r.h.Get("Content-Type") != c.ct || (c.body != "" || c.status == 200) && r.body != c.body {
			t.Errorf("%s: %d %q %.80q, want %d %q %.80q", c.path, r.status, r.h.Get("Content-Type"), r.body, c.status, c.ct, c.body)
		}
	}
	r = get(t, f.url+"/seqrepo/1/ping/")
	if r.status != 200 || !strings.Contains(r.body, `"root": "/srv/seqrepo/x"`) {
		t.Errorf("ping: %d %s", r.status, r.body)
	}
}

// TestRefgetV1 checks /refget/1 against docs/format.md, “/refget/1”, and the
// compliance suite's expectations.
func TestRefgetV1(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	A := f.seqA
	md5 := f.md5A
	for _, c := range []struct {
		name   string
		path   string
		hdr    []string
		status int
		body   string
	}{
		{"md5", md5, nil, 200, A},
		{"trunc512", f.trunc512, nil, 200, A},
		{"ga4gh", "ga4gh:SQ." + f.a, nil, 200, A},
		{"accept v1", md5, []string{"Accept", "text/vnd.ga4gh.refget.v1.0.0+plain"}, 200, A},
		{"accept list", md5, []string{"Accept", "text/plain, */*"}, 406, ""},
		{"accept v2", md5, []string{"Accept", "text/vnd.ga4gh.refget.v2.0.0+plain"}, 406, ""},
		{"accept embl", md5, []string{"Accept", "embl/some_json"}, 406, ""},
		{"garbage", "Garbagechecksum", nil, 404, ""},
		{"ambiguous", "x:dup", nil, 409, ""},
		{"start/end", md5 + "?start=10&end=20", nil, 200, A[10:20]},
		{"only start beyond", md5 + "?start=5000", nil, 200, ""},
		{"start abc", md5 + "?start=abc&end=20", nil, 400, ""},
		{"negative", md5 + "?start=-10&end=-29", nil, 400, ""},
		{"end beyond", md5 + "?start=67&end=1001", nil, 416, ""},
		{"start=len", md5 + "?start=1000&end=1000", nil, 416, ""},
		{"start=len end<", md5 + "?start=1000&end=5", nil, 416, ""},
		{"circular", md5 + "?start=900&end=67", nil, 501, ""},
		{"range", md5, []string{"Range", "bytes=10-19"}, 206, A[10:20]},
		{"range past end", md5, []string{"Range", "bytes=0-999999"}, 206, A},
		{"range 0-0", md5, []string{"Range", "bytes=0-0"}, 206, A[:1]},
		{"range bad", md5, []string{"Range", "bytes=-10-"}, 400, ""},
		{"range open (Python: 400)", md5, []string{"Range", "bytes=10-"}, 400, ""},
		{"range suffix (Python: 400)", md5, []string{"Range", "bytes=-10"}, 400, ""},
		{"range with start", md5 + "?start=1", []string{"Range", "bytes=0-10"}, 400, ""},
		{"range 5200-19", md5, []string{"Range", "bytes=900-19"}, 416, ""},
		{"range beyond", md5, []string{"Range", "bytes=1001-1005"}, 416, ""},
		{"range at len", md5, []string{"Range", "bytes=1000-1001"}, 416, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, f.url+"/refget/1/sequence/"+c.path, c.hdr...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d (%.200s)", r.status, c.status, r.body)
			}
			if c.status < 300 {
				if r.body != c.body {
					t.Errorf("body %.40q (%d), want %.40q (%d)", r.body, len(r.body), c.body, len(c.body))
				}
				if ct := r.h.Get("Content-Type"); ct != ctPyV1Seq {
					t.Errorf("Content-Type %q", ct)
				}
			}
		})
	}
	r := get(t, f.url+"/refget/1/ping")
	if r.body != "\"The secret is to bang the rocks together, guys.\"\n" || r.h.Get("Content-Type") != ctJSON {
		t.Errorf("ping %q", r.body)
	}
	r = get(t, f.url+"/refget/1/sequence/"+f.md5A+"/metadata", "Accept", "application/vnd.ga4gh.refget.v1.0.0+json")
	if r.status != 200 || r.h.Get("Content-Type") != ctV1JSON || !strings.HasPrefix(r.body, "{\n  \"metadata\": {\n    \"aliases\": [\n      {\n        \"alias\": \""+f.md5A+"\",\n        \"naming_authority\": \"MD5\"\n      },") ||
		!strings.HasSuffix(r.body, "    \"id\": \""+f.a+"\",\n    \"length\": 1000,\n    \"md5\": \""+f.md5A+"\",\n    \"trunc512\": \""+f.trunc512+"\"\n  }\n}\n") {
		t.Errorf("v1 metadata: %d %s", r.status, r.body)
	}
	r = get(t, f.url+"/refget/1/sequence/some1111garbage1111ID/metadata")
	if r.status != 404 || r.body != "" {
		t.Errorf("v1 metadata garbage: %d %q", r.status, r.body)
	}
	r = get(t, f.url+"/refget/1/sequence/service-info")
	if r.status != 200 || !strings.HasPrefix(r.body, "{\n  \"service\": {\n    \"algorithms\": [\n      \"md5\",\n      \"trunc512\"\n    ],\n    \"circular_supported\": false,\n    \"subsequence_limit\": null,\n    \"supported_api_versions\": [\n      \"1.0\"\n    ]\n  },\n  \"x-config\": {") {
		t.Errorf("v1 service-info: %s", r.body)
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	get(t, f.url+"/sequence/"+f.md5A+"?start=0&end=100")
	get(t, f.url+"/sequence/nope")
	r := get(t, f.url+"/healthz")
	if r.status != 200 || r.body != "ok\n" {
		t.Errorf("healthz %d %q", r.status, r.body)
	}
	r = get(t, f.url+"/metrics")
	for _, want := range []string{
		`seqfs_http_requests_total{route="GET /sequence/{id}",code="200"} 1`,
		`seqfs_http_requests_total{route="GET /sequence/{id}",code="404"} 1`,
		`seqfs_http_response_bytes_total{route="GET /sequence/{id}"}`,
		`seqfs_http_request_duration_seconds_count{route="GET /sequence/{id}"} 2`,
		`seqfs_http_errors_total{route="GET /sequence/{id}"} 0`,
		"seqfs_resolve_cache_misses_total 2",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// CORS preflight.
	req, _ := http.NewRequest("OPTIONS", f.url+"/sequence/x", nil)
	req.Header.Set("Origin", "https://example.org")
	req.Header.Set("Access-Control-Request-Headers", "range")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Range") {
		t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
	}
	// Unknown route.
	if r := get(t, f.url+"/nothing/here"); r.status != 404 {
		t.Errorf("unknown route %d", r.status)
	}
}

func TestCacheHits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for i := 0; i < 5; i++ {
		get(t, f.url+"/sequence/"+f.md5A+"?start=0&end=10")
	}
	if h, m := f.srv.metrics.hits.Load(), f.srv.metrics.misses.Load(); h != 4 || m != 1 {
		t.Errorf("hits %d misses %d, want 4 1", h, m)
	}
	// Bounded.
	c := newLRU(2)
	c.add("a", resolved{seqID: "1"})
	c.add("b", resolved{seqID: "2"})
	c.get("a")
	c.add("c", resolved{seqID: "3"})
	if _, ok := c.get("b"); ok || c.len() != 2 {
		t.Errorf("LRU kept the least recently used entry")
	}
	if v, ok := c.get("a"); !ok || v.seqID != "1" {
		t.Errorf("LRU lost a")
	}
}

func TestSourceFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	// Failure before anything is sent: 503 with Retry-After.
	f.src.mu.Lock()
	f.src.failAt = 0
	f.src.mu.Unlock()
	r := get(t, f.url+"/sequence/"+f.md5A)
	if r.status != 503 || r.h.Get("Retry-After") == "" {
		t.Errorf("unavailable: %d %v", r.status, r.h)
	}
	// Failure mid-body: the client sees a short body, never wrong bytes.
	f.src.mu.Lock()
	f.src.failAt = bufSize
	f.src.mu.Unlock()
	res, err := http.Get(f.url + "/sequence/" + f.md5B)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("mid-body failure: read %d bytes, err %v; want unexpected EOF", len(b), err)
	}
	if !strings.HasPrefix(f.seqB, string(b)) {
		t.Errorf("partial body is not a prefix of the sequence")
	}
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{MaxInFlight: 1})
	f.src.block = make(chan struct{})
	done := make(chan resp)
	go func() {
		res, err := http.Get(f.url + "/sequence/" + f.md5A + "?end=10")
		if err != nil {
			done <- resp{status: -1}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- resp{status: res.StatusCode, body: string(b)}
	}()
	// Wait until the first request holds the slot.
	deadline := time.Now().Add(5 * time.Second)
	for f.srv.metrics.inFlight.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	r := get(t, f.url+"/sequence/"+f.md5A+"?end=10")
	if r.status != 503 {
		t.Errorf("second request: %d, want 503", r.status)
	}
	if r := get(t, f.url+"/healthz"); r.status != 200 {
		t.Errorf("healthz under load: %d", r.status)
	}
	close(f.src.block)
	if got := <-done; got.status != 200 || got.body != f.seqA[:10] {
		t.Errorf("first request: %+v", got)
	}
}

// TestServeTimeoutsAndShutdown runs Serve on a real listener: a client
// that never finishes its headers is cut off after the header timeout and
// does not hold others up; cancelling the context shuts down gracefully.
func TestServeTimeoutsAndShutdown(t *testing.T) {
	src := newMemSource()
	src.add("ACGTACGT", true)
	d, _ := repo.ComputeDigests([]byte("ACGTACGT"))
	srv := New(src, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ctx, ln, Timeouts{ReadHeader: 300 * time.Millisecond, Read: time.Second}) }()
	base := "http://" + ln.Addr().String()

	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Write([]byte("GET /sequence/" + d.MD5 + " HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if r := get(t, base+"/sequence/"+d.MD5); r.status != 200 || r.body != "ACGTACGT" {
		t.Errorf("request while a slow client is connected: %d %q", r.status, r.body)
	}
	if el := time.Since(t0); el > 250*time.Millisecond {
		t.Errorf("other request took %v while a slow client was connected", el)
	}
	slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf, _ := io.ReadAll(slow) // server closes the connection
	if el := time.Since(t0); el > 3*time.Second {
		t.Errorf("slow client held for %v", el)
	}
	if len(buf) > 0 && !bytes.Contains(buf, []byte("408")) && !bytes.Contains(buf, []byte("400")) {
		t.Errorf("slow client got %q", buf)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestEncodeJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   any
		want string
	}{
		{map[string]any{"b": 1, "a": []string{}, "c": map[string]any{}}, "{\n  \"a\": [],\n  \"b\": 1,\n  \"c\": {}\n}\n"},
		{"<&> é 😀 \u2028 \x01", "\"<&> \\u00e9 \\ud83d\\ude00 \\u2028 \\u0001\"\n"},
		{nil, "null\n"},
	} {
		got, err := encodeJSON(c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("encodeJSON(%v) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2016, 8, 24, 5, 3, 11, 0, time.UTC), "2016-08-24T05:03:11Z"},
		{time.Date(2016, 8, 24, 5, 3, 11, 123456789, time.UTC), "2016-08-24T05:03:11.123456Z"},
		{time.Date(2016, 8, 24, 7, 3, 11, 0, time.FixedZone("x", 7200)), "2016-08-24T05:03:11Z"},
	} {
		if got := isoZ(c.t); got != c.want {
			t.Errorf("isoZ = %q, want %q", got, c.want)
		}
	}
}

func TestParsers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		h           string
		first, last int64
		ok          bool
	}{
		{"bytes=0-0", 0, 0, true},
		{"bytes=10-19", 10, 19, true},
		{"bytes=99999999999999999999-1", 1<<63 - 1, 1, true},
		{"bytes=-10", 0, 10, true},
		{"bytes=10-", 10, 0, true},
		{"bytes=-", 0, 0, false},
		{"bytes=--1", 0, 0, false},
		{"bytes=1-2,3-4", 0, 0, false},
		{"bytes= 1-2", 0, 0, false},
		{"Bytes=1-2", 0, 0, false},
		{"", 0, 0, false},
	} {
		br, err := ParseRange(c.h)
		if (err == nil) != c.ok || c.ok && (br.First != c.first || br.Last != c.last) {
			t.Errorf("ParseRange(%q) = %+v, %v", c.h, br, err)
		}
	}
	q, err := parseQuery("start=1&end=%32&x=y&start=9&&a%20b=1")
	if err != nil || q.start != "1" || q.end != "2" || !q.hasStart || !q.hasEnd || strings.Join(q.unknown, "|") != "x|a b" {
		t.Errorf("parseQuery = %+v, %v", q, err)
	}
	if _, err := parseQuery("start=%zz"); err == nil {
		t.Errorf("parseQuery accepted a bad escape")
	}
	offers := []string{"a/x", "a/y", "b/z"}
	for _, c := range []struct {
		h    string
		want int
	}{
		{"", 0}, {"a/y", 1}, {"b/z;q=1, a/y", 1}, {"a/*", 0}, {"b/*", 2}, {"*/*", 0}, {"c/d", -1}, {"a/x;q=0", -1}, {"A/Y", 1}, {" , ,", -1},
	} {
		if got := negotiate(c.h, offers); got != c.want {
			t.Errorf("negotiate(%q) = %d, want %d", c.h, got, c.want)
		}
	}
}
