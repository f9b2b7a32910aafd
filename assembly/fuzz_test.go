package assembly

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseReport checks that ParseReport never panics, that what it
// accepts is a valid assembly, and that writing that assembly as a report
// and parsing it again gives it back.
func FuzzParseReport(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "genome", "test_assembly_report.txt")); err == nil {
		f.Add(string(b))
	}
	if a, err := Builtin("T2T-CHM13v2.0"); err == nil {
		f.Add(formatReport(a))
	}
	f.Add("# Assembly name: X\n#Sequence-Length\tSequence-Name\tSequence-Role\tGenBank-Accn\tRelationship\tRefSeq-Accn\tAssembly-Unit\n7\tMT\tr\tJ1.2\t=\tNC_1.1\tnon-nuclear\n")
	f.Add("# Assembly name: X\n1\tr\tna\tna\tna\t<>\tna\tu\t0\tna\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseReport(strings.NewReader(in))
		if err != nil {
			if _, ok := err.(*ReportError); !ok {
				t.Fatalf("error %T %v is not a *ReportError", err, err)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("accepted an invalid assembly: %v", err)
		}
		again, err := ParseReport(strings.NewReader(formatReport(a)))
		if err != nil {
			t.Fatalf("re-parse: %v\n%q", err, formatReport(a))
		}
		if !reflect.DeepEqual(a, again) {
			t.Fatalf("round trip differs:\n%+v\n%+v", a, again)
		}
	})
}
