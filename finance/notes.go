package finance

import (
	"fmt"
	"strings"
)

// Note is a note on a figure of the statistics (Row) or of a target's
// progress (TargetProgress): a code saying what it is and its parameters,
// so that each language words it. Args are the code's arguments in the
// order its constant's comment gives (months "YYYY-MM", counts in decimal,
// scope codes as in ScopeDef.Code, "" for no scope named); Detail is free
// text the note quotes as given. English words a note as the API's note
// field always did.
type Note struct {
	Code   string   `json:"code"`
	Args   []string `json:"args,omitempty"`
	Detail string   `json:"detail,omitempty"`
}

// Notes are a figure's notes in order.
type Notes []Note

// The notes' codes. A Row carries the first four; a TargetProgress the
// first and the others.
const (
	// NoteNoStatistics: the month has no statistics. Args: the month.
	NoteNoStatistics = "no_statistics"
	// NoteNoBaseStatistics: the month a year before has none, so there is
	// no year-on-year comparison. Args: that month.
	NoteNoBaseStatistics = "no_base_statistics"
	// NoteScopeChanged: the statistical scope changed between the month a
	// year before and the month, so growth and share change are not
	// computed across it. Args: the base month, its scope, the month, its
	// scope. Detail: the note of the month's scope (Scope.Note), if any.
	NoteScopeChanged = "scope_changed"
	// NoteYTDPartial: the year's new green loans to date sum only the
	// months with statistics. Args: how many have, how many months the
	// year to date has.
	NoteYTDPartial = "ytd_partial"

	// NoteShareScopeChanged: a share-change target has no actual because
	// the scope changed in the 12 months. Args: the base month, the month.
	NoteShareScopeChanged = "share_scope_changed"
	// NoteNoLoans: a share-change target has no actual because a month has
	// no loans to take a share of. Args: that month.
	NoteNoLoans = "no_loans"
	// NoteGrowthBeforeBase: a growth target is measured at or before its
	// base month, so it has no actual. Args: the base month.
	NoteGrowthBeforeBase = "growth_before_base"
	// NoteNoBaseBalance: a growth target has no green-loan balance for its
	// base month, neither the statistics' nor a published one. Args: the
	// base month.
	NoteNoBaseBalance = "no_base_balance"
	// NoteBaseZero: a growth target's base balance is zero. No args.
	NoteBaseZero = "base_zero"
	// NoteActualScope: the actual is under another scope than the
	// target's: shown, not compared. Args: the actual's scope, the
	// target's.
	NoteActualScope = "actual_scope"
	// NoteBaseScope: a growth target's base balance is under another scope
	// than the target's: shown, not compared. Args: the base's scope, the
	// target's.
	NoteBaseScope = "base_scope"
	// NoteBaseMonthScope: a share-change target's month a year before is
	// under another scope than the target's: shown, not compared. Args:
	// that month's scope, the target's.
	NoteBaseMonthScope = "base_month_scope"
	// NoteNoActual: a department-supplied target has no actual given. No
	// args.
	NoteNoActual = "no_actual"
	// NoteActualScopeUnstated: the supplied actual does not state its
	// scope, which is taken as the target's. No args.
	NoteActualScopeUnstated = "actual_scope_unstated"
	// NoteActualAsOf: the supplied actual's date or period. Args: it, as
	// given.
	NoteActualAsOf = "actual_as_of"
	// NotePastDue: the target was due before the month it is measured at.
	// Args: the due month, the month.
	NotePastDue = "past_due"
)

// NoteCodes are every note code, in the order of the constants.
var NoteCodes = []string{NoteNoStatistics, NoteNoBaseStatistics, NoteScopeChanged, NoteYTDPartial,
	NoteShareScopeChanged, NoteNoLoans, NoteGrowthBeforeBase, NoteNoBaseBalance, NoteBaseZero,
	NoteActualScope, NoteBaseScope, NoteBaseMonthScope, NoteNoActual, NoteActualScopeUnstated, NoteActualAsOf, NotePastDue}

// noteFormat is how English words a code: a format with one %s per
// argument, and which arguments are scope codes (worded by statScopeName).
type noteFormat struct {
	en     string
	scopes []int
}

var noteFormats = map[string]noteFormat{
	NoteNoStatistics:     {en: "no statistics for %s"},
	NoteNoBaseStatistics: {en: "no statistics for %s: no year-on-year comparison"},
	NoteScopeChanged: {en: "the statistical scope (统计口径) changed between %s (%s) and %s (%s): growth and share change are not computed across it",
		scopes: []int{1, 3}},
	NoteYTDPartial:          {en: "new green loans of the year to date sum the %s of %s months that have statistics"},
	NoteShareScopeChanged:   {en: "the statistical scope (统计口径) changed between %s and %s: no share change"},
	NoteNoLoans:             {en: "no loans in the statistics for %s: no share change"},
	NoteGrowthBeforeBase:    {en: "the growth is measured from %s, not before"},
	NoteNoBaseBalance:       {en: "no green-loan balance for the base month %s"},
	NoteBaseZero:            {en: "the base balance is zero"},
	NoteActualScope:         {en: "the actual is under the scope %s, the target under %s: shown, not compared", scopes: []int{0, 1}},
	NoteBaseScope:           {en: "the base is under the scope %s, the target under %s: shown, not compared", scopes: []int{0, 1}},
	NoteBaseMonthScope:      {en: "the base month's figure is under the scope %s, the target under %s: shown, not compared", scopes: []int{0, 1}},
	NoteNoActual:            {en: "no actual given"},
	NoteActualScopeUnstated: {en: "the actual's scope is not stated: taken as the target's"},
	NoteActualAsOf:          {en: "actual as of %s"},
	NotePastDue:             {en: "the target was due by %s; measured at %s"},
}

// newNote is a note of the code with its arguments.
func newNote(code string, args ...string) Note { return Note{Code: code, Args: args} }

// ScopeArg says whether the note's i-th argument is a scope code, which a
// reader's language names ("" = no scope named).
func (n Note) ScopeArg(i int) bool {
	for _, j := range noteFormats[n.Code].scopes {
		if i == j {
			return true
		}
	}
	return false
}

// English words the note in English, its Detail after a dash. A note of
// an unknown code, or with the wrong number of arguments, is its code with
// its arguments.
func (n Note) English() string {
	f, ok := noteFormats[n.Code]
	var s string
	if !ok || strings.Count(f.en, "%s") != len(n.Args) {
		s = n.Code
		if len(n.Args) > 0 {
			s += ": " + strings.Join(n.Args, ", ")
		}
	} else {
		args := make([]any, len(n.Args))
		for i, a := range n.Args {
			if n.ScopeArg(i) {
				a = statScopeName(a)
			}
			args[i] = a
		}
		s = fmt.Sprintf(f.en, args...)
	}
	if n.Detail != "" {
		s += " — " + n.Detail
	}
	return s
}

// English words the notes in English, joined by "; ": the API's note field.
func (ns Notes) English() string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = n.English()
	}
	return strings.Join(parts, "; ")
}
