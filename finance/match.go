package finance

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Borrower is what matching knows of an enterprise: where it is, its
// industry, and its latest carbon-efficiency grade (0 when it has none).
type Borrower struct {
	OrgID     int64  `json:"org_id"`
	County    string `json:"county"`
	Industry  string `json:"industry"`
	Grade     int    `json:"grade"`
	Level     string `json:"level"`
	GradeYear int    `json:"grade_year"`
}

// Ask is the part of a financing need that matching reads.
type Ask struct {
	Amount     float64  // 万元
	Tenor      int      // months
	Collateral []string // kinds on offer
}

// Check is one rule of a match and whether it passed (匹配规则).
type Check struct {
	Rule   string `json:"rule"` // amount, tenor, industry, county, grade, collateral, active
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Match is a product measured against a need and its borrower, with the
// reason for every rule and the indicative rate.
type Match struct {
	Product  Product `json:"product"`
	Eligible bool    `json:"eligible"`
	Checks   []Check `json:"checks"`
	Price    *Price  `json:"price,omitempty"`
}

// MatchProduct checks a product against a need: every rule is evaluated
// and explained, so a borrower or officer sees why it fits or not. The
// indicative rate is the product's price for the borrower's grade on the date.
func MatchProduct(p Product, a Ask, b Borrower, on time.Time) Match {
	m := Match{Product: p, Eligible: true}
	check := func(rule string, ok bool, format string, args ...any) {
		m.Checks = append(m.Checks, Check{Rule: rule, Passed: ok, Detail: fmt.Sprintf(format, args...)})
		m.Eligible = m.Eligible && ok
	}
	check("active", p.Active, "产品%s", map[bool]string{true: "在售", false: "已下架或已被新版本替代"}[p.Active])
	check("amount", a.Amount >= p.MinAmount && a.Amount <= p.MaxAmount, "需求 %g 万元, 产品额度 %g–%g 万元", a.Amount, p.MinAmount, p.MaxAmount)
	check("tenor", a.Tenor >= p.MinTenor && a.Tenor <= p.MaxTenor, "需求期限 %d 个月, 产品期限 %d–%d 个月", a.Tenor, p.MinTenor, p.MaxTenor)
	if len(p.Industries) > 0 {
		ok := slices.ContainsFunc(p.Industries, func(pre string) bool { return b.Industry != "" && strings.HasPrefix(b.Industry, pre) })
		check("industry", ok, "企业行业 %s, 产品支持 %s", or(b.Industry, "未登记"), strings.Join(p.Industries, "、"))
	}
	if len(p.Counties) > 0 {
		check("county", slices.Contains(p.Counties, b.County), "企业所在 %s, 产品覆盖 %s", or(b.County, "未登记"), strings.Join(p.Counties, "、"))
	}
	if len(p.Grades) > 0 {
		ok := b.Grade > 0 && slices.Contains(p.Grades, b.Grade)
		detail := "企业无碳效等级"
		if b.Grade > 0 {
			detail = fmt.Sprintf("企业碳效 %d 级 (%d 年)", b.Grade, b.GradeYear)
		}
		var gs []string
		for _, g := range p.Grades {
			gs = append(gs, fmt.Sprint(g))
		}
		check("grade", ok, "%s, 产品支持 %s 级", detail, strings.Join(gs, "、"))
	}
	common := slices.ContainsFunc(p.Collateral, func(c string) bool { return c == "credit" || slices.Contains(a.Collateral, c) })
	check("collateral", common, "企业可提供 %s, 产品接受 %s", or(collateralNames(a.Collateral), "无"), collateralNames(p.Collateral))
	if price, err := PriceOf(p, b.Grade, on); err == nil {
		m.Price = &price
	}
	return m
}

// collateralNames lists collateral kinds by their Chinese names.
func collateralNames(codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = c
		if k, ok := CollateralKind(c); ok {
			names[i] = k.NameZH
		}
	}
	return strings.Join(names, "、")
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// MatchAll measures every product against the need and ranks the matches.
func MatchAll(ps []Product, a Ask, b Borrower, on time.Time) []Match {
	out := make([]Match, 0, len(ps))
	for _, p := range ps {
		out = append(out, MatchProduct(p, a, b, on))
	}
	RankMatches(out)
	return out
}

// RankMatches orders matches best first: eligible ones, then the lowest
// indicative rate, then the product id (stable for equal rates).
func RankMatches(ms []Match) {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.Eligible != b.Eligible {
			return a.Eligible
		}
		ra, rb := rate(a), rate(b)
		if ra != rb {
			return ra < rb
		}
		return a.Product.ID < b.Product.ID
	})
}

func rate(m Match) float64 {
	if m.Price == nil {
		return 1e9
	}
	return m.Price.Rate
}
