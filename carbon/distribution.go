package carbon

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"cifp"
)

// Distribution is the carbon-account picture of a year for the cockpit:
// how many enterprises stand at each grade and level, their emissions,
// the data quality behind them, the largest emitters and the fastest
// improvers. Emissions in tCO2.
type Distribution struct {
	Year      int             `json:"year"`
	Division  string          `json:"division,omitempty"`
	Grade     int             `json:"grade,omitempty"`
	Accounts  int             `json:"accounts"`  // enterprises with an account of the year
	Emissions float64         `json:"emissions"` // their emissions
	Cells     []GradeCell     `json:"cells"`     // by grade (0: none) and level, grade then level
	Quality   map[Quality]int `json:"quality"`   // accounts by their data's weakest quality
	Divisions []DivisionTotal `json:"divisions"` // by county (GB/T 2260), for the map
	Top       []Ranked        `json:"top_emitters"`
	Improvers []Ranked        `json:"improvers"` // largest fall of intensity from the year before
}

// DivisionTotal is the accounts and emissions of a county.
type DivisionTotal struct {
	Division  string  `json:"division"`
	Accounts  int     `json:"accounts"`
	Emissions float64 `json:"emissions"`
}

// GradeCell is the count and emissions of the accounts of a grade and level.
type GradeCell struct {
	Grade     int     `json:"grade"` // 1–5; 0 for no grade
	Level     Level   `json:"level"`
	Accounts  int     `json:"accounts"`
	Emissions float64 `json:"emissions"`
}

// Ranked is an enterprise in a top list.
type Ranked struct {
	OrgID     int64    `json:"org_id"`
	Name      string   `json:"name"`
	Division  string   `json:"division"`
	Grade     int      `json:"grade"`
	Emissions float64  `json:"emissions"`
	Intensity *float64 `json:"intensity,omitempty"`
	// PrevIntensity and Change are the improvers': the intensity the year
	// before and the relative change, (now − before) / before.
	PrevIntensity *float64 `json:"prev_intensity,omitempty"`
	Change        *float64 `json:"change,omitempty"`
}

// TopN is the length of the top lists.
const TopN = 10

// Distribution sums the accounts of f.Year narrowed by f.Division and
// f.Grade (the other fields of f are ignored). Admins and regulators only:
// it is the city's picture.
func (s *Service) Distribution(ctx context.Context, f Filter) (Distribution, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Distribution{}, err
	}
	if !a.Role.CityWide() {
		return Distribution{}, cifp.Errorf(cifp.EFORBIDDEN, "the carbon-account distribution is the regulators'")
	}
	if f.Grade < 0 || f.Grade > 5 {
		return Distribution{}, cifp.Invalid("bad filter", cifp.FieldError{Field: "grade", Value: fmt.Sprint(f.Grade), Message: "is not a grade 1–5"})
	}
	d := Distribution{Year: f.Year, Division: f.Division, Grade: f.Grade, Cells: []GradeCell{}, Quality: map[Quality]int{}, Divisions: []DivisionTotal{},
		Top: []Ranked{}, Improvers: []Ranked{}}
	where, args := ` WHERE a.year = ?`, []any{f.Year}
	if c, v := divisionCond(f.Division); c != "" {
		where += c
		args = append(args, v)
	}
	if f.Grade > 0 {
		where += ` AND a.grade = ?`
		args = append(args, f.Grade)
	}
	// The counts come from the maintained cells (account_cells), whose
	// columns bear the accounts' names; COALESCE(grade, 0) is the cells'
	// grade, so the same condition holds.
	rows, err := s.db.Query(ctx, `SELECT a.grade, a.level, a.quality, a.division, a.accounts, a.emissions FROM account_cells a`+where+
		` ORDER BY a.grade, a.level, a.quality, a.division`, args...)
	if err != nil {
		return d, err
	}
	divisions := map[string]int{}
	for rows.Next() {
		var c GradeCell
		var q Quality
		var div string
		if err := rows.Scan(&c.Grade, &c.Level, &q, &div, &c.Accounts, &c.Emissions); err != nil {
			rows.Close()
			return d, err
		}
		d.Accounts += c.Accounts
		d.Emissions += c.Emissions
		d.Quality[q] += c.Accounts
		if n := len(d.Cells); n > 0 && d.Cells[n-1].Grade == c.Grade && d.Cells[n-1].Level == c.Level {
			d.Cells[n-1].Accounts += c.Accounts
			d.Cells[n-1].Emissions += c.Emissions
		} else {
			d.Cells = append(d.Cells, c)
		}
		i, ok := divisions[div]
		if !ok {
			i = len(d.Divisions)
			divisions[div] = i
			d.Divisions = append(d.Divisions, DivisionTotal{Division: div})
		}
		d.Divisions[i].Accounts += c.Accounts
		d.Divisions[i].Emissions += c.Emissions
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	slices.SortFunc(d.Divisions, func(a, b DivisionTotal) int { return strings.Compare(a.Division, b.Division) })
	// The top lists read the accounts through their indexes, and name the
	// ten enterprises after the ordering.
	if d.Top, err = s.ranked(ctx, `SELECT t.org_id, o.name, t.division, COALESCE(t.grade, 0), t.emissions, t.intensity, t.intensity_change
		FROM (SELECT a.org_id, a.division, a.grade, a.emissions, a.intensity, a.intensity_change FROM accounts a`+where+
		fmt.Sprintf(` ORDER BY a.emissions DESC, a.org_id LIMIT %d) t JOIN orgs o ON o.id = t.org_id ORDER BY t.emissions DESC, t.org_id`, TopN), args...); err != nil {
		return d, err
	}
	d.Improvers, err = s.ranked(ctx, `SELECT t.org_id, o.name, t.division, COALESCE(t.grade, 0), t.emissions, t.intensity, t.intensity_change
		FROM (SELECT a.org_id, a.division, a.grade, a.emissions, a.intensity, a.intensity_change FROM accounts a`+where+
		fmt.Sprintf(` AND a.intensity_change < 0 ORDER BY a.intensity_change, a.org_id LIMIT %d) t JOIN orgs o ON o.id = t.org_id
		ORDER BY t.intensity_change, t.org_id`, TopN), args...)
	return d, err
}

func (s *Service) ranked(ctx context.Context, q string, args ...any) ([]Ranked, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Ranked{}
	for rows.Next() {
		var r Ranked
		if err := rows.Scan(&r.OrgID, &r.Name, &r.Division, &r.Grade, &r.Emissions, &r.Intensity, &r.Change); err != nil {
			return nil, err
		}
		if r.Intensity != nil && r.Change != nil && *r.Change > -1 {
			p := *r.Intensity / (1 + *r.Change)
			r.PrevIntensity = &p
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
