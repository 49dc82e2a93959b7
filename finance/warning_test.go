package finance

import (
	"context"
	"strings"
	"testing"

	"cifp"
	"cifp/internal/testutil"
	"cifp/store"
)

// account writes a carbon account row as the carbon service would leave it.
func account(t *testing.T, db *store.DB, orgID int64, year, grade int, intensity float64, quality string) {
	t.Helper()
	if _, err := db.Exec(context.Background(), `INSERT INTO accounts (org_id, year, industry, division, scope1, scope2, total, avoided, emissions,
		energy_tce, value_added, output_value, intensity, intensity_output, level, benchmark, k, grade, quality, factor_set, detail, computed_at)
		VALUES (?, ?, '3443', '331122', 100, 50, 150, 0, 150, 60, 1000, 3000, ?, 0.05, 'medium', 0.15, 1, ?, ?, 'default', '{}', ?)`,
		orgID, year, intensity, grade, quality, testNow); err != nil {
		t.Fatal(err)
	}
}

func TestWarningsAndCredit(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		// e1 fell from grade 2 to 4; e2 stayed at 2 but its 2025 report was returned.
		account(t, db, w.e1.ID, 2024, 2, 0.10, "metered")
		account(t, db, w.e1.ID, 2025, 4, 0.13, "metered")
		account(t, db, w.e2.ID, 2024, 2, 0.10, "reported")
		account(t, db, w.e2.ID, 2025, 2, 0.10, "reported")
		if _, err := db.Exec(context.Background(), `INSERT INTO carbon_reports (org_id, year, version, status, reason, comment, snapshot, factor_set)
			VALUES (?, 2025, 1, 'returned', '', '缺少电费单', '{}', 'default')`, w.e2.ID); err != nil {
			t.Fatal(err)
		}
		header := strings.Join(LoanHeader, ",") + "\n"
		// Bank 0 lends to both, bank 1 to e1 only.
		w.svc.ImportLoans(w.bank[0], strings.NewReader(header+"A1,"+w.e1.USCC+",技改贷,500,400,3.4,2025-03-01,2027-03-01,设备,,,,\nA2,"+w.e2.USCC+",流贷,300,300,3.8,2025-11-01,2026-11-01,资金,none,,,\n"), "a.csv", "2026-05")
		w.svc.ImportLoans(w.bank[1], strings.NewReader(header+"B1,"+w.e1.USCC+",流贷,100,100,3.8,2025-11-01,2026-11-01,资金,none,,,\n"), "b.csv", "2026-05")

		ws, err := w.svc.Warnings(w.bank[0], 2025)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 2 || ws[0].BorrowerID != w.e1.ID || ws[0].Action != ActionWatch || ws[1].BorrowerID != w.e2.ID || !strings.Contains(ws[1].Reasons[0], "退回") {
			t.Fatalf("bank 0's warnings: %+v", ws)
		}
		ws1, _ := w.svc.Warnings(w.bank[1], 2025)
		if len(ws1) != 1 || ws1[0].BorrowerID != w.e1.ID {
			t.Errorf("bank 1's warnings: %+v", ws1)
		}
		// Bank 1 cannot decide bank 0's warning; bank 0 decides its own.
		if _, err := w.svc.Decide(w.bank[1], ws[0].ID, ActionRestructure, "压降授信"); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("another bank decided: %v", err)
		}
		if _, err := w.svc.Decide(w.bank[0], ws[0].ID, "panic", ""); !hasField(err, "decision") || !hasField(err, "comment") {
			t.Errorf("bad decision: %v", err)
		}
		d, err := w.svc.Decide(w.bank[0], ws[0].ID, ActionRestructure, "压降授信并要求提交技改计划")
		if err != nil || d.Decision != ActionRestructure || d.DecidedAt == nil {
			t.Fatalf("decide: %v %+v", err, d)
		}
		// A recompute keeps the decision and adds nothing twice.
		ws, _ = w.svc.Warnings(w.bank[0], 2025)
		if len(ws) != 2 || ws[1].Decision != ActionRestructure {
			t.Errorf("after recompute: %+v", ws)
		}
		// Regulators see every institution's warnings; enterprises none.
		if all, _ := w.svc.Warnings(w.reg, 2025); len(all) != 3 {
			t.Errorf("regulator sees %d warnings", len(all))
		}
		if _, err := w.svc.Warnings(w.ent1, 2025); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("an enterprise read warnings: %v", err)
		}
		// Credit: e1 grade 4 50, fell two grades −10, intensity +30 % −5, metered +5 = 40 → D.
		cs, err := w.svc.Credit(w.bank[0], []int64{w.e1.ID, w.e2.ID}, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if cs[0].Score != 40 || cs[0].Band != "D" || cs[0].Name != w.e1.Name {
			t.Errorf("e1 credit: %+v", cs[0])
		}
		// e2: grade 2 78, returned −10 = 68 → B.
		if cs[1].Score != 68 || cs[1].Band != "B" {
			t.Errorf("e2 credit: %+v", cs[1])
		}
		if own, err := w.svc.Credit(w.ent1, []int64{w.e1.ID}, 2025); err != nil || own[0].Score != 40 {
			t.Errorf("own credit: %v %+v", err, own)
		}
		if _, err := w.svc.Credit(w.ent1, []int64{w.e2.ID}, 2025); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("an enterprise read another's credit: %v", err)
		}
	})
}
