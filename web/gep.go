package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"cifp"
	"cifp/gep"
	"cifp/org"
)

// GEP accounting (一键式 GEP 核算): the region page with its breakdown,
// trend, GEP against GDP, change since last year and ecological-asset value;
// a run's whole table; the comparison of two runs; the input form, template
// and import; the one-click button with its progress. The service is made
// from the database on each use (it keeps no state), so the Server needs no
// field for it.

// gepReaders read GEP accounts: every role but citizens (see gep.Service).
var gepReaders = roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance, cifp.RoleEnterprise, cifp.RoleVerifier)

// gepRunners enter inputs and run the accounting.
var gepRunners = roles(cifp.RoleAdmin, cifp.RoleRegulator)

// gepCity is the city the pages open on.
const gepCity = "331100"

// gepRegionYear reads ?region= (default the city) and ?year= (default the
// newest year with a run, else last year).
func (s *Server) gepRegionYear(r *http.Request) (string, int, error) {
	q := r.URL.Query()
	region := q.Get("region")
	if region == "" {
		region = gepCity
	}
	if v := q.Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1949 || y > 2100 {
			return "", 0, cifp.Invalid("bad query parameter year", cifp.FieldError{Field: "year", Value: v, Message: "must be an accounting year"})
		}
		return region, y, nil
	}
	years, err := s.gep.Years(r.Context(), region)
	if err != nil {
		return "", 0, err
	}
	if len(years) > 0 {
		return region, years[0], nil
	}
	return region, time.Now().Year() - 1, nil
}

// gepRegions are the regions of the page's selector: the city and its counties.
func gepRegions() []org.Division {
	var out []org.Division
	if d, ok := org.DivisionByCode(gepCity); ok {
		out = append(out, d)
	}
	return append(out, org.Counties(gepCity)...)
}

// gepView is the region page.
type gepView struct {
	Region, Name string
	Year         int
	Regions      []org.Division
	Profiles     []*gep.Profile
	Runner       bool
	Run          *gep.Run // newest of the region-year
	Versions     []gep.RunSummary
	Overview     []gep.RunSummary
	Change       *gep.Change
	Asset        *gep.AssetValue
	GEPPerGDP    float64
	HasGDP       bool
	Categories   []gepCategory
	Batch        string
	Demo         bool
}

type gepCategory struct {
	Key   string
	Value float64 // 元
	Share float64 // of GEP
}

func (s *Server) gepPage(w http.ResponseWriter, r *http.Request) {
	region, year, err := s.gepRegionYear(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	svc := s.gep
	u, _ := userFrom(ctx)
	v := gepView{Region: region, Name: regionLabel(region), Year: year, Regions: gepRegions(), Profiles: gep.Profiles(),
		Runner: hasRole(gepRunners, u.Role), Batch: r.URL.Query().Get("batch")}
	run, err := svc.Latest(ctx, region, year)
	switch {
	case err == nil:
		v.Run = &run
		v.Demo = strings.Contains(run.InputSource, "DEMO")
		if g, ok := run.Summary().GEPPerGDP(); ok {
			v.GEPPerGDP, v.HasGDP = g, true
		}
		for _, c := range []struct {
			k string
			v float64
		}{{"provisioning", run.Provisioning}, {"regulating", run.Regulating}, {"cultural", run.Cultural}} {
			share := 0.0
			if run.GEP != 0 {
				share = c.v / run.GEP
			}
			v.Categories = append(v.Categories, gepCategory{c.k, c.v, share})
		}
		if run.Deduction > 0 {
			v.Categories = append(v.Categories, gepCategory{"deduction", -run.Deduction, -run.Deduction / run.GEP})
		}
		if c, err := svc.ChangeSinceLastYear(ctx, region, year); err == nil {
			v.Change = &c
		} else if cifp.ErrorCode(err) != cifp.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		if a, err := svc.AssetValue(ctx, region, year); err == nil {
			v.Asset = &a
		}
	case cifp.ErrorCode(err) != cifp.ENOTFOUND:
		s.fail(w, r, err)
		return
	}
	if v.Versions, err = svc.Runs(ctx, region, year); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Overview, err = svc.Overview(ctx, gepCity, year); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "gep", v)
}

func regionLabel(code string) string {
	if d, ok := org.DivisionByCode(code); ok {
		return d.Name
	}
	return code
}

// gepRunPage is a run's whole accounting table: the breakdown by category,
// indicator and ecosystem type, and every line.
func (s *Server) gepRunPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	run, err := s.gep.Run(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	infos := map[gep.Indicator]gep.IndicatorInfo{}
	for _, i := range gep.Indicators() {
		infos[i.Code] = i
	}
	s.render(w, r, http.StatusOK, "gep_run", map[string]any{"Run": run, "Infos": infos, "Demo": strings.Contains(run.InputSource, "DEMO")})
}

// gepExport sends a run's accounting table as .xlsx.
func (s *Server) gepExport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	run, err := s.gep.Run(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := gep.WriteRunXLSX(&buf, run); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, fmt.Sprintf("GEP-%s-%d-v%d.xlsx", run.Region, run.Year, run.Version), buf.Bytes())
}

// gepCompareIDs reads ?a= and ?b=.
func gepCompareIDs(r *http.Request) (int64, int64, error) {
	a, err := queryInt(r, "a")
	if err != nil {
		return 0, 0, err
	}
	b, err := queryInt(r, "b")
	if err != nil {
		return 0, 0, err
	}
	if a == 0 || b == 0 {
		return 0, 0, cifp.Invalid("choose two runs", cifp.FieldError{Field: "a", Message: "give the ids of two runs as ?a= and ?b="})
	}
	return a, b, nil
}

func (s *Server) gepComparePage(w http.ResponseWriter, r *http.Request) {
	a, b, err := gepCompareIDs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.gep.Compare(r.Context(), a, b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "gep_compare", c)
}

// gepJob is a one click running in the background for the button, polled
// by the page (htmx) for its progress. Jobs live in memory for an hour.
type gepJob struct {
	ID             string
	UserID         int64
	Region         string
	Year           int
	mu             sync.Mutex
	done, total    int
	step           string
	finished       bool
	batch          gep.Batch
	err            error
	started, ended time.Time
}

var gepJobs sync.Map // id → *gepJob

func (j *gepJob) snapshot() gepJobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := gepJobView{ID: j.ID, Region: j.Region, Year: j.Year, Done: j.done, Total: j.total, Step: j.step, Finished: j.finished,
		Batch: j.batch.ID, Runs: len(j.batch.Runs), Demo: j.batch.Demo}
	if j.err != nil {
		v.Message, v.Fields = cifp.ErrorMessage(j.err), cifp.ErrorFields(j.err)
	}
	if v.Total > 0 {
		v.Percent = v.Done * 100 / v.Total
	}
	return v
}

// gepJobView is the progress partial.
type gepJobView struct {
	ID, Region, Step string
	Year             int
	Done, Total      int
	Percent          int
	Finished         bool
	Batch            string
	Runs             int
	Demo             bool
	Message          string
	Fields           []cifp.FieldError
}

func (v gepJobView) ResultURL() string {
	return "/gep?" + url.Values{"region": {v.Region}, "year": {strconv.Itoa(v.Year)}, "batch": {v.Batch}}.Encode()
}

// gepRunRequest reads the form of the button.
func gepRunRequest(r *http.Request) (gep.RunRequest, error) {
	req := gep.RunRequest{Region: strings.TrimSpace(r.FormValue("region")), Profile: r.FormValue("profile")}
	y, err := strconv.Atoi(r.FormValue("year"))
	if err != nil {
		return req, cifp.Invalid("bad year", cifp.FieldError{Field: "year", Value: r.FormValue("year"), Message: "must be an accounting year"})
	}
	req.Year = y
	if req.Region == "" {
		req.Region = gepCity
	}
	return req, nil
}

// gepRunSubmit is the one-click button. An htmx request starts the run in
// the background and answers the progress partial, which polls
// /gep/jobs/{id} until the run ends; a plain form post runs at once and
// redirects to the result.
func (s *Server) gepRunSubmit(w http.ResponseWriter, r *http.Request) {
	req, err := gepRunRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.Header.Get("HX-Request") != "true" {
		b, err := s.gep.RunAll(r.Context(), req)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, gepJobView{Region: req.Region, Year: req.Year, Batch: b.ID}.ResultURL(), http.StatusSeeOther)
		return
	}
	u, _ := userFrom(r.Context())
	var id [8]byte
	rand.Read(id[:])
	j := &gepJob{ID: hex.EncodeToString(id[:]), UserID: u.ID, Region: req.Region, Year: req.Year, total: 2 * len(gep.Regions(req.Region)), started: time.Now()}
	gepJobs.Store(j.ID, j)
	gepJobs.Range(func(k, v any) bool { // forget jobs older than an hour
		if time.Since(v.(*gepJob).started) > time.Hour {
			gepJobs.Delete(k)
		}
		return true
	})
	req.Progress = func(done, total int, step string) {
		j.mu.Lock()
		j.done, j.total, j.step = done, total, step
		j.mu.Unlock()
	}
	// The run outlives the request, not its actor.
	ctx := context.WithoutCancel(r.Context())
	go func() {
		b, err := s.gep.RunAll(ctx, req)
		if err != nil && cifp.ErrorCode(err) == cifp.EINTERNAL {
			s.log.ErrorContext(ctx, "gep run", "err", err, "region", req.Region, "year", req.Year)
		}
		j.mu.Lock()
		j.batch, j.err, j.finished, j.ended = b, err, true, time.Now()
		j.mu.Unlock()
	}()
	s.render(w, r, http.StatusAccepted, "gep_job", j.snapshot())
}

// gepJobPage is the progress of a one click: the partial that polls again
// while it runs, and the outcome with a link to it when it ended. Only the
// user who started it may read it.
func (s *Server) gepJobPage(w http.ResponseWriter, r *http.Request) {
	v, ok := gepJobs.Load(r.PathValue("id"))
	u, _ := userFrom(r.Context())
	if !ok || v.(*gepJob).UserID != u.ID {
		s.fail(w, r, cifp.Errorf(cifp.ENOTFOUND, "no such GEP run in progress"))
		return
	}
	s.render(w, r, http.StatusOK, "gep_job", v.(*gepJob).snapshot())
}
