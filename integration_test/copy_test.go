package integration_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/internal/testutil"
)

// `seqfs copy` moves the sample into Redis and back out into a new SeqRepo
// instance; every export is the same bytes as the original's, and a second
// run (a resumed copy) adds nothing.
func TestCopyThroughRedis(t *testing.T) {
	srv := redistest.Start(t)
	dst := srv.URL() + "?prefix=copytest"
	sample := testutil.SampleInstance()
	if out, errb, code := seqfs(t, "copy", sample, dst); code != 0 {
		t.Fatalf("copy sample → redis: exit %d\n%s%s", code, out, errb)
	}
	back := filepath.Join(t.TempDir(), "back")
	if out, errb, code := seqfs(t, "copy", dst, back); code != 0 {
		t.Fatalf("copy redis → instance: exit %d\n%s%s", code, out, errb)
	}
	want, errb, code := seqfs(t, "-s", sample, "export")
	if code != 0 {
		t.Fatalf("export sample: %s", errb)
	}
	for _, loc := range []string{dst, back} {
		got, errb, code := seqfs(t, "-s", loc, "export")
		if code != 0 || got != want {
			t.Errorf("export of %s differs from the sample's (exit %d, %s): %d vs %d bytes", loc, code, errb, len(got), len(want))
		}
		got, _, _ = seqfs(t, "-s", loc, "export-aliases")
		wantA, _, _ := seqfs(t, "-s", sample, "export-aliases")
		if got != wantA {
			t.Errorf("export-aliases of %s:\n%s\nwant:\n%s", loc, got, wantA)
		}
	}
	if _, errb, code := seqfs(t, "copy", sample, dst); code != 0 || !strings.Contains(errb, "copied 3 sequences (0 new)") {
		t.Errorf("second copy should add nothing: exit %d, log %q", code, errb)
	}
	if _, errb, code := seqfs(t, "copy", sample, "refget+http://127.0.0.1:1/"); code == 0 || !strings.Contains(errb, "not writable") {
		t.Errorf("copy to a read-only scheme: exit %d, %q", code, errb)
	}
}
