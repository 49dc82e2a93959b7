package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/cockpit"
	"cifp/finance"
)

// cockpitReaders may open the cockpit: the regulators the city's, an
// institution its own; an enterprise has its own view.
var cockpitReaders = roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance)

// cockpitQuery are the cockpit's filters, as its URL carries them.
var cockpitQuery = []Param{
	{Name: "month", Desc: "month-end of the loan statistics, YYYY-MM; default: the latest"},
	{Name: "year", Desc: "year of the carbon accounts; default: the latest"},
	{Name: "county", Desc: "GB/T 2260 county"},
	{Name: "class", Desc: `green class "catalogue/class" (e.g. 2025/3)`},
	{Name: "institution", Desc: "lending institution's organisation id (an institution: its own)"},
	{Name: "grade", Desc: "carbon-efficiency grade 1–5"},
}

// cockpitFilter reads the cockpit's filter from the query.
func cockpitFilter(r *http.Request) (cockpit.Filter, error) {
	q := r.URL.Query()
	f := cockpit.Filter{Month: q.Get("month"), County: q.Get("county"), Class: q.Get("class")}
	var errs []cifp.FieldError
	for _, p := range []struct {
		name string
		dst  *int
	}{{"year", &f.Year}, {"grade", &f.Grade}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, cifp.FieldError{Field: p.name, Value: v, Message: "is not a whole number"})
			}
			*p.dst = n
		}
	}
	if v := q.Get("institution"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, cifp.FieldError{Field: "institution", Value: v, Message: "is not an organisation id"})
		}
		f.Institution = id
	}
	if len(errs) > 0 {
		return f, cifp.Invalid("bad cockpit filter", errs...)
	}
	return f, f.Check()
}

// tabler is a cockpit panel: its data as rows for the export.
type tabler interface{ Table() cockpit.Table }

// cockpitPanels are the panels by name, each read with the request's filter.
var cockpitPanels = map[string]func(s *Server, ctx context.Context, f cockpit.Filter, r *http.Request) (tabler, error){
	"credit": func(s *Server, ctx context.Context, f cockpit.Filter, r *http.Request) (tabler, error) {
		c, err := s.cockpit.Credit(ctx, f)
		if err != nil {
			return nil, err
		}
		return s.cockpitCredit(c, lang(r)), nil
	},
	"trend": func(s *Server, ctx context.Context, f cockpit.Filter, r *http.Request) (tabler, error) {
		t, err := s.cockpit.Trend(ctx, f)
		if err != nil {
			return nil, err
		}
		return cockpitWorded{t, func() cockpit.Table { t.Rows = s.rowNotesIn(lang(r), t.Rows); return t.Table() }}, nil
	},
	"breakdown": func(s *Server, ctx context.Context, f cockpit.Filter, r *http.Request) (tabler, error) {
		by := r.URL.Query().Get("by")
		if by == "" {
			by = string(finance.ByClass)
		}
		b, err := s.cockpit.Breakdown(ctx, f, finance.Dimension(by))
		if err != nil {
			return nil, err
		}
		return cockpitWorded{b, func() cockpit.Table { b.Rows = s.rowNotesIn(lang(r), b.Rows); return b.Table() }}, nil
	},
	"map": func(s *Server, ctx context.Context, f cockpit.Filter, r *http.Request) (tabler, error) {
		return s.cockpit.Map(ctx, f, r.URL.Query().Get("indicator"))
	},
	"carbon": func(s *Server, ctx context.Context, f cockpit.Filter, _ *http.Request) (tabler, error) {
		return s.cockpit.Carbon(ctx, f)
	},
	"pipeline": func(s *Server, ctx context.Context, f cockpit.Filter, _ *http.Request) (tabler, error) {
		return s.cockpit.Pipeline(ctx, f)
	},
	"matching": func(s *Server, ctx context.Context, f cockpit.Filter, _ *http.Request) (tabler, error) {
		return s.cockpit.Matching(ctx, f)
	},
	"warnings": func(s *Server, ctx context.Context, f cockpit.Filter, _ *http.Request) (tabler, error) {
		return s.cockpit.Warnings(ctx, f)
	},
	"loop": func(s *Server, ctx context.Context, f cockpit.Filter, _ *http.Request) (tabler, error) {
		return s.cockpit.Loop(ctx, f)
	},
}

// cockpitTarget is a target of the credit panel with its notes worded in
// the reader's language.
type cockpitTarget struct {
	finance.TargetProgress
	NoteText string `json:"note_text,omitempty"`
}

// cockpitCreditPanel is the credit panel in the reader's language: each
// target with its notes' text and, when the total is not compared, the
// meta's Chinese quality ending with the Chinese of the total's notes (the
// cockpit appends their English to both languages' quality). Its export
// words every note in that language.
type cockpitCreditPanel struct {
	cockpit.Credit
	Targets   []cockpitTarget `json:"targets,omitempty"`
	totalText string
}

func (s *Server) cockpitCredit(c cockpit.Credit, l string) cockpitCreditPanel {
	p := cockpitCreditPanel{Credit: c, totalText: s.noteText(l, c.Total.Notes)}
	for _, t := range c.Targets {
		p.Targets = append(p.Targets, cockpitTarget{TargetProgress: t, NoteText: s.noteText(l, t.Notes)})
	}
	if c.Total.Note != "" && len(c.Meta) > 0 {
		zh := s.noteText("zh", c.Total.Notes)
		p.Meta = make(map[string]cockpit.Meta, len(c.Meta))
		for code, m := range c.Meta {
			if q, ok := strings.CutSuffix(m.Quality, "；"+c.Total.Note); ok {
				m.Quality = q + "；" + zh
			}
			p.Meta[code] = m
		}
	}
	return p
}

// Table is the credit panel's export, its notes in the reader's language.
func (p cockpitCreditPanel) Table() cockpit.Table {
	c := p.Credit
	c.Total.Note = p.totalText
	c.Targets = make([]finance.TargetProgress, len(p.Targets))
	for i, t := range p.Targets {
		c.Targets[i] = t.TargetProgress
		c.Targets[i].Note = t.NoteText
	}
	return c.Table()
}

// cockpitWorded is a panel of statistics rows (the trend, a breakdown)
// whose export words the rows' notes in the reader's language: it is sent
// as the panel itself and exported by table.
type cockpitWorded struct {
	panel any
	table func() cockpit.Table
}

func (p cockpitWorded) Table() cockpit.Table         { return p.table() }
func (p cockpitWorded) MarshalJSON() ([]byte, error) { return json.Marshal(p.panel) }

// rowNotesIn is a copy of the rows with each Note worded in the language.
func (s *Server) rowNotesIn(l string, rows []finance.Row) []finance.Row {
	out := slices.Clone(rows)
	for i := range out {
		out[i].Note = s.noteText(l, out[i].Notes)
	}
	return out
}

// CockpitPanels are the names of the cockpit's panel endpoints, for the
// benchmark: /api/v1/cockpit/{name}.
var CockpitPanels = []string{"credit", "trend", "breakdown", "map", "carbon", "pipeline", "matching", "warnings", "loop"}

// apiCockpitPanel is GET /api/v1/cockpit/{panel}.
func (s *Server) apiCockpitPanel(w http.ResponseWriter, r *http.Request) {
	p, err := s.cockpitPanel(r, r.PathValue("panel"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) cockpitPanel(r *http.Request, name string) (tabler, error) {
	read, ok := cockpitPanels[name]
	if !ok {
		return nil, cifp.Errorf(cifp.ENOTFOUND, "no cockpit panel %q (one of %v)", name, CockpitPanels)
	}
	f, err := cockpitFilter(r)
	if err != nil {
		return nil, err
	}
	return read(s, r.Context(), f, r)
}

// apiCockpitExport is GET /api/v1/cockpit/{panel}/export: the panel's data
// as .xlsx, with its definition, scope, data date and quality in the
// reader's language.
func (s *Server) apiCockpitExport(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("panel")
	p, err := s.cockpitPanel(r, name)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	buf, err := s.writeTable(p.Table(), lang(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	sendFile(w, "cockpit-"+name+".xlsx", buf.Bytes())
}

// writeTable writes a panel's table into an .xlsx: the rows on the first
// sheet, the meta on 说明, labelled and worded in the language.
func (s *Server) writeTable(t cockpit.Table, l string) (*bytes.Buffer, error) {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "数据"
	x.SetSheetName("Sheet1", sheet)
	x.SetCellValue(sheet, "A1", t.Title)
	x.SetSheetRow(sheet, "A2", &t.Header)
	for i, row := range t.Rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		x.SetSheetRow(sheet, cell, &row)
	}
	x.SetColWidth(sheet, "A", "A", 28)
	if _, err := x.NewSheet("说明"); err != nil {
		return nil, err
	}
	m := t.Meta.In(l)
	for i, kv := range [][2]string{{"definition", m.Definition}, {"scope", m.Scope}, {"as_of", m.AsOf}, {"quality", m.Quality}, {"source", m.Source}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		row := []any{s.msg(l, "cockpit.m."+kv[0]), kv[1]}
		x.SetSheetRow("说明", cell, &row)
	}
	x.SetColWidth("说明", "B", "B", 80)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, err
	}
	return &buf, nil
}

// apiCockpitEnterprise is GET /api/v1/cockpit/enterprise: an enterprise's
// own view.
func (s *Server) apiCockpitEnterprise(w http.ResponseWriter, r *http.Request) {
	v, err := s.cockpit.Enterprise(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
