package finance

import (
	"slices"
	"testing"

	"cifp/carbon"
)

func f(v float64) *float64 { return &v }

func TestCreditScoreWorkedExamples(t *testing.T) {
	for _, c := range []struct {
		name string
		p    carbon.Performance
		want float64
		band string
	}{
		// Grade 1 90, improved from 2: +5, intensity 1.0 → 0.9 (−10 %): +5, metered +5, accepted +5 = 110 → 100.
		{"best", carbon.Performance{Grade: 1, PrevGrade: 2, Level: "low", Intensity: f(0.9), PrevIntensity: f(1.0), Quality: carbon.Metered, ReportStatus: "accepted"}, 100, "A"},
		// Grade 3 65, unchanged, intensity +2 % (no points), reported, no report = 65.
		{"middle", carbon.Performance{Grade: 3, PrevGrade: 3, Intensity: f(1.02), PrevIntensity: f(1.0), Quality: carbon.Reported}, 65, "B"},
		// Grade 4 50, fell from 2: −10, intensity +20 %: −5, estimated −10 = 25.
		{"falling", carbon.Performance{Grade: 4, PrevGrade: 2, Intensity: f(1.2), PrevIntensity: f(1.0), Quality: carbon.Estimated}, 25, "D"},
		// No grade 40, report returned −10 = 30.
		{"ungraded", carbon.Performance{Quality: carbon.Reported, ReportStatus: "returned"}, 30, "D"},
		// Grade 2 78 − 5 (intensity +5 %) = 73 → B; grade 3 65 − 10 + ... see below.
		{"grade 2, intensity up", carbon.Performance{Grade: 2, Intensity: f(1.05), PrevIntensity: f(1.0)}, 73, "B"},
		{"grade 3 estimated", carbon.Performance{Grade: 3, Quality: carbon.Estimated}, 55, "C"},
	} {
		s := Score(c.p)
		if s.Score != c.want || s.Band != c.band || len(s.Reasons) == 0 || s.Advice == "" {
			t.Errorf("%s: %g %s %+v, want %g %s", c.name, s.Score, s.Band, s.Reasons, c.want, c.band)
		}
	}
}

func TestEarlyWarnings(t *testing.T) {
	for _, c := range []struct {
		name   string
		p      carbon.Performance
		warn   bool
		action string
		n      int
	}{
		{"fell two grades", carbon.Performance{Grade: 4, PrevGrade: 2}, true, ActionWatch, 1},
		{"fell one grade", carbon.Performance{Grade: 3, PrevGrade: 2}, false, "", 0},
		{"grade 5, was 4", carbon.Performance{Grade: 5, PrevGrade: 4}, true, ActionRestructure, 1},
		{"grade 5 after a fall of three", carbon.Performance{Grade: 5, PrevGrade: 2}, true, ActionExit, 2},
		{"report returned", carbon.Performance{Grade: 2, PrevGrade: 2, ReportStatus: "returned"}, true, ActionWatch, 1},
		{"improved", carbon.Performance{Grade: 1, PrevGrade: 4}, false, "", 0},
		{"no previous year", carbon.Performance{Grade: 4}, false, "", 0},
	} {
		w, ok := WarningOf(c.p)
		if ok != c.warn || (ok && (w.Action != c.action || len(w.Reasons) != c.n)) {
			t.Errorf("%s: %v %+v", c.name, ok, w)
		}
	}
	if !slices.Contains([]string{ActionWatch, ActionRestructure, ActionExit}, "exit") {
		t.Fatal("actions")
	}
}
