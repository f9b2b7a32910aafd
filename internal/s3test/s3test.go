// Package s3test starts a real S3 server for tests: versitygw with its
// posix backend on a temporary directory, on a free loopback port, with
// fixed test credentials. The binary is installed with "go install" into
// $(go env GOPATH)/bin on first use (scripts/deps.sh does the same) and
// reused afterwards. Everything started is stopped when the test ends.
package s3test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/internal/testutil"
)

// Version is the versitygw release the tests use.
const Version = "v1.8.0"

// Test credentials of the root user.
const (
	AccessKey = "seqfstestaccess"
	SecretKey = "seqfstestsecret0123456789"
	Region    = "us-east-1"
)

// Server is one running versitygw.
type Server struct {
	t    testing.TB
	bin  string
	Port int
	// Root is the posix backend's directory: bucket b's object k is the
	// file Root/b/k.
	Root string
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
}

var (
	installOnce sync.Once
	installed   string
	installErr  error
)

// Binary returns the versitygw binary, installing it with go install when
// it is not on PATH or in $(go env GOPATH)/bin.
func Binary(t testing.TB) string {
	t.Helper()
	installOnce.Do(func() {
		if p, err := exec.LookPath("versitygw"); err == nil {
			installed = p
			return
		}
		out, err := exec.Command("go", "env", "GOPATH").Output()
		if err != nil {
			installErr = fmt.Errorf("go env GOPATH: %w", err)
			return
		}
		gobin := filepath.Join(strings.Split(strings.TrimSpace(string(out)), string(os.PathListSeparator))[0], "bin")
		if env := os.Getenv("GOBIN"); env != "" {
			gobin = env
		}
		p := filepath.Join(gobin, "versitygw")
		if _, err := os.Stat(p); err == nil {
			installed = p
			return
		}
		cmd := exec.Command("go", "install", "github.com/versity/versitygw/cmd/versitygw@"+Version)
		cmd.Dir = os.TempDir() // outside the module: do not touch go.mod
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = fmt.Errorf("go install versitygw@%s: %w\n%s", Version, err, out)
			return
		}
		installed = p
	})
	if installErr != nil {
		testutil.SkipOrFail(t, "versitygw unavailable: %v", installErr)
	}
	return installed
}

// Start runs versitygw on a free 127.0.0.1 port and waits until it
// answers. It is stopped at test cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), Port: testutil.FreePort(t), Root: t.TempDir()}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// Endpoint is the server's URL, http://127.0.0.1:port.
func (s *Server) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(s.Port) }

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

// MakeBucket creates a bucket (a directory of the posix backend).
func (s *Server) MakeBucket(name string) {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Join(s.Root, name), 0o755); err != nil {
		s.t.Fatalf("make bucket %s: %v", name, err)
	}
}

func (s *Server) start() {
	s.t.Helper()
	args := []string{"--port", "127.0.0.1:" + strconv.Itoa(s.Port), "--access", AccessKey, "--secret", SecretKey,
		"--region", Region, "--quiet", "posix", "--nometa", s.Root}
	s.cmd = exec.Command(s.bin, args...)
	s.log = &bytes.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start versitygw: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			s.t.Fatalf("versitygw exited at start: %s", s.log.String())
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.Port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			resp, err := http.Get(s.Endpoint() + "/")
			if err == nil {
				resp.Body.Close()
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	s.t.Fatalf("versitygw did not start on port %d: %s", s.Port, s.log.String())
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
// directory.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}
