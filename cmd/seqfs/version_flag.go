package main

import "github.com/urfave/cli/v2"

// urfave/cli's default --version flag has the alias -v, which collides with
// the global -v/--verbose flag and makes every invocation panic ("flag
// redefined: v"). Keep --version without the short alias.
func init() {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version and exit", DisableDefaultText: true}
}
