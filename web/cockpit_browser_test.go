package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"cifp/demo"
	"cifp/internal/browser"
	"cifp/internal/testutil"
)

// newCockpitDemoFixture is a server on demo data with what the cockpit shows:
// two years of carbon accounts, a project library and the banks' loan
// books across the nine counties.
func newCockpitDemoFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, testutil.MustOpenDB(t), true, demo.Options{Seed: 1, Enterprises: 60, ActivityYears: []int{2024, 2025},
		Projects: 24, Finance: true})
}

// allReady is true once every panel of the page has drawn, each for a
// query containing want.
func allReady(want string) string {
	return fmt.Sprintf(`(function(){var ps=Array.from(document.querySelectorAll('[data-panel][data-api]'));
		return ps.length>0 && ps.every(function(s){return s.hasAttribute('data-ready') && (s.getAttribute('data-query')||'').indexOf(%q)>=0;});})()`, want)
}

// js evaluates an expression in the page.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// same reports whether two amounts agree to the cent.
func same(a, b float64) bool { return a-b < 0.005 && b-a < 0.005 }

// TestBrowserCockpit opens the cockpit in a real headless Chromium as a
// regulator, checks that every panel drew the API's figures, clicks a
// county on the map and sees every panel filtered by it, keeps screenshots
// of the normal and the big-screen modes, and checks that a bank sees its
// own loans only and an enterprise its own view.
func TestBrowserCockpit(t *testing.T) {
	f := newCockpitDemoFixture(t)

	type credit struct {
		Filter struct {
			Month string `json:"month"`
		} `json:"filter"`
		Total struct {
			GreenBalance   float64  `json:"green_balance"`
			ClimateBalance float64  `json:"climate_balance"`
			Share          *float64 `json:"share"`
		} `json:"total"`
		Meta map[string]struct {
			Definition   string `json:"definition"`
			DefinitionEN string `json:"definition_en"`
		} `json:"meta"`
	}
	type breakdown struct {
		Rows []struct {
			Key          string  `json:"key"`
			GreenBalance float64 `json:"green_balance"`
		} `json:"rows"`
	}
	type mapPanel struct {
		Areas []struct {
			County string   `json:"county"`
			Value  *float64 `json:"value"`
		} `json:"areas"`
	}
	type pipeline struct {
		Stages []struct {
			Projects int `json:"projects"`
		} `json:"stages"`
		Meta struct {
			Definition   string `json:"definition"`
			DefinitionEN string `json:"definition_en"`
		} `json:"meta"`
	}
	// checkKPIs compares the KPI cards with the credit panel of the API.
	checkKPIs := func(t *testing.T, ctx context.Context, user, query string) credit {
		t.Helper()
		var c credit
		getJSON(t, f, user, "/api/v1/cockpit/credit?"+query, &c)
		for code, want := range map[string]float64{"green_loan_balance": c.Total.GreenBalance, "climate_financing_balance": c.Total.ClimateBalance} {
			raw := js[string](t, ctx, fmt.Sprintf(`document.querySelector('[data-kpi=%s]').getAttribute('data-value')`, code))
			got, err := strconv.ParseFloat(raw, 64)
			if err != nil || !same(got, want) {
				t.Errorf("%s (%s): card %q, API %.2f", code, query, raw, want)
			}
			text := js[string](t, ctx, fmt.Sprintf(`document.querySelector('[data-kpi=%s] [data-v]').textContent`, code))
			if strings.ReplaceAll(text, ",", "") != strconv.FormatFloat(want, 'f', 2, 64) {
				t.Errorf("%s (%s): card shows %q, API %.2f", code, query, text, want)
			}
		}
		return c
	}
	// checkBreakdown compares a breakdown chart's bars with the API's rows.
	checkBreakdown := func(t *testing.T, ctx context.Context, user, by, query string) breakdown {
		t.Helper()
		var b breakdown
		getJSON(t, f, user, "/api/v1/cockpit/breakdown?by="+by+"&"+query, &b)
		want := map[string]float64{}
		for _, r := range b.Rows {
			if r.GreenBalance != 0 || r.Key != "" {
				want[r.Key] = r.GreenBalance
			}
		}
		raw := js[string](t, ctx, fmt.Sprintf(`JSON.stringify(cockpit.chart(%q).getOption().series[0].data.map(function(d){return [d.key, d.value];}))`, by))
		var bars [][2]any
		if err := json.Unmarshal([]byte(raw), &bars); err != nil {
			t.Fatal(err)
		}
		if len(bars) != len(want) {
			t.Errorf("breakdown by %s (%s): %d bars, API %d rows", by, query, len(bars), len(want))
		}
		for _, bar := range bars {
			k, _ := bar[0].(string)
			v, _ := bar[1].(float64)
			if w, ok := want[k]; !ok || !same(v, w) {
				t.Errorf("breakdown by %s (%s): bar %q = %.2f, API %.2f (%v)", by, query, k, v, w, ok)
			}
		}
		return b
	}

	t.Run("regulator", func(t *testing.T) {
		w := &walker{t: t, f: f}
		ctx := w.login("regulator")
		w.run(ctx, "open the cockpit from the menu",
			chromedp.Click(chromedp.CSS(`nav[data-testid=nav] a[href="/cockpit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=cockpit]`)),
			poll(allReady("")),
		)
		if n := js[int](t, ctx, `document.querySelectorAll('[data-panel][data-error]').length`); n != 0 {
			t.Fatalf("%d panels failed: %s", n, js[string](t, ctx, `document.querySelector('[data-error]').textContent`))
		}
		c := checkKPIs(t, ctx, "regulator", "")
		if c.Total.GreenBalance <= 0 {
			t.Fatalf("the fixture has no green loans: %+v", c.Total)
		}
		// Every chart is drawn as SVG.
		for _, p := range []string{"trend", "map", "class", "institution", "sector", "climate_type", "carbon", "pipeline", "matching", "warnings", "loop"} {
			if n := js[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('[data-panel=%s] [data-chart] svg').length`, p)); n == 0 {
				t.Errorf("panel %s has no chart", p)
			}
		}
		// The targets (regulators only).
		if n := js[int](t, ctx, `document.querySelectorAll('[data-target-list] li').length`); n < 5 {
			t.Errorf("%d targets shown", n)
		}
		// A target's hover words its notes in the page's language.
		if h := js[string](t, ctx, `document.querySelector('[data-target=renewable_capacity_share]').title`); !strings.Contains(h, "未提供实际值") || strings.Contains(h, "no actual given") {
			t.Errorf("the renewable share's hover: %q", h)
		}
		// Hover meta: the definition, scope, data date and quality.
		title := js[string](t, ctx, `document.querySelector('[data-kpi=green_loan_balance]').title`)
		if !strings.Contains(title, c.Meta["green_loan_balance"].Definition) || !strings.Contains(title, "数据日期："+c.Filter.Month) || !strings.Contains(title, "数据质量") {
			t.Errorf("green balance's hover: %q", title)
		}
		var pl pipeline
		getJSON(t, f, "regulator", "/api/v1/cockpit/pipeline", &pl)
		if h := js[string](t, ctx, `document.querySelector('[data-panel=pipeline] [data-meta]').title`); !strings.Contains(h, pl.Meta.Definition) {
			t.Errorf("pipeline's hover: %q", h)
		}
		funnel := js[string](t, ctx, `JSON.stringify(cockpit.chart('pipeline').getOption().series[0].data.map(function(d){return d.value;}))`)
		var wantFunnel []int
		for _, s := range pl.Stages {
			wantFunnel = append(wantFunnel, s.Projects)
		}
		if wf, _ := json.Marshal(wantFunnel); funnel != string(wf) {
			t.Errorf("funnel %s, API %s", funnel, wf)
		}
		checkBreakdown(t, ctx, "regulator", "class", "")
		inst := checkBreakdown(t, ctx, "regulator", "institution", "")
		if len(inst.Rows) < 2 {
			t.Errorf("the city's breakdown by institution has %d rows", len(inst.Rows))
		}
		var m mapPanel
		getJSON(t, f, "regulator", "/api/v1/cockpit/map", &m)
		if n := js[int](t, ctx, `cockpit.chart('map').getOption().series[0].data.length`); n != 9 || len(m.Areas) != 9 {
			t.Errorf("map: %d areas drawn, API %d", n, len(m.Areas))
		}
		browser.Screenshot(t, ctx, "cockpit-regulator")

		// Click 莲都区 on the map: its pixel from the map's own projection.
		county := "331102"
		for _, a := range m.Areas {
			if a.Value != nil && *a.Value > 0 && a.County != "331102" {
				county = a.County // a county other than the first, with loans
				break
			}
		}
		w.run(ctx, "scroll to the map", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-panel=map]').scrollIntoView({block:'center'})`))
		time.Sleep(200 * time.Millisecond)
		xy := js[[]float64](t, ctx, fmt.Sprintf(`(function(){var c=cockpit.chart('map'); var f=echarts.getMap('丽水').geoJSON.features.find(function(f){return String(f.id)===%q;});
			var p=c.convertToPixel({seriesIndex:0}, f.properties.cp); var r=c.getDom().getBoundingClientRect(); return [r.left+p[0], r.top+p[1]];})()`, county))
		w.run(ctx, "click the county", chromedp.MouseClickXY(xy[0], xy[1]), poll(allReady("county="+county)))
		loc := w.read(ctx, "location", chromedp.Location())
		if u, err := url.Parse(loc); err != nil || u.Query().Get("county") != county {
			t.Fatalf("after the click the URL is %s", loc)
		}
		q := "county=" + county
		cc := checkKPIs(t, ctx, "regulator", q)
		if same(cc.Total.GreenBalance, c.Total.GreenBalance) {
			t.Errorf("the county's green balance %.2f is the city's", cc.Total.GreenBalance)
		}
		checkBreakdown(t, ctx, "regulator", "class", q)
		checkBreakdown(t, ctx, "regulator", "institution", q)
		if chip := js[string](t, ctx, `document.querySelector('[data-chip=county]').textContent`); !strings.Contains(chip, "区县") {
			t.Errorf("county chip %q", chip)
		}
		if sel := js[string](t, ctx, `document.querySelector('[data-testid=filter-county]').value`); sel != county {
			t.Errorf("county select %q", sel)
		}
		// The export link carries the filter.
		if href := js[string](t, ctx, `document.querySelector('[data-panel=class] [data-xlsx]').getAttribute('href')`); !strings.Contains(href, "/api/v1/cockpit/breakdown/export?") || !strings.Contains(href, q) {
			t.Errorf("class export link %q", href)
		}
		browser.Screenshot(t, ctx, "cockpit-regulator-county")

		// Reloading restores the view; clearing the filters goes back to the city.
		w.run(ctx, "reload", chromedp.Navigate(loc), poll(allReady(q)))
		checkKPIs(t, ctx, "regulator", q)
		w.run(ctx, "clear", chromedp.Click(chromedp.CSS(`[data-testid=filter-clear]`)), poll(`location.search.indexOf('county=')<0`), poll(allReady("")),
			poll(`Array.from(document.querySelectorAll('[data-panel][data-api]')).every(function(s){return s.getAttribute('data-query').indexOf('county=')<0;})`))
		checkKPIs(t, ctx, "regulator", "")

		// In English the hover texts are the English meta.
		w.run(ctx, "switch to English", chromedp.Navigate(f.ts.URL+"/lang/en?next=/cockpit"), poll(allReady("")))
		if h := js[string](t, ctx, `document.querySelector('[data-panel=pipeline] [data-meta]').title`); pl.Meta.DefinitionEN == "" ||
			!strings.Contains(h, "Definition: "+pl.Meta.DefinitionEN) || !strings.Contains(h, "Data date: live") || strings.Contains(h, pl.Meta.Definition) {
			t.Errorf("pipeline's English hover: %q", h)
		}
		if h := js[string](t, ctx, `document.querySelector('[data-kpi=green_loan_balance]').title`); !strings.Contains(h, c.Meta["green_loan_balance"].DefinitionEN) {
			t.Errorf("green balance's English hover: %q", h)
		}
		if h := js[string](t, ctx, `document.querySelector('[data-target=renewable_capacity_share]').title`); !strings.Contains(h, "no actual given") || strings.Contains(h, "未提供实际值") {
			t.Errorf("the renewable share's English hover: %q", h)
		}
		browser.Screenshot(t, ctx, "cockpit-regulator-en")
		w.run(ctx, "back to Chinese", chromedp.Navigate(f.ts.URL+"/lang/zh?next=/cockpit"), poll(allReady("")))
	})

	t.Run("big-screen", func(t *testing.T) {
		w := &walker{t: t, f: f}
		ctx := w.login("regulator")
		if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1920, Height: 1080, DeviceScaleFactor: 1}); err != nil {
			t.Fatal(err)
		}
		w.run(ctx, "open the big screen",
			chromedp.Navigate(f.ts.URL+"/cockpit?screen=big"),
			chromedp.WaitVisible(chromedp.CSS(`.cockpit--big`)),
			poll(allReady("")),
		)
		if v := js[bool](t, ctx, `getComputedStyle(document.querySelector('.sidebar')).display === 'none'`); !v {
			t.Error("the big screen shows the sidebar")
		}
		checkKPIs(t, ctx, "regulator", "")
		browser.Screenshot(t, ctx, "cockpit-big-screen")
	})

	t.Run("bank", func(t *testing.T) {
		w := &walker{t: t, f: f}
		ctx := w.login("bank")
		w.run(ctx, "open the cockpit", chromedp.Navigate(f.ts.URL+"/cockpit"), poll(allReady("")))
		own := strconv.FormatInt(f.users["bank"].OrgID, 10)
		b := checkBreakdown(t, ctx, "bank", "institution", "")
		if len(b.Rows) != 1 || b.Rows[0].Key != own {
			t.Errorf("the bank's breakdown by institution: %+v, want its own (%s) only", b.Rows, own)
		}
		keys := js[string](t, ctx, `JSON.stringify(cockpit.chart('institution').getOption().series[0].data.map(function(d){return d.key;}))`)
		if keys != `["`+own+`"]` {
			t.Errorf("the bank's chart shows institutions %s", keys)
		}
		if n := js[int](t, ctx, `document.querySelectorAll('[data-panel=carbon], [data-target-list]').length`); n != 0 {
			t.Error("the bank sees the carbon panel or the targets")
		}
		checkKPIs(t, ctx, "bank", "")
		if name := js[string](t, ctx, `document.querySelector('[data-testid=cockpit-institution]').textContent`); name == "" {
			t.Error("the bank's cockpit does not name the bank")
		}
		browser.Screenshot(t, ctx, "cockpit-bank")
	})

	t.Run("enterprise", func(t *testing.T) {
		w := &walker{t: t, f: f}
		ctx := w.login("enterprise")
		w.run(ctx, "open the cockpit", chromedp.Navigate(f.ts.URL+"/cockpit"),
			poll(`!!document.querySelector('[data-panel=ent-accounts][data-ready]')`))
		var e struct {
			Accounts []struct {
				Name  string `json:"name"`
				Grade int    `json:"grade"`
			} `json:"accounts"`
		}
		getJSON(t, f, "enterprise", "/api/v1/cockpit/enterprise", &e)
		if len(e.Accounts) == 0 {
			t.Fatal("the enterprise has no accounts")
		}
		last := e.Accounts[len(e.Accounts)-1]
		if name := js[string](t, ctx, `document.querySelector('[data-testid=ent-name]').textContent`); name != last.Name {
			t.Errorf("enterprise view names %q, API %q", name, last.Name)
		}
		if g := js[string](t, ctx, `document.querySelector('[data-ent=grade]').textContent`); g != strconv.Itoa(last.Grade) {
			t.Errorf("grade %q, API %d", g, last.Grade)
		}
		// Both years are drawn across the chart, not squeezed into a corner.
		if gap := js[float64](t, ctx, `(function(){var c=cockpit.chart('ent-accounts'); var xs=c.getOption().xAxis[0].data;
			return xs.length<2 ? c.getWidth() : c.convertToPixel({xAxisIndex:0}, xs[xs.length-1]) - c.convertToPixel({xAxisIndex:0}, xs[0]);})()`); gap < 200 {
			t.Errorf("the accounts chart is squeezed: %.0f px between the first and last year", gap)
		}
		if n := js[int](t, ctx, `cockpit.chart('ent-accounts').getOption().series[0].data.length`); n != len(e.Accounts) {
			t.Errorf("accounts chart: %d years, API %d", n, len(e.Accounts))
		}
		browser.Screenshot(t, ctx, "cockpit-enterprise")
	})
}
