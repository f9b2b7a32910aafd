// Package memsource is a small in-memory repo.Source for unit tests. It
// answers with SeqRepo's semantics (alias matching through
// repo.AliasQuery.Match, so repo.Like patterns work; FindAliases ordered by
// (seq_id, namespace, alias); NamespaceAliases and Namespaces list current
// aliases only), counts reads and lets a test inject a hook into every read.
package memsource

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// Source is an in-memory repo.Source. The zero value is not usable; call
// New. Its methods are safe for concurrent use.
type Source struct {
	mu      sync.Mutex
	seqs    map[string][]byte
	infos   map[string]repo.Info
	aliases []repo.Alias // sorted by (seq_id, namespace, alias)
	reads   int
	maxRead int

	colls     map[string]repo.Collection // by level-0 digest
	collAdded map[string]time.Time       // by level-0 digest
	collNames map[string]string          // name -> level-0 digest

	// ReadHook, when set, is called at the start of every ReadSequence
	// (before any lookup or counting); a non-nil error is returned as the
	// read's error. Set it before the source is shared.
	ReadHook func(ctx context.Context, seqID string, start int64) error
}

var (
	_ repo.Source           = (*Source)(nil)
	_ repo.CollectionSource = (*Source)(nil)
	_ repo.CollectionWriter = (*Source)(nil)
)

// New returns an empty source.
func New() *Source {
	return &Source{
		seqs: map[string][]byte{}, infos: map[string]repo.Info{},
		colls: map[string]repo.Collection{}, collAdded: map[string]time.Time{}, collNames: map[string]string{},
	}
}

// Put stores seq under info.SeqID with info as its metadata (stored as
// given, so a test chooses Length, Alphabet and Added). It adds no alias.
func (s *Source) Put(info repo.Info, seq []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seqs[info.SeqID] = seq
	s.infos[info.SeqID] = info
}

// AddAliases adds alias records as given (Current and Added included).
func (s *Source) AddAliases(aliases ...repo.Alias) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aliases = append(s.aliases, aliases...)
	slices.SortStableFunc(s.aliases, compareAlias)
}

func compareAlias(a, b repo.Alias) int {
	return cmp.Or(strings.Compare(a.SeqID, b.SeqID), strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Alias, b.Alias))
}

// Aliases returns a copy of every alias record, ordered by (seq_id,
// namespace, alias).
func (s *Source) Aliases() []repo.Alias {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.aliases)
}

// ReadStats returns how many ReadSequence calls reached a stored sequence
// and the largest buffer one of them asked to fill.
func (s *Source) ReadStats() (reads, maxRead int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads, s.maxRead
}

// FindAliases implements repo.Source.
func (s *Source) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return s.yieldAliases(q.Match)
}

// NamespaceAliases implements repo.Source: the current aliases of ns,
// ordered by alias.
func (s *Source) NamespaceAliases(ctx context.Context, ns string) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		var out []repo.Alias
		for a := range s.yieldAliases(func(a repo.Alias) bool { return a.Namespace == ns && a.Current }) {
			out = append(out, a)
		}
		slices.SortStableFunc(out, func(a, b repo.Alias) int { return strings.Compare(a.Alias, b.Alias) })
		for _, a := range out {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// yieldAliases streams, in stored order, a snapshot of the aliases keep
// accepts.
func (s *Source) yieldAliases(keep func(repo.Alias) bool) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		for _, a := range s.Aliases() {
			if keep(a) && !yield(a, nil) {
				return
			}
		}
	}
}

// Namespaces implements repo.Source: the namespaces with current aliases.
func (s *Source) Namespaces(ctx context.Context) ([]string, error) {
	var out []string
	for _, a := range s.Aliases() {
		if a.Current {
			out = append(out, a.Namespace)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Info implements repo.Source.
func (s *Source) Info(ctx context.Context, seqID string) (repo.Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.infos[seqID]; ok {
		return i, nil
	}
	return repo.Info{}, &repo.SeqNotFoundError{SeqID: seqID}
}

// Sequences implements repo.Source, ordered by seq_id.
func (s *Source) Sequences(ctx context.Context) iter.Seq2[repo.Info, error] {
	return func(yield func(repo.Info, error) bool) {
		s.mu.Lock()
		infos := slices.SortedFunc(maps.Values(s.infos), func(a, b repo.Info) int { return strings.Compare(a.SeqID, b.SeqID) })
		s.mu.Unlock()
		for _, i := range infos {
			if !yield(i, nil) {
				return
			}
		}
	}
}

// ReadSequence implements repo.Source.
func (s *Source) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	if s.ReadHook != nil {
		if err := s.ReadHook(ctx, seqID, start); err != nil {
			return 0, err
		}
	}
	s.mu.Lock()
	seq, ok := s.seqs[seqID]
	if ok && start >= 0 && start <= int64(len(seq)) {
		s.reads++
		s.maxRead = max(s.maxRead, len(p))
	}
	s.mu.Unlock()
	if !ok {
		return 0, &repo.SeqNotFoundError{SeqID: seqID}
	}
	if start < 0 || start > int64(len(seq)) {
		return 0, &repo.CoordinateError{Msg: fmt.Sprintf("start %d out of range", start)}
	}
	n := copy(p, seq[start:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Close implements repo.Source; it does nothing.
func (s *Source) Close() error { return nil }

// StoreCollection implements repo.CollectionWriter. Unlike a real writer it
// takes effect at once (there is no Commit); it checks that c is valid and
// that its sequences are stored.
func (s *Source) StoreCollection(ctx context.Context, name string, c repo.Collection) (string, error) {
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("store collection %q: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range c.SeqIDs {
		if _, ok := s.infos[id]; !ok {
			return "", fmt.Errorf("store collection %q: %w", name, &repo.SeqNotFoundError{SeqID: id})
		}
	}
	d := c.Digest()
	if _, ok := s.colls[d]; !ok {
		s.colls[d] = c
		s.collAdded[d] = time.Now().UTC()
	}
	if name != "" {
		s.collNames[name] = d
	}
	return d, nil
}

// Collection implements repo.CollectionSource: a name first, then a digest.
func (s *Source) Collection(ctx context.Context, nameOrDigest string) (repo.Collection, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.collNames[nameOrDigest]
	if !ok {
		d = nameOrDigest
	}
	c, ok := s.colls[d]
	if !ok {
		return repo.Collection{}, "", &repo.CollectionNotFoundError{Ref: nameOrDigest}
	}
	return c, d, nil
}

// Collections implements repo.CollectionSource, ordered by digest.
func (s *Source) Collections(ctx context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return func(yield func(repo.CollectionInfo, error) bool) {
		s.mu.Lock()
		names := map[string][]string{}
		for n, d := range s.collNames {
			names[d] = append(names[d], n)
		}
		infos := make([]repo.CollectionInfo, 0, len(s.colls))
		for d, c := range s.colls {
			infos = append(infos, repo.CollectionInfo{
				Digest: d, Names: repo.SortedNames(names[d]), Sequences: c.Len(),
				Residues: c.Residues(), Added: s.collAdded[d],
			})
		}
		s.mu.Unlock()
		slices.SortFunc(infos, func(a, b repo.CollectionInfo) int { return strings.Compare(a.Digest, b.Digest) })
		for _, i := range infos {
			if !yield(i, nil) {
				return
			}
		}
	}
}
