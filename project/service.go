package project

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"cifp"
	"cifp/audit"
	"cifp/carbon"
	"cifp/store"
)

// Service keeps the project library. Every method reads the actor from the
// context and shows or changes only what the actor may: an enterprise its
// own projects, a financial institution the library and the projects it
// reviews, a verifier the projects it reviews, regulators and admins all.
type Service struct {
	db       *store.DB
	Taxonomy *Taxonomy
	Factors  *carbon.FactorSet
	Params   *Params
	Value    *ValueParams
	now      func() time.Time
}

// NewService returns the library on the default taxonomy, factors and
// parameters.
func NewService(db *store.DB) *Service {
	return &Service{db: db, Taxonomy: DefaultTaxonomy(), Factors: carbon.DefaultFactors(), Params: DefaultParams(), Value: DefaultValueParams(), now: store.Now}
}

const projectColumns = `p.id, p.code, p.org_id, o.name, o.uscc, p.status, p.name, p.county, p.location, p.lat, p.lng, p.sector, p.category,
	p.climate_type, p.description, p.investment, p.financing_need, p.start_date, p.end_date, p.lifetime, p.technical, p.co_benefits,
	p.co_benefit_value, p.revenue, p.opex, p.contact, p.list, p.cat2021, p.cat2025, p.annual_tco2, p.cost_per_tonne, p.npv, p.irr,
	p.value_total, p.score, p.progress_percent, p.invested, p.financed, p.progress_at, p.two_high, p.recommended, p.screening, p.taxonomy, p.created_at, p.updated_at, p.submitted_at, p.admitted_at, p.version`

// projectFrom joins each project's owner. Every project has one (org_id is
// a NOT NULL foreign key), so the LEFT JOIN is an inner join; written so,
// both databases drop it from a query that reads nothing of the owner (the
// pipeline's and the map's sums), instead of reading every organisation.
const projectFrom = ` FROM projects p LEFT JOIN orgs o ON o.id = p.org_id`

func scanProject(row interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var lat, lng, cost, npv, irr, value, score, pct, invested, financed sql.NullFloat64
	var progressAt sql.NullTime
	var technical, screening string
	var sub, adm sql.NullTime
	err := row.Scan(&p.ID, &p.Code, &p.OrgID, &p.OrgName, &p.OrgUSCC, &p.Status, &p.Name, &p.County, &p.Location, &lat, &lng,
		&p.Sector, &p.Category, &p.ClimateType, &p.Description, &p.Investment, &p.FinancingNeed, &p.StartDate, &p.EndDate,
		&p.Lifetime, &technical, &p.CoBenefits, &p.CoBenefitValue, &p.Revenue, &p.Opex, &p.Contact, &p.List, &p.Cat2021,
		&p.Cat2025, &p.AnnualTCO2, &cost, &npv, &irr, &value, &score, &pct, &invested, &financed, &progressAt, &p.TwoHigh, &p.Recommended, &screening, &p.Taxonomy,
		&p.CreatedAt, &p.UpdatedAt, &sub, &adm, &p.Version)
	if err != nil {
		return p, err
	}
	p.Lat, p.Lng, p.CostPerTonne, p.NPV, p.IRR, p.ValueTotal, p.Score = ptr(lat), ptr(lng), ptr(cost), ptr(npv), ptr(irr), ptr(value), ptr(score)
	if err := json.Unmarshal([]byte(technical), &p.Technical); err != nil {
		return p, fmt.Errorf("project %d: technical: %w", p.ID, err)
	}
	if screening != "" {
		p.Screening = &Screening{}
		if err := json.Unmarshal([]byte(screening), p.Screening); err != nil {
			return p, fmt.Errorf("project %d: screening: %w", p.ID, err)
		}
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if sub.Valid {
		t := sub.Time.UTC()
		p.SubmittedAt = &t
	}
	if progressAt.Valid {
		t := progressAt.Time.UTC()
		p.ProgressAt = &t
		p.Progress = &Progress{Percent: pct.Float64, Invested: invested.Float64, Financed: financed.Float64}
	}
	if adm.Valid {
		t := adm.Time.UTC()
		p.AdmittedAt = &t
	}
	return p, nil
}

func ptr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	return &n.Float64
}

func null(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// visible returns the SQL condition (on p) and its arguments for the
// projects the actor may see.
func visible(a cifp.Actor) (string, []any, error) {
	reviews := `p.id IN (SELECT project_id FROM project_reviews WHERE reviewer_id = ?)`
	switch a.Role {
	case cifp.RoleAdmin, cifp.RoleRegulator:
		return `1 = 1`, nil, nil
	case cifp.RoleEnterprise:
		return `p.org_id = ?`, []any{a.OrgID}, nil
	case cifp.RoleFinance:
		return `(p.status IN ('admitted', 'financing', 'construction', 'completed') OR ` + reviews + `)`, []any{a.UserID}, nil
	case cifp.RoleVerifier:
		return reviews, []any{a.UserID}, nil
	}
	return "", nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read climate projects")
}

// Get returns a project the actor may see, or ENOTFOUND.
func (s *Service) Get(ctx context.Context, id int64) (Project, error) {
	return s.get(ctx, s.db, id)
}

func (s *Service) get(ctx context.Context, q store.Queryer, id int64) (Project, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Project{}, err
	}
	cond, args, err := visible(a)
	if err != nil {
		return Project{}, err
	}
	p, err := scanProject(q.QueryRow(ctx, `SELECT `+projectColumns+projectFrom+` WHERE p.id = ? AND `+cond, append([]any{id}, args...)...))
	if err == sql.ErrNoRows {
		return Project{}, cifp.Errorf(cifp.ENOTFOUND, "project %d not found", id)
	}
	return p, err
}

// Filter selects projects. Zero values select everything the actor may see.
type Filter struct {
	Query        string   // in the name, code, owner or location
	County       string   // GB/T 2260 county code
	Sector       string   //
	Category     string   //
	ClimateType  string   //
	List         string   // one of the three lists
	Statuses     []string // any of
	Library      bool     // only projects in the library (admitted and after)
	Recommended  bool     // only those recommended to the national library
	OrgID        int64    //
	IDs          []int64  // only these projects (at most 10 000)
	MinInvest    float64  // 万元
	MaxInvest    float64  // 万元; 0 = no bound
	MinReduction float64  // tCO2 per year
	Sort         string   // "", "investment", "reduction", "value", "npv", "irr", "cost", "score", "updated"
	Limit        int      // default 50, at most 1000
	Offset       int
}

var sorts = map[string]string{
	"":           `p.updated_at DESC, p.id DESC`,
	"updated":    `p.updated_at DESC, p.id DESC`,
	"investment": `p.investment DESC, p.id`,
	"reduction":  `p.annual_tco2 DESC, p.id`,
	"value":      `p.value_total IS NULL, p.value_total DESC, p.id`,
	"npv":        `p.npv IS NULL, p.npv DESC, p.id`,
	"irr":        `p.irr IS NULL, p.irr DESC, p.id`,
	"cost":       `p.cost_per_tonne IS NULL, p.cost_per_tonne, p.id`,
	"score":      `p.score IS NULL, p.score DESC, p.id`,
}

func (s *Service) where(a cifp.Actor, f Filter) (string, []any, error) {
	cond, args, err := visible(a)
	if err != nil {
		return "", nil, err
	}
	q := ` WHERE ` + cond
	add := func(c string, v ...any) { q += ` AND ` + c; args = append(args, v...) }
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(t) + "%"
		op := s.db.Dialect.Like()
		add(`(p.name `+op+` ? ESCAPE '\' OR p.code `+op+` ? ESCAPE '\' OR o.name `+op+` ? ESCAPE '\' OR p.location `+op+` ? ESCAPE '\')`, like, like, like, like)
	}
	for col, v := range map[string]string{"p.county": f.County, "p.sector": f.Sector, "p.category": f.Category, "p.climate_type": f.ClimateType, "p.list": f.List} {
		if v != "" {
			add(col+` = ?`, v)
		}
	}
	if len(f.Statuses) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")
		var vs []any
		for _, st := range f.Statuses {
			vs = append(vs, st)
		}
		add(`p.status IN (`+marks+`)`, vs...)
	}
	if f.Library {
		add(`p.status IN ('admitted', 'financing', 'construction', 'completed')`)
	}
	if f.Recommended {
		add(`p.recommended`)
	}
	if f.OrgID > 0 {
		add(`p.org_id = ?`, f.OrgID)
	}
	if len(f.IDs) > 0 {
		if len(f.IDs) > 10_000 {
			return "", nil, cifp.Errorf(cifp.EINVALID, "at most 10 000 project ids at once")
		}
		ids := make([]any, len(f.IDs))
		for i, id := range f.IDs {
			ids[i] = id
		}
		add(`p.id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, ids...)
	}
	if f.MinInvest > 0 {
		add(`p.investment >= ?`, f.MinInvest)
	}
	if f.MaxInvest > 0 {
		add(`p.investment <= ?`, f.MaxInvest)
	}
	if f.MinReduction > 0 {
		add(`p.annual_tco2 >= ?`, f.MinReduction)
	}
	return q, args, nil
}

// List returns a page of the projects matching the filter and how many match.
func (s *Service) List(ctx context.Context, f Filter) ([]Project, int, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, 0, err
	}
	order, ok := sorts[f.Sort]
	if !ok {
		return nil, 0, cifp.Invalid("unknown sort", cifp.FieldError{Field: "sort", Value: f.Sort, Message: "is not one of investment, reduction, value, npv, irr, cost, score, updated"})
	}
	where, args, err := s.where(a, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*)`+projectFrom+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	rows, err := s.db.Query(ctx, `SELECT `+projectColumns+projectFrom+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// Each calls fn for every project matching the filter, in code order,
// without a page limit (for exports).
func (s *Service) Each(ctx context.Context, f Filter, fn func(Project) error) error {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return err
	}
	where, args, err := s.where(a, f)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT `+projectColumns+projectFrom+where+` ORDER BY p.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountyStat sums the projects of a county.
type CountyStat struct {
	County     string  `json:"county"`
	Projects   int     `json:"projects"`
	Investment float64 `json:"investment"`
	Financing  float64 `json:"financing_need"`
	AnnualTCO2 float64 `json:"annual_tco2"`
}

// Counties sums the projects matching the filter by county: the county view.
func (s *Service) Counties(ctx context.Context, f Filter) ([]CountyStat, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	where, args, err := s.where(a, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT p.county, COUNT(*), COALESCE(SUM(p.investment), 0), COALESCE(SUM(p.financing_need), 0), COALESCE(SUM(p.annual_tco2), 0)`+
		projectFrom+where+` GROUP BY p.county ORDER BY p.county`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CountyStat
	for rows.Next() {
		var c CountyStat
		if err := rows.Scan(&c.County, &c.Projects, &c.Investment, &c.Financing, &c.AnnualTCO2); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Create saves a new draft (草稿) for the actor's enterprise. The fields may
// be incomplete, never invalid.
func (s *Service) Create(ctx context.Context, f Fields) (Project, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Project{}, err
	}
	if a.Role != cifp.RoleEnterprise {
		return Project{}, cifp.Errorf(cifp.EFORBIDDEN, "only an enterprise declares climate projects (the library team imports them in bulk)")
	}
	if err := cifp.Invalid("the project cannot be saved", f.Check(s.Taxonomy, false)...); err != nil {
		return Project{}, err
	}
	var out Project
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		id, err := s.insert(ctx, tx, a, a.OrgID, StatusDraft, f)
		if err != nil {
			return err
		}
		if out, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		if err := s.event(ctx, tx, a, out.ID, "create", "", StatusDraft, "", nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "project.create", Entity: "project", EntityID: out.ID, OrgID: out.OrgID, After: out.Fields})
	})
	return out, err
}

func (s *Service) insert(ctx context.Context, tx *store.Tx, a cifp.Actor, orgID int64, status string, f Fields) (int64, error) {
	technical, err := json.Marshal(nonNil(f.Technical))
	if err != nil {
		return 0, err
	}
	now := s.now()
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO projects (code, org_id, status, name, county, location, lat, lng, sector, category, climate_type,
		description, investment, financing_need, start_date, end_date, lifetime, technical, co_benefits, co_benefit_value, revenue, opex,
		contact, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		fmt.Sprintf("new-%d-%d", a.UserID, now.UnixNano()), orgID, status, f.Name, f.County, f.Location, null(f.Lat), null(f.Lng),
		f.Sector, f.Category, f.ClimateType, f.Description, f.Investment, f.FinancingNeed, f.StartDate, f.EndDate, f.Lifetime,
		string(technical), f.CoBenefits, f.CoBenefitValue, f.Revenue, f.Opex, f.Contact, a.UserID, now, now).Scan(&id)
	if err != nil {
		return 0, store.MapError(err)
	}
	// The code is the library's reference number: LS, the year, the id.
	_, err = tx.Exec(ctx, `UPDATE projects SET code = ? WHERE id = ?`, fmt.Sprintf("LS%d-%05d", now.Year(), id), id)
	return id, err
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// Update changes a draft or returned project's fields; version must be the
// one the owner read (optimistic locking).
func (s *Service) Update(ctx context.Context, id int64, version int, f Fields) (Project, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Project{}, err
	}
	if err := cifp.Invalid("the project cannot be saved", f.Check(s.Taxonomy, false)...); err != nil {
		return Project{}, err
	}
	var out Project
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.Role != cifp.RoleEnterprise || a.OrgID != before.OrgID {
			return cifp.Errorf(cifp.EFORBIDDEN, "only the owner edits a project")
		}
		if before.Status != StatusDraft && before.Status != StatusReturned {
			return cifp.Errorf(cifp.ECONFLICT, "a project that is %s cannot be edited (only drafts and returned projects)", before.Status)
		}
		if version != before.Version {
			return cifp.Errorf(cifp.ECONFLICT, "project %s was changed by someone else (version %d, you have %d): reload it", before.Code, before.Version, version)
		}
		technical, err := json.Marshal(nonNil(f.Technical))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projects SET name = ?, county = ?, location = ?, lat = ?, lng = ?, sector = ?, category = ?,
			climate_type = ?, description = ?, investment = ?, financing_need = ?, start_date = ?, end_date = ?, lifetime = ?, technical = ?,
			co_benefits = ?, co_benefit_value = ?, revenue = ?, opex = ?, contact = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			f.Name, f.County, f.Location, null(f.Lat), null(f.Lng), f.Sector, f.Category, f.ClimateType, f.Description, f.Investment,
			f.FinancingNeed, f.StartDate, f.EndDate, f.Lifetime, string(technical), f.CoBenefits, f.CoBenefitValue, f.Revenue, f.Opex,
			f.Contact, s.now(), id); err != nil {
			return store.MapError(err)
		}
		if out, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "project.update", Entity: "project", EntityID: id, OrgID: out.OrgID, Before: before.Fields, After: out.Fields})
	})
	return out, err
}

// Decision carries what an action needs besides the project.
type Decision struct {
	Comment        string             `json:"comment"`
	Reviewers      []int64            `json:"reviewers,omitempty"`      // assign: user ids
	Scores         map[string]float64 `json:"scores,omitempty"`         // review
	Recommendation string             `json:"recommendation,omitempty"` // review: admit, return or reject
	Progress       *Progress          `json:"progress,omitempty"`       // update
}

// Progress is a periodic update of a project in the library (定期更新).
type Progress struct {
	Percent  float64 `json:"percent"`  // construction progress, 0-100
	Invested float64 `json:"invested"` // invested to date, 万元
	Financed float64 `json:"financed"` // financing obtained to date, 万元
}

// Act takes a workflow action on a project. Illegal moves are refused with
// ECONFLICT, actions the actor may not take with EFORBIDDEN; every step is
// recorded with its comment in the project's history and the audit log,
// and the owner and reviewers are notified.
func (s *Service) Act(ctx context.Context, id int64, action string, d Decision) (Project, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Project{}, err
	}
	d.Comment = strings.TrimSpace(d.Comment)
	if utf8.RuneCountInString(d.Comment) > 2000 {
		return Project{}, cifp.Invalid("comment too long", cifp.FieldError{Field: "comment", Message: "is longer than 2000 characters"})
	}
	var out Project
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		var reviewer bool
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) > 0 FROM project_reviews WHERE project_id = ? AND reviewer_id = ?`, id, a.UserID).Scan(&reviewer); err != nil {
			return err
		}
		t, err := Allowed(action, p.Status)
		if err != nil {
			return err
		}
		if !mayAct(t, party(a, p, reviewer)) {
			return cifp.Errorf(cifp.EFORBIDDEN, "you may not %s project %s", action, p.Code)
		}
		step := &step{s: s, tx: tx, a: a, p: p, d: d}
		to, err := step.run(ctx, action)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projects SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?`, to, s.now(), id); err != nil {
			return err
		}
		if err := s.event(ctx, tx, a, id, action, p.Status, to, d.Comment, step.detail); err != nil {
			return err
		}
		if out, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		// Who reviews is the library team's record, not the owner's: the
		// assignment and the reviews are logged without the owner's tenant.
		tenant := p.OrgID
		if action == ActAssign || action == ActReview {
			tenant = 0
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "project." + action, Entity: "project", EntityID: id, OrgID: tenant,
			Before: map[string]any{"status": p.Status}, After: map[string]any{"status": to, "comment": d.Comment, "detail": step.detail}}); err != nil {
			return err
		}
		return step.notify(ctx, to)
	})
	return out, err
}

func (s *Service) event(ctx context.Context, tx *store.Tx, a cifp.Actor, id int64, action, from, to, comment string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	if detail == nil {
		b = []byte("{}")
	}
	actor := a.Username
	if a.IsSystem() {
		actor = "system"
	}
	_, err = tx.Exec(ctx, `INSERT INTO project_events (project_id, at, actor_user_id, actor, action, from_status, to_status, comment, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, s.now(), nullID(a.UserID), actor, action, from, to, comment, string(b))
	return err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// Event is a step of a project's history.
type Event struct {
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	From    string          `json:"from"`
	To      string          `json:"to"`
	Comment string          `json:"comment"`
	Detail  json.RawMessage `json:"detail"`
}

// Events returns a project's history, oldest first. An enterprise reads it
// without the experts' names: who reviewed, and whom the team assigned.
func (s *Service) Events(ctx context.Context, id int64) ([]Event, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT at, actor, action, from_status, to_status, comment, detail FROM project_events WHERE project_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var detail string
		if err := rows.Scan(&e.At, &e.Actor, &e.Action, &e.From, &e.To, &e.Comment, &detail); err != nil {
			return nil, err
		}
		e.At, e.Detail = e.At.UTC(), json.RawMessage(detail)
		if a.Role == cifp.RoleEnterprise {
			switch e.Action {
			case ActReview:
				e.Actor = "专家"
			case ActAssign:
				var d map[string]any
				if json.Unmarshal(e.Detail, &d) == nil {
					if names, ok := d["reviewers"].([]any); ok {
						delete(d, "reviewers")
						d["reviewer_count"] = len(names)
						e.Detail, _ = json.Marshal(d)
					}
				}
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
