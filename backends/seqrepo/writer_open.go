package seqrepo

import (
	"context"
	"errors"
	"net/url"
	"os"

	"github.com/seqfs/seqfs/repo"
)

// openWriterURL opens file:///path (or a plain path) for writing, creating
// an empty instance there first if it holds none.
func openWriterURL(ctx context.Context, u *url.URL) (repo.Writer, error) {
	if err := checkLocalURL(u); err != nil {
		return nil, err
	}
	dir := u.Path
	if _, err := os.Stat(AliasesDBPath(dir)); errors.Is(err, os.ErrNotExist) {
		if err := CreateInstance(ctx, dir); err != nil {
			return nil, err
		}
	}
	return OpenWriter(ctx, dir, WriterOptions{})
}
