package repo

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Counter is one metric a source or layer exposes (cache hits, requests to
// a remote store, members skipped by a federation, …).
type Counter struct {
	Name   string      // Prometheus metric name, e.g. "seqfs_cache_hits_total"
	Help   string      // one-line description
	Gauge  bool        // a gauge rather than a counter
	Labels [][2]string // label name/value pairs
	Value  float64
}

// Instrumented is implemented by sources that expose counters. A layer that
// wraps another source includes the inner source's counters in its own.
type Instrumented interface {
	Counters() []Counter
}

// CountersOf returns src's counters, or nil if it exposes none.
func CountersOf(src Source) []Counter {
	if in, ok := src.(Instrumented); ok {
		return in.Counters()
	}
	return nil
}

// AppendPrometheus appends counters in the Prometheus text exposition
// format, grouped by name with one HELP/TYPE header each.
func AppendPrometheus(b []byte, counters []Counter) []byte {
	byName := map[string][]Counter{}
	var names []string
	for _, c := range counters {
		if _, seen := byName[c.Name]; !seen {
			names = append(names, c.Name)
		}
		byName[c.Name] = append(byName[c.Name], c)
	}
	sort.Strings(names)
	for _, n := range names {
		cs := byName[n]
		typ := "counter"
		if cs[0].Gauge {
			typ = "gauge"
		}
		b = fmt.Appendf(b, "# HELP %s %s\n# TYPE %s %s\n", n, cs[0].Help, n, typ)
		for _, c := range cs {
			b = append(b, n...)
			if len(c.Labels) > 0 {
				parts := make([]string, len(c.Labels))
				for i, l := range c.Labels {
					parts[i] = l[0] + "=" + strconv.Quote(l[1])
				}
				b = append(b, '{')
				b = append(b, strings.Join(parts, ",")...)
				b = append(b, '}')
			}
			b = append(b, ' ')
			b = strconv.AppendFloat(b, c.Value, 'g', -1, 64)
			b = append(b, '\n')
		}
	}
	return b
}
