package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cifp/demo"
	"cifp/internal/browser"
	"cifp/internal/testutil"
)

// walker drives pages in headless Chromium for one test, failing it with
// the page's text when a step does not complete.
type walker struct {
	t *testing.T
	f *fixture
}

// run performs the actions as one step.
func (w *walker) run(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	step, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		main, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
		w.t.Fatalf("%s: %v (at %s)\n%.1500s", what, err, loc, main)
	}
}

// read returns a value from the page.
func (w *walker) read(ctx context.Context, what string, a chromedp.Action[string]) string {
	w.t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitText waits until the element's text contains want.
func (w *walker) waitText(ctx context.Context, css, want string) {
	w.t.Helper()
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q); return !!e && e.textContent.indexOf(%q) >= 0;})()`, css, want)
	step, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(step, chromedp.Poll[bool](js)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
		w.t.Fatalf("waiting for %q in %s: %v\n%.2000s", want, css, err, got)
	}
}

// login opens a new browser and logs in as the user.
func (w *walker) login(user string) context.Context {
	w.t.Helper()
	ctx := browser.New(w.t)
	w.run(ctx, "login as "+user,
		chromedp.Navigate(w.f.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), user),
		chromedp.SendKeys(chromedp.CSS(`#password`), demo.Password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-title]`)),
	)
	return ctx
}

// choose sets a select as a person would, so that its change handler runs.
func choose(css, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var e=document.querySelector(%q); e.value=%q; e.dispatchEvent(new Event('change',{bubbles:true}));})()`, css, value))
}

// poll waits until the JavaScript expression is true.
func poll(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js)(ctx, t)
		return err
	})
}

// attr reads an attribute of the first element the selector finds.
func attr(css, name string) chromedp.Action[string] {
	return func(ctx context.Context, t *chromedp.Target) (string, error) {
		r, err := chromedp.AttributeValue(chromedp.CSS(css), name)(ctx, t)
		if err == nil && !r.Exists {
			err = fmt.Errorf("%s has no attribute %s", css, name)
		}
		return r.Value, err
	}
}

var (
	// confirmYes answers "yes" to the page's confirm() questions.
	confirmYes = chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`)
	// clearFlash removes the last outcome message, so that waiting for the
	// next one waits for the page the form leads to.
	clearFlash = chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-testid=done],[data-testid=action-error]').forEach(function (e) { e.remove(); })`)
)

// financeWalk is where TestBrowserFinance's walk has got to: the people's
// browsers and what they made. Later walks (the green-credit statistics)
// start from walkToLoanBook.
type financeWalk struct {
	*walker
	Bank, Enterprise context.Context // logged-in browsers
	NeedID           int64
	LoanID           string  // the disbursed loan, in the bank's book
	Amount           float64 // of the loan, 万元
	Month            string  // the loan book's month, YYYY-MM (this month in China)
	GreenClass       string  // the green class the officer confirmed or corrected (2025 catalogue)
	ClimateType      string  // likewise
	Proposed         string  // the assistant's proposed class ("" = not green)
	Corrected        bool    // the officer corrected the assistant's proposal
}

// walkToLoanBook walks one financing need, in a real headless Chromium, from
// the bank's product to the loan in its loan book, as the people would:
//
//   - the bank's credit officer publishes a product on the products page;
//   - the enterprise's energy manager posts a need, and its page shows the
//     matching rules, the indicative rate and the loan code;
//   - the loan code's link (read from the page, and decoded from its PNG)
//     sends an anonymous visitor to the login page and refuses a citizen,
//     and opens the need for the bank's officer;
//   - the bank claims it, the enterprise chooses the bank, the bank records
//     the first contact, approves credit and disburses, confirming the
//     classification assistant's proposal;
//   - the loan is in the bank's loan book page of the month.
//
// Screenshots go to artifacts/.
func walkToLoanBook(t *testing.T) *financeWalk {
	f := newFixture(t, testutil.MustOpenDB(t), true)
	w := &financeWalk{walker: &walker{t: t, f: f}, LoanID: "ABC-LS-2026-0001", Amount: 750}
	china := time.FixedZone("CST", 8*3600)

	// The bank's officer publishes a product.
	bank := w.login("bank")
	w.Bank = bank
	w.run(bank, "open the products page",
		chromedp.Click(chromedp.CSS(`nav[data-testid=nav] a[href="/finance/products"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=product-form]`)),
	)
	w.run(bank, "fill in the product",
		chromedp.SendKeys(chromedp.CSS(`#code`), "JGD"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "绿色技改贷"),
		choose(`#kind`, "green_project"),
		chromedp.SendKeys(chromedp.CSS(`#description`), "支持工业企业节能降碳技术改造，按碳效等级差异化定价"),
		chromedp.SendKeys(chromedp.CSS(`#min_amount`), "100"),
		chromedp.SendKeys(chromedp.CSS(`#max_amount`), "5000"),
		chromedp.SetValue(chromedp.CSS(`#min_tenor`), "6"),
		chromedp.SetValue(chromedp.CSS(`#max_tenor`), "60"),
		chromedp.Click(chromedp.CSS(`input[name=collateral][value=equipment]`)),
		chromedp.SendKeys(chromedp.CSS(`#spread_bp`), "50"),
		chromedp.SendKeys(chromedp.CSS(`input[name="discount_bp.1"]`), "30"),
		chromedp.SendKeys(chromedp.CSS(`input[name="discount_bp.2"]`), "15"),
	)
	browser.Screenshot(t, bank, "finance-product-form")
	w.run(bank, "publish", clearFlash, chromedp.Click(chromedp.CSS(`[data-testid=publish-product]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)))
	w.waitText(bank, `[data-testid=products-on-sale]`, "绿色技改贷")
	browser.Screenshot(t, bank, "finance-products")

	// The enterprise posts a need.
	ent := w.login("enterprise")
	w.Enterprise = ent
	w.run(ent, "open the needs page",
		chromedp.Click(chromedp.CSS(`nav[data-testid=nav] a[href="/finance/needs"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=need-form]`)),
	)
	purpose := "阀门铸造车间节能技改：更换高效电机、加装余热回收装置"
	w.run(ent, "fill in the need",
		chromedp.SendKeys(chromedp.CSS(`#amount`), "800"),
		chromedp.SendKeys(chromedp.CSS(`#tenor`), "36"),
		chromedp.SendKeys(chromedp.CSS(`#purpose`), purpose),
		chromedp.Click(chromedp.CSS(`input[name=collateral][value=equipment]`)),
		chromedp.Click(chromedp.CSS(`input[name=collateral][value=energy_rights]`)),
	)
	browser.Screenshot(t, ent, "finance-need-form")
	w.run(ent, "post the need", clearFlash, chromedp.Click(chromedp.CSS(`[data-testid=post-need]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)))
	loc := w.read(ent, "location", chromedp.Location())
	m := regexp.MustCompile(`/finance/needs/(\d+)\?done=posted`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after posting: %s", loc)
	}
	w.NeedID = mustID(t, m[1])
	needURL := fmt.Sprintf("%s/finance/needs/%d", f.ts.URL, w.NeedID)
	w.waitText(ent, `[data-testid=need-status]`, "待抢单")
	w.waitText(ent, `[data-testid=matches]`, "绿色技改贷")
	w.waitText(ent, `[data-testid=match-checks]`, "需求 800 万元, 产品额度 100–5000 万元")
	if rate := w.read(ent, "rate", chromedp.Text(chromedp.CSS(`[data-testid=match-rate]`))); !strings.HasSuffix(rate, "%") {
		t.Errorf("indicative rate %q", rate)
	}
	// The loan code: its image is drawn, and its link is the QR code's.
	w.run(ent, "the loan code is drawn", poll(`(function(){var i=document.querySelector('[data-testid=qr]'); return !!i && i.complete && i.naturalWidth > 0;})()`))
	link := w.read(ent, "the loan code's link", attr(`[data-testid=loan-code-link]`, "href"))
	pngPath := w.read(ent, "the PNG's address", attr(`[data-testid=code-png]`, "href"))
	resp, png := f.call("enterprise", "GET", strings.Replace(pngPath, "/finance/", "/api/v1/", 1), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("code.png: %d", resp.StatusCode)
	}
	if got := decodeQR(t, png); got != link || !strings.HasPrefix(link, f.ts.URL+"/n/") {
		t.Fatalf("the QR code holds %q, the page links %q", got, link)
	}
	browser.Screenshot(t, ent, "finance-need-posted")
	w.run(ent, "the printable poster", chromedp.Click(chromedp.CSS(`[data-testid=print-code]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=loan-poster]`)),
		poll(`(function(){var i=document.querySelector('[data-testid=poster-qr]'); return !!i && i.complete && i.naturalWidth > 0;})()`))
	w.waitText(ent, `[data-testid=poster-amount]`, "800.0")
	browser.Screenshot(t, ent, "finance-loan-code-poster")

	// Anonymous: the code leads to the login page, not to the need.
	anon := browser.New(t)
	w.run(anon, "anonymous scan", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#username`)))
	if loc := w.read(anon, "location", chromedp.Location()); !strings.Contains(loc, "/login?next=") {
		t.Errorf("anonymous visitor at %s", loc)
	}
	if body := w.read(anon, "page", chromedp.Text(chromedp.CSS(`body`))); strings.Contains(body, purpose) || strings.Contains(body, "800") {
		t.Error("the anonymous visitor reads the need")
	}
	browser.Screenshot(t, anon, "finance-code-anonymous")
	// Logging in as a citizen does not open it either.
	w.run(anon, "citizen logs in from the code",
		chromedp.SendKeys(chromedp.CSS(`#username`), "citizen"),
		chromedp.SendKeys(chromedp.CSS(`#password`), demo.Password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=code-refused]`)),
	)
	browser.Screenshot(t, anon, "finance-code-refused")

	// The bank's officer scans it: the need opens, and the bank claims it.
	w.run(bank, "bank scans", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`[data-testid=via-code]`)))
	w.waitText(bank, `[data-testid=need-facts]`, purpose)
	w.waitText(bank, `[data-testid=matches]`, "绿色技改贷")
	browser.Screenshot(t, bank, "finance-need-from-code")
	w.run(bank, "claim", clearFlash, chromedp.Click(chromedp.CSS(`[data-testid=claim]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)))
	w.waitText(bank, `[data-testid=claims]`, "已抢单")
	if due := w.read(bank, "due", chromedp.Text(chromedp.CSS(`[data-testid=my-due]`))); !regexp.MustCompile(`^\d{4}-\d\d-\d\d 23:59$`).MatchString(due) {
		t.Errorf("first contact due %q", due)
	}

	// The enterprise chooses the bank.
	w.run(ent, "choose the bank", chromedp.Navigate(needURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid=choose]`)),
		confirmYes, clearFlash, chromedp.Click(chromedp.CSS(`[data-testid=choose]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)))
	w.waitText(ent, `[data-testid=need-status]`, "已选定机构")
	browser.Screenshot(t, ent, "finance-chosen")

	// The bank records the first contact, approves and disburses.
	w.run(bank, "record contact", chromedp.Navigate(needURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid=contact-form]`)),
		chromedp.SendKeys(chromedp.CSS(`#note`), "电话联系企业财务负责人，已约定实地走访"),
		clearFlash, chromedp.Click(chromedp.CSS(`[data-testid=contact]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)))
	w.waitText(bank, `[data-testid=claims]`, "已约定实地走访")
	w.run(bank, "approve", chromedp.WaitVisible(chromedp.CSS(`[data-testid=approve-form]`)),
		chromedp.SetValue(chromedp.CSS(`#approve-amount`), fmt.Sprint(w.Amount)),
		clearFlash, chromedp.Click(chromedp.CSS(`[data-testid=approve]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)))
	w.waitText(bank, `[data-testid=need-status]`, "已审批")
	w.run(bank, "the disbursement form", chromedp.WaitVisible(chromedp.CSS(`[data-testid=disburse-form]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=proposal]`)))
	// The form starts from the assistant's proposal. The purpose is an
	// energy-saving retrofit: the officer confirms class 1 (节能降碳产业) and
	// mitigation, or corrects the proposal to them.
	proposed := w.read(bank, "proposal", attr(`#green_class`, "data-proposed"))
	if chosen := w.read(bank, "the class chosen", chromedp.Value(chromedp.CSS(`#green_class`))); chosen != proposed {
		t.Errorf("the form does not start from the proposal: %q, proposed %q", chosen, proposed)
	}
	w.GreenClass, w.ClimateType = "1", "mitigation"
	w.Proposed, w.Corrected = proposed, proposed != w.GreenClass
	w.run(bank, "confirm or correct the class", choose(`#green_class`, w.GreenClass), choose(`#climate_type`, w.ClimateType))
	w.run(bank, "fill in the loan",
		chromedp.SendKeys(chromedp.CSS(`#loan_id`), w.LoanID),
		chromedp.SendKeys(chromedp.CSS(`#loan-product`), "JGD"),
	)
	browser.Screenshot(t, bank, "finance-disburse-form")
	w.run(bank, "disburse", confirmYes, clearFlash, chromedp.Click(chromedp.CSS(`[data-testid=disburse]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=done]`)))
	w.waitText(bank, `[data-testid=need-status]`, "已放款")
	w.waitText(bank, `[data-testid=claims]`, w.LoanID)
	w.Month = time.Now().In(china).Format("2006-01")
	return w
}

// checkLoanBook: the loan is in the bank's loan book page of the month,
// and among the enterprise's loans.
func (w *financeWalk) checkLoanBook() {
	w.t.Helper()
	// The menu leads there; the page is opened by its address, since a click
	// may land while the page that just disbursed is still settling (the
	// node found is gone by the time it is clicked).
	w.run(w.Bank, "the loan book", chromedp.WaitVisible(chromedp.CSS(`nav[data-testid=nav] a[href="/finance/loans"]`)),
		chromedp.Navigate(w.f.ts.URL+"/finance/loans"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=loan-table]`)))
	w.waitText(w.Bank, `[data-testid=loan-total]`, w.Month)
	row := w.read(w.Bank, "the loan's row", chromedp.Text(chromedp.CSS(`[data-testid=loan-table] tr[data-loan="`+w.LoanID+`"]`)))
	if !strings.Contains(row, "750.0") || !strings.Contains(row, "JGD") || !strings.Contains(row, "节能降碳产业") || !strings.Contains(row, "减缓") {
		w.t.Errorf("the loan book's row %q", row)
	}
	// Both the officer's class and the assistant's proposal are kept.
	var class, suggested string
	if err := w.f.db.QueryRow(context.Background(), `SELECT green_class, suggested_class FROM loans WHERE loan_id = ?`, w.LoanID).Scan(&class, &suggested); err != nil ||
		class != w.GreenClass || suggested != w.Proposed {
		w.t.Errorf("the loan's class %q (proposed %q): %v; want %q (proposed %q)", class, suggested, err, w.GreenClass, w.Proposed)
	}
	browser.Screenshot(w.t, w.Bank, "finance-loan-book")
	w.run(w.Enterprise, "the enterprise's loans", chromedp.Navigate(w.f.ts.URL+"/finance/loans"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=loan-table]`)))
	w.waitText(w.Enterprise, `[data-testid=loan-table]`, w.LoanID)
	browser.Screenshot(w.t, w.Enterprise, "finance-my-loans")
}

// number reads a figure shown on the page ("1,234.5").
func (w *walker) number(ctx context.Context, css string) float64 {
	w.t.Helper()
	text := w.read(ctx, css, chromedp.Text(chromedp.CSS(css)))
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(text), ",", ""), 64)
	if err != nil {
		w.t.Fatalf("%s shows %q, not a number", css, text)
	}
	return v
}

// checkStatistics: the bank's officer opens the green-credit statistics of
// the loan's month and finds the disbursed loan in the bank's green and
// total balances, in the month's new green loans and in its green class;
// the regulator finds it in the city's total and in the bank's row. The
// walk's is the only loan of the fixture, so each figure is its amount.
func (w *financeWalk) checkStatistics() {
	w.t.Helper()
	w.run(w.Bank, "the statistics", chromedp.Click(chromedp.CSS(`nav[data-testid=nav] a[href="/finance/statistics"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=stat-table]`)))
	// The page shown next is the one asked for: the table of this one goes first.
	dropTable := chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-testid=stat-table]').forEach(function (e) { e.remove(); })`)
	w.run(w.Bank, "the loan's month", chromedp.SetValue(chromedp.CSS(`#month`), w.Month), choose(`#by`, "total"),
		dropTable, chromedp.Click(chromedp.CSS(`[data-testid=stats-show]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=stat-table]`)))
	w.waitText(w.Bank, `[data-testid=stats-title]`, w.Month)
	w.waitText(w.Bank, `[data-testid=stats-scope]`, "本机构")
	for what, css := range map[string]string{
		"green balance":                 `[data-testid=kpi-green-balance]`,
		"all-loan balance":              `[data-testid=kpi-all-balance]`,
		"new green loans":               `[data-testid=kpi-new-green]`,
		"the total row's green balance": `[data-testid=stat-table] tr[data-key=""] td[data-field=green_balance]`,
	} {
		if got := w.number(w.Bank, css); got != w.Amount {
			w.t.Errorf("the bank's %s for %s: %v, the loan is %v", what, w.Month, got, w.Amount)
		}
	}
	if share := w.read(w.Bank, "share", chromedp.Text(chromedp.CSS(`[data-testid=kpi-share]`))); share != "100.0%" {
		w.t.Errorf("the bank's green share %q", share)
	}
	// The chart of the trend is drawn.
	w.run(w.Bank, "the trend chart", chromedp.WaitVisible(chromedp.CSS(`[data-testid=chart-trend][data-chart-ready]`)))
	browser.Screenshot(w.t, w.Bank, "finance-statistics-bank")
	// By green class: the loan under the class the officer confirmed, in the 2025 catalogue.
	w.run(w.Bank, "by class", choose(`#by`, "class"), dropTable, chromedp.Click(chromedp.CSS(`[data-testid=stats-show]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=stat-table] tr[data-key="2025/`+w.GreenClass+`"]`)))
	row := `[data-testid=stat-table] tr[data-key="2025/` + w.GreenClass + `"]`
	if got := w.number(w.Bank, row+` td[data-field=green_balance]`); got != w.Amount {
		w.t.Errorf("class 2025/%s: %v", w.GreenClass, got)
	}
	w.waitText(w.Bank, row+` td[data-field=label]`, "2025/"+w.GreenClass+" 节能降碳产业")

	// The regulator: the city's total, and the bank's row by institution.
	reg := w.login("regulator")
	w.run(reg, "the city's statistics", chromedp.Navigate(w.f.ts.URL+"/finance/statistics?month="+w.Month+"&by=institution"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=stat-table]`)))
	w.waitText(reg, `[data-testid=stats-scope]`, "全市")
	if got := w.number(reg, `[data-testid=kpi-green-balance]`); got != w.Amount {
		w.t.Errorf("the city's green balance for %s: %v, the loan is %v", w.Month, got, w.Amount)
	}
	bankRow := fmt.Sprintf(`[data-testid=stat-table] tr[data-key="%d"]`, w.f.users["bank"].OrgID)
	if got := w.number(reg, bankRow+` td[data-field=green_balance]`); got != w.Amount {
		w.t.Errorf("the bank's row in the city's table: %v", got)
	}
	w.waitText(reg, bankRow+` td[data-field=label]`, "中国农业银行")
	w.run(reg, "the targets and the chart", chromedp.WaitVisible(chromedp.CSS(`[data-testid=targets]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chart-trend][data-chart-ready]`)))
	browser.Screenshot(w.t, reg, "finance-statistics-regulator")
}

// TestBrowserFinance walks a financing need from the bank's product to the
// loan in its loan book (walkToLoanBook), then reads the loan book and the
// green-credit statistics.
func TestBrowserFinance(t *testing.T) {
	w := walkToLoanBook(t)
	w.checkLoanBook()
	w.checkStatistics()
}
