package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/backends/s3"
	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/internal/s3test"
	"github.com/seqfs/seqfs/internal/sampleinst"
	"github.com/seqfs/seqfs/internal/testutil"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/repo/repotest"
)

// startS3 starts versitygw with a bucket and points the SDK at it.
func startS3(t *testing.T) *s3test.Server {
	t.Helper()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	srv.MakeBucket("seqrepo")
	return srv
}

// envConfig is the Config the seqfs command line makes of the environment
// that startS3 sets (AWS_ENDPOINT_URL_S3 becomes --s3-endpoint).
func envConfig() s3.Config {
	return s3.Config{Endpoint: os.Getenv("AWS_ENDPOINT_URL_S3")}
}

// openEnv opens loc with the built-in backends and the endpoint setting of
// envConfig.
func openEnv(ctx context.Context, loc string) (repo.Source, error) {
	return all.Registry().Open(ctx, loc, repo.Settings{s3.SettingEndpoint: envConfig().Endpoint})
}

// upload publishes a local instance under prefix and returns its URL.
func upload(t *testing.T, dir, prefix string) string {
	t.Helper()
	u := "s3://seqrepo/" + prefix
	st, err := s3.UploadInstance(context.Background(), dir, u, envConfig())
	if err != nil {
		t.Fatalf("UploadInstance %s: %v", dir, err)
	}
	if st.Files < 5 {
		t.Fatalf("uploaded %d files, want at least 5", st.Files)
	}
	return u
}

func openLocal(t *testing.T, dir string) repo.Source {
	t.Helper()
	src, err := seqrepo.Open(context.Background(), dir, seqrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func openURL(t *testing.T, u string) repo.Source {
	t.Helper()
	src, err := openEnv(context.Background(), u)
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	return src
}

// TestBackend runs every conformance suite through the Factory: the Source
// and collection suites on an upload of the sample holding the sample
// collections, the Writer suite on new prefixes.
func TestBackend(t *testing.T) {
	startS3(t)
	n := 0
	repotest.RunBackend(t, repotest.Backend{
		Factory:  s3.Factory{},
		Settings: repo.Settings{s3.SettingEndpoint: envConfig().Endpoint},
		SampleLocation: func(t *testing.T) string {
			return upload(t, sampleinst.WithCollections(t), "backend/master")
		},
		SampleCollections: true,
		NewLocation: func(t *testing.T) string {
			n++ // RunWriter asks for its stores one at a time
			return fmt.Sprintf("s3://seqrepo/writer%d/master", n)
		},
	})
}

// TestS3Sample is serial (startS3 sets the environment); its subtests
// share one upload and run in parallel.
func TestS3Sample(t *testing.T) {
	startS3(t)
	u := upload(t, testutil.SampleInstance(), "2019/master")
	t.Run("SameAsLocal", func(t *testing.T) {
		t.Parallel()
		remote := openURL(t, u)
		defer remote.Close()
		repotest.SameSource(t, openLocal(t, testutil.SampleInstance()), remote, repotest.SameExact)
	})
	t.Run("Stats", func(t *testing.T) {
		t.Parallel()
		remote := openURL(t, u).(*s3.Instance)
		defer remote.Close()
		st, err := remote.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		filepath.WalkDir(testutil.SampleInstance(), func(p string, d fs.DirEntry, err error) error {
			if d.Type().IsRegular() {
				info, _ := d.Info()
				want += info.Size()
			}
			return nil
		})
		if st.Sequences != 3 || st.SizeBytes != want {
			t.Errorf("Stats = %d sequences, %d bytes; want 3, %d", st.Sequences, st.SizeBytes, want)
		}
		if rs := remote.Storage().Stats(); rs.Requests == 0 || rs.Bytes == 0 {
			t.Errorf("storage stats not counted: %+v", rs)
		}
	})
	t.Run("Latest", func(t *testing.T) {
		t.Parallel()
		// An "aws s3 sync" of a root directory has the instance under latest/.
		upload(t, testutil.SampleInstance(), "root/latest")
		src := openURL(t, "s3://seqrepo/root")
		defer src.Close()
		if _, err := repo.Resolve(context.Background(), src, "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", "", repo.StyleSeqRepo); err != nil {
			t.Fatal(err)
		}
	})
}

func TestS3Errors(t *testing.T) {
	srv := startS3(t)
	u := upload(t, testutil.SampleInstance(), "inst")
	ctx := context.Background()
	tests := []struct {
		name    string
		url     string
		env     map[string]string
		is      error
		mention []string
	}{
		{"missing prefix", "s3://seqrepo/nothing-here", nil, repo.ErrNotFound, []string{"s3://seqrepo/nothing-here/aliases.sqlite3"}},
		{"missing bucket", "s3://nobucket/x", nil, repo.ErrNotFound, []string{"nobucket"}},
		{"bad secret", u, map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong"}, repo.ErrUnavailable, []string{"seqrepo", "inst/aliases.sqlite3", "credentials"}},
		{"bad key id", u, map[string]string{"AWS_ACCESS_KEY_ID": "nobody"}, repo.ErrUnavailable, []string{"seqrepo", "inst/aliases.sqlite3"}},
		{"bad endpoint param", "s3://seqrepo/inst?endpoint=ftp://x", nil, nil, []string{"endpoint"}},
		{"unknown param", "s3://seqrepo/inst?colour=red", nil, nil, []string{"colour"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			src, err := openEnv(ctx, tc.url)
			if err == nil {
				src.Close()
				t.Fatalf("open %s succeeded", tc.url)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not match %v", err, tc.is)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
	t.Run("missing sequence file", func(t *testing.T) {
		src := openURL(t, u)
		defer src.Close()
		// Remove one sequence file from the bucket after opening.
		var removed string
		filepath.WalkDir(filepath.Join(srv.Root, "seqrepo", "inst", "sequences"), func(p string, d fs.DirEntry, err error) error {
			if removed == "" && strings.HasSuffix(p, ".fa.bgz") {
				removed = p
			}
			return nil
		})
		if removed == "" {
			t.Fatal("no sequence file in the bucket")
		}
		os.Rename(removed, removed+".gone")
		defer os.Rename(removed+".gone", removed)
		var failed int
		for _, s := range repotest.Sample {
			_, err := repo.Slice(ctx, src, s.SeqID, 0, 10)
			if err != nil {
				failed++
				if !errors.Is(err, repo.ErrCorrupt) || !strings.Contains(err.Error(), "s3://seqrepo/inst/sequences/") {
					t.Errorf("read with a missing file: %v", err)
				}
			}
		}
		if failed == 0 {
			t.Error("no read failed although a sequence file is missing")
		}
	})
	t.Run("server down", func(t *testing.T) {
		src := openURL(t, u)
		defer src.Close()
		srv.Stop()
		defer srv.Restart()
		s := repotest.Sample[0]
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		_, err := repo.Slice(ctx, src, s.SeqID, 0, 10)
		if err == nil || !errors.Is(err, repo.ErrUnavailable) {
			t.Fatalf("read with the server down: %v, want ErrUnavailable", err)
		}
	})
}

// TestS3RestartMidRead restarts the server while sequences are being read:
// the reads retry and every byte is still right.
func TestS3RestartMidRead(t *testing.T) {
	srv := startS3(t)
	u := upload(t, testutil.SampleInstance(), "restart")
	local := openLocal(t, testutil.SampleInstance())
	remote := openURL(t, u)
	defer remote.Close()
	ctx := context.Background()
	want := map[string][]byte{}
	for _, s := range repotest.Sample {
		b, err := repo.Slice(ctx, local, s.SeqID, 0, repo.ToEnd)
		if err != nil {
			t.Fatal(err)
		}
		want[s.SeqID] = b
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := repotest.Sample[r.IntN(len(repotest.Sample))]
				full := want[s.SeqID]
				a := r.Int64N(int64(len(full)) - 200)
				got, err := repo.Slice(ctx, remote, s.SeqID, a, a+200)
				if err != nil {
					errs <- fmt.Errorf("read %s[%d:%d]: %w", s.SeqID, a, a+200, err)
					return
				}
				if !bytes.Equal(got, full[a:a+200]) {
					errs <- fmt.Errorf("read %s[%d:%d]: wrong bytes", s.SeqID, a, a+200)
					return
				}
			}
		}(w)
	}
	time.Sleep(300 * time.Millisecond)
	srv.Restart()
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := remote.(*s3.Instance).Storage().Stats(); st.Requests == 0 {
		t.Errorf("no requests counted: %+v", st)
	}
}

// rangeServer serves dir like a static web server (Range supported) and
// counts requests.
func rangeServer(t *testing.T, dir string) (*httptest.Server, *int64) {
	var mu sync.Mutex
	var n int64
	fsrv := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		fsrv.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestHTTPSample(t *testing.T) {
	t.Parallel()
	root := testutil.SampleRoot()
	srv, _ := rangeServer(t, root)
	u := srv.URL + "/master"
	t.Run("SameAsLocal", func(t *testing.T) {
		t.Parallel()
		remote := openURL(t, u)
		defer remote.Close()
		repotest.SameSource(t, openLocal(t, testutil.SampleInstance()), remote, repotest.SameExact)
	})
	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		_, err := openEnv(context.Background(), srv.URL+"/nothing")
		if !errors.Is(err, repo.ErrNotFound) || !strings.Contains(err.Error(), "/nothing/aliases.sqlite3") {
			t.Errorf("open of a missing instance: %v", err)
		}
	})
}

func TestHTTPRetriesAndErrors(t *testing.T) {
	t.Parallel()
	dir := testutil.SampleRoot()
	fsrv := http.FileServer(http.Dir(dir))
	var mu sync.Mutex
	fail := map[string]int{} // path -> remaining 503s
	status := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := fail[r.URL.Path]
		if n > 0 {
			fail[r.URL.Path] = n - 1
		}
		st := status
		mu.Unlock()
		switch {
		case st != 0:
			http.Error(w, "no", st)
		case n > 0:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case r.URL.Query().Get("norange") != "":
			r.Header.Del("Range")
			fsrv.ServeHTTP(w, r)
		default:
			fsrv.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	mu.Lock()
	fail["/master/aliases.sqlite3"] = 3
	mu.Unlock()
	src := openURL(t, srv.URL+"/master")
	st := src.(*s3.Instance).Storage().Stats()
	if st.Retries < 3 {
		t.Errorf("retries = %d, want >= 3", st.Retries)
	}
	if _, err := repo.Resolve(ctx, src, "SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF", "", repo.StyleSeqRepo); err != nil {
		t.Errorf("resolve after retries: %v", err)
	}
	src.Close()

	mu.Lock()
	status = http.StatusForbidden
	mu.Unlock()
	_, err := openEnv(ctx, srv.URL+"/master")
	if err == nil || !strings.Contains(err.Error(), "access denied") || !strings.Contains(err.Error(), "/master/aliases.sqlite3") {
		t.Errorf("open with 403: %v", err)
	}
}

func TestUploadRefusesNonInstance(t *testing.T) {
	t.Parallel()
	_, err := s3.UploadInstance(context.Background(), t.TempDir(), "s3://b/p?endpoint=http://127.0.0.1:1", s3.Config{})
	if err == nil || !strings.Contains(err.Error(), "not a SeqRepo instance") {
		t.Errorf("upload of an empty directory: %v", err)
	}
}
