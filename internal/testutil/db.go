// Package testutil has helpers for tests: databases on SQLite and PostgreSQL.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"cifp/store"
)

// PostgresURL returns the PostgreSQL server for store tests, from
// CIFP_TEST_POSTGRES. When it is empty the PostgreSQL variants are skipped,
// unless CIFP_REQUIRE_POSTGRES=1 (set by CI), which makes them fail instead.
func PostgresURL(tb testing.TB) string {
	u := os.Getenv("CIFP_TEST_POSTGRES")
	if u == "" && os.Getenv("CIFP_REQUIRE_POSTGRES") == "1" {
		tb.Fatal("CIFP_REQUIRE_POSTGRES=1 but CIFP_TEST_POSTGRES is empty: the PostgreSQL tests must run")
	}
	return u
}

// MustOpenDB opens a new migrated SQLite database in a temporary folder,
// closed when the test ends.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	return mustOpen(tb, "sqlite:"+filepath.Join(tb.TempDir(), "test.db"))
}

// MustOpenPostgres opens a migrated PostgreSQL database in a new schema of
// its own, dropped when the test ends. It skips the test when no server is
// configured (see PostgresURL).
func MustOpenPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	base := PostgresURL(tb)
	if base == "" {
		tb.Skip("CIFP_TEST_POSTGRES is not set")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "cifp_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema on %s: %v", base, err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			tb.Error(err)
			return
		}
		defer a.Close()
		if _, err := a.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return mustOpen(tb, u.String())
}

func mustOpen(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// ForEachDB runs fn as a subtest on SQLite and, when configured, on
// PostgreSQL: the store test suite is one set of tests for both dialects.
func ForEachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, MustOpenDB(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, MustOpenPostgres(t)) })
}
