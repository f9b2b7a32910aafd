package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Edge records through the mount: a protein with '*' gets the M5 that
// samtools dict computes (SAM keeps '*', refget's MD5 drops it), and an
// empty sequence has an empty .fai, as samtools writes it, so samtools
// reports the record missing instead of crashing on a zero line length.
func TestFSEdgeRecords(t *testing.T) {
	root := t.TempDir()
	fa := filepath.Join(root, "in.fa")
	if err := os.WriteFile(fa, []byte(">prot1\nMKV*\n>empty1\n>dna1\nACGTNacgt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-r", root, "init"}, {"-r", root, "load", "-n", "test", fa}} {
		if _, errb, code := seqfs(t, args...); code != 0 {
			t.Fatalf("seqfs %v: %s", args, errb)
		}
	}
	m := startMount(t, []string{"-s", filepath.Join(root, "master")})
	for _, name := range []string{"prot1", "dna1"} {
		plain := filepath.Join(t.TempDir(), name+".fa")
		data, err := os.ReadFile(filepath.Join(m.dir, "test", name+".fa"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(plain, data, 0o644); err != nil {
			t.Fatal(err)
		}
		want := runTool(t, nil, "samtools", "dict", plain)
		got, err := os.ReadFile(filepath.Join(m.dir, "test", name+".dict"))
		if err != nil {
			t.Fatal(err)
		}
		m5 := func(s string) string {
			_, after, _ := strings.Cut(s, "M5:")
			v, _, _ := strings.Cut(after, "\t")
			return strings.TrimSpace(v)
		}
		if m5(string(got)) == "" || m5(string(got)) != m5(string(want)) {
			t.Errorf("%s.dict M5 %q, samtools dict says %q", name, m5(string(got)), m5(string(want)))
		}
	}
	fai, err := os.ReadFile(filepath.Join(m.dir, "test", "empty1.fa.fai"))
	if err != nil || len(fai) != 0 {
		t.Errorf("empty1.fa.fai = %q, %v; want empty", fai, err)
	}
	out, err := exec.Command("samtools", "faidx", filepath.Join(m.dir, "test", "empty1.fa"), "empty1").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() > 1 || strings.Contains(string(out), "Floating point") {
		t.Errorf("samtools faidx of the empty record crashed: %v %s", err, out)
	}
}
