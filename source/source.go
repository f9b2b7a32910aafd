// Package source assembles the read source that seqfs serves from a
// description of it: the member locations in order (from the command
// line or a TOML file, see LoadFile), each opened by the backend a
// repo.Registry names for its scheme with its settings; several members
// federated; members and the whole optionally cached in the local cache
// directory. The command line, the integration tests and the benchmarks
// all compose sources through Open.
package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/seqfs/seqfs/federation"
	"github.com/seqfs/seqfs/repo"
)

// Config describes a composed source.
type Config struct {
	// Members are the sources in order: one is served as it is, several
	// are federated (the first that has a sequence serves it).
	Members []Member
	// PreferFirst resolves an alias two members bind to different
	// sequences to the first member's binding instead of calling it
	// ambiguous.
	PreferFirst bool
	// Settings are the backend settings of the whole process (command-line
	// flags); a member's own Settings take precedence over them.
	Settings repo.Settings
	// Cache, when not nil, is the local cache: of the members whose Cache
	// is set and, unless Cache.MembersOnly, of the composed source.
	Cache *Cache
	// File is the configuration file the members came from (set by
	// LoadFile); it names the cache entries of the source, see Scope.
	File string
}

// Member is one source of a Config.
type Member struct {
	// URL is the location: a URL or a local path.
	URL string
	// Namespaces, when not empty, restricts the DB-form namespaces whose
	// aliases this member contributes to a federation.
	Namespaces []string
	// Cache puts this member behind its own cache (Config.Cache must be
	// set); the member is then federated even when it is the only one.
	Cache bool
	// Settings are this member's backend settings, over Config.Settings
	// (two s3:// members with different endpoints, say).
	Settings repo.Settings
}

// Scope returns the cache scope of the composed source: the identifier
// entries it caches are kept apart from those of other sources sharing the
// cache directory. It is "config:" and the file for a Config from a file,
// else the member URLs joined by U+001F. The n-th member with a cache of
// its own (from 1) uses Scope()+"#n". These are the scopes of earlier
// releases: existing cache directories keep serving.
func (c Config) Scope() string {
	if c.File != "" {
		return "config:" + c.File
	}
	urls := make([]string, len(c.Members))
	for i, m := range c.Members {
		urls[i] = m.URL
	}
	return strings.Join(urls, "\x1f")
}

// Open opens the source cfg describes. The caller closes it.
//
// One member without its own cache is opened as it is; several members,
// or one with its own cache, are federated in order. A federated member
// whose backend is unreachable (repo.ErrUnavailable) is replaced by an
// Offline stand-in, so the others still serve; so is a lone member that
// the cache wraps, so that what the cache holds is still served. Last the
// cache, if configured, wraps the whole.
func Open(ctx context.Context, reg *repo.Registry, cfg Config) (repo.Source, error) {
	if len(cfg.Members) == 0 {
		return nil, errors.New("open source: no members")
	}
	topCache := cfg.Cache != nil && !cfg.Cache.MembersOnly
	var src repo.Source
	var err error
	if len(cfg.Members) == 1 && !cfg.Members[0].Cache {
		src, err = openMember(ctx, reg, cfg, cfg.Members[0], topCache)
	} else {
		src, err = openFederation(ctx, reg, cfg)
	}
	if err != nil || !topCache {
		return src, err
	}
	return cfg.Cache.wrap(ctx, src, cfg.Scope())
}

// openMember opens one member with its settings over the process's. When
// its backend is unreachable and tolerant is set, the member is an
// Offline stand-in.
func openMember(ctx context.Context, reg *repo.Registry, cfg Config, m Member, tolerant bool) (repo.Source, error) {
	src, err := reg.Open(ctx, m.URL, cfg.Settings.Merge(m.Settings))
	if err != nil && tolerant && errors.Is(err, repo.ErrUnavailable) {
		slog.Warn("source unreachable; going on without it", "err", err)
		return Offline(err), nil
	}
	return src, err
}

// openFederation opens every member, each behind its own cache when it
// asks for one, and federates them.
func openFederation(ctx context.Context, reg *repo.Registry, cfg Config) (repo.Source, error) {
	members := make([]federation.Member, 0, len(cfg.Members))
	closeAll := func() {
		for _, m := range members {
			m.Source.Close()
		}
	}
	cached := 0
	for _, m := range cfg.Members {
		src, err := openMember(ctx, reg, cfg, m, true) // a member that is down is skipped, not fatal
		if err != nil {
			closeAll()
			return nil, err
		}
		if m.Cache {
			cached++
			src, err = cacheMember(ctx, cfg, m, src, cached)
			if err != nil {
				closeAll()
				return nil, err
			}
		}
		name := m.URL
		if u, err := repo.ParseLocation(m.URL); err == nil {
			name = u.Redacted()
		}
		members = append(members, federation.Member{Name: name, Source: src, Namespaces: m.Namespaces})
	}
	fed, err := federation.New(members, federation.Options{PreferFirst: cfg.PreferFirst})
	if err != nil {
		closeAll()
		return nil, err
	}
	return fed, nil
}

// cacheMember wraps src, the n-th member with a cache of its own, in the
// cache. On failure src is closed.
func cacheMember(ctx context.Context, cfg Config, m Member, src repo.Source, n int) (repo.Source, error) {
	if cfg.Cache == nil {
		src.Close()
		return nil, fmt.Errorf("cache %s: no cache directory configured", m.URL)
	}
	cached, err := cfg.Cache.wrap(ctx, src, fmt.Sprintf("%s#%d", cfg.Scope(), n))
	if err != nil {
		return nil, fmt.Errorf("cache %s: %w", m.URL, err)
	}
	return cached, nil
}
