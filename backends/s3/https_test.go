package s3_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/backends/s3"
	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// The https tests read through the package's own HTTP clients, which take
// their trusted roots from the system (http.DefaultTransport's defaults);
// the package has no option to pass a CA. So the trusting half of each
// test runs in a child process of this test binary started with
// SSL_CERT_FILE pointing at the test CA (and no system bundle), as a user
// with a private CA would run seqfs, and opens it there. The
// untrusting half runs in this process, whose roots do not include the CA.

// tlsChildEnv is set in the child process to the location to read.
const tlsChildEnv = "SEQFS_TEST_TLS_LOCATION"

// runTrusted runs the test named name in a child process that trusts only
// tc's CA, with tlsChildEnv=loc, and fails t if it does not pass.
func runTrusted(t *testing.T, name string, tc *s3test.TLS, loc string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1", "-test.v")
	cmd.Env = append(append(os.Environ(), tc.TrustEnv()...), tlsChildEnv+"="+loc)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("trusted reader (%s with SSL_CERT_FILE=%s) failed: %v\n%s", name, tc.CAFile, err, out)
	}
	t.Logf("trusted reader passed:\n%s", out)
}

// checkUntrusted opens loc in this process, which does not trust the
// test CA: it must fail, naming the file and the certificate problem.
func checkUntrusted(t *testing.T, loc, mention string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	src, err := openEnv(ctx, loc)
	if err == nil {
		src.Close()
		t.Fatalf("open %s succeeded without trusting the server's CA", loc)
	}
	t.Logf("untrusted open failed after %v: %v", time.Since(t0).Round(time.Millisecond), err)
	if !errors.Is(err, repo.ErrUnavailable) {
		t.Errorf("error does not match repo.ErrUnavailable: %v", err)
	}
	for _, m := range []string{mention, "certificate signed by unknown authority"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

// TestHTTPSSample serves the sample instance from an https static server
// (Range supported) whose certificate is signed by a test CA.
func TestHTTPSSample(t *testing.T) {
	t.Parallel()
	if loc := os.Getenv(tlsChildEnv); loc != "" {
		httpsChild(t, loc)
		return
	}
	tc := s3test.NewTLS(t)
	srv := httptest.NewUnstartedServer(http.FileServer(http.Dir(testutil.SampleRoot())))
	srv.TLS = tc.ServerConfig()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	u := srv.URL + "/master"
	if !strings.HasPrefix(u, "https://127.0.0.1:") {
		t.Fatalf("test server URL %s", u)
	}
	t.Run("Trusted", func(t *testing.T) { t.Parallel(); runTrusted(t, "TestHTTPSSample", tc, u) })
	t.Run("Untrusted", func(t *testing.T) { t.Parallel(); checkUntrusted(t, u, u+"/aliases.sqlite3") })
}

// httpsChild runs in the process that trusts the test CA.
func httpsChild(t *testing.T, loc string) {
	remote := openURL(t, loc)
	defer remote.Close()
	repotest.SameSource(t, openLocal(t, testutil.SampleInstance()), remote, repotest.SameExact)
	if st := remote.(*s3.Instance).Storage().Stats(); st.Requests == 0 || st.Bytes == 0 {
		t.Errorf("no requests counted: %+v", st)
	}
	// The certificate is checked against the host name, not only the CA:
	// it is valid for 127.0.0.1, not for localhost.
	lu, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	lu.Host = "localhost:" + lu.Port()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	src, err := openEnv(ctx, lu.String())
	if err == nil {
		src.Close()
		t.Fatalf("open %s succeeded with a certificate for 127.0.0.1 only", lu)
	}
	if !strings.Contains(err.Error(), "x509: certificate is not valid") || !strings.Contains(err.Error(), "localhost") ||
		!strings.Contains(err.Error(), lu.String()) {
		t.Errorf("host name mismatch: %v", err)
	}
}

// TestS3HTTPSEndpoint uploads the sample to versitygw speaking https and
// reads it back through s3:// with an https endpoint.
func TestS3HTTPSEndpoint(t *testing.T) {
	if loc := os.Getenv(tlsChildEnv); loc != "" {
		s3HTTPSChild(t, loc)
		return
	}
	tc := s3test.NewTLS(t)
	srv := s3test.StartTLS(t, tc)
	srv.SetEnv(t) // credentials (and the https endpoint) for both processes
	srv.MakeBucket("seqrepo")
	u := "s3://seqrepo/tls/master?endpoint=" + url.QueryEscape(srv.Endpoint())
	t.Run("Trusted", func(t *testing.T) { runTrusted(t, "TestS3HTTPSEndpoint", tc, u) })
	t.Run("Untrusted", func(t *testing.T) { checkUntrusted(t, u, `bucket "seqrepo"`) })
}

func s3HTTPSChild(t *testing.T, loc string) {
	st, err := s3.UploadInstance(context.Background(), testutil.SampleInstance(), loc, envConfig())
	if err != nil {
		t.Fatalf("UploadInstance over https: %v", err)
	}
	if st.Files < 5 {
		t.Fatalf("uploaded %d files, want at least 5", st.Files)
	}
	remote := openURL(t, loc)
	defer remote.Close()
	repotest.SameSource(t, openLocal(t, testutil.SampleInstance()), remote, repotest.SameExact)
}
