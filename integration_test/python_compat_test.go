package integration_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/internal/testutil"
)

// yoyoCheck is what Python SeqRepo does when it opens an instance writable
// (fastadir.py and seqaliasdb.py `_upgrade_db`): read its migrations (only
// their ids matter to yoyo: the hash covers the id), ask yoyo which are
// still to apply, apply them, then read the schema version from meta. A
// database whose yoyo bookkeeping is wrong makes yoyo re-run 0000-base,
// which fails with "table meta already exists".
const yoyoCheck = `
import os, sqlite3, sys, tempfile
from yoyo import get_backend, read_migrations
mig = tempfile.mkdtemp()
open(os.path.join(mig, "0000-base.py"), "w").write(
    "from yoyo import step\nsteps = [step('create table meta (key text not null, value text not null)')]\n")
open(os.path.join(mig, "0001-initial.py"), "w").write(
    "from yoyo import step\nsteps = [step('select 1')]\n")
for db in sys.argv[1:]:
    backend = get_backend("sqlite:///" + db)
    migrations = read_migrations(mig)
    with backend.lock():
        todo = backend.to_apply(migrations)
        backend.apply_migrations(todo)
    v = sqlite3.connect(db).execute("select value from meta where key = 'schema version'").fetchone()[0]
    print(os.path.basename(db), len(todo), v)
`

func yoyoPython(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import yoyo").Run() != nil {
		testutil.SkipOrFail(t, "no python3 with yoyo (run scripts/deps.sh: python3-yoyo)")
	}
	return py
}

// An instance made by `seqfs init` + `seqfs load` is one that Python
// SeqRepo's yoyo migrations (yoyo 8.2, as SeqRepo pins) see as current:
// nothing to apply, schema version 1 — exactly as for the instance Python
// itself wrote.
func TestPythonYoyoSeesInstanceCurrent(t *testing.T) {
	py := yoyoPython(t)
	root := t.TempDir()
	fa := filepath.Join(root, "in.fa")
	if err := os.WriteFile(fa, []byte(">rose\nSMELLASSWEET\n>NM_000551.3\nACGTACGT\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-r", root, "init"}, {"-r", root, "load", "-n", "en", fa}} {
		if _, errb, code := seqfs(t, args...); code != 0 {
			t.Fatalf("seqfs %v: exit %d: %s", args, code, errb)
		}
	}
	check := func(dir string) {
		t.Helper()
		// yoyo writes (lock, log): work on a copy of the databases.
		cp := t.TempDir()
		var dbs []string
		for _, rel := range []string{"aliases.sqlite3", "sequences/db.sqlite3"} {
			b, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(cp, strings.ReplaceAll(rel, "/", "_"))
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			dbs = append(dbs, p)
		}
		out, err := exec.Command(py, append([]string{"-c", yoyoCheck}, dbs...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("yoyo on %s: %v\n%s", dir, err, out)
		}
		want := "aliases.sqlite3 0 1\nsequences_db.sqlite3 0 1\n"
		if string(out) != want {
			t.Errorf("yoyo on %s:\n%s\nwant:\n%s", dir, out, want)
		}
	}
	check(testutil.SampleInstance())     // written by Python SeqRepo: the control
	check(filepath.Join(root, "master")) // written by seqfs
}
