// Package fasta reads FASTA files for loading into a sequence store: plain
// text, gzip or BGZF compressed (detected from the content), from a file or
// standard input. It follows SeqRepo's loader (docs/format.md, “FASTA
// loader”): lines before the first '>' are ignored, a header is the rest of
// its line with trailing whitespace removed, and sequence lines are stripped
// of surrounding whitespace and joined. Unlike SeqRepo it checks everything
// as it goes and reports problems with the file name, line number and record
// name: a sequence may contain only ASCII letters and '*', and a file must be
// text: ASCII, except that a header's description (after its first word, the
// name) may hold any bytes but control characters, such as UTF-8 or Latin-1
// text (">u1 café").
package fasta

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Record is one FASTA entry.
type Record struct {
	// Header is the defline without the leading '>' and without trailing
	// whitespace.
	Header string
	// Line is the 1-based line number of the header in the file.
	Line int
	// Seq holds the residues exactly as read (case preserved). It is
	// reused by the next call to Next; copy it to keep it.
	Seq []byte
}

// Name returns the first whitespace-separated word of the header, the
// record's name in error messages.
func (r *Record) Name() string { return firstWord(r.Header) }

// Error reports bad input, naming the file, line and record.
type Error struct {
	File   string // file name ("-" or "<stdin>" for standard input)
	Line   int    // 1-based line number, 0 if not tied to a line
	Record string // name of the record being read, if any
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Record != "" {
		fmt.Fprintf(&b, ": record %q", e.Record)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// ErrFormat is matched (errors.Is) by every *Error.
var ErrFormat = errors.New("bad FASTA input")

// Is makes errors.Is(err, ErrFormat) true.
func (e *Error) Is(target error) bool { return target == ErrFormat }

// Reader reads FASTA records one at a time. It is not safe for concurrent
// use.
type Reader struct {
	name    string
	br      *bufio.Reader
	closers []io.Closer
	line    int
	header  string // pending header read ahead, valid when hasHdr
	hdrLine int
	hasHdr  bool
	records int
	eof     bool
	rec     Record
}

// classes of bytes in sequence lines.
const (
	clsBad   = 0
	clsUpper = 1
	clsLower = 2
	clsStar  = 3
	clsSpace = 4
)

var seqClass = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = clsUpper
		t[c+('a'-'A')] = clsLower
	}
	t['*'] = clsStar
	for _, c := range " \t\r\v\f" {
		t[c] = clsSpace
	}
	return t
}()

// Open opens a FASTA file by name; "-" is standard input. gzip and BGZF
// input are recognised by their magic bytes. A file named *.bgz must be
// BGZF, not merely gzip.
func Open(path string) (*Reader, error) {
	if path == "-" {
		return NewReader(os.Stdin, "<stdin>")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open FASTA %s: %w", path, err)
	}
	r, err := newReader(f, path, strings.HasSuffix(path, ".bgz"))
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closers = append(r.closers, f)
	return r, nil
}

// NewReader reads FASTA from r, decompressing gzip or BGZF input; name is
// used in error messages. Close does not close r.
func NewReader(r io.Reader, name string) (*Reader, error) {
	return newReader(r, name, false)
}

func newReader(r io.Reader, name string, wantBGZF bool) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(18)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("read FASTA %s: %w", name, err)
	}
	fr := &Reader{name: name}
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if wantBGZF && !isBGZFHeader(magic) {
			return nil, &Error{File: name, Msg: "file is gzip but not BGZF (a .bgz file must be compressed with bgzip)"}
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &Error{File: name, Msg: fmt.Sprintf("bad gzip data: %v", err)}
		}
		fr.closers = append(fr.closers, zr)
		br = bufio.NewReaderSize(zr, 1<<20)
	} else if wantBGZF {
		return nil, &Error{File: name, Msg: "a .bgz file must be BGZF compressed, but this one is not gzip at all"}
	}
	fr.br = br
	return fr, nil
}

// isBGZFHeader reports whether b starts a gzip member with the BGZF "BC"
// extra subfield.
func isBGZFHeader(b []byte) bool {
	return len(b) >= 16 && b[2] == 8 && b[3]&4 != 0 && b[10] == 6 && b[11] == 0 &&
		b[12] == 'B' && b[13] == 'C' && b[14] == 2 && b[15] == 0
}

// Close releases the decompressor and the file opened by Open.
func (r *Reader) Close() error {
	var first error
	for i := len(r.closers) - 1; i >= 0; i-- {
		if err := r.closers[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	r.closers = nil
	return first
}

// readLine returns the next line without its '\n' (and without a final
// '\r'), or io.EOF. The slice is valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A very long line (a whole chromosome on one line): collect it.
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil && err != io.EOF {
		return nil, r.ioErr(err)
	}
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	r.line++
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	return line, nil
}

func (r *Reader) ioErr(err error) error {
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{File: r.name, Line: r.line + 1, Msg: fmt.Sprintf("bad compressed data: %v", err)}
	}
	return fmt.Errorf("read FASTA %s near line %d: %w", r.name, r.line+1, err)
}

// checkText rejects bytes that do not belong in an ASCII text line.
func (r *Reader) checkText(line []byte, record string) error {
	return r.checkTextFrom(line, record, len(line))
}

// checkHeader is checkText for a header line: bytes >= 0x80 are allowed
// after the name (the first word), whose characters ParseDefline checks.
func (r *Reader) checkHeader(line []byte) error {
	name := 1 // skip '>'
	for name < len(line) && seqClass[line[name]] == clsSpace {
		name++
	}
	for name < len(line) && seqClass[line[name]] != clsSpace {
		name++
	}
	return r.checkTextFrom(line, "", name)
}

// checkTextFrom rejects control bytes anywhere in line and bytes >= 0x80
// in its first ascii bytes.
func (r *Reader) checkTextFrom(line []byte, record string, ascii int) error {
	for i, c := range line {
		if (c >= 0x80 && i < ascii) || (c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f') || c == 0x7f {
			return &Error{File: r.name, Line: r.line, Record: record,
				Msg: fmt.Sprintf("not a text file: byte 0x%02x at column %d", c, i+1)}
		}
	}
	return nil
}

// Next returns the next record, or io.EOF after the last one. A file with
// no record at all is an error. The returned record and its Seq are reused
// by the following call.
func (r *Reader) Next() (*Record, error) {
	if r.eof {
		return nil, io.EOF
	}
	if !r.hasHdr {
		// Skip anything before the first header, as SeqRepo does, but
		// insist that it is text.
		for {
			line, err := r.readLine()
			if err == io.EOF {
				r.eof = true
				if r.line == 0 {
					return nil, &Error{File: r.name, Msg: "empty file"}
				}
				return nil, &Error{File: r.name, Msg: "no FASTA record: no line starts with '>'"}
			}
			if err != nil {
				return nil, err
			}
			if len(line) > 0 && line[0] == '>' {
				if err := r.checkHeader(line); err != nil {
					return nil, err
				}
				if err := r.setHeader(line); err != nil {
					return nil, err
				}
				break
			}
			if err := r.checkText(line, ""); err != nil {
				return nil, err
			}
		}
	}
	rec := &r.rec
	rec.Header, rec.Line, rec.Seq = r.header, r.hdrLine, rec.Seq[:0]
	r.hasHdr = false
	name := rec.Name()
	for {
		line, err := r.readLine()
		if err == io.EOF {
			r.eof = true
			break
		}
		if err != nil {
			return nil, err
		}
		if len(line) > 0 && line[0] == '>' {
			if err := r.checkHeader(line); err != nil {
				return nil, err
			}
			if err := r.setHeader(line); err != nil {
				return nil, err
			}
			break
		}
		// Strip surrounding whitespace, then every byte must be a letter
		// or '*'.
		lo, hi := 0, len(line)
		for lo < hi && seqClass[line[lo]] == clsSpace {
			lo++
		}
		for hi > lo && seqClass[line[hi-1]] == clsSpace {
			hi--
		}
		body := line[lo:hi]
		for i, c := range body {
			if k := seqClass[c]; k == clsBad || k == clsSpace {
				return nil, r.badResidue(name, c, lo+i)
			}
		}
		rec.Seq = append(rec.Seq, body...)
	}
	r.records++
	return rec, nil
}

func (r *Reader) badResidue(name string, c byte, col int) error {
	var what string
	switch {
	case c == 0 || c >= 0x80 || c < 0x20 || c == 0x7f:
		what = fmt.Sprintf("not a text file: byte 0x%02x", c)
	case seqClass[c] == clsSpace:
		what = "whitespace inside a sequence line"
	default:
		what = fmt.Sprintf("invalid residue %q (only letters and '*' are allowed)", c)
	}
	return &Error{File: r.name, Line: r.line, Record: name, Msg: fmt.Sprintf("%s at column %d", what, col+1)}
}

func (r *Reader) setHeader(line []byte) error {
	h := string(bytes.TrimRight(line[1:], " \t\r\v\f"))
	if firstWord(h) == "" {
		return &Error{File: r.name, Line: r.line, Msg: "empty FASTA header (a '>' line needs a name)"}
	}
	r.header, r.hdrLine, r.hasHdr = h, r.line, true
	return nil
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}
