//go:build !cgo || nolibdeflate

package bgzf

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// Inflater names the deflate decoder this build uses.
const Inflater = "klauspost/compress (pure Go)"

// inflater bundles a reusable raw-deflate decompressor with its input.
type inflater struct {
	src bytes.Reader
	fr  io.ReadCloser
	one [1]byte
}

var inflaterPool = sync.Pool{New: func() any {
	in := new(inflater)
	in.fr = flate.NewReader(&in.src)
	return in
}}

// inflatePayload decodes the raw deflate stream src into out, which must
// come out exactly full with src consumed exactly, and returns the CRC32
// of out.
func inflatePayload(out, src []byte) (uint32, error) {
	in := inflaterPool.Get().(*inflater)
	defer func() {
		in.src.Reset(nil)
		inflaterPool.Put(in)
	}()
	in.src.Reset(src)
	if err := in.fr.(flate.Resetter).Reset(&in.src, nil); err != nil {
		return 0, fmt.Errorf("bgzf: resetting decompressor: %w", err)
	}
	if _, err := io.ReadFull(in.fr, out); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, corruptf("deflate data ends before ISIZE (%d) bytes", len(out))
		}
		return 0, corruptf("inflate: %v", err)
	}
	// The stream must end here: the next read must report io.EOF without
	// producing data.
	for tries := 0; ; tries++ {
		n, err := in.fr.Read(in.one[:])
		if n > 0 {
			return 0, corruptf("deflate data is longer than ISIZE (%d)", len(out))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, corruptf("inflate: %v", err)
		}
		if tries > 100 {
			return 0, corruptf("inflate: decompressor makes no progress")
		}
	}
	if left := in.src.Len(); left != 0 {
		return 0, corruptf("%d bytes of unused data between the deflate stream and the trailer", left)
	}
	return crc32.ChecksumIEEE(out), nil
}
