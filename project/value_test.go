package project

import (
	"math"
	"testing"
)

func TestNPVAndIRRWorkedExample(t *testing.T) {
	// −1 000 now, then 300 a year for 5 years, at 8 %: the annuity factor
	// (1 − 1.08⁻⁵) ÷ 0.08 = 3.992710, so NPV = 300 × 3.992710 − 1 000 = 197.813.
	flows := []float64{-1000, 300, 300, 300, 300, 300}
	near(t, "NPV", NPV(0.08, flows), 197.8130, 1e-3)
	// IRR: 300 × AF(r) = 1 000 → r = 15.2382 % (AF(0.152382) = 3.33333).
	r, ok := IRR(flows)
	if !ok {
		t.Fatal("no IRR")
	}
	near(t, "IRR", r, 0.152382, 1e-6)
	near(t, "NPV at IRR", NPV(r, flows), 0, 1e-6)
	// Flows that never turn positive have no IRR.
	if _, ok := IRR([]float64{-1000, -10, -10}); ok {
		t.Error("IRR of all-negative flows should not exist")
	}
	if _, ok := IRR([]float64{100, 10}); ok {
		t.Error("IRR of flows that start positive should not exist")
	}
}

func TestAssessWorkedExample(t *testing.T) {
	// A 1 000 万元 project earning 400 and costing 100 a year for 5 years,
	// reducing 2 000 tCO2 a year, at 100 元/t and 8 %, with co-benefits of 10 万元 a year:
	// NPV = 300 × 3.992710 − 1 000 = 197.813; carbon 2 000 × 100 ÷ 10 000 = 20 万元 a year
	// → PV 79.854; co-benefits 10 × 3.992710 = 39.927; total 317.594 万元.
	// Cost per tonne = 1 000 × 10 000 ÷ (2 000 × 5) = 1 000 元/t.
	a := Assess(Economics{Investment: 1000, Revenue: 400, Opex: 100, Lifetime: 5, CoBenefit: 10, AnnualTCO2: 2000, CarbonPrice: 100, DiscountRate: 0.08})
	near(t, "NPV", a.NPV, 197.813, 1e-3)
	near(t, "carbon value", a.CarbonValue, 79.854, 1e-3)
	near(t, "co-benefits", a.CoBenefits, 39.927, 1e-3)
	near(t, "total", a.Total, 317.594, 1e-3)
	near(t, "cost per tonne", *a.CostPerTonne, 1000, 1e-9)
	near(t, "IRR", *a.IRR, 0.152382, 1e-6)
	// With carbon revenue the flows are 320 a year: 320 × AF(r) = 1 000 → r = 18.0307 % (AF = 3.125).
	near(t, "IRR with carbon", *a.IRRWithCarbon, 0.180307, 1e-5)
	if math.IsNaN(a.Total) {
		t.Fatal("NaN")
	}
	// No reductions: no cost per tonne.
	if b := Assess(Economics{Investment: 10, Lifetime: 5, DiscountRate: 0.08}); b.CostPerTonne != nil || b.IRR != nil {
		t.Errorf("cost per tonne and IRR should be absent: %+v", b)
	}
}

func TestRank(t *testing.T) {
	type row struct {
		name string
		a    Assessment
		red  float64
	}
	irr := func(v float64) *float64 { return &v }
	rows := []row{
		{"a", Assessment{Total: 5, NPV: 1, CostPerTonne: irr(300)}, 10},
		{"b", Assessment{Total: 9, NPV: -1, IRR: irr(0.1), CostPerTonne: irr(100)}, 30},
		{"c", Assessment{Total: 7, NPV: 3, IRR: irr(0.2)}, 20},
	}
	of := func(r row) (Assessment, float64) { return r.a, r.red }
	for key, want := range map[string]string{"total": "bca", "npv": "cab", "irr": "cba", "reduction": "bca", "cost": "bac"} {
		if err := Rank(rows, key, of); err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, r := range rows {
			got += r.name
		}
		if got != want {
			t.Errorf("rank by %s = %s, want %s", key, got, want)
		}
	}
	if err := Rank(rows, "luck", of); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestValueParams(t *testing.T) {
	v := DefaultValueParams()
	if v.Discount != 0.08 {
		t.Errorf("social discount rate = %g, want 0.08", v.Discount)
	}
	for _, code := range []string{"low", "central", "high"} {
		if s, ok := v.Scenario(code); !ok || s.Price <= 0 || s.Source == "" {
			t.Errorf("scenario %s: %+v", code, s)
		}
	}
}
