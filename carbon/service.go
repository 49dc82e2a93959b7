package carbon

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"cifp"
	"cifp/audit"
	"cifp/org"
	"cifp/store"
)

// Service stores activity data and carbon accounts and runs the MRV
// workflow. Reads and writes are scoped by the actor in ctx: admins and
// regulators see every enterprise; an enterprise only itself.
type Service struct {
	db   *store.DB
	orgs *org.Service
	// Factors is the factor set new results are computed with.
	Factors *FactorSet
	// GridKind is the electricity factor kind ("" for the default chain).
	GridKind string
	// Now is the clock, for tests.
	Now func() time.Time

	setsMu sync.Mutex
	sets   map[string]*FactorSet // stored factor sets by id, read once
}

// NewService returns a Service on db with the default factor set.
func NewService(db *store.DB, orgs *org.Service) *Service {
	return &Service{db: db, orgs: orgs, Factors: DefaultFactors(), Now: time.Now}
}

// ent is what the service needs to know of an enterprise.
type ent struct {
	id                             int64
	uscc, name, industry, division string
	gridKind                       string // the enterprise's electricity factor kind, "" for the service's
}

func (e ent) enterprise() Enterprise {
	return Enterprise{USCC: e.uscc, Name: e.name, Industry: e.industry, County: e.division}
}

// directory returns the enterprises the actor may see, by USCC and by id.
func (s *Service) directory(ctx context.Context) (map[string]ent, map[int64]ent, error) {
	byUSCC, byID := map[string]ent{}, map[int64]ent{}
	err := s.orgs.Each(ctx, org.Filter{Kind: org.KindEnterprise}, func(o org.Org) error {
		e := ent{id: o.ID, uscc: o.USCC, name: o.Name, industry: o.Industry, division: o.Division}
		byUSCC[o.USCC], byID[o.ID] = e, e
		return nil
	})
	return byUSCC, byID, err
}

// saveFactorSet stores the factor set once, so that results can name it.
func saveFactorSet(ctx context.Context, tx *store.Tx, fs *FactorSet) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM factor_sets WHERE id = ?`, fs.ID).Scan(&n); err != nil || n > 0 {
		return err
	}
	content, err := json.Marshal(fs)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO factor_sets (id, name, content, created_at) VALUES (?, ?, ?, ?)`,
		fs.ID, fs.Name, string(content), store.Now())
	return err
}

// mayWrite checks that the actor may write activity data: admins for any
// enterprise, enterprise users for their own.
func mayWrite(a cifp.Actor) error {
	if a.Role != cifp.RoleAdmin && a.Role != cifp.RoleEnterprise {
		return cifp.Errorf(cifp.EFORBIDDEN, "only an enterprise (for itself) or an administrator may enter activity data")
	}
	return nil
}

// StoredAccount is an account as stored: the figures, the grade and where
// they came from.
type StoredAccount struct {
	OrgID     int64     `json:"org_id"`
	USCC      string    `json:"uscc,omitempty"`
	Name      string    `json:"name,omitempty"`
	Year      int       `json:"year"`
	Industry  string    `json:"industry"`
	Division  string    `json:"division"`
	Account             // figures; Lines and Factors only for the year
	Benchmark float64   `json:"benchmark_t_per_wan"`
	K         float64   `json:"k"`
	Grade     int       `json:"grade"` // 0: none
	Verified  bool      `json:"verified"`
	FactorSet string    `json:"factor_set"`
	Computed  time.Time `json:"computed_at"`
	// Months are the figures of each month with activity data.
	Months []MonthFigures `json:"months"`
	// YoY is the change from the previous year (annual accounts read one
	// by one); nil when there is no previous year to compare with.
	YoY *Change `json:"yoy,omitempty"`
}

// Result returns the account as the calculator's result, for comparison.
func (a StoredAccount) Result() YearResult {
	return YearResult{Enterprise: Enterprise{USCC: a.USCC, Name: a.Name, Industry: a.Industry, County: a.Division},
		Year: a.Year, Account: a.Account, Benchmark: a.Benchmark, K: a.K, Grade: a.Grade}
}

// MonthFigures are a month's share of an account (月度数据), computed from
// the month's own activity data.
type MonthFigures struct {
	Month     int     `json:"month"`
	Scope1    float64 `json:"scope1_tco2"`
	Scope2    float64 `json:"scope2_tco2"`
	Total     float64 `json:"total_tco2"`
	Emissions float64 `json:"emissions_tco2"`
	EnergyTCE float64 `json:"energy_tce"`
	Quality   Quality `json:"quality"`
}

// detail is the JSON kept with a year's account.
type detail struct {
	Lines   []Line         `json:"lines"`
	Factors []UsedFactor   `json:"factors"`
	Months  []MonthFigures `json:"months"`
}

func nullFloat(ok bool, v float64) any {
	if !ok {
		return nil
	}
	return v
}

// Years returns the years for which the enterprise has an account, newest first.
func (s *Service) Years(ctx context.Context, orgID int64) ([]int, error) {
	if _, err := s.orgs.Get(ctx, orgID); err != nil {
		return nil, err
	}
	return s.years(ctx, `SELECT year FROM accounts WHERE org_id = ? ORDER BY year DESC`, orgID)
}

// years runs a query of one integer column.
func (s *Service) years(ctx context.Context, query string, args ...any) ([]int, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ys []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, err
		}
		ys = append(ys, y)
	}
	return ys, rows.Err()
}

const accountColumns = `a.org_id, o.uscc, o.name, a.year, a.industry, a.division, a.scope1, a.scope2, a.total,
	a.avoided, a.emissions, a.energy_tce, a.value_added, a.output_value, a.intensity, a.intensity_output, a.level,
	a.benchmark, a.k, a.grade, a.quality, a.factor_set, a.detail, a.computed_at,
	EXISTS (SELECT 1 FROM carbon_reports r WHERE r.org_id = a.org_id AND r.year = a.year AND r.status = 'accepted'
		AND r.version = (SELECT MAX(version) FROM carbon_reports r2 WHERE r2.org_id = a.org_id AND r2.year = a.year))`

func scanAccount(row interface{ Scan(...any) error }) (StoredAccount, error) {
	var a StoredAccount
	var intensity, intensityOut, bench, k *float64
	var grade *int
	var det string
	err := row.Scan(&a.OrgID, &a.USCC, &a.Name, &a.Year, &a.Industry, &a.Division, &a.Scope1, &a.Scope2, &a.Total,
		&a.Avoided, &a.Emissions, &a.EnergyTCE, &a.ValueAdded, &a.OutputValue, &intensity, &intensityOut, &a.Level,
		&bench, &k, &grade, &a.Quality, &a.FactorSet, &det, &a.Computed, &a.Verified)
	if err != nil {
		return a, err
	}
	if intensity != nil {
		a.HasIntensity, a.Intensity = true, *intensity
	}
	if intensityOut != nil {
		a.IntensityOutput = *intensityOut
	}
	if bench != nil && k != nil && grade != nil {
		a.Benchmark, a.K, a.Grade = *bench, *k, *grade
	}
	a.Computed = a.Computed.UTC()
	if det != "" {
		var d detail
		if err := json.Unmarshal([]byte(det), &d); err != nil {
			return a, fmt.Errorf("account %d/%d: detail: %w", a.OrgID, a.Year, err)
		}
		a.Lines, a.Factors, a.Months = d.Lines, d.Factors, d.Months
	}
	return a, nil
}

// factorSet returns the factor set with the id: the service's own, or one
// stored with earlier results.
func (s *Service) factorSet(ctx context.Context, id string) (*FactorSet, error) {
	if id == s.Factors.ID {
		return s.Factors, nil
	}
	s.setsMu.Lock()
	defer s.setsMu.Unlock()
	if fs, ok := s.sets[id]; ok {
		return fs, nil
	}
	var content string
	if err := s.db.QueryRow(ctx, `SELECT content FROM factor_sets WHERE id = ?`, id).Scan(&content); err != nil {
		return nil, fmt.Errorf("factor set %s: %w", id, err)
	}
	fs := &FactorSet{}
	if err := json.Unmarshal([]byte(content), fs); err != nil {
		return nil, fmt.Errorf("factor set %s: %w", id, err)
	}
	if s.sets == nil {
		s.sets = map[string]*FactorSet{}
	}
	s.sets[id] = fs
	return fs, nil
}

// describe fills in the sources of the factors an account used.
func (s *Service) describe(ctx context.Context, a *StoredAccount) error {
	if len(a.Factors) == 0 || a.Factors[0].Source != "" {
		return nil
	}
	fs, err := s.factorSet(ctx, a.FactorSet)
	if err != nil {
		return err
	}
	for i := range a.Factors {
		a.Factors[i] = fs.Describe(a.Factors[i])
	}
	return nil
}

// Account returns an enterprise's account for a year, with its months and
// the change from the year before. It returns ENOTFOUND when there is none or
// the actor may not see the enterprise.
func (s *Service) Account(ctx context.Context, orgID int64, year int) (StoredAccount, error) {
	if _, err := s.orgs.Get(ctx, orgID); err != nil {
		return StoredAccount{}, err
	}
	get := func(y int) (StoredAccount, error) {
		return scanAccount(s.db.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a JOIN orgs o ON o.id = a.org_id
			WHERE a.org_id = ? AND a.year = ?`, orgID, y))
	}
	annual, err := get(year)
	if err == sql.ErrNoRows {
		return StoredAccount{}, cifp.Errorf(cifp.ENOTFOUND, "no carbon account for %d", year)
	} else if err != nil {
		return StoredAccount{}, err
	}
	if err := s.describe(ctx, &annual); err != nil {
		return StoredAccount{}, err
	}
	prev, err := get(year - 1)
	if err == nil {
		if c, ok := YearOnYear(annual.Account, prev.Account); ok {
			c.PrevYear = year - 1
			annual.YoY = &c
		}
	} else if err != sql.ErrNoRows {
		return StoredAccount{}, err
	}
	return annual, nil
}

// divisionCond is the condition on a.division of a county, or of a city
// code for all its counties; "" for no division.
func divisionCond(division string) (string, any) {
	if division == "" {
		return "", nil
	}
	if d, ok := org.DivisionByCode(division); ok && d.Level == "city" {
		return ` AND a.division LIKE ?`, division[:4] + "%"
	}
	return ` AND a.division = ?`, division
}

// Filter selects annual accounts for List. Zero values select everything of
// the year.
type Filter struct {
	Year     int
	Division string // county, or a city code for all its counties
	Industry string // code or prefix
	Grade    int    // 1–5
	Level    Level
	Quality  Quality
	Q        string // part of the name, or the start of the USCC
	After    int64  // cursor: org ids greater than this
	Limit    int    // default 50, at most 1000
}

// List returns a page of annual accounts ordered by enterprise id, and the
// next cursor (0 on the last page). Admins and regulators see every
// enterprise; an enterprise only itself; other roles none (EFORBIDDEN).
func (s *Service) List(ctx context.Context, f Filter) ([]StoredAccount, int64, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, 0, err
	}
	q := `SELECT ` + accountColumns + ` FROM accounts a JOIN orgs o ON o.id = a.org_id WHERE a.year = ?`
	args := []any{f.Year}
	switch {
	case a.Role.CityWide():
	case a.Role == cifp.RoleEnterprise:
		q += ` AND a.org_id = ?`
		args = append(args, a.OrgID)
	default:
		return nil, 0, cifp.Errorf(cifp.EFORBIDDEN, "your role may not list carbon accounts")
	}
	if c, v := divisionCond(f.Division); c != "" {
		q += c
		args = append(args, v)
	}
	if f.Industry != "" {
		q += ` AND a.industry LIKE ?`
		args = append(args, f.Industry+"%")
	}
	if f.Grade > 0 {
		q += ` AND a.grade = ?`
		args = append(args, f.Grade)
	}
	if f.Level != "" {
		q += ` AND a.level = ?`
		args = append(args, string(f.Level))
	}
	if f.Quality != "" {
		q += ` AND a.quality = ?`
		args = append(args, string(f.Quality))
	}
	if f.Q != "" {
		q += ` AND (o.name ` + s.db.Dialect.Like() + ` ? OR o.uscc LIKE ?)`
		args = append(args, "%"+f.Q+"%", f.Q+"%")
	}
	if f.After > 0 {
		q += ` AND a.org_id > ?`
		args = append(args, f.After)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	rows, err := s.db.Query(ctx, q+fmt.Sprintf(` ORDER BY a.org_id LIMIT %d`, f.Limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []StoredAccount
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, acc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	for i := range out {
		if err := s.describe(ctx, &out[i]); err != nil {
			return nil, 0, err
		}
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].OrgID
	}
	return out, next, nil
}

// LatestYear returns the latest year with any account the actor may see, or
// the previous calendar year when there is none.
func (s *Service) LatestYear(ctx context.Context) (int, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return 0, err
	}
	q, args := `SELECT COALESCE(MAX(year), 0) FROM accounts WHERE 1 = 1`, []any{}
	if !a.Role.CityWide() {
		q += ` AND org_id = ?`
		args = append(args, a.OrgID)
	}
	var y int
	if err := s.db.QueryRow(ctx, q, args...).Scan(&y); err != nil {
		return 0, err
	}
	if y == 0 {
		y = s.Now().Year() - 1
	}
	return y, nil
}

// GradeByUSCC returns the public grade of an enterprise by its USCC for the
// year (0: its latest). Any logged-in user may read it — it is what the
// enterprise's 碳效码 shows anyone — so banks can check a borrower's grade.
func (s *Service) GradeByUSCC(ctx context.Context, uscc string, year int) (PublicGrade, error) {
	if _, err := cifp.MustActor(ctx); err != nil {
		return PublicGrade{}, err
	}
	var orgID int64
	var y int
	err := s.db.QueryRow(ctx, `SELECT a.org_id, MAX(a.year) FROM accounts a JOIN orgs o ON o.id = a.org_id
		WHERE o.uscc = ? AND (? = 0 OR a.year = ?) GROUP BY a.org_id`, uscc, year, year).Scan(&orgID, &y)
	if err != nil {
		if cifp.ErrorCode(store.MapError(err)) == cifp.ENOTFOUND {
			return PublicGrade{}, cifp.Errorf(cifp.ENOTFOUND, "no carbon account for %s", uscc)
		}
		return PublicGrade{}, err
	}
	return s.Public(ctx, orgID, y)
}

// GridKindOf returns the electricity factor kind the enterprise has chosen,
// "" for the default chain (provincial → regional → national).
func (s *Service) GridKindOf(ctx context.Context, orgID int64) (string, error) {
	if _, err := s.orgs.Get(ctx, orgID); err != nil {
		return "", err
	}
	var k string
	err := s.db.QueryRow(ctx, `SELECT grid_kind FROM carbon_settings WHERE org_id = ?`, orgID).Scan(&k)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return k, err
}

// SetGridKind sets the electricity factor kind of an enterprise's accounts
// ("" for the default chain) and recomputes its years that are not locked.
// An admin may set it for any enterprise, an enterprise user for its own.
func (s *Service) SetGridKind(ctx context.Context, orgID int64, kind string) error {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return err
	}
	if err := mayWrite(a); err != nil {
		return err
	}
	if a.Role == cifp.RoleEnterprise && a.OrgID != orgID {
		return cifp.Errorf(cifp.ENOTFOUND, "enterprise %d not found", orgID)
	}
	if kind != KindDefault && !validKind(kind) {
		return cifp.Invalid("unknown electricity factor kind", cifp.FieldError{Field: "grid_kind", Value: kind,
			Message: "must be empty (the default chain) or one of " + strings.Join(GridKinds, ", ")})
	}
	before, err := s.GridKindOf(ctx, orgID)
	if err != nil {
		return err
	}
	years, err := s.activityYears(ctx, orgID)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		locked, err := lockedYears(ctx, tx, years)
		if err != nil {
			return err
		}
		for _, y := range years {
			if l, ok := locked[orgYear{orgID, y}]; ok {
				return cifp.Errorf(cifp.ECONFLICT, "the %d report (version %d) is %s: open a correction before changing the factor kind", y, l.version, l.status)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM carbon_settings WHERE org_id = ?`, orgID); err != nil {
			return err
		}
		if kind != KindDefault {
			if _, err := tx.Exec(ctx, `INSERT INTO carbon_settings (org_id, grid_kind) VALUES (?, ?)`, orgID, kind); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "carbon.grid_kind", Entity: "org", EntityID: orgID, OrgID: orgID,
			Before: map[string]any{"grid_kind": before}, After: map[string]any{"grid_kind": kind}}); err != nil {
			return err
		}
		touched := map[orgYear]bool{}
		for _, y := range years {
			touched[orgYear{orgID, y}] = true
		}
		return s.recompute(ctx, tx, touched)
	})
}

// activityYears lists the years in which the enterprise has activity data.
// The key of activity leads with the year, so the query steps from year to
// year by the key (a loose index scan) and looks the enterprise up in each,
// rather than scan every enterprise's rows for its org_id.
func (s *Service) activityYears(ctx context.Context, orgID int64) ([]int, error) {
	return s.years(ctx, `WITH RECURSIVE y (year) AS (
			SELECT MIN(year) FROM activity
			UNION ALL SELECT (SELECT MIN(a.year) FROM activity a WHERE a.year > y.year) FROM y WHERE y.year IS NOT NULL)
		SELECT year FROM y WHERE year IS NOT NULL AND EXISTS (SELECT 1 FROM activity a WHERE a.year = y.year AND a.org_id = ?) ORDER BY year`, orgID)
}

// gridKinds returns the enterprises' chosen electricity factor kinds.
func gridKinds(ctx context.Context, q store.Queryer) (map[int64]string, error) {
	rows, err := q.Query(ctx, `SELECT org_id, grid_kind FROM carbon_settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var k string
		if err := rows.Scan(&id, &k); err != nil {
			return nil, err
		}
		out[id] = k
	}
	return out, rows.Err()
}
