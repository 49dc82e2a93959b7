package finance

import (
	"testing"
	"time"
)

func TestWorkingDays(t *testing.T) {
	at := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02 15:04", s, China)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		from string
		n    int
		due  string
	}{
		{"2026-06-01 10:00", 1, "2026-06-02"}, // Monday → Tuesday
		{"2026-06-05 16:00", 1, "2026-06-08"}, // Friday → Monday
		{"2026-06-05 16:00", 3, "2026-06-10"}, // Friday → Wednesday
		{"2026-06-17 09:00", 3, "2026-06-23"}, // Wednesday; 端午 19–21 June off: Thu 18, Mon 22, Tue 23
		{"2026-02-13 09:00", 1, "2026-02-14"}, // Friday → Saturday 14 February, a day worked for 春节
		{"2026-02-14 09:00", 1, "2026-02-24"}, // 春节 15–23 February off
		{"2025-09-30 18:00", 5, "2025-10-14"}, // 国庆 1–8 October off; Thu 9, Fri 10, Sat 11 (worked), Mon 13, Tue 14
	} {
		got := AddWorkingDays(at(c.from), c.n)
		if d := got.Format("2006-01-02 15:04:05"); d != c.due+" 23:59:59" {
			t.Errorf("%s + %d working days = %s, want the end of %s", c.from, c.n, d, c.due)
		}
	}
	if WorkingDay(at("2026-10-01 12:00")) || !WorkingDay(at("2026-10-10 12:00")) || WorkingDay(at("2026-06-06 12:00")) {
		t.Error("holidays and 调休 days")
	}
}
