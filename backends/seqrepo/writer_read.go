package seqrepo

import (
	"context"
	"iter"

	"github.com/seqfs/seqfs/repo"
)

// writerReaderRef counts the users of one read-only Instance so that it is
// closed only when the last iterator using it is done.
type writerReaderRef struct {
	inst    *Instance
	n       int
	retired bool
}

func (w *Writer) swapReader(inst *Instance) {
	w.rmu.Lock()
	defer w.rmu.Unlock()
	if old := w.cur; old != nil {
		old.retired = true
		if old.n == 0 {
			old.inst.Close()
		}
	}
	w.cur = nil
	if inst != nil {
		w.cur = &writerReaderRef{inst: inst}
	}
}

func (w *Writer) acquire() (*writerReaderRef, error) {
	w.rmu.Lock()
	defer w.rmu.Unlock()
	if w.cur == nil {
		return nil, ErrWriterClosed
	}
	w.cur.n++
	return w.cur, nil
}

func (w *Writer) release(r *writerReaderRef) {
	w.rmu.Lock()
	defer w.rmu.Unlock()
	r.n--
	if r.n == 0 && r.retired {
		r.inst.Close()
	}
}

// FindAliases implements repo.Source over the committed data.
func (w *Writer) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return committedSeq(w, func(inst *Instance) iter.Seq2[repo.Alias, error] { return inst.FindAliases(ctx, q) })
}

// NamespaceAliases implements repo.Source over the committed data.
func (w *Writer) NamespaceAliases(ctx context.Context, namespace string) iter.Seq2[repo.Alias, error] {
	return committedSeq(w, func(inst *Instance) iter.Seq2[repo.Alias, error] { return inst.NamespaceAliases(ctx, namespace) })
}

// Sequences implements repo.Source over the committed data.
func (w *Writer) Sequences(ctx context.Context) iter.Seq2[repo.Info, error] {
	return committedSeq(w, func(inst *Instance) iter.Seq2[repo.Info, error] { return inst.Sequences(ctx) })
}

// committedSeq iterates over seq of the committed instance, which it holds
// while the iteration runs.
func committedSeq[T any](w *Writer, seq func(*Instance) iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		r, err := w.acquire()
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		defer w.release(r)
		for v, err := range seq(r.inst) {
			if !yield(v, err) {
				return
			}
		}
	}
}

// Namespaces implements repo.Source over the committed data.
func (w *Writer) Namespaces(ctx context.Context) ([]string, error) {
	r, err := w.acquire()
	if err != nil {
		return nil, err
	}
	defer w.release(r)
	return r.inst.Namespaces(ctx)
}

// Info implements repo.Source over the committed data.
func (w *Writer) Info(ctx context.Context, seqID string) (repo.Info, error) {
	r, err := w.acquire()
	if err != nil {
		return repo.Info{}, err
	}
	defer w.release(r)
	return r.inst.Info(ctx, seqID)
}

// ReadSequence implements repo.Source over the committed data.
func (w *Writer) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	r, err := w.acquire()
	if err != nil {
		return 0, err
	}
	defer w.release(r)
	return r.inst.ReadSequence(ctx, seqID, p, start)
}
