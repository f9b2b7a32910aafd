package integration_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
)

// TestLoadAndCopyOnATerminal: on a terminal (a pty from script(1)) load and
// copy draw their progress line, and both end with the summary line.
func TestLoadAndCopyOnATerminal(t *testing.T) {
	script := testutil.RequireTool(t, "script")
	root := t.TempDir()
	fa := filepath.Join(root, "in.fa")
	writeFASTA(t, fa, 50, 100, 300, 3, "p")
	if _, errOut, code := seqfs(t, "-r", root, "init"); code != 0 {
		t.Fatal(errOut)
	}
	for _, tc := range []struct {
		args           []string
		progress, done string
	}{
		{[]string{"-r", root, "load", "-n", "t", fa}, "\rload: 50 sequences", "loaded 50 sequences (50 new), 50 aliases"},
		{[]string{"copy", filepath.Join(root, "master"), filepath.Join(root, "copy")}, "\rcopy: 50 sequences", "copied 50 sequences (50 new)"},
	} {
		line := seqfsBin + " " + strings.Join(tc.args, " ")
		out, err := exec.Command(script, "-qec", line, "/dev/null").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		if !strings.Contains(string(out), tc.progress) || !strings.Contains(string(out), tc.done) {
			t.Errorf("%s on a terminal printed %q; want progress %q and summary %q", line, out, tc.progress, tc.done)
		}
	}
}

// TestServeLogsStartAtInfo: serve says where it listens, at INFO, also at
// the default log level (WARN).
func TestServeLogsStartAtInfo(t *testing.T) {
	p := startServeArgs(t, "-s", testutil.SampleInstance())
	out := p.out.String()
	if !strings.Contains(out, `level=INFO msg="seqfs serve listening"`) || strings.Contains(out, "level=WARN") {
		t.Errorf("serve log %q; want its start at INFO and no WARN", out)
	}
}
