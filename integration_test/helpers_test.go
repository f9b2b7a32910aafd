package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seqfs/seqfs/backends/redis"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/redistest"
	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
)

// This file holds the helpers the end-to-end tests share: running the
// binary, `seqfs serve` processes, loading the sample into Redis and S3,
// and checks of a mounted sample and of a decoded CRAM.

// lockedBuffer collects a subprocess's output safely.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// seqfs runs the binary with args and returns stdout, stderr and the exit code.
func seqfs(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	return seqfsEnv(t, nil, args...)
}

// seqfsEnv runs the binary with env appended to this process's environment
// (a later value of a variable wins) and returns stdout, stderr and the
// exit code.
func seqfsEnv(t testing.TB, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(seqfsBin, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run seqfs %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// serveProc is a running `seqfs … serve` process that a test can signal or
// stop mid-run.
type serveProc struct {
	base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	out  *lockedBuffer // stdout and stderr
	done chan struct{}
	err  error // exit status, valid after done
}

// startServeProc runs `seqfs GLOBAL... serve --listen ADDR SERVEARGS...` on
// a free loopback port and waits until /healthz answers (ok or degraded);
// it is stopped at cleanup if still running.
func startServeProc(t testing.TB, global []string, serveArgs ...string) *serveProc {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(testutil.FreePort(t))
	args := append(append(slices.Clone(global), "serve", "--listen", addr), serveArgs...)
	p := &serveProc{base: "http://" + addr, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(seqfsBin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start seqfs serve: %v", err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			// 503 "degraded" is an answer too: a federation member is down.
			if resp.StatusCode == 200 || resp.StatusCode == 503 {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("seqfs serve exited: %v\n%s", p.err, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("seqfs serve not healthy within 20 s: %v\n%s", err, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startServeArgs serves GLOBAL... with the access log off.
func startServeArgs(t testing.TB, global ...string) *serveProc {
	t.Helper()
	return startServeProc(t, global, "--access-log", "")
}

// startServe serves LOC with the access log off and returns the base URL.
func startServe(t testing.TB, loc string) string {
	t.Helper()
	return startServeArgs(t, "-s", loc).base
}

// startRESTServe serves the sample instance with the access log on
// (stderr) and the extra serve flags.
func startRESTServe(t testing.TB, extra ...string) *serveProc {
	t.Helper()
	return startServeProc(t, []string{"-s", testutil.SampleInstance()}, extra...)
}

// startServeCached serves LOC with the access log off and the extra serve
// flags (the cache ones).
func startServeCached(t testing.TB, loc string, serveArgs ...string) *serveProc {
	t.Helper()
	return startServeProc(t, []string{"-s", loc}, append([]string{"--access-log", ""}, serveArgs...)...)
}

// stop ends the server with SIGTERM (SIGKILL after 15 s) unless it has
// exited already.
func (p *serveProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// startRedisSample starts a redis-server and copies the sample instance
// into it exactly (timestamps and history kept) with a small part size, so
// that yeast chr I is split into 23 parts. It returns the server and the
// source URL.
func startRedisSample(t testing.TB) (*redistest.Server, string) {
	t.Helper()
	srv := redistest.Start(t)
	ctx := context.Background()
	loc := srv.URL() + "?prefix=it&part_size=10007"
	u, _ := url.Parse(loc)
	w, err := redis.OpenWriter(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	src, err := seqrepo.Open(ctx, testutil.SampleInstance(), seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for info, err := range src.Sequences(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		seq, err := repo.Slice(ctx, src, info.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := repo.Collect(src.FindAliases(ctx, repo.AliasQuery{SeqID: info.SeqID, IncludeHistoric: true}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.StoreCopy(ctx, seq, info, recs); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return srv, loc
}

// startS3Sample starts versitygw, points this process (and so every seqfs
// it runs) at it and uploads the sample instance with `seqfs s3-upload`.
func startS3Sample(t *testing.T) (*s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	srv.MakeBucket("seqrepo")
	loc := "s3://seqrepo/yeast-phix/master"
	if out, errs, code := seqfs(t, "s3-upload", testutil.SampleInstance(), loc); code != 0 {
		t.Fatalf("seqfs s3-upload: exit %d\n%s%s", code, out, errs)
	}
	return srv, loc
}

// checkSampleRoot checks that the root of a mount of the sample lists every
// namespace plus digest and collection, and the API names that work
// (ga4gh, sha512t24u).
func checkSampleRoot(t testing.TB, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var root []string
	for _, e := range ents {
		root = append(root, e.Name())
	}
	if want := []string{"MD5", "SEGUID", "SHA1", "VMC", "collection", "digest", "ga4gh", "sha512t24u", "test"}; !slices.Equal(root, want) {
		t.Errorf("root: %v, want %v", root, want)
	}
}

// checkSampleMount checks a mount of a copy of the sample (what names it
// in messages): the root, every alias's .fa and .seq, and samtools reading
// regions of chr I through it, across part boundaries.
func checkSampleMount(t testing.TB, ref sampleRef, dir, what string) {
	t.Helper()
	checkSampleRoot(t, dir)
	for _, a := range ref.aliases {
		base := filepath.Join(dir, a.ns, a.alias)
		seq := ref.seqs[a.seqID]
		if fa := runTool(t, nil, "cat", base+".fa"); !bytes.Equal(fa, wrapFasta(a.alias, seq, 60)) {
			t.Errorf("cat %s.fa differs (first diff at %d)", base, firstDiff(fa, wrapFasta(a.alias, seq, 60)))
		}
		if s, err := os.ReadFile(base + ".seq"); err != nil || !bytes.Equal(s, seq) {
			t.Errorf("%s.seq: %v", base, err)
		}
	}
	chr1 := "lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn"
	fa := filepath.Join(dir, "digest", "SQ."+chr1+".fa")
	for _, r := range [][2]int{{1, 60}, {10000, 10020}, {20010, 30030}, {230200, 230218}} {
		out := runTool(t, nil, "samtools", "faidx", fa, fmt.Sprintf("SQ.%s:%d-%d", chr1, r[0], r[1]))
		_, seqs := parseFasta(out)
		if len(seqs) != 1 || !bytes.Equal(seqs[0], ref.seqs[chr1][r[0]-1:r[1]]) {
			t.Errorf("samtools faidx %d-%d through the %s mount differs", r[0], r[1], what)
		}
	}
}

// cramInput writes a SAM of n random 100-base reads of the sample
// sequences ids (named names), every mutEvery-th with a mismatch at
// mutAt, and the plain FASTA of the references. It returns both.
func cramInput(ref sampleRef, ids, names []string, rng *rand.Rand, n, mutEvery, mutAt int) (fa, sam bytes.Buffer) {
	sam.WriteString("@HD\tVN:1.6\tSO:unsorted\n")
	for i, id := range ids {
		fa.Write(wrapFasta(names[i], ref.seqs[id], 60))
		sam.WriteString(fmt.Sprintf("@SQ\tSN:%s\tLN:%d\n", names[i], len(ref.seqs[id])))
	}
	for i := range n {
		k := i % len(ids)
		seq := ref.seqs[ids[k]]
		pos := rng.IntN(len(seq) - 100)
		read := []byte(string(seq[pos : pos+100]))
		if i%mutEvery == 0 {
			read[mutAt] = "ACGT"[(strings.IndexByte("ACGT", read[mutAt])+1)%4] // a mismatch
		}
		sam.WriteString(fmt.Sprintf("r%d\t0\t%s\t%d\t60\t100M\t*\t0\t0\t%s\t%s\n", i, names[k], pos+1, read, strings.Repeat("I", 100)))
	}
	return fa, sam
}

// checkDecodedSAM compares the records samtools decoded (out) with the
// SAM text they were encoded from; samtools adds tags (MD/NM) only on
// request, so the 11 mandatory fields are compared.
func checkDecodedSAM(t testing.TB, sam string, out []byte) {
	t.Helper()
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(sam), "\n") {
		if !strings.HasPrefix(l, "@") {
			want = append(want, l)
		}
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) != len(want) {
		t.Fatalf("decoded %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g := strings.Split(got[i], "\t")
		if strings.Join(g[:min(11, len(g))], "\t") != want[i] {
			t.Fatalf("record %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}
