package finance

import (
	"cifp/internal/datafile"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"

	"cifp/project"
)

//go:embed data/classify.csv
var classifyCSV []byte

// Catalogue2025From is the day the 2025 green-finance catalogue took
// effect for new green-finance business (绿色金融支持项目目录（2025年版）).
var Catalogue2025From = time.Date(2025, 10, 1, 0, 0, 0, 0, China)

// CatalogueAt names the catalogue version in force for a loan made on the date.
func CatalogueAt(start time.Time) string {
	if start.Before(Catalogue2025From) {
		return "2021"
	}
	return "2025"
}

type rule struct{ match, value, cat2021, cat2025, climate string }

var rules = sync.OnceValue(func() []rule {
	rows, err := datafile.Read(classifyCSV)
	if err != nil {
		panic(fmt.Errorf("classify.csv: %w", err))
	}
	var out []rule
	for _, r := range rows {
		out = append(out, rule{r["match"], r["value"], r["cat2021"], r["cat2025"], r["climate_type"]})
	}
	return out
})

// Suggestion is the classification assistant's proposal for a loan.
type Suggestion struct {
	Class       string `json:"class"` // "" = not green
	Catalogue   string `json:"catalogue"`
	ClimateType string `json:"climate_type"`
	Reason      string `json:"reason"`
}

// Suggest proposes a loan's green class, in the catalogue in force when it
// was made, and its climate type: from the library project it finances
// first, then from its purpose, then from the borrower's industry; else
// not green and no climate type.
func Suggest(p *project.Project, purpose, industry string, start time.Time) Suggestion {
	cat := CatalogueAt(start)
	pick := func(c2021, c2025 string) string {
		if cat == "2021" {
			return c2021
		}
		return c2025
	}
	if p != nil && project.InLibrary(p.Status) && (p.Cat2021 != "" || p.Cat2025 != "") {
		ct := p.ClimateType
		if ct == "" {
			ct = ClimateNone
		}
		return Suggestion{Class: pick(p.Cat2021, p.Cat2025), Catalogue: cat, ClimateType: ct, Reason: "入库项目 " + p.Code + " 的目录分类"}
	}
	for _, r := range rules() {
		if r.match == "keyword" && strings.Contains(purpose, r.value) {
			return Suggestion{Class: pick(r.cat2021, r.cat2025), Catalogue: cat, ClimateType: r.climate, Reason: "贷款用途含「" + r.value + "」"}
		}
	}
	for _, r := range rules() {
		if r.match == "industry" && industry != "" && strings.HasPrefix(industry, r.value) {
			return Suggestion{Class: pick(r.cat2021, r.cat2025), Catalogue: cat, ClimateType: r.climate, Reason: "借款人行业 " + industry}
		}
	}
	return Suggestion{Catalogue: cat, ClimateType: ClimateNone, Reason: "无匹配规则: 非绿色"}
}

// Attribution is the annual reduction attributed to a loan that finances a
// library project: the project's expected annual reduction × the loan's
// balance ÷ the project's total investment (CBRC 绿色信贷项目节能减排量测算指引).
type Attribution struct {
	TCO2   float64 `json:"tco2"`
	Method string  `json:"method"`
}

// Attribute computes a loan's attributed annual reduction (tCO2).
func Attribute(projectTCO2, balance, investment float64, projectCode string) Attribution {
	if investment <= 0 || projectTCO2 <= 0 || balance <= 0 {
		return Attribution{Method: "none"}
	}
	share := min(balance/investment, 1)
	return Attribution{TCO2: projectTCO2 * share, Method: fmt.Sprintf("项目 %s 年减排 %.1f t × 贷款余额 %.1f ÷ 总投资 %.1f 万元", projectCode, projectTCO2, balance, investment)}
}
