package s3

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/internal/testutil"
)

// TestWriterUploadKeepsSequenceFiles: the Writer's uploads never replace a
// sequence file that is in the bucket already (the names are times, so
// only another writer could have made it), and upload no database then.
func TestWriterUploadKeepsSequenceFiles(t *testing.T) {
	srv := s3test.Start(t)
	srv.SetEnv(t)
	srv.MakeBucket("seqrepo")
	ctx := context.Background()
	cfg := Config{Endpoint: srv.Endpoint()}
	if _, err := UploadInstance(ctx, testutil.SampleInstance(), "s3://seqrepo/keep", cfg); err != nil {
		t.Fatal(err)
	}
	st, err := NewS3Storage(ctx, "seqrepo", "keep", cfg)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := uploadInstance(ctx, testutil.SampleInstance(), st.f.(*s3Fetcher), "keep", map[string]fileStamp{})
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "s3://seqrepo/keep/sequences/") || stats.Files != 0 {
		t.Errorf("upload over existing sequence files: %+v, %v; want nothing uploaded and an error naming the key", stats, err)
	}
}
