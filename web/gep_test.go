package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"cifp/gep"
	"cifp/internal/testutil"
	"cifp/store"
)

// TestGEP drives GEP accounting through the API and the pages on both
// databases: who may run and read, the one click, a run with its lines,
// bad inputs named and not stored, the template import, the export, the
// comparison, and the button's progress through htmx.
func TestGEP(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		count := func(table string) int {
			var n int
			if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		runBody := map[string]any{"region": "331100", "year": 2024}
		for _, u := range []string{"bank", "enterprise", "citizen"} {
			if resp, _ := f.call(u, "POST", "/api/v1/gep/runs", runBody); resp.StatusCode != 403 {
				t.Errorf("%s ran the accounting: %d", u, resp.StatusCode)
			}
		}
		resp, body := f.call("regulator", "POST", "/api/v1/gep/runs", runBody)
		if resp.StatusCode != 201 {
			t.Fatalf("run: %d %s", resp.StatusCode, body)
		}
		var b gep.Batch
		json.Unmarshal(body, &b)
		if len(b.Runs) != 10 || !b.Demo || b.Runs[9].Region != "331100" {
			t.Fatalf("batch: %s", body)
		}
		city := b.Runs[9]
		resp, body = f.call("bank", "GET", fmt.Sprintf("/api/v1/gep/runs/%d", city.ID), nil)
		var run gep.Run
		if json.Unmarshal(body, &run); resp.StatusCode != 200 || run.GEP != city.GEP || len(run.Lines) == 0 || run.Lines[0].PriceSource == "" {
			t.Fatalf("a bank reads the run: %d %.300s", resp.StatusCode, body)
		}
		if resp, _ := f.call("citizen", "GET", fmt.Sprintf("/api/v1/gep/runs/%d", city.ID), nil); resp.StatusCode != 403 {
			t.Errorf("a citizen read a run: %d", resp.StatusCode)
		}
		for _, path := range []string{"/api/v1/gep/overview?region=331100&year=2024", "/api/v1/gep/trend?region=331100",
			"/api/v1/gep/asset-value?region=331100&year=2024", fmt.Sprintf("/api/v1/gep/charts/indicator?run=%d", city.ID),
			fmt.Sprintf("/api/v1/gep/charts/ecosystem?run=%d", city.ID), "/api/v1/gep/charts/counties?region=331100&year=2024",
			"/api/v1/gep/runs?region=331102&year=2024", "/api/v1/openapi.json"} {
			resp, body := f.call("enterprise", "GET", path, nil)
			if resp.StatusCode != 200 || (strings.Contains(path, "asset") && !strings.Contains(string(body), `"carbon_sequestration"`)) {
				t.Errorf("GET %s: %d %.200s", path, resp.StatusCode, body)
			}
		}

		// Bad inputs by API: named, nothing stored.
		bad := gep.DemoInputs(2024)[1]
		forest := bad.Ecosystems[gep.Forest]
		forest.AreaKm2 = -1
		bad.Ecosystems[gep.Forest] = forest
		resp, body = f.call("regulator", "POST", "/api/v1/gep/inputs", map[string]any{"inputs": bad, "gdp": 1e10})
		if p := problemOf(t, resp, body); resp.StatusCode != 400 || !strings.Contains(string(body), "ecosystems.forest.area_km2") || len(p.Errors) < 2 {
			t.Errorf("bad inputs: %d %s", resp.StatusCode, body)
		}
		if n := count("gep_inputs"); n != 0 {
			t.Errorf("%d input sets stored", n)
		}
		good := gep.DemoInputs(2024)[1]
		resp, body = f.call("regulator", "POST", "/api/v1/gep/inputs", map[string]any{"inputs": good, "gdp": 5.2e10})
		if resp.StatusCode != 201 {
			t.Fatalf("good inputs: %d %s", resp.StatusCode, body)
		}

		// The template, broken in one cell, is refused by row and column.
		resp, body = f.call("regulator", "GET", "/api/v1/gep/inputs/template?region=331102&year=2024", nil)
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("template: %d %v", resp.StatusCode, err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		row := 0
		for i, r := range rows {
			if r[0] == "precip_mm" {
				row = i + 1
			}
		}
		x.SetCellValue(x.GetSheetList()[0], fmt.Sprintf("D%d", row), "abc")
		var file bytes.Buffer
		x.Write(&file)
		resp, body = f.call("regulator", "POST", "/api/v1/gep/inputs/import", upload{name: "gep.xlsx", content: file.Bytes()})
		if p := problemOf(t, resp, body); resp.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Row != row || p.Errors[0].Column != "D" {
			t.Errorf("broken template: %d %s", resp.StatusCode, body)
		}
		if n := count("gep_inputs"); n != 1 {
			t.Errorf("%d input sets after a refused import", n)
		}

		// A re-run uses the stored set for 莲都区 (GDP given): version 2.
		resp, body = f.call("admin", "POST", "/api/v1/gep/runs", runBody)
		var b2 gep.Batch
		if json.Unmarshal(body, &b2); resp.StatusCode != 201 || b2.Runs[0].Version != 2 || b2.Runs[0].GDP != 5.2e10 {
			t.Fatalf("re-run: %d %.300s", resp.StatusCode, body)
		}
		resp, body = f.call("bank", "GET", fmt.Sprintf("/api/v1/gep/compare?a=%d&b=%d", b.Runs[0].ID, b2.Runs[0].ID), nil)
		var c gep.Comparison
		if json.Unmarshal(body, &c); resp.StatusCode != 200 || c.A.Version != 1 || c.B.Version != 2 || c.Changed != 0 {
			t.Errorf("compare: %d %.300s", resp.StatusCode, body)
		}
		resp, body = f.call("bank", "GET", fmt.Sprintf("/api/v1/gep/runs/%d/export", city.ID), nil)
		if x, err := excelize.OpenReader(bytes.NewReader(body)); resp.StatusCode != 200 || err != nil || len(x.GetSheetList()) != 4 {
			t.Errorf("export: %d %v", resp.StatusCode, err)
		}

		// Pages: the region page, the breakdown, the comparison, the inputs form.
		reg := f.browser()
		reg.login("regulator")
		resp, page := reg.get("/gep?region=331100&year=2024")
		want := fmt.Sprintf(`data-testid="gep-total">%s<`, yi2(city.GEP))
		if resp.StatusCode != 200 || !strings.Contains(page, want) || !strings.Contains(page, `data-testid="gep-run-form"`) || !strings.Contains(page, `data-testid="gep-asset"`) {
			t.Errorf("region page: %d, want %s", resp.StatusCode, want)
		}
		for _, path := range []string{fmt.Sprintf("/gep/runs/%d", city.ID), fmt.Sprintf("/gep/compare?a=%d&b=%d", b.Runs[0].ID, b2.Runs[0].ID),
			"/gep/inputs?region=331102&year=2024", "/gep?region=331102&year=2024"} {
			if resp, page := reg.get(path); resp.StatusCode != 200 || strings.Contains(page, ">gep.") {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
		}
		bank := f.browser()
		bank.login("bank")
		if resp, page := bank.get("/gep?region=331100&year=2024"); resp.StatusCode != 200 || strings.Contains(page, `data-testid="gep-run-form"`) {
			t.Errorf("a bank's region page: %d or offers the button", resp.StatusCode)
		}
		if resp, _ := bank.post("/gep/run", url.Values{"region": {"331100"}, "year": {"2024"}}); resp.StatusCode != 403 {
			t.Errorf("a bank pressed the button: %d", resp.StatusCode)
		}
		// The form: a negative figure is named and stores nothing; a good one is a new set.
		before := count("gep_inputs")
		form := url.Values{"region": {"331102"}, "year": {"2024"}, "ecosystems.forest.area_km2": {"-3"}}
		if resp, page := reg.post("/gep/inputs", form); resp.StatusCode != 400 || !strings.Contains(page, "ecosystems.forest.area_km2") {
			t.Errorf("form with a negative area: %d", resp.StatusCode)
		}
		if n := count("gep_inputs"); n != before {
			t.Errorf("the refused form stored a set")
		}
		_, page = reg.get("/gep/inputs?region=331103&year=2024") // unknown to the demo: empty
		_, page = reg.get("/gep/inputs?region=331123&year=2024")
		form = url.Values{"region": {"331123"}, "year": {"2024"}}
		for _, m := range regexp.MustCompile(`name="([a-z0-9_.]+)" inputmode="decimal" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
			form.Set(m[1], m[2])
		}
		form.Set("gdp", "180")
		if resp, _ := reg.post("/gep/inputs", form); resp.StatusCode != http.StatusSeeOther || count("gep_inputs") != before+1 {
			t.Errorf("form: %d", resp.StatusCode)
		}

		// The button with htmx: 202 and a progress bar that polls until done.
		req, _ := http.NewRequest("POST", f.ts.URL+"/gep/run", strings.NewReader(url.Values{"region": {"331100"}, "year": {"2024"}, "csrf_token": {reg.csrf()}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "gep-job")
		hx, err := reg.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(hx.Body)
		hx.Body.Close()
		m := regexp.MustCompile(`hx-get="/gep/jobs/([0-9a-f]+)"`).FindStringSubmatch(buf.String())
		if hx.StatusCode != 202 || m == nil || !strings.Contains(buf.String(), "<progress") {
			t.Fatalf("button: %d %s", hx.StatusCode, buf.String())
		}
		if resp, _ := bank.get("/gep/jobs/" + m[1]); resp.StatusCode != 403 {
			t.Errorf("a bank polled a job: %d", resp.StatusCode)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, page := reg.get("/gep/jobs/" + m[1])
			if strings.Contains(page, `data-testid="gep-job-done"`) {
				if !strings.Contains(page, "10 ") {
					t.Errorf("job done: %s", page)
				}
				break
			}
			if strings.Contains(page, "gep-job-error") || time.Now().After(deadline) {
				t.Fatalf("job: %s", page)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if n := count("gep_runs"); n != 30 {
			t.Errorf("%d runs after three clicks", n)
		}
	})
}

// yi2 formats 元 as 亿元 with two decimals and grouped thousands, as the pages do.
func yi2(v float64) string {
	s := fmt.Sprintf("%.2f", v/gep.Yi)
	i := strings.Index(s, ".")
	for j := i - 3; j > 0; j -= 3 {
		s = s[:j] + "," + s[j:]
	}
	return s
}
