package seqrepo

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/faidx"
	"github.com/seqfs/seqfs/repo"
)

// maxSidecarBytes bounds the size of a .fai or .gzi file loaded into
// memory (a .fai of 20,000 records is about 1 MB).
const maxSidecarBytes = 1 << 30

// seqEntry is a cached seqinfo row with the file holding the sequence.
// It is immutable.
type seqEntry struct {
	info repo.Info
	file *seqFile
	// checked is set once the sequence's .fai record has been checked
	// against the FASTA text (see checkLayout).
	checked atomic.Bool
}

// seqInfoCache is a bounded map of seqinfo rows by seq_id. Rows never
// change once committed, so entries never go stale; when full an arbitrary
// entry is dropped. Lookups do not allocate.
type seqInfoCache struct {
	mu  sync.RWMutex
	max int
	m   map[string]*seqEntry
}

func (c *seqInfoCache) init(maxEntries int) {
	c.max = maxEntries
	c.m = make(map[string]*seqEntry)
}

func (c *seqInfoCache) get(id string) *seqEntry {
	c.mu.RLock()
	e := c.m[id]
	c.mu.RUnlock()
	return e
}

func (c *seqInfoCache) put(e *seqEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[e.info.SeqID]; !ok && len(c.m) >= c.max {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[e.info.SeqID] = e
}

// seqFile is one .fa.bgz file of the instance. Its indexes are loaded on
// first use; a failed load is retried by the next reader.
type seqFile struct {
	relpath string
	mu      sync.Mutex // serialises loading
	idx     atomic.Pointer[fileIndex]
}

// fileIndex is what a loaded seqFile needs to serve reads.
type fileIndex struct {
	fai faidx.Index
	bgz *bgzf.Reader
}

// file returns the seqFile for relpath, creating it once.
func (i *Instance) file(relpath string) *seqFile {
	i.filesMu.RLock()
	f := i.files[relpath]
	i.filesMu.RUnlock()
	if f != nil {
		return f
	}
	i.filesMu.Lock()
	defer i.filesMu.Unlock()
	if f = i.files[relpath]; f == nil {
		f = &seqFile{relpath: relpath}
		i.files[relpath] = f
	}
	return f
}

// describe names a file of the instance for error messages.
func (i *Instance) describe(relpath string) string {
	if ds, ok := i.storage.(*DirStorage); ok {
		if p, err := ds.Path(relpath); err == nil {
			return p
		}
	}
	return i.storage.String() + "/" + relpath
}

// storageErr maps a failure to open or read a file of the instance: a
// missing file means the instance is damaged (ErrCorrupt); one that exists
// but cannot be read (permissions, a symlink loop, a directory) is an
// operator's problem (ErrInaccessible); anything else is an I/O problem
// that may pass (ErrUnavailable).
func (i *Instance) storageErr(relpath string, err error) error {
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", i.describe(relpath), err)
	case errors.Is(err, fs.ErrNotExist):
		return repo.Corrupt(i.describe(relpath), fmt.Errorf("file referenced by %s is missing: %w", SeqInfoDBFile, err))
	case isAccessErr(err):
		return repo.Inaccessible(i.describe(relpath), fmt.Errorf("cannot read a file of the instance (check its permissions and type): %w", err))
	case errors.Is(err, bgzf.ErrCorrupt), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, repo.ErrCorrupt):
		return repo.Corrupt(i.describe(relpath), err)
	}
	return repo.Unavailable(i.describe(relpath), err)
}

// isAccessErr reports errors that retrying cannot fix: no permission, a
// symlink loop, a directory or a non-directory in the wrong place.
func isAccessErr(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.ELOOP) ||
		errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, errNotRegular)
}

// index loads the .fai and .gzi of f once.
func (i *Instance) index(ctx context.Context, f *seqFile) (*fileIndex, error) {
	if x := f.idx.Load(); x != nil {
		return x, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if x := f.idx.Load(); x != nil {
		return x, nil
	}
	if err := CheckRelpath(f.relpath); err != nil {
		return nil, repo.Corrupt(i.seqDBPath, err)
	}
	faiPath, gziPath := f.relpath+".fai", f.relpath+".gzi"
	raw, err := readWholeFile(ctx, i.storage, faiPath, maxSidecarBytes)
	if err != nil {
		return nil, i.storageErr(faiPath, fmt.Errorf("read FASTA index: %w", err))
	}
	recs, err := faidx.Parse(bytes.NewReader(raw))
	if err != nil {
		return nil, repo.Corrupt(i.describe(faiPath), err)
	}
	for _, r := range recs {
		if err := r.Validate(); err != nil {
			return nil, repo.Corrupt(i.describe(faiPath), fmt.Errorf("record %q: %w", r.Name, err))
		}
	}
	fai, err := faidx.NewIndex(recs)
	if err != nil {
		return nil, repo.Corrupt(i.describe(faiPath), err)
	}
	raw, err = readWholeFile(ctx, i.storage, gziPath, maxSidecarBytes)
	if err != nil {
		return nil, i.storageErr(gziPath, fmt.Errorf("read BGZF index: %w", err))
	}
	gzi, err := bgzf.ParseGZI(raw)
	if err != nil {
		return nil, repo.Corrupt(i.describe(gziPath), err)
	}
	pf, err := i.pool.acquire(ctx, f.relpath)
	if err != nil {
		return nil, i.storageErr(f.relpath, err)
	}
	size := pf.f.Size()
	i.pool.release(pf)
	x := &fileIndex{
		fai: fai,
		bgz: bgzf.NewReader(&poolReaderAt{pool: i.pool, key: f.relpath}, size, gzi, i.cache, i.describe(f.relpath)),
	}
	f.idx.Store(x)
	return x, nil
}

// Info returns the seqinfo row of seqID (the newest by added, as SeqRepo
// does). Rows are cached.
func (i *Instance) Info(ctx context.Context, seqID string) (repo.Info, error) {
	e, err := i.entry(ctx, seqID)
	if err != nil {
		return repo.Info{}, err
	}
	return e.info, nil
}

// seqInfoSQL reads the newest seqinfo row of a seq_id.
const seqInfoSQL = `select seq_id, len, alpha, cast(added as text), relpath from seqinfo where seq_id = ? order by added desc limit 1`

// entry returns the cached seqinfo row of seqID, querying it on a miss.
func (i *Instance) entry(ctx context.Context, seqID string) (*seqEntry, error) {
	if e := i.infos.get(seqID); e != nil {
		return e, nil
	}
	var (
		info           repo.Info
		added, relpath string
	)
	stmt, err := i.stmt(ctx, i.seqDB, seqInfoSQL)
	if err == nil {
		err = stmt.QueryRowContext(ctx, seqID).Scan(&info.SeqID, &info.Length, &info.Alphabet, &added, &relpath)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &repo.SeqNotFoundError{SeqID: seqID}
	}
	if err != nil {
		return nil, i.dbErr(i.seqDBPath, "look up "+seqID, err)
	}
	if info.Added, err = ParseAdded(added); err != nil {
		return nil, repo.Corrupt(i.seqDBPath, fmt.Errorf("seqinfo %s: %w", seqID, err))
	}
	if info.Length < 0 {
		return nil, repo.Corrupt(i.seqDBPath, fmt.Errorf("seqinfo %s: negative length %d", seqID, info.Length))
	}
	e := &seqEntry{info: info, file: i.file(relpath)}
	i.infos.put(e)
	return e, nil
}

// dbErr wraps a database failure, keeping context errors recognisable.
func (i *Instance) dbErr(path, what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %s: %w", path, what, err)
	}
	if cause := i.vfsCause(path); cause != nil {
		err = fmt.Errorf("%w (cause: %w)", err, cause)
	}
	return fmt.Errorf("%s: %s: %w", path, what, repo.Unavailable(path, err))
}

// Sequences streams every seqinfo row ordered by seq_id.
func (i *Instance) Sequences(ctx context.Context) iter.Seq2[repo.Info, error] {
	return func(yield func(repo.Info, error) bool) {
		path := i.seqDBPath
		rows, err := i.seqDB.QueryContext(ctx, `select seq_id, len, alpha, cast(added as text) from seqinfo order by seq_id`)
		if err != nil {
			yield(repo.Info{}, i.dbErr(path, "list sequences", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var info repo.Info
			var added string
			if err := rows.Scan(&info.SeqID, &info.Length, &info.Alphabet, &added); err != nil {
				yield(repo.Info{}, i.dbErr(path, "list sequences", err))
				return
			}
			if info.Added, err = ParseAdded(added); err != nil {
				yield(repo.Info{}, repo.Corrupt(path, fmt.Errorf("seqinfo %s: %w", info.SeqID, err)))
				return
			}
			if !yield(info, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(repo.Info{}, i.dbErr(path, "list sequences", err))
		}
	}
}

// scratchSize is the size of the buffers used to read FASTA text before
// its line breaks are removed.
const scratchSize = 128 << 10

var scratchPool = sync.Pool{New: func() any {
	b := make([]byte, scratchSize)
	return &b
}}

// ReadSequence copies residues [start, start+len(p)) of seqID into p. It
// returns io.EOF with n < len(p) when the sequence ends first, and an error
// matching repo.ErrBadCoordinates if start is outside [0, length]. Data that
// does not match its indexes gives an error matching repo.ErrCorrupt that
// names the file; bytes are never guessed.
func (i *Instance) ReadSequence(ctx context.Context, seqID string, p []byte, start int64) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	e, err := i.entry(ctx, seqID)
	if err != nil {
		return 0, err
	}
	length := e.info.Length
	if start < 0 || start > length {
		return 0, &repo.CoordinateError{Msg: fmt.Sprintf("sequence %s: start %d is outside [0, %d]", seqID, start, length)}
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := int(min(int64(len(p)), length-start))
	if n == 0 {
		return 0, io.EOF
	}
	x, err := i.index(ctx, e.file)
	if err != nil {
		return 0, err
	}
	rec, ok := x.fai[seqID]
	if !ok {
		return 0, repo.Corrupt(i.describe(e.file.relpath+".fai"), fmt.Errorf("sequence %s (length %d in %s) is not in the index", seqID, length, SeqInfoDBFile))
	}
	if rec.Length != length {
		return 0, repo.Corrupt(i.describe(e.file.relpath+".fai"), fmt.Errorf("sequence %s has length %d in the index but %d in %s", seqID, rec.Length, length, SeqInfoDBFile))
	}
	if !e.checked.Load() {
		if err := checkLayout(x.bgz, rec); err != nil {
			return 0, i.storageErr(e.file.relpath, fmt.Errorf("sequence %s: %w", seqID, err))
		}
		e.checked.Store(true)
	}
	if err := readResidues(x.bgz, rec, p[:n], start); err != nil {
		return 0, i.storageErr(e.file.relpath, fmt.Errorf("sequence %s [%d, %d): %w", seqID, start, start+int64(n), err))
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// prefetcher is implemented by readers that can warm a long range ahead of
// a sequential read (bgzf.Reader).
type prefetcher interface {
	Prefetch(off, n int64) error
}

// errLayout reports FASTA text that disagrees with its .fai record.
var errLayout = errors.New("FASTA text does not match its .fai line layout")

// readResidues fills p with residues starting at start of the sequence rec
// describes, reading FASTA text from ra and dropping the line terminators.
// It checks that every skipped terminator is '\r' or '\n' and that no
// residue is a line break, so a wrong index never yields wrong bytes. The
// range must lie within the sequence and rec must be valid.
func readResidues(ra io.ReaderAt, rec faidx.Record, p []byte, start int64) error {
	bp := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(bp)
	scratch := *bp
	lb, lw := rec.LineBases, rec.LineWidth
	term := lw - lb
	pos, out := start, 0
	pf, canPrefetch := ra.(prefetcher)
	var warmedTo int64
	for out < len(p) {
		off, need := rec.ByteSpan(pos, pos+int64(len(p)-out))
		if canPrefetch && need > int64(len(scratch)) && off >= warmedTo {
			// A long read: inflate the next window on every core first.
			if err := pf.Prefetch(off, need); err != nil {
				return err
			}
			warmedTo = off + bgzf.PrefetchWindow
		}
		raw := scratch[:min(need, int64(len(scratch)))]
		if got, err := ra.ReadAt(raw, off); got < len(raw) {
			return readErr(err, off+int64(got), off+int64(len(raw)))
		}
		col := pos % lb
		for len(raw) > 0 && out < len(p) {
			k := int(min(lb-col, int64(len(raw)), int64(len(p)-out)))
			seg := raw[:k]
			if bytes.IndexByte(seg, '\n') >= 0 || bytes.IndexByte(seg, '\r') >= 0 {
				return repo.Corrupt(fmt.Sprintf("residue %d", pos), errLayout)
			}
			copy(p[out:], seg)
			out += k
			pos += int64(k)
			raw = raw[k:]
			col += int64(k)
			if col < lb {
				continue
			}
			col = 0
			if int64(len(raw)) < term {
				break // the next chunk starts at the next line
			}
			for j, c := range raw[:term] {
				if c != '\n' && (c != '\r' || int64(j) == term-1) {
					return repo.Corrupt(fmt.Sprintf("line break after residue %d", pos), errLayout)
				}
			}
			raw = raw[term:]
		}
	}
	return nil
}

// maxHeaderCheck bounds how far before a sequence checkLayout looks for its
// FASTA header line.
const maxHeaderCheck = 4096

// checkLayout verifies a .fai record against the FASTA text before the
// first read of a sequence: the line before Offset must be the header
// ">name" (optionally followed by a description), and the last residue must
// be followed by a line break and then the next header or the end of the
// file. Together with the line-break checks of readResidues this catches an
// index whose offset or line layout does not match the data, which would
// otherwise yield wrong bytes.
func checkLayout(ra io.ReaderAt, rec faidx.Record) error {
	bad := func(format string, args ...any) error {
		return repo.Corrupt(fmt.Sprintf("index record %s (offset %d)", rec.Name, rec.Offset), fmt.Errorf(format, args...))
	}
	// Header.
	lo := max(0, rec.Offset-maxHeaderCheck)
	win := make([]byte, rec.Offset-lo)
	if n, err := ra.ReadAt(win, lo); n < len(win) {
		return readErr(err, lo+int64(n), rec.Offset)
	}
	if len(win) == 0 || win[len(win)-1] != '\n' {
		return bad("%w: no line break before the first residue", errLayout)
	}
	line := win[:len(win)-1]
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if k := bytes.LastIndexByte(line, '\n'); k >= 0 {
		line = line[k+1:]
	} else if lo > 0 {
		line = nil // header longer than the window: cannot check it
	}
	if line != nil {
		rest, ok := bytes.CutPrefix(line, []byte(">"+rec.Name))
		if !ok || (len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t') {
			return bad("%w: the line before the first residue is %.80q, not the header of %s", errLayout, line, rec.Name)
		}
	}
	if rec.Length == 0 {
		return nil
	}
	// End: line break, then '>' or end of file.
	end := rec.ByteOffset(rec.Length-1) + 1
	term := rec.LineWidth - rec.LineBases
	tail := make([]byte, term+1)
	n, err := ra.ReadAt(tail, end)
	if n < len(tail) && (err == nil || !errors.Is(err, io.EOF)) {
		return readErr(err, end+int64(n), end+int64(len(tail)))
	}
	if n < int(term) || (term > 0 && tail[term-1] != '\n') {
		return bad("%w: no line break after the last residue at byte %d", errLayout, end)
	}
	if n == len(tail) && tail[term] != '>' && tail[term] != '\n' && tail[term] != '\r' {
		return bad("%w: the last residue at byte %d is not followed by the next header or the end of the file", errLayout, end-1)
	}
	return nil
}

// readErr reports a short read of FASTA text between two offsets.
func readErr(err error, got, want int64) error {
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data ends at byte %d, index expects %d", io.ErrUnexpectedEOF, got, want)
	}
	return err
}
