package carbon

import (
	"sort"

	"cifp"
)

// Quality is the data quality of a figure (数据质量).
type Quality string

// The qualities, best first.
const (
	Metered   Quality = "metered"   // 计量: from a utility or meter feed
	Reported  Quality = "reported"  // 填报: entered or imported by the enterprise
	Estimated Quality = "estimated" // 估算
)

func (q Quality) rank() int {
	switch q {
	case Metered:
		return 3
	case Reported:
		return 2
	case Estimated:
		return 1
	}
	return 0
}

// Valid reports whether q is a defined quality.
func (q Quality) Valid() bool { return q.rank() > 0 }

// Worst returns the lower of two qualities; a figure is only as good as the
// worst input it rests on.
func Worst(a, b Quality) Quality {
	if a == "" {
		return b
	}
	if b == "" || a.rank() <= b.rank() {
		return a
	}
	return b
}

// Activity is one activity-data figure in the item's canonical unit.
type Activity struct {
	Item     string  `json:"item"`
	Quantity float64 `json:"quantity"`
	Quality  Quality `json:"quality"`
}

// Inputs are what Compute needs for one enterprise and period.
type Inputs struct {
	Province   string     // GB/T 2260 province code of the enterprise, e.g. "330000"
	Year       int        // data year: selects the electricity factor
	GridKind   string     // electricity factor kind; "" for the default chain
	Activities []Activity // the period's figures; the same item may appear more than once (summed)
}

// Line is one item's share of an account: the breakdown by source.
type Line struct {
	Item     string  `json:"item"`
	Quantity float64 `json:"quantity"` // canonical unit
	Unit     string  `json:"unit"`
	Factor   float64 `json:"factor"` // tCO2 per unit (0 for economic items)
	TCO2     float64 `json:"tco2"`   // signed: exports and avoided power are negative
	TCE      float64 `json:"tce"`
	Scope    int     `json:"scope"` // 1, 2, or 0 for items outside the scopes
}

// UsedFactor records a factor a result used, so that it can be reproduced.
type UsedFactor struct {
	Code       string  `json:"code"` // fuel code, "electricity:<kind>:<region>", heat_purchased, …
	Year       int     `json:"year,omitempty"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Confidence string  `json:"confidence"`
	Source     string  `json:"source"`
}

// Account is the carbon account of an enterprise for a period. Emissions are
// in tCO2, energy in tce, money in 万元.
type Account struct {
	Scope1      float64 `json:"scope1_tco2"` // fuel combustion
	Scope2      float64 `json:"scope2_tco2"` // purchased electricity and heat, minus exported
	Total       float64 `json:"total_tco2"`  // Scope1 + Scope2
	Avoided     float64 `json:"avoided_tco2"`
	Emissions   float64 `json:"emissions_tco2"` // E = Total − Avoided: the numerator of the intensity
	EnergyTCE   float64 `json:"energy_tce"`
	ValueAdded  float64 `json:"value_added_wan"`
	OutputValue float64 `json:"output_value_wan"`
	// HasIntensity is false when there is no value added; then Intensity
	// and Level are zero.
	HasIntensity    bool         `json:"has_intensity"`
	Intensity       float64      `json:"intensity_t_per_wan"`        // L = E / VA
	IntensityOutput float64      `json:"intensity_output_t_per_wan"` // E / output value, 0 without output value
	Level           Level        `json:"level"`
	Quality         Quality      `json:"quality"`
	Lines           []Line       `json:"lines"`
	Factors         []UsedFactor `json:"factors"`
}

// Compute returns the account of one enterprise and period. It is a pure
// function of the inputs and the factor set. Errors: an unknown item
// (EINVALID), no electricity factor for the province and year (ENOTFOUND).
//
//	Scope1 = Σ fuel × NCV × CC × OF × 44/12
//	Scope2 = (electricity − exported electricity) × EF_grid + (heat − exported heat) × EF_heat
//	E      = Scope1 + Scope2 − self-generated zero-carbon electricity × EF_grid
//	energy = Σ fuel × tce coefficient (GB/T 2589, else NCV / 29.3076)
//	         + net electricity × 0.1229 tce/MWh + net heat × 0.03412 tce/GJ
func Compute(fs *FactorSet, in Inputs) (Account, error) { return compute(fs, in, true) }

// itemQty is one item's summed quantity.
type itemQty struct {
	item string
	q    float64
}

// compute is Compute; without detail it leaves out Lines and Factors, for
// the figures of months, which store no breakdown.
func compute(fs *FactorSet, in Inputs, detail bool) (Account, error) {
	var a Account
	// A handful of items: a slice beats a map.
	qty := make([]itemQty, 0, 8)
	for _, act := range in.Activities {
		i := 0
		for i < len(qty) && qty[i].item != act.Item {
			i++
		}
		if i == len(qty) {
			if _, _, ok := fs.ItemUnit(act.Item); !ok {
				return a, cifp.Errorf(cifp.EINVALID, "unknown item %q", act.Item)
			}
			qty = append(qty, itemQty{item: act.Item})
		}
		qty[i].q += act.Quantity
		a.Quality = Worst(a.Quality, act.Quality)
	}
	sort.Slice(qty, func(i, j int) bool { return qty[i].item < qty[j].item })
	use := func(code string, year int, value float64) {
		if !detail {
			return
		}
		for _, u := range a.Factors {
			if u.Code == code {
				return
			}
		}
		a.Factors = append(a.Factors, fs.Describe(UsedFactor{Code: code, Year: year, Value: value}))
	}
	tceGJ := fs.Other["tce_gj"].Value
	var grid *GridFactor
	gridEF := func() (float64, error) {
		if grid == nil {
			g, err := fs.electricityCached(in.GridKind, in.Province, in.Year)
			if err != nil {
				return 0, err
			}
			grid = &g
			use("electricity:"+g.Kind+":"+g.Region, g.Year, g.Value)
		}
		return grid.Value, nil
	}
	heat := fs.Other["heat_purchased"]
	elecTCE := fs.Other["electricity_tce_equivalent"] // kgce per kWh = tce per MWh
	heatTCE := fs.Other["heat_tce"]
	for _, iq := range qty {
		item, q := iq.item, iq.q
		l := Line{Item: item, Quantity: q}
		_, l.Unit, _ = fs.ItemUnit(item)
		switch item {
		case ItemElectricity, ItemExportedElectricity, ItemSelfRenewable:
			ef, err := gridEF()
			if err != nil {
				return Account{}, err
			}
			sign := 1.0
			if item != ItemElectricity {
				sign = -1
			}
			l.Factor, l.TCO2 = ef, sign*q*ef
			if item == ItemSelfRenewable {
				a.Avoided += q * ef
			} else {
				l.Scope = 2
				a.Scope2 += l.TCO2
				l.TCE = sign * q * elecTCE.Value
				use("electricity_tce_equivalent", 0, elecTCE.Value)
			}
		case ItemHeat, ItemExportedHeat:
			sign := 1.0
			if item == ItemExportedHeat {
				sign = -1
			}
			l.Scope, l.Factor, l.TCO2 = 2, heat.Value, sign*q*heat.Value
			a.Scope2 += l.TCO2
			l.TCE = sign * q * heatTCE.Value
			use("heat_purchased", 0, heat.Value)
			use("heat_tce", 0, heatTCE.Value)
		case ItemValueAdded:
			a.ValueAdded += q
		case ItemOutputValue:
			a.OutputValue += q
		default:
			f := fs.Fuels[item]
			l.Scope, l.Factor = 1, f.EF()
			l.TCO2 = q * l.Factor
			a.Scope1 += l.TCO2
			use(f.Code, 0, l.Factor)
			if f.TCE > 0 {
				l.TCE = q * f.TCE
				use(f.Code+"_tce", 0, f.TCE)
			} else {
				l.TCE = q * f.NCV / tceGJ
				use("tce_gj", 0, tceGJ)
			}
		}
		a.EnergyTCE += l.TCE
		if detail {
			a.Lines = append(a.Lines, l)
		}
	}
	a.Total = a.Scope1 + a.Scope2
	a.Emissions = a.Total - a.Avoided
	if a.ValueAdded > 0 {
		a.HasIntensity = true
		a.Intensity = a.Emissions / a.ValueAdded
		a.Level = LevelOf(a.Intensity)
	}
	if a.OutputValue > 0 {
		a.IntensityOutput = a.Emissions / a.OutputValue
	}
	return a, nil
}
