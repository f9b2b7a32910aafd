package rest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// seqcolFixture is a server whose source holds three collections over the
// fixture's sequences: "ab" (chrA, chrB), "ba" (the same, reversed) and
// "a" (chrA alone).
type seqcolFixture struct {
	*fixture
	ab, ba, a string // level-0 digests
	colls     map[string]repo.Collection
}

func newSeqcolFixture(t *testing.T) *seqcolFixture {
	t.Helper()
	f := &seqcolFixture{fixture: newFixture(t, Options{}), colls: map[string]repo.Collection{}}
	lenA, lenB := int64(len(f.seqA)), int64(len(f.seqB))
	store := func(name string, c repo.Collection) string {
		d, err := f.src.StoreCollection(context.Background(), name, c)
		if err != nil {
			t.Fatal(err)
		}
		f.colls[d] = c
		return d
	}
	f.ab = store("ab", repo.Collection{Names: []string{"chrA", "chrB"}, SeqIDs: []string{f.fixture.a, f.b}, Lengths: []int64{lenA, lenB}})
	f.ba = store("ba", repo.Collection{Names: []string{"chrB", "chrA"}, SeqIDs: []string{f.b, f.fixture.a}, Lengths: []int64{lenB, lenA}})
	f.a = store("a", repo.Collection{Names: []string{"chrA"}, SeqIDs: []string{f.fixture.a}, Lengths: []int64{lenA}})
	return f
}

func post(t *testing.T, url, body string) resp {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, string(b), res.Header}
}

func TestSeqcolCollection(t *testing.T) {
	t.Parallel()
	f := newSeqcolFixture(t)
	want2 := string(repo.NewSeqcol(f.colls[f.ab]).Level2JSON())
	want1 := string(repo.NewSeqcol(f.colls[f.ab]).Level1JSON())
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/collection/" + f.ab, 200, want2},
		{"/collection/" + f.ab + "?level=2", 200, want2},
		{"/collection/" + f.ab + "?level=1", 200, want1},
		{"/collection/ab?level=1", 200, want1}, // a name, as a seqfs extension
		{"/collection/" + f.ab + "?level=0", 400, ""},
		{"/collection/" + f.ab + "?level=3", 400, ""},
		{"/collection/" + f.ab + "?level=1&level=2", 400, ""},
		{"/collection/" + f.ab + "?level=%zz", 400, ""},
		{"/collection/" + f.fixture.a, 404, ""}, // a sequence, not a collection
		{"/collection/nonsense", 404, ""},
	}
	for _, tt := range tests {
		r := get(t, f.url+tt.path)
		if r.status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.path, r.status, r.body, tt.status)
			continue
		}
		if tt.status == 200 && (r.body != tt.body || r.h.Get("Content-Type") != "application/json") {
			t.Errorf("%s: %s %s\nwant %s", tt.path, r.h.Get("Content-Type"), r.body, tt.body)
		}
		if tt.status != 200 && r.h.Get("Content-Type") != ctProblem {
			t.Errorf("%s: error Content-Type %s", tt.path, r.h.Get("Content-Type"))
		}
	}
	var l2 map[string][]any
	if err := json.Unmarshal([]byte(want2), &l2); err != nil || len(l2) != 5 || len(l2["names"]) != 2 {
		t.Errorf("level 2 %s: %v", want2, err)
	}
}

func TestSeqcolComparison(t *testing.T) {
	t.Parallel()
	f := newSeqcolFixture(t)
	var cmp repo.SeqcolComparison
	r := get(t, f.url+"/comparison/"+f.ab+"/"+f.ba)
	if r.status != 200 {
		t.Fatalf("comparison: %d %s", r.status, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), &cmp); err != nil {
		t.Fatal(err)
	}
	want := repo.CompareSeqcols(repo.NewSeqcol(f.colls[f.ab]), repo.NewSeqcol(f.colls[f.ba]))
	if !reflect.DeepEqual(cmp, want) {
		t.Errorf("comparison %s, want %+v", r.body, want)
	}
	if !strings.Contains(r.body, `"a_and_b_same_order":{"lengths":false,"name_length_pairs":false,"names":false,"sequences":false,"sorted_sequences":true}`) {
		t.Errorf("comparison %s", r.body)
	}
	for _, p := range []string{"/comparison/" + f.ab + "/nonsense", "/comparison/nonsense/" + f.ab} {
		if r := get(t, f.url+p); r.status != 404 {
			t.Errorf("%s: %d", p, r.status)
		}
	}

	// POST the level-2 form of "a": identical to the stored "a".
	body := string(repo.NewSeqcol(f.colls[f.a]).Level2JSON())
	r = post(t, f.url+"/comparison/"+f.a, body)
	if r.status != 200 {
		t.Fatalf("POST comparison: %d %s", r.status, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), &cmp); err != nil {
		t.Fatal(err)
	}
	if cmp.Digests.B == nil || *cmp.Digests.B != f.a || len(cmp.Attributes.AOnly)+len(cmp.Attributes.BOnly) != 0 {
		t.Errorf("POST comparison: %s", r.body)
	}
	// Only the base schema posted: the server derives the rest.
	minimal := `{"names":["chrA"],"lengths":[1000],"sequences":["SQ.` + f.fixture.a + `"]}`
	if r := post(t, f.url+"/comparison/"+f.ab, minimal); r.status != 200 || !strings.Contains(r.body, `"a_only":[]`) {
		t.Errorf("POST minimal: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		path, body string
		status     int
	}{
		{"/comparison/" + f.a, `{"names":["x"]}`, 400},
		{"/comparison/" + f.a, `not json`, 400},
		{"/comparison/" + f.a, ``, 400},
		{"/comparison/nonsense", body, 404},
	} {
		if r := post(t, f.url+c.path, c.body); r.status != c.status || r.h.Get("Content-Type") != ctProblem {
			t.Errorf("POST %s %q: %d %s, want %d", c.path, c.body, r.status, r.body, c.status)
		}
	}
	// Bodies over the limit are refused without being read whole.
	res, err := http.Post(f.url+"/comparison/"+f.a, "application/json", io.LimitReader(spaces{}, maxSeqcolBody+1))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", res.StatusCode)
	}
}

// spaces is an endless reader of JSON whitespace.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

type page struct {
	Results    []string
	Pagination struct {
		Page     int `json:"page"`
		PageSize int `json:"page_size"`
		Total    int `json:"total"`
	}
}

func getPage(t *testing.T, url string) (page, int) {
	t.Helper()
	r := get(t, url)
	var p page
	if r.status == 200 {
		if err := json.Unmarshal([]byte(r.body), &p); err != nil {
			t.Fatalf("%s: %s: %v", url, r.body, err)
		}
		if p.Results == nil {
			t.Errorf("%s: results is not an array: %s", url, r.body)
		}
	}
	return p, r.status
}

func TestSeqcolList(t *testing.T) {
	t.Parallel()
	f := newSeqcolFixture(t)
	all := []string{f.ab, f.ba, f.a}
	slices.Sort(all)
	ab := repo.NewSeqcol(f.colls[f.ab])
	l1 := func(attr string) string { d, _ := ab.Level1(attr); return d }
	tests := []struct {
		query  string
		status int
		want   []string
		total  int
	}{
		{"", 200, all, 3},
		{"?page=0&page_size=2", 200, all[:2], 3},
		{"?page=1&page_size=2", 200, all[2:], 3},
		{"?page=5&page_size=2", 200, []string{}, 3},
		{"?page=2147483647&page_size=10000", 200, []string{}, 3},
		{"?names=" + l1("names"), 200, []string{f.ab}, 1},
		// ab and ba share their sequences in another order.
		{"?sorted_sequences=" + l1("sorted_sequences"), 200, sortedOf(f.ab, f.ba), 2},
		{"?sorted_name_length_pairs=" + l1("sorted_name_length_pairs"), 200, sortedOf(f.ab, f.ba), 2},
		{"?sorted_sequences=" + l1("sorted_sequences") + "&names=" + l1("names"), 200, []string{f.ab}, 1},
		{"?names=nothing", 200, []string{}, 0},
		{"?page=-1", 400, nil, 0},
		{"?page_size=0", 400, nil, 0},
		{"?page_size=10001", 400, nil, 0},
		{"?page=x", 400, nil, 0},
		{"?page=1&page=2", 400, nil, 0},
		{"?colour=red", 400, nil, 0},
		{"?names=a&names=b", 400, nil, 0},
	}
	for _, tt := range tests {
		p, st := getPage(t, f.url+"/list/collection"+tt.query)
		if st != tt.status {
			t.Errorf("%s: %d, want %d", tt.query, st, tt.status)
			continue
		}
		if st == 200 && (!reflect.DeepEqual(p.Results, tt.want) || p.Pagination.Total != tt.total) {
			t.Errorf("%s: %+v, want %v total %d", tt.query, p, tt.want, tt.total)
		}
	}

	p, st := getPage(t, f.url+"/list/attributes/sorted_sequences")
	if st != 200 || p.Pagination.Total != 2 || p.Pagination.PageSize != 100 {
		t.Errorf("list attributes: %d %+v", st, p)
	}
	if _, st := getPage(t, f.url+"/list/attributes/colour"); st != 404 {
		t.Errorf("unknown attribute: %d", st)
	}
	if _, st := getPage(t, f.url+"/list/attributes/names?names=x"); st != 400 {
		t.Errorf("filter on attribute list: %d", st)
	}

	// /attribute returns level-2 values; transient ones have none.
	r := get(t, f.url+"/attribute/collection/names/"+l1("names"))
	if r.status != 200 || r.body != `["chrA","chrB"]` {
		t.Errorf("attribute names: %d %s", r.status, r.body)
	}
	r = get(t, f.url+"/attribute/collection/lengths/"+l1("lengths"))
	if r.status != 200 || r.body != `[1000,600000]` {
		t.Errorf("attribute lengths: %d %s", r.status, r.body)
	}
	for _, p := range []string{
		"/attribute/collection/sorted_name_length_pairs/" + l1("sorted_name_length_pairs"),
		"/attribute/collection/names/" + l1("lengths"),
		"/attribute/collection/colour/" + l1("names"),
	} {
		if r := get(t, f.url+p); r.status != 404 {
			t.Errorf("%s: %d", p, r.status)
		}
	}

	// A collection stored later appears once the index is refreshed.
	f.srv.seqcol.ttl = 0
	d, err := f.src.StoreCollection(context.Background(), "b", repo.Collection{Names: []string{"chrB"}, SeqIDs: []string{f.b}, Lengths: []int64{600000}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, _ := getPage(t, f.url+"/list/collection")
		if p.Pagination.Total == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("collection %s not listed after a refresh: %+v", d, p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sortedOf(ss ...string) []string { slices.Sort(ss); return ss }

// onlySource hides every interface of a source but repo.Source.
type onlySource struct{ repo.Source }

// A source without collections answers 404 and empty lists, never 500.
func TestSeqcolWithoutCollections(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	srv := New(onlySource{f.src}, Options{Logger: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for _, p := range []string{"/collection/" + f.a, "/comparison/" + f.a + "/" + f.a, "/attribute/collection/names/" + f.a} {
		if r := get(t, ts.URL+p); r.status != 404 {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	for _, p := range []string{"/list/collection", "/list/attributes/names"} {
		if pg, st := getPage(t, ts.URL+p); st != 200 || pg.Pagination.Total != 0 || len(pg.Results) != 0 {
			t.Errorf("%s: %d %+v", p, st, pg)
		}
	}
	if r := post(t, ts.URL+"/comparison/"+f.a, `{"names":[],"lengths":[],"sequences":[]}`); r.status != 404 {
		t.Errorf("POST: %d", r.status)
	}
}

func TestSeqcolServiceInfoAndOpenAPI(t *testing.T) {
	t.Parallel()
	f := newSeqcolFixture(t)
	var si struct {
		Type   struct{ Artifact string }
		Seqcol struct {
			Schema struct {
				Properties map[string]any
				GA4GH      struct{ Inherent, Transient []string } `json:"ga4gh"`
			}
		}
	}
	r := get(t, f.url+"/service-info")
	if err := json.Unmarshal([]byte(r.body), &si); err != nil {
		t.Fatal(err)
	}
	if si.Type.Artifact != "refget" || len(si.Seqcol.Schema.Properties) != 6 ||
		!reflect.DeepEqual(si.Seqcol.Schema.GA4GH.Inherent, []string{"names", "sequences"}) ||
		!reflect.DeepEqual(si.Seqcol.Schema.GA4GH.Transient, []string{"sorted_name_length_pairs"}) {
		t.Errorf("service-info: %s", r.body)
	}
	r = get(t, f.url+"/openapi.json")
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]any
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || r.status != 200 {
		t.Fatalf("openapi.json: %d %v", r.status, err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	// Every registered route is described.
	for _, p := range []string{"/service-info", "/sequence/{id}", "/collection/{digest}", "/comparison/{a}/{b}", "/comparison/{a}",
		"/list/collection", "/list/attributes/{attr}", "/attribute/collection/{attr}/{digest}"} {
		if doc.Paths[p] == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
	if doc.Paths["/comparison/{a}"]["post"] == nil {
		t.Errorf("openapi.json: no POST /comparison/{a}")
	}
	// CORS preflight allows the POST.
	req, _ := http.NewRequest("OPTIONS", f.url+"/comparison/"+f.a, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight allows %q", res.Header.Get("Access-Control-Allow-Methods"))
	}
}
