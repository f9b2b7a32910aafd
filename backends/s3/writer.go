package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// Writer writes a SeqRepo instance to S3 ("seqfs copy SRC s3://…"). It adds
// to the instance at the destination, like the other writers: OpenWriter
// downloads its databases (aliases.sqlite3, sequences/db.sqlite3 and
// collections.sqlite3; never the sequence files) into a temporary local
// instance, which the SeqRepo writer then extends. Every Commit uploads
// what changed since the last one: the new sequence files, then the
// databases, sequences/db.sqlite3 last (see uploadInstance). So after a
// Commit the S3 copy opens with seqfs -s s3://…, and a copy that was
// interrupted is completed by copying again. A Commit whose upload fails
// can be retried: it uploads what is left. S3 has no multi-object
// transactions: a Commit interrupted between the database uploads leaves
// the new aliases (and collections) of sequences that readers do not see
// yet, until the same writes are committed again (repo.Writer's
// exception). A new sequence file never replaces an object of the same
// key: such a Commit fails before any database is uploaded. Close removes
// the temporary instance.
//
// Reads see the committed data; the files of sequences stored before
// OpenWriter are read from S3. The destination is the prefix itself, or
// its "latest" subdirectory when only that holds an instance (as
// OpenInstance reads it). One Writer at a time per destination: two open
// at once each upload their own databases, and the last Commit wins; a
// Writer opened after another was closed finds and keeps all it
// committed. It is safe for concurrent use as the SeqRepo writer is.
type Writer struct {
	*seqrepo.Writer
	tmp, dir string
	dst      *s3Fetcher
	prefix   string // of the instance's keys in dst's bucket

	// mu is held by uploads, and by Store and Close so that no automatic
	// commit changes a database, and no Close removes it, while it is
	// being uploaded.
	mu       sync.Mutex
	uploaded map[string]fileStamp
}

var _ repo.Writer = (*Writer)(nil)

// remoteDBs are the databases OpenWriter downloads, by their names in the
// instance; the last one is optional.
var remoteDBs = []string{seqrepo.AliasesDBFile, seqrepo.SequencesDirName + "/" + seqrepo.SeqInfoDBFile, seqrepo.CollectionsDBFile}

// OpenWriter returns a Writer for an s3:// URL (its query overrides base)
// that adds to the instance stored there, or starts one. A destination
// holding part of an instance (a database without aliases.sqlite3) or
// databases the SeqRepo writer refuses gives an error naming the key.
func OpenWriter(ctx context.Context, s3URL string, base Config) (*Writer, error) {
	u, err := url.Parse(s3URL)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", s3URL, err)
	}
	bucket, prefix, cfg, err := ParseS3URL(u, base)
	if err != nil {
		return nil, err
	}
	st, err := NewS3Storage(ctx, bucket, prefix, cfg)
	if err != nil {
		return nil, err
	}
	fe := st.f.(*s3Fetcher)
	inst, found, err := locateInstance(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("open writer on %s: %w", s3URL, err)
	}
	tmp, err := os.MkdirTemp("", "seqfs-s3-writer-")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", s3URL, err)
	}
	w := &Writer{tmp: tmp, dir: filepath.Join(tmp, "instance"), dst: fe, prefix: inst.prefix, uploaded: map[string]fileStamp{}}
	opts := seqrepo.WriterOptions{}
	if found {
		err = w.download(ctx)
		// Sequences stored before are read from S3.
		opts.Reader.Storage = &fallbackStorage{local: seqrepo.NewDirStorage(seqrepo.SequencesPath(w.dir)), remote: inst.Sub(seqrepo.SequencesDirName)}
	} else {
		err = seqrepo.CreateInstance(ctx, w.dir)
	}
	if err == nil {
		w.Writer, err = seqrepo.OpenWriter(ctx, w.dir, opts)
		if err != nil && found {
			err = fmt.Errorf("the instance at %s cannot be written (its databases are damaged or of another version): %w", inst.String(), err)
		}
	}
	if err == nil && found {
		err = w.stampDownloaded()
	}
	if err != nil {
		if w.Writer != nil {
			w.Writer.Close()
		}
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("open writer on %s: %w", s3URL, err)
	}
	return w, nil
}

// locateInstance returns the storage of the instance in st (st itself or
// its "latest" subdirectory, as OpenInstance looks) and whether there is
// one; without one, st, unless a database lies there without
// aliases.sqlite3 (part of an instance, which the Writer must not
// overwrite).
func locateInstance(ctx context.Context, st *Storage) (*Storage, bool, error) {
	exists := func(s *Storage, rel string) (bool, error) {
		_, err := s.f.stat(ctx, s.prefix+rel)
		if err == nil {
			return true, nil
		}
		if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, repo.ErrNotFound) { // a missing bucket is ErrNotFound too
			return false, nil
		}
		return false, err
	}
	for _, s := range []*Storage{st, st.Sub(seqrepo.LatestLinkName)} {
		ok, err := exists(s, seqrepo.AliasesDBFile)
		if ok || err != nil {
			return s, ok, err
		}
	}
	for _, rel := range remoteDBs[1:] {
		if ok, err := exists(st, rel); err != nil || ok {
			if err == nil {
				err = partialErr(st.String(), rel, seqrepo.AliasesDBFile)
			}
			return nil, false, err
		}
	}
	return st, false, nil
}

// partialErr reports an instance at where that has the database have but
// lacks missing.
func partialErr(where, have, missing string) error {
	return fmt.Errorf("%s holds %s but not %s: part of a SeqRepo instance, which a writer would replace; complete or remove it first: %w",
		where, have, missing, repo.ErrCorrupt)
}

// download fetches the databases of the instance at w.prefix into w.dir.
func (w *Writer) download(ctx context.Context) error {
	if err := os.MkdirAll(seqrepo.SequencesPath(w.dir), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", w.dir, err)
	}
	for i, rel := range remoteDBs {
		err := w.dst.download(ctx, keyJoin(w.prefix, rel), filepath.Join(w.dir, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist) && i == len(remoteDBs)-1:
			continue // no collections
		case errors.Is(err, fs.ErrNotExist):
			return partialErr(w.dst.url(w.prefix), seqrepo.AliasesDBFile, rel)
		case err != nil:
			return err
		}
	}
	return nil
}

// stampDownloaded records the downloaded databases as uploaded, so that a
// Commit uploads only those it changed.
func (w *Writer) stampDownloaded() error {
	for _, rel := range remoteDBs {
		s, err := stampOf(filepath.Join(w.dir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		w.uploaded[rel] = s
	}
	return nil
}

// download writes the whole object key to the new file path.
func (f *s3Fetcher) download(ctx context.Context, key, path string) error {
	out, err := f.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		return f.mapErr(key, "download", err)
	}
	defer out.Body.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("download %s: %w", f.url(key), err)
	}
	if _, err := io.Copy(dst, out.Body); err != nil {
		dst.Close()
		return repo.Unavailable(f.url(key), fmt.Errorf("download %s to %s: %w", f.url(key), path, err))
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("download %s to %s: %w", f.url(key), path, err)
	}
	return nil
}

// fallbackStorage reads the files of the local instance, and those that
// are only in S3 (stored before the Writer was opened) from there.
type fallbackStorage struct {
	local  *seqrepo.DirStorage
	remote seqrepo.Storage
}

// Open opens relpath locally, else remotely.
func (s *fallbackStorage) Open(ctx context.Context, relpath string) (seqrepo.StorageFile, error) {
	f, err := s.local.Open(ctx, relpath)
	if errors.Is(err, fs.ErrNotExist) {
		return s.remote.Open(ctx, relpath)
	}
	return f, err
}

// String names the remote location, where every file is once committed.
func (s *fallbackStorage) String() string { return s.remote.String() }

// Store stores into the local instance (see seqrepo.Writer.Store); its
// automatic commits are uploaded by the next Commit.
func (w *Writer) Store(ctx context.Context, seq []byte, aliases []repo.NSAlias) (repo.StoreResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Writer.Store(ctx, seq, aliases)
}

// Commit commits the local instance and uploads what changed.
func (w *Writer) Commit(ctx context.Context) error {
	if err := w.Writer.Commit(ctx); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := uploadInstance(ctx, w.dir, w.dst, w.prefix, w.uploaded); err != nil {
		return fmt.Errorf("commit to %s: %w", w.dst.url(w.prefix), err)
	}
	return nil
}

// Close closes the local writer and removes the temporary instance.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.Writer.Close()
	if rerr := os.RemoveAll(w.tmp); err == nil && rerr != nil {
		err = fmt.Errorf("remove %s: %w", w.tmp, rerr)
	}
	return err
}
