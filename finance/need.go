package finance

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cifp"
	"cifp/audit"
	"cifp/project"
	"cifp/store"
)

// Need statuses (需求状态).
const (
	NeedOpen      = "open"      // institutions may claim it
	NeedChosen    = "chosen"    // the enterprise picked one claimant
	NeedApproved  = "approved"  // the chosen institution approved credit
	NeedDisbursed = "disbursed" // the loan is made
	NeedWithdrawn = "withdrawn" // the enterprise withdrew it
)

// Claim statuses (抢单状态).
const (
	ClaimClaimed   = "claimed"   // waiting for the enterprise's choice
	ClaimChosen    = "chosen"    // the enterprise's choice
	ClaimPassed    = "passed"    // another institution was chosen
	ClaimApproved  = "approved"  // credit approved
	ClaimRefused   = "refused"   // credit refused, with the reason
	ClaimDisbursed = "disbursed" // the loan is made
	ClaimWithdrawn = "withdrawn" // the need was withdrawn
)

// Need is a financing need (融资需求) with the claims the viewer may see.
type Need struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	OrgName     string    `json:"org_name"`
	OrgUSCC     string    `json:"org_uscc"`
	County      string    `json:"county"`
	Industry    string    `json:"industry"`
	ProjectID   int64     `json:"project_id,omitempty"`
	Amount      float64   `json:"amount"` // 万元
	Tenor       int       `json:"tenor"`  // months
	Purpose     string    `json:"purpose"`
	Collateral  []string  `json:"collateral"`
	Status      string    `json:"status"`
	MaxClaims   int       `json:"max_claims"`
	ContactDays int       `json:"contact_days"`
	ClaimCount  int       `json:"claim_count"` // live claims: a refused or withdrawn one frees its place
	Claims      []Claim   `json:"claims"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int       `json:"version"`
}

// Claim is an institution's claim on a need and its service record.
type Claim struct {
	ID             int64      `json:"id"`
	NeedID         int64      `json:"need_id"`
	InstitutionID  int64      `json:"institution_id"`
	Institution    string     `json:"institution"`
	ProductID      int64      `json:"product_id,omitempty"`
	Status         string     `json:"status"`
	ClaimedAt      time.Time  `json:"claimed_at"`
	DueAt          time.Time  `json:"due_at"` // first contact due (working days)
	ContactedAt    *time.Time `json:"contacted_at,omitempty"`
	ContactNote    string     `json:"contact_note,omitempty"`
	ApprovedAmount *float64   `json:"approved_amount,omitempty"`
	ApprovedRate   *float64   `json:"approved_rate,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	LoanID         string     `json:"loan_id,omitempty"`
	Overdue        bool       `json:"overdue"` // not contacted, and the due time has passed
	Late           bool       `json:"late"`    // contacted after the due time
}

// NeedInput is what an enterprise posts.
type NeedInput struct {
	ProjectID  int64    `json:"project_id,omitempty"` // a library project of the enterprise's, if the need finances it
	Amount     float64  `json:"amount"`
	Tenor      int      `json:"tenor"`
	Purpose    string   `json:"purpose"`
	Collateral []string `json:"collateral"`
}

func (in *NeedInput) check() []cifp.FieldError {
	var errs []cifp.FieldError
	in.Purpose = strings.TrimSpace(in.Purpose)
	if in.Amount <= 0 || in.Amount > 1e7 || math.IsNaN(in.Amount) {
		errs = append(errs, cifp.FieldError{Field: "amount", Value: fmt.Sprint(in.Amount), Message: "must be above zero (万元)"})
	}
	if in.Tenor < 1 || in.Tenor > 360 {
		errs = append(errs, cifp.FieldError{Field: "tenor", Value: fmt.Sprint(in.Tenor), Message: "must be 1 to 360 months"})
	}
	if n := utf8.RuneCountInString(in.Purpose); n < 2 || n > 500 {
		errs = append(errs, cifp.FieldError{Field: "purpose", Value: in.Purpose, Message: "is required, at most 500 characters"})
	}
	for _, c := range in.Collateral {
		if _, ok := CollateralKind(c); !ok {
			errs = append(errs, cifp.FieldError{Field: "collateral", Value: c, Message: "is not a collateral kind"})
		}
	}
	return errs
}

const needColumns = `n.id, n.org_id, o.name, o.uscc, o.division, o.industry, COALESCE(n.project_id, 0), n.amount, n.tenor, n.purpose,
	n.collateral, n.status, n.max_claims, n.contact_days,
	(SELECT COUNT(*) FROM need_claims c WHERE c.need_id = n.id AND c.status NOT IN ('withdrawn', 'refused')), n.created_at, n.updated_at, n.version`

const needFrom = ` FROM needs n JOIN orgs o ON o.id = n.org_id`

func scanNeed(row interface{ Scan(...any) error }) (Need, error) {
	var n Need
	var coll string
	if err := row.Scan(&n.ID, &n.OrgID, &n.OrgName, &n.OrgUSCC, &n.County, &n.Industry, &n.ProjectID, &n.Amount, &n.Tenor, &n.Purpose,
		&coll, &n.Status, &n.MaxClaims, &n.ContactDays, &n.ClaimCount, &n.CreatedAt, &n.UpdatedAt, &n.Version); err != nil {
		return n, err
	}
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	return n, json.Unmarshal([]byte(coll), &n.Collateral)
}

// needVisible is the SQL condition (on n) for the needs the actor may see:
// an enterprise its own; an institution the open needs still claimable and
// those it has claimed; regulators and admins all.
func needVisible(a cifp.Actor) (string, []any, error) {
	switch a.Role {
	case cifp.RoleAdmin, cifp.RoleRegulator:
		return `1 = 1`, nil, nil
	case cifp.RoleEnterprise:
		return `n.org_id = ?`, []any{a.OrgID}, nil
	case cifp.RoleFinance:
		return `(n.id IN (SELECT need_id FROM need_claims WHERE org_id = ?) OR (n.status = 'open' AND
			(SELECT COUNT(*) FROM need_claims c WHERE c.need_id = n.id AND c.status NOT IN ('withdrawn', 'refused')) < n.max_claims))`, []any{a.OrgID}, nil
	}
	return "", nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read financing needs")
}

// PostNeed posts a financing need of the actor's enterprise, under the
// service settings in force (claimants, days to first contact).
func (s *Service) PostNeed(ctx context.Context, in NeedInput) (Need, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Need{}, err
	}
	if a.Role != cifp.RoleEnterprise {
		return Need{}, cifp.Errorf(cifp.EFORBIDDEN, "only an enterprise posts a financing need")
	}
	errs := in.check()
	if in.ProjectID != 0 {
		p, err := s.projects.Get(ctx, in.ProjectID)
		switch {
		case err != nil:
			errs = append(errs, cifp.FieldError{Field: "project_id", Value: fmt.Sprint(in.ProjectID), Message: "is not a project of yours"})
		case !project.InLibrary(p.Status):
			errs = append(errs, cifp.FieldError{Field: "project_id", Value: p.Code, Message: "is not in the project library (admitted) yet"})
		}
	}
	if err := cifp.Invalid("the financing need is not valid", errs...); err != nil {
		return Need{}, err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return Need{}, err
	}
	var out Need
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO needs (org_id, project_id, amount, tenor, purpose, collateral, status, max_claims, contact_days,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?) RETURNING id`,
			a.OrgID, nullID(in.ProjectID), in.Amount, in.Tenor, in.Purpose, jsonText(nonNilS(in.Collateral)), st.MaxClaims, st.ContactDays,
			a.UserID, now, now).Scan(&id); err != nil {
			return store.MapError(err)
		}
		var err error
		if out, err = s.need(ctx, tx, a, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "need.post", Entity: "need", EntityID: id, OrgID: a.OrgID, After: in})
	})
	return out, err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// Need returns a need the actor may see, with the claims it may see: all
// for the enterprise and the regulators, its own for an institution.
func (s *Service) Need(ctx context.Context, id int64) (Need, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Need{}, err
	}
	return s.need(ctx, s.db, a, id)
}

func (s *Service) need(ctx context.Context, q store.Queryer, a cifp.Actor, id int64) (Need, error) {
	cond, args, err := needVisible(a)
	if err != nil {
		return Need{}, err
	}
	n, err := scanNeed(q.QueryRow(ctx, `SELECT `+needColumns+needFrom+` WHERE n.id = ? AND `+cond, append([]any{id}, args...)...))
	if err == sql.ErrNoRows {
		return Need{}, cifp.Errorf(cifp.ENOTFOUND, "financing need %d not found", id)
	}
	if err != nil {
		return Need{}, err
	}
	cq, cargs := `SELECT `+claimColumns+claimFrom+` WHERE c.need_id = ?`, []any{id}
	if a.Role == cifp.RoleFinance {
		cq += ` AND c.org_id = ?`
		cargs = append(cargs, a.OrgID)
	}
	n.Claims, err = s.claims(ctx, q, cq+` ORDER BY c.id`, cargs...)
	return n, err
}

const claimColumns = `c.id, c.need_id, c.org_id, o.name, COALESCE(c.product_id, 0), c.status, c.claimed_at, c.due_at, c.contacted_at,
	c.contact_note, c.approved_amount, c.approved_rate, c.decided_at, c.reason, c.loan_id`

const claimFrom = ` FROM need_claims c JOIN orgs o ON o.id = c.org_id`

func (s *Service) claims(ctx context.Context, q store.Queryer, query string, args ...any) ([]Claim, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.Now()
	out := []Claim{}
	for rows.Next() {
		var c Claim
		var contacted, decided sql.NullTime
		var amount, rate sql.NullFloat64
		if err := rows.Scan(&c.ID, &c.NeedID, &c.InstitutionID, &c.Institution, &c.ProductID, &c.Status, &c.ClaimedAt, &c.DueAt, &contacted,
			&c.ContactNote, &amount, &rate, &decided, &c.Reason, &c.LoanID); err != nil {
			return nil, err
		}
		c.ClaimedAt, c.DueAt = c.ClaimedAt.UTC(), c.DueAt.UTC()
		if contacted.Valid {
			t := contacted.Time.UTC()
			c.ContactedAt = &t
		}
		if decided.Valid {
			t := decided.Time.UTC()
			c.DecidedAt = &t
		}
		if amount.Valid {
			c.ApprovedAmount = &amount.Float64
		}
		if rate.Valid {
			c.ApprovedRate = &rate.Float64
		}
		c.Late = c.ContactedAt != nil && c.ContactedAt.After(c.DueAt)
		c.Overdue = c.ContactedAt == nil && now.After(c.DueAt) && (c.Status == ClaimClaimed || c.Status == ClaimChosen)
		out = append(out, c)
	}
	return out, rows.Err()
}

// NeedFilter selects needs.
type NeedFilter struct {
	Status string
	OrgID  int64
	Mine   bool // an institution: only the needs it has claimed
}

// Needs lists the needs the actor may see, newest first, with their claims.
func (s *Service) Needs(ctx context.Context, f NeedFilter) ([]Need, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	cond, args, err := needVisible(a)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + needColumns + needFrom + ` WHERE ` + cond
	if f.Status != "" {
		q += ` AND n.status = ?`
		args = append(args, f.Status)
	}
	if f.OrgID > 0 {
		q += ` AND n.org_id = ?`
		args = append(args, f.OrgID)
	}
	if f.Mine && a.Role == cifp.RoleFinance {
		q += ` AND n.id IN (SELECT need_id FROM need_claims WHERE org_id = ?)`
		args = append(args, a.OrgID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY n.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	out := []Need{}
	at := map[int64]int{}
	var ids []any
	for rows.Next() {
		n, err := scanNeed(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		n.Claims = []Claim{}
		at[n.ID] = len(out)
		ids = append(ids, n.ID)
		out = append(out, n)
	}
	err = rows.Err()
	rows.Close()
	if err != nil || len(ids) == 0 {
		return out, err
	}
	// The claims of all the needs in one query, as need() reads them for one.
	cq := `SELECT ` + claimColumns + claimFrom + ` WHERE c.need_id IN (` + marks(len(ids)) + `)`
	if a.Role == cifp.RoleFinance {
		cq += ` AND c.org_id = ?`
		ids = append(ids, a.OrgID)
	}
	cs, err := s.claims(ctx, s.db, cq+` ORDER BY c.id`, ids...)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		n := &out[at[c.NeedID]]
		n.Claims = append(n.Claims, c)
	}
	return out, nil
}

// Borrower returns what matching knows of the need's enterprise: county,
// industry and latest carbon grade.
func (s *Service) Borrower(ctx context.Context, n Need) Borrower {
	b := Borrower{OrgID: n.OrgID, County: n.County, Industry: n.Industry}
	if g, err := s.carbon.GradeByUSCC(ctx, n.OrgUSCC, 0); err == nil {
		b.Grade, b.Level, b.GradeYear = g.Grade, string(g.Level), g.Year
	}
	return b
}

// Matches ranks the products on sale for a need (as read by Need), best
// first, each with its rules and indicative rate for the borrower (as read
// by Borrower); an institution sees its own products only.
func (s *Service) Matches(ctx context.Context, n Need, b Borrower) ([]Match, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	f := ProductFilter{}
	if a.Role == cifp.RoleFinance {
		f.InstitutionID = a.OrgID
	}
	ps, err := s.Products(ctx, f)
	if err != nil {
		return nil, err
	}
	return MatchAll(ps, n.Ask(), b, s.Now()), nil
}

// Ask is the part of the need that matching reads.
func (n Need) Ask() Ask { return Ask{Amount: n.Amount, Tenor: n.Tenor, Collateral: n.Collateral} }

// claimStep loads a claim for an action of its institution, in tx.
func (s *Service) claimStep(ctx context.Context, tx *store.Tx, a cifp.Actor, claimID int64, from ...string) (Claim, Need, error) {
	if err := institution(a); err != nil {
		return Claim{}, Need{}, err
	}
	cs, err := s.claims(ctx, tx, `SELECT `+claimColumns+claimFrom+` WHERE c.id = ? AND c.org_id = ?`, claimID, a.OrgID)
	if err != nil {
		return Claim{}, Need{}, err
	}
	if len(cs) == 0 {
		return Claim{}, Need{}, cifp.Errorf(cifp.ENOTFOUND, "claim %d not found", claimID)
	}
	c := cs[0]
	if !slices.Contains(from, c.Status) {
		return Claim{}, Need{}, cifp.Errorf(cifp.ECONFLICT, "claim %d is %s: the action needs it %s", claimID, c.Status, strings.Join(from, " or "))
	}
	n, err := s.need(ctx, tx, a, c.NeedID)
	return c, n, err
}

// Claim takes an open need for the actor's institution (抢单), optionally
// with the product it offers; at most the need's max_claims institutions
// may claim it. First contact is due within the need's working days.
func (s *Service) Claim(ctx context.Context, needID, productID int64) (Claim, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Claim{}, err
	}
	if err := institution(a); err != nil {
		return Claim{}, err
	}
	var out Claim
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		// Lock the need's row first: claims on one need are serialised.
		if _, err := tx.Exec(ctx, `UPDATE needs SET version = version WHERE id = ?`, needID); err != nil {
			return err
		}
		n, err := s.need(ctx, tx, a, needID)
		if err != nil {
			return err
		}
		if len(n.Claims) > 0 {
			return cifp.Errorf(cifp.ECONFLICT, "your institution has already claimed need %d", needID)
		}
		if n.Status != NeedOpen {
			return cifp.Errorf(cifp.ECONFLICT, "need %d is %s, no longer open to claims", needID, n.Status)
		}
		if n.ClaimCount >= n.MaxClaims {
			return cifp.Errorf(cifp.ECONFLICT, "need %d already has its %d claimants", needID, n.MaxClaims)
		}
		if productID != 0 {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) > 0 FROM products WHERE id = ? AND org_id = ? AND active`, productID, a.OrgID).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return cifp.Invalid("unknown product", cifp.FieldError{Field: "product_id", Value: fmt.Sprint(productID), Message: "is not a product of yours on sale"})
			}
		}
		now := s.Now()
		due := AddWorkingDays(now, n.ContactDays)
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO need_claims (need_id, org_id, user_id, product_id, status, claimed_at, due_at)
			VALUES (?, ?, ?, ?, 'claimed', ?, ?) RETURNING id`, needID, a.OrgID, a.UserID, nullID(productID), now, due).Scan(&id); err != nil {
			return store.MapError(err)
		}
		cs, err := s.claims(ctx, tx, `SELECT `+claimColumns+claimFrom+` WHERE c.id = ?`, id)
		if err != nil {
			return err
		}
		out = cs[0]
		return audit.Record(ctx, tx, audit.Change{Action: "need.claim", Entity: "need_claim", EntityID: id, OrgID: a.OrgID,
			After: map[string]any{"need_id": needID, "product_id": productID, "due_at": due}})
	})
	return out, err
}

// Choose is the enterprise's pick of one claimant; the others are passed.
func (s *Service) Choose(ctx context.Context, needID, claimID int64) (Need, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Need{}, err
	}
	if a.Role != cifp.RoleEnterprise {
		return Need{}, cifp.Errorf(cifp.EFORBIDDEN, "only the enterprise chooses among the claimants")
	}
	var out Need
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		n, err := s.need(ctx, tx, a, needID)
		if err != nil {
			return err
		}
		if n.Status != NeedOpen {
			return cifp.Errorf(cifp.ECONFLICT, "need %d is %s: a claimant is chosen while it is open", needID, n.Status)
		}
		i := slices.IndexFunc(n.Claims, func(c Claim) bool { return c.ID == claimID && c.Status == ClaimClaimed })
		if i < 0 {
			return cifp.Invalid("unknown claim", cifp.FieldError{Field: "claim_id", Value: fmt.Sprint(claimID), Message: "is not a claim waiting on this need"})
		}
		if _, err := tx.Exec(ctx, `UPDATE need_claims SET status = CASE WHEN id = ? THEN 'chosen' ELSE 'passed' END WHERE need_id = ? AND status = 'claimed'`, claimID, needID); err != nil {
			return err
		}
		if err := s.setNeed(ctx, tx, needID, NeedChosen); err != nil {
			return err
		}
		if out, err = s.need(ctx, tx, a, needID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "need.choose", Entity: "need", EntityID: needID, OrgID: a.OrgID,
			Before: map[string]any{"status": NeedOpen}, After: map[string]any{"status": NeedChosen, "claim_id": claimID, "institution": n.Claims[i].Institution}})
	})
	return out, err
}

func (s *Service) setNeed(ctx context.Context, tx *store.Tx, id int64, status string) error {
	_, err := tx.Exec(ctx, `UPDATE needs SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?`, status, s.Now(), id)
	return err
}

// WithdrawNeed withdraws an enterprise's need that is not yet financed.
func (s *Service) WithdrawNeed(ctx context.Context, needID int64) error {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return err
	}
	if a.Role != cifp.RoleEnterprise {
		return cifp.Errorf(cifp.EFORBIDDEN, "only the enterprise withdraws its need")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		n, err := s.need(ctx, tx, a, needID)
		if err != nil {
			return err
		}
		if n.Status == NeedDisbursed || n.Status == NeedWithdrawn {
			return cifp.Errorf(cifp.ECONFLICT, "need %d is %s", needID, n.Status)
		}
		if _, err := tx.Exec(ctx, `UPDATE need_claims SET status = 'withdrawn' WHERE need_id = ? AND status IN ('claimed', 'chosen', 'passed', 'approved')`, needID); err != nil {
			return err
		}
		if err := s.setNeed(ctx, tx, needID, NeedWithdrawn); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "need.withdraw", Entity: "need", EntityID: needID, OrgID: a.OrgID,
			Before: map[string]any{"status": n.Status}, After: map[string]any{"status": NeedWithdrawn}})
	})
}

// Contact records the institution's first contact with the enterprise.
func (s *Service) Contact(ctx context.Context, claimID int64, note string) (Claim, error) {
	return s.claimAction(ctx, claimID, "need.contact", []string{ClaimClaimed, ClaimChosen}, func(tx *store.Tx, c Claim, n Need) (map[string]any, error) {
		if c.ContactedAt != nil {
			return nil, cifp.Errorf(cifp.ECONFLICT, "the first contact was recorded on %s", c.ContactedAt.In(China).Format("2006-01-02 15:04"))
		}
		note = strings.TrimSpace(note)
		if utf8.RuneCountInString(note) < 2 {
			return nil, cifp.Invalid("a note is needed", cifp.FieldError{Field: "note", Message: "is required: how and with whom contact was made"})
		}
		now := s.Now()
		_, err := tx.Exec(ctx, `UPDATE need_claims SET contacted_at = ?, contact_note = ? WHERE id = ?`, now, note, claimID)
		return map[string]any{"contacted_at": now, "overdue": now.After(c.DueAt)}, err
	})
}

// Approve records the chosen institution's credit approval (授信).
func (s *Service) Approve(ctx context.Context, claimID int64, amount, rate float64) (Claim, error) {
	return s.claimAction(ctx, claimID, "need.approve", []string{ClaimChosen}, func(tx *store.Tx, c Claim, n Need) (map[string]any, error) {
		var errs []cifp.FieldError
		if amount <= 0 || math.IsNaN(amount) {
			errs = append(errs, cifp.FieldError{Field: "amount", Value: fmt.Sprint(amount), Message: "must be above zero (万元)"})
		}
		if rate <= 0 || rate > 24 || math.IsNaN(rate) {
			errs = append(errs, cifp.FieldError{Field: "rate", Value: fmt.Sprint(rate), Message: "must be an annual rate in per cent, above 0 and at most 24"})
		}
		if err := cifp.Invalid("the approval is not valid", errs...); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE need_claims SET status = 'approved', approved_amount = ?, approved_rate = ?, decided_at = ? WHERE id = ?`,
			amount, rate, s.Now(), claimID); err != nil {
			return nil, err
		}
		return map[string]any{"amount": amount, "rate": rate}, s.setNeed(ctx, tx, n.ID, NeedApproved)
	})
}

// Refuse records the chosen institution's refusal with its reason; the
// need opens again and the other claimants may be chosen.
func (s *Service) Refuse(ctx context.Context, claimID int64, reason string) (Claim, error) {
	return s.claimAction(ctx, claimID, "need.refuse", []string{ClaimChosen, ClaimApproved}, func(tx *store.Tx, c Claim, n Need) (map[string]any, error) {
		reason = strings.TrimSpace(reason)
		if utf8.RuneCountInString(reason) < 4 {
			return nil, cifp.Invalid("a reason is needed", cifp.FieldError{Field: "reason", Message: "is required: the enterprise reads why (at least 4 characters)"})
		}
		if _, err := tx.Exec(ctx, `UPDATE need_claims SET status = 'refused', reason = ?, decided_at = ? WHERE id = ?`, reason, s.Now(), claimID); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE need_claims SET status = 'claimed' WHERE need_id = ? AND status = 'passed'`, n.ID); err != nil {
			return nil, err
		}
		return map[string]any{"reason": reason}, s.setNeed(ctx, tx, n.ID, NeedOpen)
	})
}

func (s *Service) claimAction(ctx context.Context, claimID int64, action string, from []string,
	fn func(*store.Tx, Claim, Need) (map[string]any, error)) (Claim, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Claim{}, err
	}
	var out Claim
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		c, n, err := s.claimStep(ctx, tx, a, claimID, from...)
		if err != nil {
			return err
		}
		detail, err := fn(tx, c, n)
		if err != nil {
			return err
		}
		cs, err := s.claims(ctx, tx, `SELECT `+claimColumns+claimFrom+` WHERE c.id = ?`, claimID)
		if err != nil {
			return err
		}
		out = cs[0]
		return audit.Record(ctx, tx, audit.Change{Action: action, Entity: "need_claim", EntityID: claimID, OrgID: a.OrgID,
			Before: map[string]any{"status": c.Status, "need_status": n.Status}, After: merge(detail, map[string]any{"status": out.Status, "need_id": n.ID})})
	})
	return out, err
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
