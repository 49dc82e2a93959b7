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
	out := Credit{Filter: f, Total: rows[0], Meta: map[string]Meta{}}
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
	quality := fmt.Sprintf("%d 家机构报送 %s 月末逐笔贷款数据", out.Reporting, f.Month)
	if !out.Total.Comparable {
		quality += "；" + out.Total.Note
	}
	for _, in := range finance.DefaultReference().Indicators {
		out.Meta[in.Code] = Meta{Definition: in.DefinitionZH, Scope: out.Total.Scope, AsOf: f.Month, Quality: quality, Source: in.Source,
			Filters: []string{"month", "county", "class", "institution"}}
	}
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
	return Trend{Filter: f, Rows: rows, Meta: Meta{Definition: "绿色贷款余额、占比与气候融资余额的逐月变化（月末时点）", Scope: scope,
		AsOf: monthsBack(f.Month, 11) + "—" + f.Month, Quality: "金融机构逐月报送的逐笔贷款数据汇总", Source: "绿色信贷统计（贷款逐笔报送）",
		Filters: []string{"month", "county", "class", "institution"}}}, nil
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
	return Breakdown{Filter: f, By: by, Rows: rows, Meta: Meta{Definition: "当月末绿色贷款余额、各项贷款余额与气候融资余额按维度分解", Scope: scope,
		AsOf: f.Month, Quality: "金融机构逐月报送的逐笔贷款数据汇总", Source: "绿色信贷统计（贷款逐笔报送）", Filters: []string{"month", "county", "class", "institution"}}}, nil
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
		out.Meta = Meta{Definition: indicatorDefinition(indicator), AsOf: f.Month, Quality: "按借款人所在区县汇总的逐笔贷款数据",
			Source: "绿色信贷统计（贷款逐笔报送）", Filters: []string{"month", "class", "institution"}}
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
		out.Meta = Meta{Definition: "入库气候项目（已入库、融资对接、建设中、已建成）的个数与总投资，按项目所在区县", AsOf: "实时",
			Quality: "经初筛和专家评审入库的项目", Source: "气候项目库", Filters: nil}
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
		out.Meta = Meta{Definition: "企业年度碳账户的户数与排放量（范围一、二，扣除绿电等抵减），按企业注册地区县", AsOf: strconv.Itoa(f.Year),
			Quality: qualityText(d), Source: "企业碳账户", Filters: []string{"year", "grade"}}
	}
	return out, nil
}

func indicatorDefinition(code string) string {
	ref := finance.DefaultReference()
	key := map[string]string{"green_balance": "green_loan_balance", "green_share": "green_loan_share", "green_growth": "green_loan_growth",
		"climate_balance": "climate_financing_balance"}[code]
	if in, ok := ref.Indicator(key); ok {
		return in.DefinitionZH
	}
	return ""
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
	return Carbon{Filter: f, Distribution: d, Meta: Meta{Definition: "企业年度碳账户按碳效等级（1—5级）和碳效水平（低/中/高碳）的分布；排放 = 范围一 + 范围二 − 抵减",
		Scope: "浙江省工业企业碳效评价（碳效码）", AsOf: strconv.Itoa(f.Year), Quality: qualityText(d), Source: "企业碳账户", Filters: []string{"year", "county", "grade"}}}, nil
}

func qualityText(d carbon.Distribution) string {
	if d.Accounts == 0 {
		return "无碳账户"
	}
	return fmt.Sprintf("%d 户：计量 %d、报送 %d、估算 %d", d.Accounts, d.Quality[carbon.Quality("metered")], d.Quality[carbon.Quality("reported")],
		d.Quality[carbon.Quality("estimated")])
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
	return Pipeline{Filter: f, Stages: st, Meta: Meta{Definition: "达到各阶段的项目数（累计）：申报（已提交）→ 入库 → 获得融资（建设中、已建成）→ 建成",
		AsOf: "实时", Quality: "项目库工作流状态", Source: "气候项目库", Filters: []string{"county"}}}, nil
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
	return Matching{Filter: f, ServiceLevels: l, Meta: Meta{Definition: "融资需求按状态的笔数与金额；机构抢单后首次对接是否在规定工作日内（贷款码响应时限）",
		AsOf: "实时", Quality: "平台记录的抢单与对接时间", Source: "融资对接（贷款码）", Filters: []string{"county", "institution"}}}, nil
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
	return Warnings{Filter: f, WarningSummary: w, Meta: Meta{Definition: "借款企业碳效等级下降两级及以上、降至5级或碳报告被退回时的预警，及建议措施（关注、重组、退出）与机构处置",
		AsOf: strconv.Itoa(f.Year), Quality: "机构查看预警清单时登记", Source: "碳效信用预警", Filters: []string{"year", "county", "institution"}}}, nil
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
	out.Meta = Meta{Definition: "入库项目获得贷款后，借款企业实测排放（放款前一年 − 最近一年）与项目评审时预期年减排量对比，按每万元气候融资",
		AsOf: strconv.Itoa(f.Year), Quality: fmt.Sprintf("%d 个项目中 %d 个有放款前后两年的碳账户", out.Projects, out.Compared), Source: "项目库 + 贷款逐笔数据 + 企业碳账户",
		Filters: []string{"year", "county"}}
	return out, nil
}
