package finance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"cifp"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

func TestPoliciesAndInstruments(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		u, _ := org.MakeUSCC('9', '1', "331102", "0000000P")
		ins, err := org.NewService(db).Create(system, org.Org{Kind: org.KindInsurer, Name: "人保财险丽水分公司", USCC: u, Division: "331102"})
		if err != nil {
			t.Fatal(err)
		}
		var uid int64
		db.QueryRow(context.Background(), `INSERT INTO users (org_id, username, display_name, role, password_hash, created_at, updated_at)
			VALUES (?, 'picc', 'picc', 'finance', 'x', ?, ?) RETURNING id`, ins.ID, testNow, testNow).Scan(&uid)
		picc := cifp.WithActor(context.Background(), cifp.Actor{UserID: uid, OrgID: ins.ID, Username: "picc", Role: cifp.RoleFinance})

		head := strings.Join(PolicyHeader, ",") + "\n"
		bad := head + "P1," + w.e1.USCC + ",luck,100,1,2026-01-01,2026-12-31\nP1," + w.e1.USCC + ",weather_index,-5,1,2026-01-01,2025-12-31\n"
		_, err = w.svc.ImportPolicies(picc, strings.NewReader(bad), "p.csv", "2026-05")
		want := map[string]bool{"2 kind": true, "3 policy_id": true, "3 sum_insured": true, "3 end_date": true}
		for _, f := range cifp.ErrorFields(err) {
			delete(want, fmt.Sprint(f.Row, " ", f.Field))
		}
		if len(want) != 0 {
			t.Errorf("bad policies: %v; not named %v", cifp.ErrorFields(err), want)
		}
		// A bank is not an insurer.
		if _, err := w.svc.ImportPolicies(w.bank[0], strings.NewReader(head), "p.csv", "2026-05"); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("a bank submitted policies: %v", err)
		}
		good := head +
			"P1," + w.e1.USCC + ",environmental_liability,500,2.5,2026-01-01,2026-12-31\n" +
			"P2," + w.e2.USCC + ",weather_index,300,6,2025-06-01,2026-05-31\n" +
			"P3," + w.e2.USCC + ",catastrophe,1000,10,2025-01-01,2025-12-31\n" + // expired by May 2026
			"P4," + w.e2.USCC + ",other,900,9,2026-01-01,2026-12-31\n" // does not count
		if res, err := w.svc.ImportPolicies(picc, strings.NewReader(good), "p.csv", "2026-05"); err != nil || res.Rows != 4 {
			t.Fatalf("%v %v %+v", err, cifp.ErrorFields(err), res)
		}
		ihead := strings.Join(InstrumentHeader, ",") + "\n"
		if _, err := w.svc.ImportInstruments(w.bank[0], strings.NewReader(ihead+"B1,green_bond,"+w.e1.USCC+",2000,2000,2026-01-10,2029-01-10,4,2025,mitigation,绿色债券\n"+
			"L1,leasing,"+w.e2.USCC+",300,250,2025-06-01,,,,none,融资租赁\n"), "i.csv", "2026-05"); err != nil {
			t.Fatalf("%v %v", err, cifp.ErrorFields(err))
		}
		if _, err := w.svc.ImportInstruments(w.bank[0], strings.NewReader(ihead+"B1,lottery,"+w.e1.USCC+",1,1,2026-01-10,,12,2025,sideways,x\n"), "i.csv", "2026-05"); len(cifp.ErrorFields(err)) != 3 {
			t.Errorf("bad instruments: %v", cifp.ErrorFields(err))
		}
		// Coverage in force at the end of May 2026: 500 + 300 (the catastrophe policy expired, "other" does not count).
		tot, err := w.svc.MonthTotals(w.reg, "2026-05")
		if err != nil || tot.Coverage != 800 || tot.Premium != 8.5 || tot.Instruments["green_bond"] != 2000 || tot.Instruments["leasing"] != 250 || tot.ClimateOther != 2000 {
			t.Errorf("totals: %v %+v", err, tot)
		}
		if own, _ := w.svc.MonthTotals(w.bank[1], "2026-05"); own.Coverage != 0 || len(own.Instruments) != 0 {
			t.Errorf("another bank's totals: %+v", own)
		}
		if _, err := w.svc.MonthTotals(w.ent1, "2026-05"); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("an enterprise read totals: %v", err)
		}
	})
}
