package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// The mount(8) helper form. `mount -t fuse.seqfs SOURCE DIR -o OPTIONS`
// (an /etc/fstab line, an autofs map entry, a systemd .mount unit) runs
// fuse3's mount.fuse3, which runs `seqfs SOURCE DIR -o OPTIONS` (seqfs
// found on the default PATH: /usr/local/sbin, /usr/local/bin, /usr/sbin,
// /usr/bin, /sbin, /bin). seqfs recognises that form, turns the options
// into its own flags and detaches once the mount is ready.

// helperIgnored are the generic options mount(8) and mount.fuse3 pass or
// that fstab lines carry; seqfs accepts and ignores them (its mounts are
// always read-only, nosuid and nodev).
var helperIgnored = map[string]bool{
	"rw": true, "ro": true, "defaults": true, "dev": true, "nodev": true, "suid": true, "nosuid": true,
	"exec": true, "noexec": true, "auto": true, "noauto": true, "user": true, "nouser": true, "users": true,
	"owner": true, "group": true, "nofail": true, "_netdev": true, "async": true, "sync": true, "dirsync": true,
	"atime": true, "noatime": true, "diratime": true, "nodiratime": true, "relatime": true, "norelatime": true,
	"strictatime": true, "nostrictatime": true, "lazytime": true, "nolazytime": true, "loud": true, "silent": true,
	"mand": true, "nomand": true, "iversion": true, "noiversion": true,
}

// helperIgnoredPrefixes are option families accepted and ignored: systemd's
// and other tools' x-* options, comment=, and the fsname/subtype that
// mount.fuse3 may add.
var helperIgnoredPrefixes = []string{"x-", "comment=", "fsname=", "subtype="}

// helperConfig is what the options of the helper form ask for.
type helperConfig struct {
	args       []string // the equivalent seqfs command line
	foreground bool     // stay in the foreground (do not detach)
	log        string   // where the detached daemon logs: "syslog" (default), "stderr" or a file path
}

// isMountHelperForm reports whether args (with the program name) are the
// `SOURCE DIR [-o OPTIONS]` form: the first argument is not a command or a
// flag, and either -o OPTIONS follows or DIR is an existing directory.
func isMountHelperForm(app *cli.App, args []string) bool {
	if len(args) != 3 && len(args) != 5 {
		return false
	}
	if isFlag(args[1]) || isFlag(args[2]) || findCommand(app.Commands, args[1]) != nil || args[1] == "help" {
		return false
	}
	if len(args) == 5 {
		return args[3] == "-o"
	}
	st, err := os.Stat(args[2])
	return err == nil && st.IsDir()
}

// parseMountHelper turns `seqfs SOURCE DIR [-o OPTIONS]` into the seqfs
// command line that does the same. Options named like a global or mount
// flag with '_' for '-' (allow_other, line_width=70, cache_dir=/var/cache/seqfs,
// config=/etc/seqfs.toml, …) become that flag; source=URL adds a source to
// federate after SOURCE (SOURCE "none" when config= lists them all);
// foreground keeps seqfs in the foreground; log=syslog|stderr|/path says
// where the detached daemon logs; verbose=N sets the log level. Generic
// mount options are ignored; anything else is an error.
func parseMountHelper(app *cli.App, args []string) (helperConfig, error) {
	cfg := helperConfig{log: "syslog"}
	source, dir := args[1], args[2]
	var opts []string
	if len(args) == 5 {
		opts = splitMountOptions(args[4])
	}
	mountCmd := findCommand(app.Commands, "mount")
	globals := []string{args[0]}
	var mountFlags []string
	verbose := 1 // a daemon's log should show its mount and unmount
	if source != "none" {
		globals = append(globals, "--source", source)
	}
	for _, o := range opts {
		name, value, hasValue := strings.Cut(o, "=")
		if helperIgnored[o] || hasIgnoredPrefix(o) {
			continue
		}
		switch name {
		case "foreground":
			cfg.foreground = true
			continue
		case "log":
			if !hasValue || value == "" {
				return cfg, usagef("mount option log needs a value: syslog, stderr or a file path")
			}
			cfg.log = value
			continue
		case "verbose":
			n := 0
			if _, err := fmt.Sscanf(value, "%d", &n); err != nil || n < 0 || n > 2 {
				return cfg, usagef("mount option verbose=%q: want 0, 1 or 2", value)
			}
			verbose = n
			continue
		case "allow_root":
			return cfg, usagef("mount option allow_root is not supported: use allow_other (with default_permissions to keep file modes)")
		}
		flagName := strings.ReplaceAll(name, "_", "-")
		list, f := &globals, findFlag(app.Flags, flagName)
		if f == nil {
			list, f = &mountFlags, findFlag(mountCmd.Flags, flagName)
		}
		if f == nil || flagName == "verbose" || flagName == "instance-name" && source != "none" {
			return cfg, usagef("unknown mount option %q (seqfs takes the generic mount options, foreground, log=, verbose=, "+
				"source=, and its global and mount flags written with _ for -, such as allow_other, line_width=, cache_dir=, config=)", o)
		}
		switch {
		case isBoolFlag(f) && hasValue:
			*list = append(*list, "--"+flagName+"="+value)
		case isBoolFlag(f):
			*list = append(*list, "--"+flagName)
		case !hasValue:
			return cfg, usagef("mount option %s needs a value (%s=…)", name, name)
		default:
			*list = append(*list, "--"+flagName, value)
		}
	}
	if !cfg.foreground && containsFlag(mountFlags, "--die-with-parent") {
		return cfg, usagef("mount option die_with_parent needs foreground: a detached daemon's starter exits at once")
	}
	for range verbose {
		globals = append(globals, "-v")
	}
	cfg.args = append(append(append(globals, "mount"), mountFlags...), dir)
	return cfg, nil
}

// splitMountOptions splits a comma-separated option string; a backslash
// escapes the next character (a comma inside a value).
func splitMountOptions(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == ',':
			if cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func hasIgnoredPrefix(o string) bool {
	for _, p := range helperIgnoredPrefixes {
		if strings.HasPrefix(o, p) {
			return true
		}
	}
	return false
}

func containsFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}
