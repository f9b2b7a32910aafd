package s3test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryIsPinned: the binary Lookup finds is the versitygw release
// tools/go.mod pins, not one found on PATH or installed elsewhere.
func TestBinaryIsPinned(t *testing.T) {
	t.Parallel()
	bin := Binary(t)
	dir, err := toolsModule()
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := exec.Command("go", "-C", dir, "list", "-m", "-f", "{{.Version}}", "github.com/versity/versitygw").Output()
	if err != nil {
		t.Fatalf("go list -m in %s: %v", dir, err)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m %s: %v", bin, err)
	}
	want := "mod\tgithub.com/versity/versitygw\t" + strings.TrimSpace(string(pinned)) + "\t"
	if !strings.Contains(string(info), want) {
		t.Errorf("%s is not the pinned versitygw %s:\n%s", bin, pinned, info)
	}
}
