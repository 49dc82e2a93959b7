package project

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"cifp"
	"cifp/org"
)

// Statuses of a project (项目状态).
const (
	StatusDraft        = "draft"        // 草稿: the owner is writing it
	StatusSubmitted    = "submitted"    // 已申报: waiting for screening
	StatusScreened     = "screened"     // 已初筛: passed automatic screening, waiting for reviewers
	StatusReview       = "review"       // 专家评审中
	StatusReturned     = "returned"     // 退回修改: the owner may edit and resubmit
	StatusRejected     = "rejected"     // 未入库
	StatusAdmitted     = "admitted"     // 已入库
	StatusFinancing    = "financing"    // 融资对接中
	StatusConstruction = "construction" // 建设中
	StatusCompleted    = "completed"    // 已建成
	StatusRemoved      = "removed"      // 已出库
)

// Statuses lists every status in workflow order.
var Statuses = []string{StatusDraft, StatusSubmitted, StatusScreened, StatusReview, StatusReturned, StatusRejected,
	StatusAdmitted, StatusFinancing, StatusConstruction, StatusCompleted, StatusRemoved}

// InLibrary reports whether a project in the status is in the library
// (入库): visible to financial institutions for matching.
func InLibrary(status string) bool {
	switch status {
	case StatusAdmitted, StatusFinancing, StatusConstruction, StatusCompleted:
		return true
	}
	return false
}

// MinReviews is the least number of expert reviews before a decision.
const MinReviews = 2

// PassMark is the least mean review score (of 100) for admission.
const PassMark = 60

// Fields are what the owner enters for a project; money in 万元.
type Fields struct {
	Name           string            `json:"name"`
	County         string            `json:"county"` // GB/T 2260 code of a Lishui county
	Location       string            `json:"location"`
	Lat            *float64          `json:"lat,omitempty"`
	Lng            *float64          `json:"lng,omitempty"`
	Sector         string            `json:"sector"`
	Category       string            `json:"category"`
	ClimateType    string            `json:"climate_type"`
	Description    string            `json:"description"`
	Investment     float64           `json:"investment"`     // total investment (总投资), 万元
	FinancingNeed  float64           `json:"financing_need"` // 融资需求, 万元
	StartDate      string            `json:"start_date"`     // YYYY-MM-DD, construction start
	EndDate        string            `json:"end_date"`       // YYYY-MM-DD, construction end
	Lifetime       int               `json:"lifetime"`       // expected operating lifetime, years
	Technical      map[string]string `json:"technical"`      // the methodology's inputs
	CoBenefits     string            `json:"co_benefits"`
	CoBenefitValue float64           `json:"co_benefit_value"` // quantified co-benefits, 万元 per year
	Revenue        float64           `json:"revenue"`          // annual operating revenue, 万元
	Opex           float64           `json:"opex"`             // annual operating cost, 万元
	Contact        string            `json:"contact"`
}

// Project is a climate project (气候项目) and where it is in the workflow.
type Project struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"` // LS + year + sequence, e.g. LS2026-00012
	OrgID   int64  `json:"org_id"`
	OrgName string `json:"org_name"`
	OrgUSCC string `json:"org_uscc"`
	Status  string `json:"status"`
	Fields
	List         string     `json:"list"`
	Cat2021      string     `json:"cat2021"`
	Cat2025      string     `json:"cat2025"`
	AnnualTCO2   float64    `json:"annual_tco2"`
	CostPerTonne *float64   `json:"cost_per_tonne,omitempty"`
	NPV          *float64   `json:"npv,omitempty"`
	IRR          *float64   `json:"irr,omitempty"`
	ValueTotal   *float64   `json:"value_total,omitempty"`
	Score        *float64   `json:"score,omitempty"`    // mean of the submitted reviews
	Progress     *Progress  `json:"progress,omitempty"` // the latest progress update
	ProgressAt   *time.Time `json:"progress_at,omitempty"`
	TwoHigh      bool       `json:"two_high"`
	Recommended  bool       `json:"recommended"` // 推荐进入国家气候投融资项目库
	Screening    *Screening `json:"screening,omitempty"`
	Taxonomy     string     `json:"taxonomy"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	SubmittedAt  *time.Time `json:"submitted_at,omitempty"`
	AdmittedAt   *time.Time `json:"admitted_at,omitempty"`
	Version      int        `json:"version"`
}

func nonNegative(field string, v float64) *cifp.FieldError {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return &cifp.FieldError{Field: field, Value: fmt.Sprint(v), Message: "must not be negative"}
	}
	return nil
}

// Check returns the problems with the fields: every value given must be
// valid; when complete is true (submission), every required field must be
// given too. Drafts may be incomplete, never invalid.
func (f *Fields) Check(t *Taxonomy, complete bool) []cifp.FieldError {
	var errs []cifp.FieldError
	add := func(field, value, msg string) {
		errs = append(errs, cifp.FieldError{Field: field, Value: value, Message: msg})
	}
	f.Name = strings.TrimSpace(f.Name)
	f.Description = strings.TrimSpace(f.Description)
	if n := utf8.RuneCountInString(f.Name); n > 200 {
		add("name", f.Name, "is longer than 200 characters")
	} else if f.Name == "" {
		add("name", "", "is required")
	}
	if utf8.RuneCountInString(f.Description) > 5000 {
		add("description", "", "is longer than 5000 characters")
	}
	if f.County != "" {
		if !IsCounty(f.County) {
			add("county", f.County, "is not a county of Lishui (GB/T 2260 code 3311xx)")
		}
	}
	if f.Lat != nil && (*f.Lat < 27 || *f.Lat > 29.5) {
		add("lat", fmt.Sprint(*f.Lat), "is outside Lishui (27°N to 29.5°N)")
	}
	if f.Lng != nil && (*f.Lng < 118 || *f.Lng > 121) {
		add("lng", fmt.Sprint(*f.Lng), "is outside Lishui (118°E to 121°E)")
	}
	var cat Category
	if f.Category != "" {
		c, ok := t.Category(f.Category)
		if !ok {
			add("category", f.Category, "is not a category of taxonomy "+t.Version)
		}
		cat = c
	}
	if f.Sector == "" {
		f.Sector = cat.Sector
	} else if _, ok := t.Sector(f.Sector); !ok {
		add("sector", f.Sector, "is not one of the 6+1 sectors")
	}
	if f.ClimateType == "" {
		f.ClimateType = cat.ClimateType
	} else if _, ok := t.ClimateType(f.ClimateType); !ok {
		add("climate_type", f.ClimateType, "is not mitigation, adaptation or both")
	}
	for field, v := range map[string]float64{"investment": f.Investment, "financing_need": f.FinancingNeed,
		"co_benefit_value": f.CoBenefitValue, "revenue": f.Revenue, "opex": f.Opex} {
		if e := nonNegative(field, v); e != nil {
			errs = append(errs, *e)
		}
	}
	if f.FinancingNeed > f.Investment && f.Investment > 0 {
		add("financing_need", fmt.Sprint(f.FinancingNeed), "is more than the total investment")
	}
	if f.Lifetime < 0 || f.Lifetime > 100 {
		add("lifetime", fmt.Sprint(f.Lifetime), "must be 1 to 100 years")
	}
	var start, end time.Time
	for _, d := range []struct {
		field string
		s     string
		t     *time.Time
	}{{"start_date", f.StartDate, &start}, {"end_date", f.EndDate, &end}} {
		if d.s == "" {
			continue
		}
		x, err := time.Parse(time.DateOnly, d.s)
		if err != nil {
			add(d.field, d.s, "is not a date (YYYY-MM-DD)")
		}
		*d.t = x
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		add("end_date", f.EndDate, "is before the start date")
	}
	if complete {
		for field, missing := range map[string]bool{
			"county": f.County == "", "category": f.Category == "", "location": strings.TrimSpace(f.Location) == "",
			"description": f.Description == "", "start_date": f.StartDate == "", "end_date": f.EndDate == "",
		} {
			if missing {
				add(field, "", "is required")
			}
		}
		if f.Investment == 0 {
			add("investment", "0", "must be above zero")
		}
		if f.Lifetime == 0 {
			add("lifetime", "0", "must be 1 to 100 years")
		}
	}
	return sortFieldErrors(errs)
}

// sortFieldErrors orders problems by field, for stable messages.
func sortFieldErrors(errs []cifp.FieldError) []cifp.FieldError {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Field < errs[j-1].Field; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
	return errs
}

// IsCounty reports whether the code is one of Lishui's nine county-level
// divisions (GB/T 2260), the library's unit of place.
func IsCounty(code string) bool {
	for _, d := range org.Counties(LishuiCode) {
		if d.Code == code {
			return true
		}
	}
	return false
}

// LishuiCode is Lishui's GB/T 2260 code.
const LishuiCode = "331100"
