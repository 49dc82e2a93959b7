package finance

import (
	"math"
	"testing"
	"time"

	"cifp/project"
)

func TestSuggest(t *testing.T) {
	before := time.Date(2025, 6, 1, 0, 0, 0, 0, China)
	after := time.Date(2025, 10, 1, 0, 0, 0, 0, China)
	p := &project.Project{Code: "LS2026-00001", Status: project.StatusAdmitted, Cat2021: "3", Cat2025: "4", Fields: project.Fields{ClimateType: "mitigation"}}
	for _, c := range []struct {
		name     string
		p        *project.Project
		purpose  string
		industry string
		start    time.Time
		want     Suggestion
	}{
		{"library project, old catalogue", p, "流动资金", "", before, Suggestion{Class: "3", Catalogue: "2021", ClimateType: "mitigation"}},
		{"library project, new catalogue", p, "流动资金", "", after, Suggestion{Class: "4", Catalogue: "2025", ClimateType: "mitigation"}},
		{"purpose", nil, "屋顶光伏电站建设", "3444", after, Suggestion{Class: "4", Catalogue: "2025", ClimateType: "mitigation"}},
		{"adaptation purpose", nil, "海绵城市改造", "", before, Suggestion{Class: "5", Catalogue: "2021", ClimateType: "adaptation"}},
		{"industry", nil, "购置设备", "4415", before, Suggestion{Class: "3", Catalogue: "2021", ClimateType: "mitigation"}},
		{"not green", nil, "补充流动资金", "2459", before, Suggestion{Catalogue: "2021", ClimateType: "none"}},
		{"project not in the library", &project.Project{Status: project.StatusDraft, Cat2021: "3"}, "采购原材料", "", before, Suggestion{Catalogue: "2021", ClimateType: "none"}},
	} {
		got := Suggest(c.p, c.purpose, c.industry, c.start)
		if got.Class != c.want.Class || got.Catalogue != c.want.Catalogue || got.ClimateType != c.want.ClimateType || got.Reason == "" {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestAttribute(t *testing.T) {
	// A project reducing 11 000 t a year with 8 000 万元 of investment; a loan
	// of 3 000 万元 outstanding: 11 000 × 3 000 ÷ 8 000 = 4 125 t.
	a := Attribute(11000, 3000, 8000, "LS2026-00001")
	if math.Abs(a.TCO2-4125) > 1e-9 || a.Method == "none" {
		t.Errorf("%+v", a)
	}
	// finance.md TV12: 60 m of 100 m × 16 620 t = 9 972 t.
	if a := Attribute(16620, 6000, 10000, "TV12"); math.Abs(a.TCO2-9972) > 1e-9 {
		t.Errorf("TV12: %+v", a)
	}
	// A balance above the investment attributes the whole reduction, no more.
	if a := Attribute(100, 200, 150, "X"); a.TCO2 != 100 {
		t.Errorf("capped: %+v", a)
	}
	if a := Attribute(100, 0, 150, "X"); a.TCO2 != 0 || a.Method != "none" {
		t.Errorf("repaid: %+v", a)
	}
}
