package rest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/seqfs/seqfs/repo"
)

// This file holds the seqrepo-rest-service compatible endpoints
// (/seqrepo/1 and /refget/1), which follow that service's order of checks
// and its encodings (see docs/format.md, “seqrepo-rest-service”).

// pyParams validates the query string as connexion's strict validation
// does: only the named parameters are allowed, and start/end must be
// integers >= 0. It returns start/end (-1 when absent) or writes a 400
// problem and returns ok=false.
func pyParams(w http.ResponseWriter, r *http.Request, allowStartEnd bool) (start, end int64, ok bool) {
	start, end = -1, -1
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "malformed query string: "+err.Error())
		return 0, 0, false
	}
	if !allowStartEnd {
		if q.hasStart {
			q.unknown = append(q.unknown, "start")
		}
		if q.hasEnd {
			q.unknown = append(q.unknown, "end")
		}
	}
	if len(q.unknown) > 0 {
		// connexion's ExtraParameterProblem: no title (null), the names
		// once each (it takes a set difference).
		seen := make(map[string]bool, len(q.unknown))
		names := q.unknown[:0:0]
		for _, n := range q.unknown {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
		writeProblemTitle(w, http.StatusBadRequest, nil, fmt.Sprintf("Extra query parameter(s) %s not in spec", strings.Join(names, ", ")))
		return 0, 0, false
	}
	conv := func(name, v string) (int64, bool) {
		neg := strings.HasPrefix(v, "-")
		n, isNum := parseDigits(strings.TrimPrefix(v, "-"))
		switch {
		case !isNum:
			writeProblem(w, http.StatusBadRequest, fmt.Sprintf("Wrong type, expected 'integer' for query parameter '%s'", name))
			return 0, false
		case neg && n != 0:
			writeProblem(w, http.StatusBadRequest, fmt.Sprintf("%s is less than the minimum of 0", v))
			return 0, false
		}
		return n, true
	}
	if q.hasStart {
		if start, ok = conv("start", q.start); !ok {
			return 0, 0, false
		}
	}
	if q.hasEnd {
		if end, ok = conv("end", q.end); !ok {
			return 0, 0, false
		}
	}
	return start, end, true
}

// clip applies pysam's rules to optional (-1 = absent) start/end.
func clip(start, end, length int64) (int64, int64) {
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = repo.ToEnd
	}
	s, e, err := repo.CheckCoordinates(start, end, length)
	if err != nil {
		return 0, 0
	}
	return s, e
}

// --- /refget/1 ---------------------------------------------------------

var refget1Accept = map[string]bool{
	"application/vnd.ga4gh.refget.v1.0.0+json": true,
	"text/vnd.ga4gh.refget.v1.0.0+plain":       true,
	"application/json":                         true,
	"text/plain":                               true,
	"*/*":                                      true,
}

// refget1AcceptOK is seqrepo-rest-service's check: a present Accept header
// must be exactly one of the listed types.
func refget1AcceptOK(w http.ResponseWriter, r *http.Request) bool {
	if v, present := r.Header["Accept"]; present && (len(v) != 1 || !refget1Accept[v[0]]) {
		writeProblem(w, http.StatusNotAcceptable, "Invalid Accept header")
		return false
	}
	return true
}

func (s *Server) pingRefget1(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := pyParams(w, r, false); !ok {
		return
	}
	s.writeJSON(w, r, http.StatusOK, hvJSON, "The secret is to bang the rocks together, guys.")
}

func (s *Server) deps() (bioutils, seqrepo map[string]any) {
	v := "seqfs " + s.opts.Version
	return map[string]any{"url": "https://github.com/biocommons/bioutils/", "version": v},
		map[string]any{"root": s.opts.Root, "url": "https://github.com/biocommons/biocommons.seqrepo/", "version": v}
}

func (s *Server) serviceInfoRefget1(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := pyParams(w, r, false); !ok {
		return
	}
	bio, sr := s.deps()
	s.writeJSON(w, r, http.StatusOK, hvV1JSON, map[string]any{
		"service": map[string]any{
			"algorithms":             []string{"md5", "trunc512"},
			"circular_supported":     false,
			"subsequence_limit":      nil,
			"supported_api_versions": []string{"1.0"},
		},
		"x-config": map[string]any{
			"bioutils": bio,
			"seqrepo":  sr,
			"seqrepo-rest-service": map[string]any{
				"url":     "https://github.com/seqfs/seqfs",
				"version": s.opts.Version,
			},
		},
	})
}

// refget1Resolve resolves with the REST heuristics; it answers 404 (empty)
// for unknown or malformed identifiers and 409 for ambiguous ones.
func (s *Server) refget1Resolve(w http.ResponseWriter, r *http.Request, ct []string) (resolved, bool) {
	return s.pyResolve(w, r, r.PathValue("id"), ct, false)
}

// pyResolve resolves id with the REST heuristics. On failure it answers 404
// (empty, with content type ct) for unknown or malformed identifiers, 422
// for ambiguous ones when ambiguous422 is set, and otherwise the status of
// the error, and returns ok=false.
func (s *Server) pyResolve(w http.ResponseWriter, r *http.Request, id string, ct []string, ambiguous422 bool) (resolved, bool) {
	res, err := s.rest.resolve(r.Context(), id)
	switch {
	case err == nil:
		return res, true
	case ambiguous422 && errors.Is(err, repo.ErrAmbiguous):
		writeProblem(w, http.StatusUnprocessableEntity, fmt.Sprintf("Multiple sequences exist for alias '%s'", id))
	case errors.Is(err, repo.ErrNotFound):
		writeEmpty(w, http.StatusNotFound, ct)
	default:
		s.sourceError(w, r, err)
	}
	return resolved{}, false
}

// sequenceRefget1 serves GET /refget/1/sequence/{id} with
// seqrepo-rest-service's algorithm (docs/format.md, “/refget/1”).
func (s *Server) sequenceRefget1(w http.ResponseWriter, r *http.Request) {
	start, end, ok := pyParams(w, r, true)
	if !ok || !refget1AcceptOK(w, r) {
		return
	}
	rng := r.Header.Get("Range")
	hasRange := rng != ""
	if hasRange {
		if start >= 0 || end >= 0 {
			writeProblem(w, http.StatusBadRequest, "May not send Range header with start and/or end query parameter")
			return
		}
		br, err := ParseRange(rng)
		if err != nil || !br.Closed() { // the Python service accepts bytes=first-last only
			writeProblem(w, http.StatusBadRequest, "Could not parse range header "+quote(rng))
			return
		}
		start, end = br.First, br.Last
		if end < repo.ToEnd {
			end++
		}
		if start > end {
			writeProblem(w, http.StatusRequestedRangeNotSatisfiable, "Invalid coordinates: start > end")
			return
		}
	}
	res, ok := s.refget1Resolve(w, r, hvPyV1Seq)
	if !ok {
		return
	}
	length := res.info.Length
	if start >= 0 && end >= 0 {
		switch {
		case start >= length:
			writeProblem(w, http.StatusRequestedRangeNotSatisfiable, "Invalid coordinates: start > sequence length")
			return
		case end > length && !hasRange:
			writeProblem(w, http.StatusRequestedRangeNotSatisfiable, "Invalid coordinates: end > sequence length")
			return
		case start > end:
			writeProblem(w, http.StatusNotImplemented, "Invalid coordinates: start > end")
			return
		}
	}
	status := http.StatusOK
	if hasRange {
		status = http.StatusPartialContent
	}
	s0, e0 := clip(start, end, length)
	w.Header()["Content-Type"] = hvPyV1Seq
	s.writeSequence(w, r, status, res.seqID, s0, e0)
}

// metadataRefget1 serves GET /refget/1/sequence/{id}/metadata.
func (s *Server) metadataRefget1(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := pyParams(w, r, false); !ok || !refget1AcceptOK(w, r) {
		return
	}
	res, ok := s.refget1Resolve(w, r, hvV1JSON)
	if !ok {
		return
	}
	aliases, md5, ok := s.aliasesAndMD5(w, r, res.seqID)
	if !ok {
		return
	}
	list := make([]refgetAlias, len(aliases))
	for i, a := range aliases {
		list[i] = refgetAlias{Alias: a.Alias, NamingAuthority: a.Namespace}
	}
	s.writeJSON(w, r, http.StatusOK, hvV1JSON, map[string]any{"metadata": map[string]any{
		"aliases":  list,
		"id":       res.seqID,
		"length":   res.info.Length,
		"md5":      md5,
		"trunc512": repo.TRUNC512(res.seqID),
	}})
}

// --- /seqrepo/1 --------------------------------------------------------

func (s *Server) pingSeqRepo(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := pyParams(w, r, false); !ok {
		return
	}
	bio, sr := s.deps()
	s.writeJSON(w, r, http.StatusOK, hvJSON, map[string]any{
		"dependencies": map[string]any{"bioutils": bio, "seqrepo": sr},
		"url":          "https://github.com/seqfs/seqfs",
		"version":      s.opts.Version,
	})
}

// seqrepoResolve resolves an alias: 404 (empty) when unknown or malformed,
// 422 problem when it names several sequences.
func (s *Server) seqrepoResolve(w http.ResponseWriter, r *http.Request, ct []string) (resolved, bool) {
	return s.pyResolve(w, r, r.PathValue("alias"), ct, true)
}

// sequenceSeqRepo serves GET /seqrepo/1/sequence/{alias}: start/end with
// pysam clipping, no length checks, Range ignored.
func (s *Server) sequenceSeqRepo(w http.ResponseWriter, r *http.Request) {
	start, end, ok := pyParams(w, r, true)
	if !ok {
		return
	}
	if start >= 0 && end >= 0 && start > end {
		writeProblem(w, http.StatusUnprocessableEntity, "Invalid coordinates: start > end")
		return
	}
	res, ok := s.seqrepoResolve(w, r, hvTextUTF8)
	if !ok {
		return
	}
	s0, e0 := clip(start, end, res.info.Length)
	w.Header()["Content-Type"] = hvTextUTF8
	s.writeSequence(w, r, http.StatusOK, res.seqID, s0, e0)
}

// metadataSeqRepo serves GET /seqrepo/1/metadata/{alias}.
func (s *Server) metadataSeqRepo(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := pyParams(w, r, false); !ok {
		return
	}
	res, ok := s.seqrepoResolve(w, r, hvJSON)
	if !ok {
		return
	}
	aliases, err := repo.Aliases(r.Context(), s.src, res.seqID)
	if err != nil {
		s.sourceError(w, r, err)
		return
	}
	names := make([]string, len(aliases))
	for i, a := range aliases {
		names[i] = a.String()
	}
	s.writeJSON(w, r, http.StatusOK, hvJSON, map[string]any{
		"added":    isoZ(res.info.Added),
		"aliases":  names,
		"alphabet": res.info.Alphabet,
		"length":   res.info.Length,
	})
}
