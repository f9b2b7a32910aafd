package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/seqfs/seqfs/repo"
)

// DefaultPartSize is the size of the parts a sequence is split into: well
// under Redis's 512 MB string limit.
const DefaultPartSize = 256 << 20

// maxPartSize is Redis's default proto-max-bulk-len (512 MB).
const maxPartSize = 512 << 20

// schemes are the URL schemes of Redis stores.
var schemes = []string{"redis", "rediss", "redis+unix", "redis+cluster", "rediss+cluster", "redis+sentinel", "rediss+sentinel"}

// Factory opens Redis stores (redis://, rediss://, redis+unix://,
// redis+cluster://, redis+sentinel:// and their TLS forms) for reading and
// writing. Everything is configured by the URL; it has no settings.
type Factory struct{}

var _ repo.WriterFactory = Factory{}

// Name returns "redis".
func (Factory) Name() string { return "redis" }

// Schemes returns the Redis URL schemes.
func (Factory) Schemes() []string { return slices.Clone(schemes) }

// Settings returns none: a Redis store is configured by its URL.
func (Factory) Settings() []repo.Setting { return nil }

// Open connects to the store at u (see Open).
func (Factory) Open(ctx context.Context, u *url.URL, _ repo.Settings) (repo.Source, error) {
	return Open(ctx, u)
}

// WriterSchemes returns every Redis scheme: all are writable.
func (f Factory) WriterSchemes() []string { return f.Schemes() }

// OpenWriter connects to the store at u for writing (see OpenWriter).
func (Factory) OpenWriter(ctx context.Context, u *url.URL, _ repo.Settings) (repo.Writer, error) {
	return OpenWriter(ctx, u)
}

// RouteLibraryLog sends go-redis's log to slog at debug level. go-redis
// logs every failed dial, a flood while a server is down, and our errors
// already name the server. Its logger is global to the process, so only a
// program calls this (seqfs does at start-up); importing the package
// changes nothing.
func RouteLibraryLog() { goredis.SetLogger(debugLogger{}) }

type debugLogger struct{}

func (debugLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// Options configures a Source beyond what its URL says.
type Options struct {
	// Prefix is the key prefix (default "seqfs").
	Prefix string
	// PartSize is the part size new sequences are split into when written
	// (default DefaultPartSize).
	PartSize int64
	// Client holds the go-redis connection settings.
	Client goredis.UniversalOptions
	// Server names the server(s) in error messages.
	Server string
}

// ParseURL turns a location (see the package documentation) into Options
// with fail-fast defaults: 1 s dial timeout, one dial attempt per try, two
// retries with 8–256 ms backoff, 5 s read/write timeouts, a pool of
// max(32, 10·GOMAXPROCS) connections.
func ParseURL(u *url.URL) (Options, error) {
	o := Options{Prefix: "seqfs", PartSize: DefaultPartSize}
	c := &o.Client
	c.DialTimeout = time.Second
	c.DialerRetries = 1
	c.ReadTimeout = 5 * time.Second
	c.WriteTimeout = 5 * time.Second
	c.MaxRetries = 2
	c.MinRetryBackoff = 8 * time.Millisecond
	c.MaxRetryBackoff = 256 * time.Millisecond
	c.PoolSize = max(32, 10*runtime.GOMAXPROCS(0))
	c.PoolTimeout = 5 * time.Second
	c.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	scheme := u.Scheme
	tlsOn := strings.HasPrefix(scheme, "rediss")
	dbPath := strings.Trim(u.Path, "/")
	switch scheme {
	case "redis", "rediss":
		host := u.Host
		if host == "" {
			host = "localhost:6379"
		} else if u.Port() == "" {
			host += ":6379"
		}
		c.Addrs = []string{host}
		o.Server = "redis " + host
	case "redis+unix":
		if u.Path == "" {
			return o, fmt.Errorf("%s: missing socket path", scheme)
		}
		c.Addrs = []string{u.Path}
		o.Server = "redis unix:" + u.Path
		dbPath = ""
	case "redis+cluster", "rediss+cluster":
		c.Addrs = splitHosts(u.Host)
		c.IsClusterMode = true
		if dbPath != "" && dbPath != "0" {
			return o, fmt.Errorf("%s: Redis Cluster has only database 0, got %q", scheme, dbPath)
		}
		dbPath = ""
		o.Server = "redis cluster " + strings.Join(c.Addrs, ",")
	case "redis+sentinel", "rediss+sentinel":
		c.Addrs = splitHosts(u.Host)
		master, db, _ := strings.Cut(dbPath, "/")
		if master == "" {
			return o, fmt.Errorf("%s: missing master name (redis+sentinel://host:port/MASTER/db)", scheme)
		}
		c.MasterName = master
		dbPath = db
		o.Server = "redis sentinel " + strings.Join(c.Addrs, ",") + " master " + master
	default:
		return o, fmt.Errorf("not a redis URL scheme: %q", scheme)
	}
	if len(c.Addrs) == 0 {
		return o, fmt.Errorf("%s: no host given", scheme)
	}
	if dbPath != "" {
		db, err := strconv.Atoi(dbPath)
		if err != nil || db < 0 {
			return o, fmt.Errorf("%s: bad database number %q in path", scheme, dbPath)
		}
		c.DB = db
	}
	if tlsOn {
		c.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: hostOnly(c.Addrs[0])}
	}
	for name, vals := range u.Query() {
		v := vals[len(vals)-1]
		var err error
		switch name {
		case "prefix":
			if v == "" || strings.Contains(v, sep) {
				err = errors.New("must be non-empty and without NUL")
			}
			o.Prefix = v
		case "part_size":
			o.PartSize, err = parseSize(v)
			if err == nil && o.PartSize > maxPartSize {
				err = fmt.Errorf("over Redis's 512 MiB string limit")
			}
		case "db":
			c.DB, err = strconv.Atoi(v)
			if err == nil && (c.DB < 0 || c.IsClusterMode && c.DB != 0) {
				err = errors.New("out of range")
			}
		case "pool_size":
			c.PoolSize, err = strconv.Atoi(v)
			if err == nil && c.PoolSize <= 0 {
				err = errors.New("must be positive")
			}
		case "max_retries":
			c.MaxRetries, err = strconv.Atoi(v)
		case "dial_timeout":
			c.DialTimeout, err = time.ParseDuration(v)
		case "read_timeout":
			c.ReadTimeout, err = time.ParseDuration(v)
		case "write_timeout":
			c.WriteTimeout, err = time.ParseDuration(v)
		default:
			return o, fmt.Errorf("%s: unknown parameter %q (known: prefix, part_size, db, pool_size, max_retries, dial_timeout, read_timeout, write_timeout)", scheme, name)
		}
		if err != nil {
			return o, fmt.Errorf("%s: parameter %s=%q: %v", scheme, name, v, err)
		}
	}
	return o, nil
}

func splitHosts(h string) []string {
	var out []string
	for _, a := range strings.Split(h, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if !strings.Contains(a, ":") || strings.HasSuffix(a, "]") {
			a += ":6379"
		}
		out = append(out, a)
	}
	return out
}

func hostOnly(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

// Open connects to the Redis named by u and checks its format key. The data
// must have been written by a Writer (seqfs copy … redis://…).
func Open(ctx context.Context, u *url.URL) (*Source, error) {
	o, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	return OpenOptions(ctx, o)
}

// OpenOptions is Open with explicit options.
func OpenOptions(ctx context.Context, o Options) (*Source, error) {
	s := newSource(o)
	if err := s.checkFormat(ctx, false); err != nil {
		s.client.Close()
		return nil, err
	}
	return s, nil
}

// OpenWriter connects to the Redis named by u for writing, creating the
// format key on an empty prefix. It is the writer opener for `seqfs copy`.
func OpenWriter(ctx context.Context, u *url.URL) (*Writer, error) {
	o, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	return OpenWriterOptions(ctx, o)
}

// OpenWriterOptions is OpenWriter with explicit options.
func OpenWriterOptions(ctx context.Context, o Options) (*Writer, error) {
	s := newSource(o)
	if err := s.checkFormat(ctx, true); err != nil {
		s.client.Close()
		return nil, err
	}
	return newWriter(s), nil
}

// checkFormat reads the format key; create writes it when it is missing.
func (s *Source) checkFormat(ctx context.Context, create bool) error {
	key := s.k.format()
	if create {
		if _, err := s.client.SetNX(ctx, key, formatVersion, 0).Result(); err != nil {
			return s.wrap(ctx, "create "+key, err)
		}
	}
	v, err := s.client.Get(ctx, key).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return fmt.Errorf("%s: no seqfs data under prefix %q (key %s is missing; load it with `seqfs copy SRC redis://…`): %w",
			s.server, s.k.p, key, repo.ErrNotFound)
	case err != nil:
		return s.wrap(ctx, "read "+key, err)
	case v != formatVersion:
		return repo.Corrupt(s.server+" key "+key, fmt.Errorf("format %q, this seqfs reads %q", v, formatVersion))
	}
	return nil
}
