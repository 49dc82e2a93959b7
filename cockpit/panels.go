package cockpit

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"cifp"
	"cifp/carbon"
	"cifp/finance"
	"cifp/project"
)

// Credit is the green-credit panel (绿色金融): the month's figures of the
// slice and, for the regulators, the pilot's targets.
type Credit struct {
	Filter  Filter                   `json:"filter"`
	Total   finance.Row              `json:"total"`
	Targets []finance.TargetProgress `json:"targets,omitempty"`
	// Reporting is how many institutions reported loans for the month.
	Reporting int             `json:"reporting"`
	Meta      map[string]Meta `json:"meta"` // by indicator code
}

// Credit answers the green-credit panel: finance.Statistics by total for
// the slice, and finance.TargetProgress for the regulators.
func (s *Service) Credit(ctx context.Context, f Filter) (Credit, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Credit{}, err
	}
	rows, err := s.finance.Statistics(ctx, f.Month, finance.ByTotal, f.slice())
	if err != nil {
		return Credit{}, err
	}
	by, err := s.finance.Statistics(ctx, f.Month, finance.ByInstitution, f.slice())
	if err != nil {
		return Credit{}, err
	}
	out := Credit{Filter: f, Total: rows[0]}
	for _, r := range by {
		if r.Loans > 0 {
			out.Reporting++
		}
	}
	if a, _ := cifp.ActorFrom(ctx); a.Role.CityWide() {
		if out.Targets, err = s.finance.TargetProgress(ctx, f.Month, nil, f.slice()); err != nil {
			return Credit{}, err
		}
	}
	out.Meta = creditMeta(out.Total, out.Reporting, f.Month)
	return out, nil
}

// Trend is the monthly series of the slice over the twelve months to the
// filter's month.
type Trend struct {
	Filter Filter        `json:"filter"`
	Rows   []finance.Row `json:"rows"`
	Meta   Meta          `json:"meta"`
}

// Trend answers the trend panel: finance.Trend by total.
func (s *Service) Trend(ctx context.Context, f Filter) (Trend, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Trend{}, err
	}
	rows, err := s.finance.Trend(ctx, monthsBack(f.Month, 11), f.Month, finance.ByTotal, f.slice())
	if err != nil {
		return Trend{}, err
	}
	scope := ""
	if len(rows) > 0 {
		scope = rows[len(rows)-1].Scope
	}
	m := panelMeta("trend", monthsBack(f.Month, 11)+"—"+f.Month, []string{"month", "county", "class", "institution"})
	m.Scope, m.ScopeEN = scope, scope
	return Trend{Filter: f, Rows: rows, Meta: m}, nil
}

// Breakdown is the month's statistics of the slice by a dimension.
type Breakdown struct {
	Filter Filter            `json:"filter"`
	By     finance.Dimension `json:"by"`
	Rows   []finance.Row     `json:"rows"`
	Meta   Meta              `json:"meta"`
}

// Breakdown answers a breakdown panel: finance.Statistics by the dimension.
func (s *Service) Breakdown(ctx context.Context, f Filter, by finance.Dimension) (Breakdown, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Breakdown{}, err
	}
	if by == finance.ByTotal || !slices.Contains(finance.Dimensions, by) {
		return Breakdown{}, cifp.Invalid("bad dimension", cifp.FieldError{Field: "by", Value: string(by), Message: "is not institution, county, class, sector or climate_type"})
	}
	rows, err := s.finance.Statistics(ctx, f.Month, by, f.slice())
	if err != nil {
		return Breakdown{}, err
	}
	scope := ""
	if len(rows) > 0 {
		scope = rows[0].Scope
	}
	m := panelMeta("breakdown", f.Month, []string{"month", "county", "class", "institution"})
	m.Scope, m.ScopeEN = scope, scope
	return Breakdown{Filter: f, By: by, Rows: rows, Meta: m}, nil
}

// MapIndicators are the indicators the county map can be coloured by.
var MapIndicators = []string{"green_balance", "green_share", "green_growth", "climate_balance", "projects", "investment", "accounts", "emissions"}

// Area is a county's value on the map; nil where it is not defined (a
// share without loans).
type Area struct {
	County string   `json:"county"`
	Value  *float64 `json:"value"`
}

// Map is the county map coloured by one indicator.
type Map struct {
	Filter    Filter `json:"filter"`
	Indicator string `json:"indicator"`
	Unit      string `json:"unit"`
	Areas     []Area `json:"areas"`
	Meta      Meta   `json:"meta"`
}

// Map answers the map panel: every county's value of the indicator under
// the filter's other narrowing (the selected county is the one the page
// highlights): the loans' figures from finance.Statistics by county, the
// projects' from project.Counties, the accounts' from carbon.Distribution.
func (s *Service) Map(ctx context.Context, f Filter, indicator string) (Map, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Map{}, err
	}
	if indicator == "" {
		indicator = MapIndicators[0]
	}
	if !slices.Contains(MapIndicators, indicator) {
		return Map{}, cifp.Invalid("bad indicator", cifp.FieldError{Field: "indicator", Value: indicator, Message: fmt.Sprintf("is not one of %v", MapIndicators)})
	}
	out := Map{Filter: f, Indicator: indicator, Areas: []Area{}}
	val := func(v float64) *float64 { return &v }
	switch indicator {
	case "green_balance", "green_share", "green_growth", "climate_balance":
		all := f.slice()
		all.County = ""
		rows, err := s.finance.Statistics(ctx, f.Month, finance.ByCounty, all)
		if err != nil {
			return Map{}, err
		}
		for _, r := range rows {
			a := Area{County: r.Key}
			switch indicator {
			case "green_balance":
				a.Value, out.Unit = val(r.GreenBalance), "万元"
			case "green_share":
				a.Value, out.Unit = r.Share, "ratio"
			case "green_growth":
				a.Value, out.Unit = r.Growth, "ratio"
			case "climate_balance":
				a.Value, out.Unit = val(r.ClimateBalance), "万元"
			}
			out.Areas = append(out.Areas, a)
		}
		out.Meta = mapMeta(indicator, f, carbon.Distribution{})
	case "projects", "investment":
		cs, err := s.projects.Counties(ctx, project.Filter{Library: true})
		if err != nil {
			return Map{}, err
		}
		for _, c := range cs {
			if indicator == "projects" {
				out.Areas, out.Unit = append(out.Areas, Area{County: c.County, Value: val(float64(c.Projects))}), "个"
			} else {
				out.Areas, out.Unit = append(out.Areas, Area{County: c.County, Value: val(c.Investment)}), "万元"
			}
		}
		out.Meta = mapMeta(indicator, f, carbon.Distribution{})
	case "accounts", "emissions":
		d, err := s.carbon.Distribution(ctx, carbon.Filter{Year: f.Year, Grade: f.Grade})
		if err != nil {
			return Map{}, err
		}
		for _, t := range d.Divisions {
			if indicator == "accounts" {
				out.Areas, out.Unit = append(out.Areas, Area{County: t.Division, Value: val(float64(t.Accounts))}), "家"
			} else {
				out.Areas, out.Unit = append(out.Areas, Area{County: t.Division, Value: val(t.Emissions)}), "tCO2"
			}
		}
		out.Meta = mapMeta(indicator, f, d)
	}
	return out, nil
}

// Carbon is the carbon-account panel (碳账户): the distribution by grade
// and level, the top emitters and the fastest improvers.
type Carbon struct {
	Filter Filter `json:"filter"`
	carbon.Distribution
	Meta Meta `json:"meta"`
}

// Carbon answers the carbon-account panel: carbon.Distribution (regulators).
func (s *Service) Carbon(ctx context.Context, f Filter) (Carbon, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Carbon{}, err
	}
	d, err := s.carbon.Distribution(ctx, carbon.Filter{Year: f.Year, Division: f.County, Grade: f.Grade})
	if err != nil {
		return Carbon{}, err
	}
	return Carbon{Filter: f, Distribution: d, Meta: accountsMeta("carbon", f.Year, []string{"year", "county", "grade"}, d)}, nil
}

// Pipeline is the project funnel (项目漏斗).
type Pipeline struct {
	Filter Filter          `json:"filter"`
	Stages []project.Stage `json:"stages"`
	Meta   Meta            `json:"meta"`
}

// Pipeline answers the pipeline panel: project.Funnel of the county.
func (s *Service) Pipeline(ctx context.Context, f Filter) (Pipeline, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Pipeline{}, err
	}
	st, err := s.projects.Funnel(ctx, project.Filter{County: f.County})
	if err != nil {
		return Pipeline{}, err
	}
	return Pipeline{Filter: f, Stages: st, Meta: panelMeta("pipeline", "", []string{"county"})}, nil
}

// Matching is the financing service's levels (融资对接).
type Matching struct {
	Filter Filter `json:"filter"`
	finance.ServiceLevels
	Meta Meta `json:"meta"`
}

// Matching answers the matching panel: finance.ServiceLevels.
func (s *Service) Matching(ctx context.Context, f Filter) (Matching, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Matching{}, err
	}
	l, err := s.finance.ServiceLevels(ctx, finance.NeedSlice{County: f.County, Institution: f.Institution})
	if err != nil {
		return Matching{}, err
	}
	return Matching{Filter: f, ServiceLevels: l, Meta: panelMeta("matching", "", []string{"county", "institution"})}, nil
}

// Warnings is the early-warning panel (预警).
type Warnings struct {
	Filter Filter `json:"filter"`
	finance.WarningSummary
	Meta Meta `json:"meta"`
}

// Warnings answers the warning panel: finance.WarningSummary of the year.
func (s *Service) Warnings(ctx context.Context, f Filter) (Warnings, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Warnings{}, err
	}
	w, err := s.finance.WarningSummary(ctx, f.Year, finance.NeedSlice{County: f.County, Institution: f.Institution})
	if err != nil {
		return Warnings{}, err
	}
	return Warnings{Filter: f, WarningSummary: w, Meta: panelMeta("warnings", strconv.Itoa(f.Year), []string{"year", "county", "institution"})}, nil
}

// Loop is the closing of the loop (融资闭环): the reduction expected at
// screening beside the borrowers' measured change, over the financed
// library projects.
type Loop struct {
	Filter   Filter  `json:"filter"`
	Projects int     `json:"projects"`
	Finance  float64 `json:"finance"`  // 万元
	Expected float64 `json:"expected"` // tCO2 a year, of every project
	Measured float64 `json:"measured"` // tCO2 a year, of the projects with both accounts
	Compared int     `json:"compared"` // projects with a measured change
	// ExpectedOfCompared is the expected reduction of the compared
	// projects, to set beside Measured.
	ExpectedOfCompared float64           `json:"expected_of_compared"`
	Rows               []finance.LoopRow `json:"rows"` // the largest ten by finance
	Meta               Meta              `json:"meta"`
}

// Loop answers the loop panel: finance.LoopSummary of the county, with the
// largest ten.
func (s *Service) Loop(ctx context.Context, f Filter) (Loop, error) {
	f, err := s.Resolve(ctx, f)
	if err != nil {
		return Loop{}, err
	}
	sum, err := s.finance.LoopSummary(ctx, f.Year, f.County, 10)
	if err != nil {
		return Loop{}, err
	}
	out := Loop{Filter: f, Projects: sum.Projects, Finance: sum.Finance, Expected: sum.Expected, Measured: sum.Measured,
		Compared: sum.Compared, ExpectedOfCompared: sum.ExpectedOfCompared, Rows: sum.Top}
	out.Meta = panelMeta("loop", strconv.Itoa(f.Year), []string{"year", "county"}, out.Projects, out.Compared)
	return out, nil
}
