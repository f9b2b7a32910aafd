package redis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		addrs   []string
		db      int
		prefix  string
		psize   int64
		cluster bool
		master  string
		tls     bool
		user    string
		pass    string
		err     string
	}{
		{url: "redis://127.0.0.1:6380/2?prefix=x", addrs: []string{"127.0.0.1:6380"}, db: 2, prefix: "x", psize: DefaultPartSize},
		{url: "redis://h", addrs: []string{"h:6379"}, prefix: "seqfs", psize: DefaultPartSize},
		{url: "redis://u:p@h:1/0?part_size=64k", addrs: []string{"h:1"}, prefix: "seqfs", psize: 64 << 10, user: "u", pass: "p"},
		{url: "rediss://h:1", addrs: []string{"h:1"}, prefix: "seqfs", psize: DefaultPartSize, tls: true},
		{url: "redis+unix:///tmp/r.sock?db=3", addrs: []string{"/tmp/r.sock"}, db: 3, prefix: "seqfs", psize: DefaultPartSize},
		{url: "redis+cluster://a:1,c,b:2", addrs: []string{"a:1", "c:6379", "b:2"}, prefix: "seqfs", psize: DefaultPartSize, cluster: true},
		{url: "redis+sentinel://a:26379,b:26379/mymaster/4", addrs: []string{"a:26379", "b:26379"}, db: 4, master: "mymaster", prefix: "seqfs", psize: DefaultPartSize},
		{url: "redis://h/x", err: "bad database number"},
		{url: "redis://h/0?colour=red", err: `unknown parameter "colour"`},
		{url: "redis://h/0?part_size=1g", err: "512 MiB"},
		{url: "redis://h/0?part_size=-3", err: "bad size"},
		{url: "redis://h/0?prefix=", err: "non-empty"},
		{url: "redis+cluster://a:1/3", err: "only database 0"},
		{url: "redis+sentinel://a:1", err: "missing master name"},
		{url: "redis+unix://", err: "missing socket path"},
		{url: "memcached://h", err: "not a redis URL scheme"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			o, err := ParseURL(mustURL(t, tc.url))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := o.Client
			if !slices.Equal(c.Addrs, tc.addrs) || c.DB != tc.db || o.Prefix != tc.prefix || o.PartSize != tc.psize ||
				c.IsClusterMode != tc.cluster || c.MasterName != tc.master || (c.TLSConfig != nil) != tc.tls ||
				c.Username != tc.user || c.Password != tc.pass {
				t.Errorf("got addrs %v db %d prefix %q psize %d cluster %v master %q tls %v user %q pass %q",
					c.Addrs, c.DB, o.Prefix, o.PartSize, c.IsClusterMode, c.MasterName, c.TLSConfig != nil, c.Username, c.Password)
			}
			if strings.Contains(o.Server, "p@") {
				t.Errorf("server name %q leaks the password", o.Server)
			}
		})
	}
}

func TestTimeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{
		time.Date(2019, 5, 20, 15, 40, 27, 0, time.UTC),
		time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC),
		time.Unix(0, 0).UTC(),
		time.Date(1960, 1, 1, 0, 0, 0, 5, time.UTC),
	} {
		got, err := parseTime(formatTime(tm))
		if err != nil || !got.Equal(tm) || got != tm {
			t.Errorf("%v → %q → %v, %v", tm, formatTime(tm), got, err)
		}
	}
	for _, bad := range []string{"", ".5", "1.5", "1.12345678x", "+1", "x", "1.1234567890"} {
		if _, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%q) accepted", bad)
		}
	}
}

func TestLikeRanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		want    [][2]string
	}{
		{"%", [][2]string{{"-", "+"}}},
		{"_x", [][2]string{{"-", "+"}}},
		{"12%", [][2]string{{"[12", "(13"}}},
		{"a1%", [][2]string{{"[A1", "(A2"}, {"[a1", "(a2"}}},
		{"GS_x%", [][2]string{{"[GS", "(GT"}, {"[Gs", "(Gt"}, {"[gS", "(gT"}, {"[gs", "(gt"}}},
		{"1\xff%", [][2]string{{"[1", "(2"}}},
	}
	for _, tc := range tests {
		if got := likeRanges(tc.pattern); !slices.Equal(got, tc.want) {
			t.Errorf("likeRanges(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
	if n := len(likeRanges("abcdefghij%")); n != 64 {
		t.Errorf("variants of a long prefix = %d, want 64 (capped)", n)
	}
}

// inRanges reports whether member falls in one of the ZRANGEBYLEX ranges.
func inRanges(member string, ranges [][2]string) bool {
	for _, r := range ranges {
		lo, hi := r[0], r[1]
		okLo := lo == "-" || (lo[0] == '[' && member >= lo[1:]) || (lo[0] == '(' && member > lo[1:])
		okHi := hi == "+" || (hi[0] == '[' && member <= hi[1:]) || (hi[0] == '(' && member < hi[1:])
		if okLo && okHi {
			return true
		}
	}
	return false
}

// openPair opens a writer and a reader on a fresh prefix of a real
// redis-server with the given part size.
func openPair(t *testing.T, psize int64) (*Writer, *Source, Options) {
	t.Helper()
	srv := redistest.Start(t)
	o, err := ParseURL(mustURL(t, fmt.Sprintf("%s?prefix=t%d&part_size=%d", srv.URL(), rand.Int64(), psize)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, err := OpenWriterOptions(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	r, err := OpenOptions(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return w, r, o
}

func randSeq(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "ACGT"[r.IntN(4)]
	}
	return b
}

func TestReadAcrossParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, r, _ := openPair(t, 7)
	rng := rand.New(rand.NewPCG(1, 2))
	seqs := [][]byte{randSeq(rng, 0), randSeq(rng, 1), randSeq(rng, 7), randSeq(rng, 8), randSeq(rng, 50), []byte("SMELLASSWEET*")}
	var ids []string
	for _, s := range seqs {
		res, err := w.Store(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.SequencesAdded != 1 {
			t.Fatalf("Store %q: %+v", s, res)
		}
		d, _ := repo.ComputeDigests(s)
		ids = append(ids, d.SeqID)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for i, s := range seqs {
		info, err := r.Info(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if info.Length != int64(len(s)) || info.Alphabet != repo.Alphabet(s) || info.SeqID != ids[i] {
			t.Errorf("Info %s = %+v", ids[i], info)
		}
		for start := 0; start <= len(s); start++ {
			for n := 0; n <= len(s)-start+3; n++ {
				p := make([]byte, n)
				got, err := r.ReadSequence(ctx, ids[i], p, int64(start))
				want := min(n, len(s)-start)
				if got != want || !bytes.Equal(p[:got], s[start:start+want]) {
					t.Fatalf("seq %d [%d,+%d): got %d %q, want %q", i, start, n, got, p[:got], s[start:start+want])
				}
				if (want < n) != errors.Is(err, io.EOF) || (err != nil && !errors.Is(err, io.EOF)) {
					t.Fatalf("seq %d [%d,+%d): err %v", i, start, n, err)
				}
			}
		}
		for _, bad := range []int64{-1, int64(len(s)) + 1} {
			if _, err := r.ReadSequence(ctx, ids[i], make([]byte, 1), bad); !errors.Is(err, repo.ErrBadCoordinates) {
				t.Errorf("start %d: err %v, want ErrBadCoordinates", bad, err)
			}
		}
	}
	if _, err := r.ReadSequence(ctx, "nosuchseq", make([]byte, 1), 0); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("unknown seq: %v", err)
	}
	var got []string
	for info, err := range r.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, info.SeqID)
	}
	want := slices.Sorted(slices.Values(ids))
	if !slices.Equal(got, want) {
		t.Errorf("Sequences = %v, want %v", got, want)
	}
}

// model is a plain list of alias records, the reference FindAliases is
// checked against.
type model struct{ recs []repo.Alias }

func (m *model) find(q repo.AliasQuery) []repo.Alias {
	var out []repo.Alias
	for _, a := range m.recs {
		if q.Match(a) {
			out = append(out, a)
		}
	}
	sortAliases(out)
	return out
}

func (m *model) bind(seqID, ns, alias string, added time.Time) {
	for i, a := range m.recs {
		if a.Current && a.Namespace == ns && a.Alias == alias {
			if a.SeqID == seqID {
				return
			}
			m.recs[i].Current = false
		}
	}
	m.recs = append(m.recs, repo.Alias{SeqID: seqID, Namespace: ns, Alias: alias, Added: added, Current: true})
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	out, err := repo.Collect(seq)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAliasSemantics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, r, _ := openPair(t, 1<<20)
	clock := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	w.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	m := &model{}
	store := func(seq string, aliases ...repo.NSAlias) (repo.StoreResult, string) {
		t.Helper()
		res, err := w.Store(ctx, []byte(seq), aliases)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := repo.ComputeDigests([]byte(seq))
		if res.SequencesAdded == 1 {
			for _, a := range [][2]string{{"VMC", d.VMC()}, {"SHA1", d.SHA1}, {"MD5", d.MD5}, {"SEGUID", d.SEGUID}} {
				m.bind(d.SeqID, a[0], a[1], clock)
			}
		}
		for _, a := range aliases {
			ns, al := repo.TranslateAPI2DB(a.Namespace, a.Alias)
			m.bind(d.SeqID, ns, al, clock)
		}
		return res, d.SeqID
	}
	// Re-pointing, idempotent re-adds and staging are checked by the Writer
	// suite (TestWriterConformance); here the records that such stores
	// leave, timestamps included, are checked against a model through
	// paged and pattern queries.
	_, q1 := store("ACGT", repo.NSAlias{Namespace: "A", Alias: "1"})
	store("ACGT", repo.NSAlias{Namespace: "A", Alias: "1"})
	store("ACGT", repo.NSAlias{Namespace: "A", Alias: "2"}, repo.NSAlias{Namespace: "B", Alias: "1"})
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	_, q2 := store("TTTT", repo.NSAlias{Namespace: "A", Alias: "1"}, repo.NSAlias{Namespace: "refseq", Alias: "NM_0001.1"},
		repo.NSAlias{Namespace: "refseq", Alias: "NM_0001.1"})
	// Re-assign within the same commit twice, and a lowercase one.
	store("GGGG", repo.NSAlias{Namespace: "B", Alias: "1"}, repo.NSAlias{Namespace: "en", Alias: "coin"})
	store("ACGT", repo.NSAlias{Namespace: "B", Alias: "1"}, repo.NSAlias{Namespace: "en", Alias: "Coins"}, repo.NSAlias{Namespace: "ga4gh", Alias: "SQ.zzz"})
	// Many aliases in one namespace to exercise paging.
	var big []repo.NSAlias
	for i := range 2*pageSize + 17 {
		big = append(big, repo.NSAlias{Namespace: "big", Alias: fmt.Sprintf("x%05d", (i*7919)%(2*pageSize+17))})
	}
	store("CCCC", big...)
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	if ids, _ := repo.DistinctSeqIDs(ctx, r, repo.AliasQuery{Namespace: "A", Alias: "1"}); !slices.Equal(ids, []string{q2}) {
		t.Errorf("A:1 → %v, want %v", ids, q2)
	}
	queries := []repo.AliasQuery{
		{}, {IncludeHistoric: true},
		{SeqID: q1}, {SeqID: q1, IncludeHistoric: true}, {SeqID: q2}, {SeqID: "nosuch"},
		{Namespace: "A"}, {Namespace: "A", IncludeHistoric: true}, {Namespace: "A", Alias: "1"},
		{Namespace: "A", Alias: "1", IncludeHistoric: true}, {Alias: "1"}, {Alias: "1", IncludeHistoric: true},
		{Namespace: "B", Alias: "1", IncludeHistoric: true},
		{Namespace: "NCBI", Alias: "NM_0001.1"}, {Namespace: "refseq", Alias: "NM_0001.1"},
		{Namespace: "NCBI", Alias: "nm_%"}, {Namespace: "NCBI", Alias: "nm1%"},
		{Namespace: "en", Alias: "COIN%"}, {Namespace: "en", Alias: "c_in"}, {Namespace: "e%", Alias: "%s"},
		{Namespace: "%", Alias: "%"}, {Alias: "x0001%"}, {Namespace: "big", Alias: "X01%"},
		{SeqID: q1[:5] + "%"}, {SeqID: "%", Namespace: "MD5"}, {SeqID: q2, Namespace: "A"},
		{Namespace: "VMC", Alias: "GS_" + q1}, {Namespace: "VMC", Alias: "GS_zzz"},
		{Alias: "1\x00x"}, {Namespace: "nosuch"}, {Namespace: "MD5", Alias: "%"},
	}
	for _, q := range queries {
		got := collect(t, r.FindAliases(ctx, q))
		want := m.find(q)
		if len(got) != len(want) || !slices.EqualFunc(got, want, func(a, b repo.Alias) bool {
			return a.SeqID == b.SeqID && a.Namespace == b.Namespace && a.Alias == b.Alias && a.Current == b.Current && a.Added.Equal(b.Added)
		}) {
			t.Errorf("FindAliases(%+v):\n got %d %v\nwant %d %v", q, len(got), head(got), len(want), head(want))
		}
	}
	nss, err := r.Namespaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A", "B", "MD5", "NCBI", "SEGUID", "SHA1", "VMC", "big", "en"}; !slices.Equal(nss, want) {
		t.Errorf("Namespaces = %v, want %v", nss, want)
	}
	for _, ns := range nss {
		got := collect(t, r.NamespaceAliases(ctx, ns))
		want := m.find(repo.AliasQuery{Namespace: ns})
		slices.SortStableFunc(want, func(a, b repo.Alias) int { return strings.Compare(a.Alias, b.Alias) })
		if !slices.EqualFunc(got, want, func(a, b repo.Alias) bool { return a.SeqID == b.SeqID && a.Alias == b.Alias && a.Added.Equal(b.Added) }) {
			t.Errorf("NamespaceAliases(%s): got %d %v want %d %v", ns, len(got), head(got), len(want), head(want))
		}
	}
	// Stopping a stream early is fine.
	for range r.NamespaceAliases(ctx, "big") {
		break
	}
	// Translations through the shared helpers.
	tr, err := repo.Translate(ctx, r, "refseq:NM_0001.1", []string{"refseq", "A"})
	if err != nil || !slices.Equal(tr, []string{"A:1", "refseq:NM_0001.1"}) {
		t.Errorf("Translate = %v, %v", tr, err)
	}
	if _, err := repo.Resolve(ctx, r, "1", "", repo.StyleSeqRepo); !errors.Is(err, repo.ErrAmbiguous) {
		t.Errorf("bare alias 1 in A and B: %v, want ambiguous", err)
	}
}

func goredisZ(m string) goredis.Z { return goredis.Z{Member: m} }

func head(a []repo.Alias) []repo.Alias { return a[:min(len(a), 6)] }

func TestFormatKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	c := srv.Client()
	o, _ := ParseURL(mustURL(t, srv.URL()+"?prefix=fmt"))
	if _, err := OpenOptions(ctx, o); err == nil || !strings.Contains(err.Error(), "fmt:format") || !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("open empty prefix: %v", err)
	}
	c.Set(ctx, "fmt:format", "seqfs-redis 99", 0)
	for _, open := range []func() error{
		func() error { _, err := OpenOptions(ctx, o); return err },
		func() error { _, err := OpenWriterOptions(ctx, o); return err },
	} {
		err := open()
		if err == nil || !errors.Is(err, repo.ErrCorrupt) || !strings.Contains(err.Error(), `"seqfs-redis 99"`) {
			t.Errorf("open wrong format: %v", err)
		}
	}
	// A damaged info key is reported as corrupt with its name.
	c.Set(ctx, "fmt:format", formatVersion, 0)
	c.HSet(ctx, "fmt:seq:{abc}:info", "len", "x", "alpha", "A", "added", "0", "psize", "1")
	s, err := OpenOptions(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Info(ctx, "abc"); !errors.Is(err, repo.ErrCorrupt) || !strings.Contains(err.Error(), "fmt:seq:{abc}:info") {
		t.Errorf("damaged info: %v", err)
	}
	c.HSet(ctx, "fmt:seq:{abc}:info", "len", "10")
	if _, err := s.ReadSequence(ctx, "abc", make([]byte, 4), 0); !errors.Is(err, repo.ErrCorrupt) {
		t.Errorf("missing parts: %v", err)
	}
	c.ZAdd(ctx, "fmt:ns:{n}", goredisZ("broken-member"))
	c.ZAdd(ctx, "fmt:namespaces", goredisZ("n"))
	if _, err := repo.Collect(s.NamespaceAliases(ctx, "n")); !errors.Is(err, repo.ErrCorrupt) {
		t.Errorf("broken member: %v", err)
	}
}

// TestUnavailable stays serial: it asserts a wall-clock bound and relies
// on nobody taking the free port it found.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	port := testutil.FreePort(t)
	u := mustURL(t, fmt.Sprintf("redis://127.0.0.1:%d/0", port))
	t0 := time.Now()
	_, err := Open(ctx, u)
	if !errors.Is(err, repo.ErrUnavailable) || !strings.Contains(err.Error(), fmt.Sprintf("127.0.0.1:%d", port)) {
		t.Errorf("open with no server: %v", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("open with no server took %v, want fail-fast", d)
	}
}

// TestServerKilledMidRead kills redis-server under concurrent readers: reads
// fail fast with ErrUnavailable naming the server, and the same Source
// recovers once the server is back (reloaded from an explicit SAVE). It
// stays serial: it bounds how long the failing reads take.
func TestServerKilledMidRead(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	o, _ := ParseURL(mustURL(t, srv.URL()+"?part_size=1000"))
	w, err := OpenWriterOptions(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	seq := randSeq(rand.New(rand.NewPCG(3, 4)), 20000)
	if _, err := w.Store(ctx, seq, []repo.NSAlias{{Namespace: "x", Alias: "s"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := srv.Client().Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	s, err := OpenOptions(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, _ := repo.ComputeDigests(seq)

	var (
		mu       sync.Mutex
		wrong    int
		unavail  int
		other    []error
		slowest  time.Duration
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		okAfter  = make(chan struct{}, 8)
		restared = make(chan struct{})
	)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			p := make([]byte, 2500)
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := rng.Int64N(int64(len(seq) - len(p)))
				t0 := time.Now()
				n, err := s.ReadSequence(ctx, d.SeqID, p, start)
				el := time.Since(t0)
				mu.Lock()
				switch {
				case err == nil:
					if n != len(p) || !bytes.Equal(p, seq[start:start+int64(n)]) {
						wrong++
					}
					select {
					case <-restared:
						select {
						case okAfter <- struct{}{}:
						default:
						}
					default:
					}
				case errors.Is(err, repo.ErrUnavailable) && strings.Contains(err.Error(), srv.Addr()):
					unavail++
					slowest = max(slowest, el)
				default:
					other = append(other, err)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	srv.Kill()
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	down := unavail
	mu.Unlock()
	srv.Restart()
	close(restared)
	select {
	case <-okAfter:
	case <-time.After(10 * time.Second):
		t.Error("reads did not recover within 10 s of the restart")
	}
	close(stop)
	wg.Wait()
	if wrong != 0 || len(other) != 0 {
		t.Errorf("%d wrong reads, other errors: %v", wrong, other[:min(3, len(other))])
	}
	if down == 0 {
		t.Error("no ErrUnavailable while the server was down")
	}
	if slowest > 3*time.Second {
		t.Errorf("an unavailable read took %v, want fail-fast", slowest)
	}
	t.Logf("%d unavailable errors while down, slowest %v", unavail, slowest)
}

func TestCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cl := redistest.StartCluster(t)
	u := mustURL(t, cl.URL()+"?prefix=c&part_size=5")
	w, err := OpenWriter(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	want := map[string][]byte{}
	for i := range 40 {
		s := randSeq(rng, 1+rng.IntN(60))
		if _, err := w.Store(ctx, s, []repo.NSAlias{{Namespace: fmt.Sprintf("ns%d", i%5), Alias: fmt.Sprintf("a%d", i)}}); err != nil {
			t.Fatal(err)
		}
		d, _ := repo.ComputeDigests(s)
		want[d.SeqID] = s
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	src, err := repotest.OpenVia(ctx, Factory{}, cl.URL()+"?prefix=c")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n := 0
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got, err := repo.Slice(ctx, src, info.SeqID, 0, repo.ToEnd)
		if err != nil || !bytes.Equal(got, want[info.SeqID]) {
			t.Errorf("%s: %q %v", info.SeqID, got, err)
		}
		n++
	}
	if n != len(want) {
		t.Errorf("%d sequences, want %d", n, len(want))
	}
	for i := range 40 {
		id, err := repo.Resolve(ctx, src, fmt.Sprintf("ns%d:a%d", i%5, i), "", repo.StyleSeqRepo)
		if err != nil || want[id] == nil {
			t.Errorf("resolve a%d: %q %v", i, id, err)
		}
	}
	if got := collect(t, src.NamespaceAliases(ctx, "ns1")); len(got) != 8 {
		t.Errorf("ns1 has %d aliases, want 8", len(got))
	}
}

// TestSentinel loads and reads through a real Sentinel.
func TestSentinel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	primary := redistest.Start(t)
	sen := redistest.StartSentinel(t, primary)
	loc := sen.URL() + "?prefix=sen&part_size=10"
	w, err := OpenWriter(ctx, mustURL(t, loc))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	seq := []byte("ACGTACGTACGTTTTTGGGGCCCCAAAA")
	if _, err := w.Store(ctx, seq, []repo.NSAlias{{Namespace: "refseq", Alias: "NM_1.1"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	src, err := repotest.OpenVia(ctx, Factory{}, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	id, err := repo.Resolve(ctx, src, "refseq:NM_1.1", "", repo.StyleSeqRepo)
	if err != nil {
		t.Fatal(err)
	}
	got, err := repo.Slice(ctx, src, id, 5, 25)
	if err != nil || string(got) != string(seq[5:25]) {
		t.Errorf("Slice via sentinel = %q, %v", got, err)
	}
	// The data is on the primary the sentinel named.
	if n, _ := primary.Client().Exists(ctx, "sen:format").Result(); n != 1 {
		t.Error("sen:format not on the primary")
	}
}
