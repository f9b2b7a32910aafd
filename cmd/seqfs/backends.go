package main

import (
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/repo"
)

// registry holds the built-in backends every command opens sources with.
var registry = all.Registry()

// settingFlags returns the given backend settings as command-line flags,
// new flag values each call (a flag may be global and a command's own).
func settingFlags(settings []repo.Setting) []cli.Flag {
	flags := make([]cli.Flag, 0, len(settings))
	for _, s := range settings {
		if s.Bool {
			flags = append(flags, &cli.BoolFlag{Name: s.Name, Usage: s.Usage, EnvVars: s.EnvVars})
		} else {
			flags = append(flags, &cli.StringFlag{Name: s.Name, Usage: s.Usage, EnvVars: s.EnvVars})
		}
	}
	return flags
}

// backendSettings returns the backend settings given on the command line
// (the nearest command's flag first, then the global one) or by their
// environment variables.
func backendSettings(c *cli.Context) repo.Settings {
	out := repo.Settings{}
	for _, s := range registry.Settings() {
		for _, ctx := range c.Lineage() {
			if ctx.App == nil || !ctx.IsSet(s.Name) { // the empty context at the root of the lineage has no App
				continue
			}
			if s.Bool {
				out[s.Name] = strconv.FormatBool(ctx.Bool(s.Name))
			} else {
				out[s.Name] = ctx.String(s.Name)
			}
			break
		}
	}
	return out
}
