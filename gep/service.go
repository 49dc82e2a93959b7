package gep

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/audit"
	"cifp/org"
	"cifp/store"
)

// Service keeps the input sets and the runs of GEP accounting. Who may do
// what:
//
//   - admins and regulators (the 生态环境局, 发改委 and 统计局 users are
//     regulators) enter input sets and run the accounting;
//   - every logged-in role but citizens reads input sets, runs, trends,
//     comparisons and the ecological-asset value: GEP accounts are
//     region-level figures that the city publishes (生态产品价值核算结果
//     公开), with no tenant's rows in them, so a bank or an enterprise may
//     read them as a regulator does. Citizens (碳普惠 participants) have no
//     use for them and get EFORBIDDEN, as with the other city-wide data.
//
// Runs are immutable: a re-run of a region-year is the next version, and the
// database refuses to update or delete a run or its lines.
type Service struct {
	db  *store.DB
	Now func() time.Time
}

// NewService returns the GEP service on the database.
func NewService(db *store.DB) *Service { return &Service{db: db, Now: store.Now} }

// InputSet is a stored input set (核算输入) of a region-year: the inputs of
// Account, the region's GDP (for GEP against GDP), where they came from and
// who entered them. A region-year may have many; the newest is used.
type InputSet struct {
	ID     int64   `json:"id"`
	Region string  `json:"region"`
	Year   int     `json:"year"`
	Name   string  `json:"name"`
	Inputs Inputs  `json:"inputs"`
	GDP    float64 `json:"gdp"` // 元; 0 = not given
	// Source is form, xlsx, api or geotiff.
	Source    string    `json:"source"`
	Note      string    `json:"note,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Input-set sources.
var inputSources = []string{"form", "xlsx", "api", "geotiff"}

// Run is a stored, immutable GEP run: the Result of Account with the
// inputs it ran on, its version among the runs of the region-year, the
// batch (one click) it belongs to and who ran it.
type Run struct {
	ID      int64  `json:"id"`
	Version int    `json:"version"`
	Batch   string `json:"batch"`
	// InputID is the input set the run used; 0 for the demo inputs or a
	// city combined from its counties' inputs (InputSource says which).
	InputID     int64   `json:"input_id,omitempty"`
	InputSource string  `json:"input_source"`
	Inputs      Inputs  `json:"inputs"`
	GDP         float64 `json:"gdp"` // 元, from the input set; 0 = not given
	Result
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// RunSummary is a run without its lines and inputs, for lists.
type RunSummary struct {
	ID           int64     `json:"id"`
	Region       string    `json:"region"`
	Name         string    `json:"name"`
	Year         int       `json:"year"`
	Version      int       `json:"version"`
	Batch        string    `json:"batch"`
	ProfileID    string    `json:"profile_id"`
	InputSource  string    `json:"input_source"`
	AreaKm2      float64   `json:"area_km2"`
	Provisioning float64   `json:"provisioning"`
	Regulating   float64   `json:"regulating"`
	Cultural     float64   `json:"cultural"`
	Deduction    float64   `json:"deduction"`
	GEP          float64   `json:"gep"`
	GDP          float64   `json:"gdp"`
	Within       bool      `json:"within_band"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// Summary returns the run without its lines and inputs.
func (r Run) Summary() RunSummary {
	return RunSummary{ID: r.ID, Region: r.Region, Name: r.Name, Year: r.Year, Version: r.Version, Batch: r.Batch,
		ProfileID: r.ProfileID, InputSource: r.InputSource, AreaKm2: r.AreaKm2, Provisioning: r.Provisioning,
		Regulating: r.Regulating, Cultural: r.Cultural, Deduction: r.Deduction, GEP: r.GEP, GDP: r.GDP,
		Within: r.Magnitude.Within, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
}

// GEPPerGDP returns GEP / GDP, and false when the GDP was not given.
func (r RunSummary) GEPPerGDP() (float64, bool) {
	if r.GDP <= 0 {
		return 0, false
	}
	return r.GEP / r.GDP, true
}

// PerKm2 returns GEP per km² of land, 万元/km², 0 without an area.
func (r RunSummary) PerKm2() float64 {
	if r.AreaKm2 <= 0 {
		return 0
	}
	return r.GEP / Wan / r.AreaKm2
}

func runner(a cifp.Actor) error {
	if a.Role != cifp.RoleAdmin && a.Role != cifp.RoleRegulator {
		return cifp.Errorf(cifp.EFORBIDDEN, "only admins and regulators may enter GEP inputs or run the accounting")
	}
	return nil
}

func reader(ctx context.Context) (cifp.Actor, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if !a.Role.Valid() || a.Role == cifp.RoleCitizen {
		return a, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read GEP accounts")
	}
	return a, nil
}

func actorName(a cifp.Actor) string {
	if a.Username == "" {
		return "system"
	}
	return a.Username
}

// SaveInputs stores a new input set of the region-year its inputs name. It
// fails with EFORBIDDEN unless the actor is an admin or a regulator, and
// with EINVALID naming every bad field when the inputs do not pass Validate,
// the GDP is negative or the source is unknown; nothing is stored then.
func (s *Service) SaveInputs(ctx context.Context, set InputSet) (InputSet, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return InputSet{}, err
	}
	if err := runner(a); err != nil {
		return InputSet{}, err
	}
	var fs []cifp.FieldError
	if err := Validate(set.Inputs); err != nil {
		fs = append(fs, cifp.ErrorFields(err)...)
	}
	if set.GDP < 0 || math.IsNaN(set.GDP) || math.IsInf(set.GDP, 0) {
		fs = append(fs, cifp.FieldError{Field: "gdp", Value: fmt.Sprint(set.GDP), Message: "must be a non-negative number (元)"})
	}
	known := false
	for _, x := range inputSources {
		known = known || x == set.Source
	}
	if !known {
		fs = append(fs, cifp.FieldError{Field: "source", Value: set.Source, Message: "must be one of " + strings.Join(inputSources, ", ")})
	}
	if err := cifp.Invalid(fmt.Sprintf("gep: the input set of %s %d is not valid", set.Inputs.Region, set.Inputs.Year), fs...); err != nil {
		return InputSet{}, err
	}
	in := set.Inputs
	set.Region, set.Year = in.Region, in.Year
	if in.Name == "" {
		if d, ok := org.DivisionByCode(in.Region); ok {
			in.Name = d.Name
		}
	}
	set.Inputs, set.Name = in, in.Name
	set.CreatedBy, set.CreatedAt = actorName(a), s.Now()
	raw, err := json.Marshal(in)
	if err != nil {
		return InputSet{}, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO gep_inputs (region, year, name, inputs, gdp, source, note, created_by, created_by_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, set.Region, set.Year, set.Name, string(raw), set.GDP, set.Source, set.Note,
			a.UserID, set.CreatedBy, set.CreatedAt).Scan(&set.ID); err != nil {
			return store.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "gep.inputs.save", Entity: "gep_inputs", EntityID: set.ID,
			After: map[string]any{"region": set.Region, "year": set.Year, "source": set.Source, "gdp": set.GDP, "area_km2": in.AreaKm2}})
	})
	if err != nil {
		return InputSet{}, err
	}
	return set, nil
}

// Inputs returns the newest input set of a region-year, or ENOTFOUND.
func (s *Service) Inputs(ctx context.Context, region string, year int) (InputSet, error) {
	if _, err := reader(ctx); err != nil {
		return InputSet{}, err
	}
	return s.latestInputs(ctx, s.db, region, year)
}

func (s *Service) latestInputs(ctx context.Context, q store.Queryer, region string, year int) (InputSet, error) {
	var set InputSet
	var raw string
	err := q.QueryRow(ctx, `SELECT id, region, year, name, inputs, gdp, source, note, created_by_name, created_at FROM gep_inputs
		WHERE region = ? AND year = ? ORDER BY id DESC LIMIT 1`, region, year).
		Scan(&set.ID, &set.Region, &set.Year, &set.Name, &raw, &set.GDP, &set.Source, &set.Note, &set.CreatedBy, &set.CreatedAt)
	if err == sql.ErrNoRows {
		return InputSet{}, cifp.Errorf(cifp.ENOTFOUND, "no GEP input set for %s %d", region, year)
	}
	if err != nil {
		return InputSet{}, err
	}
	set.CreatedAt = set.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(raw), &set.Inputs); err != nil {
		return InputSet{}, fmt.Errorf("gep input set %d: %w", set.ID, err)
	}
	return set, nil
}

// StartingInputs returns what a form or a template starts from for a
// region-year: the newest stored input set, else the demo inputs of the
// region (Source "demo"), else an empty set naming the region. It never
// stores anything.
func (s *Service) StartingInputs(ctx context.Context, region string, year int) (InputSet, error) {
	set, err := s.Inputs(ctx, region, year)
	if err == nil || cifp.ErrorCode(err) != cifp.ENOTFOUND {
		return set, err
	}
	for _, in := range DemoInputs(year) {
		if in.Region == region {
			return InputSet{Region: region, Year: year, Name: in.Name, Inputs: in, Source: "demo"}, nil
		}
	}
	in := Inputs{Region: region, Year: year}
	if d, ok := org.DivisionByCode(region); ok {
		in.Name = d.Name
	}
	return InputSet{Region: region, Year: year, Name: in.Name, Inputs: in, Source: "empty"}, nil
}

// Regions returns the regions one click accounts for a region: a city's
// county-level divisions and then the city itself, or the region alone.
func Regions(region string) []string {
	var out []string
	for _, d := range org.Counties(region) {
		out = append(out, d.Code)
	}
	return append(out, region)
}

// RunRequest asks for one click of accounting.
type RunRequest struct {
	// Region is a city (its counties and itself are run) or one region.
	Region string `json:"region"`
	Year   int    `json:"year"`
	// Profile is a profile version or ID; "" is DemoProfile.
	Profile string `json:"profile,omitempty"`
	// Progress, when set, is called after each region is computed and after
	// each is stored: done of total steps, and what was done.
	Progress func(done, total int, step string) `json:"-"`
}

// Batch is the outcome of one click: the runs it stored, city last.
type Batch struct {
	ID        string       `json:"id"`
	ProfileID string       `json:"profile_id"`
	Runs      []RunSummary `json:"runs"`
	// Demo is true when some region ran on the built-in demo inputs (no
	// input set stored): the figures are illustrative, not measured.
	Demo bool `json:"demo"`
}

// planned is one region's computed run, before it is stored.
type planned struct {
	set    InputSet // ID 0 unless stored
	source string
	res    Result
}

// RunAll computes the GEP of a region — for a city, each of its counties
// and the city — for a year in one click, and stores each result as a new
// run version, all in one transaction. Each region's inputs are its newest
// input set; else the built-in demo inputs when the region has them (the
// batch says Demo); a city without an input set of its own is combined
// from its counties' inputs (Combine). It fails with EFORBIDDEN unless the
// actor is an admin or a regulator, ENOTFOUND for an unknown profile, and
// EINVALID naming the region and field of every bad or missing input or
// missing profile value (fields are prefixed "REGION/"): then no run is
// stored.
func (s *Service) RunAll(ctx context.Context, req RunRequest) (Batch, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Batch{}, err
	}
	if err := runner(a); err != nil {
		return Batch{}, err
	}
	if req.Profile == "" {
		req.Profile = DemoProfile
	}
	p, err := LookupProfile(req.Profile)
	if err != nil {
		return Batch{}, err
	}
	if req.Year < 1949 || req.Year > 2100 {
		return Batch{}, cifp.Invalid("gep: bad year", cifp.FieldError{Field: "year", Value: fmt.Sprint(req.Year), Message: "must be an accounting year between 1949 and 2100"})
	}
	regions := Regions(req.Region)
	total := 2 * len(regions)
	done := 0
	step := func(what string) {
		done++
		if req.Progress != nil {
			req.Progress(done, total, what)
		}
	}
	demo := map[string]Inputs{}
	for _, in := range DemoInputs(req.Year) {
		demo[in.Region] = in
	}
	var plans []planned
	var fs []cifp.FieldError
	b := Batch{ProfileID: p.ID}
	var parts []Inputs // the counties' inputs, for a city without its own
	for i, region := range regions {
		city := i == len(regions)-1 && len(regions) > 1
		pl := planned{}
		set, err := s.latestInputs(ctx, s.db, region, req.Year)
		switch {
		case err == nil:
			pl.set = set
			pl.source = fmt.Sprintf("input set %d (%s, %s)", set.ID, set.Source, set.CreatedBy)
		case cifp.ErrorCode(err) != cifp.ENOTFOUND:
			return Batch{}, err
		case city && len(parts) == len(regions)-1:
			in, err := Combine(region, regionName(region), parts)
			if err != nil {
				fs = append(fs, cifp.FieldError{Field: region, Message: "no input set, and its counties' inputs cannot be combined: " + err.Error()})
				continue
			}
			var gdp float64
			for _, q := range plans {
				gdp += q.set.GDP
			}
			pl.set = InputSet{Region: region, Year: req.Year, Name: in.Name, Inputs: in, GDP: gdp}
			pl.source = fmt.Sprintf("combined from its %d counties' inputs", len(parts))
			if b.Demo {
				pl.source += " (" + demoDataSources + ")"
			}
		default:
			in, ok := demo[region]
			if !ok {
				fs = append(fs, cifp.FieldError{Field: region, Value: fmt.Sprint(req.Year),
					Message: "has no input set for the year: enter one on the page, import the .xlsx template or POST /api/v1/gep/inputs"})
				continue
			}
			b.Demo = true
			pl.set = InputSet{Region: region, Year: req.Year, Name: in.Name, Inputs: in}
			pl.source = "demo: " + demoDataSources
		}
		res, err := Account(pl.set.Inputs, p)
		if err != nil {
			if cifp.ErrorCode(err) != cifp.EINVALID {
				return Batch{}, err
			}
			for _, f := range cifp.ErrorFields(err) {
				f.Field = region + "/" + f.Field
				fs = append(fs, f)
			}
			if len(cifp.ErrorFields(err)) == 0 {
				fs = append(fs, cifp.FieldError{Field: region, Message: cifp.ErrorMessage(err)})
			}
			continue
		}
		pl.res = res
		if !city {
			parts = append(parts, pl.set.Inputs)
		}
		plans = append(plans, pl)
		step("computed " + region)
	}
	if err := cifp.Invalid(fmt.Sprintf("gep: %s %d cannot be accounted: %s; no run was stored", req.Region, req.Year, cifp.Problems(len(fs))), fs...); err != nil {
		return Batch{}, err
	}
	b.ID = newBatchID()
	now := s.Now()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, pl := range plans {
			r := Run{InputID: pl.set.ID, InputSource: pl.source, Inputs: pl.set.Inputs, GDP: pl.set.GDP, Result: pl.res,
				Batch: b.ID, CreatedBy: actorName(a), CreatedAt: now}
			if err := s.insertRun(ctx, tx, a, &r); err != nil {
				return err
			}
			b.Runs = append(b.Runs, r.Summary())
			step("stored " + r.Region)
		}
		return nil
	})
	if err != nil {
		return Batch{}, err
	}
	return b, nil
}

func regionName(code string) string {
	if d, ok := org.DivisionByCode(code); ok {
		return d.Name
	}
	return code
}

func newBatchID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// insertRun stores r as the next version of its region-year, with its
// lines, and records it in the audit log.
func (s *Service) insertRun(ctx context.Context, tx *store.Tx, a cifp.Actor, r *Run) error {
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM gep_runs WHERE region = ? AND year = ?`, r.Region, r.Year).Scan(&r.Version); err != nil {
		return err
	}
	text := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	var inputID any
	if r.InputID != 0 {
		inputID = r.InputID
	}
	warnings := r.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	if err := tx.QueryRow(ctx, `INSERT INTO gep_runs (region, year, version, name, batch, profile_id, input_id, input_source, inputs,
		area_km2, provisioning, regulating, cultural, deduction, gep, gdp, amounts, by_indicator, by_ecosystem, magnitude, within_band,
		warnings, created_by, created_by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Region, r.Year, r.Version, r.Name, r.Batch, r.ProfileID, inputID, r.InputSource, text(r.Inputs),
		r.AreaKm2, r.Provisioning, r.Regulating, r.Cultural, r.Deduction, r.GEP, r.GDP, text(r.Amounts), text(r.ByIndicator),
		text(r.ByEcosystem), text(r.Magnitude), r.Magnitude.Within, text(warnings), a.UserID, r.CreatedBy, r.CreatedAt).Scan(&r.ID); err != nil {
		return store.MapError(err)
	}
	st, err := tx.Prepare(ctx, `INSERT INTO gep_lines (run_id, seq, indicator, category, component, ecosystem, quantity, unit, price_code,
		price, price_unit, price_base, price_year, index_factor, price_source, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, l := range r.Lines {
		if _, err := st.ExecContext(ctx, r.ID, i+1, string(l.Indicator), string(l.Category), l.Component, string(l.Ecosystem), l.Quantity,
			l.Unit, l.PriceCode, l.Price, l.PriceUnit, l.PriceBase, l.PriceYear, l.IndexFactor, l.PriceSource, l.Value); err != nil {
			return fmt.Errorf("gep run %s %d line %d: %w", r.Region, r.Year, i+1, err)
		}
	}
	return audit.Record(ctx, tx, audit.Change{Action: "gep.run", Entity: "gep_run", EntityID: r.ID,
		After: map[string]any{"region": r.Region, "year": r.Year, "version": r.Version, "batch": r.Batch, "profile_id": r.ProfileID,
			"input_source": r.InputSource, "gep": r.GEP, "lines": len(r.Lines), "within_band": r.Magnitude.Within}})
}

const summaryColumns = `id, region, name, year, version, batch, profile_id, input_source, area_km2, provisioning, regulating,
	cultural, deduction, gep, gdp, within_band, created_by_name, created_at`

func scanSummary(row interface{ Scan(...any) error }) (RunSummary, error) {
	var r RunSummary
	err := row.Scan(&r.ID, &r.Region, &r.Name, &r.Year, &r.Version, &r.Batch, &r.ProfileID, &r.InputSource, &r.AreaKm2,
		&r.Provisioning, &r.Regulating, &r.Cultural, &r.Deduction, &r.GEP, &r.GDP, &r.Within, &r.CreatedBy, &r.CreatedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

func (s *Service) summaries(ctx context.Context, where string, args ...any) ([]RunSummary, error) {
	rows, err := s.db.Query(ctx, `SELECT `+summaryColumns+` FROM gep_runs r WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		r, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// latestOnly selects the newest version of each region-year.
const latestOnly = `r.version = (SELECT MAX(x.version) FROM gep_runs x WHERE x.region = r.region AND x.year = r.year)`

// Run returns a stored run with its lines and inputs, or ENOTFOUND.
func (s *Service) Run(ctx context.Context, id int64) (Run, error) {
	if _, err := reader(ctx); err != nil {
		return Run{}, err
	}
	var r Run
	var inputID sql.NullInt64
	var inputs, amounts, byInd, byEco, mag, warnings string
	err := s.db.QueryRow(ctx, `SELECT id, region, name, year, version, batch, profile_id, input_id, input_source, inputs, area_km2,
		provisioning, regulating, cultural, deduction, gep, gdp, amounts, by_indicator, by_ecosystem, magnitude, warnings,
		created_by_name, created_at FROM gep_runs WHERE id = ?`, id).
		Scan(&r.ID, &r.Region, &r.Name, &r.Year, &r.Version, &r.Batch, &r.ProfileID, &inputID, &r.InputSource, &inputs, &r.AreaKm2,
			&r.Provisioning, &r.Regulating, &r.Cultural, &r.Deduction, &r.GEP, &r.GDP, &amounts, &byInd, &byEco, &mag, &warnings,
			&r.CreatedBy, &r.CreatedAt)
	if err == sql.ErrNoRows {
		return Run{}, cifp.Errorf(cifp.ENOTFOUND, "GEP run %d not found", id)
	}
	if err != nil {
		return Run{}, err
	}
	r.InputID, r.CreatedAt = inputID.Int64, r.CreatedAt.UTC()
	for _, x := range []struct {
		s string
		v any
	}{{inputs, &r.Inputs}, {amounts, &r.Amounts}, {byInd, &r.ByIndicator}, {byEco, &r.ByEcosystem}, {mag, &r.Magnitude}, {warnings, &r.Warnings}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return Run{}, fmt.Errorf("gep run %d: %w", id, err)
		}
	}
	rows, err := s.db.Query(ctx, `SELECT indicator, category, component, ecosystem, quantity, unit, price_code, price, price_unit,
		price_base, price_year, index_factor, price_source, value FROM gep_lines WHERE run_id = ? ORDER BY seq`, id)
	if err != nil {
		return Run{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var l Line
		if err := rows.Scan(&l.Indicator, &l.Category, &l.Component, &l.Ecosystem, &l.Quantity, &l.Unit, &l.PriceCode, &l.Price,
			&l.PriceUnit, &l.PriceBase, &l.PriceYear, &l.IndexFactor, &l.PriceSource, &l.Value); err != nil {
			return Run{}, err
		}
		r.Lines = append(r.Lines, l)
	}
	return r, rows.Err()
}

// Latest returns the newest run of a region-year, or ENOTFOUND.
func (s *Service) Latest(ctx context.Context, region string, year int) (Run, error) {
	if _, err := reader(ctx); err != nil {
		return Run{}, err
	}
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM gep_runs WHERE region = ? AND year = ? ORDER BY version DESC LIMIT 1`, region, year).Scan(&id)
	if err == sql.ErrNoRows {
		return Run{}, cifp.Errorf(cifp.ENOTFOUND, "no GEP run for %s %d: run the accounting first", region, year)
	}
	if err != nil {
		return Run{}, err
	}
	return s.Run(ctx, id)
}

// Runs returns every version of the runs of a region, newest first; year 0
// is every year.
func (s *Service) Runs(ctx context.Context, region string, year int) ([]RunSummary, error) {
	if _, err := reader(ctx); err != nil {
		return nil, err
	}
	if year == 0 {
		return s.summaries(ctx, `r.region = ? ORDER BY r.year DESC, r.version DESC`, region)
	}
	return s.summaries(ctx, `r.region = ? AND r.year = ? ORDER BY r.version DESC`, region, year)
}

// Overview returns the newest run of a year of the region and of each of
// its counties (Regions order, the region last), those that have one.
func (s *Service) Overview(ctx context.Context, region string, year int) ([]RunSummary, error) {
	if _, err := reader(ctx); err != nil {
		return nil, err
	}
	regions := Regions(region)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(regions)), ", ")
	args := []any{year}
	for _, x := range regions {
		args = append(args, x)
	}
	list, err := s.summaries(ctx, `r.year = ? AND r.region IN (`+marks+`) AND `+latestOnly, args...)
	if err != nil {
		return nil, err
	}
	var out []RunSummary
	for _, x := range regions {
		for _, r := range list {
			if r.Region == x {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// Trend returns the newest run of each year of a region, oldest year first.
func (s *Service) Trend(ctx context.Context, region string) ([]RunSummary, error) {
	if _, err := reader(ctx); err != nil {
		return nil, err
	}
	return s.summaries(ctx, `r.region = ? AND `+latestOnly+` ORDER BY r.year`, region)
}

// BatchRuns returns the runs of one click, in the order they were stored.
func (s *Service) BatchRuns(ctx context.Context, batch string) ([]RunSummary, error) {
	if _, err := reader(ctx); err != nil {
		return nil, err
	}
	return s.summaries(ctx, `r.batch = ? ORDER BY r.id`, batch)
}

// Years returns the years that have runs of the region, newest first.
func (s *Service) Years(ctx context.Context, region string) ([]int, error) {
	ts, err := s.Trend(ctx, region)
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(ts))
	for i := len(ts) - 1; i >= 0; i-- {
		out = append(out, ts[i].Year)
	}
	return out, nil
}

// Compare compares two stored runs line by line (see CompareResults). Any
// two runs may be compared: versions of one region-year, two years, or two
// regions.
func (s *Service) Compare(ctx context.Context, a, b int64) (Comparison, error) {
	ra, err := s.Run(ctx, a)
	if err != nil {
		return Comparison{}, err
	}
	rb, err := s.Run(ctx, b)
	if err != nil {
		return Comparison{}, err
	}
	c := CompareResults(ra.Result, rb.Result)
	c.A, c.B = ra.Summary(), rb.Summary()
	return c, nil
}

// Change is the change of a region's GEP since the year before (GEP 增量,
// the basis of Lishui's GEP-increment awards): the newest run of each year
// compared line by line.
type Change struct {
	Comparison
	// Percent is the change of GEP in per cent of the year before's; 0
	// when that was 0.
	Percent float64 `json:"percent"`
}

// ChangeSinceLastYear compares the newest run of region-year with the
// newest of the year before. It fails with ENOTFOUND when either is missing.
func (s *Service) ChangeSinceLastYear(ctx context.Context, region string, year int) (Change, error) {
	prev, err := s.Latest(ctx, region, year-1)
	if err != nil {
		return Change{}, err
	}
	cur, err := s.Latest(ctx, region, year)
	if err != nil {
		return Change{}, err
	}
	c := Change{Comparison: CompareResults(prev.Result, cur.Result)}
	c.A, c.B = prev.Summary(), cur.Summary()
	if prev.GEP != 0 {
		c.Percent = c.Delta / prev.GEP * 100
	}
	return c, nil
}

// ApplyGrids computes soil retention and water conservation pixel by pixel
// from gridded layers (ZoneTotals; the runoff coefficients from the
// profile, "" for DemoProfile) and stores, for each zone of the zone layer
// (a GB/T 2260 region code), a new input set of the year (source geotiff):
// the region's starting inputs (StartingInputs) with the zones' quantities
// as modelled quantities in place of the formulas. It fails with EINVALID
// naming each layer in another projection or on another grid, each zone
// with no inputs to start from, and each zone whose new set does not
// validate; then nothing is stored.
func (s *Service) ApplyGrids(ctx context.Context, year int, layers GridLayers, profile string) ([]InputSet, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := runner(a); err != nil {
		return nil, err
	}
	if profile == "" {
		profile = DemoProfile
	}
	p, err := LookupProfile(profile)
	if err != nil {
		return nil, err
	}
	in, err := layers.Inputs()
	if err != nil {
		return nil, err
	}
	gp, err := GridParamsOf(p)
	if err != nil {
		return nil, err
	}
	zones, err := ZoneTotals(in, gp)
	if err != nil {
		return nil, cifp.Errorf(cifp.EINVALID, "%v", err)
	}
	var fs []cifp.FieldError
	var sets []InputSet
	for _, z := range zones {
		region := strconv.Itoa(int(z.Zone))
		set, err := s.StartingInputs(ctx, region, year)
		if err != nil {
			return nil, err
		}
		if set.Source == "empty" {
			fs = append(fs, cifp.FieldError{Field: "zone", Value: region, Message: "has no input set for the year to add the grid's quantities to: enter one first"})
			continue
		}
		var kept []Quantity
		for _, q := range set.Inputs.Modelled {
			if q.Indicator != SoilRetention && q.Indicator != WaterConservation {
				kept = append(kept, q)
			}
		}
		set.Inputs.Modelled = append(kept, z.Quantities(fmt.Sprintf("GeoTIFF %d×%d px EPSG:%d, ZoneTotals", in.Grid.Width, in.Grid.Height, in.Grid.EPSG))...)
		if err := Validate(set.Inputs); err != nil {
			for _, f := range cifp.ErrorFields(err) {
				f.Field = region + "/" + f.Field
				fs = append(fs, f)
			}
			continue
		}
		set.Source, set.Note = "geotiff", fmt.Sprintf("%d pixels, %d skipped", sumPixels(z), z.Skipped)
		sets = append(sets, set)
	}
	if err := cifp.Invalid("gep: the grids cannot be applied; nothing was stored", fs...); err != nil {
		return nil, err
	}
	now := s.Now()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range sets {
			set := &sets[i]
			raw, _ := json.Marshal(set.Inputs)
			set.CreatedBy, set.CreatedAt = actorName(a), now
			if err := tx.QueryRow(ctx, `INSERT INTO gep_inputs (region, year, name, inputs, gdp, source, note, created_by, created_by_name, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, set.Region, set.Year, set.Name, string(raw), set.GDP, set.Source, set.Note,
				a.UserID, set.CreatedBy, set.CreatedAt).Scan(&set.ID); err != nil {
				return store.MapError(err)
			}
			if err := audit.Record(ctx, tx, audit.Change{Action: "gep.inputs.save", Entity: "gep_inputs", EntityID: set.ID,
				After: map[string]any{"region": set.Region, "year": set.Year, "source": set.Source, "note": set.Note}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sets, nil
}

func sumPixels(z ZoneTotal) int64 {
	var n int64
	for _, p := range z.Pixels {
		n += p
	}
	return n
}
