package repo

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Setting is a backend tunable given outside the location URL: a
// command-line flag (--Name) or a key of one source in a config file. A
// backend never reads the environment itself; EnvVars tell the command line
// which variables stand in for the flag.
type Setting struct {
	// Name is the flag name and config key, e.g. "s3-endpoint". Names are
	// unique across the backends of a Registry.
	Name string
	// Usage is the one-line help text.
	Usage string
	// Bool marks a switch; its value is "true" or "false".
	Bool bool
	// EnvVars are environment variables the command line reads the value
	// from when the flag is not given.
	EnvVars []string
}

// Settings holds setting values by name. A nil Settings is empty. Values a
// backend does not know (another backend's settings) are ignored by it.
type Settings map[string]string

// Get returns the value of setting name ("" when unset).
func (s Settings) Get(name string) string { return s[name] }

// Bool returns the value of switch name: false when unset, an error when
// the value is not a boolean.
func (s Settings) Bool(name string) (bool, error) {
	v, ok := s[name]
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("setting %s=%q: not true or false", name, v)
	}
	return b, nil
}

// Merge returns s with the values of over replacing its own: the settings
// of one source (over) on top of those of the whole process (s).
func (s Settings) Merge(over Settings) Settings {
	out := make(Settings, len(s)+len(over))
	for k, v := range s {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// Factory is one backend: the URL schemes it serves, the settings it takes
// besides its URL, and how to open a location. Everything a source needs
// reaches it through Open's URL and settings: a backend keeps no package
// state that configures its sources.
type Factory interface {
	// Name is the backend's short name ("seqrepo", "s3", "redis", …).
	Name() string
	// Schemes are the URL schemes it opens ("file", "s3", …). A location
	// without "://" is a local path, scheme "file".
	Schemes() []string
	// Settings are the tunables it reads from Open's settings.
	Settings() []Setting
	// Open opens the source at u, configured by u and settings.
	Open(ctx context.Context, u *url.URL, settings Settings) (Source, error)
}

// WriterFactory is a Factory whose stores can be written (seqfs copy's
// destination).
type WriterFactory interface {
	Factory
	// WriterSchemes are the schemes, among Schemes, whose stores it
	// writes.
	WriterSchemes() []string
	// OpenWriter opens the writable store at u, creating it if the backend
	// does that (an empty SeqRepo instance).
	OpenWriter(ctx context.Context, u *url.URL, settings Settings) (Writer, error)
}

// Registry maps URL schemes to the factories that open them. Build one with
// NewRegistry; it is safe for concurrent use and never changes.
type Registry struct {
	factories []Factory
	byScheme  map[string]Factory
}

// NewRegistry returns a registry of factories. Two factories claiming one
// scheme, or one setting name, is an error.
func NewRegistry(factories ...Factory) (*Registry, error) {
	r := &Registry{byScheme: map[string]Factory{}}
	settings := map[string]string{}
	for _, f := range factories {
		for _, s := range f.Schemes() {
			if prev, dup := r.byScheme[s]; dup {
				return nil, fmt.Errorf("scheme %q claimed by backends %s and %s", s, prev.Name(), f.Name())
			}
			r.byScheme[s] = f
		}
		for _, s := range f.Settings() {
			if prev, dup := settings[s.Name]; dup {
				return nil, fmt.Errorf("setting %q claimed by backends %s and %s", s.Name, prev, f.Name())
			}
			settings[s.Name] = f.Name()
		}
		r.factories = append(r.factories, f)
	}
	return r, nil
}

// Factories returns the registry's factories in the order given.
func (r *Registry) Factories() []Factory { return slices.Clone(r.factories) }

// Schemes returns the schemes the registry opens, sorted.
func (r *Registry) Schemes() []string {
	out := make([]string, 0, len(r.byScheme))
	for s := range r.byScheme {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Settings returns the settings of every backend, in factory order.
func (r *Registry) Settings() []Setting {
	var out []Setting
	for _, f := range r.factories {
		out = append(out, f.Settings()...)
	}
	return out
}

// Factory returns the factory for location's scheme and the parsed URL.
func (r *Registry) Factory(location string) (Factory, *url.URL, error) {
	u, err := ParseLocation(location)
	if err != nil {
		return nil, nil, err
	}
	f, ok := r.byScheme[u.Scheme]
	if !ok {
		return nil, u, fmt.Errorf("open %s: unknown source scheme %q (known: %s)", u.Redacted(), u.Scheme, strings.Join(r.Schemes(), ", "))
	}
	return f, u, nil
}

// Open opens the source named by location (a URL or a local path) with the
// backend for its scheme.
func (r *Registry) Open(ctx context.Context, location string, settings Settings) (Source, error) {
	f, u, err := r.Factory(location)
	if err != nil {
		return nil, err
	}
	src, err := f.Open(ctx, u, settings)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", u.Redacted(), err)
	}
	return src, nil
}

// OpenWriter opens the writable store named by location (a URL or a local
// path), creating it if the backend does that. A read-only backend's
// scheme gives an error matching ErrReadOnly that names the writable ones.
func (r *Registry) OpenWriter(ctx context.Context, location string, settings Settings) (Writer, error) {
	f, u, err := r.Factory(location)
	if err != nil {
		return nil, err
	}
	wf, ok := f.(WriterFactory)
	if !ok || !slices.Contains(wf.WriterSchemes(), u.Scheme) {
		var writable []string
		for _, f := range r.factories {
			if wf, ok := f.(WriterFactory); ok {
				writable = append(writable, wf.WriterSchemes()...)
			}
		}
		sort.Strings(writable)
		return nil, fmt.Errorf("open %s for writing: %q sources are not writable (writable: %s): %w",
			u.Redacted(), u.Scheme, strings.Join(writable, ", "), ErrReadOnly)
	}
	w, err := wf.OpenWriter(ctx, u, settings)
	if err != nil {
		return nil, fmt.Errorf("open %s for writing: %w", u.Redacted(), err)
	}
	return w, nil
}

// ParseLocation turns a source location into a URL: a string without a
// "scheme://" is a local path and becomes a file URL.
func ParseLocation(location string) (*url.URL, error) {
	if location == "" {
		return nil, fmt.Errorf("empty source location")
	}
	if !strings.Contains(location, "://") {
		return &url.URL{Scheme: "file", Path: location}, nil
	}
	u, err := url.Parse(location)
	if err != nil {
		return nil, fmt.Errorf("parse source %q: %w", location, err)
	}
	return u, nil
}
