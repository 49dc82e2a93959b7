package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cifp"
	"cifp/audit"
	"cifp/auth"
	"cifp/carbon"
	"cifp/finance"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/project"
	"cifp/store"
)

// TestTenantIsolation proves that an enterprise user and a bank user get 403
// or 404 — never data — from every endpoint that reads another tenant's rows,
// and that lists show them only their own. Every API route must have a case
// here: a new route fails the test until its tenant behaviour is stated.
func TestTenantIsolation(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		bank := f.users["bank"]
		ent := f.users["enterprise"]
		insurer := f.users["insurer"]
		// Secrets of other tenants that must never appear in a response.
		otherOrg, err := f.orgs.Get(system, f.other.ID)
		if err != nil {
			t.Fatal(err)
		}
		insurerOrg, _ := f.orgs.Get(system, insurer.OrgID)
		_, insurerToken, err := f.auth.CreateToken(insurer.Actor().Context(context.Background()), "insurer-erp", 0)
		if err != nil {
			t.Fatal(err)
		}
		// Give the other enterprise some history.
		if _, err := f.orgs.Update(system, otherOrg.ID, org.Patch{Address: ptr("丽水市莲都区秘密路1号")}); err != nil {
			t.Fatal(err)
		}
		secrets := []string{otherOrg.USCC, insurerOrg.USCC, "秘密路", "insurer-erp", otherOrg.Name}
		// Carbon accounts for both enterprises, and a report of the other one's.
		own, _ := f.orgs.Get(system, ent.OrgID)
		if _, err := f.carbon.AddActivity(system, []carbon.Entry{
			{USCC: otherOrg.USCC, Period: "2025-03", Item: "electricity", Quantity: 777.7, Unit: "MWh"},
			{USCC: otherOrg.USCC, Period: "2025", Item: "value_added", Quantity: 999, Unit: "万元"},
			{USCC: own.USCC, Period: "2025-03", Item: "diesel", Quantity: 3, Unit: "t"},
		}, carbon.ImportOptions{Source: "api"}); err != nil {
			t.Fatal(err)
		}
		verifiers, _ := f.orgs.Directory(system, org.KindVerifier)
		var vid int64
		fmt.Sscan(verifiers[0].Key, &vid)
		otherUser := cifp.WithActor(context.Background(), cifp.Actor{UserID: 999, OrgID: otherOrg.ID, Username: "other", Role: cifp.RoleEnterprise})
		otherReport, err := f.carbon.Submit(otherUser, 2025, vid)
		if err != nil {
			t.Fatal(err)
		}

		// Projects of the other enterprise: a draft with an attachment, and a
		// screened project (not in the library) whose owner was notified.
		otherEnt := f.addUser("other.energy", otherOrg.ID, cifp.RoleEnterprise)
		otherCtx := f.ctx(otherEnt.Username)
		secretProject := "秘密光伏项目"
		secrets = append(secrets, secretProject)
		draft, err := f.projects.Create(otherCtx, solarFields(secretProject+"（草稿）"))
		if err != nil {
			t.Fatal(err)
		}
		draftFile, err := f.projects.Attach(otherCtx, draft.ID, "feasibility", "secret.pdf", pdf("secret"))
		if err != nil {
			t.Fatal(err)
		}
		screened := f.submitted(otherCtx, solarFields(secretProject+"（已初筛）"))
		f.act(f.ctx("regulator"), screened.ID, project.ActScreen, project.Decision{})
		unread := func() int {
			_, n, err := f.projects.Notifications(otherCtx, 1)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		otherUnread := unread()
		var otherNote int64
		if err := f.db.QueryRow(context.Background(), `SELECT MAX(id) FROM notifications WHERE user_id = ?`, otherEnt.ID).Scan(&otherNote); err != nil || otherUnread == 0 {
			t.Fatalf("the other enterprise's notification: %v (%d unread)", err, otherUnread)
		}
		// An enterprise may not declare a project for another organisation;
		// a bank may not declare at all.
		owners := func(u auth.User, ent int) int {
			if u.Role == cifp.RoleEnterprise {
				return ent
			}
			return 403
		}
		pid := func(p project.Project) string { return "/api/v1/projects/" + fmt.Sprint(p.ID) }

		// Green finance: the insurer's product; two needs of the other
		// enterprise that are closed to the bank — one full (one claimant
		// allowed, the insurer's), one chosen (the insurer) — and the
		// insurer's loan book lending to the other enterprise.
		insCtx := f.ctx("insurer")
		insProduct, err := f.finance.Publish(insCtx, greenProduct("INS-1"))
		if err != nil {
			t.Fatal(err)
		}
		secretNeed := "秘密融资需求"
		secrets = append(secrets, secretNeed, "INS-SECRET-LOAN")
		if err := f.finance.SetSettings(f.ctx("admin"), finance.Settings{MaxClaims: 1, ContactDays: 3}); err != nil {
			t.Fatal(err)
		}
		fullNeed, err := f.finance.PostNeed(otherCtx, finance.NeedInput{Amount: 500, Tenor: 24, Purpose: secretNeed + "（已满）", Collateral: []string{"credit"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.finance.SetSettings(f.ctx("admin"), finance.DefaultSettings); err != nil {
			t.Fatal(err)
		}
		chosenNeed, err := f.finance.PostNeed(otherCtx, finance.NeedInput{Amount: 800, Tenor: 36, Purpose: secretNeed + "（已选定）", Collateral: []string{"credit"}})
		if err != nil {
			t.Fatal(err)
		}
		fullClaim, err := f.finance.Claim(insCtx, fullNeed.ID, insProduct.ID)
		if err != nil {
			t.Fatal(err)
		}
		insClaim, err := f.finance.Claim(insCtx, chosenNeed.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.finance.Choose(otherCtx, chosenNeed.ID, insClaim.ID); err != nil {
			t.Fatal(err)
		}
		// Green-credit statistics, credit, warnings and the loop: the insurer
		// also finances the demo enterprise's library project (the enterprise's
		// own borrowing, in its loop; not the bank's); the other enterprise's
		// report is returned, which raises a warning in the insurer's list;
		// the insurer submits policies and a green bond.
		entProject := f.admitted(f.ctx("enterprise"), solarFields("缙云县屋顶光伏（保险机构融资）"))
		if _, err := f.finance.ImportLoans(insCtx, strings.NewReader(string(loanCSV(
			"INS-SECRET-LOAN,"+otherOrg.USCC+",保险增信贷,300,300,3.8,2026-01-10,2028-01-09,秘密用途,,,,",
			"INS-ENT-LOAN,"+own.USCC+",绿色项目贷,600,600,3.5,2025-11-10,2030-11-09,屋顶光伏,,,,"+entProject.Code))), "book.csv", "2026-01"); err != nil {
			t.Fatal(err)
		}
		verifierCtx := cifp.WithActor(context.Background(), cifp.Actor{UserID: 998, OrgID: vid, Username: "verifier-x", Role: cifp.RoleVerifier})
		if _, err := f.carbon.Decide(verifierCtx, otherReport.ID, false, "活动数据不完整，退回补充"); err != nil {
			t.Fatal(err)
		}
		insWarnings, err := f.finance.Warnings(insCtx, 2025)
		if err != nil || len(insWarnings) != 1 || insWarnings[0].BorrowerID != otherOrg.ID {
			t.Fatalf("the insurer's warnings: %v %+v", err, insWarnings)
		}
		insWarning := insWarnings[0]
		if _, err := f.finance.ImportPolicies(insCtx, strings.NewReader(strings.Join(finance.PolicyHeader, ",")+"\n"+
			"SECRET-POLICY-1,"+otherOrg.USCC+",weather_index,880,5.2,2025-06-01,2026-05-31\n"), "policies.csv", "2026-01"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.finance.ImportInstruments(insCtx, strings.NewReader(strings.Join(finance.InstrumentHeader, ",")+"\n"+
			"SECRET-BOND-1,green_bond,"+otherOrg.USCC+",5000,5000,2025-12-01,2028-12-01,3,2025,mitigation,秘密债券\n"), "instruments.csv", "2026-01"); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, "SECRET-POLICY", "SECRET-BOND")
		policies := f.count("policies")
		nid := func(n finance.Need) string { return "/api/v1/needs/" + fmt.Sprint(n.ID) }
		cl := func(c finance.Claim, action string) string { return fmt.Sprintf("/api/v1/claims/%d/%s", c.ID, action) }
		// byRole is the status of a route for an enterprise and for a bank.
		byRole := func(u auth.User, ent, bank int) int {
			if u.Role == cifp.RoleEnterprise {
				return ent
			}
			return bank
		}

		type tcase struct {
			method, path string
			body         any
			want         int  // status for both tenant users
			own          bool // 200 with own rows only: checked below
		}
		id := func(n int64) string { return fmt.Sprint(n) }
		cases := map[string]func(u auth.User) []tcase{
			"GET /healthz":              nil, // no tenant data
			"GET /metrics":              nil,
			"GET /api/v1/openapi.json":  nil,
			"GET /api/v1/divisions":     nil, // public reference data
			"GET /api/v1/industries":    nil,
			"GET /api/v1/orgs/template": nil, // an empty file
			"GET /api/v1/me":            func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/me", nil, 200, true}} },
			"GET /api/v1/orgs": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/orgs?limit=1000", nil, 200, true}, {"GET", "/api/v1/orgs?q=" + otherOrg.USCC, nil, 200, true}}
			},
			"POST /api/v1/orgs": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/orgs", map[string]any{"name": "x"}, 403, false}}
			},
			"GET /api/v1/orgs/{id}": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/orgs/" + id(otherOrg.ID), nil, 404, false}, {"GET", "/api/v1/orgs/" + id(insurerOrg.ID), nil, 404, false}}
			},
			"PATCH /api/v1/orgs/{id}": func(auth.User) []tcase {
				return []tcase{{"PATCH", "/api/v1/orgs/" + id(otherOrg.ID), map[string]any{"address": "x"}, 404, false}}
			},
			"GET /api/v1/orgs/export":  func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/orgs/export?format=csv", nil, 403, false}} },
			"POST /api/v1/orgs/import": func(auth.User) []tcase { return []tcase{{"POST", "/api/v1/orgs/import", "x", 403, false}} },
			"GET /api/v1/stats/orgs": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/stats/orgs?by=division", nil, 200, true}, {"GET", "/api/v1/stats/orgs?by=kind", nil, 200, true}}
			},
			"GET /api/v1/users": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/users", nil, 200, true}, {"GET", "/api/v1/users?org_id=" + id(otherOrg.ID), nil, 200, true}}
			},
			"POST /api/v1/users": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/users", map[string]any{"username": "x"}, 403, false}}
			},
			"GET /api/v1/tokens":  func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/tokens", nil, 200, true}} },
			"POST /api/v1/tokens": nil, // creates a token of the caller's own; nothing of another tenant is read
			"DELETE /api/v1/tokens/{id}": func(auth.User) []tcase {
				return []tcase{{"DELETE", "/api/v1/tokens/" + id(insurerToken.ID), nil, 404, false}}
			},
			"GET /api/v1/audit": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/audit?limit=500", nil, 200, true}, {"GET", "/api/v1/audit?entity=org&entity_id=" + id(otherOrg.ID), nil, 200, true}}
			},
			"GET /api/v1/audit/verify": func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/audit/verify", nil, 403, false}} },

			"GET /api/v1/projects": func(u auth.User) []tcase {
				cs := []tcase{{"GET", "/api/v1/projects?q=" + url.QueryEscape(secretProject), nil, 200, true},
					{"GET", "/api/v1/projects?status=draft,screened&limit=1000", nil, 200, true}}
				if u.Role == cifp.RoleEnterprise {
					cs = append(cs, tcase{"GET", "/api/v1/projects?limit=1000", nil, 200, true})
				}
				return cs
			},
			"POST /api/v1/projects": func(u auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/projects", map[string]any{"name": "x", "org_id": otherOrg.ID}, owners(u, 400), false}}
			},
			"GET /api/v1/projects/{id}": func(auth.User) []tcase {
				return []tcase{{"GET", pid(draft), nil, 404, false}, {"GET", pid(screened), nil, 404, false}}
			},
			"PUT /api/v1/projects/{id}": func(u auth.User) []tcase {
				return []tcase{{"PUT", pid(draft), map[string]any{"version": 1, "name": "改名"}, owners(u, 404), false}}
			},
			"POST /api/v1/projects/{id}/actions/{action}": func(auth.User) []tcase {
				return []tcase{{"POST", pid(draft) + "/actions/submit", nil, 404, false}, {"POST", pid(screened) + "/actions/assign", map[string]any{"reviewers": []int64{bank.ID}}, 404, false},
					{"POST", pid(screened) + "/actions/recommend", nil, 403, false}} // the team's flag: refused by role first
			},
			"GET /api/v1/projects/{id}/events":  func(auth.User) []tcase { return []tcase{{"GET", pid(screened) + "/events", nil, 404, false}} },
			"GET /api/v1/projects/{id}/reviews": func(auth.User) []tcase { return []tcase{{"GET", pid(screened) + "/reviews", nil, 404, false}} },
			"GET /api/v1/projects/{id}/files":   func(auth.User) []tcase { return []tcase{{"GET", pid(draft) + "/files", nil, 404, false}} },
			"POST /api/v1/projects/{id}/files": func(u auth.User) []tcase {
				return []tcase{{"POST", pid(draft) + "/files", upload{fields: map[string]string{"kind": "approval"}, name: "a.pdf", content: pdf("a")}, owners(u, 404), false}}
			},
			"GET /api/v1/projects/{id}/files/{fid}": func(auth.User) []tcase {
				return []tcase{{"GET", pid(draft) + "/files/" + fmt.Sprint(draftFile.ID), nil, 404, false}}
			},
			"GET /api/v1/projects/{id}/value": func(auth.User) []tcase {
				return []tcase{{"GET", pid(screened) + "/value?scenario=central", nil, 404, false}}
			},
			"GET /api/v1/projects/counties": func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/projects/counties", nil, 200, true}} },
			"GET /api/v1/stats/projects": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/stats/projects?measure=projects", nil, 200, true}}
			},
			"GET /api/v1/projects/taxonomy": nil, // the published rules: no tenant data
			"GET /api/v1/projects/export": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/projects/export", nil, 200, true}, {"GET", "/api/v1/projects/export?national=true", nil, 403, false}}
			},
			"GET /api/v1/projects/template": nil, // an empty file
			"POST /api/v1/projects/import": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/projects/import", "x", 403, false}}
			},
			"GET /api/v1/notifications": func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/notifications?limit=200", nil, 200, true}} },
			// Marking another user's notification read changes nothing: checked below.
			"POST /api/v1/notifications/read": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/notifications/read", map[string]any{"id": otherNote}, 200, false}}
			},

			"GET /api/v1/products": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/products", nil, 200, true}, {"GET", "/api/v1/products?all=true", nil, 200, true}}
			},
			// A bank publishing under the insurer's product code publishes its
			// own product: the insurer's is untouched (checked below).
			"POST /api/v1/products": func(u auth.User) []tcase {
				p := greenProduct("INS-1")
				return []tcase{{"POST", "/api/v1/products", map[string]any{"code": p.Code, "name": "同名产品", "kind": p.Kind, "min_amount": 1, "max_amount": 10,
					"min_tenor": 1, "max_tenor": 12, "collateral": p.Collateral, "lpr_term": "1y"}, byRole(u, 403, 201), false}}
			},
			"POST /api/v1/products/{id}/withdraw": func(u auth.User) []tcase {
				return []tcase{{"POST", fmt.Sprintf("/api/v1/products/%d/withdraw", insProduct.ID), nil, byRole(u, 403, 404), false}}
			},
			"GET /api/v1/needs": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/needs", nil, 200, true}, {"GET", "/api/v1/needs?status=chosen", nil, 200, true},
					{"GET", "/api/v1/needs?rank=true&mine=true", nil, 200, true}}
			},
			"POST /api/v1/needs": func(u auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/needs", map[string]any{"amount": 100, "tenor": 12, "purpose": "借别人的项目融资", "project_id": draft.ID}, byRole(u, 400, 403), false}}
			},
			"GET /api/v1/needs/{id}": func(auth.User) []tcase {
				return []tcase{{"GET", nid(fullNeed), nil, 404, false}, {"GET", nid(chosenNeed), nil, 404, false}}
			},
			"GET /api/v1/needs/{id}/matches": func(auth.User) []tcase {
				return []tcase{{"GET", nid(fullNeed) + "/matches", nil, 404, false}, {"GET", nid(chosenNeed) + "/matches", nil, 404, false}}
			},
			"POST /api/v1/needs/{id}/claims": func(u auth.User) []tcase {
				return []tcase{{"POST", nid(fullNeed) + "/claims", nil, byRole(u, 403, 404), false}, {"POST", nid(chosenNeed) + "/claims", nil, byRole(u, 403, 404), false}}
			},
			"POST /api/v1/needs/{id}/choose": func(u auth.User) []tcase {
				return []tcase{{"POST", nid(fullNeed) + "/choose", map[string]any{"claim_id": fullClaim.ID}, byRole(u, 404, 403), false}}
			},
			"POST /api/v1/needs/{id}/withdraw": func(u auth.User) []tcase {
				return []tcase{{"POST", nid(fullNeed) + "/withdraw", nil, byRole(u, 404, 403), false}}
			},
			"GET /api/v1/needs/{id}/code.png": func(u auth.User) []tcase {
				return []tcase{{"GET", nid(fullNeed) + "/code.png", nil, byRole(u, 404, 403), false}}
			},
			"GET /api/v1/needs/{id}/code.svg": func(u auth.User) []tcase {
				return []tcase{{"GET", nid(chosenNeed) + "/code.svg", nil, byRole(u, 404, 403), false}}
			},
			"POST /api/v1/claims/{id}/contact": func(u auth.User) []tcase {
				return []tcase{{"POST", cl(insClaim, "contact"), map[string]any{"note": "冒名联系"}, byRole(u, 403, 404), false}}
			},
			"POST /api/v1/claims/{id}/approve": func(u auth.User) []tcase {
				return []tcase{{"POST", cl(insClaim, "approve"), map[string]any{"amount": 800, "rate": 3}, byRole(u, 403, 404), false}}
			},
			"POST /api/v1/claims/{id}/refuse": func(u auth.User) []tcase {
				return []tcase{{"POST", cl(insClaim, "refuse"), map[string]any{"reason": "冒名拒绝该需求"}, byRole(u, 403, 404), false}}
			},
			"POST /api/v1/claims/{id}/disburse": func(u auth.User) []tcase {
				return []tcase{{"POST", cl(insClaim, "disburse"), map[string]any{"loan_id": "X", "amount": 1, "rate": 3, "start_date": "2026-01-01", "maturity_date": "2027-01-01"},
					byRole(u, 403, 404), false}}
			},
			"GET /api/v1/loans": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/loans?month=2026-01", nil, 200, true}, {"GET", "/api/v1/loans?month=2026-01&institution_id=" + id(insurerOrg.ID), nil, 200, true},
					{"GET", "/api/v1/loans?month=2026-01&borrower_uscc=" + otherOrg.USCC, nil, 200, true}}
			},
			// Imports store the caller's own institution's book only.
			"POST /api/v1/loans/import": func(u auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/loans/import?month=2026-01", "x", byRole(u, 403, 415), false}}
			},
			"GET /api/v1/loans/template":   nil, // an empty file
			"GET /api/v1/finance/settings": nil, // the service's rules: no tenant data
			// Green-credit statistics: an institution its own cells only, an
			// enterprise none; the bank has no loans, the insurer has.
			"GET /api/v1/finance/statistics": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/statistics?month=2026-01", nil, byRole(u, 403, 200), true},
					{"GET", "/api/v1/finance/statistics?month=2026-01&by=institution", nil, byRole(u, 403, 200), true},
					{"GET", "/api/v1/finance/statistics?month=2026-01&by=county", nil, byRole(u, 403, 200), true},
					{"GET", "/api/v1/finance/statistics", nil, byRole(u, 403, 200), true}}
			},
			"GET /api/v1/finance/statistics/trend": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/statistics/trend?from=2025-11&to=2026-01&by=institution", nil, byRole(u, 403, 200), true}}
			},
			"GET /api/v1/finance/statistics/chart": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/statistics/chart?from=2025-11&to=2026-01", nil, byRole(u, 403, 200), true}}
			},
			"GET /api/v1/finance/statistics/export": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/statistics/export?month=2026-01", nil, byRole(u, 403, 200), true}}
			},
			"POST /api/v1/finance/statistics/recompute": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/finance/statistics/recompute", nil, 403, false}}
			},
			"GET /api/v1/finance/reference": nil, // definitions, scopes and targets: no tenant data
			"GET /api/v1/finance/targets": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/targets?month=2026-01&forest_cover=81", nil, 403, false}}
			},
			"GET /api/v1/finance/totals": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/totals?month=2026-01", nil, byRole(u, 403, 200), true}}
			},
			"GET /api/v1/finance/credit": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/credit?year=2025", nil, 200, true}, {"GET", "/api/v1/finance/credit?year=2025&month=2026-01", nil, 200, true}}
			},
			"GET /api/v1/finance/warnings": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/warnings?year=2025", nil, byRole(u, 403, 200), true}}
			},
			"POST /api/v1/finance/warnings/{id}/decision": func(u auth.User) []tcase {
				return []tcase{{"POST", fmt.Sprintf("/api/v1/finance/warnings/%d/decision", insWarning.ID), map[string]any{"decision": "exit", "comment": "冒名处置他行预警"}, byRole(u, 403, 404), false}}
			},
			"GET /api/v1/finance/loop": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/finance/loop?year=2025", nil, 200, true}}
			},
			// Submissions store the caller's own institution's month; only an insurer submits policies.
			"POST /api/v1/finance/policies/import": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/finance/policies/import?month=2026-01", upload{fields: map[string]string{"month": "2026-01"}, name: "p.csv",
					content: []byte(strings.Join(finance.PolicyHeader, ",") + "\nP-1," + own.USCC + ",weather_index,10,1,2026-01-01,2026-12-31\n")}, 403, false}}
			},
			"POST /api/v1/finance/instruments/import": func(u auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/finance/instruments/import?month=2026-01", "x", byRole(u, 403, 415), false}}
			},
			"GET /api/v1/finance/policies/template":    nil, // an empty file
			"GET /api/v1/finance/instruments/template": nil,
			"PUT /api/v1/finance/settings": func(auth.User) []tcase {
				return []tcase{{"PUT", "/api/v1/finance/settings", map[string]any{"max_claims": 10, "contact_days": 5}, 403, false}}
			},

			"GET /api/v1/carbon/accounts": func(u auth.User) []tcase {
				if u.Role == cifp.RoleFinance {
					return []tcase{{"GET", "/api/v1/carbon/accounts?year=2025", nil, 403, false}}
				}
				return []tcase{{"GET", "/api/v1/carbon/accounts?year=2025", nil, 200, true}, {"GET", "/api/v1/carbon/accounts?year=2025&q=" + url.QueryEscape(otherOrg.Name), nil, 200, true}}
			},
			"GET /api/v1/carbon/accounts/export": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/carbon/accounts/export?year=2025", nil, 403, false}}
			},
			"GET /api/v1/carbon/accounts/{id}": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/carbon/accounts/" + id(otherOrg.ID) + "?year=2025", nil, denied(u), false}}
			},
			"GET /api/v1/carbon/accounts/{id}/chart": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/carbon/accounts/" + id(otherOrg.ID) + "/chart?year=2025&kind=sources", nil, denied(u), false}}
			},
			"POST /api/v1/carbon/activity": func(u auth.User) []tcase {
				body := map[string]any{"entries": []map[string]any{{"uscc": otherOrg.USCC, "period": "2025-04", "item": "diesel", "quantity": 1, "unit": "t"}}}
				return []tcase{{"POST", "/api/v1/carbon/activity", body, refused(u), false}}
			},
			"POST /api/v1/carbon/activity/import": func(u auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/carbon/activity/import", "x", map[cifp.Role]int{cifp.RoleFinance: 403, cifp.RoleEnterprise: 415}[u.Role], false}}
			},
			"GET /api/v1/carbon/template": nil, // an empty file
			"PUT /api/v1/carbon/accounts/{id}/grid-kind": func(u auth.User) []tcase {
				return []tcase{{"PUT", "/api/v1/carbon/accounts/" + id(otherOrg.ID) + "/grid-kind", map[string]any{"grid_kind": "national"}, denied(u), false}}
			},
			"GET /api/v1/carbon/factors": nil, // reference data
			// Public by design: only what the 碳效码's public page shows (name, year,
			// level, grade, verified); checked in TestCarbonGradesArePublicOnly.
			"GET /api/v1/carbon/grades": nil,
			"GET /api/v1/carbon/reports": func(u auth.User) []tcase {
				if u.Role == cifp.RoleFinance {
					return []tcase{{"GET", "/api/v1/carbon/reports", nil, 403, false}}
				}
				return []tcase{{"GET", "/api/v1/carbon/reports", nil, 200, true}}
			},
			// Submitting and correcting act on the caller's own enterprise only: they take no id.
			"POST /api/v1/carbon/reports":             nil,
			"POST /api/v1/carbon/reports/corrections": nil,
			"POST /api/v1/carbon/reports/{id}/decision": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/carbon/reports/" + id(otherReport.ID) + "/decision", map[string]any{"accept": true}, 403, false}}
			},
			"GET /api/v1/carbon/key-emitters": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/carbon/key-emitters?year=2025", nil, 403, false}}
			},
			"POST /api/v1/carbon/recompute": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/carbon/recompute", map[string]any{"years": []int{2025}}, 403, false}}
			},

			// The cockpit: an institution its own loans (another institution
			// named in the filter is refused), no carbon panel; an enterprise
			// its own view only.
			"GET /api/v1/cockpit/enterprise": func(u auth.User) []tcase {
				if u.Role == cifp.RoleFinance {
					return []tcase{{"GET", "/api/v1/cockpit/enterprise", nil, 403, false}}
				}
				return []tcase{{"GET", "/api/v1/cockpit/enterprise", nil, 200, true}}
			},
			"GET /api/v1/cockpit/{panel}": func(u auth.User) []tcase {
				if u.Role == cifp.RoleEnterprise {
					return []tcase{{"GET", "/api/v1/cockpit/credit", nil, 403, false}, {"GET", "/api/v1/cockpit/loop", nil, 403, false}}
				}
				cs := []tcase{{"GET", "/api/v1/cockpit/credit?institution=" + id(insurer.OrgID), nil, 403, false},
					{"GET", "/api/v1/cockpit/carbon", nil, 403, false}}
				for _, p := range []string{"credit", "trend", "breakdown?by=institution", "breakdown?by=county", "map?indicator=green_balance", "pipeline", "matching", "warnings?year=2025", "loop?year=2025"} {
					cs = append(cs, tcase{"GET", "/api/v1/cockpit/" + p, nil, 200, true})
				}
				return cs
			},
			"GET /api/v1/cockpit/{panel}/export": func(u auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/cockpit/credit/export?institution=" + id(insurer.OrgID), nil, 403, false}}
			},

			// GEP accounting: region-level accounts with no tenant's rows (every
			// role but citizens reads them, see gep.Service); only admins and
			// regulators enter inputs or run. Reads with data: web/gep_test.go.
			"POST /api/v1/gep/runs": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/gep/runs", map[string]any{"region": "331100", "year": 2024}, 403, false}}
			},
			"GET /api/v1/gep/runs":             func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/gep/runs?region=331100", nil, 200, false}} },
			"GET /api/v1/gep/runs/{id}":        func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/gep/runs/999999", nil, 404, false}} },
			"GET /api/v1/gep/runs/{id}/export": func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/gep/runs/999999/export", nil, 404, false}} },
			"GET /api/v1/gep/compare": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/gep/compare?a=999998&b=999999", nil, 404, false}}
			},
			"GET /api/v1/gep/overview": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/gep/overview?region=331100&year=2024", nil, 200, false}}
			},
			"GET /api/v1/gep/trend": func(auth.User) []tcase { return []tcase{{"GET", "/api/v1/gep/trend?region=331100", nil, 200, false}} },
			"GET /api/v1/gep/change": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/gep/change?region=331100&year=2024", nil, 404, false}}
			},
			"GET /api/v1/gep/asset-value": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/gep/asset-value?region=331100&year=2024", nil, 404, false}}
			},
			"GET /api/v1/gep/charts/{kind}": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/gep/charts/trend?region=331100", nil, 200, false}}
			},
			"POST /api/v1/gep/inputs": func(auth.User) []tcase {
				return []tcase{{"POST", "/api/v1/gep/inputs", map[string]any{"inputs": map[string]any{"region": "331102", "year": 2024}}, 403, false}}
			},
			"GET /api/v1/gep/inputs": func(auth.User) []tcase {
				return []tcase{{"GET", "/api/v1/gep/inputs?region=331102&year=2024", nil, 404, false}}
			},
			"GET /api/v1/gep/inputs/template": nil, // the demo or empty template of a region: no tenant data
			"POST /api/v1/gep/inputs/import":  func(auth.User) []tcase { return []tcase{{"POST", "/api/v1/gep/inputs/import", "x", 403, false}} },
			"POST /api/v1/gep/grids":          func(auth.User) []tcase { return []tcase{{"POST", "/api/v1/gep/grids", "x", 403, false}} },
		}
		for _, rt := range f.srv.Routes() {
			if rt.Doc.Summary == "" {
				continue
			}
			if _, ok := cases[rt.Method+" "+rt.Path]; !ok {
				t.Errorf("API route %s %s has no tenant-isolation case", rt.Method, rt.Path)
			}
		}
		for _, u := range []auth.User{ent, bank} {
			for route, mk := range cases {
				if mk == nil {
					continue
				}
				for _, c := range mk(u) {
					resp, body := f.call(u.Username, c.method, c.path, c.body)
					name := fmt.Sprintf("%s (%s): %s %s", u.Username, route, c.method, c.path)
					if resp.StatusCode != c.want {
						t.Errorf("%s: status %d, want %d: %s", name, resp.StatusCode, c.want, body)
						continue
					}
					sent, _ := json.Marshal(c.body)
					for _, s := range secrets {
						if strings.Contains(string(body), s) && !strings.Contains(string(sent), s) { // echoing the caller's own input is no leak
							t.Errorf("%s: the response shows another tenant's %q", name, s)
						}
					}
					if c.own && resp.StatusCode == http.StatusOK {
						checkOwn(t, f, name, c.path, body, u)
					}
				}
			}
		}

		// The enterprise's loop holds its project financed by the insurer; the bank's does not.
		for user, want := range map[string]int{"enterprise": 1, "bank": 0} {
			_, body := f.call(user, "GET", "/api/v1/finance/loop?year=2025", nil)
			if n := strings.Count(string(body), fmt.Sprintf(`"project_id":%d`, entProject.ID)); n != want {
				t.Errorf("%s's loop shows the insurer-financed project %d times, want %d: %s", user, n, want, body)
			}
		}
		// The insurer's warning is undecided, its policies untouched.
		if ws, err := f.finance.Warnings(insCtx, 2025); err != nil || len(ws) != 1 || ws[0].Decision != "" {
			t.Errorf("the insurer's warning changed: %v %+v", err, ws)
		}
		if n := f.count("policies"); n != policies {
			t.Errorf("policies: %d, were %d", n, policies)
		}
		// The insurer's product and claims are as they were.
		if p, err := f.finance.Product(insCtx, insProduct.ID); err != nil || !p.Active || p.Version != 1 {
			t.Errorf("the insurer's product changed: %v %+v", err, p)
		}
		if n, err := f.finance.Need(insCtx, chosenNeed.ID); err != nil || n.Status != finance.NeedChosen || n.Claims[0].Status != finance.ClaimChosen || n.Claims[0].ContactedAt != nil {
			t.Errorf("the insurer's claim changed: %v %+v", err, n)
		}
		if n, err := f.finance.Need(otherCtx, fullNeed.ID); err != nil || n.Status != finance.NeedOpen || n.ClaimCount != 1 {
			t.Errorf("the full need changed: %v %+v", err, n)
		}

		if n := unread(); n != otherUnread {
			t.Errorf("another tenant marked the other enterprise's notifications read: %d unread, was %d", n, otherUnread)
		}

		t.Run("Pages", func(t *testing.T) {
			for _, username := range []string{"enterprise", "bank"} {
				b := f.browser()
				b.login(username)
				for path, want := range map[string]int{
					"/carbon/orgs/" + id(otherOrg.ID):                         denied(f.users[username]),
					"/carbon/orgs/" + id(otherOrg.ID) + "/code.svg?year=2025": denied(f.users[username]),
					"/carbon/export":                     403,
					"/carbon/emitters":                   403,
					"/orgs/" + id(otherOrg.ID):           404,
					"/orgs/" + id(otherOrg.ID) + "/edit": 404,
					"/orgs":                              403,
					"/orgs/export?format=csv":            403,
					"/users":                             403,
					"/orgs/import":                       403,
					"/projects/" + id(draft.ID):          404,
					"/projects/" + id(screened.ID):       404,
					"/projects/" + id(draft.ID) + "/files/" + id(draftFile.ID): 404,
					"/projects/ranking":                                 403,
					"/projects/import":                                  403,
					"/projects/export?national=1":                       403,
					"/finance/needs/" + id(fullNeed.ID):                 404,
					"/finance/needs/" + id(chosenNeed.ID):               404,
					"/finance/needs/" + id(fullNeed.ID) + "/code":       byRole(f.users[username], 404, 403),
					"/finance/needs/" + id(chosenNeed.ID) + "/code.png": byRole(f.users[username], 404, 403),
					"/finance/settings":                                 403,
					"/finance/statistics?month=2026-01&by=institution":  byRole(f.users[username], 403, 200),
					"/finance/statistics/export?month=2026-01":          byRole(f.users[username], 403, 200),
					"/finance/warnings?year=2025":                       byRole(f.users[username], 403, 200),
					"/finance/submissions?month=2026-01":                byRole(f.users[username], 403, 200),
				} {
					resp, body := b.get(path)
					if resp.StatusCode != want {
						t.Errorf("%s GET %s: %d, want %d", username, path, resp.StatusCode, want)
					}
					if strings.Contains(body, otherOrg.USCC) || strings.Contains(body, "秘密路") || strings.Contains(body, otherOrg.Name) || strings.Contains(body, "SECRET-") {
						t.Errorf("%s GET %s shows another tenant's data", username, path)
					}
				}
				resp, _ := b.post("/orgs/"+id(otherOrg.ID), nil)
				if resp.StatusCode != 404 {
					t.Errorf("%s POST /orgs/%d: %d, want 404", username, otherOrg.ID, resp.StatusCode)
				}
				for _, action := range []string{"submit", "screen", "assign", "admit"} {
					resp, _ := b.post("/projects/"+id(screened.ID)+"/act", url.Values{"action": {action}, "reviewers": {id(bank.ID)}})
					if resp.StatusCode != 404 {
						t.Errorf("%s %s another enterprise's project: %d, want 404", username, action, resp.StatusCode)
					}
				}
				if _, body := b.get("/projects?q=" + url.QueryEscape(secretProject)); strings.Contains(body, draft.Name) || strings.Contains(body, screened.Code) {
					t.Errorf("%s: the library page shows another enterprise's projects", username)
				}
				for _, page := range []string{"/finance/needs", "/finance/needs?status=chosen", "/finance/loans?month=2026-01", "/finance/products?all=1",
					"/finance/credit?year=2025", "/finance/credit?year=2025&month=2026-01", "/finance/loop?year=2025"} {
					resp, body := b.get(page)
					if resp.StatusCode != 200 || strings.Contains(body, secretNeed) || strings.Contains(body, "INS-SECRET-LOAN") || strings.Contains(body, otherOrg.Name) {
						t.Errorf("%s GET %s: %d or shows another tenant's need or loan", username, page, resp.StatusCode)
					}
				}
				for path, want := range map[string]int{
					"/finance/needs/" + id(fullNeed.ID) + "/claim":                                 byRole(f.users[username], 403, 404),
					"/finance/needs/" + id(chosenNeed.ID) + "/choose":                              byRole(f.users[username], 404, 403),
					fmt.Sprintf("/finance/needs/%d/claims/%d/approve", chosenNeed.ID, insClaim.ID): byRole(f.users[username], 403, 404),
					fmt.Sprintf("/finance/products/%d/withdraw", insProduct.ID):                    byRole(f.users[username], 403, 404),
					fmt.Sprintf("/finance/warnings/%d/decision", insWarning.ID):                    byRole(f.users[username], 403, 404),
				} {
					if resp, _ := b.post(path, url.Values{"claim_id": {id(insClaim.ID)}, "amount": {"1"}, "rate": {"3"}, "decision": {"exit"}, "comment": {"冒名处置他行预警"}}); resp.StatusCode != want {
						t.Errorf("%s POST %s: %d, want %d", username, path, resp.StatusCode, want)
					}
				}
				resp, body := b.get("/audit")
				if resp.StatusCode != 200 || strings.Contains(body, "秘密路") {
					t.Errorf("%s /audit: %d or shows another tenant's entries", username, resp.StatusCode)
				}
			}
		})
	})
}

// checkOwn asserts that a 200 list response holds only the user's own rows.
func checkOwn(t *testing.T, f *fixture, name, path string, body []byte, u auth.User) {
	t.Helper()
	// visible is the number of projects the user may see, by the service.
	visible := func() int {
		_, n, err := f.projects.List(u.Actor().Context(context.Background()), project.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	switch {
	case strings.HasPrefix(path, "/api/v1/finance/"):
		checkOwnFinance(t, f, name, path, body, u)
	case strings.HasPrefix(path, "/api/v1/cockpit/"):
		checkOwnCockpit(t, f, name, path, body, u)
	case strings.HasPrefix(path, "/api/v1/projects/counties"):
		var rows []struct{ Projects int }
		json.Unmarshal(body, &rows)
		n := 0
		for _, r := range rows {
			n += r.Projects
		}
		if n != visible() {
			t.Errorf("%s: counts %d projects, the caller sees %d", name, n, visible())
		}
	case strings.HasPrefix(path, "/api/v1/stats/projects"):
		var c struct{ Series []struct{ Data []float64 } }
		json.Unmarshal(body, &c)
		n := 0.0
		for _, v := range c.Series[0].Data {
			n += v
		}
		if int(n) != visible() {
			t.Errorf("%s: counts %v projects, the caller sees %d", name, n, visible())
		}
	case strings.HasPrefix(path, "/api/v1/projects/export"):
		rows := xlsxRows(t, body)
		for _, r := range rows[1:] {
			for _, c := range r {
				if strings.Contains(c, "秘密") || (u.Role == cifp.RoleEnterprise && c == f.other.Name) {
					t.Errorf("%s: exports another tenant's %q", name, c)
				}
			}
		}
		if len(rows)-1 != visible() {
			t.Errorf("%s: exports %d projects, the caller sees %d", name, len(rows)-1, visible())
		}
	case strings.HasPrefix(path, "/api/v1/projects"):
		var p struct{ Items []project.Project }
		json.Unmarshal(body, &p)
		for _, x := range p.Items {
			switch {
			case u.Role == cifp.RoleEnterprise && x.OrgID != u.OrgID:
				t.Errorf("%s: lists project %s of org %d", name, x.Code, x.OrgID)
			case u.Role == cifp.RoleFinance && (x.Status == project.StatusDraft || x.Status == project.StatusSubmitted || strings.Contains(x.Name, "秘密")):
				t.Errorf("%s: a bank sees project %s, which is %s", name, x.Code, x.Status)
			}
		}
	case strings.HasPrefix(path, "/api/v1/notifications"):
		var p struct{ Items []project.Notification }
		json.Unmarshal(body, &p)
		for _, n := range p.Items {
			var owner int64
			if err := f.db.QueryRow(context.Background(), `SELECT user_id FROM notifications WHERE id = ?`, n.ID).Scan(&owner); err != nil || owner != u.ID {
				t.Errorf("%s: shows notification %d of user %d", name, n.ID, owner)
			}
		}
	case strings.HasPrefix(path, "/api/v1/products"):
		var ps []finance.Product
		json.Unmarshal(body, &ps)
		for _, p := range ps {
			if !p.Active && !(u.Role == cifp.RoleFinance && p.InstitutionID == u.OrgID) {
				t.Errorf("%s: lists version %d of product %s of institution %d, not on sale", name, p.Version, p.Code, p.InstitutionID)
			}
			if strings.Contains(path, "all=true") && u.Role == cifp.RoleFinance && p.InstitutionID != u.OrgID {
				t.Errorf("%s: lists the history of institution %d", name, p.InstitutionID)
			}
		}
	case strings.HasPrefix(path, "/api/v1/needs"):
		var ns []finance.Need
		json.Unmarshal(body, &ns)
		for _, n := range ns {
			mine := false
			for _, c := range n.Claims {
				if u.Role == cifp.RoleFinance && c.InstitutionID != u.OrgID {
					t.Errorf("%s: shows the claim of institution %d on need %d", name, c.InstitutionID, n.ID)
				}
				mine = mine || c.InstitutionID == u.OrgID
			}
			switch {
			case u.Role == cifp.RoleEnterprise && n.OrgID != u.OrgID:
				t.Errorf("%s: lists need %d of org %d", name, n.ID, n.OrgID)
			case u.Role == cifp.RoleFinance && !mine && (n.Status != finance.NeedOpen || n.ClaimCount >= n.MaxClaims):
				t.Errorf("%s: lists need %d (%s, %d/%d claims), which it did not claim", name, n.ID, n.Status, n.ClaimCount, n.MaxClaims)
			}
		}
	case strings.HasPrefix(path, "/api/v1/loans"):
		var p struct{ Items []finance.Loan }
		json.Unmarshal(body, &p)
		for _, l := range p.Items {
			if (u.Role == cifp.RoleFinance && l.InstitutionID != u.OrgID) || (u.Role == cifp.RoleEnterprise && l.BorrowerID != u.OrgID) {
				t.Errorf("%s: lists loan %s of institution %d to org %d", name, l.LoanID, l.InstitutionID, l.BorrowerID)
			}
		}
	case strings.HasPrefix(path, "/api/v1/me"):
		var me struct {
			Org org.Org `json:"org"`
		}
		json.Unmarshal(body, &me)
		if me.Org.ID != u.OrgID {
			t.Errorf("%s: org %d", name, me.Org.ID)
		}
	case strings.HasPrefix(path, "/api/v1/orgs"):
		var p struct{ Items []org.Org }
		json.Unmarshal(body, &p)
		for _, o := range p.Items {
			if o.ID != u.OrgID {
				t.Errorf("%s: lists org %d", name, o.ID)
			}
		}
	case strings.HasPrefix(path, "/api/v1/stats"):
		var c struct{ Series []struct{ Data []float64 } }
		json.Unmarshal(body, &c)
		total := 0.0
		for _, v := range c.Series[0].Data {
			total += v
		}
		if total != 1 {
			t.Errorf("%s: counts %v organisations, want only its own", name, total)
		}
	case strings.HasPrefix(path, "/api/v1/users"):
		var us []auth.User
		json.Unmarshal(body, &us)
		for _, x := range us {
			if x.OrgID != u.OrgID {
				t.Errorf("%s: lists user %s of org %d", name, x.Username, x.OrgID)
			}
		}
	case strings.HasPrefix(path, "/api/v1/tokens"):
		var ts []auth.APIToken
		json.Unmarshal(body, &ts)
		if len(ts) == 0 {
			t.Errorf("%s: not even the caller's own token", name)
		}
		for _, x := range ts {
			if x.UserID != u.ID {
				t.Errorf("%s: lists token %d of user %d", name, x.ID, x.UserID)
			}
		}
	case strings.HasPrefix(path, "/api/v1/carbon/accounts"):
		var p struct{ Items []carbon.StoredAccount }
		json.Unmarshal(body, &p)
		for _, a := range p.Items {
			if a.OrgID != u.OrgID {
				t.Errorf("%s: lists the account of org %d", name, a.OrgID)
			}
		}
	case strings.HasPrefix(path, "/api/v1/carbon/reports"):
		var rs []carbon.Report
		json.Unmarshal(body, &rs)
		for _, r := range rs {
			if r.OrgID != u.OrgID {
				t.Errorf("%s: lists the report of org %d", name, r.OrgID)
			}
		}
	case strings.HasPrefix(path, "/api/v1/audit"):
		var p struct{ Items []audit.Entry }
		json.Unmarshal(body, &p)
		for _, e := range p.Items {
			if e.OrgID != u.OrgID {
				t.Errorf("%s: shows entry %d of org %d", name, e.Seq, e.OrgID)
			}
		}
	default:
		t.Errorf("%s: no check of own rows for %s", name, path)
	}
}

func ptr[T any](v T) *T { return &v }

// denied is the status a tenant user gets for another enterprise's account:
// 404 for an enterprise (its scope hides it), 403 for a bank (its role may
// not read accounts at all).
func denied(u auth.User) int {
	if u.Role == cifp.RoleEnterprise {
		return 404
	}
	return 403
}

// refused is the status of writing another enterprise's data: an enterprise
// is told the row's enterprise is unknown to it (400, nothing written), a
// bank may not write at all.
func refused(u auth.User) int {
	if u.Role == cifp.RoleEnterprise {
		return 400
	}
	return 403
}

var _ = cifp.RoleAdmin

// TestProjectTenantIsolation covers the roles the main table does not: a
// verifier sees only the projects it is asked to review, a bank the library
// and its own reviews, and a citizen no project route at all (the published
// rules excepted).
func TestProjectTenantIsolation(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		reg := f.ctx("regulator")
		// A: the demo enterprise's project, reviewed by bank and verifier, admitted.
		a := f.admitted(f.ctx("enterprise"), solarFields("缙云县屋顶光伏（入库）"))
		// B: the other enterprise's project, under review by the insurer only.
		other := f.addUser("other.energy", f.other.ID, cifp.RoleEnterprise)
		b := f.submitted(f.ctx(other.Username), solarFields("另一家企业的光伏项目"))
		f.act(reg, b.ID, project.ActScreen, project.Decision{})
		f.act(reg, b.ID, project.ActAssign, project.Decision{Reviewers: []int64{f.users["insurer"].ID, f.users["pbc"].ID}})
		// C: the other enterprise's draft.
		c, err := f.projects.Create(f.ctx(other.Username), solarFields("另一家企业的草稿"))
		if err != nil {
			t.Fatal(err)
		}
		path := func(p project.Project, rest string) string { return fmt.Sprintf("/api/v1/projects/%d%s", p.ID, rest) }
		for _, x := range []struct {
			user   string
			p      project.Project
			status int
		}{
			{"verifier", a, 200}, {"verifier", b, 404}, {"verifier", c, 404},
			{"bank", a, 200}, {"bank", b, 404}, {"bank", c, 404},
			{"insurer", b, 200}, {"insurer", c, 404},
			{"enterprise", a, 200}, {"enterprise", b, 404},
			{other.Username, a, 404}, {other.Username, b, 200}, {other.Username, c, 200},
			{"regulator", c, 200}, {"admin", b, 200},
		} {
			for _, rest := range []string{"", "/events", "/reviews", "/files", "/value"} {
				if resp, body := f.call(x.user, "GET", path(x.p, rest), nil); resp.StatusCode != x.status {
					t.Errorf("%s GET %s (%s): %d, want %d: %.200s", x.user, path(x.p, rest), x.p.Status, resp.StatusCode, x.status, body)
				}
			}
		}
		// The verifier's list holds its assignments only.
		var page struct{ Items []project.Project }
		resp, body := f.call("verifier", "GET", "/api/v1/projects?limit=1000", nil)
		json.Unmarshal(body, &page)
		if resp.StatusCode != 200 || len(page.Items) != 1 || page.Items[0].ID != a.ID {
			t.Errorf("verifier list: %d %+v", resp.StatusCode, page.Items)
		}
		// A reviewer of B may not decide it, nor review A after the decision.
		if resp, _ := f.call("insurer", "POST", path(b, "/actions/admit"), nil); resp.StatusCode != 403 {
			t.Errorf("reviewer admits: %d", resp.StatusCode)
		}
		if resp, _ := f.call("verifier", "POST", path(a, "/actions/review"), map[string]any{"scores": goodScores(), "recommendation": "admit"}); resp.StatusCode != 409 {
			t.Errorf("review after admission: %d", resp.StatusCode)
		}
		// The insurer sees only its own review of B; the owner none until decided.
		var reviews []project.Review
		_, body = f.call("insurer", "GET", path(b, "/reviews"), nil)
		json.Unmarshal(body, &reviews)
		if len(reviews) != 1 || reviews[0].ReviewerID != f.users["insurer"].ID {
			t.Errorf("insurer reads reviews %+v", reviews)
		}
		_, body = f.call(other.Username, "GET", path(b, "/reviews"), nil)
		if json.Unmarshal(body, &reviews); len(reviews) != 0 {
			t.Errorf("the owner reads undecided reviews %+v", reviews)
		}

		// A citizen: 403 on every project route but the published rules.
		for _, rt := range f.srv.Routes() {
			if !strings.Contains(rt.Path, "projects") {
				continue
			}
			p := strings.NewReplacer("{id}", fmt.Sprint(a.ID), "{fid}", "1", "{action}", "submit").Replace(rt.Path)
			want := 403
			if p == "/api/v1/projects/taxonomy" || p == "/projects/criteria" {
				want = 200
			}
			var resp *http.Response
			var body []byte
			if strings.HasPrefix(p, "/api/") {
				resp, body = f.call("citizen", rt.Method, p, nil)
			} else {
				cb := f.browser()
				cb.login("citizen")
				var s string
				if rt.Method == "GET" {
					resp, s = cb.get(p)
				} else {
					resp, s = cb.post(p, nil)
				}
				body = []byte(s)
			}
			if resp.StatusCode != want {
				t.Errorf("citizen %s %s: %d, want %d: %.200s", rt.Method, p, resp.StatusCode, want, body)
			}
		}
		resp, body = f.call("citizen", "GET", "/api/v1/notifications", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"unread":0`) {
			t.Errorf("citizen notifications: %d %s", resp.StatusCode, body)
		}
	})
}
