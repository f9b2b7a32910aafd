package redis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"slices"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seqfs/seqfs/repo"
)

// pageSize is how many members one ZRANGEBYLEX page returns.
const pageSize = 1000

// maxCachedInfos bounds the in-process sequence metadata cache.
const maxCachedInfos = 1 << 18

// Source reads a seqfs Redis store. It is safe for concurrent use.
type Source struct {
	client  goredis.UniversalClient
	cluster bool
	k       keys
	server  string
	psize   int64

	mu    sync.RWMutex
	infos map[string]seqMeta
}

var _ repo.Source = (*Source)(nil)

func newSource(o Options) *Source {
	if o.Prefix == "" {
		o.Prefix = "seqfs"
	}
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.Server == "" {
		o.Server = "redis " + strings.Join(o.Client.Addrs, ",")
	}
	c := goredis.NewUniversalClient(&o.Client)
	_, cluster := c.(*goredis.ClusterClient)
	return &Source{client: c, cluster: cluster, k: keys{o.Prefix}, server: o.Server, psize: o.PartSize,
		infos: make(map[string]seqMeta)}
}

// Server returns the description of the server(s) used in error messages.
func (s *Source) Server() string { return s.server }

// Client returns the underlying go-redis client (for benchmarks and tools).
func (s *Source) Client() goredis.UniversalClient { return s.client }

// Close closes the connection pool.
func (s *Source) Close() error { return s.client.Close() }

// wrap maps a go-redis error to the repo sentinels: a cancelled or expired
// caller context is returned as such, Redis error replies that say the
// server is busy or failing over and every transport error match
// ErrUnavailable naming the server, other error replies ErrCorrupt.
func (s *Source) wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("%s %s: %w", s.server, op, err)
	}
	var rerr goredis.Error
	var nerr net.Error
	if errors.As(err, &rerr) && !errors.As(err, &nerr) && !errors.Is(err, goredis.ErrClosed) {
		msg := rerr.Error()
		for _, transient := range []string{"LOADING", "BUSY", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "READONLY", "MOVED", "ASK"} {
			if strings.HasPrefix(msg, transient) {
				return repo.Unavailable(s.server, fmt.Errorf("%s: %w", op, err))
			}
		}
		return repo.Corrupt(s.server, fmt.Errorf("%s: %w", op, err))
	}
	return repo.Unavailable(s.server, fmt.Errorf("%s: %w", op, err))
}

// meta returns a committed sequence's metadata, from the cache when it can.
func (s *Source) meta(ctx context.Context, seqID string) (seqMeta, error) {
	s.mu.RLock()
	m, ok := s.infos[seqID]
	s.mu.RUnlock()
	if ok {
		return m, nil
	}
	key := s.k.info(seqID)
	vals, err := s.client.HMGet(ctx, key, "len", "alpha", "added", "psize").Result()
	if err != nil {
		return m, s.wrap(ctx, "read "+key, err)
	}
	if vals[0] == nil {
		return m, &repo.SeqNotFoundError{SeqID: seqID}
	}
	m, err = parseInfoVals(vals)
	if err != nil {
		return m, repo.Corrupt(s.server+" key "+key, err)
	}
	s.remember(seqID, m)
	return m, nil
}

func parseInfoVals(vals []any) (seqMeta, error) {
	str := func(i int) string {
		v, _ := vals[i].(string)
		return v
	}
	return parseInfo(str(0), str(1), str(2), str(3))
}

func (s *Source) remember(seqID string, m seqMeta) {
	s.mu.Lock()
	if len(s.infos) >= maxCachedInfos {
		clear(s.infos)
	}
	s.infos[seqID] = m
	s.mu.Unlock()
}

func (s *Source) forget(seqID string) {
	s.mu.Lock()
	delete(s.infos, seqID)
	s.mu.Unlock()
}

// Info returns the metadata of a committed sequence.
func (s *Source) Info(ctx context.Context, seqID string) (repo.Info, error) {
	m, err := s.meta(ctx, seqID)
	if err != nil {
		return repo.Info{}, err
	}
	return repo.Info{SeqID: seqID, Length: m.length, Alphabet: m.alpha, Added: m.added}, nil
}

// ReadSequence copies residues [start, start+len(p)) into p with GETRANGE
// on the part(s) holding them; see repo.Source.
func (s *Source) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	for attempt := 0; ; attempt++ {
		m, err := s.meta(ctx, seqID)
		if err != nil {
			return 0, err
		}
		n, short, err := s.readParts(ctx, seqID, m, p, start)
		if err != nil || !short {
			return n, err
		}
		// The parts are shorter than the info says: a stale cache entry
		// after a reload, or damaged data. Re-read the info once.
		s.forget(seqID)
		if attempt == 1 {
			return 0, repo.Corrupt(s.server+" sequence "+seqID,
				fmt.Errorf("parts under %s hold fewer residues than its length %d", s.k.part(seqID, m.psize, 0), m.length))
		}
	}
}

func (s *Source) readParts(ctx context.Context, seqID string, m seqMeta, p []byte, start int64) (n int, short bool, err error) {
	if start < 0 || start > m.length {
		return 0, false, &repo.CoordinateError{Msg: fmt.Sprintf("sequence %s: start %d out of range [0, %d]", seqID, start, m.length)}
	}
	end := min(start+int64(len(p)), m.length)
	if end == start {
		if len(p) > 0 {
			return 0, false, io.EOF
		}
		return 0, false, nil
	}
	first, last := start/m.psize, (end-1)/m.psize
	if first == last {
		key := s.k.part(seqID, m.psize, first)
		off := first * m.psize
		v, err := s.client.GetRange(ctx, key, start-off, end-1-off).Result()
		if err != nil {
			return 0, false, s.wrap(ctx, "GETRANGE "+key, err)
		}
		if int64(len(v)) != end-start {
			return 0, true, nil
		}
		n = copy(p, v)
	} else {
		cmds := make([]*goredis.StringCmd, 0, last-first+1)
		_, err := s.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			for i := first; i <= last; i++ {
				off := i * m.psize
				lo, hi := max(start, off), min(end, off+m.psize)
				cmds = append(cmds, pl.GetRange(ctx, s.k.part(seqID, m.psize, i), lo-off, hi-1-off))
			}
			return nil
		})
		if err != nil {
			return 0, false, s.wrap(ctx, fmt.Sprintf("GETRANGE %s parts %d-%d", seqID, first, last), err)
		}
		for _, c := range cmds {
			n += copy(p[n:], c.Val())
		}
		if int64(n) != end-start {
			return 0, true, nil
		}
	}
	if n < len(p) {
		return n, false, io.EOF
	}
	return n, false, nil
}

// Namespaces returns the namespaces with current aliases, sorted.
func (s *Source) Namespaces(ctx context.Context) ([]string, error) {
	key := s.k.namespaces()
	out, err := s.client.ZRange(ctx, key, 0, -1).Result()
	if err != nil {
		return nil, s.wrap(ctx, "read "+key, err)
	}
	slices.Sort(out) // already in byte order; kept sorted whatever the scores
	return out, nil
}

// scanLex pages through a score-0 sorted set in byte order between min and
// max (ZRANGEBYLEX syntax), yielding each member.
func (s *Source) scanLex(ctx context.Context, key, lo, hi string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for {
			page, err := s.client.ZRangeByLex(ctx, key, &goredis.ZRangeBy{Min: lo, Max: hi, Count: pageSize}).Result()
			if err != nil {
				yield("", s.wrap(ctx, "ZRANGEBYLEX "+key, err))
				return
			}
			for _, m := range page {
				if !yield(m, nil) {
					return
				}
			}
			if len(page) < pageSize {
				return
			}
			lo = "(" + page[len(page)-1]
		}
	}
}

// NamespaceAliases streams the current aliases of one namespace in alias
// order, a page at a time.
func (s *Source) NamespaceAliases(ctx context.Context, namespace string) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		key := s.k.ns(namespace)
		for m, err := range s.scanLex(ctx, key, "-", "+") {
			if err != nil {
				yield(repo.Alias{}, err)
				return
			}
			a, err := s.nsAlias(key, namespace, m, true)
			if !yield(a, err) || err != nil {
				return
			}
		}
	}
}

// nsAlias decodes a namespace set member into an Alias.
func (s *Source) nsAlias(key, namespace, member string, current bool) (repo.Alias, error) {
	b, err := parseBinding(member)
	if err != nil {
		return repo.Alias{}, repo.Corrupt(s.server+" key "+key, err)
	}
	t, _ := parseTime(b.added)
	return repo.Alias{SeqID: b.seqID, Namespace: namespace, Alias: b.alias, Added: t, Current: current}, nil
}

// Sequences streams the Info of every committed sequence in seq_id order.
func (s *Source) Sequences(ctx context.Context) iter.Seq2[repo.Info, error] {
	return func(yield func(repo.Info, error) bool) {
		for ids, err := range s.seqPages(ctx) {
			if err != nil {
				yield(repo.Info{}, err)
				return
			}
			cmds := make([]*goredis.SliceCmd, len(ids))
			_, err := s.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
				for i, id := range ids {
					cmds[i] = pl.HMGet(ctx, s.k.info(id), "len", "alpha", "added", "psize")
				}
				return nil
			})
			if err != nil {
				yield(repo.Info{}, s.wrap(ctx, "read sequence info", err))
				return
			}
			for i, id := range ids {
				vals := cmds[i].Val()
				if vals[0] == nil {
					yield(repo.Info{}, repo.Corrupt(s.server+" key "+s.k.seqs(), fmt.Errorf("lists %s but %s is missing", id, s.k.info(id))))
					return
				}
				m, err := parseInfoVals(vals)
				if err != nil {
					yield(repo.Info{}, repo.Corrupt(s.server+" key "+s.k.info(id), err))
					return
				}
				if !yield(repo.Info{SeqID: id, Length: m.length, Alphabet: m.alpha, Added: m.added}, nil) {
					return
				}
			}
		}
	}
}

// seqPages yields the committed seq_ids a page at a time.
func (s *Source) seqPages(ctx context.Context) iter.Seq2[[]string, error] {
	return s.lexPages(ctx, s.k.seqs())
}

// lexPages yields every member of a score-0 sorted set in byte order, a
// page at a time.
func (s *Source) lexPages(ctx context.Context, key string) iter.Seq2[[]string, error] {
	return func(yield func([]string, error) bool) {
		lo := "-"
		for {
			page, err := s.client.ZRangeByLex(ctx, key, &goredis.ZRangeBy{Min: lo, Max: "+", Count: pageSize}).Result()
			if err != nil {
				yield(nil, s.wrap(ctx, "ZRANGEBYLEX "+key, err))
				return
			}
			if len(page) > 0 && !yield(page, nil) {
				return
			}
			if len(page) < pageSize {
				return
			}
			lo = "(" + page[len(page)-1]
		}
	}
}

// FindAliases streams the alias records matching q in (seq_id, namespace,
// alias) byte order, like SeqRepo's find_aliases.
func (s *Source) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		switch {
		case q.SeqID != "" && !repo.IsPattern(q.SeqID):
			recs, err := s.seqAliases(ctx, []string{q.SeqID}, q)
			emit(recs, err, yield)
		case q.Namespace == "" && q.Alias == "":
			// Only a seq_id pattern (or nothing): walk the sequences in
			// order, so the stream needs no sorting.
			for ids, err := range s.seqPages(ctx) {
				if err != nil {
					yield(repo.Alias{}, err)
					return
				}
				ids = slices.DeleteFunc(ids, func(id string) bool { return !repo.Matches(q.SeqID, id) })
				recs, err := s.seqAliases(ctx, ids, q)
				if !emit(recs, err, yield) {
					return
				}
			}
		default:
			recs, err := s.nsFind(ctx, q)
			emit(recs, err, yield)
		}
	}
}

func emit(recs []repo.Alias, err error, yield func(repo.Alias, error) bool) bool {
	if err != nil {
		yield(repo.Alias{}, err)
		return false
	}
	for _, a := range recs {
		if !yield(a, nil) {
			return false
		}
	}
	return true
}

// sortAliases orders records by (seq_id, namespace, alias); ties keep
// their order (historic records come first).
func sortAliases(recs []repo.Alias) {
	slices.SortStableFunc(recs, func(a, b repo.Alias) int {
		return cmp.Or(strings.Compare(a.SeqID, b.SeqID), strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Alias, b.Alias))
	})
}

// seqAliases reads the per-sequence alias records of ids (in order) and
// returns those matching q, sorted.
func (s *Source) seqAliases(ctx context.Context, ids []string, q repo.AliasQuery) ([]repo.Alias, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cur := make([]*goredis.MapStringStringCmd, len(ids))
	hist := make([]*goredis.StringSliceCmd, len(ids))
	_, err := s.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		for i, id := range ids {
			cur[i] = pl.HGetAll(ctx, s.k.aliases(id))
			if q.IncludeHistoric {
				hist[i] = pl.ZRange(ctx, s.k.hist(id), 0, -1)
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap(ctx, "read aliases of "+ids[0], err)
	}
	var out []repo.Alias
	for i, id := range ids {
		var recs []repo.Alias
		if q.IncludeHistoric {
			for _, m := range hist[i].Val() {
				ns, alias, added, err := parseHistMember(m)
				if err != nil {
					return nil, repo.Corrupt(s.server+" key "+s.k.hist(id), err)
				}
				t, _ := parseTime(added)
				recs = append(recs, repo.Alias{SeqID: id, Namespace: ns, Alias: alias, Added: t})
			}
		}
		for f, added := range cur[i].Val() {
			ns, alias, err := parseNSAliasField(f)
			if err != nil {
				return nil, repo.Corrupt(s.server+" key "+s.k.aliases(id), err)
			}
			t, err := parseTime(added)
			if err != nil {
				return nil, repo.Corrupt(s.server+" key "+s.k.aliases(id), fmt.Errorf("field %q: %w", f, err))
			}
			recs = append(recs, repo.Alias{SeqID: id, Namespace: ns, Alias: alias, Added: t, Current: true})
		}
		for _, a := range recs {
			if q.Match(a) {
				out = append(out, a)
			}
		}
	}
	sortAliases(out)
	return out, nil
}

// nsFind answers a query that names a namespace or an alias through the
// namespace sets: point lookups for an exact alias, ranged scans for a
// pattern.
func (s *Source) nsFind(ctx context.Context, q repo.AliasQuery) ([]repo.Alias, error) {
	var nss []string
	if q.Namespace != "" && !repo.IsPattern(q.Namespace) {
		nss = []string{q.Namespace}
	} else {
		all, err := s.Namespaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, ns := range all {
			if repo.Matches(q.Namespace, ns) {
				nss = append(nss, ns)
			}
		}
	}
	if len(nss) == 0 {
		return nil, nil
	}
	var out []repo.Alias
	add := func(key, ns, m string, current bool) error {
		a, err := s.nsAlias(key, ns, m, current)
		if err != nil {
			return err
		}
		if q.Match(a) {
			out = append(out, a)
		}
		return nil
	}
	if q.Alias != "" && !repo.IsPattern(q.Alias) {
		if strings.Contains(q.Alias, sep) {
			return nil, nil // cannot be stored
		}
		type lookup struct {
			ns      string
			key     string
			current bool
			cmd     *goredis.StringSliceCmd
		}
		var ls []lookup
		lo, hi := "["+q.Alias+sep, "("+q.Alias+"\x01"
		_, err := s.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			for _, ns := range nss {
				if q.IncludeHistoric {
					k := s.k.nsHist(ns)
					ls = append(ls, lookup{ns, k, false, pl.ZRangeByLex(ctx, k, &goredis.ZRangeBy{Min: lo, Max: hi})})
				}
				k := s.k.ns(ns)
				ls = append(ls, lookup{ns, k, true, pl.ZRangeByLex(ctx, k, &goredis.ZRangeBy{Min: lo, Max: hi})})
			}
			return nil
		})
		if err != nil {
			return nil, s.wrap(ctx, "look up alias "+q.Alias, err)
		}
		for _, l := range ls {
			for _, m := range l.cmd.Val() {
				if err := add(l.key, l.ns, m, l.current); err != nil {
					return nil, err
				}
			}
		}
	} else {
		ranges := [][2]string{{"-", "+"}}
		if q.Alias != "" {
			ranges = likeRanges(q.Alias)
		}
		for _, ns := range nss {
			keys := []string{s.k.ns(ns)}
			if q.IncludeHistoric {
				keys = []string{s.k.nsHist(ns), s.k.ns(ns)}
			}
			for _, key := range keys {
				current := key == s.k.ns(ns)
				for _, r := range ranges {
					for m, err := range s.scanLex(ctx, key, r[0], r[1]) {
						if err != nil {
							return nil, err
						}
						if err := add(key, ns, m, current); err != nil {
							return nil, err
						}
					}
				}
			}
		}
	}
	sortAliases(out)
	return out, nil
}
