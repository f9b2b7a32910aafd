package bgzf

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"testing"
)

// fixTrailers rewrites the CRC32 and ISIZE of every block (found by walking
// BSIZE fields) whose deflate payload the standard library can decode, so
// that mutated deflate data is not simply rejected by the checksum.
func fixTrailers(data []byte) []byte {
	data = bytes.Clone(data)
	for off := 0; off < len(data); {
		size, hdrLen, err := parseHeader(data[off:])
		if err != nil || size > len(data)-off {
			break
		}
		block := data[off : off+size]
		out, err := io.ReadAll(flate.NewReader(bytes.NewReader(block[hdrLen : size-trailerSize])))
		if err == nil {
			binary.LittleEndian.PutUint32(block[size-8:], crc32.ChecksumIEEE(out))
			binary.LittleEndian.PutUint32(block[size-4:], uint32(len(out)))
		}
		off += size
	}
	return data
}

// refBlock is a block found by walking a file by BSIZE, with its content as
// decoded independently by compress/gzip (nil data and ok=false if the
// standard library rejects it or it does not end exactly at BSIZE).
type refBlock struct {
	Block
	size int
	data []byte
	ok   bool
}

// walkBlocks derives the block structure of data by following BSIZE fields
// from offset 0, stopping at the first unparsable header. It also decodes
// each block on its own with compress/gzip.
func walkBlocks(data []byte) []refBlock {
	var blocks []refBlock
	var u uint64
	for off := 0; off < len(data); {
		size, _, err := parseHeader(data[off:])
		if err != nil || size > len(data)-off {
			break
		}
		b := refBlock{Block: Block{uint64(off), u}, size: size}
		member := bytes.NewReader(data[off : off+size])
		if zr, err := gzip.NewReader(member); err == nil {
			zr.Multistream(false)
			if out, err := io.ReadAll(zr); err == nil && member.Len() == 0 {
				b.data, b.ok = out, true
			}
		}
		blocks = append(blocks, b)
		u += uint64(blockISize(data[off : off+size]))
		off += size
	}
	return blocks
}

func FuzzReader(f *testing.F) {
	add := func(file []byte, useArbitrary bool, g GZI) {
		raw, _ := g.MarshalBinary()
		f.Add(file, raw, useArbitrary, uint16(0), uint16(100), uint8(0))
		f.Add(file, raw, useArbitrary, uint16(3), uint16(1000), uint8(8|2))
	}
	small := randomData(200, 1)
	for _, level := range []int{0, 1, 6} {
		file, g := buildBGZF(f, small, 50, level, true)
		add(file, false, g)
		add(file, true, g)
		file, g = buildBGZF(f, small[:7], 7, level, false)
		add(file, true, g)
	}
	file, g := buildBGZF(f, nil, 1, 6, true)
	add(file, true, g)
	add(eofBlock[:], false, GZI{{}})
	add([]byte("\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00\x1b\x00"), false, GZI{{}})

	f.Fuzz(func(t *testing.T, data, gziData []byte, useArbitrary bool, off, n uint16, mode uint8) {
		if mode&8 != 0 {
			data = fixTrailers(data)
		}
		walked := walkBlocks(data)
		var g GZI
		checkBytes := true
		if useArbitrary {
			var err error
			if g, err = ParseGZI(gziData); err != nil {
				return
			}
			// Bytes are checked against the reference only if every entry
			// is a real block boundary: an arbitrary index can point into
			// the middle of a block whose payload happens to contain
			// another valid block.
			for _, e := range g[1:] {
				found := false
				for _, b := range walked {
					found = found || b.Block == e
				}
				checkBytes = checkBytes && found
			}
		} else {
			g = GZI{{}}
			for i, b := range walked {
				isEOF := b.size == len(eofBlock) && bytes.Equal(data[b.Compressed:][:b.size], eofBlock[:])
				if i > 0 && !(isEOF && mode&1 == 0) {
					g = append(g, b.Block)
				}
			}
		}

		// Reference content at uncompressed offset x, from the block
		// holding x among the index entries.
		refAt := func(x uint64) (byte, bool) {
			i := g.Locate(x)
			for _, b := range walked {
				if b.Block == g[i] {
					if !b.ok || x-b.Uncompressed >= uint64(len(b.data)) {
						return 0, false
					}
					return b.data[x-b.Uncompressed], true
				}
			}
			return 0, false
		}

		var cache *BlockCache
		switch mode >> 1 & 3 {
		case 1:
			cache = NewBlockCache(1 << 20)
		case 2:
			cache = NewBlockCache(0)
		}
		r := NewReader(bytes.NewReader(data), int64(len(data)), g, cache, "fuzz")
		check := func(p []byte, at int64) {
			got, err := r.ReadAt(p, at)
			if got < 0 || got > len(p) {
				t.Fatalf("ReadAt returned n=%d for len %d", got, len(p))
			}
			if got < len(p) && err == nil {
				t.Fatalf("short read (%d of %d) without error", got, len(p))
			}
			if !checkBytes {
				return
			}
			for j := range got {
				want, ok := refAt(uint64(at) + uint64(j))
				if !ok {
					t.Fatalf("ReadAt(len %d, off %d) returned byte %d that the reference decoder rejects", len(p), at, j)
				}
				if p[j] != want {
					t.Fatalf("ReadAt(len %d, off %d): byte %d = %#x, reference %#x", len(p), at, j, p[j], want)
				}
			}
		}
		check(make([]byte, n), int64(off))
		check(make([]byte, 1), int64(off))
		full, err := readAll(r, 37)
		if err != nil {
			return
		}
		// The whole stream decoded, so its end is known.
		if size, err := r.UncompressedSize(); err != nil || size != int64(len(full)) {
			t.Fatalf("UncompressedSize = %d, %v after reading %d bytes", size, err, len(full))
		}
		allOK := true
		for _, b := range walked {
			allOK = allOK && b.ok
		}
		if checkBytes && !useArbitrary && allOK {
			// With the derived index and every block valid (a Reader never
			// needs to inflate a block claiming to be empty, so a corrupt
			// one goes unnoticed), nothing but an EOF marker may follow the
			// last block, so the file is a valid multi-member gzip stream
			// with the same content.
			ref, rerr := gunzip(data)
			if rerr != nil || !bytes.Equal(ref, full) {
				t.Fatalf("Reader content (%d bytes) differs from compress/gzip (%d bytes, %v)", len(full), len(ref), rerr)
			}
		}
	})
}

// FuzzInflateBlock feeds one block, built from arbitrary deflate payload,
// ISIZE and CRC32, to inflateBlock and checks it against compress/flate:
// the block must decode exactly when the reference decodes the payload to
// ISIZE bytes with nothing left over and the CRC matches, and a rejected
// block must yield an error matching ErrCorrupt, never a panic.
func FuzzInflateBlock(f *testing.F) {
	for _, level := range []int{0, 1, 9} {
		file, _ := buildBGZF(f, randomData(3000, uint64(level)), 3000, level, false)
		_, hdrLen, _ := parseHeader(file)
		payload := file[hdrLen : len(file)-trailerSize]
		f.Add(payload, uint32(3000), true)
		f.Add(payload[:len(payload)/2], uint32(3000), true)
		f.Add(payload, uint32(2999), false)
	}
	f.Add([]byte{3, 0}, uint32(0), true)
	f.Add([]byte{}, uint32(0), false)
	f.Fuzz(func(t *testing.T, payload []byte, isize uint32, fixCRC bool) {
		isize %= MaxBlockSize + 2
		ref, refErr := io.ReadAll(flate.NewReader(bytes.NewReader(payload)))
		crc := uint32(0)
		if fixCRC && refErr == nil {
			crc = crc32.ChecksumIEEE(ref)
		}
		var block bytes.Buffer
		block.Write(eofBlock[:headerSize])
		block.Write(payload)
		binary.Write(&block, binary.LittleEndian, [2]uint32{crc, isize})
		b := block.Bytes()
		if len(b) > MaxBlockSize {
			return
		}
		binary.LittleEndian.PutUint16(b[16:], uint16(len(b)-1))
		size, hdrLen, err := parseHeader(b)
		if err != nil || size != len(b) {
			t.Fatalf("built block does not parse: %v (size %d of %d)", err, size, len(b))
		}
		got, err := inflateBlock(b, hdrLen, make([]byte, 0, MaxBlockSize+1))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not match ErrCorrupt", err)
			}
			return
		}
		// Accepted: the reference must agree on the bytes. (The reference
		// may read past the end of a stream that libdeflate stops at, so
		// only acceptance implies agreement.)
		if refErr != nil {
			t.Fatalf("inflateBlock accepted a payload compress/flate rejects (%v)", refErr)
		}
		if !bytes.Equal(got, ref) || uint32(len(got)) != isize || crc32.ChecksumIEEE(got) != crc {
			t.Fatalf("inflateBlock returned %d bytes, reference %d (ISIZE %d)", len(got), len(ref), isize)
		}
	})
}
