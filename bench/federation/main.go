// Command federation measures random 100-bp fetches through a federation of
// three sources where the data sits in the last one, against reading that
// source directly, and prints the figures side by side.
//
//	go run ./bench/federation [-benchtime 5s] [-refget]
//
// The first two members are SeqRepo instances holding other sequences; the
// last is the bundled sample instance (or, with -refget, a refget façade
// over seqfs's REST server serving it on a loopback port). Rows:
//
//	read      ReadSequence by seq_id (the federation remembers which member
//	          holds a seq_id, so this is the "resolutions cached" path)
//	resolve   repo.Resolve of the MD5 identifier plus the read (every
//	          member is asked; nothing cached above the sources)
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
	"github.com/seqfs/seqfs/rest"
	"github.com/seqfs/seqfs/source"
)

func main() {
	flag.DurationVar(&benchtime, "benchtime", 5*time.Second, "time per row")
	useRefget := flag.Bool("refget", false, "make the last member a refget façade over a local seqfs REST server")
	flag.Parse()
	if err := run(*useRefget); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "federation bench:", err)
	os.Exit(1)
}

// otherInstance writes a SeqRepo instance with one random sequence at dir.
func otherInstance(ctx context.Context, dir string, seed uint64) error {
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		return err
	}
	w, err := seqrepo.OpenWriter(ctx, dir, seqrepo.WriterOptions{})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	seq := make([]byte, 50000)
	for i := range seq {
		seq[i] = "ACGT"[rng.IntN(4)]
	}
	if _, err := w.Store(ctx, seq, []repo.NSAlias{{Namespace: "refseq", Alias: fmt.Sprintf("NC_X%05d.1", seed)}}); err != nil {
		w.Close()
		return err
	}
	if err := w.Commit(ctx); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func run(useRefget bool) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "seqfs-fedbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	if err := otherInstance(ctx, a, 1); err != nil {
		return fmt.Errorf("member 1: %w", err)
	}
	if err := otherInstance(ctx, b, 2); err != nil {
		return fmt.Errorf("member 2: %w", err)
	}
	last, lastName := testutil.SampleInstance(), "sample instance"
	if useRefget {
		sample, err := seqrepo.Open(ctx, testutil.SampleInstance(), seqrepo.Options{})
		if err != nil {
			return fmt.Errorf("sample: %w", err)
		}
		defer sample.Close()
		srv := httptest.NewServer(rest.New(sample, rest.Options{}).Handler())
		defer srv.Close()
		last = "refget+" + srv.URL
		lastName = "refget façade (" + last + ")"
	}
	reg := all.Registry()
	direct, err := reg.Open(ctx, last, nil)
	if err != nil {
		return err
	}
	defer direct.Close()
	// The federation as seqfs -s a -s b -s last composes it.
	fed, err := source.Open(ctx, reg, source.Config{Members: []source.Member{{URL: a}, {URL: b}, {URL: last}}})
	if err != nil {
		return err
	}
	defer fed.Close()

	// op performs one random 100-bp fetch; with resolve it first resolves
	// the MD5 identifier.
	op := func(src repo.Source, rng *rand.Rand, buf []byte, resolve bool) error {
		s := repotest.Sample[rng.IntN(len(repotest.Sample))]
		id := s.SeqID
		if resolve {
			var err error
			if id, err = repo.Resolve(ctx, src, "MD5:"+s.MD5, "", repo.StyleSeqRepo); err != nil {
				return err
			}
		}
		return repo.ReadFull(ctx, src, id, buf, rng.Int64N(s.Length-100))
	}
	fmt.Printf("random 100-bp fetches; last member: %s; %v per row\n", lastName, benchtime)
	fmt.Printf("%-8s %10s %14s %14s %10s\n", "op", "fetches", "direct ns/op", "fed ns/op", "overhead")
	for _, resolve := range []bool{false, true} {
		// Alternate batches of direct and federated fetches so that load
		// from other processes affects both sides alike.
		rngD, rngF := rand.New(rand.NewPCG(3, 4)), rand.New(rand.NewPCG(3, 4))
		buf := make([]byte, 100)
		const batch = 200
		var dT, fT time.Duration
		n := 0
		warm := true
		for t0 := time.Now(); time.Since(t0) < benchtime || warm; {
			a := time.Now()
			for range batch {
				if err := op(direct, rngD, buf, resolve); err != nil {
					return err
				}
			}
			b := time.Now()
			for range batch {
				if err := op(fed, rngF, buf, resolve); err != nil {
					return err
				}
			}
			c := time.Now()
			if warm { // the first batch fills caches and the owner map
				warm = false
				continue
			}
			dT += b.Sub(a)
			fT += c.Sub(b)
			n += batch
		}
		dn, fn := float64(dT.Nanoseconds())/float64(n), float64(fT.Nanoseconds())/float64(n)
		name := "read"
		if resolve {
			name = "resolve"
		}
		fmt.Printf("%-8s %10d %14.0f %14.0f %9.1f%%\n", name, n, dn, fn, 100*(fn-dn)/dn)
	}
	fmt.Println(strings.Repeat("-", 76))
	return nil
}

var benchtime time.Duration
