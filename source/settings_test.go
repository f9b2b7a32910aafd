package source_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/backends/s3"
	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/source"
)

// TestMemberSettings federates two s3:// instances on two S3 servers, each
// member's endpoint given in the configuration file: every member reaches
// its own server, whatever the process-wide endpoint says. Not parallel:
// the S3 credentials come from the environment.
func TestMemberSettings(t *testing.T) {
	ctx := context.Background()
	a, b := s3test.Start(t), s3test.Start(t)
	a.SetEnv(t)
	var text string
	for i, srv := range []*s3test.Server{a, b} {
		srv.MakeBucket("seqrepo")
		loc := fmt.Sprintf("s3://seqrepo/only-on-%d/master", i)
		if _, err := s3.UploadInstance(ctx, testutil.SampleInstance(), loc, s3.Config{Endpoint: srv.Endpoint()}); err != nil {
			t.Fatal(err)
		}
		text += fmt.Sprintf("[[source]]\nurl = %q\ns3-endpoint = %q\n", loc, srv.Endpoint())
	}
	path := filepath.Join(t.TempDir(), "seqfs.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := all.Registry()
	cfg, err := source.LoadFile(path, reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Settings = repo.Settings{s3.SettingEndpoint: fmt.Sprintf("http://127.0.0.1:%d", testutil.FreePort(t))}
	src, err := source.Open(ctx, reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := repo.CheckHealth(ctx, src); err != nil {
		t.Errorf("a member did not reach its server: %v", err)
	}
	if s, err := readPhiX(ctx, src); err != nil || s != phiX.Slices[0] {
		t.Errorf("read phiX = %q, %v", s, err)
	}
}
