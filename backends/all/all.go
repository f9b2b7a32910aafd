// Package all lists seqfs's built-in backends. A program opens sources
// through Registry; adding a backend is one package with a repo.Factory and
// one line in Factories.
package all

import (
	"context"

	"github.com/seqfs/seqfs/backends/redis"
	"github.com/seqfs/seqfs/backends/refget"
	"github.com/seqfs/seqfs/backends/s3"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// Factories returns the built-in backends, in the order their settings are
// listed.
func Factories() []repo.Factory {
	return []repo.Factory{
		seqrepo.Factory{},
		s3.Factory{},
		redis.Factory{},
		refget.Factory{},
	}
}

// Registry returns a registry of the built-in backends.
func Registry() *repo.Registry {
	r, err := repo.NewRegistry(Factories()...)
	if err != nil {
		panic("backends/all: " + err.Error()) // the list above is inconsistent
	}
	return r
}

// Open opens location with the built-in backends and no settings: what
// tests and tools use where the command line would add its flags.
func Open(ctx context.Context, location string) (repo.Source, error) {
	return Registry().Open(ctx, location, nil)
}

// OpenWriter opens the writable store at location with the built-in
// backends and no settings.
func OpenWriter(ctx context.Context, location string) (repo.Writer, error) {
	return Registry().OpenWriter(ctx, location, nil)
}
