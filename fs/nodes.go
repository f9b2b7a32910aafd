package fs

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/seqfs/seqfs/repo"
)

// rootNode is "/": one directory per namespace plus DigestDir.
type rootNode struct {
	gofs.Inode
	readOnly
	fsys *FS
}

var (
	_ gofs.NodeLookuper  = (*rootNode)(nil)
	_ gofs.NodeReaddirer = (*rootNode)(nil)
	_ gofs.NodeGetattrer = (*rootNode)(nil)
	_ gofs.NodeStatfser  = (*rootNode)(nil)
)

// Getattr reports a read-only directory.
func (r *rootNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	dirAttr(&out.Attr)
	return 0
}

// Lookup finds a namespace directory by its (escaped) name or API name.
func (r *rootNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if ch := r.GetChild(name); ch != nil {
		dirAttr(&out.Attr)
		return ch, 0
	}
	if name == CollectionDir {
		d := newCollectionDir(r.fsys)
		d.dirAttr(&out.Attr)
		return r.NewInode(ctx, d, gofs.StableAttr{Mode: syscall.S_IFDIR}), 0
	}
	var dir *nsDir
	if name == DigestDir {
		dir = &nsDir{fsys: r.fsys, digest: true}
	} else {
		nss, err := r.fsys.namespaces(ctx)
		if err != nil {
			return nil, r.fsys.errno(err, "lookup namespace", "name", name)
		}
		if ns, ok := unescapeDir(name); ok && slices.Contains(nss, ns) {
			dir = &nsDir{fsys: r.fsys, dbNS: ns}
		} else if repo.IsAPINamespace(name) {
			db, _ := repo.TranslateAPI2DB(name, "")
			if slices.Contains(nss, db) {
				dir = &nsDir{fsys: r.fsys, dbNS: db, apiNS: name}
			}
		}
	}
	if dir == nil {
		// The namespace may be in a source that is down (a federation
		// member): then it is unavailable, not missing.
		if err := repo.CheckHealth(ctx, r.fsys.src); errors.Is(err, repo.ErrUnavailable) {
			return nil, r.fsys.errno(err, "lookup namespace", "name", name)
		}
		return nil, syscall.ENOENT
	}
	dir.name = name
	dir.sidecarDir = sidecarDir{fsys: r.fsys, node: &dir.Inode, rel: name, virtual: dir.isVirtual}
	dir.dirAttr(&out.Attr)
	return r.NewInode(ctx, dir, gofs.StableAttr{Mode: syscall.S_IFDIR}), 0
}

// Readdir lists DigestDir, CollectionDir, every namespace, and the API
// names (refseq, ensembl, lrg, ga4gh, sha512t24u) whose DB namespace
// exists, since lookups accept them too.
func (r *rootNode) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	nss, err := r.fsys.namespaces(ctx)
	if err != nil {
		return nil, r.fsys.errno(err, "list namespaces")
	}
	entries := make([]fuse.DirEntry, 0, len(nss)+2)
	seen := make(map[string]bool, cap(entries))
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			entries = append(entries, fuse.DirEntry{Name: name, Mode: syscall.S_IFDIR, Ino: nameIno(name)})
		}
	}
	add(DigestDir)
	add(CollectionDir)
	for _, ns := range nss {
		add(escapeDir(ns))
	}
	for api := range repo.APINamespaces() {
		if db, _ := repo.TranslateAPI2DB(api, ""); slices.Contains(nss, db) {
			add(api)
		}
	}
	return gofs.NewListDirStream(entries), 0
}

// nsDir is one namespace directory, or DigestDir.
type nsDir struct {
	gofs.Inode
	sidecarDir
	fsys   *FS
	name   string // directory name as looked up
	dbNS   string // DB-form namespace
	apiNS  string // API name used for lookups (refseq, ga4gh, …), or ""
	digest bool   // DigestDir: names are SQ.<seq_id>
}

var (
	_ gofs.NodeLookuper       = (*nsDir)(nil)
	_ gofs.NodeOpendirHandler = (*nsDir)(nil)
	_ gofs.NodeGetattrer      = (*nsDir)(nil)
)

// Getattr reports the directory.
func (d *nsDir) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.dirAttr(&out.Attr)
	return 0
}

// toDB maps an alias as named in this directory to its DB form; ok is
// false when the name cannot exist here.
func (d *nsDir) toDB(alias string) (string, bool) {
	switch d.apiNS {
	case "":
		return alias, true
	case "ga4gh":
		if !strings.HasPrefix(alias, "SQ.") {
			return "", false
		}
	}
	_, al := repo.TranslateAPI2DB(d.apiNS, alias)
	return al, true
}

// fromDB maps a stored alias to its name in this directory; ok is false
// when the alias does not appear here.
func (d *nsDir) fromDB(alias string) (string, bool) {
	return repo.TranslateAliasDB2API(d.apiNS, alias)
}

// resolve finds the seq_id and the real alias a parsed name stands for.
func (d *nsDir) resolve(ctx context.Context, p parsedName) (seqID, alias string, err error) {
	if d.digest {
		id, ok := strings.CutPrefix(p.alias, "SQ.")
		if !ok || p.long() || id == "" {
			return "", "", &repo.NotFoundError{Alias: p.stem, Namespace: DigestDir}
		}
		return id, p.alias, nil
	}
	notFound := &repo.NotFoundError{Alias: p.alias, Namespace: d.dbNS}
	if !p.long() {
		dbAlias, ok := d.toDB(p.alias)
		if !ok {
			return "", "", notFound
		}
		ids, err := d.fsys.findExact(ctx, d.dbNS, dbAlias)
		switch {
		case err != nil:
			return "", "", err
		case len(ids) == 0:
			return "", "", notFound
		case len(ids) > 1:
			slices.Sort(ids)
			return "", "", &repo.AmbiguousError{Alias: dbAlias, Namespace: d.dbNS, Candidates: ids}
		}
		return ids[0], p.alias, nil
	}
	// Long name: search by prefix, keep the alias whose stem is the name.
	dbPrefix, ok := d.toDB(p.alias)
	if !ok {
		return "", "", notFound
	}
	q := repo.AliasQuery{Namespace: likeExact(d.dbNS), Alias: likePrefix(dbPrefix)}
	for a, err := range d.fsys.src.FindAliases(ctx, q) {
		if err != nil {
			return "", "", fmt.Errorf("find aliases %s:%s…: %w", d.dbNS, dbPrefix, err)
		}
		if a.Namespace != d.dbNS {
			continue
		}
		if name, ok := d.fromDB(a.Alias); ok && p.matches(name) {
			return a.SeqID, name, nil
		}
	}
	return "", "", notFound
}

// Lookup resolves <alias>.<suffix> to a file.
func (d *nsDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if ch := d.GetChild(name); ch != nil && !isSidecar(ch) {
		// Still alive for an open file after the kernel dropped its
		// entry: the kernel makes a new entry for it.
		if fn, ok := ch.Operations().(*fileNode); ok {
			fn.fillAttr(&out.Attr)
		}
		d.fsys.pruner.add(&d.Inode, ch, name)
		return ch, 0
	}
	p, ok := parseName(name)
	if !ok {
		return d.lookupSidecar(ctx, name, out)
	}
	seqID, alias, err := d.resolve(ctx, p)
	if errors.Is(err, repo.ErrNotFound) {
		return d.lookupSidecar(ctx, name, out)
	}
	if err != nil {
		return nil, d.fsys.errno(err, "lookup", "dir", d.name, "name", name)
	}
	fn, err := d.fsys.newFile(ctx, seqID, alias, p.kind, d.name+"/"+p.stem+suffixes[kindFasta])
	if err != nil {
		return nil, d.fsys.errno(err, "lookup", "dir", d.name, "name", name, "seq_id", seqID)
	}
	fn.fillAttr(&out.Attr)
	d.fsys.liveFiles.Add(1)
	ch := d.NewInode(ctx, fn, gofs.StableAttr{Mode: syscall.S_IFREG})
	d.fsys.pruner.add(&d.Inode, ch, name)
	return ch, 0
}

// OpendirHandle opens a streaming listing of the directory.
func (d *nsDir) OpendirHandle(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	// The listing never changes while mounted (unless sidecar files
	// come and go): let the kernel cache it.
	return d.opendir(&dirStream{fsys: d.fsys, dir: d.name, open: d.names}, fuse.FOPEN_CACHE_DIR|fuse.FOPEN_KEEP_CACHE)
}

// names streams the alias names of the directory, in source order.
func (d *nsDir) names(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if d.digest {
			for info, err := range d.fsys.src.Sequences(ctx) {
				if err != nil {
					yield("", fmt.Errorf("list sequences: %w", err))
					return
				}
				info.Alphabet = ""
				d.fsys.infos.put(info.SeqID, info)
				if !yield("SQ."+info.SeqID, nil) {
					return
				}
			}
			return
		}
		for a, err := range d.fsys.src.NamespaceAliases(ctx, d.dbNS) {
			if err != nil {
				yield("", fmt.Errorf("list namespace %s: %w", d.dbNS, err))
				return
			}
			// Prime the lookup cache: a listing is often followed by
			// lookups of the names it returned.
			d.fsys.aliases.put(a.Namespace+"\x00"+a.Alias, a.SeqID)
			if name, ok := d.fromDB(a.Alias); ok {
				if !yield(name, nil) {
					return
				}
			}
		}
	}
}

// nameIno is the inode number reported in listings (lookups assign their
// own); it is never 0, which some tools treat as a deleted entry.
func nameIno(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64() | 1
}

// dirStream streams a namespace listing: the source's alias iterator is
// pulled one alias at a time across READDIR calls, so memory stays flat
// however large the namespace is.
type dirStream struct {
	fsys  *FS
	dir   string
	open  func(ctx context.Context) iter.Seq2[string, error]
	kinds []fileKind // suffixes listed per name; nil means listedKinds

	mu     sync.Mutex
	cancel context.CancelFunc
	next   func() (string, error, bool)
	stop   func()
	stem   string
	ki     int    // next index into kinds for stem
	off    uint64 // entries returned so far
	done   bool
}

var (
	_ gofs.FileReaddirenter = (*dirStream)(nil)
	_ gofs.FileSeekdirer    = (*dirStream)(nil)
	_ gofs.FileReleasedirer = (*dirStream)(nil)
)

func (s *dirStream) start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.next, s.stop = iter.Pull2(s.open(ctx))
	if s.kinds == nil {
		s.kinds = listedKinds
	}
	s.ki = len(s.kinds)
	s.off = 0
	s.done = false
}

func (s *dirStream) close() {
	if s.stop != nil {
		s.stop()
		s.cancel()
		s.next, s.stop, s.cancel = nil, nil, nil
	}
}

// Readdirent returns the next entry, or nil at the end.
func (s *dirStream) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readdirent()
}

func (s *dirStream) readdirent() (*fuse.DirEntry, syscall.Errno) {
	if s.next == nil {
		s.start()
	}
	for s.ki >= len(s.kinds) {
		if s.done {
			return nil, 0
		}
		name, err, ok := s.next()
		if !ok {
			s.done = true
			return nil, 0
		}
		if err != nil {
			s.done = true
			if errors.Is(err, repo.ErrUnsupported) {
				return nil, 0 // a source that cannot enumerate lists nothing
			}
			return nil, s.fsys.errno(err, "readdir", "dir", s.dir)
		}
		s.stem, s.ki = EscapeStem(name), 0
	}
	name := s.stem + suffixes[s.kinds[s.ki]]
	s.ki++
	s.off++
	return &fuse.DirEntry{Name: name, Mode: syscall.S_IFREG, Ino: nameIno(name), Off: s.off}, 0
}

// Seekdir restarts the listing at entry off (a telldir offset).
func (s *dirStream) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next != nil && off == s.off {
		return 0
	}
	s.close()
	s.start()
	for s.off < off {
		e, errno := s.readdirent()
		if errno != 0 {
			return errno
		}
		if e == nil {
			break
		}
	}
	return 0
}

// Releasedir stops the source's iterator.
func (s *dirStream) Releasedir(ctx context.Context, releaseFlags uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.close()
}

// fileNode is one virtual file of an alias: .fa, .fa.fai, .dict or .seq.
type fileNode struct {
	gofs.Inode
	readOnly
	fsys   *FS
	kind   fileKind
	seqID  string
	length int64
	added  time.Time
	layout Layout
	text   []byte // content of .fa.fai files, and of .dict files once read

	// A .dict's size is known without its MD5 (always 32 hex digits); the
	// digest is looked up only when the content is first read.
	dictMu   sync.Mutex
	dictName string // SN
	dictUR   string // UR, or ""
}

var (
	_ gofs.NodeGetattrer   = (*fileNode)(nil)
	_ gofs.NodeOpener      = (*fileNode)(nil)
	_ gofs.NodeReader      = (*fileNode)(nil)
	_ gofs.NodeOnForgetter = (*fileNode)(nil)
)

// OnForget counts the node as freed: the kernel forgot it and go-fuse
// dropped it from the tree.
func (n *fileNode) OnForget() { n.fsys.liveFiles.Add(-1) }

// newFile builds the node of one file; relFa is the path of the alias's
// .fa relative to the mount (for the .dict UR field).
func (f *FS) newFile(ctx context.Context, seqID, alias string, kind fileKind, relFa string) (*fileNode, error) {
	info, err := f.info(ctx, seqID)
	if err != nil {
		return nil, err
	}
	n := &fileNode{fsys: f, kind: kind, seqID: seqID, length: info.Length, added: info.Added,
		layout: NewLayout(alias, info.Length, f.width)}
	switch kind {
	case kindFai:
		n.text = []byte(n.layout.Fai(FaiName(alias)))
	case kindDict, kindFaDict:
		n.dictName = FaiName(alias)
		if f.mountPoint != "" {
			n.dictUR = f.mountPoint + "/" + relFa
		}
	}
	return n, nil
}

// md5HexLen is the length of an MD5 digest in hex, as M5 holds it.
const md5HexLen = len(md5Placeholder)

// Dict returns a SAM-header sequence dictionary for one sequence, as
// samtools dict writes it; ur (an absolute path) is left out when empty,
// and is written as a file:// URI with every byte a URI path cannot hold
// (spaces, '%', '#', '?', controls, non-ASCII) percent-encoded.
func Dict(name string, length int64, md5 string, ur string) string {
	return dictHeader + dictLine(name, length, md5, ur)
}

// dictText returns the .dict content, looking the MD5 up on first use.
func (n *fileNode) dictText(ctx context.Context) ([]byte, error) {
	n.dictMu.Lock()
	defer n.dictMu.Unlock()
	if n.text == nil {
		sum, err := n.fsys.MD5(ctx, n.seqID)
		if err != nil {
			return nil, err
		}
		if len(sum) != md5HexLen {
			return nil, repo.Corrupt("MD5 of "+n.seqID, fmt.Errorf("digest %q is not %d hex digits", sum, md5HexLen))
		}
		n.text = []byte(Dict(n.dictName, n.length, sum, n.dictUR))
	}
	return n.text, nil
}

func (n *fileNode) size() int64 {
	switch n.kind {
	case kindFasta:
		return n.layout.Size()
	case kindSeq:
		return n.length
	case kindDict, kindFaDict:
		return int64(len(Dict(n.dictName, n.length, strings.Repeat("0", md5HexLen), n.dictUR)))
	}
	return int64(len(n.text))
}

func (n *fileNode) fillAttr(out *fuse.Attr) {
	out.Mode = syscall.S_IFREG | 0o444
	out.Nlink = 1
	out.Size = uint64(n.size())
	out.Blocks = (out.Size + 511) / 512
	out.Blksize = 1 << 16
	out.Uid, out.Gid = uint32(syscall.Getuid()), uint32(syscall.Getgid())
	if !n.added.IsZero() {
		t := n.added
		out.SetTimes(&t, &t, &t)
	}
}

// Getattr reports a read-only file with its exact size.
func (n *fileNode) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.fillAttr(&out.Attr)
	return 0
}

// Open refuses writing and lets the kernel keep cached pages across opens.
func (n *fileNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND|syscall.O_CREAT) != 0 {
		return nil, 0, syscall.EROFS
	}
	return nil, fuse.FOPEN_KEEP_CACHE, 0
}

// Read serves bytes [off, off+len(dest)) with one subsequence fetch.
func (n *fileNode) Read(ctx context.Context, fh gofs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	fetch := func(p []byte, start int64) error {
		return repo.ReadFull(ctx, n.fsys.src, n.seqID, p, start)
	}
	switch n.kind {
	case kindFasta:
		c, err := n.layout.ReadAt(dest, off, fetch)
		if err != nil {
			return nil, n.fsys.errno(err, "read", "seq_id", n.seqID, "offset", off, "size", len(dest))
		}
		return fuse.ReadResultData(dest[:c]), 0
	case kindSeq:
		if off >= n.length {
			return fuse.ReadResultData(nil), 0
		}
		c := min(int64(len(dest)), n.length-off)
		if err := fetch(dest[:c], off); err != nil {
			return nil, n.fsys.errno(err, "read", "seq_id", n.seqID, "offset", off, "size", c)
		}
		return fuse.ReadResultData(dest[:c]), 0
	}
	text := n.text
	if n.kind == kindDict || n.kind == kindFaDict {
		var err error
		if text, err = n.dictText(ctx); err != nil {
			return nil, n.fsys.errno(err, "read", "seq_id", n.seqID, "file", "dict")
		}
	}
	if off >= int64(len(text)) {
		return fuse.ReadResultData(nil), 0
	}
	end := min(off+int64(len(dest)), int64(len(text)))
	return fuse.ReadResultData(text[off:end]), 0
}
