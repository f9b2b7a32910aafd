package seqrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

func sqlite3Out(t testing.TB, db string, args ...string) string {
	t.Helper()
	bin := testutil.RequireTool(t, "sqlite3")
	out, err := exec.Command(bin, append([]string{db}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3 %s %v: %v\n%s", db, args, err, out)
	}
	return string(out)
}

func TestCreateInstanceMatchesPythonSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "master")
	if err := CreateInstance(ctx, dir); err != nil {
		t.Fatal(err)
	}
	sample := testutil.SampleInstance()
	for _, rel := range []string{AliasesDBFile, filepath.Join(SequencesDirName, SeqInfoDBFile)} {
		got, want := filepath.Join(dir, rel), filepath.Join(sample, rel)
		if g, w := sqlite3Out(t, got, ".schema"), sqlite3Out(t, want, ".schema"); g != w {
			t.Errorf("%s: .schema differs from Python's\n got: %s\nwant: %s", rel, g, w)
		}
		for _, q := range []string{
			"select key, value from meta",
			"select v, msg from log",
			"select version from _yoyo_version",
			"select migration_hash, migration_id from _yoyo_migration order by migration_id",
			"select migration_hash, migration_id, operation, comment from _yoyo_log order by migration_id",
			"select count(*) from yoyo_lock",
			"pragma page_size", "pragma journal_mode", "pragma user_version", "pragma encoding",
		} {
			if g, w := sqlite3Out(t, got, q), sqlite3Out(t, want, q); g != w {
				t.Errorf("%s: %q = %q, Python wrote %q", rel, q, g, w)
			}
		}
		if g := sqlite3Out(t, got, "select count(*) from _yoyo_log where length(id) = 36 and created_at_utc like '20%'"); g != "2\n" {
			t.Errorf("%s: _yoyo_log rows malformed: %q", rel, g)
		}
	}
	if err := CreateInstance(ctx, dir); !errors.Is(err, ErrInstanceExists) {
		t.Errorf("second init: err = %v, want ErrInstanceExists", err)
	}
}

// randSeq returns n random residues from alphabet.
func randSeq(r *rand.Rand, n int, alphabet string) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return b
}

type storedSeq struct {
	seq     []byte
	aliases []repo.NSAlias
}

func newTestWriter(t testing.TB, opts WriterOptions) (*Writer, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "master")
	if err := CreateInstance(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWriter(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, dir
}

func TestWriterRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	samtools := testutil.RequireTool(t, "samtools")
	bgzip := testutil.RequireTool(t, "bgzip")
	w, dir := newTestWriter(t, WriterOptions{MaxPendingSequences: 700})

	// The sample instance's sequences, plus thousands of small records, a
	// sequence over 1 MB, an empty one and a protein with '*'.
	var all []storedSeq
	sample, err := Open(ctx, testutil.SampleInstance(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sample.Close()
	for info, err := range sample.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		s, err := repo.Slice(ctx, sample, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, storedSeq{s, []repo.NSAlias{{Namespace: "yeast", Alias: "s" + info.SeqID[:6]}}})
	}
	r := rand.New(rand.NewSource(1))
	for i := range 2500 {
		all = append(all, storedSeq{randSeq(r, 30+r.Intn(400), "ACGTN"), []repo.NSAlias{
			{Namespace: "refseq", Alias: fmt.Sprintf("NM_%06d.1", i)},
			{Namespace: "me", Alias: fmt.Sprintf("rec%d", i)},
		}})
	}
	all = append(all, storedSeq{randSeq(r, 1_300_007, "ACGT"), []repo.NSAlias{{Namespace: "big", Alias: "chrBig"}}})
	all = append(all, storedSeq{nil, []repo.NSAlias{{Namespace: "me", Alias: "empty"}}})
	all = append(all, storedSeq{[]byte("MKV*"), []repo.NSAlias{{Namespace: "me", Alias: "prot"}}})

	added := 0
	for _, s := range all {
		res, err := w.Store(ctx, s.seq, s.aliases)
		if err != nil {
			t.Fatal(err)
		}
		added += res.SequencesAdded
	}
	// Re-storing is idempotent.
	if res, err := w.Store(ctx, all[0].seq, all[0].aliases); err != nil || res.SequencesAdded+res.AliasesAdded != 0 {
		t.Fatalf("re-store = %+v, %v; want nothing added", res, err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if added != len(all) {
		t.Fatalf("added %d sequences, want %d", added, len(all))
	}
	if commits, files := w.Stats(); files < 4 {
		t.Errorf("wrote %d files in %d commits; the 700-sequence threshold should give at least 4", files, commits)
	}

	check := func(t *testing.T, src repo.Source) {
		for _, s := range all {
			d, err := repo.ComputeDigests(s.seq)
			if err != nil {
				t.Fatal(err)
			}
			ids := append([]repo.NSAlias{{Namespace: "MD5", Alias: d.MD5}, {Namespace: "SHA1", Alias: d.SHA1},
				{Namespace: "SEGUID", Alias: d.SEGUID}, {Namespace: "ga4gh", Alias: d.GA4GH()}}, s.aliases...)
			for _, a := range ids {
				got, err := repo.Resolve(ctx, src, a.String(), "", repo.StyleSeqRepo)
				if err != nil || got != d.SeqID {
					t.Fatalf("resolve %s = %q, %v; want %s", a, got, err, d.SeqID)
				}
			}
			back, err := repo.Slice(ctx, src, d.SeqID, 0, repo.ToEnd)
			if err != nil || !bytes.Equal(back, s.seq) {
				t.Fatalf("sequence %s: read back %d bytes (err %v), want %d identical", d.SeqID, len(back), err, len(s.seq))
			}
			if len(s.seq) > 1_000_050 {
				mid, err := repo.Slice(ctx, src, d.SeqID, 999_950, 1_000_050)
				if err != nil || !bytes.Equal(mid, s.seq[999_950:1_000_050]) {
					t.Fatalf("slice of %s wrong: %v", d.SeqID, err)
				}
			}
		}
	}
	t.Run("via writer", func(t *testing.T) { check(t, w) })
	t.Run("fresh instance", func(t *testing.T) {
		inst, err := Open(ctx, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		check(t, inst)
	})

	// API-form namespaces are stored translated, never twice.
	if n := sqlite3Out(t, AliasesDBPath(dir), "select count(*) from seqalias where namespace in ('refseq','ga4gh','sha512t24u')"); n != "0\n" {
		t.Errorf("API namespaces stored: %s", n)
	}
	if n := sqlite3Out(t, AliasesDBPath(dir), "select count(*) from seqalias where namespace = 'NCBI'"); n != "2500\n" {
		t.Errorf("NCBI aliases = %s, want 2500", n)
	}
	if n := sqlite3Out(t, SeqInfoDBPath(dir), "select len || ' ' || alpha from seqinfo where len <= 4 and alpha like '%*%'"); n != "4 *KMV\n" {
		t.Errorf("protein seqinfo = %q", n)
	}

	// Every sequence file: mode 0444, valid BGZF with the .fai/.gzi we
	// wrote accepted as they are by samtools.
	var files []string
	filepath.WalkDir(SequencesPath(dir), func(p string, d fs.DirEntry, err error) error {
		if strings.HasSuffix(p, ".fa.bgz") {
			files = append(files, p)
		}
		if strings.HasPrefix(d.Name(), writeTmpPrefix) {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
	if len(files) < 4 {
		t.Fatalf("%d sequence files", len(files))
	}
	for _, f := range files {
		rel, _ := filepath.Rel(SequencesPath(dir), f)
		if !regexpRelpath.MatchString(filepath.ToSlash(rel)) {
			t.Errorf("relpath %s does not have the YYYY/MMDD/HHMM/<float>.fa.bgz form", rel)
		}
		for _, p := range []string{f, f + ".fai", f + ".gzi"} {
			st, err := os.Stat(p)
			if err != nil || st.Mode().Perm() != 0o444 {
				t.Errorf("%s: mode %v, err %v; want 0444", p, st.Mode().Perm(), err)
			}
		}
		if out, err := exec.Command(bgzip, "-t", f).CombinedOutput(); err != nil {
			t.Errorf("bgzip -t %s: %v %s", f, err, out)
		}
		fai, _ := os.ReadFile(f + ".fai")
		gzi, _ := os.ReadFile(f + ".gzi")
		names := strings.Fields(sqlite3Out(t, SeqInfoDBPath(dir), fmt.Sprintf("select seq_id from seqinfo where relpath = '%s' and len > 0 order by random() limit 3", filepath.ToSlash(rel))))
		out, err := exec.Command(samtools, append([]string{"faidx", f, "--"}, names...)...).Output() // seq_ids may start with "-"
		if err != nil {
			t.Fatalf("samtools faidx %s: %v", f, err)
		}
		for _, n := range names {
			want, _ := repo.Slice(ctx, w, n, 0, repo.ToEnd)
			if !bytes.Contains(bytes.ReplaceAll(out, []byte("\n"), nil), want) {
				t.Errorf("samtools faidx %s %s does not return the stored sequence", f, n)
			}
		}
		fai2, _ := os.ReadFile(f + ".fai")
		gzi2, _ := os.ReadFile(f + ".gzi")
		if !bytes.Equal(fai, fai2) || !bytes.Equal(gzi, gzi2) {
			t.Errorf("samtools rewrote the indexes of %s", f)
		}
	}
}

func TestWriterMatchesBgzipIndexes(t *testing.T) {
	t.Parallel()
	// The .fai we write equals samtools' own, and the .gzi equals what
	// "bgzip -r" (htslib) rebuilds from our file.
	ctx := context.Background()
	samtools := testutil.RequireTool(t, "samtools")
	bgzip := testutil.RequireTool(t, "bgzip")
	w, dir := newTestWriter(t, WriterOptions{})
	r := rand.New(rand.NewSource(2))
	for _, n := range []int{0, 12, 100, 101, 199, 200, 70_000, 200_000} {
		if _, err := w.Store(ctx, randSeq(r, n, "ACGT"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rel := strings.TrimSpace(sqlite3Out(t, SeqInfoDBPath(dir), "select distinct relpath from seqinfo"))
	f := filepath.Join(SequencesPath(dir), rel)
	tmp := t.TempDir()
	cp := filepath.Join(tmp, "x.fa.bgz")
	data, _ := os.ReadFile(f)
	os.WriteFile(cp, data, 0o644)
	if out, err := exec.Command(samtools, "faidx", cp).CombinedOutput(); err != nil {
		t.Fatalf("samtools faidx: %v %s", err, out)
	}
	if out, err := exec.Command(bgzip, "-r", cp).CombinedOutput(); err != nil {
		t.Fatalf("bgzip -r: %v %s", err, out)
	}
	for _, ext := range []string{".fai", ".gzi"} {
		got, _ := os.ReadFile(f + ext)
		want, _ := os.ReadFile(cp + ext)
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from htslib's:\n got %q\nwant %q", ext, got, want)
		}
	}
}

func TestWriterPysam(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import pysam").Run(); err != nil {
		testutil.SkipOrFail(t, "python3-pysam not installed: %v", err)
	}
	w, dir := newTestWriter(t, WriterOptions{})
	r := rand.New(rand.NewSource(3))
	seqs := map[string][]byte{}
	for _, n := range []int{5, 150, 66_000, 300_001} {
		s := randSeq(r, n, "ACGTN")
		d, _ := repo.ComputeDigests(s)
		seqs[d.SeqID] = s
		if _, err := w.Store(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rel := strings.TrimSpace(sqlite3Out(t, SeqInfoDBPath(dir), "select distinct relpath from seqinfo"))
	f := filepath.Join(SequencesPath(dir), rel)
	// pysam opens the file read-only with our indexes (a new index could
	// not be written next to 0444 files in a read-only dir).
	os.Chmod(filepath.Dir(f), 0o555)
	defer os.Chmod(filepath.Dir(f), 0o755)
	script := `import sys, pysam
fa = pysam.FastaFile(sys.argv[1])
for name in sorted(fa.references):
    s = fa.fetch(name)
    print(name, len(s), s[:50], s[-50:], fa.fetch(name, 3, 4))
`
	out, err := exec.Command(py, "-c", script, f).CombinedOutput()
	if err != nil {
		t.Fatalf("pysam: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(seqs) {
		t.Fatalf("pysam listed %d sequences, want %d:\n%s", len(lines), len(seqs), out)
	}
	for _, l := range lines {
		fs := strings.Fields(l)
		s := seqs[fs[0]]
		want := fmt.Sprintf("%s %d %s %s %s", fs[0], len(s), s[:min(50, len(s))], s[max(0, len(s)-50):], s[3:4])
		if l != want {
			t.Errorf("pysam: %q\nwant   %q", l, want)
		}
	}
}

// TestBackend runs every conformance suite through the Factory: the Source
// and collection suites on a copy of the sample holding the sample
// collections (the SeqRepo writer stamps sequences with the time of the
// copy, so the sample is not re-written), the Writer suite on new
// instances, whose commits are made to fail by a trigger.
func TestBackend(t *testing.T) {
	t.Parallel()
	repotest.RunBackend(t, repotest.Backend{
		Factory:           Factory{},
		SampleLocation:    func(t *testing.T) string { return "file://" + sampleWithCollections(t) },
		SampleCollections: true,
		NewLocation:       func(t *testing.T) string { return filepath.Join(t.TempDir(), "master") },
		FailCommits: func(t *testing.T, loc string) {
			execDB(t, AliasesDBPath(loc), `create trigger refuse before insert on seqalias begin select raise(abort, 'refused by test'); end`)
		},
		AtomicCommit: true,
	})
}

func TestWriterBadInputAndRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, dir := newTestWriter(t, WriterOptions{})
	for _, bad := range []string{"AC-GT", "AC GT", "ACGT\n", "AC1"} {
		if _, err := w.Store(ctx, []byte(bad), []repo.NSAlias{{Namespace: "x", Alias: "y"}}); err == nil {
			t.Errorf("Store(%q) succeeded", bad)
		}
	}
	if _, err := w.Store(ctx, []byte("ACGT"), []repo.NSAlias{{Namespace: "", Alias: "y"}}); err == nil {
		t.Error("empty namespace accepted")
	}
	// Stored but not committed: Close discards it and leaves no file.
	if _, err := w.Store(ctx, []byte("ACGTACGT"), []repo.NSAlias{{Namespace: "x", Alias: "y"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := sqlite3Out(t, SeqInfoDBPath(dir), "select count(*) from seqinfo"); n != "0\n" {
		t.Errorf("seqinfo has %s rows after an uncommitted close", n)
	}
	if n := sqlite3Out(t, AliasesDBPath(dir), "select count(*) from seqalias"); n != "0\n" {
		t.Errorf("seqalias has %s rows after an uncommitted close", n)
	}
	filepath.WalkDir(SequencesPath(dir), func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() && d.Name() != SeqInfoDBFile {
			t.Errorf("file left after rollback: %s", p)
		}
		return nil
	})
	if _, err := w.Store(ctx, []byte("A"), nil); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("Store after Close: %v", err)
	}
}

func TestWriterLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, dir := newTestWriter(t, WriterOptions{})
	_, err := OpenWriter(ctx, dir, WriterOptions{})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer: %v; want LockedError with pid %d", err, os.Getpid())
	}
	if want := fmt.Sprintf("instance %s is locked by another writer (pid %d)", dir, os.Getpid()); err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	w.Close()
	w2, err := OpenWriter(ctx, dir, WriterOptions{})
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	w2.Close()
}

func TestWriterConcurrentReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, _ := newTestWriter(t, WriterOptions{MaxPendingSequences: 5})
	done := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		defer close(done)
		r := rand.New(rand.NewSource(4))
		for i := range 60 {
			if _, err := w.Store(ctx, randSeq(r, 500, "ACGT"), []repo.NSAlias{{Namespace: "c", Alias: fmt.Sprint(i)}}); err != nil {
				errc <- err
				return
			}
		}
		errc <- w.Commit(ctx)
	}()
	for {
		select {
		case <-done:
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, err := range w.NamespaceAliases(ctx, "c") {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 60 {
				t.Fatalf("%d aliases in c, want 60", n)
			}
			return
		default:
		}
		for a, err := range w.NamespaceAliases(ctx, "c") {
			if err != nil {
				t.Fatal(err)
			}
			if _, err := repo.Slice(ctx, w, a.SeqID, 0, 10); err != nil {
				t.Fatalf("read %s during writes: %v", a.SeqID, err)
			}
		}
	}
}

func TestSnapshotAndUpdateLatest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, dir := newTestWriter(t, WriterOptions{})
	if _, err := w.Store(ctx, []byte("SMELLASSWEET"), []repo.NSAlias{{Namespace: "en", Alias: "rose"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(dir)
	dest := filepath.Join(root, "2024-12-20")
	if err := Snapshot(ctx, dir, dest); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snapMakeWritable(dest) })
	if err := Snapshot(ctx, dir, dest); err == nil {
		t.Error("snapshot over an existing destination succeeded")
	}
	if err := Snapshot(ctx, dir, filepath.Join(dir, "sub")); err == nil {
		t.Error("snapshot inside the source succeeded")
	}
	// Write more to master: the snapshot must not change.
	if _, err := w.Store(ctx, []byte("ASINCHANGE"), []repo.NSAlias{{Namespace: "en", Alias: "coin"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(dest)
	if st.Mode().Perm()&0o222 != 0 {
		t.Errorf("snapshot dir mode %v has write bits", st.Mode().Perm())
	}
	filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		st, _ := os.Lstat(p)
		if st.Mode().Perm()&0o222 != 0 {
			t.Errorf("%s has write bits (%v)", p, st.Mode().Perm())
		}
		if strings.Contains(p, ".seqfs") {
			t.Errorf("snapshot contains %s", p)
		}
		return nil
	})
	snap, err := Open(ctx, dest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if got, err := repo.Resolve(ctx, snap, "en:rose", "", repo.StyleSeqRepo); err != nil || got != "bsoUMlD3TrEtlh9Dt1iT29mzfkwwFUDr" {
		t.Errorf("snapshot en:rose = %q, %v", got, err)
	}
	if _, err := repo.Resolve(ctx, snap, "en:coin", "", repo.StyleSeqRepo); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("snapshot sees later write: %v", err)
	}
	if s, err := repo.Slice(ctx, snap, "bsoUMlD3TrEtlh9Dt1iT29mzfkwwFUDr", 5, 7); err != nil || string(s) != "AS" {
		t.Errorf("snapshot slice = %q, %v", s, err)
	}

	os.Mkdir(filepath.Join(root, "2023-01-01"), 0o755)
	os.Mkdir(filepath.Join(root, "2099-01-01"), 0o755)
	name, err := UpdateLatest(root)
	if err != nil || name != "2024-12-20" {
		t.Fatalf("UpdateLatest = %q, %v", name, err)
	}
	if target, err := os.Readlink(filepath.Join(root, "latest")); err != nil || target != "2024-12-20" {
		t.Errorf("latest -> %q, %v; want relative 2024-12-20", target, err)
	}
	if _, err := UpdateLatest(t.TempDir()); err == nil {
		t.Error("UpdateLatest with no instances succeeded")
	}
}

func TestWriterPyTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ns   int64
		want string
	}{
		{1558366827924350300, "1558366827.9243503"},
		{1472342403000000000, "1472342403.0"},
		{1734668112123456000, "1734668112.123456"},
	} {
		if got := writePyTime(timeFromNanos(tc.ns)); got != tc.want {
			t.Errorf("writePyTime(%d) = %s, want %s", tc.ns, got, tc.want)
		}
	}
}

var regexpRelpath = regexp.MustCompile(`^20\d\d/\d{4}/\d{4}/\d{10}\.\d+\.fa\.bgz$`)

func timeFromNanos(ns int64) time.Time { return time.Unix(0, ns) }

// A snapshot is never written to, even by root, who could.
func TestWriterRefusesSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	master := filepath.Join(root, "master")
	if err := CreateInstance(ctx, master); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(root, "2026-01-01")
	if err := Snapshot(ctx, master, snap); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.WalkDir(snap, func(p string, _ fs.DirEntry, _ error) error { return os.Chmod(p, 0o755) })
	})
	_, err := OpenWriter(ctx, snap, WriterOptions{})
	if !errors.Is(err, repo.ErrReadOnly) || !strings.Contains(err.Error(), "snapshot") {
		t.Fatalf("OpenWriter on a snapshot: %v; want a read-only error", err)
	}
	if _, err := os.Stat(filepath.Join(snap, ".seqfs-write.lock")); !os.IsNotExist(err) {
		t.Errorf("refused writer left a lock file: %v", err)
	}
}

// init works with a relative directory, and a failed init leaves nothing
// behind, so it can be run again.
// It stays serial: it changes directory.
func TestCreateInstanceRelativeAndCleanup(t *testing.T) {
	ctx := context.Background()
	t.Chdir(t.TempDir())
	if err := CreateInstance(ctx, "data/master"); err != nil {
		t.Fatalf("relative init: %v", err)
	}
	if _, err := os.Stat("data/master/sequences/db.sqlite3"); err != nil {
		t.Fatal(err)
	}
	// An init that fails half-way (here: cancelled while creating the
	// databases) removes what it made.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := CreateInstance(cancelled, "data/other"); err == nil {
		t.Fatal("cancelled init succeeded")
	}
	if _, err := os.Stat("data/other"); !os.IsNotExist(err) {
		t.Errorf("failed init left data/other behind: %v", err)
	}
	if err := CreateInstance(ctx, "data/other"); err != nil {
		t.Errorf("init again after a failed one: %v", err)
	}
}
