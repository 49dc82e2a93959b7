package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/finance"
)

// Carbon-performance credit (碳效信用), the early-warning list (预警清单) and
// the loop from a financed library project to its borrower's measured
// emissions (融资闭环), on the finance service.

// warningReaders read early warnings: an institution its own, the
// regulators every institution's.
var warningReaders = statsReaders

// lastYear is the year before this one in China: the latest whole year of
// carbon accounts.
func lastYear() int { return time.Now().In(chinaTime).Year() - 1 }

// recentYears are the years the pickers offer, newest first.
func recentYears(selected int) []int {
	var ys []int
	for y := lastYear() + 1; y >= lastYear()-5; y-- {
		ys = append(ys, y)
	}
	if !slices.Contains(ys, selected) {
		ys = append(ys, selected)
	}
	return ys
}

// yearParam reads ?year=: last year by default.
func yearParam(r *http.Request) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get("year"))
	if v == "" {
		return lastYear(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, cifp.Invalid("bad year", cifp.FieldError{Field: "year", Value: v, Message: "is not a year (2000–2100)"})
	}
	return y, nil
}

// creditScope is whose credit the caller reads: an enterprise its own; an
// institution the borrowers of its latest loan-book month; the regulators
// every borrower of the city's latest month.
func (s *Server) creditScope(ctx context.Context, month string) (string, []int64, error) {
	u, _ := userFrom(ctx)
	if u.Role == cifp.RoleEnterprise {
		return "", []int64{u.OrgID}, nil
	}
	if month == "" {
		var err error
		if month, err = s.latestStatMonth(ctx); err != nil {
			return "", nil, err
		}
	}
	ids, err := s.finance.Borrowers(ctx, month)
	return month, ids, err
}

// creditPageSize is the number of borrowers on a page of credit scores.
const creditPageSize = 50

// creditView is the data of the credit page.
type creditView struct {
	Year        int
	Years       []int
	Month       string
	Rows        []finance.BorrowerCredit
	Total       int
	Page        int64
	Pages       int
	Prev, Next  string
	Owner       bool
	Institution bool
	Team        bool
}

func (s *Server) creditPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	year, err := yearParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	month, err := monthParam(r, "month")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := queryInt(r, "page")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := creditView{Year: year, Years: recentYears(year), Page: max(page, 1), Owner: u.Role == cifp.RoleEnterprise,
		Institution: u.Role == cifp.RoleFinance, Team: u.Role.CityWide()}
	var ids []int64
	if v.Month, ids, err = s.creditScope(ctx, month); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Total, v.Pages = len(ids), (len(ids)+creditPageSize-1)/creditPageSize
	from := min(int(v.Page-1)*creditPageSize, len(ids))
	part := ids[from:min(from+creditPageSize, len(ids))]
	if len(part) > 0 {
		if v.Rows, err = s.finance.Credit(ctx, part, year); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	link := func(n int64) string {
		q := url.Values{"year": {strconv.Itoa(year)}, "page": {strconv.FormatInt(n, 10)}}
		if month != "" {
			q.Set("month", month)
		}
		return "/finance/credit?" + q.Encode()
	}
	if v.Page > 1 {
		v.Prev = link(v.Page - 1)
	}
	if from+len(part) < len(ids) {
		v.Next = link(v.Page + 1)
	}
	s.render(w, r, http.StatusOK, "finance_credit", v)
}

// creditList is a page of carbon-performance credit scores.
type creditList struct {
	Year       int                      `json:"year"`
	Month      string                   `json:"month,omitempty"` // the loan book's month the borrowers are read from
	Total      int                      `json:"total"`
	Items      []finance.BorrowerCredit `json:"items"`
	NextCursor string                   `json:"next_cursor,omitempty"`
}

var creditQuery = []Param{
	{Name: "year", Desc: "the carbon accounts' year; default: last year"},
	{Name: "month", Desc: "the loan book's month (YYYY-MM) the borrowers are read from; default: the latest"},
	{Name: "cursor", Desc: "the next_cursor of the previous page"}, {Name: "limit", Desc: "1–500, default 100"},
}

func (s *Server) apiCredit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	year, err := yearParam(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	month, err := monthParam(r, "month")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	cursor, err := queryInt(r, "cursor")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out := creditList{Year: year, Items: []finance.BorrowerCredit{}}
	var ids []int64
	if out.Month, ids, err = s.creditScope(ctx, month); err != nil {
		s.problem(w, r, err)
		return
	}
	out.Total = len(ids)
	from := int(min(cursor, int64(len(ids))))
	part := ids[from:min(from+int(limit), len(ids))]
	if len(part) > 0 {
		if out.Items, err = s.finance.Credit(ctx, part, year); err != nil {
			s.problem(w, r, err)
			return
		}
	}
	if next := from + len(part); next < len(ids) {
		out.NextCursor = strconv.Itoa(next)
	}
	writeJSON(w, http.StatusOK, out)
}

// ---------------------------------------------------------------------------
// Early warnings (预警)

// warningRow is a warning with its institution's name (for the regulators).
type warningRow struct {
	W           finance.WarningRecord
	Institution string
}

// warningsView is the data of the early-warning page.
type warningsView struct {
	Year        int
	Years       []int
	Rows        []warningRow
	Open        int // warnings without a decision
	Institution bool
	Team        bool
	Decisions   []string
	Done        string
	FormID      int64 // the warning whose decision was refused
	Form        map[string]string
	Errors      formErrors
	Message     string
}

func (s *Server) warningsPage(w http.ResponseWriter, r *http.Request) {
	year, err := yearParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderWarnings(w, r, http.StatusOK, warningsView{Year: year, Done: r.URL.Query().Get("done")})
}

func (s *Server) renderWarnings(w http.ResponseWriter, r *http.Request, status int, v warningsView) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	ws, err := s.finance.Warnings(ctx, v.Year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Institution, v.Team, v.Decisions, v.Years = u.Role == cifp.RoleFinance, u.Role.CityWide(), finance.Decisions, recentYears(v.Year)
	names := map[int64]string{}
	if v.Team {
		names = s.institutionNames(ctx)
	}
	for _, x := range ws {
		v.Rows = append(v.Rows, warningRow{W: x, Institution: names[x.OrgID]})
		if x.Decision == "" {
			v.Open++
		}
	}
	if v.Errors == nil {
		v.Errors = formErrors{}
	}
	if v.Form == nil {
		v.Form = map[string]string{}
	}
	s.render(w, r, status, "finance_warnings", v)
}

func (s *Server) warningDecisionSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	year, _ := strconv.Atoi(r.FormValue("year"))
	if year < 2000 || year > 2100 {
		year = lastYear()
	}
	decision, comment := strings.TrimSpace(r.FormValue("decision")), r.FormValue("comment")
	if _, err := s.finance.Decide(r.Context(), id, decision, comment); err != nil {
		if cifp.ErrorCode(err) != cifp.EINVALID {
			s.fail(w, r, err)
			return
		}
		v := warningsView{Year: year, FormID: id, Form: map[string]string{"decision": decision, "comment": comment}}
		v.Errors, v.Message = formErrorsOf(err)
		s.renderWarnings(w, r, Status(err), v)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/finance/warnings?year=%d&done=decided#w%d", year, id), http.StatusSeeOther)
}

// decisionBody is the officer's decision on a warning.
type decisionBody struct {
	Decision string `json:"decision"` // watch, restructure, exit or dismiss
	Comment  string `json:"comment"`  // why; required
}

var yearQuery = []Param{{Name: "year", Desc: "default: last year"}}

func (s *Server) apiWarnings(w http.ResponseWriter, r *http.Request) {
	year, err := yearParam(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	ws, err := s.finance.Warnings(r.Context(), year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ws)
}

func (s *Server) apiWarningDecision(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in decisionBody
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	rec, err := s.finance.Decide(r.Context(), id, in.Decision, in.Comment)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// ---------------------------------------------------------------------------
// The loop (融资闭环)

// loopItem is a financed library project with the reduction expected at
// screening and its borrower's measured change of emissions.
type loopItem struct {
	ProjectID       int64               `json:"project_id"`
	ProjectCode     string              `json:"project_code"`
	ProjectName     string              `json:"project_name"`
	County          string              `json:"county"` // the project's (GB/T 2260)
	BorrowerID      int64               `json:"borrower_id"`
	Borrower        string              `json:"borrower"`
	ExpectedTCO2    float64             `json:"expected_tco2"` // a year, at screening
	Finance         float64             `json:"finance"`       // climate finance to the project, 万元
	FirstLoan       string              `json:"first_loan"`    // YYYY-MM-DD
	Before          *carbon.Performance `json:"before,omitempty"`
	After           *carbon.Performance `json:"after,omitempty"`
	MeasuredTCO2    *float64            `json:"measured_tco2,omitempty"`
	IntensityChange *float64            `json:"intensity_change,omitempty"`
	ExpectedPerWan  *float64            `json:"expected_per_wan,omitempty"`
	MeasuredPerWan  *float64            `json:"measured_per_wan,omitempty"`
	MeasuredShare   *float64            `json:"measured_share,omitempty"`
	Note            string              `json:"note,omitempty"`
	NoteText        string              `json:"-"` // the note in the reader's language
}

func loopItemOf(l finance.LoopRow) loopItem {
	it := loopItem{ProjectID: l.ProjectID, ProjectCode: l.ProjectCode, ProjectName: l.ProjectName, County: l.County, BorrowerID: l.BorrowerID, Borrower: l.Borrower,
		ExpectedTCO2: l.ExpectedTCO2, Finance: l.Finance, Before: l.Before, After: l.After, MeasuredTCO2: l.MeasuredTCO2,
		IntensityChange: l.IntensityChange, ExpectedPerWan: l.ExpectedPerWan, MeasuredPerWan: l.MeasuredPerWan, MeasuredShare: l.MeasuredShare, Note: l.Note}
	if !l.FirstLoan.IsZero() {
		it.FirstLoan = l.FirstLoan.Format(time.DateOnly)
	}
	return it
}

// loopView is the data of the loop page.
type loopView struct {
	Year        int
	Years       []int
	Rows        []loopItem
	Expected    float64 // tCO2 a year, summed
	Measured    float64 // over the rows with a measure
	Finance     float64 // 万元
	Owner       bool
	Institution bool
	Team        bool
}

func (s *Server) loopPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	year, err := yearParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.finance.LoopRows(ctx, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := loopView{Year: year, Years: recentYears(year), Owner: u.Role == cifp.RoleEnterprise, Institution: u.Role == cifp.RoleFinance, Team: u.Role.CityWide()}
	notes := map[string]string{"无放款前一年的碳账户": "fin.loop_no_before", "放款后尚无新的年度碳账户": "fin.loop_no_after"}
	for _, l := range rows {
		it := loopItemOf(l)
		it.NoteText = it.Note
		if k, ok := notes[it.Note]; ok {
			it.NoteText = s.msg(lang(r), k)
		}
		v.Rows = append(v.Rows, it)
		v.Expected += l.ExpectedTCO2
		v.Finance += l.Finance
		if l.MeasuredTCO2 != nil {
			v.Measured += *l.MeasuredTCO2
		}
	}
	s.render(w, r, http.StatusOK, "finance_loop", v)
}

var loopQuery = []Param{{Name: "year", Desc: "the latest year of the borrowers' carbon accounts to compare; default: last year"}}

func (s *Server) apiLoop(w http.ResponseWriter, r *http.Request) {
	year, err := yearParam(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rows, err := s.finance.LoopRows(r.Context(), year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := make([]loopItem, 0, len(rows))
	for _, l := range rows {
		out = append(out, loopItemOf(l))
	}
	writeJSON(w, http.StatusOK, out)
}
