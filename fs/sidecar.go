package fs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// sidecarTTL is how long the kernel caches the entries and attributes of
// sidecar files, which change (tools write, rename and delete them).
const sidecarTTL = time.Second

// sidecar keeps the files that tools create in the tree (bwa index's
// .amb/.ann/.bwt/.pac/.sa, seqkit's .seqkit.fai, a .gzi, temporary files)
// in a real directory, mirroring the tree's paths, and serves them back.
// The served sequence files themselves stay read-only. A nil *sidecar is
// the read-only mount.
type sidecar struct {
	root string // absolute
}

// newSidecar returns the sidecar store at dir, creating the directory; it
// returns nil for an empty dir. The directory must not lie inside the
// mount point (the daemon would wait on itself).
func newSidecar(dir, mountPoint string) (*sidecar, error) {
	if dir == "" {
		return nil, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sidecar dir %s: %w", dir, err)
	}
	if mountPoint != "" {
		if rel, err := filepath.Rel(mountPoint, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return nil, fmt.Errorf("sidecar dir %s is inside the mount point %s: choose a directory outside it", abs, mountPoint)
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("sidecar dir: %w", err)
	}
	return &sidecar{root: abs}, nil
}

// path returns the real path of the sidecar file rel (a path relative to
// the mount).
func (s *sidecar) path(rel string) string { return filepath.Join(s.root, filepath.FromSlash(rel)) }

// sidecarDir gives a directory of the tree the operations that create,
// rename and delete sidecar files; without a sidecar store they answer
// EROFS like readOnly. The embedding directory sets node to its own Inode,
// rel to its path in the mount and virtual to report its served names.
type sidecarDir struct {
	readOnly
	fsys    *FS
	node    *gofs.Inode
	rel     string
	virtual func(ctx context.Context, name string) bool
}

// dirMode is the permission bits of the directory: writable when files
// can be created in it.
func (d *sidecarDir) dirAttr(out *fuse.Attr) {
	dirAttr(out)
	if d.fsys.sidecar != nil {
		out.Mode = syscall.S_IFDIR | 0o755
	}
}

// filePath is the real path of the sidecar file name in this directory.
func (d *sidecarDir) filePath(name string) string {
	return d.fsys.sidecar.path(d.rel + "/" + name)
}

// lookupSidecar returns the sidecar file name, or ENOENT.
func (d *sidecarDir) lookupSidecar(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if d.fsys.sidecar == nil {
		return nil, syscall.ENOENT
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(d.filePath(name), &st); err != nil {
		return nil, gofs.ToErrno(err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, syscall.ENOENT // only regular files are served back
	}
	return d.sidecarEntry(ctx, &st, out), 0
}

// sidecarEntry makes the node of a sidecar file with attributes st.
func (d *sidecarDir) sidecarEntry(ctx context.Context, st *syscall.Stat_t, out *fuse.EntryOut) *gofs.Inode {
	out.Attr.FromStat(st)
	out.SetEntryTimeout(sidecarTTL)
	out.SetAttrTimeout(sidecarTTL)
	return d.node.NewInode(ctx, &sidecarFile{fsys: d.fsys}, gofs.StableAttr{Mode: syscall.S_IFREG, Ino: sidecarIno(st)})
}

// sidecarIno is the inode number of a sidecar file: its real one, with the
// top bit set so that it differs from the numbers of served files (which
// go-fuse allocates counting up from 1 or hashes with the low bit set).
func sidecarIno(st *syscall.Stat_t) uint64 { return st.Ino | 1<<63 }

// listSidecar returns the names of the sidecar files of this directory.
func (d *sidecarDir) listSidecar() ([]fuse.DirEntry, error) {
	if d.fsys.sidecar == nil {
		return nil, nil
	}
	ents, err := os.ReadDir(d.fsys.sidecar.path(d.rel))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list sidecar files: %w", err)
	}
	out := make([]fuse.DirEntry, 0, len(ents))
	for _, e := range ents {
		if e.Type().IsRegular() {
			out = append(out, fuse.DirEntry{Name: e.Name(), Mode: syscall.S_IFREG, Ino: nameIno(d.rel + "/" + e.Name())})
		}
	}
	return out, nil
}

// opendir opens the listing s of the directory, after the sidecar files
// when there is a sidecar store (the kernel may then not cache it: sidecar
// files come and go); cacheFlags are the open flags without one.
func (d *sidecarDir) opendir(s *dirStream, cacheFlags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if d.fsys.sidecar == nil {
		return s, cacheFlags, 0
	}
	extra, err := d.listSidecar()
	if err != nil {
		return nil, 0, d.fsys.errno(err, "readdir", "dir", d.rel)
	}
	return &mergedStream{extra: extra, dirStream: s}, 0, 0
}

// isSidecar reports whether a node is a sidecar file.
func isSidecar(n *gofs.Inode) bool {
	_, ok := n.Operations().(*sidecarFile)
	return ok
}

// Create makes a sidecar file and opens it.
func (d *sidecarDir) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	if d.fsys.sidecar == nil {
		return nil, nil, 0, syscall.EROFS
	}
	if d.virtual(ctx, name) {
		return nil, nil, 0, syscall.EROFS
	}
	p := d.filePath(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, nil, 0, d.fsys.errno(err, "create sidecar dir", "path", p)
	}
	fd, err := syscall.Open(p, int(flags)|syscall.O_CREAT, mode)
	if err != nil {
		return nil, nil, 0, gofs.ToErrno(err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, nil, 0, gofs.ToErrno(err)
	}
	return d.sidecarEntry(ctx, &st, out), gofs.NewLoopbackFile(fd), 0, 0
}

// Unlink deletes a sidecar file; served files cannot be deleted.
func (d *sidecarDir) Unlink(ctx context.Context, name string) syscall.Errno {
	if d.fsys.sidecar == nil {
		return syscall.EROFS
	}
	err := syscall.Unlink(d.filePath(name))
	if errors.Is(err, syscall.ENOENT) && d.virtual(ctx, name) {
		return syscall.EROFS
	}
	return gofs.ToErrno(err)
}

// Rename moves a sidecar file within the tree (a temporary file onto its
// final name, as tools do); served files can be neither source nor
// target.
func (d *sidecarDir) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if d.fsys.sidecar == nil {
		return syscall.EROFS
	}
	to, ok := newParent.(interface{ sidecarOf() *sidecarDir })
	if !ok {
		return syscall.EXDEV
	}
	td := to.sidecarOf()
	if td.virtual(ctx, newName) {
		return syscall.EROFS
	}
	src, dst := d.filePath(name), td.filePath(newName)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return d.fsys.errno(err, "create sidecar dir", "path", dst)
	}
	switch flags {
	case 0:
	case renameNoReplace:
		if _, err := os.Lstat(dst); err == nil {
			return syscall.EEXIST
		}
	default:
		return syscall.EINVAL // RENAME_EXCHANGE, RENAME_WHITEOUT
	}
	err := syscall.Rename(src, dst)
	if errors.Is(err, syscall.ENOENT) && d.virtual(ctx, name) {
		return syscall.EROFS
	}
	return gofs.ToErrno(err)
}

// renameNoReplace is renameat2's RENAME_NOREPLACE flag.
const renameNoReplace = 1

// sidecarOf lets Rename find the sidecar side of a target directory.
func (d *sidecarDir) sidecarOf() *sidecarDir { return d }

// Statfs reports the sidecar store's file system when there is one.
func (d *sidecarDir) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	if d.fsys.sidecar == nil {
		return d.readOnly.Statfs(ctx, out)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(d.fsys.sidecar.root, &st); err != nil {
		return gofs.ToErrno(err)
	}
	out.FromStatfsT(&st)
	return 0
}

// sidecarFile is a file that a tool created in the tree, stored in the
// sidecar directory at the same relative path.
type sidecarFile struct {
	gofs.Inode
	fsys *FS
}

var (
	_ gofs.NodeGetattrer = (*sidecarFile)(nil)
	_ gofs.NodeSetattrer = (*sidecarFile)(nil)
	_ gofs.NodeOpener    = (*sidecarFile)(nil)
)

// realPath is the file's path in the sidecar directory (it follows
// renames: the node's path in the tree is the one the kernel last saw).
func (n *sidecarFile) realPath() string { return n.fsys.sidecar.path(n.Path(nil)) }

// Getattr reports the real file's attributes.
func (n *sidecarFile) Getattr(ctx context.Context, fh gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if g, ok := fh.(gofs.FileGetattrer); ok {
		return g.Getattr(ctx, out)
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(n.realPath(), &st); err != nil {
		return gofs.ToErrno(err)
	}
	out.FromStat(&st)
	out.SetTimeout(sidecarTTL)
	return 0
}

// Setattr truncates, changes the mode or the times of the real file.
func (n *sidecarFile) Setattr(ctx context.Context, fh gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if s, ok := fh.(gofs.FileSetattrer); ok {
		return s.Setattr(ctx, in, out)
	}
	p := n.realPath()
	if sz, ok := in.GetSize(); ok {
		if err := os.Truncate(p, int64(sz)); err != nil {
			return gofs.ToErrno(err)
		}
	}
	if m, ok := in.GetMode(); ok {
		if err := os.Chmod(p, os.FileMode(m&0o7777)); err != nil {
			return gofs.ToErrno(err)
		}
	}
	at, aok := in.GetATime()
	mt, mok := in.GetMTime()
	if aok || mok {
		now := time.Now()
		if !aok {
			at = now
		}
		if !mok {
			mt = now
		}
		if err := os.Chtimes(p, at, mt); err != nil {
			return gofs.ToErrno(err)
		}
	}
	return n.Getattr(ctx, nil, out)
}

// Open opens the real file.
func (n *sidecarFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	fd, err := syscall.Open(n.realPath(), int(flags)&^syscall.O_CREAT, 0)
	if err != nil {
		return nil, 0, gofs.ToErrno(err)
	}
	return gofs.NewLoopbackFile(fd), 0, 0
}

// isVirtual reports whether name is a served file of the namespace.
func (d *nsDir) isVirtual(ctx context.Context, name string) bool {
	p, ok := parseName(name)
	if !ok {
		return false
	}
	_, _, err := d.resolve(ctx, p)
	return err == nil
}
