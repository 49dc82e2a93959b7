package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/carbon"
	"cifp/internal/qr"
	"cifp/org"
)

// carbonFilter reads the account-list filter from the query string.
func (s *Server) carbonFilter(r *http.Request) (carbon.Filter, error) {
	q := r.URL.Query()
	f := carbon.Filter{Division: q.Get("division"), Industry: q.Get("industry"), Level: carbon.Level(q.Get("level")),
		Quality: carbon.Quality(q.Get("quality")), Q: strings.TrimSpace(q.Get("q"))}
	year, err := queryInt(r, "year")
	if err != nil {
		return f, err
	}
	if f.Year = int(year); f.Year == 0 {
		if f.Year, err = s.carbon.LatestYear(r.Context()); err != nil {
			return f, err
		}
	}
	grade, err := queryInt(r, "grade")
	if err != nil || grade > 5 {
		return f, cifp.Invalid("bad query parameter grade", cifp.FieldError{Field: "grade", Value: q.Get("grade"), Message: "must be 1 to 5"})
	}
	f.Grade = int(grade)
	if f.Level != "" && f.Level != carbon.LevelLow && f.Level != carbon.LevelMedium && f.Level != carbon.LevelHigh {
		return f, cifp.Invalid("bad query parameter level", cifp.FieldError{Field: "level", Value: string(f.Level), Message: "must be low, medium or high"})
	}
	if f.Quality != "" && !f.Quality.Valid() {
		return f, cifp.Invalid("bad query parameter quality", cifp.FieldError{Field: "quality", Value: string(f.Quality), Message: "must be metered, reported or estimated"})
	}
	if f.After, err = queryInt(r, "cursor"); err != nil {
		return f, err
	}
	limit, err := queryInt(r, "limit")
	f.Limit = int(limit)
	return f, err
}

func (s *Server) apiCarbonAccounts(w http.ResponseWriter, r *http.Request) {
	f, err := s.carbonFilter(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	items, next, err := s.carbon.List(r.Context(), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	p := Page[carbon.StoredAccount]{Items: items}
	if p.Items == nil {
		p.Items = []carbon.StoredAccount{}
	}
	if next > 0 {
		p.NextCursor = strconv.FormatInt(next, 10)
	}
	writeJSON(w, http.StatusOK, p)
}

// accountYear returns the {id} enterprise and the year asked for (its
// latest when not given).
func (s *Server) accountYear(r *http.Request) (org.Org, int, []int, error) {
	o, err := s.pathOrg(r)
	if err != nil {
		return o, 0, nil, err
	}
	years, err := s.carbon.Years(r.Context(), o.ID)
	if err != nil {
		return o, 0, nil, err
	}
	y, err := queryInt(r, "year")
	if err != nil {
		return o, 0, nil, err
	}
	year := int(y)
	if year == 0 {
		if len(years) > 0 {
			year = years[0]
		} else {
			year = time.Now().In(chinaTime).Year() - 1
		}
	}
	return o, year, years, nil
}

func (s *Server) apiCarbonAccount(w http.ResponseWriter, r *http.Request) {
	o, year, _, err := s.accountYear(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	annual, err := s.carbon.Account(r.Context(), o.ID, year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, annual)
}

func (s *Server) apiCarbonChart(w http.ResponseWriter, r *http.Request) {
	o, year, _, err := s.accountYear(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	annual, err := s.carbon.Account(r.Context(), o.ID, year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	en := lang(r) == "en"
	pick := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	var c Chart
	switch r.URL.Query().Get("kind") {
	case "sources":
		c = Chart{Type: "pie", Series: []ChartSeries{{Name: "tCO2"}}}
		for _, l := range annual.Lines {
			if l.TCO2 > 0 {
				name := s.carbon.Factors.ItemName(l.Item)
				if en {
					name = l.Item
				}
				c.Categories = append(c.Categories, name)
				c.Series[0].Data = append(c.Series[0].Data, round2(l.TCO2))
			}
		}
	default:
		c = Chart{Type: "bar", Series: []ChartSeries{{Name: pick("范围一 直接排放", "Scope 1")}, {Name: pick("范围二 间接排放", "Scope 2")}}}
		byMonth := map[int]carbon.MonthFigures{}
		for _, m := range annual.Months {
			byMonth[m.Month] = m
		}
		for m := 1; m <= 12; m++ {
			c.Categories = append(c.Categories, pick(fmt.Sprintf("%d月", m), time.Month(m).String()[:3]))
			c.Series[0].Data = append(c.Series[0].Data, round2(byMonth[m].Scope1))
			c.Series[1].Data = append(c.Series[1].Data, round2(byMonth[m].Scope2))
		}
	}
	writeJSON(w, http.StatusOK, c)
}

func round2(v float64) float64 { return float64(int64(v*100+0.5*sign(v))) / 100 }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

type activityRequest struct {
	Entries []carbon.Entry `json:"entries"`
	Replace bool           `json:"replace"`
}

func (s *Server) apiCarbonActivity(w http.ResponseWriter, r *http.Request) {
	var in activityRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	res, err := s.carbon.AddActivity(r.Context(), in.Entries, carbon.ImportOptions{Source: "api", Replace: in.Replace})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiCarbonImport(w http.ResponseWriter, r *http.Request) {
	data, format, err := uploadedFile(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	res, err := s.carbon.ImportActivity(r.Context(), bytes.NewReader(data), format,
		carbon.ImportOptions{Source: "import", Replace: r.URL.Query().Get("replace") == "true", Filename: r.URL.Query().Get("filename")})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type gradeResponse struct {
	USCC string `json:"uscc"`
	carbon.PublicGrade
}

func (s *Server) apiCarbonGrade(w http.ResponseWriter, r *http.Request) {
	uscc := org.NormalizeUSCC(r.URL.Query().Get("uscc"))
	if err := org.ValidateUSCC(uscc); err != nil {
		s.problem(w, r, err)
		return
	}
	year, err := queryInt(r, "year")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	g, err := s.carbon.GradeByUSCC(r.Context(), uscc, int(year))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, gradeResponse{USCC: uscc, PublicGrade: g})
}

func (s *Server) apiCarbonReports(w http.ResponseWriter, r *http.Request) {
	year, err := queryInt(r, "year")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rs, err := s.carbon.Reports(r.Context(), carbon.ReportFilter{Year: int(year), Status: r.URL.Query().Get("status")})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if rs == nil {
		rs = []carbon.Report{}
	}
	writeJSON(w, http.StatusOK, rs)
}

type submitRequest struct {
	Year       int   `json:"year"`
	VerifierID int64 `json:"verifier_org_id"`
}

func (s *Server) apiCarbonSubmit(w http.ResponseWriter, r *http.Request) {
	var in submitRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	rep, err := s.carbon.Submit(r.Context(), in.Year, in.VerifierID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rep)
}

type correctionRequest struct {
	Year   int    `json:"year"`
	Reason string `json:"reason"`
}

func (s *Server) apiCarbonCorrection(w http.ResponseWriter, r *http.Request) {
	var in correctionRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	rep, err := s.carbon.OpenCorrection(r.Context(), in.Year, in.Reason)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rep)
}

type decisionRequest struct {
	Accept  bool   `json:"accept"`
	Comment string `json:"comment"`
}

func (s *Server) apiCarbonDecision(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in decisionRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	rep, err := s.carbon.Decide(r.Context(), id, in.Accept, in.Comment)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) apiCarbonEmitters(w http.ResponseWriter, r *http.Request) {
	f, err := s.carbonFilter(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	list, err := s.carbon.KeyEmitters(r.Context(), f.Year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) apiCarbonFactors(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.carbon.Factors)
}

type recomputeRequest struct {
	Years []int `json:"years"`
}

func (s *Server) apiCarbonRecompute(w http.ResponseWriter, r *http.Request) {
	var in recomputeRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	if len(in.Years) == 0 {
		s.problem(w, r, cifp.Invalid("no years", cifp.FieldError{Field: "years", Message: "name at least one year"}))
		return
	}
	n, err := s.carbon.Recompute(r.Context(), in.Years...)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": n, "factor_set": s.carbon.Factors.ID})
}

func (s *Server) carbonTemplate(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	var buf bytes.Buffer
	if err := s.carbon.Factors.WriteActivityTemplate(&buf, format); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, "activity-template."+format, buf.Bytes())
}

// carbonExport sends the filtered list of annual accounts as .xlsx.
func (s *Server) carbonExport(w http.ResponseWriter, r *http.Request) {
	f, err := s.carbonFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := fmt.Sprintf("碳账户%d", f.Year)
	x.SetSheetName("Sheet1", sheet)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sw.SetColWidth(1, 1, 22)
	sw.SetColWidth(2, 2, 34)
	header := []any{"统一社会信用代码", "名称", "行政区划", "行业代码", "年度", "范围一 tCO2", "范围二 tCO2", "排放总量 tCO2",
		"综合能耗 tce", "工业增加值 万元", "单位增加值碳排放 tCO2/万元", "碳效水平", "行业基准 tCO2/万元", "碳效值K", "碳效等级",
		"数据质量", "已核查", "因子库"}
	sw.SetRow("A1", header)
	row := 2
	f.After, f.Limit = 0, 1000
	for {
		page, next, err := s.carbon.List(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, a := range page {
			var l, lvl, bench, k, grade any
			if a.HasIntensity {
				l, lvl = a.Intensity, a.Level.NameZH()
			}
			if a.Grade > 0 {
				bench, k, grade = a.Benchmark, a.K, a.Grade
			}
			div := a.Division
			if d, ok := org.DivisionByCode(a.Division); ok {
				div = d.Name
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			sw.SetRow(cell, []any{a.USCC, a.Name, div, a.Industry, a.Year, a.Scope1, a.Scope2, a.Total, a.EnergyTCE, a.ValueAdded,
				l, lvl, bench, k, grade, string(a.Quality), map[bool]string{true: "是", false: "否"}[a.Verified], a.FactorSet})
			row++
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	if err := sw.Flush(); err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, fmt.Sprintf("carbon-accounts-%d.xlsx", f.Year), buf.Bytes())
}

// publicURL is the base of links printed in QR codes.
func (s *Server) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// codePurpose binds carbon-code tokens to their use.
const codePurpose = "carbon-code"

// codeURL is the signed public link of an enterprise-year's 碳效码.
func (s *Server) codeURL(r *http.Request, orgID int64, year int) string {
	return s.publicURL(r) + "/c/" + s.signer.Token(codePurpose, []string{strconv.FormatInt(orgID, 10), strconv.Itoa(year)}, time.Time{})
}

// carbonCode serves the QR code of the 碳效码 as SVG or PNG.
func (s *Server) carbonCode(w http.ResponseWriter, r *http.Request) {
	o, year, _, err := s.accountYear(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.carbon.Public(r.Context(), o.ID, year); err != nil {
		s.fail(w, r, err)
		return
	}
	link := s.codeURL(r, o.ID, year)
	if strings.HasSuffix(r.URL.Path, ".png") {
		b, err := qr.PNG(link, 512)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(b)
		return
	}
	b, err := qr.SVG(link, 256)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write(b)
}

// carbonPublic is the page behind a 碳效码: the enterprise's name, the year,
// level and grade — nothing private. The link is signed, so it cannot be
// forged or pointed at another enterprise.
func (s *Server) carbonPublic(w http.ResponseWriter, r *http.Request) {
	fields, err := s.signer.Open(codePurpose, r.PathValue("token"), time.Now())
	if err != nil || len(fields) != 2 {
		s.render(w, r, http.StatusForbidden, "carbon_public", map[string]any{"Invalid": true})
		return
	}
	id, _ := strconv.ParseInt(fields[0], 10, 64)
	year, _ := strconv.Atoi(fields[1])
	g, err := s.carbon.Public(r.Context(), id, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	s.render(w, r, http.StatusOK, "carbon_public", map[string]any{"Grade": g})
}

// carbonHome sends an enterprise to its own account and shows the others the list.
func (s *Server) carbonHome(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	if u.Role == cifp.RoleEnterprise {
		http.Redirect(w, r, "/carbon/orgs/"+strconv.FormatInt(u.OrgID, 10), http.StatusSeeOther)
		return
	}
	f, err := s.carbonFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	items, next, err := s.carbon.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Set("cursor", strconv.FormatInt(next, 10))
	eq := r.URL.Query()
	eq.Del("cursor")
	eq.Set("year", strconv.Itoa(f.Year))
	years := []int{}
	for y := time.Now().In(chinaTime).Year(); y >= 2021; y-- {
		years = append(years, y)
	}
	s.render(w, r, http.StatusOK, "carbon_list", map[string]any{"Items": items, "Filter": f, "Next": next,
		"NextQuery": q.Encode(), "ExportQuery": eq.Encode(), "Counties": org.Counties("331100"), "Years": years})
}

// accountPage is an enterprise's carbon account.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, status int, extra map[string]any) {
	o, year, years, err := s.accountYear(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, _ := userFrom(r.Context())
	kind, err := s.carbon.GridKindOf(r.Context(), o.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := map[string]any{"Org": o, "Year": year, "Years": years, "Items": s.carbon.Factors.Items(),
		"GridKind": kind, "GridKinds": carbon.GridKinds,
		"CanWrite": u.Role == cifp.RoleAdmin || (u.Role == cifp.RoleEnterprise && u.OrgID == o.ID),
		"IsOwner":  u.Role == cifp.RoleEnterprise && u.OrgID == o.ID, "Errors": formErrors{}}
	for k, v := range extra {
		data[k] = v
	}
	annual, err := s.carbon.Account(r.Context(), o.ID, year)
	switch {
	case err == nil:
		data["Account"] = annual
		data["CodeURL"] = s.codeURL(r, o.ID, year)
	case cifp.ErrorCode(err) != cifp.ENOTFOUND:
		s.fail(w, r, err)
		return
	}
	if u.Role != cifp.RoleFinance && u.Role != cifp.RoleCitizen {
		reports, err := s.carbon.Reports(r.Context(), carbon.ReportFilter{OrgID: o.ID})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Reports"] = reports
		var latest *carbon.Report
		for i := range reports {
			if reports[i].Year == year {
				latest = &reports[i]
				break
			}
		}
		data["Latest"] = latest
	}
	if data["IsOwner"] == true {
		verifiers, err := s.orgs.Directory(r.Context(), org.KindVerifier)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Verifiers"] = verifiers
	}
	s.render(w, r, status, "carbon_account", data)
}

func (s *Server) carbonAccountPage(w http.ResponseWriter, r *http.Request) {
	extra := map[string]any{}
	if n := r.URL.Query().Get("imported"); n != "" {
		extra["Imported"] = n
	}
	if m := r.URL.Query().Get("done"); m != "" {
		extra["Done"] = m
	}
	s.accountPage(w, r, http.StatusOK, extra)
}

// activitySubmit takes an uploaded file or one row from the form.
func (s *Server) activitySubmit(w http.ResponseWriter, r *http.Request) {
	o, err := s.pathOrg(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opt := carbon.ImportOptions{Replace: r.FormValue("replace") == "on"}
	var res carbon.ImportResult
	if mt := r.Header.Get("Content-Type"); strings.HasPrefix(mt, "multipart/form-data") && r.FormValue("mode") == "file" {
		data, format, ferr := uploadedFile(r)
		if ferr != nil {
			err = ferr
		} else {
			_, h, _ := r.FormFile("file")
			opt.Source, opt.Filename = "import", h.Filename
			res, err = s.carbon.ImportActivity(r.Context(), bytes.NewReader(data), format, opt)
		}
	} else {
		q, perr := strconv.ParseFloat(strings.TrimSpace(r.FormValue("quantity")), 64)
		if perr != nil {
			err = cifp.Invalid("bad quantity", cifp.FieldError{Field: "quantity", Value: r.FormValue("quantity"), Message: "is not a number"})
		} else {
			opt.Source = "form"
			res, err = s.carbon.AddActivity(r.Context(), []carbon.Entry{{USCC: o.USCC, Period: r.FormValue("period"), Item: r.FormValue("item"),
				Quantity: q, Unit: r.FormValue("unit"), Quality: r.FormValue("quality")}}, opt)
		}
	}
	if err != nil {
		if Status(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		s.accountPage(w, r, Status(err), map[string]any{"ImportError": cifp.ErrorMessage(err), "ImportFields": cifp.ErrorFields(err)})
		return
	}
	year := r.URL.Query().Get("year")
	if len(res.Years) > 0 {
		year = strconv.Itoa(res.Years[len(res.Years)-1])
	}
	http.Redirect(w, r, fmt.Sprintf("/carbon/orgs/%d?year=%s&imported=%d", o.ID, url.QueryEscape(year), res.Rows), http.StatusSeeOther)
}

func (s *Server) reportSubmit(w http.ResponseWriter, r *http.Request) {
	o, err := s.pathOrg(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	year, _ := strconv.Atoi(r.FormValue("year"))
	if r.FormValue("action") == "correct" {
		_, err = s.carbon.OpenCorrection(r.Context(), year, r.FormValue("reason"))
	} else {
		vid, _ := strconv.ParseInt(r.FormValue("verifier_org_id"), 10, 64)
		_, err = s.carbon.Submit(r.Context(), year, vid)
	}
	if err != nil {
		if Status(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		fe, msg := formErrorsOf(err)
		s.accountPage(w, r, Status(err), map[string]any{"ReportError": msg, "Errors": fe})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/carbon/orgs/%d?year=%d&done=report", o.ID, year), http.StatusSeeOther)
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	s.renderReports(w, r, http.StatusOK, map[string]any{})
}

func (s *Server) renderReports(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	rs, err := s.carbon.Reports(r.Context(), carbon.ReportFilter{Status: r.URL.Query().Get("status")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Reports"] = rs
	s.render(w, r, status, "carbon_reports", data)
}

func (s *Server) decisionSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.carbon.Decide(r.Context(), id, r.FormValue("decision") == "accept", r.FormValue("comment"))
	if err != nil {
		if Status(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		s.renderReports(w, r, Status(err), map[string]any{"Error": cifp.ErrorMessage(err), "ErrorID": id})
		return
	}
	s.renderReports(w, r, http.StatusOK, map[string]any{"Decided": rep})
}

func (s *Server) emittersPage(w http.ResponseWriter, r *http.Request) {
	f, err := s.carbonFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.carbon.KeyEmitters(r.Context(), f.Year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "carbon_emitters", map[string]any{"List": list, "Thresholds": carbon.Thresholds()})
}

type gridKindRequest struct {
	GridKind string `json:"grid_kind"` // "" for the default chain
}

func (s *Server) apiCarbonGridKind(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in gridKindRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	if err := s.carbon.SetGridKind(r.Context(), id, in.GridKind); err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

func (s *Server) gridKindSubmit(w http.ResponseWriter, r *http.Request) {
	o, err := s.pathOrg(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.carbon.SetGridKind(r.Context(), o.ID, r.FormValue("grid_kind")); err != nil {
		if Status(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		s.accountPage(w, r, Status(err), map[string]any{"ReportError": cifp.ErrorMessage(err)})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/carbon/orgs/%d?year=%s&done=kind", o.ID, url.QueryEscape(r.URL.Query().Get("year"))), http.StatusSeeOther)
}
