package refget

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
	"github.com/seqfs/seqfs/rest"
)

// openLocal opens the bundled sample instance.
func openLocal(t testing.TB) repo.Source {
	t.Helper()
	src, err := seqrepo.Open(context.Background(), testutil.SampleInstance(), seqrepo.Options{})
	if err != nil {
		t.Fatalf("open sample: %v", err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// startServer serves the sample instance with seqfs's REST server (the
// real handler on a real loopback listener), wrapped by wrap when non-nil.
func startServer(t testing.TB, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	var h http.Handler = rest.New(openLocal(t), rest.Options{}).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func openFacade(t testing.TB, rawURL string) *Source {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), u)
	if err != nil {
		t.Fatalf("Open(%s): %v", rawURL, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// facades returns both façades over one server of the sample.
func facades(t testing.TB) map[string]*Source {
	srv := startServer(t, nil)
	hostURL := strings.TrimPrefix(srv.URL, "http://")
	return map[string]*Source{
		"refget":  openFacade(t, "refget+http://"+hostURL),
		"seqrepo": openFacade(t, "seqrepo+http://"+hostURL+"/seqrepo"),
	}
}

func TestResolveAndReadLikeLocal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	local := openLocal(t)
	for name, f := range facades(t) {
		t.Run(name, func(t *testing.T) {
			for _, s := range repotest.Sample {
				ids := []string{
					"MD5:" + s.MD5, "md5:" + strings.ToUpper(s.MD5), s.MD5, strings.ToUpper(s.MD5),
					"SHA1:" + s.SHA1, "SEGUID:" + s.SEGUID,
					"VMC:GS_" + s.SeqID, "ga4gh:SQ." + s.SeqID, "SQ." + s.SeqID, "sha512t24u:" + s.SeqID,
					repo.TRUNC512(s.SeqID), strings.ToUpper(repo.TRUNC512(s.SeqID)),
					"test:" + s.TestAlias,
				}
				for _, id := range ids {
					got, err := repo.Resolve(ctx, f, id, "", repo.StyleSeqRepo)
					if err != nil || got != s.SeqID {
						t.Errorf("Resolve(%q) = %q, %v; want %q", id, got, err, s.SeqID)
					}
				}
				if got, err := repo.Resolve(ctx, f, s.TestAlias, "test", repo.StyleSeqRepo); err != nil || got != s.SeqID {
					t.Errorf("Resolve(%q, ns test) = %q, %v", s.TestAlias, got, err)
				}
				info, err := f.Info(ctx, s.SeqID)
				if err != nil || info.Length != s.Length || info.SeqID != s.SeqID {
					t.Errorf("Info(%s) = %+v, %v", s.SeqID, info, err)
				}
				if name == "seqrepo" && (info.Alphabet != s.Alphabet || !info.Added.Equal(s.Added)) {
					t.Errorf("Info(%s) = %+v; want alphabet %s, added %v", s.SeqID, info, s.Alphabet, s.Added)
				}
				for _, r := range [][2]int64{{0, 20}, {s.Length - 10, s.Length}, {1000, 1100}, {65000, 140000}, {0, repo.ToEnd}, {s.Length + 5, repo.ToEnd}} {
					want, err := repo.Slice(ctx, local, s.SeqID, r[0], r[1])
					if err != nil {
						t.Fatal(err)
					}
					got, err := repo.Slice(ctx, f, s.SeqID, r[0], r[1])
					if err != nil || string(got) != string(want) {
						t.Errorf("Slice(%s, %d, %d): %v, %d bytes, equal %v", s.SeqID, r[0], r[1], err, len(got), string(got) == string(want))
					}
				}
			}
			for _, id := range []string{"MD5:00000000000000000000000000000000", "SQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "test:nope", "nope", "ncbi:NC_001422.1"} {
				if got, err := repo.Resolve(ctx, f, id, "", repo.StyleSeqRepo); !errors.Is(err, repo.ErrNotFound) {
					t.Errorf("Resolve(%q) = %q, %v; want ErrNotFound", id, got, err)
				}
			}
		})
	}
}

func TestAliasesAndUnsupported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	local := openLocal(t)
	for name, f := range facades(t) {
		t.Run(name, func(t *testing.T) {
			for _, s := range repotest.Sample {
				got, err := repo.Aliases(ctx, f, s.SeqID)
				if err != nil {
					t.Fatalf("Aliases(%s): %v", s.SeqID, err)
				}
				want, _ := repo.Aliases(ctx, local, s.SeqID)
				if name == "refget" {
					// refget v2 metadata reports no SHA1/SEGUID aliases.
					want = slices.DeleteFunc(want, func(a repo.Alias) bool { return a.Namespace == "SHA1" || a.Namespace == "SEGUID" })
				}
				if !slices.Equal(aliasStrings(got), aliasStrings(want)) {
					t.Errorf("Aliases(%s) = %q; want %q", s.SeqID, aliasStrings(got), aliasStrings(want))
				}
				// An exact query in a namespace the metadata omits is still
				// answered from the server's resolution.
				recs, err := repo.Collect(f.FindAliases(ctx, repo.AliasQuery{Namespace: "SHA1", Alias: s.SHA1}))
				if err != nil || len(recs) != 1 || recs[0].SeqID != s.SeqID || recs[0].String() != "SHA1:"+s.SHA1 {
					t.Errorf("FindAliases(SHA1:%s) = %v, %v", s.SHA1, recs, err)
				}
				// Exact but wrong case: no match (as SeqRepo).
				recs, err = repo.Collect(f.FindAliases(ctx, repo.AliasQuery{Namespace: "MD5", Alias: strings.ToUpper(s.MD5)}))
				if err != nil || len(recs) != 0 {
					t.Errorf("FindAliases(MD5:upper) = %v, %v; want none", recs, err)
				}
			}
			for _, q := range []repo.AliasQuery{{}, {Namespace: "MD5"}, {Alias: "NC_%"}, {SeqID: "z-%"}, {Namespace: "te%", Alias: "x"}} {
				_, err := repo.Collect(f.FindAliases(ctx, q))
				if !errors.Is(err, repo.ErrUnsupported) || !strings.Contains(err.Error(), f.String()) {
					t.Errorf("FindAliases(%+v) error = %v; want ErrUnsupported naming %s", q, err, f.String())
				}
			}
			if _, err := f.Namespaces(ctx); !errors.Is(err, repo.ErrUnsupported) || !strings.Contains(err.Error(), "cannot list namespaces") {
				t.Errorf("Namespaces error = %v", err)
			}
			if _, err := repo.Collect(f.NamespaceAliases(ctx, "test")); !errors.Is(err, repo.ErrUnsupported) {
				t.Errorf("NamespaceAliases error = %v", err)
			}
			if _, err := repo.Collect(f.Sequences(ctx)); !errors.Is(err, repo.ErrUnsupported) {
				t.Errorf("Sequences error = %v", err)
			}
		})
	}
}

func aliasStrings(as []repo.Alias) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}

func TestReadSequenceSemantics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, f := range facades(t) {
		t.Run(name, func(t *testing.T) {
			s := repotest.Sample[0]
			n := s.Length
			buf := make([]byte, 64)
			if c, err := f.ReadSequence(ctx, s.SeqID, buf, n-10); c != 10 || !errors.Is(err, io.EOF) || string(buf[:10]) != s.Slices[-10] {
				t.Errorf("ReadSequence(len-10) = %d %q, %v", c, buf[:c], err)
			}
			if c, err := f.ReadSequence(ctx, s.SeqID, buf, n); c != 0 || !errors.Is(err, io.EOF) {
				t.Errorf("ReadSequence(len) = %d, %v", c, err)
			}
			for _, start := range []int64{n + 1, -1} {
				if c, err := f.ReadSequence(ctx, s.SeqID, buf, start); c != 0 || !errors.Is(err, repo.ErrBadCoordinates) {
					t.Errorf("ReadSequence(%d) = %d, %v; want ErrBadCoordinates", start, c, err)
				}
			}
			for _, id := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nope", ""} {
				if c, err := f.ReadSequence(ctx, id, buf, 0); c != 0 || !errors.Is(err, repo.ErrNotFound) {
					t.Errorf("ReadSequence(%q) = %d, %v; want ErrNotFound", id, c, err)
				}
				if _, err := f.Info(ctx, id); !errors.Is(err, repo.ErrNotFound) {
					t.Errorf("Info(%q) = %v; want ErrNotFound", id, err)
				}
			}
			// Once the metadata is cached, a small read is one request of
			// exactly the residues asked for.
			before := f.Requests()
			for i := range 10 {
				if c, err := f.ReadSequence(ctx, s.SeqID, buf[:20], 0); c != 20 || err != nil || string(buf[:20]) != s.Slices[0] {
					t.Fatalf("read %d: %d %q %v", i, c, buf[:c], err)
				}
			}
			if got := f.Requests() - before; got != 10 {
				t.Errorf("10 cached small reads sent %d requests; want 10", got)
			}
		})
	}
}

// flaky answers the first n requests with status (and Retry-After when
// retryAfter is set), then hands over to next.
type flaky struct {
	n          atomic.Int64
	fail       int64
	status     int
	retryAfter string
	next       http.Handler
	seen       atomic.Int64
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.seen.Add(1)
	if f.n.Add(1) <= f.fail {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		http.Error(w, "try again", f.status)
		return
	}
	f.next.ServeHTTP(w, r)
}

func TestRetryAndBackoff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := repotest.Sample[0]
	tests := []struct {
		name        string
		status      int
		fail        int64
		retryAfter  string
		params      string
		wantErr     error // nil: success
		wantSeen    int64
		minDuration time.Duration
	}{
		{"429 with Retry-After 1s", http.StatusTooManyRequests, 1, "1", "", nil, 2, time.Second},
		{"503 twice, backoff", http.StatusServiceUnavailable, 2, "", "&backoff=50ms", nil, 3, 75 * time.Millisecond},
		{"502 then ok", http.StatusBadGateway, 1, "", "", nil, 2, 0},
		{"503 always: unavailable", http.StatusServiceUnavailable, 100, "", "&attempts=3&backoff=10ms", repo.ErrUnavailable, 3, 15 * time.Millisecond},
		{"501 not retried", http.StatusNotImplemented, 100, "", "", repo.ErrUnsupported, 1, 0},
		{"400 not retried", http.StatusBadRequest, 100, "", "", errAny, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // the bounds are lower bounds: load cannot break them
			fl := &flaky{fail: tc.fail, status: tc.status, retryAfter: tc.retryAfter}
			srv := startServer(t, func(h http.Handler) http.Handler { fl.next = h; return fl })
			f := openFacade(t, "refget+"+srv.URL+"?cooldown=0"+tc.params)
			t0 := time.Now()
			info, err := f.Info(ctx, s.SeqID)
			el := time.Since(t0)
			switch {
			case tc.wantErr == nil && (err != nil || info.Length != s.Length):
				t.Fatalf("Info = %+v, %v; want success", info, err)
			case tc.wantErr == errAny && err == nil:
				t.Fatalf("Info succeeded; want an error")
			case tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("Info error = %v; want %v", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q does not name the server %s", err, srv.URL)
			}
			if got := fl.seen.Load(); got != tc.wantSeen {
				t.Errorf("server saw %d requests; want %d", got, tc.wantSeen)
			}
			if el < tc.minDuration {
				t.Errorf("took %v; want at least %v (backoff / Retry-After)", el, tc.minDuration)
			}
		})
	}
}

var errAny = errors.New("any error")

// TestServerDown stays serial: it asserts that a call while cooling off
// returns within 100 ms, and it relies on nothing taking the port it
// closed, which parallel tests starting servers could.
func TestServerDown(t *testing.T) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens: connection refused
	f := openFacade(t, "refget+http://"+addr+"/base?attempts=2&backoff=10ms&cooldown=1h")
	_, err = f.Info(ctx, repotest.Sample[0].SeqID)
	if !errors.Is(err, repo.ErrUnavailable) || !strings.Contains(err.Error(), "refget+http://"+addr+"/base") {
		t.Fatalf("Info on a dead server = %v; want ErrUnavailable naming the URL", err)
	}
	// Cooling off: the next call fails at once without a request.
	before := f.Requests()
	t0 := time.Now()
	recs, err := repo.Collect(f.FindAliases(ctx, repo.AliasQuery{Namespace: "MD5", Alias: repotest.Sample[0].MD5}))
	if !errors.Is(err, repo.ErrUnavailable) || f.Requests() != before || time.Since(t0) > 100*time.Millisecond {
		t.Errorf("FindAliases while down = %v, %v after %d requests in %v; want immediate ErrUnavailable", recs, err, f.Requests()-before, time.Since(t0))
	}
	// A context deadline interrupts the backoff.
	g := openFacade(t, "refget+http://"+addr+"?attempts=10&backoff=1s&cooldown=0")
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	t0 = time.Now()
	if _, err := g.Info(cctx, repotest.Sample[0].SeqID); !errors.Is(err, context.DeadlineExceeded) || time.Since(t0) > 2*time.Second {
		t.Errorf("Info with deadline = %v after %v; want DeadlineExceeded quickly", err, time.Since(t0))
	}
}

func TestMetadataCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var hits atomic.Int64
	srv := startServer(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); h.ServeHTTP(w, r) })
	})
	f := openFacade(t, "refget+"+srv.URL+"?cache=2")
	s := repotest.Sample
	for range 3 {
		if _, err := f.Info(ctx, s[0].SeqID); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.Collect(f.FindAliases(ctx, repo.AliasQuery{Namespace: "test", Alias: "nope"})); err != nil {
			t.Fatal(err)
		}
	}
	if got := hits.Load(); got != 2 {
		t.Errorf("3× (Info + missing alias) sent %d requests; want 2 (cached metadata and 404)", got)
	}
	for _, x := range s {
		f.Info(ctx, x.SeqID)
	}
	if n := f.cache.len(); n > 2 {
		t.Errorf("cache holds %d entries; bound is 2", n)
	}
}

func TestOpenURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, base, name string
		wantErr         bool
	}{
		{"refget+https://example.org/refget/", "https://example.org/refget", "refget+https://example.org/refget", false},
		{"seqrepo+http://h:5000/seqrepo?timeout=5s&attempts=2", "http://h:5000/seqrepo", "seqrepo+http://h:5000/seqrepo", false},
		{"refget+http://u:secret@h/x", "http://u:secret@h/x", "refget+http://u:xxxxx@h/x", false},
		{"refget+ftp://h/x", "", "", true},
		{"other+http://h/x", "", "", true},
		{"refget+http:///x", "", "", true},
		{"refget+http://h/x?attempts=0", "", "", true},
		{"refget+http://h/x?timeout=soon", "", "", true},
		{"refget+http://h/x?foo=1", "", "", true},
	}
	for _, tc := range tests {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(context.Background(), u)
		if tc.wantErr {
			if err == nil {
				t.Errorf("Open(%s) succeeded; want error", tc.url)
			}
			continue
		}
		if err != nil || s.base != tc.base || s.name != tc.name {
			t.Errorf("Open(%s) = base %q name %q, %v; want %q %q", tc.url, s.base, s.name, err, tc.base, tc.name)
		}
	}
}
