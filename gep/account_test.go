package gep

import (
	"math"
	"strings"
	"testing"

	"cifp"
)

func near6(got, want float64) bool { return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want)) }

// TestFormulas checks each formula on one hand-computed value.
func TestFormulas(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		// (1800 − 0.0267×1800 − 800) mm × 1e-3 × 1e6 m² = 951.94 mm × 1000 = 951,940 m³
		{"water conservation", WaterConservationM3(1800, 0.0267, 800, 1e6), 951_940},
		// ET above net precipitation: (1000 − 0 − 1200) × 1e-3 × 1e6 = −200,000 m³
		{"water conservation negative", WaterConservationM3(1000, 0, 1200, 1e6), -200_000},
		// 5000 × 0.025 × 4 × (1 − 0.02 × 1) × 100 hm² = 500 × 0.98 × 100 = 49,000 t
		{"soil retention", SoilRetentionT(5000, 0.025, 4, 0.02, 1, 100), 49_000},
		// e^6.636 × 100^0.678 × 1 × 1e4 = 762.077… × 22.6986… × 1e4
		{"lake storage", LakeStorageM3(6.636, 0.678, 100, 1), math.Exp(6.636) * math.Pow(100, 0.678) * 1e4},
		// same with ln a = 0, b = 1, S = 2 km², T = 3: 1 × 2 × 3 × 1e4 = 60,000 m³
		{"lake storage simple", LakeStorageM3(0, 1, 2, 3), 60_000},
		// 2.5 t C/hm² × 1000 hm² × (1 + 0.0408) × 44/12 = 2500 × 1.0408 × 3.6667 = 9540.67 t CO2
		{"carbon", CarbonCO2T(2.5, 1000, 0.0408), 2500 * 1.0408 * 44 / 12},
		// 3200 kJ/m²/d × 1e6 m² × 60 d / (3600 × 3) = 1.92e11 / 10800 = 17,777,777.8 kWh
		{"transpiration", TranspirationKWh(3200, 1e6, 60, 3), 1.92e11 / 10800},
		// 1000 m³ × 1000 kg/m³ × 2442 kJ/kg / 3600 + 1000 × 5 = 678,333.3 + 5,000 kWh
		{"evaporation", EvaporationKWh(1000, 1000, 2442, 5), 2.442e9/3600 + 5000},
		// 5.256e15 × 1500 ions/cm³ × 100 hm² × 10 m / 10 min / 1e18 = 788.4 (×10¹⁸ ions)
		{"negative ions", NegativeIons1e18(1500, 100, 10, 10), 788.4},
	} {
		if !near6(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if TranspirationKWh(1, 1, 1, 0) != 0 || NegativeIons1e18(1, 1, 1, 0) != 0 {
		t.Error("a zero divisor must give 0, not Inf")
	}
}

// oneForest is a 1 km² region of forest with every driver, for single-line
// tests with the demo profile.
func oneForest(year int) Inputs {
	return Inputs{Region: "331123", Name: "test", Year: year, AreaKm2: 1, PrecipMM: 1800,
		Ecosystems: map[Ecosystem]EcoInputs{Forest: {AreaKm2: 1, ETMM: 800,
			Soil:       RUSLE{R: 5000, K: 0.025, LS: 4, C: 0.02, P: 1},
			CarbonRate: 2.5, TranspirationHeat: 3200, IonConc: 1500}},
		Products:   Products{Forestry: Output{Gross: 1e6}},
		Air:        AirEmissions{SO2: 10},
		Climate:    Climate{HotDays: 60},
		Recreation: RecreationData{Visits: 1000, TravelCost: 1e6},
		Omit: map[Indicator]string{Agriculture: "none", Husbandry: "none", Fishery: "none", WaterSupply: "none",
			Hydropower: "none", FloodRegulation: "none", WaterPurification: "none", Landscape: "none"},
	}
}

// TestAccountOneForest checks each line of a 1 km² forest against hand
// arithmetic, in the price year 2010 (no indexing).
func TestAccountOneForest(t *testing.T) {
	p, err := LookupProfile(DemoProfile)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Account(oneForest(2010), p)
	if err != nil {
		t.Fatal(err)
	}
	soil := 5000 * 0.025 * 4 * 0.98 * 100.0 // 49,000 t
	co2 := 2.5 * 100 * 1.0408 * 44 / 12     // 954.07 t CO2
	for _, c := range []struct {
		ind   Indicator
		comp  string
		value float64 // 元
	}{
		{ForestryProducts, "", 1e6},
		// (1800 − 48.06 − 800) × 1e-3 × 1e6 m³ × 7.06 元/m³
		{WaterConservation, "", 951_940 * 7.06},
		// 49,000 t × 0.24 / 0.93 m³ × 15.58 元/m³
		{SoilRetention, "sediment", soil * 0.24 / 0.93 * 15.58},
		{SoilRetention, "nitrogen", soil * 0.0037 * 875},
		{SoilRetention, "phosphorus", soil * 0.00108 * 2800},
		// capacity 15 t/km² × 1 km² > 10 t emitted: 10 t × 1200 元/t
		{AirPurification, "so2", 10 * 1200},
		{CarbonSequestration, "", co2 * 380},
		{OxygenRelease, "", co2 * 32 / 44 * 727},
		// 3200 × 1e6 × 60 / 10800 kWh × 0.53 元/kWh
		{ClimateRegulation, "vegetation", 1.92e11 / 10800 * 0.53},
		// 5.256e15 × 1500 × 100 × 10 / 10 / 1e18 = 788.4 × 5.8185 元
		{NegativeIons, "", 788.4 * 5.8185 * cpiFactor(t, 2008, 2010)},
		{Recreation, "", 1e6},
	} {
		l, n := findLine(r, c.ind, c.comp, lineEco(c.ind))
		if n != 1 || !near6(l.Value, c.value) {
			t.Errorf("%s/%s: %d lines, value %.4f, want %.4f", c.ind, c.comp, n, l.Value, c.value)
		}
	}
	if len(r.Lines) != 11 {
		t.Errorf("%d lines, want 11", len(r.Lines))
	}
	// the reservoir price is a 2010 price in 2010: no warning about it.
	for _, w := range r.Warnings {
		if strings.Contains(w, "price.reservoir") {
			t.Errorf("warning in the price year: %s", w)
		}
	}
}

func lineEco(ind Indicator) Ecosystem {
	switch ind {
	case Recreation:
		return ""
	}
	return Forest
}

func cpiFactor(t *testing.T, from, to int) float64 {
	f, ok := DefaultPriceIndex().Factor("cpi", from, to)
	if !ok {
		t.Fatalf("no cpi factor %d→%d", from, to)
	}
	return f
}

// TestPriceIndexing: a 2010 price in 2024 is moved by the CPI chain
// 2011…2024; the reservoir price (construction index unknown) is used
// unmoved and the run says so.
func TestPriceIndexing(t *testing.T) {
	// 1.054 × 1.026 × 1.026 × 1.020 × 1.014 × 1.020 × 1.016 × 1.021 × 1.029
	// × 1.025 × 1.009 × 1.020 × 1.002 × 1.002 = 1.3233…
	want := 1.054 * 1.026 * 1.026 * 1.020 * 1.014 * 1.020 * 1.016 * 1.021 * 1.029 * 1.025 * 1.009 * 1.020 * 1.002 * 1.002
	if f := cpiFactor(t, 2010, 2024); !near6(f, want) || math.Abs(f-1.3233) > 0.0001 {
		t.Errorf("cpi 2010→2024: %v, want %v", f, want)
	}
	if _, ok := DefaultPriceIndex().Factor("cpi", 2010, 2030); ok {
		t.Error("a factor for a year without a level")
	}
	p, _ := LookupProfile(DemoProfile)
	r, err := Account(oneForest(2024), p)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := findLine(r, ClimateRegulation, "vegetation", Forest)
	if !near6(l.Price, 0.53*want) || !near6(l.IndexFactor, want) || l.PriceBase != 0.53 || l.PriceYear != 2010 {
		t.Errorf("electricity line %+v", l)
	}
	w, _ := findLine(r, WaterConservation, "", Forest)
	if w.Price != 7.06 || w.IndexFactor != 1 {
		t.Errorf("reservoir price %v × %v, want 7.06 unmoved", w.Price, w.IndexFactor)
	}
	found := false
	for _, s := range r.Warnings {
		found = found || strings.Contains(s, "price.reservoir (2010) not moved to 2024")
	}
	if !found {
		t.Errorf("no warning about the reservoir price: %q", r.Warnings)
	}
}

// TestMissingPrice: the zj2025 profile knows no values; a run fails naming
// each one it needs, never valuing at zero.
func TestMissingPrice(t *testing.T) {
	zj, err := LookupProfile("zj2025")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Account(oneForest(2024), zj)
	if cifp.ErrorCode(err) != cifp.EINVALID {
		t.Fatalf("err %v, want EINVALID", err)
	}
	fields := map[string]string{}
	for _, f := range cifp.ErrorFields(err) {
		fields[f.Field] = f.Message
	}
	for _, code := range []string{"price.reservoir", "price.dredging", "price.electricity", "price.carbon", "coef.runoff.forest", "coef.ac_eer"} {
		if !strings.Contains(fields[code], "unknown in profile zj2025@") {
			t.Errorf("%s: %q", code, fields[code])
		}
	}
	if !strings.Contains(fields["price.reservoir"], "水库单位库容工程造价") || !strings.Contains(fields["price.reservoir"], "water_conservation") {
		t.Errorf("price.reservoir message %q should name the price and the indicator", fields["price.reservoir"])
	}
	// a value absent from a profile is named too: TP discharges under the demo profile.
	p, _ := LookupProfile(DemoProfile)
	in := oneForest(2024)
	in.Water.TP = 5
	delete(in.Omit, WaterPurification)
	in.Ecosystems[Wetland] = EcoInputs{}
	_, err = Account(in, p)
	if fs := cifp.ErrorFields(err); len(fs) == 0 || !strings.Contains(err.Error(), "price.tp") {
		t.Errorf("TP without a price: %v", err)
	}
}

func TestBadInputs(t *testing.T) {
	p, _ := LookupProfile(DemoProfile)
	for _, c := range []struct {
		name  string
		edit  func(*Inputs)
		field string
	}{
		{"negative area", func(in *Inputs) {
			in.Ecosystems[Forest] = EcoInputs{AreaKm2: -1, ETMM: 800}
		}, "ecosystems.forest.area_km2"},
		{"areas do not add up", func(in *Inputs) { in.AreaKm2 = 1.1 }, "ecosystems"},
		{"region code", func(in *Inputs) { in.Region = "33112" }, "region"},
		{"year", func(in *Inputs) { in.Year = 0 }, "year"},
		{"NaN precipitation", func(in *Inputs) { in.PrecipMM = math.NaN() }, "precip_mm"},
		{"C above 1", func(in *Inputs) {
			x := in.Ecosystems[Forest]
			x.Soil.C = 1.5
			in.Ecosystems[Forest] = x
		}, "ecosystems.forest.soil.c"},
		{"unknown ecosystem", func(in *Inputs) { in.Ecosystems["jungle"] = EcoInputs{} }, "ecosystems.jungle"},
		{"unknown modelled quantity", func(in *Inputs) {
			in.Modelled = []Quantity{{Indicator: Recreation, Value: 1}}
		}, "modelled[0]"},
		{"omit without reason", func(in *Inputs) { in.Omit[Landscape] = "" }, "omit.landscape"},
		{"negative emission", func(in *Inputs) { in.Air.SO2 = -1 }, "air.so2"},
		{"pest area above the type's area", func(in *Inputs) {
			x := in.Ecosystems[Forest]
			x.PestAreaHm2 = 101
			in.Ecosystems[Forest] = x
		}, "ecosystems.forest.pest_area_hm2"},
		{"no ET for water conservation", func(in *Inputs) {
			x := in.Ecosystems[Forest]
			x.ETMM = 0
			in.Ecosystems[Forest] = x
		}, "ecosystems.forest.et_mm"},
		{"indicator without inputs", func(in *Inputs) { delete(in.Omit, Hydropower) }, "inputs.hydropower"},
	} {
		in := oneForest(2024)
		c.edit(&in)
		_, err := Account(in, p)
		found := false
		for _, f := range cifp.ErrorFields(err) {
			found = found || f.Field == c.field
		}
		if cifp.ErrorCode(err) != cifp.EINVALID || !found {
			t.Errorf("%s: %v, want a field error on %s", c.name, err, c.field)
		}
	}
	if _, err := Account(oneForest(2024), nil); err == nil {
		t.Error("nil profile accepted")
	}
	// within the 0.5 % tolerance is accepted
	in := oneForest(2024)
	in.AreaKm2 = 1.004
	if _, err := Account(in, p); err != nil {
		t.Errorf("0.4 %% area difference refused: %v", err)
	}
}

func TestDeduction(t *testing.T) {
	p, _ := LookupProfile(DemoProfile)
	in := oneForest(2010)
	in.ImportedValue = 5e5
	r, _ := Account(in, p)
	if r.Deduction != 0 || len(r.Warnings) == 0 {
		t.Errorf("deducted under a profile that does not deduct: %v", r.Deduction)
	}
	q := *p
	q.DeductImported = true
	r2, err := Account(in, &q)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Deduction != 5e5 || !near6(r2.GEP, r.GEP-5e5) || !near6(r2.GEP, r2.Provisioning+r2.Regulating+r2.Cultural-5e5) {
		t.Errorf("deduction %v, GEP %v vs %v", r2.Deduction, r2.GEP, r.GEP)
	}
}

// TestMagnitudeGuard: a result entered in 万元 where 元 was meant (×1e4) is
// flagged; the Lishui reference is inside.
func TestMagnitudeGuard(t *testing.T) {
	if m := CheckMagnitude(5024.5*Yi, 17300); !m.Within || math.Abs(m.PerKm2-2904.3) > 0.1 {
		t.Errorf("Lishui 2018: %+v", m)
	}
	if m := CheckMagnitude(5024.5*Yi*1e4, 17300); m.Within || !strings.Contains(m.Message, "outside") {
		t.Errorf("×1e4: %+v", m)
	}
	if m := CheckMagnitude(5024.5*Yi/20, 17300); m.Within {
		t.Errorf("÷20: %+v", m)
	}
	if m := CheckMagnitude(1, 0); m.Within {
		t.Error("zero area within the band")
	}
	p, _ := LookupProfile(DemoProfile)
	in := oneForest(2010)
	in.Recreation.TravelCost = 1e12 // 1 万亿元 on 1 km²
	r, err := Account(in, p)
	if err != nil {
		t.Fatal(err)
	}
	if r.Magnitude.Within || !strings.Contains(strings.Join(r.Warnings, "\n"), "outside the plausible band") {
		t.Errorf("implausible result not flagged: %+v", r.Magnitude)
	}
}

// TestDemo: the Lishui demo lands in the band, near the published 5024.5
// 亿元 (2018) within ±30 % (gep.md §7.6(d)), with regulating services the
// largest category; the city equals the sum of its counties.
func TestDemo(t *testing.T) {
	p, _ := LookupProfile(DemoProfile)
	ins := DemoInputs(2024)
	if len(ins) != 10 || ins[0].Region != "331100" || ins[9].Region != "331181" {
		t.Fatalf("demo regions: %d", len(ins))
	}
	var sum, purify, area float64
	for i, in := range ins {
		r, err := Account(in, p)
		if err != nil {
			t.Fatalf("%s: %v", in.Region, err)
		}
		if !r.Magnitude.Within {
			t.Errorf("%s: %s", in.Region, r.Magnitude.Message)
		}
		if r.Regulating < r.Provisioning || r.Regulating < r.Cultural {
			t.Errorf("%s: regulating %.1f 亿元 is not the largest category", in.Region, r.Regulating/Yi)
		}
		if i > 0 {
			sum += r.GEP
			purify += totalOf(r.ByIndicator, string(AirPurification)) + totalOf(r.ByIndicator, string(WaterPurification))
			area += in.AreaKm2
		}
	}
	// The city equals the sum of its counties except purification, which is
	// capacity-limited (a minimum) and so not additive: the city's is larger.
	city, _ := Account(ins[0], p)
	cityPurify := totalOf(city.ByIndicator, string(AirPurification)) + totalOf(city.ByIndicator, string(WaterPurification))
	if d := (city.GEP - cityPurify) - (sum - purify); math.Abs(d) > 1e-6*sum {
		t.Errorf("city without purification %.4f 亿元, counties %.4f", (city.GEP-cityPurify)/Yi, (sum-purify)/Yi)
	}
	if cityPurify < purify {
		t.Errorf("city purification %.0f below the counties' %.0f", cityPurify, purify)
	}
	if g := city.GEP / Yi; g < 5024.5*0.7 || g > 5024.5*1.3 {
		t.Errorf("Lishui demo GEP %.1f 亿元, want within 30 %% of 5024.5", g)
	}
	if share := city.Regulating / city.GEP; share < 0.6 || share > 0.85 {
		t.Errorf("regulating share %.2f, published 0.73", share)
	}
	if math.Abs(area-17340) > 1e-6 || math.Abs(ins[0].AreaKm2-17340) > 1e-6 {
		t.Errorf("area %.2f", area)
	}
	// Demo inputs are independent copies.
	ins[1].Ecosystems[Forest] = EcoInputs{}
	if DemoInputs(2024)[1].Ecosystems[Forest].AreaKm2 == 0 {
		t.Error("DemoInputs shares state between calls")
	}
}

func TestCombineRefuses(t *testing.T) {
	a, b := oneForest(2023), oneForest(2024)
	if _, err := Combine("331100", "x", []Inputs{a, b}); err == nil {
		t.Error("parts of different years combined")
	}
	if _, err := Combine("331100", "x", nil); err == nil {
		t.Error("no parts combined")
	}
}

// TestDataFiles: every embedded data file parses, and profile IDs carry the
// content hash.
func TestDataFiles(t *testing.T) {
	ps := Profiles()
	if len(ps) != 3 {
		t.Fatalf("%d profiles", len(ps))
	}
	for _, p := range ps {
		if !strings.HasPrefix(p.ID, p.Version+"@") || len(p.ID) != len(p.Version)+13 {
			t.Errorf("profile ID %q", p.ID)
		}
		for _, q := range p.Params {
			if q.Confidence != "U" && q.Value == nil {
				t.Errorf("%s %s: no value", p.Version, q.Code)
			}
		}
	}
	if len(Indicators()) != 19 || DefaultBand().Reference != 2904 {
		t.Error("catalogue or band")
	}
	bad := []string{
		`{"version":"x","provisioning_basis":"net","purification":"emissions","params":[{"code":"price.reservoir","value":1,"unit":"元/t","year":2010,"confidence":"C","source":"s"}]}`,
		`{"version":"x","provisioning_basis":"net","purification":"emissions","params":[{"code":"price.reservoir","value":1,"unit":"元/m³","confidence":"C","source":"s"}]}`,
		`{"version":"x","provisioning_basis":"net","purification":"emissions","params":[{"code":"price.reservoir","value":null,"unit":"元/m³","confidence":"C","source":"s"}]}`,
		`{"version":"x","provisioning_basis":"net","purification":"emissions","params":[{"code":"price.nope","value":1,"unit":"元/m³","confidence":"C","source":"s"}]}`,
		`{"version":"x","provisioning_basis":"net","purification":"emissions","indicators":["nope"]}`,
		`{"version":"x","provisioning_basis":"both","purification":"emissions"}`,
	}
	for i, b := range bad {
		if _, err := ParseProfile([]byte(b), DefaultPriceIndex()); err == nil {
			t.Errorf("bad profile %d accepted", i)
		}
	}
}
