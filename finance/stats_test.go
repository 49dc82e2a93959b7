package finance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"cifp"
)

func statF(v float64) *float64 { return &v }

func statDate(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// statClose compares floats to 1e-9 relative: the worked examples'
// fractions (0.6 − 0.5 = 0.09999999999999998) are exact only on paper.
func statClose(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// assertRows compares every field of every row, floats to 1e-9 and
// pointers by nil-ness and value; the coded notes by their English, which
// must be the row's Note.
func assertRows(t *testing.T, name string, got, want []Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n got %+v", name, len(got), len(want), got)
	}
	for i := range want {
		g, w := reflect.ValueOf(got[i]), reflect.ValueOf(want[i])
		for f := 0; f < g.NumField(); f++ {
			field := g.Type().Field(f).Name
			gv, wv := g.Field(f).Interface(), w.Field(f).Interface()
			ok := true
			switch wv := wv.(type) {
			case Notes:
				ok = gv.(Notes).English() == got[i].Note && (len(gv.(Notes)) == 0) == (got[i].Note == "")
			case float64:
				ok = statClose(gv.(float64), wv)
			case *float64:
				gp := gv.(*float64)
				ok = (gp == nil) == (wv == nil) && (gp == nil || statClose(*gp, *wv))
			default:
				ok = reflect.DeepEqual(gv, wv)
			}
			if !ok {
				t.Errorf("%s: row %d (key %q) %s = %s, want %s", name, i, want[i].Key, field, statShow(gv), statShow(wv))
			}
		}
	}
}

func statShow(v any) string {
	if p, ok := v.(*float64); ok {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

func TestAggregate(t *testing.T) {
	a := Loan{InstitutionID: 7, LoanID: "A", County: "331102", Sector: "energy", GreenClass: "3", Catalogue: "2021",
		ClimateType: ClimateMitigation, Amount: 1000, Balance: 600, AttributedTCO2: 30, StartDate: statDate("2023-03-15")}
	b := a // same cell, made this month
	b.LoanID, b.Amount, b.Balance, b.AttributedTCO2, b.StartDate = "B", 250, 250, 10, statDate("2025-12-31")
	c := a // made and repaid within the month: only its amount counts
	c.LoanID, c.Amount, c.Balance, c.AttributedTCO2, c.StartDate = "C", 90, 0, 5, statDate("2025-12-01")
	d := a // repaid long ago and still listed: adds nothing
	d.LoanID, d.Balance, d.StartDate = "D", 0, statDate("2020-01-01")
	e := Loan{InstitutionID: 3, LoanID: "E", County: "331181", Sector: "industry", Catalogue: "2021", ClimateType: ClimateNone,
		Amount: 500, Balance: 400, StartDate: statDate("2024-12-31")}
	f := e // same institution and county, green: sorts after the non-green cell
	f.LoanID, f.GreenClass = "F", "1"

	got, err := Aggregate("2025-12", []Loan{a, b, c, d, e, f})
	if err != nil {
		t.Fatal(err)
	}
	want := []Cell{
		{Month: "2025-12", InstitutionID: 3, County: "331181", Class: "", Catalogue: "2021", Sector: "industry", ClimateType: "none",
			Loans: 1, Balance: 400},
		{Month: "2025-12", InstitutionID: 3, County: "331181", Class: "1", Catalogue: "2021", Sector: "industry", ClimateType: "none",
			Green: true, Loans: 1, Balance: 400},
		// a + b + c: 2 outstanding loans, 600 + 250 = 850 balance, 30 + 10 = 40 tCO2;
		// new: b 250 + c 90 = 340 (a was made in 2023, d adds nothing).
		{Month: "2025-12", InstitutionID: 7, County: "331102", Class: "3", Catalogue: "2021", Sector: "energy", ClimateType: "mitigation",
			Green: true, Loans: 2, Balance: 850, NewLoans: 340, AttributedTCO2: 40},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Aggregate:\n got %+v\nwant %+v", got, want)
	}

	if cells, err := Aggregate("2025-12", nil); err != nil || cells != nil {
		t.Errorf("Aggregate(no loans) = %v, %v; want nil, nil", cells, err)
	}
	for _, m := range []string{"2025-13", "2025-1", "202512", "2025/12", ""} {
		if _, err := Aggregate(m, []Loan{a}); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("Aggregate(%q): error %v, want invalid", m, err)
		}
	}
}

// TestTableWorkedExample: one institution, two dates.
//
//	2024-12: green 800, all 4000      share 800/4000  = 0.20
//	2025-12: green 1000, all 4000     share 1000/4000 = 0.25
//	growth = (1000 − 800) / 800 = 0.25 (25 %)
//	share change = (0.25 − 0.20) × 100 = 5 pp
func TestTableWorkedExample(t *testing.T) {
	cells := []Cell{
		{Month: "2024-12", InstitutionID: 1, Class: "3", Catalogue: "2021", ClimateType: "mitigation", Green: true, Loans: 2, Balance: 800},
		{Month: "2024-12", InstitutionID: 1, ClimateType: "none", Loans: 5, Balance: 3200},
		{Month: "2025-12", InstitutionID: 1, Class: "3", Catalogue: "2021", ClimateType: "mitigation", Green: true, Loans: 3, Balance: 1000, NewLoans: 100, AttributedTCO2: 50},
		{Month: "2025-12", InstitutionID: 1, ClimateType: "none", Loans: 4, Balance: 3000},
	}
	for _, m := range []string{"2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11"} {
		cells = append(cells, Cell{Month: m, InstitutionID: 1, Class: "3", Catalogue: "2021", ClimateType: "mitigation", Green: true, Loans: 1, Balance: 900, NewLoans: 10})
	}
	got, err := Table(cells, "2025-12", ByTotal, Scopes{{From: "2019-01", Code: "pboc-2019-green-loan"}})
	if err != nil {
		t.Fatal(err)
	}
	// every month of 2025 has statistics: no note; new loans to date 11 × 10 + 100 = 210.
	assertRows(t, "total", got, []Row{{
		Key: "", Month: "2025-12", BaseMonth: "2024-12", Scope: "pboc-2019-green-loan", BaseScope: "pboc-2019-green-loan", Comparable: true,
		GreenBalance: 1000, GreenBalanceBase: 800, Growth: statF(0.25), AllBalance: 4000, AllBalanceBase: 4000,
		Share: statF(0.25), ShareBase: statF(0.20), ShareChangePP: statF(5),
		NewGreen: 100, NewGreenYTD: 210, YTDMonths: 12,
		ClimateBalance: 1000, Mitigation: 1000, AttributedTCO2: 50, GreenLoans: 3, ClimateLoans: 3, Loans: 7,
	}})
}

// The fixture: 13 loans of three institutions (101, 102, 103) reported at
// the month ends of December 2024, June 2025 and December 2025. Money in
// 万元. Catalogue "2021" is the green-bond catalogue of 2021 (classes 1
// 节能环保, 3 清洁能源, 4 生态环境, 5 基础设施绿色升级, 6 绿色服务), "2025" the
// green-finance catalogue of 2025 (4 能源绿色低碳转型, 9 绿色消费).
//
//	loan inst county  class   sector      climate     amount start       2024-12    2025-06    2025-12   (balance / tCO2)
//	L1   101  331102  2021/3  energy      mitigation  1000   2023-03-15  700/350    650/325    600/300
//	L2   101  331102  2021/1  industry    mitigation   500   2024-12-10  500/125    450/110    400/100   new in 2024-12
//	L3   101  331102  —       industry    none        3000   2022-06-01  2000       1600       1200
//	L4   101  331122  2021/3  energy      mitigation  1000   2023-01-01  800/200    800/200    —         reclassified:
//	L4'  101  331122  2025/4  energy      mitigation                                          800/200   re-tagged at renewal in 2025-11
//	L13  101  331102  2021/6  innovation  mitigation   100   2025-06-02             0 (new)              made and repaid in June
//	L5   102  331122  2021/4  agriculture both         600   2020-05-01  400/120    —          —         matured 2025-05
//	L6   102  331122  —       agriculture adaptation   400   2025-06-20             400 (new)  400       non-green climate loan
//	L7   102  331122  2025/9  living      mitigation   400   2025-12-05                        400/40    new in 2025-12
//	L8   102  331122  —       industry    none        2000   2021-01-01  1600       1400       1200
//	L9   103  331181  2021/5  transport   both        2000   2024-01-10  1600/320   1500/300   1400/280
//	L10  103  331181  —       building    none        3000   2019-03-01  2400       2300       2200
//	L11  103  331181  2025/4  energy      mitigation  1000   2025-11-20                        1000/500  made in November: no snapshot
//	L12  103  331181  2021/1  industry    mitigation   500   2025-06-03             500/90 (new) 400/80
func statFixture() map[string][]Loan {
	mk := func(inst int64, id, county, class, cat, sector, climate string, amount float64, start string) Loan {
		return Loan{InstitutionID: inst, LoanID: id, County: county, GreenClass: class, Catalogue: cat, Sector: sector,
			ClimateType: climate, Amount: amount, StartDate: statDate(start)}
	}
	L1 := mk(101, "L1", "331102", "3", "2021", "energy", ClimateMitigation, 1000, "2023-03-15")
	L2 := mk(101, "L2", "331102", "1", "2021", "industry", ClimateMitigation, 500, "2024-12-10")
	L3 := mk(101, "L3", "331102", "", "2021", "industry", ClimateNone, 3000, "2022-06-01")
	L4 := mk(101, "L4", "331122", "3", "2021", "energy", ClimateMitigation, 1000, "2023-01-01")
	L4r := L4
	L4r.GreenClass, L4r.Catalogue = "4", "2025"
	L13 := mk(101, "L13", "331102", "6", "2021", "innovation", ClimateMitigation, 100, "2025-06-02")
	L5 := mk(102, "L5", "331122", "4", "2021", "agriculture", ClimateBoth, 600, "2020-05-01")
	L6 := mk(102, "L6", "331122", "", "2021", "agriculture", ClimateAdaptation, 400, "2025-06-20")
	L7 := mk(102, "L7", "331122", "9", "2025", "living", ClimateMitigation, 400, "2025-12-05")
	L8 := mk(102, "L8", "331122", "", "2021", "industry", ClimateNone, 2000, "2021-01-01")
	L9 := mk(103, "L9", "331181", "5", "2021", "transport", ClimateBoth, 2000, "2024-01-10")
	L10 := mk(103, "L10", "331181", "", "2021", "building", ClimateNone, 3000, "2019-03-01")
	L11 := mk(103, "L11", "331181", "4", "2025", "energy", ClimateMitigation, 1000, "2025-11-20")
	L12 := mk(103, "L12", "331181", "1", "2021", "industry", ClimateMitigation, 500, "2025-06-03")
	at := func(l Loan, balance, tco2 float64) Loan {
		l.Balance, l.AttributedTCO2 = balance, tco2
		return l
	}
	return map[string][]Loan{
		"2024-12": {at(L1, 700, 350), at(L2, 500, 125), at(L3, 2000, 0), at(L4, 800, 200), at(L5, 400, 120), at(L8, 1600, 0),
			at(L9, 1600, 320), at(L10, 2400, 0)},
		"2025-06": {at(L1, 650, 325), at(L2, 450, 110), at(L3, 1600, 0), at(L4, 800, 200), at(L13, 0, 0), at(L6, 400, 0),
			at(L8, 1400, 0), at(L9, 1500, 300), at(L10, 2300, 0), at(L12, 500, 90)},
		"2025-12": {at(L1, 600, 300), at(L2, 400, 100), at(L3, 1200, 0), at(L4r, 800, 200), at(L6, 400, 0), at(L7, 400, 40),
			at(L8, 1200, 0), at(L9, 1400, 280), at(L10, 2200, 0), at(L11, 1000, 500), at(L12, 400, 80)},
	}
}

func statFixtureCells(t testing.TB) []Cell {
	var cells []Cell
	for _, m := range []string{"2024-12", "2025-06", "2025-12"} {
		c, err := Aggregate(m, statFixture()[m])
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, c...)
	}
	return cells
}

const statYTDNote = "new green loans of the year to date sum the 2 of 12 months that have statistics"

// statFixtureRow fills in what every December 2025 row of the fixture
// shares under one scope.
func statFixtureRow(r Row) Row {
	r.Month, r.BaseMonth, r.Scope, r.BaseScope = "2025-12", "2024-12", "pboc-2019-green-loan", "pboc-2019-green-loan"
	r.Comparable, r.Note, r.YTDMonths = true, statYTDNote, 2
	return r
}

var statOneScope = Scopes{{From: "2019-01", Code: "pboc-2019-green-loan"}}

// TestTableFixture: the statistics fixture gives exactly the expected
// tables for December 2025, in total, by institution and by class,
// including the reclassified loan L4, the matured L5 and the non-green
// adaptation loan L6; and a change of scope stops the comparison.
func TestTableFixture(t *testing.T) {
	cells := statFixtureCells(t)

	// Total.
	//   green 2025-12 = L1 600 + L2 400 + L4' 800 + L7 400 + L9 1400 + L11 1000 + L12 400 = 5000
	//   green 2024-12 = L1 700 + L2 500 + L4 800 + L5 400 + L9 1600                     = 4000
	//   growth = (5000 − 4000) / 4000 = 0.25
	//   all 2025-12 = 5000 + L3 1200 + L6 400 + L8 1200 + L10 2200 = 10000 → share 0.5
	//   all 2024-12 = 4000 + L3 2000 + L8 1600 + L10 2400          = 10000 → share 0.4
	//   share change = (0.5 − 0.4) × 100 = 10 pp
	//   new green in 2025-12 = L7 400 (L11 was made in November, a month without statistics)
	//   year to date = June (L13 100 + L12 500) + December 400 = 1000, from 2 of 12 months
	//   climate = mitigation (L1 600 + L2 400 + L4' 800 + L7 400 + L11 1000 + L12 400 = 3600)
	//           + adaptation (L6 400, not green) + both (L9 1400) = 5400
	//   tCO2 of green loans = 300 + 100 + 200 + 40 + 280 + 500 + 80 = 1500
	//   loans: green 7, climate 7 + L6 = 8, all 7 + L3, L6, L8, L10 = 11
	got, err := Table(cells, "2025-12", ByTotal, statOneScope)
	if err != nil {
		t.Fatal(err)
	}
	total := statFixtureRow(Row{Key: "",
		GreenBalance: 5000, GreenBalanceBase: 4000, Growth: statF(0.25), AllBalance: 10000, AllBalanceBase: 10000,
		Share: statF(0.5), ShareBase: statF(0.4), ShareChangePP: statF(10), NewGreen: 400, NewGreenYTD: 1000,
		ClimateBalance: 5400, Mitigation: 3600, Adaptation: 400, Both: 1400, AttributedTCO2: 1500,
		GreenLoans: 7, ClimateLoans: 8, Loans: 11})
	assertRows(t, "total", got, []Row{total})

	// By institution.
	//   101: green 600 + 400 + 800 = 1800 (2024: 700 + 500 + 800 = 2000), growth −200 / 2000 = −0.10;
	//        all 1800 + L3 1200 = 3000 (2024: 2000 + 2000 = 4000), share 0.6 vs 0.5, +10 pp;
	//        year to date L13 100 (June); climate = mitigation 1800; tCO2 300 + 100 + 200 = 600.
	//   102: green L7 400 (2024: L5 400), growth 0; all 400 + L6 400 + L8 1200 = 2000 (2024: 400 + 1600),
	//        share 0.2 vs 0.2, 0 pp; new L7 400; climate mitigation 400 + adaptation 400 = 800; tCO2 40.
	//   103: green 1400 + 1000 + 400 = 2800 (2024: 1600), growth 1200 / 1600 = 0.75; all 2800 + 2200 = 5000
	//        (2024: 1600 + 2400 = 4000), share 0.56 vs 0.4, +16 pp; year to date L12 500 (June);
	//        climate = mitigation 1400 + both 1400; tCO2 280 + 500 + 80 = 860.
	got, err = Table(cells, "2025-12", ByInstitution, statOneScope)
	if err != nil {
		t.Fatal(err)
	}
	byInst := []Row{
		statFixtureRow(Row{Key: "101", GreenBalance: 1800, GreenBalanceBase: 2000, Growth: statF(-0.10), AllBalance: 3000, AllBalanceBase: 4000,
			Share: statF(0.6), ShareBase: statF(0.5), ShareChangePP: statF(10), NewGreen: 0, NewGreenYTD: 100,
			ClimateBalance: 1800, Mitigation: 1800, AttributedTCO2: 600, GreenLoans: 3, ClimateLoans: 3, Loans: 4}),
		statFixtureRow(Row{Key: "102", GreenBalance: 400, GreenBalanceBase: 400, Growth: statF(0), AllBalance: 2000, AllBalanceBase: 2000,
			Share: statF(0.2), ShareBase: statF(0.2), ShareChangePP: statF(0), NewGreen: 400, NewGreenYTD: 400,
			ClimateBalance: 800, Mitigation: 400, Adaptation: 400, AttributedTCO2: 40, GreenLoans: 1, ClimateLoans: 2, Loans: 3}),
		statFixtureRow(Row{Key: "103", GreenBalance: 2800, GreenBalanceBase: 1600, Growth: statF(0.75), AllBalance: 5000, AllBalanceBase: 4000,
			Share: statF(0.56), ShareBase: statF(0.4), ShareChangePP: statF(16), NewGreen: 0, NewGreenYTD: 500,
			ClimateBalance: 2800, Mitigation: 1400, Both: 1400, AttributedTCO2: 860, GreenLoans: 3, ClimateLoans: 3, Loans: 4}),
	}
	assertRows(t, "by institution", got, byInst)

	// By class (key catalogue/class; the whole book's 10000 is every row's denominator).
	//   ""       not green: L3 1200, L6 400, L8 1200, L10 2200 — growth of a zero base: nil; share 0, 0 pp;
	//            climate: L6 adaptation 400.
	//   2021/1   L2 400 + L12 400 = 800 (2024: L2 500), growth 300 / 500 = 0.6; share 0.08 vs 0.05, +3 pp;
	//            year to date L12 500; tCO2 100 + 80 = 180.
	//   2021/3   L1 600 (2024: L1 700 + L4 800 = 1500): growth −900 / 1500 = −0.6, because L4 moved to 2025/4;
	//            share 0.06 vs 0.15, −9 pp; tCO2 300.
	//   2021/4   — (2024: L5 400): growth −1; share 0 vs 0.04, −4 pp (L5 matured).
	//   2021/5   L9 1400 (2024: 1600), growth −0.125; share 0.14 vs 0.16, −2 pp; climate both 1400; tCO2 280.
	//   2021/6   only L13's 100 made in June: year to date 100; no balance at either date.
	//   2025/4   L4' 800 + L11 1000 = 1800 (2024: none), growth nil; share 0.18 vs 0, +18 pp; tCO2 200 + 500 = 700.
	//   2025/9   L7 400 (new), growth nil; share 0.04 vs 0, +4 pp; tCO2 40.
	//   The classes' share changes add up to the total's: 0 + 3 − 9 − 4 − 2 + 0 + 18 + 4 = 10 pp.
	got, err = Table(cells, "2025-12", ByClass, statOneScope)
	if err != nil {
		t.Fatal(err)
	}
	cls := func(r Row) Row {
		r.AllBalance, r.AllBalanceBase = 10000, 10000
		return statFixtureRow(r)
	}
	byClass := []Row{
		cls(Row{Key: "", Share: statF(0), ShareBase: statF(0), ShareChangePP: statF(0),
			ClimateBalance: 400, Adaptation: 400, ClimateLoans: 1, Loans: 4}),
		cls(Row{Key: "2021/1", GreenBalance: 800, GreenBalanceBase: 500, Growth: statF(0.6),
			Share: statF(0.08), ShareBase: statF(0.05), ShareChangePP: statF(3), NewGreenYTD: 500,
			ClimateBalance: 800, Mitigation: 800, AttributedTCO2: 180, GreenLoans: 2, ClimateLoans: 2, Loans: 2}),
		cls(Row{Key: "2021/3", GreenBalance: 600, GreenBalanceBase: 1500, Growth: statF(-0.6),
			Share: statF(0.06), ShareBase: statF(0.15), ShareChangePP: statF(-9),
			ClimateBalance: 600, Mitigation: 600, AttributedTCO2: 300, GreenLoans: 1, ClimateLoans: 1, Loans: 1}),
		cls(Row{Key: "2021/4", GreenBalance: 0, GreenBalanceBase: 400, Growth: statF(-1),
			Share: statF(0), ShareBase: statF(0.04), ShareChangePP: statF(-4)}),
		cls(Row{Key: "2021/5", GreenBalance: 1400, GreenBalanceBase: 1600, Growth: statF(-0.125),
			Share: statF(0.14), ShareBase: statF(0.16), ShareChangePP: statF(-2),
			ClimateBalance: 1400, Both: 1400, AttributedTCO2: 280, GreenLoans: 1, ClimateLoans: 1, Loans: 1}),
		cls(Row{Key: "2021/6", Share: statF(0), ShareBase: statF(0), ShareChangePP: statF(0), NewGreenYTD: 100}),
		cls(Row{Key: "2025/4", GreenBalance: 1800, Share: statF(0.18), ShareBase: statF(0), ShareChangePP: statF(18),
			ClimateBalance: 1800, Mitigation: 1800, AttributedTCO2: 700, GreenLoans: 2, ClimateLoans: 2, Loans: 2}),
		cls(Row{Key: "2025/9", GreenBalance: 400, Share: statF(0.04), ShareBase: statF(0), ShareChangePP: statF(4),
			NewGreen: 400, NewGreenYTD: 400, ClimateBalance: 400, Mitigation: 400, AttributedTCO2: 40,
			GreenLoans: 1, ClimateLoans: 1, Loans: 1}),
	}
	assertRows(t, "by class", got, byClass)

	// The same December 2025 under the 2025 catalogue's scope from October
	// 2025: balances, shares and flows stand; growth and share changes are
	// not computed, and the note says why.
	scopes := Scopes{
		{From: "2025-10", Code: "pboc-2025-green-finance-catalogue", Note: "new loans classified under the 2025 catalogue"},
		{From: "", Code: "pboc-2019-green-loan"},
	}
	noteChanged := "the statistical scope (统计口径) changed between 2024-12 (pboc-2019-green-loan) and 2025-12 " +
		"(pboc-2025-green-finance-catalogue): growth and share change are not computed across it — " +
		"new loans classified under the 2025 catalogue; " + statYTDNote
	rescope := func(rows []Row) []Row {
		out := make([]Row, len(rows))
		for i, r := range rows {
			r.Scope, r.Comparable, r.Note, r.Growth, r.ShareChangePP = "pboc-2025-green-finance-catalogue", false, noteChanged, nil, nil
			out[i] = r
		}
		return out
	}
	for _, c := range []struct {
		by   Dimension
		want []Row
	}{{ByTotal, []Row{total}}, {ByInstitution, byInst}, {ByClass, byClass}} {
		got, err := Table(cells, "2025-12", c.by, scopes)
		if err != nil {
			t.Fatal(err)
		}
		assertRows(t, "scope change by "+string(c.by), got, rescope(c.want))
	}
}

func TestTableEdges(t *testing.T) {
	// No cells at all: one total row of zeros that says so; no rows by a dimension.
	got, err := Table(nil, "2025-12", ByTotal, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "empty", got, []Row{{Key: "", Month: "2025-12", BaseMonth: "2024-12",
		Note: "no statistics for 2025-12; no statistics for 2024-12: no year-on-year comparison"}})
	if got, err := Table(nil, "2025-12", ByCounty, nil); err != nil || len(got) != 0 {
		t.Errorf("Table(no cells, by county) = %v, %v; want no rows", got, err)
	}

	// Zero base: county 331127 had no loans a year earlier; 331102 had loans
	// but no green ones. Growth is nil for both; the share change is nil
	// where there was no book to take a share of.
	//   331102: share 100 / 1000 = 0.1 vs 0 / 500 = 0 → +10 pp
	//   331127: share 50 / 200 = 0.25, no base share
	cells := []Cell{
		{Month: "2024-12", County: "331102", ClimateType: "none", Loans: 1, Balance: 500},
		{Month: "2025-12", County: "331102", Class: "1", Catalogue: "2021", ClimateType: "mitigation", Green: true, Loans: 1, Balance: 100},
		{Month: "2025-12", County: "331102", ClimateType: "none", Loans: 2, Balance: 900},
		{Month: "2025-12", County: "331127", Class: "4", Catalogue: "2025", ClimateType: "adaptation", Green: true, Loans: 1, Balance: 50},
		{Month: "2025-12", County: "331127", ClimateType: "none", Loans: 1, Balance: 150},
	}
	got, err = Table(cells, "2025-12", ByCounty, nil)
	if err != nil {
		t.Fatal(err)
	}
	note := "new green loans of the year to date sum the 1 of 12 months that have statistics"
	assertRows(t, "zero base", got, []Row{
		{Key: "331102", Month: "2025-12", BaseMonth: "2024-12", Comparable: true, Note: note, YTDMonths: 1,
			GreenBalance: 100, AllBalance: 1000, AllBalanceBase: 500, Share: statF(0.1), ShareBase: statF(0), ShareChangePP: statF(10),
			ClimateBalance: 100, Mitigation: 100, GreenLoans: 1, ClimateLoans: 1, Loans: 3},
		{Key: "331127", Month: "2025-12", BaseMonth: "2024-12", Comparable: true, Note: note, YTDMonths: 1,
			GreenBalance: 50, AllBalance: 200, Share: statF(0.25),
			ClimateBalance: 50, Adaptation: 50, GreenLoans: 1, ClimateLoans: 1, Loans: 2},
	})

	for _, c := range []struct {
		name string
		err  func() error
	}{
		{"unknown dimension", func() error { _, err := Table(cells, "2025-12", "bank", nil); return err }},
		{"bad month", func() error { _, err := Table(cells, "2025-00", ByTotal, nil); return err }},
		{"bad cell month", func() error { _, err := Table([]Cell{{Month: "Dec 2025"}}, "2025-12", ByTotal, nil); return err }},
		{"bad scope", func() error {
			_, err := Table(cells, "2025-12", ByTotal, Scopes{{From: "2025", Code: "x"}})
			return err
		}},
		{"series backwards", func() error { _, err := Series(cells, "2025-12", "2025-01", ByTotal, nil); return err }},
		{"series too long", func() error { _, err := Series(cells, "1900-01", "2025-01", ByTotal, nil); return err }},
		{"series bad dimension", func() error { _, err := Series(cells, "2025-01", "2025-12", "bank", nil); return err }},
	} {
		if err := c.err(); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("%s: error %v, want invalid", c.name, err)
		}
	}
}

func TestScopesAt(t *testing.T) {
	s := Scopes{{From: "2025-10", Code: "b"}, {From: "", Code: "a"}, {From: "2030-01", Code: "c"}}
	for month, want := range map[string]string{"2019-01": "a", "2025-09": "a", "2025-10": "b", "2029-12": "b", "2030-01": "c"} {
		if got := s.At(month).Code; got != want {
			t.Errorf("At(%s) = %q, want %q", month, got, want)
		}
	}
	if got := (Scopes{{From: "2025-10", Code: "b"}}).At("2025-09"); got != (Scope{}) {
		t.Errorf("before the first scope: %+v, want none", got)
	}
}

// TestSeries: the fixture month by month from June to December 2025 gives
// one total row a month; December's is Table's, the months without
// statistics say so, and June has no base a year earlier.
func TestSeries(t *testing.T) {
	cells := statFixtureCells(t)
	rows, err := Series(cells, "2025-06", "2025-12", ByTotal, statOneScope)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	dec, _ := Table(cells, "2025-12", ByTotal, statOneScope)
	assertRows(t, "December", rows[6:], dec)

	// June 2025: green L1 650 + L2 450 + L4 800 + L9 1500 + L12 500 = 3900; all 3900 + L3 1600 + L6 400 +
	// L8 1400 + L10 2300 = 9600, share 3900 / 9600 = 0.40625; new green L13 100 + L12 500 = 600; no June 2024.
	assertRows(t, "June", rows[:1], []Row{{Key: "", Month: "2025-06", BaseMonth: "2024-06",
		Scope: "pboc-2019-green-loan", BaseScope: "pboc-2019-green-loan",
		Note:         "no statistics for 2024-06: no year-on-year comparison; new green loans of the year to date sum the 1 of 6 months that have statistics",
		GreenBalance: 3900, AllBalance: 9600, Share: statF(0.40625), NewGreen: 600, NewGreenYTD: 600, YTDMonths: 1,
		ClimateBalance: 4300, Mitigation: 2400, Adaptation: 400, Both: 1500, AttributedTCO2: 1025,
		GreenLoans: 5, ClimateLoans: 6, Loans: 9}})
	// July has no snapshot: no balances, but the year to date still holds June's 600.
	if r := rows[1]; r.Month != "2025-07" || r.GreenBalance != 0 || r.NewGreenYTD != 600 ||
		r.Note != "no statistics for 2025-07; no statistics for 2024-07: no year-on-year comparison" {
		t.Errorf("July: %+v", r)
	}

	// By institution: the three institutions in every month, since each has June cells in the
	// year to date.
	rows, err = Series(cells, "2025-06", "2025-12", ByInstitution, statOneScope)
	if err != nil {
		t.Fatal(err)
	}
	var months, want []string
	for _, r := range rows {
		months = append(months, r.Month+":"+r.Key)
	}
	for m := 6; m <= 12; m++ {
		for _, k := range []string{"101", "102", "103"} {
			want = append(want, fmt.Sprintf("2025-%02d:%s", m, k))
		}
	}
	if !reflect.DeepEqual(months, want) {
		t.Errorf("by institution: %v, want %v", months, want)
	}
}

// statSynthetic makes n loans drawn at random (fixed seed) over 30
// institutions, the 9 counties, the 7 sectors, the climate types and both
// catalogues' classes, a third of them green: some 20 000 cells a month.
func statSynthetic(n int) []Loan {
	counties := []string{"331102", "331121", "331122", "331123", "331124", "331125", "331126", "331127", "331181"}
	sectors := []string{"energy", "industry", "transport", "building", "agriculture", "living", "innovation"}
	climates := []string{ClimateMitigation, ClimateAdaptation, ClimateBoth, ClimateNone}
	classes := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}
	rng := rand.New(rand.NewPCG(1, 2))
	loans := make([]Loan, n)
	for i := range loans {
		l := &loans[i]
		l.InstitutionID = int64(rng.IntN(30) + 1)
		l.LoanID = strconv.Itoa(i)
		l.County = counties[rng.IntN(len(counties))]
		l.Sector = sectors[rng.IntN(len(sectors))]
		l.Catalogue = "2021"
		l.ClimateType = ClimateNone
		if rng.IntN(3) == 0 {
			l.GreenClass = classes[rng.IntN(6)]
			if rng.IntN(5) == 0 {
				l.Catalogue, l.GreenClass = "2025", classes[rng.IntN(9)]
			}
			l.ClimateType = climates[rng.IntN(4)]
		} else if rng.IntN(10) == 0 {
			l.ClimateType = ClimateAdaptation
		}
		l.Amount = float64(rng.IntN(10000) + 10)
		l.Balance = l.Amount * rng.Float64()
		l.AttributedTCO2 = float64(rng.IntN(100))
		l.StartDate = time.Date(2015+rng.IntN(11), time.Month(rng.IntN(12)+1), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	}
	return loans
}

// BenchmarkAggregate: one month-end snapshot of 1,000,000 loans.
func BenchmarkAggregate(b *testing.B) {
	loans := statSynthetic(1_000_000)
	var cells []Cell
	for b.Loop() {
		var err error
		if cells, err = Aggregate("2025-12", loans); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cells)), "cells")
}

// BenchmarkTable: a year of the synthetic book (12 snapshots of 1,000,000
// loans aggregated) broken down by institution.
func BenchmarkTable(b *testing.B) {
	loans := statSynthetic(1_000_000)
	var cells []Cell
	for m := 1; m <= 12; m++ {
		c, err := Aggregate(fmt.Sprintf("2025-%02d", m), loans)
		if err != nil {
			b.Fatal(err)
		}
		cells = append(cells, c...)
	}
	c, _ := Aggregate("2024-12", loans)
	cells = append(cells, c...)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Table(cells, "2025-12", ByInstitution, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cells)), "cells")
}
