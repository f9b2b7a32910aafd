package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

// remoteFlags are SeqRepo's global options for pull and
// list-remote-instances.
var remoteFlags = []cli.Flag{
	&cli.StringFlag{Name: "remote-host", Value: "dl.biocommons.org",
		Usage: "rsync daemon with the seqrepo module: `HOST`, or rsync://HOST:PORT for another port"},
	&cli.StringFlag{Name: "rsync-exe", Value: "rsync", Usage: "rsync executable (looked up on PATH unless absolute; openrsync is not supported)"},
	&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "pull: print what would be run and change nothing"},
}

// remoteInstanceRE is SeqRepo's pattern for remote instance names; local
// ones (seqrepo.InstanceNameRE) also allow the hyphens to be left out.
var remoteInstanceRE = regexp.MustCompile(`^20[12]\d-\d\d-\d\d$`)

// rsyncListingRE parses one line of an rsync module listing, as SeqRepo
// does: a directory, its size, date, time and name.
var rsyncListingRE = regexp.MustCompile(`^d[-rwx]{9}\s+[\d,]+ \d{4}/\d\d/\d\d \d\d:\d\d:\d\d (.+)$`)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "list-remote-instances",
		Usage: "list the SeqRepo instances an rsync server offers (--remote-host, default dl.biocommons.org)",
		Description: "Runs `rsync --no-motd --copy-dirlinks HOST::seqrepo` as seqrepo does and prints\n" +
			"\"Remote instances (<host>)\" and one indented line per instance named YYYY-MM-DD.",
		OnUsageError: onUsageError,
		Action:       listRemoteInstancesAction,
	}, &cli.Command{
		Name:  "pull",
		Usage: "download an instance into the root directory (rsync, hard-linking files unchanged since the newest local instance)",
		Description: `As seqrepo pull: -i NAME (default: the newest remote instance) is fetched with
  rsync -rtHP --no-motd --link-dest=<root>/<newest local instance>/ HOST::seqrepo/NAME/ <root>/NAME.XXXX
and renamed to <root>/NAME when complete, so files unchanged since the newest local
instance are hard links to it and take no space. An instance that exists locally is
skipped. --update-latest points <root>/latest at it; the global --dry-run prints the
rsync command and changes nothing.

--from URL pulls from any seqfs source instead. A SeqRepo-layout source (s3://, https://,
a directory) is copied file by file, exactly, hard-linking sequence files the newest local
instance has; others (redis://, refget+https://, …) sequence by sequence, verified. The new
instance is -i NAME (default: the URL's last path element when it is a date).

Examples:
  seqfs -r /usr/local/share/seqrepo pull --update-latest
  seqfs -r /srv/seqrepo --remote-host rsync://mirror.example.org:8873 pull -i 2024-12-20
  seqfs -r /srv/seqrepo pull --from s3://bucket/seqrepo/2024-12-20`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "instance-name", Aliases: []string{"i"}, Usage: "instance to pull (default: newest remote)"},
			&cli.BoolFlag{Name: "update-latest", Aliases: []string{"l"}, Usage: "point <root>/latest at the pulled instance"},
			&cli.StringFlag{Name: "from", Usage: "pull from this seqfs source `URL` instead of the rsync server"},
		},
		OnUsageError: onUsageError,
		Action:       pullAction,
	})
}

// rsyncModule returns the rsync address of the seqrepo module (plus
// "/"+sub if sub is not empty) on host: HOST::seqrepo, or for an
// rsync://HOST:PORT host rsync://HOST:PORT/seqrepo.
func rsyncModule(host, sub string) string {
	base := host + "::seqrepo"
	if strings.HasPrefix(host, "rsync://") {
		base = strings.TrimSuffix(host, "/") + "/seqrepo"
	}
	if sub != "" {
		base += "/" + sub
	}
	return base
}

// rsyncExe resolves --rsync-exe and rejects openrsync, whose options differ.
func rsyncExe(ctx context.Context, c *cli.Context) (string, error) {
	exe := c.String("rsync-exe")
	p, err := exec.LookPath(exe)
	if err != nil {
		return "", fmt.Errorf("--rsync-exe %s: %w (install rsync)", exe, err)
	}
	out, _ := exec.CommandContext(ctx, p, "--version").CombinedOutput()
	if bytes.Contains(out, []byte("openrsync")) {
		return "", fmt.Errorf("--rsync-exe %s is openrsync, which lacks the options pull needs; install rsync (samba.org)", p)
	}
	return p, nil
}

// remoteInstances lists the instances of the rsync server, oldest first.
func remoteInstances(ctx context.Context, c *cli.Context) ([]string, error) {
	exe, err := rsyncExe(ctx, c)
	if err != nil {
		return nil, err
	}
	host := c.String("remote-host")
	cmd := exec.CommandContext(ctx, exe, "--no-motd", "--copy-dirlinks", rsyncModule(host, ""))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("list instances on %s: %s: %w: %s", host, strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return parseRsyncListing(out), nil
}

// parseRsyncListing returns the instance names of an rsync module listing,
// sorted: the first line (the module directory itself) is skipped, and
// only directories named like remote instances are kept.
func parseRsyncListing(out []byte) []string {
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		m := rsyncListingRE.FindStringSubmatch(strings.TrimRight(sc.Text(), "\r"))
		if m != nil && remoteInstanceRE.MatchString(m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

func listRemoteInstancesAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("list-remote-instances: unexpected argument %q", c.Args().First())
	}
	names, err := remoteInstances(c.Context, c)
	if err != nil {
		return err
	}
	return writeOutput(c, "list-remote-instances", 0, func(w *bufio.Writer) error {
		fmt.Fprintf(w, "Remote instances (%s)\n", c.String("remote-host"))
		for _, n := range names {
			fmt.Fprintf(w, "  %s\n", n)
		}
		return nil
	})
}

func pullAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("pull: unexpected argument %q", c.Args().First())
	}
	root := c.String("root-directory")
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return fmt.Errorf("pull: root directory %s does not exist; create it first (mkdir -p %s)", root, root)
	}
	name := instanceName(c, "")
	if from := c.String("from"); from != "" {
		return pullFromSource(c, root, from, name)
	}
	remote, err := remoteInstances(c.Context, c)
	if err != nil {
		return err
	}
	switch {
	case name == "" && len(remote) == 0:
		return fmt.Errorf("pull: %s offers no instances", c.String("remote-host"))
	case name == "":
		name = remote[len(remote)-1]
	case !slices.Contains(remote, name):
		return fmt.Errorf("pull: %s is not an instance on %s (it has: %s): %w", name, c.String("remote-host"), strings.Join(remote, ", "), repo.ErrNotFound)
	}
	local, err := seqrepo.ListInstances(root)
	if err != nil {
		return err
	}
	if slices.Contains(local, name) {
		slog.Warn("instance already exists locally; not pulling it again", "instance", name, "root", root)
		return nil
	}
	exe, err := rsyncExe(c.Context, c)
	if err != nil {
		return err
	}
	tmp, err := pullTempDir(root, name)
	if err != nil {
		return err
	}
	args := []string{"-rtHP", "--no-motd"}
	if len(local) > 0 {
		args = append(args, "--link-dest="+filepath.Join(root, local[len(local)-1])+"/")
	}
	args = append(args, rsyncModule(c.String("remote-host"), name)+"/", tmp)
	if c.Bool("dry-run") {
		fmt.Fprintf(c.App.ErrWriter, "dry run: would run %s %s and rename %s to %s\n", exe, strings.Join(args, " "), tmp, filepath.Join(root, name))
		return nil
	}
	cmd := exec.CommandContext(c.Context, exe, args...)
	cmd.Stdout, cmd.Stderr = c.App.ErrWriter, c.App.ErrWriter
	slog.Info("pulling", "command", strings.Join(cmd.Args, " "))
	if err := cmd.Run(); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("pull %s: %s: %w", name, strings.Join(cmd.Args, " "), err)
	}
	return finishPull(c, root, tmp, name)
}

// pullTempDir returns a fresh, not yet existing path <root>/<name>.XXXX
// for a pull in progress (made with mkdtemp and removed, as SeqRepo does).
func pullTempDir(root, name string) (string, error) {
	tmp, err := os.MkdirTemp(root, name+".")
	if err != nil {
		return "", fmt.Errorf("pull: %w", err)
	}
	if err := os.Remove(tmp); err != nil {
		return "", fmt.Errorf("pull: %w", err)
	}
	return tmp, nil
}

// finishPull renames a complete pull into place and updates latest if
// asked.
func finishPull(c *cli.Context, root, tmp, name string) error {
	dest := filepath.Join(root, name)
	if err := os.Rename(tmp, dest); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("pull: rename %s to %s: %w", tmp, dest, err)
	}
	fmt.Fprintf(c.App.ErrWriter, "pulled %s\n", dest)
	if c.Bool("update-latest") {
		if err := pointLatest(root, name); err != nil {
			return err
		}
		fmt.Fprintf(c.App.ErrWriter, "latest -> %s\n", name)
	}
	return nil
}

// pointLatest makes <root>/latest a relative symlink to name, replacing an
// existing symlink atomically.
func pointLatest(root, name string) error {
	link := filepath.Join(root, seqrepo.LatestLinkName)
	if st, err := os.Lstat(link); err == nil && st.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("update latest: %s exists and is not a symlink", link)
	}
	tmp := link + ".seqfs-tmp"
	os.Remove(tmp)
	if err := os.Symlink(name, tmp); err != nil {
		return fmt.Errorf("update latest: %w", err)
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("update latest: replace %s: %w", link, err)
	}
	return nil
}

// pullFromSource copies every sequence and alias of the source at loc into
// a new instance <root>/<name>.
func pullFromSource(c *cli.Context, root, loc, name string) error {
	if name == "" {
		u := strings.TrimRight(loc, "/")
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		name = path.Base(u)
		if !seqrepo.InstanceNameRE.MatchString(name) {
			return usagef("pull --from %s: name the new instance with -i (the URL does not end in a date YYYY-MM-DD)", loc)
		}
	}
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return usagef("pull: bad instance name %q", name)
	}
	dest := filepath.Join(root, name)
	if _, err := os.Lstat(dest); err == nil {
		slog.Warn("instance already exists locally; not pulling it again", "instance", name, "root", root)
		return nil
	}
	if c.Bool("dry-run") {
		fmt.Fprintf(c.App.ErrWriter, "dry run: would copy %s into %s\n", loc, dest)
		return nil
	}
	src, err := registry.Open(c.Context, loc, backendSettings(c))
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := pullTempDir(root, name)
	if err != nil {
		return err
	}
	if files, ok := src.(instanceFiles); ok {
		err = pullFiles(c, files, root, tmp)
	} else {
		err = copyIntoNewInstance(c.Context, src, tmp)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("pull --from %s: %w", loc, err)
	}
	return finishPull(c, root, tmp, name)
}

// pullFiles copies a SeqRepo-layout instance file by file into tmp,
// hard-linking files unchanged since the newest local instance, and checks
// that the copy opens.
func pullFiles(c *cli.Context, src instanceFiles, root, tmp string) error {
	local, err := seqrepo.ListInstances(root)
	if err != nil {
		return err
	}
	prev := ""
	if len(local) > 0 {
		prev = filepath.Join(root, local[len(local)-1])
	}
	st, err := copyInstanceFiles(c.Context, src, tmp, prev)
	if err != nil {
		return err
	}
	inst, err := seqrepo.Open(c.Context, tmp, seqrepo.Options{})
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	inst.Close()
	slog.Info("pulled files", "copied", st.copied, "bytes", st.bytes, "hard-linked", st.linked, "previous", prev)
	return nil
}

// copyIntoNewInstance creates a SeqRepo instance at dir and copies src
// into it.
func copyIntoNewInstance(ctx context.Context, src repo.Source, dir string) error {
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		return err
	}
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		return err
	}
	_, err = copyWithProgress(ctx, src, w, "pull")
	if cerr := w.Close(); cerr != nil && err == nil && !errors.Is(cerr, seqrepo.ErrWriterClosed) {
		err = cerr
	}
	return err
}
