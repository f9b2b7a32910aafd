package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// initLoaded makes a root with a master instance holding one FASTA record
// (as `seqfs init` and `seqfs load` leave it: no latest yet) and returns
// the root and the load's stderr.
func initLoaded(t *testing.T) (root, loadErr string) {
	t.Helper()
	root = t.TempDir()
	if _, errOut, code := runRead(t, "-r", root, "init"); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	fa := filepath.Join(t.TempDir(), "u.fa")
	if err := os.WriteFile(fa, []byte(">u1 caf\xc3\xa9 au lait\nACGTACGTAC\n>u2\nGGGG\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, loadErr, code := runRead(t, "-r", root, "load", "-n", "me", fa)
	if code != 0 {
		t.Fatalf("load: %s", loadErr)
	}
	return root, loadErr
}

func TestMessagesForNewUsers(t *testing.T) {
	root, loadErr := initLoaded(t)
	// load always ends with a one-line summary (not a terminal here, so no
	// progress bar) and accepts the non-ASCII description.
	if !regexp.MustCompile(`^loaded 2 sequences \(2 new\), 2 aliases, 14 residues \(14B\) into \S+master in \d+\.\ds\n$`).MatchString(loadErr) {
		t.Errorf("load stderr %q; want the one-line summary", loadErr)
	}
	master := filepath.Join(root, "master")
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stderr
	}{
		{"read with no latest yet", []string{"-r", root, "fetch", "me:u1"}, exitNotFound,
			[]string{"latest", "its instances: master", "-i master", "-r DIR", "SEQREPO_ROOT_DIR", "-s PATH_OR_URL", "seqfs -r " + root + " snapshot", "update-latest"}},
		{"status with no latest yet", []string{"-r", root, "status"}, exitNotFound,
			[]string{"its instances: master", "-i master", "SEQREPO_ROOT_DIR"}},
		{"SEQREPO_ROOT_DIR root without latest", []string{"-s", root, "fetch", "me:u1"}, exitNotFound,
			[]string{"read through its \"latest\" instance", "its instances: master", "-i master", master, "update-latest"}},
		{"-i master works", []string{"-r", root, "-i", "master", "fetch", "me:u1"}, exitOK, nil},
		{"region in an id", []string{"-s", master, "fetch", "GRCh37:20:1000001-1000010"}, exitNotFound,
			[]string{"not found", "seqfs fetch GRCh37:20 --start 1000000 --end 1000010", "0-based, end exclusive"}},
		{"region with commas, start only", []string{"-s", master, "fetch", "me:u1:1,001"}, exitNotFound,
			[]string{"seqfs fetch me:u1 --start 1000`"}},
		{"no hint for a plain id", []string{"-s", master, "fetch", "me:nope"}, exitNotFound, nil},
		{"no hint for namespace:number", []string{"-s", master, "fetch", "GRCh38:1"}, exitNotFound, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runRead(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if tc.want == nil && strings.Contains(errOut, "--start") {
				t.Errorf("unexpected region hint: %s", errOut)
			}
		})
	}
	if out, _, _ := runRead(t, "-r", root, "-i", "master", "fetch", "me:u1"); out != "ACGTACGTAC\n" {
		t.Errorf("fetch me:u1 = %q", out)
	}
}

// A --source value is one location even when it holds commas (Redis
// Cluster URLs list their nodes so); several sources repeat the flag.
func TestSourceWithCommas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a,b,c")
	if err := os.Symlink(sample(t), dir); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runRead(t, "-s", dir, "fetch", "--start", "0", "--end", "5", "md5:"+phixMD5)
	if code != 0 || out != "GAGTT\n" {
		t.Fatalf("fetch from %s: exit %d, %q, %s", dir, code, out, errOut)
	}
}

func TestCopySummary(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "copy")
	_, errOut, code := runRead(t, "copy", sample(t), dst)
	if code != 0 || !regexp.MustCompile(`^copied 3 sequences \(3 new\), \d+ aliases, \d+ residues \([0-9.]+[kM]?B\) into \S+copy in \d+\.\ds\n$`).MatchString(errOut) {
		t.Fatalf("copy: exit %d, stderr %q; want the one-line summary", code, errOut)
	}
}
