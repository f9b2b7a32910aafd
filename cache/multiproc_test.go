package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo/repotest"
)

// Environment of the helper process started by TestTwoProcesses.
const (
	envHelperDir  = "SEQFS_CACHE_HELPER_DIR"
	envHelperSecs = "SEQFS_CACHE_HELPER_SECONDS"
	envHelperSeed = "SEQFS_CACHE_HELPER_SEED"
	twoProcLimit  = 256 << 10
	twoProcBlock  = 2048
)

// TestTwoProcesses runs two processes reading random ranges through one
// small cache directory at once, evicting each other's entries; every read
// must return the right bytes and the directory must stay within its limit.
// SEQFS_LONG=1 runs them for a minute (the figure), else 8 s.
func TestTwoProcesses(t *testing.T) {
	t.Parallel()
	secs := 8
	if os.Getenv("SEQFS_LONG") == "1" {
		secs = 60
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
			cmd.Env = append(os.Environ(), envHelperDir+"="+dir, envHelperSecs+"="+strconv.Itoa(secs), envHelperSeed+"="+strconv.Itoa(i+1))
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		})
	}
	// Watch the size bound while they run.
	var peak int64
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	for time.Now().Before(deadline) {
		peak = max(peak, lockedSize(t, dir))
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil || !strings.Contains(outs[i], "helper reads:") {
			t.Errorf("process %d: %v\n%s", i+1, errs[i], outs[i])
		} else {
			for _, l := range strings.Split(outs[i], "\n") {
				if strings.Contains(l, "helper reads:") {
					t.Logf("process %d: %s", i+1, strings.TrimSpace(l))
				}
			}
		}
	}
	st, err := ReadDirStats(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	files := entryFiles(t, dir)
	t.Logf("peak %d bytes (limit %d); final %+v", peak, twoProcLimit, st)
	if peak > twoProcLimit {
		t.Errorf("directory reached %d bytes, limit %d", peak, twoProcLimit)
	}
	if st.Evictions == 0 {
		t.Error("no evictions: the test did not exercise sharing under pressure")
	}
	if got := sumSizes(files); st.Bytes != got || st.Entries != int64(len(files)) {
		t.Errorf("index says %d bytes in %d entries, directory has %d in %d", st.Bytes, st.Entries, got, len(files))
	}
}

// TestHelperProcess is the body of one process of TestTwoProcesses.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(envHelperDir)
	if dir == "" {
		t.Skip("helper for TestTwoProcesses")
	}
	secs, _ := strconv.Atoi(os.Getenv(envHelperSecs))
	seed, _ := strconv.Atoi(os.Getenv(envHelperSeed))
	ctx := context.Background()
	src := openSample(t)
	full := sampleBytes(t, src)
	c := newCache(t, src, Options{Dir: dir, MaxBytes: twoProcLimit, BlockSize: twoProcBlock, MemBytes: 32 << 10})
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	reads := 0
	for g := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(seed), uint64(g)))
			for time.Now().Before(deadline) {
				s := repotest.Sample[r.IntN(len(repotest.Sample))]
				n := 1 + r.Int64N(5000)
				start := r.Int64N(s.Length - n)
				if err := checkRange(ctx, c, s.SeqID, full[s.SeqID], start, n); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				reads++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	st := c.Stats()
	fmt.Printf("helper reads: %d verified; hits %d misses %d corrupt %d\n", reads, st.Hits, st.Misses, st.Corrupt)
}
