package rest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// TestLikePatternsRefused: '%' in an identifier would be an SQL LIKE
// pattern (a scan; "%" alone matches every sequence and answered a 2 MB
// 409). Every endpoint refuses it with a short 400.
func TestLikePatternsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	for _, p := range []string{
		"/sequence/%25", "/sequence/%25/metadata", "/sequence/NC_%25", "/sequence/refseq:NC_%25",
		"/seqrepo/1/sequence/%25", "/seqrepo/1/metadata/NC_%25", "/seqrepo/1/sequence/refseq:NC_000001%25",
		"/refget/1/sequence/%25", "/refget/1/sequence/%25/metadata",
	} {
		r := get(t, f.url+p)
		if r.status != 400 || len(r.body) > 300 || !strings.Contains(r.body, "LIKE patterns are not accepted") {
			t.Errorf("%s: %d %.300q; want a short 400 naming the refusal", p, r.status, r.body)
		}
	}
	// refget v2 does not apply the seqrepo-REST hex-prefix heuristic (a
	// LIKE 'hex%' query); /seqrepo/1 keeps it for compatibility.
	if r := get(t, f.url+"/sequence/"+f.md5A[:10]); r.status != 404 {
		t.Errorf("v2 hex prefix: %d, want 404", r.status)
	}
	if r := get(t, f.url+"/seqrepo/1/sequence/"+f.md5A[:10]+"?end=5"); r.status != 200 || r.body != f.seqA[:5] {
		t.Errorf("/seqrepo/1 hex prefix: %d %q", r.status, r.body)
	}
}

// TestErrorBodiesHideServerPaths: 5xx bodies carry a fixed detail, not the
// storage error (which names files); permission problems are 500, not a
// retryable 503.
func TestErrorBodiesHideServerPaths(t *testing.T) {
	t.Parallel()
	const secret = "/srv/secret/seqrepo/2024-02-20/sequences/2024/0101/1700000000.fa.bgz"
	for _, c := range []struct {
		name  string
		err   error
		code  int
		retry bool
	}{
		{"unavailable", repo.Unavailable(secret, errors.New("connection reset")), 503, true},
		{"corrupt", repo.Corrupt(secret, errors.New("bad block")), 500, false},
		{"permission", fmt.Errorf("open %s: %w", secret, fs.ErrPermission), 500, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Options{})
			f.src.ReadHook = func(context.Context, string, int64) error { return c.err }
			for _, p := range []string{"/sequence/" + f.md5A, "/seqrepo/1/sequence/" + f.md5A, "/refget/1/sequence/" + f.md5A} {
				r := get(t, f.url+p)
				if r.status != c.code || strings.Contains(r.body, "/srv") || (r.h.Get("Retry-After") != "") != c.retry {
					t.Errorf("%s: %d Retry-After %q body %q; want %d without the path", p, r.status, r.h.Get("Retry-After"), r.body, c.code)
				}
			}
		})
	}
}

// TestExtraParameterBody: connexion answers an unknown query parameter
// with an ExtraParameterProblem, whose title is null.
func TestExtraParameterBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	want := "{\n  \"detail\": \"Extra query parameter(s) foo not in spec\",\n  \"status\": 400,\n  \"title\": null,\n  \"type\": \"about:blank\"\n}\n"
	for _, p := range []string{
		"/seqrepo/1/sequence/NC_000001.1?start=1&foo=1&foo=2",
		"/seqrepo/1/metadata/NC_000001.1?foo=1",
		"/refget/1/sequence/" + f.md5A + "?foo=1",
		"/refget/1/ping?foo=",
	} {
		r := get(t, f.url+p)
		if r.status != 400 || r.body != want || r.h.Get("Content-Type") != ctProblem {
			t.Errorf("%s: %d %q %q\nwant %q", p, r.status, r.h.Get("Content-Type"), r.body, want)
		}
	}
	// Other validation errors keep connexion's BadRequestProblem title.
	if r := get(t, f.url+"/seqrepo/1/sequence/NC_000001.1?start=x"); !strings.Contains(r.body, `"title": "Bad Request"`) {
		t.Errorf("wrong-type body %q", r.body)
	}
}
