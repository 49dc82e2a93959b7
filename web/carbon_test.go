package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cifp"
	"cifp/carbon"
	"cifp/demo"
	"cifp/internal/browser"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

// carbonWorld adds a valve-making peer of the demo enterprise, with its 2025
// account, so that the demo enterprise's own 2025 figures get a grade.
func carbonWorld(t *testing.T, f *fixture) (own, peer org.Org) {
	t.Helper()
	own, err := f.orgs.Get(system, f.users["enterprise"].OrgID)
	if err != nil {
		t.Fatal(err)
	}
	peer, err = f.orgs.Create(system, org.Org{Kind: org.KindEnterprise, Name: "缙云县同行阀门有限公司", USCC: mustUSCC(t, "331122", "PEER0001"),
		Industry: own.Industry, Division: "331122"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.carbon.AddActivity(system, []carbon.Entry{
		{USCC: peer.USCC, Period: "2025-06", Item: "electricity", Quantity: 2000, Unit: "MWh"},
		{USCC: peer.USCC, Period: "2025", Item: "value_added", Quantity: 2000, Unit: "万元"},
	}, carbon.ImportOptions{Source: "api"}); err != nil {
		t.Fatal(err)
	}
	return own, peer
}

func TestCarbonGradesArePublicOnly(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) { testGradesArePublicOnly(t, db) })
}

func testGradesArePublicOnly(t *testing.T, db *store.DB) {
	f := newFixture(t, db, false)
	_, peer := carbonWorld(t, f)
	resp, body := f.call("bank", "GET", "/api/v1/carbon/grades?uscc="+peer.USCC, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var g map[string]any
	json.Unmarshal(body, &g)
	for k := range g {
		switch k {
		case "uscc", "name", "year", "level", "grade", "verified", "computed":
		default:
			t.Errorf("the public grade has the private field %q", k)
		}
	}
	if g["year"] != 2025.0 || g["level"] != "low" {
		t.Errorf("grade %v", g)
	}
	resp, _ = f.call("bank", "GET", "/api/v1/carbon/grades?uscc=91350203M0001QAY9B", nil)
	if resp.StatusCode != 400 {
		t.Errorf("bad USCC: %d", resp.StatusCode)
	}
	resp, _ = f.call("", "GET", "/api/v1/carbon/grades?uscc="+peer.USCC, nil)
	if resp.StatusCode != 401 {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}

func TestCarbonCodeLink(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), false)
	_, peer := carbonWorld(t, f)
	b := f.browser()
	b.login("admin")
	_, page := b.get("/carbon/orgs/" + itoa(peer.ID) + "?year=2025")
	m := regexp.MustCompile(`href="(http://[^"]+/c/[A-Za-z0-9_-]+)" data-testid="code-link"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no code link on the account page")
	}
	link := strings.TrimPrefix(m[1], "http://"+strings.TrimPrefix(f.ts.URL, "http://"))
	resp, pub := f.browser().get(link)
	if resp.StatusCode != 200 || !strings.Contains(pub, "缙云县同行阀门有限公司") || !strings.Contains(pub, "低碳") {
		t.Fatalf("public page: %d", resp.StatusCode)
	}
	for _, private := range []string{peer.USCC, "2000", "1,100", "value_added", "MWh"} {
		if strings.Contains(pub, private) {
			t.Errorf("the public page shows %q", private)
		}
	}
	// One character changed: refused, no data.
	tampered := link[:len(link)-2] + map[bool]string{true: "A", false: "B"}[link[len(link)-2] != 'A'] + link[len(link)-1:]
	resp, pub = f.browser().get(tampered)
	if resp.StatusCode != 403 || strings.Contains(pub, "缙云县同行阀门有限公司") {
		t.Errorf("tampered link: %d", resp.StatusCode)
	}
	resp, svg := b.get("/carbon/orgs/" + itoa(peer.ID) + "/code.svg?year=2025")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "<path") {
		t.Errorf("svg: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, png := b.get("/carbon/orgs/" + itoa(peer.ID) + "/code.png?year=2025")
	if resp.StatusCode != 200 || !strings.HasPrefix(png, "\x89PNG") {
		t.Errorf("png: %d", resp.StatusCode)
	}
}

func itoa(n int64) string { return jsonNum(n) }

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestBrowserCarbonFlow: an enterprise user uploads a month of data and sees
// the account and grade; a verifier accepts the report; the public page
// behind the QR code shows the grade and nothing private.
func TestBrowserCarbonFlow(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), true)
	own, _ := carbonWorld(t, f)
	csv := filepath.Join(t.TempDir(), "2025-06.csv")
	os.WriteFile(csv, []byte("uscc,period,item,quantity,unit,quality\n"+
		own.USCC+",2025-06,electricity,1500000,kWh,metered\n"+
		own.USCC+",2025-06,natural_gas,20000,m3,reported\n"+
		own.USCC+",2025,value_added,1000,万元,reported\n"), 0o644)
	login := func(ctx context.Context, user string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(f.ts.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`#username`)),
			chromedp.SendKeys(chromedp.CSS(`#username`), user),
			chromedp.SendKeys(chromedp.CSS(`#password`), demo.Password),
			chromedp.Submit(chromedp.CSS(`#password`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-title]`)),
		); err != nil {
			t.Fatalf("login as %s: %v", user, err)
		}
	}
	text := func(ctx context.Context, css string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
		if err != nil {
			t.Fatalf("%s: %v", css, err)
		}
		return s
	}

	ent := browser.New(t)
	login(ent, "enterprise")
	if err := chromedp.Do(ent,
		chromedp.Click(chromedp.CSS(`nav a[href="/carbon"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=upload-form]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{csv}),
		chromedp.Submit(chromedp.CSS(`#file`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=imported]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chart-monthly][data-chart-ready] svg`)),
	); err != nil {
		t.Fatalf("upload: %v", err)
	}
	// 1,500 MWh × 0.5500 (2025: East China 2023) + 2 × 21.6219 = 825 + 43.24 = 868.24 t;
	// L = 0.86824 → 中碳; the peer's L = 1,100 / 2,000 = 0.55; L_industry =
	// 1,968.24 / 3,000 = 0.65608; K = 1.3234 → grade 4.
	if total := text(ent, `[data-testid=kpi-total]`); total != "868.2" {
		t.Errorf("total %q, want 868.2", total)
	}
	if grade := text(ent, `[data-testid=kpi-grade]`); !strings.Contains(grade, "中碳") || !strings.Contains(grade, "4级") {
		t.Errorf("grade %q, want 中碳 4级", grade)
	}
	browser.Screenshot(t, ent, "carbon-enterprise-account")
	if err := chromedp.Do(ent,
		chromedp.SetValue(chromedp.CSS(`#verifier_org_id`), jsonNum(f.users["verifier"].OrgID)),
		chromedp.Submit(chromedp.CSS(`[data-testid=submit-form] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=report-status]`)),
	); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if st := text(ent, `[data-testid=report-status]`); st != "待核查" {
		t.Errorf("status %q", st)
	}
	codeLink, err := chromedp.Run(ent, chromedp.AttributeValue(chromedp.CSS(`[data-testid=code-link]`), "href"))
	if err != nil || !codeLink.Exists {
		t.Fatalf("code link: %v", err)
	}

	ver := browser.New(t)
	login(ver, "verifier")
	if err := chromedp.Do(ver,
		chromedp.Click(chromedp.CSS(`nav a[href="/carbon/reports"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=decision-form]`)),
	); err != nil {
		t.Fatalf("verifier queue: %v", err)
	}
	browser.Screenshot(t, ver, "carbon-verifier-queue")
	if err := chromedp.Do(ver,
		chromedp.SendKeys(chromedp.CSS(`[data-testid=decision-form] textarea`), "数据与电费单一致"),
		chromedp.Click(chromedp.CSS(`[data-testid=accept]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=decided]`)),
	); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if d := text(ver, `[data-testid=decided]`); !strings.Contains(d, "核查通过") {
		t.Errorf("decided %q", d)
	}

	pub := browser.New(t)
	if err := chromedp.Do(pub,
		chromedp.Navigate(codeLink.Value),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=public-code]`)),
	); err != nil {
		t.Fatalf("public page: %v", err)
	}
	page := text(pub, `body`)
	if !strings.Contains(page, own.Name) || !strings.Contains(page, "中碳 4级") || !strings.Contains(page, "经第三方核查") {
		t.Errorf("public page: %q", page)
	}
	for _, private := range []string{own.USCC, "868", "1,000", "kWh", "电力", own.Address} {
		if private != "" && strings.Contains(page, private) {
			t.Errorf("the public page shows %q", private)
		}
	}
	browser.Screenshot(t, pub, "carbon-public-code")
	resp, err := http.Get(codeLink.Value)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("plain GET of the code link: %v", err)
	}
	_ = cifp.RoleAdmin
}
