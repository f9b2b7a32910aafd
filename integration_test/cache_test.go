package integration_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

const (
	cacheChrIMD5 = "6681ac2f62509cfc220d78751b8dc524"
)

var cacheHTTP = &http.Client{Timeout: 30 * time.Second}

// filepathWalk calls fn for every regular file under dir.
func filepathWalk(t testing.TB, dir string, fn func(path string, size int64)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				fn(p, fi.Size())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
}

func tryGet(u string) (int, string, error) {
	resp, err := cacheHTTP.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), nil
}

// sampleFetch returns residues [start, end) of a sequence of the sample
// instance read without any cache.
func sampleFetch(t testing.TB, id string, start, end int) string {
	t.Helper()
	out, errOut, code := seqfs(t, "-s", testutil.SampleInstance(), "fetch", "--start", strconv.Itoa(start), "--end", strconv.Itoa(end), id)
	if code != 0 {
		t.Fatalf("fetch %s from the sample: exit %d: %s", id, code, errOut)
	}
	return strings.TrimSpace(out)
}

// cacheStat runs `seqfs cache stats` and returns its fields.
func cacheStat(t testing.TB, dir string) map[string]string {
	t.Helper()
	out, errOut, code := seqfs(t, "cache", "stats", "--cache-dir", dir)
	if code != 0 {
		t.Fatalf("cache stats: exit %d: %s", code, errOut)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(l, "\t")
		m[k] = v
	}
	return m
}

// TestCacheServeOverRedis serves Redis through the cache, stops Redis, and
// checks that cached ranges still read while uncached ones fail clearly;
// then inspects and clears the directory with `seqfs cache`.
func TestCacheServeOverRedis(t *testing.T) {
	srv, loc := startRedisSample(t)
	dir := t.TempDir()
	p := startServeCached(t, loc, "--cache-dir", dir, "--cache-size", "50M")

	want := sampleFetch(t, "MD5:"+cacheChrIMD5, 0, 100000)
	u := fmt.Sprintf("%s/sequence/%s?start=0&end=100000", p.base, cacheChrIMD5)
	code, body, err := tryGet(u)
	if err != nil || code != 200 || body != want {
		t.Fatalf("GET %s: %d %v, %d bytes; want 200 with the sample's bytes", u, code, err, len(body))
	}

	srv.Stop() // the backend is gone

	code, body, err = tryGet(u)
	if err != nil || code != 200 || body != want {
		t.Errorf("cached range with Redis stopped: %d %v %.80q", code, err, body)
	}
	sub := fmt.Sprintf("%s/sequence/%s?start=500&end=600", p.base, cacheChrIMD5)
	if code, body, _ := tryGet(sub); code != 200 || body != want[500:600] {
		t.Errorf("cached sub-range with Redis stopped: %d %.80q", code, body)
	}
	// phiX174 was never read, so no block of it is cached.
	unc := fmt.Sprintf("%s/sequence/%s?start=0&end=100", p.base, "3332ed720ac7eaa9b3655c06f6b9e196")
	if code, body, _ := tryGet(unc); code < 500 {
		t.Errorf("uncached range with Redis stopped: %d %.200q; want a 5xx", code, body)
	}
	p.stop()

	st := cacheStat(t, dir)
	if n, _ := strconv.Atoi(st["entries"]); n == 0 {
		t.Errorf("cache stats after serving: %v; want entries", st)
	}
	if st["hits"] == "0" {
		t.Errorf("cache stats: no hits recorded: %v", st)
	}
	out, errOut, code := seqfs(t, "cache", "clear", "--cache-dir", dir)
	if code != 0 || !regexp.MustCompile(`removed [1-9]\d* entries`).MatchString(out) {
		t.Errorf("cache clear: exit %d: %s %s", code, out, errOut)
	}
	if st := cacheStat(t, dir); st["entries"] != "0" || !strings.HasPrefix(st["bytes"], "0 ") {
		t.Errorf("cache stats after clear: %v", st)
	}
}

// TestCacheFetchCLI fetches through a cache directory twice and restarts:
// output equals the uncached answer; the second run hits the cache; bad
// sizes are usage errors.
func TestCacheFetchCLI(t *testing.T) {
	dir := t.TempDir()
	want := sampleFetch(t, "MD5:"+cacheChrIMD5, 1000, 71000)
	for i := range 2 {
		out, errOut, code := seqfs(t, "-s", testutil.SampleInstance(), "fetch", "--cache-dir", dir, "--cache-size", "10M",
			"--start", "1000", "--end", "71000", "MD5:"+cacheChrIMD5)
		if code != 0 || strings.TrimSpace(out) != want {
			t.Fatalf("run %d: exit %d, %d bytes, stderr %s", i+1, code, len(out), errOut)
		}
	}
	st := cacheStat(t, dir)
	if st["hits"] == "0" || st["entries"] == "0" {
		t.Errorf("stats after two fetches: %v", st)
	}
	// A damaged entry is repaired and logged.
	var victim string
	filepathWalk(t, dir+"/v1", func(p string, size int64) {
		if victim == "" && size > 60000 {
			victim = p
		}
	})
	if victim == "" {
		t.Fatal("no block entry on disk")
	}
	b, _ := os.ReadFile(victim)
	b[len(b)/2] ^= 0x04
	os.WriteFile(victim, b, 0o644)
	out, errOut, code := seqfs(t, "-s", testutil.SampleInstance(), "fetch", "--cache-dir", dir,
		"--start", "1000", "--end", "71000", "MD5:"+cacheChrIMD5)
	if code != 0 || strings.TrimSpace(out) != want {
		t.Fatalf("after damage: exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(errOut, "corrupt") || !strings.Contains(errOut, victim) {
		t.Errorf("repair not logged naming %s: %s", victim, errOut)
	}
	if _, errOut, code := seqfs(t, "-s", testutil.SampleInstance(), "fetch", "--cache-dir", dir, "--cache-size", "lots", "MD5:"+cacheChrIMD5); code != 2 || !strings.Contains(errOut, "cache-size") {
		t.Errorf("--cache-size lots: exit %d, %s; want 2 naming the flag", code, errOut)
	}
}

// TestCacheServeOverS3 serves an s3:// instance (a real versitygw) through
// the cache, restarts seqfs over the same directory and stops the S3
// server: ranges read before the restart still read (from the directory
// alone), while one never read fails with a server error.
func TestCacheServeOverS3(t *testing.T) {
	srv, loc := startS3Sample(t)
	dir := t.TempDir()
	p := startServeCached(t, loc, "--cache-dir", dir, "--cache-size", "50M")
	want := sampleFetch(t, "MD5:"+cacheChrIMD5, 0, 100000)
	u := fmt.Sprintf("%s/sequence/%s?start=0&end=100000", p.base, cacheChrIMD5)
	code, body, err := tryGet(u)
	if err != nil || code != 200 || body != want {
		t.Fatalf("GET %s: %d %v, %d bytes; want 200 with the sample's bytes", u, code, err, len(body))
	}
	p.stop()

	p2 := startServeCached(t, loc, "--cache-dir", dir, "--cache-size", "50M")
	srv.Stop() // the backend is gone
	for _, r := range [][2]int{{0, 100000}, {500, 600}, {99000, 100000}} {
		u := fmt.Sprintf("%s/sequence/%s?start=%d&end=%d", p2.base, cacheChrIMD5, r[0], r[1])
		if code, body, err := tryGet(u); err != nil || code != 200 || body != want[r[0]:r[1]] {
			t.Errorf("cached range %d-%d after a restart, S3 stopped: %d %v %.80q", r[0], r[1], code, err, body)
		}
	}
	// A sequence never read (phiX, in its own file: the rest of chr I's
	// small file may sit in the S3 backend's chunk cache). The backend
	// retries a refused connection for several seconds.
	slow := &http.Client{Timeout: 2 * time.Minute}
	unc := p2.base + "/sequence/SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF?start=0&end=100"
	resp, err := slow.Get(unc)
	if err != nil {
		t.Errorf("uncached range with S3 stopped: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode < 500 {
			t.Errorf("uncached range with S3 stopped: %d; want a 5xx", resp.StatusCode)
		}
	}
	p2.stop()
	if st := cacheStat(t, dir); st["entries"] == "0" || st["hits"] == "0" {
		t.Errorf("cache stats: %v; want entries and hits", st)
	}
}
