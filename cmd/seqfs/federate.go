package main

import (
	"context"
	"fmt"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/federation"
	"github.com/seqfs/seqfs/repo"
)

// federationConfig is the --config file: sources in order, each with an
// optional namespace filter and cache setting.
//
//	prefer_first = false
//	[[source]]
//	url = "/usr/local/share/seqrepo/latest"
//	[[source]]
//	url = "redis://127.0.0.1:6379/0?prefix=seqfs"
//	namespaces = ["NCBI"]
type federationConfig struct {
	PreferFirst bool           `toml:"prefer_first"`
	Sources     []sourceConfig `toml:"source"`
}

type sourceConfig struct {
	URL        string   `toml:"url"`
	Namespaces []string `toml:"namespaces"`
	Cache      bool     `toml:"cache"`
}

func loadFederationConfig(path string) (federationConfig, error) {
	var cfg federationConfig
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		return cfg, fmt.Errorf("read config %s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return cfg, fmt.Errorf("config %s: unknown setting %q", path, un[0].String())
	}
	if len(cfg.Sources) == 0 {
		return cfg, fmt.Errorf("config %s: no [[source]] entries", path)
	}
	for i, s := range cfg.Sources {
		if s.URL == "" {
			return cfg, fmt.Errorf("config %s: source %d has no url", path, i+1)
		}
	}
	return cfg, nil
}

// openFederation opens every configured source and federates them.
func openFederation(ctx context.Context, cfg federationConfig, settings repo.Settings, wrap func(repo.Source) (repo.Source, error)) (repo.Source, error) {
	members := make([]federation.Member, 0, len(cfg.Sources))
	closeAll := func() {
		for _, m := range members {
			m.Source.Close()
		}
	}
	for _, sc := range cfg.Sources {
		src, err := openMember(ctx, sc.URL, settings, true) // a member that is down is skipped, not fatal
		if err != nil {
			closeAll()
			return nil, err
		}
		if sc.Cache && wrap != nil {
			cached, err := wrap(src)
			if err != nil {
				src.Close()
				closeAll()
				return nil, fmt.Errorf("cache %s: %w", sc.URL, err)
			}
			src = cached
		}
		name := sc.URL
		if u, err := repo.ParseLocation(sc.URL); err == nil {
			name = u.Redacted()
		}
		members = append(members, federation.Member{Name: name, Source: src, Namespaces: sc.Namespaces})
	}
	fed, err := federation.New(members, federation.Options{PreferFirst: cfg.PreferFirst})
	if err != nil {
		closeAll()
		return nil, err
	}
	return fed, nil
}

// federationFlags are global flags for federating sources.
var federationFlags = []cli.Flag{
	&cli.StringFlag{Name: "config", Usage: "TOML file listing sources in order (see README: Federation)"},
	&cli.BoolFlag{Name: "prefer-first", Usage: "an alias bound differently by two sources resolves to the first source's binding instead of being ambiguous"},
}
