package finance

import (
	"cifp/internal/datafile"
	_ "embed"
	"fmt"
	"sync"
	"time"
)

//go:embed data/calendar.csv
var calendarCSV []byte

// China is the time zone of working days.
var China = time.FixedZone("CST", 8*3600)

// calendar maps a date (YYYY-MM-DD) to whether it is a working day, for the
// dates the State Council's holiday notices change (data/calendar.csv).
var calendar = sync.OnceValue(func() map[string]bool {
	rows, err := datafile.Read(calendarCSV)
	if err != nil {
		panic(fmt.Errorf("calendar.csv: %w", err))
	}
	m := map[string]bool{}
	for _, r := range rows {
		if _, err := time.Parse(time.DateOnly, r["date"]); err != nil {
			panic(fmt.Errorf("calendar.csv: %w", err))
		}
		switch r["kind"] {
		case "holiday":
			m[r["date"]] = false
		case "workday":
			m[r["date"]] = true
		default:
			panic(fmt.Errorf("calendar.csv %s: unknown kind %q", r["date"], r["kind"]))
		}
	}
	return m
})

// WorkingDay reports whether the date (in China) is a working day (工作日):
// Monday to Friday unless a public holiday, and the weekend days worked
// instead (调休).
func WorkingDay(t time.Time) bool {
	t = t.In(China)
	if w, ok := calendar()[t.Format(time.DateOnly)]; ok {
		return w
	}
	return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
}

// AddWorkingDays returns the end of the nth working day after t's day (in
// China): the deadline of a service level such as "first contact within 3
// working days" (贷款码 "135").
func AddWorkingDays(t time.Time, n int) time.Time {
	d := t.In(China)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, China)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if WorkingDay(d) {
			n--
		}
	}
	return d.AddDate(0, 0, 1).Add(-time.Nanosecond)
}
