package rest

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// Media types.
const (
	ctV2Plain  = "text/vnd.ga4gh.refget.v2.0.0+plain; charset=us-ascii"
	ctV1Plain  = "text/vnd.ga4gh.refget.v1.0.0+plain; charset=us-ascii"
	ctV2JSON   = "application/vnd.ga4gh.refget.v2.0.0+json"
	ctV1JSON   = "application/vnd.ga4gh.refget.v1.0.0+json"
	ctPyV1Seq  = "text/vnd.ga4gh.refget.v1.0.0+plain; charset=utf-8"
	ctTextUTF8 = "text/plain; charset=utf-8"
	ctJSON     = "application/json"
	ctProblem  = "application/problem+json"
)

// Shared header values for the hot path.
var (
	hvV2Plain  = []string{ctV2Plain}
	hvV1Plain  = []string{ctV1Plain}
	hvPyV1Seq  = []string{ctPyV1Seq}
	hvTextUTF8 = []string{ctTextUTF8}
	hvNone     = []string{"none"}
	hvBytes    = []string{"bytes"}
	hvNoSniff  = []string{"nosniff"}
	hvJSON     = []string{ctJSON}
	hvProblem  = []string{ctProblem}
	hvV2JSON   = []string{ctV2JSON}
	hvV1JSON   = []string{ctV1JSON}
	hvZeroLen  = []string{"0"}
)

// writeProblem answers an RFC 7807 problem document, encoded as
// connexion does ({"detail", "status", "title", "type": "about:blank"}),
// titled with the status's reason phrase.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	writeProblemTitle(w, status, http.StatusText(status), detail)
}

// writeProblemTitle is writeProblem with a given title; nil encodes as
// null, as connexion sends for problems raised without one (its
// ExtraParameterProblem).
func writeProblemTitle(w http.ResponseWriter, status int, title any, detail string) {
	body, err := encodeJSON(map[string]any{
		"detail": detail,
		"status": status,
		"title":  title,
		"type":   "about:blank",
	})
	if err != nil { // cannot happen for these types
		body = []byte("{}\n")
	}
	h := w.Header()
	h["Content-Type"] = hvProblem
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// writeEmpty answers a status with an empty body (connexion's NoContent).
func writeEmpty(w http.ResponseWriter, status int, ct []string) {
	h := w.Header()
	if ct != nil {
		h["Content-Type"] = ct
	}
	h["Content-Length"] = hvZeroLen
	w.WriteHeader(status)
}

// writeJSON answers a JSON document encoded like seqrepo-rest-service.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, ct []string, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		s.log.Error("encode response", "uri", r.RequestURI, "err", err)
		writeProblem(w, http.StatusInternalServerError, "cannot encode response")
		return
	}
	h := w.Header()
	h["Content-Type"] = ct
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// statusOf maps a source error to an HTTP status: 400 a LIKE pattern, 404
// not found (also unparseable identifiers), 409 ambiguous, 416 bad
// coordinates, 503 unavailable or cancelled, 500 otherwise (corrupt data,
// permission problems, bugs: retrying will not help).
func statusOf(err error) int {
	var pe *patternError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest
	case errors.Is(err, repo.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, repo.ErrAmbiguous):
		return http.StatusConflict
	case errors.Is(err, repo.ErrBadCoordinates):
		return http.StatusRequestedRangeNotSatisfiable
	case errors.Is(err, repo.ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// sourceError answers a failure of the source. 5xx are logged with the
// full error, and answered with a fixed detail: a storage error names
// server paths and hosts, which are no business of an anonymous client.
// For the same reason an ambiguity is described without the sources that
// disagree.
func (s *Server) sourceError(w http.ResponseWriter, r *http.Request, err error) {
	st := statusOf(err)
	detail := err.Error()
	var amb *repo.AmbiguousError
	switch {
	case st == http.StatusServiceUnavailable:
		s.log.Error("request failed", "uri", r.RequestURI, "status", st, "err", err)
		w.Header().Set("Retry-After", "1")
		detail = "the sequence source is unavailable; retry later"
	case st >= 500:
		s.log.Error("request failed", "uri", r.RequestURI, "status", st, "err", err)
		detail = "internal error reading the sequence source (details are in the server log)"
	case errors.As(err, &amb) && amb.Detail != "":
		bare := *amb
		bare.Detail = ""
		detail = bare.Error()
	}
	writeProblem(w, st, detail)
}

// writeSequence answers residues [start, end) of seqID (end already clipped
// to the length) with Content-Length and the given status. The first chunk
// is read before the status is sent, so a failing source still gets a
// proper error status; a failure later aborts the connection, so the
// client sees a short body rather than wrong bytes (net/http closes a
// connection whose body is shorter than its Content-Length).
func (s *Server) writeSequence(w http.ResponseWriter, r *http.Request, status int, seqID string, start, end int64) {
	n := end - start
	h := w.Header()
	h["Content-Length"] = []string{strconv.FormatInt(n, 10)}
	h["X-Content-Type-Options"] = hvNoSniff
	if r.Method == http.MethodHead || n == 0 {
		w.WriteHeader(status)
		return
	}
	bp := s.bufPool.Get().(*[]byte)
	defer s.bufPool.Put(bp)
	buf := *bp
	ctx := r.Context()
	chunk := buf[:min(n, int64(len(buf)))]
	if err := repo.ReadFull(ctx, s.src, seqID, chunk, start); err != nil {
		delete(h, "Content-Length")
		delete(h, "X-Content-Type-Options")
		delete(h, "Accept-Ranges")
		delete(h, "Content-Range")
		s.sourceError(w, r, err)
		return
	}
	w.WriteHeader(status)
	rc := http.NewResponseController(w)
	long := n > int64(len(buf))
	for {
		if long && s.writeTO > 0 {
			rc.SetWriteDeadline(time.Now().Add(s.writeTO)) // best effort; errors mean unsupported
		}
		if _, err := w.Write(chunk); err != nil {
			return // client went away
		}
		start += int64(len(chunk))
		if start >= end {
			return
		}
		chunk = buf[:min(end-start, int64(len(buf)))]
		if err := readChunk(ctx, w, s.src, seqID, chunk, start); err != nil {
			if !errors.Is(err, context.Canceled) {
				s.log.Error("read sequence mid-response; closing connection", "uri", r.RequestURI, "seq_id", seqID, "offset", start, "err", err)
			}
			return
		}
	}
}

// readChunk reads the next chunk of a long body holding an in-flight slot
// of w's request (taken back for the read, released by the next write).
func readChunk(ctx context.Context, w http.ResponseWriter, src repo.Source, seqID string, p []byte, start int64) error {
	if sw, ok := w.(*statusWriter); ok {
		if err := sw.reacquire(ctx); err != nil {
			return err
		}
	}
	return repo.ReadFull(ctx, src, seqID, p, start)
}
