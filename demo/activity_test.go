package demo

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"cifp"
	"cifp/audit"
	"cifp/carbon"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

// activityNow is after every period the tests generate.
var activityNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func genActivity(t testing.TB, ents []org.Org, o ActivityOptions) ([]byte, int) {
	t.Helper()
	var b bytes.Buffer
	n, err := WriteActivity(&b, ents, o)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), n
}

// parseActivity parses generated data as the platform does, with every
// enterprise of ents known.
func parseActivity(t testing.TB, data []byte, ents []org.Org) []carbon.Row {
	t.Helper()
	known := map[string]bool{}
	for _, e := range ents {
		if e.Kind == org.KindEnterprise {
			known[e.USCC] = true
		}
	}
	rows, err := carbon.ParseActivity(bytes.NewReader(data), "csv", carbon.DefaultFactors(), activityNow,
		func(u string) bool { return known[u] })
	if err != nil {
		fs := cifp.ErrorFields(err)
		t.Fatalf("the generated activity does not parse: %v (first problems: %v)", err, fs[:min(5, len(fs))])
	}
	return rows
}

func enterpriseMap(ents []org.Org) map[string]carbon.Enterprise {
	m := map[string]carbon.Enterprise{}
	for _, e := range ents {
		m[e.USCC] = carbon.Enterprise{USCC: e.USCC, Name: e.Name, Industry: e.Industry, County: e.Division}
	}
	return m
}

// TestWriteActivityParses: every row passes the platform's parser (known
// enterprise, period, item, unit, non-negative quantity, quality, no
// duplicate), only enterprises have rows, and the data looks like meter
// readings: seasonal within ±15%, mostly metered electricity, a few
// estimates, some rooftop PV.
func TestWriteActivityParses(t *testing.T) {
	d := generate(5, 1500)
	data, n := genActivity(t, d.orgs, ActivityOptions{Seed: 5, Years: []int{2025, 2024}})
	if !bytes.HasPrefix(data, []byte(carbon.ActivityHeader+"\n")) {
		t.Fatalf("the file starts %q", data[:min(80, len(data))])
	}
	if got := bytes.Count(data, []byte("\n")) - 1; got != n {
		t.Errorf("WriteActivity returned %d rows, the file has %d", n, got)
	}
	rows := parseActivity(t, data, d.orgs)
	if len(rows) != n {
		t.Fatalf("%d rows parsed of %d", len(rows), n)
	}
	inst := map[string]bool{}
	for _, o := range d.orgs[:d.inst] {
		inst[o.USCC] = true
	}
	type series struct {
		uscc, item string
		year       int
	}
	months := map[series][]float64{}
	resolution := map[series]float64{} // half the last decimal kept
	half := map[string]float64{"kWh": 0.5, "MWh": 0.0005, "t": 0.0005, "kg": 0.05, "m3": 0.5, "万Nm3": 0.00005, "GJ": 0.05}
	perYear := map[string]map[int]int{} // USCC → year → value_added rows
	quality := map[carbon.Quality]int{}
	elecMetered, elecRows := 0, 0
	pv := map[string]bool{}
	units := map[string]bool{}
	for _, r := range rows {
		if inst[r.USCC] {
			t.Fatalf("row %d is for an institution", r.Line)
		}
		if r.Quantity <= 0 || r.Input <= 0 {
			t.Errorf("row %d: quantity %v", r.Line, r.Quantity)
		}
		quality[r.Quality]++
		units[r.Item+" "+r.Unit] = true
		switch {
		case r.Period.Month == 0:
			if r.Item != carbon.ItemValueAdded && r.Item != carbon.ItemOutputValue {
				t.Errorf("row %d: annual %s", r.Line, r.Item)
			}
			if r.Item == carbon.ItemValueAdded {
				if perYear[r.USCC] == nil {
					perYear[r.USCC] = map[int]int{}
				}
				perYear[r.USCC][r.Period.Year]++
			}
		default:
			k := series{r.USCC, r.Item, r.Period.Year}
			months[k] = append(months[k], r.Input)
			resolution[k] = half[r.Unit]
		}
		if r.Item == carbon.ItemElectricity {
			elecRows++
			if r.Quality == carbon.Metered {
				elecMetered++
			}
		}
		if r.Item == carbon.ItemSelfRenewable {
			pv[r.USCC] = true
		}
	}
	if len(perYear) != 1500 {
		t.Errorf("%d enterprises have value added, want 1500", len(perYear))
	}
	for u, ys := range perYear {
		if ys[2024] != 1 || ys[2025] != 1 {
			t.Errorf("%s: value-added rows by year %v", u, ys)
		}
	}
	for k, v := range months {
		if len(v) != 12 {
			if len(v) < 10 { // a figure may round to zero and be left out
				t.Errorf("%v: %d months", k, len(v))
			}
			continue
		}
		mean := 0.0
		for _, x := range v {
			mean += x / 12
		}
		for m, x := range v {
			if math.Abs(x/mean-1) > 0.155+resolution[k]/mean {
				t.Errorf("%v: month %d is %.1f%% off the mean", k, m+1, 100*(x/mean-1))
				break
			}
		}
	}
	est := float64(quality[carbon.Estimated]) / float64(len(rows))
	if est < 0.01 || est > 0.06 {
		t.Errorf("%.1f%% of rows estimated, want about 3%%", 100*est)
	}
	if share := float64(elecMetered) / float64(elecRows); share < 0.9 {
		t.Errorf("%.1f%% of electricity rows metered", 100*share)
	}
	// Rooftop PV on about one in ten (and on the hydro and solar plants).
	if share := float64(len(pv)) / 1500; share < 0.07 || share > 0.25 {
		t.Errorf("%.1f%% of enterprises have their own renewable power", 100*share)
	}
	for _, want := range []string{"electricity kWh", "electricity MWh", "natural_gas m3", "natural_gas 万Nm3",
		"raw_coal t", "diesel kg", "diesel t", "heat GJ", "value_added 万元", "output_value 万元", "self_renewable_electricity kWh",
		"exported_electricity MWh"} {
		if !units[want] {
			t.Errorf("no %s rows", want)
		}
	}
	t.Logf("%d rows for 1500 enterprises × 2 years; qualities %v; %d with own renewable power", n, quality, len(pv))
}

// linesOf returns the rows of one enterprise.
func linesOf(data []byte, uscc string) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, uscc+",") {
			out = append(out, l)
		}
	}
	return out
}

func TestWriteActivityDeterministic(t *testing.T) {
	ents := Enterprises(9, 400)
	o := ActivityOptions{Seed: 9, Years: []int{2024, 2025}}
	a, _ := genActivity(t, ents, o)
	b, _ := genActivity(t, ents, o)
	if !bytes.Equal(a, b) {
		t.Fatal("the same inputs gave different files")
	}
	c, _ := genActivity(t, ents, ActivityOptions{Seed: 10, Years: []int{2024, 2025}})
	if bytes.Equal(a, c) {
		t.Error("another seed gave the same file")
	}
	// An enterprise's rows do not depend on the others, nor a year's on the
	// other years.
	for _, i := range []int{0, 17, 399} {
		e := ents[i]
		alone, _ := genActivity(t, []org.Org{e}, o)
		if !slices.Equal(linesOf(a, e.USCC), linesOf(alone, e.USCC)) {
			t.Errorf("%s: its rows change with the other enterprises", e.USCC)
		}
		only2025, _ := genActivity(t, []org.Org{e}, ActivityOptions{Seed: 9, Years: []int{2025}})
		var want []string
		for _, l := range linesOf(a, e.USCC) {
			if strings.Contains(l, ",2025") {
				want = append(want, l)
			}
		}
		if !slices.Equal(want, linesOf(only2025, e.USCC)) {
			t.Errorf("%s: its 2025 rows change with the years asked for", e.USCC)
		}
	}
	// A partial last year: the months are those of the whole year; the
	// value added is that of the months, so the intensity stays.
	part, _ := genActivity(t, ents, ActivityOptions{Seed: 9, Years: []int{2025}, Months: 3})
	whole, _ := genActivity(t, ents, ActivityOptions{Seed: 9, Years: []int{2025}})
	for _, e := range ents[:50] {
		var want []string
		for _, l := range linesOf(whole, e.USCC) {
			if strings.Contains(l, ",2025-01,") || strings.Contains(l, ",2025-02,") || strings.Contains(l, ",2025-03,") {
				want = append(want, l)
			}
		}
		got := linesOf(part, e.USCC)
		if len(got) != len(want)+2 || !slices.Equal(got[:len(want)], want) {
			t.Errorf("%s: the first quarter differs from the whole year's\n%v\n%v", e.USCC, got, want)
		}
	}
	ents3 := enterpriseMap(ents)
	rs := func(data []byte) map[string]carbon.YearResult {
		res, err := carbon.Calculate(carbon.DefaultFactors(), parseActivity(t, data, ents), ents3, "")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]carbon.YearResult{}
		for _, r := range res {
			m[r.USCC] = r
		}
		return m
	}
	rp, rw := rs(part), rs(whole)
	off := 0
	plain := 0
	for u, r := range rw {
		if profileOf(r.Industry).kind != kindPlain { // the seasons of power bought and made differ
			continue
		}
		plain++
		if !r.HasIntensity || math.Abs(rp[u].Intensity/r.Intensity-1) > 0.1 {
			off++
			t.Logf("%s %s: first quarter L %.3f, year %.3f", u, r.Industry, rp[u].Intensity, r.Intensity)
		}
	}
	if off > plain/50 {
		t.Errorf("%d of %d enterprises have a first-quarter intensity more than 10%% off the year's", off, plain)
	}
}

func TestWriteActivityInvalid(t *testing.T) {
	ents := Enterprises(1, 10)
	for _, o := range []ActivityOptions{{}, {Years: []int{2025}, Months: 13}, {Years: []int{2025}, Months: -1}, {Years: []int{99}}} {
		if _, err := WriteActivity(&bytes.Buffer{}, ents, o); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("%+v: %v, want EINVALID", o, err)
		}
	}
	data, n := genActivity(t, nil, ActivityOptions{Years: []int{2025}})
	if n != 0 || string(data) != carbon.ActivityHeader+"\n" {
		t.Errorf("no enterprises: %d rows, %q", n, data)
	}
}

// sample computes the accounts of n demo enterprises for 2025.
func sample(t *testing.T, seed int64, n int) ([]org.Org, []carbon.YearResult) {
	t.Helper()
	ents := Enterprises(seed, n)
	data, _ := genActivity(t, ents, ActivityOptions{Seed: seed, Years: []int{2025}})
	res, err := carbon.Calculate(carbon.DefaultFactors(), parseActivity(t, data, ents), enterpriseMap(ents), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != n {
		t.Fatalf("%d accounts for %d enterprises", len(res), n)
	}
	return ents, res
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// TestActivityIntensities checks the computed intensities by industry
// against the profiles: the median and the industry benchmark (Σ E / Σ VA)
// inside the intended range, most enterprises too; power and heat plants
// high-carbon; hydro and solar low-carbon.
func TestActivityIntensities(t *testing.T) {
	_, res := sample(t, 3, 6000)
	type agg struct {
		ls    []float64
		e, va float64
	}
	by := map[string]*agg{}
	for _, r := range res {
		if !r.HasIntensity {
			t.Errorf("%s (%s): no intensity", r.USCC, r.Industry)
			continue
		}
		a := by[r.Industry]
		if a == nil {
			a = &agg{}
			by[r.Industry] = a
		}
		a.ls = append(a.ls, r.Intensity)
		a.e += r.Emissions
		a.va += r.ValueAdded
	}
	codes := make([]string, 0, len(by))
	for c := range by {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var log strings.Builder
	checked := 0
	for _, code := range codes {
		a := by[code]
		p := profileOf(code)
		med, bench := median(a.ls), a.e/a.va
		in := 0
		for _, l := range a.ls {
			if l >= p.lo && l <= p.hi {
				in++
			}
		}
		name, _ := org.IndustryByCode(code)
		fmt.Fprintf(&log, "\n%s %-12s n=%4d  median L %7.3f  benchmark %7.3f  range %.2f–%.2f  inside %3.0f%%",
			code, name.Name, len(a.ls), med, bench, p.lo, p.hi, 100*float64(in)/float64(len(a.ls)))
		switch p.kind {
		case kindPower:
			for _, l := range a.ls {
				if l <= 2 {
					t.Errorf("%s: a coal-fired plant with L = %.2f, not high-carbon", code, l)
				}
			}
			continue
		case kindRenewable:
			low := 0
			for _, l := range a.ls {
				if l < 0 {
					t.Errorf("%s: a renewable plant with L = %.3f", code, l)
				}
				if l <= 0.6 {
					low++
				}
			}
			if med > p.hi || float64(low) < 0.9*float64(len(a.ls)) {
				t.Errorf("%s: median L %.3f, %d of %d low-carbon", code, med, low, len(a.ls))
			}
			continue
		}
		if len(a.ls) < 20 {
			continue
		}
		checked++
		if med < p.lo || med > p.hi {
			t.Errorf("%s: median L %.3f outside %.2f–%.2f", code, med, p.lo, p.hi)
		}
		if bench < p.lo || bench > p.hi {
			t.Errorf("%s: benchmark L %.3f outside %.2f–%.2f", code, bench, p.lo, p.hi)
		}
		if float64(in) < 0.6*float64(len(a.ls)) {
			t.Errorf("%s: only %d of %d inside %.2f–%.2f", code, in, len(a.ls), p.lo, p.hi)
		}
	}
	if checked < 15 {
		t.Errorf("only %d industries had 20 enterprises to check", checked)
	}
	t.Log(log.String())
	// The intended industries are all there.
	for _, code := range []string{"3011", "3071", "3074", "2221", "2651", "2614", "4411", "4413", "4416", "3972", "3443",
		"3451", "3670", "2459", "2431", "1819", "1952", "2710", "1530"} {
		if by[code] == nil {
			t.Errorf("no enterprise of %s in the sample", code)
		}
	}
}

// TestActivityGrades: on a few thousand enterprises every grade and level
// occurs, the middle grades most.
func TestActivityGrades(t *testing.T) {
	_, res := sample(t, 4, 3000)
	grades := map[int]int{}
	levels := map[carbon.Level]int{}
	for _, r := range res {
		grades[r.Grade]++
		levels[r.Level]++
	}
	for g := 1; g <= 5; g++ {
		if grades[g] < 30 {
			t.Errorf("grade %d: %d enterprises", g, grades[g])
		}
	}
	if grades[0] > len(res)/50 {
		t.Errorf("%d enterprises without a grade", grades[0])
	}
	if grades[3] < grades[5] || grades[3] < grades[1] {
		t.Errorf("grade 3 is not the centre: %v", grades)
	}
	for _, l := range []carbon.Level{carbon.LevelLow, carbon.LevelMedium, carbon.LevelHigh} {
		if levels[l] < 30 {
			t.Errorf("level %s: %d enterprises", l, levels[l])
		}
	}
	t.Logf("grades %v, levels %v", grades, levels)
}

func BenchmarkWriteActivity(b *testing.B) {
	ents := Enterprises(1, 10_000)
	var buf bytes.Buffer
	rows := 0
	for b.Loop() {
		buf.Reset()
		n, err := WriteActivity(&buf, ents, ActivityOptions{Seed: 1, Years: []int{2025}})
		if err != nil {
			b.Fatal(err)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// TestLoadActivity loads 300 enterprises with a year of activity data: every
// enterprise has an account for the year, most of them graded, and the
// accounts are those the calculator gives on the generated file.
func TestLoadActivity(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		const n = 300
		var stages []string
		last := map[string][2]int{}
		res, err := Load(context.Background(), db, Options{Seed: 21, Enterprises: n, ActivityYears: []int{2025},
			ActivityProgress: func(stage string, done, total int) {
				if len(stages) == 0 || stages[len(stages)-1] != stage {
					stages = append(stages, stage)
				}
				last[stage] = [2]int{done, total}
			}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(stages, []string{"activity", "store", "accounts"}) {
			t.Errorf("stages %v", stages)
		}
		if last["activity"] != [2]int{n, n} || last["store"] != [2]int{res.ActivityRows, res.ActivityRows} ||
			last["accounts"] != [2]int{n, n} {
			t.Errorf("last progress calls %v", last)
		}
		data, rows := genActivity(t, Enterprises(21, n), ActivityOptions{Seed: 21, Years: []int{2025}})
		if res.ActivityRows != rows || res.Accounts != n || count(t, db, "activity") != rows {
			t.Errorf("result %+v; the generator makes %d rows; the table has %d", res, rows, count(t, db, "activity"))
		}
		svc := carbon.NewService(db, org.NewService(db))
		list, next, err := svc.List(sys, carbon.Filter{Year: 2025, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != n || next != 0 {
			t.Fatalf("%d accounts for 2025 (next %d), want %d", len(list), next, n)
		}
		ents := Enterprises(21, n)
		want, err := carbon.Calculate(carbon.DefaultFactors(), parseActivity(t, data, ents), enterpriseMap(ents), "")
		if err != nil {
			t.Fatal(err)
		}
		byUSCC := map[string]carbon.YearResult{}
		for _, r := range want {
			byUSCC[r.USCC] = r
		}
		graded := 0
		grades := map[int]int{}
		for _, a := range list {
			grades[a.Grade]++
			if a.Grade > 0 {
				graded++
			}
			w := byUSCC[a.USCC]
			if a.Grade != w.Grade || math.Abs(a.Emissions-w.Emissions) > 1e-6*math.Abs(w.Emissions)+1e-9 ||
				math.Abs(a.ValueAdded-w.ValueAdded) > 1e-9*w.ValueAdded {
				t.Errorf("%s: stored grade %d, E %v, VA %v; the calculator: %d, %v, %v", a.USCC, a.Grade, a.Emissions,
					a.ValueAdded, w.Grade, w.Emissions, w.ValueAdded)
			}
		}
		if graded < n*8/10 {
			t.Errorf("%d of %d accounts graded: %v", graded, n, grades)
		}
		t.Logf("%d activity rows; grades %v", res.ActivityRows, grades)
		// One audit entry for the import and one for the recompute.
		for _, entity := range []string{"activity_batch", "accounts"} {
			if e, err := audit.List(sys, db, audit.Filter{Entity: entity}); err != nil || len(e) != 1 {
				t.Errorf("%s entries: %d, %v", entity, len(e), err)
			}
		}
		if v, err := audit.Verify(context.Background(), db); err != nil || !v.OK {
			t.Errorf("audit: %+v, %v", v, err)
		}
	})
}

func TestLoadActivityInvalid(t *testing.T) {
	db := testutil.MustOpenDB(t)
	next := time.Now().Year() + 1
	for _, years := range [][]int{{next}, {2024, next}, {1980}} {
		_, err := Load(context.Background(), db, Options{Seed: 1, Enterprises: 10, ActivityYears: years})
		if cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("activity years %v: %v, want EINVALID", years, err)
		}
	}
	if count(t, db, "orgs") != 0 {
		t.Error("an invalid load wrote something")
	}
	// The current year: its whole months.
	o, years, err := activityOptions(Options{Seed: 1, ActivityYears: []int{2026, 2025}}, time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC))
	if err != nil || o.Months != 3 || !slices.Equal(years, []int{2025, 2026}) {
		t.Errorf("in April 2026: %+v, %v, %v", o, years, err)
	}
	if _, _, err := activityOptions(Options{ActivityYears: []int{2026}}, time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)); cifp.ErrorCode(err) != cifp.EINVALID {
		t.Errorf("the current year in January: %v", err)
	}
}
