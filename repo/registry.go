package repo

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Opener opens a source named by a URL. Backends register one per scheme.
type Opener func(ctx context.Context, u *url.URL) (Source, error)

var (
	regMu   sync.RWMutex
	openers = map[string]Opener{}
)

// Register makes a backend available under a URL scheme (for example
// "file", "s3", "redis", "refget+https"). It panics on a duplicate scheme,
// which is a programming error.
func Register(scheme string, open Opener) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("repo: scheme registered twice: " + scheme)
	}
	openers[scheme] = open
}

// Schemes returns the registered schemes, sorted.
func Schemes() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(openers))
	for s := range openers {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// ParseLocation turns a source location into a URL: a string without a
// "scheme://" (or "scheme:" for opaque forms) is a local path and becomes a
// file URL.
func ParseLocation(location string) (*url.URL, error) {
	if location == "" {
		return nil, fmt.Errorf("empty source location")
	}
	if !strings.Contains(location, "://") {
		return &url.URL{Scheme: "file", Path: location}, nil
	}
	u, err := url.Parse(location)
	if err != nil {
		return nil, fmt.Errorf("parse source %q: %w", location, err)
	}
	return u, nil
}

// Open opens the source named by location (a URL or a local path) through
// the registered backend for its scheme.
func Open(ctx context.Context, location string) (Source, error) {
	u, err := ParseLocation(location)
	if err != nil {
		return nil, err
	}
	regMu.RLock()
	open, ok := openers[u.Scheme]
	regMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("open %s: unknown source scheme %q (known: %s)", location, u.Scheme, strings.Join(Schemes(), ", "))
	}
	src, err := open(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", u.Redacted(), err)
	}
	return src, nil
}
