package seqrepo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/faidx"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
)

func FuzzParseAdded(f *testing.F) {
	for _, s := range []string{"2019-05-20 15:40:27", "2024-12-20 04:12:00.123456", "2024-12-20T04:12:00Z", "2024-12-20 06:12:00+02:00", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseAdded(s)
		if err != nil {
			if !strings.Contains(err.Error(), "invalid added timestamp") {
				t.Fatalf("error %q lacks context", err)
			}
			return
		}
		if tm.Location().String() != "UTC" {
			t.Fatalf("ParseAdded(%q) = %v, not UTC", s, tm)
		}
	})
}

func FuzzCheckRelpath(f *testing.F) {
	for _, s := range []string{chrIRel, "../x", "/a", "a//b", "a/./b", "", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rel string) {
		if err := CheckRelpath(rel); err != nil {
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			t.Fatalf("CheckRelpath accepted %q, which is not local", rel)
		}
		p, err := NewDirStorage("/base/seq").Path(rel)
		if err != nil || !strings.HasPrefix(p, "/base/seq/") {
			t.Fatalf("Path(%q) = %q, %v", rel, p, err)
		}
	})
}

// FuzzReadResidues reads a range through an arbitrary .fai record from
// arbitrary FASTA text: it must either fail or return exactly the bytes at
// the positions the record describes, none of them a line break.
func FuzzReadResidues(f *testing.F) {
	f.Add([]byte(">a\nACGTA\nCG\n"), int64(7), int64(3), int64(5), int64(6), int64(1), uint16(5))
	f.Add([]byte(">a\nAC\r\nGT\r\n"), int64(4), int64(3), int64(2), int64(4), int64(0), uint16(4))
	f.Add([]byte(">a\nACGT\n"), int64(4), int64(3), int64(4), int64(4), int64(0), uint16(4))
	f.Fuzz(func(t *testing.T, text []byte, length, offset, lb, lw, start int64, n uint16) {
		rec := faidx.Record{Name: "a", Length: length, Offset: offset, LineBases: lb, LineWidth: lw}
		if rec.Validate() != nil || length == 0 || length > 1<<20 {
			return
		}
		start = min(max(start, 0), length-1)
		cnt := min(int64(n), length-start)
		p := make([]byte, cnt)
		err := readResidues(bytes.NewReader(text), rec, p, start)
		if err != nil {
			return
		}
		for k := range cnt {
			off := rec.ByteOffset(start + k)
			if off >= int64(len(text)) || text[off] != p[k] || p[k] == '\n' || p[k] == '\r' {
				t.Fatalf("residue %d: got %q, text offset %d", start+k, p[k], off)
			}
		}
		if err := checkLayout(bytes.NewReader(text), rec); err == nil {
			if offset == 0 || text[offset-1] != '\n' || !bytes.Contains(text[:offset], []byte(">a")) {
				t.Fatalf("checkLayout accepted offset %d without a header line before it", offset)
			}
			if !errors.Is(readResidues(bytes.NewReader(text), rec, make([]byte, length), 0), nil) {
				// A checked layout may still fail on a bad line break; that is fine.
				return
			}
		}
	})
}

// FuzzSidecars replaces the .fai and .gzi of yeast chr VI with fuzzed data:
// every read must either fail with ErrCorrupt or return the true bytes.
func FuzzSidecars(f *testing.F) {
	seqDir := filepath.Join(testutil.SampleInstance(), SequencesDirName)
	fai, err := os.ReadFile(filepath.Join(seqDir, chrVIRel+".fai"))
	if err != nil {
		f.Fatal(err)
	}
	gzi, err := os.ReadFile(filepath.Join(seqDir, chrVIRel+".gzi"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fai, gzi)
	f.Add([]byte(chrVIID+"\t270161\t35\t100\t101\n"), gzi)
	f.Add(fai, gzi[:40])
	f.Add(fai, append([]byte{4}, gzi[1:]...))

	want := truth(f, chrVIID)
	d := filepath.Join(f.TempDir(), "inst")
	copyTree(f, testutil.SampleInstance(), d)
	cache := bgzf.NewBlockCache(1 << 20)
	f.Fuzz(func(t *testing.T, fai, gzi []byte) {
		os.WriteFile(filepath.Join(SequencesPath(d), chrVIRel+".fai"), fai, 0o644)
		os.WriteFile(filepath.Join(SequencesPath(d), chrVIRel+".gzi"), gzi, 0o644)
		inst, err := Open(context.Background(), d, Options{BlockCache: cache})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		buf := make([]byte, 50000)
		for _, off := range []int64{0, 60000, 130000, 250000} {
			n, err := inst.ReadSequence(context.Background(), chrVIID, buf, off)
			if err != nil && !errors.Is(err, io.EOF) {
				if !errors.Is(err, repo.ErrCorrupt) {
					t.Fatalf("error %q does not match ErrCorrupt", err)
				}
				continue
			}
			if !bytes.Equal(buf[:n], want[off:off+int64(n)]) || (n < len(buf) && off+int64(n) != int64(len(want))) {
				t.Fatalf("WRONG BYTES at %d (n=%d)", off, n)
			}
		}
	})
}
