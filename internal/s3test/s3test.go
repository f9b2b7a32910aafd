// Package s3test starts a real S3 server for tests and benchmarks:
// versitygw with its posix backend on a temporary directory, on a free
// loopback port, with fixed test credentials. The binary is the versitygw
// pinned by a tool directive in the repository's tools/go.mod, built once
// into the Go build cache by "go tool -n" (scripts/deps.sh warms it); nothing
// is installed. Start ties the server to a test (stopped at cleanup, failures
// fail the test); Launch runs one outside tests (a benchmark program),
// returning errors, and the caller stops it.
package s3test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

// Test credentials of the root user.
const (
	AccessKey = "seqfstestaccess"
	SecretKey = "seqfstestsecret0123456789"
	Region    = "us-east-1"
)

// Server is one running versitygw.
type Server struct {
	t    testing.TB // nil for a server started by Launch
	bin  string
	Port int
	// Root is the posix backend's directory: bucket b's object k is the
	// file Root/b/k.
	Root string
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
	tls  *TLS // nil: plain http
}

var (
	lookupOnce sync.Once
	lookupBin  string
	lookupErr  error
)

// Lookup returns the versitygw binary pinned in the repository's
// tools/go.mod. The first call builds it with "go tool -n versitygw" (a
// no-op when the Go build cache holds it already), which needs the go
// command and, on a fresh machine, the Go module proxy.
func Lookup() (string, error) {
	lookupOnce.Do(func() {
		lookupBin, lookupErr = pinnedTool("versitygw")
	})
	return lookupBin, lookupErr
}

// pinnedTool returns the path of the tool name pinned in tools/go.mod.
func pinnedTool(name string) (string, error) {
	dir, err := toolsModule()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "tool", "-n", name)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool -n %s in %s: %w\n%s", name, dir, err, stderr.Bytes())
	}
	return strings.TrimSpace(string(out)), nil
}

// toolsModule returns the directory of the repository's tools module: next
// to this source file (tests and "go run" build from the repository), or,
// in a build with -trimpath, below the root of the module the current
// directory is in.
func toolsModule() (string, error) {
	root := ""
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root = filepath.Join(filepath.Dir(file), "..", "..")
	} else {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			return "", fmt.Errorf("locate the tools module: go env GOMOD: %w", err)
		}
		root = filepath.Dir(strings.TrimSpace(string(out)))
	}
	dir := filepath.Join(root, "tools")
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("locate the tools module: %w", err)
	}
	return dir, nil
}

// Binary returns the versitygw binary (see Lookup), skipping the test (or
// failing it when CI=true) when it cannot be had.
func Binary(t testing.TB) string {
	t.Helper()
	p, err := Lookup()
	if err != nil {
		testutil.SkipOrFail(t, "versitygw unavailable: %v", err)
	}
	return p
}

// Start runs versitygw on a free 127.0.0.1 port and waits until it
// answers. It is stopped at test cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), Port: testutil.FreePort(t), Root: t.TempDir()}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartTLS is Start with the server speaking https with c's certificate
// (valid for 127.0.0.1): only a client that trusts c.CAFile can use it.
func StartTLS(t testing.TB, c *TLS) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), Port: testutil.FreePort(t), Root: t.TempDir(), tls: c}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Launch runs versitygw outside a test, serving the directory root (which
// must exist) on a free 127.0.0.1 port, and waits until it answers. The
// caller must Stop it; it is also killed if this process dies.
func Launch(root string) (*Server, error) {
	bin, err := Lookup()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("find free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{bin: bin, Port: port, Root: root}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Endpoint is the server's URL, http://127.0.0.1:port (https:// for a
// server started by StartTLS).
func (s *Server) Endpoint() string {
	scheme := "http"
	if s.tls != nil {
		scheme = "https"
	}
	return scheme + "://127.0.0.1:" + strconv.Itoa(s.Port)
}

// Env returns environment variables that point the AWS SDK (and seqfs) at
// the server with the test credentials.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_REGION=" + Region,
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint(),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
}

// SetEnv sets Env() in this process for the duration of the test.
func (s *Server) SetEnv(t *testing.T) {
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// CreateBucket creates a bucket (a directory of the posix backend).
func (s *Server) CreateBucket(name string) error {
	if err := os.MkdirAll(filepath.Join(s.Root, name), 0o755); err != nil {
		return fmt.Errorf("make bucket %s: %w", name, err)
	}
	return nil
}

// MakeBucket creates a bucket, failing the test on error. It is for
// servers started by Start; use CreateBucket otherwise.
func (s *Server) MakeBucket(name string) {
	s.t.Helper()
	if err := s.CreateBucket(name); err != nil {
		s.t.Fatal(err)
	}
}

func (s *Server) start() error {
	args := []string{"--port", "127.0.0.1:" + strconv.Itoa(s.Port), "--access", AccessKey, "--secret", SecretKey,
		"--region", Region, "--quiet"}
	probe := http.DefaultClient
	if s.tls != nil {
		args = append(args, "--cert", s.tls.CertFile, "--key", s.tls.KeyFile)
		// The probe only asks whether the server answers; clients under
		// test verify the certificate.
		probe = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		defer probe.CloseIdleConnections()
	}
	args = append(args, "posix", "--nometa", s.Root)
	s.cmd = exec.Command(s.bin, args...)
	s.log = &bytes.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start versitygw: %w", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("versitygw exited at start: " + s.log.String())
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.Port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			resp, err := probe.Get(s.Endpoint() + "/")
			if err == nil {
				resp.Body.Close()
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("versitygw did not start on port %d: %s", s.Port, s.log.String())
}

// Stop stops the server (idempotent).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Restart stops the server and starts it again on the same port and
// directory. It is for servers started by Start.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}
