package rest

import (
	"fmt"
	"sort"
	"strconv"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds (seconds) of the latency histogram.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// routeMetrics holds lock-free counters for one route.
type routeMetrics struct {
	codes   [600]atomic.Int64 // requests by status code
	bytes   atomic.Int64
	errors  atomic.Int64 // responses with status >= 500
	buckets []atomic.Int64
	count   atomic.Int64
	sumNs   atomic.Int64
}

func newRouteMetrics() *routeMetrics {
	return &routeMetrics{buckets: make([]atomic.Int64, len(latencyBuckets))}
}

func (m *routeMetrics) observe(status int, n int64, d time.Duration) {
	if status >= 0 && status < len(m.codes) {
		m.codes[status].Add(1)
	}
	if status >= 500 {
		m.errors.Add(1)
	}
	m.bytes.Add(n)
	m.count.Add(1)
	m.sumNs.Add(int64(d))
	sec := d.Seconds()
	for i, ub := range latencyBuckets {
		if sec <= ub {
			m.buckets[i].Add(1)
			break
		}
	}
}

// metrics is the server's set of Prometheus counters. Routes are fixed at
// construction (the mux patterns plus "other"), so observing never locks.
type metrics struct {
	routes   map[string]*routeMetrics
	inFlight atomic.Int64
	rejected atomic.Int64
	hits     atomic.Int64
	misses   atomic.Int64
}

func newMetrics(routes []string) *metrics {
	m := &metrics{routes: make(map[string]*routeMetrics, len(routes)+1)}
	for _, r := range append(routes, "other") {
		m.routes[r] = newRouteMetrics()
	}
	return m
}

func (m *metrics) route(pattern string) *routeMetrics {
	if rm, ok := m.routes[pattern]; ok {
		return rm
	}
	return m.routes["other"]
}

// render returns the counters in the Prometheus text exposition format.
func (m *metrics) render(cacheLen int) []byte {
	names := make([]string, 0, len(m.routes))
	for r := range m.routes {
		names = append(names, r)
	}
	sort.Strings(names)
	b := make([]byte, 0, 16<<10)
	b = append(b, "# HELP seqfs_http_requests_total HTTP requests by route and status code.\n# TYPE seqfs_http_requests_total counter\n"...)
	for _, r := range names {
		rm := m.routes[r]
		for code := range rm.codes {
			if n := rm.codes[code].Load(); n > 0 {
				b = fmt.Appendf(b, "seqfs_http_requests_total{route=%q,code=\"%d\"} %d\n", r, code, n)
			}
		}
	}
	b = append(b, "# HELP seqfs_http_errors_total HTTP responses with a 5xx status by route.\n# TYPE seqfs_http_errors_total counter\n"...)
	for _, r := range names {
		b = fmt.Appendf(b, "seqfs_http_errors_total{route=%q} %d\n", r, m.routes[r].errors.Load())
	}
	b = append(b, "# HELP seqfs_http_response_bytes_total Response body bytes by route.\n# TYPE seqfs_http_response_bytes_total counter\n"...)
	for _, r := range names {
		b = fmt.Appendf(b, "seqfs_http_response_bytes_total{route=%q} %d\n", r, m.routes[r].bytes.Load())
	}
	b = append(b, "# HELP seqfs_http_request_duration_seconds Request latency by route.\n# TYPE seqfs_http_request_duration_seconds histogram\n"...)
	for _, r := range names {
		rm := m.routes[r]
		var cum int64
		for i, ub := range latencyBuckets {
			cum += rm.buckets[i].Load()
			b = fmt.Appendf(b, "seqfs_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, strconv.FormatFloat(ub, 'g', -1, 64), cum)
		}
		count := rm.count.Load()
		b = fmt.Appendf(b, "seqfs_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, count)
		b = fmt.Appendf(b, "seqfs_http_request_duration_seconds_sum{route=%q} %g\n", r, float64(rm.sumNs.Load())/1e9)
		b = fmt.Appendf(b, "seqfs_http_request_duration_seconds_count{route=%q} %d\n", r, count)
	}
	b = fmt.Appendf(b, "# HELP seqfs_http_in_flight Requests resolving identifiers or reading the source (not those blocked writing to a client).\n# TYPE seqfs_http_in_flight gauge\nseqfs_http_in_flight %d\n", m.inFlight.Load())
	b = fmt.Appendf(b, "# HELP seqfs_http_rejected_total Requests refused with 503 because the concurrency limit was reached.\n# TYPE seqfs_http_rejected_total counter\nseqfs_http_rejected_total %d\n", m.rejected.Load())
	b = fmt.Appendf(b, "# HELP seqfs_resolve_cache_hits_total Identifier resolutions answered from the cache.\n# TYPE seqfs_resolve_cache_hits_total counter\nseqfs_resolve_cache_hits_total %d\n", m.hits.Load())
	b = fmt.Appendf(b, "# HELP seqfs_resolve_cache_misses_total Identifier resolutions that queried the source.\n# TYPE seqfs_resolve_cache_misses_total counter\nseqfs_resolve_cache_misses_total %d\n", m.misses.Load())
	b = fmt.Appendf(b, "# HELP seqfs_resolve_cache_entries Identifier resolutions held in the cache.\n# TYPE seqfs_resolve_cache_entries gauge\nseqfs_resolve_cache_entries %d\n", cacheLen)
	return b
}
