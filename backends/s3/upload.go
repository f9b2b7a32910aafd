package s3

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

// UploadStats summarises an UploadInstance.
type UploadStats struct {
	// Files and Bytes count the objects written and their total size.
	Files int
	Bytes int64
}

// uploadable reports whether a file of an instance directory belongs in
// the published layout: the databases (collections.sqlite3 included) and
// everything under sequences/,
// but no lock, journal or temporary files.
func uploadable(rel string) bool {
	base := filepath.Base(rel)
	for _, suf := range []string{"-journal", "-wal", "-shm", ".lock", ".tmp"} {
		if strings.HasSuffix(base, suf) {
			return false
		}
	}
	if strings.HasPrefix(base, ".") {
		return false
	}
	return rel == seqrepo.AliasesDBFile || rel == seqrepo.CollectionsDBFile || strings.HasPrefix(rel, seqrepo.SequencesDirName+"/")
}

// UploadInstance copies the SeqRepo instance in the local directory
// localDir to s3URL (s3://bucket/prefix[?endpoint=…&region=…]; the
// query overrides base) in the
// SeqRepo layout, so that it opens with seqfs -s s3://bucket/prefix (and
// "aws s3 sync" would have made the same keys). Objects are written with
// up to 8 uploads at once; the databases are uploaded last so that a
// reader never sees databases that reference missing sequence files, and
// the sequence database after the others (see uploadInstance). An
// instance whose database has uncheckpointed WAL content is refused.
func UploadInstance(ctx context.Context, localDir, s3URL string, base Config) (UploadStats, error) {
	u, err := url.Parse(s3URL)
	if err != nil {
		return UploadStats{}, fmt.Errorf("parse %s: %w", s3URL, err)
	}
	bucket, prefix, cfg, err := ParseS3URL(u, base)
	if err != nil {
		return UploadStats{}, err
	}
	client, _, err := newClient(ctx, bucket, cfg)
	if err != nil {
		return UploadStats{}, err
	}
	return uploadInstance(ctx, localDir, &s3Fetcher{client: client, bucket: bucket, stats: &counters{}}, prefix, nil)
}

// fileStamp identifies one version of a local file.
type fileStamp struct {
	size  int64
	mtime int64
}

// stampOf returns the stamp of the file at path.
func stampOf(path string) (fileStamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{st.Size(), st.ModTime().UnixNano()}, nil
}

// uploadInstance uploads the instance in localDir to the keys under prefix
// in dst's bucket. The sequence files go first, then aliases.sqlite3 and
// collections.sqlite3, then sequences/db.sqlite3: until the last upload
// readers see the earlier sequence index, so they never see a sequence
// whose file is missing, and a copy killed before it is resumed by storing
// the same sequences again (their aliases are bound already; the sequences
// and their digest aliases are then added).
//
// When done is not nil (the Writer's incremental uploads), files whose
// stamp it records are skipped, uploaded files are recorded in it (also
// when a later upload fails, so a retry goes on from there), and a
// sequence file that is new here but whose key exists already is refused:
// the instance in the bucket holds files this one does not know.
func uploadInstance(ctx context.Context, localDir string, dst *s3Fetcher, prefix string, done map[string]fileStamp) (UploadStats, error) {
	for _, db := range []string{seqrepo.AliasesDBPath(localDir), seqrepo.SeqInfoDBPath(localDir)} {
		if st, err := os.Stat(db); err != nil || !st.Mode().IsRegular() {
			return UploadStats{}, fmt.Errorf("upload %s: not a SeqRepo instance: missing %s", localDir, db)
		}
	}
	for _, db := range []string{seqrepo.AliasesDBPath(localDir), seqrepo.SeqInfoDBPath(localDir), seqrepo.CollectionsDBPath(localDir)} {
		if st, err := os.Stat(db + "-wal"); err == nil && st.Size() > 0 {
			return UploadStats{}, fmt.Errorf("upload %s: %s-wal is not empty (a writer is open or did not checkpoint); close it first", localDir, db)
		}
	}
	seqInfo := seqrepo.SequencesDirName + "/" + seqrepo.SeqInfoDBFile
	var data, dbs, last []string
	err := filepath.WalkDir(localDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(localDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !uploadable(rel) {
			return nil
		}
		if done != nil {
			info, err := d.Info()
			if err != nil {
				return err
			}
			if done[rel] == (fileStamp{info.Size(), info.ModTime().UnixNano()}) {
				return nil
			}
		}
		switch {
		case rel == seqInfo:
			last = append(last, rel)
		case strings.HasSuffix(rel, ".sqlite3"):
			dbs = append(dbs, rel)
		default:
			data = append(data, rel)
		}
		return nil
	})
	if err != nil {
		return UploadStats{}, fmt.Errorf("upload %s: %w", localDir, err)
	}
	var (
		mu    sync.Mutex
		stats UploadStats
	)
	put := func(ctx context.Context, rel string, guard bool) error {
		key := keyJoin(prefix, rel)
		if guard {
			if err := dst.absent(ctx, key); err != nil {
				return err
			}
		}
		f, err := os.Open(filepath.Join(localDir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("upload %s: %w", rel, err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("upload %s: %w", rel, err)
		}
		_, err = dst.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(dst.bucket), Key: aws.String(key), Body: f, ContentLength: aws.Int64(st.Size()),
		})
		if err != nil {
			return dst.mapErr(key, "upload "+filepath.Join(localDir, rel)+" to", err)
		}
		mu.Lock()
		defer mu.Unlock()
		stats.Files++
		stats.Bytes += st.Size()
		if done != nil {
			done[rel] = fileStamp{st.Size(), st.ModTime().UnixNano()}
		}
		return nil
	}
	for i, batch := range [][]string{data, dbs, last} {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for _, rel := range batch {
			g.Go(func() error { return put(gctx, rel, done != nil && i == 0) })
		}
		if err := g.Wait(); err != nil {
			return stats, err
		}
	}
	return stats, nil
}

// absent fails unless the object key is missing; the error names it.
func (f *s3Fetcher) absent(ctx context.Context, key string) error {
	_, err := f.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	switch {
	case err == nil:
		return fmt.Errorf("upload to %s: the object exists already; refusing to replace a sequence file the instance's databases may reference (were two writers open on it?): %w",
			f.url(key), fs.ErrExist)
	case errors.Is(f.mapErr(key, "stat", err), fs.ErrNotExist):
		return nil
	}
	return f.mapErr(key, "stat", err)
}
