package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seqfs/seqfs/internal/retry"
	"github.com/seqfs/seqfs/repo"
)

// DefaultRequestTimeout bounds one HTTP request (headers and body).
const DefaultRequestTimeout = 30 * time.Second

// httpFetcher reads objects from a static HTTP(S) server with Range
// requests.
type httpFetcher struct {
	base    *url.URL // scheme://host/
	client  *http.Client
	stats   *counters
	retry   retryPolicy
	timeout time.Duration
}

// NewHTTPStorage returns a Storage over the files under base, an http or
// https URL of a directory on any server that honours Range requests
// (for example a copy of an instance on a static web server).
func NewHTTPStorage(base string) (*Storage, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s: not an http or https URL", base)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%s: no host", base)
	}
	prefix := strings.Trim(u.Path, "/")
	root := &url.URL{Scheme: u.Scheme, Host: u.Host, User: u.User, Path: "/"}
	st := &counters{}
	f := &httpFetcher{
		base:    root,
		client:  &http.Client{Transport: newTransport()},
		stats:   st,
		retry:   defaultRetry,
		timeout: DefaultRequestTimeout,
	}
	return newStorage(f, prefix, st), nil
}

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	t.ResponseHeaderTimeout = DefaultRequestTimeout
	t.DisableCompression = true // byte ranges must be of the stored bytes
	return t
}

func (h *httpFetcher) url(key string) string {
	u := *h.base
	u.Path = "/" + key
	u.User = nil
	return u.String()
}

// httpStatusError is a final, non-retryable HTTP error status.
type httpStatusError struct {
	url    string
	status int
	text   string
}

func (e *httpStatusError) Error() string {
	switch e.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("%s: access denied (HTTP %d %s): check credentials or permissions", e.url, e.status, e.text)
	}
	return fmt.Sprintf("%s: HTTP %d %s", e.url, e.status, e.text)
}

func (e *httpStatusError) Is(target error) bool { return target == repo.ErrUnavailable }

// retryable reports whether a failed request may succeed if sent again:
// network errors, timeouts, 5xx and 429.
func retryable(err error, status int) bool {
	if status != 0 {
		return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
	}
	if errors.Is(err, context.Canceled) || isTLSVerifyError(err) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "connection reset")
}

// do sends one request with retries and returns the response of the last
// attempt with its body read (at most limit bytes).
func (h *httpFetcher) do(ctx context.Context, method, key, rng string, limit int64) (*http.Response, []byte, error) {
	u := h.url(key)
	var lastErr error
	for attempt := 0; attempt < h.retry.attempts; attempt++ {
		if attempt > 0 {
			h.stats.addRetry()
			logRetry(u, attempt, lastErr)
			if err := retry.Sleep(ctx, h.retry.backoff(attempt)); err != nil {
				return nil, nil, fmt.Errorf("%s: %w (last error: %v)", u, err, lastErr)
			}
		}
		resp, body, status, err := h.once(ctx, method, key, rng, limit)
		if err == nil {
			return resp, body, nil
		}
		lastErr = err
		if ctx.Err() != nil || !retryable(err, status) {
			break
		}
	}
	h.stats.addError()
	if _, ok := lastErr.(*httpStatusError); ok || errors.Is(lastErr, fs.ErrNotExist) {
		return nil, nil, lastErr
	}
	if ctx.Err() != nil {
		return nil, nil, fmt.Errorf("%s: %w", u, lastErr)
	}
	return nil, nil, repo.Unavailable(u, lastErr)
}

// once sends one request. A non-2xx status other than 416 is an error; its
// status is returned for the retry decision.
func (h *httpFetcher) once(ctx context.Context, method, key, rng string, limit int64) (*http.Response, []byte, int, error) {
	u := h.url(key)
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.base.ResolveReference(&url.URL{Path: "/" + key}).String(), nil)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", u, err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	h.stats.addRequest()
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, nil, 0, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, nil, 0, notFound(u)
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		return resp, nil, 0, nil
	case resp.StatusCode >= 300:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, nil, resp.StatusCode, &httpStatusError{url: u, status: resp.StatusCode, text: http.StatusText(resp.StatusCode)}
	}
	var body []byte
	if method != http.MethodHead {
		body, err = io.ReadAll(io.LimitReader(resp.Body, limit))
		h.stats.addBytes(int64(len(body)))
		if err != nil {
			return nil, nil, 0, fmt.Errorf("%s: read body: %w", u, err)
		}
	}
	return resp, body, resp.StatusCode, nil
}

func (h *httpFetcher) fetch(ctx context.Context, key string, off, n int64) ([]byte, int64, error) {
	if n <= 0 {
		return nil, 0, fmt.Errorf("%s: empty range at %d", h.url(key), off)
	}
	rng := "bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off+n-1, 10)
	resp, body, err := h.do(ctx, http.MethodGet, key, rng, n)
	if err != nil {
		return nil, 0, err
	}
	u := h.url(key)
	switch resp.StatusCode {
	case http.StatusRequestedRangeNotSatisfiable:
		size, err := parseUnsatisfiedRange(resp.Header.Get("Content-Range"))
		if err == nil && size == 0 && off == 0 {
			return nil, 0, errEmptyObject
		}
		return nil, 0, fmt.Errorf("%s: range %s not satisfiable (Content-Range %q): %w", u, rng, resp.Header.Get("Content-Range"), repo.ErrBadCoordinates)
	case http.StatusPartialContent:
		start, _, size, err := ParseContentRange(resp.Header.Get("Content-Range"))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", u, err)
		}
		if start != off {
			return nil, 0, fmt.Errorf("%s: asked for bytes from %d, server sent from %d: %w", u, off, start, repo.ErrUnavailable)
		}
		if want := min(n, size-off); int64(len(body)) != want {
			return nil, 0, fmt.Errorf("%s: short response: %d of %d bytes: %w", u, len(body), want, repo.ErrUnavailable)
		}
		return body, size, nil
	default: // 200: the server ignored Range.
		size := resp.ContentLength
		if off == 0 && size >= 0 && size <= n && int64(len(body)) == size {
			return body, size, nil
		}
		return nil, 0, fmt.Errorf("%s: server ignores Range requests (answered %s to %s); seqfs reads remote instances only from servers that support them: %w",
			u, resp.Status, rng, repo.ErrUnsupported)
	}
}

func (h *httpFetcher) stat(ctx context.Context, key string) (int64, error) {
	resp, _, err := h.do(ctx, http.MethodHead, key, "", 0)
	if err != nil {
		return 0, err
	}
	return resp.ContentLength, nil
}

// ParseContentRange parses a Content-Range header of a 206 response,
// "bytes FIRST-LAST/SIZE", and returns first, last and size. An unknown
// size ("*") is an error: seqfs needs the object's size.
func ParseContentRange(h string) (first, last, size int64, err error) {
	bad := func(why string) (int64, int64, int64, error) {
		return 0, 0, 0, fmt.Errorf("invalid Content-Range %q: %s", h, why)
	}
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return bad("want \"bytes FIRST-LAST/SIZE\"")
	}
	rng, sz, ok := strings.Cut(rest, "/")
	if !ok {
		return bad("no /SIZE")
	}
	a, b, ok := strings.Cut(rng, "-")
	if !ok {
		return bad("no FIRST-LAST")
	}
	if first, err = parseNonNeg(a); err != nil {
		return bad("first byte: " + err.Error())
	}
	if last, err = parseNonNeg(b); err != nil {
		return bad("last byte: " + err.Error())
	}
	if size, err = parseNonNeg(sz); err != nil {
		return bad("size: " + err.Error())
	}
	if last < first || last >= size {
		return bad("range outside the object")
	}
	return first, last, size, nil
}

// parseUnsatisfiedRange parses "bytes */SIZE" of a 416 response.
func parseUnsatisfiedRange(h string) (int64, error) {
	rest, ok := strings.CutPrefix(h, "bytes */")
	if !ok {
		return 0, fmt.Errorf("invalid Content-Range %q", h)
	}
	return parseNonNeg(rest)
}

func parseNonNeg(s string) (int64, error) {
	if s == "" || len(s) > 19 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a non-negative integer", s)
	}
	return strconv.ParseInt(s, 10, 64)
}
