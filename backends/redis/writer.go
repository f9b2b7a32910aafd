package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seqfs/seqfs/repo"
)

// commitBatch is roughly how many commands one commit round trip carries.
const commitBatch = 2000

// Automatic commit thresholds: like the SeqRepo writer, a Writer commits by
// itself once this many sequences or alias changes are staged, so a copy of
// a whole instance never holds it all in memory.
const (
	maxPendingUnits   = 20000
	maxPendingAliases = 60000
)

// Writer loads sequences and aliases into a Redis store; it implements
// repo.Writer. See the package documentation for how writes become
// visible. Its read methods see only committed data. It commits by itself
// past 20,000 staged sequences or 60,000 staged alias changes. A failed
// Commit keeps what it did not apply staged, so it can be retried. On
// Redis Cluster a commit writes the aliases of its sequences (per shard,
// not atomically) before the sequences themselves, so a commit that fails
// or is interrupted there can leave alias changes partly applied, aliases
// pointing at a sequence that is not stored yet included; retrying the
// Commit, or storing and committing the same writes again (a resumed
// copy), completes them. It is safe for
// concurrent use; Store calls are serialised.
type Writer struct {
	*Source

	mu      sync.Mutex
	units   []unit              // staged Store calls, in order
	pending int                 // alias changes in units
	newSeqs map[string]bool     // seq_ids stored but not committed
	overlay map[nsAlias]binding // current bindings as of the staged writes
	colls   []collOp            // staged collections (collections.go)
	now     func() time.Time    // clock (tests)
	closed  bool
}

var _ repo.Writer = (*Writer)(nil)

type nsAlias struct{ ns, alias string }

// unit is what one Store call commits: alias rebinds, then (for a new
// sequence) the info key and the seqs index entry, written last.
type unit struct {
	binds []bind
	hists []hist // historic records copied as such (StoreCopy)
	seqID string // "" when the sequence was already stored
	meta  seqMeta
}

// hist is a superseded binding of namespace ns.
type hist struct {
	ns string
	b  binding
}

// bind makes (ns, alias) point to seqID; old is the binding it replaces.
type bind struct {
	ns, alias, seqID, added string
	old                     *binding
}

func newWriter(s *Source) *Writer {
	return &Writer{Source: s, newSeqs: map[string]bool{}, overlay: map[nsAlias]binding{},
		now: func() time.Time { return time.Now().UTC().Truncate(time.Second) }}
}

// Store stages a sequence with its aliases (see repo.Writer). The sequence
// bytes are uploaded at once in parts; everything else waits for Commit.
// New sequences get the digest aliases VMC, SHA1, MD5 and SEGUID, as in
// SeqRepo; timestamps are the current time in whole seconds.
func (w *Writer) Store(ctx context.Context, seq []byte, aliases []repo.NSAlias) (repo.StoreResult, error) {
	in := make([]aliasIn, 0, len(aliases))
	for _, a := range aliases {
		ns, al := repo.TranslateAPI2DB(a.Namespace, a.Alias)
		in = append(in, aliasIn{k: nsAlias{ns, al}, user: true, current: true})
	}
	return w.store(ctx, seq, "", time.Time{}, in, true)
}

// StoreCopy stages a sequence exactly as another source holds it: info's
// Added as the sequence's timestamp, and the given DB-form alias records
// with their own Added and Current flags (historic records are kept as
// historic). No digest aliases are added beyond those given. A non-empty
// info.SeqID must be the digest of seq. Copying with StoreCopy makes every
// answer of the copy equal to the source's, timestamps included; it
// implements the optional interface Copier.
func (w *Writer) StoreCopy(ctx context.Context, seq []byte, info repo.Info, aliases []repo.Alias) (repo.StoreResult, error) {
	in := make([]aliasIn, 0, len(aliases))
	for _, a := range aliases {
		if info.SeqID != "" && a.SeqID != "" && a.SeqID != info.SeqID {
			return repo.StoreResult{}, fmt.Errorf("store copy of %s into %s: alias %s belongs to %s", info.SeqID, w.server, a, a.SeqID)
		}
		in = append(in, aliasIn{k: nsAlias{a.Namespace, a.Alias}, user: true, current: a.Current, added: a.Added})
	}
	return w.store(ctx, seq, info.SeqID, info.Added, in, false)
}

// Copier is implemented by writers that can store a copy of a sequence with
// its original timestamps and alias history (see Writer.StoreCopy).
type Copier = repo.ExactCopier

var _ Copier = (*Writer)(nil)

// aliasIn is one alias record to store.
type aliasIn struct {
	k       nsAlias
	user    bool // counted in StoreResult.AliasesAdded
	current bool
	added   time.Time // zero: now
}

func (w *Writer) store(ctx context.Context, seq []byte, wantID string, seqAdded time.Time, in []aliasIn, digestAliases bool) (repo.StoreResult, error) {
	var res repo.StoreResult
	alpha := repo.Alphabet(seq)
	if i := strings.IndexFunc(alpha, func(c rune) bool { return c != '*' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') }); i >= 0 {
		return res, fmt.Errorf("store sequence into %s: byte %q: only letters and '*' can be stored", w.server, alpha[i])
	}
	d, err := repo.ComputeDigests(seq)
	if err != nil {
		return res, fmt.Errorf("store sequence into %s: %w", w.server, err)
	}
	id := d.SeqID
	res.SeqID = id
	if wantID != "" && wantID != id {
		return res, repo.Corrupt("store copy of "+wantID+" into "+w.server, fmt.Errorf("the sequence's digest is %s", id))
	}
	var wants []aliasIn
	if digestAliases {
		for _, a := range d.Aliases() {
			wants = append(wants, aliasIn{k: nsAlias{a.Namespace, a.Alias}, current: true})
		}
	}
	type histKey struct {
		k     nsAlias
		added string
	}
	seen := map[nsAlias]bool{}
	seenHist := map[histKey]bool{}
	for _, a := range in {
		if a.k.ns == "" || a.k.alias == "" {
			return res, fmt.Errorf("store sequence %s into %s: empty namespace or alias in %q", id, w.server, a.k.ns+":"+a.k.alias)
		}
		if strings.Contains(a.k.ns, sep) || strings.Contains(a.k.alias, sep) {
			return res, fmt.Errorf("store sequence %s into %s: alias %q: NUL bytes cannot be stored", id, w.server, a.k.ns+":"+a.k.alias)
		}
		if a.current {
			if seen[a.k] {
				continue
			}
			seen[a.k] = true
		} else {
			hk := histKey{a.k, formatTime(a.added)}
			if seenHist[hk] {
				continue
			}
			seenHist[hk] = true
		}
		wants = append(wants, a)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return res, fmt.Errorf("store sequence %s into %s: writer is closed", id, w.server)
	}

	// One round trip: does the sequence exist, and what are the current
	// bindings of the aliases the overlay does not know?
	staged := w.newSeqs[id]
	lookups := map[nsAlias]*goredis.StringSliceCmd{}
	var exists *goredis.IntCmd
	_, err = w.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		if !staged {
			exists = pl.Exists(ctx, w.k.info(id))
		}
		for _, a := range wants {
			if _, ok := w.overlay[a.k]; ok || lookups[a.k] != nil || !a.current {
				continue
			}
			lookups[a.k] = pl.ZRangeByLex(ctx, w.k.ns(a.k.ns), &goredis.ZRangeBy{Min: "[" + a.k.alias + sep, Max: "(" + a.k.alias + "\x01"})
		}
		return nil
	})
	if err != nil {
		return res, w.wrap(ctx, "store sequence "+id, err)
	}
	isNew := !staged && exists.Val() == 0
	current := func(k nsAlias) (*binding, error) {
		if b, ok := w.overlay[k]; ok {
			return &b, nil
		}
		ms := lookups[k].Val()
		if len(ms) == 0 {
			return nil, nil
		}
		if len(ms) > 1 {
			return nil, repo.Corrupt(w.server+" key "+w.k.ns(k.ns), fmt.Errorf("alias %q is bound %d times", k.alias, len(ms)))
		}
		b, err := parseBinding(ms[0])
		if err != nil {
			return nil, repo.Corrupt(w.server+" key "+w.k.ns(k.ns), err)
		}
		return &b, nil
	}

	u := unit{}
	now := w.now()
	if isNew {
		if seqAdded.IsZero() {
			seqAdded = now
		}
		psize := w.psize
		if err := w.uploadParts(ctx, id, seq, psize); err != nil {
			return res, err
		}
		u.seqID = id
		u.meta = seqMeta{length: int64(len(seq)), alpha: alpha, added: seqAdded.UTC(), psize: psize}
		res.SequencesAdded = 1
	} else {
		wants = slices.DeleteFunc(wants, func(a aliasIn) bool { return !a.user })
	}
	overlay := map[nsAlias]binding{}
	for _, wa := range wants {
		added := now
		if !wa.added.IsZero() {
			added = wa.added.UTC()
		}
		if !wa.current {
			u.hists = append(u.hists, hist{ns: wa.k.ns, b: binding{alias: wa.k.alias, seqID: id, added: formatTime(added)}})
			continue
		}
		cur, err := current(wa.k)
		if err != nil {
			return res, err
		}
		if b, ok := overlay[wa.k]; ok {
			cur = &b
		}
		if cur != nil && cur.seqID == id {
			continue
		}
		nb := binding{alias: wa.k.alias, seqID: id, added: formatTime(added)}
		u.binds = append(u.binds, bind{ns: wa.k.ns, alias: wa.k.alias, seqID: id, added: nb.added, old: cur})
		overlay[wa.k] = nb
		if wa.user {
			res.AliasesAdded++
		}
	}
	for k, b := range overlay {
		w.overlay[k] = b
	}
	if isNew {
		w.newSeqs[id] = true
	}
	if len(u.binds) > 0 || len(u.hists) > 0 || u.seqID != "" {
		w.units = append(w.units, u)
		w.pending += len(u.binds) + len(u.hists)
	}
	if len(w.units) >= maxPendingUnits || w.pending >= maxPendingAliases {
		if err := w.commitLocked(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

// uploadParts writes the sequence's parts (invisible until its info key is
// committed).
func (w *Writer) uploadParts(ctx context.Context, id string, seq []byte, psize int64) error {
	n := int64(len(seq))
	nparts := max(1, (n+psize-1)/psize)
	const maxPipelineBytes = 64 << 20
	for i := int64(0); i < nparts; {
		_, err := w.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			var bytes int64
			for ; i < nparts && (bytes == 0 || bytes+psize <= maxPipelineBytes); i++ {
				part := seq[min(n, i*psize):min(n, (i+1)*psize)]
				pl.Set(ctx, w.k.part(id, psize, i), part, 0)
				bytes += int64(len(part)) + 1
			}
			return nil
		})
		if err != nil {
			return w.wrap(ctx, "upload sequence "+id+" part "+strconv.FormatInt(i, 10), err)
		}
	}
	return nil
}

// Commit applies the staged writes in pipelined batches (MULTI/EXEC on a
// single server or Sentinel), each sequence's info key after its aliases.
// Store also commits by itself past 20,000 staged sequences or 60,000
// staged alias changes.
// When it fails, the writes not yet applied stay staged and Commit can be
// called again.
func (w *Writer) Commit(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("commit to %s: writer is closed", w.server)
	}
	return w.commitLocked(ctx)
}

func (w *Writer) commitLocked(ctx context.Context) error {
	for len(w.units) > 0 {
		n, cmds := 0, 0
		for n < len(w.units) && (n == 0 || cmds < commitBatch) {
			cmds += 7*len(w.units[n].binds) + 2*len(w.units[n].hists) + 2
			n++
		}
		if err := w.apply(ctx, w.units[:n]); err != nil {
			return err
		}
		for _, u := range w.units[:n] {
			if u.seqID != "" {
				w.remember(u.seqID, u.meta)
			}
		}
		for _, u := range w.units[:n] {
			w.pending -= len(u.binds) + len(u.hists)
		}
		w.units = w.units[n:]
	}
	if err := w.applyCollections(ctx); err != nil {
		return err
	}
	w.units = nil
	w.pending = 0
	clear(w.newSeqs)
	clear(w.overlay)
	return nil
}

// apply writes a batch of units. On Cluster, where a transaction cannot span
// shards and a pipeline's nodes run in parallel, the alias changes go first
// and the info keys in a second round trip.
func (w *Writer) apply(ctx context.Context, units []unit) error {
	binds := func(pl goredis.Pipeliner, u unit) {
		for _, b := range u.binds {
			if b.old != nil {
				o := *b.old
				pl.ZRem(ctx, w.k.ns(b.ns), o.member())
				pl.ZAdd(ctx, w.k.nsHist(b.ns), goredis.Z{Member: o.member()})
				pl.HDel(ctx, w.k.aliases(o.seqID), nsAliasField(b.ns, b.alias))
				pl.ZAdd(ctx, w.k.hist(o.seqID), goredis.Z{Member: histMember(b.ns, b.alias, o.added)})
			}
			nb := binding{alias: b.alias, seqID: b.seqID, added: b.added}
			pl.ZAdd(ctx, w.k.ns(b.ns), goredis.Z{Member: nb.member()})
			pl.HSet(ctx, w.k.aliases(b.seqID), nsAliasField(b.ns, b.alias), b.added)
			pl.ZAdd(ctx, w.k.namespaces(), goredis.Z{Member: b.ns})
		}
		for _, h := range u.hists {
			pl.ZAdd(ctx, w.k.nsHist(h.ns), goredis.Z{Member: h.b.member()})
			pl.ZAdd(ctx, w.k.hist(h.b.seqID), goredis.Z{Member: histMember(h.ns, h.b.alias, h.b.added)})
		}
	}
	marker := func(pl goredis.Pipeliner, u unit) {
		if u.seqID == "" {
			return
		}
		pl.HSet(ctx, w.k.info(u.seqID), "len", u.meta.length, "alpha", u.meta.alpha,
			"added", formatTime(u.meta.added), "psize", u.meta.psize)
		pl.ZAdd(ctx, w.k.seqs(), goredis.Z{Member: u.seqID})
	}
	var err error
	if w.cluster {
		_, err = w.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			for _, u := range units {
				binds(pl, u)
			}
			return nil
		})
		if err == nil {
			_, err = w.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
				for _, u := range units {
					marker(pl, u)
				}
				return nil
			})
		}
	} else {
		_, err = w.client.TxPipelined(ctx, func(pl goredis.Pipeliner) error {
			for _, u := range units {
				binds(pl, u)
				marker(pl, u)
			}
			return nil
		})
	}
	if err != nil {
		return w.wrap(ctx, fmt.Sprintf("commit %d staged sequences", len(units)), err)
	}
	return nil
}

// Close discards uncommitted writes and closes the connection pool.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	w.units, w.colls = nil, nil
	err := w.Source.Close()
	if errors.Is(err, goredis.ErrClosed) {
		err = nil
	}
	return err
}
