package gep

import (
	"math"
	"testing"
)

// ganziLine is one line of GANZI Table 3 (gep.md §4.1): the published
// quantity (in its published unit and rounding), and the published value.
type ganziLine struct {
	ind       Indicator
	comp      string
	eco       Ecosystem
	quantity  float64 // as published
	unit      float64 // multiplier from the published unit to Line.Unit
	halfUnit  float64 // half a unit of the published quantity's last digit, in published units
	valueYi   float64 // published value, 亿元
	valueHalf float64 // half a unit of the published value's last digit, 亿元
}

// ganziLines: every valued line of GANZI Table 3. Soil-retention lines are
// derived from 38.86 亿t of retained soil, so their quantity uncertainty is
// that of 38.86 (±0.005 亿t) carried through λ/ρ, 0.37 % and 0.108 %.
var ganziLines = []ganziLine{
	{WaterSupply, "domestic", "", 1.36, Yi, 0.005, 3.54, 0.005},
	{WaterSupply, "industrial", "", 150.17, Yi, 0.005, 540.61, 0.005},
	{WaterSupply, "agricultural", "", 17.31, Yi, 0.005, 1.21, 0.005},
	{Hydropower, "", "", 95.30, Yi, 0.005, 50.51, 0.005},
	{WaterConservation, "", "", 321.49, Yi, 0.005, 2269.71, 0.005},
	{SoilRetention, "sediment", "", 38.86 * 0.24 / 0.93, Yi, 0.005 * 0.24 / 0.93, 156.26, 0.005},
	{SoilRetention, "nitrogen", "", 38.86 * 0.0037, Yi, 0.005 * 0.0037, 125.82, 0.005},
	{SoilRetention, "phosphorus", "", 38.86 * 0.00108, Yi, 0.005 * 0.00108, 117.52, 0.005},
	{SandFixation, "", "", 779.42 / (1.28 * 0.1), Wan, 0.005 / (1.28 * 0.1), 2.28, 0.005},
	{FloodRegulation, "lake", "", 2.43, Yi, 0.005, 17.14, 0.005},
	{FloodRegulation, "reservoir", "", 0.01, Yi, 0.005, 0.07, 0.005},
	{FloodRegulation, "marsh", "", 6.00, Yi, 0.005, 42.34, 0.005},
	{AirPurification, "so2", "", 1137, 1, 0.5, 0.0136, 0.00005},
	{AirPurification, "nox", "", 2772, 1, 0.5, 0.0175, 0.00005},
	{AirPurification, "dust", "", 941, 1, 0.5, 0.0014, 0.00005},
	{WaterPurification, "cod", "", 5424, 1, 0.5, 0.0380, 0.00005},
	{WaterPurification, "nh3n", "", 625, 1, 0.5, 0.0055, 0.00005},
	{CarbonSequestration, "", "", 0.31, Yi, 0.005, 117.35, 0.005},
	{OxygenRelease, "", "", 2.51, Yi, 0.005, 1821.92, 0.005},
	{ClimateRegulation, "vegetation", "", 2799.10, Yi, 0.005, 1483.52, 0.005},
	{ClimateRegulation, "water_surface", "", 1272.35, Yi, 0.005, 674.34, 0.005},
	{PestControl, "", Forest, 158, Wan, 0.005, 5.93, 0.005},
	{PestControl, "", Grassland, 711.13, Wan, 0.005, 8.00, 0.005},
	{Recreation, "", "", 358.68, Wan, 0.005, 70.67, 0.005},
}

// ganziInputs returns GANZI's 2010 inputs. With exact false the quantities
// are the published (rounded) ones; with exact true each modelled quantity
// is the published value over its price, which rounds to the published
// quantity (checked in TestGanziQuantitiesConsistent), so that line values
// and totals can be compared with the published ones at value rounding.
func ganziInputs(exact bool) Inputs {
	soil := 38.86 * Yi
	// q returns the published quantity, or with exact the middle of the
	// quantities that both round to the published quantity (±half) and
	// reproduce the published value at the price (±half a unit of the value).
	q := func(published, half, unit, valueYi, price float64) float64 {
		if !exact {
			return published * unit
		}
		lo := math.Max(published-half, (valueYi-0.005)*Yi/unit/price)
		hi := math.Min(published+half, (valueYi+0.005)*Yi/unit/price)
		return (lo + hi) / 2 * unit
	}
	if exact {
		// 38.8637 亿t reproduces the three soil lines (156.26, 125.82,
		// 117.52) within 0.005 亿元 each and rounds to 38.86.
		soil = 38.8637 * Yi
	}
	return Inputs{
		Region: "513300", Name: "甘孜藏族自治州", Year: 2010, AreaKm2: 149687.70,
		Source: "GANZI Table 1 (areas) and Table 3 (quantities)",
		Ecosystems: map[Ecosystem]EcoInputs{
			Forest: {AreaKm2: 31920.60, PestAreaHm2: 158 * Wan}, Shrub: {AreaKm2: 32283.46},
			Grassland: {AreaKm2: 71113.87, PestAreaHm2: 711.13 * Wan}, Wetland: {AreaKm2: 2864.27},
			Farmland: {AreaKm2: 1707.87}, Urban: {AreaKm2: 74.53}, Glacier: {AreaKm2: 1259.91}, Bare: {AreaKm2: 8463.19},
		},
		Products: Products{
			Agriculture: Output{Net: 12.29 * Yi}, Forestry: Output{Net: 2.38 * Yi},
			Husbandry: Output{Net: 22.08 * Yi}, Fishery: Output{Net: 0.04 * Yi},
			WaterDomestic: q(1.36, 0.005, Yi, 3.54, 2.6), WaterIndustrial: q(150.17, 0.005, Yi, 540.61, 3.6),
			WaterAgricultural: q(17.31, 0.005, Yi, 1.21, 0.07), HydropowerKWh: q(95.30, 0.005, Yi, 50.51, 0.53),
		},
		Air:        AirEmissions{SO2: 1137, NOx: 2772, Dust: 941},
		Water:      WaterEmissions{COD: 5424, NH3N: 625},
		Recreation: RecreationData{Visits: 358.68 * Wan, TravelCost: 70.67 * Yi},
		Modelled: []Quantity{
			{Indicator: WaterConservation, Value: q(321.49, 0.005, Yi, 2269.71, 7.06)},
			{Indicator: SoilRetention, Value: soil},
			{Indicator: SandFixation, Value: q(779.42, 0.005, Wan, 2.28, 3.75/(1.28*0.1))},
			{Indicator: FloodRegulation, Component: "lake", Value: q(2.43, 0.005, Yi, 17.14, 7.06)},
			{Indicator: FloodRegulation, Component: "reservoir", Value: q(0.01, 0.005, Yi, 0.07, 7.06)},
			{Indicator: FloodRegulation, Component: "marsh", Value: q(6.00, 0.005, Yi, 42.34, 7.06)},
			{Indicator: CarbonSequestration, Value: q(0.31, 0.005, Yi, 117.35, 380)},
			{Indicator: OxygenRelease, Value: q(2.51, 0.005, Yi, 1821.92, 727)},
			{Indicator: ClimateRegulation, Component: "vegetation", Value: q(2799.10, 0.005, Yi, 1483.52, 0.53)},
			{Indicator: ClimateRegulation, Component: "water_surface", Value: q(1272.35, 0.005, Yi, 674.34, 0.53)},
		},
	}
}

func ganziProfile(t testing.TB) *Profile {
	t.Helper()
	p, err := LookupProfile("cas-ganzi2017")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func findLine(r Result, ind Indicator, comp string, eco Ecosystem) (Line, int) {
	var out Line
	n := 0
	for _, l := range r.Lines {
		if l.Indicator == ind && l.Component == comp && l.Ecosystem == eco {
			out, n = l, n+1
		}
	}
	return out, n
}

// TestGanziLines reproduces every line of GANZI Table 3 from the published
// (rounded) quantities: each line within the rounding of its quantity (half
// a unit of the last digit × price) plus half a unit of the published value.
func TestGanziLines(t *testing.T) {
	r, err := Account(ganziInputs(false), ganziProfile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range ganziLines {
		l, n := findLine(r, g.ind, g.comp, g.eco)
		if n != 1 {
			t.Errorf("%s/%s/%s: %d lines, want 1", g.ind, g.comp, g.eco, n)
			continue
		}
		tol := g.halfUnit*g.unit*l.Price/Yi + g.valueHalf
		if g.ind == Recreation { // valued at the study's total travel cost
			tol = g.valueHalf
		}
		if got := l.Value / Yi; math.Abs(got-g.valueYi) > tol {
			t.Errorf("%s/%s/%s: %.4f 亿元, published %.4f (tolerance %.4f)", g.ind, g.comp, g.eco, got, g.valueYi, tol)
		}
		if l.IndexFactor != 1 {
			t.Errorf("%s: index factor %v in the price year", g.ind, l.IndexFactor)
		}
	}
	for _, s := range []struct {
		ind Indicator
		yi  float64
	}{{Agriculture, 12.29}, {ForestryProducts, 2.38}, {Husbandry, 22.08}, {Fishery, 0.04}} {
		if got := totalOf(r.ByIndicator, string(s.ind)) / Yi; math.Abs(got-s.yi) > 1e-9 {
			t.Errorf("%s: %.4f 亿元, want %.2f", s.ind, got, s.yi)
		}
	}
	if want := len(ganziLines) + 4; len(r.Lines) != want {
		t.Errorf("%d lines, want %d", len(r.Lines), want)
	}
}

func totalOf(ts []Total, key string) float64 {
	for _, t := range ts {
		if t.Key == key {
			return t.Value
		}
	}
	return math.NaN()
}

// TestGanziQuantitiesConsistent checks the test vector itself: the quantity
// that reproduces each published value rounds to the published quantity.
func TestGanziQuantitiesConsistent(t *testing.T) {
	r, err := Account(ganziInputs(true), ganziProfile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range ganziLines {
		l, _ := findLine(r, g.ind, g.comp, g.eco)
		if d := math.Abs(l.Quantity/g.unit - g.quantity); d > g.halfUnit*(1+1e-9) {
			t.Errorf("%s/%s: quantity %.6f rounds away from the published %.4f", g.ind, g.comp, l.Quantity/g.unit, g.quantity)
		}
		if d := math.Abs(l.Value/Yi - g.valueYi); d > g.valueHalf*(1+1e-9) {
			t.Errorf("%s/%s: %.5f 亿元, published %.4f", g.ind, g.comp, l.Value/Yi, g.valueYi)
		}
	}
}

// TestGanziTotals: provisioning 632.64, regulating 6842.28 and GEP 7545.59
// 亿元 within 0.05 亿元 (the published line values sum to 632.66, 6842.28
// and 7545.61).
func TestGanziTotals(t *testing.T) {
	r, err := Account(ganziInputs(true), ganziProfile(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"provisioning", r.Provisioning / Yi, 632.64},
		{"regulating", r.Regulating / Yi, 6842.28},
		{"cultural", r.Cultural / Yi, 70.67},
		{"GEP", r.GEP / Yi, 7545.59},
	} {
		if math.Abs(c.got-c.want) > 0.05 {
			t.Errorf("%s: %.3f 亿元, published %.2f", c.name, c.got, c.want)
		}
	}
	if d := r.Provisioning + r.Regulating + r.Cultural - r.GEP; math.Abs(d) > 1e-3 {
		t.Errorf("GEP is not EMV + ERV + ECV: off by %v 元", d)
	}
	var sumInd, sumEco float64
	for _, x := range r.ByIndicator {
		sumInd += x.Value
	}
	for _, x := range r.ByEcosystem {
		sumEco += x.Value
	}
	if math.Abs(sumInd-r.GEP) > 1 || math.Abs(sumEco-r.GEP) > 1 {
		t.Errorf("totals by indicator %.0f and by ecosystem %.0f differ from GEP %.0f", sumInd, sumEco, r.GEP)
	}
	// 7545.59 亿元 over 149,687.70 km² ≈ 504 万元/km²: inside the band.
	if !r.Magnitude.Within || math.Abs(r.Magnitude.PerKm2-504.1) > 0.5 {
		t.Errorf("magnitude: %+v", r.Magnitude)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings: %q", r.Warnings)
	}
}
