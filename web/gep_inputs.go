package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cifp"
	"cifp/gep"
)

// gepInputsView is the input page: the main figures of a region-year's
// starting set in a form, the template and the import.
type gepInputsView struct {
	Region, Name string
	Year         int
	Regions      any
	Set          gep.InputSet
	Fields       []gepFormField
	Message      string
	Fields2      []cifp.FieldError // the errors of the last attempt
	Saved        int64
}

type gepFormField struct {
	gep.Field
	Value string
}

func (s *Server) gepInputsPage(w http.ResponseWriter, r *http.Request) {
	region, year, err := s.gepRegionYear(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	set, err := s.gep.StartingInputs(r.Context(), region, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	saved, _ := queryInt(r, "saved")
	s.renderGEPInputs(w, r, http.StatusOK, set, nil, nil, saved)
}

func (s *Server) renderGEPInputs(w http.ResponseWriter, r *http.Request, status int, set gep.InputSet, posted map[string]string, err error, saved int64) {
	nums, _ := set.Figures()
	v := gepInputsView{Region: set.Region, Name: regionLabel(set.Region), Year: set.Year, Regions: gepRegions(), Set: set, Saved: saved}
	for _, f := range gep.Fields() {
		if !f.Main {
			continue
		}
		val := strconv.FormatFloat(nums[f.Code], 'f', -1, 64)
		if p, ok := posted[f.Code]; ok {
			val = p
		}
		v.Fields = append(v.Fields, gepFormField{Field: f, Value: val})
	}
	if err != nil {
		v.Message, v.Fields2 = cifp.ErrorMessage(err), cifp.ErrorFields(err)
	}
	s.render(w, r, status, "gep_inputs", v)
}

// gepInputsSubmit stores the form's main figures over the region-year's
// starting set (the other figures are kept) as a new input set.
func (s *Server) gepInputsSubmit(w http.ResponseWriter, r *http.Request) {
	region := strings.TrimSpace(r.FormValue("region"))
	year, err := strconv.Atoi(r.FormValue("year"))
	if err != nil || region == "" {
		s.fail(w, r, cifp.Invalid("bad form", cifp.FieldError{Field: "year", Value: r.FormValue("year"), Message: "choose a region and an accounting year"}))
		return
	}
	set, err := s.gep.StartingInputs(r.Context(), region, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nums := map[string]float64{}
	posted := map[string]string{}
	var fs []cifp.FieldError
	for _, f := range gep.Fields() {
		if !f.Main {
			continue
		}
		raw := strings.ReplaceAll(strings.TrimSpace(r.FormValue(f.Code)), ",", "")
		posted[f.Code] = raw
		if raw == "" {
			raw = "0"
		}
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			fs = append(fs, cifp.FieldError{Field: f.Code, Value: raw, Message: "is not a number (" + f.Unit + ")"})
			continue
		}
		nums[f.Code] = x
	}
	if err := cifp.Invalid("the form has "+cifp.Problems(len(fs)), fs...); err != nil {
		s.renderGEPInputs(w, r, http.StatusBadRequest, set, posted, err, 0)
		return
	}
	next, err := set.WithFigures(nums, nil)
	if err == nil {
		next.Source, next.Note = "form", strings.TrimSpace(r.FormValue("note"))
		next, err = s.gep.SaveInputs(r.Context(), next)
	}
	if err != nil {
		if Status(err) >= 500 || cifp.ErrorCode(err) == cifp.EFORBIDDEN {
			s.fail(w, r, err)
			return
		}
		s.renderGEPInputs(w, r, Status(err), set, posted, err, 0)
		return
	}
	http.Redirect(w, r, "/gep/inputs?"+url.Values{"region": {region}, "year": {strconv.Itoa(year)}, "saved": {strconv.FormatInt(next.ID, 10)}}.Encode(), http.StatusSeeOther)
}

// gepTemplate sends the .xlsx input template of ?region= ?year=, filled with
// the starting set.
func (s *Server) gepTemplate(w http.ResponseWriter, r *http.Request) {
	region, year, err := s.gepRegionYear(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	set, err := s.gep.StartingInputs(r.Context(), region, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := gep.WriteTemplate(&buf, set); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, fmt.Sprintf("GEP-inputs-%s-%d.xlsx", region, year), buf.Bytes())
}

// importGEPInputs reads an uploaded template and stores it (all or nothing).
func (s *Server) importGEPInputs(r *http.Request) (gep.InputSet, error) {
	data, format, err := uploadedFile(r)
	if err != nil {
		return gep.InputSet{}, err
	}
	set, err := gep.ParseTemplate(bytes.NewReader(data), format)
	if err != nil {
		return gep.InputSet{}, err
	}
	set.Note = "imported " + format
	return s.gep.SaveInputs(r.Context(), set)
}

func (s *Server) gepImportSubmit(w http.ResponseWriter, r *http.Request) {
	set, err := s.importGEPInputs(r)
	if err != nil {
		if Status(err) >= 500 || cifp.ErrorCode(err) == cifp.EFORBIDDEN {
			s.fail(w, r, err)
			return
		}
		region, year, _ := s.gepRegionYear(r)
		if v := r.FormValue("region"); v != "" {
			region = v
		}
		if y, e := strconv.Atoi(r.FormValue("year")); e == nil {
			year = y
		}
		start, e := s.gep.StartingInputs(r.Context(), region, year)
		if e != nil {
			s.fail(w, r, e)
			return
		}
		s.renderGEPInputs(w, r, Status(err), start, nil, err, 0)
		return
	}
	http.Redirect(w, r, "/gep/inputs?"+url.Values{"region": {set.Region}, "year": {strconv.Itoa(set.Year)}, "saved": {strconv.FormatInt(set.ID, 10)}}.Encode(), http.StatusSeeOther)
}
