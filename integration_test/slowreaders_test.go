package integration_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRESTSlowReaders: 1,100 clients ask a real `seqfs serve` for a
// 30 Mbp sequence and never read. A normal client meanwhile keeps p99
// latency under 1 s with no failure, and the server's peak RSS stays under
// 256 MB (issue 16, item 3).
func TestRESTSlowReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("slow-reader load test skipped in -short mode")
	}
	const (
		slowN   = 1100 // more than the default in-flight limit (1024), as in the issue
		seqLen  = 30_000_000
		normalN = 400
		maxP99  = time.Second
		maxRSS  = 256 << 20
	)
	seq := bigSeq(seqLen)
	inst := writeInstance(t, map[string][]byte{"NC_SLOW.1": seq})
	p := startServeArgs(t, "-s", inst)
	pid := p.cmd.Process.Pid
	host := strings.TrimPrefix(p.base, "http://")

	// Slow readers: a small receive buffer, set before connecting, keeps
	// what the kernels buffer per connection small; they send one request
	// and never read.
	dialer := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return serr
	}}
	conns := make([]net.Conn, 0, slowN)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range slowN {
		c, err := dialer.Dial("tcp", host)
		if err != nil {
			t.Fatalf("slow reader %d: %v", i, err)
		}
		conns = append(conns, c)
		if _, err := c.Write([]byte("GET /sequence/refseq:NC_SLOW.1 HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatalf("slow reader %d: send request: %v", i, err)
		}
	}
	// The server has accepted them all and started answering.
	deadline := time.Now().Add(30 * time.Second)
	for openFDs(t, pid) < slowN {
		if time.Now().After(deadline) {
			t.Fatalf("server holds %d descriptors, want >= %d connections", openFDs(t, pid), slowN)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)

	// A normal client: random 1 kb slices, one request at a time.
	rng := rand.New(rand.NewPCG(16, 3))
	lat := make([]time.Duration, 0, normalN)
	failures := 0
	for i := range normalN {
		start := rng.IntN(seqLen - 1000)
		t0 := time.Now()
		r := httpGetQuiet(p.base + fmt.Sprintf("/sequence/refseq:NC_SLOW.1?start=%d&end=%d", start, start+1000))
		lat = append(lat, time.Since(t0))
		if r.err != nil || r.status != 200 || string(r.body) != string(seq[start:start+1000]) {
			failures++
			if failures <= 3 {
				t.Errorf("normal request %d: status %d, err %v, body %.60q", i, r.status, r.err, r.body)
			}
		}
	}
	rss, peak := procKB(t, pid, "VmRSS")<<10, procKB(t, pid, "VmHWM")<<10
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("%d slow readers: normal client p50 %v p99 %v max %v, %d failures; server RSS %d MB, peak %d MB",
		slowN, p50, p99, lat[len(lat)-1], failures, rss>>20, peak>>20)
	if failures > 0 {
		t.Errorf("%d of %d normal requests failed", failures, normalN)
	}
	if p99 >= maxP99 {
		t.Errorf("normal client p99 %v, want < %v", p99, maxP99)
	}
	if peak >= maxRSS {
		t.Errorf("server peak RSS %d MB, want < %d MB", peak>>20, maxRSS>>20)
	}
	// Still serving after the slow readers give up.
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	if r := httpGetQuiet(p.base + "/sequence/refseq:NC_SLOW.1?start=0&end=10"); r.status != 200 || string(r.body) != string(seq[:10]) {
		t.Errorf("after the slow readers left: %d %q %v", r.status, r.body, r.err)
	}
}

// openFDs counts the open file descriptors of process pid.
func openFDs(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		t.Fatalf("list descriptors of %d: %v", pid, err)
	}
	return len(ents)
}

// quietResp is the outcome of httpGetQuiet.
type quietResp struct {
	status int
	body   []byte
	err    error
}

// quietClient gives up on a request after 10 s.
var quietClient = &http.Client{Timeout: 10 * time.Second}

// httpGetQuiet GETs url and reports failures in the result instead of
// failing the test, for load tests that count them.
func httpGetQuiet(url string) quietResp {
	res, err := quietClient.Get(url)
	if err != nil {
		return quietResp{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return quietResp{status: res.StatusCode, body: b, err: err}
}
