// Package collectionfile reads the sequence collection that a local file
// describes, for comparing it with stored collections (seqfs compare,
// seqfs identify): a FASTA file (plain, gzip or BGZF; sequence digests are
// computed while streaming, never holding a whole sequence), a samtools
// .fai index (names and lengths), or a SAM header or Picard .dict (names,
// lengths and the MD5 digests of the @SQ M5 tags). Errors name the file
// and line.
package collectionfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/seqfs/seqfs/faidx"
	"github.com/seqfs/seqfs/repo"
)

// Formats of the files read.
const (
	FormatFASTA     = "FASTA"
	FormatFai       = "fai"
	FormatSAMHeader = "SAM header" // also Picard .dict files
)

// File is what a file says about a collection. Names and Lengths are
// always set; SeqIDs only for FASTA (sha512t24u digests, without "SQ.");
// MD5s only for SAM headers ("" where an @SQ line has no M5 tag).
type File struct {
	Path    string
	Format  string
	Names   []string
	Lengths []int64
	SeqIDs  []string
	MD5s    []string
}

// Error reports bad input with the file and line.
type Error struct {
	File string
	Line int // 1-based; 0 when not tied to a line
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// ErrFormat is matched (errors.Is) by every *Error.
var ErrFormat = errors.New("bad collection file")

// Is makes errors.Is(err, ErrFormat) true.
func (e *Error) Is(target error) bool { return target == ErrFormat }

// ReadFile reads a file, choosing the format by its name (.fai, .dict,
// .sam, .fa, .fasta, .fna, .fas, each optionally .gz) or else by its
// content (">" FASTA, "@" SAM header, else .fai). "-" is standard input
// (named "<stdin>" in messages), recognised by its content.
func ReadFile(path string) (*File, error) {
	if path == "-" {
		return Read(os.Stdin, "<stdin>")
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError: "open PATH: reason"
	}
	defer fh.Close()
	return Read(fh, path)
}

// Read reads a collection from r; name gives the file name for format
// detection and messages. gzip and BGZF input is decompressed.
func Read(r io.Reader, name string) (*File, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &Error{File: name, Msg: "bad gzip data: " + err.Error()}
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	base := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(filepath.Base(name)), ".gz"), ".bgz")
	var f *File
	var err error
	switch {
	case strings.HasSuffix(base, ".fai"):
		f, err = readFai(br, name)
	case strings.HasSuffix(base, ".dict"), strings.HasSuffix(base, ".sam"):
		f, err = readSAMHeader(br, name)
	case hasAnySuffix(base, ".fa", ".fasta", ".fna", ".fas"):
		f, err = readFASTA(br, name)
	default:
		switch firstByte(br) {
		case '>':
			f, err = readFASTA(br, name)
		case '@':
			f, err = readSAMHeader(br, name)
		case 0:
			return nil, &Error{File: name, Msg: "empty file"}
		default:
			f, err = readFai(br, name)
		}
	}
	if err != nil {
		return nil, err
	}
	f.Path = name
	return f, nil
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, suf := range suffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// firstByte returns the first byte that is not white space without
// consuming anything, or 0 for input that is empty or all white space.
func firstByte(br *bufio.Reader) byte {
	for n := 1; ; n *= 2 {
		b, err := br.Peek(n)
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 {
			return t[0]
		}
		if err != nil || n >= br.Size() {
			return 0
		}
	}
}

// readFai reads a samtools .fai index.
func readFai(r io.Reader, name string) (*File, error) {
	recs, err := faidx.Parse(r)
	if err != nil {
		var pe *faidx.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Line: pe.Line, Msg: "not a .fai index line: " + pe.Msg}
		}
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, &Error{File: name, Msg: "no sequences in the .fai index"}
	}
	f := &File{Format: FormatFai, Names: make([]string, len(recs)), Lengths: make([]int64, len(recs))}
	for i, rec := range recs {
		f.Names[i], f.Lengths[i] = rec.Name, rec.Length
	}
	return f, checkNames(f, name)
}

// checkNames rejects a name given twice.
func checkNames(f *File, file string) error {
	seen := make(map[string]bool, len(f.Names))
	for _, n := range f.Names {
		if seen[n] {
			return &Error{File: file, Msg: fmt.Sprintf("sequence name %q appears twice", n)}
		}
		seen[n] = true
	}
	return nil
}

// readSAMHeader reads the @SQ lines of a SAM header (or .dict), stopping at
// the first line that is not a header line.
func readSAMHeader(br *bufio.Reader, name string) (*File, error) {
	f := &File{Format: FormatSAMHeader}
	line := 0
	for {
		text, err := br.ReadString('\n')
		if text == "" && err != nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("%s: read: %w", name, err)
		}
		line++
		text = strings.TrimRight(text, "\r\n")
		if text == "" {
			continue
		}
		if text[0] != '@' {
			break // alignments follow the header
		}
		if !strings.HasPrefix(text, "@SQ\t") {
			continue
		}
		sn, ln, m5, msg := parseSQ(text)
		if msg != "" {
			return nil, &Error{File: name, Line: line, Msg: msg}
		}
		f.Names = append(f.Names, sn)
		f.Lengths = append(f.Lengths, ln)
		f.MD5s = append(f.MD5s, m5)
		if err == io.EOF {
			break
		}
	}
	if len(f.Names) == 0 {
		return nil, &Error{File: name, Msg: "no @SQ lines: not a SAM header or sequence dictionary"}
	}
	return f, checkNames(f, name)
}

// parseSQ reads the SN, LN and M5 tags of an @SQ line; msg says what is
// wrong with it.
func parseSQ(text string) (sn string, ln int64, m5, msg string) {
	hasLN := false
	for _, field := range strings.Split(text, "\t")[1:] {
		tag, val, ok := strings.Cut(field, ":")
		if !ok || len(tag) != 2 {
			return "", 0, "", fmt.Sprintf("@SQ field %q is not TAG:VALUE", field)
		}
		switch tag {
		case "SN":
			sn = val
		case "LN":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 || strings.HasPrefix(val, "+") {
				return "", 0, "", fmt.Sprintf("@SQ LN:%s is not a non-negative integer", val)
			}
			ln, hasLN = n, true
		case "M5":
			if len(val) != 32 {
				return "", 0, "", fmt.Sprintf("@SQ M5:%s is not an MD5 digest (32 hexadecimal digits)", val)
			}
			m5 = strings.ToLower(val)
		}
	}
	switch {
	case sn == "":
		return "", 0, "", "@SQ line without SN (sequence name)"
	case !hasLN:
		return "", 0, "", fmt.Sprintf("@SQ line for %q without LN (length)", sn)
	}
	return sn, ln, m5, ""
}

// readFASTA streams FASTA records, digesting each sequence as it goes:
// lines before the first '>' are ignored, a record's name is the first
// word of its header, and residues are normalised as refget does (case
// folded, white space and '*' dropped; anything else is an error).
func readFASTA(br *bufio.Reader, name string) (*File, error) {
	f := &File{Format: FormatFASTA}
	var (
		d         *repo.Digester
		residues  int64
		line      int
		lineStart = true
		lineOff   int // offset of the chunk within its line
		written   int // bytes of the record given to d
	)
	finish := func() {
		if d != nil {
			f.SeqIDs = append(f.SeqIDs, d.Sum().SeqID)
			f.Lengths = append(f.Lengths, residues)
		}
	}
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if lineStart {
				line++
				lineOff = 0
			}
			if lineStart && chunk[0] == '>' {
				hdr := append([]byte(nil), chunk...)
				for err == bufio.ErrBufferFull {
					chunk, err = br.ReadSlice('\n')
					hdr = append(hdr, chunk...)
				}
				finish()
				fields := strings.Fields(string(hdr[1:]))
				if len(fields) == 0 {
					return nil, &Error{File: name, Line: line, Msg: "FASTA header without a name"}
				}
				f.Names = append(f.Names, fields[0])
				d, residues, written = repo.NewDigester(), 0, 0
				lineStart = true
			} else {
				if d != nil {
					if _, werr := d.Write(chunk); werr != nil {
						var na *repo.NonAlphaError
						if errors.As(werr, &na) {
							return nil, &Error{File: name, Line: line, Msg: fmt.Sprintf("record %q: character %q in column %d is not a residue",
								f.Names[len(f.Names)-1], rune(na.Char), lineOff+na.Offset-written+1)}
						}
						return nil, &Error{File: name, Line: line, Msg: werr.Error()}
					}
					residues += countLetters(chunk)
					written += len(chunk)
				}
				lineOff += len(chunk)
				lineStart = chunk[len(chunk)-1] == '\n'
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			return nil, fmt.Errorf("%s:%d: read: %w", name, line, err)
		}
	}
	finish()
	if len(f.Names) == 0 {
		return nil, &Error{File: name, Msg: "no FASTA records"}
	}
	return f, checkNames(f, name)
}

// countLetters counts ASCII letters, the residues the digest keeps.
func countLetters(b []byte) int64 {
	var n int64
	for _, c := range b {
		if c|0x20 >= 'a' && c|0x20 <= 'z' {
			n++
		}
	}
	return n
}
