package finance

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"cifp/internal/testutil"
	"cifp/store"
)

// BenchmarkImportLoans imports a loan book of 100 000 loans on SQLite; see
// `cifp bench finance` for 1 000 000 against the database's own bulk load.
func BenchmarkImportLoans(b *testing.B) {
	db := testutil.MustOpenDB(b)
	w := newWorld(b, db)
	var buf bytes.Buffer
	buf.WriteString(strings.Join(LoanHeader, ",") + "\n")
	purposes := []string{"屋顶光伏电站建设", "补充流动资金", "电机系统节能改造", "购置生产设备"}
	for i := range 100_000 {
		u := w.e1.USCC
		if i%2 == 1 {
			u = w.e2.USCC
		}
		fmt.Fprintf(&buf, "L%d,%s,流动资金贷款,%d,%d,3.45,2024-%02d-01,2027-01-01,%s,,,,\n", i, u, 100+i%900, 50+i%50, 1+i%12, purposes[i%4])
	}
	for b.Loop() {
		if _, err := w.svc.ImportLoans(w.bank[0], bytes.NewReader(buf.Bytes()), "book.csv", "2025-12"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecompute rebuilds the statistics cells from 3 month-ends of a
// book of 200 000 loans (600 000 rows); see `cifp bench finance` for
// 1 000 000 loans × 12.
func BenchmarkRecompute(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchRecompute(b, testutil.MustOpenDB(b)) })
	b.Run("postgres", func(b *testing.B) { benchRecompute(b, testutil.MustOpenPostgres(b)) })
}

func benchRecompute(b *testing.B, db *store.DB) {
	w := newWorld(b, db)
	var buf bytes.Buffer
	buf.WriteString(strings.Join(LoanHeader, ",") + "\n")
	purposes := []string{"屋顶光伏电站建设", "补充流动资金", "电机系统节能改造", "购置生产设备"}
	for i := range 200_000 {
		u := w.e1.USCC
		if i%2 == 1 {
			u = w.e2.USCC
		}
		fmt.Fprintf(&buf, "L%d,%s,流动资金贷款,%d,%d,3.45,2024-%02d-01,2027-01-01,%s,,,,\n", i, u, 100+i%900, 50+i%50, 1+i%12, purposes[i%4])
	}
	for _, m := range []string{"2025-10", "2025-11", "2025-12"} {
		if _, err := w.svc.ImportLoans(w.bank[0], bytes.NewReader(buf.Bytes()), "book.csv", m); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.svc.Recompute(system); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/600_000, "ns/row")
}
