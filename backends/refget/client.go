package refget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/seqfs/seqfs/internal/retry"
	"github.com/seqfs/seqfs/repo"
)

// clientOptions tune the HTTP client of a façade.
type clientOptions struct {
	Timeout   time.Duration // per request, including the body
	Attempts  int           // tries per request (≥ 1)
	Backoff   time.Duration // delay before the first retry; doubles each time
	MaxDelay  time.Duration // cap of one backoff or Retry-After wait
	Cooldown  time.Duration // after a request failed every attempt, fail fast this long
	CacheSize int           // metadata entries kept
	NegTTL    time.Duration // how long a 404 is remembered
}

func defaultClientOptions() clientOptions {
	return clientOptions{
		Timeout:   30 * time.Second,
		Attempts:  4,
		Backoff:   100 * time.Millisecond,
		MaxDelay:  5 * time.Second,
		Cooldown:  2 * time.Second,
		CacheSize: 10000,
		NegTTL:    10 * time.Second,
	}
}

// client performs GETs against one server with retries and a cool-down
// after the server failed every attempt. It is safe for concurrent use.
type client struct {
	name      string // the source URL as shown in messages
	hc        *http.Client
	opts      clientOptions
	downUntil atomic.Int64 // unix nanoseconds; 0 = up
	lastDown  atomic.Pointer[string]
	requests  atomic.Int64 // HTTP requests sent (for tests and metrics)
}

func newClient(name string, opts clientOptions) *client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
	}
	return &client{name: name, hc: &http.Client{Transport: tr, Timeout: opts.Timeout}, opts: opts}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// statusError is a final (not retried) HTTP error status.
type statusError struct {
	url    string
	code   int
	detail string
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("GET %s: %s", e.url, http.StatusText(e.code))
	if e.code != 0 {
		msg = fmt.Sprintf("GET %s: HTTP %d %s", e.url, e.code, http.StatusText(e.code))
	}
	if e.detail != "" {
		msg += ": " + e.detail
	}
	return msg
}

// Is maps HTTP statuses to the repo sentinels.
func (e *statusError) Is(target error) bool {
	switch e.code {
	case http.StatusNotFound:
		return target == repo.ErrNotFound
	case http.StatusConflict, http.StatusUnprocessableEntity, http.StatusMultipleChoices:
		return target == repo.ErrAmbiguous
	case http.StatusRequestedRangeNotSatisfiable:
		return target == repo.ErrBadCoordinates
	case http.StatusNotImplemented:
		return target == repo.ErrUnsupported
	}
	return false
}

// retryable is an error worth another attempt.
type retryable struct {
	err   error
	after time.Duration // server-requested wait (Retry-After), 0 = backoff
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// get sends GET url with the Accept header and hands a 2xx response to
// consume, retrying transient failures. consume may return an error
// wrapped in *retryable (a body cut short) to ask for another attempt.
func (c *client) get(ctx context.Context, url, accept string, consume func(*http.Response) error) error {
	if until := c.downUntil.Load(); until != 0 && time.Now().UnixNano() < until {
		last := ""
		if p := c.lastDown.Load(); p != nil {
			last = *p
		}
		return repo.Unavailable(c.name, fmt.Errorf("server is down (cooling off until %s after: %s)",
			time.Unix(0, until).Format(time.RFC3339Nano), last))
	}
	var lastErr error
	for attempt := 0; attempt < c.opts.Attempts; attempt++ {
		if attempt > 0 {
			wait := c.backoff(attempt)
			var r *retryable
			if errors.As(lastErr, &r) && r.after > 0 {
				wait = r.after
			}
			if err := retry.Sleep(ctx, wait); err != nil {
				return fmt.Errorf("GET %s: %w (while retrying after: %v)", url, err, lastErr)
			}
		}
		err := c.once(ctx, url, accept, consume)
		if err == nil {
			c.downUntil.Store(0)
			return nil
		}
		var r *retryable
		if !errors.As(err, &r) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("GET %s: %w", url, ctx.Err())
		}
		lastErr = err
	}
	if c.opts.Cooldown > 0 {
		msg := lastErr.Error()
		c.lastDown.Store(&msg)
		c.downUntil.Store(time.Now().Add(c.opts.Cooldown).UnixNano())
	}
	return repo.Unavailable(c.name, fmt.Errorf("%w (gave up after %d attempts)", lastErr, c.opts.Attempts))
}

// once makes one attempt.
func (c *client) once(ctx context.Context, url, accept string, consume func(*http.Response) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("GET %s: %w", url, ctx.Err())
		}
		// Connection refused/reset, DNS, timeouts: all transient.
		return &retryable{err: fmt.Errorf("GET %s: %w", url, err)}
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		resp.Body.Close()
	}()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return consume(resp)
	case code == http.StatusTooManyRequests || (code >= 500 && code != http.StatusNotImplemented):
		after, _ := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		after = min(after, c.opts.MaxDelay)
		return &retryable{err: &statusError{url: url, code: code, detail: snippet(resp.Body)}, after: after}
	default:
		return &statusError{url: url, code: code, detail: snippet(resp.Body)}
	}
}

// backoff returns the delay before retry number attempt (1-based):
// exponential, capped, with jitter in [d/2, d].
func (c *client) backoff(attempt int) time.Duration {
	d := c.opts.Backoff << (attempt - 1)
	if d <= 0 || d > c.opts.MaxDelay {
		d = c.opts.MaxDelay
	}
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date
// (relative to now). ok is false for an absent or malformed value. The
// result is never negative.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// snippet returns the start of an error body, trimmed, for messages.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(b) == 300 {
		s += "…"
	}
	return s
}
