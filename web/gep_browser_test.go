package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cifp"
	"cifp/gep"
	"cifp/internal/browser"
	"cifp/internal/testutil"
)

// TestBrowserGEP: in a real headless Chromium, a regulator opens GEP
// accounting, presses the one-click button, watches the progress bar reach
// the end, lands on the city's result, opens the breakdown, and finds the
// total shown equal to the stored run's. Screenshots go to artifacts/.
func TestBrowserGEP(t *testing.T) {
	f := newFixture(t, testutil.MustOpenDB(t), true)
	w := &walker{t: t, f: f}
	ctx := w.login("regulator")
	w.run(ctx, "open GEP accounting",
		chromedp.Navigate(f.ts.URL+"/gep?region=331100&year=2024"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=gep-none]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=gep-run]`)),
	)
	w.run(ctx, "press the one-click button",
		chromedp.Click(chromedp.CSS(`[data-testid=gep-run]`)),
		chromedp.WaitVisible(chromedp.CSS(`#gep-job progress`)),
	)
	// gep.js follows the result link once the bar is full.
	w.run(ctx, "the result of the click",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=gep-total]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=gep-chart-indicator][data-chart-ready] canvas, [data-testid=gep-chart-indicator][data-chart-ready] svg`)),
	)
	browser.Screenshot(t, ctx, "gep-city")
	reg := cifp.WithActor(context.Background(), cifp.Actor{UserID: f.users["regulator"].ID, Username: "regulator", Role: cifp.RoleRegulator})
	run, err := gep.NewService(f.db).Latest(reg, "331100", 2024)
	if err != nil {
		t.Fatal(err)
	}
	if run.Version != 1 || run.CreatedBy != "regulator" {
		t.Errorf("stored run: version %d by %q", run.Version, run.CreatedBy)
	}
	shown := w.read(ctx, "the total", chromedp.Text(chromedp.CSS(`[data-testid=gep-total]`)))
	if want := yi2(run.GEP); strings.TrimSpace(shown) != want {
		t.Errorf("the page shows GEP %q, the stored run %s", shown, want)
	}
	w.run(ctx, "open the breakdown",
		chromedp.Click(chromedp.CSS(`[data-testid=gep-breakdown-link]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=gep-lines]`)),
	)
	w.waitText(ctx, `[data-testid=gep-run-title]`, "v"+strconv.Itoa(run.Version))
	shown = w.read(ctx, "the breakdown's total", chromedp.Text(chromedp.CSS(`[data-testid=gep-run-total]`)))
	if want := yi2(run.GEP); strings.TrimSpace(shown) != want {
		t.Errorf("the breakdown shows GEP %q, the stored run %s", shown, want)
	}
	rows := w.read(ctx, "the lines", chromedp.Evaluate[string](`String(document.querySelectorAll('[data-testid=gep-lines] tbody tr').length)`))
	if rows != strconv.Itoa(len(run.Lines)) {
		t.Errorf("the breakdown shows %s lines, the run has %d", rows, len(run.Lines))
	}
	byInd := w.read(ctx, "by indicator", chromedp.Text(chromedp.CSS(`[data-testid=gep-by-indicator]`)))
	for _, x := range run.ByIndicator {
		if !strings.Contains(byInd, x.NameZH) {
			t.Errorf("the breakdown by indicator lacks %s", x.NameZH)
		}
	}
	browser.Screenshot(t, ctx, "gep-breakdown")
}
