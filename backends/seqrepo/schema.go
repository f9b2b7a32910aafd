package seqrepo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/seqfs/seqfs/repo"
)

// The DDL of both databases exactly as Python SeqRepo's yoyo migrations
// create it (docs/format.md, “Databases”), so sqlite_master holds
// byte-identical statements and Python's migrations see the databases as
// current.
const (
	// schemaYoyoDDL creates yoyo-migrations' bookkeeping tables (version 2
	// layout), in the order yoyo creates them.
	schemaYoyoDDL = `CREATE TABLE IF NOT EXISTS "yoyo_lock" (locked INT DEFAULT 1, ctime TIMESTAMP,pid INT NOT NULL,PRIMARY KEY (locked));
CREATE TABLE IF NOT EXISTS "_yoyo_log" ( id VARCHAR(36), migration_hash VARCHAR(64), migration_id VARCHAR(255), operation VARCHAR(10), username VARCHAR(255), hostname VARCHAR(255), comment VARCHAR(255), created_at_utc TIMESTAMP, PRIMARY KEY (id));
CREATE TABLE IF NOT EXISTS "_yoyo_version" (version INT NOT NULL PRIMARY KEY, installed_at_utc TIMESTAMP);
CREATE TABLE IF NOT EXISTS "_yoyo_migration" ( migration_hash VARCHAR(64), migration_id VARCHAR(255), applied_at_utc TIMESTAMP, PRIMARY KEY (migration_hash));`

	// schemaBase is migration 0000-base (log row added separately).
	schemaBase = `create table meta (key text not null, value text not null);
create unique index meta_key_idx on meta(key);
create table log (ts timestamp not null default current_timestamp, v text not null, msg text not null);`

	// schemaSeqInfo is migration 0001-initial of sequences/db.sqlite3.
	schemaSeqInfo = `create table seqinfo (
    seq_id text primary key,
    len integer not null,
    alpha text not null,
    added timestamp not null default current_timestamp,
    relpath text not null
);
create unique index seqinfo_seq_id_idx on seqinfo(seq_id);`

	// schemaSeqAlias is migration 0001-initial of aliases.sqlite3; the
	// index statements end with a newline before the semicolon, as in
	// Python's migration file.
	schemaSeqAlias = `create table seqalias (
    seqalias_id integer primary key,
    seq_id text not null,
    namespace text not null,
    alias text not null,
    added timestamp not null default current_timestamp,
    is_current int not null default 1
);
create unique index seqalias_unique_ns_alias_idx on seqalias(namespace, alias) where is_current = 1
;
create index seqalias_seq_id_idx on seqalias(seq_id)
;
create index seqalias_namespace_idx on seqalias(namespace)
;
create index seqalias_alias_idx on seqalias(alias)
;`
)

// schemaMigrations are yoyo's migration ids with their hashes
// (sha256 of the id), identical in both databases.
var schemaMigrations = []struct{ id, hash string }{
	{"0000-base", "00655420539ecc1c759418763d9667111f42a8e3be180b1aad57c843f3347b12"},
	{"0001-initial", "f8307527fff5cfa486d1b117e221aaaee936c1a14266e74466a98ab557500f04"},
}

// ErrInstanceExists is matched by the error CreateInstance returns for a
// directory that exists and is not empty.
var ErrInstanceExists = errors.New("instance directory exists and is not empty")

// CreateInstance creates an empty SeqRepo instance at dir (SeqRepo's
// `init`): the directory (which must not exist or be empty), sequences/,
// and both databases with the DDL and yoyo bookkeeping of Python SeqRepo,
// so Python opens the result read-only and writable. The databases are
// built under temporary names and renamed into place, so a crash leaves
// either no database or a complete one.
func CreateInstance(ctx context.Context, dir string) (err error) {
	ents, err := os.ReadDir(dir)
	existed := err == nil
	if existed && len(ents) > 0 {
		return fmt.Errorf("init %s: %w", dir, ErrInstanceExists)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	defer func() {
		if err == nil {
			return
		}
		// Leave nothing half-made behind: what failed can simply be re-run.
		if existed {
			os.RemoveAll(SequencesPath(dir))
			os.Remove(AliasesDBPath(dir))
		} else {
			os.RemoveAll(dir)
		}
	}()
	if err := os.MkdirAll(SequencesPath(dir), 0o755); err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	if err := schemaCreateDB(ctx, SeqInfoDBPath(dir), "0", schemaSeqInfo); err != nil {
		return err
	}
	return schemaCreateDB(ctx, AliasesDBPath(dir), "", schemaSeqAlias)
}

// schemaCreateDB writes one database at path: yoyo tables, 0000-base with
// its log row (v = logV), the table DDL of 0001-initial, meta at version 1
// and yoyo's records of both migrations.
func schemaCreateDB(ctx context.Context, path, logV, tableDDL string) error {
	tmp := filepath.Join(filepath.Dir(path), ".seqfs-tmp-init-"+filepath.Base(path))
	os.Remove(tmp)
	os.Remove(tmp + "-journal")
	db, err := sql.Open("sqlite3", writerDSN(tmp))
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	fail := func(err error) error {
		db.Close()
		os.Remove(tmp)
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA page_size = 4096; PRAGMA journal_mode = delete`); err != nil {
		return fail(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	host, _ := os.Hostname()
	username := "unknown"
	if u, err := user.Current(); err == nil {
		username = u.Username
	}
	now := func() string { return time.Now().UTC().Format("2006-01-02 15:04:05.000000") }
	stmts := []struct {
		q    string
		args []any
	}{
		{schemaYoyoDDL, nil},
		{`INSERT INTO "_yoyo_version" (version, installed_at_utc) VALUES (2, ?)`, []any{now()}},
		{schemaBase, nil},
		{`insert into log (v,msg) values (?, 'database created')`, []any{logV}},
		{`insert into meta (key, value) values ('schema version', '0')`, nil},
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fail(err)
		}
	}
	logMigration := func(i int) error {
		m := schemaMigrations[i]
		if _, err := tx.ExecContext(ctx, `INSERT INTO "_yoyo_migration" (migration_hash, migration_id, applied_at_utc) VALUES (?, ?, ?)`, m.hash, m.id, now()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO "_yoyo_log" (id, migration_hash, migration_id, operation, username, hostname, comment, created_at_utc) VALUES (?, ?, ?, 'apply', ?, ?, '', ?)`,
			schemaUUID1(), m.hash, m.id, username, host, now())
		return err
	}
	if err := logMigration(0); err != nil {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, tableDDL); err != nil {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, `update meta set value = '1' where key = 'schema version'`); err != nil {
		return fail(err)
	}
	if err := logMigration(1); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	if err := db.Close(); err != nil {
		return fail(err)
	}
	if err := installSynced(tmp, path); err != nil {
		return fail(err)
	}
	return nil
}

// schemaUUID1 returns a version-1 style UUID string (time-based with a
// random node), the form yoyo records in _yoyo_log.id.
func schemaUUID1() string {
	// 100-ns intervals since 1582-10-15.
	ts := uint64(time.Now().UnixNano()/100) + 0x01B21DD213814000
	var r [8]byte
	rand.Read(r[:])
	timeLow := uint32(ts)
	timeMid := uint16(ts >> 32)
	timeHi := uint16(ts>>48)&0x0fff | 0x1000
	clock := uint16(r[0])<<8 | uint16(r[1])
	clock = clock&0x3fff | 0x8000
	r[2] |= 0x01 // multicast bit: random node id
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", timeLow, timeMid, timeHi, clock, r[2:8])
}

// schemaCheckWritable verifies that both databases of dir are at schema
// version 1 and carry yoyo's bookkeeping, so that writing keeps them
// compatible with Python SeqRepo.
func schemaCheck(ctx context.Context, conn *sql.Conn, schema, path string) error {
	var v string
	err := conn.QueryRowContext(ctx, `select value from `+schema+`.meta where key = 'schema version'`).Scan(&v)
	if err != nil {
		return repo.Corrupt(path, fmt.Errorf("read schema version: %w", err))
	}
	if v != "1" {
		return repo.Corrupt(path, fmt.Errorf("database schema version is %s and seqfs expects 1", v))
	}
	return nil
}
