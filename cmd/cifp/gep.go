package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"cifp/gep"
)

// runGEP is `cifp gep run|template|import|export`.
func runGEP(ctx context.Context, e *env, args []string) error {
	subs := map[string]func(context.Context, *env, []string) error{
		"run": runGEPRun, "template": runGEPTemplate, "import": runGEPImport, "export": runGEPExport,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(e.stderr, "Usage: cifp gep run|template|import|export [flags]\n\n"+
			"  run       one-click GEP accounting of a city's counties and the city (or one region) for a year;\n"+
			"            each result is stored as a new, immutable run version\n"+
			"  template  write the .xlsx input template of a region-year, filled with its current inputs\n"+
			"  import    store an input set from a filled template (all or nothing)\n"+
			"  export    write the whole accounting table of the newest run of a region-year as .xlsx\n\n"+
			"Run `cifp gep run -h` (and so on) for the flags.")
		if len(args) > 0 && isHelp(args[0]) {
			return flag.ErrHelp
		}
		return fmt.Errorf("want: cifp gep run|template|import|export")
	}
	return subs[args[0]](ctx, e, args[1:])
}

func gepFlags(fs *flag.FlagSet) (region *string, year *int) {
	region = fs.String("region", "331100", "GB/T 2260 code: a city (its counties and itself) or one region")
	year = fs.Int("year", time.Now().Year()-1, "accounting year")
	return
}

func runGEPRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags("gep run", "Compute the GEP (生态系统生产总值) of every county of a city and of the city for a year, store each\n"+
		"run (a new version of its region-year, with its inputs, profile, every line and who ran it) and\n"+
		"print the table. A region's inputs are its newest stored input set, else the built-in DEMO\n"+
		"inputs of Lishui (illustrative, not measured: the output says so); a city without its own set\n"+
		"is combined from its counties'. Any bad input fails the whole run and stores nothing.", e)
	dsn := dbFlag(fs)
	region, year := gepFlags(fs)
	profile := fs.String("profile", gep.DemoProfile, "parameter profile: a version or version@hash (cas-ganzi2017, lishui-demo, zj2025)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	req := gep.RunRequest{Region: *region, Year: *year, Profile: *profile}
	var bar *progressbar.ProgressBar
	if !*quiet {
		bar = progressbar.NewOptions(2*len(gep.Regions(*region)), progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription("GEP "+*region),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		req.Progress = func(done, total int, step string) {
			bar.Describe(step)
			bar.Set(done)
		}
	}
	start := time.Now()
	b, err := gep.NewService(db).RunAll(ctx, req)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "region\tname\tversion\tGEP 亿元\tprovisioning\tregulating\tcultural\t万元/km²\tband\trun id\t")
	for _, r := range b.Runs {
		band := "ok"
		if !r.Within {
			band = "OUTSIDE"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%s\t%d\t\n", r.Region, r.Name, r.Version, r.GEP/gep.Yi, r.Provisioning/gep.Yi,
			r.Regulating/gep.Yi, r.Cultural/gep.Yi, r.GEP/gep.Wan/r.AreaKm2, band, r.ID)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "profile %s, batch %s, %d runs stored in %s\n", b.ProfileID, b.ID, len(b.Runs), time.Since(start).Round(time.Millisecond))
	if b.Demo {
		fmt.Fprintln(e.stdout, "inputs: the built-in DEMO inputs of Lishui (illustrative, not measured) where no input set is stored — not for money")
	} else {
		fmt.Fprintln(e.stdout, "inputs: the stored input sets")
	}
	return nil
}

func runGEPTemplate(ctx context.Context, e *env, args []string) error {
	fs := newFlags("gep template", "Write the .xlsx input template of a region-year, filled with its newest input set (else the demo\n"+
		"inputs, else zeros). Fill column D and load it with `cifp gep import`.", e)
	dsn := dbFlag(fs)
	region, year := gepFlags(fs)
	out := fs.String("o", "", "output .xlsx file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasSuffix(strings.ToLower(*out), ".xlsx") {
		return fmt.Errorf("name the output file with -o F.xlsx")
	}
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	set, err := gep.NewService(db).StartingInputs(ctx, *region, *year)
	if err != nil {
		return err
	}
	if err := writeFile(*out, func(w *bufio.Writer) error { return gep.WriteTemplate(w, set) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%s %s %d, from %s)\n", *out, set.Region, set.Name, set.Year, set.Source)
	return nil
}

func runGEPImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags("gep import", "Store an input set from a filled template: cifp gep import [flags] FILE.xlsx|FILE.csv.\n"+
		"The whole file is checked first; every bad row and column is named and nothing is stored.", e)
	dsn := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("want: cifp gep import FILE.xlsx")
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	set, err := gep.ParseTemplate(f, strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), "."))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	saved, err := gep.NewService(db).SaveInputs(ctx, set)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(e.stdout, "%s: input set %d stored for %s %s %d\n", path, saved.ID, saved.Region, saved.Name, saved.Year)
	return nil
}

func runGEPExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags("gep export", "Write the whole accounting table (summary, every valued line, the physical quantities and the\n"+
		"inputs) of the newest run of a region-year, or of --run, as .xlsx.", e)
	dsn := dbFlag(fs)
	region, year := gepFlags(fs)
	id := fs.Int64("run", 0, "a run id (default: the newest run of --region --year)")
	out := fs.String("o", "", "output .xlsx file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasSuffix(strings.ToLower(*out), ".xlsx") {
		return fmt.Errorf("name the output file with -o F.xlsx")
	}
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := gep.NewService(db)
	var r gep.Run
	if *id != 0 {
		r, err = svc.Run(ctx, *id)
	} else {
		r, err = svc.Latest(ctx, *region, *year)
	}
	if err != nil {
		return err
	}
	if err := writeFile(*out, func(w *bufio.Writer) error { return gep.WriteRunXLSX(w, r) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (run %d: %s %d version %d, GEP %.2f 亿元)\n", *out, r.ID, r.Region, r.Year, r.Version, r.GEP/gep.Yi)
	return nil
}

// writeFile writes through a temporary file renamed into place.
func writeFile(path string, write func(w *bufio.Writer) error) error {
	tmp := path + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := write(w); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// runBenchGEP is `cifp bench gep`: soil retention and water conservation
// pixel by pixel over a synthetic 30 m grid of Lishui's size.
func runBenchGEP(ctx context.Context, e *env, args []string) error {
	fs := newFlags("bench gep", "Time the pixel-by-pixel soil retention (RUSLE) and water conservation (water balance) over a\n"+
		"synthetic 30 m grid (gep.SyntheticGrid) of Lishui's 17,300 km², summed by county and ecosystem type\n"+
		"(gep.ZoneTotals on all cores). The goal is under 5 s. Generating the grid is not timed.", e)
	km2 := fs.Float64("km2", 17_300, "area of the grid, km² (30 m pixels: 1,111 a km²)")
	rounds := fs.Int("rounds", 3, "timed rounds; the best and the mean are printed")
	seed := fs.Uint64("seed", 1, "seed of the synthetic grid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *km2 <= 0 || *rounds < 1 {
		return fmt.Errorf("--km2 and --rounds must be positive")
	}
	pixels := int(*km2 * 1e6 / 900)
	t0 := time.Now()
	in := gep.SyntheticGrid(*seed, pixels)
	fmt.Fprintf(e.stdout, "synthetic grid: %d×%d = %d pixels of 30 m (%.0f km²), generated in %s\n",
		in.Grid.Width, in.Grid.Height, in.Grid.Pixels(), float64(in.Grid.Pixels())*900/1e6, time.Since(t0).Round(time.Millisecond))
	p, err := gep.LookupProfile(gep.DemoProfile)
	if err != nil {
		return err
	}
	gp, err := gep.GridParamsOf(p)
	if err != nil {
		return err
	}
	var best, total time.Duration
	var zones []gep.ZoneTotal
	for i := range *rounds {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := time.Now()
		zones, err = gep.ZoneTotals(in, gp)
		if err != nil {
			return err
		}
		d := time.Since(t)
		total += d
		if i == 0 || d < best {
			best = d
		}
		fmt.Fprintf(e.stdout, "round %d: %s (%.0f Mpixel/s)\n", i+1, d.Round(time.Millisecond), float64(in.Grid.Pixels())/d.Seconds()/1e6)
	}
	var soil, water float64
	for _, z := range zones {
		for c := range gep.NumClasses {
			soil += z.SoilRetention[c]
			water += z.WaterConservation[c]
		}
	}
	verdict := "within the goal of 5 s"
	if best > 5*time.Second {
		verdict = "OVER the goal of 5 s"
	}
	fmt.Fprintf(e.stdout, "soil retention %.4g t, water conservation %.4g m³ over %d zones\n", soil, water, len(zones))
	fmt.Fprintf(e.stdout, "best %s, mean %s on %d cores (GOMAXPROCS %d): %s\n", best.Round(time.Millisecond),
		(total / time.Duration(*rounds)).Round(time.Millisecond), runtime.NumCPU(), runtime.GOMAXPROCS(0), verdict)
	return nil
}
