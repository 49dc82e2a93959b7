package web

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/audit"
	"cifp/auth"
	"cifp/org"
)

func itoa(n int) string { return strconv.Itoa(n) }

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, &cifp.Error{Code: cifp.EINVALID, Message: "the id in the path must be a positive integer",
			Fields: []cifp.FieldError{{Field: "id", Value: v, Message: "must be a positive integer"}}}
	}
	return id, nil
}

// queryInt parses an optional integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, &cifp.Error{Code: cifp.EINVALID, Message: "bad query parameter " + name,
			Fields: []cifp.FieldError{{Field: name, Value: v, Message: "must be a non-negative integer"}}}
	}
	return n, nil
}

// orgFilter reads the list filter from the query string.
func orgFilter(r *http.Request) (org.Filter, error) {
	q := r.URL.Query()
	f := org.Filter{Q: q.Get("q"), Kind: org.Kind(q.Get("kind")), Division: q.Get("division"), Industry: q.Get("industry")}
	if f.Kind != "" && !f.Kind.Valid() {
		return f, &cifp.Error{Code: cifp.EINVALID, Message: "bad query parameter kind",
			Fields: []cifp.FieldError{{Field: "kind", Value: string(f.Kind), Message: "is not a kind of organisation"}}}
	}
	var err error
	if f.After, err = queryInt(r, "cursor"); err != nil {
		return f, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return f, err
	}
	f.Limit = int(limit)
	return f, nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	o, err := s.orgs.Get(r.Context(), u.OrgID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u, "org": o})
}

func (s *Server) apiListOrgs(w http.ResponseWriter, r *http.Request) {
	f, err := orgFilter(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	items, next, err := s.orgs.List(r.Context(), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	p := Page[org.Org]{Items: items}
	if p.Items == nil {
		p.Items = []org.Org{}
	}
	if next > 0 {
		p.NextCursor = strconv.FormatInt(next, 10)
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiCreateOrg(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind     org.Kind `json:"kind"`
		Name     string   `json:"name"`
		USCC     string   `json:"uscc"`
		Industry string   `json:"industry"`
		Division string   `json:"division"`
		Address  string   `json:"address"`
		LegalRep string   `json:"legal_rep"`
		Contact  string   `json:"contact"`
		Phone    string   `json:"phone"`
	}
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	o, err := s.orgs.Create(r.Context(), org.Org{Kind: in.Kind, Name: in.Name, USCC: in.USCC, Industry: in.Industry,
		Division: in.Division, Address: in.Address, LegalRep: in.LegalRep, Contact: in.Contact, Phone: in.Phone})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+strconv.FormatInt(o.ID, 10))
	writeJSON(w, http.StatusCreated, o)
}

// pathOrg returns the organisation named by the {id} path value, if the
// caller may see it.
func (s *Server) pathOrg(r *http.Request) (org.Org, error) {
	id, err := pathID(r)
	if err != nil {
		return org.Org{}, err
	}
	return s.orgs.Get(r.Context(), id)
}

func (s *Server) apiGetOrg(w http.ResponseWriter, r *http.Request) {
	o, err := s.pathOrg(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) apiPatchOrg(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var p org.Patch
	if err := decode(w, r, &p); err != nil {
		s.problem(w, r, err)
		return
	}
	o, err := s.orgs.Update(r.Context(), id, p)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// orgExport streams organisations as .xlsx or .csv (pages and API share it).
func (s *Server) orgExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	f, err := orgFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.After = 0
	var buf bytes.Buffer
	if err := s.orgs.Export(r.Context(), &buf, format, f); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, "orgs-"+time.Now().In(chinaTime).Format("20060102")+"."+format, buf.Bytes())
}

// orgTemplate serves an empty import file.
func (s *Server) orgTemplate(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	var buf bytes.Buffer
	if err := org.WriteTemplate(&buf, format); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, "orgs-template."+format, buf.Bytes())
}

// sendFile sends a downloaded .xlsx or .csv file.
func sendFile(w http.ResponseWriter, name string, data []byte) {
	ct := "text/csv; charset=utf-8"
	if strings.HasSuffix(name, ".xlsx") {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(data)
}

// uploadedFile reads an import file from a multipart form field "file" or
// from the raw body, and tells its format by name or media type.
func uploadedFile(r *http.Request) ([]byte, string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var data []byte
	var name string
	if mt == "multipart/form-data" {
		f, h, err := r.FormFile("file")
		if err != nil {
			return nil, "", cifp.Invalid("no file was uploaded", cifp.FieldError{Field: "file", Message: "choose an .xlsx or .csv file"})
		}
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return nil, "", tooLarge(err)
		}
		name = h.Filename
	} else {
		var err error
		if data, err = io.ReadAll(http.MaxBytesReader(nil, r.Body, maxUploadBody)); err != nil {
			return nil, "", tooLarge(err)
		}
		switch mt {
		case "text/csv":
			name = "upload.csv"
		case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream":
			name = "upload.xlsx"
		default:
			return nil, "", cifp.Errorf(cifp.EUNSUPPORTED, "send the file as text/csv, as an .xlsx media type, or as multipart field \"file\"")
		}
	}
	if len(data) == 0 {
		return nil, "", cifp.Invalid("the file is empty", cifp.FieldError{Field: "file", Message: "is empty"})
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		return data, "xlsx", nil
	case ".csv":
		return data, "csv", nil
	}
	return nil, "", cifp.Errorf(cifp.EUNSUPPORTED, "%q is neither .xlsx nor .csv", name)
}

func tooLarge(err error) error {
	if strings.Contains(err.Error(), "too large") {
		return cifp.Errorf(cifp.ETOOLARGE, "the file is larger than %d MiB", maxUploadBody>>20)
	}
	return err
}

func (s *Server) apiImportOrgs(w http.ResponseWriter, r *http.Request) {
	data, format, err := uploadedFile(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rows, err := org.ParseFile(bytes.NewReader(data), format)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	res, err := s.orgs.Import(r.Context(), rows)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// Chart is chart data for app.js, which draws it with ECharts.
type Chart struct {
	Title      string        `json:"title"`
	Type       string        `json:"type"` // bar, pie or line
	Categories []string      `json:"categories"`
	Series     []ChartSeries `json:"series"`
}

// ChartSeries is one named series of a Chart.
type ChartSeries struct {
	Name string    `json:"name"`
	Data []float64 `json:"data"`
}

func (s *Server) apiOrgStats(w http.ResponseWriter, r *http.Request) {
	by := r.URL.Query().Get("by")
	kind := org.Kind(r.URL.Query().Get("kind"))
	if kind != "" && !kind.Valid() {
		s.problem(w, r, cifp.Invalid("bad query parameter kind", cifp.FieldError{Field: "kind", Value: string(kind), Message: "is not a kind"}))
		return
	}
	stats, err := s.orgs.CountBy(r.Context(), by, kind)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	en := lang(r) == "en"
	c := Chart{Type: "bar", Series: []ChartSeries{{Name: map[bool]string{true: "Organisations", false: "机构数"}[en]}}}
	if by == "kind" {
		c.Type = "pie"
	}
	for _, st := range stats {
		label := st.Key
		if by == "division" {
			if d, ok := org.DivisionByCode(st.Key); ok {
				label = map[bool]string{true: d.NameEN, false: d.Name}[en]
			}
		} else if k := org.Kind(st.Key); k.Valid() && !en {
			label = k.NameZH()
		}
		c.Categories = append(c.Categories, label)
		c.Series[0].Data = append(c.Series[0].Data, float64(st.Count))
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiDivisions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, org.Divisions())
}

func (s *Server) apiIndustries(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, org.Industries())
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	orgID, err := queryInt(r, "org_id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	us, err := s.auth.ListUsers(r.Context(), orgID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if us == nil {
		us = []auth.User{}
	}
	writeJSON(w, http.StatusOK, us)
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var n auth.NewUser
	if err := decode(w, r, &n); err != nil {
		s.problem(w, r, err)
		return
	}
	u, err := s.auth.CreateUser(r.Context(), n)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

type tokenRequest struct {
	Name     string `json:"name"`
	TTLHours int    `json:"ttl_hours"` // 0: until revoked
}

type tokenResponse struct {
	Secret string        `json:"secret"` // shown once
	Token  auth.APIToken `json:"token"`
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.auth.ListTokens(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if ts == nil {
		ts = []auth.APIToken{}
	}
	writeJSON(w, http.StatusOK, ts)
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in tokenRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	secret, t, err := s.auth.CreateToken(r.Context(), in.Name, time.Duration(in.TTLHours)*time.Hour)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenResponse{Secret: secret, Token: t})
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if err := s.auth.RevokeToken(r.Context(), id); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func auditFilter(r *http.Request) (audit.Filter, error) {
	f := audit.Filter{Entity: r.URL.Query().Get("entity"), EntityID: r.URL.Query().Get("entity_id")}
	var err error
	if f.Before, err = queryInt(r, "before"); err != nil {
		return f, err
	}
	limit, err := queryInt(r, "limit")
	f.Limit = int(limit)
	return f, err
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	es, next, err := audit.Page(r.Context(), s.db, f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	p := Page[audit.Entry]{Items: es}
	if p.Items == nil {
		p.Items = []audit.Entry{}
	}
	if next > 0 {
		p.NextCursor = strconv.FormatInt(next, 10)
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiAuditVerify(w http.ResponseWriter, r *http.Request) {
	res, err := audit.Verify(r.Context(), s.db)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
