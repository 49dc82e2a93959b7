package project

import (
	"context"
	"strings"

	"cifp"
)

// Stage is a step of the project pipeline (项目漏斗) with the projects that
// have reached it: their count, investment (万元) and expected annual
// reduction (tCO2).
type Stage struct {
	Code       string  `json:"code"`
	NameZH     string  `json:"name_zh"`
	Projects   int     `json:"projects"`
	Investment float64 `json:"investment"`
	AnnualTCO2 float64 `json:"annual_tco2"`
}

// funnelStages are the pipeline's stages and the statuses that have
// reached each: a project counts in every stage up to its own. Financed
// means under construction or completed, which a project reaches once its
// financing is in place; returned and rejected projects were submitted
// only; removed ones (出库) left the library and count nowhere past it.
var funnelStages = []struct {
	code, name string
	statuses   []string
}{
	{"submitted", "申报", []string{StatusSubmitted, StatusScreened, StatusReview, StatusReturned, StatusRejected, StatusAdmitted,
		StatusFinancing, StatusConstruction, StatusCompleted, StatusRemoved}},
	{"admitted", "入库", []string{StatusAdmitted, StatusFinancing, StatusConstruction, StatusCompleted}},
	{"financed", "获得融资", []string{StatusConstruction, StatusCompleted}},
	{"completed", "建成", []string{StatusCompleted}},
}

// Funnel sums the projects the actor may see, narrowed by the filter (its
// Statuses, Library, Sort, Limit and Offset are ignored), by pipeline
// stage: one GROUP BY status.
func (s *Service) Funnel(ctx context.Context, f Filter) ([]Stage, error) {
	f.Statuses, f.Library = nil, false
	byStatus, err := s.byStatus(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Stage, 0, len(funnelStages))
	for _, st := range funnelStages {
		g := Stage{Code: st.code, NameZH: st.name}
		for _, status := range st.statuses {
			c := byStatus[status]
			g.Projects += c.Projects
			g.Investment += c.Investment
			g.AnnualTCO2 += c.AnnualTCO2
		}
		out = append(out, g)
	}
	return out, nil
}

// byStatus sums the projects matching the filter by status.
func (s *Service) byStatus(ctx context.Context, f Filter) (map[string]Stage, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	where, args, err := s.where(a, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT p.status, COUNT(*), COALESCE(SUM(p.investment), 0), COALESCE(SUM(p.annual_tco2), 0)`+
		projectFrom+where+` GROUP BY p.status`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Stage{}
	for rows.Next() {
		var status string
		var c Stage
		if err := rows.Scan(&status, &c.Projects, &c.Investment, &c.AnnualTCO2); err != nil {
			return nil, err
		}
		out[strings.TrimSpace(status)] = c
	}
	return out, rows.Err()
}

// Brief is a project's name, place, owner and expected reduction: what a
// list of many projects (the financing loop) shows of each.
type Brief struct {
	ID         int64   `json:"id"`
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	County     string  `json:"county"`
	OrgID      int64   `json:"org_id"`
	OrgName    string  `json:"org_name"`
	AnnualTCO2 float64 `json:"annual_tco2"`
}

// Briefs returns the briefs of the projects the actor may see among ids.
func (s *Service) Briefs(ctx context.Context, ids []int64) (map[int64]Brief, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Brief, len(ids))
	for start := 0; start < len(ids); start += 1000 {
		where, args, err := s.where(a, Filter{IDs: ids[start:min(start+1000, len(ids))]})
		if err != nil {
			return nil, err
		}
		rows, err := s.db.Query(ctx, `SELECT p.id, p.code, p.name, p.county, p.org_id, o.name, p.annual_tco2`+projectFrom+where, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var b Brief
			if err := rows.Scan(&b.ID, &b.Code, &b.Name, &b.County, &b.OrgID, &b.OrgName, &b.AnnualTCO2); err != nil {
				rows.Close()
				return nil, err
			}
			out[b.ID] = b
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
