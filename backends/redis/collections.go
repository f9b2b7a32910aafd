package redis

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seqfs/seqfs/repo"
)

// Keys of sequence collections (see the package documentation).
func (k keys) colls() string             { return k.p + ":colls" }
func (k keys) collIndex() string         { return k.p + ":collnames" }
func (k keys) collNameHist() string      { return k.p + ":collnamehist" }
func (k keys) coll(d string) string      { return k.p + ":coll:{" + d + "}" }
func (k keys) collNames(d string) string { return k.p + ":coll:{" + d + "}:names" }

var (
	_ repo.CollectionSource      = (*Source)(nil)
	_ repo.CollectionWriter      = (*Writer)(nil)
	_ repo.ExactCollectionCopier = (*Writer)(nil)
)

// collOp is one staged StoreCollection.
type collOp struct {
	name, digest string
	c            repo.Collection
	added        time.Time // zero: the commit's time
}

// Collection implements repo.CollectionSource: nameOrDigest is looked up
// as a current name first, then as a level-0 digest.
func (s *Source) Collection(ctx context.Context, nameOrDigest string) (repo.Collection, string, error) {
	d, err := s.client.HGet(ctx, s.k.collIndex(), nameOrDigest).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		d = nameOrDigest
	case err != nil:
		return repo.Collection{}, "", s.wrap(ctx, "look up collection "+nameOrDigest, err)
	}
	key := s.k.coll(d)
	vals, err := s.client.HMGet(ctx, key, "names", "seq_ids", "lengths").Result()
	if err != nil {
		return repo.Collection{}, "", s.wrap(ctx, "read collection "+d, err)
	}
	var f [3]string
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			if i == 0 && v == nil {
				return repo.Collection{}, "", &repo.CollectionNotFoundError{Ref: nameOrDigest}
			}
			return repo.Collection{}, "", repo.Corrupt(s.server+" key "+key, fmt.Errorf("field %d missing", i))
		}
		f[i] = str
	}
	c, err := repo.ParseCollectionArrays(d, f[0], f[1], f[2])
	if err != nil {
		return repo.Collection{}, "", repo.Corrupt(s.server+" key "+key, err)
	}
	return c, d, nil
}

// Collections implements repo.CollectionSource: the committed collections
// in digest order, a page at a time.
func (s *Source) Collections(ctx context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return func(yield func(repo.CollectionInfo, error) bool) {
		for page, err := range s.lexPages(ctx, s.k.colls()) {
			if err != nil {
				yield(repo.CollectionInfo{}, err)
				return
			}
			infos := make([]*goredis.SliceCmd, len(page))
			names := make([]*goredis.StringSliceCmd, len(page))
			_, err := s.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
				for i, d := range page {
					infos[i] = pl.HMGet(ctx, s.k.coll(d), "n", "residues", "added")
					names[i] = pl.ZRangeByLex(ctx, s.k.collNames(d), &goredis.ZRangeBy{Min: "-", Max: "+"})
				}
				return nil
			})
			if err != nil {
				yield(repo.CollectionInfo{}, s.wrap(ctx, "list collections", err))
				return
			}
			for i, d := range page {
				info, err := parseCollInfo(d, infos[i].Val(), names[i].Val())
				if err != nil {
					yield(repo.CollectionInfo{}, repo.Corrupt(s.server+" key "+s.k.coll(d), err))
					return
				}
				if !yield(info, nil) {
					return
				}
			}
		}
	}
}

// parseCollInfo decodes the n, residues and added fields of a collection
// hash.
func parseCollInfo(d string, vals []any, names []string) (repo.CollectionInfo, error) {
	var f [3]string
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			return repo.CollectionInfo{}, fmt.Errorf("listed in colls but field %d is missing", i)
		}
		f[i] = str
	}
	n, err1 := strconv.Atoi(f[0])
	res, err2 := strconv.ParseInt(f[1], 10, 64)
	added, err3 := parseTime(f[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return repo.CollectionInfo{}, err
	}
	if len(names) == 0 {
		names = nil
	}
	return repo.CollectionInfo{Digest: d, Names: names, Sequences: n, Residues: res, Added: added}, nil
}

// StoreCollection stages c, whose sequences must be committed or staged in
// this writer, and binds name to it when name is not empty; see
// repo.CollectionWriter. Commit writes it after the staged sequences.
func (w *Writer) StoreCollection(ctx context.Context, name string, c repo.Collection) (string, error) {
	return w.storeCollection(ctx, name, c, time.Time{})
}

// StoreCollectionCopy is StoreCollection for a copy of a collection first
// stored at added elsewhere (repo.ExactCollectionCopier): a collection new
// to the store gets added as its added time.
func (w *Writer) StoreCollectionCopy(ctx context.Context, name string, c repo.Collection, added time.Time) (string, error) {
	return w.storeCollection(ctx, name, c, added)
}

func (w *Writer) storeCollection(ctx context.Context, name string, c repo.Collection, added time.Time) (string, error) {
	if err := repo.CheckStorableCollection(name, c); err != nil {
		return "", fmt.Errorf("store collection into %s: %w", w.server, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return "", fmt.Errorf("store collection %q into %s: writer is closed", name, w.server)
	}
	exists := make([]*goredis.IntCmd, len(c.SeqIDs))
	_, err := w.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		for i, id := range c.SeqIDs {
			if !w.newSeqs[id] {
				exists[i] = pl.Exists(ctx, w.k.info(id))
			}
		}
		return nil
	})
	if err != nil {
		return "", w.wrap(ctx, fmt.Sprintf("store collection %q: check sequences", name), err)
	}
	for i, e := range exists {
		if e != nil && e.Val() == 0 {
			return "", fmt.Errorf("store collection %q into %s: sequence %q: %w", name, w.server, c.Names[i], &repo.SeqNotFoundError{SeqID: c.SeqIDs[i]})
		}
	}
	d := c.Digest()
	w.colls = append(w.colls, collOp{name: name, digest: d, c: c, added: added})
	return d, nil
}

// applyCollections writes the staged collections (after the sequences they
// refer to are committed): each collection's hash, then its name binding
// (a name bound elsewhere is moved and its old binding kept in the name
// history), then its entry in P:colls. It is idempotent, so a failed
// commit can be retried.
func (w *Writer) applyCollections(ctx context.Context) error {
	if len(w.colls) == 0 {
		return nil
	}
	cur := map[string]*goredis.StringCmd{}
	_, err := w.client.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		for _, op := range w.colls {
			if op.name != "" && cur[op.name] == nil {
				cur[op.name] = pl.HGet(ctx, w.k.collIndex(), op.name)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return w.wrap(ctx, "commit collections: look up names", err)
	}
	bound := map[string]string{}
	for name, cmd := range cur {
		bound[name] = cmd.Val()
	}
	now := formatTime(w.now())
	write := func(pl goredis.Pipeliner) error {
		for _, op := range w.colls {
			names, ids, lengths := repo.CollectionArrays(op.c)
			key := w.k.coll(op.digest)
			added := now
			if !op.added.IsZero() {
				added = formatTime(op.added.UTC())
			}
			pl.HSetNX(ctx, key, "added", added)
			pl.HSet(ctx, key, "names", names, "seq_ids", ids, "lengths", lengths, "n", op.c.Len(), "residues", op.c.Residues())
			if op.name != "" && bound[op.name] != op.digest {
				if old := bound[op.name]; old != "" {
					pl.ZRem(ctx, w.k.collNames(old), op.name)
					pl.ZAdd(ctx, w.k.collNameHist(), goredis.Z{Member: op.name + sep + old + sep + now})
				}
				pl.HSet(ctx, w.k.collIndex(), op.name, op.digest)
				pl.ZAdd(ctx, w.k.collNames(op.digest), goredis.Z{Member: op.name})
				bound[op.name] = op.digest
			}
			pl.ZAdd(ctx, w.k.colls(), goredis.Z{Member: op.digest})
		}
		return nil
	}
	if w.cluster {
		_, err = w.client.Pipelined(ctx, write)
	} else {
		_, err = w.client.TxPipelined(ctx, write)
	}
	if err != nil {
		return w.wrap(ctx, fmt.Sprintf("commit %d staged collections", len(w.colls)), err)
	}
	w.colls = nil
	return nil
}
