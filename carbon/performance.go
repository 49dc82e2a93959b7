package carbon

import (
	"context"
	"database/sql"
	"slices"
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
	h, err := s.History(ctx, orgIDs, []int{year})
	return h[year], err
}

// History returns the performance of the enterprises in each of the years
// (each with its year before), read in one query per 500 enterprises: for
// the financing loop, which wants each borrower's year before its first
// loan and the latest year. An enterprise without an account for a year is
// absent from that year's map.
func (s *Service) History(ctx context.Context, orgIDs []int64, years []int) (map[int]map[int64]Performance, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != cifp.RoleFinance && !a.Role.CityWide() {
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "only lenders and regulators read carbon performance in bulk")
	}
	type key struct {
		org  int64
		year int
	}
	read := map[key]Performance{} // each account read, as the year's own figures
	want := map[int]bool{}
	var ys []any
	for _, y := range years {
		want[y] = true
		for _, x := range []int{y - 1, y} {
			if !slices.Contains(ys, any(x)) {
				ys = append(ys, x)
			}
		}
	}
	for start := 0; start < len(orgIDs); start += 500 {
		ids := orgIDs[start:min(start+500, len(orgIDs))]
		args := append([]any{}, ys...)
		for _, id := range ids {
			args = append(args, id)
		}
		rows, err := s.db.Query(ctx, `SELECT a.org_id, a.year, COALESCE(a.grade, 0), a.level, a.intensity, a.quality, a.emissions,
			COALESCE((SELECT r.status FROM carbon_reports r WHERE r.org_id = a.org_id AND r.year = a.year ORDER BY r.version DESC LIMIT 1), '')
			FROM accounts a WHERE a.year IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ys)), ", ")+`) AND a.org_id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var p Performance
			var level, quality string
			var intensity sql.NullFloat64
			if err := rows.Scan(&p.OrgID, &p.Year, &p.Grade, &level, &intensity, &quality, &p.Emissions, &p.ReportStatus); err != nil {
				rows.Close()
				return nil, err
			}
			p.Level, p.Quality, p.HasAccount = Level(level), Quality(quality), true
			if intensity.Valid {
				v := intensity.Float64
				p.Intensity = &v
			}
			read[key{p.OrgID, p.Year}] = p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	out := map[int]map[int64]Performance{}
	for y := range want {
		out[y] = map[int64]Performance{}
	}
	for k, p := range read {
		if !want[k.year] {
			continue
		}
		if prev, ok := read[key{k.org, k.year - 1}]; ok {
			p.HasPrevAccount, p.PrevGrade, p.PrevIntensity, p.PrevEmissions = true, prev.Grade, prev.Intensity, prev.Emissions
		}
		out[k.year][k.org] = p
	}
	return out, nil
}
