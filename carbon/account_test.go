package carbon_test

import (
	"math"
	"strings"
	"testing"

	"cifp"
	"cifp/carbon"
)

// near reports whether got is within 0.01% of want.
func near(got, want float64) bool {
	if want == 0 {
		return math.Abs(got) < 1e-9
	}
	return math.Abs(got-want)/math.Abs(want) <= 1e-4
}

func compute(t *testing.T, province string, year int, kind string, acts ...carbon.Activity) carbon.Account {
	t.Helper()
	a, err := carbon.Compute(carbon.DefaultFactors(), carbon.Inputs{Province: province, Year: year, GridKind: kind, Activities: acts})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func act(t *testing.T, item string, q float64, unit string) carbon.Activity {
	t.Helper()
	v, err := carbon.DefaultFactors().Convert(item, q, unit)
	if err != nil {
		t.Fatal(err)
	}
	return carbon.Activity{Item: item, Quantity: v, Quality: carbon.Reported}
}

// TestFuels checks 100 units of every fuel of fuels.csv against the emission
// factors worked out by hand in the reference (china-standards.md §2.3, EF =
// NCV × CC × OF × 44/12, rounded to 4 decimals there). Raw coal and LNG are
// not in that table: 20.908 × 0.0261 × 0.93 × 44/12 = 1.8608 and
// 51.498 × 0.0153 × 0.99 × 44/12 = 2.8601.
func TestFuels(t *testing.T) {
	efs := map[string]float64{
		"anthracite": 2.5215, "bituminous_coal": 1.7417, "lignite": 1.1729, "washed_coal": 2.2082,
		"other_washed_coal": 1.0519, "briquette": 1.9360, "raw_coal": 1.8608, "coke": 2.8604,
		"crude_oil": 3.0202, "fuel_oil": 3.1705, "gasoline": 2.9251, "diesel": 3.0959, "kerosene": 3.0334,
		"lpg": 3.1013, "refinery_gas": 3.0389, "natural_gas": 21.6219, "lng": 2.8601,
		"coke_oven_gas": 7.8978, "blast_furnace_gas": 8.4811, "converter_gas": 15.1240,
	}
	fs := carbon.DefaultFactors()
	if len(fs.Fuels) != len(efs) {
		t.Fatalf("the factor set has %d fuels, the test %d", len(fs.Fuels), len(efs))
	}
	for code, ef := range efs {
		f, ok := fs.Fuels[code]
		if !ok {
			t.Errorf("fuel %s is missing", code)
			continue
		}
		// 100 t given as 100,000 kg; 100 × 10^4 Nm3 given as 1,000,000 m3.
		var a carbon.Account
		if f.Unit == "t" {
			a = compute(t, "330000", 2022, "", act(t, code, 100_000, "kg"))
		} else {
			a = compute(t, "330000", 2022, "", act(t, code, 1_000_000, "m3"))
		}
		if want := 100 * ef; !near(a.Scope1, want) || !near(a.Total, want) || a.Scope2 != 0 {
			t.Errorf("%s: scope 1 %.4f, want %.4f", code, a.Scope1, want)
		}
		if len(a.Factors) < 2 || a.Factors[0].Code != code {
			t.Errorf("%s: factors used %+v", code, a.Factors)
		}
	}
}

// TestElectricity works 1,000 MWh (given as 100 万kWh) of a Zhejiang
// enterprise through every factor kind and the fallbacks (grid-factors.csv).
func TestElectricity(t *testing.T) {
	for _, c := range []struct {
		name     string
		province string
		year     int
		kind     string
		want     float64 // tCO2 for 1,000 MWh
		factor   string
	}{
		{"default 2022 is Zhejiang's", "330000", 2022, "", 515.3, "electricity:provincial:330000"},
		{"default 2021 is Zhejiang's", "330000", 2021, "", 542.2, "electricity:provincial:330000"},
		{"default 2023: no Zhejiang factor, East China's", "330000", 2023, "", 550.0, "electricity:regional:east_china"},
		{"default 2025: nothing published, latest year 2023", "330000", 2025, "", 550.0, "electricity:regional:east_china"},
		{"default outside East China: national", "440000", 2022, "", 536.6, "electricity:national:CN"},
		{"provincial 2023: latest earlier year", "330000", 2023, "provincial", 515.3, "electricity:provincial:330000"},
		{"regional 2022", "330000", 2022, "regional", 561.7, "electricity:regional:east_china"},
		{"national 2023", "330000", 2023, "national", 530.6, "electricity:national:CN"},
		{"ETS compliance for 2024 reporting", "330000", 2024, "ets_compliance", 570.3, "electricity:ets_compliance:CN"},
		{"national excluding market non-fossil 2023", "330000", 2023, "national_excl_market_nonfossil", 609.6, "electricity:national_excl_market_nonfossil:CN"},
		{"national fossil 2021", "330000", 2021, "national_fossil", 842.6, "electricity:national_fossil:CN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := compute(t, c.province, c.year, c.kind, act(t, "electricity", 100, "万kWh"))
			if !near(a.Scope2, c.want) || a.Scope1 != 0 {
				t.Errorf("scope 2 %.4f, want %.4f", a.Scope2, c.want)
			}
			if a.Factors[0].Code != c.factor {
				t.Errorf("factor %s, want %s", a.Factors[0].Code, c.factor)
			}
			// 1,000 MWh × 0.1229 tce/MWh (equivalent value, GB/T 2589).
			if !near(a.EnergyTCE, 122.9) {
				t.Errorf("energy %.4f tce, want 122.9", a.EnergyTCE)
			}
		})
	}
	_, err := carbon.Compute(carbon.DefaultFactors(), carbon.Inputs{Province: "330000", Year: 2021, GridKind: "ets_compliance",
		Activities: []carbon.Activity{{Item: "electricity", Quantity: 1}}})
	if cifp.ErrorCode(err) != cifp.ENOTFOUND {
		t.Errorf("ETS factor for 2021: %v, want ENOTFOUND", err)
	}
	_, err = carbon.Compute(carbon.DefaultFactors(), carbon.Inputs{Year: 2022, GridKind: "lunar",
		Activities: []carbon.Activity{{Item: "electricity", Quantity: 1}}})
	if cifp.ErrorCode(err) != cifp.EINVALID {
		t.Errorf("unknown kind: %v, want EINVALID", err)
	}
}

// TestHeatAndExports: 500 GJ of heat (given as 500,000 MJ) × 0.11 tCO2/GJ =
// 55 t and 500 × 0.03412 = 17.06 tce; exporting 200 of 1,000 MWh and 100 of
// the 500 GJ leaves 800 × 0.5153 + 400 × 0.11 = 412.24 + 44 = 456.24 t.
func TestHeatAndExports(t *testing.T) {
	a := compute(t, "330000", 2022, "", act(t, "heat", 500_000, "MJ"))
	if !near(a.Scope2, 55) || !near(a.EnergyTCE, 17.06) {
		t.Errorf("heat: %.4f t, %.4f tce", a.Scope2, a.EnergyTCE)
	}
	a = compute(t, "330000", 2022, "",
		act(t, "electricity", 1000, "MWh"), act(t, "exported_electricity", 200_000, "kWh"),
		act(t, "heat", 500, "GJ"), act(t, "exported_heat", 100, "GJ"))
	if !near(a.Scope2, 456.24) || !near(a.Total, 456.24) {
		t.Errorf("exports: scope 2 %.4f, want 456.24", a.Scope2)
	}
	// Energy: 800 × 0.1229 + 400 × 0.03412 = 98.32 + 13.648 = 111.968 tce.
	if !near(a.EnergyTCE, 111.968) {
		t.Errorf("exports: energy %.4f, want 111.968", a.EnergyTCE)
	}
}

// TestWorkedExample is a Jinyun valve maker's 2022, worked by hand with the
// reference tables:
//
//	bituminous coal 120 t × 1.7417            = 209.0040
//	natural gas 35,000 m3 = 3.5 × 21.6219     =  75.6767
//	diesel 8 t × 3.0959                       =  24.7672
//	Scope 1                                   = 309.4479
//	electricity 2,400,000 kWh × 0.5153        = 1,236.72  (Zhejiang 2022)
//	Scope 2                                   = 1,236.72
//	total                                     = 1,546.1679
//	rooftop PV 150 MWh × 0.5153 avoided       =    77.295
//	E                                         = 1,468.8729
//	L = E / 1,800 万元                        =     0.81604 → 中碳
//	energy: 120 × 19.570 / 29.3076 = 80.1294; 3.5 × 12.143 = 42.5005;
//	        8 × 1.4571 = 11.6568; 2,400 × 0.1229 = 294.96 → 429.2467 tce
func TestWorkedExample(t *testing.T) {
	a := compute(t, "330000", 2022, "",
		act(t, "bituminous_coal", 120, "t"), act(t, "natural_gas", 35_000, "m3"), act(t, "diesel", 8, "吨"),
		act(t, "electricity", 2_400_000, "kWh"), act(t, "self_renewable_electricity", 150, "MWh"),
		act(t, "value_added", 1800, "万元"), act(t, "output_value", 9_600_0000, "元"))
	for name, c := range map[string][2]float64{
		"scope1": {a.Scope1, 309.4479}, "scope2": {a.Scope2, 1236.72}, "total": {a.Total, 1546.1679},
		"avoided": {a.Avoided, 77.295}, "E": {a.Emissions, 1468.8729}, "L": {a.Intensity, 0.81604},
		"tce": {a.EnergyTCE, 429.2467}, "VA": {a.ValueAdded, 1800}, "output": {a.OutputValue, 9600},
		"L per output": {a.IntensityOutput, 1468.8729 / 9600},
	} {
		if !near(c[0], c[1]) {
			t.Errorf("%s = %.6f, want %.6f", name, c[0], c[1])
		}
	}
	if a.Level != carbon.LevelMedium || a.Level.NameZH() != "中碳" || a.Quality != carbon.Reported {
		t.Errorf("level %q quality %q", a.Level, a.Quality)
	}
}

func TestQualityIsTheWorst(t *testing.T) {
	a := compute(t, "330000", 2022, "",
		carbon.Activity{Item: "electricity", Quantity: 1, Quality: carbon.Metered},
		carbon.Activity{Item: "diesel", Quantity: 1, Quality: carbon.Estimated})
	if a.Quality != carbon.Estimated {
		t.Errorf("quality %q", a.Quality)
	}
}

// TestBoundaries: lower bounds exclusive, upper bounds inclusive.
func TestBoundaries(t *testing.T) {
	for _, c := range []struct {
		k     float64
		grade int
	}{{0.3, 1}, {0.6, 1}, {0.6001, 2}, {0.8, 2}, {0.8001, 3}, {1.0, 3}, {1.2, 3}, {1.2001, 4}, {2.0, 4}, {2.0001, 5}, {7, 5}} {
		if g := carbon.GradeOf(c.k); g != c.grade {
			t.Errorf("K %v: grade %d, want %d", c.k, g, c.grade)
		}
	}
	for _, c := range []struct {
		l     float64
		level carbon.Level
	}{{0.1, "low"}, {0.6, "low"}, {0.6001, "medium"}, {2.0, "medium"}, {2.0001, "high"}, {7.01, "high"}} {
		if l := carbon.LevelOf(c.l); l != c.level {
			t.Errorf("L %v: level %s, want %s", c.l, l, c.level)
		}
	}
	// K exactly on a boundary through a benchmark: industry E 60 + 140 + 80 +
	// 120 over VA 100 + 100 + 100 + 100 gives L_industry = 1.0; K = L.
	peers := []carbon.Peer{{"3011", 60, 100}, {"3011", 140, 100}, {"3011", 80, 100}, {"3011", 120, 100}, {"3011", 5, 0}, {"2459", 10, 10}}
	b := carbon.Benchmarks(peers)
	if got := b["3011"]; !near(got.Intensity, 1.0) || got.Peers != 4 {
		t.Fatalf("benchmark %+v", got)
	}
	if _, ok := b["2459"]; ok {
		t.Error("an industry of one has a benchmark")
	}
	for _, c := range []struct {
		e     float64
		grade int
	}{{60, 1}, {60.01, 2}, {80, 2}, {80.01, 3}, {120, 3}, {120.01, 4}, {200, 4}, {200.01, 5}} {
		a := carbon.Account{HasIntensity: true, Intensity: c.e / 100}
		k, g, ok := carbon.Grade(a, b["3011"], true)
		if !ok || g != c.grade || !near(k, c.e/100) {
			t.Errorf("E %v: K %v grade %d, want %d", c.e, k, g, c.grade)
		}
	}
	if _, _, ok := carbon.Grade(carbon.Account{}, b["3011"], true); ok {
		t.Error("an account without value added is graded")
	}
}

func TestConvert(t *testing.T) {
	fs := carbon.DefaultFactors()
	for _, c := range []struct {
		item, unit string
		q, want    float64
	}{
		{"electricity", "kWh", 1000, 1}, {"electricity", "万kWh", 1, 10}, {"electricity", "MWh", 3, 3},
		{"diesel", "kg", 500, 0.5}, {"natural_gas", "m3", 10_000, 1}, {"natural_gas", "万Nm3", 2, 2},
		{"heat", "MJ", 1000, 1}, {"heat", "GJ", 7, 7}, {"value_added", "元", 10_000, 1},
	} {
		got, err := fs.Convert(c.item, c.q, c.unit)
		if err != nil || !near(got, c.want) {
			t.Errorf("%v %s of %s: %v, %v; want %v", c.q, c.unit, c.item, got, err, c.want)
		}
	}
	if _, err := fs.Convert("diesel", 1, "m3"); cifp.ErrorFields(err)[0].Field != "unit" {
		t.Errorf("diesel in m3: %v", err)
	}
	if _, err := fs.Convert("unobtainium", 1, "t"); cifp.ErrorFields(err)[0].Field != "item" {
		t.Errorf("unknown item: %v", err)
	}
}

func TestFactorSetID(t *testing.T) {
	fs := carbon.DefaultFactors()
	if len(fs.ID) != len("default@")+12 {
		t.Errorf("ID %q", fs.ID)
	}
	over, err := fs.Override([]byte("kind,region,data_year,tco2_per_mwh,confidence,source\nprovincial,330000,2023,0.5000,C,test\n"))
	if err != nil {
		t.Fatal(err)
	}
	if over.ID == fs.ID {
		t.Error("an overridden set keeps the ID")
	}
	g, _ := over.Electricity("", "330000", 2023)
	if g.Value != 0.5 {
		t.Errorf("override: %+v", g)
	}
	if g, _ := fs.Electricity("", "330000", 2023); g.Value != 0.55 {
		t.Errorf("the override changed the default set: %+v", g)
	}
	if _, err := fs.Override([]byte("a,b\n1,2\n")); cifp.ErrorCode(err) != cifp.EINVALID {
		t.Errorf("unknown format: %v", err)
	}
}

func TestYearOnYear(t *testing.T) {
	prev := carbon.Account{Total: 1000, HasIntensity: true, Intensity: 0.8}
	cur := carbon.Account{Total: 950, HasIntensity: true, Intensity: 0.7}
	c, ok := carbon.YearOnYear(cur, prev)
	if !ok || !near(c.Total, -0.05) || !near(c.Intensity, -0.125) || !c.HasL {
		t.Errorf("%+v", c)
	}
	if _, ok := carbon.YearOnYear(cur, carbon.Account{}); ok {
		t.Error("a change from nothing")
	}
	if c, _ := carbon.YearOnYear(carbon.Account{Total: 5}, prev); c.HasL {
		t.Error("an intensity change without value added")
	}
}

// TestMeets: the key-emitter thresholds of data/key-emitters.csv, on and
// just below each.
func TestMeets(t *testing.T) {
	for _, c := range []struct {
		a    carbon.Account
		want string
	}{
		{carbon.Account{Total: 26000}, "ets"},
		{carbon.Account{Total: 25999.9}, ""},
		{carbon.Account{EnergyTCE: 5000}, "energy_zhejiang"},
		{carbon.Account{EnergyTCE: 10000}, "energy_national energy_zhejiang"},
		{carbon.Account{Total: 30000, EnergyTCE: 4999}, "ets"},
	} {
		if got := strings.Join(carbon.Meets(c.a), " "); got != c.want {
			t.Errorf("%+v: %q, want %q", c.a, got, c.want)
		}
	}
}
