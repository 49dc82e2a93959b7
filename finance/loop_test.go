package finance

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/internal/testutil"
	"cifp/store"
)

func TestLoopWorkedExample(t *testing.T) {
	// A project expected to cut 1 000 t a year, financed with 2 000 万元; the
	// borrower emitted 12 000 t (intensity 0.60) the year before the loan
	// and 11 200 t (0.50) in the latest year: measured 800 t, 80 % of the
	// expected; 0.5 t expected and 0.4 t measured per 万元; intensity −16.7 %.
	r := Loop(LoopInput{ExpectedTCO2: 1000, Finance: 2000,
		Before: &carbon.Performance{Year: 2024, HasAccount: true, Emissions: 12000, Intensity: f(0.60)},
		After:  &carbon.Performance{Year: 2026, HasAccount: true, Emissions: 11200, Intensity: f(0.50)}})
	for name, c := range map[string][2]float64{
		"measured": {*r.MeasuredTCO2, 800}, "share": {*r.MeasuredShare, 0.8}, "expected per 万元": {*r.ExpectedPerWan, 0.5},
		"measured per 万元": {*r.MeasuredPerWan, 0.4}, "intensity": {*r.IntensityChange, 0.5/0.6 - 1},
	} {
		if math.Abs(c[0]-c[1]) > 1e-12 {
			t.Errorf("%s = %g, want %g", name, c[0], c[1])
		}
	}
	if r := Loop(LoopInput{ExpectedTCO2: 1000, Finance: 2000}); r.MeasuredTCO2 != nil || r.Note == "" || *r.ExpectedPerWan != 0.5 {
		t.Errorf("no accounts: %+v", r)
	}
}

// newLoopWorld is a world with a library project of e1, imported as the
// library team does, expected to cut 2 000 MWh × 0.5500 = 1 100 t a year,
// and e1's accounts: 150 t in 2024, 100 t in 2025. It returns the project's
// code.
func newLoopWorld(t *testing.T, db *store.DB) (*world, string) {
	t.Helper()
	w := newWorld(t, db)
	csv := "name,owner_uscc,county,location,category,description,investment,start_date,end_date,lifetime,technical\n" +
		"屋顶光伏," + w.e1.USCC + ",331122,园区,solar_pv,2 MW,1000,2025-01-01,2025-06-30,25,\"{\"\"generation_mwh\"\":\"\"2000\"\"}\"\n"
	res, err := w.projects.Import(w.reg, strings.NewReader(csv), "p.csv")
	if err != nil {
		t.Fatal(err)
	}
	account(t, db, w.e1.ID, 2024, 3, 0.2, "metered")
	account(t, db, w.e1.ID, 2025, 3, 0.18, "metered")
	if _, err := db.Exec(context.Background(), `UPDATE accounts SET emissions = 100 WHERE org_id = ? AND year = 2025`, w.e1.ID); err != nil {
		t.Fatal(err)
	}
	return w, res.Codes[0]
}

func TestLoopRows(t *testing.T) {
	db := testutil.MustOpenDB(t)
	w, code := newLoopWorld(t, db)
	header := strings.Join(LoanHeader, ",") + "\n"
	if _, err := w.svc.ImportLoans(w.bank[0], strings.NewReader(header+"P1,"+w.e1.USCC+",项目贷,600,600,3.4,2025-02-01,2030-02-01,光伏,,,,"+code+"\n"), "p.csv", "2025-12"); err != nil {
		t.Fatal(err)
	}
	w.svc.Now = func() time.Time { return testNow }
	rows, err := w.svc.LoopRows(w.bank[0], 2025)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%v %+v", err, rows)
	}
	r := rows[0]
	// Expected: 2 000 MWh × 0.5500 (East China 2023) = 1 100 t a year; measured: 150 t in 2024
	// (the year before the loan), 100 t in 2025: 50 t.
	if math.Abs(r.ExpectedTCO2-1100) > 1e-9 || r.Finance != 600 || *r.MeasuredTCO2 != 50 {
		t.Errorf("loop row: %+v measured %v", r, *r.MeasuredTCO2)
	}
	if rows, _ := w.svc.LoopRows(w.bank[1], 2025); len(rows) != 0 {
		t.Errorf("another bank sees the loop: %+v", rows)
	}
	// The same summed in the database, for the project's county and another.
	sum, err := w.svc.LoopSummary(w.bank[0], 2025, "331122", 10)
	if err != nil || sum.Projects != 1 || sum.Finance != 600 || math.Abs(sum.Expected-1100) > 1e-9 || sum.Compared != 1 ||
		sum.Measured != 50 || math.Abs(sum.ExpectedOfCompared-1100) > 1e-9 || len(sum.Top) != 1 || *sum.Top[0].MeasuredTCO2 != 50 {
		t.Errorf("loop summary: %v %+v", err, sum)
	}
	if sum, err := w.svc.LoopSummary(w.bank[0], 2025, "331121", 10); err != nil || sum.Projects != 0 || len(sum.Top) != 0 {
		t.Errorf("loop summary of another county: %v %+v", err, sum)
	}
	if sum, _ := w.svc.LoopSummary(w.bank[1], 2025, "", 10); sum.Projects != 0 {
		t.Errorf("another bank sees the loop summary: %+v", sum)
	}
	if _, err := w.svc.LoopSummary(w.reg, 2025, "3311", 10); cifp.ErrorCode(err) != cifp.EINVALID {
		t.Errorf("a bad county: %v", err)
	}
	// Measured needs an account after the year before the first loan: with
	// 2024 as the latest year there is none.
	if sum, _ := w.svc.LoopSummary(w.reg, 2024, "", 10); sum.Projects != 1 || sum.Compared != 0 || sum.Measured != 0 {
		t.Errorf("loop summary of 2024: %+v", sum)
	}

	// The loan once, whatever the month-ends it is reported in: November
	// adds a snapshot of it, and a loan of another project is counted beside
	// it. December resubmitted without P1 leaves November's P1; the
	// regulators see both banks' loans.
	finance := func(ctx context.Context) float64 {
		t.Helper()
		rows, err := w.svc.LoopRows(ctx, 2025)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, r := range rows {
			sum += r.Finance
		}
		return sum
	}
	if _, err := w.svc.ImportLoans(w.bank[0], strings.NewReader(header+"P1,"+w.e1.USCC+",项目贷,600,600,3.4,2025-02-01,2030-02-01,光伏,,,,"+code+"\n"), "p.csv", "2025-11"); err != nil {
		t.Fatal(err)
	}
	if got := finance(w.bank[0]); got != 600 {
		t.Errorf("two snapshots of one loan: finance %g, want 600", got)
	}
	if _, err := w.svc.ImportLoans(w.bank[1], strings.NewReader(header+"Q1,"+w.e1.USCC+",项目贷,400,400,3.4,2025-03-01,2030-03-01,光伏,,,,"+code+"\n"), "q.csv", "2025-12"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ImportLoans(w.bank[0], strings.NewReader(header+"P2,"+w.e1.USCC+",流贷,50,50,3.4,2025-02-01,2026-02-01,流动资金,none,,none,\n"), "p.csv", "2025-12"); err != nil {
		t.Fatal(err)
	}
	if got := finance(w.bank[0]); got != 600 {
		t.Errorf("after December without P1: finance %g, want November's 600", got)
	}
	if got := finance(w.reg); got != 1000 {
		t.Errorf("the regulators' loop: finance %g, want 600 + 400", got)
	}
}

// TestLoopSummaryCache: the loop's sums are kept until the loan book, the
// accounts or the projects change, and then read again.
func TestLoopSummaryCache(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, code := newLoopWorld(t, db)
		header := strings.Join(LoanHeader, ",") + "\n"
		loan := func(bank context.Context, id string, amount int) {
			t.Helper()
			row := fmt.Sprintf("%s,%s,项目贷,%d,%d,3.4,2025-02-01,2030-02-01,光伏,,,,%s\n", id, w.e1.USCC, amount, amount, code)
			if _, err := w.svc.ImportLoans(bank, strings.NewReader(header+row), "p.csv", "2025-12"); err != nil {
				t.Fatal(err)
			}
		}
		summary := func() LoopSummary {
			t.Helper()
			s, err := w.svc.LoopSummary(w.reg, 2025, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		loan(w.bank[0], "P1", 600)
		if s := summary(); s.Finance != 600 || s.Measured != 50 || math.Abs(s.Expected-1100) > 1e-9 {
			t.Fatalf("first read: %+v", s)
		}
		// A loan of another bank to the same project and borrower: the
		// book's version moves.
		loan(w.bank[1], "Q1", 400)
		if s := summary(); s.Projects != 1 || s.Finance != 1000 || s.Top[0].Finance != 1000 {
			t.Errorf("after a loan: %+v", s)
		}
		// A project's expected reduction: the trigger raises the projects' version.
		if _, err := db.Exec(ctx, `UPDATE projects SET annual_tco2 = 2000`); err != nil {
			t.Fatal(err)
		}
		if s := summary(); s.Expected != 2000 || s.ExpectedOfCompared != 2000 {
			t.Errorf("after the expected reduction changed: %+v", s)
		}
		// An account changed behind the services' back is not seen (the
		// sums are kept) until the accounts' version moves, as every
		// computation of accounts moves it.
		if _, err := db.Exec(ctx, `UPDATE accounts SET emissions = 90 WHERE org_id = ? AND year = 2025`, w.e1.ID); err != nil {
			t.Fatal(err)
		}
		if s := summary(); s.Measured != 50 {
			t.Errorf("kept sums: measured %g, want 150 − 100", s.Measured)
		}
		if _, err := db.Exec(ctx, `UPDATE data_versions SET version = version + 1 WHERE name = 'accounts'`); err != nil {
			t.Fatal(err)
		}
		if s := summary(); s.Measured != 60 {
			t.Errorf("after the accounts' version moved: measured %g, want 150 − 90", s.Measured)
		}

		// A second project, of e2 in Longquan, with a larger loan: the city
		// sums both counties, its largest row is Longquan's, and each county
		// has its own.
		csv := "name,owner_uscc,county,location,category,description,investment,start_date,end_date,lifetime,technical\n" +
			"屋顶光伏二期," + w.e2.USCC + ",331181,园区,solar_pv,1 MW,500,2025-01-01,2025-06-30,25,\"{\"\"generation_mwh\"\":\"\"1000\"\"}\"\n"
		res, err := w.projects.Import(w.reg, strings.NewReader(csv), "p2.csv")
		if err != nil {
			t.Fatal(err)
		}
		row := fmt.Sprintf("R1,%s,项目贷,1500,1500,3.4,2025-03-01,2030-03-01,光伏,,,,%s\n", w.e2.USCC, res.Codes[0])
		if _, err := w.svc.ImportLoans(w.bank[2], strings.NewReader(header+row), "r.csv", "2025-12"); err != nil {
			t.Fatal(err)
		}
		city, err := w.svc.LoopSummary(w.reg, 2025, "", 1)
		if err != nil || city.Projects != 2 || city.Finance != 2500 || city.Compared != 1 || city.Measured != 60 ||
			len(city.Top) != 1 || city.Top[0].County != "331181" || city.Top[0].Finance != 1500 {
			t.Errorf("the city with two counties, the largest one: %v %+v", err, city)
		}
		for county, want := range map[string]float64{"331122": 1000, "331181": 1500} {
			c, err := w.svc.LoopSummary(w.reg, 2025, county, 10)
			if err != nil || c.Projects != 1 || c.Finance != want || len(c.Top) != 1 || c.Top[0].County != county {
				t.Errorf("county %s: %v %+v", county, err, c)
			}
		}
	})
}
