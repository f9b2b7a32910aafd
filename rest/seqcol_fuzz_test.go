package rest

import (
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// FuzzParseListQuery checks that the /list query parser never panics and
// that what it accepts is within bounds and names schema attributes only.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"", "page=0&page_size=100", "names=abc", "page=-1", "page_size=0", "names=a&names=b",
		"sorted_name_length_pairs=x&lengths=y", "page=99999999999999999999", "%zz", "colour=red", "page=1&page=1"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, filters bool) {
		lq, err := parseListQuery(raw, filters)
		if err != nil {
			return
		}
		if lq.page < 0 || lq.pageSize < 1 || lq.pageSize > maxPageSize {
			t.Fatalf("out of bounds: %+v from %q", lq, raw)
		}
		if !filters && len(lq.filters) > 0 {
			t.Fatalf("filters accepted from %q", raw)
		}
		for k := range lq.filters {
			if !repo.IsSeqcolAttribute(k) {
				t.Fatalf("filter on %q accepted", k)
			}
		}
	})
}
