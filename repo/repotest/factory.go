package repotest

import (
	"context"

	"github.com/seqfs/seqfs/repo"
)

// OpenVia opens location through a registry holding only f, with no
// settings: the path a program takes from a URL to the backend, so a
// backend's own tests exercise its Factory.
func OpenVia(ctx context.Context, f repo.Factory, location string) (repo.Source, error) {
	reg, err := repo.NewRegistry(f)
	if err != nil {
		return nil, err
	}
	return reg.Open(ctx, location, nil)
}
