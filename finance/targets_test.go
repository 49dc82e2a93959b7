package finance

import (
	"strings"
	"testing"

	"cifp"
)

func TestDefaultReference(t *testing.T) {
	ref := DefaultReference()
	if len(ref.Targets) != 8 {
		t.Fatalf("%d targets, want the plan's 8", len(ref.Targets))
	}
	want := map[string]struct {
		value     float64
		unit, dir string
	}{
		"green_loan_growth_avg":         {20, "%", DirectionAbove},
		"green_loan_share_change":       {1, "pp", DirectionAtLeast},
		"green_loan_balance":            {420, "亿元", DirectionAtLeast},
		"climate_investment_cumulative": {1000, "亿元", DirectionAtLeast},
		"climate_financing_balance":     {300, "亿元", DirectionAtLeast},
		"insurance_risk_coverage":       {40, "亿元 per year", DirectionAbove},
		"forest_cover":                  {80, "%", DirectionAtLeast},
		"renewable_capacity_share":      {98.1, "%", DirectionAtLeast},
	}
	for _, tg := range ref.Targets {
		w, ok := want[tg.Indicator]
		if !ok {
			t.Errorf("unexpected target %s", tg.Indicator)
			continue
		}
		if tg.Value != w.value || tg.Unit != w.unit || tg.Direction != w.dir {
			t.Errorf("%s: %v %s %s, want %v %s %s", tg.Indicator, tg.Value, tg.Unit, tg.Direction, w.value, w.unit, w.dir)
		}
		if !strings.Contains(tg.Source, "丽政发〔2023〕4号 三") || tg.Year != 2023 || tg.Quote == "" {
			t.Errorf("%s: source %q, year %d, quote %q", tg.Indicator, tg.Source, tg.Year, tg.Quote)
		}
		if in, ok := ref.Indicator(tg.Indicator); !ok || in.DefinitionZH == "" || in.DefinitionEN == "" {
			t.Errorf("%s: no definition", tg.Indicator)
		}
		if s, ok := ref.Scope(tg.Scope); !ok || s.Definition == "" {
			t.Errorf("%s: scope %q undefined", tg.Indicator, tg.Scope)
		}
	}
	if p, ok := ref.published("green_loan_balance", "2021-12"); !ok || p.Value != 261.48 || p.Unit != "亿元" {
		t.Errorf("published green-loan balance of end 2021: %+v", p)
	}
	got := ref.GreenLoanScopes()
	if len(got) != 2 || got.At("2025-09").Code != "pboc-2019-green-loan" || got.At("2025-10").Code != "pboc-2025-green-finance-catalogue" {
		t.Errorf("green-loan scopes: %+v", got)
	}
}

func TestParseReferenceErrors(t *testing.T) {
	targetHead := "indicator,measure,direction,value,unit,base,due,scope,year,source,quote,confidence,note\n"
	good := "green_loan_balance,green_balance,at_least,420,亿元,,2025-12,pboc-2019-green-loan,2023,丽政发〔2023〕4号 三,q,C,\n"
	if _, err := ParseReference(indicatorsCSV, scopesCSV, []byte(targetHead+good), publishedCSV); err != nil {
		t.Fatalf("good row: %v", err)
	}
	for name, row := range map[string]string{
		"unknown indicator": strings.Replace(good, "green_loan_balance", "gdp", 1),
		"unknown scope":     strings.Replace(good, "pboc-2019-green-loan", "pboc-1999", 1),
		"wrong family":      strings.Replace(good, "pboc-2019-green-loan", "forestry-forest-cover", 1),
		"direction":         strings.Replace(good, "at_least", "roughly", 1),
		"unit":              strings.Replace(good, "亿元", "万元", 1),
		"measure":           strings.Replace(good, "green_balance,", "guess,", 1),
		"due":               strings.Replace(good, "2025-12", "2025", 1),
		"value":             strings.Replace(good, "420", "many", 1),
		"growth base":       "green_loan_growth_avg,green_balance_cagr,above,20,%,,2025-12,pboc-2019-green-loan,2023,s,q,C,\n",
	} {
		if _, err := ParseReference(indicatorsCSV, scopesCSV, []byte(targetHead+row), publishedCSV); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("%s: error %v, want invalid", name, err)
		}
	}
}

// statProgressCells: a whole city's book at two year ends, 万元.
//
//	2024-12: green 3 600 000 (mitigation), not green 6 400 000; all 10 000 000 → share 0.36
//	2025-12: green 2 800 000 (mitigation) + 1 400 000 (not climate) = 4 200 000 = 420 亿元;
//	         not green: 300 000 (adaptation) + 6 700 000; all 11 200 000 → share 0.375
//	         climate = 2 800 000 + 300 000 = 3 100 000 = 310 亿元
func statProgressCells() []Cell {
	return []Cell{
		{Month: "2024-12", Class: "3", Catalogue: "2021", ClimateType: "mitigation", Green: true, Loans: 300, Balance: 3_600_000},
		{Month: "2024-12", ClimateType: "none", Loans: 9000, Balance: 6_400_000},
		{Month: "2025-12", Class: "3", Catalogue: "2021", ClimateType: "mitigation", Green: true, Loans: 320, Balance: 2_800_000},
		{Month: "2025-12", Class: "2", Catalogue: "2021", ClimateType: "none", Green: true, Loans: 80, Balance: 1_400_000},
		{Month: "2025-12", ClimateType: "adaptation", Loans: 40, Balance: 300_000},
		{Month: "2025-12", ClimateType: "none", Loans: 9100, Balance: 6_700_000},
	}
}

func statProgressOf(t *testing.T, ps []TargetProgress, indicator string) TargetProgress {
	t.Helper()
	for _, p := range ps {
		if p.Indicator == indicator {
			return p
		}
	}
	t.Fatalf("no progress for %s", indicator)
	return TargetProgress{}
}

func statCheckProgress(t *testing.T, p TargetProgress, actual, ratio *float64, met *bool, comparable bool, noteHas string) {
	t.Helper()
	same := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || statClose(*a, *b)) }
	if !same(p.Actual, actual) || !same(p.Ratio, ratio) || (p.Met == nil) != (met == nil) || (met != nil && *p.Met != *met) ||
		p.Comparable != comparable || !strings.Contains(p.Note, noteHas) {
		t.Errorf("%s: actual %s ratio %s met %v comparable %v note %q;\nwant actual %s ratio %s met %v comparable %v note containing %q",
			p.Indicator, statShow(p.Actual), statShow(p.Ratio), statShowBool(p.Met), p.Comparable, p.Note,
			statShow(actual), statShow(ratio), statShowBool(met), comparable, noteHas)
	}
	if p.Note != p.Notes.English() || (len(p.Notes) == 0) != (p.Note == "") {
		t.Errorf("%s: note %q is not its coded notes' English %q", p.Indicator, p.Note, p.Notes.English())
	}
}

func statShowBool(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}

func statB(b bool) *bool { return &b }

// TestProgress measures the plan's targets at the end of 2025 on a book
// reported under one scope throughout (the caller's statement, in scopes).
func TestProgress(t *testing.T) {
	inputs := map[string]Input{
		"climate_investment_cumulative": {Value: 1200, Scope: "unstated", Source: "市金融办"},
		"forest_cover":                  {Value: 80.3, Source: "市林业局"},
		"renewable_capacity_share":      {Value: 98.6, Scope: "renewable-installed-capacity", AsOf: "2024/2025", Source: "市发改委"},
	}
	ps, err := Progress(DefaultReference(), "2025-12", statProgressCells(), statOneScope, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 8 {
		t.Fatalf("%d results, want 8", len(ps))
	}

	// Average growth 2022–2025, from the published 261.48 亿元 of end 2021 to 420 亿元 at end 2025,
	// 48 months = 4 years: (420 / 261.48)^(1/4) − 1 = 1.606241^(0.25) − 1 = 0.125778 → 12.58 % a year,
	// not above 20 %: ratio 12.5778 / 20 = 0.62889. (20 % a year would need 261.48 × 1.2^4 = 542.2 亿元.)
	p := statProgressOf(t, ps, "green_loan_growth_avg")
	statCheckProgress(t, p, statF(12.577786033107863), statF(0.6288893016553931), statB(false), true, "")
	if p.Base == nil || *p.Base != 261.48 || p.BaseMonth != "2021-12" || !strings.Contains(p.BaseSource, "丽水日报") ||
		p.BaseScope != "pboc-2019-green-loan" || p.Provisional {
		t.Errorf("growth base: %+v", p)
	}
	// Share change: (0.375 − 0.36) × 100 = 1.5 pp ≥ 1 pp: met, ratio 1.5.
	statCheckProgress(t, statProgressOf(t, ps, "green_loan_share_change"), statF(1.5), statF(1.5), statB(true), true, "")
	// Balance: 4 200 000 万元 = 420 亿元 ≥ 420: met, ratio 1.
	statCheckProgress(t, statProgressOf(t, ps, "green_loan_balance"), statF(420), statF(1), statB(true), true, "")
	// Climate financing: 3 100 000 万元 = 310 亿元 ≥ 300: met, ratio 310 / 300 = 1.0333.
	p = statProgressOf(t, ps, "climate_financing_balance")
	statCheckProgress(t, p, statF(310), statF(310.0/300), statB(true), true, "")
	if p.ActualScope != ClimateLoanScope {
		t.Errorf("climate financing scope %q", p.ActualScope)
	}
	// Cumulative climate investment given under no stated scope ("unstated"): shown, not compared.
	statCheckProgress(t, statProgressOf(t, ps, "climate_investment_cumulative"), statF(1200), nil, nil, false,
		"the actual is under the scope unstated, the target under lishui-climate-investment: shown, not compared")
	// Insurance coverage: no input, no figure — nothing is made up.
	statCheckProgress(t, statProgressOf(t, ps, "insurance_risk_coverage"), nil, nil, nil, false, "no actual given")
	// Forest cover 80.3 % ≥ 80 %, its scope not stated and so taken as the target's, which the note says.
	statCheckProgress(t, statProgressOf(t, ps, "forest_cover"), statF(80.3), statF(80.3/80), statB(true), true,
		"the actual's scope is not stated: taken as the target's")
	// Renewable share 98.6 % ≥ 98.1 %.
	statCheckProgress(t, statProgressOf(t, ps, "renewable_capacity_share"), statF(98.6), statF(98.6/98.1), statB(true), true,
		"actual as of 2024/2025")
}

// TestProgressCAGR: the average growth from the published base, and from
// the statistics' own base when the book has it.
func TestProgressCAGR(t *testing.T) {
	ref := &Reference{Targets: []Target{{Indicator: "green_loan_growth_avg", Measure: MeasureGreenCAGR, Direction: DirectionAbove,
		Value: 20, Unit: "%", Base: "2021-12", Due: "2025-12", Scope: "pboc-2019-green-loan"}},
		Published: DefaultReference().Published}

	// A hypothetical end 2025 of 261.48 × 1.25^4 = 261.48 × 2.44140625 = 638.37890625 亿元
	// = 6 383 789.0625 万元: (638.37890625 / 261.48)^(1/4) − 1 = 2.44140625^(1/4) − 1 = 1.25 − 1 = 25 %,
	// above 20 %: ratio 25 / 20 = 1.25.
	cells := []Cell{{Month: "2025-12", Class: "3", Catalogue: "2021", Green: true, ClimateType: "mitigation", Balance: 6_383_789.0625}}
	ps, err := Progress(ref, "2025-12", cells, statOneScope, nil)
	if err != nil {
		t.Fatal(err)
	}
	statCheckProgress(t, ps[0], statF(25), statF(1.25), statB(true), true, "")

	// The book's own base: 300 亿元 at end 2021, 363 亿元 at end 2023 — 24 months, so
	// (363 / 300)^(12/24) − 1 = 1.21^0.5 − 1 = 1.1 − 1 = 10 % a year: not above 20 %, and provisional
	// (the target is due at end 2025).
	cells = []Cell{
		{Month: "2021-12", Class: "3", Catalogue: "2021", Green: true, ClimateType: "mitigation", Balance: 3_000_000},
		{Month: "2023-12", Class: "3", Catalogue: "2021", Green: true, ClimateType: "mitigation", Balance: 3_630_000},
	}
	ps, err = Progress(ref, "2023-12", cells, statOneScope, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	statCheckProgress(t, p, statF(10), statF(0.5), statB(false), true, "")
	if !p.Provisional || p.BaseSource != "statistics" || p.Base == nil || *p.Base != 300 {
		t.Errorf("own base: %+v", p)
	}

	// Under the platform's default scopes the end-2025 book is under the 2025 catalogue's scope, the
	// base and the target under 2019's: the growth is computed and shown, but not compared.
	ps, err = Progress(ref, "2025-12", []Cell{{Month: "2025-12", Green: true, Class: "4", Catalogue: "2025", Balance: 6_383_789.0625}},
		DefaultReference().GreenLoanScopes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	statCheckProgress(t, ps[0], statF(25), nil, nil, false,
		"the actual is under the scope pboc-2025-green-finance-catalogue, the target under pboc-2019-green-loan: shown, not compared")

	// Before the base, and without a base, there is no growth to give.
	ps, _ = Progress(ref, "2021-06", []Cell{{Month: "2021-06", Green: true, Balance: 1}}, statOneScope, nil)
	statCheckProgress(t, ps[0], nil, nil, nil, false, "the growth is measured from 2021-12, not before")
	ref.Published = nil
	ps, _ = Progress(ref, "2025-12", cells[:1:1], statOneScope, nil)
	statCheckProgress(t, ps[0], nil, nil, nil, false, "no statistics for 2025-12")
	ps, _ = Progress(ref, "2025-12", []Cell{{Month: "2025-12", Green: true, Balance: 1}}, statOneScope, nil)
	statCheckProgress(t, ps[0], nil, nil, nil, false, "no green-loan balance for the base month 2021-12")
}

// TestProgressScopeChange: with the platform's default scopes, December
// 2025 falls under the 2025 catalogue's scope. The green-loan targets were
// set under the 2019 statistics: their figures are shown, not compared. The
// climate-financing balance, on its own scope, still is.
func TestProgressScopeChange(t *testing.T) {
	ps, err := Progress(DefaultReference(), "2025-12", statProgressCells(), DefaultReference().GreenLoanScopes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	statCheckProgress(t, statProgressOf(t, ps, "green_loan_balance"), statF(420), nil, nil, false,
		"the actual is under the scope pboc-2025-green-finance-catalogue, the target under pboc-2019-green-loan")
	// The share change itself is not computed across the change of scope.
	statCheckProgress(t, statProgressOf(t, ps, "green_loan_share_change"), nil, nil, nil, false, "the statistical scope (统计口径) changed between 2024-12 and 2025-12: no share change")
	statCheckProgress(t, statProgressOf(t, ps, "climate_financing_balance"), statF(310), statF(310.0/300), statB(true), true, "")

	if _, err := Progress(DefaultReference(), "2025-13", nil, nil, nil); cifp.ErrorCode(err) != cifp.EINVALID {
		t.Errorf("bad month: %v", err)
	}
	// After the due month the figure is still measured, and the note says the target was due earlier.
	ps, _ = Progress(DefaultReference(), "2026-06", nil, nil, map[string]Input{"forest_cover": {Value: 79.5, Scope: "forestry-forest-cover"}})
	p := statProgressOf(t, ps, "forest_cover")
	statCheckProgress(t, p, statF(79.5), statF(79.5/80), statB(false), true, "")
	if p.Provisional {
		t.Error("a standing target is never provisional")
	}
	statCheckProgress(t, statProgressOf(t, ps, "renewable_capacity_share"), nil, nil, nil, false, "the target was due by 2025-12; measured at 2026-06")
}
