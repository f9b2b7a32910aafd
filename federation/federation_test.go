package federation_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/federation"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

func openSample(t *testing.T) repo.Source {
	t.Helper()
	inst, err := seqrepo.Open(context.Background(), testutil.SampleInstance(), seqrepo.Options{})
	if err != nil {
		t.Fatalf("open sample: %v", err)
	}
	return inst
}

// makeInstance writes a new SeqRepo instance holding seqs (alias → sequence)
// under namespace ns.
func makeInstance(t *testing.T, ns string, seqs map[string]string) string {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "inst")
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		t.Fatal(err)
	}
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for alias, s := range seqs {
		if _, err := w.Store(ctx, []byte(s), []repo.NSAlias{{Namespace: ns, Alias: alias}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func openInstance(t *testing.T, dir string) repo.Source {
	t.Helper()
	inst, err := seqrepo.Open(context.Background(), dir, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func newFed(t *testing.T, opts federation.Options, srcs ...repo.Source) *federation.Federation {
	t.Helper()
	members := make([]federation.Member, len(srcs))
	for i, s := range srcs {
		members[i] = federation.Member{Name: fmt.Sprintf("src%d", i+1), Source: s}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	f, err := federation.New(members, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The federation of one source, and of the same data twice, answers every
// conformance question like the source itself: duplicates collapse.
func TestConformance(t *testing.T) {
	t.Parallel()
	t.Run("single", func(t *testing.T) {
		t.Parallel()
		repotest.Run(t, func(t *testing.T) repo.Source { return newFed(t, federation.Options{}, openSample(t)) })
	})
	t.Run("duplicate", func(t *testing.T) {
		t.Parallel()
		repotest.Run(t, func(t *testing.T) repo.Source {
			return newFed(t, federation.Options{}, openSample(t), openSample(t))
		})
	})
}

func TestUnionAndConflicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	phix := "NC_001422.1 Enterobacteria phage phiX174 sensu lato, complete genome"
	other := makeInstance(t, "test", map[string]string{
		phix:   "ACGTACGTAC", // conflicts with the sample's binding
		"only": "GGGGCCCC",
	})
	fed := newFed(t, federation.Options{}, openSample(t), openInstance(t, other))
	defer fed.Close()

	// An alias only the second source has resolves and reads.
	id, err := repo.Resolve(ctx, fed, "test:only", "", repo.StyleSeqRepo)
	if err != nil {
		t.Fatalf("resolve test:only: %v", err)
	}
	got, err := repo.Slice(ctx, fed, id, 0, repo.ToEnd)
	if err != nil || string(got) != "GGGGCCCC" {
		t.Fatalf("read test:only = %q, %v", got, err)
	}

	// A conflicting alias is ambiguous, naming both sources.
	_, err = repo.Resolve(ctx, fed, phix, "test", repo.StyleSeqRepo)
	var amb *repo.AmbiguousError
	if !errors.As(err, &amb) {
		t.Fatalf("conflicting alias: got %v, want AmbiguousError", err)
	}
	if !strings.Contains(err.Error(), "src1") || !strings.Contains(err.Error(), "src2") || len(amb.Candidates) != 2 {
		t.Errorf("ambiguity error should name both sources and both sequences: %v", err)
	}

	// Namespaces are the union; the shared namespace lists each alias once.
	nss, err := fed.Namespaces(ctx)
	if err != nil || strings.Join(nss, ",") != "MD5,SEGUID,SHA1,VMC,test" {
		t.Errorf("Namespaces = %v, %v", nss, err)
	}
	var listed []string
	for a, err := range fed.NamespaceAliases(ctx, "test") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, a.Alias)
	}
	if len(listed) != 4 { // the sample's three + "only"; the conflicting one once
		t.Errorf("test namespace lists %d aliases, want 4: %q", len(listed), listed)
	}

	// With PreferFirst the first source's binding wins.
	pref := newFed(t, federation.Options{PreferFirst: true}, openSample(t), openInstance(t, other))
	defer pref.Close()
	id, err = repo.Resolve(ctx, pref, phix, "test", repo.StyleSeqRepo)
	if err != nil || id != "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF" {
		t.Errorf("prefer-first resolve = %q, %v; want the sample's phiX", id, err)
	}
}

// downSource is a member whose backend cannot be reached: every call fails
// with ErrUnavailable, as a stopped Redis or HTTP server does.
type downSource struct{}

func (downSource) err() error {
	return repo.Unavailable("redis 127.0.0.1:1", errors.New("connection refused"))
}
func (d downSource) FindAliases(context.Context, repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) { yield(repo.Alias{}, d.err()) }
}
func (d downSource) NamespaceAliases(context.Context, string) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) { yield(repo.Alias{}, d.err()) }
}
func (d downSource) Namespaces(context.Context) ([]string, error) { return nil, d.err() }
func (d downSource) Info(context.Context, string) (repo.Info, error) {
	return repo.Info{}, d.err()
}
func (d downSource) Sequences(context.Context) iter.Seq2[repo.Info, error] {
	return func(yield func(repo.Info, error) bool) { yield(repo.Info{}, d.err()) }
}
func (d downSource) ReadSequence(context.Context, string, []byte, int64) (int, error) {
	return 0, d.err()
}
func (downSource) Close() error { return nil }

// A member that is down is skipped: the others answer what they hold. An
// identifier or sequence they lack is unavailable, not "not found": the
// member that is down might hold it.
func TestDownMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fed := newFed(t, federation.Options{}, downSource{}, openSample(t))
	if _, err := fed.Namespaces(ctx); err != nil {
		t.Fatal(err)
	}
	if fed.MemberStats()["src1"] != 1 {
		t.Errorf("failures of the down member not counted: %v", fed.MemberStats())
	}
	const phiXMD5, phiXID = "3332ed720ac7eaa9b3655c06f6b9e196", "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"
	for _, style := range []repo.Style{repo.StyleSeqRepo, repo.StyleREST, repo.StyleRefget} {
		id, err := repo.Resolve(ctx, fed, "MD5:"+phiXMD5, "", style)
		if err != nil || id != phiXID {
			t.Errorf("style %d: resolve phiX with a member down = %q, %v", style, id, err)
		}
	}
	if got, err := repo.Slice(ctx, fed, phiXID, 0, 10); err != nil || string(got) != "GAGTTTTATC" {
		t.Errorf("read phiX with a member down = %q, %v", got, err)
	}
	if aliases, err := repo.Aliases(ctx, fed, phiXID); err != nil || len(aliases) == 0 {
		t.Errorf("aliases of phiX with a member down = %v, %v", aliases, err)
	}
	for name, err := range map[string]error{
		"resolve": func() error {
			_, err := repo.Resolve(ctx, fed, "refseq:NM_NOWHERE.1", "", repo.StyleSeqRepo)
			return err
		}(),
		"resolve digest": func() error {
			_, err := repo.Resolve(ctx, fed, "ga4gh:SQ."+strings.Repeat("A", 32), "", repo.StyleRefget)
			return err
		}(),
		"info":    func() error { _, err := fed.Info(ctx, strings.Repeat("B", 32)); return err }(),
		"read":    func() error { _, err := fed.ReadSequence(ctx, strings.Repeat("B", 32), make([]byte, 4), 0); return err }(),
		"aliases": func() error { _, err := repo.Aliases(ctx, fed, strings.Repeat("B", 32)); return err }(),
	} {
		if !errors.Is(err, repo.ErrUnavailable) || errors.Is(err, repo.ErrNotFound) || !strings.Contains(err.Error(), "unavailable") || !strings.Contains(err.Error(), "src1") {
			t.Errorf("%s of something the live member lacks: %v; want unavailable naming src1", name, err)
		}
	}
	// When every member is down the call fails with ErrUnavailable.
	all := newFed(t, federation.Options{}, downSource{}, downSource{})
	if _, err := repo.Resolve(ctx, all, "MD5:"+phiXMD5, "", repo.StyleSeqRepo); !errors.Is(err, repo.ErrUnavailable) {
		t.Errorf("all down: got %v, want ErrUnavailable", err)
	}
	// Without a member down, unknown is still not found.
	up := newFed(t, federation.Options{}, openSample(t), openSample(t))
	if _, err := repo.Resolve(ctx, up, "refseq:NM_NOWHERE.1", "", repo.StyleSeqRepo); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("all up, unknown alias: %v, want not found", err)
	}
}

func TestCheckHealth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if err := repo.CheckHealth(ctx, newFed(t, federation.Options{}, openSample(t), openSample(t))); err != nil {
		t.Errorf("all members up: %v", err)
	}
	err := repo.CheckHealth(ctx, newFed(t, federation.Options{}, openSample(t), downSource{}))
	if !errors.Is(err, repo.ErrUnavailable) || !strings.Contains(err.Error(), "src2") || strings.Contains(err.Error(), "src1") {
		t.Errorf("second member down: %v; want unavailable naming src2 only", err)
	}
}

func BenchmarkFederation(b *testing.B) {
	ctx := context.Background()
	inst, err := seqrepo.Open(ctx, testutil.SampleInstance(), seqrepo.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("direct", func(b *testing.B) { repotest.Bench(b, inst) })
	fed, _ := federation.New([]federation.Member{
		{Name: "a", Source: downSource{}}, {Name: "b", Source: downSource{}}, {Name: "c", Source: inst},
	}, federation.Options{})
	b.Run("federated-last-of-3", func(b *testing.B) { repotest.Bench(b, fed) })
}

func TestCounters(t *testing.T) {
	t.Parallel()
	fed := newFed(t, federation.Options{}, downSource{}, openSample(t))
	defer fed.Close()
	if _, err := fed.Namespaces(context.Background()); err != nil {
		t.Fatal(err)
	}
	text := string(repo.AppendPrometheus(nil, fed.Counters()))
	want := "# HELP seqfs_federation_source_failures_total Calls that skipped a federation source because it failed.\n" +
		"# TYPE seqfs_federation_source_failures_total counter\n" +
		"seqfs_federation_source_failures_total{source=\"src1\"} 1\n" +
		"seqfs_federation_source_failures_total{source=\"src2\"} 0\n"
	if text != want {
		t.Errorf("metrics text:\n%s\nwant:\n%s", text, want)
	}
}
