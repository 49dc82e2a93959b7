package web_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/auth"
	"cifp/carbon"
	"cifp/cockpit"
	"cifp/finance"
	"cifp/internal/testutil"
	"cifp/store"
)

// cockpitFixture is the statistics fixture (two banks' books at four
// month-ends) with carbon accounts of two years for both enterprises, a
// project in the library financed by a loan, needs and a warning.
func newCockpitFixture(t *testing.T, db *store.DB) *statsFixture {
	f := newStatsFixture(t, db)
	var entries []carbon.Entry
	for i, o := range []struct{ uscc string }{{f.ent.USCC}, {f.other.USCC}} {
		for _, y := range []int{2024, 2025} {
			entries = append(entries,
				carbon.Entry{USCC: o.uscc, Period: fmt.Sprintf("%d-03", y), Item: "electricity", Quantity: float64(400 + 100*i + 50*(2025-y)), Unit: "MWh"},
				carbon.Entry{USCC: o.uscc, Period: strconv.Itoa(y), Item: "value_added", Quantity: float64(1500 + 500*i), Unit: "万元"})
		}
	}
	if _, err := f.carbon.AddActivity(system, entries, carbon.ImportOptions{Source: "api"}); err != nil {
		t.Fatal(err)
	}
	p := f.admitted(f.ctx("enterprise"), solarFields("缙云县屋顶光伏（驾驶舱）"))
	if _, err := f.finance.ImportLoans(f.ctx("bank"), strings.NewReader(string(loanCSV(
		"L1,"+f.ent.USCC+",光伏贷,500,350,3.45,2024-03-05,2029-03-04,屋顶分布式光伏,,,,",
		"L3,"+f.other.USCC+",技改贷,300,250,3.6,2025-03-10,2028-03-09,电机系统节能改造,,,,",
		"L4,"+f.ent.USCC+",节能贷,100,100,3.3,2025-12-01,2027-12-01,余热回收利用,,,,",
		"L5,"+f.ent.USCC+",绿色项目贷,600,600,3.5,2025-11-10,2030-11-09,屋顶光伏,,,,"+p.Code))), "book.csv", "2025-12"); err != nil {
		t.Fatal(err)
	}
	f.publish("bank", greenProduct("GC1"))
	f.postNeed("enterprise", 300, 24, "光伏扩容")
	f.institutionUser("bank3")
	return f
}

// getJSON calls the API as the user and decodes the answer.
func getJSON(t *testing.T, f *fixture, user, path string, v any) {
	t.Helper()
	resp, body := f.call(user, "GET", path, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", user, path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s %s: %v", user, path, err)
	}
}

// statFigures are the figures of a statistics row the cockpit shows.
type statFigures struct {
	Key            string   `json:"key"`
	Month          string   `json:"month"`
	GreenBalance   float64  `json:"green_balance"`
	Growth         *float64 `json:"growth"`
	AllBalance     float64  `json:"all_balance"`
	Share          *float64 `json:"share"`
	ShareChangePP  *float64 `json:"share_change_pp"`
	NewGreen       float64  `json:"new_green"`
	NewGreenYTD    float64  `json:"new_green_ytd"`
	ClimateBalance float64  `json:"climate_balance"`
	AttributedTCO2 float64  `json:"attributed_tco2"`
	Loans          int      `json:"loans"`
	Scope          string   `json:"scope"`
	Comparable     bool     `json:"comparable"`
}

// TestCockpitEqualsFeatures: every figure of the regulator's cockpit is the
// figure the feature's own API gives for the same filter — the green-credit
// statistics, trend and targets, the carbon accounts, the project library,
// the needs, the warnings and the loop — for several filter combinations.
func TestCockpitEqualsFeatures(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newCockpitFixture(t, db)
		const reg = "regulator"
		bank2 := strconv.FormatInt(f.users["bank2"].OrgID, 10)
		var byClass struct {
			Rows []statFigures `json:"rows"`
		}
		getJSON(t, f.fixture, reg, "/api/v1/finance/statistics?month=2025-12&by=class", &byClass)
		class := ""
		for _, r := range byClass.Rows {
			if r.Key != "" {
				class = r.Key
			}
		}
		if class == "" {
			t.Fatalf("no green class in the book: %+v", byClass.Rows)
		}
		filters := []url.Values{
			{},
			{"county": {f.ent.Division}},
			{"county": {f.other.Division}, "institution": {bank2}},
			{"class": {class}},
			{"institution": {bank2}, "class": {class}},
			{"month": {"2025-03"}, "county": {f.ent.Division}},
		}
		for _, q := range filters {
			q := q
			name := q.Encode()
			month := q.Get("month")
			if month == "" {
				month = "2025-12"
				q.Set("month", month)
			}
			enc := q.Encode()
			// The credit panel: the statistics' total and the targets.
			var credit struct {
				Filter struct {
					Month string `json:"month"`
					Year  int    `json:"year"`
				} `json:"filter"`
				Total   statFigures     `json:"total"`
				Targets json.RawMessage `json:"targets"`
				Meta    map[string]struct {
					Definition string `json:"definition"`
					AsOf       string `json:"as_of"`
					Quality    string `json:"quality"`
				} `json:"meta"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/cockpit/credit?"+enc, &credit)
			var stats struct {
				Rows []statFigures `json:"rows"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/finance/statistics?"+enc, &stats)
			if len(stats.Rows) != 1 || !reflect.DeepEqual(credit.Total, stats.Rows[0]) {
				t.Errorf("%s: the cockpit's total %+v, the statistics' %+v", name, credit.Total, stats.Rows)
			}
			if credit.Total.AllBalance == 0 && name == "" {
				t.Error("the whole book is empty")
			}
			// The targets API adds each target's definition and basis; both
			// word the notes in the reader's language.
			var items []struct {
				finance.TargetProgress
				NoteText string `json:"note_text,omitempty"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/finance/targets?"+enc, &items)
			targets, _ := json.Marshal(items)
			if len(items) == 0 || !jsonEqual(credit.Targets, targets) {
				t.Errorf("%s: the cockpit's targets differ from the targets API's:\n%s\n%s", name, credit.Targets, targets)
			}
			if m := credit.Meta["green_loan_balance"]; m.Definition == "" || m.AsOf != month || m.Quality == "" {
				t.Errorf("%s: the balance's meta %+v", name, m)
			}
			// The trend: twelve months to the month.
			var trend struct {
				Rows []statFigures `json:"rows"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/cockpit/trend?"+enc, &trend)
			tq := url.Values{}
			for k, v := range q {
				if k != "month" {
					tq[k] = v
				}
			}
			from := monthBefore(month, 11)
			var series []statFigures
			getJSON(t, f.fixture, reg, "/api/v1/finance/statistics/trend?from="+from+"&to="+month+"&"+tq.Encode(), &series)
			if len(trend.Rows) != 12 || !reflect.DeepEqual(trend.Rows, series) {
				t.Errorf("%s: the cockpit's trend differs from the statistics' trend:\n%+v\n%+v", name, trend.Rows, series)
			}
			// Every breakdown.
			for _, by := range []string{"institution", "county", "class", "sector", "climate_type"} {
				var b struct {
					Rows []statFigures `json:"rows"`
				}
				getJSON(t, f.fixture, reg, "/api/v1/cockpit/breakdown?by="+by+"&"+enc, &b)
				var s struct {
					Rows []statFigures `json:"rows"`
				}
				getJSON(t, f.fixture, reg, "/api/v1/finance/statistics?by="+by+"&"+enc, &s)
				if !reflect.DeepEqual(b.Rows, s.Rows) {
					t.Errorf("%s by %s: the cockpit's rows differ:\n%+v\n%+v", name, by, b.Rows, s.Rows)
				}
			}
			// The map: every county's green balance and share, the selected
			// county among the others.
			mq := url.Values{}
			for k, v := range q {
				if k != "county" {
					mq[k] = v
				}
			}
			var byCounty struct {
				Rows []statFigures `json:"rows"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/finance/statistics?by=county&"+mq.Encode(), &byCounty)
			for _, ind := range []string{"green_balance", "green_share"} {
				var m struct {
					Areas []struct {
						County string   `json:"county"`
						Value  *float64 `json:"value"`
					} `json:"areas"`
				}
				getJSON(t, f.fixture, reg, "/api/v1/cockpit/map?indicator="+ind+"&"+enc, &m)
				if len(m.Areas) != len(byCounty.Rows) {
					t.Fatalf("%s map %s: %d areas, %d counties", name, ind, len(m.Areas), len(byCounty.Rows))
				}
				for i, a := range m.Areas {
					r := byCounty.Rows[i]
					want := &r.GreenBalance
					if ind == "green_share" {
						want = r.Share
					}
					if a.County != r.Key || (a.Value == nil) != (want == nil) || (a.Value != nil && *a.Value != *want) {
						t.Errorf("%s map %s: %s = %v, the statistics' %s = %v", name, ind, a.County, a.Value, r.Key, want)
					}
				}
			}
		}

		// The carbon accounts: the distribution and the top lists equal the
		// accounts API's list of the year, for the city and a county.
		for _, county := range []string{"", f.ent.Division} {
			var c struct {
				Accounts  int     `json:"accounts"`
				Emissions float64 `json:"emissions"`
				Cells     []struct {
					Grade    int    `json:"grade"`
					Level    string `json:"level"`
					Accounts int    `json:"accounts"`
				} `json:"cells"`
				Top []struct {
					OrgID     int64   `json:"org_id"`
					Emissions float64 `json:"emissions"`
				} `json:"top_emitters"`
				Improvers []struct {
					OrgID  int64    `json:"org_id"`
					Change *float64 `json:"change"`
				} `json:"improvers"`
				Meta struct {
					Definition   string `json:"definition"`
					DefinitionEN string `json:"definition_en"`
					Quality      string `json:"quality"`
					QualityEN    string `json:"quality_en"`
					Source       string `json:"source"`
					SourceEN     string `json:"source_en"`
				} `json:"meta"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/cockpit/carbon?year=2025&county="+county, &c)
			// The meta in both languages: the English is not the Chinese.
			if m := c.Meta; m.Definition == "" || m.DefinitionEN == "" || m.DefinitionEN == m.Definition || m.QualityEN == "" ||
				m.QualityEN == m.Quality || m.SourceEN == "" || !strings.Contains(m.QualityEN, strconv.Itoa(c.Accounts)+" accounts") {
				t.Errorf("county %q: the carbon panel's meta %+v", county, m)
			}
			var list struct {
				Items []carbon.StoredAccount `json:"items"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/carbon/accounts?year=2025&limit=1000&division="+county, &list)
			var prev struct {
				Items []carbon.StoredAccount `json:"items"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/carbon/accounts?year=2024&limit=1000&division="+county, &prev)
			before := map[int64]carbon.StoredAccount{}
			for _, a := range prev.Items {
				before[a.OrgID] = a
			}
			emissions, cells := 0.0, map[string]int{}
			var top carbon.StoredAccount
			improvers := 0
			for _, a := range list.Items {
				emissions += a.Emissions
				g := a.Grade
				cells[fmt.Sprintf("%d/%s", g, a.Level)]++
				if a.Emissions > top.Emissions {
					top = a
				}
				if b, ok := before[a.OrgID]; ok && b.HasIntensity && a.HasIntensity && a.Intensity < b.Intensity {
					improvers++
				}
			}
			if c.Accounts != len(list.Items) || c.Accounts == 0 || math.Abs(c.Emissions-emissions) > 1e-6 {
				t.Errorf("county %q: the cockpit counts %d accounts, %g t; the accounts API %d, %g t", county, c.Accounts, c.Emissions, len(list.Items), emissions)
			}
			for _, cell := range c.Cells {
				if cells[fmt.Sprintf("%d/%s", cell.Grade, cell.Level)] != cell.Accounts {
					t.Errorf("county %q: grade %d %s: %d accounts, the list has %d", county, cell.Grade, cell.Level, cell.Accounts, cells[fmt.Sprintf("%d/%s", cell.Grade, cell.Level)])
				}
			}
			if len(c.Top) == 0 || c.Top[0].OrgID != top.OrgID || c.Top[0].Emissions != top.Emissions {
				t.Errorf("county %q: the top emitter %+v, the list's %d (%g t)", county, c.Top, top.OrgID, top.Emissions)
			}
			if len(c.Improvers) != improvers {
				t.Errorf("county %q: %d improvers, the lists show %d", county, len(c.Improvers), improvers)
			}
		}

		// The pipeline: each stage's count is the library API's for its statuses.
		var pipe struct {
			Stages []struct {
				Code     string `json:"code"`
				Projects int    `json:"projects"`
			} `json:"stages"`
		}
		getJSON(t, f.fixture, reg, "/api/v1/cockpit/pipeline", &pipe)
		for _, st := range pipe.Stages {
			statuses := map[string]string{"submitted": "submitted,screened,review,returned,rejected,admitted,financing,construction,completed,removed",
				"admitted": "admitted,financing,construction,completed", "financed": "construction,completed", "completed": "completed"}[st.Code]
			var page struct {
				Total int `json:"total"`
			}
			getJSON(t, f.fixture, reg, "/api/v1/projects?limit=1&status="+statuses, &page)
			if page.Total != st.Projects {
				t.Errorf("stage %s: %d projects, the library API %d", st.Code, st.Projects, page.Total)
			}
		}
		if pipe.Stages[1].Projects == 0 {
			t.Error("no admitted project in the pipeline")
		}

		// Matching: the needs by status are the needs API's.
		var match struct {
			Needs map[string]int `json:"needs"`
		}
		getJSON(t, f.fixture, reg, "/api/v1/cockpit/matching", &match)
		var needs []finance.Need
		getJSON(t, f.fixture, reg, "/api/v1/needs", &needs)
		byStatus := map[string]int{}
		for _, n := range needs {
			byStatus[n.Status]++
		}
		if len(needs) == 0 || !reflect.DeepEqual(match.Needs, byStatus) {
			t.Errorf("needs by status: the cockpit %v, the needs API %v", match.Needs, byStatus)
		}

		// Warnings: the bank opens its list (which records them); the
		// cockpit counts what the warnings API lists.
		f.finance.Warnings(f.ctx("bank"), 2025)
		var warn struct {
			Warnings int `json:"warnings"`
		}
		getJSON(t, f.fixture, reg, "/api/v1/cockpit/warnings?year=2025", &warn)
		var ws []finance.WarningRecord
		getJSON(t, f.fixture, reg, "/api/v1/finance/warnings?year=2025", &ws)
		if warn.Warnings != len(ws) {
			t.Errorf("warnings: the cockpit %d, the warnings API %d", warn.Warnings, len(ws))
		}

		// The loop: the sums of the loop API's rows, for the city and a
		// county, and its largest ten.
		var rows []struct {
			ProjectID    int64    `json:"project_id"`
			BorrowerID   int64    `json:"borrower_id"`
			County       string   `json:"county"`
			Finance      float64  `json:"finance"`
			ExpectedTCO2 float64  `json:"expected_tco2"`
			MeasuredTCO2 *float64 `json:"measured_tco2"`
		}
		getJSON(t, f.fixture, reg, "/api/v1/finance/loop?year=2025", &rows)
		compared := 0
		for _, county := range []string{"", f.ent.Division} {
			var loop cockpit.Loop
			getJSON(t, f.fixture, reg, "/api/v1/cockpit/loop?year=2025&county="+county, &loop)
			var want cockpit.Loop
			var top []finance.LoopRow
			for _, r := range rows {
				if county != "" && r.County != county {
					continue
				}
				want.Projects++
				want.Finance += r.Finance
				want.Expected += r.ExpectedTCO2
				if r.MeasuredTCO2 != nil {
					want.Compared++
					want.Measured += *r.MeasuredTCO2
					want.ExpectedOfCompared += r.ExpectedTCO2
				}
				top = append(top, finance.LoopRow{LoopInput: finance.LoopInput{ProjectID: r.ProjectID, BorrowerID: r.BorrowerID, Finance: r.Finance}})
			}
			compared += want.Compared
			if loop.Projects != want.Projects || loop.Projects == 0 || loop.Compared != want.Compared ||
				!near(loop.Finance, want.Finance) || !near(loop.Expected, want.Expected) ||
				!near(loop.Measured, want.Measured) || !near(loop.ExpectedOfCompared, want.ExpectedOfCompared) {
				t.Errorf("loop %q: the cockpit %+v, the loop API's rows sum to %+v", county, loop, want)
			}
			slices.SortStableFunc(top, func(a, b finance.LoopRow) int {
				return cmp.Or(cmp.Compare(b.Finance, a.Finance), cmp.Compare(a.ProjectID, b.ProjectID), cmp.Compare(a.BorrowerID, b.BorrowerID))
			})
			top = top[:min(10, len(top))]
			if len(loop.Rows) != len(top) {
				t.Fatalf("loop %q: %d rows, want the largest %d", county, len(loop.Rows), len(top))
			}
			for i, r := range loop.Rows {
				if r.ProjectID != top[i].ProjectID || r.BorrowerID != top[i].BorrowerID || r.Finance != top[i].Finance {
					t.Errorf("loop %q row %d: project %d borrower %d %g 万元, want project %d borrower %d %g", county, i,
						r.ProjectID, r.BorrowerID, r.Finance, top[i].ProjectID, top[i].BorrowerID, top[i].Finance)
				}
			}
		}
		if compared == 0 {
			t.Errorf("no loop row has a measured change: the test compares nothing measured")
		}

		// A bad filter is named.
		resp, body := f.call(reg, "GET", "/api/v1/cockpit/credit?county=33&grade=9", nil)
		if p := problemOf(t, resp, body); resp.StatusCode != 400 || len(p.Errors) != 2 {
			t.Errorf("a bad filter: %d %s", resp.StatusCode, body)
		}
		// The export is a real workbook with the panel's rows and meta.
		resp, body = f.call(reg, "GET", "/api/v1/cockpit/breakdown/export?by=county", nil)
		rowsX := xlsxRows(t, body)
		if resp.StatusCode != 200 || len(rowsX) < 3 || rowsX[1][1] != "绿色贷款余额(万元)" {
			t.Errorf("the breakdown's export: %d %v", resp.StatusCode, rowsX)
		}
		// Its 说明 sheet is in the reader's language.
		var carbonMeta struct {
			Meta struct {
				Definition   string `json:"definition"`
				DefinitionEN string `json:"definition_en"`
			} `json:"meta"`
		}
		getJSON(t, f.fixture, reg, "/api/v1/cockpit/carbon", &carbonMeta)
		for _, l := range []string{"zh", "en"} {
			req, _ := http.NewRequest("GET", f.ts.URL+"/api/v1/cockpit/carbon/export", nil)
			req.Header.Set("Authorization", "Bearer "+f.tokens[reg])
			req.AddCookie(&http.Cookie{Name: "cifp_lang", Value: l})
			resp, body := f.send(req)
			notes := xlsxSheet(t, body, "说明")
			want := map[string][2]string{"zh": {"定义", carbonMeta.Meta.Definition}, "en": {"Definition", carbonMeta.Meta.DefinitionEN}}[l]
			if resp.StatusCode != 200 || len(notes) < 5 || len(notes[0]) < 2 || notes[0][0] != want[0] || notes[0][1] != want[1] {
				t.Errorf("the carbon export's notes in %s: %d %v, want %v", l, resp.StatusCode, notes, want)
			}
		}
	})
}

// xlsxSheet is the rows of a workbook's sheet.
func xlsxSheet(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an .xlsx file: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func monthBefore(m string, n int) string {
	y, _ := strconv.Atoi(m[:4])
	mo, _ := strconv.Atoi(m[5:])
	k := y*12 + mo - 1 - n
	return fmt.Sprintf("%04d-%02d", k/12, k%12+1)
}

// checkOwnCockpit asserts that a 200 answer of the cockpit holds the
// caller's own data only: an institution's panels are of its own loans
// (its filter says so, and its breakdown by institution has its own row
// only); an enterprise's view is its own.
func checkOwnCockpit(t *testing.T, f *fixture, name, path string, body []byte, u auth.User) {
	t.Helper()
	if strings.HasPrefix(path, "/api/v1/cockpit/enterprise") {
		var v struct {
			OrgID    int64                  `json:"org_id"`
			Accounts []carbon.StoredAccount `json:"accounts"`
			Loans    []finance.Loan         `json:"loans"`
			Needs    []finance.Need         `json:"needs"`
		}
		json.Unmarshal(body, &v)
		if v.OrgID != u.OrgID {
			t.Errorf("%s: the view of org %d", name, v.OrgID)
		}
		for _, a := range v.Accounts {
			if a.OrgID != u.OrgID {
				t.Errorf("%s: the account of org %d", name, a.OrgID)
			}
		}
		for _, l := range v.Loans {
			if l.BorrowerID != u.OrgID {
				t.Errorf("%s: loan %s of another borrower", name, l.LoanID)
			}
		}
		for _, n := range v.Needs {
			if n.OrgID != u.OrgID {
				t.Errorf("%s: need %d of org %d", name, n.ID, n.OrgID)
			}
		}
		return
	}
	var p struct {
		Filter struct {
			Institution int64 `json:"institution"`
		} `json:"filter"`
		Rows []statFigures `json:"rows"`
		By   string        `json:"by"`
	}
	json.Unmarshal(body, &p)
	if u.Role != cifp.RoleFinance || p.Filter.Institution != u.OrgID {
		t.Errorf("%s: the panel's institution is %d", name, p.Filter.Institution)
	}
	if p.By == "institution" {
		for _, r := range p.Rows {
			if r.Key != strconv.FormatInt(u.OrgID, 10) {
				t.Errorf("%s: a row of institution %s", name, r.Key)
			}
		}
	}
	ctx := u.Actor().Context(context.Background())
	if strings.HasPrefix(path, "/api/v1/cockpit/credit") {
		var c struct {
			Total statFigures `json:"total"`
		}
		json.Unmarshal(body, &c)
		m, _ := f.finance.LatestMonth(ctx)
		if m == "" { // no loans of its own: nothing at all
			if c.Total.GreenBalance != 0 || c.Total.AllBalance != 0 || c.Total.Loans != 0 {
				t.Errorf("%s: an institution without loans sees %+v", name, c.Total)
			}
			return
		}
		rows, err := f.finance.Statistics(ctx, m, finance.ByTotal, finance.Slice{})
		if err != nil || c.Total.GreenBalance != rows[0].GreenBalance || c.Total.AllBalance != rows[0].AllBalance {
			t.Errorf("%s: the total %+v is not the institution's own %+v (%v)", name, c.Total, rows, err)
		}
	}
}

// near reports whether two sums of the same figures, added in another
// order, agree.
func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b))
}
