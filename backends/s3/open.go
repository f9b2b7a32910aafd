// Package s3 reads SeqRepo instances stored remotely, in S3 (s3://bucket/
// prefix, for example after "aws s3 sync" of an instance directory) or on
// any HTTP(S) server that supports Range requests, without downloading
// them: it provides a byte-range seqrepo.Storage for each, and its Factory
// opens the "s3", "http" and "https" source schemes with
// seqrepo.OpenStorage.
//
// Remote files are read in aligned chunks (DefaultChunkSize) through one
// bounded cache shared by the process; concurrent reads of a chunk make one
// request; sequential readers fetch ahead within a global budget. The two
// SQLite databases are queried in place through package sqlitevfs. Failed
// requests (network errors, timeouts, 5xx, 429) are retried with
// exponential backoff and jitter; a missing object or refused credentials
// give errors that name the bucket and key. Counters of requests and bytes
// are kept per Storage (Storage.Stats) and for the process (TotalStats).
//
// UploadInstance publishes a local instance to S3 in the same layout; a
// Writer (OpenWriter) adds sequences to an instance in S3.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// Instance is a remote SeqRepo instance: a *seqrepo.Instance read from a
// Storage. It implements repo.Source.
type Instance struct {
	*seqrepo.Instance
	storage *Storage
	// statsOut, when set, receives the storage's counters at Close (the
	// s3-stats setting).
	statsOut io.Writer
}

// Storage returns the instance's storage (for its Stats).
func (i *Instance) Storage() *Storage { return i.storage }

// Close closes the instance and reports its counters.
func (i *Instance) Close() error {
	err := i.Instance.Close()
	s := i.storage.Stats()
	slog.Debug("remote instance closed", "location", i.storage.String(), "requests", s.Requests, "bytes", s.Bytes,
		"retries", s.Retries, "errors", s.Errors)
	if i.statsOut != nil {
		fmt.Fprintf(i.statsOut, "seqfs: %s: %s\n", i.storage.String(), s)
	}
	return err
}

// OpenInstance opens the SeqRepo instance in st: st itself if it holds
// aliases.sqlite3, else its "latest" subdirectory (what "aws s3 sync" of a
// SeqRepo root directory makes of the latest symlink).
func OpenInstance(ctx context.Context, st *Storage, opts seqrepo.Options) (*Instance, error) {
	inst, err := seqrepo.OpenStorage(ctx, st, opts)
	if err == nil {
		return &Instance{Instance: inst, storage: st}, nil
	}
	if !errors.Is(err, repo.ErrNotFound) {
		return nil, err
	}
	latest := st.Sub(seqrepo.LatestLinkName)
	inst, err2 := seqrepo.OpenStorage(ctx, latest, opts)
	if err2 != nil {
		if errors.Is(err2, repo.ErrNotFound) {
			return nil, err // report the location that was asked for
		}
		return nil, err2
	}
	return &Instance{Instance: inst, storage: latest}, nil
}

// openURL opens the instance at an s3:// URL (its query overriding base)
// or an http(s):// URL.
func openURL(ctx context.Context, u *url.URL, base Config) (*Instance, error) {
	var st *Storage
	switch u.Scheme {
	case "s3":
		bucket, prefix, cfg, err := ParseS3URL(u, base)
		if err != nil {
			return nil, err
		}
		if st, err = NewS3Storage(ctx, bucket, prefix, cfg); err != nil {
			return nil, err
		}
	case "http", "https":
		if u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("%s: query and fragment are not supported in an instance URL", u.Redacted())
		}
		var err error
		if st, err = NewHTTPStorage(u.String()); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%s: not an s3:// or http(s):// URL", u.Redacted())
	}
	return OpenInstance(ctx, st, seqrepo.Options{})
}
