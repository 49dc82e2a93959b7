package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"cifp"
	"cifp/store"
)

// TestGEPCLI runs the one click twice on the demo inputs (version 1, then
// 2), refuses a profile with missing prices without storing a run, and
// round-trips the template and the accounting table.
func TestGEPCLI(t *testing.T) {
	db := tempDB(t)
	out, err := cli(t, "", "gep", "run", "--db", db, "--region", "331100", "--year", "2024", "--quiet")
	if err != nil {
		t.Fatalf("gep run: %v\n%s", err, out)
	}
	for _, want := range []string{"331102", "莲都区", "331100", "丽水市", "10 runs stored", "DEMO", "lishui-demo@"} {
		if !strings.Contains(out, want) {
			t.Errorf("gep run output lacks %q:\n%s", want, out)
		}
	}
	out, err = cli(t, "", "gep", "run", "--db", db, "--year", "2024", "--quiet")
	if err != nil || !strings.Contains(out, "丽水市        2") {
		t.Errorf("re-run: %v\n%s", err, out)
	}
	out, err = cli(t, "", "gep", "run", "--db", db, "--year", "2024", "--profile", "zj2025", "--quiet")
	if cifp.ErrorCode(err) != cifp.EINVALID || !strings.Contains(describe(err), "331102/price.") || !strings.Contains(describe(err), "no run was stored") {
		t.Errorf("missing prices: %v", err)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var runs int
	s.QueryRow(context.Background(), `SELECT COUNT(*) FROM gep_runs`).Scan(&runs)
	s.Close()
	if runs != 20 {
		t.Errorf("%d runs stored, want 20", runs)
	}
	dir := t.TempDir()
	tpl := filepath.Join(dir, "lianduqu.xlsx")
	if out, err := cli(t, "", "gep", "template", "--db", db, "--region", "331102", "--year", "2025", "-o", tpl); err != nil || !strings.Contains(out, "from demo") {
		t.Fatalf("template: %v\n%s", err, out)
	}
	if out, err := cli(t, "", "gep", "import", "--db", db, tpl); err != nil || !strings.Contains(out, "input set 1 stored for 331102") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = cli(t, "", "gep", "run", "--db", db, "--region", "331102", "--year", "2025", "--quiet")
	if err != nil || !strings.Contains(out, "inputs: the stored input sets") {
		t.Fatalf("run on the imported set: %v\n%s", err, out)
	}
	xl := filepath.Join(dir, "table.xlsx")
	if out, err := cli(t, "", "gep", "export", "--db", db, "--region", "331102", "--year", "2025", "-o", xl); err != nil || !strings.Contains(out, "version 1") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	if _, err := cli(t, "", "gep", "frob"); err == nil {
		t.Error("an unknown gep subcommand succeeded")
	}
}

// TestBenchGEP runs the grid benchmark on a small grid.
func TestBenchGEP(t *testing.T) {
	out, err := cli(t, "", "bench", "gep", "--km2", "10", "--rounds", "1")
	if err != nil || !strings.Contains(out, "within the goal of 5 s") || !strings.Contains(out, "9 zones") {
		t.Fatalf("bench gep: %v\n%s", err, out)
	}
}
