package source

import (
	"context"
	"iter"

	"github.com/seqfs/seqfs/repo"
)

// Offline returns a stand-in for a source that could not be opened: it
// answers every question, collections included, with err (which should
// match repo.ErrUnavailable). Behind a cache it lets what the cache holds
// be served; in a federation the member counts as down rather than as a
// source without sequences or collections.
func Offline(err error) repo.Source { return offline{err: err} }

// offline is the source Offline returns.
type offline struct{ err error }

var _ repo.CollectionSource = offline{}

func (o offline) FindAliases(context.Context, repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return failing[repo.Alias](o.err)
}

func (o offline) NamespaceAliases(context.Context, string) iter.Seq2[repo.Alias, error] {
	return failing[repo.Alias](o.err)
}

func (o offline) Namespaces(context.Context) ([]string, error) { return nil, o.err }

func (o offline) Info(context.Context, string) (repo.Info, error) { return repo.Info{}, o.err }

func (o offline) Sequences(context.Context) iter.Seq2[repo.Info, error] {
	return failing[repo.Info](o.err)
}

func (o offline) ReadSequence(context.Context, string, []byte, int64) (int, error) {
	return 0, o.err
}

func (o offline) Collection(context.Context, string) (repo.Collection, string, error) {
	return repo.Collection{}, "", o.err
}

func (o offline) Collections(context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return failing[repo.CollectionInfo](o.err)
}

func (o offline) Close() error { return nil }

// failing returns a sequence that yields only err.
func failing[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
