package bgzf_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/seqfs/seqfs/bgzf"
)

func Example() {
	// Compress some data and keep its block index.
	var file bytes.Buffer
	w := bgzf.NewWriter(&file, 4)
	if _, err := w.Write(bytes.Repeat([]byte("ACGT"), 50000)); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	gzi, err := w.Index().MarshalBinary() // contents of the .gzi file
	if err != nil {
		log.Fatal(err)
	}

	// Read it back at random offsets through a shared cache.
	idx, err := bgzf.ParseGZI(gzi)
	if err != nil {
		log.Fatal(err)
	}
	cache := bgzf.NewBlockCache(64 << 20)
	r := bgzf.NewReader(bytes.NewReader(file.Bytes()), int64(file.Len()), idx, cache, "example.fa.bgz")
	p := make([]byte, 6)
	if _, err := r.ReadAt(p, 150001); err != nil {
		log.Fatal(err)
	}
	size, _ := r.UncompressedSize()
	fmt.Printf("%d blocks, %d bytes, %s\n", len(idx), size, p)
	// Output: 4 blocks, 200000 bytes, CGTACG
}
