package main

import (
	"slices"
	"strings"
	"testing"
)

func TestIsMountHelperForm(t *testing.T) {
	app := newApp()
	dir := t.TempDir()
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"seqfs", "/srv/seqrepo/latest", dir, "-o", "ro"}, true},
		{[]string{"seqfs", "s3://b/p", "/no/such/dir", "-o", "ro"}, true},
		{[]string{"seqfs", "/srv/seqrepo/latest", dir}, true},
		{[]string{"seqfs", "/srv/seqrepo/latest", "/no/such/dir"}, false},
		{[]string{"seqfs", "mount", dir}, false},
		{[]string{"seqfs", "fetch", "NM_1", "-o", "x"}, false},
		{[]string{"seqfs", "-s", dir}, false},
		{[]string{"seqfs", "src", dir, "-x", "ro"}, false},
		{[]string{"seqfs", "help", dir}, false},
		{[]string{"seqfs"}, false},
	}
	for _, tt := range tests {
		if got := isMountHelperForm(app, tt.args); got != tt.want {
			t.Errorf("%q: got %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestParseMountHelper(t *testing.T) {
	app := newApp()
	tests := []struct {
		name       string
		opts       string
		want       string // the seqfs command line after the program name
		foreground bool
		log        string
		err        string
	}{
		{name: "generic options ignored", opts: "rw,ro,dev,suid,nofail,_netdev,noauto,users,x-systemd.automount,x-systemd.idle-timeout=60,comment=x,defaults",
			want: "--source SRC -v mount /mnt", log: "syslog"},
		{name: "seqfs options", opts: "ro,allow_other,default_permissions,line_width=70,cache_timeout=1h,cache_dir=/var/cache/seqfs,cache_size=2G",
			want: "--source SRC --cache-dir /var/cache/seqfs --cache-size 2G -v mount --allow-other --default-permissions --line-width 70 --cache-timeout 1h /mnt", log: "syslog"},
		{name: "more sources and log file", opts: "source=redis://h:6379/0,prefer_first,log=/var/log/seqfs.log,verbose=2",
			want: "--source SRC --source redis://h:6379/0 --prefer-first -v -v mount /mnt", log: "/var/log/seqfs.log"},
		{name: "backend settings", opts: "s3_endpoint=http://127.0.0.1:9000,s3_stats",
			want: "--source SRC --s3-endpoint http://127.0.0.1:9000 --s3-stats -v mount /mnt", log: "syslog"},
		{name: "escaped comma", opts: `source=https://h/a\,b`, want: "--source SRC --source https://h/a,b -v mount /mnt", log: "syslog"},
		{name: "foreground with die_with_parent", opts: "foreground,die_with_parent,log=stderr,verbose=0",
			want: "--source SRC mount --die-with-parent /mnt", foreground: true, log: "stderr"},
		{name: "bool with value", opts: "allow_other=false", want: "--source SRC -v mount --allow-other=false /mnt", log: "syslog"},
		{name: "unknown", opts: "ro,bogus", err: `unknown mount option "bogus"`},
		{name: "value missing", opts: "line_width", err: "needs a value"},
		{name: "allow_root", opts: "allow_root", err: "allow_root is not supported"},
		{name: "die_with_parent detached", opts: "die_with_parent", err: "needs foreground"},
		{name: "bad verbose", opts: "verbose=9", err: "verbose"},
		{name: "empty log", opts: "log=", err: "log needs a value"},
		{name: "verbose as a flag", opts: "verbose", err: "verbose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseMountHelper(app, []string{"seqfs", "SRC", "/mnt", "-o", tt.opts})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(cfg.args[1:], " "); got != tt.want {
				t.Errorf("args:\n got %s\nwant %s", got, tt.want)
			}
			if cfg.foreground != tt.foreground || cfg.log != tt.log {
				t.Errorf("foreground %v log %q, want %v %q", cfg.foreground, cfg.log, tt.foreground, tt.log)
			}
			if _, err := permuteArgs(app, cfg.args); err != nil {
				t.Errorf("the command line does not parse: %v", err)
			}
		})
	}
	cfg, err := parseMountHelper(app, []string{"seqfs", "none", "/mnt", "-o", "config=/etc/seqfs.toml"})
	if err != nil || !slices.Equal(cfg.args[1:], []string{"--config", "/etc/seqfs.toml", "-v", "mount", "/mnt"}) {
		t.Errorf("source none: %q, %v", cfg.args, err)
	}
}

func FuzzSplitMountOptions(f *testing.F) {
	for _, s := range []string{"ro,allow_other", `a\,b,c`, ",,", `\`, "x=1,y=,z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts := splitMountOptions(s)
		for _, p := range parts {
			if p == "" {
				t.Fatalf("empty option from %q", s)
			}
		}
		if !strings.Contains(s, `\`) {
			var want []string
			for _, p := range strings.Split(s, ",") {
				if p != "" {
					want = append(want, p)
				}
			}
			if !slices.Equal(parts, want) {
				t.Fatalf("%q: got %q, want %q", s, parts, want)
			}
		}
	})
}
