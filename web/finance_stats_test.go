package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/auth"
	"cifp/carbon"
	"cifp/finance"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

// dimOf is the finance dimension of a "by" query value.
func dimOf(by string) finance.Dimension {
	if by == "total" {
		return finance.ByTotal
	}
	return finance.Dimension(by)
}

// checkOwnFinance asserts that a 200 answer of the green-credit statistics,
// credit, warnings and loop API holds the caller's own rows only: the
// statistics equal the finance service's for the caller (its own cells),
// and every credit, warning and loop row is of the caller's borrowers,
// institution or enterprise.
func checkOwnFinance(t *testing.T, f *fixture, name, path string, body []byte, u auth.User) {
	t.Helper()
	pu, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	ctx := u.Actor().Context(context.Background())
	own := strconv.FormatInt(u.OrgID, 10)
	// lends reports whether the caller's institution has a loan to the
	// borrower (or financing the project).
	lends := func(col string, id int64) bool {
		var n int
		if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM loans WHERE org_id = ? AND `+col+` = ?`, u.OrgID, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	switch pu.Path {
	case "/api/v1/finance/statistics":
		var tb struct {
			Month string
			Rows  []finance.Row
		}
		if err := json.Unmarshal(body, &tb); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := f.finance.Statistics(ctx, tb.Month, dimOf(q.Get("by")), finance.Slice{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tb.Rows, want) {
			t.Errorf("%s: rows %+v, the service gives the caller %+v", name, tb.Rows, want)
		}
		for _, r := range tb.Rows {
			if q.Get("by") == "institution" && r.Key != own {
				t.Errorf("%s: a row of institution %s", name, r.Key)
			}
		}
	case "/api/v1/finance/statistics/trend":
		var rows []finance.Row
		json.Unmarshal(body, &rows)
		want, err := f.finance.Trend(ctx, q.Get("from"), q.Get("to"), dimOf(q.Get("by")), finance.Slice{})
		if err != nil {
			t.Fatal(err)
		}
		if (len(rows) > 0 || len(want) > 0) && !reflect.DeepEqual(rows, want) {
			t.Errorf("%s: rows %+v, the service gives the caller %+v", name, rows, want)
		}
		for _, r := range rows {
			if q.Get("by") == "institution" && r.Key != own {
				t.Errorf("%s: a row of institution %s", name, r.Key)
			}
		}
	case "/api/v1/finance/statistics/chart":
		var c struct {
			Categories []string
			Series     []struct{ Data []*float64 }
		}
		json.Unmarshal(body, &c)
		want, err := f.finance.Trend(ctx, q.Get("from"), q.Get("to"), finance.ByTotal, finance.Slice{})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Series) != 2 || len(c.Series[0].Data) != len(want) {
			t.Fatalf("%s: %s", name, body)
		}
		for i, r := range want {
			if got := c.Series[0].Data[i]; got == nil || *got != r.GreenBalance {
				t.Errorf("%s: %s green balance %v, the caller's %v", name, r.Month, got, r.GreenBalance)
			}
		}
	case "/api/v1/finance/statistics/export":
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: not an .xlsx: %v", name, err)
		}
		defer x.Close()
		rows, _ := x.GetRows("按机构")
		for _, r := range rows[1:] {
			if r[0] != own {
				t.Errorf("%s: exports institution %s", name, r[0])
			}
		}
		want, err := f.finance.Statistics(ctx, q.Get("month"), finance.ByTotal, finance.Slice{})
		if err != nil {
			t.Fatal(err)
		}
		rows, _ = x.GetRows("合计")
		if got, _ := strconv.ParseFloat(rows[1][10], 64); len(rows) != 2 || got != want[0].AllBalance {
			t.Errorf("%s: the total's all-loan balance %v, the caller's %v", name, rows[1][10], want[0].AllBalance)
		}
		if slicesContain(x.GetSheetList(), "试点目标") {
			t.Errorf("%s: an institution's report holds the city's targets", name)
		}
	case "/api/v1/finance/totals":
		var got finance.Totals
		json.Unmarshal(body, &got)
		want, err := f.finance.MonthTotals(ctx, q.Get("month"))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || (u.Role == cifp.RoleFinance && (got.Coverage != 0 || len(got.Instruments) != 0)) {
			t.Errorf("%s: totals %+v, the caller's own %+v", name, got, want)
		}
	case "/api/v1/finance/credit":
		var l struct{ Items []finance.BorrowerCredit }
		json.Unmarshal(body, &l)
		for _, c := range l.Items {
			if (u.Role == cifp.RoleEnterprise && c.OrgID != u.OrgID) || (u.Role == cifp.RoleFinance && !lends("borrower_id", c.OrgID)) {
				t.Errorf("%s: the credit of org %d", name, c.OrgID)
			}
		}
		if u.Role == cifp.RoleEnterprise && len(l.Items) != 1 {
			t.Errorf("%s: %d scores, want the enterprise's own", name, len(l.Items))
		}
	case "/api/v1/finance/warnings":
		var ws []finance.WarningRecord
		json.Unmarshal(body, &ws)
		for _, w := range ws {
			if w.OrgID != u.OrgID {
				t.Errorf("%s: the warning %d of institution %d", name, w.ID, w.OrgID)
			}
		}
	case "/api/v1/finance/loop":
		var rows []struct {
			ProjectID  int64 `json:"project_id"`
			BorrowerID int64 `json:"borrower_id"`
		}
		json.Unmarshal(body, &rows)
		for _, r := range rows {
			if (u.Role == cifp.RoleEnterprise && r.BorrowerID != u.OrgID) || (u.Role == cifp.RoleFinance && !lends("project_id", r.ProjectID)) {
				t.Errorf("%s: the loop of project %d, borrower %d", name, r.ProjectID, r.BorrowerID)
			}
		}
	default:
		t.Errorf("%s: no check of own rows for %s", name, path)
	}
}

func slicesContain(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// statsFixture is a fixture with the loan books of the bank and a second
// bank at four month-ends: March and December of 2024 and 2025 (the
// statistical scope changes in October 2025).
type statsFixture struct {
	*fixture
	ent, other org.Org
	bank2      string // the second bank's user
}

func newStatsFixture(t *testing.T, db *store.DB) *statsFixture {
	f := &statsFixture{fixture: newFixture(t, db, false)}
	f.ent, _ = f.orgs.Get(system, f.users["enterprise"].OrgID)
	f.other = f.fixture.other
	f.institutionUser("bank2")
	f.bank2 = "bank2"
	books := map[string]map[string][]string{
		"bank": {
			"2024-03": {"L1,%[1]s,光伏贷,500,500,3.45,2024-03-05,2029-03-04,屋顶分布式光伏,,,,", "L2,%[1]s,流贷,200,200,3.9,2023-06-01,2026-06-01,补充流动资金,none,,none,"},
			"2024-12": {"L1,%[1]s,光伏贷,500,450,3.45,2024-03-05,2029-03-04,屋顶分布式光伏,,,,", "L2,%[1]s,流贷,200,150,3.9,2023-06-01,2026-06-01,补充流动资金,none,,none,"},
			"2025-03": {"L1,%[1]s,光伏贷,500,420,3.45,2024-03-05,2029-03-04,屋顶分布式光伏,,,,", "L2,%[1]s,流贷,200,120,3.9,2023-06-01,2026-06-01,补充流动资金,none,,none,",
				"L3,%[2]s,技改贷,300,300,3.6,2025-03-10,2028-03-09,电机系统节能改造,,,,"},
			"2025-12": {"L1,%[1]s,光伏贷,500,350,3.45,2024-03-05,2029-03-04,屋顶分布式光伏,,,,", "L3,%[2]s,技改贷,300,250,3.6,2025-03-10,2028-03-09,电机系统节能改造,,,,",
				"L4,%[1]s,节能贷,100,100,3.3,2025-12-01,2027-12-01,余热回收利用,,,,"},
		},
		"bank2": {
			"2024-03": {"M1,%[2]s,项目贷,1000,1000,3.2,2024-01-10,2034-01-09,小水电增效扩容,,,,"},
			"2024-12": {"M1,%[2]s,项目贷,1000,950,3.2,2024-01-10,2034-01-09,小水电增效扩容,,,,"},
			"2025-03": {"M1,%[2]s,项目贷,1000,900,3.2,2024-01-10,2034-01-09,小水电增效扩容,,,,", "M2,%[1]s,流贷,400,400,4.1,2025-01-20,2026-01-19,购置生产设备,none,,none,"},
			"2025-12": {"M1,%[2]s,项目贷,1000,800,3.2,2024-01-10,2034-01-09,小水电增效扩容,,,,"},
		},
	}
	for user, months := range books {
		for month, rows := range months {
			var lines []string
			for _, r := range rows {
				lines = append(lines, fmt.Sprintf(r, f.ent.USCC, f.other.USCC))
			}
			if _, err := f.finance.ImportLoans(f.ctx(user), bytes.NewReader(loanCSV(lines...)), "book.csv", month); err != nil {
				t.Fatalf("%s %s: %v %v", user, month, err, cifp.ErrorFields(err))
			}
		}
	}
	return f
}

// TestFinanceStatistics: the statistics API and page give the finance
// service's numbers for the caller's scope, by every dimension, with the
// scope and a note wherever a row is not compared; the trend chart and the
// .xlsx report hold the same rows.
func TestFinanceStatistics(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newStatsFixture(t, db)
		dims := []string{"total", "institution", "county", "class", "sector", "climate_type"}
		for _, user := range []string{"regulator", "bank", "bank2", "admin"} {
			for _, month := range []string{"2024-03", "2025-03", "2025-12"} {
				for _, by := range dims {
					resp, raw := f.call(user, "GET", "/api/v1/finance/statistics?month="+month+"&by="+by, nil)
					var tb struct {
						Month, By string
						Rows      []struct {
							finance.Row
							Label string
						}
					}
					if err := json.Unmarshal(raw, &tb); err != nil || resp.StatusCode != 200 || tb.Month != month {
						t.Fatalf("%s %s %s: %d %s", user, month, by, resp.StatusCode, raw)
					}
					want, err := f.finance.Statistics(f.ctx(user), month, dimOf(by), finance.Slice{})
					if err != nil {
						t.Fatal(err)
					}
					if len(tb.Rows) != len(want) {
						t.Fatalf("%s %s %s: %d rows, the service %d", user, month, by, len(tb.Rows), len(want))
					}
					for i := range want {
						if !reflect.DeepEqual(tb.Rows[i].Row, want[i]) {
							t.Errorf("%s %s %s row %d: %+v, the service %+v", user, month, by, i, tb.Rows[i].Row, want[i])
						}
						if tb.Rows[i].Label == "" {
							t.Errorf("%s %s %s: no label for key %q", user, month, by, want[i].Key)
						}
					}
				}
			}
		}
		// The labels: the institution's name, the county's, the class with its catalogue.
		_, raw := f.call("regulator", "GET", "/api/v1/finance/statistics?month=2025-03&by=institution", nil)
		if !strings.Contains(string(raw), "中国农业银行股份有限公司丽水分行") {
			t.Errorf("institution labels: %s", raw)
		}
		_, raw = f.call("regulator", "GET", "/api/v1/finance/statistics?month=2025-03&by=class", nil)
		if !strings.Contains(string(raw), `"label":"2021/3 清洁能源产业"`) {
			t.Errorf("class labels: %s", raw)
		}
		// A bad dimension or month is named.
		resp, raw := f.call("regulator", "GET", "/api/v1/finance/statistics?month=2025-13&by=colour", nil)
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "month") {
			t.Errorf("bad month: %d %s", resp.StatusCode, raw)
		}
		if resp, _ := f.call("regulator", "GET", "/api/v1/finance/statistics?by=colour", nil); resp.StatusCode != 400 {
			t.Errorf("bad dimension: %d", resp.StatusCode)
		}
		// Without a month: the latest with statistics (the bank's own).
		var tb struct{ Month string }
		_, raw = f.call("bank", "GET", "/api/v1/finance/statistics", nil)
		if json.Unmarshal(raw, &tb); tb.Month != "2025-12" {
			t.Errorf("the default month: %s", raw)
		}

		// The pages: the bank's own figures; comparable in March 2025, a
		// missing base in March 2024, the change of scope in December 2025.
		b := f.browser()
		b.login("bank")
		total := func(user, month string) finance.Row {
			rows, err := f.finance.Statistics(f.ctx(user), month, finance.ByTotal, finance.Slice{})
			if err != nil {
				t.Fatal(err)
			}
			return rows[0]
		}
		_, body := b.get("/finance/statistics?month=2025-03")
		tot := total("bank", "2025-03")
		if !tot.Comparable || tot.Growth == nil || !strings.Contains(body, `data-testid="kpi-green-balance">`+pageF1(tot.GreenBalance)+`<`) ||
			strings.Contains(body, "不可比") || !strings.Contains(body, pagePct(*tot.Growth)) || !strings.Contains(body, "本年累计新发放仅合计有统计数据的 1 个月（本年至今共 3 个月）") {
			t.Errorf("the bank's March 2025: %+v", tot)
		}
		if strings.Contains(body, `data-testid="targets"`) || strings.Count(body, `<tr data-key=`) != 1 {
			t.Error("the bank's page shows the city's targets, or more than its total")
		}
		if _, body := b.get("/finance/statistics?month=2025-03&by=institution"); strings.Count(body, `<tr data-key=`) != 1 ||
			!strings.Contains(body, fmt.Sprintf(`<tr data-key="%d"`, f.users["bank"].OrgID)) {
			t.Error("the bank's statistics by institution show another institution")
		}
		_, body = b.get("/finance/statistics?month=2024-03&by=county")
		if !strings.Contains(body, `data-testid="stats-notes"`) || !strings.Contains(body, "上年同月（2023-03）无统计数据") || !strings.Contains(body, `class="not-comparable"`) {
			t.Error("March 2024 without a base: no note")
		}
		_, body = b.get("/finance/statistics?month=2025-12&by=class")
		if !strings.Contains(body, "统计口径在 2024-12") || !strings.Contains(body, "不可比") || !strings.Contains(body, "pboc-2025-green-finance-catalogue") {
			t.Error("December 2025: the change of scope is not said")
		}
		for _, want := range []string{`data-testid="definitions"`, "绿色贷款余额（绿色信贷余额）", `title="按绿色贷款专项统计口径认定的绿色贷款月末余额之和`, `data-testid="chart-trend"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the statistics page lacks %s", want)
			}
		}

		// The trend chart: the months, the balance and the share.
		resp, raw = f.call("regulator", "GET", "/api/v1/finance/statistics/chart?from=2024-03&to=2025-12", nil)
		var c struct {
			Categories []string
			Series     []struct {
				Name string
				Axis int
				Data []*float64
			}
		}
		if json.Unmarshal(raw, &c); resp.StatusCode != 200 || len(c.Categories) != 22 || len(c.Series) != 2 || c.Series[1].Axis != 1 {
			t.Fatalf("chart: %d %s", resp.StatusCode, raw)
		}
		if v := c.Series[0].Data[12]; c.Categories[12] != "2025-03" || v == nil || *v != total("regulator", "2025-03").GreenBalance {
			t.Errorf("chart 2025-03: %v", v)
		}
		if c.Series[1].Data[1] != nil {
			t.Errorf("a share for a month without statistics: %v", *c.Series[1].Data[1])
		}
		// A long range: every month as its own table says (the trend is
		// read a year at a time).
		_, raw = f.call("regulator", "GET", "/api/v1/finance/statistics/trend?from=2022-01&to=2025-12&by=institution", nil)
		var long []finance.Row
		if json.Unmarshal(raw, &long); len(long) == 0 {
			t.Fatalf("long trend: %s", raw)
		}
		for _, month := range []string{"2024-03", "2024-12", "2025-03", "2025-12"} {
			want, _ := f.finance.Statistics(f.ctx("regulator"), month, finance.ByInstitution, finance.Slice{})
			var got []finance.Row
			for _, r := range long {
				if r.Month == month {
					got = append(got, r)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the long trend's %s: %+v, the table %+v", month, got, want)
			}
		}
		if resp, _ := f.call("regulator", "GET", "/api/v1/finance/statistics/trend?from=2000-01&to=2025-12", nil); resp.StatusCode != 400 {
			t.Errorf("a trend of 26 years: %d", resp.StatusCode)
		}

		// The report: a sheet per dimension with the service's rows, the
		// targets for the regulators, 说明.
		resp, raw = f.call("regulator", "GET", "/api/v1/finance/statistics/export?month=2025-12", nil)
		x, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("export: %d %v", resp.StatusCode, err)
		}
		sheets := []string{"合计", "按机构", "按区县", "按绿色分类", "按行业", "按气候属性", "试点目标", "说明"}
		if got := x.GetSheetList(); !reflect.DeepEqual(got, sheets) {
			t.Errorf("sheets %v", got)
		}
		for i, by := range dims {
			want, _ := f.finance.Statistics(f.ctx("regulator"), "2025-12", dimOf(by), finance.Slice{})
			rows, _ := x.GetRows(sheets[i])
			if len(rows) != len(want)+1 || rows[0][7] != "绿色贷款余额（万元）" {
				t.Fatalf("sheet %s: %d rows, want %d", sheets[i], len(rows), len(want)+1)
			}
			for j, w := range want {
				r := rows[j+1]
				green, _ := strconv.ParseFloat(r[7], 64)
				all, _ := strconv.ParseFloat(r[10], 64)
				if r[0] != w.Key || green != w.GreenBalance || all != w.AllBalance || r[6] != "否" || !strings.Contains(r[len(r)-1], "统计口径") {
					t.Errorf("sheet %s row %d: %v, want %+v", sheets[i], j+1, r, w)
				}
			}
		}
		about, _ := x.GetRows("说明")
		for _, want := range []string{"报表月份", "统计口径", "数据来源", "指标定义", "green_loan_balance", "pboc-2025-green-finance-catalogue", "2025-10"} {
			if !rowsHave(about, want) {
				t.Errorf("说明 lacks %s", want)
			}
		}
		x.Close()
		// The page's link gives the same file; the bank's has no targets.
		if resp, body := b.get("/finance/statistics/export?month=2025-12"); resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") {
			t.Errorf("the bank's export: %d", resp.StatusCode)
		}
		// An enterprise, a verifier and a citizen read none of it.
		for _, u := range []string{"enterprise", "verifier", "citizen"} {
			for _, p := range []string{"/api/v1/finance/statistics", "/api/v1/finance/statistics/export", "/api/v1/finance/statistics/chart"} {
				if resp, _ := f.call(u, "GET", p, nil); resp.StatusCode != 403 {
					t.Errorf("%s GET %s: %d", u, p, resp.StatusCode)
				}
			}
		}
	})
}

// pageF1 and pagePct format numbers as the pages do.
func pageF1(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	i, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for k, r := range i {
		if k > 0 && (len(i)-k)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + "." + frac
}

func pagePct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

// TestFinanceTargetsAndRecompute: the regulators read the pilot's targets
// with the department's inputs given in the request only; the admin
// recomputes the statistics (audited) and they do not change.
func TestFinanceTargetsAndRecompute(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newStatsFixture(t, db)
		resp, raw := f.call("regulator", "GET", "/api/v1/finance/targets?month=2025-12&forest_cover=81.5&renewable_capacity_share=很高", nil)
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "renewable_capacity_share") {
			t.Errorf("a bad input: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("regulator", "GET", "/api/v1/finance/targets?month=2025-12&forest_cover=81.5&as_of=2024", nil)
		var items []struct {
			finance.TargetProgress
			Definition finance.Indicator
			Basis      finance.Target
		}
		if json.Unmarshal(raw, &items); resp.StatusCode != 200 || len(items) != len(finance.DefaultReference().Targets) {
			t.Fatalf("targets: %d %s", resp.StatusCode, raw)
		}
		for _, it := range items {
			if it.Definition.Code != it.Indicator || it.Basis.Source == "" {
				t.Errorf("target %s without its definition or source", it.Indicator)
			}
			switch it.Indicator {
			case "forest_cover":
				if it.Actual == nil || *it.Actual != 81.5 || it.Met == nil || !*it.Met || !strings.Contains(it.Note, "2024") {
					t.Errorf("forest cover: %+v", it.TargetProgress)
				}
			case "renewable_capacity_share", "climate_investment_cumulative":
				if it.Actual != nil || it.Comparable {
					t.Errorf("%s without an input: %+v", it.Indicator, it.TargetProgress)
				}
			}
		}
		if resp, _ := f.call("bank", "GET", "/api/v1/finance/targets", nil); resp.StatusCode != 403 {
			t.Errorf("a bank reads the targets: %d", resp.StatusCode)
		}
		r := f.browser()
		r.login("regulator")
		_, body := r.get("/finance/statistics?month=2025-12&forest_cover=81.5&renewable_capacity_share=abc")
		if !strings.Contains(body, `data-testid="targets"`) || !strings.Contains(body, `data-indicator="forest_cover"`) || !strings.Contains(body, "81.50") ||
			!strings.Contains(body, `data-testid="error-renewable_capacity_share"`) || !strings.Contains(body, `value="81.5"`) || !strings.Contains(body, `data-testid="not-compared"`) {
			t.Error("the regulator's targets on the page")
		}

		// Recompute: the admin's button; the figures stay; audited.
		before, _ := f.finance.Statistics(f.ctx("admin"), "2025-03", finance.ByInstitution, finance.Slice{})
		if resp, _ := r.post("/finance/statistics/recompute", nil); resp.StatusCode != 403 {
			t.Errorf("a regulator recomputes: %d", resp.StatusCode)
		}
		a := f.browser()
		a.login("admin")
		if _, body := a.get("/finance/statistics?month=2025-03"); !strings.Contains(body, `data-testid="recompute"`) {
			t.Error("no recompute button for the admin")
		}
		audits := f.counts()[1]
		resp, _ = a.post("/finance/statistics/recompute", url.Values{"month": {"2025-03"}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "done=recomputed") || !strings.Contains(loc, "month=2025-03") {
			t.Fatalf("recompute: %d %s", resp.StatusCode, loc)
		}
		if _, body := a.get(loc); !strings.Contains(body, `data-testid="done"`) {
			t.Error("no word of the recompute")
		}
		var n int
		f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'statistics.recompute'`).Scan(&n)
		if n != 1 || f.counts()[1] != audits+1 {
			t.Errorf("recompute audited %d times", n)
		}
		after, _ := f.finance.Statistics(f.ctx("admin"), "2025-03", finance.ByInstitution, finance.Slice{})
		if !reflect.DeepEqual(before, after) {
			t.Errorf("the recompute changed the statistics: %+v → %+v", before, after)
		}
		resp, raw = f.call("admin", "POST", "/api/v1/finance/statistics/recompute", nil)
		var rc struct{ Cells int }
		if json.Unmarshal(raw, &rc); resp.StatusCode != 200 || rc.Cells == 0 {
			t.Errorf("API recompute: %d %s", resp.StatusCode, raw)
		}
	})
}

// returnedReport gives the enterprise an account of 2025 and a report
// that its verifier returned: a warning on it for its lenders.
func (f *fixture) returnedReport(o org.Org) {
	f.t.Helper()
	if _, err := f.carbon.AddActivity(system, []carbon.Entry{
		{USCC: o.USCC, Period: "2025-03", Item: "electricity", Quantity: 500, Unit: "MWh"},
		{USCC: o.USCC, Period: "2025", Item: "value_added", Quantity: 2000, Unit: "万元"},
	}, carbon.ImportOptions{Source: "api"}); err != nil {
		f.t.Fatal(err)
	}
	verifiers, _ := f.orgs.Directory(system, org.KindVerifier)
	var vid int64
	fmt.Sscan(verifiers[0].Key, &vid)
	owner := cifp.WithActor(context.Background(), cifp.Actor{UserID: 997, OrgID: o.ID, Username: "owner", Role: cifp.RoleEnterprise})
	rep, err := f.carbon.Submit(owner, 2025, vid)
	if err != nil {
		f.t.Fatal(err)
	}
	v := cifp.WithActor(context.Background(), cifp.Actor{UserID: 996, OrgID: vid, Username: "verifier-x", Role: cifp.RoleVerifier})
	if _, err := f.carbon.Decide(v, rep.ID, false, "活动数据不完整，退回补充"); err != nil {
		f.t.Fatal(err)
	}
}

// TestFinanceCreditAndWarnings: the bank reads its borrowers' credit with
// every term and its early warnings; the officer's decision needs a reason
// and is recorded and audited; the regulators read every institution's
// warnings without a form; the enterprise its own score.
func TestFinanceCreditAndWarnings(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newStatsFixture(t, db)
		f.returnedReport(f.other)
		// The bank's credit: its borrowers of December 2025 (both enterprises).
		resp, raw := f.call("bank", "GET", "/api/v1/finance/credit?year=2025", nil)
		var cl struct {
			Month string
			Total int
			Items []finance.BorrowerCredit
		}
		if json.Unmarshal(raw, &cl); resp.StatusCode != 200 || cl.Month != "2025-12" || cl.Total != 2 || len(cl.Items) != 2 {
			t.Fatalf("the bank's credit: %d %s", resp.StatusCode, raw)
		}
		for _, c := range cl.Items {
			if c.OrgID == f.other.ID && (c.Performance.ReportStatus != "returned" || len(c.Reasons) < 2) {
				t.Errorf("the other enterprise's credit: %+v", c)
			}
		}
		// The second bank lends to the other enterprise only; the enterprise reads its own.
		_, raw = f.call("bank2", "GET", "/api/v1/finance/credit?year=2025", nil)
		if json.Unmarshal(raw, &cl); cl.Total != 1 || cl.Items[0].OrgID != f.other.ID {
			t.Errorf("bank2's credit: %s", raw)
		}
		_, raw = f.call("enterprise", "GET", "/api/v1/finance/credit?year=2025", nil)
		if json.Unmarshal(raw, &cl); len(cl.Items) != 1 || cl.Items[0].OrgID != f.ent.ID {
			t.Errorf("the enterprise's credit: %s", raw)
		}
		b := f.browser()
		b.login("bank")
		_, body := b.get("/finance/credit?year=2025")
		if !strings.Contains(body, `data-testid="credit-table"`) || !strings.Contains(body, f.other.Name) || !strings.Contains(body, "年度排放报告被核查机构退回") ||
			!strings.Contains(body, "2025-12") {
			t.Error("the bank's credit page")
		}
		e := f.browser()
		e.login("enterprise")
		if _, body := e.get("/finance/credit"); !strings.Contains(body, f.ent.Name) || strings.Contains(body, f.other.Name) {
			t.Error("the enterprise's credit page")
		}
		if _, body := e.get("/finance/needs"); !strings.Contains(body, `data-testid="my-credit"`) || !strings.Contains(body, `href="/finance/credit?year=`) {
			t.Error("the enterprise's finance page lacks its credit score")
		}

		// The bank's warnings: the other enterprise's returned report.
		_, body = b.get("/finance/warnings?year=2025")
		var id int64
		if err := f.db.QueryRow(context.Background(), `SELECT id FROM loan_warnings WHERE org_id = ? AND borrower_id = ?`, f.users["bank"].OrgID, f.other.ID).Scan(&id); err != nil {
			t.Fatalf("no warning recorded: %v", err)
		}
		if !strings.Contains(body, fmt.Sprintf(`data-warning="%d"`, id)) || !strings.Contains(body, "年度排放报告被核查机构退回") || !strings.Contains(body, `data-testid="decision-form"`) {
			t.Fatal("the bank's warnings page")
		}
		path := fmt.Sprintf("/finance/warnings/%d/decision", id)
		audits := f.counts()[1]
		resp, body = b.post(path, url.Values{"decision": {"watch"}, "comment": {" "}, "year": {"2025"}})
		if resp.StatusCode != 400 || !strings.Contains(body, `data-testid="error-comment"`) {
			t.Errorf("a decision without a reason: %d", resp.StatusCode)
		}
		resp, _ = b.post(path, url.Values{"decision": {"walk away"}, "comment": {"不清楚"}, "year": {"2025"}})
		if resp.StatusCode != 400 || f.counts()[1] != audits {
			t.Errorf("an unknown decision: %d", resp.StatusCode)
		}
		comment := "已约谈企业，要求两周内补报活动数据并重新提交核查"
		resp, _ = b.post(path, url.Values{"decision": {"watch"}, "comment": {comment}, "year": {"2025"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=decided") {
			t.Fatalf("decide: %d", resp.StatusCode)
		}
		var decision, got string
		var by int64
		if err := f.db.QueryRow(context.Background(), `SELECT decision, comment, decided_by FROM loan_warnings WHERE id = ?`, id).Scan(&decision, &got, &by); err != nil ||
			decision != "watch" || got != comment || by != f.users["bank"].ID {
			t.Errorf("the decision recorded: %q %q by %d (%v)", decision, got, by, err)
		}
		var n int
		f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'warning.decide' AND entity_id = ?`, fmt.Sprint(id)).Scan(&n)
		if n != 1 {
			t.Errorf("the decision audited %d times", n)
		}
		if _, body := b.get("/finance/warnings?year=2025"); !strings.Contains(body, `data-testid="decided"`) || !strings.Contains(body, comment) {
			t.Error("the decision is not shown")
		}
		// By API: a bad decision is named; exit is recorded.
		api := fmt.Sprintf("/api/v1/finance/warnings/%d/decision", id)
		resp, raw = f.call("bank", "POST", api, map[string]any{"decision": "sell", "comment": ""})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "decision", "comment") {
			t.Errorf("API bad decision: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("bank", "POST", api, map[string]any{"decision": "exit", "comment": "补报逾期，启动退出"})
		var w finance.WarningRecord
		if json.Unmarshal(raw, &w); resp.StatusCode != 200 || w.Decision != "exit" || w.DecidedAt == nil {
			t.Errorf("API decide: %d %s", resp.StatusCode, raw)
		}
		// bank2 has its own warning on the same borrower; neither sees the other's.
		_, raw = f.call("bank2", "GET", "/api/v1/finance/warnings?year=2025", nil)
		var ws []finance.WarningRecord
		if json.Unmarshal(raw, &ws); len(ws) != 1 || ws[0].OrgID != f.users["bank2"].OrgID || ws[0].ID == id || ws[0].Decision != "" {
			t.Errorf("bank2's warnings: %s", raw)
		}
		if resp, _ := f.call("bank2", "POST", api, map[string]any{"decision": "dismiss", "comment": "别家的预警"}); resp.StatusCode != 404 {
			t.Errorf("bank2 decides the bank's warning: %d", resp.StatusCode)
		}
		// The regulators read both, with the institutions' names, and no form.
		_, raw = f.call("regulator", "GET", "/api/v1/finance/warnings?year=2025", nil)
		if json.Unmarshal(raw, &ws); len(ws) != 2 {
			t.Errorf("the regulator's warnings: %s", raw)
		}
		r := f.browser()
		r.login("regulator")
		_, body = r.get("/finance/warnings?year=2025")
		if strings.Count(body, "data-warning=") != 2 || strings.Contains(body, `data-testid="decision-form"`) || !strings.Contains(body, "中国农业银行股份有限公司丽水分行") {
			t.Error("the regulator's warnings page")
		}
		if resp, _ := r.post(path, url.Values{"decision": {"watch"}, "comment": {"监管代为处置"}}); resp.StatusCode != 403 {
			t.Errorf("a regulator decides: %d", resp.StatusCode)
		}
		if resp, _ := f.call("enterprise", "GET", "/api/v1/finance/warnings", nil); resp.StatusCode != 403 {
			t.Errorf("an enterprise reads warnings: %d", resp.StatusCode)
		}
	})
}

// policyCSV is a policy file: the header and rows.
func policyCSV(rows ...string) []byte {
	return []byte(strings.Join(append([]string{strings.Join(finance.PolicyHeader, ",")}, rows...), "\n") + "\n")
}

// TestFinanceSubmissions: an insurer submits policies on the page, all or
// nothing with every bad row named; a bank may not; any institution
// submits other instruments; the templates hold the header and 说明; the
// month's totals show them.
func TestFinanceSubmissions(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		ent, _ := f.orgs.Get(system, f.users["enterprise"].OrgID)
		ins := f.browser()
		ins.login("insurer")
		_, body := ins.get("/finance/submissions?month=2026-01")
		if !strings.Contains(body, `data-testid="policy-import-form"`) || !strings.Contains(body, `data-testid="instrument-import-form"`) {
			t.Fatal("the insurer's submission forms")
		}
		good := "P-001," + ent.USCC + ",weather_index,800,4.8,2025-06-01,2026-05-31"
		bad := policyCSV(good,
			"P-002,"+ent.USCC+",lottery,100,1,2025-06-01,2026-05-31",           // unknown kind
			"P-003,91331100XXXXXXXXXX,carbon_sink,abc,1,2025-06-01,2025-05-01", // bad USCC, sum, end before start
			"P-001,"+ent.USCC+",agriculture,100,1,2025-06-01,2026-05-31")       // duplicate id
		audits := f.counts()[1]
		resp, body := ins.postMultipart("/finance/submissions/policies", upload{fields: map[string]string{"month": "2026-01"}, name: "policies.csv", content: bad})
		if resp.StatusCode != 400 || !strings.Contains(body, `data-testid="import-errors"`) {
			t.Fatalf("bad policies: %d", resp.StatusCode)
		}
		for _, want := range []string{"kind", "insured_uscc", "sum_insured", "end_date", "policy_id", "<td>3</td>", "<td>4</td>", "<td>5</td>"} {
			if !strings.Contains(body, want) {
				t.Errorf("the error table lacks %s", want)
			}
		}
		if n := f.count("policies"); n != 0 || f.counts()[1] != audits {
			t.Fatalf("a refused file stored %d policies", n)
		}
		resp, raw := f.call("insurer", "POST", "/api/v1/finance/policies/import", upload{fields: map[string]string{"month": "2026-01"}, name: "policies.csv", content: bad})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "kind", "insured_uscc", "sum_insured", "end_date", "policy_id") {
			t.Errorf("API bad policies: %d %s", resp.StatusCode, raw)
		}
		resp, body = ins.postMultipart("/finance/submissions/policies", upload{fields: map[string]string{"month": "2026-01"}, name: "policies.csv",
			content: policyCSV(good, "P-002,"+ent.USCC+",other,50,0.5,2025-06-01,2026-05-31")})
		if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="import-result"`) || !strings.Contains(body, `data-testid="coverage">800.0<`) {
			t.Fatalf("good policies: %d", resp.StatusCode)
		}
		if n := f.count("policies"); n != 2 {
			t.Errorf("stored %d policies", n)
		}
		// A bank submits no policies, but instruments.
		b := f.browser()
		b.login("bank")
		if _, body := b.get("/finance/submissions"); strings.Contains(body, `data-testid="policy-import-form"`) || !strings.Contains(body, `data-testid="instrument-import-form"`) {
			t.Error("the bank's forms")
		}
		if resp, _ := b.postMultipart("/finance/submissions/policies", upload{fields: map[string]string{"month": "2026-01"}, name: "p.csv", content: policyCSV(good)}); resp.StatusCode != 403 {
			t.Errorf("a bank submits policies: %d", resp.StatusCode)
		}
		inst := func(rows ...string) []byte {
			return []byte(strings.Join(append([]string{strings.Join(finance.InstrumentHeader, ",")}, rows...), "\n") + "\n")
		}
		resp, body = b.postMultipart("/finance/submissions/instruments", upload{fields: map[string]string{"month": "2026-01"}, name: "i.csv",
			content: inst("GB-1,green_bond,"+ent.USCC+",5000,5000,2025-12-01,2028-12-01,3,2021,mitigation,绿色金融债", "X-2,gold,"+ent.USCC+",1,1,2025-12-01,,,,sideways,")})
		if resp.StatusCode != 400 || !strings.Contains(body, "climate_type") || !strings.Contains(body, "<td>3</td>") || f.count("instruments") != 0 {
			t.Errorf("bad instruments: %d", resp.StatusCode)
		}
		resp, body = b.postMultipart("/finance/submissions/instruments", upload{fields: map[string]string{"month": "2026-01"}, name: "i.csv",
			content: inst("GB-1,green_bond," + ent.USCC + ",5000,4500,2025-12-01,2028-12-01,3,2021,mitigation,绿色金融债")})
		if resp.StatusCode != 200 || !strings.Contains(body, `data-kind="green_bond"`) || !strings.Contains(body, "4,500.0") {
			t.Errorf("good instruments: %d", resp.StatusCode)
		}
		// The regulators read the city's totals: both submissions.
		_, raw = f.call("regulator", "GET", "/api/v1/finance/totals?month=2026-01", nil)
		var tot finance.Totals
		if json.Unmarshal(raw, &tot); tot.Coverage != 800 || tot.Instruments["green_bond"] != 4500 || tot.ClimateOther != 4500 {
			t.Errorf("the city's totals: %s", raw)
		}
		// The templates: the header, and 说明 in the .xlsx.
		for _, k := range []struct {
			path   string
			header []string
		}{{"/finance/submissions/policies/template", finance.PolicyHeader}, {"/finance/submissions/instruments/template", finance.InstrumentHeader}} {
			resp, body := b.get(k.path)
			x, err := excelize.OpenReader(strings.NewReader(body))
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %d %v", k.path, resp.StatusCode, err)
			}
			rows, _ := x.GetRows(x.GetSheetList()[0])
			notes, _ := x.GetRows("说明")
			if len(rows) != 1 || strings.Join(rows[0], ",") != strings.Join(k.header, ",") || len(notes) < len(k.header)+1 {
				t.Errorf("%s: %v, %d notes", k.path, rows, len(notes))
			}
			x.Close()
			if resp, body := b.get(k.path + "?format=csv"); resp.StatusCode != 200 || strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")) != strings.Join(k.header, ",") {
				t.Errorf("%s csv: %q", k.path, body)
			}
		}
		if _, raw := f.call("bank", "GET", "/api/v1/finance/policies/template", nil); !bytes.HasPrefix(raw, []byte("PK")) {
			t.Error("API policy template")
		}
		e := f.browser()
		e.login("enterprise")
		if resp, _ := e.get("/finance/submissions"); resp.StatusCode != 403 {
			t.Errorf("an enterprise's submissions page: %d", resp.StatusCode)
		}
	})
}

// TestFinanceLoop: the loop of a financed library project, for the
// regulators, its lender and its borrower; not for another bank.
func TestFinanceLoop(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		ent, _ := f.orgs.Get(system, f.users["enterprise"].OrgID)
		p := f.admitted(f.ctx("enterprise"), solarFields("缙云县屋顶光伏（闭环）"))
		if _, err := f.finance.ImportLoans(f.ctx("bank"), bytes.NewReader(loanCSV(
			"LOOP-1,"+ent.USCC+",绿色项目贷,600,600,3.5,2025-11-10,2030-11-09,屋顶光伏,,,,"+p.Code)), "book.csv", "2025-12"); err != nil {
			t.Fatal(err)
		}
		for user, want := range map[string]int{"regulator": 1, "bank": 1, "enterprise": 1, "insurer": 0} {
			resp, raw := f.call(user, "GET", "/api/v1/finance/loop?year=2025", nil)
			var rows []struct {
				ProjectID      int64    `json:"project_id"`
				Finance        float64  `json:"finance"`
				ExpectedTCO2   float64  `json:"expected_tco2"`
				ExpectedPerWan *float64 `json:"expected_per_wan"`
				FirstLoan      string   `json:"first_loan"`
			}
			if json.Unmarshal(raw, &rows); resp.StatusCode != 200 || len(rows) != want {
				t.Fatalf("%s loop: %d %s", user, resp.StatusCode, raw)
			}
			if want == 1 && (rows[0].ProjectID != p.ID || rows[0].Finance != 600 || rows[0].FirstLoan != "2025-11-10" || rows[0].ExpectedPerWan == nil) {
				t.Errorf("%s loop row: %s", user, raw)
			}
		}
		e := f.browser()
		e.login("enterprise")
		if _, body := e.get("/finance/loop?year=2025"); !strings.Contains(body, fmt.Sprintf(`data-project="%d"`, p.ID)) || !strings.Contains(body, p.Code) || !strings.Contains(body, "无放款前一年的碳账户") {
			t.Error("the enterprise's loop page")
		}
		e.get("/lang/en")
		if _, body := e.get("/finance/loop?year=2025"); !strings.Contains(body, "No carbon account for the year before the loan") {
			t.Error("the loop's note in English")
		}
		for _, u := range []string{"citizen", "verifier"} {
			if resp, _ := f.call(u, "GET", "/api/v1/finance/loop", nil); resp.StatusCode != 403 {
				t.Errorf("%s reads the loop: %d", u, resp.StatusCode)
			}
		}
	})
}
