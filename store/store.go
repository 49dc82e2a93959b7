// Package store opens the platform's database — SQLite (embedded default) or
// PostgreSQL (production) — runs its migrations and offers one query layer
// over both: SQL is written once with ? placeholders in a portable subset and
// rebound for the dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"cifp"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is the SQL dialect of an open database.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. Reads go to a pool of connections; writes and
// transactions go to the write pool, which for SQLite holds one connection so
// that writers queue in Go instead of failing with SQLITE_BUSY.
type DB struct {
	read    *sql.DB
	write   *sql.DB
	Dialect Dialect
	// Name is the DSN without credentials, for logs.
	Name string
}

// Open opens the database named by dsn: "sqlite:PATH" (or a bare path ending
// in .db) or a "postgres://" / "postgresql://" URL. It does not migrate; call
// Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasSuffix(dsn, ".db"):
		return openSQLite(ctx, dsn)
	}
	return nil, cifp.Errorf(cifp.EINVALID, "database %q: want sqlite:PATH or a postgres:// URL", dsn)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, cifp.Errorf(cifp.EINVALID, "database: sqlite: empty path")
	}
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("database: %w", err)
			}
		}
	}
	pragmas := "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_time_format=sqlite"
	read, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&mode=ro")
	if err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		read.Close()
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	// The write connection creates the file and switches it to WAL before any
	// read-only connection opens it.
	if err := write.PingContext(ctx); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()))
	read.SetMaxIdleConns(max(4, runtime.NumCPU()))
	return &DB{read: read, write: write, Dialect: SQLite, Name: "sqlite:" + path}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", redact(dsn), err)
	}
	return &DB{read: db, write: db, Dialect: Postgres, Name: redact(dsn)}, nil
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres"
	}
	return u.Redacted()
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Stats returns the read pool's statistics, for metrics.
func (db *DB) Stats() sql.DBStats { return db.read.Stats() }

// Queryer is what DB and Tx have in common: SQL with ? placeholders.
type Queryer interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	D() Dialect
}

// D returns the dialect.
func (db *DB) D() Dialect { return db.Dialect }

// Exec runs a statement outside a transaction on the write pool.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.Dialect.Rebind(query), args...)
}

// Query runs a query on the read pool, or on the write pool when the query
// writes (INSERT … RETURNING and the like).
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.pool(query).QueryContext(ctx, db.Dialect.Rebind(query), args...)
}

// QueryRow runs a query that returns at most one row, like Query.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.pool(query).QueryRowContext(ctx, db.Dialect.Rebind(query), args...)
}

// pool picks the write pool for statements that write.
func (db *DB) pool(query string) *sql.DB {
	q := strings.TrimLeft(query, " \t\r\n(")
	if len(q) >= 6 {
		switch strings.ToUpper(q[:6]) {
		case "SELECT", "VALUES":
			return db.read
		}
	}
	return db.write
}

// Tx is a transaction on the write pool. On PostgreSQL it holds its
// connection, so that bulk loads can use COPY inside the transaction.
type Tx struct {
	tx      *sql.Tx
	conn    *sql.Conn // PostgreSQL only
	dialect Dialect
}

// begin starts a read-write transaction. For SQLite it takes the write lock
// at once (BEGIN IMMEDIATE), so it never fails half-way on a lock upgrade.
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	t := &Tx{dialect: db.Dialect}
	var err error
	if db.Dialect == Postgres {
		if t.conn, err = db.write.Conn(ctx); err != nil {
			return nil, err
		}
		if t.tx, err = t.conn.BeginTx(ctx, nil); err != nil {
			t.conn.Close()
			return nil, err
		}
		return t, nil
	}
	if t.tx, err = db.write.BeginTx(ctx, nil); err != nil {
		return nil, err
	}
	return t, nil
}

func (tx *Tx) end(commit bool) error {
	var err error
	if commit {
		err = tx.tx.Commit()
	} else {
		err = tx.tx.Rollback()
	}
	if tx.conn != nil {
		tx.conn.Close()
		tx.conn = nil
	}
	return err
}

// InTx runs fn in a transaction and commits it when fn returns nil; otherwise
// it rolls back and returns fn's error. Nothing fn wrote survives an error.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return MapError(err)
	}
	ended := false
	defer func() {
		if !ended { // fn failed or panicked
			tx.end(false)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	ended = true
	return MapError(tx.end(true))
}

// D returns the dialect.
func (tx *Tx) D() Dialect { return tx.dialect }

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.dialect.Rebind(query), args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.dialect.Rebind(query), args...)
}

// QueryRow runs a one-row query in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.dialect.Rebind(query), args...)
}

// Prepare prepares a statement in the transaction, for bulk loads.
func (tx *Tx) Prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	return tx.tx.PrepareContext(ctx, tx.dialect.Rebind(query))
}

// Rebind turns ? placeholders into the dialect's: $1, $2, … for PostgreSQL.
// SQL text in this project never has a literal ? inside a string.
func (d Dialect) Rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Like returns the dialect's case-insensitive LIKE operator.
func (d Dialect) Like() string {
	if d == Postgres {
		return "ILIKE"
	}
	return "LIKE" // SQLite's LIKE is case-insensitive for ASCII
}

// Now returns the current time as the store keeps it: UTC, to the microsecond
// (PostgreSQL's precision), so that a value read back equals the one written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// MapError maps driver errors to the platform's codes: a unique violation to
// ECONFLICT, a foreign-key or check violation to EINVALID, sql.ErrNoRows to
// ENOTFOUND. Other errors are returned unchanged (EINTERNAL).
func MapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &cifp.Error{Code: cifp.ENOTFOUND, Message: "not found"}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &cifp.Error{Code: cifp.ECONFLICT, Message: "already exists: " + pe.ConstraintName}
		case "23503", "23514", "23502":
			return &cifp.Error{Code: cifp.EINVALID, Message: "violates " + pe.ConstraintName}
		}
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &cifp.Error{Code: cifp.ECONFLICT, Message: "already exists: " + constraintDetail(se.Error())}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &cifp.Error{Code: cifp.EINVALID, Message: "violates " + constraintDetail(se.Error())}
		}
	}
	return err
}

// constraintDetail keeps the part of an SQLite message after "failed: ".
func constraintDetail(msg string) string {
	if i := strings.Index(msg, "failed: "); i >= 0 {
		return strings.TrimSuffix(msg[i+len("failed: "):], ")")
	}
	return "a constraint"
}

// Checkpoint folds SQLite's write-ahead log into the database file and
// truncates the log, after a bulk load; it does nothing on PostgreSQL.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.Dialect != SQLite {
		return nil
	}
	_, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// Analyze refreshes PostgreSQL's planner statistics of a table after a bulk
// load, so that the next queries are planned for the table's new size
// rather than after autovacuum gets to it; it does nothing on SQLite, whose
// plans do not rest on such statistics here.
func (db *DB) Analyze(ctx context.Context, table string) error {
	if db.Dialect != Postgres {
		return nil
	}
	_, err := db.write.ExecContext(ctx, `ANALYZE `+table)
	return err
}

// Vacuum reclaims a PostgreSQL table's dead rows and refreshes its planner
// statistics (VACUUM ANALYZE), as autovacuum would in its own time: for
// after a bulk load that replaced many rows, outside any transaction. It
// does nothing on SQLite.
func (db *DB) Vacuum(ctx context.Context, table string) error {
	if db.Dialect != Postgres {
		return nil
	}
	_, err := db.write.ExecContext(ctx, `VACUUM ANALYZE `+table)
	return err
}

// Int64s runs a query of one integer column and returns its values: ids.
func Int64s(ctx context.Context, q Queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
