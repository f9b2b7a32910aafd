package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithymw "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	seqretry "github.com/seqfs/seqfs/internal/retry"
	"github.com/seqfs/seqfs/repo"
)

// Config selects and tunes the S3 service. The zero value uses the
// standard AWS configuration read by the AWS SDK: credential chain, shared
// config files, AWS_REGION. The package itself reads no environment
// variables: the command line maps AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
// to the s3-endpoint setting.
type Config struct {
	// Endpoint is the S3 endpoint URL (an S3-compatible server such as
	// versitygw or MinIO). Path-style
	// addressing is used whenever an endpoint is set.
	Endpoint string
	// Region is the bucket's region; empty means the configured region,
	// else discovered from the bucket (the x-amz-bucket-region header).
	Region string
	// Profile selects a shared-config profile (default AWS_PROFILE).
	Profile string
	// AccessKey and SecretKey, when both set, are static credentials used
	// instead of the credential chain.
	AccessKey, SecretKey string
	// RequestTimeout bounds one request (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// MaxAttempts bounds the tries of one request (default 8); retries
	// back off exponentially with jitter.
	MaxAttempts int
}

// s3Fetcher reads objects of one bucket.
type s3Fetcher struct {
	client   *s3.Client
	bucket   string
	endpoint string
	stats    *counters
	timeout  time.Duration
}

// NewS3Storage returns a Storage over the objects under prefix in bucket.
func NewS3Storage(ctx context.Context, bucket, prefix string, cfg Config) (*Storage, error) {
	client, endpoint, err := newClient(ctx, bucket, cfg)
	if err != nil {
		return nil, err
	}
	stats := &counters{}
	f := &s3Fetcher{client: client, bucket: bucket, endpoint: endpoint, stats: stats, timeout: cfg.RequestTimeout}
	if f.timeout <= 0 {
		f.timeout = DefaultRequestTimeout
	}
	st := newStorage(f, prefix, stats)
	st.lister = f.totalSize
	return st, nil
}

// newClient builds an S3 client for bucket from cfg and the standard AWS
// configuration.
func newClient(ctx context.Context, bucket string, cfg Config) (*s3.Client, string, error) {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = cfg.MaxAttempts
				o.MaxBackoff = 2 * time.Second
				o.Backoff = retry.NewExponentialJitterBackoff(2 * time.Second)
				// Never give up early for lack of retry tokens: a restarting
				// server fails many requests at once.
				o.RateLimiter = noRateLimit{}
				o.Retryables = append([]retry.IsErrorRetryable{noTLSRetry{}}, o.Retryables...)
			})
		}),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(cfg.timeout()).WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = 32
			t.DisableCompression = true
		})),
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.AccessKey != "" && cfg.SecretKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("load AWS configuration for s3://%s: %w", bucket, err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = discoverRegion(ctx, bucket, cfg.Endpoint)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
		}
		// Checksums of ranged GETs cannot be validated; of uploads they are
		// computed only when required, which S3-compatible servers accept.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return client, cfg.Endpoint, nil
}

func (c Config) timeout() time.Duration {
	if c.RequestTimeout > 0 {
		return c.RequestTimeout
	}
	return DefaultRequestTimeout
}

// noRateLimit is a retry token bucket that never runs dry.
type noRateLimit struct{}

func (noRateLimit) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noRateLimit) AddTokens(uint) error { return nil }

// discoverRegion finds a bucket's region from the x-amz-bucket-region
// header that S3 sends on any HEAD of the bucket, even an unauthenticated
// one. It falls back to us-east-1 (also the answer for S3-compatible
// servers, which ignore the region).
func discoverRegion(ctx context.Context, bucket, endpoint string) string {
	const fallback = "us-east-1"
	if endpoint != "" {
		return fallback
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "https://"+bucket+".s3.amazonaws.com/", nil)
	if err != nil {
		return fallback
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fallback
	}
	resp.Body.Close()
	if r := resp.Header.Get("X-Amz-Bucket-Region"); r != "" {
		return r
	}
	return fallback
}

func (f *s3Fetcher) url(key string) string { return "s3://" + f.bucket + "/" + key }

// countRequests is a middleware counting every attempt (retries included).
func (f *s3Fetcher) countRequests(stack *smithymw.Stack) error {
	return stack.Finalize.Add(smithymw.FinalizeMiddlewareFunc("seqfsCount",
		func(ctx context.Context, in smithymw.FinalizeInput, next smithymw.FinalizeHandler) (smithymw.FinalizeOutput, smithymw.Metadata, error) {
			f.stats.addRequest()
			return next.HandleFinalize(ctx, in)
		}), smithymw.After)
}

func (f *s3Fetcher) fetch(ctx context.Context, key string, off, n int64) ([]byte, int64, error) {
	if n <= 0 {
		return nil, 0, fmt.Errorf("%s: empty range at %d", f.url(key), off)
	}
	rng := "bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(off+n-1, 10)
	// The body is read inside the retry loop of this function: the SDK
	// retries failed requests, a failure while reading the body is retried
	// here.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			f.stats.addRetry()
			logRetry(f.url(key), attempt, lastErr)
			if err := seqretry.Sleep(ctx, defaultRetry.backoff(attempt+3)); err != nil {
				return nil, 0, err
			}
		}
		data, size, err := f.fetchOnce(ctx, key, rng, off, n)
		if err == nil || !errors.Is(err, errBodyRead) {
			return data, size, err
		}
		lastErr = err
	}
	f.stats.addError()
	return nil, 0, repo.Unavailable(f.url(key), lastErr)
}

var errBodyRead = errors.New("reading the response body failed")

func (f *s3Fetcher) fetchOnce(ctx context.Context, key, rng string, off, n int64) ([]byte, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout*time.Duration(3))
	defer cancel()
	out, err := f.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key), Range: aws.String(rng)},
		func(o *s3.Options) { o.APIOptions = append(o.APIOptions, f.countRequests) })
	if err != nil {
		if code, _ := errorInfo(err); code == http.StatusRequestedRangeNotSatisfiable && off == 0 {
			if size, serr := f.stat(ctx, key); serr == nil && size == 0 {
				return nil, 0, errEmptyObject
			}
		}
		f.stats.addError()
		return nil, 0, f.mapErr(key, "read", err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, n))
	f.stats.addBytes(int64(len(body)))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w: %w", f.url(key), errBodyRead, err)
	}
	u := f.url(key)
	if out.ContentRange == nil {
		// A server that ignored Range: accept only a whole small object.
		size := aws.ToInt64(out.ContentLength)
		if off == 0 && size <= n && int64(len(body)) == size {
			return body, size, nil
		}
		return nil, 0, fmt.Errorf("%s: server ignored the Range request %s: %w", u, rng, repo.ErrUnsupported)
	}
	start, _, size, err := ParseContentRange(*out.ContentRange)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", u, err)
	}
	if start != off {
		return nil, 0, fmt.Errorf("%s: asked for bytes from %d, got from %d: %w", u, off, start, repo.ErrUnavailable)
	}
	if want := min(n, size-off); int64(len(body)) != want {
		return nil, 0, fmt.Errorf("%s: %w: short body: %d of %d bytes", u, errBodyRead, len(body), want)
	}
	return body, size, nil
}

func (f *s3Fetcher) stat(ctx context.Context, key string) (int64, error) {
	out, err := f.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)},
		func(o *s3.Options) { o.APIOptions = append(o.APIOptions, f.countRequests) })
	if err != nil {
		return 0, f.mapErr(key, "stat", err)
	}
	return aws.ToInt64(out.ContentLength), nil
}

// totalSize sums the sizes of the objects under prefix.
func (f *s3Fetcher) totalSize(ctx context.Context, prefix string) (int64, error) {
	var total int64
	p := s3.NewListObjectsV2Paginator(f.client, &s3.ListObjectsV2Input{Bucket: aws.String(f.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, func(o *s3.Options) { o.APIOptions = append(o.APIOptions, f.countRequests) })
		if err != nil {
			return 0, f.mapErr(prefix, "list", err)
		}
		for _, o := range page.Contents {
			total += aws.ToInt64(o.Size)
		}
	}
	return total, nil
}

// errorInfo returns the HTTP status and the S3 error code of an SDK error.
func errorInfo(err error) (status int, code string) {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	} else {
		var hre *smithyhttp.ResponseError
		if errors.As(err, &hre) {
			status = hre.HTTPStatusCode()
		}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return status, code
}

// mapErr turns an SDK error into one that names the bucket and key and
// matches the repo sentinels: a missing key matches fs.ErrNotExist (and so
// does a missing bucket, which also matches repo.ErrNotFound); refused
// credentials and everything else match repo.ErrUnavailable.
func (f *s3Fetcher) mapErr(key, op string, err error) error {
	u := f.url(key)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s %s: %w", op, u, err)
	}
	status, code := errorInfo(err)
	switch {
	case code == "NoSuchBucket":
		return fmt.Errorf("%s %s: bucket %q does not exist: %w (%w)", op, u, f.bucket, repo.ErrNotFound, notFound(u))
	case code == "InvalidAccessKeyId" || code == "XAdminUserNotFound" || code == "SignatureDoesNotMatch" || code == "InvalidToken" || code == "ExpiredToken":
		return repo.Unavailable(u, fmt.Errorf("%s %s (bucket %q, key %q): credentials rejected (%s): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile", op, u, f.bucket, key, code))
	case code == "NoSuchKey" || code == "NotFound" || (status == http.StatusNotFound && code == ""):
		return fmt.Errorf("%s %s: %w", op, u, notFound(u))
	case code == "AccessDenied" || status == http.StatusForbidden || status == http.StatusUnauthorized:
		return repo.Unavailable(u, fmt.Errorf("%s %s (bucket %q, key %q): access denied (HTTP %d %s): check credentials and the bucket policy", op, u, f.bucket, key, status, code))
	}
	return repo.Unavailable(u, fmt.Errorf("%s %s (bucket %q, key %q): %w", op, u, f.bucket, key, err))
}

// ParseS3URL splits s3://bucket/prefix?endpoint=…&region=…&profile=… into
// the bucket, the key prefix and a Config (starting from base, overridden
// by the query parameters).
func ParseS3URL(u *url.URL, base Config) (bucket, prefix string, cfg Config, err error) {
	cfg = base
	if u.Scheme != "s3" {
		return "", "", cfg, fmt.Errorf("%s: not an s3:// URL", u.Redacted())
	}
	bucket = u.Host
	if bucket == "" {
		return "", "", cfg, fmt.Errorf("%s: no bucket (want s3://bucket/prefix)", u.Redacted())
	}
	if strings.ContainsAny(bucket, "/\\ ") {
		return "", "", cfg, fmt.Errorf("%s: invalid bucket name %q", u.Redacted(), bucket)
	}
	prefix = strings.Trim(u.Path, "/")
	for k, v := range u.Query() {
		if len(v) == 0 {
			continue
		}
		switch k {
		case "endpoint":
			cfg.Endpoint = v[0]
		case "region":
			cfg.Region = v[0]
		case "profile":
			cfg.Profile = v[0]
		default:
			return "", "", cfg, fmt.Errorf("%s: unknown parameter %q (known: endpoint, region, profile)", u.Redacted(), k)
		}
	}
	if cfg.Endpoint != "" {
		eu, err := url.Parse(cfg.Endpoint)
		if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" {
			return "", "", cfg, fmt.Errorf("%s: endpoint %q is not an http(s) URL", u.Redacted(), cfg.Endpoint)
		}
	}
	return bucket, prefix, cfg, nil
}
