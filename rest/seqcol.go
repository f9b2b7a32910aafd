package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/seqfs/seqfs/internal/lru"
	"github.com/seqfs/seqfs/repo"
)

// GA4GH refget sequence collections (seqcol 1.0) at /collection,
// /comparison, /list and /attribute, beside refget v2.
//
// Collections are immutable by digest, so their seqcol form (every
// attribute's array and level-1 digest) is computed once and kept in a
// bounded LRU. Listing and filtering use an index (attribute → level-1
// digest → collection digests) built from the source's collections on
// first use and refreshed incrementally (only new collections are read) in
// the background when it is older than seqcolIndexTTL; requests never wait
// for a refresh, only for the first build.

const (
	// maxSeqcolBody bounds a POSTed collection (a transcriptome of a
	// million sequences is about 150 MB; an assembly well under 1 MB).
	maxSeqcolBody = 64 << 20
	// seqcolCacheElements bounds the cached collections by their total
	// number of sequences.
	seqcolCacheElements = 1 << 20
	// seqcolComparisonBytes bounds the cached comparisons of stored
	// collections (by digest, so they never go stale).
	seqcolComparisonBytes = 16 << 20
	// seqcolIndexTTL is how old the listing index may get before a request
	// triggers a background refresh.
	seqcolIndexTTL = 5 * time.Second
	// Paging of the /list endpoints.
	defaultPageSize = 100
	maxPageSize     = 10_000
)

// seqcolService answers the seqcol endpoints from a source's collections.
type seqcolService struct {
	cs    repo.CollectionSource // nil when the source holds no collections
	ttl   time.Duration         // index age that triggers a refresh
	log   *slog.Logger
	cache *lru.Map[string, *repo.Seqcol] // level-0 digest -> collection
	cmps  *lru.Map[string, []byte]       // "a/b" digests -> comparison JSON
	group singleflight.Group             // coalesces collection loads and index refreshes

	mu         sync.Mutex // guards idx and refreshing
	idx        *seqcolIndex
	refreshing bool
}

// seqcolIndex is an immutable snapshot of the listing index.
type seqcolIndex struct {
	built   time.Time
	digests []string                       // every collection, sorted
	level1  map[string]map[string]string   // collection -> attribute -> level-1 digest
	byAttr  map[string]map[string][]string // attribute -> level-1 digest -> collections, sorted
	values  map[string][]string            // attribute -> its level-1 digests, sorted
}

func newSeqcolService(src repo.Source, log *slog.Logger) *seqcolService {
	s := &seqcolService{
		log:   log,
		ttl:   seqcolIndexTTL,
		cmps:  lru.NewMap[string, []byte](seqcolComparisonBytes, func(b []byte) int64 { return int64(len(b)) }),
		cache: lru.NewMap[string, *repo.Seqcol](seqcolCacheElements, func(c *repo.Seqcol) int64 { return int64(c.Len()) + 1 }),
	}
	if cs, err := repo.Collections(src); err == nil {
		s.cs = cs
	}
	return s
}

// seqcolRoutes registers the seqcol endpoints with h.
func (s *Server) seqcolRoutes(h func(string, http.HandlerFunc)) {
	s.seqcol = newSeqcolService(s.src, s.log)
	h("GET /collection/{digest}", s.seqcolCollection)
	h("GET /comparison/{a}/{b}", s.seqcolCompare)
	h("POST /comparison/{a}", s.seqcolComparePost)
	h("GET /list/collection", s.seqcolList)
	h("GET /list/attributes/{attr}", s.seqcolListAttribute)
	h("GET /attribute/collection/{attr}/{digest}", s.seqcolAttribute)
	h("GET /openapi.json", s.openAPI)
}

// errNoCollections answers for sources that hold no collections.
var errNoCollections = fmt.Errorf("this source holds no sequence collections: %w", repo.ErrNotFound)

// collection returns the seqcol form of a stored collection by level-0
// digest (or, as a seqfs extension, by name).
func (s *seqcolService) collection(ctx context.Context, ref string) (*repo.Seqcol, error) {
	if s.cs == nil {
		return nil, errNoCollections
	}
	if c, ok := s.cache.Get(ref); ok {
		return c, nil
	}
	v, err, _ := s.group.Do("c:"+ref, func() (any, error) {
		c, digest, err := s.cs.Collection(ctx, ref)
		if err != nil {
			if errors.Is(err, repo.ErrUnsupported) {
				return nil, errNoCollections
			}
			return nil, err
		}
		sc := repo.NewSeqcol(c)
		if digest == ref { // names may move; only digests are cached
			s.cache.Add(digest, sc)
		}
		return sc, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*repo.Seqcol), nil
}

// index returns the listing index, building it on first use and starting
// a background refresh when it is stale.
func (s *seqcolService) index(ctx context.Context) (*seqcolIndex, error) {
	if s.cs == nil {
		return &seqcolIndex{}, nil
	}
	s.mu.Lock()
	idx := s.idx
	stale := idx != nil && time.Since(idx.built) > s.ttl && !s.refreshing
	if stale {
		s.refreshing = true
	}
	s.mu.Unlock()
	if idx == nil {
		v, err, _ := s.group.Do("index", func() (any, error) {
			return s.rebuild(ctx, nil)
		})
		if err != nil {
			return nil, err
		}
		return v.(*seqcolIndex), nil
	}
	if stale {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if _, err := s.rebuild(ctx, idx); err != nil {
				s.log.Warn("seqcol: refresh collection index", "err", err)
			}
			s.mu.Lock()
			s.refreshing = false
			s.mu.Unlock()
		}()
	}
	return idx, nil
}

// rebuild lists the source's collections, reads those that prev does not
// know, and installs a new index.
func (s *seqcolService) rebuild(ctx context.Context, prev *seqcolIndex) (*seqcolIndex, error) {
	next := &seqcolIndex{
		built:  time.Now(),
		level1: map[string]map[string]string{},
		byAttr: map[string]map[string][]string{},
		values: map[string][]string{},
	}
	for info, err := range s.cs.Collections(ctx) {
		if errors.Is(err, repo.ErrUnsupported) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list collections: %w", err)
		}
		next.digests = append(next.digests, info.Digest)
		if prev != nil {
			if l1, ok := prev.level1[info.Digest]; ok {
				next.level1[info.Digest] = l1
				continue
			}
		}
		c, err := s.collection(ctx, info.Digest)
		if err != nil {
			return nil, fmt.Errorf("index collection %s: %w", info.Digest, err)
		}
		l1 := make(map[string]string, len(repo.SeqcolAttributes))
		for _, a := range c.Attributes() {
			l1[a], _ = c.Level1(a)
		}
		next.level1[info.Digest] = l1
	}
	slices.Sort(next.digests)
	next.digests = slices.Compact(next.digests) // federation may list a digest twice
	for _, d := range next.digests {
		for a, v := range next.level1[d] {
			m := next.byAttr[a]
			if m == nil {
				m = map[string][]string{}
				next.byAttr[a] = m
			}
			if len(m[v]) == 0 {
				next.values[a] = append(next.values[a], v)
			}
			m[v] = append(m[v], d) // digests are visited sorted
		}
	}
	for _, v := range next.values {
		slices.Sort(v)
	}
	s.mu.Lock()
	s.idx = next
	s.mu.Unlock()
	return next, nil
}

// seqcolError answers a failure; a source without collections is 404.
func (s *Server) seqcolError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, repo.ErrUnsupported) {
		err = errNoCollections
	}
	s.sourceError(w, r, err)
}

// writeRawJSON answers a JSON body that is already encoded.
func writeRawJSON(w http.ResponseWriter, r *http.Request, body []byte) {
	h := w.Header()
	h["Content-Type"] = hvJSON
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// writeCompactJSON answers v as compact JSON.
func (s *Server) writeCompactJSON(w http.ResponseWriter, r *http.Request, v any) {
	if body, ok := s.compactJSON(w, r, v); ok {
		writeRawJSON(w, r, body)
	}
}

// compactJSON encodes v, answering 500 when it cannot.
func (s *Server) compactJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	body, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode response", "uri", r.RequestURI, "err", err)
		writeProblem(w, http.StatusInternalServerError, "cannot encode response")
		return nil, false
	}
	return body, true
}

// parseLevel reads the level query parameter of /collection: 2 when
// absent, else 1 or 2.
func parseLevel(q url.Values) (int, error) {
	if len(q["level"]) > 1 {
		return 0, errors.New("level is given more than once")
	}
	switch v := q.Get("level"); v {
	case "", "2":
		return 2, nil
	case "1":
		return 1, nil
	default:
		return 0, fmt.Errorf("level must be 1 or 2, not %s", quote(v))
	}
}

// seqcolCollection serves GET /collection/{digest}?level=1|2.
func (s *Server) seqcolCollection(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "bad query string: "+err.Error())
		return
	}
	level, err := parseLevel(q)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := s.seqcol.collection(r.Context(), r.PathValue("digest"))
	if err != nil {
		s.seqcolError(w, r, err)
		return
	}
	if level == 1 {
		writeRawJSON(w, r, c.Level1JSON())
		return
	}
	writeRawJSON(w, r, c.Level2JSON())
}

// seqcolCompare serves GET /comparison/{a}/{b}. Comparisons of digests
// (not names, which may move) are cached.
func (s *Server) seqcolCompare(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("a") + "/" + r.PathValue("b")
	if body, ok := s.seqcol.cmps.Get(key); ok {
		writeRawJSON(w, r, body)
		return
	}
	a, err := s.seqcol.collection(r.Context(), r.PathValue("a"))
	if err != nil {
		s.seqcolError(w, r, err)
		return
	}
	b, err := s.seqcol.collection(r.Context(), r.PathValue("b"))
	if err != nil {
		s.seqcolError(w, r, err)
		return
	}
	cmp := repo.CompareSeqcols(a, b)
	body, ok := s.compactJSON(w, r, cmp)
	if !ok {
		return
	}
	if *cmp.Digests.A == r.PathValue("a") && *cmp.Digests.B == r.PathValue("b") {
		s.seqcol.cmps.Add(key, body)
	}
	writeRawJSON(w, r, body)
}

// seqcolComparePost serves POST /comparison/{a} with a level-2 collection
// as the body; digests.b is the digest the server computes for it.
func (s *Server) seqcolComparePost(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSeqcolBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("collection body larger than %d bytes", tooBig.Limit))
			return
		}
		writeProblem(w, http.StatusBadRequest, "read request body: "+err.Error())
		return
	}
	b, err := repo.ParseSeqcol(body)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error())
		return
	}
	a, err := s.seqcol.collection(r.Context(), r.PathValue("a"))
	if err != nil {
		s.seqcolError(w, r, err)
		return
	}
	s.writeCompactJSON(w, r, repo.CompareSeqcols(a, b))
}

// listQuery is a parsed /list query: the page and the attribute filters.
type listQuery struct {
	page, pageSize int
	filters        map[string]string // attribute -> level-1 digest
}

// parseListQuery reads page, page_size and attribute filters from a raw
// query string. Every other parameter must name an attribute of the schema
// and be given once; allowFilters false rejects filters.
func parseListQuery(raw string, allowFilters bool) (listQuery, error) {
	lq := listQuery{pageSize: defaultPageSize, filters: map[string]string{}}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return lq, fmt.Errorf("bad query string: %w", err)
	}
	num := func(name string, min, max, def int) (int, error) {
		vs := q[name]
		switch {
		case len(vs) == 0:
			return def, nil
		case len(vs) > 1:
			return 0, fmt.Errorf("%s is given more than once", name)
		}
		n, err := strconv.Atoi(vs[0])
		if err != nil || n < min || n > max {
			return 0, fmt.Errorf("%s must be an integer from %d to %d, not %s", name, min, max, quote(vs[0]))
		}
		return n, nil
	}
	if lq.page, err = num("page", 0, 1<<31-1, 0); err != nil {
		return lq, err
	}
	if lq.pageSize, err = num("page_size", 1, maxPageSize, defaultPageSize); err != nil {
		return lq, err
	}
	for k, vs := range q {
		if k == "page" || k == "page_size" {
			continue
		}
		if !allowFilters || !repo.IsSeqcolAttribute(k) {
			return lq, fmt.Errorf("unknown query parameter %s", quote(k))
		}
		if len(vs) > 1 {
			return lq, fmt.Errorf("filter %s is given more than once", k)
		}
		lq.filters[k] = vs[0]
	}
	return lq, nil
}

// writePage answers one page of items in the GA4GH paging format.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, lq listQuery, items []string) {
	lo := min(len(items), lq.page*lq.pageSize)
	if lq.page > 0 && lq.page*lq.pageSize/lq.page != lq.pageSize { // overflow
		lo = len(items)
	}
	hi := min(len(items), lo+lq.pageSize)
	results := items[lo:hi]
	if results == nil {
		results = []string{}
	}
	s.writeCompactJSON(w, r, map[string]any{
		"results":    results,
		"pagination": map[string]int{"page": lq.page, "page_size": lq.pageSize, "total": len(items)},
	})
}

// listPage answers a /list request: it parses the query, gets the index
// and pages through what items selects from it.
func (s *Server) listPage(w http.ResponseWriter, r *http.Request, allowFilters bool, items func(*seqcolIndex, listQuery) []string) {
	lq, err := parseListQuery(r.URL.RawQuery, allowFilters)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error())
		return
	}
	idx, err := s.seqcol.index(r.Context())
	if err != nil {
		s.seqcolError(w, r, err)
		return
	}
	s.writePage(w, r, lq, items(idx, lq))
}

// seqcolList serves GET /list/collection with ANDed attribute filters.
func (s *Server) seqcolList(w http.ResponseWriter, r *http.Request) {
	s.listPage(w, r, true, func(idx *seqcolIndex, lq listQuery) []string {
		items := idx.digests
		first := true
		for _, attr := range slices.Sorted(maps.Keys(lq.filters)) {
			match := idx.byAttr[attr][lq.filters[attr]]
			if first {
				items, first = match, false
				continue
			}
			items = intersectSorted(items, match)
		}
		return items
	})
}

// seqcolListAttribute serves GET /list/attributes/{attr}.
func (s *Server) seqcolListAttribute(w http.ResponseWriter, r *http.Request) {
	attr := r.PathValue("attr")
	if !repo.IsSeqcolAttribute(attr) {
		writeProblem(w, http.StatusNotFound, "no attribute "+quote(attr)+" in the schema")
		return
	}
	s.listPage(w, r, false, func(idx *seqcolIndex, _ listQuery) []string { return idx.values[attr] })
}

// seqcolAttribute serves GET /attribute/collection/{attr}/{digest}: the
// level-2 value of an attribute by its level-1 digest.
func (s *Server) seqcolAttribute(w http.ResponseWriter, r *http.Request) {
	attr, digest := r.PathValue("attr"), r.PathValue("digest")
	switch {
	case !repo.IsSeqcolAttribute(attr):
		writeProblem(w, http.StatusNotFound, "no attribute "+quote(attr)+" in the schema")
		return
	case repo.IsTransientAttribute(attr):
		writeProblem(w, http.StatusNotFound, "attribute "+attr+" is transient: it has no value to retrieve")
		return
	}
	idx, err := s.seqcol.index(r.Context())
	if err != nil {
		s.seqcolError(w, r, err)
		return
	}
	colls := idx.byAttr[attr][digest]
	if len(colls) == 0 {
		writeProblem(w, http.StatusNotFound, fmt.Sprintf("no collection has %s with digest %s", attr, digest))
		return
	}
	c, err := s.seqcol.collection(r.Context(), colls[0])
	if err != nil {
		s.seqcolError(w, r, err)
		return
	}
	v, _ := c.AttributeJSON(attr)
	writeRawJSON(w, r, v)
}

// intersectSorted returns the elements common to two sorted lists.
func intersectSorted(a, b []string) []string {
	var out []string
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
