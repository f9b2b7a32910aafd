package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/repo"
)

// combineSources merges several opened sources into one; set by the
// federation wiring. Nil means only one --source is accepted.
var combineSources func(srcs []repo.Source) (repo.Source, error)

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

// openSource opens the read source the global flags select. The caller
// closes it.
func openSource(c *cli.Context) (repo.Source, error) {
	locs := sourceLocations(c, "latest")
	srcs := make([]repo.Source, 0, len(locs))
	closeAll := func() {
		for _, s := range srcs {
			s.Close()
		}
	}
	for _, loc := range locs {
		s, err := repo.Open(c.Context, loc)
		if err != nil {
			closeAll()
			return nil, err
		}
		srcs = append(srcs, s)
	}
	if len(srcs) == 1 {
		return srcs[0], nil
	}
	if combineSources == nil {
		closeAll()
		return nil, usagef("%d sources given but this build cannot federate them", len(srcs))
	}
	merged, err := combineSources(srcs)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("federate sources: %w", err)
	}
	return merged, nil
}
