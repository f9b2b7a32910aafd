package repotest

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// Bench runs the shared benchmarks against src, which must hold the sample
// instance: random 100-bp reads of yeast chr I (single and parallel, after
// a warm-up so block caches are hot), Info, and Resolve by MD5. Results are
// reported per operation with allocations.
func Bench(b *testing.B, src repo.Source) {
	ctx := context.Background()
	s := Sample[1] // yeast chr I, 230,218 nt
	offsets := make([]int64, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range offsets {
		offsets[i] = rng.Int64N(s.Length - 100)
	}
	warm := make([]byte, s.Length)
	if err := repo.ReadFull(ctx, src, s.SeqID, warm, 0); err != nil {
		b.Fatalf("warm-up read of %s: %v", s.SeqID, err)
	}

	b.Run("ReadSequence100bp", func(b *testing.B) {
		buf := make([]byte, 100)
		b.ReportAllocs()
		b.SetBytes(100)
		i := 0
		for b.Loop() {
			if _, err := src.ReadSequence(ctx, s.SeqID, buf, offsets[i%len(offsets)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("ReadSequence100bpParallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(100)
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			buf := make([]byte, 100)
			i := int(next.Add(1000))
			for pb.Next() {
				if _, err := src.ReadSequence(ctx, s.SeqID, buf, offsets[i%len(offsets)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
	b.Run("ReadSequence64KiB", func(b *testing.B) {
		buf := make([]byte, 64<<10)
		b.ReportAllocs()
		b.SetBytes(int64(len(buf)))
		i := 0
		for b.Loop() {
			off := offsets[i%len(offsets)] % (s.Length - int64(len(buf)))
			if err := repo.ReadFull(ctx, src, s.SeqID, buf, off); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("Info", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := src.Info(ctx, s.SeqID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ResolveMD5", func(b *testing.B) {
		b.ReportAllocs()
		id := "MD5:" + s.MD5
		for b.Loop() {
			if _, err := repo.Resolve(ctx, src, id, "", repo.StyleSeqRepo); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ResolveMD5Parallel", func(b *testing.B) {
		b.ReportAllocs()
		id := "MD5:" + s.MD5
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := repo.Resolve(ctx, src, id, "", repo.StyleSeqRepo); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
