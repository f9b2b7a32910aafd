package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Resolve returns the unique seq_id an identifier names, trying the
// candidates of Candidates(id, namespace, style) in order; the first that
// matches any current alias decides. No match gives a *NotFoundError, more
// than one distinct sequence an *AmbiguousError.
func Resolve(ctx context.Context, src Source, id, namespace string, style Style) (string, error) {
	ids, err := ResolveAll(ctx, src, id, namespace, style)
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		if ns, al, ok := strings.Cut(id, ":"); ok && namespace == "" && !strings.Contains(al, ":") {
			return "", &NotFoundError{Alias: al, Namespace: ns} // SeqRepo's "Alias x (namespace: ns)"
		}
		return "", &NotFoundError{Alias: id, Namespace: namespace}
	case 1:
		return ids[0], nil
	}
	return "", &AmbiguousError{Alias: id, Namespace: namespace, Candidates: ids}
}

// ResolveAll returns every distinct seq_id (sorted) matched by the first
// candidate of id that matches anything; none is not an error.
func ResolveAll(ctx context.Context, src Source, id, namespace string, style Style) ([]string, error) {
	cands, err := Candidates(id, namespace, style)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		q := c.Query()
		if q.Alias == "" {
			continue // an empty alias names nothing (SeqRepo compares it with '')
		}
		ids, err := DistinctSeqIDs(ctx, src, q)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
	return nil, nil
}

// DistinctSeqIDs returns the sorted distinct seq_ids of the records q matches.
func DistinctSeqIDs(ctx context.Context, src Source, q AliasQuery) ([]string, error) {
	var ids []string
	for a, err := range src.FindAliases(ctx, q) {
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 || ids[len(ids)-1] != a.SeqID {
			ids = append(ids, a.SeqID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// Aliases returns the current aliases of a sequence with their API
// translations, in SeqRepo's order (namespace, alias; each translation right
// after its record).
func Aliases(ctx context.Context, src Source, seqID string) ([]Alias, error) {
	recs, err := Collect(src.FindAliases(ctx, AliasQuery{SeqID: seqID}))
	if err != nil {
		return nil, err
	}
	return ExpandTranslations(recs), nil
}

// Collect gathers a stream into a slice, stopping at the first error.
func Collect[T any](seq func(yield func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ToEnd as an end coordinate means "to the end of the sequence".
const ToEnd = math.MaxInt64

// CheckCoordinates applies pysam's rules (docs/format.md, “Coordinates”) to
// interbase start/end (end may be ToEnd) for a sequence of the given length
// and returns the clipped range. start < 0 or start > end is an error; start
// ≥ length gives an empty range; end is clipped to length.
func CheckCoordinates(start, end, length int64) (int64, int64, error) {
	if start < 0 {
		return 0, 0, &CoordinateError{Msg: fmt.Sprintf("start out of range (%d)", start)}
	}
	if end != ToEnd && start > end {
		return 0, 0, &CoordinateError{Msg: fmt.Sprintf("invalid coordinates: start (%d) > stop (%d)", start, end)}
	}
	end = min(end, length)
	if start >= end {
		return 0, 0, nil
	}
	return start, end, nil
}

// Slice returns residues [start, end) of a sequence by seq_id with SeqRepo's
// coordinate semantics (see CheckCoordinates; end may be ToEnd).
func Slice(ctx context.Context, src Source, seqID string, start, end int64) ([]byte, error) {
	info, err := src.Info(ctx, seqID)
	if err != nil {
		return nil, err
	}
	s, e, err := CheckCoordinates(start, end, info.Length)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, e-s)
	if err := ReadFull(ctx, src, seqID, buf, s); err != nil {
		return nil, err
	}
	return buf, nil
}

// ReadFull reads exactly len(p) residues starting at start; a short
// sequence is reported as ErrBadCoordinates.
func ReadFull(ctx context.Context, src Source, seqID string, p []byte, start int64) error {
	n, err := src.ReadSequence(ctx, seqID, p, start)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return &CoordinateError{Msg: fmt.Sprintf("sequence %s: short read at %d: got %d of %d residues", seqID, start, n, len(p))}
	}
	return err
}

// Translate returns the current aliases (with translations) of the sequence
// id names, optionally filtered to the given API/DB namespaces, as
// "ns:alias" strings (SeqRepo's translate_identifier).
func Translate(ctx context.Context, src Source, id string, targets []string) ([]string, error) {
	seqID, err := Resolve(ctx, src, id, "", StyleSeqRepo)
	if err != nil {
		return nil, err
	}
	all, err := Aliases(ctx, src, seqID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range all {
		if len(targets) == 0 || slices.Contains(targets, a.Namespace) {
			out = append(out, a.String())
		}
	}
	return out, nil
}
