package seqrepo

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// buildPlanInstance creates an instance whose alias table has the shape of
// SeqRepo's release (four digest aliases per sequence, a large NCBI
// namespace, a few small ones) with n sequences; only the database rows
// are written, which is all that query planning and index lookups see.
func buildPlanInstance(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "inst")
	if err := CreateInstance(ctx, dir); err != nil {
		t.Fatal(err)
	}
	fill := func(path string, each func(i int, ins func(args ...any))) {
		db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=OFF&_sync=OFF")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		var stmt *sql.Stmt
		ins := func(args ...any) {
			q := `insert into seqalias (seq_id, namespace, alias) values (?, ?, ?)`
			if len(args) == 2 {
				q = `insert into seqinfo (seq_id, len, alpha, relpath) values (?, ?, 'ACGT', 'x.fa.bgz')`
			}
			if stmt == nil {
				if stmt, err = tx.Prepare(q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := stmt.Exec(args...); err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			each(i, ins)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	id := func(i int) string { return fmt.Sprintf("%032d", i) }
	fill(SeqInfoDBPath(dir), func(i int, ins func(args ...any)) { ins(id(i), 100+i%50) })
	fill(AliasesDBPath(dir), func(i int, ins func(args ...any)) {
		ins(id(i), "MD5", fmt.Sprintf("%032x", i))
		ins(id(i), "SHA1", fmt.Sprintf("%040x", i))
		ins(id(i), "SEGUID", fmt.Sprintf("S%026d", i))
		ins(id(i), "VMC", "GS_"+id(i))
		ins(id(i), "NCBI", fmt.Sprintf("NM_%09d.1", i))
		if i%100 == 0 {
			ins(id(i), "GRCh38", fmt.Sprintf("chr%d", i/100))
		}
	})
	return dir
}

// TestHotQueriesUseIndexes checks the plan of every query on a request
// path: each must search an index (named), never scan a table or walk a
// whole namespace, so its cost does not grow with the instance. The
// databases are checked as SeqRepo ships them (no statistics) and again
// after ANALYZE.
// It stays serial: it bounds 1,000 look-ups to 2 s.
func TestHotQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	const n = 20_000
	dir := buildPlanInstance(t, n)
	seqID, md5 := fmt.Sprintf("%032d", 4242), fmt.Sprintf("%032x", 4242)
	type hot struct {
		name string
		db   string // "alias" or "seq"
		sql  string
		args []any
		want string // the index the plan must search
	}
	alias := func(name string, q repo.AliasQuery, want string) hot {
		s, args := findAliasesSQL(q)
		return hot{name, "alias", s, args, want}
	}
	cases := []hot{
		alias("MD5 alias of a sequence (.dict M5)", repo.AliasQuery{SeqID: seqID, Namespace: "MD5"}, "seqalias_seq_id_idx (seq_id=?)"),
		alias("aliases of a sequence", repo.AliasQuery{SeqID: seqID}, "seqalias_seq_id_idx (seq_id=?)"),
		alias("aliases of a sequence, historic too", repo.AliasQuery{SeqID: seqID, IncludeHistoric: true}, "seqalias_seq_id_idx (seq_id=?)"),
		alias("seq_id, namespace and alias", repo.AliasQuery{SeqID: seqID, Namespace: "MD5", Alias: md5}, "seqalias_seq_id_idx (seq_id=?)"),
		alias("namespace:alias", repo.AliasQuery{Namespace: "NCBI", Alias: "NM_000004242.1"}, "seqalias_unique_ns_alias_idx (namespace=? AND alias=?)"),
		alias("namespace:alias, historic too", repo.AliasQuery{Namespace: "NCBI", Alias: "NM_000004242.1", IncludeHistoric: true}, "seqalias_alias_idx (alias=?)"),
		alias("bare alias", repo.AliasQuery{Alias: md5}, "seqalias_alias_idx (alias=?)"),
		alias("bare alias, historic too", repo.AliasQuery{Alias: md5, IncludeHistoric: true}, "seqalias_alias_idx (alias=?)"),
		alias("alias with a namespace pattern", repo.AliasQuery{Namespace: "ref%", Alias: "NM_000004242.1"}, "seqalias_alias_idx (alias=?)"),
		alias("seq_id with an alias pattern", repo.AliasQuery{SeqID: seqID, Alias: "NM_%"}, "seqalias_seq_id_idx (seq_id=?)"),
		{"namespace listing", "alias", namespaceAliasesSQL, []any{"GRCh38"}, "seqalias_unique_ns_alias_idx (namespace=?)"},
		{"namespaces", "alias", namespacesSQL, nil, "seqalias_unique_ns_alias_idx (namespace>?)"},
		{"sequence info", "seq", seqInfoSQL, []any{seqID}, "seq_id=?"},
	}
	check := func(t *testing.T, inst *Instance) {
		for _, c := range cases {
			db := inst.aliasDB
			if c.db == "seq" {
				db = inst.seqDB
			}
			plan, err := explain(ctx, db, c.sql, c.args...)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			joined := strings.Join(plan, "; ")
			if !strings.Contains(joined, "SEARCH") || !strings.Contains(joined, c.want) {
				t.Errorf("%s: plan %q; want a search of %s", c.name, joined, c.want)
			}
			for _, line := range plan {
				if strings.HasPrefix(line, "SCAN seqalias") || strings.HasPrefix(line, "SCAN seqinfo") {
					t.Errorf("%s: plan %q scans a table", c.name, joined)
				}
			}
		}
	}
	inst, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("as shipped", func(t *testing.T) { check(t, inst) })
	// The lookups answer right, and fast: far below the time of reading
	// the 100,000 alias rows.
	t0 := time.Now()
	for k := range 1000 {
		id := fmt.Sprintf("%032d", k*7)
		got, err := repo.Collect(inst.FindAliases(ctx, repo.AliasQuery{SeqID: id, Namespace: "MD5"}))
		if err != nil || len(got) != 1 || got[0].Alias != fmt.Sprintf("%032x", k*7) {
			t.Fatalf("MD5 alias of %s = %v, %v", id, got, err)
		}
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("1,000 MD5 lookups took %v", d)
	}
	ns, err := inst.Namespaces(ctx)
	if err != nil || strings.Join(ns, ",") != "GRCh38,MD5,NCBI,SEGUID,SHA1,VMC" {
		t.Errorf("Namespaces = %v, %v", ns, err)
	}
	inst.Close()

	for _, p := range []string{AliasesDBPath(dir), SeqInfoDBPath(dir)} {
		db, err := sql.Open("sqlite3", "file:"+p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("analyze"); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	inst, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	t.Run("analyzed", func(t *testing.T) { check(t, inst) })
}

// explain returns the detail lines of EXPLAIN QUERY PLAN for a query.
func explain(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, "explain query plan "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}
