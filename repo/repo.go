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
	SeqID          string // the sequence's seq_id (set by the SeqRepo and Redis writers)
}

// Writer is the write interface of stores that take data (the SeqRepo
// layout, Redis). Writes are staged until Commit; a Writer that is closed
// or fails before Commit leaves the store as it was at the last Commit.
type Writer interface {
	Source

	// Store adds a sequence (bytes stored as given) with its aliases. If the
	// sequence is new it is stored and its digest aliases (VMC, SHA1, MD5,
	// SEGUID) are added; aliases already bound to it are skipped; an alias
	// currently bound to another sequence is re-assigned (the old binding
	// is kept as historic). Namespaces may be in API form (refseq, ga4gh, …).
	Store(ctx context.Context, seq []byte, aliases []NSAlias) (StoreResult, error)

	// Commit makes everything stored so far durable and visible, all or
	// nothing.
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
