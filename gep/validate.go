package gep

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"cifp"
)

// AreaTolerance is the relative difference allowed between the sum of the
// ecosystem areas and the region's land area: 0.5 %. Land-cover
// classifications and the statistical land area differ by rounding and by
// slivers along the boundary; a larger gap means a class is missing or the
// wrong boundary was used [D].
const AreaTolerance = 0.005

// Validate checks inputs without a profile: the region code, the year, that
// every number is finite and non-negative (and fractions at most 1), that the
// ecosystem areas add up to the land area within AreaTolerance, and that
// modelled quantities and omissions name what Account knows. It returns a
// *cifp.Error with code EINVALID listing each bad field, or nil.
func Validate(in Inputs) error {
	var fs []cifp.FieldError
	bad := func(field, msg string, v any) {
		fs = append(fs, cifp.FieldError{Field: field, Message: msg, Value: fmt.Sprint(v)})
	}
	num := func(field string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad(field, "is not a finite number", v)
		} else if v < 0 {
			bad(field, "must not be negative", v)
		}
	}
	frac := func(field string, v float64) {
		num(field, v)
		if v > 1 {
			bad(field, "is a fraction and must be at most 1", v)
		}
	}
	if _, err := strconv.ParseUint(in.Region, 10, 64); err != nil || (len(in.Region) != 6 && len(in.Region) != 9 && len(in.Region) != 12) {
		bad("region", "must be a GB/T 2260 code of 6 digits (9 or 12 below county level)", in.Region)
	}
	if in.Year < 1949 || in.Year > 2100 {
		bad("year", "must be an accounting year between 1949 and 2100", in.Year)
	}
	num("area_km2", in.AreaKm2)
	if in.AreaKm2 == 0 {
		bad("area_km2", "the region's land area is required", in.AreaKm2)
	}
	num("precip_mm", in.PrecipMM)
	var sum float64
	for _, e := range sortedEcosystems(in.Ecosystems) {
		x := in.Ecosystems[e]
		f := "ecosystems." + string(e)
		if !e.Valid() {
			bad(f, "is not an ecosystem type (forest, shrub, grassland, wetland, farmland, urban, bare, glacier)", e)
			continue
		}
		num(f+".area_km2", x.AreaKm2)
		num(f+".precip_mm", x.PrecipMM)
		num(f+".et_mm", x.ETMM)
		num(f+".soil.r", x.Soil.R)
		num(f+".soil.k", x.Soil.K)
		num(f+".soil.ls", x.Soil.LS)
		frac(f+".soil.c", x.Soil.C)
		frac(f+".soil.p", x.Soil.P)
		num(f+".carbon_rate", x.CarbonRate)
		num(f+".transpiration_heat", x.TranspirationHeat)
		num(f+".ion_conc", x.IonConc)
		num(f+".pest_area_hm2", x.PestAreaHm2)
		if x.PestAreaHm2 > x.AreaKm2*100*(1+1e-9) {
			bad(f+".pest_area_hm2", fmt.Sprintf("exceeds the type's area (%.2f hm²)", x.AreaKm2*100), x.PestAreaHm2)
		}
		sum += x.AreaKm2
	}
	if in.AreaKm2 > 0 && len(in.Ecosystems) > 0 && math.Abs(sum-in.AreaKm2) > AreaTolerance*in.AreaKm2 {
		bad("ecosystems", fmt.Sprintf("areas add up to %.2f km², not the land area %.2f km² (tolerance %.1f %%)",
			sum, in.AreaKm2, AreaTolerance*100), sum)
	} else if len(in.Ecosystems) == 0 {
		bad("ecosystems", "the areas of the ecosystem types are required", "")
	}
	p := in.Products
	for _, o := range []struct {
		f string
		v Output
	}{{"agriculture", p.Agriculture}, {"forestry", p.Forestry}, {"husbandry", p.Husbandry}, {"fishery", p.Fishery}} {
		num("products."+o.f+".gross", o.v.Gross)
		num("products."+o.f+".net", o.v.Net)
	}
	num("products.water_domestic", p.WaterDomestic)
	num("products.water_industrial", p.WaterIndustrial)
	num("products.water_agricultural", p.WaterAgricultural)
	num("products.hydropower_kwh", p.HydropowerKWh)
	num("flood.lake_area_km2", in.Flood.LakeAreaKm2)
	num("flood.lake_exchanges", in.Flood.LakeExchanges)
	num("flood.reservoir_capacity", in.Flood.ReservoirCapacity)
	num("flood.marsh_area_km2", in.Flood.MarshAreaKm2)
	if w := in.Ecosystems[Wetland].AreaKm2; in.Flood.LakeAreaKm2+in.Flood.MarshAreaKm2 > w*(1+AreaTolerance) {
		bad("flood", fmt.Sprintf("lake and marsh areas exceed the wetland area (%.2f km²)", w), in.Flood.LakeAreaKm2+in.Flood.MarshAreaKm2)
	}
	num("air.so2", in.Air.SO2)
	num("air.nox", in.Air.NOx)
	num("air.dust", in.Air.Dust)
	num("water.cod", in.Water.COD)
	num("water.nh3n", in.Water.NH3N)
	num("water.tp", in.Water.TP)
	num("climate.hot_days", in.Climate.HotDays)
	if in.Climate.HotDays > 366 {
		bad("climate.hot_days", "must be at most 366", in.Climate.HotDays)
	}
	num("climate.water_evaporation", in.Climate.WaterEvaporation)
	num("recreation.visits", in.Recreation.Visits)
	num("recreation.travel_cost", in.Recreation.TravelCost)
	num("landscape_value", in.LandscapeValue)
	num("imported_value", in.ImportedValue)
	seen := map[string]bool{}
	for i, q := range in.Modelled {
		f := fmt.Sprintf("modelled[%d]", i)
		if _, ok := QuantityUnit(q.Indicator, q.Component); !ok {
			bad(f, "is not a quantity that can be modelled", string(q.Indicator)+"/"+q.Component)
		}
		if q.Ecosystem != "" && !q.Ecosystem.Valid() {
			bad(f+".ecosystem", "is not an ecosystem type", q.Ecosystem)
		}
		num(f+".value", q.Value)
		k := string(q.Indicator) + "/" + q.Component + "/" + string(q.Ecosystem)
		if seen[k] {
			bad(f, "is given twice", k)
		}
		seen[k] = true
	}
	for _, ind := range slices.Sorted(maps.Keys(in.Omit)) {
		why := in.Omit[ind]
		if _, ok := ind.Info(); !ok {
			bad("omit."+string(ind), "is not an indicator", ind)
		} else if why == "" {
			bad("omit."+string(ind), "needs a reason", "")
		}
	}
	return cifp.Invalid("gep: the inputs of "+in.Region+" "+strconv.Itoa(in.Year)+" are not valid", fs...)
}

// sortedEcosystems returns the keys of m in class order, unknown keys last.
func sortedEcosystems[V any](m map[Ecosystem]V) []Ecosystem {
	var out []Ecosystem
	for _, e := range Ecosystems() {
		if _, ok := m[e]; ok {
			out = append(out, e)
		}
	}
	for e := range m {
		if !e.Valid() {
			out = append(out, e)
		}
	}
	return out
}
