package gep

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/internal/sheet"
)

// TemplateHeader is the header row of the input template.
var TemplateHeader = []string{"代码 code", "名称 name", "单位 unit", "数值 value"}

const templateSheet = "GEP核算输入"

// WriteTemplate writes the .xlsx input template (输入模板) of a region-year,
// filled with the set's figures (a stored set, the demo inputs, or an
// empty set for zeros): one row per figure with its code, Chinese name,
// unit and value, after the rows region, name and year; a 说明 sheet says
// how it is read. ParseTemplate reads it back.
func WriteTemplate(w io.Writer, set InputSet) error {
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", templateSheet)
	rows := [][]any{{TemplateHeader[0], TemplateHeader[1], TemplateHeader[2], TemplateHeader[3]},
		{"region", "行政区划代码 (GB/T 2260)", "", set.Inputs.Region},
		{"name", "行政区名称", "", set.Inputs.Name},
		{"year", "核算年份", "", set.Inputs.Year}}
	nums, texts := set.Figures()
	for _, f := range Fields() {
		var v any = nums[f.Code]
		if f.Text {
			v = texts[f.Code]
		}
		rows = append(rows, []any{f.Code, f.NameZH, f.Unit, v})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(templateSheet, cell, &r); err != nil {
			return err
		}
	}
	x.SetColWidth(templateSheet, "A", "A", 36)
	x.SetColWidth(templateSheet, "B", "B", 34)
	x.SetColWidth(templateSheet, "C", "C", 22)
	x.SetColWidth(templateSheet, "D", "D", 18)
	x.SetPanes(templateSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	x.NewSheet("说明")
	for i, line := range []string{
		"GEP 核算输入模板（生态系统生产总值）: 一个行政区、一个核算年份一份文件。",
		"只填写 D 列“数值”；A 列代码不可改动，行可删除（删除的行按 0 计）。",
		"金额以“亿元”、水量以“亿 m³”、电量以“亿 kWh”、游客以“万人次”填写，见 C 列单位。",
		"各生态系统类型面积之和须等于土地面积（允差 0.5%），数值不得为负；C、P 因子为 0–1 的比例。",
		"omit.* 行填写不核算该指标的理由（留空即核算）；模型计算的实物量（GeoTIFF 栅格）另行上传。",
		"导入全部成功或全部不导入：任何一处错误都会列出行号与列，且不保存任何数据。",
		"The template of one region and year. Fill column D only; the import is all or nothing and names the row and column of every error.",
	} {
		x.SetCellStr("说明", "A"+strconv.Itoa(i+1), line)
	}
	x.SetColWidth("说明", "A", "A", 120)
	return x.Write(w)
}

// ParseTemplate reads an input template (.xlsx or .csv with the same
// columns) into an input set with Source "xlsx". It checks the whole file
// first and fails with one EINVALID error listing every bad row and column
// — an unknown code, a code given twice, a value that is not a number, and
// every field Validate refuses, at the row of its code — so that an import
// stores all or nothing.
func ParseTemplate(r io.Reader, format string) (InputSet, error) {
	rows, err := sheet.Read(r, format, 1000)
	if err != nil {
		return InputSet{}, err
	}
	var fs []cifp.FieldError
	if len(rows) == 0 || len(rows[0]) < 4 || !strings.HasPrefix(strings.TrimSpace(rows[0][0]), "代码") {
		return InputSet{}, cifp.Invalid("gep: not a GEP input template", cifp.FieldError{Row: 1, Column: "A",
			Message: "the header must be: " + strings.Join(TemplateHeader, ", ")})
	}
	set := InputSet{Source: "xlsx"}
	nums, texts := map[string]float64{}, map[string]string{}
	rowOf := map[string]int{}
	for i, rec := range rows[1:] {
		line := i + 2
		cell := func(c int) string {
			if c < len(rec) {
				return strings.TrimSpace(rec[c])
			}
			return ""
		}
		code, val := cell(0), cell(3)
		if code == "" {
			continue
		}
		if prev, dup := rowOf[code]; dup {
			fs = append(fs, cifp.FieldError{Row: line, Column: "A", Field: code, Message: fmt.Sprintf("is given twice (first in row %d)", prev)})
			continue
		}
		rowOf[code] = line
		switch code {
		case "region":
			set.Inputs.Region = val
			continue
		case "name":
			set.Inputs.Name = val
			continue
		case "year":
			y, err := strconv.Atoi(val)
			if err != nil {
				fs = append(fs, cifp.FieldError{Row: line, Column: "D", Field: code, Value: val, Message: "is not a year"})
			}
			set.Inputs.Year = y
			continue
		}
		f, ok := FieldByCode(code)
		switch {
		case !ok:
			fs = append(fs, cifp.FieldError{Row: line, Column: "A", Field: code, Value: code, Message: "is not a code of the GEP template"})
		case f.Text:
			texts[code] = val
		default:
			v, err := parseFigure(val)
			if err != nil {
				fs = append(fs, cifp.FieldError{Row: line, Column: "D", Field: code, Value: val, Message: "is not a number (" + f.Unit + ")"})
				continue
			}
			nums[code] = v
		}
	}
	for _, need := range []string{"region", "year"} {
		if _, ok := rowOf[need]; !ok {
			fs = append(fs, cifp.FieldError{Column: "A", Field: need, Message: "row is missing"})
		}
	}
	if len(fs) == 0 {
		set, err = set.WithFigures(nums, texts)
		if err != nil {
			return InputSet{}, err
		}
		err := Validate(set.Inputs)
		if set.GDP < 0 {
			err = cifp.Invalid("gep: bad gdp", append(cifp.ErrorFields(err), cifp.FieldError{Field: "gdp", Message: "must not be negative"})...)
		}
		for _, f := range cifp.ErrorFields(err) {
			f.Row, f.Column = rowFor(rowOf, f.Field), "D"
			fs = append(fs, f)
		}
	}
	if err := cifp.Invalid("gep: the input file has "+cifp.Problems(len(fs))+"; nothing was imported", fs...); err != nil {
		return InputSet{}, err
	}
	set.Region, set.Year, set.Name = set.Inputs.Region, set.Inputs.Year, set.Inputs.Name
	return set, nil
}

// rowFor returns the row of a field's code, or of the longest code that
// starts with it ("ecosystems" → the first ecosystem row), or 0.
func rowFor(rowOf map[string]int, field string) int {
	if r, ok := rowOf[field]; ok {
		return r
	}
	best := 0
	for code, r := range rowOf {
		if strings.HasPrefix(code, field+".") && (best == 0 || r < best) {
			best = r
		}
	}
	return best
}

// WriteRunXLSX writes the whole accounting table of a run as .xlsx: 汇总
// (the totals, the run's version, profile, inputs source, magnitude check
// and warnings), 价值量 (every valued line with quantity, unit price and its
// source), 实物量 (every physical quantity) and 输入 (the input figures).
func WriteRunXLSX(w io.Writer, r Run) error {
	x := excelize.NewFile()
	defer x.Close()
	put := func(name string, rows [][]any) error {
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow(name, cell, &row); err != nil {
				return err
			}
		}
		return nil
	}
	x.SetSheetName("Sheet1", "汇总")
	sum := [][]any{
		{"项目 item", "数值 value", "单位 unit"},
		{"行政区 region", r.Region + " " + r.Name, ""},
		{"核算年份 year", r.Year, ""},
		{"版本 version", r.Version, ""},
		{"运行编号 run id", r.ID, ""},
		{"参数方案 profile", r.ProfileID, ""},
		{"输入来源 inputs", r.InputSource, ""},
		{"核算人 run by", r.CreatedBy, ""},
		{"核算时间 run at (UTC)", r.CreatedAt.Format("2006-01-02 15:04:05"), ""},
		{"土地面积 land area", r.AreaKm2, "km²"},
		{"物质产品价值 provisioning", r.Provisioning / Yi, "亿元"},
		{"调节服务价值 regulating", r.Regulating / Yi, "亿元"},
		{"文化服务价值 cultural", r.Cultural / Yi, "亿元"},
		{"区域外来产品扣减 deduction", r.Deduction / Yi, "亿元"},
		{"GEP 生态系统生产总值", r.GEP / Yi, "亿元"},
	}
	if r.GDP > 0 {
		sum = append(sum, []any{"GDP 地区生产总值", r.GDP / Yi, "亿元"}, []any{"GEP/GDP", r.GEP / r.GDP, "倍"})
	}
	sum = append(sum, []any{"单位面积 GEP per km²", r.Magnitude.PerKm2, "万元/km²"}, []any{"量级检查 magnitude", r.Magnitude.Message, ""})
	for _, wn := range r.Warnings {
		sum = append(sum, []any{"提示 warning", wn, ""})
	}
	sum = append(sum, []any{}, []any{"按指标 by indicator", "", ""})
	for _, t := range r.ByIndicator {
		sum = append(sum, []any{t.NameZH + " " + t.Key, t.Value / Yi, "亿元"})
	}
	sum = append(sum, []any{}, []any{"按生态系统 by ecosystem", "", ""})
	for _, t := range r.ByEcosystem {
		sum = append(sum, []any{t.NameZH + " " + t.Key, t.Value / Yi, "亿元"})
	}
	if err := put("汇总", sum); err != nil {
		return err
	}
	x.SetColWidth("汇总", "A", "A", 32)
	x.SetColWidth("汇总", "B", "B", 60)
	x.NewSheet("价值量")
	lines := [][]any{{"序号 no.", "类别 category", "指标代码 indicator", "指标 name", "分项 component", "生态系统 ecosystem", "实物量 quantity", "单位 unit",
		"单价 price", "单价单位 price unit", "价格代码 price code", "基准价 base price", "价格年份 price year", "价格指数系数 index factor", "价格来源 price source", "价值量 value (元)"}}
	for i, l := range r.Lines {
		info, _ := l.Indicator.Info()
		lines = append(lines, []any{i + 1, string(l.Category), string(l.Indicator), info.NameZH, l.Component, l.Ecosystem.NameZH(), l.Quantity, l.Unit,
			l.Price, l.PriceUnit, l.PriceCode, l.PriceBase, l.PriceYear, l.IndexFactor, l.PriceSource, l.Value})
	}
	lines = append(lines, []any{"", "", "", "合计 GEP", "", "", "", "", "", "", "", "", "", "", "", r.GEP})
	if err := put("价值量", lines); err != nil {
		return err
	}
	x.SetPanes("价值量", &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	x.NewSheet("实物量")
	am := [][]any{{"指标代码 indicator", "指标 name", "分项 component", "生态系统 ecosystem", "实物量 quantity", "单位 unit", "依据 basis", "来源 source"}}
	for _, a := range r.Amounts {
		info, _ := a.Indicator.Info()
		am = append(am, []any{string(a.Indicator), info.NameZH, a.Component, a.Ecosystem.NameZH(), a.Quantity, a.Unit, a.Basis, a.Source})
	}
	if err := put("实物量", am); err != nil {
		return err
	}
	x.NewSheet("输入")
	in := [][]any{{"代码 code", "名称 name", "单位 unit", "数值 value"}}
	nums, texts := InputSet{Inputs: r.Inputs, GDP: r.GDP}.Figures()
	for _, f := range Fields() {
		if f.Text {
			if t := texts[f.Code]; t != "" {
				in = append(in, []any{f.Code, f.NameZH, f.Unit, t})
			}
			continue
		}
		in = append(in, []any{f.Code, f.NameZH, f.Unit, nums[f.Code]})
	}
	for _, q := range r.Inputs.Modelled {
		unit, _ := QuantityUnit(q.Indicator, q.Component)
		in = append(in, []any{"modelled." + string(q.Indicator) + "." + string(q.Ecosystem), "模型实物量 " + q.Source, unit, q.Value})
	}
	if err := put("输入", in); err != nil {
		return err
	}
	return x.Write(w)
}
