package gep

import (
	_ "embed"
	"fmt"
	"sync"

	"cifp/internal/datafile"
)

// DemoProfile is the version of the profile the demo inputs are meant for.
const DemoProfile = "lishui-demo"

// Demo city-wide drivers [D] (data/demo-drivers.csv header).
const (
	demoHotDays     = 60   // days with a daily mean above 26 °C
	demoEvapDepthM  = 0.25 // water-surface evaporation over those days, m
	demoLishuiCode  = "331100"
	demoLishuiName  = "丽水市"
	demoDataSources = "DEMO / ILLUSTRATIVE (gep/data/demo-lishui.csv, demo-drivers.csv): not measured data"
)

//go:embed data/demo-lishui.csv
var demoCSV []byte

//go:embed data/demo-drivers.csv
var demoDriversCSV []byte

var demoCounties = sync.OnceValues(func() ([]Inputs, error) {
	drows, err := datafile.Read(demoDriversCSV)
	if err != nil {
		return nil, fmt.Errorf("gep: demo-drivers.csv: %w", err)
	}
	drivers := map[Ecosystem]EcoInputs{}
	for _, r := range drows {
		e := Ecosystem(r["ecosystem"])
		if !e.Valid() {
			return nil, fmt.Errorf("gep: demo-drivers.csv: unknown ecosystem %q", e)
		}
		var x EcoInputs
		for _, c := range []struct {
			col string
			v   *float64
		}{{"et_mm", &x.ETMM}, {"k", &x.Soil.K}, {"ls", &x.Soil.LS}, {"c", &x.Soil.C}, {"p", &x.Soil.P},
			{"carbon_rate", &x.CarbonRate}, {"transpiration_heat", &x.TranspirationHeat}, {"ion_conc", &x.IonConc}} {
			if *c.v, err = datafile.NonNegative(r, c.col); err != nil {
				return nil, fmt.Errorf("gep: demo-drivers.csv: %s: %w", e, err)
			}
		}
		drivers[e] = x
	}
	rows, err := datafile.Read(demoCSV)
	if err != nil {
		return nil, fmt.Errorf("gep: demo-lishui.csv: %w", err)
	}
	var out []Inputs
	for _, r := range rows {
		v := map[string]float64{}
		for k := range r {
			if k == "code" || k == "name" {
				continue
			}
			if v[k], err = datafile.NonNegative(r, k); err != nil {
				return nil, fmt.Errorf("gep: demo-lishui.csv: %s: %w", r["code"], err)
			}
		}
		in := Inputs{Region: r["code"], Name: r["name"], AreaKm2: v["area_km2"], PrecipMM: v["precip_mm"],
			Source: demoDataSources, Ecosystems: map[Ecosystem]EcoInputs{}}
		for _, e := range []Ecosystem{Forest, Shrub, Grassland, Wetland, Farmland, Urban, Bare} {
			x := drivers[e]
			x.AreaKm2 = v[string(e)]
			if x.Soil.K > 0 {
				x.Soil.R = v["erosivity"]
			}
			in.Ecosystems[e] = x
		}
		in.Products = Products{
			Agriculture: Output{Gross: v["agriculture_yi"] * Yi}, Forestry: Output{Gross: v["forestry_yi"] * Yi},
			Husbandry: Output{Gross: v["husbandry_yi"] * Yi}, Fishery: Output{Gross: v["fishery_yi"] * Yi},
			WaterDomestic: v["water_domestic_yi_m3"] * Yi, WaterIndustrial: v["water_industrial_yi_m3"] * Yi,
			WaterAgricultural: v["water_agricultural_yi_m3"] * Yi, HydropowerKWh: v["hydropower_yi_kwh"] * Yi,
		}
		in.Flood = Flood{ReservoirCapacity: v["reservoir_capacity_yi_m3"] * Yi}
		in.Air = AirEmissions{SO2: v["so2_t"], NOx: v["nox_t"], Dust: v["dust_t"]}
		in.Water = WaterEmissions{COD: v["cod_t"], NH3N: v["nh3n_t"]}
		in.Climate = Climate{HotDays: demoHotDays, WaterEvaporation: v["wetland"] * 1e6 * demoEvapDepthM}
		in.Recreation = RecreationData{Visits: v["visits_wan"] * Wan, TravelCost: v["travel_cost_yi"] * Yi}
		in.Omit = map[Indicator]string{Landscape: "demo: no hedonic study of landscape value"}
		out = append(out, in)
	}
	return out, nil
})

// DemoInputs returns the DEMO / ILLUSTRATIVE input set for Lishui: the city
// (331100, combined from its counties by Combine) first, then the nine
// counties (331102 莲都区 … 331181 龙泉市). The figures are one illustrative
// set with 2024 magnitudes (data/demo-lishui.csv names what is published and
// what is invented); year only labels the accounting year, to which the
// profile's prices are moved. Run them with the profile DemoProfile. It
// panics if the embedded demo data are malformed, which a test catches.
func DemoInputs(year int) []Inputs {
	cs, err := demoCounties()
	if err != nil {
		panic(err)
	}
	counties := make([]Inputs, len(cs))
	for i, c := range cs {
		c.Year = year
		c.Ecosystems = cloneEcos(c.Ecosystems)
		c.Omit = map[Indicator]string{Landscape: c.Omit[Landscape]}
		counties[i] = c
	}
	city, err := Combine(demoLishuiCode, demoLishuiName, counties)
	if err != nil {
		panic(err)
	}
	return append([]Inputs{city}, counties...)
}

func cloneEcos(m map[Ecosystem]EcoInputs) map[Ecosystem]EcoInputs {
	out := make(map[Ecosystem]EcoInputs, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Combine returns the inputs of a region made of parts (a city of its
// counties) for the same year. Areas, statistics, water bodies, emissions,
// evaporation, visits and values are summed; per-type intensive drivers
// (precipitation, ET, carbon rate, transpiration heat, ion concentration)
// are area-weighted means, so the linear formulas give the sum of the
// parts; soil retention, which is not linear in its factors, is carried as
// the parts' summed RUSLE quantities (a modelled quantity per type). Lake
// storage (S^b) and capacity-limited purification (a minimum) are not
// additive: the combined region gets them on summed areas and emissions.
// It fails when the parts differ in year or hot days, or carry modelled
// quantities or omissions that differ.
func Combine(code, name string, parts []Inputs) (Inputs, error) {
	if len(parts) == 0 {
		return Inputs{}, fmt.Errorf("gep: combine %s: no parts", code)
	}
	out := Inputs{Region: code, Name: name, Year: parts[0].Year, Ecosystems: map[Ecosystem]EcoInputs{},
		Climate: Climate{HotDays: parts[0].Climate.HotDays}, Omit: map[Indicator]string{}}
	type acc struct{ a, p, et, cr, th, ion, soil float64 }
	sums := map[Ecosystem]*acc{}
	var src string
	for _, p := range parts {
		if p.Year != out.Year {
			return Inputs{}, fmt.Errorf("gep: combine %s: %s is for %d, not %d", code, p.Region, p.Year, out.Year)
		}
		if p.Climate.HotDays != out.Climate.HotDays {
			return Inputs{}, fmt.Errorf("gep: combine %s: %s has %v hot days, not %v", code, p.Region, p.Climate.HotDays, out.Climate.HotDays)
		}
		if len(p.Modelled) > 0 {
			return Inputs{}, fmt.Errorf("gep: combine %s: %s has modelled quantities: combine the results instead", code, p.Region)
		}
		for ind, why := range p.Omit {
			out.Omit[ind] = why
		}
		out.AreaKm2 += p.AreaKm2
		for e, x := range p.Ecosystems {
			s := sums[e]
			if s == nil {
				s = &acc{}
				sums[e] = s
			}
			pr := x.PrecipMM
			if pr == 0 {
				pr = p.PrecipMM
			}
			s.a += x.AreaKm2
			s.p += pr * x.AreaKm2
			s.et += x.ETMM * x.AreaKm2
			s.cr += x.CarbonRate * x.AreaKm2
			s.th += x.TranspirationHeat * x.AreaKm2
			s.ion += x.IonConc * x.AreaKm2
			s.soil += SoilRetentionT(x.Soil.R, x.Soil.K, x.Soil.LS, x.Soil.C, x.Soil.P, x.AreaKm2*100)
			e2 := out.Ecosystems[e]
			e2.PestAreaHm2 += x.PestAreaHm2
			out.Ecosystems[e] = e2
		}
		q := &out.Products
		for _, o := range []struct{ dst, src *Output }{{&q.Agriculture, &p.Products.Agriculture}, {&q.Forestry, &p.Products.Forestry},
			{&q.Husbandry, &p.Products.Husbandry}, {&q.Fishery, &p.Products.Fishery}} {
			o.dst.Gross += o.src.Gross
			o.dst.Net += o.src.Net
		}
		q.WaterDomestic += p.Products.WaterDomestic
		q.WaterIndustrial += p.Products.WaterIndustrial
		q.WaterAgricultural += p.Products.WaterAgricultural
		q.HydropowerKWh += p.Products.HydropowerKWh
		out.Flood.LakeExchanges = max(out.Flood.LakeExchanges, p.Flood.LakeExchanges)
		out.Flood.LakeAreaKm2 += p.Flood.LakeAreaKm2
		out.Flood.ReservoirCapacity += p.Flood.ReservoirCapacity
		out.Flood.MarshAreaKm2 += p.Flood.MarshAreaKm2
		out.Air.SO2 += p.Air.SO2
		out.Air.NOx += p.Air.NOx
		out.Air.Dust += p.Air.Dust
		out.Water.COD += p.Water.COD
		out.Water.NH3N += p.Water.NH3N
		out.Water.TP += p.Water.TP
		out.Climate.WaterEvaporation += p.Climate.WaterEvaporation
		out.Recreation.Visits += p.Recreation.Visits
		out.Recreation.TravelCost += p.Recreation.TravelCost
		out.LandscapeValue += p.LandscapeValue
		out.ImportedValue += p.ImportedValue
		if src == "" {
			src = p.Source
		}
	}
	var totalPrecip float64
	for e, s := range sums {
		x := out.Ecosystems[e]
		x.AreaKm2 = s.a
		if s.a > 0 {
			x.PrecipMM, x.ETMM, x.CarbonRate = s.p/s.a, s.et/s.a, s.cr/s.a
			x.TranspirationHeat, x.IonConc = s.th/s.a, s.ion/s.a
		}
		totalPrecip += s.p
		out.Ecosystems[e] = x
		if s.soil > 0 {
			out.Modelled = append(out.Modelled, Quantity{Indicator: SoilRetention, Ecosystem: e, Value: s.soil,
				Source: "sum of the parts' RUSLE soil retention"})
		}
	}
	if out.AreaKm2 > 0 {
		out.PrecipMM = totalPrecip / out.AreaKm2
	}
	if len(out.Omit) == 0 {
		out.Omit = nil
	}
	out.Source = src
	sortQuantities(out.Modelled)
	return out, nil
}

func sortQuantities(qs []Quantity) {
	for i := 1; i < len(qs); i++ {
		for j := i; j > 0 && qs[j].Ecosystem.Class() < qs[j-1].Ecosystem.Class(); j-- {
			qs[j], qs[j-1] = qs[j-1], qs[j]
		}
	}
}
