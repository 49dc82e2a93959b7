package finance

import (
	"cifp/internal/datafile"
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"

	"cifp/carbon"
)

//go:embed data/credit.csv
var creditCSV []byte

type creditParams struct {
	grade  map[int]float64
	points map[string]float64 // kind.code → points
	bands  []band             // best first
}

type band struct {
	code string
	min  float64
	note string
}

var credit = sync.OnceValue(func() creditParams {
	rows, err := datafile.Read(creditCSV)
	if err != nil {
		panic(fmt.Errorf("credit.csv: %w", err))
	}
	p := creditParams{grade: map[int]float64{}, points: map[string]float64{}}
	for _, r := range rows {
		v, err := parseFloat(r["points"])
		if err != nil {
			panic(fmt.Errorf("credit.csv %s.%s: %w", r["kind"], r["code"], err))
		}
		switch r["kind"] {
		case "grade":
			g, err := strconv.Atoi(r["code"])
			if err != nil {
				panic(fmt.Errorf("credit.csv grade %q", r["code"]))
			}
			p.grade[g] = v
		case "band":
			p.bands = append(p.bands, band{r["code"], v, r["note"]})
		default:
			p.points[r["kind"]+"."+r["code"]] = v
		}
	}
	sort.Slice(p.bands, func(i, j int) bool { return p.bands[i].min > p.bands[j].min })
	return p
})

// Reason is one term of a credit score, with its points.
type Reason struct {
	Factor string  `json:"factor"`
	Points float64 `json:"points"`
	Detail string  `json:"detail"`
}

// CreditScore is a borrower's carbon-performance credit score (碳效信用评分)
// with its band and every term that made it.
type CreditScore struct {
	OrgID   int64    `json:"org_id"`
	Year    int      `json:"year"`
	Score   float64  `json:"score"`
	Band    string   `json:"band"`
	Advice  string   `json:"advice"`
	Reasons []Reason `json:"reasons"`
}

// Score computes the credit score from a borrower's carbon performance:
// points for the grade, the change of grade and of intensity since the
// year before, the data quality and the state of the emission report.
func Score(p carbon.Performance) CreditScore {
	c := credit()
	s := CreditScore{OrgID: p.OrgID, Year: p.Year}
	add := func(factor string, pts float64, format string, args ...any) {
		s.Reasons = append(s.Reasons, Reason{Factor: factor, Points: pts, Detail: fmt.Sprintf(format, args...)})
		s.Score += pts
	}
	if p.Grade > 0 {
		add("grade", c.grade[p.Grade], "%d 年碳效 %d 级 (%s)", p.Year, p.Grade, p.Level.NameZH())
	} else {
		add("grade", c.grade[0], "%d 年无碳效等级", p.Year)
	}
	if p.Grade > 0 && p.PrevGrade > 0 && p.Grade != p.PrevGrade {
		steps := float64(p.PrevGrade - p.Grade) // positive when it improved (a lower grade number is better)
		add("trend", steps*c.points["trend.per_grade"], "碳效等级由 %d 级变为 %d 级", p.PrevGrade, p.Grade)
	}
	if p.Intensity != nil && p.PrevIntensity != nil && *p.PrevIntensity > 0 {
		change := (*p.Intensity - *p.PrevIntensity) / *p.PrevIntensity
		switch {
		case change <= -0.05:
			add("trend", c.points["trend.intensity_down"], "单位增加值排放同比 %+.1f%%", change*100)
		case change >= 0.05:
			add("trend", c.points["trend.intensity_up"], "单位增加值排放同比 %+.1f%%", change*100)
		}
	}
	switch p.Quality {
	case carbon.Metered:
		add("quality", c.points["quality.metered"], "数据质量: 计量")
	case carbon.Estimated:
		add("quality", c.points["quality.estimated"], "数据质量: 估算")
	}
	switch p.ReportStatus {
	case "accepted":
		add("report", c.points["report.accepted"], "年度排放报告已核查通过")
	case "returned":
		add("report", c.points["report.returned"], "年度排放报告被核查机构退回")
	}
	s.Score = math.Max(0, math.Min(100, s.Score))
	for _, b := range c.bands {
		if s.Score >= b.min {
			s.Band, s.Advice = b.code, b.note
			break
		}
	}
	return s
}

// Warning actions (建议措施).
const (
	ActionWatch       = "watch"       // 关注
	ActionRestructure = "restructure" // 压降/重组
	ActionExit        = "exit"        // 退出
)

// Warning is an early warning (预警) on a borrower of an institution.
type Warning struct {
	OrgID   int64    `json:"org_id"`
	Year    int      `json:"year"`
	Reasons []string `json:"reasons"`
	Action  string   `json:"action"` // suggested
}

// WarningOf returns the early warning a borrower's performance raises, if
// any: a fall of two or more grades, grade 5, or a returned report. Grade 5
// after a fall suggests exit; grade 5 alone restructuring; the rest watching.
func WarningOf(p carbon.Performance) (Warning, bool) {
	w := Warning{OrgID: p.OrgID, Year: p.Year, Action: ActionWatch}
	fell := p.Grade > 0 && p.PrevGrade > 0 && p.Grade-p.PrevGrade >= 2
	if fell {
		w.Reasons = append(w.Reasons, fmt.Sprintf("碳效等级由 %d 级降至 %d 级", p.PrevGrade, p.Grade))
	}
	if p.Grade == 5 {
		w.Reasons = append(w.Reasons, "碳效 5 级")
		w.Action = ActionRestructure
		if fell {
			w.Action = ActionExit
		}
	}
	if p.ReportStatus == "returned" {
		w.Reasons = append(w.Reasons, "年度排放报告被核查机构退回")
	}
	return w, len(w.Reasons) > 0
}
