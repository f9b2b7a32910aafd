//go:build cgo && !nolibdeflate

package bgzf

/*
#cgo LDFLAGS: -l:libdeflate.a
#include <stddef.h>
#include <stdint.h>
#include <libdeflate.h>

// bgzf_inflate decodes the raw deflate stream in[0:in_n] into exactly
// out[0:out_n] and stores the number of input bytes the stream used in
// *in_used and the CRC32 of the output in *crc. One cgo call per block.
static int bgzf_inflate(struct libdeflate_decompressor *d,
		const void *in, size_t in_n, void *out, size_t out_n,
		size_t *in_used, uint32_t *crc) {
	enum libdeflate_result r = libdeflate_deflate_decompress_ex(d, in, in_n, out, out_n, in_used, NULL);
	if (r == LIBDEFLATE_SUCCESS)
		*crc = libdeflate_crc32(0, out, out_n);
	return (int)r;
}
*/
import "C"

import (
	"errors"
	"runtime"
	"sync"
	"unsafe"
)

// Inflater names the deflate decoder this build uses.
const Inflater = "libdeflate " + C.LIBDEFLATE_VERSION_STRING + " (cgo)"

// decompressor owns one libdeflate decompressor (C memory, freed when the
// pool drops the Go value) and the out-parameters of bgzf_inflate, kept here
// so that a call allocates nothing.
type decompressor struct {
	d    *C.struct_libdeflate_decompressor
	used C.size_t
	crc  C.uint32_t
}

var decompressorPool = sync.Pool{New: func() any {
	d := C.libdeflate_alloc_decompressor()
	if d == nil {
		return nil // out of C memory: inflatePayload reports it
	}
	dc := &decompressor{d: d}
	runtime.AddCleanup(dc, func(d *C.struct_libdeflate_decompressor) { C.libdeflate_free_decompressor(d) }, d)
	return dc
}}

// nonEmpty stands in for the address of an empty buffer: libdeflate is
// never given a nil pointer.
var nonEmpty [1]byte

// inflatePayload decodes the raw deflate stream src into out, which must
// come out exactly full with src consumed exactly, and returns the CRC32
// of out.
func inflatePayload(out, src []byte) (uint32, error) {
	if len(src) == 0 {
		return 0, corruptf("empty deflate stream")
	}
	op := unsafe.Pointer(&nonEmpty[0])
	if len(out) > 0 {
		op = unsafe.Pointer(&out[0])
	}
	dc, _ := decompressorPool.Get().(*decompressor)
	if dc == nil {
		return 0, errors.New("bgzf: libdeflate_alloc_decompressor failed: out of memory")
	}
	r := C.bgzf_inflate(dc.d, unsafe.Pointer(&src[0]), C.size_t(len(src)), op, C.size_t(len(out)), &dc.used, &dc.crc)
	used, crc := dc.used, dc.crc
	decompressorPool.Put(dc)
	switch r {
	case C.LIBDEFLATE_SUCCESS:
	case C.LIBDEFLATE_SHORT_OUTPUT:
		return 0, corruptf("deflate data ends before ISIZE (%d) bytes", len(out))
	case C.LIBDEFLATE_INSUFFICIENT_SPACE:
		return 0, corruptf("deflate data is longer than ISIZE (%d)", len(out))
	case C.LIBDEFLATE_BAD_DATA:
		return 0, corruptf("inflate: invalid deflate data")
	default:
		return 0, corruptf("inflate: libdeflate error %d", int(r))
	}
	if left := len(src) - int(used); left != 0 {
		return 0, corruptf("%d bytes of unused data between the deflate stream and the trailer", left)
	}
	return uint32(crc), nil
}
