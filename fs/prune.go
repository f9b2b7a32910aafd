package fs

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// DefaultMaxNodes is the number of looked-up files whose kernel entries
// the daemon lets the kernel keep when Options.MaxNodes is 0.
const DefaultMaxNodes = 50_000

// MaxNodesEnv names the environment variable from which the seqfs command
// takes Options.MaxNodes (for tests and tuning without a flag); this
// package reads no environment.
const MaxNodesEnv = "SEQFS_FS_MAX_NODES"

// pruneBatch is the most nodes named in one prune notification.
const pruneBatch = 1024

// dentry is one entry the kernel looked up: the node it got for name in
// dir.
type dentry struct {
	dir, node *gofs.Inode
	name      string
}

// pruner bounds the number of file nodes alive in the daemon.
//
// Every lookup makes the kernel create a dentry and go-fuse an Inode (plus
// our fileNode) that lives until the kernel sends FORGET, which it does
// only when it evicts the dentry: under memory pressure, hours later. An
// `ls -l` of a namespace of a million aliases looks up four million names.
// The pruner remembers looked-up entries in order and, beyond max of them,
// asks the kernel to drop the oldest; the kernel evicts each inode unless
// it is in use (an open file keeps it and stays readable) and sends
// FORGET, and go-fuse frees the node. A later lookup of the same name
// simply builds the node again.
//
// Kernels with FUSE protocol 7.45 (Linux 6.18) take a batch of nodes per
// FUSE_NOTIFY_PRUNE, which takes no directory lock. Older kernels get one
// FUSE_NOTIFY_INVAL_ENTRY per entry, which the kernel handles by taking
// the directory's inode lock, as a LOOKUP in that directory does until
// its reply: notifying inside a request handler could wait for itself,
// and many concurrent lookups in one directory slow the drain (the bound
// then holds only roughly). So notifications are written from a separate
// goroutine, never from a FUSE request, and nothing waits for that
// goroutine (add only appends under a short mutex).
type pruner struct {
	max int // entries kept; the drain starts above max
	low int // the drain stops at low (<= max), so it runs in batches
	log *slog.Logger

	mu       sync.Mutex
	q        dentryQueue
	draining bool
	noPrune  bool   // the kernel has no FUSE_NOTIFY_PRUNE: invalidate entries
	off      bool   // no kernel to notify (not mounted through go-fuse's server)
	dropped  uint64 // entries the kernel was asked to drop
}

// newPruner returns a pruner keeping max entries; max < 0 means no bound
// (nil pruner).
func newPruner(max int, log *slog.Logger) *pruner {
	if max < 0 {
		return nil
	}
	return &pruner{max: max, low: max - max/8, log: log}
}

// add records that the kernel now has an entry name in dir for node, and
// starts a drain when there are too many. It never blocks on the kernel.
func (p *pruner) add(dir, node *gofs.Inode, name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.off {
		p.mu.Unlock()
		return
	}
	p.q.push(dentry{dir: dir, node: node, name: name})
	start := !p.draining && p.q.len() > p.max
	if start {
		p.draining = true
	}
	p.mu.Unlock()
	if start {
		go p.drain()
	}
}

// drain asks the kernel to drop the oldest entries until at most low
// remain.
func (p *pruner) drain() {
	var batch []dentry
	var nodes []*gofs.Inode
	for {
		p.mu.Lock()
		batch = batch[:0]
		for p.q.len() > p.low && len(batch) < pruneBatch {
			batch = append(batch, p.q.pop())
		}
		if len(batch) == 0 {
			p.draining = false
			p.mu.Unlock()
			return
		}
		p.dropped += uint64(len(batch))
		prune := !p.noPrune
		p.mu.Unlock()

		if prune {
			nodes = nodes[:0]
			for _, d := range batch {
				nodes = append(nodes, d.node)
			}
			errno := nodes[0].NotifyPrune(nodes)
			if errno != syscall.ENOSYS {
				if errno != 0 {
					p.log.Debug("prune nodes", "count", len(nodes), "err", errno)
				}
				continue
			}
			p.mu.Lock()
			p.noPrune = true
			p.mu.Unlock()
		}
		p.invalidate(batch)
	}
}

// entryNotifiers is the number of goroutines that invalidate entries on
// kernels without FUSE_NOTIFY_PRUNE. Each notification waits for the
// directory's inode lock, for which concurrent lookups in the directory
// compete; one goroutine falls behind as few as four concurrent lookups,
// several keep up with many more.
const entryNotifiers = 8

// invalidate asks the kernel to drop each entry of batch.
func (p *pruner) invalidate(batch []dentry) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(entryNotifiers, len(batch)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(batch) {
					return
				}
				d := batch[i]
				// ENOENT: the kernel already dropped the entry
				// (or its directory). Other errors (the mount is
				// gone) leave the node to the kernel's eviction.
				switch errno := d.dir.NotifyEntry(d.name); errno {
				case 0, syscall.ENOENT:
				case syscall.ENOSYS:
					p.mu.Lock()
					p.off = true
					p.q = dentryQueue{}
					p.mu.Unlock()
					return
				default:
					p.log.Debug("invalidate entry", "name", d.name, "err", errno)
				}
			}
		})
	}
	wg.Wait()
}

// dentryQueue is a FIFO of dentries in a ring that grows as needed.
type dentryQueue struct {
	buf  []dentry
	head int // index of the oldest entry
	n    int // number of entries
}

func (q *dentryQueue) len() int { return q.n }

func (q *dentryQueue) push(d dentry) {
	if q.n == len(q.buf) {
		grown := make([]dentry, max(16, 2*len(q.buf)))
		k := copy(grown, q.buf[q.head:])
		copy(grown[k:], q.buf[:q.head])
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = d
	q.n++
}

func (q *dentryQueue) pop() dentry {
	d := q.buf[q.head]
	q.buf[q.head] = dentry{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return d
}
