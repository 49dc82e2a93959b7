package carbon

import (
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"sync"
)

// Level is the absolute carbon-efficiency level (碳效水平).
type Level string

// The levels.
const (
	LevelLow    Level = "low"    // 低碳
	LevelMedium Level = "medium" // 中碳
	LevelHigh   Level = "high"   // 高碳
)

//go:embed data/grading.csv
var gradingCSV []byte

// Band is one level or grade with its inclusive upper bound (+Inf for the last).
type Band struct {
	Axis   string  `json:"axis"` // level or grade
	Code   string  `json:"code"`
	NameZH string  `json:"name_zh"`
	NameEN string  `json:"name_en"`
	Upper  float64 `json:"upper"`
}

// Bands returns the level and grade bands of data/grading.csv, in order.
var Bands = sync.OnceValue(func() []Band {
	rows, err := readTable(gradingCSV, []string{"axis", "code", "name_zh", "name_en", "upper"})
	if err != nil {
		panic(fmt.Sprintf("carbon: data/grading.csv: %v", err))
	}
	var out []Band
	for _, r := range rows {
		b := Band{Axis: r.get("axis"), Code: r.get("code"), NameZH: r.get("name_zh"), NameEN: r.get("name_en"), Upper: math.Inf(1)}
		if r.get("upper") != "" {
			if b.Upper, err = r.float("upper"); err != nil {
				panic(fmt.Sprintf("carbon: data/grading.csv: %v", err))
			}
		}
		out = append(out, b)
	}
	return out
})

// boundaryTolerance absorbs floating-point error at a band's upper bound, so
// that a K that is 0.6 in exact arithmetic falls in grade 1 even when the
// division gives 0.6000000000000001.
const boundaryTolerance = 1e-9

func band(axis string, v float64) Band {
	var last Band
	for _, b := range Bands() {
		if b.Axis != axis {
			continue
		}
		if v <= b.Upper*(1+boundaryTolerance) {
			return b
		}
		last = b
	}
	return last
}

// LevelOf returns the level of an intensity L (tCO2 per 万元): low up to and
// including 0.6, medium up to and including 2.0, high above.
func LevelOf(l float64) Level { return Level(band("level", l).Code) }

// GradeOf returns the grade 1–5 of a carbon-efficiency value K = L /
// L_industry: 1 up to and including 0.6, 2 to 0.8, 3 to 1.2, 4 to 2.0, 5 above.
func GradeOf(k float64) int {
	g, _ := strconv.Atoi(band("grade", k).Code)
	return g
}

// NameZH returns the level's Chinese name, e.g. 高碳.
func (l Level) NameZH() string {
	for _, b := range Bands() {
		if b.Axis == "level" && b.Code == string(l) {
			return b.NameZH
		}
	}
	return ""
}

// Peer is an enterprise's figures for the industry benchmark.
type Peer struct {
	Industry   string
	Emissions  float64 // E, tCO2
	ValueAdded float64 // 万元
}

// Benchmark is an industry's intensity for a year (行业碳效基准).
type Benchmark struct {
	Industry  string  `json:"industry"`
	Intensity float64 `json:"intensity"` // L_industry, tCO2 per 万元
	Peers     int     `json:"peers"`     // enterprises it rests on
	Source    string  `json:"source"`    // "computed" or the published benchmark's source
}

// MinPeers is the smallest graded population of an industry: an enterprise
// alone in its industry has no peers and so no grade.
const MinPeers = 2

// Benchmarks computes each industry's L_industry = Σ E / Σ VA over the
// enterprises with value added (a weighted mean). Industries with fewer than
// MinPeers such enterprises, or with no positive total, get none.
func Benchmarks(peers []Peer) map[string]Benchmark {
	type sum struct {
		e, va float64
		n     int
	}
	sums := map[string]*sum{}
	for _, p := range peers {
		if p.Industry == "" || p.ValueAdded <= 0 {
			continue
		}
		s := sums[p.Industry]
		if s == nil {
			s = &sum{}
			sums[p.Industry] = s
		}
		s.e += p.Emissions
		s.va += p.ValueAdded
		s.n++
	}
	out := map[string]Benchmark{}
	for ind, s := range sums {
		if s.n >= MinPeers && s.e > 0 {
			out[ind] = Benchmark{Industry: ind, Intensity: s.e / s.va, Peers: s.n, Source: "computed"}
		}
	}
	return out
}

// Grade returns K and the grade of an account against its industry's
// benchmark; ok is false when the account has no intensity or the industry
// no benchmark.
func Grade(a Account, b Benchmark, hasBenchmark bool) (k float64, grade int, ok bool) {
	if !a.HasIntensity || !hasBenchmark || b.Intensity <= 0 {
		return 0, 0, false
	}
	k = a.Intensity / b.Intensity
	return k, GradeOf(k), true
}

// Change is the year-on-year change of an account (同比).
type Change struct {
	PrevYear  int     `json:"prev_year"`
	Total     float64 `json:"total"`     // relative change of total emissions, e.g. -0.05 for −5 %
	Intensity float64 `json:"intensity"` // relative change of L; 0 when either year has none
	HasL      bool    `json:"has_intensity"`
}

// YearOnYear returns the relative change from prev to cur; ok is false when
// prev has no emissions to compare with.
func YearOnYear(cur, prev Account) (Change, bool) {
	if prev.Total == 0 {
		return Change{}, false
	}
	c := Change{Total: (cur.Total - prev.Total) / prev.Total}
	if cur.HasIntensity && prev.HasIntensity && prev.Intensity != 0 {
		c.Intensity, c.HasL = (cur.Intensity-prev.Intensity)/prev.Intensity, true
	}
	return c, true
}
