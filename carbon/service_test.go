package carbon_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cifp"
	"cifp/carbon"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

var admin = cifp.WithActor(context.Background(), cifp.Actor{UserID: 1, Username: "admin", Role: cifp.RoleAdmin})

type world struct {
	db      *store.DB
	orgs    *org.Service
	carbon  *carbon.Service
	a, b, c org.Org // cement, cement, toys
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	w := &world{db: db, orgs: org.NewService(db)}
	w.carbon = carbon.NewService(db, w.orgs)
	w.carbon.Now = func() time.Time { return now }
	mk := func(name, county, industry, body string) org.Org {
		o, err := w.orgs.Create(admin, org.Org{Kind: org.KindEnterprise, Name: name, USCC: uscc(t, county, body), Industry: industry, Division: county})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	w.a = mk("丽水莲都水泥有限公司", "331102", "3011", "0000000A")
	w.b = mk("龙泉水泥有限公司", "331181", "3011", "0000000B")
	w.c = mk("云和县木韵玩具有限公司", "331125", "2459", "0000000C")
	return w
}

func (w *world) activity() string {
	var s strings.Builder
	s.WriteString("uscc,period,item,quantity,unit,quality\n")
	for m := 1; m <= 12; m++ {
		fmt.Fprintf(&s, "%s,2023-%02d,bituminous_coal,100,t,metered\n", w.a.USCC, m)
	}
	fmt.Fprintf(&s, "%s,2023,value_added,2000,万元,reported\n", w.a.USCC)
	fmt.Fprintf(&s, "%s,2023-06,electricity,3000,MWh,metered\n%s,2023,value_added,1000,万元,\n", w.b.USCC, w.b.USCC)
	fmt.Fprintf(&s, "%s,2023-05,diesel,50,t,estimated\n", w.c.USCC)
	return s.String()
}

func (w *world) counts(t *testing.T) [3]int {
	var c [3]int
	if err := w.db.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM activity), (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM audit_log)`).Scan(&c[0], &c[1], &c[2]); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServiceImportAndAccounts(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		res, err := w.carbon.ImportActivity(admin, strings.NewReader(w.activity()), "csv", carbon.ImportOptions{Filename: "2023.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 16 || res.Enterprises != 3 || len(res.Years) != 1 {
			t.Fatalf("%+v", res)
		}

		// The stored accounts equal the stateless calculator's on the same data.
		rows, _ := carbon.ParseActivity(strings.NewReader(w.activity()), "csv", carbon.DefaultFactors(), now, nil)
		ents := map[string]carbon.Enterprise{}
		for _, o := range []org.Org{w.a, w.b, w.c} {
			ents[o.USCC] = carbon.Enterprise{USCC: o.USCC, Name: o.Name, Industry: o.Industry, County: o.Division}
		}
		want, err := carbon.Calculate(carbon.DefaultFactors(), rows, ents, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range want {
			id := map[string]int64{w.a.USCC: w.a.ID, w.b.USCC: w.b.ID, w.c.USCC: w.c.ID}[r.USCC]
			got, err := w.carbon.Account(admin, id, 2023)
			months := got.Months
			if err != nil {
				t.Fatal(err)
			}
			g, e := got.Result().Record(), r.Record()
			if fmt.Sprint(g) != fmt.Sprint(e) {
				t.Errorf("stored %v\nwant   %v", g, e)
			}
			if r.USCC == w.a.USCC && (len(months) != 12 || !near(months[0].Total, 174.17) || months[0].Month != 1) {
				t.Errorf("months of a: %d, first %.4f", len(months), months[0].Total)
			}
			if len(got.Factors) == 0 || got.FactorSet != carbon.DefaultFactors().ID || got.Factors[0].Source == "" || got.Factors[0].Unit == "" {
				t.Errorf("factors used: %v %s", got.Factors, got.FactorSet)
			}
		}
		acc, _ := w.carbon.Account(admin, w.a.ID, 2023)
		if acc.Grade != 3 || acc.Quality != carbon.Reported {
			t.Errorf("a: grade %d quality %s", acc.Grade, acc.Quality)
		}

		t.Run("TenantScope", func(t *testing.T) {
			entA := cifp.WithActor(context.Background(), cifp.Actor{UserID: 50, OrgID: w.a.ID, Username: "a", Role: cifp.RoleEnterprise})
			if _, err := w.carbon.Account(entA, w.b.ID, 2023); cifp.ErrorCode(err) != cifp.ENOTFOUND {
				t.Errorf("A reads B: %v", err)
			}
			list, _, err := w.carbon.List(entA, carbon.Filter{Year: 2023})
			if err != nil || len(list) != 1 || list[0].OrgID != w.a.ID {
				t.Errorf("A lists %v, %v", list, err)
			}
			bank := cifp.WithActor(context.Background(), cifp.Actor{UserID: 51, OrgID: 999, Username: "b", Role: cifp.RoleFinance})
			if _, _, err := w.carbon.List(bank, carbon.Filter{Year: 2023}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
				t.Errorf("bank lists: %v", err)
			}
			before := w.counts(t)
			_, err = w.carbon.ImportActivity(entA, strings.NewReader("uscc,period,item,quantity,unit\n"+w.b.USCC+",2023-07,diesel,1,t\n"), "csv", carbon.ImportOptions{})
			if fs := cifp.ErrorFields(err); len(fs) != 1 || fs[0].Row != 2 || fs[0].Column != "A" {
				t.Errorf("A imports for B: %v", err)
			}
			if w.counts(t) != before {
				t.Error("a refused import wrote rows")
			}
		})

		t.Run("ListFilters", func(t *testing.T) {
			for _, c := range []struct {
				f    carbon.Filter
				want int
			}{
				{carbon.Filter{Year: 2023}, 3},
				{carbon.Filter{Year: 2022}, 0},
				{carbon.Filter{Year: 2023, Industry: "3011"}, 2},
				{carbon.Filter{Year: 2023, Grade: 4}, 1},
				{carbon.Filter{Year: 2023, Level: carbon.LevelMedium}, 2},
				{carbon.Filter{Year: 2023, Quality: carbon.Estimated}, 1},
				{carbon.Filter{Year: 2023, Division: "331100"}, 3},
				{carbon.Filter{Year: 2023, Division: "331181"}, 1},
				{carbon.Filter{Year: 2023, Q: "水泥"}, 2},
			} {
				list, _, err := w.carbon.List(admin, c.f)
				if err != nil || len(list) != c.want {
					t.Errorf("%+v: %d, want %d (%v)", c.f, len(list), c.want, err)
				}
			}
		})

		t.Run("DuplicateOfRecordedIsAnError", func(t *testing.T) {
			before := w.counts(t)
			_, err := w.carbon.ImportActivity(admin, strings.NewReader("uscc,period,item,quantity,unit\n"+
				w.a.USCC+",2023-08,diesel,1,t\n"+w.a.USCC+",2023-03,bituminous_coal,120,t\n"), "csv", carbon.ImportOptions{})
			fs := cifp.ErrorFields(err)
			if len(fs) != 1 || fs[0].Row != 3 || fs[0].Column != "C" {
				t.Fatalf("err = %v", err)
			}
			if w.counts(t) != before {
				t.Error("a refused import wrote rows")
			}
		})

		t.Run("ReplaceCorrectsAndRegrades", func(t *testing.T) {
			// b's electricity doubles: b's L goes from 1.65 to 3.3, which moves the
			// cement benchmark and so a's grade, though a was not re-imported.
			_, err := w.carbon.ImportActivity(admin, strings.NewReader("uscc,period,item,quantity,unit\n"+
				w.b.USCC+",2023-06,electricity,6000,MWh\n"), "csv", carbon.ImportOptions{Replace: true})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := w.carbon.Account(admin, w.b.ID, 2023)
			a, _ := w.carbon.Account(admin, w.a.ID, 2023)
			// L_3011 = (2,090.04 + 3,300) / 3,000 = 1.79668; K_a = 1.04502 / 1.79668 = 0.58164 → 1.
			if !near(b.Intensity, 3.3) || !near(a.Benchmark, 1.79668) || a.Grade != 1 || b.Grade != 4 {
				t.Errorf("after replace: b L %.4f grade %d; a benchmark %.5f grade %d", b.Intensity, b.Grade, a.Benchmark, a.Grade)
			}
			// Recomputing everything gives the same.
			if n, err := w.carbon.Recompute(admin, 2023); err != nil || n != 3 {
				t.Fatalf("recompute: %d, %v", n, err)
			}
			a2, _ := w.carbon.Account(admin, w.a.ID, 2023)
			if a2.Grade != a.Grade || !near(a2.Benchmark, a.Benchmark) || !near(a2.Total, a.Total) {
				t.Errorf("recompute differs: %+v vs %+v", a2.Result().Record(), a.Result().Record())
			}
		})

		t.Run("LockedYear", func(t *testing.T) {
			if _, err := db.Exec(context.Background(), `INSERT INTO carbon_reports (org_id, year, version, status, reason, comment, snapshot, factor_set, submitted_at)
				VALUES (?, 2023, 1, 'accepted', '', '', '{}', 'x', ?)`, w.c.ID, store.Now()); err != nil {
				t.Fatal(err)
			}
			before := w.counts(t)
			_, err := w.carbon.ImportActivity(admin, strings.NewReader("uscc,period,item,quantity,unit\n"+w.c.USCC+",2023-09,diesel,1,t\n"), "csv", carbon.ImportOptions{})
			fs := cifp.ErrorFields(err)
			if len(fs) != 1 || fs[0].Column != "B" || !strings.Contains(fs[0].Message, "locked") {
				t.Fatalf("err = %v", err)
			}
			if w.counts(t) != before {
				t.Error("a refused import wrote rows")
			}
			c, _ := w.carbon.Account(admin, w.c.ID, 2023)
			if !c.Verified {
				t.Error("the accepted year is not shown verified")
			}
		})

		t.Run("BulkAPI", func(t *testing.T) {
			res, err := w.carbon.AddActivity(admin, []carbon.Entry{
				{USCC: w.a.USCC, Period: "2024-01", Item: "electricity", Quantity: 1200, Unit: "MWh", Quality: "metered"},
				{USCC: w.a.USCC, Period: "2024", Item: "value_added", Quantity: 500, Unit: "万元"},
			}, carbon.ImportOptions{Source: "api"})
			if err != nil || res.Rows != 2 {
				t.Fatalf("%+v %v", res, err)
			}
			acc, err := w.carbon.Account(admin, w.a.ID, 2024)
			// 1,200 MWh × 0.5500 (2024: latest published is East China 2023) = 660 t; L = 1.32.
			if err != nil || !near(acc.Total, 660) || !near(acc.Intensity, 1.32) || acc.Quality != carbon.Reported {
				t.Errorf("2024: %+v, %v", acc.Result().Record(), err)
			}
			_, err = w.carbon.AddActivity(admin, []carbon.Entry{{USCC: w.a.USCC, Period: "2024-02", Item: "electricity", Quantity: -1, Unit: "MWh"}}, carbon.ImportOptions{Source: "api"})
			if fs := cifp.ErrorFields(err); len(fs) != 1 || fs[0].Row != 1 || fs[0].Field != "quantity" {
				t.Errorf("negative: %v", err)
			}
		})
	})
}

// TestServiceImportBadFile imports a file with every kind of bad row into
// the database: nothing is written, and every bad row is listed.
func TestServiceImportBadFile(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		if _, err := w.carbon.ImportActivity(admin, strings.NewReader(w.activity()), "csv", carbon.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		before := w.counts(t)
		stranger := uscc(t, "331102", "0000000X")
		file := "uscc,period,item,quantity,unit\n" +
			w.a.USCC + ",2024-01,electricity,5,MWh\n" + // 2 fine on its own
			w.a.USCC + ",2024-01,plutonium,1,t\n" + // 3 unknown item
			w.a.USCC + ",2024-01,diesel,1,m3\n" + // 4 unknown unit
			w.a.USCC + ",2024-01,heat,-1,GJ\n" + // 5 negative
			w.a.USCC + ",2024-01,electricity,6,MWh\n" + // 6 duplicate of row 2
			w.a.USCC + ",2031-01,electricity,1,MWh\n" + // 7 future
			stranger + ",2024-01,electricity,1,MWh\n" // 8 unknown enterprise
		_, err := w.carbon.ImportActivity(admin, strings.NewReader(file), "csv", carbon.ImportOptions{})
		rows := map[int]bool{}
		for _, f := range cifp.ErrorFields(err) {
			rows[f.Row] = true
		}
		for r := 3; r <= 8; r++ {
			if !rows[r] {
				t.Errorf("row %d is not listed: %v", r, err)
			}
		}
		if rows[2] {
			t.Error("the good row is listed")
		}
		if w.counts(t) != before {
			t.Errorf("the database changed: %v → %v", before, w.counts(t))
		}
		// The year before: a's 2023 compared with its 2024 = nothing (no 2022).
		acc, _ := w.carbon.Account(admin, w.a.ID, 2023)
		if acc.YoY != nil {
			t.Errorf("a change from no year: %+v", acc.YoY)
		}
	})
}

// TestGridKind: an enterprise that names the ETS compliance factor gets its
// accounts recomputed with it; a locked year refuses the change.
func TestGridKind(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		if _, err := w.carbon.ImportActivity(admin, strings.NewReader(w.activity()), "csv", carbon.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		entB := cifp.WithActor(context.Background(), cifp.Actor{UserID: 70, OrgID: w.b.ID, Username: "b", Role: cifp.RoleEnterprise})
		if err := w.carbon.SetGridKind(entB, w.a.ID, "ets_compliance"); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("B sets A's kind: %v", err)
		}
		if err := w.carbon.SetGridKind(entB, w.b.ID, "lunar"); cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("unknown kind: %v", err)
		}
		version := func() (v int64) {
			t.Helper()
			if err := db.QueryRow(context.Background(), `SELECT version FROM data_versions WHERE name = 'accounts'`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		before := version()
		if err := w.carbon.SetGridKind(entB, w.b.ID, "ets_compliance"); err != nil {
			t.Fatal(err)
		}
		// The accounts were computed again: their version (which the
		// cockpit's kept summaries rest on) moved.
		if v := version(); v <= before {
			t.Errorf("the accounts' version %d after a recompute, %d before", v, before)
		}
		// 3,000 MWh × 0.5703 (the ETS compliance factor) = 1,710.9 t instead of 1,650.
		b, _ := w.carbon.Account(admin, w.b.ID, 2023)
		if !near(b.Total, 1710.9) || b.Factors[0].Code != "electricity:ets_compliance:CN" {
			t.Errorf("after the change: %.4f, %+v", b.Total, b.Factors)
		}
		if k, _ := w.carbon.GridKindOf(entB, w.b.ID); k != "ets_compliance" {
			t.Errorf("kind %q", k)
		}
		// Back to the default chain.
		if err := w.carbon.SetGridKind(entB, w.b.ID, ""); err != nil {
			t.Fatal(err)
		}
		if b, _ := w.carbon.Account(admin, w.b.ID, 2023); !near(b.Total, 1650) {
			t.Errorf("back to default: %.4f", b.Total)
		}
		// A full recompute keeps each enterprise's kind.
		w.carbon.SetGridKind(entB, w.b.ID, "national")
		if _, err := w.carbon.Recompute(admin, 2023); err != nil {
			t.Fatal(err)
		}
		if b, _ := w.carbon.Account(admin, w.b.ID, 2023); !near(b.Total, 3000*0.5306) {
			t.Errorf("full recompute: %.4f, want national 2023", b.Total)
		}
		if _, err := db.Exec(context.Background(), `INSERT INTO carbon_reports (org_id, year, version, status, reason, comment, snapshot, factor_set, submitted_at)
			VALUES (?, 2023, 1, 'accepted', '', '', '{}', 'x', ?)`, w.b.ID, store.Now()); err != nil {
			t.Fatal(err)
		}
		if err := w.carbon.SetGridKind(entB, w.b.ID, ""); cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("change on a locked year: %v", err)
		}
	})
}
