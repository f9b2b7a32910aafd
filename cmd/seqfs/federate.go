package main

import "github.com/urfave/cli/v2"

// federationFlags are global flags for federating sources; the --config
// file is read by source.LoadFile.
var federationFlags = []cli.Flag{
	&cli.StringFlag{Name: "config", Usage: "TOML file listing sources in order (see README: Federation)"},
	&cli.BoolFlag{Name: "prefer-first", Usage: "an alias bound differently by two sources resolves to the first source's binding instead of being ambiguous"},
}
