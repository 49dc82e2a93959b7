package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"cifp/finance"
	"cifp/internal/testutil"
	"cifp/store"
)

// TestNoteCatalogue: the message catalogue words every note code of the
// finance service in both languages, taking the code's arguments.
func TestNoteCatalogue(t *testing.T) {
	raw, err := os.ReadFile("i18n/messages.json")
	if err != nil {
		t.Fatal(err)
	}
	var msgs map[string]map[string]string
	if err := json.Unmarshal(raw, &msgs); err != nil {
		t.Fatal(err)
	}
	for _, code := range finance.NoteCodes {
		// The number of arguments the code takes: the one its English fits.
		n := -1
		for k := 0; k <= 6 && n < 0; k++ {
			if !strings.HasPrefix(finance.Note{Code: code, Args: make([]string, k)}.English(), code) {
				n = k
			}
		}
		if n < 0 {
			t.Errorf("code %s: no English for 0 to 6 arguments", code)
			continue
		}
		args := make([]any, n)
		for i := range args {
			args[i] = fmt.Sprintf("<%d>", i)
		}
		for _, l := range []string{"zh", "en"} {
			m := msgs["fnote."+code][l]
			if s := fmt.Sprintf(m, args...); m == "" || strings.Contains(s, "%!") {
				t.Errorf("fnote.%s in %s: %q does not take %d arguments: %q", code, l, m, n, s)
			}
		}
	}
}

// trOf is the table row of the page with the attribute, e.g.
// data-indicator="forest_cover".
func trOf(body, attr string) string {
	i := strings.Index(body, "<tr "+attr)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</tr>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// TestFinanceNotesInLanguage: the notes of the statistics (a month without
// statistics, a base month without, a change of scope) and of the targets
// (no actual, a scope not the target's) are worded from their codes in the
// reader's language — on the statistics page, in the targets API, in the
// cockpit's credit panel and in the exports — while the APIs' note stays
// the service's English.
func TestFinanceNotesInLanguage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		f := newStatsFixture(t, db)
		ref := finance.DefaultReference()
		scope := func(code string) (string, string) {
			sc, ok := ref.Scope(code)
			if !ok {
				t.Fatalf("no scope %s", code)
			}
			return sc.NameZH, sc.NameEN
		}
		old, oldEN := scope("pboc-2019-green-loan")
		neu, neuEN := scope("pboc-2025-green-finance-catalogue")
		has := func(what, body string, want []string, not []string) {
			t.Helper()
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", what, w)
				}
			}
			for _, w := range not {
				if strings.Contains(body, w) {
					t.Errorf("%s has %q", what, w)
				}
			}
		}

		// The statistics page: June 2024 has no statistics, nor June 2023;
		// December 2025 is under another scope than December 2024.
		b := f.browser()
		b.login("bank")
		english := []string{"no statistics for", "the statistical scope", "no year-on-year"}
		_, body := b.get("/finance/statistics?month=2024-06")
		has("June 2024 in Chinese", body, []string{"2024-06 无统计数据", "上年同月（2023-06）无统计数据"}, english)
		_, body = b.get("/finance/statistics?month=2025-12&by=class")
		has("December 2025 in Chinese", body, []string{"统计口径在 2024-12（" + old + "）与 2025-12（" + neu + "）之间发生变化"}, english)
		b.get("/lang/en")
		_, body = b.get("/finance/statistics?month=2024-06")
		has("June 2024 in English", body, []string{"no statistics for 2024-06", "no statistics for 2023-06, the same month a year before"}, []string{"无统计数据"})
		_, body = b.get("/finance/statistics?month=2025-12&by=class")
		has("December 2025 in English", body, []string{"the statistical scope changed between 2024-12 (" + oldEN + ") and 2025-12 (" + neuEN + ")"}, []string{"发生变化"})

		// The regulator's targets: the renewable share has no actual; the
		// green-loan balance of December 2025 is under the 2025 scope.
		r := f.browser()
		r.login("regulator")
		noActual := map[string]string{"zh": "未提供实际值", "en": "no actual given"}
		otherScope := map[string]string{
			"zh": "实际值口径为 " + neu + "，目标口径为 " + old + "：仅列示，不作比较",
			"en": "the actual is under the scope " + neuEN + ", the target under " + oldEN + ": shown, not compared",
		}
		for _, l := range []string{"zh", "en"} {
			r.get("/lang/" + l)
			_, body := r.get("/finance/statistics?month=2025-12")
			other := map[string]string{"zh": "en", "en": "zh"}[l]
			has("the renewable share's target in "+l, trOf(body, `data-indicator="renewable_capacity_share"`), []string{noActual[l]}, []string{noActual[other]})
			has("the green balance's target in "+l, trOf(body, `data-indicator="green_loan_balance"`), []string{otherScope[l]}, []string{otherScope[other]})
		}

		// The APIs: note_text in the reader's language, note in English,
		// notes coded.
		type target struct {
			Indicator string        `json:"indicator"`
			Note      string        `json:"note"`
			Notes     finance.Notes `json:"notes"`
			NoteText  string        `json:"note_text"`
		}
		get := func(path, l string, v any) {
			t.Helper()
			req, _ := http.NewRequest("GET", f.ts.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+f.tokens["regulator"])
			req.AddCookie(&http.Cookie{Name: "cifp_lang", Value: l})
			resp, body := f.send(req)
			if resp.StatusCode != 200 {
				t.Fatalf("%s in %s: %d %s", path, l, resp.StatusCode, body)
			}
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("%s in %s: %v", path, l, err)
			}
		}
		checkTargets := func(what, l string, ts []target) {
			t.Helper()
			found := 0
			for _, tg := range ts {
				switch tg.Indicator {
				case "renewable_capacity_share":
					found++
					if tg.NoteText != noActual[l] || tg.Note != "no actual given" || len(tg.Notes) != 1 || tg.Notes[0].Code != finance.NoteNoActual {
						t.Errorf("%s in %s: the renewable share's notes %+v", what, l, tg)
					}
				case "green_loan_balance":
					found++
					if !strings.Contains(tg.NoteText, otherScope[l]) || !strings.HasPrefix(tg.Note, "the actual is under the scope pboc-2025-green-finance-catalogue") {
						t.Errorf("%s in %s: the green balance's notes %+v", what, l, tg)
					}
				}
			}
			if found != 2 {
				t.Errorf("%s in %s: %d of the two targets", what, l, found)
			}
		}
		for _, l := range []string{"zh", "en"} {
			var items []target
			get("/api/v1/finance/targets?month=2025-12", l, &items)
			checkTargets("the targets API", l, items)
			var credit struct {
				Total struct {
					Note  string        `json:"note"`
					Notes finance.Notes `json:"notes"`
				} `json:"total"`
				Targets []target `json:"targets"`
				Meta    map[string]struct {
					Quality   string `json:"quality"`
					QualityEN string `json:"quality_en"`
				} `json:"meta"`
			}
			get("/api/v1/cockpit/credit?month=2025-12", l, &credit)
			checkTargets("the cockpit", l, credit.Targets)
			if len(credit.Total.Notes) == 0 || credit.Total.Notes[0].Code != finance.NoteScopeChanged || !strings.HasPrefix(credit.Total.Note, "the statistical scope (统计口径) changed") {
				t.Errorf("the cockpit's total in %s: %+v", l, credit.Total)
			}
			// The meta's Chinese quality words the total's notes in Chinese.
			m := credit.Meta["green_loan_balance"]
			has("the balance's quality in "+l, m.Quality, []string{"统计口径在 2024-12（" + old + "）"}, english)
			has("the balance's English quality in "+l, m.QualityEN, []string{"the statistical scope (统计口径) changed"}, nil)

			// The cockpit's export words the notes in the reader's language.
			req, _ := http.NewRequest("GET", f.ts.URL+"/api/v1/cockpit/credit/export?month=2025-12", nil)
			req.Header.Set("Authorization", "Bearer "+f.tokens["regulator"])
			req.AddCookie(&http.Cookie{Name: "cifp_lang", Value: l})
			resp, body := f.send(req)
			rows := xlsxRows(t, body)
			if resp.StatusCode != 200 || !rowsHave(rows, noActual[l]) || !rowsHave(rows, credit.Targets[0].NoteText) {
				t.Errorf("the cockpit's credit export in %s: %d %v", l, resp.StatusCode, rows)
			}
			total := map[string]string{"zh": "统计口径在 2024-12", "en": "the statistical scope changed between 2024-12"}[l]
			found := false
			for _, row := range rows[:3] {
				found = found || strings.HasPrefix(row[len(row)-1], total)
			}
			if !found {
				t.Errorf("the cockpit's credit export in %s: the total's note is not %q…: %v", l, total, rows[:3])
			}
		}

		// The statistical report (Chinese): the targets' 说明 in Chinese.
		resp, raw := f.call("regulator", "GET", "/api/v1/finance/statistics/export?month=2025-12", nil)
		if sheet := xlsxSheet(t, raw, "试点目标"); resp.StatusCode != 200 || !rowsHave(sheet, noActual["zh"]) || rowsHave(sheet, noActual["en"]) {
			t.Errorf("the report's targets: %d %v", resp.StatusCode, sheet)
		}
	})
}
