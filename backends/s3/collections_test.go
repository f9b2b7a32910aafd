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

// TestCollectionsInPlace reads the sample collections of an instance in
// S3 and on an HTTP server, queried in place through range reads, and
// checks that an instance without a collections database has none.
func TestCollectionsInPlace(t *testing.T) {
	dir := sampleinst.WithCollections(t)
	startS3(t)
	withColls := upload(t, dir, "colls/master")
	without := upload(t, testutil.SampleInstance(), "plain/master")
	srv, _ := rangeServer(t, filepath.Dir(dir))
	for _, tc := range []struct{ name, url string }{
		{"S3", withColls},
		{"HTTP", srv.URL + "/master"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			repotest.Run(t, func(t *testing.T) repo.Source {
				src := openURL(t, tc.url)
				repotest.RunCollections(t, src)
				return src
			})
		})
	}
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
