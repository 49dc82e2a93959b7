package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"cifp"
	"cifp/audit"
	"cifp/auth"
	"cifp/carbon"
	"cifp/internal/testutil"
	"cifp/org"
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
					if c.own {
						checkOwn(t, name, c.path, body, u)
					}
				}
			}
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
				} {
					resp, body := b.get(path)
					if resp.StatusCode != want {
						t.Errorf("%s GET %s: %d, want %d", username, path, resp.StatusCode, want)
					}
					if strings.Contains(body, otherOrg.USCC) || strings.Contains(body, "秘密路") {
						t.Errorf("%s GET %s shows another tenant's data", username, path)
					}
				}
				resp, _ := b.post("/orgs/"+id(otherOrg.ID), nil)
				if resp.StatusCode != 404 {
					t.Errorf("%s POST /orgs/%d: %d, want 404", username, otherOrg.ID, resp.StatusCode)
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
func checkOwn(t *testing.T, name, path string, body []byte, u auth.User) {
	t.Helper()
	switch {
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
