package project

import (
	"context"
	"slices"

	"cifp"
)

// Workflow actions (流程操作).
const (
	ActSubmit   = "submit"   // the owner submits (申报) a draft or a returned project
	ActScreen   = "screen"   // the library team runs automatic screening (初筛)
	ActAssign   = "assign"   // the library team assigns expert reviewers
	ActReview   = "review"   // an assigned expert scores the project
	ActAdmit    = "admit"    // 入库
	ActReturn   = "return"   // 退回修改
	ActReject   = "reject"   // 不予入库
	ActFinance  = "finance"  // financing under way (融资对接)
	ActBuild    = "build"    // construction started (开工建设)
	ActComplete = "complete" // construction finished (建成)
	ActUpdate   = "update"   // a periodic progress update (定期更新)
	ActRemove   = "remove"   // removed from the library (出库)
)

// Who may take an action: the owner's enterprise users, the library team
// (regulators and admins), or the assigned reviewers.
const (
	byOwner    = "owner"
	byTeam     = "team"
	byReviewer = "reviewer"
)

// Transition is a legal move of the workflow. Screen's target depends on
// the outcome (screened, returned or rejected); assign, review and update
// keep the status.
type Transition struct {
	Action string
	From   []string
	To     []string
	By     []string
}

// Transitions is the whole workflow; any other move is refused.
var Transitions = []Transition{
	{ActSubmit, []string{StatusDraft, StatusReturned}, []string{StatusSubmitted}, []string{byOwner}},
	{ActScreen, []string{StatusSubmitted}, []string{StatusScreened, StatusReturned, StatusRejected}, []string{byTeam}},
	{ActAssign, []string{StatusScreened, StatusReview}, []string{StatusReview}, []string{byTeam}},
	{ActReview, []string{StatusReview}, []string{StatusReview}, []string{byReviewer}},
	{ActAdmit, []string{StatusReview}, []string{StatusAdmitted}, []string{byTeam}},
	{ActReturn, []string{StatusScreened, StatusReview}, []string{StatusReturned}, []string{byTeam}},
	{ActReject, []string{StatusScreened, StatusReview}, []string{StatusRejected}, []string{byTeam}},
	{ActFinance, []string{StatusAdmitted}, []string{StatusFinancing}, []string{byOwner, byTeam}},
	{ActBuild, []string{StatusAdmitted, StatusFinancing}, []string{StatusConstruction}, []string{byOwner, byTeam}},
	{ActComplete, []string{StatusConstruction}, []string{StatusCompleted}, []string{byOwner, byTeam}},
	{ActUpdate, []string{StatusAdmitted, StatusFinancing, StatusConstruction, StatusCompleted}, nil, []string{byOwner, byTeam}},
	{ActRemove, []string{StatusAdmitted, StatusFinancing, StatusConstruction, StatusCompleted}, []string{StatusRemoved}, []string{byTeam}},
}

// Actions lists every workflow action.
func Actions() []string {
	out := make([]string, len(Transitions))
	for i, t := range Transitions {
		out[i] = t.Action
	}
	return out
}

// Allowed returns the transition for the action from the status, or
// ECONFLICT naming the status when the move is illegal.
func Allowed(action, from string) (Transition, error) {
	for _, t := range Transitions {
		if t.Action == action {
			if slices.Contains(t.From, from) {
				return t, nil
			}
			return t, cifp.Errorf(cifp.ECONFLICT, "a project that is %s cannot be given the action %q (allowed from: %v)", from, action, t.From)
		}
	}
	return Transition{}, cifp.Errorf(cifp.EINVALID, "unknown action %q", action)
}

// Actions returns the workflow actions the actor may take on the project
// now: legal from its status and open to the actor's part in it (owner,
// library team, or an assigned reviewer who has not yet scored).
func (s *Service) Actions(ctx context.Context, p Project) ([]string, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	var assigned, pending bool
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) > 0, COUNT(*) > COUNT(submitted_at) FROM project_reviews WHERE project_id = ? AND reviewer_id = ?`,
		p.ID, a.UserID).Scan(&assigned, &pending); err != nil {
		return nil, err
	}
	parties := party(a, p, pending)
	var out []string
	for _, t := range Transitions {
		if slices.Contains(t.From, p.Status) && mayAct(t, parties) {
			out = append(out, t.Action)
		}
	}
	return out, nil
}

// party says in which capacity an actor stands to a project.
func party(a cifp.Actor, p Project, reviewer bool) []string {
	var out []string
	if a.Role == cifp.RoleEnterprise && a.OrgID == p.OrgID {
		out = append(out, byOwner)
	}
	if a.Role == cifp.RoleAdmin || a.Role == cifp.RoleRegulator {
		out = append(out, byTeam)
	}
	if reviewer {
		out = append(out, byReviewer)
	}
	return out
}

func mayAct(t Transition, parties []string) bool {
	for _, p := range parties {
		if slices.Contains(t.By, p) {
			return true
		}
	}
	return false
}
