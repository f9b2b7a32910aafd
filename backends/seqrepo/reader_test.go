package seqrepo

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/faidx"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// Sample files (relative to sequences/).
const (
	chrIRel   = "2019/0520/1540/1558366827.9243503.fa.bgz"
	phiXRel   = "2019/0520/1540/1558366831.7744648.fa.bgz"
	chrVIRel  = "2019/0520/1540/1558366834.1231377.fa.bgz"
	chrIID    = "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn"
	phiXID    = "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"
	chrVIID   = "z-qJgWoacRBV77zcMgZN9E_utrdzmQsH"
	totalRes  = 230218 + 5386 + 270161
	sampleLen = 230218
)

func openSample(t testing.TB) *Instance {
	t.Helper()
	inst, err := Open(context.Background(), testutil.SampleInstance(), Options{})
	if err != nil {
		t.Fatalf("Open sample: %v", err)
	}
	return inst
}

func TestConformance(t *testing.T) {
	t.Parallel()
	repotest.Run(t, func(t *testing.T) repo.Source { return openSample(t) })
}

func TestConformanceTinyLimits(t *testing.T) {
	t.Parallel()
	// One open file, a cache of eight blocks (less than the data), two cached seqinfo rows: reads
	// keep reopening files and inflating blocks, under 32 goroutines.
	repotest.Run(t, func(t *testing.T) repo.Source {
		inst, err := Open(context.Background(), testutil.SampleInstance(), Options{
			MaxOpenFiles: 1, BlockCache: bgzf.NewBlockCache(512 << 10), InfoCacheEntries: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		return inst
	})
}

// copyTree copies the sample instance (or any dir) to dst, writable.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// sampleCopy returns a writable copy of the sample instance.
func sampleCopy(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "inst")
	copyTree(t, testutil.SampleInstance(), dir)
	return dir
}

// execDB runs statements on a database of a test copy, read-write.
func execDB(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %s: %v", path, s, err)
		}
	}
}

// truth returns the whole sample sequence read from a pristine instance.
func truth(t testing.TB, seqID string) []byte {
	t.Helper()
	inst := openSample(t)
	defer inst.Close()
	b, err := repo.Slice(context.Background(), inst, seqID, 0, repo.ToEnd)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		setup   func(t *testing.T) string
		want    []string // substrings of the message
		matches error
	}{
		{
			name:    "missing dir",
			setup:   func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") },
			want:    []string{"Unable to open SeqRepo directory", "nope"},
			matches: repo.ErrNotFound,
		},
		{
			name: "a file, not a dir",
			setup: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "f")
				os.WriteFile(p, []byte("x"), 0o644)
				return p
			},
			want:    []string{"Unable to open SeqRepo directory", "not a directory"},
			matches: repo.ErrNotFound,
		},
		{
			name:    "empty dir",
			setup:   func(t *testing.T) string { return t.TempDir() },
			want:    []string{"is not a SeqRepo instance", "missing", AliasesDBFile},
			matches: repo.ErrNotFound,
		},
		{
			name: "no sequences db",
			setup: func(t *testing.T) string {
				d := sampleCopy(t)
				os.Remove(SeqInfoDBPath(d))
				return d
			},
			want:    []string{"is not a SeqRepo instance", "missing", filepath.Join(SequencesDirName, SeqInfoDBFile)},
			matches: repo.ErrNotFound,
		},
		{
			name: "no aliases db",
			setup: func(t *testing.T) string {
				d := sampleCopy(t)
				os.Remove(AliasesDBPath(d))
				return d
			},
			want:    []string{"is not a SeqRepo instance", "missing", AliasesDBFile},
			matches: repo.ErrNotFound,
		},
		{
			name: "aliases schema version 2",
			setup: func(t *testing.T) string {
				d := sampleCopy(t)
				execDB(t, AliasesDBPath(d), `update meta set value = '2' where key = 'schema version'`)
				return d
			},
			want:    []string{"Upgrade required: database schema version is 2, seqfs expects 1", AliasesDBFile},
			matches: repo.ErrUnsupported,
		},
		{
			name: "seqinfo schema version 0",
			setup: func(t *testing.T) string {
				d := sampleCopy(t)
				execDB(t, SeqInfoDBPath(d), `update meta set value = '0' where key = 'schema version'`)
				return d
			},
			want:    []string{"Upgrade required: database schema version is 0, seqfs expects 1", SeqInfoDBFile},
			matches: repo.ErrUnsupported,
		},
		{
			name: "missing meta table",
			setup: func(t *testing.T) string {
				d := sampleCopy(t)
				execDB(t, SeqInfoDBPath(d), `drop table meta`)
				return d
			},
			want:    []string{"no meta table", SeqInfoDBFile},
			matches: repo.ErrUnsupported,
		},
		{
			name: "meta without schema version",
			setup: func(t *testing.T) string {
				d := sampleCopy(t)
				execDB(t, AliasesDBPath(d), `delete from meta`)
				return d
			},
			want:    []string{"no schema version", AliasesDBFile},
			matches: repo.ErrUnsupported,
		},
		{
			name: "database is not sqlite",
			setup: func(t *testing.T) string {
				d := sampleCopy(t)
				os.WriteFile(AliasesDBPath(d), bytes.Repeat([]byte("garbage!"), 1000), 0o644)
				return d
			},
			want:    []string{AliasesDBFile},
			matches: repo.ErrCorrupt,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.setup(t)
			inst, err := Open(ctx, path, Options{})
			if err == nil {
				inst.Close()
				t.Fatalf("Open(%s) succeeded", path)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !errors.Is(err, tc.matches) {
				t.Errorf("error %q does not match %v", err, tc.matches)
			}
		})
	}
}

// readAllChecked reads a whole sequence in chunks and fails the test if any
// successful chunk differs from want. It returns the first error.
func readAllChecked(t *testing.T, inst *Instance, seqID string, want []byte) error {
	t.Helper()
	ctx := context.Background()
	var first error
	buf := make([]byte, 7919)
	for off := int64(0); off < int64(len(want)); off += int64(len(buf)) {
		n, err := inst.ReadSequence(ctx, seqID, buf, off)
		if err != nil && !errors.Is(err, io.EOF) {
			if first == nil {
				first = err
			}
			continue
		}
		end := min(off+int64(len(buf)), int64(len(want)))
		if n != int(end-off) || !bytes.Equal(buf[:n], want[off:end]) {
			t.Fatalf("WRONG BYTES: ReadSequence(%s, %d) = %d bytes, want %d, equal=%v", seqID, off, n, end-off, bytes.Equal(buf[:n], want[off:end]))
		}
	}
	return first
}

func TestDamagedFiles(t *testing.T) {
	t.Parallel()
	chrI := truth(t, chrIID)
	seqDir := func(d string) string { return SequencesPath(d) }
	tests := []struct {
		name   string
		damage func(t *testing.T, d string)
		want   []string // substrings of the error; file names
	}{
		{"missing .fai", func(t *testing.T, d string) { os.Remove(filepath.Join(seqDir(d), chrIRel+".fai")) }, []string{chrIRel + ".fai", "missing"}},
		{"missing .gzi", func(t *testing.T, d string) { os.Remove(filepath.Join(seqDir(d), chrIRel+".gzi")) }, []string{chrIRel + ".gzi", "missing"}},
		{"missing .fa.bgz", func(t *testing.T, d string) { os.Remove(filepath.Join(seqDir(d), chrIRel)) }, []string{chrIRel, "missing"}},
		{"truncated .gzi", func(t *testing.T, d string) { os.Truncate(filepath.Join(seqDir(d), chrIRel+".gzi"), 20) }, []string{chrIRel + ".gzi"}},
		{"empty .gzi", func(t *testing.T, d string) { os.Truncate(filepath.Join(seqDir(d), chrIRel+".gzi"), 0) }, []string{chrIRel + ".gzi"}},
		{"garbage .fai", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(seqDir(d), chrIRel+".fai"), []byte("x\ty\n"), 0o644)
		}, []string{chrIRel + ".fai"}},
		{"fai without the sequence", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(seqDir(d), chrIRel+".fai"), []byte("other\t10\t7\t10\t11\n"), 0o644)
		}, []string{chrIRel + ".fai", "not in the index"}},
		{"fai length disagrees", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(seqDir(d), chrIRel+".fai"), []byte(chrIID+"\t230217\t34\t100\t101\n"), 0o644)
		}, []string{chrIRel + ".fai", "230217"}},
		{"fai offset off by one", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(seqDir(d), chrIRel+".fai"), []byte(chrIID+"\t230218\t35\t100\t101\n"), 0o644)
		}, []string{chrIRel, "line layout"}},
		{"fai offset one line late", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(seqDir(d), chrIRel+".fai"), []byte(chrIID+"\t230218\t135\t100\t101\n"), 0o644)
		}, []string{chrIRel}},
		{"fai offset one early", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(seqDir(d), chrIRel+".fai"), []byte(chrIID+"\t230218\t33\t100\t101\n"), 0o644)
		}, []string{chrIRel, "line break before the first residue"}},
		{"fai line bases wrong", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(seqDir(d), chrIRel+".fai"), []byte(chrIID+"\t230218\t34\t99\t100\n"), 0o644)
		}, []string{chrIRel}},
		{"fai line width wrong", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(seqDir(d), chrIRel+".fai"), []byte(chrIID+"\t230218\t34\t100\t100\n"), 0o644)
		}, []string{chrIRel}},
		{"truncated .fa.bgz", func(t *testing.T, d string) { os.Truncate(filepath.Join(seqDir(d), chrIRel), 40000) }, []string{chrIRel}},
		{"truncated EOF marker", func(t *testing.T, d string) { os.Truncate(filepath.Join(seqDir(d), chrIRel), 70707-5) }, []string{chrIRel}},
		{"stale .gzi (one block missing)", func(t *testing.T, d string) {
			p := filepath.Join(seqDir(d), chrIRel+".gzi")
			b, _ := os.ReadFile(p)
			b[0] = 2
			os.WriteFile(p, b[:8+32], 0o644)
		}, []string{chrIRel}},
		{"flipped byte in a block", func(t *testing.T, d string) { flip(t, filepath.Join(seqDir(d), chrIRel), 30000) }, []string{chrIRel}},
		{"relpath escapes", func(t *testing.T, d string) {
			execDB(t, SeqInfoDBPath(d), `update seqinfo set relpath = '../../etc/passwd' where seq_id = '`+chrIID+`'`)
		}, []string{"relpath"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := sampleCopy(t)
			tc.damage(t, d)
			inst, err := Open(context.Background(), d, Options{BlockCache: bgzf.NewBlockCache(1 << 20)})
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Close()
			err = readAllChecked(t, inst, chrIID, chrI)
			if err == nil {
				t.Fatal("reading the damaged sequence succeeded")
			}
			if !errors.Is(err, repo.ErrCorrupt) {
				t.Errorf("error %q does not match ErrCorrupt", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			// Other sequences and metadata are unaffected.
			if _, err := inst.Info(context.Background(), chrIID); err != nil {
				t.Errorf("Info after damage: %v", err)
			}
			if got, err := repo.Slice(context.Background(), inst, phiXID, 0, 10); err != nil || string(got) != "GAGTTTTATC" {
				t.Errorf("phiX[0:10] = %q, %v", got, err)
			}
		})
	}
}

func flip(t testing.TB, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x20
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFlippedBytesNeverWrong flips bytes all over a sequence file and
// checks that every read either fails with ErrCorrupt or returns the true
// bytes.
func TestFlippedBytesNeverWrong(t *testing.T) {
	t.Parallel()
	phiX := truth(t, phiXID)
	chrVI := truth(t, chrVIID)
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range []struct {
		rel, id string
		want    []byte
		size    int64
	}{{phiXRel, phiXID, phiX, 1870}, {chrVIRel, chrVIID, chrVI, 83934}} {
		for k := range 40 {
			off := rng.Int64N(c.size)
			if k < 18 {
				off = int64(k) // every header byte of the first block
			}
			t.Run(fmt.Sprintf("%s@%d", c.id[:4], off), func(t *testing.T) {
				d := sampleCopy(t)
				flip(t, filepath.Join(SequencesPath(d), c.rel), off)
				inst, err := Open(context.Background(), d, Options{BlockCache: bgzf.NewBlockCache(1 << 20)})
				if err != nil {
					t.Fatal(err)
				}
				defer inst.Close()
				if err := readAllChecked(t, inst, c.id, c.want); err != nil && !errors.Is(err, repo.ErrCorrupt) {
					t.Errorf("error %q does not match ErrCorrupt", err)
				}
			})
		}
	}
}

func TestRootDirectory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	copyTree(t, testutil.SampleInstance(), filepath.Join(root, "2019-05-20"))
	for _, name := range []string{"master", "2099-01-01", "2019-05-20.k3j2x9ab", "20190521"} {
		os.MkdirAll(filepath.Join(root, name), 0o755)
	}
	os.WriteFile(filepath.Join(root, "2018-01-01"), nil, 0o644) // a file, not an instance

	names, err := ListInstances(root)
	if err != nil || !slices.Equal(names, []string{"2019-05-20", "20190521"}) {
		t.Fatalf("ListInstances = %q, %v", names, err)
	}
	if _, err := ListInstances(filepath.Join(root, "nope")); err == nil {
		t.Error("ListInstances of a missing dir succeeded")
	}

	// Without latest, the newest instance (20190521) is picked; it is empty.
	if _, err := Open(ctx, root, Options{}); err == nil || !strings.Contains(err.Error(), "20190521") {
		t.Errorf("Open(root without latest) = %v; want an error about 20190521", err)
	}
	if err := os.Symlink("2019-05-20", filepath.Join(root, LatestLinkName)); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{root, "file://" + root, filepath.Join(root, LatestLinkName)} {
		src, err := repotest.OpenVia(ctx, Factory{}, loc)
		if err != nil {
			t.Fatalf("Open(%s): %v", loc, err)
		}
		inst := src.(*Instance)
		if inst.Dir() != filepath.Join(root, LatestLinkName) {
			t.Errorf("Open(%s).Dir() = %s", loc, inst.Dir())
		}
		if got, err := repo.Slice(ctx, inst, phiXID, 5376, repo.ToEnd); err != nil || string(got) != "CCAACCTGCA" {
			t.Errorf("Open(%s): phiX tail = %q, %v", loc, got, err)
		}
		inst.Close()
	}
	if _, err := repotest.OpenVia(ctx, Factory{}, "file://otherhost/x"); err == nil {
		t.Error("file URL with a host accepted")
	}
}

func TestReadOnlyNoFilesCreated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, snapshot := range []bool{false, true} {
		t.Run(fmt.Sprintf("snapshot=%v", snapshot), func(t *testing.T) {
			d := sampleCopy(t)
			listing := func() []string {
				var out []string
				filepath.WalkDir(d, func(p string, _ fs.DirEntry, _ error) error {
					out = append(out, p)
					return nil
				})
				return out
			}
			before := listing()
			if snapshot {
				filepath.WalkDir(d, func(p string, e fs.DirEntry, _ error) error {
					if e.IsDir() {
						defer os.Chmod(p, 0o555)
					} else {
						os.Chmod(p, 0o444)
					}
					return nil
				})
				os.Chmod(d, 0o500)
				t.Cleanup(func() {
					filepath.WalkDir(d, func(p string, e fs.DirEntry, _ error) error {
						os.Chmod(p, 0o755)
						return nil
					})
				})
			}
			inst, err := Open(ctx, d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if inst.Immutable() != snapshot {
				t.Errorf("Immutable() = %v, want %v", inst.Immutable(), snapshot)
			}
			if got, err := repo.Resolve(ctx, inst, "MD5:3332ed720ac7eaa9b3655c06f6b9e196", "", repo.StyleSeqRepo); err != nil || got != phiXID {
				t.Errorf("Resolve = %q, %v", got, err)
			}
			if _, err := repo.Slice(ctx, inst, chrIID, 0, repo.ToEnd); err != nil {
				t.Error(err)
			}
			if err := inst.Close(); err != nil {
				t.Error(err)
			}
			if after := listing(); !slices.Equal(before, after) {
				t.Errorf("files changed:\nbefore %q\nafter  %q", before, after)
			}
		})
	}
}

// writeFASTAFile writes a BGZF FASTA with .fai and .gzi into the sequences
// dir of an instance copy and registers its sequences in seqinfo.
func writeFASTAFile(t *testing.T, d, rel string, width int, seqs map[string]string) {
	t.Helper()
	path := filepath.Join(SequencesPath(d), rel)
	os.MkdirAll(filepath.Dir(path), 0o755)
	var fa bytes.Buffer
	var recs []faidx.Record
	ids := make([]string, 0, len(seqs))
	for id := range seqs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s := seqs[id]
		fa.WriteString(">" + id + "\n")
		rec := faidx.Record{Name: id, Length: int64(len(s)), Offset: int64(fa.Len()), LineBases: int64(min(width, len(s))), LineWidth: int64(min(width, len(s)) + 1)}
		for i := 0; i < len(s); i += width {
			fa.WriteString(s[i:min(i+width, len(s))] + "\n")
		}
		if len(s) > 0 {
			recs = append(recs, rec)
		}
		execDB(t, SeqInfoDBPath(d), fmt.Sprintf(`insert into seqinfo (seq_id, len, alpha, added, relpath) values ('%s', %d, '%s', '2024-12-20 04:12:00.123456', '%s')`,
			id, len(s), repo.Alphabet([]byte(s)), rel))
	}
	var out bytes.Buffer
	w := bgzf.NewWriter(&out, 1)
	w.Write(fa.Bytes())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	gzi, err := w.Index().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var fai bytes.Buffer
	if err := faidx.Write(&fai, recs); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, out.Bytes(), 0o444)
	os.WriteFile(path+".gzi", gzi, 0o444)
	os.WriteFile(path+".fai", fai.Bytes(), 0o444)
}

func TestStoredBytesExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := sampleCopy(t)
	long := strings.Repeat("acgtNNnn*", 20000) // 180,000 bytes, several blocks
	seqs := map[string]string{
		"lowerstarAAAAAAAAAAAAAAAAAAAAAAA": "mkv*acgtRYKM*",
		"emptyAAAAAAAAAAAAAAAAAAAAAAAAAAA": "",
		"longAAAAAAAAAAAAAAAAAAAAAAAAAAAA": long,
		"shortAAAAAAAAAAAAAAAAAAAAAAAAAAA": "A",
	}
	writeFASTAFile(t, d, "2024/1220/0412/1734668112.123456.fa.bgz", 60, seqs)
	inst, err := Open(ctx, d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	for id, want := range seqs {
		got, err := repo.Slice(ctx, inst, id, 0, repo.ToEnd)
		if err != nil || string(got) != want {
			t.Errorf("%s: got %d bytes %.30q, %v; want %d bytes %.30q", id, len(got), got, err, len(want), want)
		}
		info, err := inst.Info(ctx, id)
		if err != nil || info.Length != int64(len(want)) || info.Added.Nanosecond() != 123456000 {
			t.Errorf("Info(%s) = %+v, %v", id, info, err)
		}
	}
	// Empty sequence: start 0 is the end.
	n, err := inst.ReadSequence(ctx, "emptyAAAAAAAAAAAAAAAAAAAAAAAAAAA", make([]byte, 5), 0)
	if n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("ReadSequence(empty) = %d, %v; want 0, io.EOF", n, err)
	}
	// Random windows of the long one, across line and block boundaries.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		s := rng.Int64N(int64(len(long)))
		e := s + rng.Int64N(3000)
		got, err := repo.Slice(ctx, inst, "longAAAAAAAAAAAAAAAAAAAAAAAAAAAA", s, e)
		if err != nil || string(got) != long[s:min(e, int64(len(long)))] {
			t.Fatalf("long[%d:%d] = %.20q, %v", s, e, got, err)
		}
	}
}

func TestNamespaceAliasesUsesPartialIndex(t *testing.T) {
	t.Parallel()
	inst := openSample(t)
	defer inst.Close()
	plan, err := explain(context.Background(), inst.aliasDB, namespaceAliasesSQL, "test")
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "; ")
	if !strings.Contains(joined, "seqalias_unique_ns_alias_idx") || strings.Contains(joined, "TEMP B-TREE") {
		t.Errorf("query plan %q: want a search of seqalias_unique_ns_alias_idx and no sort", joined)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	inst := openSample(t)
	defer inst.Close()
	s, err := inst.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	filepath.WalkDir(testutil.SampleInstance(), func(p string, e fs.DirEntry, _ error) error {
		if e.Type().IsRegular() {
			fi, _ := e.Info()
			size += fi.Size()
		}
		return nil
	})
	if s.Sequences != 3 || s.Residues != totalRes || s.Files != 3 || s.Aliases != 15 || s.CurrentAliases != 15 ||
		s.AliasSequences != 3 || s.Namespaces != 5 || s.SizeBytes != size || s.SchemaVersion != "1" ||
		s.SeqMinAdded.Format("15:04:05") != "15:40:27" || s.SeqMaxAdded.Format("15:04:05") != "15:40:34" ||
		s.AliasMinAdded.IsZero() || s.AliasMaxAdded.IsZero() {
		t.Errorf("Stats = %+v (size want %d)", s, size)
	}
}

func TestFilePoolBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst, err := Open(ctx, testutil.SampleInstance(), Options{MaxOpenFiles: 1, BlockCache: bgzf.NewBlockCache(1)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{chrIID: truth(t, chrIID), phiXID: truth(t, phiXID), chrVIID: truth(t, chrVIID)}
	ids := []string{chrIID, phiXID, chrVIID}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1000)
			for k := range 50 {
				id := ids[(w+k)%3]
				off := int64(k*997) % int64(len(want[id])-1000)
				if err := repo.ReadFull(ctx, inst, id, buf, off); err != nil || !bytes.Equal(buf, want[id][off:off+1000]) {
					t.Errorf("%s@%d: %v", id, off, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := inst.pool.open(); n > 1 {
		t.Errorf("%d files open after the reads, bound is 1", n)
	}
	if err := inst.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.ReadSequence(ctx, chrIID, make([]byte, 10), 0); err == nil {
		// Cached blocks may still answer; a miss must fail cleanly.
		t.Log("read after Close served from cache")
	}
}

// TestReadSequenceAllocs stays serial: it counts allocations.
func TestReadSequenceAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector, so allocations are not meaningful")
	}
	ctx := context.Background()
	inst := openSample(t)
	defer inst.Close()
	buf := make([]byte, 100)
	offs := []int64{0, 99, 65250, 100000, 230100}
	for _, o := range offs { // warm
		if _, err := inst.ReadSequence(ctx, chrIID, buf, o); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := inst.ReadSequence(ctx, chrIID, buf, offs[i%len(offs)]); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("warm ReadSequence allocates %.1f times per call, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(1000, func() {
		if _, err := inst.Info(ctx, chrIID); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("warm Info allocates %.1f times per call, want 0", allocs)
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	inst := openSample(t)
	defer inst.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := inst.ReadSequence(ctx, chrIID, make([]byte, 10), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadSequence with canceled ctx: %v", err)
	}
	for _, err := range inst.FindAliases(ctx, repo.AliasQuery{}) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("FindAliases with canceled ctx: %v", err)
		}
		break
	}
}

func TestParseAdded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // RFC3339Nano, "" = error
	}{
		{"2019-05-20 15:40:27", "2019-05-20T15:40:27Z"},
		{"2019-05-20 15:40:27.5", "2019-05-20T15:40:27.5Z"},
		{"2024-12-20 04:12:00.123456", "2024-12-20T04:12:00.123456Z"},
		{"2024-12-20T04:12:00.123456", "2024-12-20T04:12:00.123456Z"},
		{"2024-12-20T04:12:00Z", "2024-12-20T04:12:00Z"},
		{"2024-12-20 06:12:00+02:00", "2024-12-20T04:12:00Z"},
		{"2024-12-20", ""},
		{"", ""},
		{"yesterday", ""},
		{"2019-13-20 15:40:27", ""},
	}
	for _, tc := range tests {
		got, err := ParseAdded(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseAdded(%q) = %v; want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.Format("2006-01-02T15:04:05.999999999Z07:00") != tc.want {
			t.Errorf("ParseAdded(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckRelpath(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{chrIRel, "a.fa.bgz", "2016/0824/045923/1472014763.7728612.fa.bgz", "x y/z.fa.bgz"} {
		if err := CheckRelpath(ok); err != nil {
			t.Errorf("CheckRelpath(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a\\b", "a\x00b", "a/"} {
		if err := CheckRelpath(bad); err == nil {
			t.Errorf("CheckRelpath(%q) accepted", bad)
		}
	}
}
