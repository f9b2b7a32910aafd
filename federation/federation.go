// Package federation implements repo.Source over an ordered list of sources:
// a sequence is read from the first source that has it; identifier
// resolution, aliases and namespaces are the union, with duplicates
// collapsed by seq_id. A source that is down is skipped with a logged
// warning; a call fails only when no source can answer.
package federation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/seqfs/seqfs/repo"
)

// Member is one source of a federation.
type Member struct {
	// Name identifies the source in messages and metrics (its URL, say).
	Name string
	// Source answers the questions.
	Source repo.Source
	// Namespaces, when non-empty, restricts which DB-form namespaces this
	// source contributes aliases for.
	Namespaces []string
}

// Options tune a Federation.
type Options struct {
	// PreferFirst resolves an alias that two sources bind to different
	// sequences to the first source's binding instead of reporting it as
	// ambiguous.
	PreferFirst bool
	// Logger receives warnings about failing sources (default slog.Default).
	Logger *slog.Logger
}

// Federation is a repo.Source over several members. It is safe for
// concurrent use.
type Federation struct {
	members []Member
	opts    Options
	log     *slog.Logger

	// owner remembers which member served a seq_id (bounded).
	ownerMu sync.RWMutex
	owner   map[string]int

	failures []atomic.Int64 // per member: calls skipped because it failed
}

const maxOwnerEntries = 1 << 20

// New returns a federation of members, consulted in order.
func New(members []Member, opts Options) (*Federation, error) {
	if len(members) == 0 {
		return nil, fmt.Errorf("federation: no sources")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Federation{
		members:  members,
		opts:     opts,
		log:      log,
		owner:    make(map[string]int),
		failures: make([]atomic.Int64, len(members)),
	}, nil
}

// MemberStats reports, per member name, how many calls skipped it because
// it failed (for metrics).
func (f *Federation) MemberStats() map[string]int64 {
	out := make(map[string]int64, len(f.members))
	for i, m := range f.members {
		out[m.Name] = f.failures[i].Load()
	}
	return out
}

// Close closes every member, returning the first error.
func (f *Federation) Close() error {
	var first error
	for _, m := range f.members {
		if err := m.Source.Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", m.Name, err)
		}
	}
	return first
}

// skip logs that member i failed op and is being skipped, and counts it
// (ErrUnsupported is expected of some members and only logged at debug).
func (f *Federation) skip(i int, op string, err error) {
	if errors.Is(err, repo.ErrUnsupported) {
		f.log.Debug("federation: source cannot answer", "source", f.members[i].Name, "op", op, "err", err)
		return
	}
	f.failures[i].Add(1)
	f.log.Warn("federation: skipping source", "source", f.members[i].Name, "op", op, "err", err)
}

func (f *Federation) allows(i int, namespace string) bool {
	nss := f.members[i].Namespaces
	return len(nss) == 0 || slices.Contains(nss, namespace)
}

type tagged struct {
	a   repo.Alias
	src int
}

// memberStreams returns, for every member, its stream of q's records
// tagged with the member index, filtered by the member's namespaces.
func (f *Federation) memberStreams(open func(m Member) iter.Seq2[repo.Alias, error]) []iter.Seq2[tagged, error] {
	streams := make([]iter.Seq2[tagged, error], len(f.members))
	for i, m := range f.members {
		streams[i] = func(yield func(tagged, error) bool) {
			for a, err := range open(m) {
				if err != nil {
					yield(tagged{}, err)
					return
				}
				if !f.allows(i, a.Namespace) {
					continue
				}
				if !yield(tagged{a, i}, nil) {
					return
				}
			}
		}
	}
	return streams
}

// mergeAliases merges the members' streams in order, skipping failed
// members; if every member failed the last error is yielded.
func (f *Federation) mergeAliases(op string, streams []iter.Seq2[tagged, error], order func(a, b repo.Alias) int) iter.Seq2[tagged, error] {
	return func(yield func(tagged, error) bool) {
		failed := 0
		var lastErr error
		onErr := func(i int, err error) error {
			f.skip(i, op, err)
			failed++
			lastErr = err
			if failed == len(streams) {
				return lastErr
			}
			return nil
		}
		for t, err := range mergeSorted(streams, func(a, b tagged) int { return order(a.a, b.a) }, onErr) {
			if !yield(t, err) {
				return
			}
		}
	}
}

func bySeqNsAlias(a, b repo.Alias) int {
	return cmp.Or(cmp.Compare(a.SeqID, b.SeqID), cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Alias, b.Alias), boolCmp(a.Current, b.Current))
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// FindAliases is the union of every member's records, ordered by
// (seq_id, namespace, alias), with identical records collapsed. When the
// query names an alias and two members bind it to different sequences, the
// stream fails with an *repo.AmbiguousError naming both sources, unless
// PreferFirst, which keeps the first member's binding.
func (f *Federation) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	streams := f.memberStreams(func(m Member) iter.Seq2[repo.Alias, error] { return m.Source.FindAliases(ctx, q) })
	merged := f.mergeAliases("find aliases", streams, bySeqNsAlias)
	if q.Alias == "" {
		return dedupe(merged)
	}
	// Alias queries return few records: gather them to check for bindings
	// that members disagree on.
	return func(yield func(repo.Alias, error) bool) {
		var recs []tagged
		for t, err := range merged {
			if err != nil {
				yield(repo.Alias{}, err)
				return
			}
			recs = append(recs, t)
		}
		recs, err := f.resolveConflicts(q, recs)
		if err != nil {
			yield(repo.Alias{}, err)
			return
		}
		list := func(yield func(tagged, error) bool) {
			for _, t := range recs {
				if !yield(t, nil) {
					return
				}
			}
		}
		for a, err := range dedupe(list) {
			if !yield(a, err) {
				return
			}
		}
	}
}

// resolveConflicts finds current (namespace, alias) bindings that members
// map to different sequences: an error naming the sources, or with
// PreferFirst only the first member's binding is kept.
func (f *Federation) resolveConflicts(q repo.AliasQuery, recs []tagged) ([]tagged, error) {
	type key struct{ ns, alias string }
	first := map[key]tagged{} // binding of the lowest-numbered member
	for _, t := range recs {
		k := key{t.a.Namespace, t.a.Alias}
		if prev, seen := first[k]; t.a.Current && (!seen || t.src < prev.src) {
			first[k] = t
		}
	}
	var conflict []string
	kept := recs[:0:0]
	for _, t := range recs {
		w, ok := first[key{t.a.Namespace, t.a.Alias}]
		if !ok || !t.a.Current || w.a.SeqID == t.a.SeqID {
			kept = append(kept, t)
			continue
		}
		conflict = append(conflict, fmt.Sprintf("%s is %s in %s but %s in %s",
			t.a.String(), w.a.SeqID, f.members[w.src].Name, t.a.SeqID, f.members[t.src].Name))
	}
	if len(conflict) == 0 || f.opts.PreferFirst {
		return kept, nil
	}
	ids := make([]string, 0, len(recs))
	for _, t := range recs {
		ids = append(ids, t.a.SeqID)
	}
	slices.Sort(ids)
	return nil, &repo.AmbiguousError{Alias: q.Alias, Namespace: q.Namespace,
		Candidates: slices.Compact(ids), Detail: "sources disagree: " + joinSorted(conflict)}
}

func joinSorted(s []string) string {
	slices.Sort(s)
	out := ""
	for i, x := range slices.Compact(s) {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// dedupe drops records equal to the previous one (the streams are sorted,
// so duplicates are adjacent).
func dedupe(in iter.Seq2[tagged, error]) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		var prev repo.Alias
		have := false
		for t, err := range in {
			if err != nil {
				yield(repo.Alias{}, err)
				return
			}
			if have && sameRecord(prev, t.a) {
				continue
			}
			prev, have = t.a, true
			if !yield(t.a, nil) {
				return
			}
		}
	}
}

func sameRecord(a, b repo.Alias) bool {
	return a.SeqID == b.SeqID && a.Namespace == b.Namespace && a.Alias == b.Alias && a.Current == b.Current
}

// NamespaceAliases merges the members' listings of a namespace by alias;
// an alias listed by several members appears once (the first member's
// binding). Members that cannot enumerate are skipped.
func (f *Federation) NamespaceAliases(ctx context.Context, namespace string) iter.Seq2[repo.Alias, error] {
	streams := f.memberStreams(func(m Member) iter.Seq2[repo.Alias, error] {
		return m.Source.NamespaceAliases(ctx, namespace)
	})
	byAlias := func(a, b repo.Alias) int { return cmp.Compare(a.Alias, b.Alias) }
	return func(yield func(repo.Alias, error) bool) {
		prev, have := "", false
		for t, err := range f.mergeAliases("list namespace "+namespace, streams, byAlias) {
			if err != nil {
				yield(repo.Alias{}, err)
				return
			}
			if have && t.a.Alias == prev {
				continue
			}
			prev, have = t.a.Alias, true
			if !yield(t.a, nil) {
				return
			}
		}
	}
}

// Namespaces is the sorted union of the members' namespaces.
func (f *Federation) Namespaces(ctx context.Context) ([]string, error) {
	var all []string
	answered := 0
	var lastErr error
	for i, m := range f.members {
		nss, err := m.Source.Namespaces(ctx)
		if err != nil {
			f.skip(i, "namespaces", err)
			lastErr = err
			continue
		}
		answered++
		for _, ns := range nss {
			if f.allows(i, ns) {
				all = append(all, ns)
			}
		}
	}
	if answered == 0 {
		return nil, lastErr
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}

// Sequences merges the members' sequences by seq_id, each once.
func (f *Federation) Sequences(ctx context.Context) iter.Seq2[repo.Info, error] {
	streams := make([]iter.Seq2[repo.Info, error], len(f.members))
	for i, m := range f.members {
		streams[i] = m.Source.Sequences(ctx)
	}
	return func(yield func(repo.Info, error) bool) {
		failed := 0
		var lastErr error
		onErr := func(i int, err error) error {
			f.skip(i, "sequences", err)
			failed++
			lastErr = err
			if failed == len(streams) {
				return lastErr
			}
			return nil
		}
		prev := ""
		for info, err := range mergeSorted(streams, func(a, b repo.Info) int { return cmp.Compare(a.SeqID, b.SeqID) }, onErr) {
			if err != nil {
				yield(repo.Info{}, err)
				return
			}
			if info.SeqID == prev {
				continue
			}
			prev = info.SeqID
			if !yield(info, nil) {
				return
			}
		}
	}
}

// Info returns the sequence's metadata from the first member that has it.
func (f *Federation) Info(ctx context.Context, seqID string) (repo.Info, error) {
	var info repo.Info
	err := f.withOwner(ctx, seqID, "info", func(src repo.Source) error {
		var err error
		info, err = src.Info(ctx, seqID)
		return err
	})
	return info, err
}

// ReadSequence reads from the first member that has the sequence.
func (f *Federation) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	var n int
	err := f.withOwner(ctx, seqID, "read", func(src repo.Source) error {
		var err error
		n, err = src.ReadSequence(ctx, seqID, p, start)
		return err
	})
	return n, err
}

// withOwner runs fn on the member remembered for seqID, or on each member
// in order until one has the sequence. Not found moves on silently, a
// failing member is skipped with a warning, other errors (bad coordinates,
// EOF) are the answer.
func (f *Federation) withOwner(ctx context.Context, seqID, op string, fn func(repo.Source) error) error {
	f.ownerMu.RLock()
	i, known := f.owner[seqID]
	f.ownerMu.RUnlock()
	if known {
		err := fn(f.members[i].Source)
		if !errors.Is(err, repo.ErrNotFound) && !errors.Is(err, repo.ErrUnavailable) {
			return err
		}
	}
	var downErr error
	answered := false
	for i, m := range f.members {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := fn(m.Source)
		switch {
		case errors.Is(err, repo.ErrNotFound):
			answered = true
			continue
		case errors.Is(err, repo.ErrUnavailable):
			f.skip(i, op, err)
			downErr = err
			continue
		}
		f.remember(seqID, i)
		return err
	}
	if !answered && downErr != nil {
		return downErr // no member could answer
	}
	return &repo.SeqNotFoundError{SeqID: seqID}
}

func (f *Federation) remember(seqID string, i int) {
	f.ownerMu.Lock()
	defer f.ownerMu.Unlock()
	if len(f.owner) >= maxOwnerEntries {
		clear(f.owner)
	}
	f.owner[seqID] = i
}

// Counters exposes, per member, the calls that skipped it because it
// failed, followed by the members' own counters.
func (f *Federation) Counters() []repo.Counter {
	var out []repo.Counter
	for i, m := range f.members {
		out = append(out, repo.Counter{
			Name: "seqfs_federation_source_failures_total", Help: "Calls that skipped a federation source because it failed.",
			Labels: [][2]string{{"source", m.Name}}, Value: float64(f.failures[i].Load()),
		})
		out = append(out, repo.CountersOf(m.Source)...)
	}
	return out
}
