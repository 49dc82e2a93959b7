package finance

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
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
	where, args, err := loopScope(ctx)
	if err != nil {
		return nil, err
	}
	aggs, err := s.loopFinance(ctx, `SELECT project_id, COALESCE(borrower_id, 0), SUM(amount), MIN(start_date) FROM project_loans l
		WHERE 1 = 1`+where+` GROUP BY project_id, COALESCE(borrower_id, 0) ORDER BY project_id, 2`, args...)
	if err != nil {
		return nil, err
	}
	return s.loopRows(ctx, aggs, latestYear)
}

// LoopSummary is the financing loop (融资闭环) summed: of every financed
// project (a project and borrower, as a LoopRow), and of those compared —
// with the borrower's accounts of the year before its first loan and of the
// latest year — the expected and the measured reductions.
type LoopSummary struct {
	Projects int     `json:"projects"`
	Finance  float64 `json:"finance"`  // 万元
	Expected float64 `json:"expected"` // tCO2 a year, of every project
	Compared int     `json:"compared"` // projects with a measured change
	Measured float64 `json:"measured"` // tCO2 a year, of the compared projects
	// ExpectedOfCompared is the expected reduction of the compared
	// projects, to set beside Measured.
	ExpectedOfCompared float64   `json:"expected_of_compared"`
	Top                []LoopRow `json:"top"` // the largest by finance, then by project and borrower
}

// LoopSummary sums LoopRows in the database, of the projects in the county
// ("" for all), and reads the top largest rows in full: the cockpit's panel,
// which must not read every financed project to draw ten.
func (s *Service) LoopSummary(ctx context.Context, latestYear int, county string, top int) (LoopSummary, error) {
	where, args, err := loopScope(ctx)
	if err != nil {
		return LoopSummary{}, err
	}
	if err := (Slice{County: county}).Check(); err != nil {
		return LoopSummary{}, err
	}
	limit := max(top, 1)
	args = append(args, latestYear)
	byCounty, err := s.loops.get(ctx, s.db, fmt.Sprint(where, args, limit), func() (map[string]loopSums, error) {
		return s.loopByCounty(ctx, where, args, limit)
	})
	if err != nil {
		return LoopSummary{}, err
	}
	// The rows in full, read now: names, reports and performances.
	sums := byCounty[county]
	out := sums.sum
	out.Top, err = s.loopRows(ctx, sums.top[:min(top, len(sums.top))], latestYear)
	return out, err
}

// loopByCounty sums the loop by the projects' county in one read, with each
// county's largest limit rows, and the city ("") as the sum of its
// counties: one read answers every county's panel. args are the scope's,
// then the latest year.
func (s *Service) loopByCounty(ctx context.Context, where string, args []any, limit int) (map[string]loopSums, error) {
	// The accounts by their narrow index: SQLite, without planner
	// statistics, would read the wide rows with their detail.
	narrow := ``
	if s.db.D() == store.SQLite {
		narrow = ` INDEXED BY accounts_performance`
	}
	// g: each project and borrower with its finance and first loan, as
	// LoopRows groups them (a NULL borrower is one group), in the order of
	// project_loans_finance. Compared, as Loop has it: with accounts of the
	// year before the first loan (b) and of the latest year (a), the latest
	// the later. The sums are window aggregates over the county's rows.
	rows, err := s.db.Query(ctx, `SELECT x.county, x.project_id, x.borrower, x.finance, x.first, x.n, x.fin, x.exp, x.cmp, x.meas, x.expc FROM (
		SELECT p.county, g.project_id, g.borrower, g.finance, g.first,
			ROW_NUMBER() OVER (PARTITION BY p.county ORDER BY g.finance DESC, g.project_id, g.borrower) AS rn,
			COUNT(*) OVER w AS n, SUM(g.finance) OVER w AS fin, SUM(p.annual_tco2) OVER w AS exp, COUNT(b.org_id) OVER w AS cmp,
			COALESCE(SUM(b.emissions - a.emissions) OVER w, 0) AS meas, COALESCE(SUM(CASE WHEN b.org_id IS NOT NULL THEN p.annual_tco2 END) OVER w, 0) AS expc
		FROM (SELECT l.project_id, COALESCE(l.borrower_id, 0) AS borrower, SUM(l.amount) AS finance, MIN(l.start_date) AS first
			FROM project_loans l WHERE 1 = 1`+where+` GROUP BY l.project_id, l.borrower_id) g
		JOIN projects p ON p.id = g.project_id
		LEFT JOIN accounts a`+narrow+` ON a.org_id = g.borrower AND a.year = ?
		LEFT JOIN accounts b`+narrow+` ON a.org_id IS NOT NULL AND b.org_id = g.borrower AND b.year = CAST(SUBSTR(g.first, 1, 4) AS INTEGER) - 1 AND b.year < a.year
		WINDOW w AS (PARTITION BY p.county)) x
		WHERE x.rn <= `+strconv.Itoa(limit)+` ORDER BY x.county, x.rn`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]loopSums{}
	var city loopSums
	for rows.Next() {
		var county string
		var f loopFinance
		var sum LoopSummary
		if err := rows.Scan(&county, &f.project, &f.borrower, &f.amount, &f.first, &sum.Projects, &sum.Finance, &sum.Expected,
			&sum.Compared, &sum.Measured, &sum.ExpectedOfCompared); err != nil {
			return nil, err
		}
		c, seen := out[county]
		if !seen {
			c.sum = sum
			city.sum.Projects += sum.Projects
			city.sum.Finance += sum.Finance
			city.sum.Expected += sum.Expected
			city.sum.Compared += sum.Compared
			city.sum.Measured += sum.Measured
			city.sum.ExpectedOfCompared += sum.ExpectedOfCompared
		}
		c.top = append(c.top, f)
		city.top = append(city.top, f)
		out[county] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The city's largest are among its counties' largest.
	slices.SortFunc(city.top, func(a, b loopFinance) int {
		return cmp.Or(cmp.Compare(b.amount, a.amount), cmp.Compare(a.project, b.project), cmp.Compare(a.borrower, b.borrower))
	})
	city.top = city.top[:min(limit, len(city.top))]
	out[""] = city
	return out, nil
}

// loopScope is the condition on project_loans l of what the actor may read.
func loopScope(ctx context.Context) (string, []any, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return "", nil, err
	}
	switch a.Role {
	case cifp.RoleAdmin, cifp.RoleRegulator:
		return ``, nil, nil
	case cifp.RoleFinance:
		return ` AND l.org_id = ?`, []any{a.OrgID}, nil
	case cifp.RoleEnterprise:
		return ` AND l.borrower_id = ?`, []any{a.OrgID}, nil
	}
	return "", nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read financed projects")
}

// loopFinance is a financed project and borrower: the sum of the loans and
// the first loan's start date.
type loopFinance struct {
	project, borrower int64
	amount            float64
	first             string
}

// loopFinance reads project, borrower, finance and first loan rows.
func (s *Service) loopFinance(ctx context.Context, query string, args ...any) ([]loopFinance, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var aggs []loopFinance
	for rows.Next() {
		var g loopFinance
		if err := rows.Scan(&g.project, &g.borrower, &g.amount, &g.first); err != nil {
			return nil, err
		}
		aggs = append(aggs, g)
	}
	return aggs, rows.Err()
}

// loopRows makes the loop rows of the financed projects: the projects in
// one read, the borrowers' performances in one read of their years — the
// year before each first loan, and the latest.
func (s *Service) loopRows(ctx context.Context, aggs []loopFinance, latestYear int) ([]LoopRow, error) {
	if len(aggs) == 0 {
		return []LoopRow{}, nil
	}
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
