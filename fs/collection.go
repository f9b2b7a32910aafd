package fs

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/seqfs/seqfs/repo"
)

// CollectionDir is the root directory that serves sequence collections
// (genome assemblies, loaded FASTA files) as whole multi-record FASTA
// files: /collection/<name>.fa and /collection/<seqcol digest>.fa, each
// with .fa.fai, .dict and .fa.dict.
const CollectionDir = "collection"

// dictHeader is the @HD line that starts every .dict, as samtools dict
// writes it.
const dictHeader = "@HD\tVN:1.0\tSO:unsorted\n"

// md5Placeholder has the length of every hex MD5; a .dict's size is
// computed with it before any digest is looked up.
const md5Placeholder = "00000000000000000000000000000000"

// dictLine is the @SQ line of one sequence; ur (an absolute path) is left
// out when empty, and is written as a file:// URI with every byte a URI
// path cannot hold percent-encoded.
func dictLine(name string, length int64, md5 string, ur string) string {
	s := fmt.Sprintf("@SQ\tSN:%s\tLN:%d\tM5:%s", name, length, md5)
	if ur != "" {
		s += "\tUR:" + (&url.URL{Scheme: "file", Path: ur}).String()
	}
	return s + "\n"
}

// CollectionLayout is the byte layout of the multi-record FASTA of a
// collection: one record per sequence in collection order, each with the
// header ">name" and wrapped at the same width. Sizes and offsets follow
// from names and lengths alone.
type CollectionLayout struct {
	recs   []Layout
	names  []string // FaiName of each record
	starts []int64  // byte offset of each record's header
	size   int64
}

// NewCollectionLayout returns the layout of c's FASTA at width residues
// per line.
func NewCollectionLayout(c repo.Collection, width int) *CollectionLayout {
	l := &CollectionLayout{
		recs:   make([]Layout, c.Len()),
		names:  make([]string, c.Len()),
		starts: make([]int64, c.Len()),
	}
	for i, name := range c.Names {
		l.recs[i] = NewLayout(name, c.Lengths[i], width)
		l.names[i] = FaiName(name)
		l.starts[i] = l.size
		l.size += l.recs[i].Size()
	}
	return l
}

// Size returns the exact size of the FASTA in bytes.
func (l *CollectionLayout) Size() int64 { return l.size }

// Fai returns the .fai of the FASTA, exactly as samtools faidx writes it.
func (l *CollectionLayout) Fai() string {
	var b strings.Builder
	for i, r := range l.recs {
		b.WriteString(r.faiAt(l.names[i], l.starts[i]))
	}
	return b.String()
}

// DictSize returns the size of the .dict whose @SQ lines carry ur.
func (l *CollectionLayout) DictSize(ur string) int64 {
	n := int64(len(dictHeader))
	for i, r := range l.recs {
		n += int64(len(dictLine(l.names[i], r.Length, md5Placeholder, ur)))
	}
	return n
}

// Dict returns the .dict of the FASTA (samtools dict's format): md5 gives
// the hex MD5 of sequence i and must return 32 hex digits.
func (l *CollectionLayout) Dict(ctx context.Context, ur string, md5 func(ctx context.Context, i int) (string, error)) (string, error) {
	var b strings.Builder
	b.Grow(int(l.DictSize(ur)))
	b.WriteString(dictHeader)
	for i, r := range l.recs {
		sum, err := md5(ctx, i)
		if err != nil {
			return "", err
		}
		if len(sum) != len(md5Placeholder) {
			return "", fmt.Errorf("MD5 of sequence %s: %q is not 32 hex digits", l.names[i], sum)
		}
		b.WriteString(dictLine(l.names[i], r.Length, sum, ur))
	}
	return b.String(), nil
}

// ReadAt fills dest with the file's bytes from offset off and returns the
// count; it is short only at the end of the file. The first record is
// found by binary search over the record offsets; each record the range
// spans costs at most one call to fetch(i) (see Layout.ReadAt).
func (l *CollectionLayout) ReadAt(dest []byte, off int64, fetch func(i int) FetchFunc) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	i := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	n := 0
	for ; i >= 0 && i < len(l.recs) && n < len(dest); i++ {
		c, err := l.recs[i].ReadAt(dest[n:], off-l.starts[i], fetch(i))
		if err != nil {
			return 0, fmt.Errorf("record %d (%s): %w", i, l.names[i], err)
		}
		n += c
		off += int64(c)
	}
	return n, nil
}
