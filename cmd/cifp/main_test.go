package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"github.com/xuri/excelize/v2"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cifp/org"
	"cifp/store"
)

// cli runs the command line and returns its standard output and error.
func cli(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func tempDB(t *testing.T) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "cifp.db")
}

func TestHelp(t *testing.T) {
	out, err := cli(t, "", "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"serve", "migrate", "demo", "import", "export", "user", "audit", "version"} {
		if !strings.Contains(out, "  "+c) {
			t.Errorf("help lacks %s:\n%s", c, out)
		}
		out, err := cli(t, "", c, "-h")
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "Usage: cifp "+c) {
			t.Errorf("%s -h: %v\n%s", c, err, out)
		}
	}
	for _, args := range [][]string{{"user", "add", "-h"}, {"user", "reset-password", "-h"}, {"audit", "verify", "-h"}, {"help", "demo"}} {
		out, err := cli(t, "", args...)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "Flags:") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
	if _, err := cli(t, "", "frobnicate"); err == nil {
		t.Error("an unknown command succeeded")
	}
}

func TestAuditVerifyCLI(t *testing.T) {
	db := tempDB(t)
	if out, err := cli(t, "", "demo", "--db", db, "--enterprises", "10", "--quiet", "--activity-years", "none", "--projects", "0", "--finance=false"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	out, err := cli(t, "", "audit", "verify", "--db", db)
	if err != nil || !strings.Contains(out, "audit log OK: 9 entries") {
		t.Fatalf("clean: %v\n%s", err, out)
	}
	// Someone edits one row behind the platform's back.
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exec(context.Background(), `UPDATE audit_log SET actor = 'mallory' WHERE seq = 4`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out, err = cli(t, "", "audit", "verify", "--db", db)
	if !errors.Is(err, errSilent) || !strings.Contains(out, "BROKEN at entry 4") {
		t.Fatalf("edited: %v\n%s", err, out)
	}
}

func TestImportExportCLI(t *testing.T) {
	db := tempDB(t)
	dir := t.TempDir()
	code, err := org.MakeUSCC('9', '1', "331126", "QYUAN001")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("统一社会信用代码,名称,类型,行业代码,行政区划代码\n"+code+",庆元县菇香食品有限公司,企业,1530,331126\n"+
		"91350203M0001QAY9B,坏公司,企业,1530,331126\n"), 0o644)
	out, err := cli(t, "", "import", "--db", db, "orgs", bad)
	if err == nil || !strings.Contains(describe(err), "row 3, column A (uscc)") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}
	out, _ = cli(t, "", "export", "--db", db, "orgs")
	if strings.Contains(out, "庆元县") {
		t.Fatal("a failed import wrote rows")
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("uscc,name,kind,industry,division\n"+code+",庆元县菇香食品有限公司,企业,1530,331126\n"), 0o644)
	if out, err := cli(t, "", "import", "--db", db, "orgs", good); err != nil || !strings.Contains(out, "1 created") {
		t.Fatalf("good file: %v\n%s", err, out)
	}
	xlsx := filepath.Join(dir, "orgs.xlsx")
	if out, err := cli(t, "", "export", "--db", db, "-o", xlsx, "orgs"); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	f, _ := os.Open(xlsx)
	defer f.Close()
	rows, err := org.ParseFile(f, "xlsx")
	if err != nil || len(rows) != 1 || rows[0].Org.Name != "庆元县菇香食品有限公司" {
		t.Fatalf("exported %+v, %v", rows, err)
	}
}

func TestProjectsCLI(t *testing.T) {
	db := tempDB(t)
	dir := t.TempDir()
	if out, err := cli(t, "", "demo", "--db", db, "--enterprises", "20", "--quiet", "--activity-years", "none", "--projects", "12"); err != nil ||
		!strings.Contains(out, "14 climate projects") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	if _, err := cli(t, "", "export", "--db", db, "projects"); err == nil || !strings.Contains(describe(err), ".xlsx") {
		t.Fatalf("projects to stdout: %v", err)
	}
	lib := filepath.Join(dir, "library.xlsx")
	if out, err := cli(t, "", "export", "--db", db, "-o", lib, "projects"); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	x, err := excelize.OpenFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("气候项目库")
	x.Close()
	if len(rows) != 13 { // the header and the 12 projects in the library; the draft and the one under review stay out
		t.Fatalf("exported %d rows", len(rows))
	}
	// The export loads back, all or nothing.
	out, err := cli(t, "", "import", "--db", db, "projects", lib)
	if err != nil || !strings.Contains(out, "12 projects imported") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	nat := filepath.Join(dir, "national.xlsx")
	if out, err := cli(t, "", "export", "--db", db, "--national", "-o", nat, "projects"); err != nil {
		t.Fatalf("national: %v\n%s", err, out)
	}
	x, _ = excelize.OpenFile(nat)
	defer x.Close()
	if rows, _ := x.GetRows("推荐国家库"); len(rows) < 2 {
		t.Errorf("national export has %d rows", len(rows))
	}
}

func TestUserCLI(t *testing.T) {
	db := tempDB(t)
	if out, err := cli(t, "", "demo", "--db", db, "--enterprises", "10", "--quiet"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	out, err := cli(t, "green-bank-2026\n", "user", "add", "--db", db, "--username", "loan.officer",
		"--role", "enterprise", "--org-uscc", "x")
	if err == nil || !strings.Contains(describe(err), "--org-uscc") {
		t.Fatalf("unknown org: %v\n%s", err, out)
	}
	s, _ := store.Open(context.Background(), db)
	var uscc string
	s.QueryRow(context.Background(), `SELECT uscc FROM orgs WHERE kind = 'bank' ORDER BY id LIMIT 1`).Scan(&uscc)
	s.Close()
	out, err = cli(t, "green-bank-2026\n", "user", "add", "--db", db, "--username", "loan.officer",
		"--role", "enterprise", "--org-uscc", uscc)
	if err == nil || !strings.Contains(describe(err), "role") {
		t.Fatalf("wrong role: %v\n%s", err, out)
	}
	out, err = cli(t, "green-bank-2026\n", "user", "add", "--db", db, "--username", "loan.officer",
		"--role", "finance", "--org-uscc", uscc, "--name", "信贷员")
	if err != nil || !strings.Contains(out, "user loan.officer") {
		t.Fatalf("add: %v\n%s", err, out)
	}
	out, err = cli(t, "", "user", "reset-password", "--db", db, "--username", "loan.officer", "--password", "another-pass-1")
	if err != nil || !strings.Contains(out, "reset") {
		t.Fatalf("reset: %v\n%s", err, out)
	}
}

// TestServe starts the platform on a free port, checks it answers, and shuts
// it down gracefully as SIGTERM would.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	app, err := Open(ctx, Config{DB: tempDB(t), Addr: "127.0.0.1:0", Demo: true, DemoSeed: 1, DemoEnterprises: 10,
		SecretFile: filepath.Join(t.TempDir(), "cifp.key")},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if app.Demo == nil || len(app.Demo.Logins) != 6 {
		t.Fatalf("demo logins: %+v", app.Demo)
	}
	if err := app.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	resp, err := http.Get(app.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}

func TestCarbonCalcCLI(t *testing.T) {
	dir := t.TempDir()
	a, _ := org.MakeUSCC('9', '1', "331102", "0000000A")
	b, _ := org.MakeUSCC('9', '1', "331181", "0000000B")
	act := filepath.Join(dir, "activity.csv")
	os.WriteFile(act, []byte("uscc,period,item,quantity,unit\n"+
		a+",2023-01,bituminous_coal,1200,t\n"+a+",2023,value_added,2000,万元\n"+
		b+",2023-06,electricity,3000,MWh\n"+b+",2023,value_added,1000,万元\n"), 0o644)
	ents := filepath.Join(dir, "ent.csv")
	os.WriteFile(ents, []byte("uscc,name,industry,county\n"+a+",莲都水泥,3011,331102\n"+b+",龙泉水泥,3011,331181\n"), 0o644)
	out, err := cli(t, "", "carbon", "calc", "--in", act, "--enterprises", ents, "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Worked by hand in carbon/calc_test.go: grades 3 and 4.
	if len(rs) != 2 || rs[0]["grade"] != 3.0 || rs[1]["grade"] != 4.0 || rs[0]["level"] != "medium" {
		t.Fatalf("%s", out)
	}
	out, err = cli(t, "", "carbon", "calc", "--in", act, "--format", "csv")
	if err != nil || !strings.HasPrefix(out, "uscc,year,scope1_tco2,scope2_tco2,total_tco2,energy_tce,value_added_wan,intensity_t_per_wan,level,grade\n") {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	// Without the enterprises file there are no industries and so no grades.
	if strings.Count(out, ",medium,\n") != 2 {
		t.Errorf("csv without industries:\n%s", out)
	}
	// A factors file overrides the default: Zhejiang 2023 at 0.5.
	fac := filepath.Join(dir, "grid.csv")
	os.WriteFile(fac, []byte("kind,region,data_year,tco2_per_mwh,confidence,source\nprovincial,330000,2023,0.5,C,test\n"), 0o644)
	out, err = cli(t, "", "carbon", "calc", "--in", act, "--factors", fac, "--format", "csv")
	if err != nil || !strings.Contains(out, b+",2023,0,1500,1500,") {
		t.Fatalf("factors: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("uscc,period,item,quantity,unit\n"+a+",2023-01,diesel,-1,t\n"+a+",2023-01,coal?,1,t\n"), 0o644)
	_, err = cli(t, "", "carbon", "calc", "--in", bad)
	msg := describe(err)
	if err == nil || !strings.Contains(msg, "row 2, column D (quantity)") || !strings.Contains(msg, "row 3, column C (item)") {
		t.Fatalf("bad file: %v", msg)
	}
}

func TestBenchFinanceSmall(t *testing.T) {
	out, err := cli(t, "", "bench", "finance", "--enterprises", "10", "--loans", "300")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"(c) ImportLoans", "300", "Recompute: cells from every loan row", "full recompute (cells + tables)"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "× the floor") && !strings.Contains(out, "floor skipped") {
		t.Errorf("no floor:\n%s", out)
	}
}
