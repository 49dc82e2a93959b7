// Package cockpit is the visual cockpit's aggregates (可视化驾驶舱): each
// panel composes the statistics of the features' own services — green
// credit from finance, the carbon accounts from carbon, the pipeline from
// project — for one filter, so that every figure on the cockpit is the
// figure the feature's own API gives for the same filter. It loads no
// rows into Go: the services answer from indexed queries and maintained
// summaries (the statistics cells).
package cockpit

import (
	"context"
	"strconv"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/finance"
	"cifp/project"
)

// Filter is the cockpit's state: what the URL carries, so that a view can
// be shared and bookmarked.
type Filter struct {
	Month       string `json:"month"`                 // month-end of the loan statistics, "YYYY-MM"; "" = the latest
	Year        int    `json:"year"`                  // year of the carbon accounts; 0 = the latest
	County      string `json:"county,omitempty"`      // GB/T 2260 county
	Class       string `json:"class,omitempty"`       // green class "catalogue/class"
	Institution int64  `json:"institution,omitempty"` // lending institution
	Grade       int    `json:"grade,omitempty"`       // carbon-efficiency grade 1–5
}

// Check names the first bad field.
func (f Filter) Check() error {
	var errs []cifp.FieldError
	if f.Month != "" {
		if _, err := time.Parse("2006-01", f.Month); err != nil {
			errs = append(errs, cifp.FieldError{Field: "month", Value: f.Month, Message: "is not a month (YYYY-MM)"})
		}
	}
	if f.Year != 0 && (f.Year < 2000 || f.Year > 2100) {
		errs = append(errs, cifp.FieldError{Field: "year", Value: strconv.Itoa(f.Year), Message: "is not a year 2000–2100"})
	}
	if f.Grade < 0 || f.Grade > 5 {
		errs = append(errs, cifp.FieldError{Field: "grade", Value: strconv.Itoa(f.Grade), Message: "is not a grade 1–5"})
	}
	if err := f.slice().Check(); err != nil {
		errs = append(errs, cifp.ErrorFields(err)...)
	}
	if len(errs) > 0 {
		return cifp.Invalid("bad cockpit filter", errs...)
	}
	return nil
}

// slice is the filter's narrowing of the loan book.
func (f Filter) slice() finance.Slice {
	return finance.Slice{County: f.County, Class: f.Class, Institution: f.Institution}
}

// Service answers the cockpit's panels through the features' services.
type Service struct {
	finance  *finance.Service
	carbon   *carbon.Service
	projects *project.Service
}

// NewService returns the cockpit over the features' services.
func NewService(f *finance.Service, c *carbon.Service, p *project.Service) *Service {
	return &Service{finance: f, carbon: c, projects: p}
}

// Resolve fills the filter's defaults: the latest month with statistics
// and the latest year with carbon accounts in the actor's view. An
// institution's filter is narrowed to its own loans.
func (s *Service) Resolve(ctx context.Context, f Filter) (Filter, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return f, err
	}
	if err := f.Check(); err != nil {
		return f, err
	}
	switch {
	case a.Role.CityWide():
	case a.Role == cifp.RoleFinance:
		if f.Institution != 0 && f.Institution != a.OrgID {
			return f, cifp.Errorf(cifp.EFORBIDDEN, "an institution's cockpit shows its own loans only")
		}
		f.Institution = a.OrgID
	default:
		return f, cifp.Errorf(cifp.EFORBIDDEN, "the cockpit is for regulators and financial institutions; an enterprise has its own view")
	}
	if f.Month == "" {
		if f.Month, err = s.finance.LatestMonth(ctx); err != nil {
			return f, err
		}
		if f.Month == "" {
			f.Month = time.Now().In(finance.China).AddDate(0, -1, 0).Format("2006-01")
		}
	}
	if f.Year == 0 {
		// The year of the city's accounts is no one's secret.
		if f.Year, err = s.carbon.LatestYear(cifp.System.Context(ctx)); err != nil {
			return f, err
		}
	}
	return f, nil
}

// monthsBack is the month n months before m ("YYYY-MM").
func monthsBack(m string, n int) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.AddDate(0, -n, 0).Format("2006-01")
}
