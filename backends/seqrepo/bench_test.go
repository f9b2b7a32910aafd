package seqrepo

import (
	"context"
	"testing"

	"github.com/seqfs/seqfs/repo/repotest"
)

// BenchmarkReadSequence100bp is a warm 100-bp read of yeast chr I: seqinfo
// and the blocks are cached, so it measures the hot path alone.
func BenchmarkReadSequence100bp(b *testing.B) {
	inst := openSample(b)
	defer inst.Close()
	ctx := context.Background()
	buf := make([]byte, 100)
	offs := []int64{0, 99, 65250, 100000, 230100}
	for _, o := range offs {
		if _, err := inst.ReadSequence(ctx, chrIID, buf, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(100)
	i := 0
	for b.Loop() {
		if _, err := inst.ReadSequence(ctx, chrIID, buf, offs[i%len(offs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkShared runs the shared repotest benchmarks.
func BenchmarkShared(b *testing.B) {
	inst := openSample(b)
	defer inst.Close()
	repotest.Bench(b, inst)
}
