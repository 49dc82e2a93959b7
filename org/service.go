package org

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"cifp"
	"cifp/audit"
	"cifp/store"
)

// Service reads and writes organisations. Every method takes the actor from
// ctx and scopes rows by it in SQL: admins and regulators see the whole city,
// every other actor only its own organisation; another organisation's row is
// reported as not found, never returned.
type Service struct {
	db *store.DB
}

// NewService returns a Service on db.
func NewService(db *store.DB) *Service { return &Service{db: db} }

const orgColumns = `id, kind, name, uscc, industry, division, address, legal_rep, contact, phone,
	created_at, updated_at, version`

func scanOrg(row interface{ Scan(...any) error }) (Org, error) {
	var o Org
	err := row.Scan(&o.ID, &o.Kind, &o.Name, &o.USCC, &o.Industry, &o.Division, &o.Address, &o.LegalRep,
		&o.Contact, &o.Phone, &o.CreatedAt, &o.UpdatedAt, &o.Version)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

// scope returns the SQL condition that limits orgs rows to what the actor may see.
func scope(a cifp.Actor) (string, []any) {
	if a.Role.CityWide() {
		return "1 = 1", nil
	}
	return "id = ?", []any{a.OrgID}
}

// Get returns the organisation with the id. It returns ENOTFOUND when there is
// none or when the actor may not see it.
func (s *Service) Get(ctx context.Context, id int64) (Org, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Org{}, err
	}
	return getOrg(ctx, s.db, a, id)
}

func getOrg(ctx context.Context, q store.Queryer, a cifp.Actor, id int64) (Org, error) {
	cond, args := scope(a)
	o, err := scanOrg(q.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	if err == sql.ErrNoRows {
		return Org{}, cifp.Errorf(cifp.ENOTFOUND, "organisation %d not found", id)
	}
	return o, err
}

// Filter selects organisations for List. Zero values select everything.
type Filter struct {
	Q        string // part of the name, or the start of the USCC
	Kind     Kind
	Division string // a county code, or a city code for all its counties
	Industry string // a code; matches it and every code below it
	After    int64  // cursor: ids greater than this
	Limit    int    // default 50, at most 1000
}

// List returns one page of organisations ordered by id, and the cursor of the
// next page (0 when this is the last).
func (s *Service) List(ctx context.Context, f Filter) ([]Org, int64, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	where, args := s.where(a, f)
	if f.After > 0 {
		where += " AND id > ?"
		args = append(args, f.After)
	}
	rows, err := s.db.Query(ctx, fmt.Sprintf(`SELECT %s FROM orgs WHERE %s ORDER BY id LIMIT %d`,
		orgColumns, where, f.Limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// Count returns how many organisations match the filter (ignoring After and Limit).
func (s *Service) Count(ctx context.Context, f Filter) (int, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return 0, err
	}
	where, args := s.where(a, f)
	var n int
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE `+where, args...).Scan(&n)
	return n, err
}

func (s *Service) where(a cifp.Actor, f Filter) (string, []any) {
	where, args := scope(a)
	if q := strings.TrimSpace(f.Q); q != "" {
		where += " AND (name " + s.db.Dialect.Like() + " ? OR uscc LIKE ?)"
		args = append(args, "%"+escapeLike(q)+"%", strings.ToUpper(escapeLike(q))+"%")
	}
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, string(f.Kind))
	}
	if f.Division != "" {
		if d, ok := DivisionByCode(f.Division); ok && d.Level == "city" {
			where += " AND division LIKE ?"
			args = append(args, strings.TrimRight(f.Division, "0")+"%")
		} else {
			where += " AND division = ?"
			args = append(args, f.Division)
		}
	}
	if f.Industry != "" {
		where += " AND industry LIKE ?"
		args = append(args, escapeLike(strings.ToUpper(f.Industry))+"%")
	}
	return where, args
}

// escapeLike drops the LIKE wildcards from user text so it matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// Stat is one group of a breakdown: a key (division or kind) and a count;
// or, in a Directory, an organisation's id and name.
type Stat struct {
	Key   string `json:"key"`
	Name  string `json:"name,omitempty"`
	Count int    `json:"count,omitempty"`
}

// CountBy returns the number of visible organisations of the kind (all kinds
// when empty) grouped by "division" or "kind".
func (s *Service) CountBy(ctx context.Context, by string, kind Kind) ([]Stat, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if by != "division" && by != "kind" {
		return nil, cifp.Errorf(cifp.EINVALID, "cannot group by %q", by)
	}
	where, args := scope(a)
	if kind != "" {
		where += " AND kind = ?"
		args = append(args, string(kind))
	}
	rows, err := s.db.Query(ctx, `SELECT `+by+`, COUNT(*) FROM orgs WHERE `+where+` GROUP BY `+by+` ORDER BY `+by, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Stat
	for rows.Next() {
		var st Stat
		if err := rows.Scan(&st.Key, &st.Count); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Create validates and stores a new organisation and records it in the audit
// log. Only admins may create organisations (EFORBIDDEN otherwise); a USCC
// that is already registered is ECONFLICT.
func (s *Service) Create(ctx context.Context, o Org) (Org, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Org{}, err
	}
	if a.Role != cifp.RoleAdmin {
		return Org{}, cifp.Errorf(cifp.EFORBIDDEN, "only an administrator may register organisations")
	}
	o.Normalize()
	if err := o.Validate(); err != nil {
		return Org{}, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		o, err = insert(ctx, tx, o)
		return err
	})
	return o, err
}

// insert stores a validated organisation and records it.
func insert(ctx context.Context, tx *store.Tx, o Org) (Org, error) {
	now := store.Now()
	o.CreatedAt, o.UpdatedAt, o.Version = now, now, 1
	err := tx.QueryRow(ctx, `INSERT INTO orgs (kind, name, uscc, industry, division, address, legal_rep,
		contact, phone, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
		o.Kind, o.Name, o.USCC, o.Industry, o.Division, o.Address, o.LegalRep, o.Contact, o.Phone, now, now).Scan(&o.ID)
	if err != nil {
		if err := store.MapError(err); cifp.ErrorCode(err) == cifp.ECONFLICT {
			return o, &cifp.Error{Code: cifp.ECONFLICT, Message: "an organisation with this USCC is already registered",
				Fields: []cifp.FieldError{{Field: "uscc", Value: o.USCC, Message: "is already registered"}}}
		}
		return o, store.MapError(err)
	}
	return o, audit.Record(ctx, tx, audit.Change{Action: "org.create", Entity: "org", EntityID: o.ID, OrgID: o.ID, After: o})
}

// Patch is a partial update: nil fields stay as they are.
type Patch struct {
	Kind     *Kind   `json:"kind"`
	Name     *string `json:"name"`
	USCC     *string `json:"uscc"`
	Industry *string `json:"industry"`
	Division *string `json:"division"`
	Address  *string `json:"address"`
	LegalRep *string `json:"legal_rep"`
	Contact  *string `json:"contact"`
	Phone    *string `json:"phone"`
	// Version, when not zero, must equal the stored version (optimistic
	// locking): a form saved over someone else's newer edit is ECONFLICT.
	Version int `json:"version"`
}

// identity reports whether the patch changes what identifies the organisation.
func (p Patch) identity() bool { return p.Kind != nil || p.Name != nil || p.USCC != nil }

// MayEdit reports whether the actor may edit the organisation o at all:
// admins any; a member of o who is not a regulator or citizen only their own.
// (Kind, name and USCC remain the admin's, see Update.)
func MayEdit(a cifp.Actor, o Org) bool {
	if a.Role == cifp.RoleAdmin {
		return true
	}
	return a.OrgID == o.ID && !a.Role.CityWide() && a.Role != cifp.RoleCitizen
}

// Update applies the patch, validates the result and records the change with
// its before and after. Admins may change any field of any organisation; a
// member of the organisation (not a regulator) may change its industry,
// division, address and contacts but not its kind, name or USCC.
func (s *Service) Update(ctx context.Context, id int64, p Patch) (Org, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Org{}, err
	}
	var out Org
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := getOrg(ctx, tx, a, id)
		if err != nil {
			return err
		}
		switch {
		case !MayEdit(a, before):
			return cifp.Errorf(cifp.EFORBIDDEN, "your role may not edit organisations")
		case p.identity() && a.Role != cifp.RoleAdmin:
			return cifp.Errorf(cifp.EFORBIDDEN, "only an administrator may change an organisation's kind, name or USCC")
		}
		if p.Version != 0 && p.Version != before.Version {
			return cifp.Errorf(cifp.ECONFLICT, "the organisation was changed by someone else (version %d, yours %d): reload and try again", before.Version, p.Version)
		}
		o := before
		p.apply(&o)
		o.Normalize()
		if err := o.Validate(); err != nil {
			return err
		}
		out, err = update(ctx, tx, before, o)
		return err
	})
	return out, err
}

func (p Patch) apply(o *Org) {
	if p.Kind != nil {
		o.Kind = *p.Kind
	}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&o.Name, p.Name}, {&o.USCC, p.USCC}, {&o.Industry, p.Industry}, {&o.Division, p.Division},
		{&o.Address, p.Address}, {&o.LegalRep, p.LegalRep}, {&o.Contact, p.Contact}, {&o.Phone, p.Phone}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
}

// update writes o over before (same id) and records the change.
func update(ctx context.Context, tx *store.Tx, before, o Org) (Org, error) {
	o.UpdatedAt = store.Now()
	o.Version = before.Version + 1
	_, err := tx.Exec(ctx, `UPDATE orgs SET kind = ?, name = ?, uscc = ?, industry = ?, division = ?, address = ?,
		legal_rep = ?, contact = ?, phone = ?, updated_at = ?, version = ? WHERE id = ?`,
		o.Kind, o.Name, o.USCC, o.Industry, o.Division, o.Address, o.LegalRep, o.Contact, o.Phone,
		o.UpdatedAt, o.Version, o.ID)
	if err != nil {
		return o, store.MapError(err)
	}
	return o, audit.Record(ctx, tx, audit.Change{Action: "org.update", Entity: "org", EntityID: o.ID, OrgID: o.ID,
		Before: before, After: o})
}

// Each calls fn for every organisation the actor may see and the filter
// selects, in id order, a page at a time; it stops at fn's first error.
func (s *Service) Each(ctx context.Context, f Filter, fn func(Org) error) error {
	f.Limit, f.After = 1000, 0
	for {
		page, next, err := s.List(ctx, f)
		if err != nil {
			return err
		}
		for _, o := range page {
			if err := fn(o); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		f.After = next
	}
}

// Directory lists the organisations of a kind by id and name only — the
// public directory of, say, accredited verifiers (核查机构) that any logged-in
// user may choose from. It does not scope by tenant and returns nothing else.
func (s *Service) Directory(ctx context.Context, kind Kind) ([]Stat, error) {
	if _, err := cifp.MustActor(ctx); err != nil {
		return nil, err
	}
	if kind != KindVerifier && kind != KindBank && kind != KindInsurer {
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "the %s directory is not public", kind)
	}
	rows, err := s.db.Query(ctx, `SELECT id, name FROM orgs WHERE kind = ? ORDER BY name`, string(kind))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Stat
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out = append(out, Stat{Key: fmt.Sprint(id), Name: name})
	}
	return out, rows.Err()
}
