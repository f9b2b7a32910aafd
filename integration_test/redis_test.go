package integration_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

// TestRedisMount mounts redis:// and checks every file of every alias
// against the sample read with sqlite3 and samtools, like the SeqRepo mount.
func TestRedisMount(t *testing.T) {
	ref := loadSampleRef(t)
	_, loc := startRedisSample(t)
	m := startMount(t, []string{"-s", loc})
	checkSampleMount(t, ref, m.dir, "Redis")
	listed := map[string][]string{}
	for _, a := range ref.aliases {
		listed[a.ns] = append(listed[a.ns], a.alias+".fa")
	}
	for ns, want := range listed {
		ents, err := os.ReadDir(filepath.Join(m.dir, ns))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".fa") {
				got = append(got, e.Name())
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("ls %s: %q, want %q", ns, got, want)
		}
	}
}

func get(t testing.TB, u string, hdr ...string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// TestRedisServeSameAsSeqRepo serves the sample from the SeqRepo layout and
// from its Redis copy and requires byte-identical HTTP answers.
func TestRedisServeSameAsSeqRepo(t *testing.T) {
	_, loc := startRedisSample(t)
	a := startServe(t, testutil.SampleInstance())
	b := startServe(t, loc)
	phix, chr1 := "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn"
	md5 := "3332ed720ac7eaa9b3655c06f6b9e196"
	paths := []string{
		"/sequence/" + md5, "/sequence/" + md5 + "?start=10&end=100", "/sequence/SQ." + chr1 + "?start=20000&end=30100",
		"/sequence/ga4gh:SQ." + chr1 + "/metadata", "/sequence/" + md5 + "/metadata", "/sequence/nosuch",
		"/sequence/" + md5 + "?start=100&end=10",
		"/seqrepo/1/sequence/SQ." + phix + "?start=5&end=50", "/seqrepo/1/metadata/MD5:" + md5,
		"/seqrepo/1/sequence/" + md5[:10], "/seqrepo/1/metadata/VMC:GS_" + phix, "/seqrepo/1/sequence/NC_000001.11",
		"/refget/1/sequence/" + md5 + "?start=0&end=10", "/refget/1/sequence/" + md5 + "/metadata",
		"/seqrepo/1/sequence/" + url.PathEscape("test:NC_001422.1 Enterobacteria phage phiX174 sensu lato, complete genome"),
	}
	if c, _, body := get(t, b+paths[0]); c != 200 || len(body) != 5386 {
		t.Fatalf("GET %s from redis: %d, %d bytes", paths[0], c, len(body))
	}
	for _, p := range paths {
		ca, ta, ba := get(t, a+p)
		cb, tb, bb := get(t, b+p)
		if ca != cb || ta != tb || !bytes.Equal(ba, bb) {
			t.Errorf("GET %s:\n seqrepo %d %s %.200q\n   redis %d %s %.200q", p, ca, ta, ba, cb, tb, bb)
		}
	}
	// A Range request crossing several parts.
	ca, _, ba := get(t, a+"/sequence/SQ."+chr1, "Range", "bytes=10000-50000")
	cb, _, bb := get(t, b+"/sequence/SQ."+chr1, "Range", "bytes=10000-50000")
	if ca != cb || !bytes.Equal(ba, bb) || len(bb) != 40001 {
		t.Errorf("Range: %d %d bytes vs %d %d bytes", ca, len(ba), cb, len(bb))
	}
}

// TestRedisCLI runs the read commands over redis:// and compares them with
// the same commands over the SeqRepo layout; a server that is down gives a
// fast error naming it.
func TestRedisCLI(t *testing.T) {
	_, loc := startRedisSample(t)
	inst := testutil.SampleInstance()
	for _, args := range [][]string{
		{"fetch", "--start", "9990", "--end", "10030", "MD5:6681ac2f62509cfc220d78751b8dc524"},
		{"translate", "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"},
		{"info", "MD5:3332ed720ac7eaa9b3655c06f6b9e196"},
		{"export"},
		{"export-aliases"},
		{"fetch", "nosuch"},
		{"info", "%"},
	} {
		oa, ea, ca := seqfs(t, append([]string{"-s", inst}, args...)...)
		ob, eb, cb := seqfs(t, append([]string{"-s", loc}, args...)...)
		if oa != ob || ca != cb || ea != eb {
			t.Errorf("seqfs %v:\n seqrepo %d %.200q %q\n   redis %d %.200q %q", args, ca, oa, ea, cb, ob, eb)
		}
	}
	port := testutil.FreePort(t)
	t0 := time.Now()
	_, errOut, code := seqfs(t, "-s", fmt.Sprintf("redis://127.0.0.1:%d/0", port), "fetch", "X")
	if code == 0 || !strings.Contains(errOut, fmt.Sprintf("redis 127.0.0.1:%d", port)) || time.Since(t0) > 5*time.Second {
		t.Errorf("redis down: exit %d after %v: %q", code, time.Since(t0), errOut)
	}
}

// TestRedisCopyOut copies the Redis store out with `seqfs copy redis://…
// DIR` and checks that the new instance exports the same FASTA and aliases
// as the sample.
func TestRedisCopyOut(t *testing.T) {
	_, loc := startRedisSample(t)
	dst := filepath.Join(t.TempDir(), "out")
	if _, errOut, code := seqfs(t, "copy", loc, dst); code != 0 {
		t.Fatalf("seqfs copy %s %s: exit %d: %s", loc, dst, code, errOut)
	}
	for _, args := range [][]string{{"export"}, {"export-aliases"}} {
		want, _, _ := seqfs(t, append([]string{"-s", testutil.SampleInstance()}, args...)...)
		got, errOut, code := seqfs(t, append([]string{"-s", dst}, args...)...)
		if code != 0 || got != want || len(want) < 500 {
			t.Errorf("seqfs %v of the copy: exit %d %s; %d bytes vs %d", args, code, errOut, len(got), len(want))
		}
	}
}
