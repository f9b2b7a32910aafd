// Package repo defines the interface every seqfs source implements (SeqRepo
// layout, Redis, network façades, the cache and federation layers), plus the
// identifier parsing, digests, namespace translation and coordinate rules
// that all of them share. Everything above repo sees only these types.
package repo

import (
	"context"
	"iter"
	"time"
)

// Info describes one stored sequence (SeqRepo's seqinfo row).
type Info struct {
	SeqID    string    // sha512t24u digest of the normalised sequence
	Length   int64     // residues as stored (counts '*')
	Alphabet string    // distinct stored bytes in ascending order
	Added    time.Time // when the sequence was first stored (UTC)
}

// Alias is one stored (namespace, alias) → seq_id binding, in DB form
// (namespace "NCBI", "VMC", "MD5", …; never "refseq" or "ga4gh").
type Alias struct {
	SeqID     string
	Namespace string
	Alias     string
	Added     time.Time
	Current   bool
}

// String returns "namespace:alias".
func (a Alias) String() string { return a.Namespace + ":" + a.Alias }

// AliasQuery selects alias records like SeqRepo's find_aliases. An empty
// field matches anything. A field containing '%' is matched as an SQL LIKE
// pattern (ASCII case-insensitive, '%' any run, '_' any single character);
// otherwise it is matched exactly. Namespace and Alias are DB form: callers
// translate API names first (see TranslateAPI2DB).
type AliasQuery struct {
	SeqID     string
	Namespace string
	Alias     string
	// IncludeHistoric also returns records that were superseded
	// (is_current = 0).
	IncludeHistoric bool
}

// Source is the read interface of every store and layer. Implementations
// are safe for concurrent use. Errors match the sentinels of this package.
type Source interface {
	// FindAliases streams the alias records matching q ordered by
	// (seq_id, namespace, alias) in byte order, as SeqRepo does.
	FindAliases(ctx context.Context, q AliasQuery) iter.Seq2[Alias, error]

	// NamespaceAliases streams the current aliases of one DB-form namespace
	// (exact name) ordered by alias in byte order. It never materialises the
	// whole namespace. Sources that cannot enumerate return ErrUnsupported.
	NamespaceAliases(ctx context.Context, namespace string) iter.Seq2[Alias, error]

	// Namespaces returns the DB-form namespaces that have current aliases,
	// sorted.
	Namespaces(ctx context.Context) ([]string, error)

	// Info returns the metadata of a sequence by seq_id.
	Info(ctx context.Context, seqID string) (Info, error)

	// Sequences streams every sequence's Info ordered by seq_id. Sources
	// that cannot enumerate return ErrUnsupported.
	Sequences(ctx context.Context) iter.Seq2[Info, error]

	// ReadSequence copies residues [start, start+len(p)) of the sequence
	// into p, returning the count. Like io.ReaderAt it returns n < len(p)
	// with io.EOF when the sequence ends first. start must be in
	// [0, length]; otherwise the error matches ErrBadCoordinates.
	ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error)

	// Close releases the source's resources.
	Close() error
}

// NSAlias is a namespace and alias as given by a user, in API or DB form.
type NSAlias struct {
	Namespace string
	Alias     string
}

// String returns "namespace:alias".
func (a NSAlias) String() string { return a.Namespace + ":" + a.Alias }

// StoreResult counts what one Store added.
type StoreResult struct {
	SequencesAdded int    // 0 or 1
	AliasesAdded   int    // user aliases newly bound (digest aliases not counted)
	SeqID          string // the sequence's seq_id (set by every Writer)
}

// Writer is the write interface of stores that take data (the SeqRepo
// layout, Redis, and S3 through a local SeqRepo layout). Every Writer keeps
// this contract, which repotest.RunWriter checks:
//
//   - Staging. Store (and StoreCollection, for a CollectionWriter) stages
//     its writes. Staged writes are visible to no reader, the Writer's own
//     read methods included, until they are committed.
//   - Commits. Commit commits everything staged. A Writer may also commit
//     on its own before Commit, typically when the staged batch passes a
//     size limit (see each Writer's documentation), so that loading or
//     copying a large store never holds it all in memory: writes become
//     visible at the next Commit at the latest. Close without Commit
//     discards only what was staged since the last commit, explicit or
//     automatic.
//   - Whole sequences. Readers see a sequence whole (its bytes, its Info
//     and its digest aliases) or not at all, however a write ends: a
//     failed Store or Commit, Close without Commit, or a killed process.
//     An alias is visible only once the sequence it points at is. Stores
//     without multi-key transactions (Redis Cluster, S3) are the exception
//     they document: a commit that fails or is interrupted there can leave
//     its alias changes partly applied, aliases pointing at a sequence not
//     stored yet included, until the same writes are committed again.
//   - Resumable. Storing again what is stored already (committed or
//     staged) is idempotent: it adds nothing, reports nothing added and
//     changes no timestamp. A Writer opened on a store adds to what is
//     stored there, so an interrupted copy is completed by running it
//     again (see package copier).
//   - Failures. A Store rejected for its arguments (a byte other than a
//     letter or '*', an empty namespace or alias) changes nothing. Any
//     other failed Store or Commit never changes what was committed before
//     it; the Writer may then keep the rest staged (Commit can be retried)
//     or discard it and refuse further writes, as it documents.
//
// A Writer is safe for concurrent use; its writes are serialised.
type Writer interface {
	Source

	// Store stages a sequence (bytes stored as given: letters and '*')
	// with its aliases, and reports what it adds. A new sequence gets its
	// digest aliases (VMC, SHA1, MD5, SEGUID) too. An alias already bound
	// to the sequence is kept as it is (not counted); an alias currently
	// bound to another sequence is re-pointed to this one, its old binding
	// kept as historic (Current false). Namespaces may be in API form
	// (refseq, ga4gh, …) and are stored in DB form. StoreResult.SeqID is
	// set on success.
	Store(ctx context.Context, seq []byte, aliases []NSAlias) (StoreResult, error)

	// Commit makes everything staged so far durable (as far as the store
	// is) and visible to readers. On a store with transactions (the
	// SeqRepo layout) one Commit is all or nothing; elsewhere it commits
	// whole sequences (see Writer).
	Commit(ctx context.Context) error
}

// ExactCopier is implemented by writers that can store a sequence exactly as
// another source holds it: info.Added as its timestamp and the given DB-form
// alias records (digest aliases included) with their own Added and Current
// flags, so every answer of the copy equals the source's. Copies use it
// when the destination has it, and Store otherwise.
type ExactCopier interface {
	StoreCopy(ctx context.Context, seq []byte, info Info, aliases []Alias) (StoreResult, error)
}
