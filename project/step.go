package project

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"cifp"
	"cifp/store"
)

// step is one workflow action in its transaction.
type step struct {
	s      *Service
	tx     *store.Tx
	a      cifp.Actor
	p      Project
	d      Decision
	detail map[string]any
}

// run does the action's own work and returns the new status.
func (st *step) run(ctx context.Context, action string) (string, error) {
	switch action {
	case ActSubmit:
		return st.submit(ctx)
	case ActScreen:
		return st.screen(ctx)
	case ActAssign:
		return StatusReview, st.assign(ctx)
	case ActReview:
		return StatusReview, st.review(ctx)
	case ActAdmit:
		return StatusAdmitted, st.admit(ctx)
	case ActReturn, ActReject, ActRemove:
		if utf8.RuneCountInString(st.d.Comment) < 4 {
			return "", cifp.Invalid("a reason is needed", cifp.FieldError{Field: "comment", Message: "is required: say why (at least 4 characters), the owner reads it"})
		}
		if action == ActRemove && st.p.Recommended { // a project out of the library is no longer recommended
			if _, err := st.tx.Exec(ctx, `UPDATE projects SET recommended = FALSE WHERE id = ?`, st.p.ID); err != nil {
				return "", err
			}
			st.detail = map[string]any{"recommended": false}
		}
		return map[string]string{ActReturn: StatusReturned, ActReject: StatusRejected, ActRemove: StatusRemoved}[action], nil
	case ActUpdate:
		return st.p.Status, st.update(ctx)
	case ActFinance:
		return StatusFinancing, nil
	case ActBuild:
		return StatusConstruction, nil
	case ActComplete:
		return StatusCompleted, nil
	}
	return "", cifp.Errorf(cifp.EINVALID, "unknown action %q", action)
}

func (st *step) submit(ctx context.Context) (string, error) {
	f := st.p.Fields
	if err := cifp.Invalid("the project is not complete", f.Check(st.s.Taxonomy, true)...); err != nil {
		return "", err
	}
	if st.p.Status == StatusReturned {
		// A resubmission is a new round: the last round's reviews move to
		// the history (this event's detail and the audit log).
		var rs []map[string]any
		rows, err := st.tx.Query(ctx, `SELECT reviewer_id, scores, COALESCE(total, -1), recommendation, comment FROM project_reviews WHERE project_id = ? ORDER BY id`, st.p.ID)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var id int64
			var scores, rec, comment string
			var total float64
			if err := rows.Scan(&id, &scores, &total, &rec, &comment); err != nil {
				rows.Close()
				return "", err
			}
			rs = append(rs, map[string]any{"reviewer_id": id, "scores": json.RawMessage(scores), "total": total, "recommendation": rec, "comment": comment})
		}
		rows.Close()
		if len(rs) > 0 {
			st.detail = map[string]any{"previous_reviews": rs}
		}
		if _, err := st.tx.Exec(ctx, `DELETE FROM project_reviews WHERE project_id = ?`, st.p.ID); err != nil {
			return "", err
		}
	}
	_, err := st.tx.Exec(ctx, `UPDATE projects SET submitted_at = ?, score = NULL WHERE id = ?`, st.s.now(), st.p.ID)
	return StatusSubmitted, err
}

// screen runs automatic screening and stores its result: eligible projects
// wait for reviewers, incomplete ones go back to the owner with the
// problems, excluded ones are rejected.
func (st *step) screen(ctx context.Context) (string, error) {
	var industry string
	if err := st.tx.QueryRow(ctx, `SELECT industry FROM orgs WHERE id = ?`, st.p.OrgID).Scan(&industry); err != nil {
		return "", err
	}
	docs, err := st.documents(ctx)
	if err != nil {
		return "", err
	}
	sc := Screen(st.s.Taxonomy, st.s.Factors, st.s.Params, st.s.Value, ScreenInput{Fields: st.p.Fields, Industry: industry, Documents: docs, Year: st.s.now().Year()})
	if err := st.s.storeScreening(ctx, st.tx, st.p.ID, sc); err != nil {
		return "", err
	}
	st.detail = map[string]any{"outcome": sc.Outcome, "taxonomy": sc.Taxonomy, "two_high": sc.TwoHigh}
	if sc.Estimate != nil {
		st.detail["annual_tco2"] = sc.Estimate.Annual
		st.detail["factor_set"] = sc.Estimate.FactorSet
	}
	switch sc.Outcome {
	case OutcomeEligible:
		return StatusScreened, nil
	case OutcomeExcluded:
		if st.d.Comment == "" {
			st.d.Comment = "列入排除清单: " + sc.Exclusion.NameZH
		}
		return StatusRejected, nil
	}
	if st.d.Comment == "" {
		var msgs []string
		for _, p := range sc.Problems {
			msgs = append(msgs, strings.TrimSpace(p.Field+" "+p.Value+": "+p.Message))
		}
		st.d.Comment = "初筛未通过: " + strings.Join(msgs, "; ")
	}
	return StatusReturned, nil
}

func (st *step) documents(ctx context.Context) ([]string, error) {
	rows, err := st.tx.Query(ctx, `SELECT DISTINCT kind FROM project_files WHERE project_id = ? ORDER BY kind`, st.p.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (s *Service) storeScreening(ctx context.Context, tx *store.Tx, id int64, sc Screening) error {
	b, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	annual := 0.0
	if sc.Estimate != nil {
		annual = sc.Estimate.Annual
	}
	var cost, npv, irr, value *float64
	if a := sc.Assessment; a != nil {
		cost, npv, irr, value = a.CostPerTonne, &a.NPV, a.IRR, &a.Total
	}
	_, err = tx.Exec(ctx, `UPDATE projects SET screening = ?, taxonomy = ?, list = ?, cat2021 = ?, cat2025 = ?, annual_tco2 = ?,
		cost_per_tonne = ?, npv = ?, irr = ?, value_total = ?, two_high = ? WHERE id = ?`,
		string(b), sc.Taxonomy, sc.List, sc.Cat2021, sc.Cat2025, annual, null(cost), null(npv), null(irr), null(value), sc.TwoHigh, id)
	return err
}

// reviewsNeeded is the number of reviews the last screening asks for.
func (p Project) reviewsNeeded() int {
	if p.Screening != nil && p.Screening.ReviewsNeeded > MinReviews {
		return p.Screening.ReviewsNeeded
	}
	return MinReviews
}

// assign adds expert reviewers. A reviewer must be an active regulator,
// financial-institution or verifier user, and never one from the owner's
// organisation (conflict of interest, 回避).
func (st *step) assign(ctx context.Context) error {
	if len(st.d.Reviewers) == 0 {
		return cifp.Invalid("no reviewers", cifp.FieldError{Field: "reviewers", Message: "name at least one expert reviewer"})
	}
	var errs []cifp.FieldError
	type user struct {
		id, org  int64
		name     string
		role     string
		disabled bool
	}
	var users []user
	seen := map[int64]bool{}
	for i, id := range st.d.Reviewers {
		field := fmt.Sprintf("reviewers[%d]", i)
		if seen[id] {
			errs = append(errs, cifp.FieldError{Field: field, Value: fmt.Sprint(id), Message: "is named twice"})
			continue
		}
		seen[id] = true
		var u user
		err := st.tx.QueryRow(ctx, `SELECT id, org_id, username, role, disabled FROM users WHERE id = ?`, id).Scan(&u.id, &u.org, &u.name, &u.role, &u.disabled)
		switch {
		case err != nil:
			errs = append(errs, cifp.FieldError{Field: field, Value: fmt.Sprint(id), Message: "is not a user"})
		case u.org == st.p.OrgID:
			errs = append(errs, cifp.FieldError{Field: field, Value: u.name, Message: "is from the project owner's organisation: conflict of interest (回避)"})
		case u.disabled:
			errs = append(errs, cifp.FieldError{Field: field, Value: u.name, Message: "is disabled"})
		case !slices.Contains([]string{string(cifp.RoleRegulator), string(cifp.RoleFinance), string(cifp.RoleVerifier)}, u.role):
			errs = append(errs, cifp.FieldError{Field: field, Value: u.name, Message: "is not an expert reviewer (a regulator, financial institution or verifier user)"})
		default:
			var n int
			if err := st.tx.QueryRow(ctx, `SELECT COUNT(*) FROM project_reviews WHERE project_id = ? AND reviewer_id = ?`, st.p.ID, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				errs = append(errs, cifp.FieldError{Field: field, Value: u.name, Message: "is already a reviewer of the project"})
				continue
			}
			users = append(users, u)
		}
	}
	if err := cifp.Invalid("the reviewers cannot be assigned", errs...); err != nil {
		return err
	}
	var have int
	if err := st.tx.QueryRow(ctx, `SELECT COUNT(*) FROM project_reviews WHERE project_id = ?`, st.p.ID).Scan(&have); err != nil {
		return err
	}
	if need := st.p.reviewsNeeded(); have+len(users) < need {
		return cifp.Invalid("too few reviewers", cifp.FieldError{Field: "reviewers", Value: fmt.Sprint(len(users)),
			Message: fmt.Sprintf("the project needs at least %d expert reviewers%s", need, map[bool]string{true: " (两高 industry: extra review)"}[st.p.TwoHigh])})
	}
	var names []string
	for _, u := range users {
		if _, err := st.tx.Exec(ctx, `INSERT INTO project_reviews (project_id, reviewer_id, reviewer_org_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?)`,
			st.p.ID, u.id, u.org, st.a.UserID, st.s.now()); err != nil {
			return err
		}
		names = append(names, u.name)
		if err := st.s.notify(ctx, st.tx, []int64{u.id}, st.p.ID, "review_assigned", fmt.Sprintf("请评审气候项目 %s「%s」", st.p.Code, st.p.Name)); err != nil {
			return err
		}
	}
	st.detail = map[string]any{"reviewers": names}
	return nil
}

func (st *step) review(ctx context.Context) error {
	total, err := Score(st.d.Scores)
	if err != nil {
		return err
	}
	if !slices.Contains(Recommendations, st.d.Recommendation) {
		return cifp.Invalid("no recommendation", cifp.FieldError{Field: "recommendation", Value: st.d.Recommendation, Message: "must be admit, return or reject"})
	}
	var submitted bool
	if err := st.tx.QueryRow(ctx, `SELECT submitted_at IS NOT NULL FROM project_reviews WHERE project_id = ? AND reviewer_id = ?`, st.p.ID, st.a.UserID).Scan(&submitted); err != nil {
		return err
	}
	if submitted {
		return cifp.Errorf(cifp.ECONFLICT, "you have already reviewed project %s", st.p.Code)
	}
	scores, err := json.Marshal(st.d.Scores)
	if err != nil {
		return err
	}
	if _, err := st.tx.Exec(ctx, `UPDATE project_reviews SET scores = ?, total = ?, recommendation = ?, comment = ?, submitted_at = ? WHERE project_id = ? AND reviewer_id = ?`,
		string(scores), total, st.d.Recommendation, st.d.Comment, st.s.now(), st.p.ID, st.a.UserID); err != nil {
		return err
	}
	if _, err := st.tx.Exec(ctx, `UPDATE projects SET score = (SELECT AVG(total) FROM project_reviews WHERE project_id = ? AND submitted_at IS NOT NULL) WHERE id = ?`, st.p.ID, st.p.ID); err != nil {
		return err
	}
	st.detail = map[string]any{"total": total, "recommendation": st.d.Recommendation}
	return nil
}

// admit needs the reviews the screening asked for, all submitted, with a
// mean score at the pass mark or above.
func (st *step) admit(ctx context.Context) error {
	var done, assigned int
	var mean *float64
	var m sqlNullFloat
	if err := st.tx.QueryRow(ctx, `SELECT COUNT(submitted_at), COUNT(*), AVG(total) FROM project_reviews WHERE project_id = ?`, st.p.ID).Scan(&done, &assigned, &m); err != nil {
		return err
	}
	mean = ptr(m)
	if need := st.p.reviewsNeeded(); done < need {
		return cifp.Errorf(cifp.ECONFLICT, "project %s has %d of the %d expert reviews it needs", st.p.Code, done, need)
	}
	if done < assigned {
		return cifp.Errorf(cifp.ECONFLICT, "project %s still waits for %d of its reviewers", st.p.Code, assigned-done)
	}
	if mean == nil || *mean < PassMark {
		return cifp.Errorf(cifp.ECONFLICT, "project %s scored %.1f on average, below the pass mark of %d: return or reject it", st.p.Code, deref(mean), PassMark)
	}
	st.detail = map[string]any{"reviews": done, "score": math.Round(*mean*10) / 10}
	_, err := st.tx.Exec(ctx, `UPDATE projects SET admitted_at = ? WHERE id = ?`, st.s.now(), st.p.ID)
	return err
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func (st *step) update(ctx context.Context) error {
	g := st.d.Progress
	if g == nil {
		return cifp.Invalid("no progress", cifp.FieldError{Field: "progress", Message: "is required: percent complete, invested and financed to date"})
	}
	var errs []cifp.FieldError
	if g.Percent < 0 || g.Percent > 100 || math.IsNaN(g.Percent) {
		errs = append(errs, cifp.FieldError{Field: "progress.percent", Value: fmt.Sprint(g.Percent), Message: "must be 0 to 100"})
	}
	if g.Invested < 0 || math.IsNaN(g.Invested) {
		errs = append(errs, cifp.FieldError{Field: "progress.invested", Value: fmt.Sprint(g.Invested), Message: "must not be negative"})
	}
	if g.Financed < 0 || math.IsNaN(g.Financed) {
		errs = append(errs, cifp.FieldError{Field: "progress.financed", Value: fmt.Sprint(g.Financed), Message: "must not be negative"})
	}
	if err := cifp.Invalid("the progress update is not valid", errs...); err != nil {
		return err
	}
	st.detail = map[string]any{"percent": g.Percent, "invested": g.Invested, "financed": g.Financed}
	_, err := st.tx.Exec(ctx, `UPDATE projects SET progress_percent = ?, invested = ?, financed = ?, progress_at = ? WHERE id = ?`,
		g.Percent, g.Invested, g.Financed, st.s.now(), st.p.ID)
	return err
}

// notify tells the owner's users of every move, the reviewers of decisions
// on projects they reviewed, and the library team of submissions.
func (st *step) notify(ctx context.Context, to string) error {
	msg := fmt.Sprintf("气候项目 %s「%s」: %s → %s", st.p.Code, st.p.Name, statusZH[st.p.Status], statusZH[to])
	if st.d.Comment != "" {
		msg += " (" + st.d.Comment + ")"
	}
	owners, err := store.Int64s(ctx, st.tx, `SELECT id FROM users WHERE org_id = ? AND role = 'enterprise' AND NOT disabled`, st.p.OrgID)
	if err != nil {
		return err
	}
	if st.a.Role != cifp.RoleEnterprise && to != st.p.Status { // reviews stay with the team until the decision
		if err := st.s.notify(ctx, st.tx, owners, st.p.ID, "project_status", msg); err != nil {
			return err
		}
	}
	switch to {
	case StatusSubmitted:
		team, err := store.Int64s(ctx, st.tx, `SELECT id FROM users WHERE role IN ('admin', 'regulator') AND NOT disabled`)
		if err != nil {
			return err
		}
		return st.s.notify(ctx, st.tx, team, st.p.ID, "project_submitted", fmt.Sprintf("新申报气候项目待初筛: %s「%s」（%s）", st.p.Code, st.p.Name, st.p.OrgName))
	case StatusAdmitted, StatusReturned, StatusRejected:
		if st.p.Status == StatusReview {
			reviewers, err := store.Int64s(ctx, st.tx, `SELECT reviewer_id FROM project_reviews WHERE project_id = ?`, st.p.ID)
			if err != nil {
				return err
			}
			return st.s.notify(ctx, st.tx, reviewers, st.p.ID, "project_decided", msg)
		}
	}
	return nil
}

var statusZH = map[string]string{
	StatusDraft: "草稿", StatusSubmitted: "已申报", StatusScreened: "已初筛", StatusReview: "专家评审中", StatusReturned: "退回修改",
	StatusRejected: "未入库", StatusAdmitted: "已入库", StatusFinancing: "融资对接中", StatusConstruction: "建设中",
	StatusCompleted: "已建成", StatusRemoved: "已出库",
}
