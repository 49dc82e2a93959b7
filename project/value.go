package project

import (
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"cifp"
	"cifp/internal/datafile"
)

//go:embed data/value.csv
var valueCSV []byte

// Scenario is a carbon-price scenario (碳价情景) in 元 per tCO2.
type Scenario struct {
	Code, Unit, Confidence, Source string
	Price                          float64
}

// ValueParams are the value assessment's discount rate and carbon-price
// scenarios (data/value.csv).
type ValueParams struct {
	ID             string
	Discount       float64
	DiscountSource string
	Scenarios      []Scenario
}

// DefaultValueParams returns the embedded parameters; it panics on
// malformed data, which a test catches.
var DefaultValueParams = sync.OnceValue(func() *ValueParams {
	rows, err := datafile.Read(valueCSV)
	if err != nil {
		panic(fmt.Errorf("value.csv: %w", err))
	}
	v := &ValueParams{ID: "value@" + contentID(valueCSV)}
	for _, r := range rows {
		x, err := datafile.NonNegative(r, "value")
		if err != nil {
			panic(fmt.Errorf("value.csv %s: %w", r["code"], err))
		}
		switch r["kind"] {
		case "discount":
			v.Discount, v.DiscountSource = x, r["source"]
		case "carbon_price":
			v.Scenarios = append(v.Scenarios, Scenario{Code: r["code"], Price: x, Unit: r["unit"], Confidence: r["confidence"], Source: r["source"]})
		default:
			panic(fmt.Errorf("value.csv: unknown kind %q", r["kind"]))
		}
	}
	if v.Discount <= 0 || len(v.Scenarios) == 0 {
		panic("value.csv: want a discount rate and at least one carbon-price scenario")
	}
	return v
})

// Scenario returns the carbon-price scenario with the code.
func (v *ValueParams) Scenario(code string) (Scenario, bool) {
	for _, s := range v.Scenarios {
		if s.Code == code {
			return s, true
		}
	}
	return Scenario{}, false
}

// NPV is the net present value of cash flows, the first at time 0, at the
// rate per period: Σ cf_t / (1+r)^t.
func NPV(rate float64, flows []float64) float64 {
	sum := 0.0
	for t, cf := range flows {
		sum += cf / math.Pow(1+rate, float64(t))
	}
	return sum
}

// IRR is the internal rate of return: the rate at which NPV is zero. It
// reports false when the flows do not change sign once from negative to
// positive, or no rate in (-99 %, 1000 %) solves them. Bisection: NPV falls
// with the rate for such flows, so the root is unique and found to 1e-10.
func IRR(flows []float64) (float64, bool) {
	if len(flows) < 2 || flows[0] >= 0 {
		return 0, false
	}
	lo, hi := -0.99, 10.0
	flo, fhi := NPV(lo, flows), NPV(hi, flows)
	if flo*fhi > 0 {
		return 0, false
	}
	for i := 0; i < 200 && hi-lo > 1e-12; i++ {
		mid := (lo + hi) / 2
		fm := NPV(mid, flows)
		if (fm > 0) == (flo > 0) {
			lo, flo = mid, fm
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2, true
}

// Economics are a project's financial inputs, in 万元.
type Economics struct {
	Investment   float64 // total investment, spent at year 0
	Revenue      float64 // annual operating revenue
	Opex         float64 // annual operating cost
	Lifetime     int     // years of operation
	CoBenefit    float64 // quantified co-benefits per year (e.g. pollution reduction value)
	AnnualTCO2   float64 // expected annual reduction
	CarbonPrice  float64 // 元 per tCO2
	DiscountRate float64
}

// Assessment is a project's value assessment (价值评估), in 万元.
type Assessment struct {
	Scenario      string   `json:"scenario"`
	CarbonPrice   float64  `json:"carbon_price"` // 元/tCO2
	DiscountRate  float64  `json:"discount_rate"`
	NPV           float64  `json:"npv"`           // financial cash flows only
	IRR           *float64 `json:"irr,omitempty"` // financial; nil when it does not exist
	CarbonValue   float64  `json:"carbon_value"`  // present value of the reductions at the price
	CoBenefits    float64  `json:"co_benefits"`   // present value of the quantified co-benefits
	Total         float64  `json:"total"`         // NPV + carbon value + co-benefits
	IRRWithCarbon *float64 `json:"irr_with_carbon,omitempty"`
	CostPerTonne  *float64 `json:"cost_per_tonne,omitempty"` // 元 per tCO2 over the lifetime
	Params        string   `json:"params"`
}

// Assess values a project: the NPV and IRR of its cash flows (−investment,
// then revenue − opex each year of its lifetime), the present value of its
// reductions at the carbon price and of its quantified co-benefits, and
// the cost per tonne (investment ÷ lifetime reductions).
func Assess(e Economics) Assessment {
	fin := make([]float64, e.Lifetime+1)
	withCarbon := make([]float64, e.Lifetime+1)
	fin[0], withCarbon[0] = -e.Investment, -e.Investment
	carbonPerYear := e.AnnualTCO2 * e.CarbonPrice / 10000 // 万元
	for t := 1; t <= e.Lifetime; t++ {
		fin[t] = e.Revenue - e.Opex
		withCarbon[t] = fin[t] + carbonPerYear
	}
	a := Assessment{CarbonPrice: e.CarbonPrice, DiscountRate: e.DiscountRate, NPV: NPV(e.DiscountRate, fin)}
	annuity := NPV(e.DiscountRate, append([]float64{0}, repeat(1, e.Lifetime)...))
	a.CarbonValue = carbonPerYear * annuity
	a.CoBenefits = e.CoBenefit * annuity
	a.Total = a.NPV + a.CarbonValue + a.CoBenefits
	if r, ok := IRR(fin); ok {
		a.IRR = &r
	}
	if r, ok := IRR(withCarbon); ok {
		a.IRRWithCarbon = &r
	}
	if e.AnnualTCO2 > 0 && e.Lifetime > 0 {
		c := e.Investment * 10000 / (e.AnnualTCO2 * float64(e.Lifetime))
		a.CostPerTonne = &c
	}
	return a
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// Rank orders assessments by a key, best first: "total", "npv", "irr",
// "carbon_value", "reduction" or "cost" (lowest cost first). Missing IRRs
// and costs go last. It is stable, so equal keys keep their order.
func Rank[T any](items []T, key string, of func(T) (Assessment, float64)) error {
	score := func(x T) (float64, bool) {
		a, reduction := of(x)
		switch key {
		case "total":
			return a.Total, true
		case "npv":
			return a.NPV, true
		case "irr":
			if a.IRR == nil {
				return 0, false
			}
			return *a.IRR, true
		case "carbon_value":
			return a.CarbonValue, true
		case "reduction":
			return reduction, true
		case "cost":
			if a.CostPerTonne == nil {
				return 0, false
			}
			return -*a.CostPerTonne, true
		}
		return 0, false
	}
	switch key {
	case "total", "npv", "irr", "carbon_value", "reduction", "cost":
	default:
		return fmt.Errorf("unknown ranking key %q (want total, npv, irr, carbon_value, reduction or cost)", key)
	}
	sort.SliceStable(items, func(i, j int) bool {
		si, oki := score(items[i])
		sj, okj := score(items[j])
		if oki != okj {
			return oki
		}
		return si > sj
	})
	return nil
}

// Assess values a screened project under a carbon-price scenario ("low",
// "central", "high"…); the stored figures are the central scenario's.
func (s *Service) Assess(p Project, scenario string) (Assessment, error) {
	sc, ok := s.Value.Scenario(scenario)
	if !ok {
		var codes []string
		for _, x := range s.Value.Scenarios {
			codes = append(codes, x.Code)
		}
		return Assessment{}, cifp.Invalid("unknown scenario", cifp.FieldError{Field: "scenario", Value: scenario, Message: "is not one of " + strings.Join(codes, ", ")})
	}
	a := Assess(Economics{Investment: p.Investment, Revenue: p.Revenue, Opex: p.Opex, Lifetime: p.Lifetime, CoBenefit: p.CoBenefitValue,
		AnnualTCO2: p.AnnualTCO2, CarbonPrice: sc.Price, DiscountRate: s.Value.Discount})
	a.Scenario, a.Params = sc.Code, s.Value.ID
	return a, nil
}
