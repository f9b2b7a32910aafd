package memsource

import (
	"context"
	"fmt"

	"github.com/seqfs/seqfs/repo"
)

// Load returns a source holding a copy of everything src holds: every
// sequence with its Info as src gives it, every alias record (historic
// ones included) and, when src holds collections, every collection with
// its current names (Added is the time of the copy). It reads src whole,
// so it is for test data only.
func Load(ctx context.Context, src repo.Source) (*Source, error) {
	s := New()
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			return nil, fmt.Errorf("memsource: list sequences: %w", err)
		}
		seq, err := repo.Slice(ctx, src, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			return nil, fmt.Errorf("memsource: read %s: %w", info.SeqID, err)
		}
		s.Put(info, seq)
		aliases, err := repo.Collect(src.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID, IncludeHistoric: true}))
		if err != nil {
			return nil, fmt.Errorf("memsource: aliases of %s: %w", info.SeqID, err)
		}
		s.AddAliases(aliases...)
	}
	cs, err := repo.Collections(src)
	if err != nil {
		return s, nil // src holds no collections
	}
	for info, err := range cs.Collections(ctx) {
		if err != nil {
			return nil, fmt.Errorf("memsource: list collections: %w", err)
		}
		c, _, err := cs.Collection(ctx, info.Digest)
		if err != nil {
			return nil, fmt.Errorf("memsource: collection %s: %w", info.Digest, err)
		}
		names := info.Names
		if len(names) == 0 {
			names = []string{""}
		}
		for _, n := range names {
			if _, err := s.StoreCollection(ctx, n, c); err != nil {
				return nil, fmt.Errorf("memsource: %w", err)
			}
		}
	}
	return s, nil
}
