package carbon

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
	"cifp/org"
	"cifp/store"
)

// Report statuses (报告状态).
const (
	StatusOpen       = "open"       // a correction being prepared: the year's data may change
	StatusSubmitted  = "submitted"  // with the verifier: the year's data is locked
	StatusReturned   = "returned"   // sent back with comments: the data may change, then resubmit
	StatusAccepted   = "accepted"   // verified (已核查): locked
	StatusSuperseded = "superseded" // an accepted version replaced by a later accepted correction
)

// Report is a version of an enterprise's annual emission report (年度排放报告)
// and its verification (核查).
type Report struct {
	ID           int64          `json:"id"`
	OrgID        int64          `json:"org_id"`
	OrgName      string         `json:"org_name"`
	Year         int            `json:"year"`
	Version      int            `json:"version"`
	Status       string         `json:"status"`
	VerifierID   int64          `json:"verifier_org_id,omitempty"`
	VerifierName string         `json:"verifier_name,omitempty"`
	Reason       string         `json:"reason,omitempty"`  // why this version (a correction)
	Comment      string         `json:"comment,omitempty"` // the verifier's
	Snapshot     *StoredAccount `json:"snapshot,omitempty"`
	FactorSet    string         `json:"factor_set"`
	SubmittedAt  *time.Time     `json:"submitted_at,omitempty"`
	DecidedAt    *time.Time     `json:"decided_at,omitempty"`
}

const reportColumns = `r.id, r.org_id, o.name, r.year, r.version, r.status, COALESCE(r.verifier_org_id, 0), COALESCE(v.name, ''),
	r.reason, r.comment, r.snapshot, r.factor_set, r.submitted_at, r.decided_at`

const reportFrom = ` FROM carbon_reports r JOIN orgs o ON o.id = r.org_id LEFT JOIN orgs v ON v.id = r.verifier_org_id`

func scanReport(row interface{ Scan(...any) error }) (Report, error) {
	var r Report
	var snap string
	var sub, dec sql.NullTime
	err := row.Scan(&r.ID, &r.OrgID, &r.OrgName, &r.Year, &r.Version, &r.Status, &r.VerifierID, &r.VerifierName,
		&r.Reason, &r.Comment, &snap, &r.FactorSet, &sub, &dec)
	if err != nil {
		return r, err
	}
	if snap != "" && snap != "{}" {
		r.Snapshot = &StoredAccount{}
		if err := json.Unmarshal([]byte(snap), r.Snapshot); err != nil {
			return r, fmt.Errorf("report %d: snapshot: %w", r.ID, err)
		}
	}
	if sub.Valid {
		t := sub.Time.UTC()
		r.SubmittedAt = &t
	}
	if dec.Valid {
		t := dec.Time.UTC()
		r.DecidedAt = &t
	}
	return r, nil
}

// ReportFilter selects reports. Zero values select all the actor may see.
type ReportFilter struct {
	OrgID  int64
	Year   int
	Status string
}

// Reports lists report versions, newest first: an enterprise its own, a
// verifier those assigned to it, admins and regulators all.
func (s *Service) Reports(ctx context.Context, f ReportFilter) ([]Report, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + reportColumns + reportFrom + ` WHERE 1 = 1`
	var args []any
	switch a.Role {
	case cifp.RoleAdmin, cifp.RoleRegulator:
	case cifp.RoleEnterprise:
		q += ` AND r.org_id = ?`
		args = append(args, a.OrgID)
	case cifp.RoleVerifier:
		q += ` AND r.verifier_org_id = ? AND r.status <> 'open'`
		args = append(args, a.OrgID)
	default:
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read emission reports")
	}
	if f.OrgID > 0 {
		q += ` AND r.org_id = ?`
		args = append(args, f.OrgID)
	}
	if f.Year > 0 {
		q += ` AND r.year = ?`
		args = append(args, f.Year)
	}
	if f.Status != "" {
		q += ` AND r.status = ?`
		args = append(args, f.Status)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY r.year DESC, r.org_id, r.version DESC LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Report returns one report version the actor may see, or ENOTFOUND.
func (s *Service) Report(ctx context.Context, id int64) (Report, error) {
	rs, err := s.Reports(ctx, ReportFilter{})
	if err != nil {
		return Report{}, err
	}
	for _, r := range rs {
		if r.ID == id {
			return r, nil
		}
	}
	return Report{}, cifp.Errorf(cifp.ENOTFOUND, "report %d not found", id)
}

func latestReport(ctx context.Context, q store.Queryer, orgID int64, year int) (Report, bool, error) {
	r, err := scanReport(q.QueryRow(ctx, `SELECT `+reportColumns+reportFrom+` WHERE r.org_id = ? AND r.year = ? ORDER BY r.version DESC LIMIT 1`, orgID, year))
	if err == sql.ErrNoRows {
		return Report{}, false, nil
	}
	return r, err == nil, err
}

// Submit sends the enterprise's account for the year to a verifier: a first
// report, a resubmission after a return, or an open correction. The account
// as it stands is kept with the report, and the year's data is locked while
// the report is with the verifier and after it is accepted. Only an
// enterprise user may submit, for its own enterprise.
func (s *Service) Submit(ctx context.Context, year int, verifierID int64) (Report, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Report{}, err
	}
	if a.Role != cifp.RoleEnterprise {
		return Report{}, cifp.Errorf(cifp.EFORBIDDEN, "only an enterprise submits its emission report")
	}
	verifiers, err := s.orgs.Directory(ctx, org.KindVerifier)
	if err != nil {
		return Report{}, err
	}
	found := false
	for _, v := range verifiers {
		found = found || v.Key == fmt.Sprint(verifierID)
	}
	if !found {
		return Report{}, cifp.Invalid("unknown verifier", cifp.FieldError{Field: "verifier_org_id", Value: fmt.Sprint(verifierID), Message: "is not a verifier (核查机构)"})
	}
	annual, err := s.Account(ctx, a.OrgID, year)
	if cifp.ErrorCode(err) == cifp.ENOTFOUND {
		return Report{}, cifp.Invalid("no account", cifp.FieldError{Field: "year", Value: fmt.Sprint(year), Message: "has no carbon account: enter the year's activity data first"})
	} else if err != nil {
		return Report{}, err
	}
	snap, err := json.Marshal(annual)
	if err != nil {
		return Report{}, err
	}
	var out Report
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		last, ok, err := latestReport(ctx, tx, a.OrgID, year)
		if err != nil {
			return err
		}
		now := store.Now()
		switch {
		case !ok:
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO carbon_reports (org_id, year, version, status, verifier_org_id, reason, comment, snapshot, factor_set, submitted_at)
				VALUES (?, ?, 1, 'submitted', ?, '', '', ?, ?, ?) RETURNING id`, a.OrgID, year, verifierID, string(snap), annual.FactorSet, now).Scan(&id); err != nil {
				return err
			}
			last.ID = id
		case last.Status == StatusOpen || last.Status == StatusReturned:
			if _, err := tx.Exec(ctx, `UPDATE carbon_reports SET status = 'submitted', verifier_org_id = ?, snapshot = ?, factor_set = ?, submitted_at = ?, decided_at = NULL
				WHERE id = ?`, verifierID, string(snap), annual.FactorSet, now, last.ID); err != nil {
				return err
			}
		case last.Status == StatusSubmitted:
			return cifp.Errorf(cifp.ECONFLICT, "the %d report (version %d) is already with the verifier", year, last.Version)
		default: // accepted
			return cifp.Errorf(cifp.ECONFLICT, "the %d report (version %d) is accepted and locked: open a correction, with its reason, first", year, last.Version)
		}
		out, _, err = latestReport(ctx, tx, a.OrgID, year)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "carbon_report.submit", Entity: "carbon_report", EntityID: out.ID, OrgID: a.OrgID,
			Before: map[string]any{"status": last.Status}, After: map[string]any{"year": year, "version": out.Version, "status": out.Status,
				"verifier_org_id": verifierID, "total_tco2": annual.Total, "grade": annual.Grade}})
	})
	return out, err
}

// OpenCorrection starts a new version of an accepted report, with the
// reason for the correction; the year's data may then change until the new
// version is submitted. The accepted version stays in force until the
// correction is accepted.
func (s *Service) OpenCorrection(ctx context.Context, year int, reason string) (Report, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Report{}, err
	}
	if a.Role != cifp.RoleEnterprise {
		return Report{}, cifp.Errorf(cifp.EFORBIDDEN, "only an enterprise corrects its emission report")
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 4 || n > 500 {
		return Report{}, cifp.Invalid("a correction needs its reason", cifp.FieldError{Field: "reason", Message: "is required: 4 to 500 characters saying what is corrected and why"})
	}
	var out Report
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		last, ok, err := latestReport(ctx, tx, a.OrgID, year)
		if err != nil {
			return err
		}
		if !ok || last.Status != StatusAccepted {
			return cifp.Errorf(cifp.ECONFLICT, "only an accepted report is corrected; submit or resubmit the %d report instead", year)
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO carbon_reports (org_id, year, version, status, verifier_org_id, reason, comment, snapshot, factor_set)
			VALUES (?, ?, ?, 'open', ?, ?, '', '{}', ?) RETURNING id`, a.OrgID, year, last.Version+1, nullID(last.VerifierID), reason, last.FactorSet).Scan(&id); err != nil {
			return err
		}
		out, _, err = latestReport(ctx, tx, a.OrgID, year)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "carbon_report.correct", Entity: "carbon_report", EntityID: id, OrgID: a.OrgID,
			Before: map[string]any{"version": last.Version, "status": last.Status}, After: map[string]any{"year": year, "version": out.Version, "reason": reason}})
	})
	return out, err
}

// Decide is the assigned verifier's decision on a submitted report: accept
// (the account is verified and the year locked; an earlier accepted version
// is superseded) or return it with comments (required) for the enterprise to
// fix and resubmit.
func (s *Service) Decide(ctx context.Context, reportID int64, accept bool, comment string) (Report, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Report{}, err
	}
	if a.Role != cifp.RoleVerifier {
		return Report{}, cifp.Errorf(cifp.EFORBIDDEN, "only the assigned verifier decides on a report")
	}
	comment = strings.TrimSpace(comment)
	if !accept && utf8.RuneCountInString(comment) < 4 {
		return Report{}, cifp.Invalid("a return needs comments", cifp.FieldError{Field: "comment", Message: "is required when returning a report: say what to fix"})
	}
	if utf8.RuneCountInString(comment) > 2000 {
		return Report{}, cifp.Invalid("comment too long", cifp.FieldError{Field: "comment", Message: "is longer than 2,000 characters"})
	}
	var out Report
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := scanReport(tx.QueryRow(ctx, `SELECT `+reportColumns+reportFrom+` WHERE r.id = ? AND r.verifier_org_id = ?`, reportID, a.OrgID))
		if err == sql.ErrNoRows {
			return cifp.Errorf(cifp.ENOTFOUND, "report %d not found among those assigned to you", reportID)
		} else if err != nil {
			return err
		}
		if before.Status != StatusSubmitted {
			return cifp.Errorf(cifp.ECONFLICT, "report %d is %s, not awaiting a decision", reportID, before.Status)
		}
		status := StatusReturned
		if accept {
			status = StatusAccepted
			if _, err := tx.Exec(ctx, `UPDATE carbon_reports SET status = 'superseded' WHERE org_id = ? AND year = ? AND status = 'accepted'`,
				before.OrgID, before.Year); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE carbon_reports SET status = ?, comment = ?, decided_at = ? WHERE id = ?`,
			status, comment, store.Now(), reportID); err != nil {
			return err
		}
		out, err = scanReport(tx.QueryRow(ctx, `SELECT `+reportColumns+reportFrom+` WHERE r.id = ?`, reportID))
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "carbon_report." + map[bool]string{true: "accept", false: "return"}[accept],
			Entity: "carbon_report", EntityID: reportID, OrgID: before.OrgID,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": status, "comment": comment, "verifier_org_id": a.OrgID}})
	})
	return out, err
}

// PublicGrade is what the public verification page of a 碳效码 shows: the
// enterprise's name, the year, its level and grade and whether they are
// verified — nothing private.
type PublicGrade struct {
	Name     string `json:"name"`
	Year     int    `json:"year"`
	Level    Level  `json:"level"`
	Grade    int    `json:"grade"`
	Verified bool   `json:"verified"`
	Computed string `json:"computed"` // date of the figures, YYYY-MM-DD
}

// Public returns the public grade of an enterprise-year. It needs no actor:
// the caller has already checked a signed link.
func (s *Service) Public(ctx context.Context, orgID int64, year int) (PublicGrade, error) {
	a, err := scanAccount(s.db.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a JOIN orgs o ON o.id = a.org_id
		WHERE a.org_id = ? AND a.year = ?`, orgID, year))
	if err == sql.ErrNoRows {
		return PublicGrade{}, cifp.Errorf(cifp.ENOTFOUND, "no carbon-efficiency code for this enterprise and year")
	} else if err != nil {
		return PublicGrade{}, err
	}
	return PublicGrade{Name: a.Name, Year: a.Year, Level: a.Level, Grade: a.Grade, Verified: a.Verified,
		Computed: a.Computed.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")}, nil
}
