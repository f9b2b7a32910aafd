package s3_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/seqfs/seqfs/internal/sampleinst"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// TestCollectionsInPlace reads the sample collections of an instance on an
// HTTP server, queried in place through range reads (TestBackend does the
// same in S3), and checks that an instance without a collections database
// has none, in S3 and over HTTP.
func TestCollectionsInPlace(t *testing.T) {
	dir := sampleinst.WithCollections(t)
	startS3(t)
	without := upload(t, testutil.SampleInstance(), "plain/master")
	srv, _ := rangeServer(t, filepath.Dir(dir))
	t.Run("HTTP", func(t *testing.T) {
		t.Parallel()
		repotest.Run(t, func(t *testing.T) repo.Source {
			src := openURL(t, srv.URL+"/master")
			repotest.RunCollections(t, src)
			return src
		})
	})
	plainSrv, _ := rangeServer(t, testutil.SampleRoot())
	for _, u := range []string{without, plainSrv.URL + "/master"} {
		t.Run("NoCollections", func(t *testing.T) {
			ctx := context.Background()
			src := openURL(t, u)
			defer src.Close()
			cs, err := repo.Collections(src)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second time from what the first learnt
				if _, _, err := cs.Collection(ctx, "genome"); !errors.Is(err, repo.ErrNotFound) {
					t.Errorf("%s: Collection(genome) = %v, want not found", u, err)
				}
			}
			for info, err := range cs.Collections(ctx) {
				t.Errorf("%s: listing of an instance without collections: %+v, %v", u, info, err)
			}
		})
	}
}
