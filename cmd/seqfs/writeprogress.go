package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
)

// rateBar prints a one-line progress report (sequences, residues and
// residues/s) to a terminal, at most five times a second. It prints
// nothing when its writer is not a terminal.
type rateBar struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	label string
	start time.Time
	last  time.Time
	drawn bool
}

// newRateBar returns a bar on stderr, active only if stderr is a terminal.
func newRateBar(label string) *rateBar {
	st, err := os.Stderr.Stat()
	on := err == nil && st.Mode()&os.ModeCharDevice != 0
	return &rateBar{w: os.Stderr, on: on, label: label, start: time.Now()}
}

// update redraws the bar if enough time has passed.
func (b *rateBar) update(seqs, residues, aliases int64, force bool) {
	if b == nil || !b.on {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if !force && now.Sub(b.last) < 200*time.Millisecond {
		return
	}
	b.last = now
	secs := now.Sub(b.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(residues) / secs
	}
	fmt.Fprintf(b.w, "\r%s: %d sequences, %s residues, %d aliases, %s residues/s, %.0fs   ",
		b.label, seqs, siCount(float64(residues)), aliases, siCount(rate), secs)
	b.drawn = true
}

// done ends the bar's line (once; later calls do nothing).
func (b *rateBar) done() {
	if b != nil && b.on && b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

// writeSummary prints the one line that load and copy end with, on a
// terminal or not: what was written where, and how long it took.
func writeSummary(w io.Writer, verb, dest string, seqs, added, aliases, residues int64, elapsed time.Duration) {
	fmt.Fprintf(w, "%s %d sequences (%d new), %d aliases, %d residues (%sB) into %s in %.1fs\n",
		verb, seqs, added, aliases, residues, siCount(float64(residues)), dest, elapsed.Seconds())
}

// siCount formats n with a k/M/G suffix.
func siCount(n float64) string {
	for _, u := range []string{"", "k", "M", "G", "T"} {
		if n < 1000 || u == "T" {
			if u == "" {
				return fmt.Sprintf("%.0f", n)
			}
			return fmt.Sprintf("%.1f%s", n, u)
		}
		n /= 1000
	}
	return ""
}

// writeInstanceFlag is the -i flag of the write commands, which (as in
// SeqRepo's CLI) may also follow the command name.
func writeInstanceFlag() cli.Flag {
	return &cli.StringFlag{Name: "instance-name", Aliases: []string{"i"}, Usage: "instance under the root directory (default: master)"}
}

// writeInstanceDir returns the instance directory a write command works
// on: a single local --source path, else <root>/<-i> with -i given after
// or before the command, defaulting to master.
func writeInstanceDir(c *cli.Context) (string, error) {
	for _, cc := range c.Lineage() {
		if cc.IsSet("source") {
			locs := cc.StringSlice("source")
			if len(locs) != 1 {
				return "", usagef("a write command takes one --source (the instance directory), got %d", len(locs))
			}
			loc := strings.TrimPrefix(locs[0], "file://")
			if strings.Contains(loc, "://") {
				return "", usagef("cannot write to %s: only local SeqRepo instance directories are writable", locs[0])
			}
			return loc, nil
		}
	}
	inst := "master"
	for _, cc := range c.Lineage() {
		if cc.IsSet("instance-name") {
			inst = cc.String("instance-name")
			break
		}
	}
	if inst == "" || strings.ContainsRune(inst, filepath.Separator) && !filepath.IsAbs(inst) {
		return "", usagef("bad instance name %q", inst)
	}
	if filepath.IsAbs(inst) {
		return inst, nil
	}
	return filepath.Join(c.String("root-directory"), inst), nil
}
