package main

// Remote SeqRepo instances: the s3 backend opens the s3://, http:// and
// https:// source schemes (the SeqRepo layout read with ranged GETs). Its
// settings (--s3-endpoint, --s3-region, --s3-stats) are global flags and
// s3-upload's own; URL query parameters override them
// (s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1).
//
// Uploads: "seqfs s3-upload INSTANCE s3://bucket/prefix" publishes an
// instance; copyToRemote is the destination hook for "seqfs copy SRC
// s3://…" (see copyDestination).
import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/seqfs/seqfs/backends/s3"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/copier"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "s3-upload",
		Usage:     "publish a SeqRepo instance (or any source) to S3 in the SeqRepo layout",
		ArgsUsage: "SRC s3://bucket/prefix[?endpoint=URL&region=R]",
		Description: "A local instance directory is uploaded as it is (aliases.sqlite3, collections.sqlite3 when it has collections, and sequences/**, the keys " +
			"\"aws s3 sync\" would make); any other source is first copied into a temporary instance. Then " +
			"`seqfs -s s3://bucket/prefix` serves it. Credentials come from the standard AWS chain.",
		Flags:        settingFlags(s3.Factory{}.Settings()),
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usagef("s3-upload needs SRC and an s3:// URL (got %d arguments)", c.NArg())
			}
			src, dst := c.Args().Get(0), c.Args().Get(1)
			h := copyDestination(dst)
			if h == nil {
				return usagef("s3-upload: destination %q is not an s3:// URL", dst)
			}
			return h(c, src, dst)
		},
	})
}

func uploadDir(c *cli.Context, dir, dst string) error {
	st, err := s3.UploadInstance(c.Context, dir, dst, s3.ConfigFromSettings(backendSettings(c)))
	if err != nil {
		return err
	}
	slog.Info("upload done", "from", dir, "to", dst, "files", st.Files, "bytes", st.Bytes)
	return nil
}

// copyDestination returns the hook that "seqfs copy" should call for a
// destination it cannot write itself (an s3:// URL), or nil. copy.go wires
// it with:
//
//	if h := copyDestination(dstLoc); h != nil { return h(c, srcLoc, dstLoc) }
func copyDestination(dst string) func(c *cli.Context, src, dst string) error {
	if strings.HasPrefix(dst, "s3://") {
		return copyToRemote
	}
	return nil
}

// copyToRemote copies SRC to an s3:// destination: a local SeqRepo
// instance is uploaded as it is; any other source is first written to a
// temporary local instance by the SeqRepo writer, which is then uploaded.
func copyToRemote(c *cli.Context, srcLoc, dstLoc string) error {
	if !strings.Contains(srcLoc, "://") || strings.HasPrefix(srcLoc, "file://") {
		dir := strings.TrimPrefix(srcLoc, "file://")
		if d, err := seqrepo.ResolveInstanceDir(dir); err == nil {
			if _, err := os.Stat(seqrepo.AliasesDBPath(d)); err == nil {
				return uploadDir(c, d, dstLoc)
			}
		}
	}
	src, err := registry.Open(c.Context, srcLoc, backendSettings(c))
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.MkdirTemp("", "seqfs-upload-")
	if err != nil {
		return fmt.Errorf("copy to %s: %w", dstLoc, err)
	}
	defer os.RemoveAll(tmp)
	dir := tmp + "/instance"
	if err := seqrepo.CreateInstance(c.Context, dir); err != nil {
		return err
	}
	w, err := seqrepo.OpenWriter(c.Context, dir, seqrepo.WriterOptions{})
	if err != nil {
		return err
	}
	p, err := copier.Copy(c.Context, src, w, copier.Options{Verify: true})
	if cerr := w.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s to a temporary instance for %s: %w", srcLoc, dstLoc, err)
	}
	slog.Info("copied to a temporary instance", "sequences", p.Sequences, "aliases", p.Aliases, "collections", p.Collections)
	return uploadDir(c, dir, dstLoc)
}
