package seqrepo

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// BenchmarkStoreSmall measures storing small records (transcript-sized)
// with one user alias each, including commits every 20,000 sequences.
func BenchmarkStoreSmall(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, _ := newTestWriter(b, WriterOptions{})
	r := rand.New(rand.NewSource(1))
	seqs := make([][]byte, 1000)
	for i := range seqs {
		seqs[i] = randSeq(r, 150, "ACGT")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := seqs[i%len(seqs)]
		s[i%150] = "ACGT"[(i/1000)%4]
		if _, err := w.Store(ctx, s, []repo.NSAlias{{Namespace: "me", Alias: fmt.Sprint("r", i)}}); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		b.Fatal(err)
	}
}
