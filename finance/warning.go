package finance

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cifp"
	"cifp/audit"
	"cifp/carbon"
	"cifp/store"
)

// BorrowerCredit is a borrower's carbon-performance credit with who it is.
type BorrowerCredit struct {
	CreditScore
	Name        string             `json:"name"`
	USCC        string             `json:"uscc"`
	Performance carbon.Performance `json:"performance"`
}

// borrowerIDs returns the registered borrowers with a balance in the
// institution's latest month of the loan book.
func (s *Service) borrowerIDs(ctx context.Context, q store.Queryer, institution int64) ([]int64, error) {
	return store.Int64s(ctx, q, `SELECT DISTINCT borrower_id FROM loans WHERE org_id = ? AND borrower_id IS NOT NULL AND balance > 0
		AND month = (SELECT MAX(month) FROM loans WHERE org_id = ?) ORDER BY borrower_id`, institution, institution)
}

// Credit scores the enterprises for a lender or regulator in the year, with
// the explanation of every term; an enterprise may read its own.
func (s *Service) Credit(ctx context.Context, orgIDs []int64, year int) ([]BorrowerCredit, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	switch a.Role {
	case cifp.RoleEnterprise:
		if len(orgIDs) != 1 || orgIDs[0] != a.OrgID {
			return nil, cifp.Errorf(cifp.EFORBIDDEN, "an enterprise reads its own carbon-performance credit only")
		}
		a.Role = cifp.RoleRegulator // to read its own performance through the carbon service
		ctx = a.Context(ctx)
	case cifp.RoleFinance:
		// A lender reads its borrowers (any month of its book) and the
		// enterprises whose needs it may see (open, or claimed by it).
		cond, args, _ := needVisible(a)
		own := map[int64]bool{}
		for start := 0; start < len(orgIDs); start += 500 {
			part := make([]any, 0, 500)
			for _, id := range orgIDs[start:min(start+500, len(orgIDs))] {
				part = append(part, id)
			}
			in := `(` + marks(len(part)) + `)`
			q := `SELECT DISTINCT borrower_id FROM loans WHERE org_id = ? AND borrower_id IN ` + in +
				` UNION SELECT n.org_id FROM needs n WHERE n.org_id IN ` + in + ` AND ` + cond
			qargs := append(append(append([]any{a.OrgID}, part...), part...), args...)
			ids, err := store.Int64s(ctx, s.db, q, qargs...)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				own[id] = true
			}
		}
		for _, id := range orgIDs {
			if !own[id] {
				return nil, cifp.Errorf(cifp.ENOTFOUND, "organisation %d is neither a borrower of yours nor has a need you may see", id)
			}
		}
	}
	perf, err := s.carbon.Performances(ctx, orgIDs, year)
	if err != nil {
		return nil, err
	}
	names, err := s.names(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	out := []BorrowerCredit{}
	for _, id := range orgIDs {
		p, ok := perf[id]
		if !ok {
			p = carbon.Performance{OrgID: id, Year: year}
		}
		out = append(out, BorrowerCredit{CreditScore: Score(p), Name: names[id][0], USCC: names[id][1], Performance: p})
	}
	return out, nil
}

func (s *Service) names(ctx context.Context, ids []int64) (map[int64][2]string, error) {
	out := map[int64][2]string{}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.db.Query(ctx, `SELECT id, name, uscc FROM orgs WHERE id IN (`+marks(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var n, u string
			if err := rows.Scan(&id, &n, &u); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = [2]string{n, u}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WarningRecord is a stored early warning with the officer's decision.
type WarningRecord struct {
	ID         int64      `json:"id"`
	OrgID      int64      `json:"org_id"` // the institution
	BorrowerID int64      `json:"borrower_id"`
	Borrower   string     `json:"borrower"`
	Year       int        `json:"year"`
	Reasons    []string   `json:"reasons"`
	Action     string     `json:"action"`   // suggested
	Decision   string     `json:"decision"` // the officer's: watch, restructure, exit or dismiss; "" until decided
	Comment    string     `json:"comment"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Warnings returns the early-warning list (预警清单) of the actor's
// institution for the year: its borrowers with a balance whose grade fell
// by two or more, reached grade 5, or whose report was returned. New
// warnings are recorded (and kept, with their decisions, when a later
// recompute no longer raises them). Regulators read every institution's
// recorded warnings; an institution never sees another's.
func (s *Service) Warnings(ctx context.Context, year int) ([]WarningRecord, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case a.Role == cifp.RoleFinance:
		ids, err := s.borrowerIDs(ctx, s.db, a.OrgID)
		if err != nil {
			return nil, err
		}
		perf, err := s.carbon.Performances(ctx, ids, year)
		if err != nil {
			return nil, err
		}
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			for _, id := range ids {
				w, ok := WarningOf(perf[id])
				if !ok {
					continue
				}
				var n int
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM loan_warnings WHERE org_id = ? AND borrower_id = ? AND year = ?`, a.OrgID, id, year).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					continue
				}
				reasons, _ := json.Marshal(w.Reasons)
				if _, err := tx.Exec(ctx, `INSERT INTO loan_warnings (org_id, borrower_id, year, reasons, action, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
					a.OrgID, id, year, string(reasons), w.Action, s.Now()); err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, audit.Change{Action: "warning.raise", Entity: "loan_warning", EntityID: id, OrgID: a.OrgID,
					After: map[string]any{"borrower_id": id, "year": year, "reasons": w.Reasons, "action": w.Action}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return s.warningList(ctx, `w.org_id = ? AND w.year = ?`, a.OrgID, year)
	case a.Role.CityWide():
		return s.warningList(ctx, `w.year = ?`, year)
	}
	return nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read early warnings")
}

func (s *Service) warningList(ctx context.Context, cond string, args ...any) ([]WarningRecord, error) {
	return s.warningsOrdered(ctx, cond+` ORDER BY w.decision <> '', w.id`, args...)
}

// warningsOrdered reads the warnings of a condition with its own order.
func (s *Service) warningsOrdered(ctx context.Context, condOrder string, args ...any) ([]WarningRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT w.id, w.org_id, w.borrower_id, o.name, w.year, w.reasons, w.action, w.decision, w.comment, w.decided_at, w.created_at
		FROM loan_warnings w JOIN orgs o ON o.id = w.borrower_id WHERE `+condOrder, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []WarningRecord{}
	for rows.Next() {
		var w WarningRecord
		var reasons string
		var decided sql.NullTime
		if err := rows.Scan(&w.ID, &w.OrgID, &w.BorrowerID, &w.Borrower, &w.Year, &reasons, &w.Action, &w.Decision, &w.Comment, &decided, &w.CreatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(reasons), &w.Reasons); err != nil {
			return nil, err
		}
		w.CreatedAt = w.CreatedAt.UTC()
		if decided.Valid {
			t := decided.Time.UTC()
			w.DecidedAt = &t
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Decisions an officer may record on a warning.
var Decisions = []string{ActionWatch, ActionRestructure, ActionExit, "dismiss"}

// Decide records the officer's decision on a warning of its institution.
func (s *Service) Decide(ctx context.Context, id int64, decision, comment string) (WarningRecord, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return WarningRecord{}, err
	}
	if err := institution(a); err != nil {
		return WarningRecord{}, err
	}
	var own int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM loan_warnings WHERE id = ? AND org_id = ?`, id, a.OrgID).Scan(&own); err != nil {
		return WarningRecord{}, err
	}
	if own == 0 {
		return WarningRecord{}, cifp.Errorf(cifp.ENOTFOUND, "warning %d not found", id)
	}
	comment = strings.TrimSpace(comment)
	var errs []cifp.FieldError
	if !slices.Contains(Decisions, decision) {
		errs = append(errs, cifp.FieldError{Field: "decision", Value: decision, Message: "must be watch, restructure, exit or dismiss"})
	}
	if n := utf8.RuneCountInString(comment); n < 2 || n > 1000 {
		errs = append(errs, cifp.FieldError{Field: "comment", Message: "is required: say why (at most 1000 characters)"})
	}
	if err := cifp.Invalid("the decision is not valid", errs...); err != nil {
		return WarningRecord{}, err
	}
	var out WarningRecord
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var before string
		if err := tx.QueryRow(ctx, `SELECT decision FROM loan_warnings WHERE id = ? AND org_id = ?`, id, a.OrgID).Scan(&before); err == sql.ErrNoRows {
			return cifp.Errorf(cifp.ENOTFOUND, "warning %d not found", id)
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE loan_warnings SET decision = ?, comment = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
			decision, comment, a.UserID, s.Now(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "warning.decide", Entity: "loan_warning", EntityID: id, OrgID: a.OrgID,
			Before: map[string]any{"decision": before}, After: map[string]any{"decision": decision, "comment": comment}})
	})
	if err != nil {
		return WarningRecord{}, err
	}
	ws, err := s.warningList(ctx, `w.id = ?`, id)
	if err == nil && len(ws) == 1 {
		out = ws[0]
	}
	return out, err
}
