package finance

import (
	"cifp/internal/datafile"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"cifp"
)

// The pilot's targets (试点主要目标) and the definitions and scopes (统计口径)
// of the indicators they are set on are data with their sources, in
// data/indicators.csv, data/scopes.csv, data/targets.csv and
// data/published.csv. Progress measures the statistics against them and
// never compares figures across a change of scope: it flags them instead.

var (
	//go:embed data/indicators.csv
	indicatorsCSV []byte
	//go:embed data/scopes.csv
	scopesCSV []byte
	//go:embed data/targets.csv
	targetsCSV []byte
	//go:embed data/published.csv
	publishedCSV []byte
)

// Indicator is the definition of a reported figure (指标定义), for the pages
// to show beside it.
type Indicator struct {
	Code         string `json:"code"`
	NameZH       string `json:"name_zh"`
	NameEN       string `json:"name_en"`
	Unit         string `json:"unit"`         // the unit the platform carries the figure in
	ScopeFamily  string `json:"scope_family"` // the family of scopes it is reported under
	Formula      string `json:"formula"`      // "input" when supplied by a department
	DefinitionZH string `json:"definition_zh"`
	DefinitionEN string `json:"definition_en"`
	Source       string `json:"source"`
}

// ScopeDef is the definition of a statistical scope (统计口径). For the
// green-loan family, From is the first month the loan book is reported under
// it by default ("" = from the start).
type ScopeDef struct {
	Code       string `json:"code"`
	Family     string `json:"family"`
	From       string `json:"from_month"`
	NameZH     string `json:"name_zh"`
	NameEN     string `json:"name_en"`
	Definition string `json:"definition"`
	Source     string `json:"source"`
	Confidence string `json:"confidence"`
}

// Measures: how Progress obtains a target's actual.
const (
	MeasureGreenBalance   = "green_balance"      // green-loan balance at the month
	MeasureGreenCAGR      = "green_balance_cagr" // compound annual growth of the green-loan balance since Base
	MeasureGreenSharePP   = "green_share_pp"     // green-share change over the last 12 months, pp
	MeasureClimateBalance = "climate_balance"    // climate-financing balance at the month
	MeasureInput          = "input"              // supplied by the responsible department
)

// Directions of a target.
const (
	DirectionAbove   = "above"    // actual > target
	DirectionAtLeast = "at_least" // actual ≥ target
	DirectionAtMost  = "at_most"  // actual ≤ target
	DirectionBelow   = "below"    // actual < target
)

// ClimateLoanScope is the scope of the climate-financing balance the loan
// book yields: loans by T/CSTE 0061-2021 climate type.
const ClimateLoanScope = "tcste-0061-climate-loan"

// Target is one of the pilot's targets (目标值) with its source.
type Target struct {
	Indicator  string  `json:"indicator"`
	Measure    string  `json:"measure"`
	Direction  string  `json:"direction"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`  // the target's own unit: 亿元, %, pp, …
	Base       string  `json:"base"`  // the month a growth target starts from
	Due        string  `json:"due"`   // the month to be met by; "" = every year or standing
	Scope      string  `json:"scope"` // the scope it was set under (ScopeDef.Code)
	Year       int     `json:"year"`  // of the source document
	Source     string  `json:"source"`
	Quote      string  `json:"quote"` // the source's words
	Confidence string  `json:"confidence"`
	Note       string  `json:"note"`
}

// Published is a published actual (公开数据) with its scope and source.
type Published struct {
	Indicator  string  `json:"indicator"`
	AsOf       string  `json:"as_of"` // "YYYY-MM" when known, else the period the source gives
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Scope      string  `json:"scope"`
	Source     string  `json:"source"`
	Confidence string  `json:"confidence"`
	Note       string  `json:"note"`
}

// Reference holds the indicators, scopes, targets and published actuals.
type Reference struct {
	Indicators []Indicator `json:"indicators"`
	Scopes     []ScopeDef  `json:"scopes"`
	Targets    []Target    `json:"targets"`
	Published  []Published `json:"published"`
}

// DefaultReference returns the embedded reference data. It panics if the
// data is malformed, which a test catches.
var DefaultReference = sync.OnceValue(func() *Reference {
	r, err := ParseReference(indicatorsCSV, scopesCSV, targetsCSV, publishedCSV)
	if err != nil {
		panic(err)
	}
	return r
})

// Indicator returns the indicator with the code.
func (r *Reference) Indicator(code string) (Indicator, bool) {
	for _, in := range r.Indicators {
		if in.Code == code {
			return in, true
		}
	}
	return Indicator{}, false
}

// Scope returns the scope definition with the code.
func (r *Reference) Scope(code string) (ScopeDef, bool) {
	for _, s := range r.Scopes {
		if s.Code == code {
			return s, true
		}
	}
	return ScopeDef{}, false
}

// GreenLoanScopes returns the default scopes of the green-loan statistics
// over time, for the stat_scopes table to start from.
func (r *Reference) GreenLoanScopes() Scopes {
	var out Scopes
	for _, s := range r.Scopes {
		if s.Family == "green_loan" {
			out = append(out, Scope{From: s.From, Code: s.Code, Note: s.Definition})
		}
	}
	return out
}

// ParseReference parses the four reference files (see data/*.csv for their
// columns) and checks that they agree: every target and published figure
// names a known indicator and scope of the indicator's family, units fit the
// measures, months are "YYYY-MM". It returns an EINVALID error naming the
// file and row otherwise.
func ParseReference(indicators, scopes, targets, published []byte) (*Reference, error) {
	ref := &Reference{}
	bad := func(file string, row int, format string, args ...any) error {
		return cifp.Errorf(cifp.EINVALID, "%s row %d: %s", file, row, fmt.Sprintf(format, args...))
	}
	rows, err := datafile.Read(indicators)
	if err != nil {
		return nil, cifp.Errorf(cifp.EINVALID, "indicators.csv: %v", err)
	}
	for i, r := range rows {
		in := Indicator{Code: r["code"], NameZH: r["name_zh"], NameEN: r["name_en"], Unit: r["unit"], ScopeFamily: r["scope_family"],
			Formula: r["formula"], DefinitionZH: r["definition_zh"], DefinitionEN: r["definition_en"], Source: r["source"]}
		if in.Code == "" || in.NameZH == "" || in.Unit == "" || in.ScopeFamily == "" || in.DefinitionZH == "" || in.Source == "" {
			return nil, bad("indicators.csv", i+1, "code, name_zh, unit, scope_family, definition_zh and source are required")
		}
		if _, dup := ref.Indicator(in.Code); dup {
			return nil, bad("indicators.csv", i+1, "indicator %q twice", in.Code)
		}
		ref.Indicators = append(ref.Indicators, in)
	}

	rows, err = datafile.Read(scopes)
	if err != nil {
		return nil, cifp.Errorf(cifp.EINVALID, "scopes.csv: %v", err)
	}
	for i, r := range rows {
		s := ScopeDef{Code: r["code"], Family: r["family"], From: r["from"], NameZH: r["name_zh"], NameEN: r["name_en"],
			Definition: r["definition"], Source: r["source"], Confidence: r["confidence"]}
		if s.Code == "" || s.Family == "" || s.Definition == "" || s.Source == "" {
			return nil, bad("scopes.csv", i+1, "code, family, definition and source are required")
		}
		if _, ok := statMonth(s.From); s.From != "" && !ok {
			return nil, bad("scopes.csv", i+1, "from %q is not YYYY-MM", s.From)
		}
		if _, dup := ref.Scope(s.Code); dup {
			return nil, bad("scopes.csv", i+1, "scope %q twice", s.Code)
		}
		ref.Scopes = append(ref.Scopes, s)
	}
	if s, ok := ref.Scope(ClimateLoanScope); !ok || s.Family != "climate_loan" {
		return nil, cifp.Errorf(cifp.EINVALID, "scopes.csv: the climate-loan scope %q is missing", ClimateLoanScope)
	}
	// scopeOK: the scope exists and is of the indicator's family ("unstated"
	// fits any, since a figure of unknown scope may be shown but not compared).
	scopeOK := func(indicator, scope string) error {
		in, ok := ref.Indicator(indicator)
		if !ok {
			return fmt.Errorf("unknown indicator %q", indicator)
		}
		s, ok := ref.Scope(scope)
		if !ok {
			return fmt.Errorf("unknown scope %q", scope)
		}
		if s.Family != in.ScopeFamily && s.Family != "unstated" {
			return fmt.Errorf("scope %q is of the %s family, the indicator %s of %s", scope, s.Family, indicator, in.ScopeFamily)
		}
		return nil
	}

	rows, err = datafile.Read(targets)
	if err != nil {
		return nil, cifp.Errorf(cifp.EINVALID, "targets.csv: %v", err)
	}
	for i, r := range rows {
		t := Target{Indicator: r["indicator"], Measure: r["measure"], Direction: r["direction"], Unit: r["unit"], Base: r["base"],
			Due: r["due"], Scope: r["scope"], Source: r["source"], Quote: r["quote"], Confidence: r["confidence"], Note: r["note"]}
		if err := scopeOK(t.Indicator, t.Scope); err != nil {
			return nil, bad("targets.csv", i+1, "%v", err)
		}
		if t.Value, err = parseFloat(r["value"]); err != nil || math.IsNaN(t.Value) || math.IsInf(t.Value, 0) {
			return nil, bad("targets.csv", i+1, "value %q is not a number", r["value"])
		}
		if t.Year, err = strconv.Atoi(r["year"]); err != nil {
			return nil, bad("targets.csv", i+1, "year %q is not a year", r["year"])
		}
		if !slices.Contains([]string{DirectionAbove, DirectionAtLeast, DirectionAtMost, DirectionBelow}, t.Direction) {
			return nil, bad("targets.csv", i+1, "direction %q is not above, at_least, at_most or below", t.Direction)
		}
		if want, ok := measureUnits[t.Measure]; !ok {
			return nil, bad("targets.csv", i+1, "unknown measure %q", t.Measure)
		} else if want != "" && want != t.Unit {
			return nil, bad("targets.csv", i+1, "measure %s is in %s, not %q", t.Measure, want, t.Unit)
		}
		for col, m := range map[string]string{"base": t.Base, "due": t.Due} {
			if _, ok := statMonth(m); m != "" && !ok {
				return nil, bad("targets.csv", i+1, "%s %q is not YYYY-MM", col, m)
			}
		}
		if t.Measure == MeasureGreenCAGR && t.Base == "" {
			return nil, bad("targets.csv", i+1, "a growth target needs its base month")
		}
		if t.Source == "" {
			return nil, bad("targets.csv", i+1, "source is required")
		}
		ref.Targets = append(ref.Targets, t)
	}

	rows, err = datafile.Read(published)
	if err != nil {
		return nil, cifp.Errorf(cifp.EINVALID, "published.csv: %v", err)
	}
	for i, r := range rows {
		p := Published{Indicator: r["indicator"], AsOf: r["as_of"], Unit: r["unit"], Scope: r["scope"], Source: r["source"],
			Confidence: r["confidence"], Note: r["note"]}
		if err := scopeOK(p.Indicator, p.Scope); err != nil {
			return nil, bad("published.csv", i+1, "%v", err)
		}
		if p.Value, err = parseFloat(r["value"]); err != nil {
			return nil, bad("published.csv", i+1, "value %q is not a number", r["value"])
		}
		if p.AsOf == "" || p.Source == "" {
			return nil, bad("published.csv", i+1, "as_of and source are required")
		}
		if p.Indicator == "green_loan_balance" && p.Unit != "亿元" {
			return nil, bad("published.csv", i+1, "a green-loan balance is in 亿元, not %q", p.Unit)
		}
		ref.Published = append(ref.Published, p)
	}
	return ref, nil
}

// measureUnits is the unit each measure yields ("" = any, for inputs).
var measureUnits = map[string]string{
	MeasureGreenBalance:   "亿元",
	MeasureGreenCAGR:      "%",
	MeasureGreenSharePP:   "pp",
	MeasureClimateBalance: "亿元",
	MeasureInput:          "",
}

// Input is an actual the loan book cannot supply (forest cover, renewable
// share, insurance coverage, cumulative climate investment), given by the
// responsible department in the target's unit.
type Input struct {
	Value  float64 `json:"value"`
	Scope  string  `json:"scope"`  // the figure's scope code; "" = not stated, taken as the target's (and said so)
	AsOf   string  `json:"as_of"`  // the date or period of the figure
	Source string  `json:"source"` // who supplied it
}

// TargetProgress is where one target stands at a month.
//
// Actual is nil when there is no figure (no statistics, or no input given);
// Comparable is then false and Notes say what is missing. When the
// actual's scope (or a growth target's base's) differs from the
// target's, Comparable is false, Notes say why, and Ratio and Met are nil:
// the figure is shown, not compared. Otherwise Ratio is Actual / Target
// (nil for a zero target) and Met says whether Actual satisfies the
// direction now; Provisional is true before the due month, when Met is
// where things stand rather than the verdict.
type TargetProgress struct {
	Indicator    string   `json:"indicator"`
	Month        string   `json:"month"`
	Measure      string   `json:"measure"`
	Direction    string   `json:"direction"`
	Unit         string   `json:"unit"` // the target's unit, which Actual is in
	Target       float64  `json:"target"`
	Due          string   `json:"due"`
	Actual       *float64 `json:"actual"`
	ActualSource string   `json:"actual_source"`  // "statistics" or the input's source
	Base         *float64 `json:"base,omitempty"` // a growth target's base balance, 亿元
	BaseMonth    string   `json:"base_month,omitempty"`
	BaseSource   string   `json:"base_source,omitempty"` // "statistics" or the published source
	Ratio        *float64 `json:"ratio"`
	Met          *bool    `json:"met"`
	Provisional  bool     `json:"provisional"`
	Comparable   bool     `json:"comparable"`
	TargetScope  string   `json:"target_scope"`
	ActualScope  string   `json:"actual_scope"`
	BaseScope    string   `json:"base_scope,omitempty"`
	Note         string   `json:"note,omitempty"`  // Notes in English
	Notes        Notes    `json:"notes,omitempty"` // coded for each language to word
}

// Progress measures each of ref's targets at month ("YYYY-MM"), in the
// order of ref.Targets.
//
// Loan-book measures come from cells under scopes (as Table): the
// green-loan balance and the climate-financing balance at month (万元 to
// 亿元), the green-share change over the 12 months to month, and the
// compound annual growth of the green-loan balance from the target's base
// month to month — (bal_t / bal_base)^(12 / months) − 1, in per cent —
// whose base is the statistics' own when cells hold that month, else the
// published figure for that month in ref.Published. Cells of other months
// are ignored. The other targets take their actual from inputs, keyed by
// indicator code; a missing input leaves Actual nil. Nothing is estimated.
//
// Progress returns an EINVALID error for a malformed month, cell or scope.
func Progress(ref *Reference, month string, cells []Cell, scopes Scopes, inputs map[string]Input) ([]TargetProgress, error) {
	t, err := statArgs(month, ByTotal, scopes)
	if err != nil {
		return nil, err
	}
	ix, err := statIndexCells(cells)
	if err != nil {
		return nil, err
	}
	total := ix.table(t, ByTotal, scopes)[0]
	hasT := len(ix.byMonth[t]) > 0
	out := make([]TargetProgress, 0, len(ref.Targets))
	for _, tg := range ref.Targets {
		p := TargetProgress{Indicator: tg.Indicator, Month: month, Measure: tg.Measure, Direction: tg.Direction, Unit: tg.Unit,
			Target: tg.Value, Due: tg.Due, TargetScope: tg.Scope, Comparable: true}
		var notes Notes
		// scopeCheck flags a figure under another scope than the target's
		// with the code's note; without a figure there is nothing to flag.
		scopeCheck := func(code, scope string) {
			if p.Actual != nil && scope != tg.Scope {
				p.Comparable = false
				notes = append(notes, newNote(code, scope, tg.Scope))
			}
		}
		set := func(v float64) { p.Actual = &v }
		switch tg.Measure {
		case MeasureGreenBalance, MeasureClimateBalance, MeasureGreenSharePP:
			p.ActualSource, p.ActualScope = "statistics", total.Scope
			switch {
			case !hasT:
				notes = append(notes, newNote(NoteNoStatistics, month))
			case tg.Measure == MeasureGreenBalance:
				set(total.GreenBalance / 1e4)
			case tg.Measure == MeasureClimateBalance:
				set(total.ClimateBalance / 1e4)
				p.ActualScope = ClimateLoanScope
			case total.ShareChangePP != nil:
				set(*total.ShareChangePP)
			case total.Scope != total.BaseScope:
				notes = append(notes, newNote(NoteShareScopeChanged, total.BaseMonth, month))
			case total.AllBalanceBase == 0:
				notes = append(notes, newNote(NoteNoLoans, total.BaseMonth))
			default:
				notes = append(notes, newNote(NoteNoLoans, month))
			}
			if tg.Measure == MeasureGreenSharePP && hasT && total.BaseScope != tg.Scope {
				scopeCheck(NoteBaseMonthScope, total.BaseScope)
			}
			scopeCheck(NoteActualScope, p.ActualScope)
		case MeasureGreenCAGR:
			p.ActualSource, p.ActualScope = "statistics", total.Scope
			p.BaseMonth = tg.Base
			b, _ := statMonth(tg.Base)
			if len(ix.byMonth[b]) > 0 {
				bt := ix.table(b, ByTotal, scopes)[0]
				base := bt.GreenBalance / 1e4
				p.Base, p.BaseSource, p.BaseScope = &base, "statistics", bt.Scope
			} else if pub, ok := ref.published("green_loan_balance", tg.Base); ok {
				base := pub.Value
				p.Base, p.BaseSource, p.BaseScope = &base, pub.Source, pub.Scope
			}
			switch {
			case !hasT:
				notes = append(notes, newNote(NoteNoStatistics, month))
			case t <= b:
				notes = append(notes, newNote(NoteGrowthBeforeBase, tg.Base))
			case p.Base == nil:
				notes = append(notes, newNote(NoteNoBaseBalance, tg.Base))
			case *p.Base <= 0:
				notes = append(notes, newNote(NoteBaseZero))
			default:
				set((math.Pow(total.GreenBalance/1e4 / *p.Base, 12/float64(t-b)) - 1) * 100)
			}
			if p.Base != nil {
				scopeCheck(NoteBaseScope, p.BaseScope)
			}
			scopeCheck(NoteActualScope, p.ActualScope)
		case MeasureInput:
			in, ok := inputs[tg.Indicator]
			if !ok {
				notes = append(notes, newNote(NoteNoActual))
				p.ActualScope = ""
				break
			}
			set(in.Value)
			p.ActualSource, p.ActualScope = in.Source, in.Scope
			if in.Scope == "" {
				p.ActualScope = tg.Scope
				notes = append(notes, newNote(NoteActualScopeUnstated))
			}
			if in.AsOf != "" {
				notes = append(notes, newNote(NoteActualAsOf, in.AsOf))
			}
			scopeCheck(NoteActualScope, p.ActualScope)
		}
		if tg.Due != "" {
			d, _ := statMonth(tg.Due)
			p.Provisional = t < d
			if t > d {
				notes = append(notes, newNote(NotePastDue, tg.Due, month))
			}
		}
		if p.Actual != nil && p.Comparable {
			met := targetMet(*p.Actual, tg.Direction, tg.Value)
			p.Met = &met
			p.Ratio = statRatio(*p.Actual, tg.Value)
		}
		if p.Actual == nil {
			p.Comparable = false
		}
		p.Note, p.Notes = notes.English(), notes
		out = append(out, p)
	}
	return out, nil
}

// published returns the published figure of the indicator for the month.
func (r *Reference) published(indicator, month string) (Published, bool) {
	for _, p := range r.Published {
		if p.Indicator == indicator && p.AsOf == month {
			return p, true
		}
	}
	return Published{}, false
}

func targetMet(actual float64, direction string, target float64) bool {
	switch direction {
	case DirectionAbove:
		return actual > target
	case DirectionAtLeast:
		return actual >= target
	case DirectionAtMost:
		return actual <= target
	case DirectionBelow:
		return actual < target
	}
	return false
}
