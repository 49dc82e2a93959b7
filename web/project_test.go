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

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/auth"
	"cifp/demo"
	"cifp/internal/testutil"
	"cifp/project"
	"cifp/store"
	"cifp/web"
)

// pdf is a small PDF file (by its content, which is how attachments are typed).
func pdf(title string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Title (" + title + ") >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// solarFields are a complete rooftop solar project in Jinyun.
func solarFields(name string) project.Fields {
	lat, lng := 28.65, 120.07
	return project.Fields{Name: name, County: "331122", Location: "缙云县壶镇镇工业园区厂房屋顶", Lat: &lat, Lng: &lng,
		Category: "solar_pv", Description: "利用厂房屋顶建设分布式光伏电站，自发自用、余电上网。", Investment: 1200, FinancingNeed: 800,
		StartDate: "2026-03-01", EndDate: "2026-09-30", Lifetime: 25, Technical: map[string]string{"generation_mwh": "2200"},
		CoBenefits: "减少燃煤发电的大气污染物排放", CoBenefitValue: 12, Revenue: 160, Opex: 20, Contact: "张工 0578-3123456"}
}

// goodScores is a review of 85 points.
func goodScores() map[string]float64 {
	return map[string]float64{"climate_benefit": 26, "compliance": 18, "feasibility": 17, "economics": 12, "co_benefits": 12}
}

// ctx is the context of a user of the fixture acting.
func (f *fixture) ctx(username string) context.Context {
	u, ok := f.users[username]
	if !ok {
		f.t.Fatalf("no user %s", username)
	}
	return u.Actor().Context(context.Background())
}

// addUser adds a user with an API token to the fixture.
func (f *fixture) addUser(username string, orgID int64, role cifp.Role) auth.User {
	f.t.Helper()
	u, err := f.auth.CreateUser(system, auth.NewUser{OrgID: orgID, Username: username, DisplayName: username, Role: role, Password: demo.Password})
	if err != nil {
		f.t.Fatal(err)
	}
	secret, _, err := f.auth.CreateToken(u.Actor().Context(context.Background()), "test", 0)
	if err != nil {
		f.t.Fatal(err)
	}
	f.users[username], f.tokens[username] = u, secret
	return u
}

func (f *fixture) act(ctx context.Context, id int64, action string, d project.Decision) project.Project {
	f.t.Helper()
	p, err := f.projects.Act(ctx, id, action, d)
	if err != nil {
		f.t.Fatalf("%s project %d: %v", action, id, err)
	}
	return p
}

// submitted declares a project with its two documents and submits it.
func (f *fixture) submitted(owner context.Context, fields project.Fields) project.Project {
	f.t.Helper()
	p, err := f.projects.Create(owner, fields)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, kind := range []string{"feasibility", "approval"} {
		if _, err := f.projects.Attach(owner, p.ID, kind, kind+".pdf", pdf(kind)); err != nil {
			f.t.Fatal(err)
		}
	}
	return f.act(owner, p.ID, project.ActSubmit, project.Decision{})
}

// admitted walks a project through the whole workflow into the library,
// reviewed by the demo bank and verifier users.
func (f *fixture) admitted(owner context.Context, fields project.Fields) project.Project {
	f.t.Helper()
	p := f.submitted(owner, fields)
	reg := f.ctx("regulator")
	if p = f.act(reg, p.ID, project.ActScreen, project.Decision{}); p.Status != project.StatusScreened {
		f.t.Fatalf("screening: %s %+v", p.Status, p.Screening)
	}
	f.act(reg, p.ID, project.ActAssign, project.Decision{Reviewers: []int64{f.users["bank"].ID, f.users["verifier"].ID}})
	for _, u := range []string{"bank", "verifier"} {
		f.act(f.ctx(u), p.ID, project.ActReview, project.Decision{Scores: goodScores(), Recommendation: project.ActAdmit, Comment: "同意入库"})
	}
	return f.act(reg, p.ID, project.ActAdmit, project.Decision{Comment: "专家评审通过"})
}

// projectCounts are the numbers of projects, attachments and audit entries.
func (f *fixture) projectCounts() [3]int {
	f.t.Helper()
	var c [3]int
	if err := f.db.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM projects), (SELECT COUNT(*) FROM project_files), (SELECT COUNT(*) FROM audit_log)`).Scan(&c[0], &c[1], &c[2]); err != nil {
		f.t.Fatal(err)
	}
	return c
}

// projectForm is the declaration form of solarFields.
func projectForm(name string) url.Values {
	return url.Values{"name": {name}, "county": {"331122"}, "location": {"缙云县壶镇镇"}, "lat": {"28.65"}, "lng": {"120.07"},
		"category": {"solar_pv"}, "sector": {""}, "climate_type": {""}, "description": {"屋顶分布式光伏"}, "investment": {"1200"},
		"financing_need": {"800"}, "start_date": {"2026-03-01"}, "end_date": {"2026-09-30"}, "lifetime": {"25"},
		"tech.grid_renewable.generation_mwh": {"2200"}, "tech.grid_renewable.grid_kind": {""}, "co_benefits": {"减污"},
		"co_benefit_value": {"12"}, "revenue": {"160"}, "opex": {"20"}, "contact": {"张工"}}
}

var projectIDRE = regexp.MustCompile(`^/projects/(\d+)\?done=saved$`)

// TestProjectForms drives the declaration form and the attachment upload as
// an energy manager would, with every kind of refusal shown beside its field
// and nothing stored.
func TestProjectForms(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		b := f.browser()
		b.login("enterprise")
		resp, body := b.get("/projects/new")
		if resp.StatusCode != 200 || !strings.Contains(body, `name="tech.grid_renewable.generation_mwh"`) || !strings.Contains(body, `name="tech.forest.species"`) ||
			!strings.Contains(body, `<option value="diesel"`) || !strings.Contains(body, `<option value="cunninghamia"`) || !strings.Contains(body, `<option value="national_fossil"`) {
			t.Fatalf("new form: %d", resp.StatusCode)
		}

		for _, c := range []struct {
			name, field, value, testid, want string
		}{
			{"negative investment", "investment", "-5", "error-investment", "must not be negative"},
			{"investment not a number", "investment", "一千万", "error-investment", "is not a number"},
			{"unknown category", "category", "nuclear_fusion", "error-category", "is not a category"},
			{"lifetime not a number", "lifetime", "二十", "error-lifetime", "whole number"},
			{"no name", "name", "", "error-name", "is required"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := f.projectCounts()
				form := projectForm("缙云壶镇屋顶光伏")
				form.Set(c.field, c.value)
				resp, body := b.post("/projects", form)
				if resp.StatusCode != 400 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				m := regexp.MustCompile(`data-testid="` + c.testid + `">([^<]*)<`).FindStringSubmatch(body)
				if m == nil || !strings.Contains(m[1], c.want) {
					t.Errorf("no %q beside the field (%v)", c.want, m)
				}
				if c.field != "name" && !strings.Contains(body, `value="缙云壶镇屋顶光伏"`) {
					t.Error("the form lost what was typed")
				}
				if after := f.projectCounts(); after != before {
					t.Errorf("stored: %v → %v", before, after)
				}
			})
		}

		// A draft may be incomplete (no lifetime) …
		form := projectForm("缙云壶镇屋顶光伏")
		form.Set("lifetime", "")
		resp, _ = b.post("/projects", form)
		m := projectIDRE.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || m == nil {
			t.Fatalf("save draft: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		id := m[1]
		p, err := f.projects.Get(f.ctx("enterprise"), mustID(t, id))
		if err != nil || p.Status != project.StatusDraft || p.Technical["generation_mwh"] != "2200" || p.Sector != "energy" || p.Lat == nil || *p.Lat != 28.65 {
			t.Fatalf("draft %+v, %v", p, err)
		}
		// … but not submitted so: lifetime 0 is named, the draft stays a draft.
		resp, body = b.post("/projects/"+id+"/act", url.Values{"action": {"submit"}})
		if resp.StatusCode != 400 || !strings.Contains(body, `data-testid="action-error"`) || !strings.Contains(body, "<code>lifetime</code>") {
			t.Fatalf("submit without lifetime: %d", resp.StatusCode)
		}
		if p, _ := f.projects.Get(f.ctx("enterprise"), p.ID); p.Status != project.StatusDraft {
			t.Errorf("status %s", p.Status)
		}

		// The edit form keeps the version; a stale one is refused.
		resp, body = b.get("/projects/" + id + "/edit")
		if resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`name="version" value="%d"`, p.Version)) || !strings.Contains(body, `value="2200"`) {
			t.Fatalf("edit form: %d", resp.StatusCode)
		}
		form = projectForm("缙云壶镇屋顶光伏（一期）")
		form.Set("version", fmt.Sprint(p.Version))
		if resp, body = b.post("/projects/"+id, form); resp.StatusCode != 303 {
			t.Fatalf("edit: %d %s", resp.StatusCode, body)
		}
		if resp, body = b.post("/projects/"+id, form); resp.StatusCode != 409 || !strings.Contains(body, "changed by someone else") {
			t.Errorf("stale edit: %d", resp.StatusCode)
		}

		// Attachments: too large, or not a PDF/PNG/JPEG by content, whatever the name says.
		big := append(pdf("big"), bytes.Repeat([]byte{'0'}, 10<<20)...)
		for _, c := range []struct {
			name, file string
			content    []byte
			status     int
			want       string
		}{
			{"too large", "可研报告.pdf", big, 413, "10 MiB"},
			{"executable", "setup.exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 600)...), 400, "only PDF, PNG and JPEG"},
			{"zip named pdf", "可研报告.pdf", append([]byte("PK\x03\x04\x14\x00\x00\x00"), make([]byte, 100)...), 400, "only PDF, PNG and JPEG"},
			{"text", "说明.txt", []byte("这是一份文本说明，不是 PDF。"), 400, "only PDF, PNG and JPEG"},
			{"empty", "空.pdf", []byte{}, 400, "is empty"},
		} {
			t.Run("attach "+c.name, func(t *testing.T) {
				before := f.projectCounts()
				resp, body := b.postMultipart("/projects/"+id+"/files", upload{fields: map[string]string{"kind": "feasibility"}, name: c.file, content: c.content})
				if resp.StatusCode != c.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
				}
				m := regexp.MustCompile(`data-testid="upload-error">([^<]*)<`).FindStringSubmatch(body)
				if m == nil || !strings.Contains(m[1], c.want) {
					t.Errorf("the file field's error %v does not say %q", m, c.want)
				}
				if after := f.projectCounts(); after != before {
					t.Errorf("stored: %v → %v", before, after)
				}
			})
		}
		resp, body = b.postMultipart("/projects/"+id+"/files", upload{fields: map[string]string{"kind": "nonsense"}, name: "a.pdf", content: pdf("a")})
		if resp.StatusCode != 400 || !strings.Contains(body, "is not a document kind") {
			t.Errorf("bad kind: %d", resp.StatusCode)
		}
		content := pdf("可行性研究报告")
		resp, _ = b.postMultipart("/projects/"+id+"/files", upload{fields: map[string]string{"kind": "feasibility"}, name: "可行性研究报告.pdf", content: content})
		if resp.StatusCode != 303 {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		_, body = b.get("/projects/" + id)
		fm := regexp.MustCompile(`href="(/projects/` + id + `/files/\d+)" data-testid="file-link">可行性研究报告.pdf<`).FindStringSubmatch(body)
		if fm == nil || !strings.Contains(body, `data-testid="missing-docs"`) {
			t.Fatal("the page lacks the attachment or the missing approval")
		}
		resp, got := b.get(fm[1])
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || got != string(content) ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}

		// Another enterprise's user neither reads nor edits it.
		other := f.addUser("other.energy", f.other.ID, cifp.RoleEnterprise)
		ob := f.browser()
		ob.login(other.Username)
		for _, path := range []string{"/projects/" + id, "/projects/" + id + "/edit", fm[1]} {
			if resp, _ := ob.get(path); resp.StatusCode != 404 {
				t.Errorf("other enterprise GET %s: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := ob.post("/projects/"+id+"/act", url.Values{"action": {"submit"}}); resp.StatusCode != 404 {
			t.Errorf("other enterprise submits: %d", resp.StatusCode)
		}
		if _, body := ob.get("/projects"); strings.Contains(body, "缙云壶镇屋顶光伏") {
			t.Error("the other enterprise's list shows the project")
		}
	})
}

// TestProjectAPIWorkflow takes a project from declaration to the library
// through the API, checks the screening, value, county view, history,
// notifications and exports on the way.
func TestProjectAPIWorkflow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		must := func(status int) func(*http.Response, []byte) []byte {
			return func(resp *http.Response, body []byte) []byte {
				t.Helper()
				if resp.StatusCode != status {
					t.Fatalf("%s %s: %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
				}
				return body
			}
		}
		var p project.Project
		fields := solarFields("缙云县屋顶分布式光伏项目")
		fields.Lifetime = 0
		json.Unmarshal(must(201)(f.call("enterprise", "POST", "/api/v1/projects", fields)), &p)
		if p.Status != "draft" || p.Version != 1 || !strings.HasPrefix(p.Code, "LS") {
			t.Fatalf("created %+v", p)
		}
		path := fmt.Sprintf("/api/v1/projects/%d", p.ID)
		// Problems name their fields.
		resp, body := f.call("enterprise", "POST", "/api/v1/projects", map[string]any{"name": "x", "investment": -1, "category": "nuclear_fusion"})
		if pr := problemOf(t, resp, body); resp.StatusCode != 400 || !namesFields(pr, "investment", "category") {
			t.Errorf("bad fields: %d %s", resp.StatusCode, body)
		}
		resp, body = f.call("enterprise", "POST", path+"/actions/submit", nil)
		if pr := problemOf(t, resp, body); resp.StatusCode != 400 || !namesFields(pr, "lifetime") {
			t.Errorf("submit without lifetime: %d %s", resp.StatusCode, body)
		}
		fields.Lifetime = 25
		json.Unmarshal(must(200)(f.call("enterprise", "PUT", path, map[string]any{"version": 1, "name": fields.Name, "county": fields.County,
			"location": fields.Location, "lat": fields.Lat, "lng": fields.Lng, "category": fields.Category, "description": fields.Description,
			"investment": fields.Investment, "financing_need": fields.FinancingNeed, "start_date": fields.StartDate, "end_date": fields.EndDate,
			"lifetime": 25, "technical": fields.Technical, "revenue": fields.Revenue, "opex": fields.Opex, "co_benefit_value": 12})), &p)
		if p.Version != 2 || p.Lifetime != 25 {
			t.Fatalf("updated %+v", p)
		}
		must(409)(f.call("enterprise", "PUT", path, map[string]any{"version": 1, "name": "旧"}))
		for _, kind := range []string{"feasibility", "approval"} {
			must(201)(f.call("enterprise", "POST", path+"/files", upload{fields: map[string]string{"kind": kind}, name: kind + ".pdf", content: pdf(kind)}))
		}
		resp, body = f.call("enterprise", "POST", path+"/files", upload{fields: map[string]string{"kind": "other"}, name: "x.zip", content: []byte("PK\x03\x04zip")})
		if pr := problemOf(t, resp, body); resp.StatusCode != 400 || !namesFields(pr, "file") {
			t.Errorf("zip: %d %s", resp.StatusCode, body)
		}
		var files []project.File
		json.Unmarshal(must(404)(f.call("bank", "GET", path+"/files", nil)), &files) // a bank does not see drafts
		json.Unmarshal(must(200)(f.call("enterprise", "GET", path+"/files", nil)), &files)
		if len(files) != 2 || files[0].ContentType != "application/pdf" || len(files[0].SHA256) != 64 {
			t.Fatalf("files %+v", files)
		}
		got := must(200)(f.call("enterprise", "GET", fmt.Sprintf("%s/files/%d", path, files[1].ID), nil))
		if string(got) != string(pdf("approval")) {
			t.Error("the download differs from the upload")
		}

		must(200)(f.call("enterprise", "POST", path+"/actions/submit", map[string]any{}))
		must(403)(f.call("enterprise", "POST", path+"/actions/screen", nil))
		json.Unmarshal(must(200)(f.call("regulator", "POST", path+"/actions/screen", nil)), &p)
		if p.Status != "screened" || p.Screening == nil || p.Screening.Outcome != "eligible" || p.Screening.Estimate == nil ||
			p.AnnualTCO2 <= 0 || p.Cat2021 != "3" || p.Cat2025 != "4" || p.List != "green" || p.CostPerTonne == nil {
			t.Fatalf("screened %+v %+v", p, p.Screening)
		}
		resp, body = f.call("regulator", "POST", path+"/actions/assign", map[string]any{"reviewers": []int64{f.users["enterprise"].ID}})
		if pr := problemOf(t, resp, body); resp.StatusCode != 400 || !namesFields(pr, "reviewers[0]") {
			t.Errorf("owner as reviewer: %d %s", resp.StatusCode, body)
		}
		must(200)(f.call("regulator", "POST", path+"/actions/assign", map[string]any{"reviewers": []int64{f.users["bank"].ID, f.users["verifier"].ID}}))
		resp, body = f.call("bank", "POST", path+"/actions/review", map[string]any{"scores": map[string]float64{"climate_benefit": 31}, "recommendation": "admit"})
		if pr := problemOf(t, resp, body); resp.StatusCode != 400 || !namesFields(pr, "scores.climate_benefit", "scores.compliance") {
			t.Errorf("bad scores: %d %s", resp.StatusCode, body)
		}
		must(409)(f.call("regulator", "POST", path+"/actions/admit", nil)) // no reviews yet
		for _, u := range []string{"bank", "verifier"} {
			must(200)(f.call(u, "POST", path+"/actions/review", map[string]any{"scores": goodScores(), "recommendation": "admit", "comment": "同意"}))
		}
		json.Unmarshal(must(200)(f.call("regulator", "POST", path+"/actions/admit", map[string]any{"comment": "通过"})), &p)
		if p.Status != "admitted" || p.Score == nil || *p.Score != 85 {
			t.Fatalf("admitted %+v", p)
		}
		json.Unmarshal(must(200)(f.call("regulator", "POST", path+"/actions/recommend", map[string]any{"comment": "推荐"})), &p)
		if !p.Recommended {
			t.Error("not recommended")
		}

		var events []project.Event
		json.Unmarshal(must(200)(f.call("enterprise", "GET", path+"/events", nil)), &events)
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		if strings.Join(actions, " ") != "create submit screen assign review review admit recommend" {
			t.Errorf("history %v", actions)
		}
		if b := must(200)(f.call("enterprise", "GET", path+"/events", nil)); strings.Contains(string(b), `"bank"`) || strings.Contains(string(b), "verifier") {
			t.Errorf("the owner's history names the reviewers: %s", b)
		}
		if b := must(200)(f.call("regulator", "GET", path+"/events", nil)); !strings.Contains(string(b), `"bank"`) {
			t.Errorf("the team's history lacks the reviewers: %s", b)
		}
		var reviews []project.Review
		json.Unmarshal(must(200)(f.call("enterprise", "GET", path+"/reviews", nil)), &reviews)
		if len(reviews) != 2 || reviews[0].Reviewer == "bank" || reviews[0].ReviewerOrg != "" || reviews[0].Total == nil {
			t.Errorf("the owner reads %+v", reviews)
		}
		if b := must(200)(f.call("enterprise", "GET", path+"/reviews", nil)); strings.Contains(string(b), "农业银行") || strings.Contains(string(b), "核查") {
			t.Errorf("the owner learns who reviewed: %s", b)
		}
		var low, high project.Assessment
		json.Unmarshal(must(200)(f.call("bank", "GET", path+"/value?scenario=low", nil)), &low)
		json.Unmarshal(must(200)(f.call("bank", "GET", path+"/value?scenario=high", nil)), &high)
		if low.CarbonPrice != 50 || high.CarbonPrice != 200 || high.CarbonValue <= low.CarbonValue || high.NPV != low.NPV {
			t.Errorf("low %+v high %+v", low, high)
		}
		resp, body = f.call("bank", "GET", path+"/value?scenario=extreme", nil)
		if pr := problemOf(t, resp, body); !namesFields(pr, "scenario") {
			t.Errorf("bad scenario: %s", body)
		}

		// The library as a bank sees it, and the county view.
		var page struct {
			Items []project.Project
			Total int
		}
		json.Unmarshal(must(200)(f.call("bank", "GET", "/api/v1/projects?county=331122&min_investment=1000&sort=reduction", nil)), &page)
		if page.Total < 1 || !hasProject(page.Items, p.ID) {
			t.Errorf("bank library %+v", page)
		}
		json.Unmarshal(must(200)(f.call("bank", "GET", "/api/v1/projects?min_investment=1201", nil)), &page)
		if hasProject(page.Items, p.ID) {
			t.Error("the investment filter lets the project through")
		}
		resp, body = f.call("bank", "GET", "/api/v1/projects?status=approved&min_tco2=-1", nil)
		if pr := problemOf(t, resp, body); !namesFields(pr, "status", "min_tco2") {
			t.Errorf("bad filter: %s", body)
		}
		var counties []struct {
			County     string
			Projects   int
			Investment float64
		}
		json.Unmarshal(must(200)(f.call("regulator", "GET", "/api/v1/projects/counties", nil)), &counties)
		if len(counties) < 9 || counties[0].County != "331102" {
			t.Errorf("counties %+v", counties)
		}
		for _, c := range counties {
			if c.County == "331122" && (c.Projects < 1 || c.Investment < 1200) {
				t.Errorf("Jinyun %+v", c)
			}
		}
		var chart struct {
			Categories []string
			Series     []struct{ Data []float64 }
		}
		json.Unmarshal(must(200)(f.call("regulator", "GET", "/api/v1/stats/projects?measure=investment", nil)), &chart)
		if len(chart.Categories) < 9 || len(chart.Series) != 2 || len(chart.Series[0].Data) != len(chart.Categories) {
			t.Errorf("chart %+v", chart)
		}

		// The owner was told of every step others took; reading clears the count.
		var notes struct {
			Items  []project.Notification
			Unread int
		}
		json.Unmarshal(must(200)(f.call("enterprise", "GET", "/api/v1/notifications", nil)), &notes)
		if notes.Unread < 3 || !strings.Contains(notes.Items[0].Message, p.Code) {
			t.Errorf("notifications %+v", notes)
		}
		json.Unmarshal(must(200)(f.call("verifier", "GET", "/api/v1/notifications", nil)), &notes)
		if notes.Unread < 2 { // assigned, then decided
			t.Errorf("reviewer notifications %+v", notes)
		}
		must(200)(f.call("enterprise", "POST", "/api/v1/notifications/read", map[string]any{"id": 0}))
		json.Unmarshal(must(200)(f.call("enterprise", "GET", "/api/v1/notifications", nil)), &notes)
		if notes.Unread != 0 {
			t.Errorf("unread after reading: %d", notes.Unread)
		}

		// Exports: the library as .xlsx, and the national exchange file for the team only.
		rows := xlsxRows(t, must(200)(f.call("bank", "GET", "/api/v1/projects/export?library=true", nil)))
		if !rowsHave(rows, p.Code) || !rowsHave(rows, p.Name) {
			t.Errorf("the export lacks %s", p.Code)
		}
		must(403)(f.call("bank", "GET", "/api/v1/projects/export?national=true", nil))
		rows = xlsxRows(t, must(200)(f.call("regulator", "GET", "/api/v1/projects/export?national=true", nil)))
		if !rowsHave(rows, p.Code) {
			t.Error("the national export lacks the recommended project")
		}
		must(403)(f.call("bank", "GET", "/api/v1/projects/template", nil))
		if x := xlsxRows(t, must(200)(f.call("admin", "GET", "/api/v1/projects/template", nil))); len(x) == 0 {
			t.Error("empty template")
		}
		var tax struct {
			Taxonomy struct{ ID string }
			Criteria []struct {
				Code string
				Max  float64
			}
			Methods []struct{ Code string }
		}
		json.Unmarshal(must(200)(f.call("citizen", "GET", "/api/v1/projects/taxonomy", nil)), &tax)
		if tax.Taxonomy.ID == "" || len(tax.Criteria) != 5 || len(tax.Methods) < 7 {
			t.Errorf("taxonomy %+v", tax)
		}
	})
}

// TestProjectExportPage exports the library from the page as the team does:
// the file opens with excelize and holds the admitted projects.
func TestProjectExportPage(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	a := f.admitted(f.ctx("enterprise"), solarFields("缙云县屋顶光伏一期"))
	d, err := f.projects.Create(f.ctx("enterprise"), solarFields("缙云县屋顶光伏二期（草稿）"))
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("regulator")
	_, page := b.get("/projects?status=admitted")
	if !strings.Contains(page, a.Code) || strings.Contains(page, d.Code) || !strings.Contains(page, `data-testid="project-export-national"`) {
		t.Error("the filtered library page")
	}
	resp, body := b.get("/projects/export?status=admitted")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("export: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows := xlsxRows(t, []byte(body))
	if !rowsHave(rows, a.Code) || rowsHave(rows, d.Code) {
		t.Errorf("the export of admitted projects: %v", rows)
	}
	// The county view and the ranking.
	_, page = b.get("/projects?view=county")
	if !strings.Contains(page, `data-testid="county-table"`) || !strings.Contains(page, "缙云县") || !strings.Contains(page, `/api/v1/stats/projects?measure=investment`) {
		t.Error("county view")
	}
	for _, q := range []string{"", "?scenario=high&key=irr", "?scenario=low&key=cost", "?key=reduction"} {
		if resp, page := b.get("/projects/ranking" + q); resp.StatusCode != 200 || !strings.Contains(page, a.Code) {
			t.Errorf("ranking %s: %d", q, resp.StatusCode)
		}
	}
	if resp, _ := b.get("/projects/ranking?key=luck"); resp.StatusCode != 400 {
		t.Errorf("bad ranking key: %d", resp.StatusCode)
	}
	_, page = b.get(fmt.Sprintf("/projects/%d?scenario=high", a.ID))
	for _, want := range []string{`data-testid="screening-outcome"`, "符合入库条件", "清洁能源产业", "能源绿色低碳转型", "并网可再生能源发电", `data-testid="estimate-lines"`, `data-testid="value-total"`, "高碳价", "lishui-2026.1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the project page lacks %s", want)
		}
	}
	// Enterprises and banks may not make the national file.
	bank := f.browser()
	bank.login("bank")
	if resp, _ := bank.get("/projects/export?national=1"); resp.StatusCode != 403 {
		t.Errorf("bank national export: %d", resp.StatusCode)
	}
	if resp, body := bank.get("/projects/export"); resp.StatusCode != 200 || !rowsHave(xlsxRows(t, []byte(body)), a.Code) || rowsHave(xlsxRows(t, []byte(body)), d.Code) {
		t.Errorf("bank export: %d", resp.StatusCode)
	}
}

// TestProjectImportPage loads a file through the import page, all or nothing.
func TestProjectImportPage(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	b := f.browser()
	b.login("regulator")
	resp, tmpl := b.get("/projects/template")
	if resp.StatusCode != 200 {
		t.Fatalf("template: %d", resp.StatusCode)
	}
	head := xlsxRows(t, []byte(tmpl))[0]
	before := f.projectCounts()
	x := excelize.NewFile()
	row := make([]any, len(head))
	for i, h := range head {
		row[i] = ""
		if strings.HasSuffix(h, "(category)") {
			row[i] = "no_such_category"
		}
		if strings.HasSuffix(h, "(investment)") {
			row[i] = "-5"
		}
	}
	headAny := make([]any, len(head))
	for i, h := range head {
		headAny[i] = h
	}
	x.SetSheetRow("Sheet1", "A1", &headAny)
	x.SetSheetRow("Sheet1", "A2", &row)
	var buf bytes.Buffer
	x.Write(&buf)
	resp, body := b.postMultipart("/projects/import", upload{name: "projects.xlsx", content: buf.Bytes()})
	if resp.StatusCode != 400 || !strings.Contains(body, `data-testid="import-error"`) {
		t.Fatalf("bad import: %d", resp.StatusCode)
	}
	if after := f.projectCounts(); after != before {
		t.Errorf("a refused import stored: %v → %v", before, after)
	}
	// The library's own export goes back in whole: a migration from another library.
	a := f.admitted(f.ctx("enterprise"), solarFields("缙云县屋顶光伏（迁入）"))
	_, export := b.get("/projects/export?status=admitted")
	before = f.projectCounts()
	resp, body = b.postMultipart("/projects/import", upload{name: "迁入.xlsx", content: []byte(export)})
	m := regexp.MustCompile(`data-testid="import-result">[^<]*1:`).FindString(body)
	if resp.StatusCode != 200 || m == "" {
		t.Fatalf("import: %d %s", resp.StatusCode, regexp.MustCompile(`(?s)<main.*</main>`).FindString(body))
	}
	if after := f.projectCounts(); after[0] != before[0]+1 {
		t.Errorf("projects %d → %d", before[0], after[0])
	}
	var imported project.Project
	list, _, _ := f.projects.List(f.ctx("regulator"), project.Filter{Query: "迁入", Sort: "updated"})
	for _, p := range list {
		if p.ID != a.ID {
			imported = p
		}
	}
	if imported.Status != project.StatusAdmitted || imported.AnnualTCO2 != a.AnnualTCO2 || imported.OrgID != a.OrgID {
		t.Errorf("imported %+v", imported)
	}
	ent := f.browser()
	ent.login("enterprise")
	if resp, _ := ent.get("/projects/import"); resp.StatusCode != 403 {
		t.Errorf("enterprise import page: %d", resp.StatusCode)
	}
	// The owner reports progress on the admitted project and moves it on.
	id := fmt.Sprint(a.ID)
	resp, body = ent.post("/projects/"+id+"/act", url.Values{"action": {"update"}, "progress.percent": {"一半"}, "progress.invested": {"300"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "<code>progress.percent</code>") {
		t.Errorf("bad progress: %d", resp.StatusCode)
	}
	resp, body = ent.post("/projects/"+id+"/act", url.Values{"action": {"update"}, "progress.percent": {"120"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "must be 0 to 100") {
		t.Errorf("progress over 100: %d", resp.StatusCode)
	}
	for _, action := range []string{"update", "finance", "build"} {
		resp, _ := ent.post("/projects/"+id+"/act", url.Values{"action": {action}, "progress.percent": {"40"}, "progress.invested": {"480"}, "progress.financed": {"600"}, "comment": {"屋顶支架安装完成"}})
		if resp.StatusCode != 303 {
			t.Errorf("%s: %d", action, resp.StatusCode)
		}
	}
	_, page := ent.get("/projects/" + id)
	if !strings.Contains(page, "建设中") || !strings.Contains(page, "percent: 40") || !strings.Contains(page, "屋顶支架安装完成") {
		t.Error("the history lacks the progress update")
	}
	if !strings.Contains(page, `<dd data-testid="fact-progress">40 `) {
		t.Error("the project's facts lack its latest progress")
	}
	if strings.Contains(page, `data-testid="act-remove"`) || !strings.Contains(page, `data-testid="act-complete"`) {
		t.Error("the owner's actions on a project under construction")
	}
}

// TestProjectPages checks the pages of each role: reviews, criteria and
// notifications, and that actions show only to those who may take them.
func TestProjectPages(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	p := f.submitted(f.ctx("enterprise"), solarFields("缙云县屋顶光伏"))
	reg := f.ctx("regulator")
	f.act(reg, p.ID, project.ActScreen, project.Decision{})
	f.act(reg, p.ID, project.ActAssign, project.Decision{Reviewers: []int64{f.users["bank"].ID, f.users["verifier"].ID}})
	id := fmt.Sprint(p.ID)

	v := f.browser()
	v.login("verifier")
	_, page := v.get("/projects/reviews")
	if !strings.Contains(page, p.Code) || !strings.Contains(page, `href="/projects/`+id+`#reviews"`) {
		t.Error("the verifier's reviews lack the project")
	}
	_, page = v.get("/projects/" + id)
	if !strings.Contains(page, `data-testid="review-form"`) || strings.Contains(page, `data-testid="act-admit"`) || strings.Contains(page, `data-testid="assign-form"`) {
		t.Error("the reviewer's actions")
	}
	// A bad score is named beside its criterion, and the typed values stay.
	resp, page := v.post("/projects/"+id+"/act", url.Values{"action": {"review"}, "score.climate_benefit": {"35"}, "score.compliance": {"18"},
		"score.feasibility": {"17"}, "score.economics": {"12"}, "score.co_benefits": {"12"}, "recommendation": {"admit"}, "comment": {"很好"}})
	if resp.StatusCode != 400 || !strings.Contains(page, "must be 0 to 30") || !strings.Contains(page, `value="18"`) {
		t.Errorf("bad score: %d", resp.StatusCode)
	}
	resp, _ = v.post("/projects/"+id+"/act", url.Values{"action": {"review"}, "score.climate_benefit": {"25"}, "score.compliance": {"18"},
		"score.feasibility": {"17"}, "score.economics": {"12"}, "score.co_benefits": {"12"}, "recommendation": {"admit"}, "comment": {"很好"}})
	if resp.StatusCode != 303 {
		t.Fatalf("review: %d", resp.StatusCode)
	}
	if _, page = v.get("/projects/" + id); strings.Contains(page, `data-testid="review-form"`) {
		t.Error("the review form after reviewing")
	}

	r := f.browser()
	r.login("regulator")
	_, page = r.get("/projects/" + id)
	if !strings.Contains(page, `data-testid="decide-form"`) || strings.Contains(page, `data-testid="review-form"`) {
		t.Error("the team's actions")
	}
	// A return needs a reason, shown beside the comment.
	resp, page = r.post("/projects/"+id+"/act", url.Values{"action": {"return"}, "comment": {""}})
	if resp.StatusCode != 400 || !strings.Contains(page, "at least 4 characters") {
		t.Errorf("return without reason: %d", resp.StatusCode)
	}
	resp, page = r.post("/projects/"+id+"/act", url.Values{"action": {"admit"}})
	if resp.StatusCode != 409 || !strings.Contains(page, "has 1 of the 2 expert reviews") {
		t.Errorf("early admit: %d", resp.StatusCode)
	}
	for _, user := range []string{"enterprise", "bank", "citizen", "regulator"} {
		c := f.browser()
		c.login(user)
		if resp, page := c.get("/projects/criteria"); resp.StatusCode != 200 || !strings.Contains(page, "气候效益") || !strings.Contains(page, "绿色金融支持项目目录（2025年版）") {
			t.Errorf("%s criteria: %d", user, resp.StatusCode)
		}
		_, home := c.get("/notifications")
		if user == "enterprise" && (!strings.Contains(home, `data-testid="unread"`) || !strings.Contains(home, p.Code)) {
			t.Error("the owner's notifications")
		}
	}
	c := f.browser()
	c.login("citizen")
	for _, path := range []string{"/projects", "/projects/" + id, "/projects/reviews", "/projects/export"} {
		if resp, _ := c.get(path); resp.StatusCode != 403 {
			t.Errorf("citizen %s: %d", path, resp.StatusCode)
		}
	}
	// In English.
	r.get("/lang/en")
	_, page = r.get("/projects/" + id)
	for _, want := range []string{"Screening", "Eligible", "Expected annual reduction", "Under review", "Log out"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English project page lacks %q", want)
		}
	}
	e := f.browser()
	e.login("enterprise")
	e.get("/lang/en")
	if _, page = e.get("/projects/new"); !strings.Contains(page, "Declare a project") || !strings.Contains(page, "Annual net generation to the grid") || strings.Contains(page, "退出") {
		t.Error("the English declaration form")
	}
	e.get("/lang/zh")
	resp, _ = e.post("/notifications/read", nil)
	if _, page := e.get("/notifications"); resp.StatusCode != 303 || strings.Contains(page, `data-testid="unread"`) {
		t.Errorf("read all: %d", resp.StatusCode)
	}
}

// namesFields reports whether the problem names every one of the fields.
func namesFields(p web.Problem, want ...string) bool {
	got := map[string]bool{}
	for _, f := range p.Errors {
		got[f.Field] = true
	}
	for _, w := range want {
		if !got[w] {
			return false
		}
	}
	return true
}

func hasProject(ps []project.Project, id int64) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

// xlsxRows reads the first sheet of an .xlsx file.
func xlsxRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an .xlsx file: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func rowsHave(rows [][]string, s string) bool {
	for _, r := range rows {
		for _, c := range r {
			if c == s {
				return true
			}
		}
	}
	return false
}
