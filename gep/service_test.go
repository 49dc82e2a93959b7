package gep

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/internal/testutil"
	"cifp/store"
)

func as(role cifp.Role) context.Context {
	return cifp.WithActor(context.Background(), cifp.Actor{UserID: 7, OrgID: 1, Username: "u-" + string(role), Role: role})
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func hasField(err error, field string) bool {
	for _, f := range cifp.ErrorFields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

// TestRunAllDemo runs the one click on the demo inputs: every county and
// the city, each stored with its lines and within the magnitude band, the
// same figures as Account, and audited.
func TestRunAllDemo(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		s := NewService(db)
		reg := as(cifp.RoleRegulator)
		var steps []string
		b, err := s.RunAll(reg, RunRequest{Region: "331100", Year: 2024, Progress: func(done, total int, step string) {
			if total != 20 || done != len(steps)+1 {
				t.Errorf("progress %d/%d after %d steps", done, total, len(steps))
			}
			steps = append(steps, step)
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Runs) != 10 || !b.Demo || b.Runs[9].Region != "331100" || len(steps) != 20 || b.ProfileID == "" {
			t.Fatalf("batch: %d runs, demo %v, last %+v, %d steps", len(b.Runs), b.Demo, b.Runs[len(b.Runs)-1], len(steps))
		}
		p, _ := LookupProfile(DemoProfile)
		want := map[string]Result{}
		for _, in := range DemoInputs(2024) {
			r, err := Account(in, p)
			if err != nil {
				t.Fatal(err)
			}
			want[in.Region] = r
		}
		for _, sum := range b.Runs {
			if sum.Version != 1 || !sum.Within {
				t.Errorf("%s: version %d, within the band %v", sum.Region, sum.Version, sum.Within)
			}
			r, err := s.Run(reg, sum.ID)
			if err != nil {
				t.Fatal(err)
			}
			w := want[sum.Region]
			if r.GEP != w.GEP || len(r.Lines) != len(w.Lines) || !reflect.DeepEqual(r.Lines, w.Lines) || !reflect.DeepEqual(r.ByIndicator, w.ByIndicator) ||
				!reflect.DeepEqual(r.Amounts, w.Amounts) || r.Magnitude != w.Magnitude || r.ProfileID != p.ID {
				t.Errorf("%s: stored run differs from Account: GEP %v vs %v, %d vs %d lines", sum.Region, r.GEP, w.GEP, len(r.Lines), len(w.Lines))
			}
			if !strings.Contains(r.InputSource, "DEMO") || r.CreatedBy != "u-regulator" || r.Inputs.Region != sum.Region {
				t.Errorf("%s: source %q by %q", sum.Region, r.InputSource, r.CreatedBy)
			}
		}
		// The magnitude guard passes the demo city: GEP per km² in the band.
		city, err := s.Latest(reg, "331100", 2024)
		if err != nil || !city.Magnitude.Within || city.Magnitude.PerKm2 < city.Magnitude.Band.Low || city.Magnitude.PerKm2 > city.Magnitude.Band.High {
			t.Errorf("city magnitude: %v %+v", err, city.Magnitude)
		}
		var audited int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'gep.run'`).Scan(&audited)
		if audited != 10 {
			t.Errorf("audited runs: %d", audited)
		}
		// Everyone but citizens reads; only admins and regulators run.
		for _, role := range []cifp.Role{cifp.RoleFinance, cifp.RoleEnterprise, cifp.RoleVerifier, cifp.RoleAdmin} {
			if _, err := s.Run(as(role), city.ID); err != nil {
				t.Errorf("%s cannot read a run: %v", role, err)
			}
		}
		if _, err := s.Run(as(cifp.RoleCitizen), city.ID); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("a citizen read a run: %v", err)
		}
		for _, role := range []cifp.Role{cifp.RoleFinance, cifp.RoleEnterprise, cifp.RoleCitizen} {
			if _, err := s.RunAll(as(role), RunRequest{Region: "331100", Year: 2024}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
				t.Errorf("%s ran the accounting: %v", role, err)
			}
		}
		if _, err := s.RunAll(context.Background(), RunRequest{Region: "331100", Year: 2024}); cifp.ErrorCode(err) != cifp.EUNAUTHORIZED {
			t.Errorf("no actor: %v", err)
		}
		ov, err := s.Overview(as(cifp.RoleFinance), "331100", 2024)
		if err != nil || len(ov) != 10 || ov[9].Region != "331100" || ov[0].Region != "331102" {
			t.Errorf("overview: %v %d", err, len(ov))
		}
		av, err := s.AssetValue(as(cifp.RoleFinance), "331102", 2024)
		if err != nil || av.Value != want["331102"].GEP || !av.Demo || av.CarbonSequestration <= 0 || av.CarbonSequestration >= av.Value || av.Version != 1 {
			t.Errorf("asset value: %v %+v", err, av)
		}
		if _, err := s.AssetValue(as(cifp.RoleFinance), "331102", 2019); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("asset value of a year without a run: %v", err)
		}
	})
}

// TestRunsAreImmutable re-runs a year: the new runs are version 2, version
// 1 is unchanged, the database refuses to change or delete a run, and the
// two versions compare as the same line by line.
func TestRunsAreImmutable(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewService(db)
		reg := as(cifp.RoleRegulator)
		b1, err := s.RunAll(reg, RunRequest{Region: "331100", Year: 2024})
		if err != nil {
			t.Fatal(err)
		}
		v1, err := s.Run(reg, b1.Runs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := s.RunAll(reg, RunRequest{Region: "331100", Year: 2024})
		if err != nil {
			t.Fatal(err)
		}
		if b2.ID == b1.ID || b2.Runs[0].Version != 2 || b2.Runs[0].Region != v1.Region {
			t.Fatalf("re-run: batch %s, %+v", b2.ID, b2.Runs[0])
		}
		again, err := s.Run(reg, v1.ID)
		if err != nil || !reflect.DeepEqual(again, v1) {
			t.Errorf("version 1 changed after the re-run: %v", err)
		}
		if _, err := db.Exec(ctx, `UPDATE gep_runs SET gep = 0 WHERE id = ?`, v1.ID); err == nil {
			t.Error("the database let a run be updated")
		}
		if _, err := db.Exec(ctx, `DELETE FROM gep_lines WHERE run_id = ?`, v1.ID); err == nil {
			t.Error("the database let a run's lines be deleted")
		}
		if _, err := db.Exec(ctx, `DELETE FROM gep_runs WHERE id = ?`, v1.ID); err == nil {
			t.Error("the database let a run be deleted")
		}
		if again, _ := s.Run(reg, v1.ID); again.GEP != v1.GEP || len(again.Lines) != len(v1.Lines) {
			t.Error("version 1 changed")
		}
		c, err := s.Compare(reg, v1.ID, b2.Runs[0].ID)
		if err != nil || c.Changed != 0 || c.Delta != 0 || len(c.Lines) != len(v1.Lines) || c.A.Version != 1 || c.B.Version != 2 {
			t.Errorf("compare v1 v2: %v changed %d delta %v", err, c.Changed, c.Delta)
		}
		runs, err := s.Runs(reg, "331102", 2024)
		if err != nil || len(runs) != 2 || runs[0].Version != 2 {
			t.Errorf("versions: %v %+v", err, runs)
		}

		// New inputs for one county: more forest, less farmland. Its third
		// run and the city's change; the comparison shows where.
		start, err := s.StartingInputs(reg, "331102", 2024)
		if err != nil || start.Source != "demo" {
			t.Fatalf("starting inputs: %v %+v", err, start.Source)
		}
		nums, _ := start.Figures()
		set, err := start.WithFigures(map[string]float64{"ecosystems.forest.area_km2": nums["ecosystems.forest.area_km2"] + 10,
			"ecosystems.farmland.area_km2": nums["ecosystems.farmland.area_km2"] - 10, "gdp": 600}, nil)
		if err != nil {
			t.Fatal(err)
		}
		set.Source = "form"
		saved, err := s.SaveInputs(reg, set)
		if err != nil {
			t.Fatal(err)
		}
		if saved.GDP != 600*Yi || saved.ID == 0 {
			t.Fatalf("saved: %+v", saved)
		}
		b3, err := s.RunAll(reg, RunRequest{Region: "331100", Year: 2024})
		if err != nil {
			t.Fatal(err)
		}
		v3 := b3.Runs[0]
		if v3.Version != 3 || !strings.Contains(v3.InputSource, "input set") || v3.GDP != 600*Yi {
			t.Errorf("run on the stored set: %+v", v3)
		}
		if g, ok := v3.GEPPerGDP(); !ok || math.Abs(g-v3.GEP/(600*Yi)) > 1e-12 {
			t.Errorf("GEP/GDP %v %v", g, ok)
		}
		c, err = s.Compare(reg, b2.Runs[0].ID, v3.ID)
		if err != nil || c.Changed == 0 || c.Delta <= 0 {
			t.Fatalf("compare v2 v3: %v changed %d delta %v", err, c.Changed, c.Delta)
		}
		for _, d := range c.Lines {
			if d.Ecosystem == Forest && d.Indicator == WaterConservation && (d.Status != "changed" || d.QuantityB <= d.QuantityA) {
				t.Errorf("forest water conservation: %+v", d)
			}
			if d.Ecosystem == "" && d.Indicator == Hydropower && d.Status != "same" {
				t.Errorf("hydropower changed: %+v", d)
			}
		}
		if city := b3.Runs[9]; !strings.Contains(city.InputSource, "combined") || city.GEP == b2.Runs[9].GEP {
			t.Errorf("the city: %+v", city)
		}
	})
}

// TestBadInputsStoreNothing: a negative area, areas that do not add up, a
// missing price, a region without inputs and grids that do not line up
// each get an error naming them, and no input set or run is stored.
func TestBadInputsStoreNothing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewService(db)
		reg := as(cifp.RoleRegulator)
		base := DemoInputs(2024)[1] // 331102
		neg := base
		neg.Ecosystems = cloneEcos(base.Ecosystems)
		f := neg.Ecosystems[Forest]
		f.AreaKm2 = -5
		neg.Ecosystems[Forest] = f
		if _, err := s.SaveInputs(reg, InputSet{Inputs: neg, Source: "api"}); cifp.ErrorCode(err) != cifp.EINVALID || !hasField(err, "ecosystems.forest.area_km2") {
			t.Errorf("negative area: %v", err)
		}
		short := base
		short.AreaKm2 = base.AreaKm2 * 1.2
		if _, err := s.SaveInputs(reg, InputSet{Inputs: short, Source: "api"}); cifp.ErrorCode(err) != cifp.EINVALID || !hasField(err, "ecosystems") {
			t.Errorf("areas not adding up: %v", err)
		}
		if _, err := s.SaveInputs(reg, InputSet{Inputs: base, Source: "api", GDP: -1}); !hasField(err, "gdp") {
			t.Errorf("negative GDP: %v", err)
		}
		if _, err := s.SaveInputs(as(cifp.RoleEnterprise), InputSet{Inputs: base, Source: "api"}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
			t.Errorf("an enterprise saved inputs: %v", err)
		}
		if n := count(t, db, "gep_inputs"); n != 0 {
			t.Fatalf("%d input sets stored", n)
		}
		// A bad set that got into the table (an older platform, a hand
		// edit) stops the whole click, named by region and field.
		raw, _ := json.Marshal(neg)
		if _, err := db.Exec(ctx, `INSERT INTO gep_inputs (region, year, name, inputs, gdp, source, note, created_by, created_by_name, created_at)
			VALUES ('331102', 2024, 'x', ?, 0, 'api', '', 0, 'x', ?)`, string(raw), store.Now()); err != nil {
			t.Fatal(err)
		}
		_, err := s.RunAll(reg, RunRequest{Region: "331100", Year: 2024})
		if cifp.ErrorCode(err) != cifp.EINVALID || !hasField(err, "331102/ecosystems.forest.area_km2") || !strings.Contains(err.Error(), "no run was stored") {
			t.Errorf("run on a bad set: %v", err)
		}
		// A missing price: the Zhejiang profile has unknown values.
		_, err = s.RunAll(reg, RunRequest{Region: "331121", Year: 2024, Profile: "zj2025"})
		if cifp.ErrorCode(err) != cifp.EINVALID || len(cifp.ErrorFields(err)) == 0 || !strings.HasPrefix(cifp.ErrorFields(err)[0].Field, "331121/") {
			t.Errorf("missing price: %v", err)
		}
		named := false
		for _, f := range cifp.ErrorFields(err) {
			named = named || strings.HasPrefix(f.Field, "331121/price.")
		}
		if !named {
			t.Errorf("no price named: %v", cifp.ErrorFields(err))
		}
		if _, err := s.RunAll(reg, RunRequest{Region: "330100", Year: 2024}); cifp.ErrorCode(err) != cifp.EINVALID || !hasField(err, "330100") {
			t.Errorf("a region without inputs: %v", err)
		}
		if _, err := s.RunAll(reg, RunRequest{Region: "331100", Year: 2024, Profile: "nope"}); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("unknown profile: %v", err)
		}
		// Grids: a layer in another projection.
		zone := Raster{Grid: Grid{EPSG: 4549, Projected: true, PixelWidth: 30, PixelHeight: 30, Width: 2, Height: 1}, Int: []int32{331102, 331102}}
		class := zone
		class.Int = []int32{1, 1}
		other := Raster{Grid: zone.Grid, Float: []float32{1, 1}}
		other.EPSG = 32650
		good := Raster{Grid: zone.Grid, Float: []float32{1, 1}}
		_, err = s.ApplyGrids(reg, 2024, GridLayers{Zone: zone, Class: class, R: other, K: good, LS: good, C: good}, "")
		if cifp.ErrorCode(err) != cifp.EINVALID || !hasField(err, "r") || !strings.Contains(err.Error(), "EPSG:32650") {
			t.Errorf("a grid in another projection: %v", err)
		}
		if r, i := count(t, db, "gep_runs"), count(t, db, "gep_inputs"); r != 0 || i != 1 {
			t.Errorf("stored %d runs and %d input sets", r, i)
		}
		// Good grids add modelled quantities to a new input set (of a
		// county whose stored set is sound).
		zone.Int = []int32{331121, 331121}
		sets, err := s.ApplyGrids(reg, 2024, GridLayers{Zone: zone, Class: class, R: good, K: good, LS: good, C: Raster{Grid: zone.Grid, Float: []float32{0, 0}}}, "")
		if err != nil || len(sets) != 1 || sets[0].Source != "geotiff" || len(sets[0].Inputs.Modelled) == 0 {
			t.Fatalf("grids: %v %+v", err, sets)
		}
		// 1·1·1·(1 − 0) t/hm²/a × 0.09 hm² × 2 pixels = 0.18 t
		if q := sets[0].Inputs.Modelled[0]; q.Indicator != SoilRetention || q.Ecosystem != Forest || math.Abs(q.Value-0.18) > 1e-9 {
			t.Errorf("modelled: %+v", q)
		}
	})
}

func TestChangeSinceLastYear(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		s := NewService(db)
		reg := as(cifp.RoleRegulator)
		for _, y := range []int{2023, 2024} {
			if _, err := s.RunAll(reg, RunRequest{Region: "331100", Year: y}); err != nil {
				t.Fatal(err)
			}
		}
		c, err := s.ChangeSinceLastYear(as(cifp.RoleEnterprise), "331100", 2024)
		if err != nil || c.A.Year != 2023 || c.B.Year != 2024 || math.Abs(c.Percent-c.Delta/c.A.GEP*100) > 1e-9 {
			t.Fatalf("change: %v %+v", err, c.A)
		}
		if _, err := s.ChangeSinceLastYear(reg, "331100", 2023); cifp.ErrorCode(err) != cifp.ENOTFOUND {
			t.Errorf("no 2022: %v", err)
		}
		tr, err := s.Trend(reg, "331100")
		if err != nil || len(tr) != 2 || tr[0].Year != 2023 {
			t.Errorf("trend: %v %+v", err, tr)
		}
	})
}

// TestCompareResults: matched, changed, removed and added lines.
func TestCompareResults(t *testing.T) {
	a := Result{GEP: 300, ProfileID: "p@1", Lines: []Line{
		{Category: Regulating, Indicator: SoilRetention, Component: "nitrogen", Ecosystem: Forest, Quantity: 10, Price: 10, Value: 100},
		{Category: Regulating, Indicator: WaterConservation, Ecosystem: Forest, Quantity: 100, Price: 1, Value: 100},
		{Category: Cultural, Indicator: Recreation, Quantity: 1, Price: 100, Value: 100},
	}, ByIndicator: []Total{{Key: "soil_retention", Value: 100}, {Key: "water_conservation", Value: 100}, {Key: "recreation", Value: 100}}}
	b := Result{GEP: 350, ProfileID: "p@1", Lines: []Line{
		{Category: Regulating, Indicator: SoilRetention, Component: "nitrogen", Ecosystem: Forest, Quantity: 10, Price: 10, Value: 100},
		{Category: Regulating, Indicator: WaterConservation, Ecosystem: Forest, Quantity: 150, Price: 1, Value: 150},
		{Category: Provisioning, Indicator: Hydropower, Quantity: 100, Price: 1, Value: 100},
	}, ByIndicator: []Total{{Key: "hydropower", Value: 100}, {Key: "soil_retention", Value: 100}, {Key: "water_conservation", Value: 150}}}
	c := CompareResults(a, b)
	var got []string
	for _, d := range c.Lines {
		got = append(got, string(d.Indicator)+":"+d.Status)
	}
	want := []string{"soil_retention:same", "water_conservation:changed", "recreation:removed", "hydropower:added"}
	if !reflect.DeepEqual(got, want) || c.Delta != 50 || c.Changed != 3 || c.ProfileChanged {
		t.Errorf("lines %v, delta %v, changed %d", got, c.Delta, c.Changed)
	}
	if c.Lines[1].Delta != 50 || c.Lines[2].Delta != -100 || c.Lines[3].Delta != 100 {
		t.Errorf("deltas: %+v", c.Lines)
	}
	if len(c.ByIndicator) != 4 || c.ByIndicator[0].Key != "hydropower" {
		t.Errorf("by indicator: %+v", c.ByIndicator)
	}
}

// TestTemplate writes the template of the demo county and reads it back
// unchanged; a bad file names every bad row and column and gives no set.
func TestTemplate(t *testing.T) {
	in := DemoInputs(2024)[1]
	set := InputSet{Inputs: in, GDP: 580 * Yi}
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, set); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	got, err := ParseTemplate(bytes.NewReader(raw), "xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if got.Region != "331102" || got.Year != 2024 || got.Source != "xlsx" || math.Abs(got.GDP-580*Yi) > 1 {
		t.Fatalf("read back: %+v", got)
	}
	p, _ := LookupProfile(DemoProfile)
	r1, err1 := Account(in, p)
	r2, err2 := Account(got.Inputs, p)
	if err1 != nil || err2 != nil || math.Abs(r1.GEP-r2.GEP) > 1e-6*r1.GEP {
		t.Errorf("GEP from the template %v, from the inputs %v (%v %v)", r2.GEP, r1.GEP, err1, err2)
	}
	// Break it: a negative area, a word for a number, an unknown code.
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rowOf := map[string]int{}
	rows, _ := x.GetRows(templateSheet)
	for i, r := range rows {
		rowOf[r[0]] = i + 1
	}
	x.SetCellValue(templateSheet, "D"+itoa(rowOf["ecosystems.forest.area_km2"]), -3)
	x.SetCellValue(templateSheet, "D"+itoa(rowOf["precip_mm"]), "很多")
	x.SetCellValue(templateSheet, "A"+itoa(rowOf["air.so2"]), "air.so3")
	var bad bytes.Buffer
	x.Write(&bad)
	_, err = ParseTemplate(&bad, "xlsx")
	fs := cifp.ErrorFields(err)
	if cifp.ErrorCode(err) != cifp.EINVALID || len(fs) != 2 {
		t.Fatalf("bad file: %v", err)
	}
	if fs[0].Row != rowOf["precip_mm"] || fs[0].Column != "D" || fs[1].Row != rowOf["air.so2"] || fs[1].Column != "A" {
		t.Errorf("errors: %+v", fs)
	}
	// With the syntax right, Validate's errors are placed at their rows.
	x.SetCellValue(templateSheet, "D"+itoa(rowOf["precip_mm"]), 1500)
	x.SetCellValue(templateSheet, "A"+itoa(rowOf["air.so2"]), "air.so2")
	bad.Reset()
	x.Write(&bad)
	_, err = ParseTemplate(&bad, "xlsx")
	fs = cifp.ErrorFields(err)
	if len(fs) == 0 || fs[0].Row != rowOf["ecosystems.forest.area_km2"] || fs[0].Column != "D" || !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("negative area: %v %+v", err, fs)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestRunXLSX: the accounting table is a real .xlsx with every line.
func TestRunXLSX(t *testing.T) {
	p, _ := LookupProfile(DemoProfile)
	in := DemoInputs(2024)[0]
	res, err := Account(in, p)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteRunXLSX(&buf, Run{ID: 1, Version: 1, Inputs: in, Result: res}); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("价值量")
	if len(rows) != len(res.Lines)+2 {
		t.Errorf("%d rows for %d lines", len(rows), len(res.Lines))
	}
	if sheets := x.GetSheetList(); !reflect.DeepEqual(sheets, []string{"汇总", "价值量", "实物量", "输入"}) {
		t.Errorf("sheets %v", sheets)
	}
}
