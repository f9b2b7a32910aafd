// Package faidx reads and writes FASTA index (.fai) files as produced by
// "samtools faidx" and htslib, and maps sequence coordinates to byte offsets
// in the (uncompressed) FASTA file.
//
// A .fai file has one line per sequence with five TAB-separated columns:
//
//	NAME  LENGTH  OFFSET  LINEBASES  LINEWIDTH
//
// OFFSET is the byte offset of the first base of the sequence in the
// uncompressed FASTA file, LINEBASES the number of bases on each full line
// and LINEWIDTH the number of bytes of each full line including its line
// terminator (LINEBASES+1 for LF, LINEBASES+2 for CRLF). A sixth column (the
// quality offset of FASTQ indexes) is accepted and ignored.
package faidx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// maxLineLength bounds the length of a single .fai line accepted by Parse.
const maxLineLength = 1 << 20

// Record is one line of a .fai index: the location and line layout of one
// sequence in a FASTA file.
type Record struct {
	// Name is the sequence name (the first word of the FASTA header line).
	Name string
	// Length is the number of bases in the sequence.
	Length int64
	// Offset is the uncompressed byte offset of the first base.
	Offset int64
	// LineBases is the number of bases per full line.
	LineBases int64
	// LineWidth is the number of bytes per full line, line terminator
	// included.
	LineWidth int64
}

// ParseError describes a malformed line of a .fai file.
type ParseError struct {
	// Line is the 1-based line number.
	Line int
	// Msg describes the problem.
	Msg string
}

// Error implements the error interface.
func (e *ParseError) Error() string {
	return fmt.Sprintf("faidx: line %d: %s", e.Line, e.Msg)
}

// Parse reads a .fai index. Records are returned in file order. Lines must
// have five or six TAB-separated columns (a sixth, FASTQ quality offset
// column is ignored); CRLF line endings are accepted. Errors are
// *ParseError values naming the offending line, or read errors from r
// wrapped with context.
func Parse(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineLength)
	var recs []Record
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		rec, err := parseLine(text)
		if err != nil {
			return nil, &ParseError{Line: line, Msg: err.Error()}
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{Line: line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLineLength)}
		}
		return nil, fmt.Errorf("faidx: reading index after line %d: %w", line, err)
	}
	return recs, nil
}

var columnNames = [...]string{"name", "length", "offset", "linebases", "linewidth", "qualoffset"}

func parseLine(text string) (Record, error) {
	if text == "" {
		return Record{}, errors.New("empty line")
	}
	fields := strings.Split(text, "\t")
	if len(fields) != 5 && len(fields) != 6 {
		return Record{}, fmt.Errorf("expected 5 or 6 tab-separated columns, got %d", len(fields))
	}
	if fields[0] == "" {
		return Record{}, errors.New("empty sequence name")
	}
	var v [6]int64
	for i := 1; i < len(fields); i++ {
		n, err := parseUint(fields[i])
		if err != nil {
			return Record{}, fmt.Errorf("column %d (%s): %v", i+1, columnNames[i], err)
		}
		v[i] = n
	}
	rec := Record{Name: fields[0], Length: v[1], Offset: v[2], LineBases: v[3], LineWidth: v[4]}
	if err := rec.Validate(); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// parseUint parses a non-negative decimal integer made of ASCII digits only.
func parseUint(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("empty value, want a non-negative integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q is not a non-negative integer", s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return n, nil
}

// Validate reports whether r describes a consistent sequence layout: a
// non-empty name without TAB or newline characters, non-negative numbers,
// LineBases <= LineWidth, LineBases > 0 unless Length is 0, and an extent
// that does not overflow int64.
func (r Record) Validate() error {
	switch {
	case r.Name == "":
		return errors.New("empty sequence name")
	case strings.ContainsAny(r.Name, "\t\r\n"):
		return fmt.Errorf("sequence name %q contains a TAB or line break", r.Name)
	case r.Length < 0 || r.Offset < 0 || r.LineBases < 0 || r.LineWidth < 0:
		return errors.New("negative value")
	case r.LineBases > r.LineWidth:
		return fmt.Errorf("linebases %d exceeds linewidth %d", r.LineBases, r.LineWidth)
	case r.LineBases == 0 && r.Length > 0:
		return fmt.Errorf("linebases is 0 for a sequence of length %d", r.Length)
	}
	if r.Length > 0 {
		// Byte offset just past the last base must fit in an int64.
		lines := (r.Length - 1) / r.LineBases
		rest := r.Length - lines*r.LineBases
		if r.Offset > math.MaxInt64-rest || lines > (math.MaxInt64-r.Offset-rest)/r.LineWidth {
			return fmt.Errorf("sequence of length %d at offset %d overflows a 64-bit file offset", r.Length, r.Offset)
		}
	}
	return nil
}

// Format returns r as one .fai line in samtools' format
// ("name\tlength\toffset\tlinebases\tlinewidth\n").
func (r Record) Format() string {
	return string(r.appendTo(make([]byte, 0, len(r.Name)+64)))
}

func (r Record) appendTo(b []byte) []byte {
	b = append(b, r.Name...)
	for _, v := range [...]int64{r.Length, r.Offset, r.LineBases, r.LineWidth} {
		b = append(b, '\t')
		b = strconv.AppendInt(b, v, 10)
	}
	return append(b, '\n')
}

// Write writes recs to w in samtools' .fai format. Each record is validated
// first; nothing is written if any record is invalid.
func Write(w io.Writer, recs []Record) error {
	var b []byte
	for i, r := range recs {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("faidx: record %d (%q): %w", i, r.Name, err)
		}
		b = r.appendTo(b)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("faidx: writing index: %w", err)
	}
	return nil
}

// ByteOffset returns the uncompressed file offset of base pos (0-based) of
// the sequence. For pos >= Length it returns the offset just past the last
// base (Offset for an empty sequence); a negative pos is treated as 0.
// The result is meaningful only for a record that passes Validate.
func (r Record) ByteOffset(pos int64) int64 {
	if pos <= 0 || r.Length <= 0 || r.LineBases <= 0 {
		return r.Offset
	}
	if pos >= r.Length {
		return r.ByteOffset(r.Length-1) + 1
	}
	return r.Offset + (pos/r.LineBases)*r.LineWidth + pos%r.LineBases
}

// ByteSpan returns the byte range [off, off+n) of the uncompressed FASTA file
// holding bases [start, end) of the sequence, including the line terminators
// embedded between them but not one following the last base. start and end
// are clamped to [0, Length]; if start >= end, n is 0 and off is
// ByteOffset(start).
func (r Record) ByteSpan(start, end int64) (off, n int64) {
	start = min(max(start, 0), r.Length)
	end = min(max(end, 0), r.Length)
	off = r.ByteOffset(start)
	if end <= start {
		return off, 0
	}
	return off, r.ByteOffset(end-1) + 1 - off
}

// Index maps sequence names to records for fast lookup.
type Index map[string]Record

// NewIndex builds an Index from recs, reporting an error if a name occurs
// more than once.
func NewIndex(recs []Record) (Index, error) {
	ix := make(Index, len(recs))
	for _, r := range recs {
		if _, dup := ix[r.Name]; dup {
			return nil, fmt.Errorf("faidx: duplicate sequence name %q", r.Name)
		}
		ix[r.Name] = r
	}
	return ix, nil
}

// Lookup returns the record named name and whether it exists.
func (ix Index) Lookup(name string) (Record, bool) {
	r, ok := ix[name]
	return r, ok
}
