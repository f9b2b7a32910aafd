package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
)

// The seqfs test genome (testdata/genome/README.md): GRCh37 chr20, yeast I
// and VI, phiX174, loaded under their RefSeq accessions. Both variants are
// built once per test binary (next to seqfsBin, removed by TestMain) and
// copied for each test.
var (
	genomeOnce  [2]sync.Once
	genomeRoots [2]string
	genomeErrs  [2]error
)

// Facts of the test genome, from testdata/genome/test_assembly_report.txt.
const (
	genomeAssembly = "seqfsTest1"
	chr20SeqID     = "iy_UbUrvECxFRX5LPTH_KPojdlT7BKsf"
	yeastISeqID    = "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn"
	yeastVISeqID   = "z-qJgWoacRBV77zcMgZN9E_utrdzmQsH"
	phiXSeqID      = "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"
)

// genomeReport is the path of the test genome's assembly report.
func genomeReport() string {
	return filepath.Join(testutil.RepoRoot(), "testdata", "genome", "test_assembly_report.txt")
}

// testGenome returns the instance directory (ROOT/master) of a private copy
// of the test genome. With withAssembly, add-assembly-names has been run
// with the genome's assembly report (seqfsTest1 aliases and collections).
// It needs vt-examples for chr20 (skips, or fails with CI=true, without).
func testGenome(t testing.TB, withAssembly bool) string {
	t.Helper()
	const chr20 = "/usr/share/doc/vt/examples/ref/20.fa.gz"
	if _, err := os.Stat(chr20); err != nil {
		testutil.SkipOrFail(t, "%s missing: install vt-examples (scripts/deps.sh)", chr20)
	}
	v := 0
	if withAssembly {
		v = 1
	}
	genomeOnce[v].Do(func() {
		root := filepath.Join(filepath.Dir(seqfsBin), "genome", []string{"plain", "assembly"}[v])
		args := []string{filepath.Join(testutil.RepoRoot(), "testdata", "genome", "build.sh"), seqfsBin, root}
		if withAssembly {
			args = append([]string{args[0], "--assembly"}, args[1:]...)
		}
		out, err := exec.Command("sh", args...).CombinedOutput()
		if err != nil {
			genomeErrs[v] = &buildError{err: err, out: string(out)}
			return
		}
		genomeRoots[v] = root
	})
	if genomeErrs[v] != nil {
		t.Fatalf("build test genome: %v", genomeErrs[v])
	}
	dst := t.TempDir()
	if out, err := exec.Command("cp", "-a", filepath.Join(genomeRoots[v], "master"), dst).CombinedOutput(); err != nil {
		t.Fatalf("copy test genome: %v: %s", err, out)
	}
	return filepath.Join(dst, "master")
}

// buildError is a failed build.sh run with its output.
type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }
