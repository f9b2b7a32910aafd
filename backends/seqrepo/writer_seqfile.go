package seqrepo

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/faidx"
)

// writeLineWidth is the residues per FASTA line in SeqRepo's files.
const writeLineWidth = 100

// writeTmpPrefix starts the names of files being written. Readers never
// reference them, snapshots never copy them (no ".bgz" in the name), and
// the next writer removes leftovers of a killed one.
const writeTmpPrefix = ".seqfs-tmp-"

// writeBatch is the sequence file of the open batch.
type writeBatch struct {
	seqDir  string // absolute directory of the file
	relpath string // path of the final .fa.bgz relative to sequences/
	base    string // final basename
	tmp     string // temporary data file; + "-fai", "-gzi" for the indexes
	f       *os.File
	buf     *bufio.Writer
	bw      *bgzf.Writer
	off     int64
	fai     []faidx.Record
	done    []string // final paths installed by install
}

// writePyTime formats t like Python's repr(time.time()).
func writePyTime(t time.Time) string {
	s := strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func (w *Writer) newBatch() (*writeBatch, error) {
	for {
		now := time.Now()
		rel := now.UTC().Format("2006/0102/1504")
		base := writePyTime(now) + ".fa.bgz"
		if base == w.lastBaseName {
			time.Sleep(time.Microsecond)
			continue
		}
		dir := filepath.Join(SequencesPath(w.dir), filepath.FromSlash(rel))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		taken := false
		for _, n := range []string{base, base + ".fai", base + ".gzi", strings.TrimSuffix(base, ".bgz")} {
			if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
				taken = true
			}
		}
		if taken {
			time.Sleep(time.Microsecond)
			continue
		}
		w.lastBaseName = base
		b := &writeBatch{seqDir: dir, relpath: rel + "/" + base, base: base,
			tmp: filepath.Join(dir, writeTmpPrefix+strings.TrimSuffix(base, ".fa.bgz"))}
		f, err := os.OpenFile(b.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", b.tmp, err)
		}
		b.f = f
		b.buf = bufio.NewWriterSize(f, 1<<20)
		b.bw = bgzf.NewWriter(b.buf, w.opts.Workers)
		return b, nil
	}
}

// appendSeq writes one FASTA record (">id", 100-residue lines) and notes
// its .fai entry. scratch is a reusable line buffer.
func (b *writeBatch) appendSeq(id string, seq []byte, scratch *[]byte) error {
	hdr := ">" + id + "\n"
	if _, err := b.bw.Write([]byte(hdr)); err != nil {
		return fmt.Errorf("write %s: %w", b.tmp, err)
	}
	b.off += int64(len(hdr))
	n := int64(len(seq))
	if n > 0 {
		lb := min(n, writeLineWidth)
		b.fai = append(b.fai, faidx.Record{Name: id, Length: n, Offset: b.off, LineBases: lb, LineWidth: lb + 1})
	}
	const chunk = 1 << 20
	if cap(*scratch) < chunk+writeLineWidth+1 {
		*scratch = make([]byte, 0, chunk+writeLineWidth+1)
	}
	buf := (*scratch)[:0]
	for i := 0; i < len(seq); i += writeLineWidth {
		buf = append(buf, seq[i:min(i+writeLineWidth, len(seq))]...)
		buf = append(buf, '\n')
		if len(buf) >= chunk {
			if _, err := b.bw.Write(buf); err != nil {
				return fmt.Errorf("write %s: %w", b.tmp, err)
			}
			b.off += int64(len(buf))
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if _, err := b.bw.Write(buf); err != nil {
			return fmt.Errorf("write %s: %w", b.tmp, err)
		}
		b.off += int64(len(buf))
	}
	return nil
}

// finish completes the data file and writes the .fai and .gzi under
// temporary names, all synced and mode 0444.
func (b *writeBatch) finish() error {
	if err := b.bw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", b.tmp, err)
	}
	if err := b.flushAndClose(); err != nil {
		return err
	}
	var fai strings.Builder
	if err := faidx.Write(&fai, b.fai); err != nil {
		return fmt.Errorf("index %s: %w", b.tmp, err)
	}
	if err := writeFileSync(b.tmp+"-fai", []byte(fai.String())); err != nil {
		return err
	}
	gzi, err := b.bw.Index().MarshalBinary()
	if err != nil {
		return fmt.Errorf("index %s: %w", b.tmp, err)
	}
	if err := writeFileSync(b.tmp+"-gzi", gzi); err != nil {
		return err
	}
	for _, p := range []string{b.tmp, b.tmp + "-fai", b.tmp + "-gzi"} {
		if err := os.Chmod(p, 0o444); err != nil {
			return fmt.Errorf("chmod %s: %w", p, err)
		}
	}
	return nil
}

// install renames the finished files to their final names (indexes first,
// so a data file is never visible without them) and syncs the directory.
func (b *writeBatch) install() error {
	final := filepath.Join(b.seqDir, b.base)
	for _, mv := range [][2]string{{b.tmp + "-fai", final + ".fai"}, {b.tmp + "-gzi", final + ".gzi"}, {b.tmp, final}} {
		if err := os.Rename(mv[0], mv[1]); err != nil {
			return fmt.Errorf("rename %s to %s: %w", mv[0], mv[1], err)
		}
		b.done = append(b.done, mv[1])
	}
	return writeSyncDir(b.seqDir)
}

// removeInstalled deletes files installed for a batch whose commit failed.
func (b *writeBatch) removeInstalled() {
	for _, p := range b.done {
		os.Remove(p)
	}
	b.done = nil
}

// abort discards the batch's temporary files.
func (b *writeBatch) abort() {
	if b.bw != nil {
		b.bw.Close()
	}
	if b.f != nil {
		b.f.Close()
		b.f = nil
	}
	for _, p := range []string{b.tmp, b.tmp + "-fai", b.tmp + "-gzi"} {
		os.Remove(p)
	}
	b.removeInstalled()
}

func (b *writeBatch) flushAndClose() error {
	// bgzf.Writer does not flush the buffer it writes to.
	if err := b.buf.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", b.tmp, err)
	}
	if err := b.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", b.tmp, err)
	}
	err := b.f.Close()
	b.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", b.tmp, err)
	}
	return nil
}
