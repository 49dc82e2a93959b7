package project

import (
	"fmt"

	"cifp"
	"cifp/carbon"
)

// Screening outcomes (初筛结论).
const (
	OutcomeEligible   = "eligible"   // passes: goes to expert review
	OutcomeIncomplete = "incomplete" // fields or documents missing, or the estimate fails: returned to the owner
	OutcomeExcluded   = "excluded"   // on the exclusion list: rejected
)

// ScreenInput is what screening reads: the project's fields, the owner's
// industry (GB/T 4754) and the kinds of the documents attached.
type ScreenInput struct {
	Fields
	Industry  string
	Documents []string
	Year      int // the screening year: the grid factor is the latest published up to it
}

// Screening is the result of automatic screening (自动初筛), with the
// taxonomy, factor set and parameter versions that made it.
type Screening struct {
	Outcome       string            `json:"outcome"`
	Taxonomy      string            `json:"taxonomy"`
	Problems      []cifp.FieldError `json:"problems,omitempty"`
	Exclusion     *Exclusion        `json:"exclusion,omitempty"`
	TwoHigh       bool              `json:"two_high"`       // in a 两高 industry: extra review
	ReviewsNeeded int               `json:"reviews_needed"` // expert reviews required
	Category      Term              `json:"category"`
	Sector        string            `json:"sector"`
	ClimateType   string            `json:"climate_type"`
	List          string            `json:"list"`
	Cat2021       string            `json:"cat2021"`
	Cat2021Item   string            `json:"cat2021_item"`
	Cat2025       string            `json:"cat2025"`
	Successors    []string          `json:"successors,omitempty"` // 2025 classes nearest to the 2021 class
	Estimate      *Estimate         `json:"estimate,omitempty"`   // nil for adaptation categories
	Assessment    *Assessment       `json:"assessment,omitempty"` // at the central carbon price
	Value         string            `json:"value_params"`
}

// Screen screens a project against the taxonomy: eligibility and
// exclusions, required fields and documents, the expected annual reduction
// by the category's methodology, the cost per tonne and the value at the
// central carbon-price scenario. It is a pure function.
func Screen(t *Taxonomy, fs *carbon.FactorSet, p *Params, v *ValueParams, in ScreenInput) Screening {
	s := Screening{Taxonomy: t.ID, ReviewsNeeded: MinReviews, Value: v.ID}
	f := in.Fields
	s.Problems = f.Check(t, true)
	cat, ok := t.Category(f.Category)
	if !ok {
		s.Outcome = OutcomeIncomplete
		return s
	}
	s.Category, s.Sector, s.ClimateType, s.List = cat.Term(), f.Sector, f.ClimateType, cat.List
	s.Cat2021, s.Cat2021Item, s.Cat2025, s.Successors = cat.Cat2021, cat.Cat2021Item, cat.Cat2025, t.Successors(cat.Cat2021)
	if e, ok := t.Exclusion(cat.Code, f.Technical); ok {
		s.Exclusion = &e
		s.Outcome = OutcomeExcluded
		return s
	}
	if t.TwoHighIndustry(in.Industry) {
		s.TwoHigh = true
		s.ReviewsNeeded = t.TwoHigh.ReviewCount
	}
	have := map[string]bool{}
	for _, d := range in.Documents {
		have[d] = true
	}
	for _, d := range cat.Documents {
		if !have[d] {
			term, _ := t.Document(d)
			s.Problems = append(s.Problems, cifp.FieldError{Field: "documents", Value: d, Message: fmt.Sprintf("the %s (%s) is required for %s", term.NameEN, term.NameZH, cat.NameZH)})
		}
	}
	if cat.Method != "" {
		m := methods[cat.Method]
		e, err := m.Estimate(fs, p, f.Technical, "330000", in.Year)
		if err != nil {
			s.Problems = append(s.Problems, cifp.ErrorFields(err)...)
		} else {
			s.Estimate = &e
		}
	}
	if len(s.Problems) > 0 {
		s.Outcome = OutcomeIncomplete
		return s
	}
	annual := 0.0
	if s.Estimate != nil {
		annual = s.Estimate.Annual
	}
	central, _ := v.Scenario("central")
	a := Assess(Economics{Investment: f.Investment, Revenue: f.Revenue, Opex: f.Opex, Lifetime: f.Lifetime, CoBenefit: f.CoBenefitValue,
		AnnualTCO2: annual, CarbonPrice: central.Price, DiscountRate: v.Discount})
	a.Scenario, a.Params = central.Code, v.ID
	s.Assessment = &a
	s.Outcome = OutcomeEligible
	return s
}
