package seqrepo

import (
	"context"
	"fmt"
	"iter"
	"path"
)

// Files streams the paths, relative to the instance directory and
// '/'-separated, of the files the instance consists of: aliases.sqlite3,
// sequences/db.sqlite3 and every sequence file named in seqinfo with its
// .fai and .gzi. With OpenFile it lets an instance be copied file by file,
// byte for byte, from wherever it is stored (local disk, S3, HTTP).
func (i *Instance) Files(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, p := range []string{AliasesDBFile, SequencesDirName + "/" + SeqInfoDBFile} {
			if !yield(p, nil) {
				return
			}
		}
		rows, err := i.seqDB.QueryContext(ctx, `select distinct relpath from seqinfo order by relpath`)
		if err != nil {
			yield("", i.dbErr(i.seqDBPath, "list sequence files", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var rel string
			if err := rows.Scan(&rel); err != nil {
				yield("", i.dbErr(i.seqDBPath, "list sequence files", err))
				return
			}
			if err := CheckRelpath(rel); err != nil {
				yield("", fmt.Errorf("%s: seqinfo.relpath %q: %w", i.seqDBPath, rel, err))
				return
			}
			for _, suffix := range []string{"", ".fai", ".gzi"} {
				if !yield(path.Join(SequencesDirName, rel+suffix), nil) {
					return
				}
			}
		}
		if err := rows.Err(); err != nil {
			yield("", i.dbErr(i.seqDBPath, "list sequence files", err))
		}
	}
}

// OpenFile opens one file of the instance by its path relative to the
// instance directory (as Files gives it). A missing file matches
// fs.ErrNotExist.
func (i *Instance) OpenFile(ctx context.Context, rel string) (StorageFile, error) {
	if err := CheckRelpath(rel); err != nil {
		return nil, err
	}
	if i.remote != nil {
		return i.remote.Open(ctx, rel)
	}
	return NewDirStorage(i.dir).Open(ctx, rel)
}
