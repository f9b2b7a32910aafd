package integration_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
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

	"github.com/seqfs/seqfs/internal/testutil"
)

// sampleAlias is one (namespace, alias, seq_id) row of the sample instance.
type sampleAlias struct{ ns, alias, seqID string }

// sampleRef is the sample instance read with independent tools: aliases
// with the sqlite3 CLI, sequences with samtools faidx on the BGZF files.
type sampleRef struct {
	aliases []sampleAlias
	seqs    map[string][]byte // seq_id → sequence
}

var (
	sampleOnce sync.Once
	sampleData sampleRef
	sampleErr  error
)

func loadSampleRef(t testing.TB) sampleRef {
	t.Helper()
	testutil.RequireTool(t, "sqlite3")
	testutil.RequireTool(t, "samtools")
	sampleOnce.Do(func() { sampleData, sampleErr = readSampleRef(testutil.SampleInstance()) })
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sampleData
}

func readSampleRef(inst string) (sampleRef, error) {
	ref := sampleRef{seqs: map[string][]byte{}}
	out, err := exec.Command("sqlite3", "-separator", "\t", filepath.Join(inst, "aliases.sqlite3"),
		"select namespace, alias, seq_id from seqalias where is_current = 1 order by namespace, alias").Output()
	if err != nil {
		return ref, fmt.Errorf("sqlite3 aliases: %w", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return ref, fmt.Errorf("sqlite3 line %q", line)
		}
		ref.aliases = append(ref.aliases, sampleAlias{f[0], f[1], f[2]})
	}
	bgzs, _ := filepath.Glob(filepath.Join(inst, "sequences", "*", "*", "*", "*.fa.bgz"))
	for _, bgz := range bgzs {
		fai, err := os.ReadFile(bgz + ".fai")
		if err != nil {
			return ref, err
		}
		for _, line := range strings.Split(strings.TrimSpace(string(fai)), "\n") {
			id := strings.Split(line, "\t")[0]
			out, err := exec.Command("samtools", "faidx", bgz, "--", id).Output()
			if err != nil {
				return ref, fmt.Errorf("samtools faidx %s %s: %w", bgz, id, err)
			}
			_, seqs := parseFasta(out)
			ref.seqs[id] = seqs[0]
		}
	}
	if len(ref.seqs) != 3 || len(ref.aliases) != 15 {
		return ref, fmt.Errorf("sample: %d sequences, %d aliases; want 3 and 15", len(ref.seqs), len(ref.aliases))
	}
	return ref, nil
}

func sampleGlobal() []string { return []string{"-s", testutil.SampleInstance()} }

// TestFSSampleFiles checks every file of every alias of the sample against
// the independently read sequences and samtools' own .fai and dict.
func TestFSSampleFiles(t *testing.T) {
	ref := loadSampleRef(t)
	m := startMount(t, sampleGlobal())
	plain := t.TempDir()

	checkSampleRoot(t, m.dir)
	// Each namespace lists exactly its aliases' four files.
	listed := map[string][]string{}
	for _, a := range ref.aliases {
		for _, suf := range []string{".dict", ".fa", ".fa.fai", ".seq"} {
			listed[a.ns] = append(listed[a.ns], a.alias+suf)
		}
	}
	for ns, want := range listed {
		out := runTool(t, nil, "ls", "-f", filepath.Join(m.dir, ns))
		var names []string
		for _, n := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if n != "." && n != ".." {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("ls -f %s: %q, want %q", ns, names, want)
		}
	}

	for i, a := range ref.aliases {
		seq := ref.seqs[a.seqID]
		base := filepath.Join(m.dir, a.ns, a.alias)
		wantFa := wrapFasta(a.alias, seq, 60)
		fa := runTool(t, nil, "cat", base+".fa")
		if !bytes.Equal(fa, wantFa) {
			t.Errorf("cat %s.fa: %d bytes, want %d (first diff at %d)", base, len(fa), len(wantFa), firstDiff(fa, wantFa))
			continue
		}
		if s := runTool(t, nil, "cat", base+".seq"); !bytes.Equal(s, seq) {
			t.Errorf("cat %s.seq differs", base)
		}
		// The .fai is exactly what samtools writes for a plain copy.
		p := filepath.Join(plain, fmt.Sprintf("%d.fa", i))
		if err := os.WriteFile(p, wantFa, 0o644); err != nil {
			t.Fatal(err)
		}
		runTool(t, nil, "samtools", "faidx", p)
		wantFai, _ := os.ReadFile(p + ".fai")
		if fai := runTool(t, nil, "cat", base+".fa.fai"); !bytes.Equal(fai, wantFai) {
			t.Errorf("%s.fa.fai = %q, samtools writes %q", base, fai, wantFai)
		}
		// samtools dict of the mounted FASTA is the .dict byte for byte,
		// except that the UR is a URI (samtools leaves spaces raw); its M5
		// is the plain copy's.
		dict := runTool(t, nil, "cat", base+".dict")
		if sd := uriUR(runTool(t, nil, "samtools", "dict", base+".fa")); !bytes.Equal(dict, sd) {
			t.Errorf("%s.dict = %q, samtools dict writes %q", base, dict, sd)
		}
		if m5, want := dictM5(dict), dictM5(runTool(t, nil, "samtools", "dict", p)); m5 == "" || m5 != want {
			t.Errorf("%s.dict M5 %q, plain copy %q", base, m5, want)
		}
		if fd, _ := os.ReadFile(base + ".fa.dict"); !bytes.Equal(fd, dict) {
			t.Errorf("%s.fa.dict differs from .dict", base)
		}
		// Sizes are exact.
		st, err := os.Stat(base + ".fa")
		if err != nil || st.Size() != int64(len(wantFa)) || st.Mode().Perm() != 0o444 {
			t.Errorf("stat %s.fa: %v, %v", base, st, err)
		}
	}

	// /digest and the API namespaces.
	for id, seq := range ref.seqs {
		for _, p := range []string{"digest/SQ." + id + ".seq", "ga4gh/SQ." + id + ".seq", "sha512t24u/" + id + ".seq"} {
			if b, err := os.ReadFile(filepath.Join(m.dir, p)); err != nil || !bytes.Equal(b, seq) {
				t.Errorf("read %s: %d bytes, %v", p, len(b), err)
			}
		}
		fa, err := os.ReadFile(filepath.Join(m.dir, "digest", "SQ."+id+".fa"))
		if err != nil || !bytes.Equal(fa, wrapFasta("SQ."+id, seq, 60)) {
			t.Errorf("digest/SQ.%s.fa: %v", id, err)
		}
	}
	for _, p := range []string{"NCBI", "refseq", "VMC/nope.fa", "digest/SQ.nope.fa", "VMC/GS_x.txt"} {
		if _, err := os.Stat(filepath.Join(m.dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stat %s: %v, want ENOENT", p, err)
		}
	}
}

// TestFSExportMatches compares cat of every .fa with what `seqfs export`
// writes (re-wrapped): the same set of sequences.
func TestFSExportMatches(t *testing.T) {
	loadSampleRef(t)
	m := startMount(t, sampleGlobal())
	out, errOut, code := seqfs(t, "-s", testutil.SampleInstance(), "export")
	if code != 0 {
		t.Fatalf("seqfs export: exit %d: %s", code, errOut)
	}
	_, seqs := parseFasta([]byte(out))
	exported := map[string]bool{}
	for _, s := range seqs {
		exported[string(s)] = true
	}
	if len(exported) != 3 {
		t.Fatalf("seqfs export wrote %d distinct sequences, want 3", len(exported))
	}
	files, _ := filepath.Glob(filepath.Join(m.dir, "VMC", "*.fa"))
	tfiles, _ := filepath.Glob(filepath.Join(m.dir, "test", "*.fa"))
	files = append(files, tfiles...)
	if len(files) != 6 {
		t.Fatalf("found %d .fa files in VMC and test", len(files))
	}
	for _, f := range files {
		_, s := parseFasta(runTool(t, nil, "cat", f))
		if len(s) != 1 || !exported[string(s[0])] {
			t.Errorf("cat %s: sequence not among the exported ones", f)
		}
	}
}

// uriUR rewrites the UR:file://PATH fields of a samtools dict as URIs,
// percent-encoding what a URI path cannot hold.
func uriUR(dict []byte) []byte {
	lines := strings.SplitAfter(string(dict), "\n")
	for i, l := range lines {
		if j := strings.Index(l, "\tUR:file://"); j >= 0 {
			path := strings.TrimSuffix(l[j+len("\tUR:file://"):], "\n")
			lines[i] = l[:j] + "\tUR:" + (&url.URL{Scheme: "file", Path: path}).String() + "\n"
		}
	}
	return []byte(strings.Join(lines, ""))
}

func dictM5(dict []byte) string {
	for _, f := range strings.Fields(string(dict)) {
		if m5, ok := strings.CutPrefix(f, "M5:"); ok {
			return m5
		}
	}
	return ""
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestFSFaidxRegions runs samtools faidx for 1,000 random regions on the
// mount and on plain copies on local disk, and the usual text tools.
func TestFSFaidxRegions(t *testing.T) {
	ref := loadSampleRef(t)
	m := startMount(t, sampleGlobal())
	plain := t.TempDir()
	r := rand.New(rand.NewPCG(4, 4))
	var files []sampleAlias
	for _, a := range ref.aliases {
		if a.ns == "VMC" || a.ns == "test" {
			files = append(files, a)
		}
	}
	for i, a := range files {
		seq := ref.seqs[a.seqID]
		name := strings.Fields(a.alias)[0]
		mounted := filepath.Join(m.dir, a.ns, a.alias+".fa")
		copyPath := filepath.Join(plain, fmt.Sprintf("%d.fa", i))
		if err := os.WriteFile(copyPath, wrapFasta(a.alias, seq, 60), 0o644); err != nil {
			t.Fatal(err)
		}
		regions := []string{name, name + ":1-1", fmt.Sprintf("%s:%d-%d", name, len(seq), len(seq)),
			fmt.Sprintf("%s:%d-%d", name, len(seq)-70, len(seq)+100), name + ":60-61"}
		for len(regions) < 1000/len(files)+1 {
			s := 1 + r.IntN(len(seq))
			e := min(s+r.IntN(5000), len(seq))
			regions = append(regions, fmt.Sprintf("%s:%d-%d", name, s, e))
		}
		got := runTool(t, nil, "samtools", append([]string{"faidx", mounted, "--"}, regions...)...)
		want := runTool(t, nil, "samtools", append([]string{"faidx", copyPath, "--"}, regions...)...)
		if !bytes.Equal(got, want) {
			t.Errorf("samtools faidx %s: %d regions: outputs differ at byte %d", mounted, len(regions), firstDiff(got, want))
		}
		// awk, grep -c, wc -c and tail -c agree with the plain copy.
		for _, tool := range [][]string{
			{"awk", `!/^>/ { n += length($0) } END { print NR, n }`},
			{"grep", "-c", "ACGT"},
			{"wc", "-c"},
			{"tail", "-c", "1000"},
			{"md5sum"},
		} {
			g := runShell(t, tool, mounted)
			w := runShell(t, tool, copyPath)
			if !bytes.Equal(g, w) {
				t.Errorf("%s on %s: %q, plain copy %q", tool[0], mounted, g, w)
			}
		}
	}
}

// runShell runs tool with the file on stdin (so the output does not name
// the file).
func runShell(t testing.TB, tool []string, file string) []byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(tool[0], tool[1:]...)
	cmd.Stdin = f
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && tool[0] == "grep") {
		t.Fatalf("%v < %s: %v", tool, file, err)
	}
	return out
}

// TestFSCRAMRefPath encodes a CRAM against a plain FASTA and decodes it
// with REF_PATH pointing at the mount's MD5/%s.seq, with no network and
// REF_CACHE unset.
func TestFSCRAMRefPath(t *testing.T) {
	ref := loadSampleRef(t)
	m := startMount(t, sampleGlobal())
	work := t.TempDir()
	ids := []string{"z-qJgWoacRBV77zcMgZN9E_utrdzmQsH", "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"}
	names := []string{"chrVI", "phiX"}
	fa, sam := cramInput(ref, ids, names, rand.New(rand.NewPCG(7, 7)), 400, 3, 50)
	refFa := filepath.Join(work, "ref.fa")
	samPath := filepath.Join(work, "in.sam")
	cram := filepath.Join(work, "in.cram")
	os.WriteFile(refFa, fa.Bytes(), 0o644)
	os.WriteFile(samPath, sam.Bytes(), 0o644)
	runTool(t, nil, "samtools", "view", "-C", "-T", refFa, "-o", cram, samPath)
	hdr := runTool(t, nil, "samtools", "view", "-H", "--no-PG", cram)
	if !strings.Contains(string(hdr), "M5:") {
		t.Fatalf("CRAM header has no M5 tags:\n%s", hdr)
	}
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + home,
		"REF_PATH=" + m.dir + "/MD5/%s.seq", "http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9"}
	cmd := exec.Command("samtools", "view", "--no-PG", cram)
	cmd.Env, cmd.Dir = env, work // no ref.fa reachable by name
	os.Remove(refFa)
	os.Remove(refFa + ".fai")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("decode CRAM with REF_PATH=%s/MD5/%%s.seq: %v", m.dir, err)
	}
	checkDecodedSAM(t, sam.String(), out)
	if ents, _ := os.ReadDir(home); len(ents) != 0 {
		t.Errorf("htslib wrote a reference cache under HOME: %v", ents)
	}
}

// TestFSConcurrentReaders has 16 goroutines read random ranges of the
// mounted chr VI FASTA and .seq and compares with the sequence.
func TestFSConcurrentReaders(t *testing.T) {
	ref := loadSampleRef(t)
	m := startMount(t, sampleGlobal())
	id := "z-qJgWoacRBV77zcMgZN9E_utrdzmQsH"
	seq := ref.seqs[id]
	fa := wrapFasta("GS_"+id, seq, 60)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, want := filepath.Join(m.dir, "VMC", "GS_"+id+".fa"), fa
			if g%2 == 1 {
				path, want = filepath.Join(m.dir, "VMC", "GS_"+id+".seq"), seq
			}
			f, err := os.Open(path)
			if err != nil {
				errs <- err
				return
			}
			defer f.Close()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			buf := make([]byte, 300_000)
			for range 300 {
				off := r.Int64N(int64(len(want)))
				n := 1 + r.IntN(1+r.IntN(len(buf)))
				c, err := f.ReadAt(buf[:n], off)
				if err != nil && !errors.Is(err, io.EOF) {
					errs <- fmt.Errorf("pread %s at %d: %w", path, off, err)
					return
				}
				if !bytes.Equal(buf[:c], want[off:min(off+int64(n), int64(len(want)))]) {
					errs <- fmt.Errorf("pread %s [%d,+%d): wrong bytes", path, off, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestFSReadOnly checks that every kind of write fails with EROFS.
func TestFSReadOnly(t *testing.T) {
	m := startMount(t, sampleGlobal())
	fa := filepath.Join(m.dir, "VMC", "GS_IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF.fa")
	if _, err := os.Stat(fa); err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{
		"write":  func() error { f, err := os.OpenFile(fa, os.O_WRONLY, 0); f.Close(); return err }(),
		"append": func() error { f, err := os.OpenFile(fa, os.O_APPEND|os.O_WRONLY, 0); f.Close(); return err }(),
		"create": os.WriteFile(filepath.Join(m.dir, "VMC", "new.fa"), []byte(">x\nA\n"), 0o644),
		"mkdir":  os.Mkdir(filepath.Join(m.dir, "newns"), 0o755),
		"remove": os.Remove(fa),
		"rename": os.Rename(fa, fa+".bak"),
		"chmod":  os.Chmod(fa, 0o644),
		"fai":    os.WriteFile(fa+".fai", nil, 0o644),
	}
	for name, err := range checks {
		if !errors.Is(err, syscall.EROFS) {
			t.Errorf("%s: %v, want EROFS", name, err)
		}
	}
	// The shell sees the same.
	cmd := exec.Command("sh", "-c", "echo x > '"+fa+"'")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "Read-only file system") {
		t.Errorf("sh write: %v %s", err, out)
	}
}

// TestFSSignalsAndStale checks that SIGTERM and SIGINT unmount cleanly,
// that a stale mount left by a killed daemon is reported with the fix, and
// that a missing or busy mount point gets a clear message.
func TestFSSignalsAndStale(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		m := startMount(t, sampleGlobal())
		if !m.signal(sig, 15*time.Second) {
			t.Fatalf("no exit within 15 s of %v", sig)
		}
		if m.err != nil {
			t.Errorf("exit after %v: %v\n%s", sig, m.err, m.stderr)
		}
		if isMounted(m.dir) {
			t.Errorf("%v left the mount %s behind", sig, m.dir)
		}
	}

	// Busy: mounting over a live mount.
	m := startMount(t, sampleGlobal())
	_, stderr, code := seqfs(t, "-s", testutil.SampleInstance(), "mount", m.dir)
	if code == 0 || !strings.Contains(stderr, "already a mount point") {
		t.Errorf("mount on a live mount: exit %d, %q", code, stderr)
	}
	// Stale: kill -9 the daemon, the mount point stays with ENOTCONN.
	if !m.signal(syscall.SIGKILL, 10*time.Second) {
		t.Fatal("SIGKILL did not end the daemon")
	}
	_, stderr, code = seqfs(t, "-s", testutil.SampleInstance(), "mount", m.dir)
	if code == 0 || !strings.Contains(stderr, "transport endpoint is not connected") || !strings.Contains(stderr, "fusermount3 -u "+m.dir) {
		t.Errorf("mount on a stale mount: exit %d, %q", code, stderr)
	}
	if err := syscall.Unmount(m.dir, syscall.MNT_DETACH); err != nil {
		t.Errorf("clear stale mount: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "nope")
	_, stderr, code = seqfs(t, "-s", testutil.SampleInstance(), "mount", missing)
	if code == 0 || !strings.Contains(stderr, "does not exist") {
		t.Errorf("mount on a missing dir: exit %d, %q", code, stderr)
	}
	_, stderr, code = seqfs(t, "-s", testutil.SampleInstance(), "mount")
	if code != 2 {
		t.Errorf("mount without a mount point: exit %d, %q", code, stderr)
	}
}

// TestFSLineWidth checks --line-width end to end with samtools.
func TestFSLineWidth(t *testing.T) {
	ref := loadSampleRef(t)
	m := startMount(t, sampleGlobal(), "--line-width", "77")
	id := "IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"
	md5s := md5.Sum(ref.seqs[id])
	base := filepath.Join(m.dir, "MD5", hex.EncodeToString(md5s[:]))
	fa, err := os.ReadFile(base + ".fa")
	if err != nil || !bytes.Equal(fa, wrapFasta(hex.EncodeToString(md5s[:]), ref.seqs[id], 77)) {
		t.Fatalf("77-wide FASTA wrong: %v", err)
	}
	fai, _ := os.ReadFile(base + ".fa.fai")
	if f := strings.Fields(string(fai)); len(f) != 5 || f[3] != "77" || f[4] != "78" || f[1] != strconv.Itoa(len(ref.seqs[id])) {
		t.Errorf(".fai %q", fai)
	}
}
