// Package redistest starts real redis-server processes for tests: a single
// server on a free loopback port with persistence off, and a three-node
// Redis Cluster. Everything started is stopped when the test ends.
package redistest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/seqfs/seqfs/internal/testutil"
)

// Server is one redis-server process.
type Server struct {
	t     testing.TB
	bin   string
	Port  int
	Dir   string // working directory (RDB files from an explicit SAVE land here)
	extra []string
	cmd   *exec.Cmd
	done  chan struct{}
	log   *bytes.Buffer
}

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL is "redis://127.0.0.1:port/0".
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Start runs redis-server on a free 127.0.0.1 port with persistence off
// (--save "" --appendonly no) and waits until it answers PING. extra are
// more redis-server arguments. It is stopped at test cleanup.
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	s := &Server{t: t, bin: testutil.RequireTool(t, "redis-server"), Port: testutil.FreePort(t), Dir: t.TempDir(), extra: extra}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.t.Helper()
	args := append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.Dir, "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning"}, s.extra...)
	s.cmd = exec.Command(s.bin, args...)
	s.log = &bytes.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	if err := waitPing(s.Addr(), s.done, 10*time.Second); err != nil {
		s.Stop()
		s.t.Fatalf("redis-server on %s: %v\n%s", s.Addr(), err, s.log.String())
	}
}

// Kill stops the server abruptly (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// Restart starts the server again on the same port and directory (it
// loads dump.rdb if an explicit SAVE wrote one).
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	s.start()
}

// Stop terminates the server and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
}

// Client returns a go-redis client for the server, closed at cleanup.
func (s *Server) Client() *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr()})
	s.t.Cleanup(func() { c.Close() })
	return c
}

func waitPing(addr string, done <-chan struct{}, timeout time.Duration) error {
	c := goredis.NewClient(&goredis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer after %v: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Cluster is a three-node Redis Cluster (masters only) on loopback.
type Cluster struct {
	Nodes []*Server
}

// Addrs are the nodes' "127.0.0.1:port" addresses.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr()
	}
	return out
}

// URL is "redis+cluster://host:port,host:port,host:port".
func (c *Cluster) URL() string { return "redis+cluster://" + strings.Join(c.Addrs(), ",") }

// StartCluster starts three redis-server --cluster-enabled nodes, joins them
// with `redis-cli --cluster create … --cluster-yes` and waits until every
// node reports cluster_state:ok. The nodes stop at test cleanup.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	cli := testutil.RequireTool(t, "redis-cli")
	c := &Cluster{}
	for range 3 {
		busPort := testutil.FreePort(t)
		dir := t.TempDir()
		c.Nodes = append(c.Nodes, Start(t, "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort),
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--cluster-node-timeout", "3000"))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, n := range c.Nodes {
		cl := goredis.NewClient(&goredis.Options{Addr: n.Addr()})
		for {
			info, err := cl.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				cl.Close()
				t.Fatalf("cluster node %s not ready: %v %s", n.Addr(), err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cl.Close()
	}
	return c
}

// Sentinel is a redis-server --sentinel process monitoring one server.
type Sentinel struct {
	*Server
	Master string // monitored master name
}

// URL is "redis+sentinel://127.0.0.1:port/MASTER/0".
func (s *Sentinel) URL() string { return "redis+sentinel://" + s.Addr() + "/" + s.Master + "/0" }

// StartSentinel starts a Sentinel on a free loopback port that monitors
// primary under the name "mymaster" (quorum 1), and waits until it reports
// the primary's address. It stops at test cleanup.
func StartSentinel(t testing.TB, primary *Server) *Sentinel {
	t.Helper()
	s := &Server{t: t, bin: testutil.RequireTool(t, "redis-server"), Port: testutil.FreePort(t), Dir: t.TempDir()}
	conf := filepath.Join(s.Dir, "sentinel.conf")
	text := fmt.Sprintf("port %d\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 %d 1\nsentinel down-after-milliseconds mymaster 5000\n", s.Port, primary.Port)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(s.bin, conf, "--sentinel")
	s.log = &bytes.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start redis sentinel: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	t.Cleanup(s.Stop)
	sc := goredis.NewSentinelClient(&goredis.Options{Addr: s.Addr(), DialTimeout: 200 * time.Millisecond})
	defer sc.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		addr, err := sc.GetMasterAddrByName(context.Background(), "mymaster").Result()
		if err == nil && len(addr) == 2 && addr[1] == strconv.Itoa(primary.Port) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sentinel on %s not ready: %v %v\n%s", s.Addr(), addr, err, s.log.String())
		}
		time.Sleep(30 * time.Millisecond)
	}
	return &Sentinel{Server: s, Master: "mymaster"}
}
