package finance

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/store"
)

// LoopInput is a financed library project with its borrower's measured
// emissions before the first loan and in the latest year (闭环: 项目 → 贷款 →
// 实测排放).
type LoopInput struct {
	ProjectID    int64               `json:"project_id"`
	ProjectCode  string              `json:"project_code"`
	ProjectName  string              `json:"project_name"`
	County       string              `json:"county"` // the project's
	BorrowerID   int64               `json:"borrower_id"`
	Borrower     string              `json:"borrower"`
	ExpectedTCO2 float64             `json:"expected_tco2"` // the project's expected annual reduction at screening
	Finance      float64             `json:"finance"`       // climate finance to the project, 万元 (its loans' amounts)
	FirstLoan    time.Time           `json:"first_loan"`
	Before       *carbon.Performance `json:"before,omitempty"` // the year before the first loan
	After        *carbon.Performance `json:"after,omitempty"`  // the latest year after it
}

// LoopRow compares a financed project's expected reduction with the
// borrower's measured change of emissions, per 万元 of climate finance.
type LoopRow struct {
	LoopInput
	MeasuredTCO2    *float64 `json:"measured_tco2,omitempty"`    // before − after; positive is a reduction
	IntensityChange *float64 `json:"intensity_change,omitempty"` // after ÷ before − 1
	ExpectedPerWan  *float64 `json:"expected_per_wan,omitempty"` // tCO2 a year per 万元
	MeasuredPerWan  *float64 `json:"measured_per_wan,omitempty"` // tCO2 a year per 万元
	MeasuredShare   *float64 `json:"measured_share,omitempty"`   // measured ÷ expected
	Note            string   `json:"note,omitempty"`
}

// Loop computes a loop row: pure.
func Loop(in LoopInput) LoopRow {
	r := LoopRow{LoopInput: in}
	if in.Finance > 0 && in.ExpectedTCO2 > 0 {
		v := in.ExpectedTCO2 / in.Finance
		r.ExpectedPerWan = &v
	}
	switch {
	case in.Before == nil || !in.Before.HasAccount:
		r.Note = "无放款前一年的碳账户"
		return r
	case in.After == nil || !in.After.HasAccount || in.After.Year <= in.Before.Year:
		r.Note = "放款后尚无新的年度碳账户"
		return r
	}
	m := in.Before.Emissions - in.After.Emissions
	r.MeasuredTCO2 = &m
	if in.Finance > 0 {
		v := m / in.Finance
		r.MeasuredPerWan = &v
	}
	if in.ExpectedTCO2 > 0 {
		v := m / in.ExpectedTCO2
		r.MeasuredShare = &v
	}
	if in.Before.Intensity != nil && in.After.Intensity != nil && *in.Before.Intensity > 0 {
		v := *in.After.Intensity / *in.Before.Intensity - 1
		r.IntensityChange = &v
	}
	return r
}

// keepProjectLoans replaces an institution's rows of project_loans from its
// loan book, in the transaction that changed the book: each of its loans of
// a library project once, as of the latest month-end it was reported in
// with the project.
func keepProjectLoans(ctx context.Context, tx *store.Tx, org int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM project_loans WHERE org_id = ?`, org); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO project_loans (org_id, loan_id, project_id, borrower_id, amount, start_date, month)
		SELECT l.org_id, l.loan_id, l.project_id, l.borrower_id, l.amount, l.start_date, l.month FROM loans l
		JOIN (SELECT org_id, loan_id, MAX(month) AS month FROM loans WHERE project_id IS NOT NULL AND org_id = ? GROUP BY org_id, loan_id) m
			ON m.month = l.month AND m.org_id = l.org_id AND m.loan_id = l.loan_id`, org)
	return err
}

// LoopRows lists the financed library projects with expected and measured
// reductions: regulators all, an institution the projects it financed (its
// own loans only), an enterprise its own.
func (s *Service) LoopRows(ctx context.Context, latestYear int) ([]LoopRow, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	where, args := ``, []any{}
	switch a.Role {
	case cifp.RoleAdmin, cifp.RoleRegulator:
	case cifp.RoleFinance:
		where, args = ` AND l.org_id = ?`, []any{a.OrgID}
	case cifp.RoleEnterprise:
		where, args = ` AND l.borrower_id = ?`, []any{a.OrgID}
	default:
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read financed projects")
	}
	// Each loan once, at its latest month-end: project_loans, kept by
	// every submission; its amount is the finance.
	rows, err := s.db.Query(ctx, `SELECT project_id, COALESCE(borrower_id, 0), SUM(amount), MIN(start_date) FROM project_loans l
		WHERE 1 = 1`+where+` GROUP BY project_id, COALESCE(borrower_id, 0) ORDER BY project_id, 2`, args...)
	if err != nil {
		return nil, err
	}
	type agg struct {
		project, borrower int64
		amount            float64
		first             string
	}
	var aggs []agg
	for rows.Next() {
		var g agg
		if err := rows.Scan(&g.project, &g.borrower, &g.amount, &g.first); err != nil {
			rows.Close()
			return nil, err
		}
		aggs = append(aggs, g)
	}
	err = rows.Err()
	rows.Close()
	if err != nil || len(aggs) == 0 {
		return []LoopRow{}, err
	}
	// The projects in one read, the borrowers' performances one read a
	// year: the year before each first loan, and the latest.
	sys := cifp.System.Context(ctx) // the figures are the lender's or the borrower's own: read through the services as the platform
	ids := make([]int64, 0, len(aggs))
	for _, g := range aggs {
		ids = append(ids, g.project)
	}
	projects, err := s.projects.Briefs(sys, ids)
	if err != nil {
		return nil, err
	}
	var borrowers []int64
	years := []int{latestYear}
	for _, g := range aggs {
		if g.borrower != 0 {
			first, _ := time.ParseInLocation(time.DateOnly, g.first, China)
			borrowers = append(borrowers, g.borrower)
			if !slices.Contains(years, first.Year()-1) {
				years = append(years, first.Year()-1)
			}
		}
	}
	slices.Sort(borrowers)
	perf, err := s.carbon.History(sys, slices.Compact(borrowers), years)
	if err != nil {
		return nil, err
	}
	out := make([]LoopRow, 0, len(aggs))
	for _, g := range aggs {
		p, ok := projects[g.project]
		if !ok {
			return nil, fmt.Errorf("loop: project %d of a loan is not in the library", g.project)
		}
		first, _ := time.ParseInLocation(time.DateOnly, g.first, China)
		in := LoopInput{ProjectID: p.ID, ProjectCode: p.Code, ProjectName: p.Name, County: p.County, BorrowerID: g.borrower, Borrower: p.OrgName,
			ExpectedTCO2: p.AnnualTCO2, Finance: g.amount, FirstLoan: first}
		if g.borrower != 0 {
			if b, ok := perf[first.Year()-1][g.borrower]; ok {
				in.Before = &b
			}
			if x, ok := perf[latestYear][g.borrower]; ok {
				in.After = &x
			}
		}
		out = append(out, Loop(in))
	}
	return out, nil
}
