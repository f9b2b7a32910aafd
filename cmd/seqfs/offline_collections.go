package main

import (
	"context"
	"iter"

	"github.com/seqfs/seqfs/repo"
)

// An unreachable source may hold collections: it answers collection
// questions with its error too, so the cache reports it unavailable and a
// federation skips it as down (rather than as a source without
// collections).
var _ repo.CollectionSource = offlineSource{}

func (o offlineSource) Collection(context.Context, string) (repo.Collection, string, error) {
	return repo.Collection{}, "", o.err
}

func (o offlineSource) Collections(context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return func(yield func(repo.CollectionInfo, error) bool) { yield(repo.CollectionInfo{}, o.err) }
}
