// Command mkinstance writes the SeqRepo instances the FUSE benchmark
// mounts, with the SeqRepo-layout writer of backends/seqrepo:
//
//	mkinstance -out DIR -fasta 20.fa.gz -namespace bench   # every record of a (gzip/BGZF) FASTA
//	mkinstance -out DIR -synthetic 1000000 -namespace many # N aliases over N/1000 short sequences
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/repo"
)

func main() {
	out := flag.String("out", "", "instance directory to create (must not exist)")
	fasta := flag.String("fasta", "", "FASTA file (plain, gzip or BGZF) to load")
	synthetic := flag.Int("synthetic", 0, "number of synthetic aliases to create")
	ns := flag.String("namespace", "bench", "namespace of the aliases")
	flag.Parse()
	if *out == "" || (*fasta == "") == (*synthetic == 0) {
		fmt.Fprintln(os.Stderr, "usage: mkinstance -out DIR (-fasta FILE | -synthetic N) [-namespace NS]")
		os.Exit(2)
	}
	start := time.Now()
	if err := run(context.Background(), *out, *fasta, *synthetic, *ns); err != nil {
		fmt.Fprintln(os.Stderr, "mkinstance:", err)
		os.Exit(1)
	}
	slog.Info("instance written", "dir", *out, "seconds", time.Since(start).Seconds())
}

func run(ctx context.Context, out, fasta string, synthetic int, ns string) error {
	if err := seqrepo.CreateInstance(ctx, out); err != nil {
		return err
	}
	w, err := seqrepo.OpenWriter(ctx, out, seqrepo.WriterOptions{})
	if err != nil {
		return err
	}
	defer w.Close()
	if fasta != "" {
		err = loadFasta(ctx, w, fasta, ns)
	} else {
		err = loadSynthetic(ctx, w, synthetic, ns)
	}
	if err != nil {
		return err
	}
	if err := w.Commit(ctx); err != nil {
		return err
	}
	return w.Close()
}

func loadFasta(ctx context.Context, w *seqrepo.Writer, path, ns string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(path, ".gz") || strings.HasSuffix(path, ".bgz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	var name string
	var seq bytes.Buffer
	flush := func() error {
		if name == "" {
			return nil
		}
		_, err := w.Store(ctx, bytes.ToUpper(seq.Bytes()), []repo.NSAlias{{Namespace: ns, Alias: name}})
		seq.Reset()
		return err
	}
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) > 0 && line[0] == '>' {
			if err := flush(); err != nil {
				return err
			}
			name = strings.Fields(string(line[1:]) + " ")[0]
			continue
		}
		seq.Write(bytes.TrimSpace(line))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return flush()
}

func loadSynthetic(ctx context.Context, w *seqrepo.Writer, n int, ns string) error {
	const perSeq = 1000
	for s := 0; s*perSeq < n; s++ {
		seq := []byte(fmt.Sprintf("ACGT%08dACGT", s))
		for i := range seq {
			seq[i] = "ACGT"[(int(seq[i])+i)%4]
		}
		aliases := make([]repo.NSAlias, 0, perSeq)
		for i := s * perSeq; i < min(n, (s+1)*perSeq); i++ {
			aliases = append(aliases, repo.NSAlias{Namespace: ns, Alias: fmt.Sprintf("SYN_%08d.1", i)})
		}
		if _, err := w.Store(ctx, seq, aliases); err != nil {
			return err
		}
	}
	return nil
}
