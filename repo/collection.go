package repo

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Collection is a sequence collection (GA4GH seqcol 1.0): an ordered list
// of named sequences such as a genome assembly or the records of one FASTA
// file. It refers to sequences by seq_id, never through aliases, so
// re-pointing an alias never changes a collection. The three slices are
// collated: element i of each describes the same sequence.
type Collection struct {
	Names   []string // sequence names in collection order
	SeqIDs  []string // sha512t24u seq_ids, without the "SQ." prefix
	Lengths []int64  // residues of each sequence
}

// Len returns the number of sequences.
func (c Collection) Len() int { return len(c.Names) }

// Residues returns the total length of all sequences.
func (c Collection) Residues() int64 {
	var n int64
	for _, l := range c.Lengths {
		n += l
	}
	return n
}

// Validate checks that the arrays are collated and every element is
// well formed: names non-empty and unique, seq_ids sha512t24u, lengths
// non-negative.
func (c Collection) Validate() error {
	if len(c.SeqIDs) != len(c.Names) || len(c.Lengths) != len(c.Names) {
		return fmt.Errorf("collection arrays differ in length: %d names, %d sequences, %d lengths",
			len(c.Names), len(c.SeqIDs), len(c.Lengths))
	}
	seen := make(map[string]int, len(c.Names))
	for i, n := range c.Names {
		if n == "" {
			return fmt.Errorf("collection sequence %d has an empty name", i)
		}
		if j, dup := seen[n]; dup {
			return fmt.Errorf("collection name %q appears twice (sequences %d and %d)", n, j, i)
		}
		seen[n] = i
		if !IsSeqID(c.SeqIDs[i]) {
			return fmt.Errorf("collection sequence %q: %q is not a seq_id", n, c.SeqIDs[i])
		}
		if c.Lengths[i] < 0 {
			return fmt.Errorf("collection sequence %q: negative length %d", n, c.Lengths[i])
		}
	}
	return nil
}

// IsSeqID reports whether s has the form of a seq_id: 32 characters of
// base64url.
func IsSeqID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// GA4GHDigest returns the GA4GH digest of b: base64url of the first 24
// bytes of its SHA-512 (32 characters).
func GA4GHDigest(b []byte) string {
	sum := sha512.Sum512(b)
	return base64.URLEncoding.EncodeToString(sum[:24])
}

// CanonicalJSON returns the RFC 8785 (JCS) canonical JSON of v for the
// values seqcol uses (objects with ASCII keys, arrays, strings, integers):
// keys sorted, no whitespace, no HTML escaping. Go's encoder sorts map keys
// and writes integers and strings as JCS does once HTML escaping is off,
// except that it escapes U+2028, U+2029 and U+FFFD, which JCS writes as
// they are.
func CanonicalJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only unsupported Go values fail; seqcol values never do.
		panic(fmt.Sprintf("repo: canonical JSON: %v", err))
	}
	return unescapeLineSeparators(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// unescapeLineSeparators replaces the escapes \u2028, \u2029 and \ufffd
// (which stands for invalid UTF-8) of encoding/json output with the
// characters themselves, as JCS writes them. It walks escapes pairwise so
// that an escaped backslash followed by "u2028" stays as it is.
func unescapeLineSeparators(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u202`)) && !bytes.Contains(b, []byte(`\ufffd`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		if e := string(b[i+1 : min(i+6, len(b))]); e == "u2028" || e == "u2029" || e == "ufffd" {
			r, _ := strconv.ParseUint(e[1:], 16, 32)
			out = utf8.AppendRune(out, rune(r))
			i += 5
			continue
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return out
}

// seqcolSequences returns the collection's "sequences" array (SQ. ids).
func (c Collection) seqcolSequences() []string {
	out := make([]string, len(c.SeqIDs))
	for i, id := range c.SeqIDs {
		out[i] = "SQ." + id
	}
	return out
}

// Digest returns the collection's seqcol level-0 digest: the GA4GH digest
// of the canonical JSON of its inherent attributes' level-1 digests
// ({"names": …, "sequences": …}).
func (c Collection) Digest() string {
	return GA4GHDigest(CanonicalJSON(map[string]string{
		"names":     GA4GHDigest(CanonicalJSON(c.Names)),
		"sequences": GA4GHDigest(CanonicalJSON(c.seqcolSequences())),
	}))
}

// IsCollectionDigest reports whether s has the form of a seqcol digest (the
// same form as a seq_id).
func IsCollectionDigest(s string) bool { return IsSeqID(s) }

// CollectionInfo describes one stored collection.
type CollectionInfo struct {
	Digest    string    // seqcol level-0 digest
	Names     []string  // names currently bound to the collection, sorted (may be empty)
	Sequences int       // number of sequences
	Residues  int64     // total residues
	Added     time.Time // when the collection was first stored (UTC); zero if unknown
}

// CollectionSource is implemented by sources that hold sequence
// collections. A name is bound to at most one collection at a time;
// storing a collection under a name already bound moves the name (like an
// alias) and the previous collection stays reachable by its digest.
type CollectionSource interface {
	// Collection returns the collection that a name or a level-0 digest
	// refers to (a name is looked up first), with its digest. The error
	// matches ErrNotFound when neither is stored.
	Collection(ctx context.Context, nameOrDigest string) (Collection, string, error)

	// Collections streams every stored collection ordered by digest.
	Collections(ctx context.Context) iter.Seq2[CollectionInfo, error]
}

// CollectionWriter is implemented by writers that store collections.
// Like Store, StoreCollection is staged until Commit.
type CollectionWriter interface {
	// StoreCollection stores c (whose sequences must already be stored or
	// staged in this writer) and, when name is not empty, binds name to
	// it. It returns the level-0 digest. Storing a collection that is
	// already stored only (re)binds the name.
	StoreCollection(ctx context.Context, name string, c Collection) (string, error)
}

// Collections returns src's collection interface, or an error matching
// ErrUnsupported when src cannot hold collections.
func Collections(src Source) (CollectionSource, error) {
	if cs, ok := src.(CollectionSource); ok {
		return cs, nil
	}
	return nil, fmt.Errorf("sequence collections: %w", ErrUnsupported)
}

// SortedNames returns names sorted, for CollectionInfo.Names.
func SortedNames(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return out
}

// CollectionNotFoundError reports a collection name or digest that no
// source holds. It matches ErrNotFound.
type CollectionNotFoundError struct {
	Ref string // the name or digest asked for
}

func (e *CollectionNotFoundError) Error() string {
	return fmt.Sprintf("collection %s not found", e.Ref)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *CollectionNotFoundError) Is(target error) bool { return target == ErrNotFound }
