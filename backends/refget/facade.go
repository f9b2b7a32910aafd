package refget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seqfs/seqfs/internal/flight"
	"github.com/seqfs/seqfs/repo"
)

// Factory opens read-only façades over refget v2 servers (refget+http://,
// refget+https://) and seqrepo-rest-services (seqrepo+http://,
// seqrepo+https://). Everything is configured by the URL; it has no
// settings.
type Factory struct{}

var _ repo.Factory = Factory{}

// Name returns "refget".
func (Factory) Name() string { return "refget" }

// Schemes returns the four façade schemes.
func (Factory) Schemes() []string {
	return []string{"refget+http", "refget+https", "seqrepo+http", "seqrepo+https"}
}

// Settings returns none: a façade is configured by its URL.
func (Factory) Settings() []repo.Setting { return nil }

// Open returns the façade for u (see Open).
func (Factory) Open(ctx context.Context, u *url.URL, _ repo.Settings) (repo.Source, error) {
	return Open(ctx, u)
}

// Source is a read-only repo.Source over a refget v2 server or a
// seqrepo-rest-service. It is safe for concurrent use.
type Source struct {
	name  string // source URL (redacted) for messages
	base  string // http(s) base URL without trailing slash
	proto protocol
	c     *client
	cache *metaCache
	sf    flight.Group[*meta] // metadata requests shared by concurrent callers
}

var _ repo.Source = (*Source)(nil)

// Open returns a façade for a refget+http(s):// or seqrepo+http(s):// URL.
// The tuning parameters described in the package documentation are taken
// from the URL's query and not sent to the server. Open does not contact
// the server.
func Open(_ context.Context, u *url.URL) (*Source, error) {
	var proto protocol
	kind, scheme, ok := strings.Cut(u.Scheme, "+")
	if !ok || (scheme != "http" && scheme != "https") {
		return nil, fmt.Errorf("refget: unsupported scheme %q (want refget+http(s) or seqrepo+http(s))", u.Scheme)
	}
	switch kind {
	case "refget":
		proto = refgetV2{}
	case "seqrepo":
		proto = seqrepoREST{}
	default:
		return nil, fmt.Errorf("refget: unsupported scheme %q (want refget+http(s) or seqrepo+http(s))", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("refget: %s has no host", u.Redacted())
	}
	opts, rest, err := parseOptions(u.Query())
	if err != nil {
		return nil, fmt.Errorf("refget: %s: %w", u.Redacted(), err)
	}
	b := *u
	b.Scheme = scheme
	b.RawQuery = rest.Encode()
	b.Fragment = ""
	if b.RawQuery != "" {
		return nil, fmt.Errorf("refget: %s: unknown parameter(s) %q (known: timeout, attempts, backoff, cooldown, cache, negative_ttl)", u.Redacted(), b.RawQuery)
	}
	base := strings.TrimRight(b.String(), "/")
	if pb, err := url.Parse(base + "/sequence/x"); err != nil || pb.Host != u.Host {
		return nil, fmt.Errorf("refget: %s: not a usable server address (%v)", u.Redacted(), err)
	}
	shown := *u
	shown.RawQuery = ""
	name := strings.TrimRight(shown.Redacted(), "/")
	return &Source{
		name:  name,
		base:  base,
		proto: proto,
		c:     newClient(name, opts),
		cache: newMetaCache(opts.CacheSize),
	}, nil
}

// parseOptions takes the client tuning parameters out of q and returns
// the rest.
func parseOptions(q url.Values) (clientOptions, url.Values, error) {
	opts := defaultClientOptions()
	durs := map[string]*time.Duration{"timeout": &opts.Timeout, "backoff": &opts.Backoff, "cooldown": &opts.Cooldown, "negative_ttl": &opts.NegTTL}
	for k, p := range durs {
		if v := q.Get(k); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return opts, nil, fmt.Errorf("parameter %s=%q: want a non-negative duration such as 30s", k, v)
			}
			*p = d
		}
		q.Del(k)
	}
	ints := map[string]*int{"attempts": &opts.Attempts, "cache": &opts.CacheSize}
	for k, p := range ints {
		if v := q.Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (k == "attempts" && n < 1) {
				return opts, nil, fmt.Errorf("parameter %s=%q: want a non-negative integer (attempts ≥ 1)", k, v)
			}
			*p = n
		}
		q.Del(k)
	}
	if opts.Timeout == 0 {
		opts.Timeout = defaultClientOptions().Timeout
	}
	return opts, q, nil
}

// String returns the source URL.
func (s *Source) String() string { return s.name }

// Requests returns how many HTTP requests the façade has sent.
func (s *Source) Requests() int64 { return s.c.requests.Load() }

// Close releases idle connections.
func (s *Source) Close() error {
	s.c.close()
	return nil
}

func (s *Source) unsupported(what string) error {
	return fmt.Errorf("%s %s cannot %s: %w", s.proto.kind(), s.name, what, repo.ErrUnsupported)
}

// metadata returns the metadata of the sequence the server resolves id
// to, from the cache when possible.
func (s *Source) metadata(ctx context.Context, id string) (*meta, error) {
	if m, ok := s.cache.get(id, time.Now()); ok {
		if m == nil {
			return nil, fmt.Errorf("%s %s: %s: %w", s.proto.kind(), s.name, id, repo.ErrNotFound)
		}
		return m, nil
	}
	// Coalesced callers share this request: it runs until the last of
	// them stops waiting, and each stops waiting when its context ends.
	m, err := s.sf.Do(ctx, id, func(ctx context.Context) (*meta, error) {
		u := s.proto.metadataURL(s.base, id)
		var m *meta
		err := s.c.get(ctx, u, s.proto.metadataAccept(), func(resp *http.Response) error {
			body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
			if err != nil {
				return &retryable{err: fmt.Errorf("GET %s: read body: %w", u, err)}
			}
			m, err = s.proto.parseMetadata(body)
			if err != nil {
				return repo.Corrupt("GET "+u, err)
			}
			return nil
		})
		switch {
		case errors.Is(err, repo.ErrNotFound):
			if s.c.opts.NegTTL > 0 {
				s.cache.put(id, nil, time.Now().Add(s.c.opts.NegTTL))
			}
			return nil, err
		case err != nil:
			return nil, err
		}
		s.cache.put(id, m, time.Time{})
		s.cache.put(s.proto.seqIDRef(m.SeqID), m, time.Time{})
		return m, nil
	})
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("metadata of %s from %s: %w", id, s.name, err)
	}
	return m, err
}

// bySeqID returns the metadata of a seq_id; an unknown one gives a
// *repo.SeqNotFoundError.
func (s *Source) bySeqID(ctx context.Context, seqID string) (*meta, error) {
	if !validSeqID(seqID) {
		return nil, &repo.SeqNotFoundError{SeqID: seqID}
	}
	m, err := s.metadata(ctx, s.proto.seqIDRef(seqID))
	if errors.Is(err, repo.ErrNotFound) {
		return nil, fmt.Errorf("%s %s: %w", s.proto.kind(), s.name, &repo.SeqNotFoundError{SeqID: seqID})
	}
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", seqID, err)
	}
	if m.SeqID != seqID {
		return nil, repo.Corrupt(s.name, fmt.Errorf("metadata of SQ.%s describes SQ.%s", seqID, m.SeqID))
	}
	return m, nil
}

// FindAliases answers exact alias and seq_id queries by fetching the
// sequence's metadata (see the package documentation); pattern and
// listing queries give repo.ErrUnsupported.
func (s *Source) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		recs, err := s.findAliases(ctx, q)
		if err != nil {
			yield(repo.Alias{}, err)
			return
		}
		for _, a := range recs {
			if !yield(a, nil) {
				return
			}
		}
	}
}

func (s *Source) findAliases(ctx context.Context, q repo.AliasQuery) ([]repo.Alias, error) {
	if repo.IsPattern(q.SeqID) || repo.IsPattern(q.Namespace) || repo.IsPattern(q.Alias) {
		return nil, s.unsupported(fmt.Sprintf("match alias patterns (query seq_id=%q namespace=%q alias=%q)", q.SeqID, q.Namespace, q.Alias))
	}
	var m *meta
	var err error
	synth := false
	switch {
	case q.Alias != "":
		id, ok := s.proto.aliasID(q.Namespace, q.Alias)
		if !ok {
			return nil, nil
		}
		m, err = s.metadata(ctx, id)
		if errors.Is(err, repo.ErrNotFound) {
			return nil, nil
		}
		if errors.Is(err, repo.ErrAmbiguous) {
			return nil, fmt.Errorf("alias %s:%s: %w", q.Namespace, q.Alias, err)
		}
		synth = q.Namespace != ""
	case q.SeqID != "":
		m, err = s.bySeqID(ctx, q.SeqID)
		if errors.Is(err, repo.ErrNotFound) {
			return nil, nil
		}
	default:
		return nil, s.unsupported("list aliases (query names no alias or seq_id)")
	}
	if err != nil {
		return nil, err
	}
	var out []repo.Alias
	found := false
	for _, a := range m.Aliases {
		if q.Match(a) {
			out = append(out, a)
			found = found || (a.Namespace == q.Namespace && a.Alias == q.Alias)
		}
	}
	// The server resolved ns:alias to this sequence but its metadata does
	// not list the binding (refget v2 metadata omits SHA1, SEGUID, …):
	// the resolution itself is the evidence. Digest namespaces are checked
	// against the digests instead, since servers match them loosely.
	if synth && !found && (q.SeqID == "" || q.SeqID == m.SeqID) && !hasNamespace(m, q.Namespace) && s.evidenced(m, q.Namespace, q.Alias) {
		out = append(out, repo.Alias{SeqID: m.SeqID, Namespace: q.Namespace, Alias: q.Alias, Added: m.Added, Current: true})
		out = finishAliases(out, m.SeqID, m.Added)
	}
	return out, nil
}

// hasNamespace reports whether the metadata lists any alias in ns (then
// the server reports that namespace, and a binding it does not list is
// not one).
func hasNamespace(m *meta, ns string) bool {
	for _, a := range m.Aliases {
		if a.Namespace == ns {
			return true
		}
	}
	return false
}

// evidenced reports whether the server's answer to ns:alias proves the
// binding (see findAliases).
func (s *Source) evidenced(m *meta, ns, alias string) bool {
	switch ns {
	case "MD5":
		return m.MD5 != "" && alias == m.MD5
	case "VMC":
		return alias == "GS_"+m.SeqID
	case "SHA1":
		return hex40RE.MatchString(alias) && alias == strings.ToLower(alias)
	}
	return true
}

var hex40RE = hexRE(40)

// NamespaceAliases returns repo.ErrUnsupported: a network service cannot
// list a namespace.
func (s *Source) NamespaceAliases(_ context.Context, namespace string) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		yield(repo.Alias{}, s.unsupported("list namespace "+strconvQuote(namespace)))
	}
}

// Namespaces returns repo.ErrUnsupported: a network service cannot list
// its namespaces (see the package documentation).
func (s *Source) Namespaces(context.Context) ([]string, error) {
	return nil, s.unsupported("list namespaces")
}

// Sequences returns repo.ErrUnsupported: a network service cannot list its
// sequences.
func (s *Source) Sequences(context.Context) iter.Seq2[repo.Info, error] {
	return func(yield func(repo.Info, error) bool) {
		yield(repo.Info{}, s.unsupported("list sequences"))
	}
}

// Info returns the length (and, from a seqrepo-rest-service, the alphabet
// and added time) of a sequence by seq_id.
func (s *Source) Info(ctx context.Context, seqID string) (repo.Info, error) {
	m, err := s.bySeqID(ctx, seqID)
	if err != nil {
		return repo.Info{}, err
	}
	return repo.Info{SeqID: m.SeqID, Length: m.Length, Alphabet: m.Alphabet, Added: m.Added}, nil
}

// ReadSequence fetches residues [start, start+len(p)) with one ranged GET.
func (s *Source) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	m, err := s.bySeqID(ctx, seqID)
	if err != nil {
		return 0, err
	}
	if start < 0 || start > m.Length {
		return 0, &repo.CoordinateError{Msg: fmt.Sprintf("sequence %s: start %d out of range [0, %d]", seqID, start, m.Length)}
	}
	end := start + int64(len(p))
	if end > m.Length || end < start {
		end = m.Length
	}
	want := int(end - start)
	if want > 0 {
		u := s.proto.sequenceURL(s.base, s.proto.seqIDRef(seqID), start, end)
		err := s.c.get(ctx, u, s.proto.sequenceAccept(), func(resp *http.Response) error {
			if resp.ContentLength >= 0 && resp.ContentLength != int64(want) {
				return repo.Corrupt("GET "+u, fmt.Errorf("response has %d bytes, want %d", resp.ContentLength, want))
			}
			n, err := io.ReadFull(resp.Body, p[:want])
			if err != nil {
				return &retryable{err: fmt.Errorf("GET %s: read body: got %d of %d bytes: %w", u, n, want, err)}
			}
			var extra [1]byte
			if k, _ := resp.Body.Read(extra[:]); k > 0 {
				return repo.Corrupt("GET "+u, fmt.Errorf("response is longer than the %d bytes asked for", want))
			}
			return nil
		})
		if err != nil {
			if errors.Is(err, repo.ErrNotFound) {
				s.cache.put(s.proto.seqIDRef(seqID), nil, time.Now().Add(s.c.opts.NegTTL))
				return 0, fmt.Errorf("%s %s: %w", s.proto.kind(), s.name, &repo.SeqNotFoundError{SeqID: seqID})
			}
			return 0, fmt.Errorf("read %s[%d:%d]: %w", seqID, start, end, err)
		}
	}
	if want < len(p) {
		return want, io.EOF
	}
	return want, nil
}
