package rest

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/seqfs/seqfs/internal/flight"
	"github.com/seqfs/seqfs/repo"
)

// Health checks are shared by concurrent /healthz requests and reused for
// healthTTL, so polling cannot turn into load on the stores; one check
// gives up after healthTimeout.
const (
	healthTTL     = time.Second
	healthTimeout = 5 * time.Second
)

// Bodies of /healthz.
var (
	healthOK       = []byte("ok\n")
	healthDegraded = []byte("degraded: a source cannot be reached (details in the server log)\n")
)

// healthState is the last health check of a Server.
type healthState struct {
	flight flight.Group[error]
	mu     sync.Mutex
	at     time.Time
	err    error
	down   bool // the last check failed (to log changes only)
}

// healthz serves GET /healthz: 200 "ok" when every source can answer, 503
// "degraded: …" when one cannot (a federation member that is down, or the
// only source). Load balancers and monitors act on the status code; the
// body says which case it is, and the server log names the source.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	body, status := healthOK, http.StatusOK
	if err := s.checkHealth(r.Context()); err != nil {
		body, status = healthDegraded, http.StatusServiceUnavailable
	}
	h := w.Header()
	h["Content-Type"] = hvTextUTF8
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// checkHealth returns the result of repo.CheckHealth on the source, at
// most healthTTL old, and logs when it changes.
func (s *Server) checkHealth(ctx context.Context) error {
	hs := &s.health
	hs.mu.Lock()
	if !hs.at.IsZero() && time.Since(hs.at) < healthTTL {
		err := hs.err
		hs.mu.Unlock()
		return err
	}
	hs.mu.Unlock()
	err, ferr := hs.flight.Do(ctx, "", func(ctx context.Context) (error, error) {
		ctx, cancel := context.WithTimeout(ctx, healthTimeout)
		defer cancel()
		err := repo.CheckHealth(ctx, s.src)
		hs.mu.Lock()
		defer hs.mu.Unlock()
		hs.at, hs.err = time.Now(), err
		switch {
		case err != nil && !hs.down:
			s.log.Warn("health: degraded", "err", err)
		case err == nil && hs.down:
			s.log.Info("health: every source answers again")
		}
		hs.down = err != nil
		return err, nil
	})
	if ferr != nil {
		return ferr
	}
	return err
}
