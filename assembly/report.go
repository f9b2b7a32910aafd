package assembly

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Report columns. An NCBI assembly report names them in its
// "# Sequence-Name<TAB>…" header line; a report without that line is read
// in this standard order.
const (
	colName         = "Sequence-Name"
	colRole         = "Sequence-Role"
	colMolecule     = "Assigned-Molecule"
	colLocation     = "Assigned-Molecule-Location/Type"
	colGenBank      = "GenBank-Accn"
	colRelationship = "Relationship"
	colRefSeq       = "RefSeq-Accn"
	colUnit         = "Assembly-Unit"
	colLength       = "Sequence-Length"
	colUCSC         = "UCSC-style-name"
)

// standardColumns is the column order of current NCBI assembly reports.
var standardColumns = []string{colName, colRole, colMolecule, colLocation, colGenBank, colRelationship, colRefSeq, colUnit, colLength, colUCSC}

// requiredColumns must be present; Assigned-Molecule, its location and
// UCSC-style-name (missing from old reports) are optional.
var requiredColumns = []string{colName, colRole, colGenBank, colRelationship, colRefSeq, colUnit, colLength}

// maxReportLine bounds one line of a report.
const maxReportLine = 1 << 20

// ReportError is a malformed assembly report: what is wrong and where.
type ReportError struct {
	Path string // file name, "" when parsing a stream
	Line int    // 1-based line number, 0 for the whole report
	Err  error
}

func (e *ReportError) Error() string {
	where := e.Path
	if where == "" {
		where = "assembly report"
	}
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	return where + ": " + e.Err.Error()
}

func (e *ReportError) Unwrap() error { return e.Err }

// ReadReport parses the NCBI assembly report at path; see ParseReport.
func ReadReport(path string) (*Assembly, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open assembly report: %w", err)
	}
	defer f.Close()
	a, err := ParseReport(f)
	var re *ReportError
	if errors.As(err, &re) {
		re.Path = path
	}
	return a, err
}

// ParseReport parses an NCBI assembly report (*_assembly_report.txt) into
// the model of the built-in definitions, as bioutils converts one: the
// "# Assembly name:" header names the assembly ("# Description:",
// "# Submitter:", "# Date:" and the assembly accessions fill the rest);
// dates are written YYYY-MM-DD; every sequence line becomes a Sequence whose alias is its
// UCSC-style-name unless that is "na"; "na" accessions become "". Line
// endings may be LF or CRLF. Errors are *ReportError with the line.
func ParseReport(r io.Reader) (*Assembly, error) {
	p := reportParser{a: &Assembly{Sequences: []Sequence{}}, cols: columnIndex(standardColumns), seen: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxReportLine)
	for sc.Scan() {
		p.line++
		if err := p.parseLine(strings.TrimSuffix(sc.Text(), "\r")); err != nil {
			return nil, &ReportError{Line: p.line, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than %d bytes", maxReportLine)
		}
		return nil, &ReportError{Line: p.line + 1, Err: err}
	}
	if !p.named {
		return nil, &ReportError{Err: errors.New(`no "# Assembly name:" header line`)}
	}
	if err := p.a.Validate(); err != nil {
		return nil, &ReportError{Err: err}
	}
	return p.a, nil
}

// reportParser is the state of ParseReport.
type reportParser struct {
	a        *Assembly
	line     int
	named    bool
	header   int            // line of the column header, 0 if none yet
	cols     map[string]int // column name -> index
	ncols    int
	seen     map[string]int // Sequence-Name -> line
	seenKeys map[string]int // header key -> line
}

func columnIndex(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}

func (p *reportParser) parseLine(line string) error {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	if c, ok := strings.CutPrefix(line, "#"); ok {
		return p.parseComment(c)
	}
	return p.parseSequence(line)
}

// parseComment handles a '#' line: the column header or a "Key: value"
// header; other comments are ignored.
func (p *reportParser) parseComment(c string) error {
	c = strings.TrimLeft(c, " ")
	if isColumnHeader(c) {
		return p.parseColumns(c)
	}
	key, val, ok := strings.Cut(c, ":")
	if !ok || strings.HasPrefix(c, "#") {
		return nil
	}
	key = strings.ToLower(strings.TrimSpace(key))
	val = strings.TrimSpace(val)
	first := ""
	if f := strings.Fields(val); len(f) > 0 {
		first = f[0]
	}
	var dst *string
	switch key {
	case "assembly name":
		if first == "" {
			return errors.New(`empty "# Assembly name:"`)
		}
		if err := CheckName(first); err != nil {
			return err
		}
		dst, val, p.named = &p.a.Name, first, true
	case "description":
		dst = &p.a.Description
	case "submitter":
		dst = &p.a.Submitter
	case "date":
		dst, val = &p.a.Date, normaliseDate(first)
	case "genbank assembly accession":
		dst, val = &p.a.GenBankAC, naToEmpty(first)
	case "refseq assembly accession":
		dst, val = &p.a.RefSeqAC, naToEmpty(first)
	default:
		return nil
	}
	if p.seenKeys == nil {
		p.seenKeys = map[string]int{}
	}
	if l, dup := p.seenKeys[key]; dup {
		return fmt.Errorf("second %q header (first on line %d)", key, l)
	}
	p.seenKeys[key] = p.line
	*dst = val
	return nil
}

// isColumnHeader reports whether comment c is the column header line: a
// tab-separated list naming Sequence-Name.
func isColumnHeader(c string) bool {
	if !strings.Contains(c, "\t") {
		return false
	}
	for _, f := range strings.Split(c, "\t") {
		if strings.TrimSpace(f) == colName {
			return true
		}
	}
	return false
}

// normaliseDate writes a Y-M-D date as YYYY-MM-DD, as bioutils does (old
// reports say "2015-6-25"); anything else is kept as it is.
func normaliseDate(d string) string {
	parts := strings.Split(d, "-")
	if len(parts) != 3 {
		return d
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || len(p) > 4 {
			return d
		}
		n[i] = v
	}
	return fmt.Sprintf("%04d-%02d-%02d", n[0], n[1], n[2])
}

// parseColumns reads the column header line.
func (p *reportParser) parseColumns(c string) error {
	if p.header != 0 {
		return fmt.Errorf("second column header line (first on line %d)", p.header)
	}
	if len(p.a.Sequences) > 0 {
		return errors.New("column header line after sequence lines")
	}
	names := strings.Split(c, "\t")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	cols := columnIndex(names)
	if len(cols) != len(names) {
		return errors.New("a column is named twice in the header line")
	}
	for _, r := range requiredColumns {
		if _, ok := cols[r]; !ok {
			return fmt.Errorf("column header lacks %s", r)
		}
	}
	p.header, p.cols, p.ncols = p.line, cols, len(names)
	return nil
}

// parseSequence reads one tab-separated sequence line.
func (p *reportParser) parseSequence(line string) error {
	f := strings.Split(line, "\t")
	want := p.ncols
	if want == 0 {
		want = len(standardColumns)
	}
	if len(f) != want {
		return fmt.Errorf("%d tab-separated fields, want %d", len(f), want)
	}
	get := func(col string) string {
		i, ok := p.cols[col]
		if !ok {
			return "na"
		}
		return strings.TrimSpace(f[i])
	}
	s := Sequence{
		Name:         get(colName),
		Role:         get(colRole),
		GenBankAC:    naToEmpty(get(colGenBank)),
		Relationship: get(colRelationship),
		RefSeqAC:     naToEmpty(get(colRefSeq)),
		Unit:         get(colUnit),
		Aliases:      []string{},
	}
	if s.Name == "" || s.Name == "na" {
		return fmt.Errorf("missing %s", colName)
	}
	if l, dup := p.seen[s.Name]; dup {
		return fmt.Errorf("%s %q appears twice (first on line %d)", colName, s.Name, l)
	}
	if s.Relationship == "" {
		return fmt.Errorf("sequence %s: empty %s", s.Name, colRelationship)
	}
	n, err := strconv.ParseInt(get(colLength), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("sequence %s: %s %q is not a length", s.Name, colLength, get(colLength))
	}
	s.Length = n
	if u := get(colUCSC); u != "na" && u != "" {
		s.Aliases = append(s.Aliases, u)
	}
	p.seen[s.Name] = p.line
	p.a.Sequences = append(p.a.Sequences, s)
	return nil
}
