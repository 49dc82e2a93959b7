package web

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/finance"
	"cifp/org"
)

// Green-credit statistics (绿色信贷统计), the pilot's targets (试点目标) and
// the statistical report, on the finance service's statistics: the
// regulators read the city's, an institution its own, nobody else any.

var statsReaders = roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance)

// statDim is a dimension of the statistics as the pages, the API and the
// report name it.
type statDim struct {
	By    finance.Dimension
	Code  string // the query value
	Sheet string // the report's sheet
}

// statDims are the dimensions in the order of the selector and the sheets.
var statDims = []statDim{
	{finance.ByTotal, "total", "合计"},
	{finance.ByInstitution, "institution", "按机构"},
	{finance.ByCounty, "county", "按区县"},
	{finance.ByClass, "class", "按绿色分类"},
	{finance.BySector, "sector", "按行业"},
	{finance.ByClimateType, "climate_type", "按气候属性"},
}

func statDimOf(v string) (statDim, error) {
	if v == "" {
		return statDims[0], nil
	}
	for _, d := range statDims {
		if d.Code == v {
			return d, nil
		}
	}
	return statDim{}, cifp.Invalid("bad query parameter by", cifp.FieldError{Field: "by", Value: v,
		Message: "is not one of total, institution, county, class, sector, climate_type"})
}

// monthParam reads an optional month (YYYY-MM) of the query string.
func monthParam(r *http.Request, key string) (string, error) {
	v := strings.TrimSpace(r.URL.Query().Get(key))
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse("2006-01", v); err != nil {
		return "", cifp.Invalid("bad month", cifp.FieldError{Field: key, Value: v, Message: "is not a month (YYYY-MM)"})
	}
	return v, nil
}

// latestStatMonth is the latest month with statistics in the caller's
// scope (an institution its own, the regulators the city's); this month
// when there are none.
func (s *Server) latestStatMonth(ctx context.Context) (string, error) {
	m, err := s.finance.LatestMonth(ctx)
	if err != nil || m != "" {
		return m, err
	}
	return thisMonth(), nil
}

// statMonth is the month of the query's key, or the latest with statistics.
func (s *Server) statMonth(r *http.Request, key string) (string, error) {
	m, err := monthParam(r, key)
	if err != nil || m != "" {
		return m, err
	}
	return s.latestStatMonth(r.Context())
}

// statRow is a row of a statistics table with its key's name and, for the
// pages, its note in the reader's language.
type statRow struct {
	finance.Row
	Label    string `json:"label"`
	NoteText string `json:"-"`
}

// statTable is the green-credit table of a month by a dimension.
type statTable struct {
	Month     string    `json:"month"`
	By        string    `json:"by"`
	Scope     string    `json:"scope"`      // the statistical scope in force at the month
	BaseScope string    `json:"base_scope"` // at the month a year before
	Rows      []statRow `json:"rows"`
}

// institutionNames names the banks and insurers (the public directory).
func (s *Server) institutionNames(ctx context.Context) map[int64]string {
	names := map[int64]string{}
	for _, k := range []org.Kind{org.KindBank, org.KindInsurer} {
		dir, err := s.orgs.Directory(ctx, k)
		if err != nil {
			continue
		}
		for _, d := range dir {
			if id, err := strconv.ParseInt(d.Key, 10, 64); err == nil {
				names[id] = d.Name
			}
		}
	}
	return names
}

// statLabel names a key of a dimension in the language.
func (s *Server) statLabel(lang string, by finance.Dimension, key string, names map[int64]string) string {
	switch by {
	case finance.ByTotal:
		return s.msg(lang, "fin.stat_total")
	case finance.ByInstitution:
		id, _ := strconv.ParseInt(key, 10, 64)
		if n, ok := names[id]; ok && n != "" {
			return n
		}
		return "#" + key
	case finance.ByCounty:
		if d, ok := org.DivisionByCode(key); ok {
			if lang == "en" {
				return d.NameEN
			}
			return d.Name
		}
	case finance.ByClass:
		if key == "" {
			return s.msg(lang, "fin.not_green")
		}
		cat, class, _ := strings.Cut(key, "/")
		return key + " " + s.taxName(lang, "cat"+cat, class)
	case finance.BySector:
		if key == "" {
			return s.msg(lang, "fin.no_sector")
		}
		return s.taxName(lang, "sector", key)
	case finance.ByClimateType:
		if m, ok := s.msgs["climate."+key]; ok {
			return m[lang]
		}
	}
	if key == "" {
		return "—"
	}
	return key
}

// scopeName names a statistical scope (统计口径) in the language.
func (s *Server) scopeName(lang, code string) string {
	if code == "" {
		return s.msg(lang, "fin.scope_unnamed")
	}
	if sc, ok := finance.DefaultReference().Scope(code); ok {
		if lang == "en" && sc.NameEN != "" {
			return sc.NameEN
		}
		if sc.NameZH != "" {
			return sc.NameZH
		}
	}
	return code
}

// noteText words the finance service's coded notes (a statistics row's
// or a target's) in the language: each code's text is fnote.<code> in the
// message catalogue, its scope arguments named as scopeName names them. A
// note whose code the catalogue lacks, or whose arguments do not fit its
// text, is worded in the service's English.
func (s *Server) noteText(lang string, notes finance.Notes) string {
	if len(notes) == 0 {
		return ""
	}
	parts := make([]string, len(notes))
	for i, n := range notes {
		m, ok := s.msgs["fnote."+n.Code]
		if !ok {
			parts[i] = n.English()
			continue
		}
		args := make([]any, len(n.Args))
		for j, a := range n.Args {
			if n.ScopeArg(j) {
				args[j] = s.scopeName(lang, a)
			} else {
				args[j] = a
			}
		}
		if parts[i] = fmt.Sprintf(m[lang], args...); strings.Contains(parts[i], "%!") {
			parts[i] = n.English()
		}
	}
	if lang == "en" {
		return strings.Join(parts, "; ")
	}
	return strings.Join(parts, "；")
}

// statTable reads the green-credit table of the month by the dimension,
// each key named in the language.
func (s *Server) statTable(ctx context.Context, lang, month string, d statDim, names map[int64]string, f finance.Slice) (statTable, error) {
	rows, err := s.finance.Statistics(ctx, month, d.By, f)
	if err != nil {
		return statTable{}, err
	}
	t := statTable{Month: month, By: d.Code, Rows: make([]statRow, 0, len(rows))}
	for _, r := range rows {
		t.Scope, t.BaseScope = r.Scope, r.BaseScope
		t.Rows = append(t.Rows, statRow{Row: r, Label: s.statLabel(lang, d.By, r.Key, names), NoteText: s.noteText(lang, r.Notes)})
	}
	return t, nil
}

// statQuery is the query of the statistics API and pages.
var statQuery = append([]Param{
	{Name: "month", Desc: "YYYY-MM; default: the latest month with statistics"},
	{Name: "by", Desc: "total (default), institution, county, class, sector or climate_type"},
}, sliceQuery...)

// sliceQuery are the filters of the statistics (finance.Slice).
var sliceQuery = []Param{
	{Name: "county", Desc: "borrower's county (GB/T 2260): that county's loans only"},
	{Name: "institution", Desc: "lending institution's organisation id: its loans only"},
	{Name: "class", Desc: `green class "catalogue/class" (e.g. 2025/3): the green figures of that class, the other loans counted in all loans`},
	{Name: "sector", Desc: "6+1 sector: that sector's loans only"},
}

// sliceOf reads the statistics' filters from the query.
func sliceOf(r *http.Request) (finance.Slice, error) {
	q := r.URL.Query()
	f := finance.Slice{County: q.Get("county"), Class: q.Get("class"), Sector: q.Get("sector")}
	if v := q.Get("institution"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, cifp.Invalid("bad filter", cifp.FieldError{Field: "institution", Value: v, Message: "is not an organisation id"})
		}
		f.Institution = id
	}
	return f, f.Check()
}

// ---------------------------------------------------------------------------
// The pilot's targets (试点目标)

// targetItem is a target's progress with its notes in the reader's
// language, the indicator's definition and the target as the plan set it
// (its source and words).
type targetItem struct {
	finance.TargetProgress
	NoteText   string            `json:"note_text,omitempty"`
	Definition finance.Indicator `json:"definition"`
	Basis      finance.Target    `json:"basis"`
}

// inputTargets are the targets whose actual a department supplies.
func inputTargets() []finance.Target {
	var out []finance.Target
	for _, t := range finance.DefaultReference().Targets {
		if t.Measure == finance.MeasureInput {
			out = append(out, t)
		}
	}
	return out
}

// targetInputs reads the department-supplied actuals of the query, keyed
// by indicator code, in the target's unit; as_of and source describe them
// all. Nothing is stored: they are the request's.
func (s *Server) targetInputs(r *http.Request) (map[string]finance.Input, map[string]string, []cifp.FieldError) {
	q := r.URL.Query()
	in, raw := map[string]finance.Input{}, map[string]string{}
	var errs []cifp.FieldError
	source := strings.TrimSpace(q.Get("source"))
	if source == "" {
		source = s.msg(lang(r), "fin.input_source")
	}
	raw["as_of"], raw["source"] = strings.TrimSpace(q.Get("as_of")), strings.TrimSpace(q.Get("source"))
	for _, t := range inputTargets() {
		v := strings.TrimSpace(q.Get(t.Indicator))
		raw[t.Indicator] = v
		if v == "" {
			continue
		}
		x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			errs = append(errs, cifp.FieldError{Field: t.Indicator, Value: v, Message: "is not a number (" + t.Unit + ")"})
			continue
		}
		in[t.Indicator] = finance.Input{Value: x, AsOf: raw["as_of"], Source: source}
	}
	return in, raw, errs
}

// targets measures the pilot's targets at the month with the inputs, their
// notes worded in the language.
func (s *Server) targets(ctx context.Context, lang, month string, inputs map[string]finance.Input, f finance.Slice) ([]targetItem, error) {
	ps, err := s.finance.TargetProgress(ctx, month, inputs, f)
	if err != nil {
		return nil, err
	}
	ref := finance.DefaultReference()
	out := make([]targetItem, 0, len(ps))
	for i, p := range ps {
		it := targetItem{TargetProgress: p, NoteText: s.noteText(lang, p.Notes)}
		it.Definition, _ = ref.Indicator(p.Indicator)
		if i < len(ref.Targets) && ref.Targets[i].Indicator == p.Indicator {
			it.Basis = ref.Targets[i]
		}
		out = append(out, it)
	}
	return out, nil
}

var targetQuery = func() []Param {
	ps := []Param{{Name: "month", Desc: "YYYY-MM; default: the latest month with statistics"}}
	for _, t := range inputTargets() {
		ps = append(ps, Param{Name: t.Indicator, Desc: "the department-supplied actual, in " + t.Unit})
	}
	ps = append(ps, Param{Name: "as_of", Desc: "the date or period of the supplied figures"}, Param{Name: "source", Desc: "who supplied them"})
	return append(ps, sliceQuery...)
}()

// ---------------------------------------------------------------------------
// The statistics page

// kindAmount is a balance of other instruments of a kind.
type kindAmount struct {
	Kind   string
	Amount float64
}

// statsView is the data of the statistics page.
type statsView struct {
	Month, By   string
	Dims        []statDim
	Table       statTable
	Total       statRow
	Comparable  bool     // every row of the table is compared with the year before
	Notes       []string // the table's notes, once each
	Team, Admin bool
	Institution string // the institution's name, for its own statistics
	ScopeName   string
	BaseScope   string
	Indicators  []finance.Indicator
	Scopes      []finance.ScopeDef
	InForce     finance.Scopes
	Def         map[string]string // indicator code → definition, for the column titles
	Targets     []targetItem
	InputFields []finance.Target
	Inputs      map[string]string
	InputErrors formErrors
	InputError  string
	Totals      finance.Totals
	Instruments []kindAmount
	ChartSrc    string
	Export      string
	Done        string
	Cells       string
}

func (s *Server) statisticsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	l := lang(r)
	month, err := s.statMonth(r, "month")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := statDimOf(r.URL.Query().Get("by"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := s.institutionNames(ctx)
	v := statsView{Month: month, By: d.Code, Dims: statDims, Team: u.Role.CityWide(), Admin: u.Role == cifp.RoleAdmin,
		Done: r.URL.Query().Get("done"), Cells: r.URL.Query().Get("cells"), Comparable: true}
	if v.Table, err = s.statTable(ctx, l, month, d, names, finance.Slice{}); err != nil {
		s.fail(w, r, err)
		return
	}
	total := v.Table
	if d.By != finance.ByTotal {
		if total, err = s.statTable(ctx, l, month, statDims[0], names, finance.Slice{}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	v.Total = total.Rows[0]
	seen := map[string]bool{}
	for _, row := range append([]statRow{v.Total}, v.Table.Rows...) {
		v.Comparable = v.Comparable && row.Comparable
		if row.NoteText != "" && !seen[row.NoteText] {
			seen[row.NoteText] = true
			v.Notes = append(v.Notes, row.NoteText)
		}
	}
	v.ScopeName, v.BaseScope = s.scopeName(l, v.Total.Scope), s.scopeName(l, v.Total.BaseScope)
	if u.Role == cifp.RoleFinance {
		v.Institution = names[u.OrgID]
	}
	ref := finance.DefaultReference()
	v.Indicators, v.Scopes = ref.Indicators, ref.Scopes
	v.Def = map[string]string{}
	for _, in := range ref.Indicators {
		def := in.DefinitionZH
		if l == "en" && in.DefinitionEN != "" {
			def = in.DefinitionEN
		}
		v.Def[in.Code] = def
	}
	if v.InForce, err = s.finance.Scopes(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Team {
		inputs, raw, errs := s.targetInputs(r)
		v.Inputs, v.InputFields = raw, inputTargets()
		v.InputErrors, _ = formErrorsOf(cifp.Invalid("bad inputs", errs...))
		if len(errs) > 0 {
			v.InputError = s.msg(l, "fin.inputs_bad")
		}
		if v.Targets, err = s.targets(ctx, l, month, inputs, finance.Slice{}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if v.Totals, err = s.finance.MonthTotals(ctx, month); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range finance.InstrumentKinds {
		if a, ok := v.Totals.Instruments[k]; ok {
			v.Instruments = append(v.Instruments, kindAmount{k, a})
		}
	}
	v.ChartSrc = "/api/v1/finance/statistics/chart?" + url.Values{"to": {month}}.Encode()
	v.Export = "/finance/statistics/export?" + url.Values{"month": {month}}.Encode()
	s.render(w, r, http.StatusOK, "finance_statistics", v)
}

// recomputeSubmit rebuilds every statistics cell from the loan book (admin;
// the service audits it).
func (s *Server) recomputeSubmit(w http.ResponseWriter, r *http.Request) {
	n, err := s.finance.Recompute(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := url.Values{"done": {"recomputed"}, "cells": {strconv.Itoa(n)}}
	if m, err := monthParam(r, "month"); err == nil && m != "" {
		q.Set("month", m)
	} else if m := strings.TrimSpace(r.FormValue("month")); m != "" {
		if _, err := time.Parse("2006-01", m); err == nil {
			q.Set("month", m)
		}
	}
	http.Redirect(w, r, "/finance/statistics?"+q.Encode(), http.StatusSeeOther)
}

// ---------------------------------------------------------------------------
// The statistical report (.xlsx)

// statHeader is the header of a sheet of the statistical report.
var statHeader = []any{"键", "名称", "月份", "上年同月", "统计口径", "上年同月口径", "可比",
	"绿色贷款余额（万元）", "上年同月绿色贷款余额（万元）", "同比增速（%）", "各项贷款余额（万元）", "上年同月各项贷款余额（万元）",
	"绿色贷款占比（%）", "上年同月占比（%）", "占比变动（百分点）", "当月新发放绿色贷款（万元）", "本年累计新发放绿色贷款（万元）", "本年有统计的月数",
	"气候融资余额（万元）", "其中：减缓（万元）", "适应（万元）", "兼具（万元）", "绿色贷款支持项目年碳减排量（tCO2，归属贷款部分）",
	"绿色贷款笔数", "气候融资贷款笔数", "贷款笔数", "说明"}

// pctOf is a fraction as a percentage cell (empty when absent).
func pctOf(v *float64) any {
	if v == nil {
		return ""
	}
	return *v * 100
}

func numOf(v *float64) any {
	if v == nil {
		return ""
	}
	return *v
}

// statCells are a row's cells in the report.
func (s *Server) statCells(row statRow) []any {
	r := row.Row
	return []any{r.Key, row.Label, r.Month, r.BaseMonth, r.Scope, r.BaseScope, map[bool]string{true: "是", false: "否"}[r.Comparable],
		r.GreenBalance, r.GreenBalanceBase, pctOf(r.Growth), r.AllBalance, r.AllBalanceBase,
		pctOf(r.Share), pctOf(r.ShareBase), numOf(r.ShareChangePP), r.NewGreen, r.NewGreenYTD, r.YTDMonths,
		r.ClimateBalance, r.Mitigation, r.Adaptation, r.Both, r.AttributedTCO2,
		r.GreenLoans, r.ClimateLoans, r.Loans, row.NoteText}
}

// writeStatReport writes the statistical report of the month: a sheet per
// dimension and 说明 with the definitions, scopes and sources; for the
// regulators also the pilot's targets.
func (s *Server) writeStatReport(ctx context.Context, month string) (*bytes.Buffer, error) {
	u, _ := userFrom(ctx)
	names := s.institutionNames(ctx)
	x := excelize.NewFile()
	defer x.Close()
	var notes []string
	seen := map[string]bool{}
	var total statRow
	for i, d := range statDims {
		t, err := s.statTable(ctx, "zh", month, d, names, finance.Slice{})
		if err != nil {
			return nil, err
		}
		if i == 0 {
			x.SetSheetName("Sheet1", d.Sheet)
			total = t.Rows[0]
		} else if _, err := x.NewSheet(d.Sheet); err != nil {
			return nil, err
		}
		x.SetSheetRow(d.Sheet, "A1", &statHeader)
		for j, row := range t.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, j+2)
			cells := s.statCells(row)
			x.SetSheetRow(d.Sheet, cell, &cells)
			if row.NoteText != "" && !seen[row.NoteText] {
				seen[row.NoteText] = true
				notes = append(notes, row.NoteText)
			}
		}
		x.SetColWidth(d.Sheet, "B", "B", 30)
		x.SetColWidth(d.Sheet, "E", "F", 24)
		x.SetColWidth(d.Sheet, "H", "Z", 16)
		x.SetColWidth(d.Sheet, "AA", "AA", 60)
		x.SetPanes(d.Sheet, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"})
	}

	if u.Role.CityWide() {
		const sheet = "试点目标"
		if _, err := x.NewSheet(sheet); err != nil {
			return nil, err
		}
		items, err := s.targets(ctx, "zh", month, nil, finance.Slice{})
		if err != nil {
			return nil, err
		}
		head := []any{"指标", "指标代码", "方向", "目标值", "单位", "基期", "到期", "实际值", "实际值来源", "比值", "是否达到", "为进行中", "可比",
			"目标口径", "实际值口径", "基期值", "基期来源", "目标来源", "原文", "说明"}
		x.SetSheetRow(sheet, "A1", &head)
		for j, it := range items {
			met := ""
			if it.Met != nil {
				met = map[bool]string{true: "是", false: "否"}[*it.Met]
			}
			cells := []any{it.Definition.NameZH, it.Indicator, it.Direction, it.Target, it.Unit, it.BaseMonth, it.Due, numOf(it.Actual), it.ActualSource,
				numOf(it.Ratio), met, map[bool]string{true: "是", false: "否"}[it.Provisional], map[bool]string{true: "是", false: "否"}[it.Comparable],
				it.TargetScope, it.ActualScope, numOf(it.Base), it.BaseSource, it.Basis.Source, it.Basis.Quote, it.NoteText}
			cell, _ := excelize.CoordinatesToCellName(1, j+2)
			x.SetSheetRow(sheet, cell, &cells)
		}
		x.SetColWidth(sheet, "A", "A", 30)
		x.SetColWidth(sheet, "R", "T", 50)
	}

	// 说明: what the report is, its definitions, scopes and sources.
	const about = "说明"
	if _, err := x.NewSheet(about); err != nil {
		return nil, err
	}
	row := 1
	put := func(vals ...any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		x.SetSheetRow(about, cell, &vals)
		row++
	}
	scope := "全市（全部报送机构）"
	if u.Role == cifp.RoleFinance {
		scope = "本机构：" + names[u.OrgID]
	}
	put("绿色信贷统计报表")
	put("报表月份", month)
	put("统计范围", scope)
	put("统计口径", fmt.Sprintf("%s（%s）", s.scopeName("zh", total.Scope), total.Scope))
	put("上年同月口径", fmt.Sprintf("%s %s（%s）", total.BaseMonth, s.scopeName("zh", total.BaseScope), total.BaseScope))
	put("数据来源", "各金融机构按月报送的贷款逐笔数据（贷款逐笔数据模板，全量替换、全部或不导入）与放款登记；平台按机构、区县、绿色分类、行业（6+1）与气候属性汇总为月度统计单元，统计由单元计算。")
	put("金额单位", "万元；占比与增速为百分比，占比变动为百分点")
	put("比较规则", "同比以上年同月为基期；两时点统计口径不同或基期无统计数据时，不计算同比增速与占比变动，并在“说明”列注明。")
	put("生成时间", time.Now().In(chinaTime).Format("2006-01-02 15:04"))
	put("生成人", u.Username)
	if len(notes) > 0 {
		row++
		put("本表说明")
		for _, n := range notes {
			put("", n)
		}
	}
	ref := finance.DefaultReference()
	row++
	put("指标定义")
	put("代码", "名称", "英文名称", "单位", "口径族", "计算方法", "定义", "来源")
	for _, in := range ref.Indicators {
		put(in.Code, in.NameZH, in.NameEN, in.Unit, in.ScopeFamily, in.Formula, in.DefinitionZH, in.Source)
	}
	row++
	put("统计口径")
	put("代码", "口径族", "起始月份", "名称", "英文名称", "定义", "来源", "可信度（C 见原文；R 平台解读，待发布部门确认）")
	for _, sc := range ref.Scopes {
		put(sc.Code, sc.Family, sc.From, sc.NameZH, sc.NameEN, sc.Definition, sc.Source, sc.Confidence)
	}
	if inForce, err := s.finance.Scopes(ctx); err == nil {
		row++
		put("贷款统计口径启用时间")
		put("起始月份", "口径", "说明")
		for _, sc := range inForce {
			put(sc.From, sc.Code, sc.Note)
		}
	}
	x.SetColWidth(about, "A", "A", 28)
	x.SetColWidth(about, "B", "C", 36)
	x.SetColWidth(about, "D", "F", 18)
	x.SetColWidth(about, "G", "H", 60)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return &buf, nil
}

// statisticsExport serves the statistical report (pages and API).
func (s *Server) statisticsExport(w http.ResponseWriter, r *http.Request) {
	month, err := s.statMonth(r, "month")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	buf, err := s.writeStatReport(r.Context(), month)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, "green-credit-"+month+".xlsx", buf.Bytes())
}

// ---------------------------------------------------------------------------
// API

func (s *Server) apiStatistics(w http.ResponseWriter, r *http.Request) {
	month, err := s.statMonth(r, "month")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	d, err := statDimOf(r.URL.Query().Get("by"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	f, err := sliceOf(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	t, err := s.statTable(r.Context(), lang(r), month, d, s.institutionNames(r.Context()), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// trendRange reads the months of a trend: to (default the latest with
// statistics) and from (default twelve months before).
func (s *Server) trendRange(r *http.Request) (string, string, error) {
	to, err := s.statMonth(r, "to")
	if err != nil {
		return "", "", err
	}
	from, err := monthParam(r, "from")
	if err != nil {
		return "", "", err
	}
	if from == "" {
		t, _ := time.Parse("2006-01", to)
		from = t.AddDate(-1, 0, 0).Format("2006-01")
	}
	return from, to, nil
}

var trendQuery = []Param{
	{Name: "from", Desc: "YYYY-MM; default: twelve months before to; at most 120 months"},
	{Name: "to", Desc: "YYYY-MM; default: the latest month with statistics"},
}

func (s *Server) apiStatTrend(w http.ResponseWriter, r *http.Request) {
	from, to, err := s.trendRange(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	d, err := statDimOf(r.URL.Query().Get("by"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	f, err := sliceOf(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rows, err := s.finance.Trend(r.Context(), from, to, d.By, f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	l, names := lang(r), s.institutionNames(r.Context())
	out := make([]statRow, 0, len(rows))
	for _, row := range rows {
		out = append(out, statRow{Row: row, Label: s.statLabel(l, d.By, row.Key, names)})
	}
	writeJSON(w, http.StatusOK, out)
}

// trendChart is a Chart whose series may name their own type and value
// axis, and have gaps (null) where a figure is not defined.
type trendChart struct {
	Title      string        `json:"title"`
	Type       string        `json:"type"`
	Categories []string      `json:"categories"`
	Series     []trendSeries `json:"series"`
}

type trendSeries struct {
	Name string     `json:"name"`
	Type string     `json:"type,omitempty"`
	Axis int        `json:"axis,omitempty"` // 1: the right-hand axis
	Data []*float64 `json:"data"`
}

// apiStatChart is the monthly trend of the green-loan balance (bars, 万元)
// and its share of all loans (line, %), for the statistics page's chart.
func (s *Server) apiStatChart(w http.ResponseWriter, r *http.Request) {
	from, to, err := s.trendRange(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rows, err := s.finance.Trend(r.Context(), from, to, finance.ByTotal, finance.Slice{})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	l := lang(r)
	c := trendChart{Title: s.msg(l, "fin.trend_title"), Type: "bar", Categories: []string{},
		Series: []trendSeries{{Name: s.msg(l, "fin.trend_balance")}, {Name: s.msg(l, "fin.trend_share"), Type: "line", Axis: 1}}}
	for _, row := range rows {
		c.Categories = append(c.Categories, row.Month)
		bal := row.GreenBalance
		c.Series[0].Data = append(c.Series[0].Data, &bal)
		var share *float64
		if row.Share != nil {
			v := math.Round(*row.Share*10000) / 100
			share = &v
		}
		c.Series[1].Data = append(c.Series[1].Data, share)
	}
	writeJSON(w, http.StatusOK, c)
}

// referenceResponse is the indicators' definitions, the scopes, the
// pilot's targets and the published figures, with their sources.
type referenceResponse struct {
	*finance.Reference
	InForce finance.Scopes `json:"scopes_in_force"`
}

func (s *Server) apiFinanceReference(w http.ResponseWriter, r *http.Request) {
	sc, err := s.finance.Scopes(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, referenceResponse{Reference: finance.DefaultReference(), InForce: sc})
}

func (s *Server) apiTargets(w http.ResponseWriter, r *http.Request) {
	month, err := s.statMonth(r, "month")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	inputs, _, errs := s.targetInputs(r)
	if err := cifp.Invalid("bad inputs", errs...); err != nil {
		s.problem(w, r, err)
		return
	}
	f, err := sliceOf(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	items, err := s.targets(r.Context(), lang(r), month, inputs, f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, items)
}

func (s *Server) apiMonthTotals(w http.ResponseWriter, r *http.Request) {
	month, err := s.statMonth(r, "month")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	t, err := s.finance.MonthTotals(r.Context(), month)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// recomputeResult is what a full recompute of the statistics made.
type recomputeResult struct {
	Cells int `json:"cells"`
}

func (s *Server) apiRecompute(w http.ResponseWriter, r *http.Request) {
	n, err := s.finance.Recompute(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, recomputeResult{Cells: n})
}
