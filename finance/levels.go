package finance

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"

	"cifp"
)

// ServiceLevels is how the financing service (融资对接) is answering: the
// needs by status with their amounts, and the institutions' claims against
// the first-contact rule (首次对接时限). Amounts in 万元.
type ServiceLevels struct {
	Needs       map[string]int     `json:"needs"`        // by status
	NeedAmounts map[string]float64 `json:"need_amounts"` // by status
	Claims      int                `json:"claims"`
	Contacted   int                `json:"contacted"`
	OnTime      int                `json:"on_time"` // contacted by the due time
	Late        int                `json:"late"`    // contacted after it
	Overdue     int                `json:"overdue"` // not contacted, past due, still open
	// OnTimeRate is OnTime / Contacted; nil without contacts.
	OnTimeRate *float64 `json:"on_time_rate"`
	// MedianHours is the median time from claim to first contact, in
	// hours; nil without contacts.
	MedianHours *float64 `json:"median_hours"`
	Disbursed   float64  `json:"disbursed"` // amount of the needs financed
}

// NeedSlice narrows the service levels: the needs of enterprises of a
// county, the claims of an institution.
type NeedSlice struct {
	County      string
	Institution int64
}

// ServiceLevels sums the needs and claims of the slice: the regulators the
// city's; an institution its own claims and the needs it claimed
// (f.Institution is then its own). Enterprises and others: EFORBIDDEN.
func (s *Service) ServiceLevels(ctx context.Context, f NeedSlice) (ServiceLevels, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return ServiceLevels{}, err
	}
	switch {
	case a.Role.CityWide():
	case a.Role == cifp.RoleFinance:
		f.Institution = a.OrgID
	default:
		return ServiceLevels{}, cifp.Errorf(cifp.EFORBIDDEN, "the financing service levels are read by regulators and institutions")
	}
	if err := (Slice{County: f.County}).Check(); err != nil {
		return ServiceLevels{}, err
	}
	out := ServiceLevels{Needs: map[string]int{}, NeedAmounts: map[string]float64{}}
	nq, nargs := `SELECT n.status, COUNT(*), SUM(n.amount) FROM needs n JOIN orgs o ON o.id = n.org_id WHERE 1 = 1`, []any{}
	cq, cargs := `SELECT c.status, c.claimed_at, c.due_at, c.contacted_at FROM need_claims c JOIN needs n ON n.id = c.need_id
		JOIN orgs o ON o.id = n.org_id WHERE c.status <> 'withdrawn'`, []any{}
	if f.County != "" {
		nq += ` AND o.division = ?`
		cq += ` AND o.division = ?`
		nargs, cargs = append(nargs, f.County), append(cargs, f.County)
	}
	if f.Institution != 0 {
		nq += ` AND n.id IN (SELECT need_id FROM need_claims WHERE org_id = ?)`
		cq += ` AND c.org_id = ?`
		nargs, cargs = append(nargs, f.Institution), append(cargs, f.Institution)
	}
	rows, err := s.db.Query(ctx, nq+` GROUP BY n.status`, nargs...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var status string
		var n int
		var amount float64
		if err := rows.Scan(&status, &n, &amount); err != nil {
			rows.Close()
			return out, err
		}
		out.Needs[status], out.NeedAmounts[status] = n, amount
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	out.Disbursed = out.NeedAmounts[NeedDisbursed]
	rows, err = s.db.Query(ctx, cq, cargs...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	now := s.Now()
	var hours []float64
	for rows.Next() {
		var c Claim
		var contacted sql.NullTime
		if err := rows.Scan(&c.Status, &c.ClaimedAt, &c.DueAt, &contacted); err != nil {
			return out, err
		}
		out.Claims++
		switch {
		case contacted.Valid:
			out.Contacted++
			hours = append(hours, contacted.Time.Sub(c.ClaimedAt).Hours())
			if contacted.Time.After(c.DueAt) {
				out.Late++
			} else {
				out.OnTime++
			}
		case now.After(c.DueAt) && (c.Status == ClaimClaimed || c.Status == ClaimChosen):
			out.Overdue++
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if out.Contacted > 0 {
		r := float64(out.OnTime) / float64(out.Contacted)
		out.OnTimeRate = &r
		slices.Sort(hours)
		m := hours[len(hours)/2]
		if len(hours)%2 == 0 {
			m = (hours[len(hours)/2-1] + hours[len(hours)/2]) / 2
		}
		out.MedianHours = &m
	}
	return out, nil
}

// WarningSummary counts the recorded early warnings of a year: by the
// suggested action, by the officer's decision ("" = not decided) and by
// institution.
type WarningSummary struct {
	Year          int             `json:"year"`
	Warnings      int             `json:"warnings"`
	ByAction      map[string]int  `json:"by_action"`
	ByDecision    map[string]int  `json:"by_decision"`
	ByInstitution map[string]int  `json:"by_institution"` // institution id (decimal) → warnings
	Latest        []WarningRecord `json:"latest"`         // the newest few
	Reasons       map[string]int  `json:"reasons"`        // by reason
}

// WarningSummary sums the warnings recorded for the year (an institution's
// list records them when it is read): the regulators every institution's,
// narrowed by f; an institution its own. County narrows by the borrower's.
func (s *Service) WarningSummary(ctx context.Context, year int, f NeedSlice) (WarningSummary, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return WarningSummary{}, err
	}
	switch {
	case a.Role.CityWide():
	case a.Role == cifp.RoleFinance:
		f.Institution = a.OrgID
	default:
		return WarningSummary{}, cifp.Errorf(cifp.EFORBIDDEN, "early warnings are read by regulators and institutions")
	}
	if err := (Slice{County: f.County}).Check(); err != nil {
		return WarningSummary{}, err
	}
	cond, args := `w.year = ?`, []any{year}
	if f.County != "" {
		cond += ` AND w.borrower_id IN (SELECT id FROM orgs WHERE division = ?)`
		args = append(args, f.County)
	}
	if f.Institution != 0 {
		cond += ` AND w.org_id = ?`
		args = append(args, f.Institution)
	}
	out := WarningSummary{Year: year, ByAction: map[string]int{}, ByDecision: map[string]int{}, ByInstitution: map[string]int{}, Reasons: map[string]int{}}
	rows, err := s.db.Query(ctx, `SELECT w.org_id, w.action, w.decision, w.reasons, COUNT(*) FROM loan_warnings w
		WHERE `+cond+` GROUP BY w.org_id, w.action, w.decision, w.reasons`, args...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var org int64
		var action, decision, reasons string
		var n int
		if err := rows.Scan(&org, &action, &decision, &reasons, &n); err != nil {
			rows.Close()
			return out, err
		}
		out.Warnings += n
		out.ByAction[action] += n
		out.ByDecision[decision] += n
		out.ByInstitution[strconv.FormatInt(org, 10)] += n
		var rs []string
		if err := json.Unmarshal([]byte(reasons), &rs); err != nil {
			rows.Close()
			return out, err
		}
		for _, r := range rs {
			out.Reasons[r] += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	out.Latest, err = s.warningsOrdered(ctx, cond+` ORDER BY w.id DESC LIMIT 10`, args...)
	return out, err
}
