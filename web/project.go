package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/org"
	"cifp/project"
)

// Who uses the climate project library (气候投融资项目库). Citizens do not;
// within the others the project service decides what each one sees: an
// enterprise its own projects, a financial institution the library and what
// it reviews, a verifier what it reviews, the library team everything.
var (
	projectReaders   = allButCitizen
	projectOwners    = roles(cifp.RoleEnterprise)
	projectReviewers = roles(cifp.RoleRegulator, cifp.RoleFinance, cifp.RoleVerifier)
)

// projectPageSize is the number of projects on a page of the library.
const projectPageSize = 20

// recommend and unrecommend are the library team's flag on an admitted
// project (推荐进入国家库); pages and API take them like workflow actions.
const (
	actRecommend   = "recommend"
	actUnrecommend = "unrecommend"
)

func isTrue(v string) bool { return v == "1" || v == "true" || v == "on" }

// isTeam reports whether the user is on the library team (admin or regulator).
func isTeam(r cifp.Role) bool { return r == cifp.RoleAdmin || r == cifp.RoleRegulator }

// projectFilter reads the library filter from the query string: the same
// parameters for the pages, the exports and the API.
func projectFilter(r *http.Request) (project.Filter, error) {
	q := r.URL.Query()
	f := project.Filter{Query: strings.TrimSpace(q.Get("q")), County: q.Get("county"), Sector: q.Get("sector"),
		Category: q.Get("category"), ClimateType: q.Get("climate_type"), List: q.Get("list"), Sort: q.Get("sort"),
		Recommended: isTrue(q.Get("recommended")), Library: isTrue(q.Get("library"))}
	var errs []cifp.FieldError
	for _, v := range q["status"] {
		for _, st := range strings.Split(v, ",") {
			st = strings.TrimSpace(st)
			switch {
			case st == "":
			case !slices.Contains(project.Statuses, st):
				errs = append(errs, cifp.FieldError{Field: "status", Value: st, Message: "is not a project status (" + strings.Join(project.Statuses, ", ") + ")"})
			default:
				f.Statuses = append(f.Statuses, st)
			}
		}
	}
	num := func(name string) float64 {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return 0
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			errs = append(errs, cifp.FieldError{Field: name, Value: v, Message: "must be a non-negative number"})
			return 0
		}
		return x
	}
	f.MinInvest, f.MaxInvest, f.MinReduction = num("min_investment"), num("max_investment"), num("min_tco2")
	if f.MaxInvest > 0 && f.MinInvest > f.MaxInvest {
		errs = append(errs, cifp.FieldError{Field: "max_investment", Value: q.Get("max_investment"), Message: "is below the minimum investment"})
	}
	for name, dst := range map[string]*int{"cursor": &f.Offset, "limit": &f.Limit} {
		n, err := queryInt(r, name)
		if err != nil {
			errs = append(errs, cifp.ErrorFields(err)...)
		}
		*dst = int(min(n, math.MaxInt32))
	}
	return f, cifp.Invalid("bad query parameters", errs...)
}

// countyRow is the county view of the library: one county's projects.
type countyRow struct {
	County        string  `json:"county"` // GB/T 2260; "" for projects without one yet
	Name          string  `json:"name"`
	Projects      int     `json:"projects"`
	Investment    float64 `json:"investment"`     // 万元
	FinancingNeed float64 `json:"financing_need"` // 万元
	AnnualTCO2    float64 `json:"annual_tco2"`
}

// countyRows sums the projects the caller may see by county, every county of
// Lishui in code order (with zeros), then those without a county.
func (s *Server) countyRows(ctx context.Context, f project.Filter, lang string) ([]countyRow, error) {
	stats, err := s.projects.Counties(ctx, f)
	if err != nil {
		return nil, err
	}
	by := map[string]project.CountyStat{}
	for _, c := range stats {
		by[c.County] = c
	}
	row := func(code, name string) countyRow {
		c := by[code]
		delete(by, code)
		return countyRow{County: code, Name: name, Projects: c.Projects, Investment: c.Investment, FinancingNeed: c.Financing, AnnualTCO2: c.AnnualTCO2}
	}
	var out []countyRow
	for _, d := range org.Counties(project.LishuiCode) {
		name := d.Name
		if lang == "en" {
			name = d.NameEN
		}
		out = append(out, row(d.Code, name))
	}
	var rest []string
	for code := range by {
		rest = append(rest, code)
	}
	sort.Strings(rest)
	for _, code := range rest {
		name := code
		if code == "" {
			name = map[bool]string{true: "Not given", false: "未填写"}[lang == "en"]
		}
		out = append(out, row(code, name))
	}
	return out, nil
}

// filterQuery is the query string of the filter, for links that keep it.
func filterQuery(r *http.Request, drop ...string) string {
	q := r.URL.Query()
	for _, k := range append(drop, "csrf_token") {
		q.Del(k)
	}
	return q.Encode()
}

func (s *Server) projectsPage(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := queryInt(r, "page")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page = max(page, 1)
	f.Limit, f.Offset = projectPageSize, int(page-1)*projectPageSize
	ctx := r.Context()
	u, _ := userFrom(ctx)
	items, total, err := s.projects.List(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view := r.URL.Query().Get("view")
	data := map[string]any{"Items": items, "Total": total, "Filter": f, "Page": page, "View": view,
		"Pages": (total + projectPageSize - 1) / projectPageSize, "Team": isTeam(u.Role), "Owner": u.Role == cifp.RoleEnterprise,
		"Counties": org.Counties(project.LishuiCode), "Taxonomy": s.projects.Taxonomy, "Statuses": project.Statuses,
		"Sorts": []string{"investment", "reduction", "value", "npv", "irr", "cost", "score"}, "Status": "",
		"Query": filterQuery(r, "page", "view"), "ChartQuery": filterQuery(r, "page", "view", "sort", "cursor", "limit")}
	if len(f.Statuses) == 1 {
		data["Status"] = f.Statuses[0]
	}
	pageLink := func(n int64) string {
		q := r.URL.Query()
		q.Set("page", strconv.FormatInt(n, 10))
		return "/projects?" + q.Encode()
	}
	if page > 1 {
		data["Prev"] = pageLink(page - 1)
	}
	if int(page)*projectPageSize < total {
		data["Next"] = pageLink(page + 1)
	}
	if view == "county" {
		rows, err := s.countyRows(ctx, f, lang(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var sum countyRow
		for _, c := range rows {
			sum.Projects += c.Projects
			sum.Investment += c.Investment
			sum.FinancingNeed += c.FinancingNeed
			sum.AnnualTCO2 += c.AnnualTCO2
		}
		data["CountyRows"], data["CountySum"] = rows, sum
	}
	s.render(w, r, http.StatusOK, "projects", data)
}

// projectFormView is the data of the declaration form.
type projectFormView struct {
	Project   project.Project
	New       bool
	Errors    formErrors
	Message   string
	Counties  []org.Division
	Taxonomy  *project.Taxonomy
	Methods   []*project.Method
	Method    string // the chosen category's methodology
	Fuels     []carbon.Fuel
	Species   []project.Species
	GridKinds []string
}

func (s *Server) projectForm(p project.Project, isNew bool, err error) projectFormView {
	v := projectFormView{Project: p, New: isNew, Errors: formErrors{}, Counties: org.Counties(project.LishuiCode),
		Taxonomy: s.projects.Taxonomy, Methods: project.Methods(), Species: s.projects.Params.SpeciesList(), GridKinds: carbon.GridKinds}
	if err != nil {
		v.Errors, v.Message = formErrorsOf(err)
	}
	if c, ok := s.projects.Taxonomy.Category(p.Category); ok {
		v.Method = c.Method
	}
	for _, f := range s.projects.Factors.Fuels {
		v.Fuels = append(v.Fuels, f)
	}
	sort.Slice(v.Fuels, func(i, j int) bool { return v.Fuels[i].Code < v.Fuels[j].Code })
	return v
}

// fieldsFromForm reads the declaration form. Values that are not numbers
// are field errors; the service checks everything else.
func (s *Server) fieldsFromForm(r *http.Request) (project.Fields, []cifp.FieldError) {
	var errs []cifp.FieldError
	str := func(k string) string { return strings.TrimSpace(r.FormValue(k)) }
	num := func(k string) (float64, bool) {
		v := strings.ReplaceAll(str(k), ",", "")
		if v == "" {
			return 0, false
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			errs = append(errs, cifp.FieldError{Field: k, Value: str(k), Message: "is not a number"})
			return 0, false
		}
		return x, true
	}
	amount := func(k string) float64 { x, _ := num(k); return x }
	optional := func(k string) *float64 {
		if x, ok := num(k); ok {
			return &x
		}
		return nil
	}
	f := project.Fields{Name: str("name"), County: str("county"), Location: str("location"), Lat: optional("lat"), Lng: optional("lng"),
		Sector: str("sector"), Category: str("category"), ClimateType: str("climate_type"), Description: str("description"),
		Investment: amount("investment"), FinancingNeed: amount("financing_need"), StartDate: str("start_date"), EndDate: str("end_date"),
		CoBenefits: str("co_benefits"), CoBenefitValue: amount("co_benefit_value"), Revenue: amount("revenue"), Opex: amount("opex"),
		Contact: str("contact"), Technical: map[string]string{}}
	if v := str("lifetime"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, cifp.FieldError{Field: "lifetime", Value: v, Message: "is not a whole number of years"})
		}
		f.Lifetime = n
	}
	// Every methodology's inputs are on the form (named tech.METHOD.KEY);
	// only the chosen category's are kept.
	if c, ok := s.projects.Taxonomy.Category(f.Category); ok && c.Method != "" {
		if m, ok := project.MethodByCode(c.Method); ok {
			for _, in := range m.Inputs {
				if v := str("tech." + m.Code + "." + in.Key); v != "" {
					f.Technical[in.Key] = v
				}
			}
		}
	}
	return f, errs
}

// formInvalid joins the form's own errors with the service's check of the
// fields, so that one submission shows every problem.
func (s *Server) formInvalid(f project.Fields, parse []cifp.FieldError) error {
	seen := map[string]bool{}
	for _, e := range parse {
		seen[e.Field] = true
	}
	errs := parse
	for _, e := range f.Check(s.projects.Taxonomy, false) {
		if !seen[e.Field] {
			errs = append(errs, e)
		}
	}
	return cifp.Invalid("the project cannot be saved", errs...)
}

func (s *Server) projectNewPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "project_form", s.projectForm(project.Project{Fields: project.Fields{Lifetime: 20}}, true, nil))
}

// formFailed re-shows the form for a refused save, or the error page for
// anything that is not the user's to fix on the form.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, p project.Project, isNew bool, err error) {
	if code := cifp.ErrorCode(err); code != cifp.EINVALID && code != cifp.ECONFLICT {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, Status(err), "project_form", s.projectForm(p, isNew, err))
}

func (s *Server) projectCreateSubmit(w http.ResponseWriter, r *http.Request) {
	f, perrs := s.fieldsFromForm(r)
	if len(perrs) > 0 {
		s.formFailed(w, r, project.Project{Fields: f}, true, s.formInvalid(f, perrs))
		return
	}
	p, err := s.projects.Create(r.Context(), f)
	if err != nil {
		s.formFailed(w, r, project.Project{Fields: f}, true, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/projects/%d?done=saved", p.ID), http.StatusSeeOther)
}

// editable returns the project of the path if the caller may edit it now.
func (s *Server) editable(r *http.Request) (project.Project, error) {
	id, err := pathID(r)
	if err != nil {
		return project.Project{}, err
	}
	p, err := s.projects.Get(r.Context(), id)
	if err != nil {
		return p, err
	}
	u, _ := userFrom(r.Context())
	if u.Role != cifp.RoleEnterprise || u.OrgID != p.OrgID {
		return p, cifp.Errorf(cifp.EFORBIDDEN, "only the owner edits a project")
	}
	if p.Status != project.StatusDraft && p.Status != project.StatusReturned {
		return p, cifp.Errorf(cifp.ECONFLICT, "a project that is %s cannot be edited (only drafts and returned projects)", p.Status)
	}
	return p, nil
}

func (s *Server) projectEditPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.editable(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "project_form", s.projectForm(p, false, nil))
}

func (s *Server) projectEditSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.projects.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	version, _ := strconv.Atoi(r.FormValue("version"))
	f, perrs := s.fieldsFromForm(r)
	shown := cur
	shown.Fields, shown.Version = f, version
	if len(perrs) > 0 {
		s.formFailed(w, r, shown, false, s.formInvalid(f, perrs))
		return
	}
	if _, err := s.projects.Update(r.Context(), id, version, f); err != nil {
		s.formFailed(w, r, shown, false, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/projects/%d?done=saved", id), http.StatusSeeOther)
}

// techRow is a technical input of a project as shown on its page.
type techRow struct {
	Key, Label, Value, Unit, Kind string
}

// eventView is a step of a project's history as shown on its page.
type eventView struct {
	project.Event
	Details string
}

// projectView is the data of a project's page.
type projectView struct {
	P           project.Project
	Category    project.Category
	Method      *project.Method
	Technical   []techRow
	Files       []project.File
	Documents   []project.Term // the kinds of attachment
	Missing     []string       // the kinds the category requires and the project lacks
	Reviews     []project.Review
	Events      []eventView
	Criteria    []project.Criterion
	Scenario    string
	Scenarios   []project.Scenario
	Assessment  *project.Assessment
	Owner       bool
	Team        bool
	Reviewer    bool
	Pending     bool            // the caller is a reviewer who has not yet scored
	Can         map[string]bool // the actions the caller may take now
	Experts     []project.Reviewer
	Recommended []string // the reviewer recommendations
	Done        string
	// The refusal of the last action or upload, shown beside its form.
	Action       string
	ActionError  string
	ActionFields []cifp.FieldError
	Errors       formErrors
	Form         map[string]string
}

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) {
	s.renderProject(w, r, http.StatusOK, projectView{Done: r.URL.Query().Get("done")})
}

// renderProject shows a project with everything the caller may see and the
// actions the caller may take; v carries the outcome of a refused action.
func (s *Server) renderProject(w http.ResponseWriter, r *http.Request, status int, v projectView) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	u, _ := userFrom(ctx)
	if v.P, err = s.projects.Get(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	p := v.P
	if v.Files, err = s.projects.Files(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Reviews, err = s.projects.Reviews(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	events, err := s.projects.Events(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, e := range events {
		v.Events = append(v.Events, eventView{Event: e, Details: eventDetails(e.Detail)})
	}
	tax := s.projects.Taxonomy
	v.Category, _ = tax.Category(p.Category)
	if m, ok := project.MethodByCode(v.Category.Method); ok {
		v.Method = m
	}
	v.Technical = s.technicalRows(p.Technical, v.Method, lang(r))
	v.Documents = tax.Documents.Items
	have := map[string]bool{}
	for _, f := range v.Files {
		have[f.Kind] = true
	}
	for _, d := range v.Category.Documents {
		if !have[d] {
			v.Missing = append(v.Missing, d)
		}
	}
	v.Criteria = project.Criteria()
	v.Scenarios = s.projects.Value.Scenarios
	v.Recommended = project.Recommendations
	v.Scenario = r.URL.Query().Get("scenario")
	if v.Scenario == "" {
		v.Scenario = "central"
	}
	if p.Screening != nil && p.Screening.Assessment != nil {
		a, err := s.projects.Assess(p, v.Scenario)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Assessment = &a
	}
	v.Owner, v.Team = u.Role == cifp.RoleEnterprise && u.OrgID == p.OrgID, isTeam(u.Role)
	for _, rv := range v.Reviews {
		if rv.ReviewerID == u.ID && u.ID != 0 {
			v.Reviewer, v.Pending = true, rv.SubmittedAt == nil
		}
	}
	actions, err := s.projects.Actions(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Can = map[string]bool{}
	for _, a := range actions {
		v.Can[a] = true
	}
	v.Can["edit"] = v.Owner && (p.Status == project.StatusDraft || p.Status == project.StatusReturned)
	v.Can[actRecommend] = v.Team && project.InLibrary(p.Status) && !p.Recommended
	v.Can[actUnrecommend] = v.Team && p.Recommended
	if v.Can[project.ActAssign] {
		if v.Experts, err = s.projects.Experts(ctx, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if v.Errors == nil {
		v.Errors = formErrors{}
	}
	s.render(w, r, status, "project", v)
}

// technicalRows labels a project's technical inputs by its methodology.
func (s *Server) technicalRows(tech map[string]string, m *project.Method, lang string) []techRow {
	var out []techRow
	seen := map[string]bool{}
	if m != nil {
		for _, in := range m.Inputs {
			v, ok := tech[in.Key]
			if !ok {
				continue
			}
			seen[in.Key] = true
			label := in.NameZH
			if lang == "en" {
				label = in.NameEN
			}
			switch in.Kind {
			case "fuel":
				if f, ok := s.projects.Factors.Fuels[v]; ok && lang != "en" {
					v = f.NameZH + " (" + v + ")"
				}
			case "species":
				if sp, ok := s.projects.Params.Species[v]; ok {
					v = map[bool]string{true: sp.NameEN, false: sp.NameZH}[lang == "en"] + " (" + v + ")"
				}
			}
			out = append(out, techRow{Key: in.Key, Label: label, Value: v, Unit: in.Unit, Kind: in.Kind})
		}
	}
	var rest []string
	for k := range tech {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, techRow{Key: k, Label: k, Value: tech[k]})
	}
	return out
}

// eventDetails writes an event's detail object as "key: value" pairs.
func eventDetails(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := m[k]
		switch x := v.(type) {
		case float64:
			v = strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
		case []any:
			var xs []string
			for _, e := range x {
				xs = append(xs, fmt.Sprint(e))
			}
			v = strings.Join(xs, ", ")
		}
		parts = append(parts, fmt.Sprintf("%s: %v", k, v))
	}
	return strings.Join(parts, " · ")
}

// decisionFromForm reads the fields of an action's form.
func decisionFromForm(r *http.Request, action string) (project.Decision, []cifp.FieldError) {
	var errs []cifp.FieldError
	d := project.Decision{Comment: r.FormValue("comment")}
	num := func(field, v string) (float64, bool) {
		v = strings.TrimSpace(v)
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			errs = append(errs, cifp.FieldError{Field: field, Value: v, Message: "is not a number"})
			return 0, false
		}
		return x, true
	}
	switch action {
	case project.ActAssign:
		for _, v := range r.Form["reviewers"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, cifp.FieldError{Field: "reviewers", Value: v, Message: "is not a user id"})
				continue
			}
			d.Reviewers = append(d.Reviewers, id)
		}
	case project.ActReview:
		d.Scores = map[string]float64{}
		for _, c := range project.Criteria() {
			if v := strings.TrimSpace(r.FormValue("score." + c.Code)); v != "" {
				if x, ok := num("scores."+c.Code, v); ok {
					d.Scores[c.Code] = x
				}
			}
		}
		d.Recommendation = r.FormValue("recommendation")
	case project.ActUpdate:
		g := &project.Progress{}
		for field, dst := range map[string]*float64{"progress.percent": &g.Percent, "progress.invested": &g.Invested, "progress.financed": &g.Financed} {
			if v := strings.TrimSpace(r.FormValue(field)); v != "" {
				*dst, _ = num(field, v)
			}
		}
		d.Progress = g
	}
	return d, errs
}

// act takes a workflow action, or the library team's recommendation flag.
func (s *Server) act(ctx context.Context, id int64, action string, d project.Decision) (project.Project, error) {
	switch action {
	case actRecommend, actUnrecommend:
		return s.projects.Recommend(ctx, id, action == actRecommend, d.Comment)
	}
	return s.projects.Act(ctx, id, action, d)
}

func (s *Server) projectActSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	action := r.FormValue("action")
	d, perrs := decisionFromForm(r, action)
	if err = cifp.Invalid("the form has values that are not numbers", perrs...); err == nil {
		_, err = s.act(r.Context(), id, action, d)
	}
	if err != nil {
		if Status(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		v := projectView{Action: action, Form: map[string]string{}}
		v.Errors, v.ActionError = formErrorsOf(err)
		v.ActionFields = cifp.ErrorFields(err)
		for k, vs := range r.PostForm {
			if k != "csrf_token" && len(vs) > 0 {
				v.Form[k] = vs[0]
			}
		}
		s.renderProject(w, r, Status(err), v)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/projects/%d?done=%s", id, url.QueryEscape(action)), http.StatusSeeOther)
}

// attach reads an uploaded attachment (multipart fields "kind" and "file")
// and hands it to the service, which checks its kind, size and type. A file
// over the limit is refused without being read whole.
func (s *Server) attach(r *http.Request, id int64) (project.File, error) {
	kind := r.FormValue("kind")
	file, h, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig) || strings.Contains(err.Error(), "too large"):
			return project.File{}, &cifp.Error{Code: cifp.ETOOLARGE, Message: "the attachment is not accepted",
				Fields: []cifp.FieldError{{Field: "file", Message: fmt.Sprintf("is more than the %d MiB allowed", project.MaxFileSize>>20)}}}
		case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
			return project.File{}, cifp.Invalid("no file was uploaded", cifp.FieldError{Field: "file", Message: "choose a PDF, PNG or JPEG file (multipart field \"file\")"})
		}
		return project.File{}, cifp.Invalid("the upload could not be read", cifp.FieldError{Field: "file", Message: "could not be read: send it as multipart/form-data"})
	}
	defer file.Close()
	if h.Size > project.MaxFileSize {
		return project.File{}, &cifp.Error{Code: cifp.ETOOLARGE, Message: "the attachment is not accepted",
			Fields: []cifp.FieldError{{Field: "file", Value: h.Filename, Message: fmt.Sprintf("is %.1f MiB, more than the %d MiB allowed", float64(h.Size)/(1<<20), project.MaxFileSize>>20)}}}
	}
	content, err := io.ReadAll(io.LimitReader(file, project.MaxFileSize+1))
	if err != nil {
		return project.File{}, tooLarge(err)
	}
	return s.projects.Attach(r.Context(), id, kind, h.Filename, content)
}

func (s *Server) projectUploadSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.attach(r, id); err != nil {
		if Status(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		v := projectView{Action: "upload", ActionFields: cifp.ErrorFields(err), Form: map[string]string{"kind": r.FormValue("kind")}}
		v.Errors, v.ActionError = formErrorsOf(err)
		s.renderProject(w, r, Status(err), v)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/projects/%d?done=upload#files", id), http.StatusSeeOther)
}

// projectFile sends an attachment (pages and API share it).
func (s *Server) projectFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fid, err := strconv.ParseInt(r.PathValue("fid"), 10, 64)
	if err != nil || fid <= 0 {
		s.fail(w, r, cifp.Invalid("the file id in the path must be a positive integer", cifp.FieldError{Field: "fid", Value: r.PathValue("fid"), Message: "must be a positive integer"}))
		return
	}
	f, content, err := s.projects.Open(r.Context(), id, fid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Write(content)
}

// reviewRow is one of the caller's review assignments.
type reviewRow struct {
	P      project.Project
	Review project.Review
}

func (s *Server) projectReviewsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	ps, err := s.projects.Assignments(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var pending, done []reviewRow
	for _, p := range ps {
		rs, err := s.projects.Reviews(ctx, p.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		row := reviewRow{P: p}
		for _, rv := range rs {
			if rv.ReviewerID == u.ID {
				row.Review = rv
			}
		}
		if row.Review.SubmittedAt == nil && p.Status == project.StatusReview {
			pending = append(pending, row)
		} else {
			done = append(done, row)
		}
	}
	s.render(w, r, http.StatusOK, "project_reviews", map[string]any{"Pending": pending, "Done": done})
}

func (s *Server) projectCriteriaPage(w http.ResponseWriter, r *http.Request) {
	p := s.projects.Params
	var params []project.Param
	for _, v := range p.Values {
		params = append(params, v)
	}
	sort.Slice(params, func(i, j int) bool { return params[i].Code < params[j].Code })
	s.render(w, r, http.StatusOK, "project_criteria", map[string]any{"Criteria": project.Criteria(), "Taxonomy": s.projects.Taxonomy,
		"Methods": project.Methods(), "Params": params, "ParamsID": p.ID, "Species": p.SpeciesList(), "Value": s.projects.Value,
		"PassMark": project.PassMark, "MinReviews": project.MinReviews, "FactorSet": s.projects.Factors.ID})
}

// rankRow is a project and its value under the chosen scenario.
type rankRow struct {
	P project.Project
	A project.Assessment
}

// rankKeys are the orders of the value ranking.
var rankKeys = []string{"total", "npv", "irr", "carbon_value", "reduction", "cost"}

// projectRanking values the library's projects under a carbon-price
// scenario and orders them by the key.
func (s *Server) projectRanking(ctx context.Context, f project.Filter, scenario, key string) ([]rankRow, error) {
	if _, ok := s.projects.Value.Scenario(scenario); !ok {
		var codes []string
		for _, x := range s.projects.Value.Scenarios {
			codes = append(codes, x.Code)
		}
		return nil, cifp.Invalid("unknown scenario", cifp.FieldError{Field: "scenario", Value: scenario, Message: "is not one of " + strings.Join(codes, ", ")})
	}
	if !slices.Contains(rankKeys, key) {
		return nil, cifp.Invalid("unknown ranking", cifp.FieldError{Field: "key", Value: key, Message: "is not one of " + strings.Join(rankKeys, ", ")})
	}
	var rows []rankRow
	err := s.projects.Each(ctx, f, func(p project.Project) error {
		a, err := s.projects.Assess(p, scenario)
		rows = append(rows, rankRow{P: p, A: a})
		return err
	})
	if err != nil {
		return nil, err
	}
	err = project.Rank(rows, key, func(x rankRow) (project.Assessment, float64) { return x.A, x.P.AnnualTCO2 })
	return rows, err
}

// maxRanked is the most projects the ranking page lists.
const maxRanked = 500

func (s *Server) projectRankingPage(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(f.Statuses) == 0 {
		f.Library = true
	}
	q := r.URL.Query()
	scenario, key := q.Get("scenario"), q.Get("key")
	if scenario == "" {
		scenario = "central"
	}
	if key == "" {
		key = "total"
	}
	rows, err := s.projectRanking(r.Context(), f, scenario, key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total := len(rows)
	if total > maxRanked {
		rows = rows[:maxRanked]
	}
	sc, _ := s.projects.Value.Scenario(scenario)
	s.render(w, r, http.StatusOK, "project_ranking", map[string]any{"Rows": rows, "Total": total, "Scenario": sc, "Key": key,
		"Keys": rankKeys, "Value": s.projects.Value, "Filter": f, "Counties": org.Counties(project.LishuiCode), "Taxonomy": s.projects.Taxonomy})
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	list, unread, err := s.projects.Notifications(r.Context(), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", map[string]any{"Items": list, "Unread": unread})
}

func (s *Server) notificationsReadSubmit(w http.ResponseWriter, r *http.Request) {
	var id int64
	if v := r.FormValue("id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.fail(w, r, cifp.Invalid("bad notification id", cifp.FieldError{Field: "id", Value: v, Message: "must be a notification id"}))
			return
		}
		id = n
	}
	if err := s.projects.MarkRead(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	next := "/notifications"
	if n := r.FormValue("next"); n != "" {
		next = safeNext(n)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// projectExport sends the projects matching the filter as .xlsx; with
// national=1, the exchange file of the national library (推荐国家库), which
// only the library team makes.
func (s *Server) projectExport(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit, f.Offset = 0, 0
	u, _ := userFrom(r.Context())
	national := isTrue(r.URL.Query().Get("national"))
	if national && !isTeam(u.Role) {
		s.fail(w, r, cifp.Errorf(cifp.EFORBIDDEN, "only the library team exports to the national climate project library"))
		return
	}
	var buf bytes.Buffer
	if err := s.projects.Export(r.Context(), &buf, f, national); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "projects-"
	if national {
		name = "national-projects-"
	}
	sendFile(w, name+time.Now().In(chinaTime).Format("20060102")+".xlsx", buf.Bytes())
}

// projectTemplate serves the empty import file.
func (s *Server) projectTemplate(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := project.WriteTemplate(&buf); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, "projects-template.xlsx", buf.Bytes())
}

// importProjects reads an uploaded .xlsx or .csv and loads it, all or nothing.
func (s *Server) importProjects(r *http.Request) (project.ImportResult, error) {
	data, format, err := uploadedFile(r)
	if err != nil {
		return project.ImportResult{}, err
	}
	name := "upload." + format
	if _, h, err := r.FormFile("file"); err == nil {
		name = h.Filename
	} else if n := r.URL.Query().Get("filename"); n != "" {
		name = n
	}
	return s.projects.Import(r.Context(), bytes.NewReader(data), name)
}

func (s *Server) projectImportPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "project_import", map[string]any{})
}

func (s *Server) projectImportSubmit(w http.ResponseWriter, r *http.Request) {
	res, err := s.importProjects(r)
	if err != nil {
		if Status(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, Status(err), "project_import", map[string]any{"Message": cifp.ErrorMessage(err), "Fields": cifp.ErrorFields(err)})
		return
	}
	s.render(w, r, http.StatusOK, "project_import", map[string]any{"Result": res})
}

// taxName names a code of the project taxonomy in the language.
func (s *Server) taxName(lang, kind, code string) string {
	if s.projects == nil || code == "" {
		return code
	}
	t := s.projects.Taxonomy
	var term project.Term
	var ok bool
	switch kind {
	case "sector":
		term, ok = t.Sector(code)
	case "climate":
		term, ok = t.ClimateType(code)
	case "list":
		term, ok = t.List(code)
	case "doc":
		term, ok = t.Document(code)
	case "category":
		var c project.Category
		c, ok = t.Category(code)
		term = c.Term()
	case "cat2021", "cat2025":
		term, ok = t.Class(strings.TrimPrefix(kind, "cat"), code)
	}
	if !ok {
		return code
	}
	return term.Name(lang)
}
