package fs

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/seqfs/seqfs/internal/flight"
	"github.com/seqfs/seqfs/repo"
)

// DigestDir is the root directory that serves sequences by GA4GH
// identifier: /digest/SQ.<seq_id>.fa and friends.
const DigestDir = "digest"

// DefaultLineWidth is the FASTA line width when Options.LineWidth is 0.
const DefaultLineWidth = 60

// DefaultTimeout is the kernel entry, attribute and negative-lookup cache
// time when Options.Timeout is 0. Content never changes while mounted.
const DefaultTimeout = time.Hour

// namespaceTTL bounds how long the namespace list is reused.
const namespaceTTL = time.Minute

// Options configure the file system.
type Options struct {
	// LineWidth is the number of residues per FASTA line (default 60).
	LineWidth int
	// MountPoint is the absolute path of the mount, used in the UR field
	// of .dict files (file://MOUNT/ns/alias.fa). Empty leaves UR out.
	MountPoint string
	// Timeout is how long the kernel caches entries, attributes and
	// failed lookups (default DefaultTimeout).
	Timeout time.Duration
	// Logger receives errors that cannot be returned to a caller in full
	// (the kernel sees only an errno). Default slog.Default().
	Logger *slog.Logger
	// Generation, when set, returns a token that changes whenever the
	// source's aliases or sequences change (a writable instance that a
	// `load` may extend while mounted). The mount then checks it every
	// ChangePoll, drops cached listings when it changes, and lets the
	// kernel keep failed lookups only for ChangePoll, so new names appear
	// within about two seconds. Nil means the content never changes.
	Generation func() string
	// MaxNodes bounds how many looked-up files the daemon keeps nodes
	// for: beyond it, the kernel is asked to drop its oldest entries
	// (files in use stay), so that `ls -l` of a huge namespace holds
	// memory flat. 0 means DefaultMaxNodes; negative means no bound.
	MaxNodes int
	// SidecarDir, when set, makes the tree writable for new files: files
	// that tools create beside the served ones (bwa index, .seqkit.fai,
	// temporary files) are kept in this directory at the same relative
	// path and served back; the served files stay read-only.
	SidecarDir string
}

// FS is the file system over one source. It is safe for concurrent use.
type FS struct {
	src        repo.Source
	width      int
	mountPoint string
	timeout    time.Duration
	log        *slog.Logger

	nsMu   sync.Mutex
	nsList []string
	nsAt   time.Time

	md5s *fifoCache[string]   // seq_id → lowercase hex MD5
	sf   flight.Group[string] // MD5 computations shared by concurrent readers

	infos   *fifoCache[repo.Info] // seq_id → Info
	aliases *fifoCache[string]    // namespace NUL alias (DB form) → seq_id

	colls   *collCache // collections by digest, names seen in listings
	sidecar *sidecar   // nil: read-only

	pruner    *pruner      // nil when MaxNodes < 0
	liveFiles atomic.Int64 // file nodes made by lookups and not yet forgotten
}

// Sizes of the lookup caches.
const (
	infoCacheSize  = 4096
	aliasCacheSize = 16384
	md5CacheSize   = 16384
)

// New returns a file system serving src. It does not take ownership of src.
func New(src repo.Source, opts Options) (*FS, error) {
	if opts.LineWidth == 0 {
		opts.LineWidth = DefaultLineWidth
	}
	if opts.LineWidth < 1 {
		return nil, fmt.Errorf("line width %d: must be at least 1", opts.LineWidth)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxNodes == 0 {
		opts.MaxNodes = DefaultMaxNodes
	}
	sc, err := newSidecar(opts.SidecarDir, opts.MountPoint)
	if err != nil {
		return nil, err
	}
	return &FS{src: src, colls: newCollCache(), sidecar: sc, width: opts.LineWidth, mountPoint: strings.TrimSuffix(opts.MountPoint, "/"),
		timeout: opts.Timeout, log: opts.Logger,
		infos: newFIFOCache[repo.Info](infoCacheSize), aliases: newFIFOCache[string](aliasCacheSize),
		md5s: newFIFOCache[string](md5CacheSize), pruner: newPruner(opts.MaxNodes, opts.Logger),
	}, nil
}

// Root returns the root directory node to mount.
func (f *FS) Root() gofs.InodeEmbedder { return &rootNode{fsys: f} }

// errno maps a source error to the errno the kernel sees, logging the
// ones that are failures rather than answers.
func (f *FS) errno(err error, op string, args ...any) syscall.Errno {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, repo.ErrNotFound):
		return syscall.ENOENT
	case errors.Is(err, context.Canceled):
		return syscall.EINTR
	case errors.Is(err, repo.ErrUnsupported):
		return syscall.ENOTSUP
	case errors.Is(err, repo.ErrAmbiguous):
		f.log.Warn(op, append(args, "err", err)...)
		return syscall.ENOTUNIQ
	}
	f.log.Error(op, append(args, "err", err)...)
	return syscall.EIO
}

// namespaces returns the source's namespaces, cached for a minute.
func (f *FS) namespaces(ctx context.Context) ([]string, error) {
	f.nsMu.Lock()
	defer f.nsMu.Unlock()
	if f.nsList != nil && time.Since(f.nsAt) < namespaceTTL {
		return f.nsList, nil
	}
	list, err := f.src.Namespaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	if list == nil {
		list = []string{}
	}
	f.nsList, f.nsAt = list, time.Now()
	return list, nil
}

// likeExact returns an AliasQuery field that matches at least s itself.
// AliasQuery treats a field containing '%' as a LIKE pattern; a string used
// as a LIKE pattern always matches itself ('%' matches the literal '%', '_'
// any single character, letters ignore ASCII case), so callers query with
// the value unchanged and filter the results for exact equality.
func likeExact(s string) string { return s }

// likePrefix is a LIKE pattern matching at least every string that starts
// with prefix (callers filter the results).
func likePrefix(prefix string) string { return prefix + "%" }

// info returns a sequence's Info, cached.
func (f *FS) info(ctx context.Context, seqID string) (repo.Info, error) {
	if info, ok := f.infos.get(seqID); ok {
		return info, nil
	}
	info, err := f.src.Info(ctx, seqID)
	if err != nil {
		return info, fmt.Errorf("info of %s: %w", seqID, err)
	}
	info.Alphabet = "" // not needed; keep cached entries small
	f.infos.put(seqID, info)
	return info, nil
}

// findExact returns the distinct seq_ids of the current alias ns:alias
// (DB form), matched exactly.
func (f *FS) findExact(ctx context.Context, ns, alias string) ([]string, error) {
	key := ns + "\x00" + alias
	if id, ok := f.aliases.get(key); ok {
		return []string{id}, nil
	}
	var ids []string
	q := repo.AliasQuery{Namespace: likeExact(ns), Alias: likeExact(alias)}
	for a, err := range f.src.FindAliases(ctx, q) {
		if err != nil {
			return nil, fmt.Errorf("find alias %s:%s: %w", ns, alias, err)
		}
		if a.Namespace == ns && a.Alias == alias && !slices.Contains(ids, a.SeqID) {
			ids = append(ids, a.SeqID)
		}
	}
	if len(ids) == 1 {
		f.aliases.put(key, ids[0])
	}
	return ids, nil
}

// MD5 returns the lowercase hex MD5 of a sequence as SAM's M5 field wants
// it: from the sequence's MD5 alias when the source has one, else computed
// by streaming the sequence (bytes outside 33..126 dropped, letters
// uppercased); either way it is cached (the most recent 16,384).
func (f *FS) MD5(ctx context.Context, seqID string) (string, error) {
	if sum, ok := f.md5s.get(seqID); ok {
		return sum, nil
	}
	return f.sf.Do(ctx, seqID, func(ctx context.Context) (string, error) {
		sum, err := f.md5Uncached(ctx, seqID)
		if err == nil {
			f.md5s.put(seqID, sum)
		}
		return sum, err
	})
}

func (f *FS) md5Uncached(ctx context.Context, seqID string) (string, error) {
	// The MD5 alias is the refget digest, which drops every non-letter; SAM's
	// M5 keeps printable ones such as '*' and '-'. They agree when the
	// sequence holds letters only (or its alphabet is unknown).
	info, err := f.src.Info(ctx, seqID)
	if err != nil {
		return "", fmt.Errorf("MD5 of %s: %w", seqID, err)
	}
	lettersOnly := !strings.ContainsFunc(info.Alphabet, func(r rune) bool {
		return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z')
	})
	for a, err := range f.src.FindAliases(ctx, repo.AliasQuery{SeqID: likeExact(seqID), Namespace: "MD5"}) {
		if err != nil {
			return "", fmt.Errorf("MD5 alias of %s: %w", seqID, err)
		}
		if lettersOnly && a.SeqID == seqID && len(a.Alias) == 32 {
			return strings.ToLower(a.Alias), nil
		}
	}
	f.log.Info("computing the SAM M5 digest from the sequence", "seq_id", seqID, "alphabet", info.Alphabet)
	h := md5.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); ; {
		n, err := f.src.ReadSequence(ctx, seqID, buf, off)
		out := buf[:0]
		for _, c := range buf[:n] {
			if c >= 33 && c <= 126 {
				if c >= 'a' && c <= 'z' {
					c -= 'a' - 'A'
				}
				out = append(out, c)
			}
		}
		h.Write(out)
		off += int64(n)
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("MD5 of %s: read at %d: %w", seqID, off, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// dirAttr fills the attributes of a directory.
func dirAttr(out *fuse.Attr) {
	out.Mode = syscall.S_IFDIR | 0o555
	out.Nlink = 2
	out.Uid, out.Gid = uint32(syscall.Getuid()), uint32(syscall.Getgid())
}

// readOnly answers every mutating directory operation with EROFS.
type readOnly struct{}

func (readOnly) Mkdir(context.Context, string, uint32, *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}
func (readOnly) Mknod(context.Context, string, uint32, uint32, *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}
func (readOnly) Create(context.Context, string, uint32, uint32, *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EROFS
}
func (readOnly) Unlink(context.Context, string) syscall.Errno { return syscall.EROFS }
func (readOnly) Rmdir(context.Context, string) syscall.Errno  { return syscall.EROFS }
func (readOnly) Rename(context.Context, string, gofs.InodeEmbedder, string, uint32) syscall.Errno {
	return syscall.EROFS
}
func (readOnly) Symlink(context.Context, string, string, *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}
func (readOnly) Link(context.Context, gofs.InodeEmbedder, string, *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, syscall.EROFS
}
func (readOnly) Setattr(context.Context, gofs.FileHandle, *fuse.SetAttrIn, *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}
func (readOnly) Setxattr(context.Context, string, []byte, uint32) syscall.Errno { return syscall.EROFS }
func (readOnly) Removexattr(context.Context, string) syscall.Errno              { return syscall.EROFS }

// Statfs reports a read-only file system with no free space.
func (readOnly) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	out.Bsize, out.Frsize, out.NameLen = 4096, 4096, MaxNameLen
	return 0
}
