package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cifp/demo"
	"cifp/internal/browser"
	"cifp/internal/testutil"
)

// TestBrowserProjectLibrary walks a climate project through the library in a
// real headless Chromium, as four people would: the enterprise's energy
// manager declares a rooftop solar project with its technical data, uploads
// the feasibility study and the approval, and submits it; the regulator
// screens it and assigns a bank and a verifier as experts; both score it and
// recommend admission; the regulator admits it, and the library shows it as
// 已入库 to the regulator and to the bank. Screenshots go to artifacts/.
func TestBrowserProjectLibrary(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), true)
	dir := t.TempDir()
	docs := map[string]string{}
	for _, kind := range []string{"feasibility", "approval"} {
		p := filepath.Join(dir, kind+".pdf")
		if err := os.WriteFile(p, pdf(kind), 0o644); err != nil {
			t.Fatal(err)
		}
		docs[kind] = p
	}

	run := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		step, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(step, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			main, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
			t.Fatalf("%s: %v (at %s)\n%.1500s", what, err, loc, main)
		}
	}
	// read returns a value from the page.
	read := func(ctx context.Context, what string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	// waitText waits until the element's text contains want.
	waitText := func(ctx context.Context, css, want string) {
		t.Helper()
		js := fmt.Sprintf(`(function(){var e=document.querySelector(%q); return !!e && e.textContent.indexOf(%q) >= 0;})()`, css, want)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil {
			got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
			t.Fatalf("waiting for %q in %s: %v\n%.2000s", want, css, err, got)
		}
	}
	// choose sets a select as a person would, so that its change handler runs.
	choose := func(css, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var e=document.querySelector(%q); e.value=%q; e.dispatchEvent(new Event('change',{bubbles:true}));})()`, css, value))
	}
	// confirmYes answers "yes" to the page's confirm() questions.
	confirmYes := chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`)
	// clearFlash removes the last outcome message, so that waiting for the
	// next one waits for the page the form leads to.
	clearFlash := chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-testid=done],[data-testid=action-error]').forEach(function (e) { e.remove(); })`)
	login := func(user string) context.Context {
		t.Helper()
		ctx := browser.New(t)
		run(ctx, "login as "+user,
			chromedp.Navigate(f.ts.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`#username`)),
			chromedp.SendKeys(chromedp.CSS(`#username`), user),
			chromedp.SendKeys(chromedp.CSS(`#password`), demo.Password),
			chromedp.Submit(chromedp.CSS(`#password`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-title]`)),
		)
		return ctx
	}

	// The energy manager declares the project.
	ent := login("enterprise")
	run(ent, "open the form",
		chromedp.Click(chromedp.CSS(`nav[data-testid=nav] a[href="/projects"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=new-project]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=new-project]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=project-form]`)),
	)
	name := "缙云县壶镇工业园区屋顶分布式光伏项目"
	run(ent, "fill in the form",
		chromedp.SendKeys(chromedp.CSS(`#name`), name),
		choose(`#category`, "solar_pv"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="tech.grid_renewable.generation_mwh"]`)),
		chromedp.WaitNotVisible(chromedp.CSS(`select[name="tech.forest.species"]`)),
		chromedp.SendKeys(chromedp.CSS(`#description`), "利用园区 12 栋厂房屋顶建设 2 MW 分布式光伏电站，自发自用、余电上网。"),
		chromedp.SendKeys(chromedp.CSS(`#contact`), "张工 0578-3123456"),
		choose(`#county`, "331122"),
		chromedp.SendKeys(chromedp.CSS(`#location`), "缙云县壶镇镇工业园区"),
		chromedp.SendKeys(chromedp.CSS(`#lat`), "28.65"),
		chromedp.SendKeys(chromedp.CSS(`#lng`), "120.07"),
		chromedp.SendKeys(chromedp.CSS(`#investment`), "1200"),
		chromedp.SendKeys(chromedp.CSS(`#financing_need`), "800"),
		chromedp.SendKeys(chromedp.CSS(`#revenue`), "160"),
		chromedp.SendKeys(chromedp.CSS(`#opex`), "20"),
		chromedp.SetValue(chromedp.CSS(`#start_date`), "2026-03-01"),
		chromedp.SetValue(chromedp.CSS(`#end_date`), "2026-09-30"),
		chromedp.SendKeys(chromedp.CSS(`#lifetime`), "5"), // 20 was pre-filled: 205 years is refused below
		chromedp.SendKeys(chromedp.CSS(`input[name="tech.grid_renewable.generation_mwh"]`), "2200"),
		choose(`select[name="tech.grid_renewable.grid_kind"]`, ""),
		chromedp.SendKeys(chromedp.CSS(`#co_benefits`), "每年减少燃煤发电约 700 吨标准煤的大气污染物排放"),
		chromedp.SendKeys(chromedp.CSS(`#co_benefit_value`), "12"),
	)
	if sector := read(ent, "sector", chromedp.Value(chromedp.CSS(`#sector`))); sector != "energy" {
		t.Errorf("the category did not fill the sector: %q", sector)
	}
	browser.Screenshot(t, ent, "project-form")
	run(ent, "save a lifetime of 205 years",
		chromedp.Click(chromedp.CSS(`[data-testid=save-project]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=error-lifetime]`)),
	)
	waitText(ent, `[data-testid=error-lifetime]`, "1 to 100")
	run(ent, "save the draft",
		chromedp.SetValue(chromedp.CSS(`#lifetime`), "25"),
		chromedp.Click(chromedp.CSS(`[data-testid=save-project]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)),
	)
	loc := read(ent, "location", chromedp.Location())
	m := regexp.MustCompile(`/projects/(\d+)\?done=saved`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after saving: %s", loc)
	}
	page := f.ts.URL + "/projects/" + m[1]
	waitText(ent, `[data-testid=project-status]`, "草稿")
	waitText(ent, `[data-testid=project-technical]`, "2200")
	for _, kind := range []string{"feasibility", "approval"} {
		run(ent, "upload the "+kind,
			choose(`#kind`, kind),
			chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{docs[kind]}),
			clearFlash,
			chromedp.Click(chromedp.CSS(`[data-testid=upload]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)),
		)
		waitText(ent, `[data-testid=files]`, kind+".pdf")
	}
	run(ent, "submit", confirmYes, clearFlash, chromedp.Click(chromedp.CSS(`[data-testid=act-submit]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)))
	waitText(ent, `[data-testid=project-status]`, "已申报")
	browser.Screenshot(t, ent, "project-submitted")

	// The regulator screens it and assigns two experts.
	reg := login("regulator")
	run(reg, "screen", chromedp.Navigate(page), confirmYes, chromedp.Click(chromedp.CSS(`[data-testid=act-screen]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=screening-outcome]`)))
	waitText(reg, `[data-testid=screening-outcome]`, "符合入库条件")
	waitText(reg, `[data-testid=project-status]`, "已初筛")
	estimate := read(reg, "estimate", chromedp.Text(chromedp.CSS(`[data-testid=estimate-total]`)))
	if estimate == "" || estimate == "0.0" {
		t.Errorf("estimate %q", estimate)
	}
	waitText(reg, `[data-testid=estimate-lines]`, "上网电量替代电网电力")
	browser.Screenshot(t, reg, "project-screened")
	run(reg, "assign",
		chromedp.Click(chromedp.CSS(`input[name=reviewers][data-username=bank]`)),
		chromedp.Click(chromedp.CSS(`input[name=reviewers][data-username=verifier]`)),
		clearFlash,
		chromedp.Click(chromedp.CSS(`[data-testid=act-assign]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)),
	)
	waitText(reg, `[data-testid=project-status]`, "专家评审中")

	// The bank's and the verifier's experts review it.
	for _, who := range []struct{ user, comment string }{
		{"bank", "项目收益稳定，建议入库并对接绿色信贷。"},
		{"verifier", "减排量测算方法与因子来源清楚，同意入库。"},
	} {
		ctx := login(who.user)
		run(ctx, who.user+" reviews",
			chromedp.Click(chromedp.CSS(`nav[data-testid=nav] a[href="/projects/reviews"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=pending-reviews]`)),
		)
		waitText(ctx, `[data-testid=pending-reviews]`, name)
		// A JavaScript click: the name wraps onto two lines, and a mouse
		// click at the centre of its box falls between them.
		run(ctx, who.user+" opens the project",
			chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=pending-reviews] td a').click()`),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=review-form]`)),
		)
		for code, v := range map[string]string{"climate_benefit": "26", "compliance": "18", "feasibility": "17", "economics": "12", "co_benefits": "12"} {
			run(ctx, "score "+code, chromedp.SendKeys(chromedp.CSS(`[data-testid=score-`+code+`]`), v))
		}
		run(ctx, who.user+" submits the review",
			choose(`#recommendation`, "admit"),
			chromedp.SendKeys(chromedp.CSS(`#review-comment`), who.comment),
			clearFlash,
			chromedp.Click(chromedp.CSS(`[data-testid=submit-review]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)),
		)
		waitText(ctx, `[data-testid=reviews]`, who.comment)
		browser.Screenshot(t, ctx, "project-reviewed-by-"+who.user)
	}

	// The regulator admits it; the library shows it to the regulator and the bank.
	run(reg, "admit", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`[data-testid=decide-form]`)),
		chromedp.SendKeys(chromedp.CSS(`#decide-comment`), "两位专家均建议入库，平均分 85。"),
		clearFlash,
		chromedp.Click(chromedp.CSS(`[data-testid=act-admit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)),
	)
	waitText(reg, `[data-testid=project-status]`, "已入库")
	waitText(reg, `[data-testid=history]`, "两位专家均建议入库")
	run(reg, "the value under the high price", chromedp.Click(chromedp.CSS(`[data-testid=scenario-high]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=value-total]`)))
	browser.Screenshot(t, reg, "project-admitted")
	for user, ctx := range map[string]context.Context{"regulator": reg, "bank": login("bank")} {
		run(ctx, user+" library", chromedp.Navigate(f.ts.URL+"/projects"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=project-table]`)))
		row := read(ctx, user+" row", chromedp.Text(chromedp.CSS(`[data-testid=project-table] tr[data-code^="LS"]`)))
		if !strings.Contains(row, name) || !strings.Contains(row, "已入库") {
			t.Errorf("%s's library shows %q", user, row)
		}
		browser.Screenshot(t, ctx, "project-library-"+user)
	}
	run(reg, "county view", chromedp.Navigate(f.ts.URL+"/projects?view=county"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chart-project-county][data-chart-ready] svg`)))
	waitText(reg, `[data-testid=county-table]`, "缙云县")
	browser.Screenshot(t, reg, "project-counties")

	// The owner was told: the header counts the unread notifications.
	run(ent, "notifications", chromedp.Navigate(f.ts.URL+"/notifications"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=unread]`)))
	waitText(ent, `[data-testid=notification-list]`, "已入库")
	browser.Screenshot(t, ent, "project-notifications")
}
