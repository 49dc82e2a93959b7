package finance

import (
	"math"
	"testing"

	"cifp"
)

// TestSliceWorkedExample narrows a hand-made book of two institutions and
// two counties and checks the figures by hand.
//
// 2025-12 (万元):                           2024-12:
//
//	bank 1, 331102, 2025/3 mitigation  600      bank 1, 331102, 2025/3  400
//	bank 1, 331102, not green          400      bank 1, 331102, none    600
//	bank 1, 331121, 2025/5 adaptation  300
//	bank 2, 331102, 2025/5 adaptation  200
//	bank 2, 331102, not green          800
//
// County 331102: green 600+200 = 800 of 2000 (40 %); a year before 400 of
// 1000 (40 %): growth (800−400)/400 = 100 %, share change 0 pp.
// Class 2025/3: green 600 of all 2300 (600/2300 = 26.087 %); a year
// before 400 of 1000: growth 50 %; climate balance 600 (the mitigation
// loan only; the adaptation loans of class 2025/5 are not the class's).
// County 331102 and bank 2: green 200 of 1000 (20 %), no base: no growth.
func TestSliceWorkedExample(t *testing.T) {
	cell := func(month string, bank int64, county, catalogue, class, climate string, bal float64) Cell {
		return Cell{Month: month, InstitutionID: bank, County: county, Catalogue: catalogue, Class: class, Green: class != "",
			Sector: "energy", ClimateType: climate, Loans: 1, Balance: bal}
	}
	cells := []Cell{
		cell("2025-12", 1, "331102", "2025", "3", "mitigation", 600),
		cell("2025-12", 1, "331102", "", "", "none", 400),
		cell("2025-12", 1, "331121", "2025", "5", "adaptation", 300),
		cell("2025-12", 2, "331102", "2025", "5", "adaptation", 200),
		cell("2025-12", 2, "331102", "", "", "none", 800),
		cell("2024-12", 1, "331102", "2025", "3", "mitigation", 400),
		cell("2024-12", 1, "331102", "", "", "none", 600),
	}
	near := func(t *testing.T, what string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %g", what, got, want)
		}
	}
	total := func(t *testing.T, f Slice) Row {
		t.Helper()
		rows, err := Table(f.Apply(cells), "2025-12", ByTotal, statOneScope)
		if err != nil {
			t.Fatal(err)
		}
		return rows[0]
	}
	t.Run("county", func(t *testing.T) {
		r := total(t, Slice{County: "331102"})
		if r.GreenBalance != 800 || r.AllBalance != 2000 || r.GreenBalanceBase != 400 {
			t.Errorf("%+v", r)
		}
		near(t, "growth", r.Growth, 1)
		near(t, "share", r.Share, 0.4)
		near(t, "share change", r.ShareChangePP, 0)
	})
	t.Run("class", func(t *testing.T) {
		r := total(t, Slice{Class: "2025/3"})
		if r.GreenBalance != 600 || r.AllBalance != 2300 || r.ClimateBalance != 600 || r.Adaptation != 0 || r.GreenLoans != 1 || r.Loans != 5 {
			t.Errorf("%+v", r)
		}
		near(t, "growth", r.Growth, 0.5)
		near(t, "share", r.Share, 600.0/2300)
	})
	t.Run("county and institution", func(t *testing.T) {
		r := total(t, Slice{County: "331102", Institution: 2})
		if r.GreenBalance != 200 || r.AllBalance != 1000 || r.Growth != nil {
			t.Errorf("%+v", r)
		}
		near(t, "share", r.Share, 0.2)
	})
	t.Run("whole", func(t *testing.T) {
		if got := (Slice{}).Apply(cells); len(got) != len(cells) {
			t.Errorf("the zero slice kept %d of %d cells", len(got), len(cells))
		}
	})
	t.Run("bad", func(t *testing.T) {
		for _, c := range []struct {
			f     Slice
			field string
		}{{Slice{County: "3311"}, "county"}, {Slice{Class: "3"}, "class"}, {Slice{Sector: "mining"}, "sector"}, {Slice{Institution: -1}, "institution"}} {
			err := c.f.Check()
			if fe := cifp.ErrorFields(err); len(fe) != 1 || fe[0].Field != c.field {
				t.Errorf("%+v: %v %v", c.f, err, fe)
			}
		}
		if err := (Slice{County: "331102", Class: "2025/3", Sector: "living", Institution: 4}).Check(); err != nil {
			t.Error(err)
		}
	})
}
