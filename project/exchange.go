package project

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/audit"
	"cifp/internal/sheet"
	"cifp/org"
	"cifp/store"
)

// Column is a column of the library exchange file (项目库交换表): the
// export, the recommendation to the national library and the bulk import
// share it, so that an export can be loaded elsewhere as it is.
type Column struct {
	Key    string
	Title  string
	Import bool // read by the import
	value  func(s *Service, p Project) any
}

func f64(p *float64) any {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Service) termName(list []Term, code string) string {
	t, _ := find(list, code)
	return t.NameZH
}

// Columns lists the exchange file's columns in order.
var Columns = []Column{
	{"code", "项目编号", false, func(_ *Service, p Project) any { return p.Code }},
	{"name", "项目名称", true, func(_ *Service, p Project) any { return p.Name }},
	{"status", "状态", true, func(_ *Service, p Project) any { return p.Status }},
	{"owner_uscc", "业主统一社会信用代码", true, func(_ *Service, p Project) any { return p.OrgUSCC }},
	{"owner_name", "业主名称", false, func(_ *Service, p Project) any { return p.OrgName }},
	{"county", "区县代码", true, func(_ *Service, p Project) any { return p.County }},
	{"county_name", "区县", false, func(_ *Service, p Project) any { d, _ := org.DivisionByCode(p.County); return d.Name }},
	{"location", "建设地点", true, func(_ *Service, p Project) any { return p.Location }},
	{"lat", "纬度", true, func(_ *Service, p Project) any { return f64(p.Lat) }},
	{"lng", "经度", true, func(_ *Service, p Project) any { return f64(p.Lng) }},
	{"sector", "重点领域代码", true, func(_ *Service, p Project) any { return p.Sector }},
	{"sector_name", "重点领域", false, func(s *Service, p Project) any { return s.termName(s.Taxonomy.Sectors.Items, p.Sector) }},
	{"category", "项目类别代码", true, func(_ *Service, p Project) any { return p.Category }},
	{"category_name", "项目类别", false, func(s *Service, p Project) any { c, _ := s.Taxonomy.Category(p.Category); return c.NameZH }},
	{"climate_type", "气候类型代码", true, func(_ *Service, p Project) any { return p.ClimateType }},
	{"climate_type_name", "气候类型", false, func(s *Service, p Project) any { return s.termName(s.Taxonomy.ClimateTypes.Items, p.ClimateType) }},
	{"list", "三张清单", false, func(s *Service, p Project) any { return s.termName(s.Taxonomy.Lists.Items, p.List) }},
	{"cat2021", "绿债目录2021一级类", false, func(s *Service, p Project) any {
		t, _ := s.Taxonomy.Class("2021", p.Cat2021)
		return strings.TrimSpace(p.Cat2021 + " " + t.NameZH)
	}},
	{"cat2021_item", "绿债目录2021条目", false, func(_ *Service, p Project) any {
		if p.Screening == nil {
			return ""
		}
		return p.Screening.Cat2021Item
	}},
	{"cat2025", "绿金目录2025一级类", false, func(s *Service, p Project) any {
		t, _ := s.Taxonomy.Class("2025", p.Cat2025)
		return strings.TrimSpace(p.Cat2025 + " " + t.NameZH)
	}},
	{"description", "项目简介", true, func(_ *Service, p Project) any { return p.Description }},
	{"investment", "总投资（万元）", true, func(_ *Service, p Project) any { return p.Investment }},
	{"financing_need", "融资需求（万元）", true, func(_ *Service, p Project) any { return p.FinancingNeed }},
	{"start_date", "开工日期", true, func(_ *Service, p Project) any { return p.StartDate }},
	{"end_date", "建成日期", true, func(_ *Service, p Project) any { return p.EndDate }},
	{"lifetime", "运营年限（年）", true, func(_ *Service, p Project) any { return p.Lifetime }},
	{"annual_tco2", "预期年减排量（tCO2e）", false, func(_ *Service, p Project) any { return p.AnnualTCO2 }},
	{"method", "测算方法学", false, func(_ *Service, p Project) any {
		if p.Screening == nil || p.Screening.Estimate == nil {
			return ""
		}
		return p.Screening.Estimate.MethodName
	}},
	{"factors", "排放因子及来源", false, func(_ *Service, p Project) any {
		if p.Screening == nil || p.Screening.Estimate == nil {
			return ""
		}
		var out []string
		for _, l := range p.Screening.Estimate.Lines {
			out = append(out, fmt.Sprintf("%s: %g %s × %g %s (%s)", l.Label, l.Quantity, l.Unit, l.Factor, l.FactorUnit, l.Source))
		}
		return strings.Join(out, "; ")
	}},
	{"cost_per_tonne", "单位减排成本（元/tCO2e）", false, func(_ *Service, p Project) any { return f64(p.CostPerTonne) }},
	{"npv", "财务净现值（万元）", false, func(_ *Service, p Project) any { return f64(p.NPV) }},
	{"irr", "财务内部收益率", false, func(_ *Service, p Project) any { return f64(p.IRR) }},
	{"value_total", "综合价值（万元，中碳价情景）", false, func(_ *Service, p Project) any { return f64(p.ValueTotal) }},
	{"revenue", "年运营收入（万元）", true, func(_ *Service, p Project) any { return p.Revenue }},
	{"opex", "年运营成本（万元）", true, func(_ *Service, p Project) any { return p.Opex }},
	{"co_benefits", "协同效益", true, func(_ *Service, p Project) any { return p.CoBenefits }},
	{"co_benefit_value", "协同效益价值（万元/年）", true, func(_ *Service, p Project) any { return p.CoBenefitValue }},
	{"score", "专家评审均分", false, func(_ *Service, p Project) any { return f64(p.Score) }},
	{"two_high", "两高项目", false, func(_ *Service, p Project) any { return yesNo(p.TwoHigh) }},
	{"recommended", "推荐国家库", true, func(_ *Service, p Project) any { return yesNo(p.Recommended) }},
	{"contact", "联系人及电话", true, func(_ *Service, p Project) any { return p.Contact }},
	{"technical", "技术参数（JSON）", true, func(_ *Service, p Project) any { b, _ := json.Marshal(nonNil(p.Technical)); return string(b) }},
	{"taxonomy", "分类标准版本", false, func(_ *Service, p Project) any { return p.Taxonomy }},
	{"factor_set", "因子库版本", false, func(_ *Service, p Project) any {
		if p.Screening == nil || p.Screening.Estimate == nil {
			return ""
		}
		return p.Screening.Estimate.FactorSet
	}},
	{"submitted_at", "申报日期", false, func(_ *Service, p Project) any { return date(p.SubmittedAt) }},
	{"admitted_at", "入库日期", false, func(_ *Service, p Project) any { return date(p.AdmittedAt) }},
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func date(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
}

// title is a column's header cell: the Chinese title and the key, so that
// people and the import both read it.
func (c Column) title() string { return c.Title + " (" + c.Key + ")" }

// Export writes the projects matching the filter as an .xlsx exchange file.
// With national set it writes the recommendation to the national climate
// project library: the recommended projects in the library only.
func (s *Service) Export(ctx context.Context, w io.Writer, f Filter, national bool) error {
	name := "气候项目库"
	if national {
		f.Recommended, f.Library, name = true, true, "推荐国家库"
	}
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", name)
	sw, err := x.NewStreamWriter(name)
	if err != nil {
		return err
	}
	head := make([]any, len(Columns))
	for i, c := range Columns {
		head[i] = c.title()
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	row := 1
	err = s.Each(ctx, f, func(p Project) error {
		row++
		cells := make([]any, len(Columns))
		for i, c := range Columns {
			cells[i] = c.value(s, p)
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(w)
}

// WriteTemplate writes an empty import file: the importable columns, and a
// second sheet 填写说明 with the codes they take.
func WriteTemplate(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "项目")
	var head []any
	for _, c := range Columns {
		if c.Import {
			head = append(head, c.title())
		}
	}
	if err := x.SetSheetRow("项目", "A1", &head); err != nil {
		return err
	}
	t := DefaultTaxonomy()
	if _, err := x.NewSheet("填写说明"); err != nil {
		return err
	}
	lines := [][]any{
		{"列", "说明"},
		{"status", "admitted / financing / construction / completed（默认 admitted：从其他项目库整批迁入的已入库项目）"},
		{"county", "丽水市区县代码（GB/T 2260），如 331102 莲都区"},
		{"investment 等金额", "单位万元，不得为负"},
		{"start_date / end_date", "YYYY-MM-DD"},
		{"technical", `方法学参数 JSON，如 {"generation_mwh":"20000"}`},
		{"recommended", "是 / 否"},
	}
	for _, c := range t.Categories.Items {
		m := "（无减排测算）"
		if mm, ok := methods[c.Method]; ok {
			var keys []string
			for _, in := range mm.Inputs {
				keys = append(keys, in.Key)
			}
			m = mm.NameZH + ": " + strings.Join(keys, ", ")
		}
		lines = append(lines, []any{"category=" + c.Code, c.NameZH + "; " + m})
	}
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("填写说明", cell, &l); err != nil {
			return err
		}
	}
	return x.Write(w)
}

// ImportResult says what an import loaded.
type ImportResult struct {
	Rows  int      `json:"rows"`
	Codes []string `json:"codes"`
}

// MaxImportRows bounds a bulk import.
const MaxImportRows = 10000

var keyInTitle = regexp.MustCompile(`\(([a-z0-9_]+)\)\s*$`)

// Import loads projects in bulk from an .xlsx or .csv exchange file (the
// library team migrating an existing library): every row is checked and
// screened, and either all rows are stored or none, with every row's
// problems named by row and column. Documents stay with the source
// library, so the document check is waived; excluded categories and
// invalid data are not.
func (s *Service) Import(ctx context.Context, r io.Reader, filename string) (ImportResult, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	if a.Role != cifp.RoleAdmin && a.Role != cifp.RoleRegulator {
		return ImportResult{}, cifp.Errorf(cifp.EFORBIDDEN, "only the library team imports projects")
	}
	records, err := sheet.Read(r, sheet.Format(filename), MaxImportRows+1)
	if err != nil {
		return ImportResult{}, err
	}
	if len(records) < 2 {
		return ImportResult{}, cifp.Errorf(cifp.EINVALID, "the file has no project rows under its header")
	}
	col := map[string]int{}
	for i, h := range records[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if m := keyInTitle.FindStringSubmatch(h); m != nil {
			h = m[1]
		}
		for _, c := range Columns {
			if c.Title == h {
				h = c.Key
			}
		}
		col[h] = i
	}
	var missing []cifp.FieldError
	for _, k := range []string{"name", "owner_uscc", "county", "category"} {
		if _, ok := col[k]; !ok {
			missing = append(missing, cifp.FieldError{Field: k, Row: 1, Message: "column is missing from the header"})
		}
	}
	if err := cifp.Invalid("the header lacks required columns", missing...); err != nil {
		return ImportResult{}, err
	}
	type item struct {
		line   int
		orgID  int64
		status string
		rec    bool
		f      Fields
		sc     Screening
	}
	var items []item
	var errs []cifp.FieldError
	owners := map[string]struct {
		id       int64
		industry string
		kind     string
	}{}
	for i, rec := range records[1:] {
		line := i + 2
		get := func(k string) string {
			if j, ok := col[k]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		bad := func(field, value, msg string) {
			errs = append(errs, cifp.FieldError{Row: line, Column: columnOf(col, field), Field: field, Value: value, Message: msg})
		}
		it := item{line: line, status: get("status")}
		if it.status == "" {
			it.status = StatusAdmitted
		}
		if !InLibrary(it.status) {
			bad("status", it.status, "must be admitted, financing, construction or completed")
		}
		it.f = Fields{Name: get("name"), County: get("county"), Location: get("location"), Sector: get("sector"), Category: get("category"),
			ClimateType: get("climate_type"), Description: get("description"), StartDate: get("start_date"), EndDate: get("end_date"),
			CoBenefits: get("co_benefits"), Contact: get("contact")}
		num := func(k string, dst *float64) {
			v := get(k)
			if v == "" {
				return
			}
			x, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
			if err != nil {
				bad(k, v, "is not a number")
				return
			}
			*dst = x
		}
		num("investment", &it.f.Investment)
		num("financing_need", &it.f.FinancingNeed)
		num("revenue", &it.f.Revenue)
		num("opex", &it.f.Opex)
		num("co_benefit_value", &it.f.CoBenefitValue)
		for _, k := range []string{"lat", "lng"} {
			if v := get(k); v != "" {
				x := new(float64)
				num(k, x)
				if k == "lat" {
					it.f.Lat = x
				} else {
					it.f.Lng = x
				}
			}
		}
		if v := get("lifetime"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				bad("lifetime", v, "is not a whole number of years")
			}
			it.f.Lifetime = n
		}
		switch v := get("recommended"); v {
		case "", "否", "no", "false", "0":
		case "是", "yes", "true", "1":
			it.rec = true
		default:
			bad("recommended", v, "must be 是 or 否")
		}
		if v := get("technical"); v != "" {
			if err := json.Unmarshal([]byte(v), &it.f.Technical); err != nil {
				bad("technical", v, "is not a JSON object of the methodology's inputs")
			}
		}
		uscc := org.NormalizeUSCC(get("owner_uscc"))
		o, ok := owners[uscc]
		if !ok {
			err := s.db.QueryRow(ctx, `SELECT id, industry, kind FROM orgs WHERE uscc = ?`, uscc).Scan(&o.id, &o.industry, &o.kind)
			if err != nil {
				o.id = 0
			}
			owners[uscc] = o
		}
		if o.id == 0 {
			bad("owner_uscc", get("owner_uscc"), "is not a registered organisation")
		} else if o.kind != string(org.KindEnterprise) {
			bad("owner_uscc", get("owner_uscc"), "is not an enterprise")
		}
		it.orgID = o.id
		cat, _ := s.Taxonomy.Category(it.f.Category)
		it.sc = Screen(s.Taxonomy, s.Factors, s.Params, s.Value, ScreenInput{Fields: it.f, Industry: o.industry, Documents: cat.Documents, Year: s.now().Year()})
		for _, p := range it.sc.Problems {
			field := p.Field
			bad(field, p.Value, p.Message)
		}
		if it.sc.Outcome == OutcomeExcluded {
			bad("category", it.f.Category, "is excluded from the library: "+it.sc.Exclusion.NameZH)
		}
		items = append(items, it)
	}
	if err := cifp.Invalid(fmt.Sprintf("%s: nothing was imported", cifp.Problems(len(errs))), dedupe(errs)...); err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(items)}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		for _, it := range items {
			f := it.f
			f.Sector, f.ClimateType = it.sc.Sector, it.sc.ClimateType
			id, err := s.insert(ctx, tx, a, it.orgID, it.status, f)
			if err != nil {
				return fmt.Errorf("row %d: %w", it.line, err)
			}
			if err := s.storeScreening(ctx, tx, id, it.sc); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE projects SET recommended = ?, submitted_at = ?, admitted_at = ? WHERE id = ?`, it.rec, now, now, id); err != nil {
				return err
			}
			if err := s.event(ctx, tx, a, id, "import", "", it.status, fmt.Sprintf("导入: %s 第 %d 行", filename, it.line), nil); err != nil {
				return err
			}
			var code string
			if err := tx.QueryRow(ctx, `SELECT code FROM projects WHERE id = ?`, id).Scan(&code); err != nil {
				return err
			}
			res.Codes = append(res.Codes, code)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "project.import", Entity: "project_import", EntityID: filename,
			After: map[string]any{"file": filename, "rows": len(items), "codes": res.Codes}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

func columnOf(col map[string]int, key string) string {
	key = strings.SplitN(strings.TrimPrefix(key, "technical."), ".", 2)[0]
	if strings.HasPrefix(key, "technical") {
		key = "technical"
	}
	if i, ok := col[key]; ok {
		return sheet.ColumnName(i)
	}
	if _, ok := col["technical"]; ok && !slices.ContainsFunc(Columns, func(c Column) bool { return c.Key == key }) {
		return sheet.ColumnName(col["technical"])
	}
	return ""
}

func dedupe(errs []cifp.FieldError) []cifp.FieldError {
	seen := map[string]bool{}
	var out []cifp.FieldError
	for _, e := range errs {
		k := fmt.Sprint(e.Row, e.Field, e.Message)
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
