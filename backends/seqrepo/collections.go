package seqrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/seqfs/seqfs/internal/lru"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/sqlitevfs"
)

// CollectionsDBFile is the collections database of an instance, holding
// its sequence collections (repo.CollectionSource). It lives directly in
// the instance directory, next to aliases.sqlite3. Python SeqRepo never
// opens it, so an instance with collections stays a valid SeqRepo instance,
// and an instance without the file simply has no collections. Its schema
// (version 1, in the meta table like SeqRepo's databases):
//
//	create table meta (key text not null, value text not null);
//	create unique index meta_key_idx on meta(key);
//	-- rows: ('schema version', '1'), ('format', 'seqfs-collections')
//	create table collection (
//	    digest text primary key,   -- seqcol level-0 digest
//	    n integer not null,        -- number of sequences
//	    residues integer not null, -- sum of lengths
//	    names text not null,       -- JSON array of strings, collection order
//	    seq_ids text not null,     -- JSON array of sha512t24u seq_ids (no "SQ.")
//	    lengths text not null,     -- JSON array of integers
//	    added timestamp not null default current_timestamp
//	);
//	create table collection_name (
//	    collection_name_id integer primary key,
//	    name text not null,
//	    digest text not null,      -- collection.digest
//	    added timestamp not null default current_timestamp,
//	    is_current int not null default 1
//	);
//	create unique index collection_name_current_idx on collection_name(name) where is_current = 1;
//	create index collection_name_digest_idx on collection_name(digest);
//
// collection_name works like seqalias: binding a name that is bound to
// another collection marks the old row is_current = 0 and adds a new one;
// the old collection stays reachable by its digest. A collection refers to
// sequences by seq_id only (never through aliases). Timestamps are UTC
// ("YYYY-MM-DD HH:MM:SS").
//
// The Writer attaches the database to the connection that commits the
// other two, so a commit is atomic across all three (SQLite's super-journal
// in rollback-journal mode): a crash leaves the state of the last complete
// commit. The file is created (under a temporary name, then renamed) by the
// first commit that stores a collection. Readers open it read-only, in
// place over range reads for s3:// and https:// instances; reading one
// collection or listing them costs nothing that grows with the number of
// sequences of the instance. Snapshot copies it with the other databases
// under one read lock; s3-upload publishes it with them.
const CollectionsDBFile = "collections.sqlite3"

// collectionsFormat is the meta row ("format") naming the database's kind.
const collectionsFormat = "seqfs-collections"

// collectionsDDL creates the collections database (see the file comment).
const collectionsDDL = `create table meta (key text not null, value text not null);
create unique index meta_key_idx on meta(key);
insert into meta (key, value) values ('schema version', '1'), ('format', '` + collectionsFormat + `');
create table collection (
    digest text primary key,
    n integer not null,
    residues integer not null,
    names text not null,
    seq_ids text not null,
    lengths text not null,
    added timestamp not null default current_timestamp
);
create table collection_name (
    collection_name_id integer primary key,
    name text not null,
    digest text not null,
    added timestamp not null default current_timestamp,
    is_current int not null default 1
);
create unique index collection_name_current_idx on collection_name(name) where is_current = 1;
create index collection_name_digest_idx on collection_name(digest);`

// CollectionsDBPath returns the path of the collections database of an
// instance.
func CollectionsDBPath(instanceDir string) string {
	return filepath.Join(instanceDir, CollectionsDBFile)
}

// collectionsState is the lazily opened collections database of an
// Instance.
type collectionsState struct {
	mu     sync.Mutex
	db     *sql.DB
	absent bool // a remote instance without the file (it never appears)
	reg    *sqlitevfs.Registration
	file   StorageFile

	// parsed holds collections already decoded and checked, by digest
	// (a digest's content never changes).
	parsed *lru.Map[string, repo.Collection]
}

// parsedCollectionBytes bounds the decoded collections an Instance keeps.
const parsedCollectionBytes = 64 << 20

// collectionCost approximates the memory of a decoded collection.
func collectionCost(c repo.Collection) int64 {
	n := int64(len(c.Names)) * (16 + 32 + 16 + 8)
	for _, name := range c.Names {
		n += int64(len(name))
	}
	return n
}

var (
	_ repo.CollectionSource      = (*Instance)(nil)
	_ repo.CollectionSource      = (*Writer)(nil)
	_ repo.CollectionWriter      = (*Writer)(nil)
	_ repo.ExactCollectionCopier = (*Writer)(nil)
)

// collectionsPath names the collections database for messages.
func (i *Instance) collectionsPath() string {
	if i.remote != nil {
		return i.dir + "/" + CollectionsDBFile
	}
	return CollectionsDBPath(i.dir)
}

// collectionsDB returns the open collections database, or nil when the
// instance has none. A local instance is checked again on every call until
// the file appears (a writer creates it with its first collection).
func (i *Instance) collectionsDB(ctx context.Context) (*sql.DB, error) {
	s := &i.colls
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil || s.absent {
		return s.db, nil
	}
	if s.parsed == nil {
		s.parsed = lru.NewMap[string, repo.Collection](parsedCollectionBytes, collectionCost)
	}
	path := i.collectionsPath()
	if i.remote == nil {
		st, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, i.storageErr(CollectionsDBFile, err)
		}
		if !st.Mode().IsRegular() {
			return nil, repo.Corrupt(path, errors.New("not a regular file"))
		}
		db, err := i.openLocalDB(ctx, path)
		if err != nil {
			return nil, err
		}
		s.db = db
		return db, nil
	}
	f, err := i.remote.Open(ctx, CollectionsDBFile)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, repo.ErrNotFound) {
		s.absent = true
		return nil, nil
	}
	if err != nil {
		return nil, repo.Unavailable(path, err)
	}
	reg, err := sqlitevfs.Register(f, path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db, err := openDSN(ctx, reg.DSN, path)
	if err != nil {
		cause := reg.LastError()
		reg.Unregister()
		f.Close()
		if cause != nil {
			return nil, repo.Unavailable(path, cause)
		}
		return nil, err
	}
	s.db, s.reg, s.file = db, reg, f
	return db, nil
}

// closeCollections closes the collections database if it was opened.
func (i *Instance) closeCollections() error {
	s := &i.colls
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if s.reg != nil {
		s.reg.Unregister()
	}
	if s.file != nil {
		errs = append(errs, s.file.Close())
	}
	s.db, s.reg, s.file = nil, nil, nil
	return errors.Join(errs...)
}

// collErr wraps a failed query of the collections database.
func (i *Instance) collErr(what string, err error) error {
	path := i.collectionsPath()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %s: %w", path, what, err)
	}
	if s := &i.colls; s.reg != nil {
		if cause := s.reg.LastError(); cause != nil {
			err = fmt.Errorf("%w (cause: %w)", err, cause)
		}
	}
	return fmt.Errorf("%s: %s: %w", path, what, repo.Unavailable(path, err))
}

// Collection implements repo.CollectionSource: nameOrDigest is looked up
// as a current name first, then as a level-0 digest. The stored arrays are
// checked against the digest they are stored under.
func (i *Instance) Collection(ctx context.Context, nameOrDigest string) (repo.Collection, string, error) {
	db, err := i.collectionsDB(ctx)
	if err != nil {
		return repo.Collection{}, "", err
	}
	if db == nil {
		return repo.Collection{}, "", &repo.CollectionNotFoundError{Ref: nameOrDigest}
	}
	var names, ids, lengths, digest string
	err = db.QueryRowContext(ctx, `select c.digest, c.names, c.seq_ids, c.lengths from collection c
		where c.digest = coalesce((select digest from collection_name where name = ? and is_current = 1), ?)`,
		nameOrDigest, nameOrDigest).Scan(&digest, &names, &ids, &lengths)
	if errors.Is(err, sql.ErrNoRows) {
		return repo.Collection{}, "", &repo.CollectionNotFoundError{Ref: nameOrDigest}
	}
	if err != nil {
		return repo.Collection{}, "", i.collErr("look up collection "+nameOrDigest, err)
	}
	c, ok := i.colls.parsed.Get(digest)
	if !ok {
		if c, err = repo.ParseCollectionArrays(digest, names, ids, lengths); err != nil {
			return repo.Collection{}, "", repo.Corrupt(i.collectionsPath(), err)
		}
		i.colls.parsed.Add(digest, c)
	}
	// Callers own what they get: the cached slices are never handed out.
	return repo.Collection{Names: slices.Clone(c.Names), SeqIDs: slices.Clone(c.SeqIDs), Lengths: slices.Clone(c.Lengths)}, digest, nil
}

// Collections implements repo.CollectionSource: every collection ordered
// by digest, with its current names.
func (i *Instance) Collections(ctx context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return func(yield func(repo.CollectionInfo, error) bool) {
		db, err := i.collectionsDB(ctx)
		if err != nil {
			yield(repo.CollectionInfo{}, err)
			return
		}
		if db == nil {
			return
		}
		rows, err := db.QueryContext(ctx, `select c.digest, c.n, c.residues, cast(c.added as text), n.name
			from collection c left join collection_name n on n.digest = c.digest and n.is_current = 1
			order by c.digest, n.name`)
		if err != nil {
			yield(repo.CollectionInfo{}, i.collErr("list collections", err))
			return
		}
		defer rows.Close()
		var cur repo.CollectionInfo
		for rows.Next() {
			var (
				info  repo.CollectionInfo
				added string
				name  sql.NullString
			)
			if err := rows.Scan(&info.Digest, &info.Sequences, &info.Residues, &added, &name); err != nil {
				yield(repo.CollectionInfo{}, i.collErr("list collections", err))
				return
			}
			if cur.Digest != info.Digest {
				if cur.Digest != "" && !yield(cur, nil) {
					return
				}
				if info.Added, err = ParseAdded(added); err != nil {
					yield(repo.CollectionInfo{}, repo.Corrupt(i.collectionsPath(), fmt.Errorf("collection %s: %w", info.Digest, err)))
					return
				}
				cur = info
			}
			if name.Valid {
				cur.Names = append(cur.Names, name.String)
			}
		}
		if err := rows.Err(); err != nil {
			yield(repo.CollectionInfo{}, i.collErr("list collections", err))
			return
		}
		if cur.Digest != "" {
			yield(cur, nil)
		}
	}
}

// Collection implements repo.CollectionSource over the committed data.
func (w *Writer) Collection(ctx context.Context, nameOrDigest string) (repo.Collection, string, error) {
	r, err := w.acquire()
	if err != nil {
		return repo.Collection{}, "", err
	}
	defer w.release(r)
	return r.inst.Collection(ctx, nameOrDigest)
}

// Collections implements repo.CollectionSource over the committed data.
func (w *Writer) Collections(ctx context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return committedSeq(w, func(inst *Instance) iter.Seq2[repo.CollectionInfo, error] { return inst.Collections(ctx) })
}
