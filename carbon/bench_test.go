package carbon_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"cifp/carbon"
	"cifp/demo"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

// The benchmarks run on the demo data: benchEnterprises enterprises and the
// generator's activity for 2025. `cifp bench carbon` runs the same steps at
// 100,000 enterprises and against the databases' own bulk loads.
const benchEnterprises = 10_000

var benchDialects = []string{"sqlite", "postgres"}

// benchDB opens a fresh database of the dialect; PostgreSQL is skipped
// unless CIFP_TEST_POSTGRES is set.
func benchDB(b *testing.B, dialect string) *store.DB {
	b.Helper()
	if dialect == "postgres" {
		return testutil.MustOpenPostgres(b)
	}
	return testutil.MustOpenDB(b)
}

// benchSetup loads the demo organisations into db and returns the service
// and the activity file of the options.
func benchSetup(b *testing.B, db *store.DB, o demo.ActivityOptions) (*carbon.Service, []byte, int) {
	b.Helper()
	if _, err := demo.Load(context.Background(), db, demo.Options{Seed: 1, Enterprises: benchEnterprises}); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := demo.WriteActivity(&buf, demo.Enterprises(1, benchEnterprises), o)
	if err != nil {
		b.Fatal(err)
	}
	svc := carbon.NewService(db, org.NewService(db))
	svc.Now = func() time.Time { return now }
	return svc, buf.Bytes(), n
}

// BenchmarkImportActivity imports the first quarter of 2025 of 10,000
// enterprises (about 90,000 rows) into a fresh database each time, leaving
// the accounts to a later recompute.
func BenchmarkImportActivity(b *testing.B) {
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			rows := 0
			for range b.N {
				b.StopTimer()
				svc, data, n := benchSetup(b, benchDB(b, dialect), demo.ActivityOptions{Seed: 1, Years: []int{2025}, Months: 3})
				b.StartTimer()
				res, err := svc.ImportActivity(admin, bytes.NewReader(data), "csv", carbon.ImportOptions{SkipRecompute: true})
				if err != nil {
					b.Fatal(err)
				}
				if res.Rows != n {
					b.Fatalf("imported %d rows of %d", res.Rows, n)
				}
				rows += n
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkRecompute recomputes every account of 2025 (10,000 enterprises ×
// 12 months and the year) from about 310,000 activity rows; after the first
// time it replaces them.
func BenchmarkRecompute(b *testing.B) {
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			svc, data, _ := benchSetup(b, benchDB(b, dialect), demo.ActivityOptions{Seed: 1, Years: []int{2025}})
			if _, err := svc.ImportActivity(admin, bytes.NewReader(data), "csv", carbon.ImportOptions{SkipRecompute: true}); err != nil {
				b.Fatal(err)
			}
			accounts := 0
			for b.Loop() {
				n, err := svc.Recompute(admin, 2025)
				if err != nil {
					b.Fatal(err)
				}
				if n != benchEnterprises {
					b.Fatalf("%d accounts", n)
				}
				accounts += n
			}
			b.ReportMetric(float64(accounts)/b.Elapsed().Seconds(), "enterprises/s")
		})
	}
}
