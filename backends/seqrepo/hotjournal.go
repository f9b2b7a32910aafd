package seqrepo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A writer killed inside its commit (or anywhere inside a transaction)
// leaves a "hot" rollback journal next to a database, and for SeqRepo's
// two-database commits a super-journal (aliases.sqlite3-mj…) beside
// aliases.sqlite3. SQLite rolls a hot journal back on the next open, which
// needs write access: a read-only connection fails with "attempt to write
// a readonly database", and an immutable one reads the half-written pages
// ("database disk image is malformed", or worse, wrong rows).
//
// Readers never write the instance. Instead, when a database has a hot
// journal, Open reads it through a journalOverlay: the database file with
// the original pages saved in the journal laid over it and its size cut to
// the size before the transaction, which is exactly what SQLite's rollback
// would write. Readers so see the last committed state, the journal is
// read once (its page offsets), and nothing is copied. The next writer
// (`seqfs load`, `seqfs recover`) rolls the journal back for real.
//
// The journal format is SQLite's (https://www.sqlite.org/fileformat.html,
// "The Rollback Journal"): segments of a header (magic, page count, checksum
// nonce, original database size in pages, sector size, page size; padded
// to the sector size) followed by records (page number, page, checksum),
// and optionally, at the end, the super-journal name. SQLite takes a
// journal as hot, and refuses read-only connections, when its first byte
// is not zero and no live process holds the database's RESERVED lock; it
// plays the pages back only if the journal starts with a valid header and
// the super-journal it names (if any) still exists (once the super-journal
// is deleted the commit has happened and the database file is current).

// journalMagic starts every rollback journal header.
var journalMagic = []byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}

// SQLite's lock bytes (os.h): RESERVED is held by a writer from its first
// write until its transaction ends.
const (
	sqlitePendingByte  = 0x40000000
	sqliteReservedByte = sqlitePendingByte + 1
)

// HotJournalError reports a database whose interrupted transaction readers
// cannot see past; its message says what to run.
type HotJournalError struct {
	DB      string // the database
	Journal string // its hot journal
	Err     error
}

func (e *HotJournalError) Error() string {
	return fmt.Sprintf("%s: a writer was killed inside a transaction and its rollback journal %s cannot be read past (%v); "+
		"recover the instance as a user who can write it: seqfs recover %s", e.DB, e.Journal, e.Err, filepath.Dir(instanceOf(e.DB)))
}

func (e *HotJournalError) Unwrap() error { return e.Err }

// instanceOf returns a path inside the instance directory holding db (the
// sequence database lives one level down), so that filepath.Dir of it is
// the instance.
func instanceOf(db string) string {
	if filepath.Base(db) == SeqInfoDBFile {
		return filepath.Dir(db)
	}
	return db
}

// journalOverlay is a database file read as its rollback would leave it.
type journalOverlay struct {
	db, journal *os.File
	size        int64           // database size before the transaction
	pageSize    int64           // bytes per page
	pages       map[int64]int64 // page number (from 1) -> offset of the saved page in the journal
}

// ReadAt implements sqlitevfs.File.
func (o *journalOverlay) ReadAt(p []byte, off int64) (int, error) {
	if off >= o.size {
		return 0, io.EOF
	}
	want := p[:min(int64(len(p)), o.size-off)]
	n, err := o.db.ReadAt(want, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, err
	}
	clear(want[n:]) // pages past the end of the database file read as zeroes
	for pg := off / o.pageSize; pg*o.pageSize < off+int64(len(want)); pg++ {
		joff, ok := o.pages[pg+1]
		if !ok {
			continue
		}
		lo := max(off, pg*o.pageSize)
		hi := min(off+int64(len(want)), (pg+1)*o.pageSize)
		if _, err := o.journal.ReadAt(want[lo-off:hi-off], joff+lo-pg*o.pageSize); err != nil {
			return 0, fmt.Errorf("read %s: %w", o.journal.Name(), err)
		}
	}
	if len(want) < len(p) {
		return len(want), io.EOF
	}
	return len(want), nil
}

// Size implements sqlitevfs.File.
func (o *journalOverlay) Size() int64 { return o.size }

// Close closes both files.
func (o *journalOverlay) Close() error {
	return errors.Join(o.db.Close(), o.journal.Close())
}

// openHotJournal returns an overlay of dbPath at its last committed state
// if it has a journal that SQLite takes as hot (not empty, first byte not
// zero, no live writer), nil if it has none. An error means a hot journal
// that cannot be read.
func openHotJournal(dbPath string) (*journalOverlay, error) {
	jpath := dbPath + "-journal"
	st, err := os.Stat(jpath)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return nil, nil
	}
	hotErr := func(err error) error { return &HotJournalError{DB: dbPath, Journal: jpath, Err: err} }
	if err != nil {
		return nil, hotErr(err)
	}
	j, err := os.Open(jpath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil // a writer has just finished
		}
		return nil, hotErr(err)
	}
	first := make([]byte, 1)
	if _, err := j.ReadAt(first, 0); err != nil || first[0] == 0 {
		j.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, hotErr(err)
		}
		return nil, nil // SQLite ignores a journal that starts with a zero byte
	}
	// A live writer holds the RESERVED lock from its first change to the
	// end of its transaction: then the journal is its own, and SQLite's
	// locking applies. The lock is looked up in /proc/locks, not with
	// fcntl on a descriptor of our own: closing that descriptor would drop
	// the POSIX locks this process's SQLite connections hold on the file.
	if live, err := reservedLockHeld(dbPath); err != nil || live {
		j.Close()
		if err != nil {
			return nil, hotErr(err)
		}
		return nil, nil
	}
	db, err := os.Open(dbPath)
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("open %s: %w", dbPath, err)
	}
	o, err := readJournal(db, j, st.Size())
	if err != nil {
		db.Close()
		j.Close()
		return nil, hotErr(err)
	}
	return o, nil
}

// reservedLockHeld reports whether a process holds a write lock on the
// RESERVED byte of the database at path (a live writer), from the POSIX
// and open-file-description locks listed in /proc/locks.
func reservedLockHeld(path string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return false, fmt.Errorf("stat %s: no device and inode", path)
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return false, fmt.Errorf("read the lock table: %w", err)
	}
	dev := uint64(sys.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^uint64(0xfff)
	minor := dev&0xff | (dev>>12)&^uint64(0xff)
	return locksReserved(string(locks), fmt.Sprintf("%02x:%02x:%d", major, minor, sys.Ino)), nil
}

// locksReserved reports whether a /proc/locks listing holds a granted
// write lock of the file id ("MAJ:MIN:INODE", as the listing writes it)
// covering SQLite's RESERVED byte. Lines look like
// "1: POSIX  ADVISORY  WRITE 3384 fd:01:1705994 1073741825 1073741825";
// waiting requests have "->" after the number.
func locksReserved(listing, id string) bool {
	for _, line := range strings.Split(listing, "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || f[1] == "->" || (f[1] != "POSIX" && f[1] != "OFDLCK") || f[3] != "WRITE" || f[5] != id {
			continue
		}
		start, err1 := strconv.ParseInt(f[6], 10, 64)
		end, err2 := strconv.ParseInt(f[7], 10, 64)
		if f[7] == "EOF" {
			end, err2 = math.MaxInt64, nil
		}
		if err1 == nil && err2 == nil && start <= sqliteReservedByte && sqliteReservedByte <= end {
			return true
		}
	}
	return false
}

// readJournal parses a rollback journal of size jsize whose first byte is
// not zero (which SQLite takes as hot, refusing read-only connections) and
// returns the overlay that reads the database as its rollback would leave
// it: with no pages replaced when there is nothing to play back (no valid
// header, or the super-journal is gone: the commit happened).
func readJournal(db, j *os.File, jsize int64) (*journalOverlay, error) {
	o := &journalOverlay{db: db, journal: j, pages: map[int64]int64{}}
	asIs := func() (*journalOverlay, error) {
		st, err := db.Stat()
		if err != nil {
			return nil, fmt.Errorf("stat %s: %w", db.Name(), err)
		}
		clear(o.pages)
		o.size, o.pageSize = st.Size(), 4096
		return o, nil
	}
	if super, err := superJournalName(j, jsize); err != nil {
		return nil, err
	} else if super != "" {
		if _, err := os.Stat(super); errors.Is(err, os.ErrNotExist) {
			return asIs() // the super-journal is gone: the commit happened
		} else if err != nil {
			return nil, fmt.Errorf("super-journal %s: %w", super, err)
		}
	}
	hdr := make([]byte, 28)
	for off, first := int64(0), true; off+28 <= jsize; first = false {
		if _, err := j.ReadAt(hdr, off); err != nil {
			return nil, fmt.Errorf("read %s at %d: %w", j.Name(), off, err)
		}
		if !bytes.Equal(hdr[:8], journalMagic) {
			if first {
				return asIs() // no valid header: nothing to play back
			}
			break
		}
		nRec := int64(binary.BigEndian.Uint32(hdr[8:]))
		cksum := binary.BigEndian.Uint32(hdr[12:])
		mxPg := int64(binary.BigEndian.Uint32(hdr[16:]))
		sector := int64(binary.BigEndian.Uint32(hdr[20:]))
		pageSize := int64(binary.BigEndian.Uint32(hdr[24:]))
		if first {
			if pageSize < 512 || pageSize > 65536 || pageSize&(pageSize-1) != 0 {
				return nil, fmt.Errorf("%s: page size %d in the journal header", j.Name(), pageSize)
			}
			o.pageSize, o.size = pageSize, mxPg*pageSize
		} else if pageSize != o.pageSize {
			break
		}
		if sector < 32 || sector > 65536 || sector&(sector-1) != 0 {
			return nil, fmt.Errorf("%s: sector size %d in the journal header", j.Name(), sector)
		}
		off += sector
		recSize := 8 + pageSize
		if nRec == 0xffffffff {
			nRec = (jsize - off) / recSize
		}
		done, err := o.readRecords(off, nRec, cksum, jsize)
		if err != nil {
			return nil, err
		}
		off += nRec * recSize
		if done {
			break
		}
		off = (off + sector - 1) / sector * sector
	}
	if o.pageSize == 0 {
		return asIs() // shorter than a header
	}
	return o, nil
}

// readRecords notes the pages of one journal segment; done reports that
// playback would stop here (the end of the file, the super-journal record
// or a record whose checksum fails, which SQLite treats as the end).
func (o *journalOverlay) readRecords(off, nRec int64, cksumInit uint32, jsize int64) (done bool, err error) {
	lockPage := sqlitePendingByte/o.pageSize + 1
	page := make([]byte, o.pageSize+8)
	for k := int64(0); k < nRec; k++ {
		roff := off + k*int64(len(page))
		if roff+int64(len(page)) > jsize {
			return true, nil
		}
		if _, err := o.journal.ReadAt(page, roff); err != nil {
			return false, fmt.Errorf("read %s at %d: %w", o.journal.Name(), roff, err)
		}
		pgno := int64(binary.BigEndian.Uint32(page))
		if pgno == 0 || pgno == lockPage {
			return true, nil
		}
		data := page[4 : 4+o.pageSize]
		sum := cksumInit
		for i := o.pageSize - 200; i > 0; i -= 200 {
			sum += uint32(data[i])
		}
		if sum != binary.BigEndian.Uint32(page[4+o.pageSize:]) {
			return true, nil
		}
		o.pages[pgno] = roff + 4
	}
	return false, nil
}

// superJournalName returns the super-journal recorded at the end of a
// journal, or "" if there is none: [page number][name][name length]
// [name checksum][magic].
func superJournalName(j *os.File, jsize int64) (string, error) {
	if jsize < 16 {
		return "", nil
	}
	tail := make([]byte, 16)
	if _, err := j.ReadAt(tail, jsize-16); err != nil {
		return "", fmt.Errorf("read %s: %w", j.Name(), err)
	}
	if !bytes.Equal(tail[8:], journalMagic) {
		return "", nil
	}
	n := int64(binary.BigEndian.Uint32(tail))
	if n <= 0 || n > 4096 || n+16 > jsize {
		return "", nil
	}
	name := make([]byte, n)
	if _, err := j.ReadAt(name, jsize-16-n); err != nil {
		return "", fmt.Errorf("read %s: %w", j.Name(), err)
	}
	var sum uint32
	for _, c := range name {
		sum += uint32(int8(c))
	}
	if sum != binary.BigEndian.Uint32(tail[4:]) {
		return "", nil
	}
	return strings.TrimRight(string(name), "\x00"), nil
}
