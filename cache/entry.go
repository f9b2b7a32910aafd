package cache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// On-disk entry format (all integers little-endian):
//
//	offset size field
//	0      8    magic "seqfsCE\x00"
//	8      2    format version (1)
//	10     2    kind (1 block, 2 info, 3 aliases)
//	12     4    key length K
//	16     8    payload length P
//	24     4    CRC-32C of bytes [0,24) ++ key ++ payload
//	28     4    reserved, zero
//	32     K    key
//	32+K   P    payload
//
// A file whose size is not exactly 32+K+P, whose key differs from the one
// looked up, or whose checksum does not match is corrupt.
const (
	entryMagic   = "seqfsCE\x00"
	entryVersion = 1
	headerSize   = 32
	// maxKeyLen bounds keys so that a corrupt header cannot make a reader
	// allocate much.
	maxKeyLen = 64 << 10
)

// Entry kinds.
const (
	kindBlock   = 1
	kindInfo    = 2
	kindAliases = 3
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errEntry is the cause of every entry format error.
var errEntry = errors.New("bad cache entry")

// encodeEntry returns the file content for key and payload.
func encodeEntry(kind uint16, key string, payload []byte) []byte {
	buf := make([]byte, headerSize+len(key)+len(payload))
	copy(buf[headerSize+len(key):], payload)
	return fillEntry(buf, kind, key)
}

// fillEntry writes the header and key into buf, whose tail (after
// headerSize+len(key) bytes) already holds the payload, and returns buf.
func fillEntry(buf []byte, kind uint16, key string) []byte {
	copy(buf, entryMagic)
	binary.LittleEndian.PutUint16(buf[8:], entryVersion)
	binary.LittleEndian.PutUint16(buf[10:], kind)
	binary.LittleEndian.PutUint32(buf[12:], uint32(len(key)))
	binary.LittleEndian.PutUint64(buf[16:], uint64(len(buf)-headerSize-len(key)))
	binary.LittleEndian.PutUint32(buf[28:], 0)
	copy(buf[headerSize:], key)
	binary.LittleEndian.PutUint32(buf[24:], entryCRC(buf))
	return buf
}

func entryCRC(buf []byte) uint32 {
	c := crc32.Update(0, crcTable, buf[:24])
	return crc32.Update(c, crcTable, buf[headerSize:])
}

// entryLen returns the total entry length announced by a header, checking
// the fixed fields.
func entryLen(hdr []byte, kind uint16) (int64, error) {
	if len(hdr) < headerSize {
		return 0, fmt.Errorf("%w: truncated header (%d bytes)", errEntry, len(hdr))
	}
	if string(hdr[:8]) != entryMagic {
		return 0, fmt.Errorf("%w: bad magic %q", errEntry, hdr[:8])
	}
	if v := binary.LittleEndian.Uint16(hdr[8:]); v != entryVersion {
		return 0, fmt.Errorf("%w: unknown version %d", errEntry, v)
	}
	if k := binary.LittleEndian.Uint16(hdr[10:]); k != kind {
		return 0, fmt.Errorf("%w: kind %d, want %d", errEntry, k, kind)
	}
	kl := binary.LittleEndian.Uint32(hdr[12:])
	pl := binary.LittleEndian.Uint64(hdr[16:])
	if kl > maxKeyLen || pl > math.MaxInt32 {
		return 0, fmt.Errorf("%w: implausible lengths key=%d payload=%d", errEntry, kl, pl)
	}
	return headerSize + int64(kl) + int64(pl), nil
}

// decodeEntry verifies a whole entry read from disk and returns its
// payload (a subslice of buf).
func decodeEntry(buf []byte, kind uint16, key string) ([]byte, error) {
	n, err := entryLen(buf, kind)
	if err != nil {
		return nil, err
	}
	if int64(len(buf)) != n {
		return nil, fmt.Errorf("%w: %d bytes, header says %d", errEntry, len(buf), n)
	}
	kl := int(binary.LittleEndian.Uint32(buf[12:]))
	if got := string(buf[headerSize : headerSize+kl]); got != key {
		return nil, fmt.Errorf("%w: holds key %q, want %q", errEntry, got, key)
	}
	if want, got := binary.LittleEndian.Uint32(buf[24:]), entryCRC(buf); want != got {
		return nil, fmt.Errorf("%w: checksum %08x, header says %08x", errEntry, got, want)
	}
	if binary.LittleEndian.Uint32(buf[28:]) != 0 {
		return nil, fmt.Errorf("%w: reserved field not zero", errEntry)
	}
	return buf[headerSize+kl:], nil
}

// Payload codecs. Strings are uvarint-length-prefixed, times are varint
// Unix nanoseconds (0 = zero time).

type encoder struct{ b []byte }

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *encoder) int(v int64) { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.int(0)
		return
	}
	e.int(t.UnixNano())
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated or malformed %s", errEntry, what)
	}
}

func (d *decoder) uvarint(what string) uint64 { return decodeVarint(d, what, binary.Uvarint) }

func (d *decoder) int(what string) int64 { return decodeVarint(d, what, binary.Varint) }

// decodeVarint consumes one varint read by read (binary.Uvarint or
// binary.Varint).
func decodeVarint[T int64 | uint64](d *decoder, what string, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := read(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str(what string) string {
	n := d.uvarint(what)
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail(what)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) time(what string) time.Time {
	v := d.int(what)
	if v == 0 || d.err != nil {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", errEntry, len(d.b))
	}
	return d.err
}

func encodeInfo(info repo.Info) []byte {
	var e encoder
	e.str(info.SeqID)
	e.int(info.Length)
	e.str(info.Alphabet)
	e.time(info.Added)
	return e.b
}

func decodeInfo(b []byte) (repo.Info, error) {
	d := decoder{b: b}
	info := repo.Info{
		SeqID:    d.str("seq_id"),
		Length:   d.int("length"),
		Alphabet: d.str("alphabet"),
		Added:    d.time("added"),
	}
	if err := d.end(); err != nil {
		return repo.Info{}, err
	}
	if info.Length < 0 {
		return repo.Info{}, fmt.Errorf("%w: negative length %d", errEntry, info.Length)
	}
	return info, nil
}

// aliasResult is a cached FindAliases answer.
type aliasResult struct {
	fetched time.Time
	recs    []repo.Alias
}

func encodeAliases(r aliasResult) []byte {
	var e encoder
	e.time(r.fetched)
	e.b = binary.AppendUvarint(e.b, uint64(len(r.recs)))
	for _, a := range r.recs {
		e.str(a.SeqID)
		e.str(a.Namespace)
		e.str(a.Alias)
		e.time(a.Added)
		cur := int64(0)
		if a.Current {
			cur = 1
		}
		e.int(cur)
	}
	return e.b
}

func decodeAliases(b []byte) (aliasResult, error) {
	d := decoder{b: b}
	r := aliasResult{fetched: d.time("fetch time")}
	n := d.uvarint("record count")
	// Each record takes at least 5 bytes, which bounds the allocation.
	if d.err == nil && n > uint64(len(d.b))/5 {
		return aliasResult{}, fmt.Errorf("%w: record count %d exceeds payload", errEntry, n)
	}
	r.recs = make([]repo.Alias, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		a := repo.Alias{
			SeqID:     d.str("seq_id"),
			Namespace: d.str("namespace"),
			Alias:     d.str("alias"),
			Added:     d.time("added"),
		}
		switch d.int("current flag") {
		case 0:
		case 1:
			a.Current = true
		default:
			d.fail("current flag")
		}
		r.recs = append(r.recs, a)
	}
	if err := d.end(); err != nil {
		return aliasResult{}, err
	}
	return r, nil
}
