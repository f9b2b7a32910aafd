package seqrepo

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/seqfs/seqfs/internal/lru"
)

// filePool keeps a bounded number of Storage files open, most recently used
// first. Handles are reference-counted: a file in use is never closed, so
// the bound is exceeded only while more distinct files are being read at
// once; the excess is closed as soon as it is released. The lock is never
// held while opening, reading or closing a file.
type filePool struct {
	storage Storage
	max     int

	mu     sync.Mutex
	files  map[string]*pooledFile
	lru    lru.List[*pooledFile] // front is most recent
	closed bool
}

type pooledFile struct {
	lru.Links[*pooledFile]
	key  string
	f    StorageFile
	refs int
}

var errPoolClosed = errors.New("seqrepo: instance is closed")

func newFilePool(st Storage, maxOpen int) *filePool {
	return &filePool{storage: st, max: max(maxOpen, 1), files: make(map[string]*pooledFile)}
}

// acquire returns the open file for key, opening it if needed. The caller
// must release it.
func (p *filePool) acquire(ctx context.Context, key string) (*pooledFile, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errPoolClosed
	}
	if pf, ok := p.files[key]; ok {
		pf.refs++
		p.lru.MoveToFront(pf)
		p.mu.Unlock()
		return pf, nil
	}
	p.mu.Unlock()

	f, err := p.storage.Open(ctx, key)
	if err != nil {
		return nil, err
	}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		f.Close()
		return nil, errPoolClosed
	}
	if pf, ok := p.files[key]; ok { // another goroutine opened it meanwhile
		pf.refs++
		p.lru.MoveToFront(pf)
		p.mu.Unlock()
		f.Close()
		return pf, nil
	}
	pf := &pooledFile{key: key, f: f, refs: 1}
	p.files[key] = pf
	p.lru.PushFront(pf)
	victims := p.evictLocked()
	p.mu.Unlock()
	closeAll(victims)
	return pf, nil
}

// release gives back a file obtained from acquire.
func (p *filePool) release(pf *pooledFile) {
	p.mu.Lock()
	pf.refs--
	var victims []StorageFile
	if pf.refs == 0 && p.closed {
		victims = append(victims, pf.f)
	} else if !p.closed {
		victims = p.evictLocked()
	}
	p.mu.Unlock()
	closeAll(victims)
}

// evictLocked drops least recently used idle files until the pool is within
// its bound and returns them for closing outside the lock.
func (p *filePool) evictLocked() []StorageFile {
	var victims []StorageFile
	for e := p.lru.Back(); len(p.files) > p.max && e != nil; {
		prev := p.lru.Prev(e)
		if e.refs == 0 {
			p.lru.Remove(e)
			delete(p.files, e.key)
			victims = append(victims, e.f)
		}
		e = prev
	}
	return victims
}

// open returns the number of files currently open.
func (p *filePool) open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.files)
}

// close closes every idle file; files in use are closed when released.
func (p *filePool) close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	var victims []StorageFile
	for k, pf := range p.files {
		if pf.refs == 0 {
			victims = append(victims, pf.f)
		}
		delete(p.files, k)
	}
	p.lru.Clear()
	p.mu.Unlock()
	var errs []error
	for _, f := range victims {
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sequence files: %w", err)
	}
	return nil
}

func closeAll(fs []StorageFile) {
	for _, f := range fs {
		f.Close()
	}
}

// poolReaderAt reads one pooled file through the pool, so a bgzf.Reader
// built on it survives the file being closed and reopened.
type poolReaderAt struct {
	pool *filePool
	key  string
}

func (r *poolReaderAt) ReadAt(b []byte, off int64) (int, error) {
	pf, err := r.pool.acquire(context.Background(), r.key)
	if err != nil {
		return 0, err
	}
	defer r.pool.release(pf)
	return pf.f.ReadAt(b, off)
}
