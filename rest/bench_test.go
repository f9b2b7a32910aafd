package rest

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// discardWriter is a minimal http.ResponseWriter for handler benchmarks.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkSequenceHot measures the handler path of a cached
// /sequence/{md5}?start&end request (100 residues), without the network.
func BenchmarkSequenceHot(b *testing.B) {
	src := newMemSource()
	seq := randSeq(1_000_000, 3)
	src.add(seq, true)
	d := src.Aliases()[0].Alias // MD5 (first alias in namespace order)
	for _, withLog := range []bool{false, true} {
		opts := Options{Logger: slog.New(slog.DiscardHandler)}
		name := "nolog"
		if withLog {
			opts.AccessLog = discard{}
			name = "accesslog"
		}
		srv := New(src, opts)
		h := srv.Handler()
		reqs := make([]*http.Request, 64)
		for i := range reqs {
			s := i * 9973
			reqs[i] = httptest.NewRequest("GET", "/sequence/"+d+"?start="+strconv.Itoa(s)+"&end="+strconv.Itoa(s+100), nil)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := reqs[i%len(reqs)]
				w := &discardWriter{h: http.Header{}}
				h.ServeHTTP(w, r)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
