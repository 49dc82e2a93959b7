package web

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"

	"cifp"
	"cifp/gep"
)

// gepRegionQuery are the region and year of the GEP API.
var gepRegionQuery = []Param{
	{Name: "region", Desc: "GB/T 2260 code; default 331100 (丽水市)"},
	{Name: "year", Desc: "accounting year; default: the newest with a run"},
}

// gepInputBody is the body of POST /api/v1/gep/inputs.
type gepInputBody struct {
	Inputs gep.Inputs `json:"inputs"`
	GDP    float64    `json:"gdp"` // 元
	Note   string     `json:"note,omitempty"`
}

// apiGEPSaveInputs stores an input set posted by a monitoring or
// statistics system (source "api").
func (s *Server) apiGEPSaveInputs(w http.ResponseWriter, r *http.Request) {
	var body gepInputBody
	if err := decode(w, r, &body); err != nil {
		s.problem(w, r, err)
		return
	}
	set, err := s.gep.SaveInputs(r.Context(), gep.InputSet{Inputs: body.Inputs, GDP: body.GDP, Note: body.Note, Source: "api"})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, set)
}

func (s *Server) apiGEPInputs(w http.ResponseWriter, r *http.Request) {
	region, year, err := s.gepRegionYear(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	set, err := s.gep.Inputs(r.Context(), region, year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, set)
}

func (s *Server) apiGEPImport(w http.ResponseWriter, r *http.Request) {
	set, err := s.importGEPInputs(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, set)
}

// gepGridLayers are the multipart fields of a GeoTIFF upload.
var gepGridLayers = []string{"zone", "class", "r", "k", "ls", "c", "p", "precip", "et"}

// apiGEPGrids reads GeoTIFF layers (multipart fields zone, class, r, k,
// ls, c, p, precip, et, and year) and applies their pixel-by-pixel soil
// retention and water conservation to the zones' input sets.
func (s *Server) apiGEPGrids(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		s.problem(w, r, cifp.Errorf(cifp.EUNSUPPORTED, "send the GeoTIFF layers as multipart/form-data fields %v", gepGridLayers))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 512<<20)
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		s.problem(w, r, tooLarge(err))
		return
	}
	year, err := strconv.Atoi(r.FormValue("year"))
	if err != nil {
		s.problem(w, r, cifp.Invalid("bad year", cifp.FieldError{Field: "year", Value: r.FormValue("year"), Message: "must be an accounting year"}))
		return
	}
	var l gep.GridLayers
	dst := map[string]*gep.Raster{"zone": &l.Zone, "class": &l.Class, "r": &l.R, "k": &l.K, "ls": &l.LS, "c": &l.C, "p": &l.P, "precip": &l.Precip, "et": &l.ET}
	var fs []cifp.FieldError
	for _, name := range gepGridLayers {
		f, _, err := r.FormFile(name)
		if err != nil {
			continue // a missing layer is named by GridLayers.Inputs when it is needed
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			s.problem(w, r, tooLarge(err))
			return
		}
		if *dst[name], err = gep.ReadGeoTIFF(bytes.NewReader(data)); err != nil {
			fs = append(fs, cifp.FieldError{Field: name, Message: err.Error()})
		}
	}
	if err := cifp.Invalid("the GeoTIFF layers cannot be read; nothing was stored", fs...); err != nil {
		s.problem(w, r, err)
		return
	}
	sets, err := s.gep.ApplyGrids(r.Context(), year, l, r.FormValue("profile"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sets)
}

// apiGEPRun is the one click by API: it runs synchronously and answers the batch.
func (s *Server) apiGEPRun(w http.ResponseWriter, r *http.Request) {
	var req gep.RunRequest
	if err := decode(w, r, &req); err != nil {
		s.problem(w, r, err)
		return
	}
	if req.Region == "" {
		req.Region = gepCity
	}
	b, err := s.gep.RunAll(r.Context(), req)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

func (s *Server) apiGEPRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	region := q.Get("region")
	if region == "" {
		region = gepCity
	}
	year, err := queryInt(r, "year")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var list []gep.RunSummary
	if b := q.Get("batch"); b != "" {
		list, err = s.gep.BatchRuns(r.Context(), b)
	} else {
		list, err = s.gep.Runs(r.Context(), region, int(year))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if list == nil {
		list = []gep.RunSummary{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) apiGEPRun1(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	run, err := s.gep.Run(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (s *Server) apiGEPCompare(w http.ResponseWriter, r *http.Request) {
	a, b, err := gepCompareIDs(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	c, err := s.gep.Compare(r.Context(), a, b)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiGEPOverview(w http.ResponseWriter, r *http.Request) {
	region, year, err := s.gepRegionYear(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	list, err := s.gep.Overview(r.Context(), region, year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if list == nil {
		list = []gep.RunSummary{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) apiGEPTrend(w http.ResponseWriter, r *http.Request) {
	region := r.URL.Query().Get("region")
	if region == "" {
		region = gepCity
	}
	list, err := s.gep.Trend(r.Context(), region)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if list == nil {
		list = []gep.RunSummary{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) apiGEPChange(w http.ResponseWriter, r *http.Request) {
	region, year, err := s.gepRegionYear(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	c, err := s.gep.ChangeSinceLastYear(r.Context(), region, year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiGEPAssetValue(w http.ResponseWriter, r *http.Request) {
	region, year, err := s.gepRegionYear(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	a, err := s.gep.AssetValue(r.Context(), region, year)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// apiGEPChart is chart data for the page: kind indicator (bar) or
// ecosystem (pie) of ?run=, trend (line of GEP and GDP over the years of
// ?region=) or counties (bar of the newest GEP of each county of ?year=),
// in 亿元.
func (s *Server) apiGEPChart(w http.ResponseWriter, r *http.Request) {
	en := lang(r) == "en"
	name := func(zh, enText string) string {
		if en {
			return enText
		}
		return zh
	}
	svc := s.gep
	var c Chart
	switch kind := r.PathValue("kind"); kind {
	case "indicator", "ecosystem":
		id, err := queryInt(r, "run")
		if err != nil || id == 0 {
			s.problem(w, r, cifp.Invalid("give ?run=", cifp.FieldError{Field: "run", Message: "the id of a run"}))
			return
		}
		run, err := svc.Run(r.Context(), id)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		totals := run.ByIndicator
		c = Chart{Type: "bar", Title: name("按指标（亿元）", "By indicator (100 million yuan)")}
		if kind == "ecosystem" {
			totals, c = run.ByEcosystem, Chart{Type: "pie", Title: name("按生态系统类型（亿元）", "By ecosystem type (100 million yuan)")}
		}
		ser := ChartSeries{Name: "GEP", Data: []float64{}}
		for _, t := range totals {
			label := t.NameZH
			if en {
				label = t.Key
				if label == "" {
					label = "not attributed"
				}
			}
			c.Categories = append(c.Categories, label)
			ser.Data = append(ser.Data, round2(t.Value/gep.Yi))
		}
		c.Series = []ChartSeries{ser}
	case "trend":
		region := r.URL.Query().Get("region")
		if region == "" {
			region = gepCity
		}
		list, err := svc.Trend(r.Context(), region)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		c = Chart{Type: "line", Title: name("GEP 与 GDP（亿元）", "GEP and GDP (100 million yuan)"), Categories: []string{}}
		g, d := ChartSeries{Name: "GEP", Data: []float64{}}, ChartSeries{Name: "GDP", Data: []float64{}}
		for _, x := range list {
			c.Categories = append(c.Categories, strconv.Itoa(x.Year))
			g.Data = append(g.Data, round2(x.GEP/gep.Yi))
			d.Data = append(d.Data, round2(x.GDP/gep.Yi))
		}
		c.Series = []ChartSeries{g, d}
	case "counties":
		region, year, err := s.gepRegionYear(r)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		list, err := svc.Overview(r.Context(), region, year)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		c = Chart{Type: "bar", Title: name("各县（市、区）GEP（亿元）", "GEP by county (100 million yuan)"), Categories: []string{}}
		ser := ChartSeries{Name: "GEP", Data: []float64{}}
		for _, x := range list {
			if x.Region == region && len(list) > 1 {
				continue // the city beside its counties would dwarf them
			}
			c.Categories = append(c.Categories, x.Name)
			ser.Data = append(ser.Data, round2(x.GEP/gep.Yi))
		}
		c.Series = []ChartSeries{ser}
	default:
		s.problem(w, r, cifp.Errorf(cifp.ENOTFOUND, "no GEP chart %q (indicator, ecosystem, trend or counties)", kind))
		return
	}
	writeJSON(w, http.StatusOK, c)
}
