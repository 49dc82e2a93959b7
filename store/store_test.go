package store_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"cifp"
	"cifp/internal/testutil"
	"cifp/store"
)

func TestMigrationFoldersMatch(t *testing.T) {
	lite, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, lite[i].Name, pg[i].Name)
		}
		if a, b := tables(lite[i].SQL), tables(pg[i].SQL); strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("%s: sqlite creates %v, postgres %v", lite[i].Name, a, b)
		}
	}
}

// tables lists the CREATE TABLE / CREATE INDEX names of a migration.
func tables(sql string) []string {
	var names []string
	for _, line := range strings.Split(sql, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "CREATE" && (f[1] == "TABLE" || f[1] == "INDEX") {
			names = append(names, f[1]+" "+f[2])
		}
		if len(f) >= 4 && f[0] == "CREATE" && f[1] == "UNIQUE" {
			names = append(names, f[2]+" "+f[3])
		}
	}
	return names
}

func TestRebind(t *testing.T) {
	got := store.Postgres.Rebind("SELECT a FROM t WHERE b = ? AND c IN (?, ?)")
	if want := "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := store.SQLite.Rebind("a = ?"); got != "a = ?" {
		t.Errorf("sqlite rebind changed the query: %q", got)
	}
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://x")
	if cifp.ErrorCode(err) != cifp.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
}

func TestStore(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t.Run("MigrateIsIdempotent", func(t *testing.T) {
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != 0 {
				t.Fatalf("second migrate applied %v", applied)
			}
		})
		insertOrg := func(q store.Queryer, uscc string) (int64, error) {
			var id int64
			now := store.Now()
			err := q.QueryRow(ctx, `INSERT INTO orgs (kind, name, uscc, division, created_at, updated_at)
				VALUES ('enterprise', 'x', ?, '331102', ?, ?) RETURNING id`, uscc, now, now).Scan(&id)
			return id, store.MapError(err)
		}
		t.Run("UniqueViolationIsConflict", func(t *testing.T) {
			if _, err := insertOrg(db, "U1"); err != nil {
				t.Fatal(err)
			}
			_, err := insertOrg(db, "U1")
			if cifp.ErrorCode(err) != cifp.ECONFLICT {
				t.Fatalf("err = %v, want ECONFLICT", err)
			}
		})
		t.Run("NoRowsIsNotFound", func(t *testing.T) {
			var id int64
			err := store.MapError(db.QueryRow(ctx, `SELECT id FROM orgs WHERE uscc = ?`, "none").Scan(&id))
			if cifp.ErrorCode(err) != cifp.ENOTFOUND {
				t.Fatalf("err = %v, want ENOTFOUND", err)
			}
		})
		t.Run("CheckViolationIsInvalid", func(t *testing.T) {
			now := store.Now()
			_, err := db.Exec(ctx, `INSERT INTO orgs (kind, name, uscc, division, created_at, updated_at)
				VALUES ('pirate', 'x', 'U9', '331102', ?, ?)`, now, now)
			if cifp.ErrorCode(store.MapError(err)) != cifp.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
		})
		t.Run("RollbackWritesNothing", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if _, err := insertOrg(tx, "U2"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v", err)
			}
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE uscc = 'U2'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatal("rolled-back insert is visible")
			}
		})
		t.Run("TimesRoundTrip", func(t *testing.T) {
			id, err := insertOrg(db, "U3")
			if err != nil {
				t.Fatal(err)
			}
			now := store.Now()
			if _, err := db.Exec(ctx, `UPDATE orgs SET updated_at = ? WHERE id = ?`, now, id); err != nil {
				t.Fatal(err)
			}
			var got time.Time
			if err := db.QueryRow(ctx, `SELECT updated_at FROM orgs WHERE id = ?`, id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(now) {
				t.Fatalf("time read back %v, wrote %v", got, now)
			}
		})
	})
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

func TestCopyRows(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, `CREATE TABLE copy_test (a INTEGER NOT NULL, b TEXT NOT NULL, c REAL NOT NULL, PRIMARY KEY (a))`); err != nil {
			t.Fatal(err)
		}
		const n = 1234
		i := 0
		err := db.InTx(ctx, func(tx *store.Tx) error {
			written, err := tx.CopyRows(ctx, "copy_test", []string{"a", "b", "c"}, func() ([]any, bool) {
				if i == n {
					return nil, false
				}
				i++
				return []any{i, "丽水", float64(i) / 4}, true
			})
			if written != n {
				t.Errorf("wrote %d", written)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var count int
		var sum float64
		db.QueryRow(ctx, `SELECT COUNT(*), SUM(c) FROM copy_test`).Scan(&count, &sum)
		if count != n || sum != float64(n*(n+1)/2)/4 {
			t.Fatalf("count %d sum %v", count, sum)
		}
		// A duplicate key fails the whole copy and the transaction writes nothing.
		j := 0
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.CopyRows(ctx, "copy_test", []string{"a", "b", "c"}, func() ([]any, bool) {
				j++
				if j > 3 {
					return nil, false
				}
				return []any{n + 10 - j%2, "x", 1.0}, true
			})
			return err
		})
		if cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		db.QueryRow(ctx, `SELECT COUNT(*) FROM copy_test`).Scan(&count)
		if count != n {
			t.Fatalf("count after a failed copy: %d", count)
		}
	})
}

// TestVacuumAndAnalyze: after a bulk replacement, Vacuum leaves PostgreSQL
// no dead rows of the table and Analyze gives the planner its size; both do
// nothing on SQLite.
func TestVacuumAndAnalyze(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, `CREATE TABLE vacuum_test (a INTEGER PRIMARY KEY, b TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := db.Exec(ctx, `DELETE FROM vacuum_test`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO vacuum_test (a, b) SELECT x, 'row' FROM (WITH RECURSIVE n (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500) SELECT x FROM n) s`); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Analyze(ctx, "vacuum_test"); err != nil {
			t.Fatal(err)
		}
		if err := db.Vacuum(ctx, "vacuum_test"); err != nil {
			t.Fatal(err)
		}
		if db.Dialect != store.Postgres {
			return
		}
		var tuples float64
		if err := db.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'vacuum_test'::regclass`).Scan(&tuples); err != nil {
			t.Fatal(err)
		}
		var dead int64
		if err := db.QueryRow(ctx, `SELECT pg_stat_get_dead_tuples('vacuum_test'::regclass)`).Scan(&dead); err != nil {
			t.Fatal(err)
		}
		if tuples != 500 || dead != 0 {
			t.Errorf("after VACUUM ANALYZE: %g rows known to the planner, %d dead; want 500 and 0", tuples, dead)
		}
	})
}
