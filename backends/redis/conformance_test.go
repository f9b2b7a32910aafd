package redis

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/copier"
	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// copyInto copies every sequence of src with all its alias records into w
// (StoreCopy when exact, else Store with the current aliases), committing
// every few sequences.
func copyInto(t testing.TB, src repo.Source, w *Writer, exact bool) {
	t.Helper()
	ctx := context.Background()
	n := 0
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		seq, err := repo.Slice(ctx, src, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := repo.Collect(src.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID, IncludeHistoric: exact}))
		if err != nil {
			t.Fatal(err)
		}
		if exact {
			_, err = w.StoreCopy(ctx, seq, info, recs)
		} else {
			var as []repo.NSAlias
			for _, a := range recs {
				as = append(as, repo.NSAlias{Namespace: a.Namespace, Alias: a.Alias})
			}
			_, err = w.Store(ctx, seq, as)
		}
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%2 == 0 {
			if err := w.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func openSample(t testing.TB) repo.Source {
	t.Helper()
	src, err := seqrepo.Open(context.Background(), testutil.SampleInstance(), seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// loadSample copies the bundled sample into a fresh prefix of srv with a
// part size small enough that yeast chr I spans 23 parts, and returns the
// location of the copy.
func loadSample(t testing.TB, srvURL string, exact bool) string {
	t.Helper()
	loc := fmt.Sprintf("%s?prefix=sample%d&part_size=10007", srvURL, rand.Int64())
	u, _ := url.Parse(loc)
	w, err := OpenWriter(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	copyInto(t, openSample(t), w, exact)
	return loc
}

// TestBackend runs every conformance suite through the Factory on a
// single server: the Source and collection suites on an exact copy of the
// sample, the Writer suite on new prefixes. Commits are made to fail by
// refusing HSET, which discards the commit's MULTI whole.
func TestBackend(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	runBackend(t, srv.URL(), func(t *testing.T, _ string) {
		acl(t, srv, "-hset")
		t.Cleanup(func() { acl(t, srv, "+hset") })
	})
}

// TestBackendCluster is TestBackend on Redis Cluster, where a refused
// command only partly applies a commit: no FailedCommit case.
func TestBackendCluster(t *testing.T) {
	t.Parallel()
	runBackend(t, redistest.StartCluster(t).URL(), nil)
}

// acl changes the permissions of srv's default user.
func acl(t *testing.T, srv *redistest.Server, rule string) {
	t.Helper()
	if err := srv.Client().Do(context.Background(), "ACL", "SETUSER", "default", rule).Err(); err != nil {
		t.Fatalf("ACL SETUSER default %s: %v", rule, err)
	}
}

// runBackend runs repotest.RunBackend on the Redis at srvURL, each store
// under a new prefix with a part size small enough that sequences span
// several parts; failCommits makes its commits fail.
func runBackend(t *testing.T, srvURL string, failCommits func(t *testing.T, loc string)) {
	t.Helper()
	repotest.RunBackend(t, repotest.Backend{
		Factory: Factory{},
		Sample:  func(t *testing.T) repo.Source { return openSample(t) },
		NewLocation: func(t *testing.T) string {
			return fmt.Sprintf("%s?prefix=w%d&part_size=301", srvURL, rand.Int64())
		},
		FailCommits: failCommits,
	})
}

// TestSameAnswersAsSeqRepo asks the Redis copy and the SeqRepo instance it
// was copied from the same questions and requires identical answers.
func TestSameAnswersAsSeqRepo(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := context.Background()
	want := openSample(t)
	got, err := repotest.OpenVia(ctx, Factory{}, loadSample(t, srv.URL(), true))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	repotest.SameSource(t, want, got, repotest.SameExact)

	// A copy through the plain Writer.Store has the same aliases and
	// sequences; only the timestamps are the copy's.
	plain, err := repotest.OpenVia(ctx, Factory{}, loadSample(t, srv.URL(), false))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	repotest.SameSource(t, want, plain, repotest.SameContent)
}

// TestRoundTripLarger builds a larger SeqRepo instance (hundreds of
// sequences, several namespaces, re-assigned aliases with history), copies
// it into Redis exactly, then back out into a new SeqRepo instance through
// the plain Writer interface, comparing every answer at each step.
func TestRoundTripLarger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	inst := filepath.Join(t.TempDir(), "master")
	if err := seqrepo.CreateInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	sw, err := seqrepo.OpenWriter(ctx, inst, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 200 {
		seq := randSeq(rng, 1+rng.IntN(6000))
		if i%50 == 0 {
			seq = bytes.ToLower(seq[:1+len(seq)/3])
		}
		as := []repo.NSAlias{{Namespace: "refseq", Alias: fmt.Sprintf("NM_%06d.%d", i, 1+i%3)}, {Namespace: "GRCh38", Alias: fmt.Sprintf("chr%d", i%97)}}
		if i%3 == 0 {
			as = append(as, repo.NSAlias{Namespace: "Ensembl", Alias: fmt.Sprintf("ENST%011d.1", i)}, repo.NSAlias{Namespace: "me", Alias: fmt.Sprintf("x %d/%d", i, i)})
		}
		if _, err := sw.Store(ctx, seq, as); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 {
			if err := sw.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := sw.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	sw.Close()
	orig, err := seqrepo.Open(ctx, inst, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	if n, _ := repo.Collect(orig.FindAliases(ctx, repo.AliasQuery{Namespace: "GRCh38", IncludeHistoric: true})); len(n) != 200 {
		t.Fatalf("fixture: %d GRCh38 records, want 200 (103 historic)", len(n))
	}

	// In, exactly.
	loc := srv.URL() + "?prefix=big&part_size=4099"
	u, _ := url.Parse(loc)
	w, err := OpenWriter(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	copyInto(t, orig, w, true)
	w.Close()
	rs, err := repotest.OpenVia(ctx, Factory{}, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	repotest.SameSource(t, orig, rs, repotest.SameExact)

	// Out again, through the plain Writer interface of the SeqRepo layout.
	out := filepath.Join(t.TempDir(), "master")
	if err := seqrepo.CreateInstance(ctx, out); err != nil {
		t.Fatal(err)
	}
	ow, err := seqrepo.OpenWriter(ctx, out, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for info, err := range rs.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		seq, err := repo.Slice(ctx, rs, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := repo.Collect(rs.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID}))
		var as []repo.NSAlias
		for _, a := range recs {
			as = append(as, repo.NSAlias{Namespace: a.Namespace, Alias: a.Alias})
		}
		if _, err := ow.Store(ctx, seq, as); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ow.Close()
	back, err := seqrepo.Open(ctx, out, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	repotest.SameSource(t, rs, back, repotest.SameContent)
}

// TestCopierIntoAndOutOf runs the shared copier (what `seqfs copy` uses)
// from the sample into Redis, again to check that a re-run adds nothing,
// and from Redis out into a new SeqRepo instance.
func TestCopierIntoAndOutOf(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	sample := openSample(t)
	u, _ := url.Parse(srv.URL() + "?prefix=copier&part_size=65536")
	for run := range 2 {
		w, err := OpenWriter(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		p, err := copier.Copy(ctx, sample, w, copier.Options{Verify: true})
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		if wantAdded := int64(3 * (1 - run)); p.Sequences != 3 || p.Added != wantAdded {
			t.Errorf("run %d: %+v", run, p)
		}
	}
	rs, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	repotest.SameSource(t, sample, rs, repotest.SameContent)

	out := filepath.Join(t.TempDir(), "master")
	if err := seqrepo.CreateInstance(ctx, out); err != nil {
		t.Fatal(err)
	}
	ow, err := seqrepo.OpenWriter(ctx, out, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := copier.Copy(ctx, rs, ow, copier.Options{Verify: true}); err != nil {
		t.Fatal(err)
	}
	ow.Close()
	back, err := seqrepo.Open(ctx, out, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	repotest.SameSource(t, sample, back, repotest.SameContent)
}
