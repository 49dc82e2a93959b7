package project

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

var (
	testNow = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	system  = cifp.WithActor(context.Background(), cifp.Actor{UserID: 0, Username: "system", Role: cifp.RoleAdmin})
	pdf     = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
)

// world is a small city: two enterprises (A makes toys, C makes cement, a
// 两高 industry), a bank, a verifier and the platform with the regulator.
type world struct {
	db  *store.DB
	svc *Service
	// org ids
	a, b, c, bank, verifier, platform int64
	// users as contexts
	entA, entA2, entB, entC, reg, bank1, bank2, ver, citizen context.Context
	ids                                                      map[string]int64
}

func newWorld(t testing.TB, db *store.DB) *world {
	t.Helper()
	w := &world{db: db, svc: NewService(db), ids: map[string]int64{}}
	w.svc.now = func() time.Time { return testNow }
	orgs := org.NewService(db)
	n := 0
	mk := func(kind org.Kind, name, industry string) int64 {
		n++
		u, err := org.MakeUSCC('9', '1', "331102", fmt.Sprintf("0000000%c", "ABCDEFGH"[n]))
		if err != nil {
			t.Fatal(err)
		}
		o, err := orgs.Create(system, org.Org{Kind: kind, Name: name, USCC: u, Industry: industry, Division: "331102"})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	w.a = mk(org.KindEnterprise, "丽水市光伏玩具有限公司", "2459")
	w.b = mk(org.KindEnterprise, "龙泉市竹木制品有限公司", "2459")
	w.c = mk(org.KindEnterprise, "缙云县建材水泥有限公司", "3011")
	w.bank = mk(org.KindBank, "丽水银行", "")
	w.verifier = mk(org.KindVerifier, "浙江核查技术有限公司", "")
	w.platform = mk(org.KindPlatform, "丽水市生态环境局", "")
	user := func(name string, orgID int64, role cifp.Role) context.Context {
		var id int64
		if err := db.QueryRow(context.Background(), `INSERT INTO users (org_id, username, display_name, role, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'x', ?, ?) RETURNING id`, orgID, name, name, string(role), testNow, testNow).Scan(&id); err != nil {
			t.Fatal(err)
		}
		w.ids[name] = id
		return cifp.WithActor(context.Background(), cifp.Actor{UserID: id, OrgID: orgID, Username: name, Role: role})
	}
	w.entA = user("enta", w.a, cifp.RoleEnterprise)
	w.entA2 = user("enta2", w.a, cifp.RoleEnterprise)
	w.entB = user("entb", w.b, cifp.RoleEnterprise)
	w.entC = user("entc", w.c, cifp.RoleEnterprise)
	w.reg = user("reg", w.platform, cifp.RoleRegulator)
	w.bank1 = user("bank1", w.bank, cifp.RoleFinance)
	w.bank2 = user("bank2", w.bank, cifp.RoleFinance)
	w.ver = user("ver", w.verifier, cifp.RoleVerifier)
	w.citizen = user("citizen", w.platform, cifp.RoleCitizen)
	return w
}

// solar is a complete solar project: 20 000 MWh a year.
func solar() Fields {
	return Fields{Name: "莲都区工业园屋顶分布式光伏", County: "331102", Location: "莲都区南明山街道", Category: "solar_pv",
		Description: "20 MW 屋顶光伏, 全额上网", Investment: 8000, FinancingNeed: 5000, StartDate: "2026-07-01", EndDate: "2027-03-31",
		Lifetime: 25, Technical: map[string]string{"generation_mwh": "20000"}, Revenue: 800, Opex: 120, CoBenefitValue: 20, Contact: "王工 13800000000"}
}

func must(t *testing.T) func(Project, error) Project {
	return func(p Project, err error) Project {
		t.Helper()
		if err != nil {
			t.Fatalf("%v %v", err, cifp.ErrorFields(err))
		}
		return p
	}
}

// draft creates a draft of the owner with its documents attached.
func (w *world) draft(t *testing.T, owner context.Context, f Fields) Project {
	t.Helper()
	p := must(t)(w.svc.Create(owner, f))
	cat, _ := w.svc.Taxonomy.Category(f.Category)
	for _, d := range cat.Documents {
		if _, err := w.svc.Attach(owner, p.ID, d, d+".pdf", pdf); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (w *world) act(t *testing.T, ctx context.Context, id int64, action string, d Decision) Project {
	t.Helper()
	return must(t)(w.svc.Act(ctx, id, action, d))
}

var goodScores = map[string]float64{"climate_benefit": 25, "compliance": 18, "feasibility": 15, "economics": 12, "co_benefits": 10} // 80

// to drives a new solar project of A to the status by the workflow.
func (w *world) to(t *testing.T, status string) Project {
	t.Helper()
	p := w.draft(t, w.entA, solar())
	path := map[string][]string{
		StatusDraft:        {},
		StatusSubmitted:    {ActSubmit},
		StatusScreened:     {ActSubmit, ActScreen},
		StatusReview:       {ActSubmit, ActScreen, ActAssign},
		StatusReturned:     {ActSubmit, ActScreen, ActReturn},
		StatusRejected:     {ActSubmit, ActScreen, ActReject},
		StatusAdmitted:     {ActSubmit, ActScreen, ActAssign, ActReview, ActAdmit},
		StatusFinancing:    {ActSubmit, ActScreen, ActAssign, ActReview, ActAdmit, ActFinance},
		StatusConstruction: {ActSubmit, ActScreen, ActAssign, ActReview, ActAdmit, ActFinance, ActBuild},
		StatusCompleted:    {ActSubmit, ActScreen, ActAssign, ActReview, ActAdmit, ActFinance, ActBuild, ActComplete},
		StatusRemoved:      {ActSubmit, ActScreen, ActAssign, ActReview, ActAdmit, ActRemove},
	}[status]
	for _, a := range path {
		p = w.do(t, p, a)
	}
	if p.Status != status {
		t.Fatalf("drove project to %s, want %s", p.Status, status)
	}
	return p
}

// do takes a legal action with the right actor and a valid decision.
func (w *world) do(t *testing.T, p Project, action string) Project {
	t.Helper()
	switch action {
	case ActSubmit, ActFinance, ActBuild, ActComplete:
		return w.act(t, w.entA, p.ID, action, Decision{})
	case ActUpdate:
		return w.act(t, w.entA, p.ID, action, Decision{Progress: &Progress{Percent: 40, Invested: 3000, Financed: 2000}})
	case ActAssign:
		if p.Status == StatusReview { // a further expert
			return w.act(t, w.reg, p.ID, action, Decision{Reviewers: []int64{w.ids["bank2"]}})
		}
		return w.act(t, w.reg, p.ID, action, Decision{Reviewers: []int64{w.ids["bank1"], w.ids["ver"]}})
	case ActReview:
		w.act(t, w.bank1, p.ID, action, Decision{Scores: goodScores, Recommendation: ActAdmit, Comment: "效益明确"})
		return w.act(t, w.ver, p.ID, action, Decision{Scores: goodScores, Recommendation: ActAdmit, Comment: "测算可信"})
	case ActAdmit:
		if p.Status == StatusReview {
			var done int
			w.db.QueryRow(context.Background(), `SELECT COUNT(submitted_at) FROM project_reviews WHERE project_id = ?`, p.ID).Scan(&done)
			if done == 0 {
				w.do(t, p, ActReview)
			}
		}
		return w.act(t, w.reg, p.ID, action, Decision{Comment: "同意入库"})
	case ActScreen:
		return w.act(t, w.reg, p.ID, action, Decision{})
	default: // return, reject, remove
		return w.act(t, w.reg, p.ID, action, Decision{Comment: "理由: 材料需补充"})
	}
}

func TestWorkflowFromDeclarationToCompletion(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		p := w.draft(t, w.entA, solar())
		if p.Status != StatusDraft || !strings.HasPrefix(p.Code, "LS2026-") || p.Sector != "energy" || p.ClimateType != "mitigation" {
			t.Fatalf("draft: %+v", p)
		}
		p = w.do(t, p, ActSubmit)
		if p.SubmittedAt == nil {
			t.Error("no submission time")
		}
		p = w.do(t, p, ActScreen)
		sc := p.Screening
		if p.Status != StatusScreened || sc.Outcome != OutcomeEligible || sc.Taxonomy != DefaultTaxonomy().ID || sc.Estimate == nil {
			t.Fatalf("screened: %s %+v", p.Status, sc)
		}
		// 20 000 MWh × 0.5500 (regional 2023, the latest up to 2026) = 11 000 t; cost 8 000 万元 ÷ (11 000 × 25) = 290.91 元/t.
		near(t, "annual reduction", p.AnnualTCO2, 11000, 1e-6)
		near(t, "cost per tonne", *p.CostPerTonne, 80000000.0/275000, 1e-6)
		if p.List != "green" || p.Cat2021 != "3" || p.Cat2025 != "4" || p.NPV == nil {
			t.Errorf("classification or value missing: %+v", p)
		}

		// A colleague of the owner may not review it (回避); nothing is assigned.
		_, err := w.svc.Act(w.reg, p.ID, ActAssign, Decision{Reviewers: []int64{w.ids["enta2"], w.ids["bank1"]}})
		if cifp.ErrorCode(err) != cifp.EINVALID || !strings.Contains(fmt.Sprint(cifp.ErrorFields(err)), "conflict of interest") {
			t.Fatalf("conflict of interest: %v %v", err, cifp.ErrorFields(err))
		}
		// One reviewer is not enough.
		if _, err := w.svc.Act(w.reg, p.ID, ActAssign, Decision{Reviewers: []int64{w.ids["bank1"]}}); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Fatalf("one reviewer accepted: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM project_reviews`); n != 0 {
			t.Fatalf("refused assignments stored %d reviews", n)
		}
		p = w.do(t, p, ActAssign)
		if p.Status != StatusReview {
			t.Fatal(p.Status)
		}
		// The reviewers are told.
		for _, r := range []context.Context{w.bank1, w.ver} {
			ns, unread, err := w.svc.Notifications(r, 0)
			if err != nil || unread != 1 || ns[0].Kind != "review_assigned" || ns[0].ProjectID != p.ID {
				t.Errorf("reviewer notification: %v %d %+v", err, unread, ns)
			}
		}
		// Only an assigned reviewer reviews; scores follow the published criteria.
		if _, err := w.svc.Act(w.bank2, p.ID, ActReview, Decision{Scores: goodScores, Recommendation: ActAdmit}); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("unassigned reviewer: %v", err) // a bank does not even see a project under review it does not review
		}
		bad := map[string]float64{"climate_benefit": 31, "compliance": 18, "feasibility": 15, "economics": 12}
		_, err = w.svc.Act(w.bank1, p.ID, ActReview, Decision{Scores: bad, Recommendation: ActAdmit})
		if fs := fmt.Sprint(cifp.ErrorFields(err)); !strings.Contains(fs, "scores.climate_benefit") || !strings.Contains(fs, "scores.co_benefits") {
			t.Errorf("bad scores: %v %s", err, fs)
		}
		w.act(t, w.bank1, p.ID, ActReview, Decision{Scores: goodScores, Recommendation: ActAdmit})
		if _, err := w.svc.Act(w.bank1, p.ID, ActReview, Decision{Scores: goodScores, Recommendation: ActAdmit}); cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("second review by the same expert: %v", err)
		}
		// One review is not enough to admit.
		if _, err := w.svc.Act(w.reg, p.ID, ActAdmit, Decision{}); cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("admitted with one review: %v", err)
		}
		low := map[string]float64{"climate_benefit": 20, "compliance": 10, "feasibility": 10, "economics": 5, "co_benefits": 5} // 50
		p = w.act(t, w.ver, p.ID, ActReview, Decision{Scores: low, Recommendation: ActReturn, Comment: "经济性偏弱"})
		near(t, "mean score", *p.Score, 65, 1e-9) // (80 + 50) ÷ 2
		// The owner does not decide.
		if _, err := w.svc.Act(w.entA, p.ID, ActAdmit, Decision{}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("owner admitted: %v", err)
		}
		p = w.act(t, w.reg, p.ID, ActAdmit, Decision{Comment: "同意入库"})
		if p.Status != StatusAdmitted || p.AdmittedAt == nil {
			t.Fatalf("admit: %+v", p)
		}
		// The owner was told of every move made by others.
		ns, _, _ := w.svc.Notifications(w.entA, 0)
		if len(ns) != 3 || !strings.Contains(ns[0].Message, "已入库") { // screened, review, admitted
			t.Errorf("owner notifications: %+v", ns)
		}
		// The owner reads the reviews, not the reviewers' names, in the
		// reviews, the history or its audit log.
		rs, err := w.svc.Reviews(w.entA, p.ID)
		if err != nil || len(rs) != 2 || rs[0].Reviewer == "bank1" || rs[0].ReviewerOrg != "" || *rs[1].Total != 50 {
			t.Errorf("owner's reviews: %v %+v", err, rs)
		}
		evs, _ := w.svc.Events(w.entA, p.ID)
		for _, e := range evs {
			if s := e.Actor + string(e.Detail); strings.Contains(s, "bank1") || strings.Contains(s, `"ver"`) {
				t.Errorf("the owner's history names a reviewer: %s %s", e.Actor, e.Detail)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE org_id = ? AND (after_json LIKE '%bank1%' OR actor IN ('bank1', 'ver'))`, w.a); n != 0 {
			t.Errorf("the owner's audit log names reviewers %d times", n)
		}
		if acts, _ := w.svc.Actions(w.entA, p); !slices.Equal(acts, []string{ActFinance, ActBuild, ActUpdate}) {
			t.Errorf("owner's actions on an admitted project: %v", acts)
		}
		if acts, _ := w.svc.Actions(w.reg, p); !slices.Equal(acts, []string{ActFinance, ActBuild, ActUpdate, ActRemove}) {
			t.Errorf("team's actions on an admitted project: %v", acts)
		}
		if acts, _ := w.svc.Actions(w.bank1, p); len(acts) != 0 {
			t.Errorf("a reviewer's actions on an admitted project: %v", acts)
		}
		if _, err := w.svc.Recommend(w.reg, p.ID, true, "示范项目"); err != nil {
			t.Fatal(err)
		}
		p = w.do(t, p, ActFinance)
		p = w.do(t, p, ActUpdate)
		if p.Progress == nil || p.Progress.Percent != 40 || p.Progress.Invested != 3000 || p.ProgressAt == nil {
			t.Errorf("progress: %+v", p.Progress)
		}
		p = w.do(t, p, ActBuild)
		p = w.do(t, p, ActComplete)
		// Removal needs a reason.
		if _, err := w.svc.Act(w.reg, p.ID, ActRemove, Decision{}); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("removal without a reason: %v", err)
		}
		p = w.do(t, p, ActRemove)
		if p.Recommended {
			t.Error("a removed project is still recommended to the national library")
		}
		evs, err = w.svc.Events(w.reg, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
		}
		want := []string{"create", ActSubmit, ActScreen, ActAssign, ActReview, ActReview, ActAdmit, "recommend", ActFinance, ActUpdate, ActBuild, ActComplete, ActRemove}
		if !slices.Equal(actions, want) || evs[len(evs)-1].Comment == "" {
			t.Errorf("history %v, want %v", actions, want)
		}
		// Every step is in the audit log.
		for _, a := range want {
			if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity_id = ?`, "project."+a, fmt.Sprint(p.ID)); n == 0 {
				t.Errorf("no audit entry for %s", a)
			}
		}
	})
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEveryTransition takes every action from every status: the legal
// moves succeed (with the right actor and a valid decision) and every other
// move is refused with ECONFLICT and changes nothing.
func TestEveryTransition(t *testing.T) {
	db := testutil.MustOpenDB(t)
	w := newWorld(t, db)
	for _, from := range Statuses {
		for _, action := range Actions() {
			p := w.to(t, from)
			legal := false
			for _, tr := range Transitions {
				legal = legal || tr.Action == action && slices.Contains(tr.From, from)
			}
			if legal {
				got := w.do(t, p, action)
				if tr, _ := Allowed(action, from); tr.To != nil && !slices.Contains(tr.To, got.Status) {
					t.Errorf("%s from %s gave %s, want one of %v", action, from, got.Status, tr.To)
				}
				continue
			}
			actor := map[string]context.Context{ActSubmit: w.entA, ActFinance: w.entA, ActBuild: w.entA, ActComplete: w.entA, ActUpdate: w.entA}[action]
			if actor == nil {
				actor = w.reg
			}
			_, err := w.svc.Act(actor, p.ID, action, Decision{Comment: "试图越级操作", Reviewers: []int64{w.ids["bank2"], w.ids["ver"]},
				Scores: goodScores, Recommendation: ActAdmit, Progress: &Progress{Percent: 1}})
			if cifp.ErrorCode(err) != cifp.ECONFLICT {
				t.Errorf("%s from %s: got %v, want ECONFLICT", action, from, err)
			}
			after, _ := w.svc.Get(w.reg, p.ID)
			if after.Status != from || after.Version != p.Version {
				t.Errorf("%s from %s changed the project to %s (v%d→v%d)", action, from, after.Status, p.Version, after.Version)
			}
		}
	}
}

func TestTenantIsolation(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		draft := w.draft(t, w.entA, solar())
		admitted := w.to(t, StatusAdmitted)
		bDraft := w.draft(t, w.entB, solar())

		// An enterprise sees only its own projects, drafts included.
		for _, c := range []struct {
			who  context.Context
			name string
			see  []int64
		}{
			{w.entA, "enterprise A", []int64{draft.ID, admitted.ID}},
			{w.entA2, "A's colleague", []int64{draft.ID, admitted.ID}},
			{w.entB, "enterprise B", []int64{bDraft.ID}},
			{w.bank2, "a bank user who reviews nothing", []int64{admitted.ID}},
			{w.bank1, "a bank user who reviewed", []int64{admitted.ID}},
			{w.ver, "the verifier who reviewed", []int64{admitted.ID}},
			{w.reg, "the regulator", []int64{draft.ID, admitted.ID, bDraft.ID}},
		} {
			ps, total, err := w.svc.List(c.who, Filter{Sort: "investment"})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range ps {
				got = append(got, p.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.see) || total != len(c.see) {
				t.Errorf("%s sees %v (total %d), want %v", c.name, got, total, c.see)
			}
		}
		// Nor can it read, edit, attach to or act on another's.
		if _, err := w.svc.Get(w.entB, draft.ID); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("B read A's draft: %v", err)
		}
		if _, err := w.svc.Update(w.entB, draft.ID, draft.Version, solar()); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("B edited A's draft: %v", err)
		}
		if _, err := w.svc.Attach(w.entB, draft.ID, "other", "x.pdf", pdf); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("B attached to A's draft: %v", err)
		}
		if _, err := w.svc.Act(w.entB, draft.ID, ActSubmit, Decision{}); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("B submitted A's draft: %v", err)
		}
		if _, _, err := w.svc.Open(w.bank1, draft.ID, 1); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("a bank opened a draft's file: %v", err)
		}
		if _, err := w.svc.Events(w.entB, admitted.ID); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("B read A's history: %v", err)
		}
		if _, _, err := w.svc.List(w.citizen, Filter{}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("a citizen listed projects: %v", err)
		}
		// A reviewer sees only its own review until the decision.
		rev := w.to(t, StatusReview)
		w.act(t, w.bank1, rev.ID, ActReview, Decision{Scores: goodScores, Recommendation: ActAdmit})
		if rs, _ := w.svc.Reviews(w.ver, rev.ID); len(rs) != 1 || rs[0].Reviewer != "ver" {
			t.Errorf("the verifier sees reviews %+v", rs)
		}
		if rs, _ := w.svc.Reviews(w.entA, rev.ID); len(rs) != 0 {
			t.Errorf("the owner sees undecided reviews %+v", rs)
		}
		if _, err := w.svc.Experts(w.bank1, rev.ID); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("a bank listed experts: %v", err)
		}
		experts, err := w.svc.Experts(w.reg, draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range experts {
			if e.OrgID == w.a || e.Role == "citizen" || e.Role == "enterprise" {
				t.Errorf("expert %+v may not review A's project", e)
			}
		}
	})
}

func TestBadInputStoresNothing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		before := count(t, db, `SELECT COUNT(*) FROM projects`) + count(t, db, `SELECT COUNT(*) FROM audit_log`)
		for _, c := range []struct {
			name  string
			edit  func(*Fields)
			field string
		}{
			{"negative investment", func(f *Fields) { f.Investment = -1 }, "investment"},
			{"category not in the taxonomy", func(f *Fields) { f.Category = "perpetual_motion" }, "category"},
			{"not a county of Lishui", func(f *Fields) { f.County = "330102" }, "county"},
			{"end before start", func(f *Fields) { f.EndDate = "2026-01-01" }, "end_date"},
			{"negative lifetime", func(f *Fields) { f.Lifetime = -3 }, "lifetime"},
			{"financing above investment", func(f *Fields) { f.FinancingNeed = 9000 }, "financing_need"},
			{"no name", func(f *Fields) { f.Name = " " }, "name"},
		} {
			f := solar()
			c.edit(&f)
			_, err := w.svc.Create(w.entA, f)
			if cifp.ErrorCode(err) != cifp.EINVALID || !hasField(err, c.field) {
				t.Errorf("%s: %v %v, want EINVALID naming %s", c.name, err, cifp.ErrorFields(err), c.field)
			}
		}
		if after := count(t, db, `SELECT COUNT(*) FROM projects`) + count(t, db, `SELECT COUNT(*) FROM audit_log`); after != before {
			t.Errorf("refused drafts stored rows: %d → %d", before, after)
		}
		// A draft may lack a lifetime, but it cannot be submitted with zero.
		f := solar()
		f.Lifetime = 0
		p := w.draft(t, w.entA, f)
		if _, err := w.svc.Act(w.entA, p.ID, ActSubmit, Decision{}); cifp.ErrorCode(err) != cifp.EINVALID || !hasField(err, "lifetime") {
			t.Errorf("lifetime zero submitted: %v", err)
		}
		if got, _ := w.svc.Get(w.entA, p.ID); got.Status != StatusDraft {
			t.Errorf("refused submission moved the project to %s", got.Status)
		}
		// Attachments: too large, forbidden types, unknown kinds.
		files := count(t, db, `SELECT COUNT(*) FROM project_files`)
		big := append(append([]byte{}, pdf...), make([]byte, MaxFileSize)...)
		if _, err := w.svc.Attach(w.entA, p.ID, "feasibility", "big.pdf", big); cifp.ErrorCode(err) != cifp.ETOOLARGE || !hasField(err, "file") {
			t.Errorf("too large: %v", err)
		}
		for name, content := range map[string][]byte{
			"setup.exe":   []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"),
			"report.pdf":  []byte("just text pretending to be a PDF"),
			"archive.zip": []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"),
			"empty.pdf":   {},
		} {
			if _, err := w.svc.Attach(w.entA, p.ID, "feasibility", name, content); cifp.ErrorCode(err) != cifp.EINVALID || !hasField(err, "file") {
				t.Errorf("%s accepted: %v", name, err)
			}
		}
		if _, err := w.svc.Attach(w.entA, p.ID, "selfie", "x.pdf", pdf); !hasField(err, "kind") {
			t.Errorf("unknown kind: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM project_files`); n != files {
			t.Errorf("refused attachments stored: %d → %d", files, n)
		}
		// An accepted attachment keeps its hash, and the content comes back.
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
		file, err := w.svc.Attach(w.entA, p.ID, "other", `C:\docs\site.png`, png)
		if err != nil || file.ContentType != "image/png" || file.Name != "site.png" || len(file.SHA256) != 64 {
			t.Fatalf("png: %v %+v", err, file)
		}
		if _, content, err := w.svc.Open(w.entA, p.ID, file.ID); err != nil || !bytes.Equal(content, png) {
			t.Errorf("open: %v", err)
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

func TestScreeningExclusionsAndTwoHigh(t *testing.T) {
	tax, fs, par, val := DefaultTaxonomy(), w0().Factors, DefaultParams(), DefaultValueParams()
	docs := []string{"feasibility", "approval", "eia", "energy_review", "land"}
	screen := func(f Fields, industry string) Screening {
		return Screen(tax, fs, par, val, ScreenInput{Fields: f, Industry: industry, Documents: docs, Year: screenYear})
	}
	// New unabated coal power is excluded, whatever else it says.
	coal := solar()
	coal.Category, coal.Technical = "coal_power", nil
	if s := screen(coal, "4411"); s.Outcome != OutcomeExcluded || s.Exclusion.Code != "unabated_coal" || s.Taxonomy != tax.ID {
		t.Errorf("coal power: %+v", s)
	}
	// Switching to coal is excluded; switching from coal to gas is not.
	sw := solar()
	sw.Category, sw.Technical = "fuel_switch", map[string]string{"baseline_fuel": "natural_gas", "baseline_quantity": "10", "new_fuel": "bituminous_coal", "new_quantity": "1"}
	if s := screen(sw, "2459"); s.Outcome != OutcomeExcluded || s.Exclusion.Code != "switch_to_coal" {
		t.Errorf("switch to coal: %+v", s)
	}
	sw.Technical = map[string]string{"baseline_fuel": "bituminous_coal", "baseline_quantity": "1000", "new_fuel": "natural_gas", "new_quantity": "60"}
	if s := screen(sw, "2459"); s.Outcome != OutcomeEligible || s.TwoHigh || s.ReviewsNeeded != 2 {
		t.Errorf("coal to gas: %+v", s)
	}
	// The same retrofit at a cement works (两高) is eligible but needs extra review.
	if s := screen(sw, "3011"); s.Outcome != OutcomeEligible || !s.TwoHigh || s.ReviewsNeeded != 3 {
		t.Errorf("两高 retrofit: %+v", s)
	}
	// Missing documents make a project incomplete, naming each.
	s := Screen(tax, fs, par, val, ScreenInput{Fields: solar(), Industry: "4416", Documents: []string{"feasibility"}, Year: screenYear})
	if s.Outcome != OutcomeIncomplete || len(s.Problems) != 1 || s.Problems[0].Value != "approval" {
		t.Errorf("missing approval: %+v", s)
	}
	// An adaptation project has no reduction estimate and still passes.
	flood := solar()
	flood.Category, flood.Technical = "flood_resilience", nil
	if s := screen(flood, ""); s.Outcome != OutcomeEligible || s.Estimate != nil || s.ClimateType != "adaptation" || s.Assessment.CostPerTonne != nil {
		t.Errorf("adaptation: %+v", s)
	}
	// The crosswalk names the 2025 successors of the 2021 class.
	if s := screen(solar(), ""); !slices.Equal(s.Successors, []string{"4"}) || s.Cat2021Item == "" {
		t.Errorf("crosswalk: %+v", s)
	}
}

func w0() *Service { return NewService(nil) }

func TestResubmissionStartsANewRound(t *testing.T) {
	db := testutil.MustOpenDB(t)
	w := newWorld(t, db)
	p := w.to(t, StatusReview)
	w.act(t, w.bank1, p.ID, ActReview, Decision{Scores: goodScores, Recommendation: ActReturn, Comment: "补充发电量测算"})
	p = w.act(t, w.reg, p.ID, ActReturn, Decision{Comment: "请补充发电量测算依据"})
	f := p.Fields
	f.Technical = map[string]string{"generation_mwh": "18000"}
	p = must(t)(w.svc.Update(w.entA, p.ID, p.Version, f))
	// A stale version is refused.
	if _, err := w.svc.Update(w.entA, p.ID, p.Version-1, f); cifp.ErrorCode(err) != cifp.ECONFLICT {
		t.Errorf("stale update: %v", err)
	}
	p = w.do(t, p, ActSubmit)
	if p.Score != nil || count(t, db, `SELECT COUNT(*) FROM project_reviews WHERE project_id = ?`, p.ID) != 0 {
		t.Errorf("the last round's reviews remain: %+v", p.Score)
	}
	evs, _ := w.svc.Events(w.reg, p.ID)
	if last := evs[len(evs)-1]; last.Action != ActSubmit || !strings.Contains(string(last.Detail), "补充发电量测算") {
		t.Errorf("the last round's reviews are not in the history: %s", last.Detail)
	}
	p = w.do(t, p, ActScreen)
	p = w.do(t, p, ActAssign) // the same experts again
	near(t, "new estimate", p.AnnualTCO2, 18000*0.55, 1e-6)
}

func TestTwoHighProjectNeedsThreeReviewers(t *testing.T) {
	db := testutil.MustOpenDB(t)
	w := newWorld(t, db)
	f := solar()
	f.Category, f.Technical = "energy_efficiency", map[string]string{"electricity_saved_mwh": "5000"}
	p := w.draft(t, w.entC, f)
	w.act(t, w.entC, p.ID, ActSubmit, Decision{})
	p = w.act(t, w.reg, p.ID, ActScreen, Decision{})
	if !p.TwoHigh || p.Status != StatusScreened {
		t.Fatalf("%+v", p)
	}
	_, err := w.svc.Act(w.reg, p.ID, ActAssign, Decision{Reviewers: []int64{w.ids["bank1"], w.ids["ver"]}})
	if !hasField(err, "reviewers") || !strings.Contains(fmt.Sprint(cifp.ErrorFields(err)), "3") {
		t.Fatalf("two reviewers for a 两高 project: %v %v", err, cifp.ErrorFields(err))
	}
	w.act(t, w.reg, p.ID, ActAssign, Decision{Reviewers: []int64{w.ids["bank1"], w.ids["ver"], w.ids["bank2"]}})
}

func TestExportAndImport(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		a := w.to(t, StatusAdmitted)
		w.to(t, StatusDraft)
		if _, err := w.svc.Recommend(w.reg, a.ID, true, "示范性强"); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := w.svc.Export(w.reg, &buf, Filter{Library: true}, false); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("气候项目库")
		if len(rows) != 2 || len(rows[0]) != len(Columns) {
			t.Fatalf("export has %d rows, header %d cells", len(rows), len(rows[0]))
		}
		row := map[string]string{}
		for i, c := range Columns {
			if i < len(rows[1]) {
				row[c.Key] = rows[1][i]
			}
		}
		for k, want := range map[string]string{"code": a.Code, "name": a.Name, "status": "admitted", "county_name": "莲都区",
			"annual_tco2": "11000", "cat2021": "3 清洁能源产业", "cat2025": "4 能源绿色低碳转型", "list": "绿色低碳项目清单",
			"recommended": "是", "taxonomy": DefaultTaxonomy().ID, "score": "80", "lifetime": "25"} {
			if row[k] != want {
				t.Errorf("export %s = %q, want %q", k, row[k], want)
			}
		}
		if !strings.Contains(row["factors"], "0.55") {
			t.Errorf("export factors %q", row["factors"])
		}
		// The national recommendation holds the recommended projects only.
		buf.Reset()
		if err := w.svc.Export(w.reg, &buf, Filter{}, true); err != nil {
			t.Fatal(err)
		}
		x, _ = excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if rows, _ := x.GetRows("推荐国家库"); len(rows) != 2 {
			t.Errorf("national export rows %d", len(rows))
		}

		// Import: the exported file loads back as new projects; one bad row
		// spoils the whole file, naming the row and column.
		var exported bytes.Buffer
		w.svc.Export(w.reg, &exported, Filter{Library: true}, false)
		x, _ = excelize.OpenReader(bytes.NewReader(exported.Bytes()))
		x.SetCellValue("气候项目库", "A3", "")
		for i, c := range Columns {
			cell, _ := excelize.CoordinatesToCellName(i+1, 3)
			x.SetCellValue("气候项目库", cell, row[c.Key])
		}
		invCol := slices.IndexFunc(Columns, func(c Column) bool { return c.Key == "investment" })
		cell, _ := excelize.CoordinatesToCellName(invCol+1, 3)
		x.SetCellValue("气候项目库", cell, "-5")
		catCol := slices.IndexFunc(Columns, func(c Column) bool { return c.Key == "category" })
		cell4, _ := excelize.CoordinatesToCellName(catCol+1, 4)
		for i, c := range Columns {
			cell, _ := excelize.CoordinatesToCellName(i+1, 4)
			x.SetCellValue("气候项目库", cell, row[c.Key])
		}
		x.SetCellValue("气候项目库", cell4, "coal_power")
		var bad bytes.Buffer
		x.Write(&bad)
		before := count(t, db, `SELECT COUNT(*) FROM projects`)
		_, err = w.svc.Import(w.reg, bytes.NewReader(bad.Bytes()), "library.xlsx")
		fields := cifp.ErrorFields(err)
		if cifp.ErrorCode(err) != cifp.EINVALID || !slices.ContainsFunc(fields, func(f cifp.FieldError) bool { return f.Row == 3 && f.Field == "investment" && f.Column != "" }) ||
			!slices.ContainsFunc(fields, func(f cifp.FieldError) bool { return f.Row == 4 && f.Field == "category" }) {
			t.Errorf("bad import: %v %+v", err, fields)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM projects`); n != before {
			t.Errorf("a refused import stored %d projects", n-before)
		}
		// Only the library team imports.
		if _, err := w.svc.Import(w.entA, bytes.NewReader(exported.Bytes()), "library.xlsx"); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("an enterprise imported: %v", err)
		}
		res, err := w.svc.Import(w.reg, bytes.NewReader(exported.Bytes()), "library.xlsx")
		if err != nil || res.Rows != 1 {
			t.Fatalf("import: %v %v %+v", err, cifp.ErrorFields(err), res)
		}
		ps, _, _ := w.svc.List(w.reg, Filter{Query: res.Codes[0]})
		if len(ps) != 1 || ps[0].Status != StatusAdmitted || ps[0].AnnualTCO2 != 11000 || ps[0].Name != a.Name || !ps[0].Recommended || ps[0].OrgID != w.a {
			t.Errorf("imported project: %+v", ps)
		}
		// The template opens and has the importable columns.
		buf.Reset()
		if err := WriteTemplate(&buf); err != nil {
			t.Fatal(err)
		}
		x, _ = excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if rows, _ := x.GetRows("项目"); len(rows) != 1 || !slices.Contains(rows[0], "总投资（万元） (investment)") {
			t.Errorf("template header %v", rows)
		}
	})
}

func TestCountiesAndFilters(t *testing.T) {
	db := testutil.MustOpenDB(t)
	w := newWorld(t, db)
	w.to(t, StatusAdmitted)
	f := solar()
	f.County, f.Investment = "331181", 20000
	w.draft(t, w.entA, f)
	cs, err := w.svc.Counties(w.reg, Filter{})
	if err != nil || len(cs) != 2 || cs[0].County != "331102" || cs[1].Investment != 20000 {
		t.Errorf("counties: %v %+v", err, cs)
	}
	for _, c := range []struct {
		f    Filter
		want int
	}{
		{Filter{County: "331181"}, 1}, {Filter{Library: true}, 1}, {Filter{MinInvest: 10000}, 1}, {Filter{MaxInvest: 10000}, 1},
		{Filter{MinReduction: 10000}, 1}, {Filter{Category: "wind_power"}, 0}, {Filter{Query: "光伏"}, 2}, {Filter{Query: "50%_"}, 0},
		{Filter{Statuses: []string{StatusDraft, StatusAdmitted}}, 2}, {Filter{List: "green"}, 1}, {Filter{ClimateType: "mitigation"}, 2},
	} {
		if _, n, err := w.svc.List(w.reg, c.f); err != nil || n != c.want {
			t.Errorf("%+v: %d (%v), want %d", c.f, n, err, c.want)
		}
	}
	if _, _, err := w.svc.List(w.reg, Filter{Sort: "luck"}); !hasField(err, "sort") {
		t.Errorf("unknown sort: %v", err)
	}
}
