package project

import (
	_ "embed"
	"fmt"
	"math"
	"sync"
	"time"

	"cifp"
	"cifp/internal/datafile"
)

//go:embed data/criteria.csv
var criteriaCSV []byte

// Criterion is a published review criterion (评审标准) and its maximum points.
type Criterion struct {
	Code, NameZH, NameEN, Description string
	Max                               float64
}

// Criteria returns the published review criteria; their points add to 100.
var Criteria = sync.OnceValue(func() []Criterion {
	rows, err := datafile.Read(criteriaCSV)
	if err != nil {
		panic(fmt.Errorf("criteria.csv: %w", err))
	}
	var out []Criterion
	sum := 0.0
	for _, r := range rows {
		m, err := datafile.NonNegative(r, "max")
		if err != nil {
			panic(fmt.Errorf("criteria.csv %s: %w", r["code"], err))
		}
		out = append(out, Criterion{Code: r["code"], NameZH: r["name_zh"], NameEN: r["name_en"], Description: r["description_zh"], Max: m})
		sum += m
	}
	if sum != 100 {
		panic(fmt.Sprintf("criteria.csv: points add to %g, not 100", sum))
	}
	return out
})

// Recommendations a reviewer may give.
var Recommendations = []string{ActAdmit, ActReturn, ActReject}

// Review is an expert's review of a project.
type Review struct {
	ID             int64              `json:"id"`
	ProjectID      int64              `json:"project_id"`
	ReviewerID     int64              `json:"reviewer_id"`
	Reviewer       string             `json:"reviewer"`
	ReviewerOrg    string             `json:"reviewer_org"`
	AssignedAt     time.Time          `json:"assigned_at"`
	Scores         map[string]float64 `json:"scores"`
	Total          *float64           `json:"total,omitempty"`
	Recommendation string             `json:"recommendation"`
	Comment        string             `json:"comment"`
	SubmittedAt    *time.Time         `json:"submitted_at,omitempty"`
}

// Score checks a reviewer's scores against the criteria and returns their
// total: every criterion scored, from 0 to its maximum.
func Score(scores map[string]float64) (float64, error) {
	var errs []cifp.FieldError
	total := 0.0
	known := map[string]bool{}
	for _, c := range Criteria() {
		known[c.Code] = true
		v, ok := scores[c.Code]
		switch {
		case !ok:
			errs = append(errs, cifp.FieldError{Field: "scores." + c.Code, Message: fmt.Sprintf("is required (%s, 0 to %g)", c.NameZH, c.Max)})
		case math.IsNaN(v) || v < 0 || v > c.Max:
			errs = append(errs, cifp.FieldError{Field: "scores." + c.Code, Value: fmt.Sprint(v), Message: fmt.Sprintf("must be 0 to %g", c.Max)})
		default:
			total += v
		}
	}
	for k := range scores {
		if !known[k] {
			errs = append(errs, cifp.FieldError{Field: "scores." + k, Message: "is not a published criterion"})
		}
	}
	if err := cifp.Invalid("the scores do not fit the published criteria", sortFieldErrors(errs)...); err != nil {
		return 0, err
	}
	return total, nil
}
