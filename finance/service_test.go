package finance

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/project"
	"cifp/store"
)

var (
	testNow = time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC) // Monday 10:00 in China
	system  = cifp.System.Context(context.Background())
)

type world struct {
	db              *store.DB
	svc             *Service
	e1, e2          org.Org
	banks           [4]org.Org
	ent1, ent2, reg context.Context
	bank            [4]context.Context
	citizen         context.Context
	projects        *project.Service
}

func newWorld(t testing.TB, db *store.DB) *world {
	t.Helper()
	orgs := org.NewService(db)
	w := &world{db: db, projects: project.NewService(db)}
	w.svc = NewService(db, carbon.NewService(db, orgs), w.projects)
	w.svc.Now = func() time.Time { return testNow }
	n := 0
	mk := func(kind org.Kind, name, industry, county string) org.Org {
		n++
		u, err := org.MakeUSCC('9', '1', county, fmt.Sprintf("0000000%c", "ABCDEFGHJK"[n]))
		if err != nil {
			t.Fatal(err)
		}
		o, err := orgs.Create(system, org.Org{Kind: kind, Name: name, USCC: u, Industry: industry, Division: county})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	user := func(name string, o org.Org, role cifp.Role) context.Context {
		var id int64
		if err := db.QueryRow(context.Background(), `INSERT INTO users (org_id, username, display_name, role, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'x', ?, ?) RETURNING id`, o.ID, name, name, string(role), testNow, testNow).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return cifp.WithActor(context.Background(), cifp.Actor{UserID: id, OrgID: o.ID, Username: name, Role: role})
	}
	w.e1 = mk(org.KindEnterprise, "缙云县恒达阀门制造有限公司", "3443", "331122")
	w.e2 = mk(org.KindEnterprise, "龙泉市青瓷文化有限公司", "3074", "331181")
	for i, name := range []string{"农业银行丽水分行", "丽水农商银行", "浙商银行丽水分行", "工商银行丽水分行"} {
		w.banks[i] = mk(org.KindBank, name, "", "331102")
		w.bank[i] = user(fmt.Sprintf("bank%d", i), w.banks[i], cifp.RoleFinance)
	}
	platform := mk(org.KindPlatform, "丽水市金融办", "", "331102")
	w.ent1 = user("ent1", w.e1, cifp.RoleEnterprise)
	w.ent2 = user("ent2", w.e2, cifp.RoleEnterprise)
	w.reg = user("reg", platform, cifp.RoleRegulator)
	w.citizen = user("citizen", platform, cifp.RoleCitizen)
	return w
}

func (w *world) product(t *testing.T, bank int, code string, edit func(*Product)) Product {
	t.Helper()
	p := Product{Code: code, Name: "绿色技改贷 " + code, Kind: "green_project", MinAmount: 100, MaxAmount: 5000, MinTenor: 6, MaxTenor: 60,
		Collateral: []string{"credit", "equipment"}, LPRTerm: "1y", SpreadBP: 50, DiscountBP: map[int]float64{1: 30}}
	if edit != nil {
		edit(&p)
	}
	out, err := w.svc.Publish(w.bank[bank], p)
	if err != nil {
		t.Fatalf("%v %v", err, cifp.ErrorFields(err))
	}
	return out
}

func TestProductsAreVersioned(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		v1 := w.product(t, 0, "JGD", nil)
		v2 := w.product(t, 0, "JGD", func(p *Product) { p.SpreadBP = 40 })
		if v1.Version != 1 || v2.Version != 2 || !v2.Active {
			t.Fatalf("versions %d %d", v1.Version, v2.Version)
		}
		if old, _ := w.svc.Product(w.ent1, v1.ID); old.Active || old.SpreadBP != 50 {
			t.Errorf("the first version is kept, withdrawn: %+v", old)
		}
		// Enterprises see what is on sale; the institution its history too.
		if ps, _ := w.svc.Products(w.ent1, ProductFilter{}); len(ps) != 1 || ps[0].ID != v2.ID {
			t.Errorf("on sale: %+v", ps)
		}
		if ps, _ := w.svc.Products(w.bank[0], ProductFilter{All: true}); len(ps) != 2 {
			t.Errorf("history: %d", len(ps))
		}
		if ps, _ := w.svc.Products(w.bank[1], ProductFilter{All: true}); len(ps) != 0 {
			t.Errorf("another bank sees a bank's history: %d", len(ps))
		}
		if _, err := w.svc.Publish(w.ent1, Product{}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("an enterprise published: %v", err)
		}
		if _, err := w.svc.Publish(w.bank[0], Product{Code: "X", Name: "x", Kind: "green_project", MaxAmount: -1}); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("bad product: %v", err)
		}
		if err := w.svc.Withdraw(w.bank[1], v2.ID); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("another bank withdrew a product: %v", err)
		}
		if err := w.svc.Withdraw(w.bank[0], v2.ID); err != nil {
			t.Fatal(err)
		}
		if ps, _ := w.svc.Products(w.ent1, ProductFilter{}); len(ps) != 0 {
			t.Errorf("withdrawn still on sale: %+v", ps)
		}
	})
}

func TestNeedClaimChooseApproveDisburse(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		p0 := w.product(t, 0, "JGD", nil)
		w.product(t, 1, "TXD", func(p *Product) { p.Grades = []int{1, 2} }) // the borrower has no grade
		if _, err := w.svc.PostNeed(w.ent1, NeedInput{Amount: -5, Tenor: 0, Purpose: "", Collateral: []string{"gold"}}); len(cifp.ErrorFields(err)) != 4 {
			t.Errorf("bad need: %v %v", err, cifp.ErrorFields(err))
		}
		n, err := w.svc.PostNeed(w.ent1, NeedInput{Amount: 800, Tenor: 24, Purpose: "电机系统节能改造", Collateral: []string{"equipment"}})
		if err != nil {
			t.Fatal(err)
		}
		if n.MaxClaims != 3 || n.ContactDays != 3 || n.Status != NeedOpen {
			t.Fatalf("need: %+v", n)
		}
		// Matching: bank 0's product fits; bank 1's needs a grade the borrower lacks.
		ms, err := w.svc.Matches(w.ent1, n, w.svc.Borrower(w.ent1, n))
		if err != nil || len(ms) != 2 || ms[0].Product.ID != p0.ID || !ms[0].Eligible || ms[1].Eligible || ms[0].Price.Rate != 3.5 {
			t.Fatalf("matches: %v %+v", err, ms)
		}
		// Three institutions claim; the fourth is refused and no longer sees it.
		var claims []Claim
		for i := 0; i < 3; i++ {
			c, err := w.svc.Claim(w.bank[i], n.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			claims = append(claims, c)
		}
		// Claimed Monday 1 June 2026, 10:00: first contact is due by the end of Thursday 4 June.
		if due := claims[0].DueAt.In(China).Format("2006-01-02 15:04"); due != "2026-06-04 23:59" {
			t.Errorf("due %s", due)
		}
		if _, err := w.svc.Claim(w.bank[3], n.ID, 0); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("a fourth claim: %v", err)
		}
		if _, err := w.svc.Claim(w.bank[0], n.ID, 0); cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("a second claim by the same bank: %v", err)
		}
		// A claimant sees its own claim only; the enterprise sees all three.
		if got, _ := w.svc.Need(w.bank[1], n.ID); len(got.Claims) != 1 || got.Claims[0].InstitutionID != w.banks[1].ID || got.ClaimCount != 3 {
			t.Errorf("bank 1's view: %+v", got)
		}
		if got, _ := w.svc.Need(w.ent1, n.ID); len(got.Claims) != 3 {
			t.Errorf("the enterprise's view: %+v", got.Claims)
		}
		if _, err := w.svc.Need(w.ent2, n.ID); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("another enterprise read the need: %v", err)
		}
		// A contact after the due time is overdue until recorded.
		w.svc.Now = func() time.Time { return testNow.Add(5 * 24 * time.Hour) }
		if got, _ := w.svc.Need(w.bank[2], n.ID); !got.Claims[0].Overdue {
			t.Errorf("overdue not flagged: %+v", got.Claims[0])
		}
		c, err := w.svc.Contact(w.bank[2], claims[2].ID, "电话联系财务总监")
		if err != nil || c.Overdue || !c.Late || c.ContactedAt == nil {
			t.Errorf("contact: %v %+v", err, c)
		}
		w.svc.Now = func() time.Time { return testNow.Add(time.Hour) }
		if _, err := w.svc.Contact(w.bank[1], claims[2].ID, "冒充"); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("a bank recorded another's contact: %v", err)
		}
		// The enterprise chooses bank 0; it approves, then refuses; the need reopens.
		if _, err := w.svc.Choose(w.ent1, n.ID, claims[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Approve(w.bank[1], claims[1].ID, 800, 3.5); cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("a passed claimant approved: %v", err)
		}
		if _, err := w.svc.Approve(w.bank[0], claims[0].ID, 800, 30); !hasField(err, "rate") {
			t.Errorf("rate 30 %%: %v", err)
		}
		if _, err := w.svc.Approve(w.bank[0], claims[0].ID, 800, 3.5); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Refuse(w.bank[0], claims[0].ID, "no"); !hasField(err, "reason") {
			t.Errorf("refusal without reason: %v", err)
		}
		if _, err := w.svc.Refuse(w.bank[0], claims[0].ID, "抵押物评估价值不足"); err != nil {
			t.Fatal(err)
		}
		got, _ := w.svc.Need(w.ent1, n.ID)
		if got.Status != NeedOpen || got.Claims[1].Status != ClaimClaimed || got.Claims[0].Status != ClaimRefused || got.ClaimCount != 2 {
			t.Fatalf("after refusal: %+v", got)
		}
		// The refusal freed a place: the fourth bank may now claim.
		if _, err := w.svc.Claim(w.bank[3], n.ID, 0); err != nil {
			t.Errorf("a claim after a refusal: %v", err)
		}
		// Bank 1 is chosen, approves and disburses: the loan enters its book.
		w.svc.Choose(w.ent1, n.ID, claims[1].ID)
		w.svc.Approve(w.bank[1], claims[1].ID, 800, 3.45)
		if _, err := w.svc.Disburse(w.bank[1], claims[1].ID, LoanInput{LoanID: "L-1", Amount: 800, Rate: 3.45, StartDate: "2026-06-01", MaturityDate: "2026-05-01"}); !hasField(err, "maturity_date") {
			t.Errorf("maturity before start: %v", err)
		}
		if _, err := w.svc.Disburse(w.bank[1], claims[1].ID, LoanInput{LoanID: "L-1", Amount: 900, Rate: 3.45, StartDate: "2026-06-01", MaturityDate: "2028-06-01"}); !hasField(err, "amount") {
			t.Errorf("more than approved: %v", err)
		}
		if sg, err := w.svc.Proposal(w.bank[1], claims[1].ID, testNow); err != nil || sg.Class != "1" || sg.Reason == "" {
			t.Errorf("proposal: %v %+v", err, sg)
		}
		if _, err := w.svc.Proposal(w.bank[0], claims[1].ID, testNow); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("another bank's proposal: %v", err)
		}
		loan, err := w.svc.Disburse(w.bank[1], claims[1].ID, LoanInput{LoanID: "L-1", Amount: 800, Rate: 3.45, StartDate: "2026-06-01", MaturityDate: "2028-06-01"})
		if err != nil {
			t.Fatalf("%v %v", err, cifp.ErrorFields(err))
		}
		// The need's purpose, 电机系统节能改造, makes the assistant propose class 1 of the 2025 catalogue, mitigation.
		if loan.Sector != "industry" || loan.Catalogue != "2025" || loan.GreenClass != "1" || loan.ClimateType != ClimateMitigation || loan.Purpose != "电机系统节能改造" {
			t.Errorf("loan: %+v", loan)
		}
		if got, _ := w.svc.Need(w.ent1, n.ID); got.Status != NeedDisbursed {
			t.Errorf("need after disbursement: %s", got.Status)
		}
		for _, c := range []struct {
			who  context.Context
			name string
			want int
		}{{w.bank[1], "the lender", 1}, {w.bank[0], "another bank", 0}, {w.ent1, "the borrower", 1}, {w.ent2, "another enterprise", 0}, {w.reg, "the regulator", 1}} {
			ls, n, err := w.svc.Loans(c.who, LoanFilter{Month: "2026-06"})
			if err != nil || n != c.want || len(ls) != c.want {
				t.Errorf("%s sees %d loans (%v)", c.name, n, err)
			}
		}
		if _, _, err := w.svc.Loans(w.citizen, LoanFilter{Month: "2026-06"}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("a citizen read loans: %v", err)
		}
		// Every step is audited.
		for _, action := range []string{"need.post", "need.claim", "need.contact", "need.choose", "need.approve", "need.refuse", "need.disburse"} {
			var k int
			db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action).Scan(&k)
			if k == 0 {
				t.Errorf("no audit entry %s", action)
			}
		}
	})
}

func hasField(err error, field string) bool {
	for _, f := range cifp.ErrorFields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestImportLoans(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		header := strings.Join(LoanHeader, ",") + "\n"
		good := header +
			"L1," + w.e1.USCC + ",碳效贷,500,400,3.4,2025-03-01,2027-03-01,屋顶光伏电站建设,,,,\n" +
			"L2," + w.e2.USCC + ",流贷,300,300,3.8,2025-11-01,2026-11-01,补充流动资金,none,,,\n" +
			"L3,91331100MA2A00000Y,技改贷,200,150,3.6,2024-05-01,2029-05-01,电机节能改造,1,2021,mitigation,\n"
		bad := header +
			"L1," + w.e1.USCC + ",碳效贷,500,600,3.4,2025-03-01,2027-03-01,光伏,,,,\n" + // balance above amount
			"L1," + w.e1.USCC + ",碳效贷,500,400,3.4,2025-03-01,2027-03-01,光伏,,,,\n" + // duplicate id
			"L4,NOT-A-USCC,流贷,100,100,3.8,2025-11-01,2026-11-01,资金,none,,,\n" +
			"L5," + w.e2.USCC + ",流贷,100,100,3.8,2024-11-01,2026-11-01,资金,9,2021,,\n" + // no class 9 in 2021
			"L6," + w.e2.USCC + ",流贷,100,100,3.8,2024-11-01,2026-11-01,资金,1,2025,,\n" + // 2025 catalogue before it was in force
			"L7," + w.e2.USCC + ",流贷,100,100,abc,2024-11-01,2026-11-01,资金,,,sideways,LS2099-1\n"
		_, err := w.svc.ImportLoans(w.bank[0], strings.NewReader(bad), "2026-05.csv", "2026-05")
		want := map[string]bool{"2 balance": true, "3 loan_id": true, "4 borrower_uscc": true, "5 green_class": true, "6 catalogue": true,
			"7 rate": true, "7 climate_type": true, "7 project_code": true}
		for _, f := range cifp.ErrorFields(err) {
			delete(want, fmt.Sprint(f.Row, " ", f.Field))
			if f.Column == "" {
				t.Errorf("no column for %+v", f)
			}
		}
		if cifp.ErrorCode(err) != cifp.EINVALID || len(want) != 0 {
			t.Errorf("bad file: %v; not named: %v", err, want)
		}
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM loans`).Scan(&n)
		if n != 0 {
			t.Fatalf("a refused file stored %d loans", n)
		}
		res, err := w.svc.ImportLoans(w.bank[0], strings.NewReader(good), "2026-05.csv", "2026-05")
		if err != nil {
			t.Fatalf("%v %v", err, cifp.ErrorFields(err))
		}
		if res.Rows != 3 || res.Green != 2 || res.Suggested != 1 {
			t.Errorf("import: %+v", res)
		}
		ls, _, _ := w.svc.Loans(w.bank[0], LoanFilter{Month: "2026-05"})
		byID := map[string]Loan{}
		for _, l := range ls {
			byID[l.LoanID] = l
		}
		// L1: the assistant classes the solar loan (made before 2025-10-01) in the 2021 catalogue's class 3.
		if l := byID["L1"]; l.GreenClass != "3" || l.Catalogue != "2021" || l.ClimateType != ClimateMitigation || l.County != "331122" || l.BorrowerID != w.e1.ID {
			t.Errorf("L1: %+v", l)
		}
		if l := byID["L2"]; l.Green() || l.Catalogue != "2025" {
			t.Errorf("L2: %+v", l)
		}
		if l := byID["L3"]; l.GreenClass != "1" || l.County != "331100" || l.BorrowerID != 0 {
			t.Errorf("L3 (a borrower not on the platform): %+v", l)
		}
		var suggested string
		db.QueryRow(context.Background(), `SELECT suggested_class FROM loans WHERE loan_id = 'L3'`).Scan(&suggested)
		if suggested != "1" {
			t.Errorf("the assistant's proposal is not kept beside the officer's class: %q", suggested)
		}
		// A resubmission replaces the month's snapshot; another bank's book is apart.
		res, err = w.svc.ImportLoans(w.bank[0], strings.NewReader(header+"L1,"+w.e1.USCC+",碳效贷,500,380,3.4,2025-03-01,2027-03-01,光伏,,,,\n"), "2026-05b.csv", "2026-05")
		if err != nil || res.Replaced != 3 || res.Rows != 1 {
			t.Errorf("replace: %v %+v", err, res)
		}
		w.svc.ImportLoans(w.bank[1], strings.NewReader(good), "x.csv", "2026-05")
		if _, n, _ := w.svc.Loans(w.bank[0], LoanFilter{Month: "2026-05"}); n != 1 {
			t.Errorf("bank 0 sees %d loans", n)
		}
		if _, n, _ := w.svc.Loans(w.reg, LoanFilter{Month: "2026-05"}); n != 4 {
			t.Errorf("the regulator sees %d loans", n)
		}
		if _, err := w.svc.ImportLoans(w.ent1, strings.NewReader(good), "x.csv", "2026-05"); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("an enterprise imported loans: %v", err)
		}
		if _, err := w.svc.ImportLoans(w.bank[0], bytes.NewReader(nil), "x.csv", "May"); !hasField(err, "month") {
			t.Errorf("bad month: %v", err)
		}
	})
}
