package carbon_test

import (
	"context"
	"strings"
	"testing"

	"cifp"
	"cifp/audit"
	"cifp/carbon"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

func TestMRV(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		if _, err := w.carbon.ImportActivity(admin, strings.NewReader(w.activity()), "csv", carbon.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		mkVerifier := func(name, body string) org.Org {
			o, err := w.orgs.Create(admin, org.Org{Kind: org.KindVerifier, Name: name, USCC: uscc(t, "331102", body), Division: "331100"})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		v1 := mkVerifier("浙江绿碳核查技术服务有限公司", "0000000K")
		v2 := mkVerifier("另一家核查机构", "0000000W")
		entA := cifp.WithActor(context.Background(), cifp.Actor{UserID: 50, OrgID: w.a.ID, Username: "a", Role: cifp.RoleEnterprise})
		ver1 := cifp.WithActor(context.Background(), cifp.Actor{UserID: 60, OrgID: v1.ID, Username: "v1", Role: cifp.RoleVerifier})
		ver2 := cifp.WithActor(context.Background(), cifp.Actor{UserID: 61, OrgID: v2.ID, Username: "v2", Role: cifp.RoleVerifier})
		importA := func(ctx context.Context, row string) error {
			_, err := w.carbon.ImportActivity(ctx, strings.NewReader("uscc,period,item,quantity,unit\n"+w.a.USCC+row), "csv", carbon.ImportOptions{Replace: true})
			return err
		}

		if _, err := w.carbon.Submit(entA, 2023, w.a.ID); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("submit to a non-verifier: %v", err)
		}
		if _, err := w.carbon.Submit(entA, 2021, v1.ID); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("submit a year without account: %v", err)
		}
		r, err := w.carbon.Submit(entA, 2023, v1.ID)
		if err != nil || r.Version != 1 || r.Status != carbon.StatusSubmitted || r.Snapshot == nil || !near(r.Snapshot.Total, 2090.04) {
			t.Fatalf("submit: %+v, %v", r, err)
		}
		if _, err := w.carbon.Submit(entA, 2023, v1.ID); cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("submit twice: %v", err)
		}
		if err := importA(entA, ",2023-01,bituminous_coal,90,t\n"); cifp.ErrorCode(err) != cifp.EINVALID || !strings.Contains(err.Error(), "locked") {
			t.Errorf("edit while submitted: %v", err)
		}
		// Only the assigned verifier sees and decides it.
		if list, _ := w.carbon.Reports(ver2, carbon.ReportFilter{}); len(list) != 0 {
			t.Errorf("another verifier sees %d reports", len(list))
		}
		if _, err := w.carbon.Decide(ver2, r.ID, true, ""); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("another verifier decides: %v", err)
		}
		if _, err := w.carbon.Decide(entA, r.ID, true, ""); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("the enterprise decides: %v", err)
		}
		if _, err := w.carbon.Decide(ver1, r.ID, false, ""); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("return without comments: %v", err)
		}
		r, err = w.carbon.Decide(ver1, r.ID, false, "一月燃煤量与发票不符，请核对")
		if err != nil || r.Status != carbon.StatusReturned {
			t.Fatalf("return: %+v %v", r, err)
		}
		// Returned: the data may change, then the same version is resubmitted.
		if err := importA(entA, ",2023-01,bituminous_coal,90,t\n"); err != nil {
			t.Fatalf("edit after return: %v", err)
		}
		r, err = w.carbon.Submit(entA, 2023, v1.ID)
		if err != nil || r.Version != 1 || !near(r.Snapshot.Total, 2072.623) {
			t.Fatalf("resubmit: %+v %v", r, err)
		}
		r, err = w.carbon.Decide(ver1, r.ID, true, "数据与凭证一致")
		if err != nil || r.Status != carbon.StatusAccepted {
			t.Fatalf("accept: %+v %v", r, err)
		}
		acc, _ := w.carbon.Account(admin, w.a.ID, 2023)
		if !acc.Verified {
			t.Error("the accepted account is not verified")
		}
		if err := importA(entA, ",2023-02,bituminous_coal,90,t\n"); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("edit after accept: %v", err)
		}
		if _, err := w.carbon.Submit(entA, 2023, v1.ID); cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("resubmit an accepted report: %v", err)
		}

		// A correction: a new version with its reason.
		if _, err := w.carbon.OpenCorrection(entA, 2023, ""); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("correction without reason: %v", err)
		}
		c, err := w.carbon.OpenCorrection(entA, 2023, "二月燃煤计量表更换后读数更正")
		if err != nil || c.Version != 2 || c.Status != carbon.StatusOpen {
			t.Fatalf("open correction: %+v %v", c, err)
		}
		if acc, _ := w.carbon.Account(admin, w.a.ID, 2023); acc.Verified {
			t.Error("an account under correction is still shown verified")
		}
		if err := importA(entA, ",2023-02,bituminous_coal,95,t\n"); err != nil {
			t.Fatalf("edit during correction: %v", err)
		}
		c, err = w.carbon.Submit(entA, 2023, v1.ID)
		if err != nil || c.Version != 2 || c.Status != carbon.StatusSubmitted {
			t.Fatalf("submit correction: %+v %v", c, err)
		}
		if _, err := w.carbon.Decide(ver1, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		all, _ := w.carbon.Reports(entA, carbon.ReportFilter{Year: 2023})
		if len(all) != 2 || all[0].Status != carbon.StatusAccepted || all[1].Status != carbon.StatusSuperseded || all[0].Reason == "" {
			t.Errorf("versions: %+v", all)
		}
		pub, err := w.carbon.Public(context.Background(), w.a.ID, 2023)
		if err != nil || !pub.Verified || pub.Name != w.a.Name || pub.Grade == 0 {
			t.Errorf("public: %+v %v", pub, err)
		}
		entries, _ := audit.List(admin, db, audit.Filter{Entity: "carbon_report"})
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		if actions["carbon_report.submit"] != 3 || actions["carbon_report.return"] != 1 || actions["carbon_report.accept"] != 2 || actions["carbon_report.correct"] != 1 {
			t.Errorf("audit: %v", actions)
		}
	})
}
