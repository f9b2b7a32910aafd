package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/seqrepo"
)

// generationOf is instanceGeneration of the locations the global flags
// name (none for a --config federation).
func generationOf(c *cli.Context) func() string {
	if c.IsSet("config") {
		return nil
	}
	return instanceGeneration(sourceLocations(c, "latest"))
}

// instanceGeneration returns, for the locations of a mount, a function
// whose result changes whenever one of them that is a writable SeqRepo
// instance on local disk changes (a `load` into a mounted master): the
// sizes and modification times of its databases and their journals, a few
// stat calls whatever the instance's size. It returns nil when no location
// can change (snapshots, remote sources).
func instanceGeneration(locs []string) func() string {
	var files []string
	for _, loc := range locs {
		dir := strings.TrimPrefix(loc, "file://")
		if strings.Contains(dir, "://") {
			continue
		}
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real
		}
		st, err := os.Stat(seqrepo.AliasesDBPath(dir))
		if err != nil || !st.Mode().IsRegular() || !writableDir(dir) {
			continue
		}
		for _, db := range []string{seqrepo.AliasesDBPath(dir), seqrepo.SeqInfoDBPath(dir)} {
			files = append(files, db, db+"-wal", db+"-journal")
		}
	}
	if len(files) == 0 {
		return nil
	}
	return func() string {
		var b strings.Builder
		for _, f := range files {
			if st, err := os.Stat(f); err == nil {
				fmt.Fprintf(&b, "%d:%d;", st.Size(), st.ModTime().UnixNano())
			} else {
				b.WriteString("-;")
			}
		}
		return b.String()
	}
}

// writableDir reports whether dir has a write permission bit (snapshots
// are made read-only).
func writableDir(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.Mode().Perm()&0o222 != 0
}
