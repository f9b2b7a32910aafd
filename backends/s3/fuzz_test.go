package s3

import (
	"net/url"
	"testing"
)

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 5-5/6", "bytes */100", "bytes 0-99/*", "bytes 9-1/10", "bytes 0-18446744073709551615/1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		first, last, size, err := ParseContentRange(h)
		if err != nil {
			return
		}
		if first < 0 || last < first || last >= size {
			t.Fatalf("ParseContentRange(%q) = %d, %d, %d: inconsistent", h, first, last, size)
		}
	})
}

func FuzzParseS3URL(f *testing.F) {
	for _, s := range []string{"s3://b/p", "s3://bucket/a/b?endpoint=http://127.0.0.1:9000&region=us-east-1", "s3:///x", "s3://b?x=1", "s3://b/p?endpoint=ftp://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		bucket, prefix, cfg, err := ParseS3URL(u, Config{})
		if err != nil {
			return
		}
		if bucket == "" || len(prefix) > 0 && (prefix[0] == '/' || prefix[len(prefix)-1] == '/') {
			t.Fatalf("ParseS3URL(%q) = %q, %q", s, bucket, prefix)
		}
		if cfg.Endpoint != "" {
			if eu, err := url.Parse(cfg.Endpoint); err != nil || eu.Host == "" {
				t.Fatalf("ParseS3URL(%q) accepted endpoint %q", s, cfg.Endpoint)
			}
		}
	})
}
