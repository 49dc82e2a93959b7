package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cifp/demo"
	"cifp/internal/browser"
	"cifp/internal/testutil"
	"cifp/org"
)

// TestBrowserRoles logs in through a real headless Chromium as a regulator
// and as an enterprise, checks what each one's navigation offers, that the
// chart and the htmx search work under the strict CSP, and keeps screenshots
// in artifacts/.
func TestBrowserRoles(t *testing.T) {
	// Secure cookies, as `make run` serves them: Chromium must accept them
	// on a loopback address over plain HTTP.
	f := newFixture(t, testutil.MustOpenDB(t), true)
	text := func(ctx context.Context, css string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
		if err != nil {
			t.Fatalf("text of %s: %v", css, err)
		}
		return s
	}
	login := func(ctx context.Context, user string) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(f.ts.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(`#username`)),
			chromedp.SendKeys(chromedp.CSS(`#username`), user),
			chromedp.SendKeys(chromedp.CSS(`#password`), demo.Password),
			chromedp.Submit(chromedp.CSS(`#password`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-title]`)),
		)
		if err != nil {
			t.Fatalf("login as %s: %v", user, err)
		}
	}

	t.Run("regulator", func(t *testing.T) {
		ctx := browser.New(t)
		login(ctx, "regulator")
		nav := text(ctx, `nav[data-testid=nav]`)
		for _, want := range []string{"首页", "组织机构", "审计日志", "接口令牌"} {
			if !strings.Contains(nav, want) {
				t.Errorf("regulator navigation %q lacks %s", nav, want)
			}
		}
		for _, not := range []string{"用户管理", "批量导入", "本机构"} {
			if strings.Contains(nav, not) {
				t.Errorf("regulator navigation %q shows %s", nav, not)
			}
		}
		// The county chart is drawn by ECharts from the stats API.
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=chart-county][data-chart-ready] svg`))); err != nil {
			t.Fatalf("chart: %v", err)
		}
		browser.Screenshot(t, ctx, "regulator-home")

		// Live search on the organisations page goes through htmx.
		err := chromedp.Do(ctx,
			chromedp.Navigate(f.ts.URL+"/orgs"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=org-total]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "银行"),
		)
		if err != nil {
			t.Fatalf("search: %v", err)
		}
		want, err := f.orgs.Count(system, org.Filter{Q: "银行"})
		if err != nil || want < 8 {
			t.Fatalf("count: %d, %v", want, err)
		}
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector('[data-testid=org-total]').textContent.trim() === '共计 %d'`, want)))
		if err != nil {
			t.Fatalf("htmx search: %v (total %q)", err, text(ctx, `[data-testid=org-total]`))
		}
		browser.Screenshot(t, ctx, "regulator-orgs-search")
	})

	t.Run("enterprise", func(t *testing.T) {
		ctx := browser.New(t)
		login(ctx, "enterprise")
		nav := text(ctx, `nav[data-testid=nav]`)
		for _, want := range []string{"首页", "本机构", "接口令牌"} {
			if !strings.Contains(nav, want) {
				t.Errorf("enterprise navigation %q lacks %s", nav, want)
			}
		}
		for _, not := range []string{"组织机构", "用户管理", "批量导入"} {
			if strings.Contains(nav, not) {
				t.Errorf("enterprise navigation %q shows %s", nav, not)
			}
		}
		if own := text(ctx, `[data-testid=own-org]`); !strings.Contains(own, "缙云县恒达阀门制造有限公司") {
			t.Errorf("enterprise home shows %q", own)
		}
		browser.Screenshot(t, ctx, "enterprise-home")

		// Switch to English.
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`.lang-switch a`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-title]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if nav := text(ctx, `nav[data-testid=nav]`); !strings.Contains(nav, "Home") || !strings.Contains(nav, "My organisation") {
			t.Errorf("English navigation %q", nav)
		}
		browser.Screenshot(t, ctx, "enterprise-home-en")
	})
}
