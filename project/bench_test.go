package project

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"
	"time"

	"cifp/internal/testutil"
)

func BenchmarkScreen(b *testing.B) {
	s := NewService(nil)
	in := ScreenInput{Fields: solar(), Industry: "4416", Documents: []string{"feasibility", "approval"}, Year: screenYear}
	for b.Loop() {
		if sc := Screen(s.Taxonomy, s.Factors, s.Params, s.Value, in); sc.Outcome != OutcomeEligible {
			b.Fatal(sc.Problems)
		}
	}
}

// BenchmarkLibrary imports 5 000 projects (one all-or-nothing file, each
// screened) and then times a filtered, sorted page of the library and the
// county sums, as the library team's page asks for them.
func BenchmarkLibrary(b *testing.B) {
	db := testutil.MustOpenDB(b)
	w := newWorld(b, db)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"name", "owner_uscc", "county", "location", "category", "description", "investment", "start_date", "end_date", "lifetime", "revenue", "opex", "technical"})
	var uscc string
	db.QueryRow(w.reg, `SELECT uscc FROM orgs WHERE id = ?`, w.a).Scan(&uscc)
	counties := []string{"331102", "331121", "331122", "331123", "331124", "331125", "331126", "331127", "331181"}
	for i := range 5000 {
		cw.Write([]string{fmt.Sprintf("光伏项目 %d", i), uscc, counties[i%9], "园区", "solar_pv", "屋顶光伏", fmt.Sprint(1000 + i), "2026-01-01", "2026-12-31", "25",
			"120", "20", fmt.Sprintf(`{"generation_mwh":"%d"}`, 1000+i)})
	}
	cw.Flush()
	start := time.Now()
	if _, err := w.svc.Import(w.reg, bytes.NewReader(buf.Bytes()), "bench.csv"); err != nil {
		b.Fatal(err)
	}
	b.Logf("import of 5 000 projects, each screened, in one transaction: %s", time.Since(start).Round(time.Millisecond))
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			if _, n, err := w.svc.List(w.reg, Filter{County: "331102", MinInvest: 2000, Sort: "reduction", Library: true}); err != nil || n == 0 {
				b.Fatal(err, n)
			}
		}
	})
	b.Run("counties", func(b *testing.B) {
		for b.Loop() {
			if cs, err := w.svc.Counties(w.reg, Filter{Library: true}); err != nil || len(cs) != 9 {
				b.Fatal(err, cs)
			}
		}
	})
}
