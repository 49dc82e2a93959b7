package web

import (
	"context"
	"net/http"
	"strconv"

	"cifp"
	"cifp/project"
)

// projectPage is a page of the library with the number of matching projects.
type projectPage struct {
	Items      []project.Project `json:"items"`
	Total      int               `json:"total"`
	NextCursor string            `json:"next_cursor,omitempty"` // the offset of the next page
}

var projectQuery = []Param{
	{Name: "q", Desc: "part of the name, code, owner or location"},
	{Name: "county", Desc: "GB/T 2260 county code"},
	{Name: "sector", Desc: "one of the 6+1 sectors (see /api/v1/projects/taxonomy)"},
	{Name: "category", Desc: "project category"},
	{Name: "climate_type", Desc: "mitigation, adaptation or both"},
	{Name: "list", Desc: "green, retrofit or transfer (三张清单)"},
	{Name: "status", Desc: "one or more statuses, comma-separated"},
	{Name: "library", Desc: "true: only projects in the library (admitted and after)"},
	{Name: "recommended", Desc: "true: only projects recommended to the national library"},
	{Name: "min_investment", Desc: "万元"}, {Name: "max_investment", Desc: "万元"},
	{Name: "min_tco2", Desc: "least expected reduction, tCO2 per year"},
	{Name: "sort", Desc: "investment, reduction, value, npv, irr, cost, score or updated (default)"},
	{Name: "cursor", Desc: "the next_cursor of the previous page"}, {Name: "limit", Desc: "1–1000, default 50"},
}

func (s *Server) apiListProjects(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilter(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	items, total, err := s.projects.List(r.Context(), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	p := projectPage{Items: items, Total: total}
	if p.Items == nil {
		p.Items = []project.Project{}
	}
	if next := f.Offset + len(items); len(items) > 0 && next < total {
		p.NextCursor = strconv.Itoa(next)
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiCreateProject(w http.ResponseWriter, r *http.Request) {
	var f project.Fields
	if err := decode(w, r, &f); err != nil {
		s.problem(w, r, err)
		return
	}
	p, err := s.projects.Create(r.Context(), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/projects/"+strconv.FormatInt(p.ID, 10))
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) apiGetProject(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	p, err := s.projects.Get(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// projectUpdate is the body of PUT: every field, and the version read.
type projectUpdate struct {
	Version int `json:"version"`
	project.Fields
}

func (s *Server) apiUpdateProject(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in projectUpdate
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	p, err := s.projects.Update(r.Context(), id, in.Version, in.Fields)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiProjectAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var d project.Decision
	if r.ContentLength != 0 {
		if err := decode(w, r, &d); err != nil {
			s.problem(w, r, err)
			return
		}
	}
	p, err := s.act(r.Context(), id, r.PathValue("action"), d)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// projectList answers GET of one of a project's lists (history, reviews,
// attachments) as JSON, [] when it is empty.
func projectList[T any](s *Server, list func(context.Context, int64) ([]T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		xs, err := list(r.Context(), id)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		if xs == nil {
			xs = []T{}
		}
		writeJSON(w, http.StatusOK, xs)
	}
}

func (s *Server) apiProjectUpload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	f, err := s.attach(r, id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/projects/"+strconv.FormatInt(id, 10)+"/files/"+strconv.FormatInt(f.ID, 10))
	writeJSON(w, http.StatusCreated, f)
}

func (s *Server) apiProjectValue(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	p, err := s.projects.Get(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	scenario := r.URL.Query().Get("scenario")
	if scenario == "" {
		scenario = "central"
	}
	a, err := s.projects.Assess(p, scenario)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) apiProjectCounties(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilter(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rows, err := s.countyRows(r.Context(), f, lang(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rows)
}

// apiProjectStats is the county view as chart data: the number of projects,
// the investment and financing need, or the expected reduction by county.
func (s *Server) apiProjectStats(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilter(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	measure := r.URL.Query().Get("measure")
	if measure == "" {
		measure = "investment"
	}
	en := lang(r) == "en"
	pick := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	var c Chart
	switch measure {
	case "projects":
		c = Chart{Type: "bar", Series: []ChartSeries{{Name: pick("项目数", "Projects")}}}
	case "investment":
		c = Chart{Type: "bar", Series: []ChartSeries{{Name: pick("总投资（万元）", "Investment (10k yuan)")}, {Name: pick("融资需求（万元）", "Financing need (10k yuan)")}}}
	case "tco2":
		c = Chart{Type: "bar", Series: []ChartSeries{{Name: pick("预期年减排量（tCO2）", "Expected reduction (tCO2/yr)")}}}
	default:
		s.problem(w, r, cifp.Invalid("bad query parameter measure", cifp.FieldError{Field: "measure", Value: measure, Message: "must be projects, investment or tco2"}))
		return
	}
	rows, err := s.countyRows(r.Context(), f, lang(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	c.Categories = []string{}
	for i := range c.Series {
		c.Series[i].Data = []float64{}
	}
	for _, row := range rows {
		c.Categories = append(c.Categories, row.Name)
		switch measure {
		case "projects":
			c.Series[0].Data = append(c.Series[0].Data, float64(row.Projects))
		case "investment":
			c.Series[0].Data = append(c.Series[0].Data, round2(row.Investment))
			c.Series[1].Data = append(c.Series[1].Data, round2(row.FinancingNeed))
		case "tco2":
			c.Series[0].Data = append(c.Series[0].Data, round2(row.AnnualTCO2))
		}
	}
	writeJSON(w, http.StatusOK, c)
}

// criterion is a published review criterion.
type criterion struct {
	Code        string  `json:"code"`
	NameZH      string  `json:"name_zh"`
	NameEN      string  `json:"name_en"`
	Description string  `json:"description"`
	Max         float64 `json:"max"`
}

// scenario is a carbon-price scenario of the value assessment.
type scenario struct {
	Code       string  `json:"code"`
	Price      float64 `json:"price"`
	Unit       string  `json:"unit"`
	Confidence string  `json:"confidence"` // S: a platform assumption
	Source     string  `json:"source"`
}

// taxonomyResponse is everything the library screens and reviews against,
// published for fairness (公开公平).
type taxonomyResponse struct {
	Taxonomy       *project.Taxonomy `json:"taxonomy"`
	Criteria       []criterion       `json:"criteria"`
	PassMark       int               `json:"pass_mark"`
	MinReviews     int               `json:"min_reviews"`
	Methods        []*project.Method `json:"methods"`
	Params         string            `json:"params"`
	FactorSet      string            `json:"factor_set"`
	ValueParams    string            `json:"value_params"`
	DiscountRate   float64           `json:"discount_rate"`
	DiscountSource string            `json:"discount_source"`
	Scenarios      []scenario        `json:"scenarios"`
	Statuses       []string          `json:"statuses"`
	Actions        []string          `json:"actions"`
}

func (s *Server) apiProjectTaxonomy(w http.ResponseWriter, r *http.Request) {
	v := s.projects.Value
	out := taxonomyResponse{Taxonomy: s.projects.Taxonomy, PassMark: project.PassMark, MinReviews: project.MinReviews,
		Methods: project.Methods(), Params: s.projects.Params.ID, FactorSet: s.projects.Factors.ID, ValueParams: v.ID,
		DiscountRate: v.Discount, DiscountSource: v.DiscountSource, Statuses: project.Statuses,
		Actions: append(project.Actions(), actRecommend, actUnrecommend)}
	for _, c := range project.Criteria() {
		out.Criteria = append(out.Criteria, criterion{Code: c.Code, NameZH: c.NameZH, NameEN: c.NameEN, Description: c.Description, Max: c.Max})
	}
	for _, sc := range v.Scenarios {
		out.Scenarios = append(out.Scenarios, scenario{Code: sc.Code, Price: sc.Price, Unit: sc.Unit, Confidence: sc.Confidence, Source: sc.Source})
	}
	writeJSON(w, http.StatusOK, out)
}

// notificationList is the caller's latest notifications.
type notificationList struct {
	Items  []project.Notification `json:"items"`
	Unread int                    `json:"unread"`
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	list, unread, err := s.projects.Notifications(r.Context(), int(min(limit, 1000)))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if list == nil {
		list = []project.Notification{}
	}
	writeJSON(w, http.StatusOK, notificationList{Items: list, Unread: unread})
}

// readRequest marks one notification read, or all of them with id 0.
type readRequest struct {
	ID int64 `json:"id"`
}

func (s *Server) apiNotificationsRead(w http.ResponseWriter, r *http.Request) {
	var in readRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			s.problem(w, r, err)
			return
		}
	}
	if in.ID < 0 {
		s.problem(w, r, cifp.Invalid("bad notification id", cifp.FieldError{Field: "id", Value: strconv.FormatInt(in.ID, 10), Message: "must be a notification id, or 0 for all"}))
		return
	}
	if err := s.projects.MarkRead(r.Context(), in.ID); err != nil {
		s.problem(w, r, err)
		return
	}
	_, unread, err := s.projects.Notifications(r.Context(), 1)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"unread": unread})
}

func (s *Server) apiImportProjects(w http.ResponseWriter, r *http.Request) {
	res, err := s.importProjects(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
