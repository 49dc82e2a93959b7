package finance

import (
	"cifp/internal/datafile"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"cifp"
)

// Product kinds (产品类型).
var ProductKinds = []string{"carbon_efficiency", "carbon_sink_pledge", "eco_credit", "green_project", "transition", "green_working_capital"}

// Product is a financial institution's loan product (金融产品), one version
// of it. A change publishes a new version; loans and matches keep the
// version they were made under. Money in 万元, tenor in months.
type Product struct {
	ID            int64           `json:"id"`
	InstitutionID int64           `json:"institution_id"`
	Institution   string          `json:"institution,omitempty"`
	Code          string          `json:"code"` // the institution's own product code, stable across versions
	Version       int             `json:"version"`
	Name          string          `json:"name"`
	Kind          string          `json:"kind"`
	Description   string          `json:"description"`
	MinAmount     float64         `json:"min_amount"`
	MaxAmount     float64         `json:"max_amount"`
	MinTenor      int             `json:"min_tenor"`
	MaxTenor      int             `json:"max_tenor"`
	Industries    []string        `json:"industries"`  // GB/T 4754 code prefixes; none = every industry
	Counties      []string        `json:"counties"`    // GB/T 2260 county codes; none = every county
	Grades        []int           `json:"grades"`      // carbon-efficiency grades (碳效等级) served; none = any, graded or not
	Collateral    []string        `json:"collateral"`  // kinds accepted; one of them must be on offer
	LPRTerm       string          `json:"lpr_term"`    // "1y" or "5y"
	SpreadBP      float64         `json:"spread_bp"`   // basis points over the LPR
	DiscountBP    map[int]float64 `json:"discount_bp"` // basis points off, by carbon grade (碳效贷)
	Active        bool            `json:"active"`
	CreatedAt     time.Time       `json:"created_at"`
}

// Check returns the problems with a product's terms.
func (p *Product) Check() []cifp.FieldError {
	var errs []cifp.FieldError
	add := func(field, value, msg string) {
		errs = append(errs, cifp.FieldError{Field: field, Value: value, Message: msg})
	}
	p.Name, p.Code = strings.TrimSpace(p.Name), strings.TrimSpace(p.Code)
	if p.Name == "" {
		add("name", "", "is required")
	}
	if p.Code == "" || len(p.Code) > 40 {
		add("code", p.Code, "is required, at most 40 characters")
	}
	if !slices.Contains(ProductKinds, p.Kind) {
		add("kind", p.Kind, "is not one of "+strings.Join(ProductKinds, ", "))
	}
	if p.MinAmount < 0 || math.IsNaN(p.MinAmount) {
		add("min_amount", fmt.Sprint(p.MinAmount), "must not be negative")
	}
	if p.MaxAmount <= 0 || p.MaxAmount < p.MinAmount || math.IsNaN(p.MaxAmount) {
		add("max_amount", fmt.Sprint(p.MaxAmount), "must be above zero and not below the minimum")
	}
	if p.MinTenor < 1 {
		add("min_tenor", fmt.Sprint(p.MinTenor), "must be at least 1 month")
	}
	if p.MaxTenor < p.MinTenor || p.MaxTenor > 360 {
		add("max_tenor", fmt.Sprint(p.MaxTenor), "must be between the minimum and 360 months")
	}
	for _, g := range p.Grades {
		if g < 1 || g > 5 {
			add("grades", fmt.Sprint(g), "is not a carbon-efficiency grade 1–5")
		}
	}
	for g, d := range p.DiscountBP {
		if g < 1 || g > 5 || d < 0 || d > 300 {
			add("discount_bp", fmt.Sprintf("%d:%g", g, d), "must be a grade 1–5 with 0 to 300 basis points")
		}
	}
	if p.LPRTerm != "1y" && p.LPRTerm != "5y" {
		add("lpr_term", p.LPRTerm, "must be 1y or 5y")
	}
	if p.SpreadBP < -300 || p.SpreadBP > 1500 {
		add("spread_bp", fmt.Sprint(p.SpreadBP), "must be between -300 and 1500 basis points")
	}
	if len(p.Collateral) == 0 {
		add("collateral", "", "name at least one collateral kind (credit for unsecured)")
	}
	for _, c := range p.Collateral {
		if _, ok := CollateralKind(c); !ok {
			add("collateral", c, "is not a collateral kind")
		}
	}
	return errs
}

//go:embed data/lpr.csv
var lprCSV []byte

//go:embed data/collateral.csv
var collateralCSV []byte

// LPR is the loan prime rate in force from a date (贷款市场报价利率).
type LPR struct {
	Effective  time.Time
	OneYear    float64 // per cent
	FiveYear   float64 // per cent
	Source     string
	Confidence string
}

// LPRs returns the loan prime rates, oldest first.
var LPRs = sync.OnceValue(func() []LPR {
	rows, err := datafile.Read(lprCSV)
	if err != nil {
		panic(fmt.Errorf("lpr.csv: %w", err))
	}
	var out []LPR
	for _, r := range rows {
		d, err := time.Parse(time.DateOnly, r["effective"])
		if err != nil {
			panic(fmt.Errorf("lpr.csv: %w", err))
		}
		one, err1 := parseFloat(r["lpr_1y"])
		five, err2 := parseFloat(r["lpr_5y"])
		if err1 != nil || err2 != nil {
			panic(fmt.Errorf("lpr.csv %s: bad rate", r["effective"]))
		}
		out = append(out, LPR{Effective: d, OneYear: one, FiveYear: five, Source: r["source"], Confidence: r["confidence"]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Effective.Before(out[j].Effective) })
	return out
})

// LPRAt returns the loan prime rate in force on the date.
func LPRAt(d time.Time) (LPR, bool) {
	var out LPR
	found := false
	for _, l := range LPRs() {
		if !l.Effective.After(d) {
			out, found = l, true
		}
	}
	return out, found
}

// CollateralKinds lists the collateral kinds (data/collateral.csv).
var CollateralKinds = sync.OnceValue(func() []Kind {
	rows, err := datafile.Read(collateralCSV)
	if err != nil {
		panic(fmt.Errorf("collateral.csv: %w", err))
	}
	var out []Kind
	for _, r := range rows {
		out = append(out, Kind{Code: r["code"], NameZH: r["name_zh"], NameEN: r["name_en"]})
	}
	return out
})

// Kind is an entry of a code list.
type Kind struct{ Code, NameZH, NameEN string }

// CollateralKind looks a collateral kind up.
func CollateralKind(code string) (Kind, bool) {
	for _, k := range CollateralKinds() {
		if k.Code == code {
			return k, true
		}
	}
	return Kind{}, false
}

// Price is an indicative rate with how it was made.
type Price struct {
	Rate       float64 `json:"rate"` // per cent a year
	LPR        float64 `json:"lpr"`
	LPRTerm    string  `json:"lpr_term"`
	LPRDate    string  `json:"lpr_date"`
	SpreadBP   float64 `json:"spread_bp"`
	DiscountBP float64 `json:"discount_bp"`
	Grade      int     `json:"grade,omitempty"`
}

// PriceOf prices the product for a borrower of the carbon grade (0 when
// ungraded) on the date: LPR + spread − the grade's discount (碳效贷定价).
func PriceOf(p Product, grade int, on time.Time) (Price, error) {
	l, ok := LPRAt(on)
	if !ok {
		return Price{}, cifp.Errorf(cifp.ENOTFOUND, "no LPR in force on %s", on.Format(time.DateOnly))
	}
	base := l.OneYear
	if p.LPRTerm == "5y" {
		base = l.FiveYear
	}
	d := p.DiscountBP[grade]
	rate := base + p.SpreadBP/100 - d/100
	return Price{Rate: math.Round(rate*10000) / 10000, LPR: base, LPRTerm: p.LPRTerm, LPRDate: l.Effective.Format(time.DateOnly), SpreadBP: p.SpreadBP, DiscountBP: d, Grade: grade}, nil
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(strings.TrimSpace(s), 64) }
