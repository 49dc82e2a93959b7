package finance

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestNoteEnglish: each code's English is the note the API has always
// given, word for word.
func TestNoteEnglish(t *testing.T) {
	for _, c := range []struct {
		note Note
		want string
	}{
		{newNote(NoteNoStatistics, "2025-03"), "no statistics for 2025-03"},
		{newNote(NoteNoBaseStatistics, "2024-03"), "no statistics for 2024-03: no year-on-year comparison"},
		{newNote(NoteScopeChanged, "2024-12", "pboc-2019-green-loan", "2025-12", "pboc-2025-green-finance-catalogue"),
			"the statistical scope (统计口径) changed between 2024-12 (pboc-2019-green-loan) and 2025-12 (pboc-2025-green-finance-catalogue): " +
				"growth and share change are not computed across it"},
		{Note{Code: NoteScopeChanged, Args: []string{"2024-12", "", "2025-12", "pboc-2025-green-finance-catalogue"}, Detail: "new loans under the 2025 catalogue"},
			"the statistical scope (统计口径) changed between 2024-12 (no scope named) and 2025-12 (pboc-2025-green-finance-catalogue): " +
				"growth and share change are not computed across it — new loans under the 2025 catalogue"},
		{newNote(NoteYTDPartial, "2", "12"), "new green loans of the year to date sum the 2 of 12 months that have statistics"},
		{newNote(NoteShareScopeChanged, "2024-12", "2025-12"), "the statistical scope (统计口径) changed between 2024-12 and 2025-12: no share change"},
		{newNote(NoteNoLoans, "2024-12"), "no loans in the statistics for 2024-12: no share change"},
		{newNote(NoteGrowthBeforeBase, "2021-12"), "the growth is measured from 2021-12, not before"},
		{newNote(NoteNoBaseBalance, "2021-12"), "no green-loan balance for the base month 2021-12"},
		{newNote(NoteBaseZero), "the base balance is zero"},
		{newNote(NoteActualScope, "pboc-2025-green-finance-catalogue", "pboc-2019-green-loan"),
			"the actual is under the scope pboc-2025-green-finance-catalogue, the target under pboc-2019-green-loan: shown, not compared"},
		{newNote(NoteActualScope, "", "pboc-2019-green-loan"),
			"the actual is under the scope no scope named, the target under pboc-2019-green-loan: shown, not compared"},
		{newNote(NoteBaseScope, "pboc-2025-green-finance-catalogue", "pboc-2019-green-loan"),
			"the base is under the scope pboc-2025-green-finance-catalogue, the target under pboc-2019-green-loan: shown, not compared"},
		{newNote(NoteBaseMonthScope, "pboc-2025-green-finance-catalogue", "pboc-2019-green-loan"),
			"the base month's figure is under the scope pboc-2025-green-finance-catalogue, the target under pboc-2019-green-loan: shown, not compared"},
		{newNote(NoteNoActual), "no actual given"},
		{newNote(NoteActualScopeUnstated), "the actual's scope is not stated: taken as the target's"},
		{newNote(NoteActualAsOf, "2024/2025"), "actual as of 2024/2025"},
		{newNote(NotePastDue, "2025-12", "2026-06"), "the target was due by 2025-12; measured at 2026-06"},
		// What it does not know it gives as it is.
		{newNote("made_up", "a", "b"), "made_up: a, b"},
		{newNote(NoteNoStatistics), "no_statistics"},
	} {
		if got := c.note.English(); got != c.want {
			t.Errorf("%s %q:\n got %q\nwant %q", c.note.Code, c.note.Args, got, c.want)
		}
	}
	if got := (Notes{newNote(NoteNoStatistics, "2025-07"), newNote(NoteNoBaseStatistics, "2024-07")}).English(); got !=
		"no statistics for 2025-07; no statistics for 2024-07: no year-on-year comparison" {
		t.Errorf("two notes: %q", got)
	}
	if got := Notes(nil).English(); got != "" {
		t.Errorf("no notes: %q", got)
	}
}

// TestNoteCodes: every code has its English, and the JSON is the code and
// its arguments.
func TestNoteCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, code := range NoteCodes {
		f, ok := noteFormats[code]
		if !ok || seen[code] || strings.Contains(f.en, "%!") {
			t.Errorf("code %q: no English, or listed twice", code)
		}
		seen[code] = true
		for _, i := range f.scopes {
			if i >= strings.Count(f.en, "%s") {
				t.Errorf("code %q: scope argument %d of %d", code, i, strings.Count(f.en, "%s"))
			}
		}
	}
	if len(seen) != len(noteFormats) {
		t.Errorf("%d codes listed, %d worded", len(seen), len(noteFormats))
	}
	b, _ := json.Marshal(Notes{newNote(NoteNoActual), newNote(NoteActualAsOf, "2024")})
	if string(b) != `[{"code":"no_actual"},{"code":"actual_as_of","args":["2024"]}]` {
		t.Errorf("JSON %s", b)
	}
	var back Notes
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, Notes{newNote(NoteNoActual), newNote(NoteActualAsOf, "2024")}) {
		t.Errorf("JSON back: %+v %v", back, err)
	}
}
