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

// WriterOpener opens (creating if needed) a writable store named by a URL.
type WriterOpener func(ctx context.Context, u *url.URL) (Writer, error)

var (
	regMu         sync.RWMutex
	openers       = map[string]Opener{}
	writerOpeners = map[string]WriterOpener{}
)

// RegisterWriter makes a writable backend available under a URL scheme for
// OpenWriter (seqfs copy's destination). It panics on a duplicate scheme.
func RegisterWriter(scheme string, open WriterOpener) {
	register(writerOpeners, scheme, open, "writer scheme")
}

// OpenWriter opens the writable store named by location (a URL or a local
// path), creating it if the backend does that (an empty SeqRepo instance).
func OpenWriter(ctx context.Context, location string) (Writer, error) {
	u, err := ParseLocation(location)
	if err != nil {
		return nil, err
	}
	regMu.RLock()
	open, ok := writerOpeners[u.Scheme]
	known := make([]string, 0, len(writerOpeners))
	for s := range writerOpeners {
		known = append(known, s)
	}
	regMu.RUnlock()
	if !ok {
		sort.Strings(known)
		return nil, fmt.Errorf("open %s for writing: %q sources are not writable (writable: %s): %w",
			u.Redacted(), u.Scheme, strings.Join(known, ", "), ErrReadOnly)
	}
	w, err := open(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open %s for writing: %w", u.Redacted(), err)
	}
	return w, nil
}

// Register makes a backend available under a URL scheme (for example
// "file", "s3", "redis", "refget+https"). It panics on a duplicate scheme,
// which is a programming error.
func Register(scheme string, open Opener) {
	register(openers, scheme, open, "scheme")
}

// register adds open to the registry m under scheme, panicking with
// "repo: <what> registered twice" on a duplicate.
func register[T any](m map[string]T, scheme string, open T, what string) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := m[scheme]; dup {
		panic("repo: " + what + " registered twice: " + scheme)
	}
	m[scheme] = open
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
