package rest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/seqfs/seqfs/repo"
)

// Offers for content negotiation; index 0 is the default answer.
var (
	plainOffers = []string{"text/vnd.ga4gh.refget.v2.0.0+plain", "text/vnd.ga4gh.refget.v1.0.0+plain", "text/plain"}
	jsonOffers  = []string{ctV2JSON, ctV1JSON, ctJSON}
)

// sequenceV2 serves GET /sequence/{id} (refget v2). Precedence: unknown or
// unparseable id 404, ambiguous 409, unacceptable Accept 406, malformed
// start/end/Range (or Range with start/end) 400, out of bounds 416,
// start > end 501 (circular sequences are not supported).
func (s *Server) sequenceV2(w http.ResponseWriter, r *http.Request) {
	res, err := s.v2.resolve(r.Context(), r.PathValue("id"))
	if err != nil {
		s.sourceError(w, r, err)
		return
	}
	ct, ok := negotiateVersion(w, r, plainOffers, hvV2Plain, hvV1Plain)
	if !ok {
		return
	}
	h := w.Header()
	h["Content-Type"] = ct
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		s.badRequest(w, "malformed query string: "+err.Error())
		return
	}
	length := res.info.Length
	if rng := r.Header.Get("Range"); rng != "" {
		if q.hasStart || q.hasEnd {
			s.badRequest(w, "may not send a Range header together with start and/or end query parameters")
			return
		}
		br, err := ParseRange(rng)
		if err != nil {
			s.badRequest(w, err.Error())
			return
		}
		first, last, ok := br.Bounds(length)
		if !ok {
			h["Content-Range"] = []string{"bytes */" + strconv.FormatInt(length, 10)}
			s.rangeError(w, fmt.Sprintf("range %s not satisfiable for a sequence of length %d", strings.TrimPrefix(rng, "bytes="), length))
			return
		}
		h["Content-Range"] = []string{fmt.Sprintf("bytes %d-%d/%d", first, last, length)}
		h["Accept-Ranges"] = hvBytes
		s.writeSequence(w, r, http.StatusPartialContent, res.seqID, first, last+1)
		return
	}
	if !q.hasStart && !q.hasEnd {
		h["Accept-Ranges"] = hvBytes
		s.writeSequence(w, r, http.StatusOK, res.seqID, 0, length)
		return
	}
	start, end := int64(0), length
	if q.hasStart {
		if start, ok = s.coordinate(w, "start", q.start); !ok {
			return
		}
	}
	if q.hasEnd {
		if end, ok = s.coordinate(w, "end", q.end); !ok {
			return
		}
	}
	h["Accept-Ranges"] = hvNone
	switch {
	case start >= length || end > length:
		s.rangeError(w, fmt.Sprintf("start %d / end %d out of bounds for a sequence of length %d", start, end, length))
		return
	case start > end:
		writeProblem(w, http.StatusNotImplemented, fmt.Sprintf("start (%d) > end (%d): circular sequences are not supported by this server", start, end))
		return
	}
	s.writeSequence(w, r, http.StatusOK, res.seqID, start, end)
}

// coordinate parses the value v of the start or end parameter (name),
// answering 400 when it is not a non-negative integer.
func (s *Server) coordinate(w http.ResponseWriter, name, v string) (int64, bool) {
	n, ok := parseDigits(v)
	if !ok {
		s.badRequest(w, name+" must be a non-negative integer, got "+quote(v))
	}
	return n, ok
}

// negotiateVersion picks the refget media type the Accept header asks for
// among offers (v2 first, then v1, then generic): it returns v1 for the
// v1 offer and v2 otherwise, or answers 406 and returns ok=false when
// Accept allows none of them.
func negotiateVersion(w http.ResponseWriter, r *http.Request, offers, v2, v1 []string) (ct []string, ok bool) {
	switch negotiate(r.Header.Get("Accept"), offers) {
	case -1:
		writeProblem(w, http.StatusNotAcceptable, "Accept allows none of "+strings.Join(offers, ", "))
		return nil, false
	case 1:
		return v1, true
	}
	return v2, true
}

func (s *Server) badRequest(w http.ResponseWriter, detail string) {
	clearBodyHeaders(w.Header())
	writeProblem(w, http.StatusBadRequest, detail)
}

func (s *Server) rangeError(w http.ResponseWriter, detail string) {
	h := w.Header()
	delete(h, "Accept-Ranges")
	writeProblem(w, http.StatusRequestedRangeNotSatisfiable, detail)
}

func clearBodyHeaders(h http.Header) {
	delete(h, "Content-Range")
	delete(h, "Accept-Ranges")
}

// refgetAlias is one entry of the metadata "aliases" list.
type refgetAlias struct {
	Alias           string `json:"alias"`
	NamingAuthority string `json:"naming_authority"`
}

// namingAuthority reports whether v2 metadata lists aliases of namespace ns
// under "aliases": not digests (reported in their own fields) and not the
// DB form of an API-level namespace, whose API-level copy follows it.
func namingAuthority(ns string) bool {
	return !repo.IsDigestNamespace(ns) && !repo.IsTranslatedNamespace(ns)
}

// metadataV2 serves GET /sequence/{id}/metadata (refget v2).
func (s *Server) metadataV2(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	res, err := s.v2.resolve(r.Context(), id)
	if err != nil {
		s.sourceError(w, r, err)
		return
	}
	ct, ok := negotiateVersion(w, r, jsonOffers, hvV2JSON, hvV1JSON)
	if !ok {
		return
	}
	aliases, md5, ok := s.aliasesAndMD5(w, r, res.seqID)
	if !ok {
		return
	}
	list := []refgetAlias{}
	for _, a := range aliases {
		if namingAuthority(a.Namespace) {
			list = append(list, refgetAlias{Alias: a.Alias, NamingAuthority: a.Namespace})
		}
	}
	s.writeJSON(w, r, http.StatusOK, ct, map[string]any{"metadata": map[string]any{
		"id":       id,
		"md5":      md5,
		"ga4gh":    "SQ." + res.seqID,
		"trunc512": repo.TRUNC512(res.seqID),
		"length":   res.info.Length,
		"aliases":  list,
	}})
}

// aliasesAndMD5 returns the aliases and the MD5 digest of a sequence, or
// answers the source's error and returns ok=false.
func (s *Server) aliasesAndMD5(w http.ResponseWriter, r *http.Request, seqID string) (aliases []repo.Alias, md5 string, ok bool) {
	aliases, err := repo.Aliases(r.Context(), s.src, seqID)
	if err == nil {
		md5, err = s.md5Of(r.Context(), seqID, aliases)
	}
	if err != nil {
		s.sourceError(w, r, err)
		return nil, "", false
	}
	return aliases, md5, true
}

// md5Of returns the MD5 alias of a sequence, or computes the digest from
// the sequence when the source holds no MD5 alias.
func (s *Server) md5Of(ctx context.Context, seqID string, aliases []repo.Alias) (string, error) {
	for _, a := range aliases {
		if a.Namespace == "MD5" {
			return a.Alias, nil
		}
	}
	info, err := s.src.Info(ctx, seqID)
	if err != nil {
		return "", err
	}
	bp := s.bufPool.Get().(*[]byte)
	defer s.bufPool.Put(bp)
	d := repo.NewDigester()
	for off := int64(0); off < info.Length; {
		chunk := (*bp)[:min(info.Length-off, int64(len(*bp)))]
		if err := repo.ReadFull(ctx, s.src, seqID, chunk, off); err != nil {
			return "", fmt.Errorf("compute MD5 of %s: %w", seqID, err)
		}
		if _, err := d.Write(chunk); err != nil {
			return "", repo.Corrupt("sequence "+seqID, err)
		}
		off += int64(len(chunk))
	}
	return d.Sum().MD5, nil
}

// serviceInfoV2 serves GET /sequence/service-info and /service-info: a
// GA4GH service-info document with the refget object, plus the v1
// "service" object so that v1 clients understand it too, and the seqcol
// object (the JSON Schema of the collections served): one service-info
// for refget and seqcol.
func (s *Server) serviceInfoV2(w http.ResponseWriter, r *http.Request) {
	ct, ok := negotiateVersion(w, r, jsonOffers, hvV2JSON, hvV1JSON)
	if !ok {
		return
	}
	idTypes := []string{}
	if nss, err := s.src.Namespaces(r.Context()); err == nil {
		for _, ns := range nss {
			if !repo.IsDigestNamespace(ns) {
				idTypes = append(idTypes, repo.NamespaceDB2API(ns))
			}
		}
	} else {
		s.log.Warn("service-info: list namespaces", "err", err)
	}
	s.writeJSON(w, r, http.StatusOK, ct, map[string]any{
		"id":          "org.seqfs.refget",
		"name":        "seqfs refget server",
		"description": "Reference sequences served by seqfs (refget v2; seqrepo-rest-service compatible at /seqrepo/1 and /refget/1)",
		"type":        map[string]any{"group": "org.ga4gh", "artifact": "refget", "version": "2.0.0"},
		"organization": map[string]any{
			"name": "seqfs",
			"url":  "https://github.com/seqfs/seqfs",
		},
		"version": s.opts.Version,
		"refget": map[string]any{
			"circular_supported": false,
			"subsequence_limit":  nil,
			"algorithms":         []string{"md5", "ga4gh", "trunc512"},
			"identifier_types":   idTypes,
		},
		"seqcol": map[string]any{"schema": repo.SeqcolSchema()},
		"service": map[string]any{
			"circular_supported":     false,
			"subsequence_limit":      nil,
			"algorithms":             []string{"md5", "ga4gh", "trunc512"},
			"supported_api_versions": []string{"1.0", "2.0"},
		},
	})
}
