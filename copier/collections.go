package copier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/seqfs/seqfs/repo"
)

// copyCollections stages every collection of src in dst under each of its
// current names (or under none when it has no name, so it stays reachable
// by digest) and returns how many it copied; the caller commits. A
// destination that implements repo.ExactCollectionCopier keeps each
// collection's Added; name history is not copied. A source without collections (ErrUnsupported)
// has nothing to copy; a destination that cannot hold them while the source
// has some is reported with a warning and the collections are skipped.
func copyCollections(ctx context.Context, src repo.Source, dst repo.Writer) (int64, error) {
	cs, err := repo.Collections(src)
	if err != nil {
		return 0, nil
	}
	cw, canWrite := dst.(repo.CollectionWriter)
	exact, isExact := dst.(repo.ExactCollectionCopier)
	var n int64
	for info, err := range cs.Collections(ctx) {
		if errors.Is(err, repo.ErrUnsupported) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("copy: list collections: %w", err)
		}
		if !canWrite {
			slog.Warn("copy: the destination cannot hold sequence collections; not copying them", "destination", fmt.Sprintf("%T", dst))
			return 0, nil
		}
		c, d, err := cs.Collection(ctx, info.Digest)
		if err != nil {
			return n, fmt.Errorf("copy: collection %s: %w", info.Digest, err)
		}
		names := info.Names
		if len(names) == 0 {
			names = []string{""}
		}
		for _, name := range names {
			var got string
			if isExact {
				got, err = exact.StoreCollectionCopy(ctx, name, c, info.Added)
			} else {
				got, err = cw.StoreCollection(ctx, name, c)
			}
			if err != nil {
				return n, fmt.Errorf("copy: store collection %s (%q): %w", d, name, err)
			}
			if got != d {
				return n, repo.Corrupt("copy: collection "+d, fmt.Errorf("the destination computed digest %s", got))
			}
		}
		n++
	}
	return n, nil
}
