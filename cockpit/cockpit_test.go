package cockpit

import (
	"testing"

	"cifp"
	"cifp/finance"
)

func TestFilterCheck(t *testing.T) {
	for _, c := range []struct {
		f      Filter
		fields []string
	}{
		{Filter{}, nil},
		{Filter{Month: "2025-12", Year: 2025, County: "331102", Class: "2025/3", Institution: 7, Grade: 5}, nil},
		{Filter{Month: "2025-13"}, []string{"month"}},
		{Filter{Year: 1999, Grade: 6}, []string{"year", "grade"}},
		{Filter{County: "3311", Class: "3"}, []string{"county", "class"}},
	} {
		var got []string
		for _, fe := range cifp.ErrorFields(c.f.Check()) {
			got = append(got, fe.Field)
		}
		if len(got) != len(c.fields) {
			t.Errorf("%+v: fields %v, want %v", c.f, got, c.fields)
			continue
		}
		for i := range got {
			if got[i] != c.fields[i] {
				t.Errorf("%+v: fields %v, want %v", c.f, got, c.fields)
			}
		}
	}
}

func TestFilterSlice(t *testing.T) {
	f := Filter{Month: "2025-12", County: "331102", Class: "2025/3", Institution: 7, Grade: 3}
	if got := f.slice(); got != (finance.Slice{County: "331102", Class: "2025/3", Institution: 7}) {
		t.Errorf("slice %+v", got)
	}
}

func TestMonthsBack(t *testing.T) {
	for _, c := range []struct {
		m    string
		n    int
		want string
	}{{"2025-12", 11, "2025-01"}, {"2025-03", 11, "2024-04"}, {"2025-01", 1, "2024-12"}, {"2025-01", 0, "2025-01"}} {
		if got := monthsBack(c.m, c.n); got != c.want {
			t.Errorf("monthsBack(%s, %d) = %s, want %s", c.m, c.n, got, c.want)
		}
	}
}
