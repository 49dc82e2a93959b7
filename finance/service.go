package finance

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"cifp"
	"cifp/audit"
	"cifp/carbon"
	"cifp/project"
	"cifp/store"
)

// Service keeps products, needs, claims and the loan book. Every method
// reads the actor from the context: an institution sees and changes its
// own products, claims and loans only; an enterprise its own needs; the
// regulators everything, read-only.
type Service struct {
	db       *store.DB
	carbon   *carbon.Service
	projects *project.Service
	Now      func() time.Time
	cells    *cellCache // the statistics cells read, by month
	loops    *loopCache // the financing loop's sums, by reader, year and county
}

// NewService returns the finance service; it reads carbon grades and
// library projects through their services.
func NewService(db *store.DB, c *carbon.Service, p *project.Service) *Service {
	return &Service{db: db, carbon: c, projects: p, Now: store.Now, cells: &cellCache{}, loops: &loopCache{}}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

const productColumns = `p.id, p.org_id, o.name, p.code, p.version, p.name, p.kind, p.description, p.min_amount, p.max_amount,
	p.min_tenor, p.max_tenor, p.industries, p.counties, p.grades, p.collateral, p.lpr_term, p.spread_bp, p.discount_bp, p.active, p.created_at`

func scanProduct(row interface{ Scan(...any) error }) (Product, error) {
	var p Product
	var ind, cty, grades, coll, disc string
	if err := row.Scan(&p.ID, &p.InstitutionID, &p.Institution, &p.Code, &p.Version, &p.Name, &p.Kind, &p.Description, &p.MinAmount,
		&p.MaxAmount, &p.MinTenor, &p.MaxTenor, &ind, &cty, &grades, &coll, &p.LPRTerm, &p.SpreadBP, &disc, &p.Active, &p.CreatedAt); err != nil {
		return p, err
	}
	for _, x := range []struct {
		s string
		v any
	}{{ind, &p.Industries}, {cty, &p.Counties}, {grades, &p.Grades}, {coll, &p.Collateral}, {disc, &p.DiscountBP}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return p, fmt.Errorf("product %d: %w", p.ID, err)
		}
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

func institution(a cifp.Actor) error {
	if a.Role != cifp.RoleFinance {
		return cifp.Errorf(cifp.EFORBIDDEN, "only a financial institution's user may do this")
	}
	return nil
}

// Publish publishes a product of the actor's institution: a new code is
// version 1; an existing code gets the next version, and the last one is
// withdrawn (loans and matches keep the version they were made under).
func (s *Service) Publish(ctx context.Context, p Product) (Product, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Product{}, err
	}
	if err := institution(a); err != nil {
		return Product{}, err
	}
	if err := cifp.Invalid("the product is not valid", p.Check()...); err != nil {
		return Product{}, err
	}
	for _, c := range p.Counties {
		if !project.IsCounty(c) {
			return Product{}, cifp.Invalid("the product is not valid", cifp.FieldError{Field: "counties", Value: c, Message: "is not a county of Lishui"})
		}
	}
	var out Product
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var last int
		var lastID sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0), MAX(id) FROM products WHERE org_id = ? AND code = ?`, a.OrgID, p.Code).Scan(&last, &lastID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE products SET active = FALSE WHERE org_id = ? AND code = ?`, a.OrgID, p.Code); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO products (org_id, code, version, name, kind, description, min_amount, max_amount, min_tenor, max_tenor,
			industries, counties, grades, collateral, lpr_term, spread_bp, discount_bp, active, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING id`,
			a.OrgID, p.Code, last+1, p.Name, p.Kind, p.Description, p.MinAmount, p.MaxAmount, p.MinTenor, p.MaxTenor,
			jsonText(nonNilS(p.Industries)), jsonText(nonNilS(p.Counties)), jsonText(nonNilI(p.Grades)), jsonText(p.Collateral),
			p.LPRTerm, p.SpreadBP, jsonText(nonNilM(p.DiscountBP)), a.UserID, s.Now()).Scan(&id); err != nil {
			return store.MapError(err)
		}
		if out, err = scanProduct(tx.QueryRow(ctx, `SELECT `+productColumns+` FROM products p JOIN orgs o ON o.id = p.org_id WHERE p.id = ?`, id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "product.publish", Entity: "product", EntityID: id, OrgID: a.OrgID,
			Before: map[string]any{"previous_id": lastID.Int64, "version": last}, After: out})
	})
	return out, err
}

func nonNilS(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func nonNilI(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}

func nonNilM(v map[int]float64) map[int]float64 {
	if v == nil {
		return map[int]float64{}
	}
	return v
}

// Withdraw takes the actor's product off sale (下架).
func (s *Service) Withdraw(ctx context.Context, id int64) error {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return err
	}
	if err := institution(a); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE products SET active = FALSE WHERE id = ? AND org_id = ? AND active`, id, a.OrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cifp.Errorf(cifp.ENOTFOUND, "no product %d of yours on sale", id)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "product.withdraw", Entity: "product", EntityID: id, OrgID: a.OrgID,
			Before: map[string]any{"active": true}, After: map[string]any{"active": false}})
	})
}

// ProductFilter selects products.
type ProductFilter struct {
	InstitutionID int64
	All           bool // withdrawn and superseded versions too (an institution's own only)
}

// Products lists products: the products on sale for everyone logged in
// (the platform shows them to enterprises), and an institution's own past
// versions to it with All.
func (s *Service) Products(ctx context.Context, f ProductFilter) ([]Product, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role == cifp.RoleCitizen {
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read loan products")
	}
	q := `SELECT ` + productColumns + ` FROM products p JOIN orgs o ON o.id = p.org_id WHERE `
	var args []any
	switch {
	case f.All && a.Role == cifp.RoleFinance:
		q += `p.org_id = ?`
		args = append(args, a.OrgID)
	case f.All && a.Role.CityWide():
		q += `1 = 1`
	default:
		q += `p.active`
	}
	if f.InstitutionID > 0 {
		q += ` AND p.org_id = ?`
		args = append(args, f.InstitutionID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY p.org_id, p.code, p.version DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Product returns one product version; anyone logged in may read a product.
func (s *Service) Product(ctx context.Context, id int64) (Product, error) {
	if _, err := cifp.MustActor(ctx); err != nil {
		return Product{}, err
	}
	p, err := scanProduct(s.db.QueryRow(ctx, `SELECT `+productColumns+` FROM products p JOIN orgs o ON o.id = p.org_id WHERE p.id = ?`, id))
	if err == sql.ErrNoRows {
		return Product{}, cifp.Errorf(cifp.ENOTFOUND, "product %d not found", id)
	}
	return p, err
}

// Settings of the financing service.
type Settings struct {
	MaxClaims   int `json:"max_claims"`   // institutions that may claim a need (绿贷通: 3)
	ContactDays int `json:"contact_days"` // working days to first contact (贷款码 "135": 1, 3 or 5)
}

// DefaultSettings are the platform's settings until an admin changes them.
var DefaultSettings = Settings{MaxClaims: 3, ContactDays: 3}

// Settings returns the financing service's settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	out := DefaultSettings
	rows, err := s.db.Query(ctx, `SELECT key, value FROM finance_settings`)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return out, err
		}
		n, _ := strconv.Atoi(v)
		switch k {
		case "max_claims":
			out.MaxClaims = n
		case "contact_days":
			out.ContactDays = n
		}
	}
	return out, rows.Err()
}

// SetSettings changes the settings (admin only); needs posted before keep
// theirs.
func (s *Service) SetSettings(ctx context.Context, st Settings) error {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return err
	}
	if a.Role != cifp.RoleAdmin {
		return cifp.Errorf(cifp.EFORBIDDEN, "only an administrator changes the financing service's settings")
	}
	var errs []cifp.FieldError
	if st.MaxClaims < 1 || st.MaxClaims > 10 {
		errs = append(errs, cifp.FieldError{Field: "max_claims", Value: fmt.Sprint(st.MaxClaims), Message: "must be 1 to 10"})
	}
	if st.ContactDays != 1 && st.ContactDays != 3 && st.ContactDays != 5 {
		errs = append(errs, cifp.FieldError{Field: "contact_days", Value: fmt.Sprint(st.ContactDays), Message: "must be 1, 3 or 5 working days"})
	}
	if err := cifp.Invalid("the settings are not valid", errs...); err != nil {
		return err
	}
	before, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		for k, v := range map[string]int{"max_claims": st.MaxClaims, "contact_days": st.ContactDays} {
			if _, err := tx.Exec(ctx, `DELETE FROM finance_settings WHERE key = ?`, k); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO finance_settings (key, value, updated_at) VALUES (?, ?, ?)`, k, strconv.Itoa(v), s.Now()); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "finance.settings", Entity: "finance_settings", EntityID: "financing", Before: before, After: st})
	})
}
