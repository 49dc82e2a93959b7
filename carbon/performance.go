package carbon

import (
	"context"
	"database/sql"
	"strings"

	"cifp"
)

// Performance is what a lender reads of a borrower's carbon account for
// carbon-performance credit (碳效信用): the grade, level and intensity of a
// year and the year before, the data quality, and the state of the year's
// emission report.
type Performance struct {
	OrgID          int64    `json:"org_id"`
	Year           int      `json:"year"`
	Grade          int      `json:"grade"`      // 0: none
	PrevGrade      int      `json:"prev_grade"` // the year before; 0: none
	Level          Level    `json:"level"`
	Emissions      float64  `json:"emissions"`           // tCO2 of the year (Scope 1 + 2 less avoided)
	PrevEmissions  float64  `json:"prev_emissions"`      // tCO2 of the year before
	Intensity      *float64 `json:"intensity,omitempty"` // tCO2 per 万元 of value added
	PrevIntensity  *float64 `json:"prev_intensity,omitempty"`
	Quality        Quality  `json:"quality"`
	ReportStatus   string   `json:"report_status"` // the latest report version's status, "" when none
	HasAccount     bool     `json:"has_account"`
	HasPrevAccount bool     `json:"has_prev_account"`
}

// Performances returns the carbon performance of the enterprises in the
// year (with the year before), for lenders and regulators: it is what the
// 碳效码 shows and what carbon-performance credit rests on. Enterprises
// without an account for the year are absent from the map.
func (s *Service) Performances(ctx context.Context, orgIDs []int64, year int) (map[int64]Performance, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != cifp.RoleFinance && !a.Role.CityWide() {
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "only lenders and regulators read carbon performance in bulk")
	}
	out := map[int64]Performance{}
	for start := 0; start < len(orgIDs); start += 500 {
		ids := orgIDs[start:min(start+500, len(orgIDs))]
		args := []any{year - 1, year}
		for _, id := range ids {
			args = append(args, id)
		}
		rows, err := s.db.Query(ctx, `SELECT a.org_id, a.year, COALESCE(a.grade, 0), a.level, a.intensity, a.quality, a.emissions,
			COALESCE((SELECT r.status FROM carbon_reports r WHERE r.org_id = a.org_id AND r.year = a.year ORDER BY r.version DESC LIMIT 1), '')
			FROM accounts a WHERE a.year IN (?, ?) AND a.org_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var y, grade int
			var level, quality, status string
			var intensity sql.NullFloat64
			var emissions float64
			if err := rows.Scan(&id, &y, &grade, &level, &intensity, &quality, &emissions, &status); err != nil {
				rows.Close()
				return nil, err
			}
			p := out[id]
			p.OrgID, p.Year = id, year
			var in *float64
			if intensity.Valid {
				v := intensity.Float64
				in = &v
			}
			if y == year {
				p.HasAccount, p.Grade, p.Level, p.Intensity, p.Quality, p.ReportStatus, p.Emissions = true, grade, Level(level), in, Quality(quality), status, emissions
			} else {
				p.HasPrevAccount, p.PrevGrade, p.PrevIntensity, p.PrevEmissions = true, grade, in, emissions
			}
			out[id] = p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	for id, p := range out {
		if !p.HasAccount {
			delete(out, id)
		}
	}
	return out, nil
}
