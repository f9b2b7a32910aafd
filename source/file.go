package source

import (
	"fmt"
	"slices"
	"sort"

	"github.com/BurntSushi/toml"

	"github.com/seqfs/seqfs/repo"
)

// file is the TOML configuration file: the members in order, each a
// [[source]] table.
//
//	prefer_first = false
//	[[source]]
//	url = "/usr/local/share/seqrepo/latest"
//	[[source]]
//	url = "redis://127.0.0.1:6379/0?prefix=seqfs"
//	namespaces = ["NCBI"]
//	[[source]]
//	url = "s3://bucket/seqrepo/latest"
//	s3-endpoint = "http://127.0.0.1:9000"
//	cache = true
type file struct {
	PreferFirst bool             `toml:"prefer_first"`
	Sources     []toml.Primitive `toml:"source"`
}

// memberKeys are the keys of a [[source]] table that are not backend
// settings.
type memberKeys struct {
	URL        string   `toml:"url"`
	Namespaces []string `toml:"namespaces"`
	Cache      bool     `toml:"cache"`
}

// LoadFile reads a TOML configuration file: prefer_first and [[source]]
// tables of url, namespaces, cache and any setting of reg's backends (a
// string, or true/false for a switch), which applies to that member only.
// A key that is none of these is an error naming the file; so is a file
// without a [[source]] or a source without a url. The Config's File is
// path.
func LoadFile(path string, reg *repo.Registry) (Config, error) {
	var f file
	md, err := toml.DecodeFile(path, &f)
	if err != nil {
		return Config{}, fmt.Errorf("read config %s: %w", path, err)
	}
	for _, k := range md.Undecoded() {
		if k[0] != "source" {
			return Config{}, fmt.Errorf("config %s: unknown setting %q", path, k.String())
		}
	}
	cfg := Config{PreferFirst: f.PreferFirst, File: path}
	for _, p := range f.Sources {
		var k memberKeys
		if err := md.PrimitiveDecode(p, &k); err != nil {
			return Config{}, fmt.Errorf("read config %s: %w", path, err)
		}
		cfg.Members = append(cfg.Members, Member{URL: k.URL, Namespaces: k.Namespaces, Cache: k.Cache})
	}
	known := map[string]repo.Setting{}
	if reg != nil {
		for _, s := range reg.Settings() {
			known[s.Name] = s
		}
	}
	for i, p := range f.Sources {
		var all map[string]any
		if err := md.PrimitiveDecode(p, &all); err != nil {
			return Config{}, fmt.Errorf("read config %s: %w", path, err)
		}
		settings, err := memberSettings(all, known)
		if err != nil {
			return Config{}, fmt.Errorf("config %s: %w", path, err)
		}
		cfg.Members[i].Settings = settings
	}
	if len(cfg.Members) == 0 {
		return Config{}, fmt.Errorf("config %s: no [[source]] entries", path)
	}
	for i, m := range cfg.Members {
		if m.URL == "" {
			return Config{}, fmt.Errorf("config %s: source %d has no url", path, i+1)
		}
	}
	return cfg, nil
}

// memberSettings returns the backend settings among the keys of one
// [[source]] table: every key but url, namespaces and cache must be one of
// known, a switch given as true or false and any other setting as a
// string.
func memberSettings(table map[string]any, known map[string]repo.Setting) (repo.Settings, error) {
	keys := make([]string, 0, len(table))
	for k := range table {
		if !slices.Contains([]string{"url", "namespaces", "cache"}, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out repo.Settings
	for _, k := range keys {
		s, ok := known[k]
		if !ok {
			return nil, fmt.Errorf("unknown setting %q", "source."+k)
		}
		v, ok := value(s, table[k])
		if !ok {
			return nil, fmt.Errorf("setting %q: want %s, not %#v", "source."+k, kind(s), table[k])
		}
		if out == nil {
			out = repo.Settings{}
		}
		out[k] = v
	}
	return out, nil
}

// value returns v, a TOML value given for setting s, as a setting value:
// a switch takes true or false, any other setting a string.
func value(s repo.Setting, v any) (string, bool) {
	switch tv := v.(type) {
	case bool:
		return fmt.Sprint(tv), s.Bool
	case string:
		return tv, !s.Bool
	}
	return "", false
}

// kind names the TOML value a setting takes.
func kind(s repo.Setting) string {
	if s.Bool {
		return "true or false"
	}
	return "a string"
}
