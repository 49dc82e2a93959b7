package finance

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"cifp"
	"cifp/internal/testutil"
	"cifp/store"
)

// TestStatisticsFromTheBook checks that the database's maintained cells are
// Aggregate's cells of the same loans, and that the statistics read them
// for each actor's scope.
func TestStatisticsFromTheBook(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		header := strings.Join(LoanHeader, ",") + "\n"
		r := rand.New(rand.NewPCG(1, 2))
		purposes := []string{"屋顶光伏电站建设", "补充流动资金", "电机节能改造", "海绵城市改造", "购置设备"}
		var books [2]strings.Builder
		for b := range books {
			books[b].WriteString(header)
			for i := 0; i < 40; i++ {
				e := []string{w.e1.USCC, w.e2.USCC}[r.IntN(2)]
				amount := float64(100 + r.IntN(900))
				balance := float64(int(amount * r.Float64()))
				start := time.Date(2024+r.IntN(2), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, China).Format(time.DateOnly)
				books[b].WriteString(strings.Join([]string{"L" + itoa(b) + "-" + itoa(i), e, "p", ftoa(amount), ftoa(balance), "3.5", start,
					"2030-01-01", purposes[r.IntN(len(purposes))], "", "", "", ""}, ",") + "\n")
			}
		}
		for b := range books {
			if _, err := w.svc.ImportLoans(w.bank[b], strings.NewReader(books[b].String()), "book.csv", "2025-12"); err != nil {
				t.Fatalf("%v %v", err, cifp.ErrorFields(err))
			}
		}
		// The same loans read back and aggregated in Go give the same cells.
		var all []Loan
		for off := 0; ; off += 1000 {
			ls, _, err := w.svc.Loans(w.reg, LoanFilter{Month: "2025-12", Limit: 1000, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ls...)
			if len(ls) < 1000 {
				break
			}
		}
		want, err := Aggregate("2025-12", all)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.svc.Cells(w.reg, Slice{}, "2025-12")
		if err != nil {
			t.Fatal(err)
		}
		if !sameCells(got, want) {
			t.Errorf("the maintained cells differ from Aggregate's:\n got %+v\nwant %+v", got, want)
		}
		// The SQL summary (used after a disbursement) gives the same cells.
		if err := db.InTx(system, func(tx *store.Tx) error {
			for b := range 2 {
				if err := summarise(system, tx, "2025-12", w.banks[b].ID); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if sql, _ := w.svc.Cells(w.reg, Slice{}, "2025-12"); !sameCells(sql, want) {
			t.Errorf("the SQL summary differs from Aggregate's:\n got %+v\nwant %+v", sql, want)
		}
		// A full recompute gives the same cells.
		if _, err := w.svc.Recompute(w.reg); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("a regulator recomputed: %v", err)
		}
		if _, err := w.svc.Recompute(system); err != nil {
			t.Fatal(err)
		}
		if again, _ := w.svc.Cells(w.reg, Slice{}, "2025-12"); !sameCells(again, want) {
			t.Error("recomputed cells differ")
		}
		// The total row equals the book's own sums; a bank sees its own only.
		rows, err := w.svc.Statistics(w.reg, "2025-12", ByTotal, Slice{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("%v %+v", err, rows)
		}
		var green, total float64
		for _, l := range all {
			total += l.Balance
			if l.Green() {
				green += l.Balance
			}
		}
		if rows[0].GreenBalance != green || rows[0].AllBalance != total {
			t.Errorf("total row %+v, want green %g of %g", rows[0], green, total)
		}
		mine, _ := w.svc.Statistics(w.bank[0], "2025-12", ByInstitution, Slice{})
		if len(mine) != 1 || mine[0].Key != itoa64(w.banks[0].ID) {
			t.Errorf("bank 0's statistics: %+v", mine)
		}
		if _, err := w.svc.Statistics(w.ent1, "2025-12", ByTotal, Slice{}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("an enterprise read statistics: %v", err)
		}
		if _, err := w.svc.TargetProgress(w.bank[0], "2025-12", nil, Slice{}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("a bank read the targets: %v", err)
		}
		ps, err := w.svc.TargetProgress(w.reg, "2025-12", map[string]Input{"forest_cover": {Value: 80.3, Scope: "forestry-forest-cover", AsOf: "2025", Source: "林业局"}}, Slice{})
		if err != nil || len(ps) == 0 {
			t.Fatalf("targets: %v %+v", err, ps)
		}
		for _, p := range ps {
			if p.Indicator == "forest_cover" && (p.Met == nil || !*p.Met) {
				t.Errorf("forest cover 80.3 %% against 80 %%: %+v", p)
			}
		}
	})
}

func sameCells(a, b []Cell) bool {
	key := func(c Cell) string {
		return strings.Join([]string{c.Month, itoa64(c.InstitutionID), c.County, c.Class, c.Catalogue, c.Sector, c.ClimateType}, "|")
	}
	m := map[string]Cell{}
	for _, c := range a {
		m[key(c)] = c
	}
	if len(m) != len(b) || len(a) != len(b) {
		return false
	}
	for _, c := range b {
		if !reflect.DeepEqual(m[key(c)], c) {
			return false
		}
	}
	return true
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func TestTrendOverYears(t *testing.T) {
	db := testutil.MustOpenDB(t)
	w := newWorld(t, db)
	header := strings.Join(LoanHeader, ",") + "\n"
	for _, m := range []string{"2023-12", "2024-12", "2025-06", "2025-12"} {
		if _, err := w.svc.ImportLoans(w.bank[0], strings.NewReader(header+"L1,"+w.e1.USCC+",p,100,80,3.5,2023-01-05,2030-01-01,屋顶光伏电站建设,,,,\n"), "b.csv", m); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := w.svc.Trend(w.reg, "2023-01", "2025-12", ByTotal, Slice{})
	if err != nil || len(rows) != 36 {
		t.Fatalf("%v %d rows", err, len(rows))
	}
	for _, r := range rows {
		want := 0.0
		if r.Month == "2023-12" || r.Month == "2024-12" || r.Month == "2025-06" || r.Month == "2025-12" {
			want = 80
		}
		if r.GreenBalance != want {
			t.Errorf("%s: green balance %g, want %g", r.Month, r.GreenBalance, want)
		}
	}
	if _, err := w.svc.Trend(w.reg, "2010-01", "2025-12", ByTotal, Slice{}); !hasField(err, "from") {
		t.Errorf("a range over %d months: %v", MaxTrendMonths, err)
	}
	if m, err := w.svc.LatestMonth(w.bank[0]); err != nil || m != "2025-12" {
		t.Errorf("latest month %q %v", m, err)
	}
	if m, _ := w.svc.LatestMonth(w.bank[1]); m != "" {
		t.Errorf("bank 1's latest month %q", m)
	}
	if ids, err := w.svc.Borrowers(w.bank[0], "2025-12"); err != nil || len(ids) != 1 || ids[0] != w.e1.ID {
		t.Errorf("borrowers %v %v", ids, err)
	}
	if ids, _ := w.svc.Borrowers(w.bank[1], "2025-12"); len(ids) != 0 {
		t.Errorf("bank 1's borrowers %v", ids)
	}
	// A lender reads the credit of its borrowers, not of others.
	if _, err := w.svc.Credit(w.bank[0], []int64{w.e1.ID}, 2025); err != nil {
		t.Errorf("own borrower's credit: %v", err)
	}
	if _, err := w.svc.Credit(w.bank[1], []int64{w.e1.ID}, 2025); cifp.ErrorCode(err) != cifp.ENOTFOUND {
		t.Errorf("another's borrower's credit: %v", err)
	}
}
