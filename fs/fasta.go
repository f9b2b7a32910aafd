package fs

import (
	"fmt"
	"strconv"
	"strings"
)

// Layout is the byte layout of one virtual FASTA file: a header line, then
// the sequence wrapped at Width residues per line, every line (including
// the last, shorter one) ending in '\n'. All sizes and offsets follow from
// Header, Length and Width, so nothing needs to read the sequence to know
// them (docs/format.md, “FASTA byte layout”).
type Layout struct {
	Header string // the header line, ">" + name + "\n"
	Length int64  // residues in the sequence
	Width  int64  // residues per line, > 0
}

// NewLayout returns the layout of a FASTA record for a sequence of length
// residues under the header name, wrapped at width residues per line.
// Carriage returns and newlines in name would break the record and are
// replaced by spaces.
func NewLayout(name string, length int64, width int) Layout {
	return Layout{Header: ">" + HeaderName(name) + "\n", Length: length, Width: int64(width)}
}

// HeaderName is the text that follows '>' in the FASTA header of an alias:
// the alias itself, with '\r' and '\n' replaced by spaces.
func HeaderName(alias string) string {
	if strings.ContainsAny(alias, "\r\n") {
		return strings.NewReplacer("\r", " ", "\n", " ").Replace(alias)
	}
	return alias
}

// FaiName is the sequence name samtools records for a FASTA header: its
// first whitespace-delimited word. The .fai and .dict use it, so that they
// are exactly what samtools faidx / samtools dict write for the file.
func FaiName(alias string) string {
	name := HeaderName(alias)
	if i := strings.IndexAny(name, " \t\v\f"); i >= 0 {
		name = name[:i]
	}
	return name
}

// lines returns the number of sequence lines.
func (l Layout) lines() int64 { return (l.Length + l.Width - 1) / l.Width }

// bodySize is the size of everything after the header.
func (l Layout) bodySize() int64 { return l.Length + l.lines() }

// Size returns the exact size of the file in bytes.
func (l Layout) Size() int64 { return int64(len(l.Header)) + l.bodySize() }

// basesBefore returns how many residues lie in body bytes [0, p) for p in
// [0, bodySize].
func (l Layout) basesBefore(p int64) int64 {
	row, col := p/(l.Width+1), p%(l.Width+1)
	return min(row*l.Width+min(col, l.Width), l.Length)
}

// Fai returns the text of the .fai index of the file, naming the record
// name (see FaiName): NAME LENGTH OFFSET LINEBASES LINEWIDTH, as samtools
// faidx writes it (a record that fits on one line has LINEBASES = LENGTH).
// Like samtools, it lists no zero-length record: the index of an empty
// sequence's file is empty (a LINEBASES of 0 would make htslib divide by
// zero).
func (l Layout) Fai(name string) string { return l.faiAt(name, 0) }

// faiAt is Fai for the record starting at byte start of a multi-record
// file.
func (l Layout) faiAt(name string, start int64) string {
	if l.Length == 0 {
		return ""
	}
	bases := min(l.Width, l.Length)
	var b strings.Builder
	b.WriteString(name)
	for _, v := range []int64{l.Length, start + int64(len(l.Header)), bases, bases + 1} {
		b.WriteByte('\t')
		b.WriteString(strconv.FormatInt(v, 10))
	}
	b.WriteByte('\n')
	return b.String()
}

// FetchFunc reads exactly len(p) residues starting at residue start into p.
type FetchFunc func(p []byte, start int64) error

// ReadAt fills dest with the file's bytes from offset off and returns the
// count; it is short only at the end of the file (0 at or past the end).
// The residues are read with at most one call to fetch, directly into dest,
// and the newlines are inserted in place, so a read allocates nothing.
func (l Layout) ReadAt(dest []byte, off int64, fetch FetchFunc) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	size := l.Size()
	if off >= size {
		return 0, nil
	}
	n := int(min(int64(len(dest)), size-off))
	dest = dest[:n]
	h := int64(len(l.Header))
	c := 0
	if off < h {
		c = copy(dest, l.Header[off:])
	}
	if c == n {
		return n, nil
	}
	p0 := max(off-h, 0)
	p1 := off + int64(n) - h
	region := dest[c:]
	b0, b1 := l.basesBefore(p0), l.basesBefore(p1)
	k := b1 - b0
	if k > 0 {
		if err := fetch(region[:k], b0); err != nil {
			return 0, err
		}
	}
	// Spread the residues out from the end backwards, writing newlines;
	// every residue moves to an index at or after its current one.
	w := l.Width
	for p := p1; p > p0; {
		row := (p - 1) / (w + 1)
		lineStart := row * (w + 1)
		nl := lineStart + min(w, l.Length-row*w) // newline position
		segStart := max(lineStart, p0)
		end := p
		if nl < p {
			region[nl-p0] = '\n'
			end = nl
		}
		if cnt := end - segStart; cnt > 0 {
			copy(region[segStart-p0:end-p0], region[k-cnt:k])
			k -= cnt
		}
		p = segStart
	}
	return n, nil
}
