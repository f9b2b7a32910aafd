package integration_test

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/internal/testutil"
)

// TestS3FetchCLI: `seqfs fetch` over s3:// prints what it prints for the
// local instance, and --s3-stats reports the requests.
func TestS3FetchCLI(t *testing.T) {
	_, loc := startS3Sample(t)
	tests := [][]string{
		{"fetch", "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", "--start", "0", "--end", "60"},
		{"fetch", "MD5:b7ebc601f9a7df2e1ec5863deeae88a3"},
		{"fetch", "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn", "--start", "100000", "--end", "100100"},
		{"info", "SQ.z-qJgWoacRBV77zcMgZN9E_utrdzmQsH"},
	}
	for _, args := range tests {
		want, werr, wcode := seqfs(t, append([]string{"-s", testutil.SampleInstance()}, args...)...)
		got, gerr, gcode := seqfs(t, append([]string{"-s", loc}, args...)...)
		if got != want || gcode != wcode {
			t.Errorf("seqfs %v over s3: exit %d %q (stderr %s); local: exit %d %q (stderr %s)", args, gcode, trunc(got), gerr, wcode, trunc(want), werr)
		}
	}
	t.Setenv("SEQFS_S3_STATS", "1")
	_, errs, code := seqfs(t, "-s", loc, "fetch", "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", "--start", "0", "--end", "10")
	if code != 0 || !strings.Contains(errs, "requests") || !strings.Contains(errs, "s3://seqrepo/yeast-phix/master") {
		t.Errorf("--s3-stats: exit %d, stderr %q", code, errs)
	}
	t.Setenv("SEQFS_S3_STATS", "")
	// Missing instance and bad credentials: clear errors, non-zero exit.
	_, errs, code = seqfs(t, "-s", "s3://seqrepo/nothing", "fetch", "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF")
	if code == 0 || !strings.Contains(errs, "s3://seqrepo/nothing/aliases.sqlite3") {
		t.Errorf("missing instance: exit %d, stderr %q", code, errs)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	_, errs, code = seqfs(t, "-s", loc, "fetch", "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF")
	if code == 0 || !strings.Contains(errs, "credentials") || !strings.Contains(errs, `bucket "seqrepo"`) {
		t.Errorf("bad credentials: exit %d, stderr %q", code, errs)
	}
}

func trunc(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// TestS3Serve: `seqfs serve` over s3:// answers refget and SeqRepo REST
// requests with the bytes of the local instance.
func TestS3Serve(t *testing.T) {
	ref := loadSampleRef(t)
	_, loc := startS3Sample(t)
	base := startServe(t, loc)
	for id, seq := range ref.seqs {
		code, _, body := get(t, base+"/sequence/SQ."+id)
		if code != 200 || !bytes.Equal(body, seq) {
			t.Errorf("GET /sequence/%s over s3: %d, %d bytes (want %d)", id, code, len(body), len(seq))
		}
		code, _, body = get(t, base+"/sequence/SQ."+id+"?start=10&end=70")
		if code != 200 || !bytes.Equal(body, seq[10:70]) {
			t.Errorf("GET /sequence/%s?start=10&end=70 over s3: %d %q", id, code, body)
		}
		code, _, body = get(t, base+"/seqrepo/1/sequence/ga4gh:SQ."+id+"?start=5&end=25")
		if code != 200 || !bytes.Equal(body, seq[5:25]) {
			t.Errorf("GET /seqrepo/1/sequence/%s over s3: %d %q", id, code, body)
		}
	}
	if code, _, _ := get(t, base+"/sequence/nonexistent0000"); code != 404 {
		t.Errorf("unknown id over s3: %d, want 404", code)
	}
}

// TestS3Mount: `seqfs mount` over s3:// shows every alias with the local
// instance's bytes, and samtools reads regions through it.
func TestS3Mount(t *testing.T) {
	ref := loadSampleRef(t)
	_, loc := startS3Sample(t)
	m := startMount(t, []string{"-s", loc})
	checkSampleMount(t, ref, m.dir, "S3")
}

// TestS3CopyFromRedisLikeSource: s3-upload of a non-directory source goes
// through a temporary instance (here an https-free http:// instance is not
// needed: a file:// URL of the sample takes the direct path, a federation
// of one is not a directory). The uploaded copy serves the same bytes.
func TestS3UploadViaCopy(t *testing.T) {
	_, loc := startS3Sample(t)
	dst := "s3://seqrepo/copied"
	// Source: the uploaded instance itself (an s3:// source is copied
	// through a temporary local instance, then uploaded).
	if out, errs, code := seqfs(t, "s3-upload", loc, dst); code != 0 {
		t.Fatalf("seqfs s3-upload %s %s: exit %d\n%s%s", loc, dst, code, out, errs)
	}
	// seqfs copy to s3:// goes through the registered s3 writer.
	dst2 := "s3://seqrepo/viacopy"
	if out, errs, code := seqfs(t, "copy", testutil.SampleInstance(), dst2); code != 0 {
		t.Fatalf("seqfs copy %s %s: exit %d\n%s%s", testutil.SampleInstance(), dst2, code, out, errs)
	}
	for _, args := range [][]string{
		{"fetch", "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", "--start", "100", "--end", "200"},
		{"fetch", "MD5:b7ebc601f9a7df2e1ec5863deeae88a3"},
	} {
		// (info is not compared: a copy stamps sequences with its own time.)
		want, _, _ := seqfs(t, append([]string{"-s", testutil.SampleInstance()}, args...)...)
		for _, d := range []string{dst, dst2} {
			got, errs, code := seqfs(t, append([]string{"-s", d}, args...)...)
			if code != 0 || got != want {
				t.Errorf("%v from %s: exit %d %q %s, want %q", args, d, code, trunc(got), errs, trunc(want))
			}
		}
	}
}

// TestHTTPSFetchCLI serves the sample instance from an https static server
// whose certificate a test CA signed: `seqfs fetch` through
// https://127.0.0.1:PORT/master, run with SSL_CERT_FILE (and
// AWS_CA_BUNDLE) pointing at the CA, prints every sequence as the local
// instance does; without them it fails naming the file and the untrusted
// certificate.
func TestHTTPSFetchCLI(t *testing.T) {
	ref := loadSampleRef(t)
	tc := s3test.NewTLS(t)
	srv := httptest.NewUnstartedServer(http.FileServer(http.Dir(testutil.SampleRoot())))
	srv.TLS = tc.ServerConfig()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	loc := srv.URL + "/master"
	if !strings.HasPrefix(loc, "https://127.0.0.1:") {
		t.Fatalf("test server URL %s", loc)
	}
	trust := tc.TrustEnv()
	if len(ref.seqs) != 3 {
		t.Fatalf("sample has %d sequences, want 3", len(ref.seqs))
	}
	for id, seq := range ref.seqs {
		args := []string{"fetch", "SQ." + id}
		want, werr, wcode := seqfs(t, append([]string{"-s", testutil.SampleInstance()}, args...)...)
		got, gerr, gcode := seqfsEnv(t, trust, append([]string{"-s", loc}, args...)...)
		if gcode != 0 || got != want || wcode != 0 {
			t.Errorf("seqfs fetch SQ.%s over https: exit %d %q (stderr %s); local: exit %d %q (stderr %s)", id, gcode, trunc(got), gerr, wcode, trunc(want), werr)
		}
		if strings.TrimSpace(got) != string(seq) {
			t.Errorf("seqfs fetch SQ.%s over https: %d residues differ from samtools' %d", id, len(strings.TrimSpace(got)), len(seq))
		}
	}
	for _, a := range ref.aliases {
		args := []string{"fetch", a.ns + ":" + a.alias, "--start", "10", "--end", "70"}
		got, gerr, gcode := seqfsEnv(t, trust, append([]string{"-s", loc}, args...)...)
		if want := ref.seqs[a.seqID][10:70]; gcode != 0 || strings.TrimSpace(got) != string(want) {
			t.Errorf("seqfs %v over https: exit %d %q (stderr %s), want %q", args, gcode, got, gerr, want)
		}
	}
	// Without the CA: a clear error naming the file and the certificate.
	t0 := time.Now()
	_, errs, code := seqfs(t, "-s", loc, "fetch", "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF")
	t.Logf("untrusted: exit %d after %v: %s", code, time.Since(t0).Round(time.Millisecond), strings.TrimSpace(errs))
	if code == 0 || !strings.Contains(errs, loc+"/aliases.sqlite3") || !strings.Contains(errs, "certificate signed by unknown authority") {
		t.Errorf("untrusted certificate: exit %d, stderr %q", code, errs)
	}
}
