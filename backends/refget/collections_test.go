package refget

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// seqcolStub serves colls the way a seqcol 1.0 server does (level-2
// objects and paged listings of at most two digests a page); tamper, when
// set, edits a level-2 object before it is sent.
func seqcolStub(t *testing.T, colls []repo.Collection, tamper func(map[string]any)) *httptest.Server {
	t.Helper()
	byDigest := map[string]repo.Collection{}
	var digests []string
	for _, c := range colls {
		if _, dup := byDigest[c.Digest()]; !dup {
			digests = append(digests, c.Digest())
		}
		byDigest[c.Digest()] = c
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /collection/{digest}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := byDigest[r.PathValue("digest")]
		if !ok || r.URL.Query().Get("level") != "2" {
			http.NotFound(w, r)
			return
		}
		var sqs []string
		for _, id := range c.SeqIDs {
			sqs = append(sqs, "SQ."+id)
		}
		doc := map[string]any{"names": c.Names, "lengths": c.Lengths, "sequences": sqs, "sorted_sequences": sqs}
		if tamper != nil {
			tamper(doc)
		}
		json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("GET /list/collection", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size := min(2, max(1, atoiOr(r.URL.Query().Get("page_size"), 100)))
		lo, hi := min(len(digests), page*size), min(len(digests), (page+1)*size)
		json.NewEncoder(w).Encode(map[string]any{"results": digests[lo:hi],
			"pagination": map[string]int{"page": page, "page_size": size, "total": len(digests)}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

func TestCollectionsFromSeqcolServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var colls []repo.Collection
	for _, sc := range repotest.SampleCollections {
		colls = append(colls, sc.Coll)
	}
	srv := seqcolStub(t, colls, nil)
	s := openFacade(t, "refget+"+srv.URL+"?attempts=1")
	for _, c := range colls {
		got, d, err := s.Collection(ctx, c.Digest())
		if err != nil || d != c.Digest() || !slices.Equal(got.Names, c.Names) || !slices.Equal(got.SeqIDs, c.SeqIDs) || !slices.Equal(got.Lengths, c.Lengths) {
			t.Errorf("Collection(%s) = %+v, %s, %v", c.Digest(), got, d, err)
		}
	}
	for _, ref := range []string{"genome", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		if _, _, err := s.Collection(ctx, ref); !errors.Is(err, repo.ErrNotFound) {
			t.Errorf("Collection(%s) = %v, want not found", ref, err)
		}
	}
	infos, err := repo.Collect(s.Collections(ctx))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range infos {
		got = append(got, i.Digest)
		if i.Sequences == 0 || i.Residues == 0 {
			t.Errorf("listing entry %+v lacks counts", i)
		}
	}
	want := []string{}
	for _, c := range colls {
		want = append(want, c.Digest())
	}
	slices.Sort(want)
	if want = slices.Compact(want); !slices.Equal(got, want) {
		t.Errorf("listing = %v, want %v (paged two at a time, sorted)", got, want)
	}

	// A server whose collection does not match its digest is corrupt.
	bad := seqcolStub(t, colls, func(doc map[string]any) { doc["names"] = []string{"x", "y", "z"} })
	if _, _, err := openFacade(t, "refget+"+bad.URL+"?attempts=1").Collection(ctx, colls[0].Digest()); !errors.Is(err, repo.ErrCorrupt) {
		t.Errorf("tampered collection: %v, want ErrCorrupt", err)
	}
	// A refget server without seqcol: nothing found, listing unsupported.
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	ps := openFacade(t, "refget+"+plain.URL+"?attempts=1")
	if _, _, err := ps.Collection(ctx, colls[0].Digest()); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("server without seqcol: Collection = %v, want not found", err)
	}
	if _, err := repo.Collect(ps.Collections(ctx)); !errors.Is(err, repo.ErrUnsupported) {
		t.Errorf("server without seqcol: Collections = %v, want ErrUnsupported", err)
	}
	// The seqrepo-rest-service façade holds none.
	rs := openFacade(t, "seqrepo+"+srv.URL)
	if _, _, err := rs.Collection(ctx, colls[0].Digest()); !errors.Is(err, repo.ErrUnsupported) || !strings.Contains(err.Error(), "seqrepo-rest-service") {
		t.Errorf("seqrepo façade: %v, want ErrUnsupported", err)
	}
}
