// Package rest serves any repo.Source over HTTP: GA4GH refget v2 at
// /sequence/… and /service-info, the refget v1 API of seqrepo-rest-service
// at /refget/1/…, its SeqRepo API at /seqrepo/1/…, plus /healthz and
// Prometheus metrics at /metrics.
//
// The /seqrepo/1 and /refget/1 responses are byte-compatible with
// biocommons seqrepo-rest-service (JSON with sorted keys, indent 2, a
// trailing newline, ISO dates with "Z"; the same content types, status
// codes and identifier heuristics), except where that service answers 500
// for a client mistake: an ambiguous refget identifier is 409 Conflict, and
// an odd-length hexadecimal digest is 404 Not Found (it names no sequence).
//
// Deliberate differences, for an unauthenticated public endpoint:
//
//   - An identifier containing '%' is refused on every endpoint with 400
//     ("SQL LIKE patterns are not accepted"). SeqRepo runs such an alias as
//     an SQL LIKE pattern: the Python service answers a unique prefix match
//     (ros% → rose) after a scan of the alias table, and "%" alone matches
//     every sequence (a 2 MB ambiguity listing). seqfs does not treat '%'
//     literally either, since the stores would still read it as a pattern.
//     seqrepo-rest-service's own hex-digest heuristic (8 or more hex digits
//     are an MD5 or TRUNC512 prefix) is kept on /seqrepo/1 and /refget/1;
//     refget v2 names sequences by whole digests and does not apply it.
//   - 5xx bodies carry a fixed detail ("the sequence source is unavailable;
//     retry later", or an internal error); the full error, which names
//     files and hosts, goes to the server log. 503 (with Retry-After) means
//     retrying may succeed; any other storage failure (corrupt data,
//     permission problems) is 500. A 409 from a federation does not name
//     the sources that disagree.
//   - refget v2 serves every RFC 9110 single byte range: "bytes=first-last",
//     "bytes=first-" and the suffix "bytes=-n" (206 with Content-Range; 416
//     for a first offset at or past the end or an empty suffix). /refget/1
//     keeps the Python service's rule (only bytes=first-last, else 400).
//
// Slow clients: a response is written in chunks of at most 32 KiB from a
// pooled buffer, each under its own write deadline (--write-timeout), so a
// client that stops reading holds at most one buffer and is cut off when a
// chunk cannot be delivered in time. The in-flight limit (MaxInFlight)
// counts requests resolving identifiers or reading the source; a request
// blocked writing to its client holds no slot, so slow readers cannot keep
// others from being served.
//
// /healthz answers 200 "ok" when every source can answer, and 503
// "degraded: …" when one cannot (a federation member that is down, or the
// only source; see repo.CheckHealth), so that monitors and load balancers
// acting on the status code notice; the server log names the source.
package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Version is reported by /seqrepo/1/ping and the service-info endpoints.
	Version string
	// Root names the served instance (reported as seqrepo.root by
	// /seqrepo/1/ping and /refget/1/sequence/service-info).
	Root string
	// CacheSize bounds the identifier-resolution LRU (entries per
	// identifier style); 0 means 100,000, negative disables the cache.
	CacheSize int
	// MaxInFlight limits the requests resolving identifiers or reading the
	// source at once (not those blocked writing to a slow client); a new
	// request beyond it is answered 503 with Retry-After, while a long
	// response already under way waits for a slot between chunks. 0 means
	// 1024; negative means no limit.
	MaxInFlight int
	// AccessLog receives one JSON line per request (time, level, msg,
	// remote, method, uri, route, status, bytes, ms — the shape of
	// slog.JSONHandler); nil disables access logging. Writes are
	// serialised by the Server; wrap slow writers in a BufferedWriter.
	AccessLog io.Writer
	// Logger receives server errors; nil means slog.Default().
	Logger *slog.Logger
}

// Timeouts bound how long a connection may take; zero fields get defaults.
type Timeouts struct {
	ReadHeader time.Duration // default 10s
	Read       time.Duration // default 30s
	Write      time.Duration // per response chunk; default 60s
	Idle       time.Duration // default 120s
	Shutdown   time.Duration // grace period on shutdown; default 10s
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.ReadHeader, 10*time.Second)
	def(&t.Read, 30*time.Second)
	def(&t.Write, 60*time.Second)
	def(&t.Idle, 120*time.Second)
	def(&t.Shutdown, 10*time.Second)
	return t
}

// Server answers HTTP requests from a repo.Source. It is safe for
// concurrent use; create it with New.
type Server struct {
	src      repo.Source
	opts     Options
	log      *slog.Logger
	mux      *http.ServeMux
	metrics  *metrics
	v2, rest *resolver
	sem      chan struct{}
	logMu    sync.Mutex
	bufPool  sync.Pool
	writeTO  time.Duration // per-chunk write deadline for long bodies
	health   healthState
	seqcol   *seqcolService
}

// bufSize is the size of pooled sequence buffers; longer bodies are
// streamed in chunks of this size, so it bounds what a client that stops
// reading keeps allocated.
const bufSize = 32 << 10

// New returns a Server over src.
func New(src repo.Source, opts Options) *Server {
	if opts.CacheSize == 0 {
		opts.CacheSize = 100_000
	}
	if opts.MaxInFlight == 0 {
		opts.MaxInFlight = 1024
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	s := &Server{src: src, opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if opts.MaxInFlight > 0 {
		s.sem = make(chan struct{}, opts.MaxInFlight)
	}
	s.bufPool.New = func() any { b := make([]byte, bufSize); return &b }
	routes := s.routes()
	s.metrics = newMetrics(routes)
	s.v2 = &resolver{src: src, style: repo.StyleRefget, cache: newLRU(opts.CacheSize), hits: &s.metrics.hits, misses: &s.metrics.misses}
	s.rest = &resolver{src: src, style: repo.StyleREST, cache: newLRU(opts.CacheSize), hits: &s.metrics.hits, misses: &s.metrics.misses}
	return s
}

// routes registers every handler and returns the patterns.
func (s *Server) routes() []string {
	var pats []string
	h := func(pattern string, f http.HandlerFunc) {
		s.mux.HandleFunc(pattern, f)
		pats = append(pats, pattern)
	}
	// refget v2 (also accepts v1 media types).
	h("GET /sequence/service-info", s.serviceInfoV2)
	h("GET /service-info", s.serviceInfoV2)
	h("GET /sequence/{id}", s.sequenceV2)
	h("GET /sequence/{id}/metadata", s.metadataV2)
	// seqrepo-rest-service: refget v1.
	h("GET /refget/1/ping", s.pingRefget1)
	h("GET /refget/1/sequence/service-info", s.serviceInfoRefget1)
	h("GET /refget/1/sequence/{id}", s.sequenceRefget1)
	h("GET /refget/1/sequence/{id}/metadata", s.metadataRefget1)
	// seqrepo-rest-service: SeqRepo API.
	h("GET /seqrepo/1/ping", s.pingSeqRepo)
	h("GET /seqrepo/1/sequence/{alias}", s.sequenceSeqRepo)
	h("GET /seqrepo/1/metadata/{alias}", s.metadataSeqRepo)
	// GA4GH refget sequence collections (seqcol 1.0).
	s.seqcolRoutes(h)
	// Operations.
	h("GET /healthz", s.healthz)
	h("GET /metrics", s.serveMetrics)
	return pats
}

// Handler returns the HTTP handler with CORS, the concurrency limit,
// metrics and access logging applied.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Shared header values (never modified after init).
var (
	hvStar         = []string{"*"}
	hvAllowMethods = []string{"GET, HEAD, POST, OPTIONS"}
	hvAllowHeaders = []string{"Accept, Range, Content-Type, Authorization"}
	hvExpose       = []string{"Content-Length, Content-Range, Accept-Ranges, Content-Type"}
	hvMaxAge       = []string{"86400"}
)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	h := w.Header()
	h["Access-Control-Allow-Origin"] = hvStar
	h["Access-Control-Expose-Headers"] = hvExpose
	rw := &statusWriter{ResponseWriter: w}
	// Flask's strict_slashes=False: "/x/" is "/x".
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r.URL.Path = strings.TrimRight(p, "/")
		if r.URL.Path == "" {
			r.URL.Path = "/"
		}
		r.URL.RawPath = ""
	}
	isOps := r.URL.Path == "/healthz" || r.URL.Path == "/metrics"
	switch {
	case r.Method == http.MethodOptions:
		h["Access-Control-Allow-Methods"] = hvAllowMethods
		h["Access-Control-Allow-Headers"] = hvAllowHeaders
		h["Access-Control-Max-Age"] = hvMaxAge
		rw.WriteHeader(http.StatusNoContent)
		r.Pattern = "OPTIONS"
	case isOps:
		s.mux.ServeHTTP(rw, r)
	case !rw.admit(s):
		s.metrics.rejected.Add(1)
		h.Set("Retry-After", "1")
		writeProblem(rw, http.StatusServiceUnavailable, "too many concurrent requests")
	default:
		s.mux.ServeHTTP(rw, r)
		rw.release()
	}
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	d := time.Since(t0)
	s.metrics.route(r.Pattern).observe(rw.status, rw.n, d)
	if s.opts.AccessLog != nil {
		s.logRequest(t0, r, rw.status, rw.n, d)
	}
}

// statusWriter records the status and body size of a response, and holds
// the request's in-flight slot while the handler works.
//
// The in-flight limit counts requests that are resolving identifiers or
// reading the source, not connections: the slot is released before any
// byte is written to the client, and a long body takes it back (waiting,
// not refusing) only for each chunk read from the source. A client that
// stops reading therefore blocks in a write holding no slot and one chunk
// buffer, until the per-chunk write deadline cuts it off.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
	srv    *Server
	holds  bool // holds a slot of srv.sem (or is counted in flight)
}

// admit takes an in-flight slot for a new request without waiting; false
// means the server is at its limit.
func (w *statusWriter) admit(s *Server) bool {
	w.srv = s
	if s.sem != nil {
		select {
		case s.sem <- struct{}{}:
		default:
			return false
		}
	}
	w.holds = true
	s.metrics.inFlight.Add(1)
	return true
}

// reacquire takes a slot back for more work on an admitted request,
// waiting for one; it fails only when ctx ends.
func (w *statusWriter) reacquire(ctx context.Context) error {
	if w.holds || w.srv == nil {
		return nil
	}
	if w.srv.sem != nil {
		select {
		case w.srv.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	w.holds = true
	w.srv.metrics.inFlight.Add(1)
	return nil
}

// release gives the slot back, if held.
func (w *statusWriter) release() {
	if !w.holds {
		return
	}
	w.holds = false
	w.srv.metrics.inFlight.Add(-1)
	if w.srv.sem != nil {
		<-w.srv.sem
	}
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.release() // writing may block on the client
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.release()
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	b := s.metrics.render(s.v2.cache.len() + s.rest.cache.len())
	b = repo.AppendPrometheus(b, repo.CountersOf(s.src)) // cache, federation, remote stores
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting, lets requests in flight finish within
// the shutdown grace period, and returns nil. Other failures are returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener, t Timeouts) error {
	t = t.withDefaults()
	s.writeTO = t.Write
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), t.Shutdown)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), serr)
	}
	if err != nil {
		srv.Close()
		return fmt.Errorf("graceful shutdown of %s: %w", ln.Addr(), err)
	}
	return nil
}
