package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// permuteArgs moves flags that follow positional arguments in front of them,
// so `seqfs fetch NM_000551.3 --start 0 --end 20` works: urfave/cli v2 stops
// parsing flags at the first argument. A global flag given after the command
// moves to the global position. The command path (commands and
// subcommands) and a "--" terminator are respected; "-" alone (stdin) is an
// argument.
//
// A flag that takes a value but ends the command line is a usage error here:
// moved in front of the arguments it would take one of them as its value.
func permuteArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	var globals, path, cmdFlags, pos []string
	rest := args[1:]
	flags, cmds := app.Flags, app.Commands
	inCommand := false
	for len(rest) > 0 {
		a := rest[0]
		if isFlag(a) {
			n := flagTokens(flags, rest)
			if inCommand {
				cmdFlags = append(cmdFlags, rest[:n]...)
			} else {
				globals = append(globals, rest[:n]...)
			}
			rest = rest[n:]
			continue
		}
		cmd := findCommand(cmds, a)
		if cmd == nil {
			break
		}
		path, rest = append(path, a), rest[1:]
		flags, cmds, inCommand = cmd.Flags, cmd.Subcommands, true
		if len(cmds) == 0 {
			break
		}
	}
	for len(rest) > 0 {
		a := rest[0]
		switch {
		case a == "--":
			pos = append(pos, rest...)
			rest = nil
		case isFlag(a) && !hasFlag(flags, a) && hasFlag(app.Flags, a):
			n := flagTokens(app.Flags, rest)
			globals, rest = append(globals, rest[:n]...), rest[n:]
		case isFlag(a):
			if f := findFlag(flags, a); len(rest) == 1 && !strings.Contains(a, "=") && f != nil && !isBoolFlag(f) {
				return nil, usagef("flag %s needs a value", a)
			}
			n := flagTokens(flags, rest)
			cmdFlags, rest = append(cmdFlags, rest[:n]...), rest[n:]
		default:
			pos, rest = append(pos, a), rest[1:]
		}
	}
	out := append([]string{args[0]}, globals...)
	out = append(out, path...)
	out = append(out, cmdFlags...)
	return append(out, pos...), nil
}

func isBoolFlag(f cli.Flag) bool {
	_, ok := f.(*cli.BoolFlag)
	return ok
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

func flagName(a string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	return name
}

func findFlag(flags []cli.Flag, a string) cli.Flag {
	name := flagName(a)
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func hasFlag(flags []cli.Flag, a string) bool { return findFlag(flags, a) != nil }

// flagTokens returns how many tokens the flag at rest[0] spans: 2 when it
// takes a value given as the next token, else 1.
func flagTokens(flags []cli.Flag, rest []string) int {
	_, _, hasValue := strings.Cut(rest[0], "=")
	if hasValue || len(rest) < 2 {
		return 1
	}
	if f := findFlag(flags, rest[0]); f == nil || isBoolFlag(f) {
		return 1
	}
	return 2
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// setUsageErrors makes flag-parsing errors of every command usage errors
// (exit 2), since urfave/cli consults only a command's own handler, and an
// unknown subcommand a usage error too.
func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		if c.OnUsageError == nil {
			c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
		}
		if len(c.Subcommands) > 0 && c.Action == nil {
			c.Action = unknownCommand
		}
		setUsageErrors(c.Subcommands)
	}
}

// unknownCommand is the action of the app and of commands with
// subcommands: with arguments, none of which named a command, it is a
// usage error; without, it shows help.
func unknownCommand(c *cli.Context) error {
	if c.NArg() > 0 {
		name := c.App.Name
		if full := c.Command.FullName(); full != name {
			name += " " + full
		}
		return usagef("unknown command %q (see %s --help)", c.Args().First(), name)
	}
	return cli.ShowSubcommandHelp(c)
}
