// Package copier copies every sequence and current alias from any readable
// source (repo.Source) into any writable store (repo.Writer): SeqRepo
// layout or Redis to either, and every sequence collection with its
// current names when both ends hold collections. Sequence bytes are copied as
// stored; digest aliases (VMC, SHA1, MD5, SEGUID) are not copied because
// the writer recomputes them, and API-level translations (refseq, ga4gh, …)
// are not copied because they are derived from the stored records.
package copier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// Progress is what has been copied so far.
type Progress struct {
	Sequences int64 // sequences read from the source
	Added     int64 // sequences the destination did not have yet
	Residues  int64 // residues copied
	Aliases   int64 // aliases newly bound in the destination
	// Collections counts the sequence collections copied (see
	// copyCollections).
	Collections int64
	Elapsed     time.Duration
}

// Options tunes Copy.
type Options struct {
	// ChunkSize is the size of each ReadSequence call (default 4 MiB).
	ChunkSize int
	// OnProgress, if set, is called after every sequence.
	OnProgress func(Progress)
	// Verify, if true, recomputes each sequence's digest and fails with
	// repo.ErrCorrupt if it differs from the seq_id the source gave.
	Verify bool
}

// skipNamespace reports alias records that must not be stored again: the
// digests the writer computes itself and the API-level copies of stored
// records.
func skipNamespace(ns string) bool {
	return repo.IsStoredDigestNamespace(ns) || repo.IsAPINamespace(ns)
}

// Copy stores every sequence of src with its current aliases in dst and
// commits. The destination commits by its own thresholds along the way, so
// an interrupted copy leaves whole batches; running Copy again completes it
// (existing sequences and aliases are skipped by the writer).
func Copy(ctx context.Context, src repo.Source, dst repo.Writer, opts Options) (Progress, error) {
	chunk := opts.ChunkSize
	if chunk <= 0 {
		chunk = 4 << 20
	}
	var p Progress
	start := time.Now()
	var buf []byte
	exact, isExact := dst.(repo.ExactCopier)
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			return p, fmt.Errorf("copy: list sequences: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return p, err
		}
		if info.Length < 0 {
			return p, fmt.Errorf("copy: sequence %s has negative length %d", info.SeqID, info.Length)
		}
		srcAliases, err := repo.Collect(src.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID, IncludeHistoric: isExact}))
		if err != nil {
			return p, fmt.Errorf("copy: aliases of %s: %w", info.SeqID, err)
		}
		if done, err := alreadyCopied(ctx, dst, info.SeqID, srcAliases); err != nil {
			return p, err
		} else if done {
			p.Sequences++ // an earlier, interrupted copy stored it: skip reading it
			p.Elapsed = time.Since(start)
			if opts.OnProgress != nil {
				opts.OnProgress(p)
			}
			continue
		}
		if int64(cap(buf)) < info.Length {
			buf = make([]byte, info.Length)
		}
		seq := buf[:info.Length]
		for off := int64(0); off < info.Length; {
			end := min(off+int64(chunk), info.Length)
			n, err := src.ReadSequence(ctx, info.SeqID, seq[off:end], off)
			off += int64(n)
			if err != nil && !(err == io.EOF && off == info.Length) {
				if err == io.EOF {
					return p, fmt.Errorf("copy: sequence %s: source ended at %d of %d residues", info.SeqID, off, info.Length)
				}
				return p, fmt.Errorf("copy: read sequence %s at %d: %w", info.SeqID, off, err)
			}
			if n == 0 && off < info.Length && err == nil {
				return p, fmt.Errorf("copy: read sequence %s at %d: no progress", info.SeqID, off)
			}
		}
		if opts.Verify {
			d, err := repo.ComputeDigests(seq)
			if err != nil {
				return p, repo.Corrupt("copy: sequence "+info.SeqID, err)
			}
			if d.SeqID != info.SeqID {
				return p, repo.Corrupt("copy: sequence "+info.SeqID, fmt.Errorf("content digest is %s", d.SeqID))
			}
		}
		var res repo.StoreResult
		if isExact {
			res, err = exact.StoreCopy(ctx, seq, info, srcAliases)
		} else {
			var aliases []repo.NSAlias
			for _, a := range srcAliases {
				if a.Current && a.SeqID == info.SeqID && !skipNamespace(a.Namespace) {
					aliases = append(aliases, repo.NSAlias{Namespace: a.Namespace, Alias: a.Alias})
				}
			}
			res, err = dst.Store(ctx, seq, aliases)
		}
		if err != nil {
			return p, fmt.Errorf("copy: store %s: %w", info.SeqID, err)
		}
		p.Sequences++
		p.Added += int64(res.SequencesAdded)
		p.Aliases += int64(res.AliasesAdded)
		p.Residues += info.Length
		p.Elapsed = time.Since(start)
		if opts.OnProgress != nil {
			opts.OnProgress(p)
		}
	}
	n, err := copyCollections(ctx, src, dst)
	p.Collections = n
	if err != nil {
		return p, err
	}
	if err := dst.Commit(ctx); err != nil {
		return p, fmt.Errorf("copy: commit: %w", err)
	}
	p.Elapsed = time.Since(start)
	return p, nil
}

// alreadyCopied reports whether dst holds the sequence with every current
// alias the source gives it, so a resumed copy need not read it again.
func alreadyCopied(ctx context.Context, dst repo.Writer, seqID string, srcAliases []repo.Alias) (bool, error) {
	if _, err := dst.Info(ctx, seqID); errors.Is(err, repo.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("copy: look up %s in the destination: %w", seqID, err)
	}
	have := map[[2]string]bool{}
	for a, err := range dst.FindAliases(ctx, repo.AliasQuery{SeqID: seqID}) {
		if err != nil {
			return false, fmt.Errorf("copy: aliases of %s in the destination: %w", seqID, err)
		}
		have[[2]string{a.Namespace, a.Alias}] = true
	}
	for _, a := range srcAliases {
		if a.Current && !have[[2]string{a.Namespace, a.Alias}] {
			return false, nil
		}
	}
	return true, nil
}
