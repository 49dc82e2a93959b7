package gep

import (
	"fmt"
	"math"
	"strings"

	"cifp"
)

// Stoichiometric and unit constants of the formulas.
const (
	co2PerC  = 44.0 / 12 // t CO2 per t C
	o2PerCO2 = 32.0 / 44 // t O2 released per t CO2 fixed (photosynthesis) [R, gep.md §3.2(7)]
	// ionsPerYear = minutes per year (525,600) × cm³ in 1 hm² × 1 m (1e8 cm² ×
	// 100 cm = 1e10): the 5.256×10¹⁵ of the negative-ion formula with the area
	// in hm², the air-layer height in m and the ion lifetime in minutes.
	ionsPerYear = 5.256e15
)

// Amount is a physical quantity (实物量) of an indicator, before valuation.
type Amount struct {
	Indicator Indicator `json:"indicator"`
	Component string    `json:"component,omitempty"`
	Ecosystem Ecosystem `json:"ecosystem,omitempty"`
	Quantity  float64   `json:"quantity"`
	Unit      string    `json:"unit"`
	Basis     string    `json:"basis"` // "formula", "modelled", "statistics" or "input"
	Source    string    `json:"source,omitempty"`
}

// Line is one valued line (价值量): a quantity times a unit price. Prices are
// moved to the accounting year: Price = PriceBase × IndexFactor.
type Line struct {
	Indicator   Indicator `json:"indicator"`
	Category    Category  `json:"category"`
	Component   string    `json:"component,omitempty"`
	Ecosystem   Ecosystem `json:"ecosystem,omitempty"` // "" when not attributed to one type
	Quantity    float64   `json:"quantity"`
	Unit        string    `json:"unit"`
	PriceCode   string    `json:"price_code"` // parameter code, or "statistics" / "travel_cost" / "hedonic"
	Price       float64   `json:"price"`      // in the accounting year's prices
	PriceUnit   string    `json:"price_unit"`
	PriceBase   float64   `json:"price_base"`           // the profile's price
	PriceYear   int       `json:"price_year,omitempty"` // its price year
	IndexFactor float64   `json:"index_factor"`         // 1 when not moved
	PriceSource string    `json:"price_source"`
	Value       float64   `json:"value"` // 元; negative for the deduction
}

// Total is a sum of line values, 元, under a key (a category, indicator or
// ecosystem type; "" = not attributed).
type Total struct {
	Key    string  `json:"key"`
	NameZH string  `json:"name_zh"`
	Value  float64 `json:"value"`
}

// Result is a GEP account of one region and year under one profile.
type Result struct {
	Region    string   `json:"region"`
	Name      string   `json:"name"`
	Year      int      `json:"year"`
	AreaKm2   float64  `json:"area_km2"`
	ProfileID string   `json:"profile_id"`
	Amounts   []Amount `json:"amounts"` // physical quantities, in catalogue order
	Lines     []Line   `json:"lines"`   // valued lines, in catalogue order

	Provisioning float64 `json:"provisioning"` // 物质产品价值 EMV, 元
	Regulating   float64 `json:"regulating"`   // 调节服务价值 ERV, 元
	Cultural     float64 `json:"cultural"`     // 文化服务价值 ECV, 元
	Deduction    float64 `json:"deduction"`    // out-of-region products subtracted, 元 (≥ 0)
	GEP          float64 `json:"gep"`          // EMV + ERV + ECV − Deduction, 元

	ByIndicator []Total `json:"by_indicator"` // catalogue order, indicators with lines only
	ByEcosystem []Total `json:"by_ecosystem"` // class order, then "" (not attributed)

	Magnitude MagnitudeCheck `json:"magnitude"`
	Warnings  []string       `json:"warnings,omitempty"`
}

// Account computes the GEP of a region-year under a profile: every
// indicator the profile counts, physical quantity first and then value, by
// ecosystem type where the formula is area-based. It fails with a
// *cifp.Error (EINVALID) when the inputs are invalid (see Validate), when the
// profile lacks a coefficient or price the run needs (each named, never taken
// as zero), or when an indicator the profile counts has no inputs and is not
// in Inputs.Omit. Prices whose index is unknown for the years are used
// unmoved, and the result's Warnings say so.
func Account(in Inputs, p *Profile) (Result, error) {
	if p == nil {
		return Result{}, cifp.Errorf(cifp.EINVALID, "gep: no profile")
	}
	if err := Validate(in); err != nil {
		return Result{}, err
	}
	a := &acct{in: &in, p: p, warned: map[string]bool{}}
	a.res = Result{Region: in.Region, Name: in.Name, Year: in.Year, AreaKm2: in.AreaKm2, ProfileID: p.ID}
	for _, q := range in.Modelled {
		if !p.Enabled(q.Indicator) {
			a.warn("modelled %s is not counted under profile %s", q.Indicator, p.Version)
		}
	}
	for _, info := range Indicators() {
		ind := info.Code
		if !p.Enabled(ind) {
			continue
		}
		if why, ok := in.Omit[ind]; ok {
			a.warn("%s (%s) omitted: %s", ind, info.NameZH, why)
			continue
		}
		n, nd := len(a.res.Amounts), len(a.noData)
		a.cat = info.Category
		a.indicator(ind)
		empty := true
		for _, am := range a.res.Amounts[n:] {
			if am.Quantity > 0 {
				empty = false
			}
		}
		if empty && len(a.missing) == 0 && len(a.noData) == nd {
			a.noData = append(a.noData, cifp.FieldError{Field: "inputs." + string(ind),
				Message: fmt.Sprintf("%s (%s) is counted by profile %s but the inputs give it nothing: give its inputs, a modelled quantity, or name it in omit with the reason", ind, info.NameZH, p.Version)})
		}
	}
	if len(a.missing) > 0 {
		return Result{}, cifp.Invalid(fmt.Sprintf("gep: profile %s lacks %d values this run needs", p.ID, len(a.missing)), a.missing...)
	}
	if len(a.noData) > 0 {
		return Result{}, cifp.Invalid("gep: inputs of "+in.Region+" lack indicators the profile counts", a.noData...)
	}
	if in.ImportedValue > 0 {
		if p.DeductImported {
			a.res.Lines = append(a.res.Lines, Line{Indicator: "imported_products", Category: Deduction,
				Quantity: in.ImportedValue, Unit: "元", PriceCode: "statistics", Price: 1, PriceUnit: "元/元", PriceBase: 1,
				IndexFactor: 1, PriceSource: "GB/T 46869-2025: value of products from outside the region", Value: -in.ImportedValue})
		} else {
			a.warn("imported_value %.0f 元 not deducted: profile %s does not deduct out-of-region products", in.ImportedValue, p.Version)
		}
	}
	a.totals()
	a.res.Magnitude = CheckMagnitude(a.res.GEP, in.AreaKm2)
	if !a.res.Magnitude.Within {
		a.warn("%s", a.res.Magnitude.Message)
	}
	return a.res, nil
}

// acct carries one run of Account.
type acct struct {
	in      *Inputs
	p       *Profile
	res     Result
	cat     Category
	missing []cifp.FieldError
	noData  []cifp.FieldError
	warned  map[string]bool
}

func (a *acct) warn(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !a.warned[s] {
		a.warned[s] = true
		a.res.Warnings = append(a.res.Warnings, s)
	}
}

// param returns a known parameter or records it as missing.
func (a *acct) param(code string, ind Indicator) (Param, bool) {
	q, ok := a.p.Param(code)
	if ok && q.Known() {
		return q, true
	}
	spec, _ := specOf(code)
	for i, f := range a.missing {
		if f.Field == code {
			if !strings.Contains(f.Message, string(ind)) {
				a.missing[i].Message += ", " + string(ind)
			}
			return Param{}, false
		}
	}
	state := "is not in"
	if ok {
		state = "is unknown in"
	}
	a.missing = append(a.missing, cifp.FieldError{Field: code,
		Message: fmt.Sprintf("%s (%s) %s profile %s; needed by %s", spec.NameZH, spec.Unit, state, a.p.ID, ind)})
	return Param{}, false
}

// coef returns a coefficient's value, 0 when missing (recorded: the run fails).
func (a *acct) coef(code string, ind Indicator) float64 {
	q, ok := a.param(code, ind)
	if !ok {
		return 0
	}
	return *q.Value
}

type price struct {
	code, unit, source string
	base, factor       float64
	year               int
}

// price returns a unit price moved to the accounting year.
func (a *acct) price(code string, ind Indicator) price {
	q, ok := a.param(code, ind)
	if !ok {
		return price{code: code}
	}
	pr := price{code: code, unit: q.Unit, source: q.Source, base: *q.Value, factor: 1, year: q.Year}
	switch {
	case q.Year == a.in.Year:
	case q.Index == "":
		a.warn("%s is a %d price and is not indexed: used unmoved in %d", code, q.Year, a.in.Year)
	default:
		f, ok := a.p.index.Factor(q.Index, q.Year, a.in.Year)
		if ok {
			pr.factor = f
		} else {
			a.warn("%s (%d) not moved to %d: the %s index has no level for both years; used as a %d price", code, q.Year, a.in.Year, q.Index, q.Year)
		}
	}
	return pr
}

func (a *acct) amount(ind Indicator, comp string, e Ecosystem, q float64, unit, basis, source string) {
	a.res.Amounts = append(a.res.Amounts, Amount{ind, comp, e, q, unit, basis, source})
}

func (a *acct) line(ind Indicator, comp string, e Ecosystem, q float64, unit string, pr price) {
	a.res.Lines = append(a.res.Lines, Line{Indicator: ind, Category: a.cat, Component: comp, Ecosystem: e,
		Quantity: q, Unit: unit, PriceCode: pr.code, Price: pr.base * pr.factor, PriceUnit: pr.unit, PriceBase: pr.base,
		PriceYear: pr.year, IndexFactor: pr.factor, PriceSource: pr.source, Value: q * pr.base * pr.factor})
}

// modelled returns the modelled quantities of an indicator's component.
func (a *acct) modelled(ind Indicator, comp string) []Quantity {
	var out []Quantity
	for _, q := range a.in.Modelled {
		if q.Indicator == ind && q.Component == comp {
			out = append(out, q)
		}
	}
	return out
}

// counted returns the ecosystem types with area that count for ind.
func (a *acct) counted(ind Indicator) []Ecosystem {
	var out []Ecosystem
	for _, e := range sortedEcosystems(a.in.Ecosystems) {
		if a.in.Ecosystems[e].AreaKm2 > 0 && a.p.Counts(ind, e) {
			out = append(out, e)
		}
	}
	return out
}

// need records a missing input of an indicator.
func (a *acct) need(field string, ind Indicator, what string) {
	a.noData = append(a.noData, cifp.FieldError{Field: field, Message: fmt.Sprintf("%s is needed by %s", what, ind)})
}

type physical struct {
	e     Ecosystem
	q     float64
	basis string
	src   string
}

// quantities returns the modelled quantities of ind/comp, or else computes
// them per counted ecosystem type with f, and records them as amounts.
func (a *acct) quantities(ind Indicator, comp, unit string, f func(e Ecosystem, x EcoInputs) (float64, bool)) []physical {
	var out []physical
	if m := a.modelled(ind, comp); len(m) > 0 {
		for _, q := range m {
			out = append(out, physical{q.Ecosystem, q.Value, "modelled", q.Source})
		}
	} else if f != nil {
		for _, e := range a.counted(ind) {
			if q, ok := f(e, a.in.Ecosystems[e]); ok {
				out = append(out, physical{e, q, "formula", ""})
			}
		}
	}
	for _, x := range out {
		a.amount(ind, comp, x.e, x.q, unit, x.basis, x.src)
	}
	return out
}

func (a *acct) indicator(ind Indicator) {
	in := a.in
	switch ind {
	case Agriculture, ForestryProducts, Husbandry, Fishery:
		// Attribution to one ecosystem type each is a design decision [D].
		o, e := in.Products.Agriculture, Farmland
		switch ind {
		case ForestryProducts:
			o, e = in.Products.Forestry, Forest
		case Husbandry:
			o, e = in.Products.Husbandry, Grassland
		case Fishery:
			o, e = in.Products.Fishery, Wetland
		}
		v := o.Gross
		if a.p.ProvisioningBasis == "net" {
			v = o.Net
		}
		if v > 0 {
			a.amount(ind, "", e, v, "元", "statistics", a.p.ProvisioningBasis+" output value (统计年鉴)")
			a.line(ind, "", e, v, "元", price{code: "statistics", unit: "元/元", base: 1, factor: 1,
				source: "statistical yearbook, " + a.p.ProvisioningBasis + " output value (市场价值法)"})
		}
	case WaterSupply:
		for _, w := range []struct {
			comp, code string
			q          float64
		}{{"domestic", "price.water_domestic", in.Products.WaterDomestic},
			{"industrial", "price.water_industrial", in.Products.WaterIndustrial},
			{"agricultural", "price.water_agricultural", in.Products.WaterAgricultural}} {
			if w.q > 0 {
				a.amount(ind, w.comp, "", w.q, "m³", "input", "water resources bulletin")
				a.line(ind, w.comp, "", w.q, "m³", a.price(w.code, ind))
			}
		}
	case Hydropower:
		if q := in.Products.HydropowerKWh; q > 0 {
			a.amount(ind, "", "", q, "kWh", "input", "")
			a.line(ind, "", "", q, "kWh", a.price("price.hydropower", ind))
		}
	case WaterConservation:
		// Q = (P − R − ET) × A, R = α P (storm runoff), mm × 1e-3 × m² = m³.
		qs := a.quantities(ind, "", "m³", func(e Ecosystem, x EcoInputs) (float64, bool) {
			p := x.PrecipMM
			if p == 0 {
				p = in.PrecipMM
			}
			if p == 0 {
				a.need("ecosystems."+string(e)+".precip_mm", ind, "precipitation")
				return 0, false
			}
			if x.ETMM == 0 {
				a.need("ecosystems."+string(e)+".et_mm", ind, "evapotranspiration")
				return 0, false
			}
			alpha := a.coef("coef.runoff."+string(e), ind)
			q := WaterConservationM3(p, alpha, x.ETMM, x.AreaKm2*1e6)
			if q < 0 {
				a.warn("water conservation of %s is negative (ET %.0f mm exceeds net precipitation); counted as 0", e, x.ETMM)
				q = 0
			}
			return q, true
		})
		pr := a.price("price.reservoir", ind)
		for _, x := range qs {
			a.line(ind, "", x.e, x.q, "m³", pr)
		}
	case SoilRetention:
		qs := a.quantities(ind, "", "t", func(e Ecosystem, x EcoInputs) (float64, bool) {
			s := x.Soil
			if s.R == 0 && s.K == 0 && s.LS == 0 {
				return 0, false // no soil (water surface, sealed land): nothing retained
			}
			if s.R == 0 || s.K == 0 || s.LS == 0 {
				a.need("ecosystems."+string(e)+".soil", ind, "all three RUSLE factors R, K and LS (some are zero)")
				return 0, false
			}
			return SoilRetentionT(s.R, s.K, s.LS, s.C, s.P, x.AreaKm2*100), true
		})
		lambda, rho := a.coef("coef.sediment_ratio", ind), a.coef("coef.bulk_density", ind)
		cn, cp := a.coef("coef.soil_n", ind), a.coef("coef.soil_p", ind)
		_, withK := a.p.Param("coef.soil_k")
		var ck float64
		if withK {
			ck = a.coef("coef.soil_k", ind)
		}
		dredge, pn, pp := a.price("price.dredging", ind), a.price("price.nitrogen", ind), a.price("price.phosphorus", ind)
		var pk price
		if withK {
			pk = a.price("price.potassium", ind)
		}
		for _, x := range qs {
			if rho > 0 {
				a.line(ind, "sediment", x.e, x.q*lambda/rho, "m³", dredge)
			}
			a.line(ind, "nitrogen", x.e, x.q*cn, "t", pn)
			a.line(ind, "phosphorus", x.e, x.q*cp, "t", pp)
			if withK {
				a.line(ind, "potassium", x.e, x.q*ck, "t", pk)
			}
		}
	case SandFixation:
		qs := a.quantities(ind, "", "t", nil)
		if len(qs) == 0 {
			a.need("modelled", ind, "a modelled quantity (RWEQ: potential minus actual wind erosion, t)")
			return
		}
		rho, h := a.coef("coef.sand_density", ind), a.coef("coef.sand_depth", ind)
		pr := a.price("price.sand_fixation", ind)
		for _, x := range qs {
			if rho > 0 && h > 0 {
				a.line(ind, "", x.e, x.q/(rho*h), "m²", pr)
			}
		}
	case FloodRegulation:
		fl := in.Flood
		pr := a.price("price.reservoir", ind)
		parts := []struct {
			comp string
			has  bool
			f    func() float64
		}{
			{"lake", fl.LakeAreaKm2 > 0, func() float64 {
				if fl.LakeExchanges == 0 {
					a.need("flood.lake_exchanges", ind, "the number of water exchanges of the lakes")
				}
				return LakeStorageM3(a.coef("coef.lake_ln_a", ind), a.coef("coef.lake_b", ind), fl.LakeAreaKm2, fl.LakeExchanges)
			}},
			{"reservoir", fl.ReservoirCapacity > 0, func() float64 { return a.coef("coef.reservoir_flood_share", ind) * fl.ReservoirCapacity }},
			{"marsh", fl.MarshAreaKm2 > 0, func() float64 { return a.coef("coef.marsh_depth", ind) * fl.MarshAreaKm2 * 1e6 }},
		}
		for _, c := range parts {
			var qs []physical
			if len(a.modelled(ind, c.comp)) > 0 {
				qs = a.quantities(ind, c.comp, "m³", nil)
			} else if c.has {
				q := c.f()
				a.amount(ind, c.comp, Wetland, q, "m³", "formula", "")
				qs = []physical{{Wetland, q, "formula", ""}}
			}
			for _, x := range qs {
				a.line(ind, c.comp, x.e, x.q, "m³", pr)
			}
		}
	case AirPurification:
		a.purify(ind, "coef.air.", []pollutant{{"so2", in.Air.SO2}, {"nox", in.Air.NOx}, {"dust", in.Air.Dust}})
	case WaterPurification:
		a.purify(ind, "coef.water.", []pollutant{{"cod", in.Water.COD}, {"nh3n", in.Water.NH3N}, {"tp", in.Water.TP}})
	case CarbonSequestration:
		qs := a.carbon(ind)
		pr := a.price("price.carbon", ind)
		for _, x := range qs {
			a.line(ind, "", x.e, x.q, "t CO2", pr)
		}
	case OxygenRelease:
		var qs []physical
		if len(a.modelled(ind, "")) > 0 {
			qs = a.quantities(ind, "", "t O2", nil)
		} else {
			n := len(a.res.Amounts)
			for _, x := range a.carbon(ind) {
				qs = append(qs, physical{x.e, x.q * o2PerCO2, "formula", "32/44 of the CO2 fixed"})
			}
			a.res.Amounts = a.res.Amounts[:n] // the CO2 amounts belong to carbon sequestration
			for _, x := range qs {
				a.amount(ind, "", x.e, x.q, "t O2", x.basis, x.src)
			}
		}
		pr := a.price("price.oxygen", ind)
		for _, x := range qs {
			a.line(ind, "", x.e, x.q, "t", pr)
		}
	case ClimateRegulation:
		pr := a.price("price.electricity", ind)
		veg := a.quantities(ind, "vegetation", "kWh", func(e Ecosystem, x EcoInputs) (float64, bool) {
			if x.TranspirationHeat == 0 {
				return 0, false
			}
			if in.Climate.HotDays == 0 {
				a.need("climate.hot_days", ind, "the number of hot days")
				return 0, false
			}
			return TranspirationKWh(x.TranspirationHeat, x.AreaKm2*1e6, in.Climate.HotDays, a.coef("coef.ac_eer", ind)), true
		})
		for _, x := range veg {
			a.line(ind, "vegetation", x.e, x.q, "kWh", pr)
		}
		var ws []physical
		if len(a.modelled(ind, "water_surface")) > 0 {
			ws = a.quantities(ind, "water_surface", "kWh", nil)
		} else if ev := in.Climate.WaterEvaporation; ev > 0 {
			q := EvaporationKWh(ev, a.coef("coef.water_density", ind), a.coef("coef.latent_heat", ind), a.coef("coef.humidifier", ind))
			a.amount(ind, "water_surface", Wetland, q, "kWh", "formula", "")
			ws = []physical{{Wetland, q, "formula", ""}}
		}
		for _, x := range ws {
			a.line(ind, "water_surface", x.e, x.q, "kWh", pr)
		}
	case NegativeIons:
		qs := a.quantities(ind, "", "10^18 ions", func(e Ecosystem, x EcoInputs) (float64, bool) {
			if x.IonConc == 0 {
				return 0, false
			}
			return NegativeIons1e18(x.IonConc, x.AreaKm2*100, a.coef("coef.ion_height", ind), a.coef("coef.ion_lifetime", ind)), true
		})
		pr := a.price("price.negative_ions", ind)
		for _, x := range qs {
			a.line(ind, "", x.e, x.q, "10^18 ions", pr)
		}
	case PestControl:
		for _, e := range a.counted(ind) {
			if q := in.Ecosystems[e].PestAreaHm2; q > 0 {
				a.amount(ind, "", e, q, "hm²", "input", "")
				a.line(ind, "", e, q, "hm²", a.price("price.pest."+string(e), ind))
			}
		}
	case Recreation:
		r := in.Recreation
		switch {
		case r.TravelCost > 0 && r.Visits > 0:
			a.amount(ind, "", "", r.Visits, "人次", "input", "")
			a.line(ind, "", "", r.Visits, "人次", price{code: "travel_cost", unit: "元/人次", base: r.TravelCost / r.Visits,
				factor: 1, source: "travel-cost study of the accounting year (旅行费用法): total travel cost / visits"})
		case r.TravelCost > 0:
			a.amount(ind, "", "", r.TravelCost, "元", "input", "")
			a.line(ind, "", "", r.TravelCost, "元", price{code: "travel_cost", unit: "元/元", base: 1, factor: 1,
				source: "travel-cost study of the accounting year (旅行费用法)"})
		case r.Visits > 0:
			a.amount(ind, "", "", r.Visits, "人次", "input", "")
			a.line(ind, "", "", r.Visits, "人次", a.price("price.recreation", ind))
		}
	case Landscape:
		if v := in.LandscapeValue; v > 0 {
			a.amount(ind, "", "", v, "元", "input", "")
			a.line(ind, "", "", v, "元", price{code: "hedonic", unit: "元/元", base: 1, factor: 1,
				source: "hedonic study of the accounting year (景观价值)"})
		}
	}
}

type pollutant struct {
	code     string
	emission float64 // t/a
}

// purify values air or water purification: the purified amount is the
// emission ("emissions" profiles, GANZI) or min(capacity, emission) with the
// capacity Σ area × per-area capacity, attributed to the types pro rata.
func (a *acct) purify(ind Indicator, coefPrefix string, ps []pollutant) {
	for _, pl := range ps {
		if pl.emission == 0 {
			continue
		}
		pr := a.price("price."+pl.code, ind)
		if a.p.Purification == "emissions" {
			a.amount(ind, pl.code, "", pl.emission, "t", "input", "emissions taken as purified")
			a.line(ind, pl.code, "", pl.emission, "t", pr)
			continue
		}
		var caps []physical
		var total float64
		for _, e := range a.counted(ind) {
			c := a.coef(coefPrefix+pl.code+"."+string(e), ind) * a.in.Ecosystems[e].AreaKm2
			caps = append(caps, physical{e: e, q: c})
			total += c
		}
		q := math.Min(total, pl.emission)
		for _, c := range caps {
			if total > 0 && c.q > 0 {
				share := q * c.q / total
				a.amount(ind, pl.code, c.e, share, "t", "formula", "min(capacity, emission)")
				a.line(ind, pl.code, c.e, share, "t", pr)
			}
		}
	}
}

// carbon returns CO2 fixed per ecosystem type (recording the amounts).
func (a *acct) carbon(ind Indicator) []physical {
	if m := a.modelled(CarbonSequestration, ""); len(m) > 0 {
		return a.quantities(CarbonSequestration, "", "t CO2", nil)
	}
	return a.quantities(CarbonSequestration, "", "t CO2", func(e Ecosystem, x EcoInputs) (float64, bool) {
		if x.CarbonRate == 0 || !a.p.Counts(ind, e) {
			return 0, false
		}
		beta := 0.0
		if e == Forest {
			beta = a.coef("coef.carbon_soil_ratio", ind)
		}
		return CarbonCO2T(x.CarbonRate, x.AreaKm2*100, beta), true
	})
}

func (a *acct) totals() {
	r := &a.res
	byInd := map[string]float64{}
	byEco := map[Ecosystem]float64{}
	for _, l := range r.Lines {
		switch l.Category {
		case Provisioning:
			r.Provisioning += l.Value
		case Regulating:
			r.Regulating += l.Value
		case Cultural:
			r.Cultural += l.Value
		case Deduction:
			r.Deduction -= l.Value
			continue
		}
		byInd[string(l.Indicator)] += l.Value
		byEco[l.Ecosystem] += l.Value
	}
	r.GEP = r.Provisioning + r.Regulating + r.Cultural - r.Deduction
	for _, info := range Indicators() {
		if v, ok := byInd[string(info.Code)]; ok {
			r.ByIndicator = append(r.ByIndicator, Total{string(info.Code), info.NameZH, v})
		}
	}
	keys := append(Ecosystems(), "")
	for _, e := range keys {
		if v, ok := byEco[e]; ok {
			name := e.NameZH()
			r.ByEcosystem = append(r.ByEcosystem, Total{string(e), name, v})
		}
	}
}

// Line-level formulas, exported for single-value use and tests.

// WaterConservationM3 is the water-balance quantity of water conservation
// (水源涵养量), m³/a: (P − α·P − ET) × 1e-3 × A, with P and ET in mm/a, α the
// storm-runoff coefficient and A in m². It may be negative.
func WaterConservationM3(precipMM, runoffCoef, etMM, areaM2 float64) float64 {
	return (precipMM - runoffCoef*precipMM - etMM) * 1e-3 * areaM2
}

// SoilRetentionT is the soil retention (土壤保持量) R·K·LS·(1 − C·P) × A, t/a,
// with A in hm² (RUSLE in t per hm² per year).
func SoilRetentionT(r, k, ls, c, p, areaHm2 float64) float64 {
	return r * k * ls * (1 - c*p) * areaHm2
}

// LakeStorageM3 is the flood storage of lakes (湖泊洪水调蓄量), m³/a:
// e^lnA × S^b × T × 10⁴, S in km², T water exchanges a year (Rao et al. 2014;
// GANZI uses the Qinghai–Tibet coefficients lnA 6.636, b 0.678).
func LakeStorageM3(lnA, b, areaKm2, exchanges float64) float64 {
	return math.Exp(lnA) * math.Pow(areaKm2, b) * exchanges * 1e4
}

// CarbonCO2T is the CO2 fixed (固碳量), t/a: rate (t C/hm²/a) × A (hm²) ×
// (1 + β) × 44/12, β the soil-to-vegetation sequestration ratio (forest).
func CarbonCO2T(rateTCPerHm2, areaHm2, beta float64) float64 {
	return rateTCPerHm2 * areaHm2 * (1 + beta) * co2PerC
}

// TranspirationKWh is the energy of vegetation transpiration (植被蒸腾消耗能量),
// kWh: heat (kJ/m²/d) × A (m²) × d / (3600 × r), r the air conditioner's
// energy-efficiency ratio.
func TranspirationKWh(heatKJPerM2Day, areaM2, days, eer float64) float64 {
	if eer == 0 {
		return 0
	}
	return heatKJPerM2Day * areaM2 * days / (3600 * eer)
}

// EvaporationKWh is the energy of water-surface evaporation (水面蒸发消耗能量),
// kWh: E × ρ × q / 3600 + E × γ, E in m³, ρ in kg/m³, q in kJ/kg, γ in kWh/m³.
func EvaporationKWh(evapM3, density, latentKJPerKg, humidifierKWhPerM3 float64) float64 {
	return evapM3*density*latentKJPerKg/3600 + evapM3*humidifierKWhPerM3
}

// NegativeIons1e18 is the number of negative oxygen ions supplied a year
// (负氧离子供给量), in units of 10¹⁸ ions: 5.256×10¹⁵ × Q × A × H / L, Q in
// ions/cm³, A in hm², H in m, L (lifetime) in minutes.
func NegativeIons1e18(ionsPerCm3, areaHm2, heightM, lifetimeMin float64) float64 {
	if lifetimeMin == 0 {
		return 0
	}
	return ionsPerYear * ionsPerCm3 * areaHm2 * heightM / lifetimeMin / 1e18
}
