package s3

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/seqfs/seqfs/repo"
)

// Names of the settings the Factory reads.
const (
	// SettingEndpoint is the S3 endpoint URL of s3:// sources (an
	// S3-compatible server); a URL's ?endpoint= overrides it.
	SettingEndpoint = "s3-endpoint"
	// SettingRegion is the region of s3:// buckets; ?region= overrides it.
	SettingRegion = "s3-region"
	// SettingStats makes remote instances print their request and byte
	// counters to standard error when closed.
	SettingStats = "s3-stats"
)

// Factory opens SeqRepo instances in S3 (s3://bucket/prefix) and on HTTP
// servers (http://, https://), and writes instances to S3. Its settings are
// SettingEndpoint, SettingRegion and SettingStats.
type Factory struct{}

var _ repo.WriterFactory = Factory{}

// Name returns "s3".
func (Factory) Name() string { return "s3" }

// Schemes returns s3, http and https.
func (Factory) Schemes() []string { return []string{"s3", "http", "https"} }

// Settings returns the endpoint, region and stats settings.
func (Factory) Settings() []repo.Setting {
	return []repo.Setting{
		{Name: SettingEndpoint, EnvVars: []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"},
			Usage: "S3 endpoint URL for s3:// sources (S3-compatible servers; path-style addressing)"},
		{Name: SettingRegion, Usage: "region of s3:// buckets (default: AWS configuration, else discovered from the bucket)"},
		{Name: SettingStats, Bool: true, EnvVars: []string{"SEQFS_S3_STATS"},
			Usage: "print the requests and bytes of remote (s3://, http(s)://) sources when they are closed"},
	}
}

// ConfigFromSettings returns the Config the settings select: the endpoint
// and region; everything else is the AWS default.
func ConfigFromSettings(s repo.Settings) Config {
	return Config{Endpoint: s.Get(SettingEndpoint), Region: s.Get(SettingRegion)}
}

// Open opens the instance at an s3:// or http(s):// URL.
func (Factory) Open(ctx context.Context, u *url.URL, s repo.Settings) (repo.Source, error) {
	stats, err := s.Bool(SettingStats)
	if err != nil {
		return nil, err
	}
	inst, err := openURL(ctx, u, ConfigFromSettings(s))
	if err != nil {
		return nil, err
	}
	if stats {
		inst.statsOut = os.Stderr
	}
	return inst, nil
}

// WriterSchemes returns s3: instances are written to S3 only.
func (Factory) WriterSchemes() []string { return []string{"s3"} }

// OpenWriter opens a Writer to an s3:// URL; http(s):// instances are
// read-only.
func (Factory) OpenWriter(ctx context.Context, u *url.URL, s repo.Settings) (repo.Writer, error) {
	if u.Scheme != "s3" {
		return nil, fmt.Errorf("%s: only s3:// instances are writable: %w", u.Redacted(), repo.ErrReadOnly)
	}
	return OpenWriter(ctx, u.String(), ConfigFromSettings(s))
}
