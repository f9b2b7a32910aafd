package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/backends/s3"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// extraSeq is the sequence a second writer adds to the copied sample.
const extraSeq = "ACGTACGTTTGACCANNNACGTAGGGCTAGCTAGCATCGATCGTAGCTAG"

var extraAlias = repo.NSAlias{Namespace: "test", Alias: "extra"}

// openS3Writer opens the S3 writer on u, closed at the end of the test.
func openS3Writer(t *testing.T, u string) *s3.Writer {
	t.Helper()
	w, err := s3.OpenWriter(context.Background(), u, envConfig())
	if err != nil {
		t.Fatalf("open a writer on %s: %v", u, err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// storeExtra stores extraSeq with extraAlias through w and requires want.
func storeExtra(t *testing.T, w repo.Writer, want repo.StoreResult) {
	t.Helper()
	res, err := w.Store(context.Background(), []byte(extraSeq), []repo.NSAlias{extraAlias})
	res.SeqID = ""
	if err != nil || res != want {
		t.Fatalf("Store(extra) = %+v, %v; want %+v", res, err, want)
	}
}

// sampleCopy copies the sample into a writer on u, commits and closes it.
func sampleCopy(t *testing.T, u string) {
	t.Helper()
	w := openS3Writer(t, u)
	if _, err := copier.Copy(context.Background(), openLocal(t, testutil.SampleInstance()), w, copier.Options{Verify: true}); err != nil {
		t.Fatalf("copy the sample to %s: %v", u, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// sampleAndExtra returns a local instance holding the sample plus
// extraSeq with extraAlias: what the S3 instance must hold.
func sampleAndExtra(t *testing.T) repo.Source {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "want")
	w, err := seqrepo.Factory{}.OpenWriter(ctx, &url.URL{Scheme: "file", Path: dir}, nil) // creates the instance
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := copier.Copy(ctx, openLocal(t, testutil.SampleInstance()), w, copier.Options{}); err != nil {
		t.Fatal(err)
	}
	storeExtra(t, w, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1})
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return openLocal(t, dir)
}

// objectTimes returns the modification times of the objects under dir,
// the directory of a prefix in the server's posix backend.
func objectTimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		out[p] = info.ModTime()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWriterAddsToInstance: a second S3 writer on an instance copied to S3
// reads what is there (sequence bytes from S3 included), uploads nothing
// for a Commit of nothing, and adds to it.
func TestWriterAddsToInstance(t *testing.T) {
	srv := startS3(t)
	ctx := context.Background()
	want := sampleAndExtra(t)
	for _, u := range []string{"s3://seqrepo/adds/master", "s3://seqrepo/adds-root"} {
		t.Run(strings.TrimPrefix(u, "s3://seqrepo/"), func(t *testing.T) {
			sampleCopy(t, u)
			w := openS3Writer(t, u)
			repotest.SameSource(t, openLocal(t, testutil.SampleInstance()), w, repotest.SameContent)
			objects := filepath.Join(srv.Root, "seqrepo", filepath.FromSlash(strings.TrimPrefix(u, "s3://seqrepo/")))
			before := objectTimes(t, objects)
			if err := w.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if after := objectTimes(t, objects); !maps.Equal(before, after) {
				t.Errorf("a Commit of nothing changed the objects:\n%v\n%v", before, after)
			}
			storeExtra(t, w, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1})
			if err := w.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			src := openURL(t, u)
			defer src.Close()
			if n := repotest.CheckWhole(t, src); n != len(repotest.Sample)+1 {
				t.Errorf("%d sequences, want %d", n, len(repotest.Sample)+1)
			}
			repotest.SameSource(t, want, src, repotest.SameContent)
		})
	}
}

// TestWriterLatest: a destination whose instance is in its "latest"
// subdirectory (an "aws s3 sync" of a SeqRepo root) is written there.
func TestWriterLatest(t *testing.T) {
	startS3(t)
	ctx := context.Background()
	upload(t, testutil.SampleInstance(), "root/"+seqrepo.LatestLinkName)
	u := "s3://seqrepo/root"
	w := openS3Writer(t, u)
	storeExtra(t, w, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1})
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for _, loc := range []string{u, u + "/" + seqrepo.LatestLinkName} {
		src := openURL(t, loc)
		repotest.SameSource(t, sampleAndExtra(t), src, repotest.SameContent)
		src.Close()
	}
}

// TestWriterInterruptedCommit: a Commit killed after the sequence files
// were uploaded and before all databases were leaves readers whole
// sequences (all databases old) or aliases of a sequence not visible yet
// (the sequence database old); a copy run again completes it.
func TestWriterInterruptedCommit(t *testing.T) {
	srv := startS3(t)
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		restore []string // databases put back as before the commit
	}{
		{"before the databases", []string{seqrepo.AliasesDBFile, seqrepo.SequencesDirName + "/" + seqrepo.SeqInfoDBFile}},
		{"before the sequence database", []string{seqrepo.SequencesDirName + "/" + seqrepo.SeqInfoDBFile}},
	} {
		t.Run(c.name, func(t *testing.T) {
			prefix := "interrupted/" + strings.ReplaceAll(c.name, " ", "-")
			u := "s3://seqrepo/" + prefix
			sampleCopy(t, u)
			objects := filepath.Join(srv.Root, "seqrepo", filepath.FromSlash(prefix))
			saved := map[string][]byte{}
			for _, rel := range c.restore {
				b, err := os.ReadFile(filepath.Join(objects, rel))
				if err != nil {
					t.Fatal(err)
				}
				saved[rel] = b
			}
			w := openS3Writer(t, u)
			storeExtra(t, w, repo.StoreResult{SequencesAdded: 1, AliasesAdded: 1})
			if err := w.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			w.Close()
			for rel, b := range saved { // as if the upload stopped before them
				if err := os.WriteFile(filepath.Join(objects, rel), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			src := openURL(t, u)
			d, _ := repo.ComputeDigests([]byte(extraSeq))
			if _, err := src.Info(ctx, d.SeqID); !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("the sequence of the interrupted commit: Info = %v; want not found", err)
			}
			src.Close()
			w = openS3Writer(t, u)
			storeExtra(t, w, repo.StoreResult{SequencesAdded: 1, AliasesAdded: len(c.restore) - 1})
			if err := w.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			w.Close()
			src = openURL(t, u)
			defer src.Close()
			repotest.CheckWhole(t, src)
			repotest.SameSource(t, sampleAndExtra(t), src, repotest.SameContent)
		})
	}
}

// TestWriterDamagedDestination: a destination holding part of an instance
// or databases that are not SeqRepo's is refused with an error naming it,
// and left as it was.
func TestWriterDamagedDestination(t *testing.T) {
	srv := startS3(t)
	seqInfo := seqrepo.SequencesDirName + "/" + seqrepo.SeqInfoDBFile
	garbage := []byte("not a database")
	for _, c := range []struct {
		name    string
		objects []string // written with garbage
		want    string   // in the error
	}{
		{"sequence database only", []string{seqInfo}, "holds " + seqInfo + " but not " + seqrepo.AliasesDBFile},
		{"collections only", []string{seqrepo.CollectionsDBFile}, "holds " + seqrepo.CollectionsDBFile + " but not"},
		{"alias database only", []string{seqrepo.AliasesDBFile}, "holds " + seqrepo.AliasesDBFile + " but not " + seqInfo},
		{"garbage", []string{seqrepo.AliasesDBFile, seqInfo}, "cannot be written"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prefix := "damaged/" + strings.ReplaceAll(c.name, " ", "-")
			dir := filepath.Join(srv.Root, "seqrepo", filepath.FromSlash(prefix))
			for _, rel := range c.objects {
				p := filepath.Join(dir, filepath.FromSlash(rel))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, garbage, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			u := "s3://seqrepo/" + prefix
			w, err := s3.OpenWriter(context.Background(), u, envConfig())
			if err == nil {
				w.Close()
				t.Fatalf("OpenWriter on %v succeeded", c.objects)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), u) {
				t.Errorf("OpenWriter: %v; want an error naming %s with %q", err, u, c.want)
			}
			for _, rel := range c.objects {
				if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel))); err != nil || !bytes.Equal(b, garbage) {
					t.Errorf("%s after the refused OpenWriter: %q, %v; want it unchanged", rel, b, err)
				}
			}
		})
	}
}
