// Package bgzf reads and writes BGZF files, the blocked gzip format used by
// htslib ("bgzip"), with random access through a .gzi block index.
//
// A BGZF file is a series of gzip members ("blocks") of at most 64 KiB each,
// whose gzip header carries an extra subfield 'B','C' giving the block's
// total size. The file normally ends with a fixed 28-byte empty block, the
// EOF marker. Because every block is an independent gzip member, a BGZF file
// is also a valid multi-member gzip file.
//
// Reader provides concurrent random access to the uncompressed data given a
// GZI index, sharing inflated blocks between readers through a BlockCache.
// Writer compresses data into BGZF in parallel and records its GZI index.
//
// Blocks are inflated with libdeflate through cgo, as htslib does: one call
// decodes a whole block into an exactly-sized buffer and computes its CRC32
// (libdeflate-dev must be installed to build; it is linked statically).
// Built with the tag nolibdeflate, or without cgo, the package uses the
// pure-Go decoder of github.com/klauspost/compress instead, about a third
// as fast; both check every block alike. Inflater names the one in use.
package bgzf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

const (
	// MaxBlockSize is the largest size of one BGZF block, compressed and
	// uncompressed (BSIZE is a 16-bit field holding the size minus one).
	MaxBlockSize = 1 << 16

	// MaxBlockData is the number of uncompressed bytes Writer (like htslib's
	// bgzip) puts in each block, leaving room for incompressible data to
	// fit into MaxBlockSize.
	MaxBlockData = 0xff00

	// headerSize is the size of a standard BGZF header (gzip header with a
	// single 6-byte extra field holding the BC subfield).
	headerSize = 18
	// trailerSize is the size of the gzip trailer (CRC32 and ISIZE).
	trailerSize = 8

	gzipID1     = 0x1f
	gzipID2     = 0x8b
	gzipDeflate = 8
	flagText    = 1 << 0
	flagExtra   = 1 << 2
	osUnknown   = 0xff
)

// eofBlock is the empty block htslib appends to every BGZF file.
var eofBlock = [28]byte{
	0x1f, 0x8b, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x06, 0x00, 0x42, 0x43,
	0x02, 0x00, 0x1b, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
}

// ErrCorrupt is matched (with errors.Is) by every error caused by malformed,
// truncated or inconsistent BGZF data or a .gzi index that does not match
// the file.
var ErrCorrupt = errors.New("bgzf: corrupt data")

// corruptError is a description of a format violation; it matches
// ErrCorrupt.
type corruptError struct{ msg string }

func (e *corruptError) Error() string        { return e.msg }
func (e *corruptError) Is(target error) bool { return target == ErrCorrupt }

func corruptf(format string, args ...any) error {
	return &corruptError{msg: fmt.Sprintf(format, args...)}
}

// BlockError reports a failure to read or decode one block. Its message has
// the form "bgzf: <name>: block at compressed offset <n>: <problem>".
type BlockError struct {
	// Name identifies the file (the name given to NewReader).
	Name string
	// Offset is the compressed file offset of the block.
	Offset uint64
	// Err is the underlying problem: an I/O error from the file or an error
	// matching ErrCorrupt.
	Err error
}

// Error implements the error interface.
func (e *BlockError) Error() string {
	return fmt.Sprintf("bgzf: %s: block at compressed offset %d: %v", e.Name, e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *BlockError) Unwrap() error { return e.Err }

// parseHeader validates the gzip header of the BGZF block starting at b[0]
// and returns the block's total size (BSIZE+1) and the length of its header,
// i.e. the offset of the deflate payload.
func parseHeader(b []byte) (size, hdrLen int, err error) {
	if len(b) < 12 {
		return 0, 0, corruptf("truncated block header (%d bytes)", len(b))
	}
	if b[0] != gzipID1 || b[1] != gzipID2 {
		return 0, 0, corruptf("not a gzip member (magic %02x %02x)", b[0], b[1])
	}
	if b[2] != gzipDeflate {
		return 0, 0, corruptf("unsupported gzip compression method %d", b[2])
	}
	if b[3]&flagExtra == 0 {
		return 0, 0, corruptf("gzip member has no extra field (not BGZF)")
	}
	if b[3]&^(flagText|flagExtra) != 0 {
		return 0, 0, corruptf("unsupported gzip flags %#02x in BGZF block", b[3])
	}
	hdrLen = 12 + int(binary.LittleEndian.Uint16(b[10:]))
	if len(b) < hdrLen {
		return 0, 0, corruptf("truncated block header (extra field needs %d bytes, have %d)", hdrLen, len(b))
	}
	bsize := -1
	for extra := b[12:hdrLen]; len(extra) > 0; {
		if len(extra) < 4 {
			return 0, 0, corruptf("malformed gzip extra field")
		}
		slen := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+slen > len(extra) {
			return 0, 0, corruptf("gzip extra subfield overruns the extra field")
		}
		if extra[0] == 'B' && extra[1] == 'C' {
			if slen != 2 {
				return 0, 0, corruptf("BC subfield has length %d, want 2", slen)
			}
			if bsize >= 0 {
				return 0, 0, corruptf("duplicate BC subfield")
			}
			bsize = int(binary.LittleEndian.Uint16(extra[4:]))
		}
		extra = extra[4+slen:]
	}
	if bsize < 0 {
		return 0, 0, corruptf("gzip member has no BC subfield (not BGZF)")
	}
	size = bsize + 1
	if size < hdrLen+trailerSize {
		return 0, 0, corruptf("BSIZE %d is too small for a %d-byte header and the trailer", bsize, hdrLen)
	}
	return size, hdrLen, nil
}

// blockISize returns the ISIZE trailer field of the complete block b.
func blockISize(b []byte) uint32 {
	return binary.LittleEndian.Uint32(b[len(b)-4:])
}

// rawPool holds buffers for compressed blocks, large enough for a maximal
// block followed by the EOF marker.
var rawPool = sync.Pool{New: func() any {
	b := make([]byte, MaxBlockSize+len(eofBlock))
	return &b
}}

// inflateBlock decompresses the complete block b (exactly BSIZE+1 bytes,
// with a header of hdrLen bytes as returned by parseHeader) into dst, which
// must have capacity for the block's ISIZE bytes, and returns dst resliced to
// the data. It checks that the deflate stream fills exactly ISIZE bytes and
// ends exactly where the trailer starts, and verifies the CRC32. The deflate
// decoder is libdeflate's (inflate_libdeflate.go) or, built with the tag
// nolibdeflate or without cgo, klauspost/compress's (inflate_go.go).
func inflateBlock(b []byte, hdrLen int, dst []byte) ([]byte, error) {
	isize := blockISize(b)
	wantCRC := binary.LittleEndian.Uint32(b[len(b)-8:])
	if isize > MaxBlockSize {
		return nil, corruptf("ISIZE %d exceeds the maximum block size %d", isize, MaxBlockSize)
	}
	if uint32(cap(dst)) < isize {
		return nil, fmt.Errorf("bgzf: internal error: buffer of %d bytes for a %d-byte block", cap(dst), isize)
	}
	out := dst[:isize]
	got, err := inflatePayload(out, b[hdrLen:len(b)-trailerSize])
	if err != nil {
		return nil, err
	}
	if got != wantCRC {
		return nil, corruptf("CRC32 mismatch (data %08x, trailer %08x)", got, wantCRC)
	}
	return out, nil
}
