package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/seqfs/seqfs/repo"
)

// collectionNameTTL bounds how long the kernel caches the entry of a
// collection name: a name can move to another collection (a digest's
// entry never changes and is cached for Options.Timeout).
const collectionNameTTL = time.Minute

// collectionCacheRecords bounds the records of the collection layouts
// kept (about 100 bytes each); nameCacheSize bounds the name bindings.
const (
	collectionCacheRecords = 1 << 20
	nameCacheSize          = 4096
)

// collectionKinds are the files a /collection listing shows per name.
var collectionKinds = []fileKind{kindFasta, kindFai, kindDict}

// collEntry is one collection as the mount serves it.
type collEntry struct {
	digest string
	seqIDs []string
	layout *CollectionLayout

	faiOnce sync.Once
	fai     []byte
}

func newCollEntry(c repo.Collection, digest string, width int) *collEntry {
	return &collEntry{digest: digest, seqIDs: c.SeqIDs, layout: NewCollectionLayout(c, width)}
}

// faiText returns the .fai, built once.
func (e *collEntry) faiText() []byte {
	e.faiOnce.Do(func() { e.fai = []byte(e.layout.Fai()) })
	return e.fai
}

// nameBinding is a collection name's digest as seen at a time.
type nameBinding struct {
	digest string
	at     time.Time
}

// collCache holds collection layouts by digest, first in first out, up
// to collectionCacheRecords records in all, and the name bindings seen in
// listings (so that `ls -l` costs one source query per collection).
type collCache struct {
	names *fifoCache[nameBinding]

	mu      sync.Mutex
	m       map[string]*collEntry
	order   []string // digests, oldest first
	records int
}

func newCollCache() *collCache {
	return &collCache{names: newFIFOCache[nameBinding](nameCacheSize), m: map[string]*collEntry{}}
}

func (c *collCache) get(digest string) (*collEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[digest]
	return e, ok
}

// put caches e, evicting the oldest entries to stay within the budget; a
// collection larger than the whole budget is not cached.
func (c *collCache) put(e *collEntry) {
	n := len(e.seqIDs)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[e.digest]; ok || n > collectionCacheRecords {
		return
	}
	for c.records+n > collectionCacheRecords {
		old := c.order[0]
		c.order = c.order[1:]
		c.records -= len(c.m[old].seqIDs)
		delete(c.m, old)
	}
	c.m[e.digest] = e
	c.order = append(c.order, e.digest)
	c.records += n
}

// collection returns the collection a name or digest refers to and
// whether ref is a name (not the digest).
func (f *FS) collection(ctx context.Context, ref string) (*collEntry, bool, error) {
	if b, ok := f.colls.names.get(ref); ok && time.Since(b.at) < collectionNameTTL {
		if e, ok := f.colls.get(b.digest); ok {
			return e, true, nil
		}
	}
	if e, ok := f.colls.get(ref); ok {
		// A digest (a name of 32 base64url characters that is also some
		// collection's digest would be misread, which is as unlikely as
		// a digest collision).
		return e, false, nil
	}
	cs, err := repo.Collections(f.src)
	if err != nil {
		return nil, false, &repo.CollectionNotFoundError{Ref: ref}
	}
	c, digest, err := cs.Collection(ctx, ref)
	if err != nil {
		return nil, false, fmt.Errorf("collection %s: %w", ref, err)
	}
	isName := digest != ref
	if isName {
		f.colls.names.put(ref, nameBinding{digest: digest, at: time.Now()})
	}
	if e, ok := f.colls.get(digest); ok {
		return e, isName, nil
	}
	e := newCollEntry(c, digest, f.width)
	f.colls.put(e)
	return e, isName, nil
}

// collectionDir is /collection.
type collectionDir struct {
	gofs.Inode
	sidecarDir
}

var (
	_ gofs.NodeLookuper       = (*collectionDir)(nil)
	_ gofs.NodeOpendirHandler = (*collectionDir)(nil)
	_ gofs.NodeGetattrer      = (*collectionDir)(nil)
)

func newCollectionDir(f *FS) *collectionDir {
	d := &collectionDir{}
	d.sidecarDir = sidecarDir{fsys: f, node: &d.Inode, rel: CollectionDir, virtual: d.isVirtual}
	return d
}

// Getattr reports the directory.
func (d *collectionDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.dirAttr(&out.Attr)
	return 0
}

// resolve finds the collection a parsed name stands for.
func (d *collectionDir) resolve(ctx context.Context, p parsedName) (*collEntry, bool, error) {
	if p.kind == kindSeq {
		return nil, false, &repo.CollectionNotFoundError{Ref: p.stem}
	}
	if !p.long() {
		return d.fsys.collection(ctx, p.alias)
	}
	// A long name: find the collection name whose stem it is.
	for name, err := range d.names(ctx) {
		if err != nil {
			return nil, false, err
		}
		if p.matches(name) {
			return d.fsys.collection(ctx, name)
		}
	}
	return nil, false, &repo.CollectionNotFoundError{Ref: p.stem}
}

// isVirtual reports whether name is a served file.
func (d *collectionDir) isVirtual(ctx context.Context, name string) bool {
	p, ok := parseName(name)
	if !ok {
		return false
	}
	_, _, err := d.resolve(ctx, p)
	return err == nil
}

// Lookup resolves <name>.<suffix> or <digest>.<suffix>, then sidecar files.
func (d *collectionDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if p, ok := parseName(name); ok {
		e, isName, err := d.resolve(ctx, p)
		if err == nil {
			ur := ""
			if d.fsys.mountPoint != "" {
				ur = d.fsys.mountPoint + "/" + CollectionDir + "/" + p.stem + suffixes[kindFasta]
			}
			n := &collFile{fsys: d.fsys, kind: p.kind, e: e, ur: ur}
			n.fillAttr(&out.Attr)
			if isName {
				out.SetEntryTimeout(min(d.fsys.timeout, collectionNameTTL))
			}
			d.fsys.liveFiles.Add(1)
			ch := d.NewInode(ctx, n, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: nameIno(name + "\x00" + e.digest)})
			if ch.Operations() != n {
				d.fsys.liveFiles.Add(-1) // an existing node for the same file
			}
			d.fsys.pruner.add(&d.Inode, ch, name)
			return ch, 0
		}
		if !errors.Is(err, repo.ErrNotFound) {
			return nil, d.fsys.errno(err, "lookup", "dir", CollectionDir, "name", name)
		}
	}
	return d.lookupSidecar(ctx, name, out)
}

// names streams every collection name and digest, by digest order.
func (d *collectionDir) names(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		cs, err := repo.Collections(d.fsys.src)
		if err != nil {
			yield("", err)
			return
		}
		for info, err := range cs.Collections(ctx) {
			if err != nil {
				yield("", fmt.Errorf("list collections: %w", err))
				return
			}
			now := time.Now()
			for _, name := range info.Names {
				d.fsys.colls.names.put(name, nameBinding{digest: info.Digest, at: now})
				if !yield(name, nil) {
					return
				}
			}
			if !yield(info.Digest, nil) {
				return
			}
		}
	}
}

// OpendirHandle lists every collection's files (and sidecar files).
func (d *collectionDir) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	// Not cached by the kernel: names move.
	return d.opendir(&dirStream{fsys: d.fsys, dir: CollectionDir, open: d.names, kinds: collectionKinds}, 0)
}

// mergedStream lists fixed entries (sidecar files) before a dirStream.
type mergedStream struct {
	extra []fuse.DirEntry
	*dirStream

	mu  sync.Mutex
	pos uint64 // entries of extra returned
}

var (
	_ gofs.FileReaddirenter = (*mergedStream)(nil)
	_ gofs.FileSeekdirer    = (*mergedStream)(nil)
)

// Readdirent returns the next entry, or nil at the end.
func (m *mergedStream) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pos < uint64(len(m.extra)) {
		e := m.extra[m.pos]
		m.pos++
		e.Off = m.pos
		return &e, 0
	}
	e, errno := m.dirStream.Readdirent(ctx)
	if e != nil {
		e.Off += uint64(len(m.extra))
	}
	return e, errno
}

// Seekdir restarts the listing at entry off.
func (m *mergedStream) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := uint64(len(m.extra))
	m.pos = min(off, n)
	return m.dirStream.Seekdir(ctx, off-m.pos)
}

// collFile is one file of a collection: .fa, .fa.fai, .dict or .fa.dict.
type collFile struct {
	gofs.Inode
	readOnly
	fsys *FS
	kind fileKind
	e    *collEntry
	ur   string // path in the .dict's UR field, or ""

	mu      sync.Mutex
	dict    []byte                      // built at the first open
	writers map[*rewriteHandle]struct{} // open rewrite handles
}

var (
	_ gofs.NodeGetattrer   = (*collFile)(nil)
	_ gofs.NodeSetattrer   = (*collFile)(nil)
	_ gofs.NodeOpener      = (*collFile)(nil)
	_ gofs.NodeReader      = (*collFile)(nil)
	_ gofs.NodeOnForgetter = (*collFile)(nil)
)

// OnForget counts the node as freed.
func (n *collFile) OnForget() { n.fsys.liveFiles.Add(-1) }

func (n *collFile) size() int64 {
	switch n.kind {
	case kindFasta:
		return n.e.layout.Size()
	case kindFai:
		return int64(len(n.e.faiText()))
	}
	return n.e.layout.DictSize(n.ur)
}

func (n *collFile) fillAttr(out *fuse.Attr) {
	out.Mode = syscall.S_IFREG | 0o444
	out.Nlink = 1
	out.Size = uint64(n.size())
	out.Blocks = (out.Size + 511) / 512
	out.Blksize = 1 << 16
	out.Uid, out.Gid = uint32(syscall.Getuid()), uint32(syscall.Getgid())
}

// Getattr reports a read-only file with its exact size.
func (n *collFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.fillAttr(&out.Attr)
	return 0
}

// text returns the content of an index file.
func (n *collFile) text(ctx context.Context) ([]byte, error) {
	if n.kind == kindFai {
		return n.e.faiText(), nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dict == nil {
		d, err := n.e.layout.Dict(ctx, n.ur, func(ctx context.Context, i int) (string, error) {
			return n.fsys.MD5(ctx, n.e.seqIDs[i])
		})
		if err != nil {
			return nil, fmt.Errorf("dict of collection %s: %w", n.e.digest, err)
		}
		n.dict = []byte(d)
	}
	return n.dict, nil
}

// writeFlags are the open flags that would change a file.
const writeFlags = syscall.O_WRONLY | syscall.O_RDWR | syscall.O_TRUNC | syscall.O_APPEND | syscall.O_CREAT

// Open lets the kernel keep cached pages across opens. Writing is refused,
// except that with a sidecar directory a tool may rewrite an index file
// (samtools faidx without a region rewrites the .fai) with exactly its
// content.
func (n *collFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	var text []byte
	if n.kind != kindFasta {
		var err error
		if text, err = n.text(ctx); err != nil {
			return nil, 0, n.fsys.errno(err, "open", "collection", n.e.digest)
		}
	}
	if flags&writeFlags == 0 {
		return nil, fuse.FOPEN_KEEP_CACHE, 0
	}
	if n.kind == kindFasta || n.fsys.sidecar == nil {
		return nil, 0, syscall.EROFS
	}
	h := &rewriteHandle{node: n, want: text, name: n.Path(nil), got: bytes.Clone(text)}
	if flags&syscall.O_TRUNC != 0 {
		h.got = nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.writers == nil {
		n.writers = map[*rewriteHandle]struct{}{}
	}
	n.writers[h] = struct{}{}
	return h, fuse.FOPEN_DIRECT_IO, 0
}

// Setattr accepts only the truncation that opening an index file for
// rewriting implies (see rewriteHandle); the kernel sends it without the
// handle, so it applies to every open rewrite handle.
func (n *collFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	sz, hasSize := in.GetSize()
	n.mu.Lock()
	defer n.mu.Unlock()
	if !hasSize || len(n.writers) == 0 {
		return syscall.EROFS
	}
	for h := range n.writers {
		h.truncate(int(sz))
	}
	n.fillAttr(&out.Attr)
	return 0
}

// Read serves bytes [off, off+len(dest)); a read of the .fa fetches one
// subsequence from each record it spans.
func (n *collFile) Read(ctx context.Context, fh gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if h, ok := fh.(*rewriteHandle); ok {
		return h.Read(ctx, dest, off)
	}
	if n.kind == kindFasta {
		c, err := n.e.layout.ReadAt(dest, off, func(i int) FetchFunc {
			return func(p []byte, start int64) error {
				return repo.ReadFull(ctx, n.fsys.src, n.e.seqIDs[i], p, start)
			}
		})
		if err != nil {
			return nil, n.fsys.errno(err, "read", "collection", n.e.digest, "offset", off, "size", len(dest))
		}
		return fuse.ReadResultData(dest[:c]), 0
	}
	text, err := n.text(ctx)
	if err != nil {
		return nil, n.fsys.errno(err, "read", "collection", n.e.digest)
	}
	if off >= int64(len(text)) {
		return fuse.ReadResultData(nil), 0
	}
	return fuse.ReadResultData(text[off:min(off+int64(len(dest)), int64(len(text)))]), 0
}

// rewriteHandle is an index file opened for writing: what the tool writes
// is kept in memory and, when the file is closed, must equal the served
// content (a tool that rebuilds the .fai of the FASTA writes exactly
// that); anything else fails the close with EIO and is logged, and the
// served file never changes.
type rewriteHandle struct {
	node *collFile
	want []byte
	name string

	mu  sync.Mutex
	got []byte
}

var (
	_ gofs.FileWriter   = (*rewriteHandle)(nil)
	_ gofs.FileReader   = (*rewriteHandle)(nil)
	_ gofs.FileFlusher  = (*rewriteHandle)(nil)
	_ gofs.FileReleaser = (*rewriteHandle)(nil)
)

// Release forgets the handle.
func (h *rewriteHandle) Release(ctx context.Context) syscall.Errno {
	h.node.mu.Lock()
	defer h.node.mu.Unlock()
	delete(h.node.writers, h)
	return 0
}

func (h *rewriteHandle) truncate(size int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if size <= len(h.got) {
		h.got = h.got[:size]
	} else {
		h.got = append(h.got, make([]byte, size-len(h.got))...)
	}
}

// Write records data at off.
func (h *rewriteHandle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if off < 0 || off+int64(len(data)) > int64(len(h.want))+1<<20 {
		return 0, syscall.EFBIG // far beyond the served content: it cannot match
	}
	if end := int(off) + len(data); end > len(h.got) {
		h.got = append(h.got, make([]byte, end-len(h.got))...)
	}
	copy(h.got[off:], data)
	return uint32(len(data)), 0
}

// Read returns what was written so far.
func (h *rewriteHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if off >= int64(len(h.got)) {
		return fuse.ReadResultData(nil), 0
	}
	return fuse.ReadResultData(bytes.Clone(h.got[off:min(off+int64(len(dest)), int64(len(h.got)))])), 0
}

// Flush checks the content at close.
func (h *rewriteHandle) Flush(ctx context.Context) syscall.Errno {
	h.mu.Lock()
	defer h.mu.Unlock()
	if bytes.Equal(h.got, h.want) {
		return 0
	}
	h.node.fsys.log.Error("a tool rewrote a served index file with different content; the change is not kept",
		"file", h.name, "served_bytes", len(h.want), "written_bytes", len(h.got))
	return syscall.EIO
}
