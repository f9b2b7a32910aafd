package assembly

import (
	"compress/gzip"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// builtinFS holds bioutils' assembly definitions (see NOTICE), one
// <name>.json.gz per assembly.
//
//go:embed data/*.json.gz
var builtinFS embed.FS

// ErrUnknownAssembly is returned by Builtin for a name it does not hold.
var ErrUnknownAssembly = errors.New("unknown assembly")

// BuiltinNames returns the names of the built-in assemblies (those SeqRepo
// knows: GRCh37/38 and their patches, NCBI33–36, CHM1, T2T-CHM13v2.0),
// sorted.
func BuiltinNames() []string {
	ents, err := builtinFS.ReadDir("data")
	if err != nil {
		panic(fmt.Sprintf("assembly: embedded data: %v", err)) // cannot happen: embedded at build time
	}
	var out []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".json.gz"); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Builtin returns the built-in assembly of that name. The error matches
// ErrUnknownAssembly when there is none.
func Builtin(name string) (*Assembly, error) {
	var f fs.File
	err := fs.ErrNotExist
	if !strings.ContainsAny(name, "/\\") {
		f, err = builtinFS.Open("data/" + name + ".json.gz")
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %q (built-in: %s)", ErrUnknownAssembly, name, strings.Join(BuiltinNames(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("open built-in assembly %s: %w", name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("built-in assembly %s: %w", name, err)
	}
	a := new(Assembly)
	dec := json.NewDecoder(zr)
	dec.DisallowUnknownFields()
	if err := dec.Decode(a); err != nil {
		return nil, fmt.Errorf("built-in assembly %s: %w", name, err)
	}
	a.normalise()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("built-in assembly %s: %w", name, err)
	}
	return a, nil
}

// Builtins returns every built-in assembly, sorted by name.
func Builtins() ([]*Assembly, error) {
	var out []*Assembly
	for _, n := range BuiltinNames() {
		a, err := Builtin(n)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// normalise makes bioutils' absent accessions ("na" or null) "".
func (a *Assembly) normalise() {
	for i := range a.Sequences {
		s := &a.Sequences[i]
		s.RefSeqAC = naToEmpty(s.RefSeqAC)
		s.GenBankAC = naToEmpty(s.GenBankAC)
		if s.Aliases == nil {
			s.Aliases = []string{}
		}
	}
}

func naToEmpty(s string) string {
	if s == "na" {
		return ""
	}
	return s
}

// Validate checks what the rest of the package relies on: a usable name
// (CheckName), at least one sequence, every sequence named, names unique,
// lengths not negative, no empty alias.
func (a *Assembly) Validate() error {
	if err := CheckName(a.Name); err != nil {
		return err
	}
	if len(a.Sequences) == 0 {
		return fmt.Errorf("assembly %s has no sequences", a.Name)
	}
	seen := make(map[string]int, len(a.Sequences))
	for i, s := range a.Sequences {
		if err := s.check(); err != nil {
			return fmt.Errorf("assembly %s sequence %d: %w", a.Name, i+1, err)
		}
		if j, dup := seen[s.Name]; dup {
			return fmt.Errorf("assembly %s: sequence name %q appears twice (sequences %d and %d)", a.Name, s.Name, j+1, i+1)
		}
		seen[s.Name] = i
	}
	return nil
}

// check validates one sequence.
func (s Sequence) check() error {
	if s.Name == "" {
		return errors.New("empty Sequence-Name")
	}
	if s.Length < 0 {
		return fmt.Errorf("%s: negative length %d", s.Name, s.Length)
	}
	for _, al := range s.Aliases {
		if al == "" {
			return fmt.Errorf("%s: empty alias", s.Name)
		}
	}
	return nil
}
