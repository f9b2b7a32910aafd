package rest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// TestSlowReadersDoNotFillTheLimit: clients that request a long sequence
// and never read must not hold in-flight slots (others would get 503), and
// are cut off by the per-chunk write deadline.
func TestSlowReadersDoNotFillTheLimit(t *testing.T) {
	src := newMemSource()
	long := randSeq(16<<20, 3) // far more than the socket buffers hold
	src.add(long, true, "NCBI:NC_000003.1")
	src.add("ACGTACGTAC", true, "NCBI:NC_000004.1")
	const limit = 4
	srv := New(src, Options{MaxInFlight: limit, Logger: slog.New(slog.DiscardHandler)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- srv.Serve(ctx, ln, Timeouts{Write: 4 * time.Second, Shutdown: time.Second})
	}()
	defer func() {
		cancel()
		<-errc
	}()
	base := "http://" + ln.Addr().String()

	const slowN = 5 * limit
	conns := make([]net.Conn, 0, slowN)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range slowN {
		c, err := slowDialer.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("GET /sequence/refseq:NC_000003.1 HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// Let the slow requests start writing and block (the write timeout,
	// 4 s, has not cut them off yet while the normal client asks).
	waitUntil(t, func() bool { reads, _ := src.ReadStats(); return int64(reads)+srv.metrics.rejected.Load() >= slowN })
	time.Sleep(300 * time.Millisecond)
	for i := range 20 {
		r := get(t, base+"/sequence/refseq:NC_000004.1")
		if r.status != http.StatusOK || r.body != "ACGTACGTAC" {
			t.Fatalf("request %d with %d slow readers: %d %q", i, slowN, r.status, r.body)
		}
	}
	// The write deadline cuts the slow readers off: every handler ends
	// (the kernel may still hold what was already sent), having written
	// far less than the sequence. (A slow request that arrived while the
	// limit was taken by other slow requests' first reads was refused.)
	m := srv.metrics.route("GET /sequence/{id}")
	waitUntil(t, func() bool { return m.count.Load()+srv.metrics.rejected.Load() == slowN+20 })
	if served := m.count.Load() - 20; served == 0 || (m.bytes.Load()-20*10)/served >= int64(len(long))/2 {
		t.Errorf("%d slow readers were sent %d bytes in all; the sequence is %d", served, m.bytes.Load()-200, len(long))
	}
}

// slowDialer makes connections with a small receive buffer (set before
// connecting, so the advertised window stays small): a client that never
// reads then lets little data leave the server.
var slowDialer = net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	if err != nil {
		return err
	}
	return serr
}}
