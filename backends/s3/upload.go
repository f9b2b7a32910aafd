package s3

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

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
// reader never sees databases that reference missing sequence files. An
// instance whose database has uncheckpointed WAL content is refused.
func UploadInstance(ctx context.Context, localDir, s3URL string, base Config) (UploadStats, error) {
	return uploadInstance(ctx, localDir, s3URL, base, nil)
}

// fileStamp identifies one version of a local file.
type fileStamp struct {
	size  int64
	mtime int64
}

// uploadInstance is UploadInstance; when done is not nil, files whose
// stamp it records are skipped and uploaded files are recorded in it.
func uploadInstance(ctx context.Context, localDir, s3URL string, base Config, done map[string]fileStamp) (UploadStats, error) {
	u, err := url.Parse(s3URL)
	if err != nil {
		return UploadStats{}, fmt.Errorf("parse %s: %w", s3URL, err)
	}
	bucket, prefix, cfg, err := ParseS3URL(u, base)
	if err != nil {
		return UploadStats{}, err
	}
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
	var data, dbs []string
	err = filepath.WalkDir(localDir, func(p string, d fs.DirEntry, err error) error {
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
		if strings.HasSuffix(rel, ".sqlite3") {
			dbs = append(dbs, rel)
		} else {
			data = append(data, rel)
		}
		return nil
	})
	if err != nil {
		return UploadStats{}, fmt.Errorf("upload %s: %w", localDir, err)
	}
	client, _, err := newClient(ctx, bucket, cfg)
	if err != nil {
		return UploadStats{}, err
	}
	var stats UploadStats
	type upl struct {
		rel   string
		stamp fileStamp
	}
	var files = make(chan upl, len(data)+len(dbs))
	put := func(ctx context.Context, rel string) error {
		f, err := os.Open(filepath.Join(localDir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("upload %s: %w", rel, err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("upload %s: %w", rel, err)
		}
		key := keyJoin(prefix, rel)
		_, err = client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key), Body: f, ContentLength: aws.Int64(st.Size()),
		})
		if err != nil {
			fe := &s3Fetcher{bucket: bucket}
			return fe.mapErr(key, "upload "+filepath.Join(localDir, rel)+" to", err)
		}
		files <- upl{rel, fileStamp{st.Size(), st.ModTime().UnixNano()}}
		return nil
	}
	for _, batch := range [][]string{data, dbs} {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for _, rel := range batch {
			g.Go(func() error { return put(gctx, rel) })
		}
		if err := g.Wait(); err != nil {
			return stats, err
		}
	}
	close(files)
	for f := range files {
		stats.Files++
		stats.Bytes += f.stamp.size
		if done != nil {
			done[f.rel] = f.stamp
		}
	}
	return stats, nil
}
