package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/source"
)

// sourceLocations returns what the global flags name: the --source values,
// or the instance directory <root>/<instance> (instance defaulting to
// defaultInstance: "latest" for reads, "master" for writes).
func sourceLocations(c *cli.Context, defaultInstance string) []string {
	if locs := c.StringSlice("source"); len(locs) > 0 {
		return locs
	}
	inst := c.String("instance-name")
	if inst == "" {
		inst = defaultInstance
	}
	return []string{filepath.Join(c.String("root-directory"), inst)}
}

// openSource opens the read source the global flags select: a --config
// federation, several --source values federated in order, or one source;
// then the cache if the flags ask for one. The caller closes it.
func openSource(c *cli.Context) (repo.Source, error) {
	cfg, err := readSourceConfig(c)
	if err != nil {
		return nil, err
	}
	cfg.PreferFirst = cfg.PreferFirst || c.Bool("prefer-first")
	cfg.Settings = backendSettings(c)
	if cfg.Cache, err = cacheConfig(c, cfg); err != nil {
		return nil, err
	}
	src, err := source.Open(c.Context, registry, cfg)
	if err != nil {
		return nil, withOpenHint(c, err)
	}
	return src, nil
}

// withOpenHint adds to the error of opening the default instance
// (<root>/<instance> from -r/SEQREPO_ROOT_DIR and -i, no -s or --config)
// what a new user needs: which root and instance were used, which
// instances the root has, and the flags that choose another. Right after
// `seqfs init` and `seqfs load` the root has master but no latest yet.
func withOpenHint(c *cli.Context, err error) error {
	var de *seqrepo.DirError
	if !errors.As(err, &de) || !errors.Is(err, fs.ErrNotExist) || c.IsSet("source") || c.String("config") != "" {
		return err
	}
	root := c.String("root-directory")
	inst := c.String("instance-name")
	if inst == "" {
		inst = seqrepo.LatestLinkName
	}
	have := "it has no instances"
	if names := seqrepo.RootInstances(root); len(names) > 0 {
		have = "its instances: " + strings.Join(names, ", ")
	}
	hint := fmt.Sprintf("seqfs reads the instance %q under the root directory %s (%s).\n"+
		"  Choose another instance with -i NAME (e.g. -i master right after `seqfs init` and `seqfs load`),\n"+
		"  another root with -r DIR or SEQREPO_ROOT_DIR, or any source with -s PATH_OR_URL.", inst, root, have)
	if inst == seqrepo.LatestLinkName {
		hint += fmt.Sprintf("\n  To make %s: `seqfs -r %s snapshot` (a dated copy of master), then `seqfs -r %s update-latest`.", inst, root, root)
	}
	return fmt.Errorf("%w\n  %s", err, hint)
}

// readSourceConfig returns the read sources the global flags select: those
// of the --config file, or one per location of sourceLocations.
func readSourceConfig(c *cli.Context) (source.Config, error) {
	if path := c.String("config"); path != "" {
		if c.IsSet("source") {
			return source.Config{}, usagef("--config and --source cannot be combined")
		}
		cfg, err := source.LoadFile(path, registry)
		if err != nil {
			return source.Config{}, usageError{err}
		}
		return cfg, nil
	}
	var cfg source.Config
	for _, loc := range sourceLocations(c, "latest") {
		cfg.Members = append(cfg.Members, source.Member{URL: loc})
	}
	return cfg, nil
}

// withSourceOutput opens the source the global flags select and calls fn
// with it under writeOutput.
func withSourceOutput(c *cli.Context, cmd string, bufSize int, fn func(src repo.Source, w *bufio.Writer) error) error {
	src, err := openSource(c)
	if err != nil {
		return err
	}
	defer src.Close()
	return writeOutput(c, cmd, bufSize, func(w *bufio.Writer) error { return fn(src, w) })
}

// writeOutput calls fn with a writer buffering bufSize bytes (<= 0: bufio's
// default) of the command's output, and flushes it, also when fn fails.
// fn's error is returned as it is; a failed flush is "<cmd>: write output:
// …".
func writeOutput(c *cli.Context, cmd string, bufSize int, fn func(w *bufio.Writer) error) error {
	w := bufio.NewWriterSize(c.App.Writer, bufSize)
	if err := fn(w); err != nil {
		w.Flush()
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("%s: write output: %w", cmd, err)
	}
	return nil
}
