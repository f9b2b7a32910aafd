package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// memSource is a tiny in-memory repo.Source for handler tests.
type memSource struct {
	mu      sync.Mutex
	seqs    map[string][]byte
	infos   map[string]repo.Info
	aliases []repo.Alias
	// failAt makes ReadSequence fail with ErrUnavailable for reads that
	// start at or after this offset (when >= 0).
	failAt int64
	// block, when non-nil, makes ReadSequence wait for it to close.
	block chan struct{}
}

var testAdded = time.Date(2019, 5, 20, 15, 40, 31, 0, time.UTC)

func newMemSource() *memSource {
	return &memSource{seqs: map[string][]byte{}, infos: map[string]repo.Info{}, failAt: -1}
}

// add stores seq with its digest aliases and the given "ns:alias" names;
// withMD5 false leaves out the MD5 alias. It returns the seq_id.
func (m *memSource) add(seq string, withMD5 bool, names ...string) string {
	d, err := repo.ComputeDigests([]byte(seq))
	if err != nil {
		panic(err)
	}
	id := d.SeqID
	m.seqs[id] = []byte(seq)
	m.infos[id] = repo.Info{SeqID: id, Length: int64(len(seq)), Alphabet: repo.Alphabet([]byte(seq)), Added: testAdded}
	al := func(ns, a string) {
		m.aliases = append(m.aliases, repo.Alias{SeqID: id, Namespace: ns, Alias: a, Added: testAdded, Current: true})
	}
	if withMD5 {
		al("MD5", d.MD5)
	}
	al("SHA1", d.SHA1)
	al("SEGUID", d.SEGUID)
	al("VMC", d.VMC())
	for _, n := range names {
		ns, a, _ := strings.Cut(n, ":")
		al(ns, a)
	}
	sort.Slice(m.aliases, func(i, j int) bool {
		a, b := m.aliases[i], m.aliases[j]
		if a.SeqID != b.SeqID {
			return a.SeqID < b.SeqID
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Alias < b.Alias
	})
	return id
}

func (m *memSource) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		for _, a := range m.aliases {
			if q.Match(a) && !yield(a, nil) {
				return
			}
		}
	}
}

func (m *memSource) NamespaceAliases(ctx context.Context, ns string) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		var out []repo.Alias
		for _, a := range m.aliases {
			if a.Namespace == ns && a.Current {
				out = append(out, a)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
		for _, a := range out {
			if !yield(a, nil) {
				return
			}
		}
	}
}

func (m *memSource) Namespaces(ctx context.Context) ([]string, error) {
	var out []string
	for _, a := range m.aliases {
		out = append(out, a.Namespace)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (m *memSource) Info(ctx context.Context, seqID string) (repo.Info, error) {
	if i, ok := m.infos[seqID]; ok {
		return i, nil
	}
	return repo.Info{}, &repo.SeqNotFoundError{SeqID: seqID}
}

func (m *memSource) Sequences(ctx context.Context) iter.Seq2[repo.Info, error] {
	return func(yield func(repo.Info, error) bool) {}
}

func (m *memSource) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	if m.block != nil {
		select {
		case <-m.block:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	m.mu.Lock()
	failAt := m.failAt
	m.mu.Unlock()
	if failAt >= 0 && start >= failAt {
		return 0, repo.Unavailable("mem", errors.New("injected failure"))
	}
	s, ok := m.seqs[seqID]
	if !ok {
		return 0, &repo.SeqNotFoundError{SeqID: seqID}
	}
	if start < 0 || start > int64(len(s)) {
		return 0, &repo.CoordinateError{Msg: fmt.Sprintf("start %d out of range", start)}
	}
	n := copy(p, s[start:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memSource) Close() error { return nil }
