package fs

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/seqfs/seqfs/repo"
)

// testCollection builds a collection of sequences with the given lengths
// (names chr1, chr2, …) and returns it with the sequences by seq_id.
func testCollection(lengths ...int) (repo.Collection, map[string][]byte) {
	var c repo.Collection
	seqs := map[string][]byte{}
	for i, n := range lengths {
		seq := testSeq(n + i) // distinct sequences
		seq = seq[i:]
		id := repo.GA4GHDigest(append([]byte(strconv.Itoa(i)), seq...))
		c.Names = append(c.Names, "chr"+strconv.Itoa(i+1))
		c.SeqIDs = append(c.SeqIDs, id)
		c.Lengths = append(c.Lengths, int64(n))
		seqs[id] = seq
	}
	return c, seqs
}

// naiveCollection renders the FASTA and the .fai the obvious way.
func naiveCollection(c repo.Collection, seqs map[string][]byte, w int) (fa []byte, fai string) {
	var b bytes.Buffer
	var idx strings.Builder
	for i, name := range c.Names {
		header := ">" + name + "\n"
		if c.Lengths[i] > 0 {
			bases := min(int64(w), c.Lengths[i])
			fmt.Fprintf(&idx, "%s\t%d\t%d\t%d\t%d\n", name, c.Lengths[i], b.Len()+len(header), bases, bases+1)
		}
		b.Write(naiveFasta(header, seqs[c.SeqIDs[i]], w))
	}
	return b.Bytes(), idx.String()
}

func TestCollectionLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lengths []int
		width   int
	}{
		{[]int{10}, 60},
		{[]int{120, 61, 1, 59}, 60},
		{[]int{7, 0, 13}, 4},
		{[]int{0}, 60},
		{[]int{5, 5, 5, 5, 5, 5}, 1},
		{[]int{1000, 999, 3}, 70},
	}
	for _, tt := range tests {
		c, seqs := testCollection(tt.lengths...)
		want, wantFai := naiveCollection(c, seqs, tt.width)
		l := NewCollectionLayout(c, tt.width)
		if l.Size() != int64(len(want)) {
			t.Errorf("%v w%d: size %d, want %d", tt.lengths, tt.width, l.Size(), len(want))
		}
		if got := l.Fai(); got != wantFai {
			t.Errorf("%v w%d: fai\n%q, want\n%q", tt.lengths, tt.width, got, wantFai)
		}
		calls := 0
		fetch := func(i int) FetchFunc { return fetcher(seqs[c.SeqIDs[i]], &calls) }
		for off := 0; off <= len(want)+2; off++ {
			for _, n := range []int{1, 2, 7, 61, 62, len(want)} {
				calls = 0
				buf := make([]byte, n)
				got, err := l.ReadAt(buf, int64(off), fetch)
				if err != nil {
					t.Fatalf("%v w%d: ReadAt(%d, %d): %v", tt.lengths, tt.width, off, n, err)
				}
				exp := want[min(off, len(want)):min(off+n, len(want))]
				if !bytes.Equal(buf[:got], exp) {
					t.Fatalf("%v w%d: ReadAt(%d, %d) = %q, want %q", tt.lengths, tt.width, off, n, buf[:got], exp)
				}
				if calls > len(c.Names) {
					t.Fatalf("%v w%d: ReadAt(%d, %d): %d fetches for %d records", tt.lengths, tt.width, off, n, calls, len(c.Names))
				}
			}
		}
	}
}

func TestCollectionDict(t *testing.T) {
	t.Parallel()
	c, _ := testCollection(10, 70)
	l := NewCollectionLayout(c, 60)
	for _, ur := range []string{"", "/mnt/collection/x.fa"} {
		got, err := l.Dict(context.Background(), ur, func(_ context.Context, i int) (string, error) {
			return strings.Repeat(strconv.Itoa(i), 32), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		urField := ""
		if ur != "" {
			urField = "\tUR:file://" + ur
		}
		want := "@HD\tVN:1.0\tSO:unsorted\n" +
			"@SQ\tSN:chr1\tLN:10\tM5:" + strings.Repeat("0", 32) + urField + "\n" +
			"@SQ\tSN:chr2\tLN:70\tM5:" + strings.Repeat("1", 32) + urField + "\n"
		if got != want {
			t.Errorf("dict %q:\n%q, want\n%q", ur, got, want)
		}
		if l.DictSize(ur) != int64(len(want)) {
			t.Errorf("DictSize(%q) = %d, want %d", ur, l.DictSize(ur), len(want))
		}
	}
	_, err := l.Dict(context.Background(), "", func(context.Context, int) (string, error) { return "abc", nil })
	if err == nil {
		t.Error("a short MD5 was accepted")
	}
}

func TestCollCacheBudget(t *testing.T) {
	t.Parallel()
	c := newCollCache()
	entry := func(d string, n int) *collEntry { return &collEntry{digest: d, seqIDs: make([]string, n)} }
	c.put(entry("a", collectionCacheRecords/2))
	c.put(entry("b", collectionCacheRecords/2))
	c.put(entry("huge", collectionCacheRecords+1))
	if _, ok := c.get("huge"); ok {
		t.Error("a collection over the whole budget was cached")
	}
	c.put(entry("c", 1))
	if _, ok := c.get("a"); ok {
		t.Error("the oldest entry was not evicted")
	}
	for _, d := range []string{"b", "c"} {
		if _, ok := c.get(d); !ok {
			t.Errorf("%s evicted", d)
		}
	}
	if c.records != collectionCacheRecords/2+1 {
		t.Errorf("records %d", c.records)
	}
}

func TestMergedStreamSeek(t *testing.T) {
	t.Parallel()
	names := func(ctx context.Context) iter.Seq2[string, error] {
		return func(yield func(string, error) bool) {
			for _, n := range []string{"a", "b"} {
				if !yield(n, nil) {
					return
				}
			}
		}
	}
	m := &mergedStream{
		extra:     []fuse.DirEntry{{Name: "x.bwt"}, {Name: "y.sa"}},
		dirStream: &dirStream{fsys: &FS{}, open: names, kinds: collectionKinds},
	}
	ctx := context.Background()
	readAll := func() []string {
		var out []string
		for {
			e, errno := m.Readdirent(ctx)
			if errno != 0 {
				t.Fatal(errno)
			}
			if e == nil {
				return out
			}
			out = append(out, fmt.Sprintf("%d:%s", e.Off, e.Name))
		}
	}
	all := []string{"1:x.bwt", "2:y.sa", "3:a.fa", "4:a.fa.fai", "5:a.dict", "6:b.fa", "7:b.fa.fai", "8:b.dict"}
	if got := readAll(); !slices.Equal(got, all) {
		t.Fatalf("listing %v, want %v", got, all)
	}
	for _, off := range []uint64{0, 1, 2, 5, 8} {
		if errno := m.Seekdir(ctx, off); errno != 0 {
			t.Fatal(errno)
		}
		if got := readAll(); !slices.Equal(got, all[off:]) {
			t.Errorf("after Seekdir(%d): %v, want %v", off, got, all[off:])
		}
	}
	m.Releasedir(ctx, 0)
}

func TestNewSidecar(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	tests := []struct {
		dir, mount string
		ok         bool
	}{
		{"", "/mnt/x", true},
		{base + "/side", "/mnt/x", true},
		{base + "/side", base + "/side-mnt", true},
		{base + "/mnt/side", base + "/mnt", false},
		{base + "/mnt", base + "/mnt", false},
		{base + "/side2", "", true},
	}
	for _, tt := range tests {
		sc, err := newSidecar(tt.dir, tt.mount)
		if (err == nil) != tt.ok {
			t.Errorf("newSidecar(%q, %q): %v, want ok %v", tt.dir, tt.mount, err, tt.ok)
		}
		if err == nil && (sc == nil) != (tt.dir == "") {
			t.Errorf("newSidecar(%q, %q) = %v", tt.dir, tt.mount, sc)
		}
	}
}
