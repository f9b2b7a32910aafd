package integration_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
)

// TestFederationDownMember federates the sample with a refget server that
// is down (nothing listens on its port). What the sample holds is served;
// an identifier it lacks is unavailable, not "not found", through the CLI
// (non-zero, "unavailable"), HTTP (503) and the mount (EIO); /healthz says
// degraded (issue 16, item 4).
func TestFederationDownMember(t *testing.T) {
	downURL := fmt.Sprintf("refget+http://127.0.0.1:%d?attempts=1&timeout=2s&cooldown=1s", testutil.FreePort(t))
	cfg := filepath.Join(t.TempDir(), "fed.toml")
	conf := fmt.Sprintf("[[source]]\nurl = %q\n[[source]]\nurl = %q\n", testutil.SampleInstance(), downURL)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	global := []string{"--config", cfg}
	const missing = "refseq:NM_NOWHERE.1"

	// CLI.
	out, errOut, code := seqfs(t, append(global, "fetch", "--start", "0", "--end", "10", "MD5:"+phiXMD5)...)
	if code != 0 || strings.TrimSpace(out) != "GAGTTTTATC" {
		t.Errorf("fetch phiX with a member down: exit %d %q %s", code, out, errOut)
	}
	_, errOut, code = seqfs(t, append(global, "fetch", missing)...)
	if code == 0 || !strings.Contains(errOut, "unavailable") || strings.Contains(errOut, "not found") {
		t.Errorf("fetch %s with a member down: exit %d, stderr %q; want non-zero naming it unavailable", missing, code, errOut)
	}

	// HTTP.
	p := startServeArgs(t, global...)
	if r := httpGet(t, p.base+"/sequence/"+phiXMD5+"?start=0&end=10"); r.status != 200 || string(r.body) != "GAGTTTTATC" {
		t.Errorf("GET phiX with a member down: %d %q", r.status, r.body)
	}
	for _, path := range []string{"/sequence/" + missing, "/sequence/" + missing + "/metadata", "/seqrepo/1/sequence/" + missing, "/refget/1/sequence/" + missing} {
		r := httpGet(t, p.base+path)
		if r.status != 503 || r.h.Get("Retry-After") == "" {
			t.Errorf("GET %s with a member down: %d %q; want 503 with Retry-After", path, r.status, r.body)
		}
	}
	if r := httpGet(t, p.base+"/healthz"); r.status != 503 || !strings.HasPrefix(string(r.body), "degraded") {
		t.Errorf("/healthz with a member down: %d %q; want 503 degraded", r.status, r.body)
	}

	// Mount.
	m := startMount(t, global)
	if b, err := os.ReadFile(filepath.Join(m.dir, "MD5", phiXMD5+".seq")); err != nil || !strings.HasPrefix(string(b), "GAGTTTTATC") {
		t.Errorf("read phiX through the mount with a member down: %.20q, %v", b, err)
	}
	for _, name := range []string{"MD5/" + strings.Repeat("f", 32) + ".fa", "test/NM_NOWHERE.1.fa", "digest/SQ." + strings.Repeat("A", 32) + ".fa", "refseq/NM_NOWHERE.1.fa"} {
		if _, err := os.Stat(filepath.Join(m.dir, name)); !errors.Is(err, syscall.EIO) {
			t.Errorf("stat %s with a member down: %v; want EIO", name, err)
		}
	}

	// With every member up an unknown identifier is plain "not found".
	_, errOut, code = seqfs(t, "-s", testutil.SampleInstance(), "fetch", missing)
	if code == 0 || strings.Contains(errOut, "unavailable") {
		t.Errorf("fetch %s from the sample alone: exit %d, %q", missing, code, errOut)
	}
	up := startServeArgs(t, "-s", testutil.SampleInstance())
	if r := httpGet(t, up.base+"/sequence/"+missing); r.status != 404 {
		t.Errorf("GET %s from the sample alone: %d", missing, r.status)
	}
	if r := httpGet(t, up.base+"/healthz"); r.status != 200 || string(r.body) != "ok\n" {
		t.Errorf("/healthz of the sample alone: %d %q", r.status, r.body)
	}
}
