package rest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// BenchmarkSeqcol measures the handler path of /collection (levels 1 and
// 2) and /comparison for a 700-sequence assembly, without the network.
func BenchmarkSeqcol(b *testing.B) {
	src := newMemSource()
	var c repo.Collection
	for i := range 700 {
		id := src.add(randSeq(100+i, uint64(i+10)), true)
		c.Names = append(c.Names, fmt.Sprintf("chr%d", i+1))
		c.SeqIDs = append(c.SeqIDs, id)
		c.Lengths = append(c.Lengths, int64(100+i))
	}
	a, err := src.StoreCollection(context.Background(), "a", c)
	if err != nil {
		b.Fatal(err)
	}
	r := repo.Collection{Names: slices.Clone(c.Names), SeqIDs: slices.Clone(c.SeqIDs), Lengths: slices.Clone(c.Lengths)}
	slices.Reverse(r.Names)
	other, err := src.StoreCollection(context.Background(), "b", r)
	if err != nil {
		b.Fatal(err)
	}
	h := New(src, Options{Logger: slog.New(slog.DiscardHandler)}).Handler()
	for _, tc := range []struct{ name, path string }{
		{"collection-level2", "/collection/" + a},
		{"collection-level1", "/collection/" + a + "?level=1"},
		{"comparison", "/comparison/" + a + "/" + other},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
			}
		})
	}
}
