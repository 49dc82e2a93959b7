package finance

import (
	"math"
	"testing"
	"time"
)

var on = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// tanxiao is a 碳效贷: 1-year LPR + 60 bp, 40 bp off for grade 1, 20 bp for grade 2.
func tanxiao() Product {
	return Product{ID: 1, InstitutionID: 10, Code: "TXD", Version: 1, Name: "碳效贷", Kind: "carbon_efficiency",
		MinAmount: 50, MaxAmount: 3000, MinTenor: 6, MaxTenor: 36, Industries: []string{"3", "2"}, Grades: []int{1, 2, 3},
		Collateral: []string{"credit", "guarantee"}, LPRTerm: "1y", SpreadBP: 60, DiscountBP: map[int]float64{1: 40, 2: 20}, Active: true}
}

func TestPricingByGrade(t *testing.T) {
	// The LPR in force on 2026-06-01 is the 2025-05-20 one: 1 year 3.00 %, 5 years 3.50 %.
	for _, c := range []struct {
		grade int
		want  float64
	}{
		{1, 3.20}, // 3.00 + 0.60 − 0.40
		{2, 3.40}, // 3.00 + 0.60 − 0.20
		{3, 3.60}, // 3.00 + 0.60, no discount
		{0, 3.60}, // ungraded: no discount
	} {
		p, err := PriceOf(tanxiao(), c.grade, on)
		if err != nil || math.Abs(p.Rate-c.want) > 1e-9 || p.LPRDate != "2025-05-20" {
			t.Errorf("grade %d: %+v %v, want %.2f", c.grade, p, err, c.want)
		}
	}
	long := tanxiao()
	long.LPRTerm, long.SpreadBP = "5y", -10
	if p, _ := PriceOf(long, 1, on); math.Abs(p.Rate-3.00) > 1e-9 { // 3.50 − 0.10 − 0.40
		t.Errorf("5-year: %+v", p)
	}
	// Before the first published LPR there is no price.
	if _, err := PriceOf(tanxiao(), 1, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("priced before any LPR")
	}
	// The LPR in force moves with the date.
	if l, _ := LPRAt(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)); l.OneYear != 3.10 {
		t.Errorf("LPR on 2025-01-02: %+v", l)
	}
}

func TestMatchingEligibility(t *testing.T) {
	p := tanxiao()
	p.Industries = []string{"34", "3311"}
	p.Counties = []string{"331122", "331102"}
	ok := Ask{Amount: 500, Tenor: 12, Collateral: []string{"guarantee"}}
	b := Borrower{County: "331122", Industry: "3444", Grade: 2, GradeYear: 2025}
	m := MatchProduct(p, ok, b, on)
	if !m.Eligible || len(m.Checks) != 7 || m.Price.Rate != 3.40 {
		t.Fatalf("eligible match: %+v", m)
	}
	for _, c := range []struct {
		name string
		ask  Ask
		b    Borrower
		p    func(*Product)
		rule string
	}{
		{"amount above the product's", Ask{Amount: 3001, Tenor: 12}, b, nil, "amount"},
		{"amount below", Ask{Amount: 49.9, Tenor: 12}, b, nil, "amount"},
		{"tenor too long", Ask{Amount: 500, Tenor: 48}, b, nil, "tenor"},
		{"industry not served", ok, Borrower{County: "331122", Industry: "2614", Grade: 2}, nil, "industry"},
		{"county not served", ok, Borrower{County: "331181", Industry: "3444", Grade: 2}, nil, "county"},
		{"grade 4 not served", ok, Borrower{County: "331122", Industry: "3444", Grade: 4}, nil, "grade"},
		{"ungraded", ok, Borrower{County: "331122", Industry: "3444"}, nil, "grade"},
		{"collateral not accepted", Ask{Amount: 500, Tenor: 12, Collateral: []string{"real_estate"}}, b, func(p *Product) { p.Collateral = []string{"guarantee", "carbon_sink"} }, "collateral"},
		{"withdrawn product", ok, b, func(p *Product) { p.Active = false }, "active"},
	} {
		pp := p
		if c.p != nil {
			c.p(&pp)
		}
		m := MatchProduct(pp, c.ask, c.b, on)
		failed := ""
		for _, ch := range m.Checks {
			if !ch.Passed {
				failed += ch.Rule
			}
		}
		if m.Eligible || failed != c.rule {
			t.Errorf("%s: eligible %v, failed rules %q, want %q", c.name, m.Eligible, failed, c.rule)
		}
	}
	// A credit product takes a need that offers no collateral.
	if m := MatchProduct(tanxiao(), Ask{Amount: 100, Tenor: 12}, Borrower{Industry: "3444", Grade: 1}, on); !m.Eligible {
		t.Errorf("credit product: %+v", m.Checks)
	}
}

func TestRankMatches(t *testing.T) {
	mk := func(id int64, eligible bool, rate float64) Match {
		return Match{Product: Product{ID: id}, Eligible: eligible, Price: &Price{Rate: rate}}
	}
	ms := []Match{mk(1, false, 2.0), mk(2, true, 3.6), mk(3, true, 3.2), mk(4, true, 3.2), {Product: Product{ID: 5}, Eligible: true}}
	RankMatches(ms)
	var got []int64
	for _, m := range ms {
		got = append(got, m.Product.ID)
	}
	if want := []int64{3, 4, 2, 5, 1}; !equal(got, want) {
		t.Errorf("rank %v, want %v", got, want)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestProductCheck(t *testing.T) {
	p := tanxiao()
	if errs := p.Check(); len(errs) != 0 {
		t.Fatalf("valid product: %v", errs)
	}
	bad := Product{Kind: "lottery", MinAmount: -1, MaxAmount: 0, MinTenor: 0, MaxTenor: 500, Grades: []int{6}, LPRTerm: "3y",
		DiscountBP: map[int]float64{1: 400}, Collateral: []string{"gold"}}
	fields := map[string]bool{}
	for _, e := range bad.Check() {
		fields[e.Field] = true
	}
	for _, f := range []string{"name", "code", "kind", "min_amount", "max_amount", "min_tenor", "max_tenor", "grades", "lpr_term", "discount_bp", "collateral"} {
		if !fields[f] {
			t.Errorf("bad product: %s not named", f)
		}
	}
}
