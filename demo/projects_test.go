package demo

import (
	"context"
	"testing"

	"cifp"
	"cifp/internal/testutil"
	"cifp/project"
)

func TestLoadProjects(t *testing.T) {
	db := testutil.MustOpenDB(t)
	res, err := Load(context.Background(), db, Options{Seed: 3, Enterprises: 50, Projects: 30})
	if err != nil {
		t.Fatal(err)
	}
	if res.Projects != 32 {
		t.Fatalf("projects %d, want 30 in the library and 2 of the first enterprise", res.Projects)
	}
	svc := project.NewService(db)
	regulator := cifp.WithActor(context.Background(), cifp.System)
	lib, n, err := svc.List(regulator, project.Filter{Library: true, Limit: 100})
	if err != nil || n != 30 {
		t.Fatalf("library: %v %d", err, n)
	}
	for _, p := range lib {
		if p.Screening == nil || p.Screening.Outcome != project.OutcomeEligible || p.Taxonomy == "" {
			t.Errorf("%s not screened: %+v", p.Code, p.Screening)
		}
	}
	// The demo bank user has a review waiting.
	var bank cifp.Actor
	var role string
	if err := db.QueryRow(context.Background(), `SELECT id, org_id, username, role FROM users WHERE username = 'bank'`).Scan(&bank.UserID, &bank.OrgID, &bank.Username, &role); err != nil {
		t.Fatal(err)
	}
	bank.Role = cifp.Role(role)
	todo, err := svc.Assignments(cifp.WithActor(context.Background(), bank))
	if err != nil || len(todo) != 1 || todo[0].Status != project.StatusReview {
		t.Errorf("bank's reviews: %v %+v", err, todo)
	}
}

func TestLoadFinance(t *testing.T) {
	db := testutil.MustOpenDB(t)
	res, err := Load(context.Background(), db, Options{Seed: 5, Enterprises: 80, Projects: 20, Finance: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loans == 0 || res.Needs != 1 {
		t.Fatalf("finance demo: %+v", res)
	}
	sys := cifp.WithActor(context.Background(), cifp.System)
	var products, cells, projectLoans, months int
	db.QueryRow(sys, `SELECT COUNT(*) FROM products WHERE active`).Scan(&products)
	db.QueryRow(sys, `SELECT COUNT(*) FROM loan_cells`).Scan(&cells)
	db.QueryRow(sys, `SELECT COUNT(*) FROM loans WHERE project_id IS NOT NULL AND attributed_tco2 > 0`).Scan(&projectLoans)
	db.QueryRow(sys, `SELECT COUNT(DISTINCT month) FROM loans`).Scan(&months)
	if products != 17 || cells == 0 || projectLoans == 0 || months != 13 {
		t.Errorf("products %d, cells %d, loans to projects %d, months %d", products, cells, projectLoans, months)
	}
}
