package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/cache"
	"github.com/seqfs/seqfs/source"
)

// defaultCacheSize is the --cache-size default.
const defaultCacheSize = "10G"

// cacheFlags enable the local cache on the commands that read sequences
// (mount, serve, fetch): any of them turns the cache on.
var cacheFlags = []cli.Flag{
	&cli.StringFlag{Name: "cache-dir", EnvVars: []string{"SEQFS_CACHE_DIR"},
		Usage: "cache sequences read from the source in `DIR` (persistent, shared by processes; default with --cache: " + defaultCacheDirHint() + ")"},
	&cli.BoolFlag{Name: "cache", Usage: "cache in the default cache directory"},
	&cli.StringFlag{Name: "cache-size", EnvVars: []string{"SEQFS_CACHE_SIZE"}, Value: defaultCacheSize,
		Usage: "bound the cache directory to `SIZE` (e.g. 500M, 10G)"},
	&cli.StringSliceFlag{Name: "cache-prefetch",
		Usage: "before starting, warm the cache with every sequence of namespace `NS` (repeatable)"},
}

func init() {
	commands = append(commands, &cli.Command{
		Name:  "cache",
		Usage: "inspect or empty the local cache directory",
		Subcommands: []*cli.Command{
			{
				Name:      "stats",
				Usage:     "print entries, bytes, hit ratio and evictions of the cache directory",
				ArgsUsage: " ",
				Action:    cacheStats,
			},
			{
				Name:      "clear",
				Usage:     "delete every cached entry (safe while other seqfs processes use the cache)",
				ArgsUsage: " ",
				Action:    cacheClear,
			},
		},
	})
}

func defaultCacheDirHint() string {
	return "$XDG_CACHE_HOME/seqfs"
}

// defaultCacheDir is $XDG_CACHE_HOME/seqfs, else ~/.cache/seqfs.
func defaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", usagef("no --cache-dir given and no default cache directory: %v", err)
	}
	return filepath.Join(d, "seqfs"), nil
}

// cacheRequested reports whether the command line asks for the cache.
func cacheRequested(c *cli.Context) bool {
	for _, f := range []string{"cache-dir", "cache", "cache-size", "cache-prefetch"} {
		if c.IsSet(f) {
			return true
		}
	}
	return false
}

// cacheDir returns the directory the flags name.
func cacheDir(c *cli.Context) (string, error) {
	if d := c.String("cache-dir"); d != "" {
		return d, nil
	}
	return defaultCacheDir()
}

// cacheConfig returns the cache that the cache flags configure for cfg:
// nil when they ask for none and no member of cfg asks for its own.
func cacheConfig(c *cli.Context, cfg source.Config) (*source.Cache, error) {
	requested := cacheRequested(c)
	if !requested && !slices.ContainsFunc(cfg.Members, func(m source.Member) bool { return m.Cache }) {
		return nil, nil
	}
	dir, err := cacheDir(c)
	if err != nil {
		return nil, err
	}
	sizeText := c.String("cache-size")
	if sizeText == "" {
		sizeText = defaultCacheSize
	}
	size, err := cache.ParseSize(sizeText)
	if err != nil {
		return nil, usagef("--cache-size: %v", err)
	}
	bar := newProgressBar(os.Stderr)
	return &source.Cache{
		Dir:      dir,
		MaxBytes: size,
		Prefetch: c.StringSlice("cache-prefetch"),
		Progress: func(p cache.Progress) { bar.update(p) },
		PrefetchDone: func(_ string, st cache.Stats, err error) {
			bar.finish()
			bar = newProgressBar(os.Stderr)
			if err == nil && st.LimitBytes > 0 && st.Bytes >= st.LimitBytes*9/10 {
				fmt.Fprintf(os.Stderr, "seqfs: warning: the cache is %s of its %s limit; some prefetched sequences may have been evicted (raise --cache-size)\n",
					cache.FormatSize(st.Bytes), cache.FormatSize(st.LimitBytes))
			}
		},
		MembersOnly: !requested,
	}, nil
}

// progressBar draws prefetch progress on one terminal line.
type progressBar struct {
	w    io.Writer
	last time.Time
	p    cache.Progress
	seen bool
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (b *progressBar) update(p cache.Progress) {
	b.p, b.seen = p, true
	if time.Since(b.last) < 200*time.Millisecond && p.Done != p.Total {
		return
	}
	b.last = time.Now()
	b.draw()
}

func (b *progressBar) draw() {
	const width = 30
	p := b.p
	frac := 1.0
	if p.Total > 0 {
		frac = float64(p.Done) / float64(p.Total)
	}
	fill := int(frac * width)
	fmt.Fprintf(b.w, "\rprefetch %s [%s%s] %3.0f%% %d/%d aliases, %s residues",
		p.Namespace, strings.Repeat("#", fill), strings.Repeat(" ", width-fill), frac*100,
		p.Done, p.Total, cache.FormatSize(p.Residues))
}

func (b *progressBar) finish() {
	if b.seen {
		b.draw()
		fmt.Fprintln(b.w)
	}
}

func cacheStats(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("cache stats takes no arguments")
	}
	dir, err := cacheDir(c)
	if err != nil {
		return err
	}
	st, err := cache.ReadDirStats(c.Context, dir)
	if err != nil {
		return err
	}
	w := c.App.Writer
	fmt.Fprintf(w, "directory\t%s\n", st.Dir)
	fmt.Fprintf(w, "entries\t%d\n", st.Entries)
	fmt.Fprintf(w, "bytes\t%d (%s)\n", st.Bytes, cache.FormatSize(st.Bytes))
	fmt.Fprintf(w, "hits\t%d\n", st.Hits)
	fmt.Fprintf(w, "misses\t%d\n", st.Misses)
	fmt.Fprintf(w, "hit_ratio\t%.4f\n", st.HitRatio())
	fmt.Fprintf(w, "evictions\t%d\n", st.Evictions)
	fmt.Fprintf(w, "corrupt_dropped\t%d\n", st.Corrupt)
	return nil
}

func cacheClear(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("cache clear takes no arguments")
	}
	dir, err := cacheDir(c)
	if err != nil {
		return err
	}
	n, err := cache.ClearDir(c.Context, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "removed %d entries from %s\n", n, dir)
	return nil
}
