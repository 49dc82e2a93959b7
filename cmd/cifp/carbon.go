package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"cifp/carbon"
	"cifp/internal/sheet"
)

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runCarbon(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "calc" {
		fmt.Fprintln(e.stderr, "Usage: cifp carbon calc --in activity.csv [--enterprises ent.csv] [--factors factors.csv] [--format json|csv]\n\n"+
			"  calc  compute carbon accounts and grades from files, without a database\n\n"+
			"Run `cifp carbon calc -h` for the flags.")
		if len(args) > 0 && isHelp(args[0]) {
			return flag.ErrHelp
		}
		return fmt.Errorf("want: cifp carbon calc")
	}
	fs := newFlags("carbon calc", "Compute each enterprise's carbon account for each year — Scope 1 and 2, energy, intensity, level and\n"+
		"grade — from an activity file, without a database, exactly as the platform does.\n\n"+
		"activity file: header "+carbon.ActivityHeader+" (quality optional; period YYYY-MM or YYYY);\n"+
		"  items: the fuel codes of the factor library (bituminous_coal, natural_gas, diesel, …) and electricity,\n"+
		"  heat, self_renewable_electricity, exported_electricity, exported_heat, value_added, output_value.\n"+
		"enterprises file: header uscc,name,industry,county (industry: GB/T 4754 code, the peer group of the grade;\n"+
		"  county: GB/T 2260 code, which selects the provincial electricity factor).\n"+
		"factors file: a file in the format of the reference fuels.csv, grid-factors.csv or other-factors.csv that\n"+
		"  adds to or replaces the default factors; may be given more than once.\n"+
		"Output columns: "+strings.Join(carbon.ResultColumns, ","), e)
	in := fs.String("in", "", "activity file (.csv or .xlsx), required")
	entsPath := fs.String("enterprises", "", "enterprises file (.csv or .xlsx)")
	var factorFiles listFlag
	fs.Var(&factorFiles, "factors", "factors file that overrides the defaults (repeatable)")
	format := fs.String("format", "json", "output format: json or csv")
	kind := fs.String("grid-kind", "", "electricity factor kind: provincial, regional, national, ets_compliance, … (default: provincial → regional → national)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *in == "" {
		fs.Usage()
		return fmt.Errorf("--in is required")
	}
	if *format != "json" && *format != "csv" {
		return fmt.Errorf("--format must be json or csv, not %q", *format)
	}
	factors := carbon.DefaultFactors()
	for _, path := range factorFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if factors, err = factors.Override(data); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	var ents map[string]carbon.Enterprise
	if *entsPath != "" {
		f, err := os.Open(*entsPath)
		if err != nil {
			return err
		}
		ents, err = carbon.ParseEnterprises(f, formatOf(*entsPath))
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *entsPath, err)
		}
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	var known func(string) bool
	if ents != nil {
		known = func(u string) bool { _, ok := ents[u]; return ok }
	}
	rows, err := carbon.ParseActivity(bufio.NewReaderSize(f, 1<<20), formatOf(*in), factors, time.Now(), known)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	results, err := carbon.Calculate(factors, rows, ents, *kind)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	if err := carbon.WriteResults(w, *format, results); err != nil {
		return err
	}
	return w.Flush()
}

// formatOf tells a file's format by its name, CSV when it does not say.
func formatOf(path string) string {
	if f := sheet.Format(path); f != "" {
		return f
	}
	return "csv"
}
