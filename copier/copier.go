// Package copier copies every sequence and current alias from any readable
// source (repo.Source) into any writable store (repo.Writer): SeqRepo
// layout to SeqRepo layout today, Redis later. Sequence bytes are copied as
// stored; digest aliases (VMC, SHA1, MD5, SEGUID) are not copied because
// the writer recomputes them, and API-level translations (refseq, ga4gh, …)
// are not copied because they are derived from the stored records.
package copier

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// Progress is what has been copied so far.
type Progress struct {
	Sequences int64 // sequences read from the source
	Added     int64 // sequences the destination did not have yet
	Residues  int64 // residues copied
	Aliases   int64 // aliases newly bound in the destination
	Elapsed   time.Duration
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

// skipNamespace reports alias records that must not be stored again.
func skipNamespace(ns string) bool {
	switch ns {
	case "VMC", "SHA1", "MD5", "SEGUID":
		return true
	}
	for _, api := range repo.APINamespaces {
		if ns == api {
			return true
		}
	}
	return strings.EqualFold(ns, "refseq")
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
		var aliases []repo.NSAlias
		for a, err := range src.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID}) {
			if err != nil {
				return p, fmt.Errorf("copy: aliases of %s: %w", info.SeqID, err)
			}
			if !a.Current || a.SeqID != info.SeqID || skipNamespace(a.Namespace) {
				continue
			}
			aliases = append(aliases, repo.NSAlias{Namespace: a.Namespace, Alias: a.Alias})
		}
		res, err := dst.Store(ctx, seq, aliases)
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
	if err := dst.Commit(ctx); err != nil {
		return p, fmt.Errorf("copy: commit: %w", err)
	}
	p.Elapsed = time.Since(start)
	return p, nil
}
