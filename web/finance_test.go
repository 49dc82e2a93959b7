package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/finance"
	"cifp/internal/signed"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
	"cifp/web"
)

// greenProduct is a product any need of the demo enterprise fits: 100 to
// 5000 万元 over 6 to 60 months, unsecured or on equipment, LPR 1Y + 50 bp
// with 30 bp off for grade 1.
func greenProduct(code string) finance.Product {
	return finance.Product{Code: code, Name: "绿色技改贷 " + code, Kind: "green_project", MinAmount: 100, MaxAmount: 5000, MinTenor: 6, MaxTenor: 60,
		Collateral: []string{"credit", "equipment"}, LPRTerm: "1y", SpreadBP: 50, DiscountBP: map[int]float64{1: 30}}
}

// publish publishes a product as the user.
func (f *fixture) publish(user string, p finance.Product) finance.Product {
	f.t.Helper()
	out, err := f.finance.Publish(f.ctx(user), p)
	if err != nil {
		f.t.Fatalf("publish %s: %v %v", p.Code, err, cifp.ErrorFields(err))
	}
	return out
}

// postNeed posts a need as the enterprise user.
func (f *fixture) postNeed(user string, amount float64, tenor int, purpose string) finance.Need {
	f.t.Helper()
	n, err := f.finance.PostNeed(f.ctx(user), finance.NeedInput{Amount: amount, Tenor: tenor, Purpose: purpose, Collateral: []string{"equipment"}})
	if err != nil {
		f.t.Fatalf("post need: %v %v", err, cifp.ErrorFields(err))
	}
	return n
}

// institutionUser adds a finance user to another bank than the demo ones.
func (f *fixture) institutionUser(username string, skip ...int64) finance.Claim {
	f.t.Helper()
	banks, _, err := f.orgs.List(system, org.Filter{Kind: org.KindBank, Limit: 50})
	if err != nil {
		f.t.Fatal(err)
	}
	taken := map[int64]bool{f.users["bank"].OrgID: true, f.users["insurer"].OrgID: true}
	for _, id := range skip {
		taken[id] = true
	}
	for _, u := range f.users {
		taken[u.OrgID] = taken[u.OrgID] || u.Role == cifp.RoleFinance
	}
	for _, b := range banks {
		if !taken[b.ID] {
			f.addUser(username, b.ID, cifp.RoleFinance)
			return finance.Claim{InstitutionID: b.ID, Institution: b.Name}
		}
	}
	f.t.Fatal("no bank left for another institution user")
	return finance.Claim{}
}

// count counts rows of a table.
func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

var needPathRE = regexp.MustCompile(`^/finance/needs/(\d+)\?done=posted$`)

// productForm is a valid publish form.
func productForm(code string) url.Values {
	return url.Values{"code": {code}, "name": {"碳效贷 " + code}, "kind": {"carbon_efficiency"}, "description": {"按碳效等级差异化定价"},
		"min_amount": {"50"}, "max_amount": {"3000"}, "min_tenor": {"6"}, "max_tenor": {"36"}, "industries": {"34, 38"},
		"counties": {"331122", "331102"}, "grades": {"1", "2", "3"}, "collateral": {"credit", "carbon_sink"}, "lpr_term": {"1y"},
		"spread_bp": {"60"}, "discount_bp.1": {"40"}, "discount_bp.2": {"20"}}
}

// TestFinanceProductForms: the credit officer publishes, versions and
// withdraws products on the page; a bad product is refused field by field
// and nothing is stored.
func TestFinanceProductForms(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		b := f.browser()
		b.login("bank")
		resp, body := b.get("/finance/products")
		if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="product-form"`) || !strings.Contains(body, `name="counties" value="331122"`) ||
			!strings.Contains(body, `name="collateral" value="carbon_sink"`) || !strings.Contains(body, `name="discount_bp.5"`) {
			t.Fatalf("products page: %d", resp.StatusCode)
		}
		audits := f.counts()[1]
		bad := productForm("TXD")
		bad.Set("max_amount", "20") // below the minimum
		bad.Set("spread_bp", "五十")
		bad.Del("collateral")
		bad.Set("discount_bp.3", "400")
		resp, body = b.post("/finance/products", bad)
		if resp.StatusCode != 400 {
			t.Fatalf("bad product: %d", resp.StatusCode)
		}
		for _, field := range []string{"max_amount", "spread_bp", "collateral", "discount_bp"} {
			if !strings.Contains(body, `data-testid="error-`+field+`"`) {
				t.Errorf("bad product: no error beside %s", field)
			}
		}
		if !strings.Contains(body, `value="碳效贷 TXD"`) {
			t.Error("the refused form lost what was typed")
		}
		if n := f.count("products"); n != 0 || f.counts()[1] != audits {
			t.Errorf("a refused product stored %d rows", n)
		}
		// An unknown county is the service's refusal, shown the same way.
		bad = productForm("TXD")
		bad["counties"] = []string{"110101"}
		if resp, body = b.post("/finance/products", bad); resp.StatusCode != 400 || !strings.Contains(body, `data-testid="error-counties"`) {
			t.Errorf("a county outside Lishui: %d", resp.StatusCode)
		}

		resp, _ = b.post("/finance/products", productForm("TXD"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d", resp.StatusCode)
		}
		ps, err := f.finance.Products(f.ctx("bank"), finance.ProductFilter{All: true})
		if err != nil || len(ps) != 1 {
			t.Fatalf("published: %v %+v", err, ps)
		}
		p := ps[0]
		if p.MaxAmount != 3000 || len(p.Counties) != 2 || len(p.Grades) != 3 || p.DiscountBP[1] != 40 || p.DiscountBP[2] != 20 ||
			strings.Join(p.Industries, ",") != "34,38" || strings.Join(p.Collateral, ",") != "credit,carbon_sink" || p.SpreadBP != 60 {
			t.Errorf("the form stored %+v", p)
		}
		_, body = b.get("/finance/products?from=" + fmt.Sprint(p.ID))
		if !strings.Contains(body, `value="TXD"`) || !strings.Contains(body, `value="34, 38"`) {
			t.Error("a new version's form is not pre-filled")
		}
		next := productForm("TXD")
		next.Set("spread_bp", "45")
		b.post("/finance/products", next)
		_, body = b.get("/finance/products")
		if !strings.Contains(body, `data-code="TXD" data-version="2"`) || !strings.Contains(body, `data-code="TXD" data-version="1"`) {
			t.Error("the institution's list lacks a version")
		}
		// The enterprise sees version 2 on sale, at LPR + 45 bp, and no form.
		e := f.browser()
		e.login("enterprise")
		_, body = e.get("/finance/products")
		if strings.Contains(body, `data-testid="product-form"`) || !strings.Contains(body, "v2") || strings.Contains(body, "TXD v1") {
			t.Errorf("the enterprise's product list")
		}
		lpr, _ := finance.LPRAt(time.Now())
		if want := fmt.Sprintf("%.2f%%", lpr.OneYear+0.45); !strings.Contains(body, want) {
			t.Errorf("the indicative rate %s is not shown", want)
		}
		if resp, _ := e.post("/finance/products", productForm("X")); resp.StatusCode != 403 {
			t.Errorf("an enterprise publishes: %d", resp.StatusCode)
		}
		// Withdrawal, and another institution may not withdraw it.
		ps, _ = f.finance.Products(f.ctx("bank"), finance.ProductFilter{})
		ins := f.browser()
		ins.login("insurer")
		if resp, _ := ins.post(fmt.Sprintf("/finance/products/%d/withdraw", ps[0].ID), nil); resp.StatusCode != 404 {
			t.Errorf("another institution withdrew the product: %d", resp.StatusCode)
		}
		if resp, _ := b.post(fmt.Sprintf("/finance/products/%d/withdraw", ps[0].ID), nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("withdraw: %d", resp.StatusCode)
		}
		if ps, _ := f.finance.Products(f.ctx("enterprise"), finance.ProductFilter{}); len(ps) != 0 {
			t.Errorf("still on sale: %+v", ps)
		}
		// The regulator reads every version, and may not publish.
		r := f.browser()
		r.login("regulator")
		if _, body := r.get("/finance/products?all=1"); !strings.Contains(body, `data-testid="products-history"`) || strings.Count(body, "TXD v") != 2 {
			t.Error("the regulator's history of versions")
		}
		if resp, _ := r.post("/finance/products", productForm("R")); resp.StatusCode != 403 {
			t.Errorf("a regulator publishes: %d", resp.StatusCode)
		}
	})
}

// TestFinanceNeedFlow walks a need through the pages: the enterprise's
// refused and accepted posts, the bank's ranked list and claim, the choice,
// the first contact, the approval and a disbursement whose class the
// officer corrects; both classes are recorded and the loan is in the books.
func TestFinanceNeedFlow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		prod := f.publish("bank", greenProduct("JGD"))
		f.publish("bank", func() finance.Product {
			p := greenProduct("SMALL")
			p.MaxAmount = 200 // too small for the need below
			p.SpreadBP = 10
			return p
		}())
		e := f.browser()
		e.login("enterprise")
		resp, body := e.get("/finance/needs")
		if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="need-form"`) || !strings.Contains(body, `name="collateral" value="energy_rights"`) {
			t.Fatalf("needs page: %d", resp.StatusCode)
		}
		needs := f.count("needs")
		for _, bad := range []struct {
			form  url.Values
			field string
		}{
			{url.Values{"amount": {"-5"}, "tenor": {"24"}, "purpose": {"技改"}}, "amount"},
			{url.Values{"amount": {"五百"}, "tenor": {"24"}, "purpose": {"技改"}}, "amount"},
			{url.Values{"amount": {"500"}, "tenor": {"0"}, "purpose": {"技改"}}, "tenor"},
			{url.Values{"amount": {"500"}, "tenor": {"24"}, "purpose": {""}}, "purpose"},
			{url.Values{"amount": {"500"}, "tenor": {"24"}, "purpose": {"技改"}, "collateral": {"gold"}}, "collateral"},
			{url.Values{"amount": {"500"}, "tenor": {"24"}, "purpose": {"技改"}, "project_id": {"999999"}}, "project_id"},
		} {
			resp, body := e.post("/finance/needs", bad.form)
			if resp.StatusCode != 400 || !strings.Contains(body, `data-testid="error-`+bad.field+`"`) {
				t.Errorf("need %v: %d, no error beside %s", bad.form, resp.StatusCode, bad.field)
			}
		}
		if n := f.count("needs"); n != needs {
			t.Fatalf("refused needs stored: %d", n-needs)
		}
		resp, _ = e.post("/finance/needs", url.Values{"amount": {"800"}, "tenor": {"36"}, "purpose": {"阀门生产线节能技改，更换高效电机和余热回收装置"},
			"collateral": {"equipment", "energy_rights"}})
		m := needPathRE.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("post: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		page := "/finance/needs/" + m[1]
		_, body = e.get(page)
		for _, want := range []string{`data-testid="matches"`, `data-product="JGD"`, `data-product="SMALL"`, `data-rule="amount"`, "需求 800 万元, 产品额度 100–5000 万元",
			`data-testid="match-price"`, `data-testid="loan-code"`, `data-testid="loan-code-link"`, `data-testid="withdraw-need"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the enterprise's need page lacks %s", want)
			}
		}
		if strings.Index(body, `data-product="JGD"`) > strings.Index(body, `data-product="SMALL"`) {
			t.Error("the ineligible product is ranked above the eligible one")
		}

		// The bank: the need is claimable, with JGD as its best product.
		b := f.browser()
		b.login("bank")
		_, body = b.get("/finance/needs")
		row := regexp.MustCompile(`(?s)<tr data-need="` + m[1] + `">.*?</tr>`).FindString(body)
		if !strings.Contains(row, "绿色技改贷 JGD") || !strings.Contains(row, `status-accepted">符合`) {
			t.Errorf("the bank's claimable row: %s", row)
		}
		resp, _ = b.post(page+"/claim", url.Values{"product_id": {fmt.Sprint(prod.ID)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("claim: %d", resp.StatusCode)
		}
		if resp, _ := b.post(page+"/claim", nil); resp.StatusCode != 409 {
			t.Errorf("a second claim: %d", resp.StatusCode)
		}
		n, _ := f.finance.Need(f.ctx("bank"), mustID(t, m[1]))
		claim := n.Claims[0]
		_, body = b.get(page)
		if !strings.Contains(body, `data-testid="my-due"`) || !strings.Contains(body, claim.DueAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")) {
			t.Error("the bank does not see when first contact is due")
		}
		if strings.Contains(body, `data-testid="loan-code"`) {
			t.Error("the bank gets the loan code")
		}
		// The enterprise chooses the bank.
		if resp, _ := e.post(page+"/choose", url.Values{"claim_id": {fmt.Sprint(claim.ID)}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("choose: %d", resp.StatusCode)
		}
		act := func(action string, form url.Values) (*http.Response, string) {
			return b.post(fmt.Sprintf("%s/claims/%d/%s", page, claim.ID, action), form)
		}
		if resp, body := act("contact", url.Values{"note": {""}}); resp.StatusCode != 400 || !strings.Contains(body, `data-testid="error-note"`) {
			t.Errorf("contact without a note: %d", resp.StatusCode)
		}
		if resp, _ := act("contact", url.Values{"note": {"电话联系财务总监，约定下周实地走访"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("contact: %d", resp.StatusCode)
		}
		if resp, body := act("approve", url.Values{"amount": {"800"}, "rate": {"三点五"}}); resp.StatusCode != 400 || !strings.Contains(body, `data-testid="error-approve-rate"`) {
			t.Errorf("approve at a rate that is no number: %d", resp.StatusCode)
		}
		if resp, _ := act("approve", url.Values{"amount": {"750"}, "rate": {"3.45"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("approve: %d", resp.StatusCode)
		}
		// The disbursement form shows the assistant's proposal.
		_, body = b.get(page)
		proposal := regexp.MustCompile(`<select id="green_class" name="green_class" data-proposed="([^"]*)"`).FindStringSubmatch(body)
		climate := regexp.MustCompile(`<select id="climate_type" name="climate_type" data-proposed="([^"]*)"`).FindStringSubmatch(body)
		if proposal == nil || climate == nil || !strings.Contains(body, `data-testid="proposal"`) {
			t.Fatal("no proposal on the disbursement form")
		}
		// The officer corrects it: a class the assistant did not propose.
		corrected, climateFix := "3", "mitigation"
		if proposal[1] == corrected {
			corrected = "1"
		}
		if climate[1] == climateFix {
			climateFix = "both"
		}
		month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		loanForm := url.Values{"loan_id": {"ABC-2026-0001"}, "product": {"JGD"}, "amount": {"750"}, "rate": {"3.45"}, "start_date": {today},
			"maturity_date": {"2000-01-01"}, "green_class": {corrected}, "climate_type": {climateFix}}
		if resp, body := act("disburse", loanForm); resp.StatusCode != 400 || !strings.Contains(body, `data-testid="error-maturity_date"`) {
			t.Errorf("a maturity before the start: %d", resp.StatusCode)
		}
		if n := f.count("loans"); n != 0 {
			t.Fatalf("a refused disbursement stored %d loans", n)
		}
		loanForm.Set("maturity_date", time.Now().AddDate(3, 0, 0).Format(time.DateOnly))
		if resp, body := act("disburse", loanForm); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disburse: %d %s", resp.StatusCode, regexp.MustCompile(`(?s)data-testid="action-error".*?</div>`).FindString(body))
		}
		var got, suggested, gotClimate, suggestedClimate string
		if err := f.db.QueryRow(context.Background(), `SELECT green_class, suggested_class, climate_type, suggested_climate FROM loans WHERE loan_id = 'ABC-2026-0001'`).
			Scan(&got, &suggested, &gotClimate, &suggestedClimate); err != nil {
			t.Fatal(err)
		}
		if got != corrected || suggested != proposal[1] || gotClimate != climateFix || suggestedClimate != climate[1] {
			t.Errorf("recorded class %q (proposed %q), climate %q (proposed %q); want %q, %q, %q, %q", got, suggested, gotClimate, suggestedClimate,
				corrected, proposal[1], climateFix, climate[1])
		}
		var entry string
		if err := f.db.QueryRow(context.Background(), `SELECT after_json FROM audit_log WHERE action = 'need.disburse'`).Scan(&entry); err != nil ||
			!strings.Contains(entry, `"green_class":"`+corrected+`"`) || !strings.Contains(entry, `"suggested_class":"`+proposal[1]+`"`) {
			t.Errorf("the audit log of the disbursement: %v %s", err, entry)
		}
		// The loan is in the bank's book of the month and the enterprise's
		// loans, not the insurer's.
		_, body = b.get("/finance/loans?month=" + month)
		if !strings.Contains(body, `data-loan="ABC-2026-0001"`) {
			t.Error("the loan is not in the bank's book")
		}
		if _, body = e.get("/finance/loans?month=" + month); !strings.Contains(body, `data-loan="ABC-2026-0001"`) || !strings.Contains(body, "中国农业银行") {
			t.Error("the loan is not among the enterprise's loans, with its lender")
		}
		ins := f.browser()
		ins.login("insurer")
		if _, body = ins.get("/finance/loans?month=" + month); strings.Contains(body, "ABC-2026-0001") {
			t.Error("another institution sees the bank's loan")
		}
		_, body = e.get(page)
		if !strings.Contains(body, `data-testid="need-status">已放款`) || strings.Contains(body, `data-testid="withdraw-need"`) {
			t.Error("the disbursed need")
		}
		// The regulator reads it all, with no action.
		r := f.browser()
		r.login("regulator")
		_, body = r.get(page)
		if !strings.Contains(body, "ABC-2026-0001") || strings.Contains(body, `data-testid="claim-actions"`) || strings.Contains(body, `data-testid="choose"`) {
			t.Error("the regulator's view of the need")
		}
		if resp, _ := r.post(page+"/withdraw", nil); resp.StatusCode != 403 {
			t.Errorf("a regulator withdraws a need: %d", resp.StatusCode)
		}
		// In English, with data, every label is translated.
		rawKey := regexp.MustCompile(`>\s*(fin|fkind|nstatus|cstatus|rule|climate|fdone|nav)\.[a-z0-9_.]+\s*<`)
		for user, c := range map[string]*client{"bank": b, "enterprise": e, "regulator": r} {
			c.get("/lang/en")
			for _, p := range []string{page, page + "/code", "/finance/needs", "/finance/products?all=1", "/finance/loans?month=" + month} {
				resp, body := c.get(p)
				if resp.StatusCode != 200 && !(user == "bank" && strings.HasSuffix(p, "/code")) {
					t.Errorf("%s %s in English: %d", user, p, resp.StatusCode)
				}
				if k := rawKey.FindString(body); k != "" {
					t.Errorf("%s %s in English: untranslated %s", user, p, k)
				}
			}
			if _, body := c.get(page); !strings.Contains(body, "Financing need #") || !strings.Contains(body, "Disbursed") {
				t.Errorf("%s: the need page is not in English", user)
			}
		}
	})
}

// TestFinanceServiceLevels: an overdue first contact is flagged to the
// bank, the enterprise and the regulators; a refusal opens the need again;
// the admin's settings apply to needs posted after them.
func TestFinanceServiceLevels(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		f.publish("bank", greenProduct("JGD"))
		n := f.postNeed("enterprise", 500, 24, "购置节能设备")
		c, err := f.finance.Claim(f.ctx("bank"), n.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.Exec(context.Background(), `UPDATE need_claims SET due_at = ? WHERE id = ?`, time.Now().Add(-time.Hour).UTC(), c.ID); err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/finance/needs/%d", n.ID)
		for _, user := range []string{"bank", "enterprise", "regulator"} {
			b := f.browser()
			b.login(user)
			if _, body := b.get(page); !strings.Contains(body, `data-testid="overdue"`) {
				t.Errorf("%s is not shown the overdue contact", user)
			}
		}
		r := f.browser()
		r.login("regulator")
		if _, body := r.get("/finance/needs?overdue=1"); !strings.Contains(body, fmt.Sprintf(`data-need="%d" class="has-overdue"`, n.ID)) {
			t.Error("the regulator's overdue filter")
		}
		if resp, _ := r.get("/finance/needs?status=lost"); resp.StatusCode != 400 {
			t.Errorf("an unknown status: %d", resp.StatusCode)
		}
		resp, raw := f.call("bank", "GET", fmt.Sprintf("/api/v1/needs/%d", n.ID), nil)
		var got finance.Need
		json.Unmarshal(raw, &got)
		if resp.StatusCode != 200 || len(got.Claims) != 1 || !got.Claims[0].Overdue {
			t.Errorf("API: %d %+v", resp.StatusCode, got.Claims)
		}
		// Contact late: recorded, no longer overdue.
		if _, err := f.finance.Contact(f.ctx("bank"), c.ID, "迟到的电话联系"); err != nil {
			t.Fatal(err)
		}
		if _, body := r.get(page); strings.Contains(body, `data-testid="overdue"`) || !strings.Contains(body, `data-testid="contacted-late"`) {
			t.Error("a claim contacted late is still flagged overdue, or not shown as contacted late")
		}
		if _, body := r.get("/finance/needs"); !strings.Contains(body, `data-testid="contacted-late"`) {
			t.Error("the regulator's list does not show the late contact")
		}

		// Refusal opens the need again, and the enterprise reads the reason.
		if _, err := f.finance.Choose(f.ctx("enterprise"), n.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		b := f.browser()
		b.login("bank")
		act := fmt.Sprintf("%s/claims/%d/refuse", page, c.ID)
		if resp, body := b.post(act, url.Values{"reason": {"否"}}); resp.StatusCode != 400 || !strings.Contains(body, `data-testid="error-reason"`) {
			t.Errorf("a refusal without a reason: %d", resp.StatusCode)
		}
		if resp, _ := b.post(act, url.Values{"reason": {"企业资产负债率过高，暂不符合授信条件"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("refuse: %d", resp.StatusCode)
		}
		e := f.browser()
		e.login("enterprise")
		if _, body := e.get(page); !strings.Contains(body, "资产负债率过高") || !strings.Contains(body, `data-testid="need-status">待抢单/待选择`) {
			t.Error("the enterprise does not read the refusal, or the need is not open again")
		}
		// A claim of another institution's is not the bank's to act on.
		other := f.institutionUser("bank2")
		c2, err := f.finance.Claim(f.ctx("bank2"), n.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := b.post(fmt.Sprintf("%s/claims/%d/contact", page, c2.ID), url.Values{"note": {"冒名联系"}}); resp.StatusCode != 404 {
			t.Errorf("the bank acts on %s's claim: %d", other.Institution, resp.StatusCode)
		}

		// Settings: the admin's page refuses what is out of range.
		a := f.browser()
		a.login("admin")
		if resp, body := a.post("/finance/settings", url.Values{"max_claims": {"11"}, "contact_days": {"2"}}); resp.StatusCode != 400 ||
			!strings.Contains(body, `data-testid="error-max_claims"`) || !strings.Contains(body, `data-testid="error-contact_days"`) {
			t.Errorf("bad settings: %d", resp.StatusCode)
		}
		if resp, _ := a.post("/finance/settings", url.Values{"max_claims": {"1"}, "contact_days": {"5"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("settings: %d", resp.StatusCode)
		}
		if resp, _ := r.post("/finance/settings", url.Values{"max_claims": {"2"}, "contact_days": {"1"}}); resp.StatusCode != 403 {
			t.Errorf("a regulator changes the settings: %d", resp.StatusCode)
		}
		n2 := f.postNeed("enterprise", 300, 12, "第二笔需求")
		if n2.MaxClaims != 1 || n2.ContactDays != 5 || n.MaxClaims != 3 {
			t.Errorf("settings not applied to new needs only: %d/%d, old %d", n2.MaxClaims, n2.ContactDays, n.MaxClaims)
		}
		resp, raw = f.call("bank", "GET", "/api/v1/finance/settings", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(raw), `"max_claims":1`) {
			t.Errorf("GET settings: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("admin", "PUT", "/api/v1/finance/settings", map[string]any{"max_claims": 0, "contact_days": 3})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "max_claims") {
			t.Errorf("PUT bad settings: %d %s", resp.StatusCode, raw)
		}
	})
}

// loanCSV is a loan book: a header and rows.
func loanCSV(rows ...string) []byte {
	return []byte(strings.Join(append([]string{strings.Join(finance.LoanHeader, ",")}, rows...), "\n") + "\n")
}

// TestFinanceLoanImport: the loan book is imported all or nothing; every
// bad row and column is listed on the page and in the API's problem; the
// template's header is the importer's.
func TestFinanceLoanImport(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		ent, _ := f.orgs.Get(system, f.users["enterprise"].OrgID)
		b := f.browser()
		b.login("bank")
		good := fmt.Sprintf("L-001,%s,碳效贷,500,480,3.45,2026-01-15,2029-01-14,屋顶分布式光伏,,,,", ent.USCC)
		bad := loanCSV(good,
			fmt.Sprintf("L-002,%s,碳效贷,500,600,3.45,2026-01-15,2029-01-14,技改,,,,", ent.USCC),   // balance above the amount
			"L-003,91331100XXXXXXXXXX,碳效贷,abc,1,3.45,2026-02-30,2029-01-14,技改,,,,",            // bad USCC, amount, date
			fmt.Sprintf("L-001,%s,碳效贷,500,480,3.45,2026-01-15,2029-01-14,技改,99,,,", ent.USCC)) // duplicate, unknown class
		resp, body := b.postMultipart("/finance/loans/import", upload{fields: map[string]string{"month": "2026-01"}, name: "book.csv", content: bad})
		if resp.StatusCode != 400 || !strings.Contains(body, `data-testid="import-errors"`) {
			t.Fatalf("bad book: %d", resp.StatusCode)
		}
		for _, want := range []string{"balance", "borrower_uscc", "amount", "start_date", "loan_id", "green_class", "<td>3</td>", "<td>4</td>", "<td>5</td>"} {
			if !strings.Contains(body, want) {
				t.Errorf("the error table lacks %s", want)
			}
		}
		if n := f.count("loans"); n != 0 {
			t.Fatalf("a refused book stored %d loans", n)
		}
		resp, raw := f.call("bank", "POST", "/api/v1/loans/import?month=2026-01", upload{fields: map[string]string{"month": "2026-01"}, name: "book.csv", content: bad})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "balance", "borrower_uscc", "amount", "start_date", "loan_id", "green_class") {
			t.Errorf("API bad book: %d %s", resp.StatusCode, raw)
		}
		if resp, body := b.postMultipart("/finance/loans/import", upload{fields: map[string]string{"month": "2026-13"}, name: "book.csv", content: loanCSV(good)}); resp.StatusCode != 400 ||
			!strings.Contains(body, `data-testid="import-errors"`) || !strings.Contains(body, "2026-13") {
			t.Errorf("a bad month: %d", resp.StatusCode)
		}
		resp, body = b.postMultipart("/finance/loans/import", upload{fields: map[string]string{"month": "2026-01"}, name: "book.csv",
			content: loanCSV(good, fmt.Sprintf("L-002,%s,流贷,200,200,3.9,2025-06-01,2026-06-01,流动资金,none,,none,", ent.USCC))})
		if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="import-result"`) || !strings.Contains(body, `data-loan="L-001"`) {
			t.Fatalf("good book: %d", resp.StatusCode)
		}
		if n := f.count("loans"); n != 2 {
			t.Errorf("stored %d loans", n)
		}
		// The enterprise reads its borrowings by API; the insurer none of them.
		var page struct {
			Items []finance.Loan
			Total int
		}
		_, raw = f.call("enterprise", "GET", "/api/v1/loans?month=2026-01", nil)
		json.Unmarshal(raw, &page)
		if page.Total != 2 || page.Items[0].BorrowerUSCC != ent.USCC {
			t.Errorf("the enterprise's loans: %s", raw)
		}
		_, raw = f.call("insurer", "GET", "/api/v1/loans?month=2026-01", nil)
		if json.Unmarshal(raw, &page); page.Total != 0 {
			t.Errorf("the insurer reads the bank's loans: %s", raw)
		}
		if resp, _ := f.call("bank", "GET", "/api/v1/loans?month=01-2026", nil); resp.StatusCode != 400 {
			t.Errorf("a bad month: %d", resp.StatusCode)
		}

		// A book of 60 loans: the regulator reads it 50 to a page.
		var many []string
		for i := 1; i <= 60; i++ {
			many = append(many, fmt.Sprintf("P-%03d,%s,碳效贷,100,100,3.5,2026-02-01,2027-02-01,技改,,,,", i, ent.USCC))
		}
		if resp, body := b.postMultipart("/finance/loans/import", upload{fields: map[string]string{"month": "2026-02"}, name: "book.csv", content: loanCSV(many...)}); resp.StatusCode != 200 {
			t.Fatalf("60 loans: %d %.300s", resp.StatusCode, body)
		}
		r := f.browser()
		r.login("regulator")
		_, body = r.get("/finance/loans?month=2026-02")
		if strings.Count(body, `<tr data-loan=`) != 50 || !strings.Contains(body, `data-testid="next-page"`) || !strings.Contains(body, "中国农业银行") {
			t.Errorf("the regulator's first page: %d rows", strings.Count(body, `<tr data-loan=`))
		}
		if _, body = r.get("/finance/loans?month=2026-02&page=2"); strings.Count(body, `<tr data-loan=`) != 10 || !strings.Contains(body, `data-loan="P-060"`) {
			t.Errorf("the regulator's second page: %d rows", strings.Count(body, `<tr data-loan=`))
		}
		_, raw = f.call("regulator", "GET", "/api/v1/loans?month=2026-02&limit=25&cursor=50", nil)
		var rp struct {
			Items      []finance.Loan
			Total      int
			NextCursor string `json:"next_cursor"`
		}
		if json.Unmarshal(raw, &rp); rp.Total != 60 || len(rp.Items) != 10 || rp.NextCursor != "" {
			t.Errorf("API page: %d of %d, next %q", len(rp.Items), rp.Total, rp.NextCursor)
		}

		// The templates.
		resp, body = b.get("/finance/loans/template?format=csv")
		if resp.StatusCode != 200 || strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")) != strings.Join(finance.LoanHeader, ",") {
			t.Errorf("csv template: %d %q", resp.StatusCode, body)
		}
		resp, body = b.get("/finance/loans/template")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("xlsx template: %d %v", resp.StatusCode, err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) != 1 || strings.Join(rows[0], ",") != strings.Join(finance.LoanHeader, ",") || len(x.GetSheetList()) != 2 {
			t.Errorf("xlsx template rows %v, sheets %v", rows, x.GetSheetList())
		}
		// The enterprise has no import form and may not import.
		e := f.browser()
		e.login("enterprise")
		if _, body := e.get("/finance/loans?month=2026-01"); strings.Contains(body, `data-testid="loan-import-form"`) || !strings.Contains(body, `data-loan="L-002"`) {
			t.Error("the enterprise's loans page")
		}
		if resp, _ := e.postMultipart("/finance/loans/import", upload{fields: map[string]string{"month": "2026-01"}, name: "book.csv", content: loanCSV(good)}); resp.StatusCode != 403 {
			t.Errorf("an enterprise imports: %d", resp.StatusCode)
		}
	})
}

// decodeQR reads the text of a QR code in a PNG.
func decodeQR(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("png: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

// TestLoanCode: the loan code of a need is a signed, expiring link that
// opens the need for an institution user only; its owner and the
// regulators get it; tampered and expired links are refused clearly.
func TestLoanCode(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		n := f.postNeed("enterprise", 600, 24, "购置高效节能设备")
		path := fmt.Sprintf("/api/v1/needs/%d/code.png", n.ID)
		resp, raw := f.call("enterprise", "GET", path, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("code.png: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		link := decodeQR(t, raw)
		base := f.ts.URL + "/n/"
		if !strings.HasPrefix(link, base) {
			t.Fatalf("the code's link %q", link)
		}
		token := strings.TrimPrefix(link, base)
		// The enterprise's page shows the same link; the SVG is served.
		e := f.browser()
		e.login("enterprise")
		_, body := e.get(fmt.Sprintf("/finance/needs/%d", n.ID))
		if !strings.Contains(body, `href="`+link+`"`) {
			t.Error("the need page's link is not the QR code's")
		}
		if resp, body := e.get(fmt.Sprintf("/finance/needs/%d/code.svg", n.ID)); resp.StatusCode != 200 || !strings.Contains(body, "<svg") {
			t.Errorf("code.svg: %d", resp.StatusCode)
		}
		resp, body = e.get(fmt.Sprintf("/finance/needs/%d/code", n.ID))
		if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="loan-poster"`) || !strings.Contains(body, "600.0") || !strings.Contains(body, n.OrgName) {
			t.Errorf("the poster: %d", resp.StatusCode)
		}
		// Who may have the code: the owner and the regulators, not a bank
		// nor another enterprise.
		other := f.addUser("other.energy", f.other.ID, cifp.RoleEnterprise)
		for user, want := range map[string]int{"regulator": 200, "admin": 200, "bank": 403, other.Username: 404, "citizen": 403, "verifier": 403} {
			for _, p := range []string{path, fmt.Sprintf("/api/v1/needs/%d/code.svg", n.ID)} {
				if resp, _ := f.call(user, "GET", p, nil); resp.StatusCode != want {
					t.Errorf("%s GET %s: %d, want %d", user, p, resp.StatusCode, want)
				}
			}
		}

		// The link: a bank user is sent to the need.
		b := f.browser()
		b.login("bank")
		resp, _ = b.get("/n/" + token)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/finance/needs/%d?via=code", n.ID) {
			t.Fatalf("bank follows the code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, body := b.get(resp.Header.Get("Location")); resp.StatusCode != 200 || !strings.Contains(body, `data-testid="via-code"`) || !strings.Contains(body, `data-testid="claim-form"`) {
			t.Errorf("the need opened from the code: %d", resp.StatusCode)
		}
		// Anonymous: to the login page, then back — to the need for a bank user.
		anon := f.browser()
		resp, body = anon.get("/n/" + token)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape("/n/"+token) {
			t.Fatalf("anonymous: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if strings.Contains(body, n.Purpose) {
			t.Error("the anonymous visitor reads the need")
		}
		anon.get(resp.Header.Get("Location"))
		resp, _ = anon.post("/login", url.Values{"username": {"insurer"}, "password": {"Lishui@2026"}, "next": {"/n/" + token}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/n/"+token {
			t.Fatalf("login with next: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ = anon.get("/n/" + token); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), fmt.Sprintf("/finance/needs/%d", n.ID)) {
			t.Errorf("after login the insurer is not sent to the need: %d", resp.StatusCode)
		}
		// Another enterprise and a citizen are refused; the owner may follow its own.
		for user, want := range map[string]int{other.Username: 403, "citizen": 403, "verifier": 403, "enterprise": 303} {
			c := f.browser()
			c.login(user)
			resp, body := c.get("/n/" + token)
			if resp.StatusCode != want {
				t.Errorf("%s follows the code: %d, want %d", user, resp.StatusCode, want)
			}
			if want == 403 && (!strings.Contains(body, `data-testid="code-refused"`) || strings.Contains(body, n.Purpose)) {
				t.Errorf("%s: not a clear refusal, or the need shown", user)
			}
		}
		// Tampered and expired links.
		tampered := token[:len(token)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(token, "AA")]
		for name, tok := range map[string]string{"tampered": tampered, "truncated": token[:10], "garbage": "not-a-token"} {
			resp, body := b.get("/n/" + tok)
			if resp.StatusCode != 403 || !strings.Contains(body, `data-testid="code-invalid"`) {
				t.Errorf("%s link: %d", name, resp.StatusCode)
			}
		}
		signer, _ := signed.NewSigner(testKey)
		expired := signer.Token("loan-code", []string{"need", fmt.Sprint(n.ID)}, time.Now().Add(-time.Minute))
		for _, c := range []*client{b, anon, f.browser()} {
			if resp, body := c.get("/n/" + expired); resp.StatusCode != 403 || !strings.Contains(body, `data-testid="code-expired"`) {
				t.Errorf("expired link: %d", resp.StatusCode)
			}
		}
		// A token of the carbon code does not open a need.
		carbon := signer.Token("carbon-code", []string{"need", fmt.Sprint(n.ID)}, time.Time{})
		if resp, _ := b.get("/n/" + carbon); resp.StatusCode != 403 {
			t.Errorf("a carbon-code token opens a need: %d", resp.StatusCode)
		}
		// The code expires after 30 days: the token carries it.
		valid := signer.Token("loan-code", []string{"need", fmt.Sprint(n.ID)}, time.Now().Add(web.LoanCodeDays*24*time.Hour))
		if resp, _ := b.get("/n/" + valid); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a valid token made here: %d", resp.StatusCode)
		}
		if _, err := signer.Open("loan-code", token, time.Now().Add((web.LoanCodeDays+2)*24*time.Hour)); err == nil {
			t.Error("the code's token does not expire")
		}
		if _, err := signer.Open("loan-code", token, time.Now().Add((web.LoanCodeDays-1)*24*time.Hour)); err != nil {
			t.Errorf("the code's token expires too early: %v", err)
		}
		// Once a need is full, its code no longer opens it for another institution.
		if err := f.finance.SetSettings(f.ctx("admin"), finance.Settings{MaxClaims: 1, ContactDays: 3}); err != nil {
			t.Fatal(err)
		}
		full := f.postNeed("enterprise", 400, 12, "第三笔需求")
		if _, err := f.finance.Claim(f.ctx("bank"), full.ID, 0); err != nil {
			t.Fatal(err)
		}
		tok := signer.Token("loan-code", []string{"need", fmt.Sprint(full.ID)}, time.Now().Add(time.Hour))
		if resp, body := anon.get("/n/" + tok); resp.StatusCode != 404 || !strings.Contains(body, `data-testid="code-closed"`) || strings.Contains(body, full.Purpose) {
			t.Errorf("the insurer follows the code of a full need: %d", resp.StatusCode)
		}
		if resp, _ := b.get("/n/" + tok); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the claimant follows the code of its need: %d", resp.StatusCode)
		}
	})
}

// TestFinanceAPIWorkflow drives the whole matching by the JSON API: up to
// three claimants, the choice, a refusal that reopens the need, the choice
// of another, approval and disbursement into the loan book.
func TestFinanceAPIWorkflow(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		resp, raw := f.call("bank", "POST", "/api/v1/products", map[string]any{"code": "TXD", "name": "碳效贷", "kind": "carbon_efficiency",
			"min_amount": 50, "max_amount": 3000, "min_tenor": 6, "max_tenor": 60, "collateral": []string{"credit"}, "lpr_term": "1y", "spread_bp": 55,
			"discount_bp": map[string]float64{"1": 30, "2": 15}})
		var prod finance.Product
		if json.Unmarshal(raw, &prod); resp.StatusCode != 201 || prod.Version != 1 || prod.DiscountBP[2] != 15 {
			t.Fatalf("publish: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("bank", "POST", "/api/v1/products", map[string]any{"code": "X", "name": "x", "kind": "gold", "max_amount": -1, "collateral": []string{}, "lpr_term": "2y"})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "kind", "max_amount", "collateral", "lpr_term") {
			t.Errorf("bad product: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("bank", "POST", "/api/v1/products", map[string]any{"code": "X", "colour": "green"})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "colour") {
			t.Errorf("unknown field: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("enterprise", "POST", "/api/v1/needs", map[string]any{"amount": 0, "tenor": 400, "purpose": "x", "collateral": []string{"gold"}})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "amount", "tenor", "purpose", "collateral") {
			t.Errorf("bad need: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("enterprise", "POST", "/api/v1/needs", map[string]any{"amount": 1200, "tenor": 36, "purpose": "余热回收系统改造", "collateral": []string{"equipment"}})
		var n finance.Need
		if json.Unmarshal(raw, &n); resp.StatusCode != 201 || n.Status != finance.NeedOpen || n.MaxClaims != 3 {
			t.Fatalf("post: %d %s", resp.StatusCode, raw)
		}
		id := fmt.Sprint(n.ID)
		var ml struct {
			Borrower finance.Borrower
			Matches  []finance.Match
		}
		_, raw = f.call("enterprise", "GET", "/api/v1/needs/"+id+"/matches", nil)
		if json.Unmarshal(raw, &ml); len(ml.Matches) != 1 || !ml.Matches[0].Eligible || ml.Matches[0].Price == nil || len(ml.Matches[0].Checks) < 4 {
			t.Errorf("matches: %s", raw)
		}
		var ranked []struct {
			ID        int64
			BestMatch *finance.Match `json:"best_match"`
		}
		_, raw = f.call("bank", "GET", "/api/v1/needs?rank=true&status=open", nil)
		if json.Unmarshal(raw, &ranked); len(ranked) != 1 || ranked[0].BestMatch == nil || ranked[0].BestMatch.Product.ID != prod.ID {
			t.Errorf("ranked needs: %s", raw)
		}
		// Three institutions claim; a fourth is refused.
		f.institutionUser("bank2")
		f.institutionUser("bank3", f.users["bank2"].OrgID)
		claims := map[string]finance.Claim{}
		for _, u := range []string{"bank", "insurer", "bank2"} {
			body := any(nil)
			if u == "bank" {
				body = map[string]any{"product_id": prod.ID}
			}
			resp, raw := f.call(u, "POST", "/api/v1/needs/"+id+"/claims", body)
			var c finance.Claim
			if json.Unmarshal(raw, &c); resp.StatusCode != 201 || c.Status != finance.ClaimClaimed || c.DueAt.IsZero() {
				t.Fatalf("%s claims: %d %s", u, resp.StatusCode, raw)
			}
			claims[u] = c
		}
		if resp, raw := f.call("bank3", "POST", "/api/v1/needs/"+id+"/claims", nil); resp.StatusCode != 404 {
			t.Errorf("a fourth claimant: %d %s", resp.StatusCode, raw)
		}
		if resp, _ := f.call("bank3", "GET", "/api/v1/needs/"+id, nil); resp.StatusCode != 404 {
			t.Errorf("a full need is shown to an institution that did not claim it: %d", resp.StatusCode)
		}
		// Each institution reads only its own claim; the enterprise all three.
		_, raw = f.call("insurer", "GET", "/api/v1/needs/"+id, nil)
		if json.Unmarshal(raw, &n); len(n.Claims) != 1 || n.Claims[0].ID != claims["insurer"].ID {
			t.Errorf("the insurer reads claims %+v", n.Claims)
		}
		_, raw = f.call("enterprise", "GET", "/api/v1/needs/"+id, nil)
		if json.Unmarshal(raw, &n); len(n.Claims) != 3 {
			t.Errorf("the enterprise reads %d claims", len(n.Claims))
		}
		// The bank may not choose; the enterprise chooses the insurer.
		if resp, _ := f.call("bank", "POST", "/api/v1/needs/"+id+"/choose", map[string]any{"claim_id": claims["bank"].ID}); resp.StatusCode != 403 {
			t.Errorf("a bank chooses: %d", resp.StatusCode)
		}
		resp, raw = f.call("enterprise", "POST", "/api/v1/needs/"+id+"/choose", map[string]any{"claim_id": 999999})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "claim_id") {
			t.Errorf("choose an unknown claim: %d %s", resp.StatusCode, raw)
		}
		if resp, raw := f.call("enterprise", "POST", "/api/v1/needs/"+id+"/choose", map[string]any{"claim_id": claims["insurer"].ID}); resp.StatusCode != 200 {
			t.Fatalf("choose: %d %s", resp.StatusCode, raw)
		}
		// The passed bank may not approve; the insurer refuses.
		if resp, _ := f.call("bank", "POST", fmt.Sprintf("/api/v1/claims/%d/approve", claims["bank"].ID), map[string]any{"amount": 1200, "rate": 3.5}); resp.StatusCode != 409 {
			t.Errorf("a passed claimant approves: %d", resp.StatusCode)
		}
		if resp, _ := f.call("bank", "POST", fmt.Sprintf("/api/v1/claims/%d/refuse", claims["insurer"].ID), map[string]any{"reason": "不是我的"}); resp.StatusCode != 404 {
			t.Errorf("the bank refuses the insurer's claim: %d", resp.StatusCode)
		}
		resp, raw = f.call("insurer", "POST", fmt.Sprintf("/api/v1/claims/%d/refuse", claims["insurer"].ID), map[string]any{"reason": ""})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "reason") {
			t.Errorf("refuse without a reason: %d %s", resp.StatusCode, raw)
		}
		if resp, raw := f.call("insurer", "POST", fmt.Sprintf("/api/v1/claims/%d/refuse", claims["insurer"].ID), map[string]any{"reason": "不属于本机构业务范围"}); resp.StatusCode != 200 {
			t.Fatalf("refuse: %d %s", resp.StatusCode, raw)
		}
		// The need is open again; the enterprise chooses the bank.
		if resp, raw := f.call("enterprise", "POST", "/api/v1/needs/"+id+"/choose", map[string]any{"claim_id": claims["bank"].ID}); resp.StatusCode != 200 {
			t.Fatalf("choose again: %d %s", resp.StatusCode, raw)
		}
		cid := fmt.Sprint(claims["bank"].ID)
		resp, raw = f.call("bank", "POST", "/api/v1/claims/"+cid+"/contact", map[string]any{"note": "上门走访"})
		var c finance.Claim
		if json.Unmarshal(raw, &c); resp.StatusCode != 200 || c.ContactedAt == nil {
			t.Errorf("contact: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("bank", "POST", "/api/v1/claims/"+cid+"/approve", map[string]any{"amount": -1, "rate": 30})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "amount", "rate") {
			t.Errorf("bad approval: %d %s", resp.StatusCode, raw)
		}
		if resp, raw := f.call("bank", "POST", "/api/v1/claims/"+cid+"/approve", map[string]any{"amount": 1000, "rate": 3.4}); resp.StatusCode != 200 {
			t.Fatalf("approve: %d %s", resp.StatusCode, raw)
		}
		month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
		start := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		resp, raw = f.call("bank", "POST", "/api/v1/claims/"+cid+"/disburse", map[string]any{"loan_id": "", "amount": 1000, "rate": 3.4,
			"start_date": start, "maturity_date": "tomorrow", "climate_type": "sideways"})
		if p := problemOf(t, resp, raw); resp.StatusCode != 400 || !namesFields(p, "loan_id", "maturity_date", "climate_type") {
			t.Errorf("bad disbursement: %d %s", resp.StatusCode, raw)
		}
		resp, raw = f.call("bank", "POST", "/api/v1/claims/"+cid+"/disburse", map[string]any{"loan_id": "ABC-API-1", "amount": 1000, "rate": 3.4,
			"start_date": start, "maturity_date": time.Now().AddDate(3, 0, 0).Format(time.DateOnly), "product": "TXD"})
		var loan finance.Loan
		if json.Unmarshal(raw, &loan); resp.StatusCode != 201 || loan.LoanID != "ABC-API-1" || loan.BorrowerID != f.users["enterprise"].OrgID {
			t.Fatalf("disburse: %d %s", resp.StatusCode, raw)
		}
		var book struct {
			Month string
			Items []finance.Loan
			Total int
		}
		_, raw = f.call("bank", "GET", "/api/v1/loans?month="+month, nil)
		if json.Unmarshal(raw, &book); book.Total != 1 || book.Items[0].LoanID != "ABC-API-1" || book.Month != month {
			t.Errorf("the bank's book: %s", raw)
		}
		_, raw = f.call("regulator", "GET", "/api/v1/loans", nil)
		if json.Unmarshal(raw, &book); book.Total != 1 {
			t.Errorf("the regulator's book of this month: %s", raw)
		}
		_, raw = f.call("enterprise", "GET", "/api/v1/needs/"+id, nil)
		if json.Unmarshal(raw, &n); n.Status != finance.NeedDisbursed {
			t.Errorf("need status %s", n.Status)
		}
		if resp, _ := f.call("enterprise", "POST", "/api/v1/needs/"+id+"/withdraw", nil); resp.StatusCode != 409 {
			t.Errorf("withdraw a disbursed need: %d", resp.StatusCode)
		}
		// Withdrawal of another need, and of a product.
		n2 := f.postNeed("enterprise", 300, 12, "第二笔")
		if resp, raw := f.call("enterprise", "POST", fmt.Sprintf("/api/v1/needs/%d/withdraw", n2.ID), nil); resp.StatusCode != 200 || !strings.Contains(string(raw), `"status":"withdrawn"`) {
			t.Errorf("withdraw: %d %s", resp.StatusCode, raw)
		}
		if resp, raw := f.call("bank", "POST", fmt.Sprintf("/api/v1/products/%d/withdraw", prod.ID), nil); resp.StatusCode != 200 || !strings.Contains(string(raw), `"active":false`) {
			t.Errorf("withdraw product: %d %s", resp.StatusCode, raw)
		}
	})
}

// isFinanceRoute reports whether a route belongs to green finance.
func isFinanceRoute(p string) bool {
	for _, pre := range []string{"/finance/", "/n/", "/api/v1/products", "/api/v1/needs", "/api/v1/claims", "/api/v1/loans", "/api/v1/finance/"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

// TestFinanceRoles covers the roles the tenant table does not: citizens
// and verifiers get 403 from every finance page and endpoint; the
// regulators read everything and change nothing; the loan code refuses
// them all but the regulators.
func TestFinanceRoles(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		p := f.publish("bank", greenProduct("JGD"))
		n := f.postNeed("enterprise", 500, 24, "节能改造")
		c, err := f.finance.Claim(f.ctx("bank"), n.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		routes := 0
		for _, rt := range f.srv.Routes() {
			if !isFinanceRoute(rt.Path) {
				continue
			}
			routes++
			path := strings.NewReplacer("{id}", fmt.Sprint(n.ID), "{cid}", fmt.Sprint(c.ID), "{action}", "contact", "{token}", "x").Replace(rt.Path)
			if strings.HasPrefix(rt.Path, "/api/v1/claims/") || strings.HasPrefix(rt.Path, "/api/v1/products/") {
				path = strings.Replace(rt.Path, "{id}", fmt.Sprint(map[bool]int64{true: c.ID, false: p.ID}[strings.HasPrefix(rt.Path, "/api/v1/claims/")]), 1)
			}
			for _, user := range []string{"citizen", "verifier", "regulator"} {
				want := 403
				if user == "regulator" && rt.Method == "GET" && rt.Path != "/finance/settings" { // the settings page is the admin's
					want = 200
				}
				if rt.Path == "/n/{token}" {
					want = 403 // "x" is no token
				}
				var resp *http.Response
				var body []byte
				if strings.HasPrefix(path, "/api/") {
					var in any
					if rt.Method != "GET" {
						in = map[string]any{}
					}
					resp, body = f.call(user, rt.Method, path, in)
				} else {
					b := f.browser()
					b.login(user)
					var s string
					if rt.Method == "GET" {
						resp, s = b.get(path)
					} else {
						resp, s = b.post(path, nil)
					}
					body = []byte(s)
				}
				if resp.StatusCode != want {
					t.Errorf("%s %s %s: %d, want %d: %.200s", user, rt.Method, path, resp.StatusCode, want, body)
				}
			}
		}
		if routes < 40 {
			t.Errorf("only %d finance routes", routes)
		}
		// The regulator's pages show the need and the claim, and no form.
		r := f.browser()
		r.login("regulator")
		_, body := r.get(fmt.Sprintf("/finance/needs/%d", n.ID))
		if !strings.Contains(body, `data-testid="claim-row"`) || strings.Contains(body, "<form class=\"form") || !strings.Contains(body, `data-testid="loan-code"`) {
			t.Error("the regulator's need page")
		}
	})
}
