package main

import (
	"slices"
	"strings"
	"testing"
)

func TestParseRsyncListing(t *testing.T) {
	t.Parallel()
	listing := "drwxr-xr-x          4,096 2024/12/20 04:12:34 .\n" +
		"drwxr-xr-x          4,096 2024/02/20 10:00:00 2024-02-20\n" +
		"drwxr-xr-x             96 2024/12/20 04:12:34 2024-12-20\r\n" +
		"drwxr-xr-x          4,096 2016/08/27 04:12:34 20160827\n" + // old style: not remote
		"drwxr-xr-x          4,096 2024/12/20 04:12:34 master\n" +
		"lrwxrwxrwx             10 2024/12/20 04:12:34 latest\n" +
		"-rw-r--r--          1,234 2024/12/20 04:12:34 2023-01-01\n" + // a file
		"drwxr-xr-x          4,096 2099/01/01 00:00:00 2099-01-01\n" + // outside 2010–2029
		"drwxr-xr-x          4,096 2024/12/20 04:12:34 2019-05-20\n"
	got := parseRsyncListing([]byte(listing))
	if want := []string{"2019-05-20", "2024-02-20", "2024-12-20"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// The first line is the module itself, whatever it says.
	if got := parseRsyncListing([]byte("drwxr-xr-x 4,096 2024/12/20 04:12:34 2024-12-20\n")); len(got) != 0 {
		t.Errorf("first line taken as an instance: %q", got)
	}
}

func TestRsyncModule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ host, sub, want string }{
		{"dl.biocommons.org", "", "dl.biocommons.org::seqrepo"},
		{"dl.biocommons.org", "2024-12-20/", "dl.biocommons.org::seqrepo/2024-12-20/"},
		{"rsync://127.0.0.1:8873", "", "rsync://127.0.0.1:8873/seqrepo"},
		{"rsync://127.0.0.1:8873/", "2024-12-20", "rsync://127.0.0.1:8873/seqrepo/2024-12-20"},
	} {
		if got := rsyncModule(tc.host, tc.sub); got != tc.want {
			t.Errorf("rsyncModule(%q, %q) = %q, want %q", tc.host, tc.sub, got, tc.want)
		}
	}
}

func FuzzParseRsyncListing(f *testing.F) {
	f.Add([]byte("drwxr-xr-x 4,096 2024/12/20 04:12:34 .\ndrwxr-xr-x 4,096 2024/12/20 04:12:34 2024-12-20\n"))
	f.Add([]byte("\n\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		names := parseRsyncListing(b)
		if !slices.IsSorted(names) {
			t.Fatalf("not sorted: %q", names)
		}
		for _, n := range names {
			if !remoteInstanceRE.MatchString(n) || !strings.Contains(string(b), n) {
				t.Fatalf("bad name %q", n)
			}
		}
	})
}

func TestDaemonFDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dir           string
		ready, fuseFD int
	}{
		{"/mnt/seqrepo", 3, -1},
		{"/dev/fd/3", 4, 3},
		{"/dev/fd/5", 3, 5},
		{"/dev/fd/x", 3, -1},
		{"/dev/fd/1", 3, -1},
	} {
		if ready, fuseFD := daemonFDs(tc.dir); ready != tc.ready || fuseFD != tc.fuseFD {
			t.Errorf("%s: ready %d fuse %d, want %d %d", tc.dir, ready, fuseFD, tc.ready, tc.fuseFD)
		}
	}
}
