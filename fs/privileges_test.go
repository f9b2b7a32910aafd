package fs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestMountPermissionChecks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dev := write("fuse", "", 0o666)
	hostMap := write("uid_map_host", "         0          0 4294967295\n", 0o644)
	nsMap := write("uid_map_ns", "         0       1000          1\n", 0o644)
	status := write("status", "Name:\tseqfs\nNoNewPrivs:\t0\n", 0o644)
	nnpStatus := write("status_nnp", "Name:\tseqfs\nNoNewPrivs:\t1\n", 0o644)
	conf := write("fuse.conf", "# user_allow_other\n", 0o644)
	confAllow := write("fuse.conf.allow", "#x\nuser_allow_other\n", 0o644)
	fm := write("fusermount3", "", 0o755)
	if err := os.Chmod(fm, 0o755|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	plainFm := write("fusermount3-plain", "", 0o755)
	ok := func(string, uint32) error { return nil }
	denied := func(string, uint32) error { return syscall.EACCES }
	base := environment{euid: 1000, devFuse: dev, fuseConf: conf, uidMapPath: hostMap, statusPath: status,
		fusermount: func() (string, error) { return fm, nil }, accessCheck: ok}
	tests := []struct {
		name       string
		change     func(*environment)
		allowOther bool
		want       string // substring of the error; "" = no error
	}{
		{"all fine", func(*environment) {}, false, ""},
		{"root", func(e *environment) { e.euid = 0; e.accessCheck = denied }, true, ""},
		{"no device", func(e *environment) { e.devFuse = filepath.Join(dir, "missing") }, false, "modprobe fuse"},
		{"device not accessible", func(e *environment) { e.accessCheck = denied }, false, "chmod 0666"},
		{"no fusermount3", func(e *environment) { e.fusermount = func() (string, error) { return "", errors.New("x") } }, false, "apt-get install fuse3"},
		{"user namespace", func(e *environment) { e.uidMapPath = nsMap }, false, "--unshare-user --uid 0 --cap-add CAP_SYS_ADMIN"},
		{"user namespace without fusermount3", func(e *environment) {
			e.uidMapPath = nsMap
			e.fusermount = func() (string, error) { return "", errors.New("x") }
		}, false, "inside a user namespace"},
		{"no_new_privs", func(e *environment) { e.statusPath = nnpStatus }, false, "no_new_privs"},
		{"fusermount3 not setuid", func(e *environment) { e.fusermount = func() (string, error) { return plainFm, nil } }, false, "chmod u+s"},
		{"allow_other refused", func(*environment) {}, true, "user_allow_other"},
		{"allow_other allowed", func(e *environment) { e.fuseConf = confAllow }, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := base
			tt.change(&e)
			err := e.check("", tt.allowOther)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrMountNotPermitted) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrMountNotPermitted mentioning %q", err, tt.want)
			}
		})
	}
}

func TestUserAllowOtherParsing(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "fuse.conf")
	for content, want := range map[string]bool{
		"user_allow_other\n":            true,
		"  user_allow_other  \n":        true,
		"#user_allow_other\n":           false,
		"mount_max = 1000\n":            false,
		"user_allow_other_not_really\n": false,
	} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := userAllowOther(p); got != want {
			t.Errorf("%q: got %v, want %v", content, got, want)
		}
	}
}
