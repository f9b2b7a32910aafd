package seqrepo

import (
	"context"
	"database/sql"

	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// addedLayouts are the timestamp forms found in SeqRepo's added columns:
// SQLite's current_timestamp ("2019-05-20 15:40:27"), Python's isoformat
// with a 'T', either optionally with fractional seconds (Go's parser
// accepts a fraction after the seconds even if the layout has none), and
// RFC 3339 with a zone.
var addedLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	time.RFC3339Nano,
}

// ParseAdded parses a SeqRepo "added" timestamp (UTC, "YYYY-MM-DD
// HH:MM:SS" with optional fractional seconds, 'T' separator or zone) and
// returns it in UTC.
func ParseAdded(s string) (time.Time, error) {
	for _, l := range addedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid added timestamp %q (want YYYY-MM-DD HH:MM:SS[.ffffff])", s)
}

// aliasColumns is the select list shared by the alias queries.
const aliasColumns = `select seq_id, namespace, alias, cast(added as text), is_current from seqalias`

// FindAliases streams the alias records matching q ordered by (seq_id,
// namespace, alias), with SeqRepo's find_aliases SQL: a field containing '%'
// is matched with LIKE, otherwise with '='; only current records unless
// q.IncludeHistoric. Rows are read as the caller consumes them and released
// when it stops.
//
// The query is planned on the most selective index its exact fields allow
// (see findAliasesSQL), so a lookup by seq_id, by alias or by namespace and
// alias costs O(log n) at any instance size.
func (i *Instance) FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error] {
	query, args := findAliasesSQL(q)
	return i.streamAliases(ctx, query, args, "find aliases")
}

// findAliasesSQL builds the query of FindAliases. SQLite has no statistics
// on SeqRepo's databases (they are never ANALYZEd) and, left alone, plans
// "seq_id = ? and namespace = ?" on the namespace index because that index
// also yields the ORDER BY: one MD5 lookup then walks every MD5 alias. So
// the columns that must not drive the search are written as +column (which
// keeps their meaning but hides them from the planner): an exact seq_id
// (about five rows per sequence) wins over an exact alias (a few rows per
// alias), which wins over an exact namespace, except that an exact
// namespace and alias among current records use the unique index on both.
// The few matching rows are then sorted.
func findAliasesSQL(q repo.AliasQuery) (string, []any) {
	exact := func(v string) bool { return v != "" && !repo.IsPattern(v) }
	nsAndAlias := exact(q.Namespace) && exact(q.Alias) && !q.IncludeHistoric
	hide := map[string]bool{
		"namespace": exact(q.SeqID) || (exact(q.Alias) && !nsAndAlias),
		"alias":     exact(q.SeqID),
	}
	var (
		conds []string
		args  []any
	)
	add := func(col, val string) {
		if val == "" {
			return
		}
		op := " = ?"
		if repo.IsPattern(val) {
			op = " like ?"
		}
		if hide[col] {
			col = "+" + col
		}
		conds = append(conds, col+op)
		args = append(args, val)
	}
	add("seq_id", q.SeqID)
	add("namespace", q.Namespace)
	add("alias", q.Alias)
	if !q.IncludeHistoric {
		conds = append(conds, "is_current = 1")
	}
	query := aliasColumns
	if len(conds) > 0 {
		query += " where " + strings.Join(conds, " and ")
	}
	return query + " order by seq_id, namespace, alias", args
}

// NamespaceAliases streams the current aliases of one DB-form namespace
// ordered by alias. The query is answered from the partial unique index on
// (namespace, alias) where is_current = 1, so no sort is needed and the
// namespace is never materialised.
func (i *Instance) NamespaceAliases(ctx context.Context, namespace string) iter.Seq2[repo.Alias, error] {
	return i.streamAliases(ctx, namespaceAliasesSQL, []any{namespace}, "list namespace "+namespace)
}

// namespaceAliasesSQL lists one namespace; see NamespaceAliases.
const namespaceAliasesSQL = aliasColumns + ` where namespace = ? and is_current = 1 order by alias`

// stmt returns the prepared statement of a query on db (the alias or the
// sequence database; a query text belongs to one of them), preparing it
// once per Instance: the hot queries are few (the shapes of
// findAliasesSQL, namespaceAliasesSQL, seqInfoSQL), and preparing on
// every call costs about as much as the index lookup it runs.
func (i *Instance) stmt(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	if st, ok := i.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := i.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (i *Instance) streamAliases(ctx context.Context, query string, args []any, what string) iter.Seq2[repo.Alias, error] {
	return func(yield func(repo.Alias, error) bool) {
		path := i.aliasPath
		stmt, err := i.stmt(ctx, i.aliasDB, query)
		if err != nil {
			yield(repo.Alias{}, i.dbErr(path, what, err))
			return
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			yield(repo.Alias{}, i.dbErr(path, what, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var (
				a     repo.Alias
				added string
				cur   int64
			)
			if err := rows.Scan(&a.SeqID, &a.Namespace, &a.Alias, &added, &cur); err != nil {
				yield(repo.Alias{}, i.dbErr(path, what, err))
				return
			}
			if a.Added, err = ParseAdded(added); err != nil {
				yield(repo.Alias{}, repo.Corrupt(path, fmt.Errorf("alias %s:%s: %w", a.Namespace, a.Alias, err)))
				return
			}
			a.Current = cur != 0
			if !yield(a, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(repo.Alias{}, i.dbErr(path, what, err))
		}
	}
}

// Namespaces returns the namespaces that have current aliases, sorted.
// The index on (namespace, alias) of current records is walked one
// namespace at a time (namespacesSQL), so the cost grows with the number of
// namespaces, not of aliases.
func (i *Instance) Namespaces(ctx context.Context) ([]string, error) {
	path := i.aliasPath
	rows, err := i.aliasDB.QueryContext(ctx, namespacesSQL)
	if err != nil {
		return nil, i.dbErr(path, "list namespaces", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ns string
		if err := rows.Scan(&ns); err != nil {
			return nil, i.dbErr(path, "list namespaces", err)
		}
		out = append(out, ns)
	}
	if err := rows.Err(); err != nil {
		return nil, i.dbErr(path, "list namespaces", err)
	}
	return out, nil
}

// namespacesSQL lists the distinct namespaces of current aliases with one
// index seek per namespace (a "skip scan" written as a recursive query;
// "select distinct namespace" would read every alias).
const namespacesSQL = `with recursive ns(n) as (
	select min(namespace) from seqalias where is_current = 1
	union all
	select (select min(namespace) from seqalias where is_current = 1 and namespace > ns.n) from ns where ns.n is not null
) select n from ns where n is not null`
