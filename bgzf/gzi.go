package bgzf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Block is one entry of a BGZF block index: the file offset at which a block
// starts and the offset of its first byte in the uncompressed stream.
type Block struct {
	// Compressed is the byte offset of the block in the BGZF file.
	Compressed uint64
	// Uncompressed is the offset of the block's first byte in the
	// uncompressed data.
	Uncompressed uint64
}

// GZI is a parsed BGZF block index (.gzi file). Unlike the on-disk format it
// always starts with the implicit first block {0, 0}; the remaining entries
// are ordered by strictly increasing Compressed offset and non-decreasing
// Uncompressed offset. An index may or may not list the empty end-of-file
// block: htslib's bgzf_index_dump (SeqRepo, "bgzip -i") omits it, some other
// tools append it. Both forms are accepted by Reader.
type GZI []Block

// ParseGZI parses a .gzi file as written by htslib's bgzf_index_dump: a
// little-endian uint64 count n followed by n pairs of little-endian uint64
// (compressed offset, uncompressed offset), one per block except the first.
// The returned index includes the implicit first block {0, 0} at index 0.
//
// As htslib does, a count of 2^64-1 with no entries (what "bgzip -i" writes
// for empty input) is accepted as an empty index.
//
// Empty blocks make two consecutive entries share an uncompressed offset, so
// only compressed offsets must increase strictly; uncompressed offsets must
// not decrease.
func ParseGZI(data []byte) (GZI, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("bgzf: gzi: %d bytes is too short for the 8-byte entry count", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	body := data[8:]
	if n == math.MaxUint64 && len(body) == 0 {
		n = 0
	}
	if len(body)%16 != 0 || n != uint64(len(body)/16) {
		return nil, fmt.Errorf("bgzf: gzi: header says %d entries but %d bytes follow it (want %d entries of 16 bytes)", n, len(body), len(body)/16)
	}
	g := make(GZI, 1, n+1)
	for i := uint64(0); i < n; i++ {
		b := Block{
			Compressed:   binary.LittleEndian.Uint64(body[16*i:]),
			Uncompressed: binary.LittleEndian.Uint64(body[16*i+8:]),
		}
		prev := g[len(g)-1]
		if b.Compressed <= prev.Compressed {
			return nil, fmt.Errorf("bgzf: gzi: entry %d: compressed offset %d does not increase (previous %d)", i+1, b.Compressed, prev.Compressed)
		}
		if b.Uncompressed < prev.Uncompressed {
			return nil, fmt.Errorf("bgzf: gzi: entry %d: uncompressed offset %d decreases (previous %d)", i+1, b.Uncompressed, prev.Uncompressed)
		}
		if b.Compressed > math.MaxInt64 || b.Uncompressed > math.MaxInt64 {
			return nil, fmt.Errorf("bgzf: gzi: entry %d: offset (%d, %d) exceeds 2^63-1", i+1, b.Compressed, b.Uncompressed)
		}
		g = append(g, b)
	}
	return g, nil
}

// validate checks the invariants documented on GZI.
func (g GZI) validate() error {
	if len(g) == 0 {
		return errors.New("empty index (missing the first block {0, 0})")
	}
	if g[0] != (Block{}) {
		return fmt.Errorf("first entry is %+v, want {0, 0}", g[0])
	}
	for i := 1; i < len(g); i++ {
		if g[i].Compressed <= g[i-1].Compressed || g[i].Uncompressed < g[i-1].Uncompressed {
			return fmt.Errorf("entry %d %+v is out of order after %+v", i, g[i], g[i-1])
		}
		if g[i].Compressed > math.MaxInt64 || g[i].Uncompressed > math.MaxInt64 {
			return fmt.Errorf("entry %d %+v exceeds 2^63-1", i, g[i])
		}
	}
	return nil
}

// MarshalBinary encodes g in htslib's .gzi format: the entry count followed
// by every entry except the implicit first block. Entries are written as
// they are; an index produced by Writer does not list the end-of-file block,
// matching htslib. It fails if g does not start with {0, 0} or is out of
// order.
func (g GZI) MarshalBinary() ([]byte, error) {
	if err := g.validate(); err != nil {
		return nil, fmt.Errorf("bgzf: gzi: %w", err)
	}
	out := make([]byte, 8+16*(len(g)-1))
	binary.LittleEndian.PutUint64(out, uint64(len(g)-1))
	for i, b := range g[1:] {
		binary.LittleEndian.PutUint64(out[8+16*i:], b.Compressed)
		binary.LittleEndian.PutUint64(out[16+16*i:], b.Uncompressed)
	}
	return out, nil
}

// Locate returns the index of the block holding uncompressed offset uoff:
// the last entry whose Uncompressed offset is <= uoff. Offsets at or past
// the end of the data map to the last block. It returns 0 for an empty
// index.
func (g GZI) Locate(uoff uint64) (blockIdx int) {
	// Find the first entry starting after uoff; the block before it holds
	// uoff.
	lo, hi := 0, len(g)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if g[mid].Uncompressed > uoff {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return max(lo-1, 0)
}
