package cockpit

import (
	"cifp/finance"
)

// Table is a panel's data as rows, for its .xlsx export: the figures the
// chart draws, with the panel's meta beside them.
type Table struct {
	Title  string   `json:"title"`
	Header []string `json:"header"`
	Rows   [][]any  `json:"rows"`
	Meta   Meta     `json:"meta"`
}

func statHeader(first string) []string {
	return []string{first, "绿色贷款余额(万元)", "同比增速", "各项贷款余额(万元)", "绿色贷款占比", "占比变动(百分点)", "当月新发放绿色贷款(万元)",
		"气候融资余额(万元)", "减缓(万元)", "适应(万元)", "兼顾(万元)", "归属年减排量(tCO2)", "口径", "备注"}
}

func statRow(key string, r finance.Row) []any {
	return []any{key, r.GreenBalance, num(r.Growth), r.AllBalance, num(r.Share), num(r.ShareChangePP), r.NewGreen, r.ClimateBalance,
		r.Mitigation, r.Adaptation, r.Both, r.AttributedTCO2, r.Scope, r.Note}
}

func num(v *float64) any {
	if v == nil {
		return ""
	}
	return *v
}

// Table is the credit panel's total and targets.
func (c Credit) Table() Table {
	t := Table{Title: "绿色金融 " + c.Filter.Month, Header: statHeader("范围"), Meta: c.Meta["green_loan_balance"]}
	t.Rows = append(t.Rows, statRow("合计", c.Total))
	if len(c.Targets) > 0 {
		t.Rows = append(t.Rows, []any{}, []any{"试点目标", "目标值", "实际值", "单位", "完成", "口径", "备注"})
		for _, p := range c.Targets {
			met := ""
			if p.Met != nil {
				met = map[bool]string{true: "是", false: "否"}[*p.Met]
			}
			t.Rows = append(t.Rows, []any{p.Indicator, p.Target, num(p.Actual), p.Unit, met, p.TargetScope, p.Note})
		}
	}
	return t
}

// Table is the trend's months.
func (tr Trend) Table() Table {
	t := Table{Title: "逐月趋势", Header: statHeader("月份"), Meta: tr.Meta}
	for _, r := range tr.Rows {
		t.Rows = append(t.Rows, statRow(r.Month, r))
	}
	return t
}

// Table is the breakdown's rows, keyed by the dimension's keys.
func (b Breakdown) Table() Table {
	t := Table{Title: "分解：" + string(b.By), Header: statHeader(string(b.By)), Meta: b.Meta}
	for _, r := range b.Rows {
		t.Rows = append(t.Rows, statRow(r.Key, r))
	}
	return t
}

// Table is the map's counties.
func (m Map) Table() Table {
	t := Table{Title: "区县分布：" + m.Indicator, Header: []string{"区县代码", m.Indicator + "(" + m.Unit + ")"}, Meta: m.Meta}
	for _, a := range m.Areas {
		t.Rows = append(t.Rows, []any{a.County, num(a.Value)})
	}
	return t
}

// Table is the distribution's cells and the two top lists.
func (c Carbon) Table() Table {
	t := Table{Title: "碳账户分布", Header: []string{"碳效等级", "碳效水平", "企业数", "排放量(tCO2)"}, Meta: c.Meta}
	for _, g := range c.Cells {
		t.Rows = append(t.Rows, []any{g.Grade, string(g.Level), g.Accounts, g.Emissions})
	}
	t.Rows = append(t.Rows, []any{}, []any{"排放前十", "区县", "等级", "排放量(tCO2)"})
	for _, r := range c.Top {
		t.Rows = append(t.Rows, []any{r.Name, r.Division, r.Grade, r.Emissions})
	}
	t.Rows = append(t.Rows, []any{}, []any{"强度降幅前十", "区县", "等级", "强度变化"})
	for _, r := range c.Improvers {
		t.Rows = append(t.Rows, []any{r.Name, r.Division, r.Grade, num(r.Change)})
	}
	return t
}

// Table is the funnel's stages.
func (p Pipeline) Table() Table {
	t := Table{Title: "项目漏斗", Header: []string{"阶段", "项目数", "总投资(万元)", "预期年减排(tCO2)"}, Meta: p.Meta}
	for _, s := range p.Stages {
		t.Rows = append(t.Rows, []any{s.NameZH, s.Projects, s.Investment, s.AnnualTCO2})
	}
	return t
}

// Table is the service levels.
func (m Matching) Table() Table {
	t := Table{Title: "融资对接", Header: []string{"指标", "值"}, Meta: m.Meta}
	for _, st := range []string{finance.NeedOpen, finance.NeedChosen, finance.NeedApproved, finance.NeedDisbursed, finance.NeedWithdrawn} {
		t.Rows = append(t.Rows, []any{"需求(" + st + ")", m.Needs[st]}, []any{"金额(" + st + ", 万元)", m.NeedAmounts[st]})
	}
	t.Rows = append(t.Rows, []any{"抢单", m.Claims}, []any{"已对接", m.Contacted}, []any{"按时对接", m.OnTime}, []any{"超时对接", m.Late},
		[]any{"逾期未对接", m.Overdue}, []any{"按时率", num(m.OnTimeRate)}, []any{"对接时长中位数(小时)", num(m.MedianHours)})
	return t
}

// Table is the warnings by action and decision.
func (w Warnings) Table() Table {
	t := Table{Title: "预警", Header: []string{"分类", "项", "笔数"}, Meta: w.Meta}
	for k, n := range w.ByAction {
		t.Rows = append(t.Rows, []any{"建议措施", k, n})
	}
	for k, n := range w.ByDecision {
		t.Rows = append(t.Rows, []any{"机构处置", k, n})
	}
	for k, n := range w.ByInstitution {
		t.Rows = append(t.Rows, []any{"机构", k, n})
	}
	return t
}

// Table is the loop's totals and largest projects.
func (l Loop) Table() Table {
	t := Table{Title: "融资闭环", Header: []string{"项目", "借款企业", "气候融资(万元)", "预期年减排(tCO2)", "实测减排(tCO2)", "备注"}, Meta: l.Meta}
	for _, r := range l.Rows {
		t.Rows = append(t.Rows, []any{r.ProjectName, r.Borrower, r.Finance, r.ExpectedTCO2, num(r.MeasuredTCO2), r.Note})
	}
	t.Rows = append(t.Rows, []any{"合计", l.Projects, l.Finance, l.Expected, l.Measured, ""})
	return t
}
