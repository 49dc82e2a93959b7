package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/finance"
	"cifp/org"
	"cifp/project"
	"cifp/store"
)

// loanPurposes are drawn for the demo loans; the classification assistant
// classes them (光伏, 节能… green; the rest not).
// About one loan in four is green, near the pilot's published share.
var loanPurposes = []string{"补充流动资金", "补充流动资金", "补充流动资金", "补充流动资金", "补充流动资金", "补充流动资金",
	"购置生产设备", "购置生产设备", "厂房建设", "原材料采购", "原材料采购", "经营周转", "经营周转", "商铺装修", "技术研发",
	"补充流动资金", "补充流动资金", "补充流动资金", "补充流动资金", "经营周转", "经营周转", "原材料采购", "购置生产设备", "厂房建设", "仓储物流",
	"屋顶光伏电站建设", "电机系统节能改造", "余热回收利用", "小水电增效扩容", "森林经营碳汇", "新能源公交购置", "海绵城市改造", "农业节水灌溉"}

// financeMonths are the month-ends of the demo loan books: December 2024,
// then every month of 2025.
func financeMonths() []string {
	ms := []string{"2024-12"}
	for m := 1; m <= 12; m++ {
		ms = append(ms, fmt.Sprintf("2025-%02d", m))
	}
	return ms
}

// demoLoan is a loan of a demo book, amortised linearly from its start to
// its maturity.
type demoLoan struct {
	id, uscc, purpose, project string
	amount                     float64
	start, maturity            time.Time
}

func (l demoLoan) balance(monthEnd time.Time) float64 {
	if monthEnd.Before(l.start) || !monthEnd.Before(l.maturity) {
		return 0
	}
	left := l.maturity.Sub(monthEnd).Hours() / l.maturity.Sub(l.start).Hours()
	return float64(int(l.amount*left*100)) / 100
}

// loadFinance gives the demo its green finance: products of the banks, the
// loan books of every bank for thirteen month-ends (each a submission, as
// the banks make them), the insurer's policies, a bank's green bonds, and a
// financing need of the first enterprise that three banks have claimed.
func loadFinance(ctx context.Context, db *store.DB, ents []org.Org, o Options, res *Result) error {
	r := rand.New(rand.NewPCG(uint64(o.Seed)+11, pcgStream))
	orgs := org.NewService(db)
	svc := finance.NewService(db, carbon.NewService(db, orgs), project.NewService(db))
	now := func() time.Time { return time.Date(2026, 1, 15, 2, 0, 0, 0, time.UTC) }
	svc.Now = now
	insts := map[string]cifp.Actor{}
	rows, err := db.Query(ctx, `SELECT id, kind, name FROM orgs WHERE kind IN ('bank', 'insurer') ORDER BY id`)
	if err != nil {
		return err
	}
	var banks []cifp.Actor
	var insurer cifp.Actor
	for rows.Next() {
		var id int64
		var kind, name string
		if err := rows.Scan(&id, &kind, &name); err != nil {
			rows.Close()
			return err
		}
		a := cifp.Actor{OrgID: id, Username: "demo", Role: cifp.RoleFinance}
		insts[name] = a
		if kind == "bank" {
			banks = append(banks, a)
		} else if insurer.OrgID == 0 {
			insurer = a
		}
	}
	rows.Close()
	// The demo bank user's institution acts as its user, so that its claims
	// and products show as theirs.
	var bankUser cifp.Actor
	var role string
	if err := db.QueryRow(ctx, `SELECT id, org_id, username, role FROM users WHERE username = 'bank'`).Scan(&bankUser.UserID, &bankUser.OrgID, &bankUser.Username, &role); err != nil {
		return err
	}
	bankUser.Role = cifp.Role(role)
	for i, b := range banks {
		if b.OrgID == bankUser.OrgID {
			banks[i] = bankUser
		}
	}

	// Products: a 碳效贷 and a green project loan at every bank; a
	// carbon-sink pledge loan at the first.
	for i, b := range banks {
		for _, p := range []finance.Product{
			{Code: "TXD", Name: "碳效贷", Kind: "carbon_efficiency", Description: "按企业碳效等级差异化定价的流动资金贷款",
				MinAmount: 50, MaxAmount: 3000, MinTenor: 6, MaxTenor: 36, Grades: []int{1, 2, 3}, Collateral: []string{"credit", "guarantee"},
				LPRTerm: "1y", SpreadBP: float64(40 + 10*i), DiscountBP: map[int]float64{1: 40, 2: 20, 3: 5}},
			{Code: "LSXMD", Name: "绿色项目贷", Kind: "green_project", Description: "支持入库气候项目的中长期贷款",
				MinAmount: 200, MaxAmount: 50000, MinTenor: 12, MaxTenor: 180, Collateral: []string{"real_estate", "equipment", "receivables", "guarantee"},
				LPRTerm: "5y", SpreadBP: float64(-20 + 5*i), DiscountBP: map[int]float64{1: 20, 2: 10}},
		} {
			if _, err := svc.Publish(b.Context(ctx), p); err != nil {
				return fmt.Errorf("demo: product: %w", err)
			}
		}
		if i == 0 {
			if _, err := svc.Publish(b.Context(ctx), finance.Product{Code: "THZY", Name: "林业碳汇收益权质押贷款", Kind: "carbon_sink_pledge",
				MinAmount: 10, MaxAmount: 1000, MinTenor: 12, MaxTenor: 120, Industries: []string{"02"}, Collateral: []string{"carbon_sink", "forest_rights"},
				LPRTerm: "1y", SpreadBP: 30}); err != nil {
				return fmt.Errorf("demo: product: %w", err)
			}
		}
	}

	// The loan books: each bank lends to some enterprises; a loan in 25
	// finances a project of the library.
	type libProject struct{ code, owner string }
	var lib []libProject
	rs, err := db.Query(ctx, `SELECT p.code, o.uscc FROM projects p JOIN orgs o ON o.id = p.org_id
		WHERE p.status IN ('admitted', 'financing', 'construction', 'completed') ORDER BY p.id`)
	if err != nil {
		return err
	}
	for rs.Next() {
		var p libProject
		if err := rs.Scan(&p.code, &p.owner); err != nil {
			rs.Close()
			return err
		}
		lib = append(lib, p)
	}
	rs.Close()
	perBank := max(20, len(ents)/8)
	if o.Loans > 0 && len(banks) > 0 {
		perBank = max(1, o.Loans/len(banks))
	}
	for bi, b := range banks {
		var book []demoLoan
		for i := 0; i < perBank; i++ {
			e := ents[r.IntN(len(ents))]
			start := time.Date(2021+r.IntN(5), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, finance.China)
			l := demoLoan{id: fmt.Sprintf("%02d-%06d", bi+1, i+1), uscc: e.USCC, purpose: loanPurposes[r.IntN(len(loanPurposes))],
				amount: float64(50 + 10*r.IntN(300)), start: start, maturity: start.AddDate(1+r.IntN(6), 0, 0)}
			if len(lib) > 0 && i%25 == 0 { // a loan to a library project, to its owner
				p := lib[r.IntN(len(lib))]
				l.project, l.uscc, l.purpose = p.code, p.owner, "气候项目建设"
			}
			book = append(book, l)
		}
		for _, m := range financeMonths() {
			t, _ := time.ParseInLocation("2006-01", m, finance.China)
			end := t.AddDate(0, 1, -1)
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			w.Write(finance.LoanHeader)
			n := 0
			for _, l := range book {
				bal := l.balance(end.AddDate(0, 0, 1).Add(-time.Second))
				if l.start.After(end) || (bal == 0 && l.start.Format("2006-01") != m) {
					continue
				}
				w.Write([]string{l.id, l.uscc, "流动资金贷款", strconv.FormatFloat(l.amount, 'f', -1, 64), strconv.FormatFloat(bal, 'f', -1, 64), "3.6",
					l.start.Format(time.DateOnly), l.maturity.Format(time.DateOnly), l.purpose, "", "", "", l.project})
				n++
			}
			w.Flush()
			if n == 0 {
				continue
			}
			imp, err := svc.ImportLoans(b.Context(ctx), &buf, "demo-"+m+".csv", m)
			if err != nil {
				return fmt.Errorf("demo: loans %s: %w %v", m, err, cifp.ErrorFields(err))
			}
			res.Loans += imp.Rows
		}
	}

	// The insurer's green policies and the first bank's green bonds, at the last month-end.
	if insurer.OrgID != 0 {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(finance.PolicyHeader)
		kinds := []string{"environmental_liability", "weather_index", "carbon_sink", "catastrophe", "agriculture", "green_building"}
		for i := 0; i < max(10, len(ents)/20); i++ {
			e := ents[r.IntN(len(ents))]
			sum := float64(100 + 50*r.IntN(100))
			w.Write([]string{fmt.Sprintf("P%06d", i+1), e.USCC, kinds[r.IntN(len(kinds))], strconv.FormatFloat(sum, 'f', -1, 64),
				strconv.FormatFloat(sum*0.006, 'f', 2, 64), "2025-03-01", "2026-02-28"})
		}
		w.Flush()
		if _, err := svc.ImportPolicies(insurer.Context(ctx), &buf, "demo-policies.csv", "2025-12"); err != nil {
			return fmt.Errorf("demo: policies: %w %v", err, cifp.ErrorFields(err))
		}
	}
	if len(banks) > 0 {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(finance.InstrumentHeader)
		w.Write([]string{"GB2025-01", "green_bond", ents[0].USCC, "30000", "30000", "2025-06-18", "2028-06-18", "4", "2021", "mitigation", "绿色金融债券 (清洁能源)"})
		w.Write([]string{"LS2025-07", "leasing", ents[1%len(ents)].USCC, "1200", "1000", "2025-07-01", "2030-07-01", "1", "2021", "mitigation", "节能设备融资租赁"})
		w.Flush()
		if _, err := svc.ImportInstruments(banks[0].Context(ctx), &buf, "demo-instruments.csv", "2025-12"); err != nil {
			return fmt.Errorf("demo: instruments: %w %v", err, cifp.ErrorFields(err))
		}
	}

	// The first enterprise's need, claimed by three banks.
	var ent cifp.Actor
	if err := db.QueryRow(ctx, `SELECT id, org_id, username, role FROM users WHERE username = 'enterprise'`).Scan(&ent.UserID, &ent.OrgID, &ent.Username, &role); err != nil {
		return err
	}
	ent.Role = cifp.Role(role)
	n, err := svc.PostNeed(ent.Context(ctx), finance.NeedInput{Amount: 500, Tenor: 24, Purpose: "电机系统节能改造及屋顶光伏配套", Collateral: []string{"equipment", "guarantee"}})
	if err != nil {
		return fmt.Errorf("demo: need: %w", err)
	}
	for _, b := range banks[:min(2, len(banks))] {
		if _, err := svc.Claim(b.Context(ctx), n.ID, 0); err != nil {
			return fmt.Errorf("demo: claim: %w", err)
		}
	}
	res.Needs = 1

	// More needs, one in 500 enterprises', posted through the last quarter
	// of 2025: claimed by one to three banks, most contacted within hours
	// or days, some never (overdue now).
	defer func() { svc.Now = now }()
	for i := 0; i < len(ents)/500; i++ {
		var eid int64
		if err := db.QueryRow(ctx, `SELECT id FROM orgs WHERE uscc = ?`, ents[r.IntN(len(ents))].USCC).Scan(&eid); err != nil {
			return err
		}
		at := time.Date(2025, 10, 1, 1, 0, 0, 0, time.UTC).Add(time.Duration(i*(24*90/max(1, len(ents)/500))) * time.Hour)
		svc.Now = func() time.Time { return at }
		owner := cifp.Actor{UserID: ent.UserID, OrgID: eid, Username: "demo", Role: cifp.RoleEnterprise}
		n, err := svc.PostNeed(owner.Context(ctx), finance.NeedInput{Amount: float64(100 + 50*r.IntN(40)), Tenor: 12 * (1 + r.IntN(5)),
			Purpose: loanPurposes[r.IntN(len(loanPurposes))], Collateral: []string{"guarantee"}})
		if err != nil {
			return fmt.Errorf("demo: need: %w", err)
		}
		res.Needs++
		for _, bi := range r.Perm(len(banks))[:1+r.IntN(min(3, len(banks)))] {
			claimed := at.Add(time.Duration(1+r.IntN(48)) * time.Hour)
			svc.Now = func() time.Time { return claimed }
			c, err := svc.Claim(banks[bi].Context(ctx), n.ID, 0)
			if err != nil {
				return fmt.Errorf("demo: claim: %w", err)
			}
			if r.IntN(10) < 8 {
				contacted := claimed.Add(time.Duration(1+r.IntN(120)) * time.Hour)
				svc.Now = func() time.Time { return contacted }
				if _, err := svc.Contact(banks[bi].Context(ctx), c.ID, "电话联系，了解用款计划"); err != nil {
					return fmt.Errorf("demo: contact: %w", err)
				}
			}
		}
	}
	svc.Now = now

	// Each bank opens its early-warning list of the last year with
	// accounts, which records the warnings.
	if len(o.ActivityYears) > 0 {
		year := slices.Max(o.ActivityYears)
		for _, b := range banks {
			ws, err := svc.Warnings(b.Context(ctx), year)
			if err != nil {
				return fmt.Errorf("demo: warnings: %w", err)
			}
			res.Warnings += len(ws)
		}
	}
	return nil
}
