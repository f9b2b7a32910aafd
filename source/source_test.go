package source_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/cache"
	"github.com/seqfs/seqfs/federation"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
	"github.com/seqfs/seqfs/source"
)

// phiX is the sample instance's phiX174 sequence.
var phiX = repotest.Sample[0]

// downURL returns a Redis location nothing listens on: opening it fails
// at once with repo.ErrUnavailable.
func downURL(t *testing.T) string {
	return fmt.Sprintf("redis://127.0.0.1:%d/0", testutil.FreePort(t))
}

// readPhiX reads the first residues of phiX through src, resolving its
// MD5 identifier first.
func readPhiX(ctx context.Context, src repo.Source) (string, error) {
	id, err := repo.Resolve(ctx, src, "MD5:"+phiX.MD5, "", repo.StyleSeqRepo)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 20)
	if err := repo.ReadFull(ctx, src, id, buf, 0); err != nil {
		return "", err
	}
	return string(buf), nil
}

// TestOpen checks what Open composes for each shape of Config, and that it
// serves the sample (or reports the missing member unavailable).
func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := all.Registry()
	sample := testutil.SampleInstance()
	type kind int
	const (
		backend kind = iota
		federated
		cached
	)
	tests := []struct {
		name     string
		members  []source.Member
		cache    bool // a top-level cache
		membersC bool // a cache for members only
		want     kind
		wantRead error // nil: phiX is read
		wantOpen error // nil: Open succeeds
	}{
		{name: "one member", members: []source.Member{{URL: sample}}, want: backend},
		{name: "one member cached", members: []source.Member{{URL: sample}}, cache: true, want: cached},
		{name: "one member down", members: []source.Member{{URL: downURL(t)}}, wantOpen: repo.ErrUnavailable},
		{name: "one member down, cached: offline stand-in", members: []source.Member{{URL: downURL(t)}}, cache: true,
			want: cached, wantRead: repo.ErrUnavailable},
		{name: "two members, one down", members: []source.Member{{URL: sample}, {URL: downURL(t)}}, want: federated},
		{name: "one member down first", members: []source.Member{{URL: downURL(t)}, {URL: sample}}, want: federated},
		{name: "one member with its own cache is federated", members: []source.Member{{URL: sample, Cache: true}},
			membersC: true, want: federated},
		{name: "member cache without a cache directory", members: []source.Member{{URL: sample, Cache: true}},
			wantOpen: errors.New("no cache directory configured")},
		{name: "namespace filter", members: []source.Member{{URL: sample, Namespaces: []string{"NCBI"}}, {URL: sample}}, want: federated},
		{name: "no members", wantOpen: errors.New("no members")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := source.Config{Members: tt.members}
			if tt.cache || tt.membersC {
				cfg.Cache = &source.Cache{Dir: t.TempDir(), MaxBytes: 1 << 30, MembersOnly: tt.membersC}
			}
			src, err := source.Open(ctx, reg, cfg)
			if tt.wantOpen != nil {
				if err == nil {
					src.Close()
				}
				if err == nil || !errors.Is(err, tt.wantOpen) && !strings.Contains(err.Error(), tt.wantOpen.Error()) {
					t.Fatalf("Open = %v; want %v", err, tt.wantOpen)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var got kind
			switch src.(type) {
			case *federation.Federation:
				got = federated
			case *cache.Cache:
				got = cached
			}
			if got != tt.want {
				t.Errorf("Open gave a %T", src)
			}
			s, err := readPhiX(ctx, src)
			if tt.wantRead != nil {
				if !errors.Is(err, tt.wantRead) {
					t.Errorf("read phiX = %q, %v; want %v", s, err, tt.wantRead)
				}
				return
			}
			if err != nil || s != phiX.Slices[0] {
				t.Errorf("read phiX = %q, %v; want %q", s, err, phiX.Slices[0])
			}
		})
	}
}

// TestCacheScopes checks that cached identifier entries are kept under the
// scopes earlier releases used, so that existing cache directories keep
// serving: "config:<file>" for the whole of a file's sources and
// "config:<file>#n" for its n-th cached member, the member URLs joined by
// U+001F otherwise.
func TestCacheScopes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := all.Registry()
	sample := testutil.SampleInstance()
	file := filepath.Join(t.TempDir(), "seqfs.toml")
	// The cached member comes first, so that it answers.
	text := fmt.Sprintf("[[source]]\nurl = %q\ncache = true\n[[source]]\nurl = %q\n", sample, sample)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile, err := source.LoadFile(file, reg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cfg    source.Config
		scopes []string
	}{
		{name: "file", cfg: fromFile, scopes: []string{"config:" + file, "config:" + file + "#1"}},
		{name: "locations", cfg: source.Config{Members: []source.Member{{URL: sample}, {URL: sample + "/"}}},
			scopes: []string{sample + "\x1f" + sample + "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tt.cfg.Cache = &source.Cache{Dir: dir, MaxBytes: 1 << 30}
			src, err := source.Open(ctx, reg, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := src.Info(ctx, phiX.SeqID); err != nil {
				t.Fatal(err)
			}
			if err := src.Close(); err != nil {
				t.Fatal(err)
			}
			// With the source gone, only an entry under the scope answers.
			gone := fmt.Errorf("gone: %w", repo.ErrUnavailable)
			for _, scope := range append(tt.scopes, "another scope") {
				c, err := cache.New(source.Offline(gone), cache.Options{Dir: dir, MaxBytes: 1 << 30, Scope: scope})
				if err != nil {
					t.Fatal(err)
				}
				info, err := c.Info(ctx, phiX.SeqID)
				c.Close()
				if want := scope != "another scope"; (err == nil && info.Length == phiX.Length) != want {
					t.Errorf("Info of phiX from the cache under scope %q: %+v, %v; want it cached: %v", scope, info, err, want)
				}
			}
		})
	}
}
