package project

import (
	"math"
	"strings"
	"testing"

	"cifp"
	"cifp/carbon"
)

// The worked examples below were computed by hand from the factor tables
// (carbon/data, GB/T 32150-2015 defaults; MEE grid factors) and this
// package's data files; each comment shows the arithmetic.

// Screened in 2026, a Zhejiang project's default grid factor is the latest
// published of provincial → regional → national: 2023, whose provincial
// factor is not published, so the East China regional 0.5500 tCO2/MWh.
const screenYear = 2026

func estimate(t *testing.T, method string, in map[string]string) Estimate {
	t.Helper()
	m, ok := MethodByCode(method)
	if !ok {
		t.Fatalf("no method %s", method)
	}
	e, err := m.Estimate(carbon.DefaultFactors(), DefaultParams(), in, "330000", screenYear)
	if err != nil {
		t.Fatalf("%s: %v %v", method, err, cifp.ErrorFields(err))
	}
	return e
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", what, got, want, tol)
	}
}

func TestGridRenewableAndTheGridFactorChoice(t *testing.T) {
	// 20 000 MWh of solar power to the grid.
	for _, c := range []struct {
		kind   string
		factor float64
		want   float64
		source string
	}{
		{"", 0.5500, 11000, "regional east_china 2023"},         // 20 000 × 0.5500
		{"provincial", 0.5153, 10306, "provincial 330000 2022"}, // 20 000 × 0.5153 (Zhejiang's latest, 2022)
		{"national", 0.5306, 10612, "national CN 2023"},         // 20 000 × 0.5306
		{"national_fossil", 0.8273, 16546, "national_fossil CN 2023"},
	} {
		e := estimate(t, "grid_renewable", map[string]string{"generation_mwh": "20000", "grid_kind": c.kind})
		near(t, "solar "+c.kind, e.Annual, c.want, 1e-6)
		if len(e.Lines) != 1 || e.Lines[0].Factor != c.factor || !strings.HasPrefix(e.Lines[0].Source, c.source) {
			t.Errorf("%s: lines %+v, want factor %g from %s", c.kind, e.Lines, c.factor, c.source)
		}
		if e.FactorSet != carbon.DefaultFactors().ID || e.Params != DefaultParams().ID || e.Method != "grid_renewable" {
			t.Errorf("estimate does not carry its versions: %+v", e)
		}
	}
}

func TestEfficiencyRetrofit(t *testing.T) {
	// 1 000 MWh × 0.5500 = 550; bituminous coal 500 t × (19.570 GJ/t × 0.0261 tC/GJ × 0.93 × 44/12
	// = 1.741750 tCO2/t) = 870.8748; total 1 420.8748 tCO2.
	e := estimate(t, "efficiency", map[string]string{"electricity_saved_mwh": "1000", "fuel": "bituminous_coal", "fuel_saved": "500"})
	near(t, "efficiency", e.Annual, 1420.8748, 1e-3)
	near(t, "coal factor", e.Lines[1].Factor, 1.741750, 1e-6)
	// Electricity alone.
	near(t, "electricity only", estimate(t, "efficiency", map[string]string{"electricity_saved_mwh": "1000"}).Annual, 550, 1e-9)
}

func TestFuelSwitch(t *testing.T) {
	// Coal to gas: 1 000 t bituminous coal × 1.741750 = 1 741.750;
	// minus 60 ×10⁴ Nm³ natural gas × (389.31 × 0.0153 × 0.99 × 44/12 = 21.621889) = 1 297.3133;
	// minus 100 MWh more electricity × 0.5500 = 55; reduction 389.4366 tCO2.
	e := estimate(t, "fuel_switch", map[string]string{"baseline_fuel": "bituminous_coal", "baseline_quantity": "1000",
		"new_fuel": "natural_gas", "new_quantity": "60", "new_electricity_mwh": "100"})
	near(t, "fuel switch", e.Annual, 389.4366, 1e-3)
	if len(e.Lines) != 3 || e.Lines[1].TCO2 >= 0 || math.Abs(e.Lines[2].TCO2+55) > 1e-9 {
		t.Errorf("project emissions must be negative terms: %+v", e.Lines)
	}
}

func TestBuildingEnergySaving(t *testing.T) {
	// 10 000 m² × (120 − 80) kWh/m²·a ÷ 1000 = 400 MWh × 0.5500 = 220 tCO2.
	e := estimate(t, "building", map[string]string{"floor_area_m2": "10000", "baseline_kwh_m2": "120", "design_kwh_m2": "80"})
	near(t, "building", e.Annual, 220, 1e-9)
}

func TestElectricBuses(t *testing.T) {
	// 20 buses × 60 000 km = 1 200 000 km; diesel 30 L/100 km → 360 000 L = 360 m³ × 0.84 t/m³ = 302.4 t
	// × (42.652 × 0.0202 × 0.98 × 44/12 = 3.095910) = 936.2031; electricity 1.0 kWh/km → 1 200 MWh
	// × 0.5500 = 660; reduction 276.2031 tCO2.
	e := estimate(t, "ev_bus", map[string]string{"buses": "20", "km_per_bus": "60000", "diesel_l_100km": "30", "kwh_100km": "100"})
	near(t, "buses", e.Annual, 276.2031, 1e-3)
	near(t, "diesel avoided (t)", e.Lines[0].Quantity, 302.4, 1e-9)
}

func TestForestSink(t *testing.T) {
	// Chinese fir, 100 ha growing 10 m³/ha·a: 10 × 0.307 × 1.634 × (1 + 0.246) × 0.520 × 44/12
	// = 11.917447 tCO2/ha·a; × 100 ha = 1 191.7447 tCO2.
	e := estimate(t, "forest", map[string]string{"species": "cunninghamia", "area_ha": "100", "increment_m3_ha": "10"})
	near(t, "forest", e.Annual, 1191.7447, 1e-3)
	near(t, "rate", e.Lines[0].Factor, 11.917447, 1e-5)
}

func TestMethaneCapture(t *testing.T) {
	// 1 000 000 Nm³ of biogas × 0.55 CH4 × 0.000716 t/Nm³ × 0.9 destroyed = 354.42 t CH4 × GWP 28 = 9 923.76;
	// plus 1 500 MWh generated × 0.5500 = 825; reduction 10 748.76 tCO2e.
	e := estimate(t, "methane", map[string]string{"biogas_nm3": "1000000", "methane_fraction": "0.55", "destruction": "0.9", "power_mwh": "1500"})
	near(t, "methane", e.Annual, 10748.76, 1e-6)
	near(t, "CH4 destroyed", e.Lines[0].Quantity, 354.42, 1e-9)
}

func TestEstimateNamesBadInputs(t *testing.T) {
	for _, c := range []struct {
		method string
		in     map[string]string
		field  string
	}{
		{"grid_renewable", map[string]string{}, "technical.generation_mwh"},
		{"grid_renewable", map[string]string{"generation_mwh": "-5"}, "technical.generation_mwh"},
		{"grid_renewable", map[string]string{"generation_mwh": "abc"}, "technical.generation_mwh"},
		{"grid_renewable", map[string]string{"generation_mwh": "100", "grid_kind": "martian"}, "technical.grid_kind"},
		{"efficiency", map[string]string{}, "technical.electricity_saved_mwh"},
		{"efficiency", map[string]string{"fuel": "unobtainium", "fuel_saved": "3"}, "technical.fuel"},
		{"building", map[string]string{"floor_area_m2": "100", "baseline_kwh_m2": "50", "design_kwh_m2": "60"}, "technical.design_kwh_m2"},
		{"forest", map[string]string{"species": "baobab", "area_ha": "1", "increment_m3_ha": "1"}, "technical.species"},
		{"methane", map[string]string{"biogas_nm3": "10", "methane_fraction": "1.5", "destruction": "0.9"}, "technical.methane_fraction"},
	} {
		m, _ := MethodByCode(c.method)
		_, err := m.Estimate(carbon.DefaultFactors(), DefaultParams(), c.in, "330000", screenYear)
		found := false
		for _, f := range cifp.ErrorFields(err) {
			found = found || f.Field == c.field
		}
		if cifp.ErrorCode(err) != cifp.EINVALID || !found {
			t.Errorf("%s %v: got %v %v, want EINVALID naming %s", c.method, c.in, err, cifp.ErrorFields(err), c.field)
		}
	}
}

func TestEveryCategoryMethodExists(t *testing.T) {
	tax := DefaultTaxonomy()
	seen := map[string]bool{}
	for _, c := range tax.Categories.Items {
		if c.Method != "" {
			if _, ok := MethodByCode(c.Method); !ok {
				t.Errorf("category %s: method %s missing", c.Code, c.Method)
			}
			seen[c.Method] = true
		}
	}
	for _, m := range Methods() {
		if !seen[m.Code] {
			t.Errorf("method %s is used by no category", m.Code)
		}
	}
}
