package rest

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/seqfs/seqfs/internal/memsource"
	"github.com/seqfs/seqfs/repo"
)

// memSource is a tiny in-memory repo.Source for handler tests, with
// failures and stalls a test can inject into reads.
type memSource struct {
	*memsource.Source
	mu sync.Mutex
	// failAt makes ReadSequence fail with ErrUnavailable for reads that
	// start at or after this offset (when >= 0).
	failAt int64
	// block, when non-nil, makes ReadSequence wait for it to close.
	block chan struct{}
	// findHook, when set, runs at the start of every FindAliases; a
	// non-nil error is the lookup's error. Set it before serving.
	findHook func(ctx context.Context) error
}

// FindAliases runs findHook, then answers from the in-memory source.
func (m *memSource) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	if m.findHook == nil {
		return m.Source.FindAliases(ctx, q)
	}
	return func(yield func(repo.Alias, error) bool) {
		if err := m.findHook(ctx); err != nil {
			yield(repo.Alias{}, err)
			return
		}
		for a, err := range m.Source.FindAliases(ctx, q) {
			if !yield(a, err) {
				return
			}
		}
	}
}

var testAdded = time.Date(2019, 5, 20, 15, 40, 31, 0, time.UTC)

func newMemSource() *memSource {
	m := &memSource{Source: memsource.New(), failAt: -1}
	m.ReadHook = func(ctx context.Context, _ string, start int64) error {
		if m.block != nil {
			select {
			case <-m.block:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		m.mu.Lock()
		failAt := m.failAt
		m.mu.Unlock()
		if failAt >= 0 && start >= failAt {
			return repo.Unavailable("mem", errors.New("injected failure"))
		}
		return nil
	}
	return m
}

// add stores seq with its digest aliases and the given "ns:alias" names;
// withMD5 false leaves out the MD5 alias. It returns the seq_id.
func (m *memSource) add(seq string, withMD5 bool, names ...string) string {
	d, err := repo.ComputeDigests([]byte(seq))
	if err != nil {
		panic(err)
	}
	id := d.SeqID
	m.Put(repo.Info{SeqID: id, Length: int64(len(seq)), Alphabet: repo.Alphabet([]byte(seq)), Added: testAdded}, []byte(seq))
	var aliases []repo.Alias
	al := func(ns, a string) {
		aliases = append(aliases, repo.Alias{SeqID: id, Namespace: ns, Alias: a, Added: testAdded, Current: true})
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
	m.AddAliases(aliases...)
	return id
}
