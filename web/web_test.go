package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cifp/demo"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

// TestBadInput checks that every kind of bad input gets a 4xx problem+json
// that names the field, row or column, and that the database is unchanged.
func TestBadInput(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		good := func() map[string]any {
			code := mustUSCC(t, "331102", "TEXTA001")
			return map[string]any{"kind": "enterprise", "name": "丽水测试水泥有限公司", "uscc": code, "industry": "3011", "division": "331102"}
		}
		with := func(k string, v any) map[string]any { m := good(); m[k] = v; return m }
		without := func(k string) map[string]any { m := good(); delete(m, k); return m }
		bigName := strings.Repeat("丽", 700_000)
		cases := []struct {
			name        string
			method      string
			path        string
			body        any
			contentType string
			status      int
			field       string // a field the problem must name ("" for none)
			detail      string // text the detail must contain
		}{
			{"malformed JSON", "POST", "/api/v1/orgs", `{"name": "x",`, "", 400, "", "malformed JSON"},
			{"not an object", "POST", "/api/v1/orgs", `[1,2]`, "", 400, "", ""},
			{"two objects", "POST", "/api/v1/orgs", `{"name":"a"} {"name":"b"}`, "", 400, "", "exactly one"},
			{"empty body", "POST", "/api/v1/orgs", ``, "", 400, "", "empty"},
			{"unknown field", "POST", "/api/v1/orgs", with("colour", "green"), "", 400, "colour", "unknown field"},
			{"wrong type", "POST", "/api/v1/orgs", with("name", 42), "", 400, "name", ""},
			{"invalid USCC", "POST", "/api/v1/orgs", with("uscc", "91350203M0001QAY9B"), "", 400, "uscc", ""},
			{"missing name", "POST", "/api/v1/orgs", without("name"), "", 400, "name", ""},
			{"missing division", "POST", "/api/v1/orgs", without("division"), "", 400, "division", ""},
			{"unknown industry", "POST", "/api/v1/orgs", with("industry", "3999"), "", 400, "industry", ""},
			{"oversized body", "POST", "/api/v1/orgs", with("name", bigName), "", 413, "", ""},
			{"wrong media type", "POST", "/api/v1/orgs", "name=x", "application/x-www-form-urlencoded", 415, "", ""},
			{"bad id", "GET", "/api/v1/orgs/abc", nil, "", 400, "id", ""},
			{"bad patch field", "PATCH", "/api/v1/orgs/1", map[string]any{"uscc": 5}, "", 400, "uscc", ""},
			{"bad cursor", "GET", "/api/v1/orgs?cursor=-1", nil, "", 400, "cursor", ""},
			{"bad kind filter", "GET", "/api/v1/orgs?kind=pirate", nil, "", 400, "kind", ""},
			{"short password", "POST", "/api/v1/users", map[string]any{"org_id": 1, "username": "newuser", "role": "admin", "password": "short"}, "", 400, "password", ""},
			{"token without name", "POST", "/api/v1/tokens", map[string]any{"name": ""}, "", 400, "name", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := f.counts()
				var body []byte
				switch b := c.body.(type) {
				case string:
					body = []byte(b)
				case nil:
				default:
					body, _ = json.Marshal(b)
				}
				req, _ := http.NewRequest(c.method, f.ts.URL+c.path, bytes.NewReader(body))
				ct := c.contentType
				if ct == "" {
					ct = "application/json"
				}
				req.Header.Set("Content-Type", ct)
				req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
				resp, rb := f.send(req)
				if resp.StatusCode != c.status {
					t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, c.status, rb)
				}
				p := problemOf(t, resp, rb)
				if p.Status != c.status || p.Detail == "" || p.Code == "" {
					t.Errorf("problem %+v", p)
				}
				if c.field != "" {
					found := false
					for _, fe := range p.Errors {
						found = found || fe.Field == c.field
					}
					if !found {
						t.Errorf("the problem does not name field %q: %s", c.field, rb)
					}
				}
				if !strings.Contains(p.Detail, c.detail) {
					t.Errorf("detail %q does not say %q", p.Detail, c.detail)
				}
				if after := f.counts(); after != before {
					t.Errorf("the database changed: %v → %v", before, after)
				}
			})
		}

		t.Run("XLSX", func(t *testing.T) {
			ok1 := mustUSCC(t, "331125", "TXYW0001")
			ok2 := mustUSCC(t, "331181", "CELA0001")
			for _, c := range []struct {
				name   string
				rows   [][]any
				status int
				want   []string // "row/column" pairs the problem must name
			}{
				{"wrong columns", [][]any{{"名称", "颜色", "行政区划代码"}, {"x", "绿", "331102"}}, 400, []string{"1/B", "1/"}},
				{"bad rows", [][]any{
					{"统一社会信用代码", "名称", "类型", "行业代码", "行政区划代码"},
					{ok1, "云和县木趣玩具有限公司", "企业", "2459", "331125"},
					{"91350203M0001QAY9B", "坏代码公司", "企业", "2459", "331125"},
					{ok2, "", "企业", "9999", "331181"},
					{ok1, "重复公司", "外星人", "2459", "999999"},
				}, 400, []string{"3/A", "4/B", "4/D", "5/A", "5/C", "5/E"}},
			} {
				t.Run(c.name, func(t *testing.T) {
					before := f.counts()
					x := excelize.NewFile()
					for i, row := range c.rows {
						cell, _ := excelize.CoordinatesToCellName(1, i+1)
						x.SetSheetRow("Sheet1", cell, &row)
					}
					var buf bytes.Buffer
					x.Write(&buf)
					req, _ := http.NewRequest("POST", f.ts.URL+"/api/v1/orgs/import", &buf)
					req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
					req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
					resp, rb := f.send(req)
					if resp.StatusCode != c.status {
						t.Fatalf("status %d: %s", resp.StatusCode, rb)
					}
					p := problemOf(t, resp, rb)
					got := map[string]bool{}
					for _, fe := range p.Errors {
						got[fmt.Sprintf("%d/%s", fe.Row, fe.Column)] = true
					}
					for _, w := range c.want {
						if !got[w] {
							t.Errorf("the problem does not name row/column %s: %s", w, rb)
						}
					}
					if after := f.counts(); after != before {
						t.Errorf("the database changed: %v → %v", before, after)
					}
				})
			}
		})

		t.Run("ImportPageShowsEveryBadCell", func(t *testing.T) {
			b := f.browser()
			b.login("admin")
			before := f.counts()
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("csrf_token", b.csrf())
			fw, _ := mw.CreateFormFile("file", "orgs.csv")
			fw.Write([]byte("uscc,name,kind,industry,division\n91350203M0001QAY9B,坏代码公司,企业,2459,331125\n"))
			mw.Close()
			req, _ := http.NewRequest("POST", f.ts.URL+"/orgs/import", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var page bytes.Buffer
			page.ReadFrom(resp.Body)
			if resp.StatusCode != 400 || !strings.Contains(page.String(), "should be &#39;9&#39;") {
				t.Fatalf("status %d: %s", resp.StatusCode, page.String())
			}
			if after := f.counts(); after != before {
				t.Errorf("the database changed: %v → %v", before, after)
			}
		})
	})
}

func TestCSRF(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	b := f.browser()
	b.login("admin")
	before := f.counts()
	for name, form := range map[string]url.Values{
		"no token":    {"csrf_token": {""}, "name": {"x"}},
		"wrong token": {"csrf_token": {strings.Repeat("0", 32)}, "name": {"x"}},
	} {
		resp, _ := b.post("/tokens", form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, resp.StatusCode)
		}
	}
	// A cross-site request is refused by the browser-header check as well.
	req, _ := http.NewRequest("POST", f.ts.URL+"/tokens", strings.NewReader("name=x&csrf_token="+b.csrf()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site: status %d, want 403", resp.StatusCode)
	}
	if after := f.counts(); after != before {
		t.Errorf("the database changed: %v → %v", before, after)
	}
	resp, body := b.post("/tokens", url.Values{"name": {"ERP"}, "days": {"30"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "cifp_") {
		t.Errorf("with the token: %d", resp.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	b := f.browser()
	b.get("/login")
	for i := 0; i < 5; i++ {
		resp, body := b.post("/login", url.Values{"username": {"bank"}, "password": {"wrong-password"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := b.post("/login", url.Values{"username": {"bank"}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "登录失败次数过多") {
		t.Fatalf("after 5 failures: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Another user from elsewhere is not locked out by it.
	b2 := f.browser()
	b2.login("regulator")
}

func TestSessionCookie(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), true)
	b := f.browser()
	b.get("/login")
	resp, _ := b.post("/login", url.Values{"username": {"admin"}, "password": {demo.Password}, "next": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name == "cifp_session" {
			found = true
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %+v is not HttpOnly, Secure and SameSite=Lax", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
}

// TestPagesPerRole logs in as every demo role, in both languages, and checks
// the navigation and that every page it offers renders without raw keys.
func TestPagesPerRole(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	navRE := regexp.MustCompile(`(?s)<nav data-testid="nav">(.*?)</nav>`)
	hrefRE := regexp.MustCompile(`href="(/[^"]*)"`)
	want := map[string][]string{
		"admin": {"/", "/cockpit", "/orgs", "/carbon", "/carbon/emitters", "/carbon/reports", "/projects", "/projects/ranking", "/projects/criteria",
			"/finance/needs", "/finance/products", "/finance/loans", "/finance/statistics", "/finance/credit", "/finance/warnings", "/finance/loop",
			"/gep", "/finance/settings", "/orgs/import", "/users", "/audit", "/tokens", "/password"},
		"regulator": {"/", "/cockpit", "/orgs", "/carbon", "/carbon/emitters", "/carbon/reports", "/projects", "/projects/reviews", "/projects/ranking",
			"/projects/criteria", "/finance/needs", "/finance/products", "/finance/loans", "/finance/statistics", "/finance/credit", "/finance/warnings",
			"/finance/loop", "/gep", "/audit", "/tokens", "/password"},
		"bank": {"/", "/cockpit", "/orgs/mine", "/projects", "/projects/reviews", "/projects/criteria", "/finance/needs", "/finance/products", "/finance/loans",
			"/finance/submissions", "/finance/statistics", "/finance/credit", "/finance/warnings", "/finance/loop", "/gep", "/audit", "/tokens", "/password"},
		"enterprise": {"/", "/cockpit", "/orgs/mine", "/carbon", "/projects", "/projects/criteria", "/finance/needs", "/finance/products", "/finance/loans",
			"/finance/credit", "/finance/loop", "/gep", "/audit", "/tokens", "/password"},
		"verifier": {"/", "/orgs/mine", "/carbon/reports", "/projects/reviews", "/projects/criteria", "/gep", "/audit", "/tokens", "/password"},
		"citizen":  {"/", "/projects/criteria", "/password"},
	}
	codeRE := regexp.MustCompile(`(?s)<code>.*?</code>`)
	rawKey := regexp.MustCompile(`>\s*(nav|home|org|orgs|login|tokens|audit|kind|role|form|import|user|users|password|carbon|level|quality|report|project|pact|pstatus|outcome|scenario|notifications|fin|fkind|nstatus|cstatus|rule|climate|fdone)\.[a-z_.]+\s*<`)
	for user, links := range want {
		for _, lang := range []string{"zh", "en"} {
			b := f.browser()
			b.login(user)
			b.get("/lang/" + lang)
			_, home := b.get("/")
			m := navRE.FindStringSubmatch(home)
			if m == nil {
				t.Fatalf("%s: no navigation", user)
			}
			var got []string
			for _, h := range hrefRE.FindAllStringSubmatch(m[1], -1) {
				got = append(got, h[1])
			}
			if strings.Join(got, " ") != strings.Join(links, " ") {
				t.Errorf("%s navigation: %v, want %v", user, got, links)
			}
			for _, l := range links {
				resp, body := b.get(l)
				if resp.StatusCode == http.StatusSeeOther {
					resp, body = b.get(resp.Header.Get("Location"))
				}
				if resp.StatusCode != 200 {
					t.Errorf("%s %s %s: status %d", user, lang, l, resp.StatusCode)
				}
				if k := rawKey.FindString(codeRE.ReplaceAllString(body, "")); k != "" {
					t.Errorf("%s %s %s: untranslated key %s", user, lang, l, k)
				}
				if lang == "en" && strings.Contains(body, "退出") {
					t.Errorf("%s %s: Chinese in the English page", user, l)
				}
			}
		}
	}
}

func TestOpenAPIListsEveryEndpoint(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	resp, body := f.call("", "GET", "/api/v1/openapi.json", nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	n := 0
	for _, rt := range f.srv.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/") && rt.Path != "/healthz" && rt.Path != "/metrics" {
			continue
		}
		n++
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", rt.Method, rt.Path)
			continue
		}
		if op["summary"] == "" || op["responses"] == nil {
			t.Errorf("%s %s: no summary or responses", rt.Method, rt.Path)
		}
	}
	if n < 15 {
		t.Errorf("only %d API routes", n)
	}
}

func TestOperations(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	resp, body := f.call("", "GET", "/healthz", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"ok"`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID")
	}
	f.call("admin", "GET", "/api/v1/orgs", nil)
	resp, body = f.call("", "GET", "/metrics", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `cifp_http_requests_total{method="GET",route="GET /api/v1/orgs",status="200"} 1`) {
		t.Errorf("metrics: %d\n%s", resp.StatusCode, body)
	}
	resp, body = f.call("", "GET", "/api/v1/orgs", nil)
	if resp.StatusCode != 401 || problemOf(t, resp, body).Code != "unauthorized" {
		t.Errorf("anonymous API: %d %s", resp.StatusCode, body)
	}
	resp, _ = f.call("", "GET", "/api/v1/nothing", nil)
	if resp.StatusCode != 404 {
		t.Errorf("unknown API path: %d", resp.StatusCode)
	}
	resp, _ = f.call("", "GET", "/", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	req, _ := http.NewRequest("GET", f.ts.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer cifp_wrong")
	resp, body = f.send(req)
	if resp.StatusCode != 401 {
		t.Errorf("wrong token: %d %s", resp.StatusCode, body)
	}
}

// TestOrgFlow walks an administrator through creating, editing, exporting and
// re-importing organisations through the API.
func TestOrgFlow(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	code := mustUSCC(t, "331123", "FLAW0001")
	resp, body := f.call("admin", "POST", "/api/v1/orgs", map[string]any{"kind": "enterprise", "name": "遂昌县金竹纸业有限公司",
		"uscc": strings.ToLower(code), "industry": "2221", "division": "331123"})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var o org.Org
	json.Unmarshal(body, &o)
	if o.USCC != code || resp.Header.Get("Location") != fmt.Sprintf("/api/v1/orgs/%d", o.ID) {
		t.Fatalf("created %+v at %q", o, resp.Header.Get("Location"))
	}
	resp, body = f.call("admin", "POST", "/api/v1/orgs", map[string]any{"kind": "enterprise", "name": "又一家", "uscc": code, "industry": "2221", "division": "331123"})
	if resp.StatusCode != 409 {
		t.Errorf("duplicate: %d %s", resp.StatusCode, body)
	}
	resp, body = f.call("admin", "PATCH", fmt.Sprintf("/api/v1/orgs/%d", o.ID), map[string]any{"phone": "0578-8123456", "version": 1})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"version":2`) {
		t.Errorf("patch: %d %s", resp.StatusCode, body)
	}
	resp, body = f.call("regulator", "GET", "/api/v1/orgs/export?format=xlsx&division=331123", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := org.ParseFile(bytes.NewReader(body), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		found = found || (r.Org.USCC == code && r.Org.Phone == "0578-8123456")
		if r.Org.Division != "331123" {
			t.Errorf("export filter leaked division %s", r.Org.Division)
		}
	}
	if !found {
		t.Error("the export lacks the new organisation")
	}
	req, _ := http.NewRequest("POST", f.ts.URL+"/api/v1/orgs/import", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
	resp, rb := f.send(req)
	if resp.StatusCode != 200 || !strings.Contains(string(rb), fmt.Sprintf(`"unchanged":%d`, len(rows))) {
		t.Errorf("re-import: %d %s", resp.StatusCode, rb)
	}
	resp, body = f.call("admin", "GET", "/api/v1/audit?entity=org&entity_id="+fmt.Sprint(o.ID), nil)
	if !strings.Contains(string(body), "org.update") || !strings.Contains(string(body), "org.create") {
		t.Errorf("audit: %s", body)
	}
	resp, body = f.call("admin", "GET", "/api/v1/audit/verify", nil)
	if !strings.Contains(string(body), `"ok":true`) {
		t.Errorf("verify: %s", body)
	}
}

// TestPageForms drives the create and edit forms as a person would.
func TestPageForms(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	admin := f.browser()
	admin.login("admin")
	code := mustUSCC(t, "331124", "TYANG001")
	form := url.Values{"kind": {"enterprise"}, "name": {"松阳县茶香茶业有限公司"}, "uscc": {code[:17] + "0"},
		"industry": {"1530"}, "division": {"331124"}}
	before := f.counts()
	resp, body := admin.post("/orgs", form)
	if resp.StatusCode != 400 || !strings.Contains(body, `data-testid="uscc-error"`) || !strings.Contains(body, "松阳县茶香茶业有限公司") {
		t.Fatalf("bad USCC: %d", resp.StatusCode)
	}
	if f.counts() != before {
		t.Fatal("a refused form wrote rows")
	}
	form.Set("uscc", code)
	resp, _ = admin.post("/orgs", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasSuffix(loc, "?saved=1") {
		t.Fatalf("create: %d %q", resp.StatusCode, loc)
	}
	_, body = admin.get(loc)
	if !strings.Contains(body, "松阳县茶香茶业有限公司") || !strings.Contains(body, "精制茶加工") {
		t.Error("the new organisation's page lacks its name or industry")
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/orgs/"), "?saved=1")

	// The admin adds a user to it from the organisation's page.
	_, body = admin.get("/users?org_id=" + id)
	if !strings.Contains(body, `value="`+id+`"`) || !strings.Contains(body, `<option value="enterprise" selected>`) {
		t.Error("the user form is not pre-filled for the organisation")
	}
	resp, body = admin.post("/users", url.Values{"org_id": {id}, "username": {"tea.manager"}, "display_name": {"茶企能源主管"},
		"role": {"enterprise"}, "password": {"songyang-tea-1"}, "lang": {"zh"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "已创建用户") {
		t.Fatalf("create user: %d", resp.StatusCode)
	}

	// That user edits the organisation's address but may not rename it.
	tea := f.browser()
	tea.get("/login")
	resp, _ = tea.post("/login", url.Values{"username": {"tea.manager"}, "password": {"songyang-tea-1"}})
	if resp.StatusCode != 303 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, body = tea.get("/orgs/" + id + "/edit")
	if strings.Contains(body, `name="uscc"`) {
		t.Error("a member may edit the USCC")
	}
	resp, _ = tea.post("/orgs/"+id, url.Values{"industry": {"1530"}, "division": {"331124"}, "address": {"松阳县新兴镇茶园路9号"},
		"name": {"改名公司"}, "version": {"1"}})
	if resp.StatusCode != 303 {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	o, _ := f.orgs.Get(system, mustID(t, id))
	if o.Address != "松阳县新兴镇茶园路9号" || o.Name != "松阳县茶香茶业有限公司" {
		t.Errorf("after edit: %+v", o)
	}
	// A stale form (version 1 again) is refused, not silently applied.
	resp, body = tea.post("/orgs/"+id, url.Values{"industry": {"1530"}, "division": {"331124"}, "address": {"旧地址"}, "version": {"1"}})
	if resp.StatusCode != 409 || !strings.Contains(body, "changed by someone else") {
		t.Errorf("stale edit: %d", resp.StatusCode)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(s, &id); err != nil {
		t.Fatal(err)
	}
	return id
}
