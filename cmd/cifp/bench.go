package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"cifp"
	"cifp/carbon"
	"cifp/demo"
	"cifp/org"
	"cifp/store"
)

// parseYears reads a comma-separated list of years, e.g. "2024,2025"; ""
// and "none" are no years.
func parseYears(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		y, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || y < 2000 || y > 2999 {
			return nil, cifp.Invalid("invalid years", cifp.FieldError{Field: "activity-years", Value: f,
				Message: "want years such as 2024,2025, or none"})
		}
		out = append(out, y)
	}
	return out, nil
}

// lastYears is the default of --activity-years: the two calendar years
// before this one, so that the demo has grade changes (early warnings) and
// intensity changes (the cockpit's improvers).
func lastYears() string {
	y := time.Now().Year()
	return strconv.Itoa(y-2) + "," + strconv.Itoa(y-1)
}

func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "gep":
			return runBenchGEP(ctx, e, args[1:])
		case "cockpit":
			return runBenchCockpit(ctx, e, args[1:])
		case "cockpit-load":
			return runCockpitLoad(ctx, e, args[1:])
		}
	}
	if len(args) == 0 || (args[0] != "carbon" && args[0] != "finance") {
		fmt.Fprintln(e.stderr, "Usage: cifp bench carbon|finance|cockpit|gep [--db sqlite:PATH|postgres://…] [flags]\n\n"+
			"  carbon   time the demo load, the bulk import of activity data against the database's own bulk\n"+
			"           load, and the recompute of every account\n"+
			"  finance  time the import of a loan book against the database's own bulk load, and the full\n"+
			"           recompute of the green-credit statistics over twelve month-end snapshots\n"+
			"  cockpit  load a city's demo data and time every cockpit endpoint from a second process (p50/p95/p99)\n"+
			"  gep      time pixel-by-pixel soil retention and water conservation over a grid of Lishui's size\n\n"+
			"Run `cifp bench carbon -h` or `cifp bench finance -h` for the flags.")
		if len(args) > 0 && isHelp(args[0]) {
			return flag.ErrHelp
		}
		return fmt.Errorf("want: cifp bench carbon|finance|cockpit|gep")
	}
	if args[0] == "finance" {
		return runBenchFinance(ctx, e, args[1:])
	}
	fs := newFlags("bench carbon", "Time, on a new database: (a) the demo organisations; (b) generating an activity file of about\n"+
		"--rows rows; (c) the floor: the database's own bulk load of the same rows into a plain table\n"+
		"(sqlite3 .import, PostgreSQL COPY); (d) the platform's import of the file; (e) the recompute of\n"+
		"every enterprise's accounts for a whole year of monthly data.", e)
	dsn := fs.String("db", "", "database: a new sqlite:PATH, or a postgres:// URL in which the bench makes a schema of its own\n(default: a new SQLite file in a temporary folder)")
	n := fs.Int("enterprises", demo.MaxEnterprises, "number of enterprises, 10–100000")
	target := fs.Int("rows", 1_000_000, "about how many activity rows to import in (d)")
	keep := fs.Bool("keep", false, "keep the database (the temporary folder, the PostgreSQL schema) and the CSV files")
	seed := fs.Int64("seed", 1, "seed of the demo data")
	year := fs.Int("year", time.Now().Year()-1, "the last year of the imported rows; the recompute is of the year before the first")
	prof := fs.String("cpuprofile", "", "write CPU profiles of (d) and (e) to PREFIX-import.pprof, PREFIX-import12.pprof, PREFIX-recompute.pprof and PREFIX-recompute2.pprof")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *target < 1 {
		return fmt.Errorf("--rows must be positive")
	}
	b := &bench{e: e, seed: *seed, n: *n, profile: *prof}
	cleanup, err := b.open(ctx, *dsn, *keep, false)
	if err != nil {
		return err
	}
	defer cleanup()
	return b.run(ctx, *target, *year)
}

// open makes the bench's temporary folder and database: a new SQLite file
// there, or a schema of its own on a PostgreSQL server. cleanup removes
// both unless keep.
func (b *bench) open(ctx context.Context, dsn string, keep, reuse bool) (cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "cifp-bench-")
	if err != nil {
		return nil, err
	}
	b.dir = dir
	var drops []func()
	cleanup = func() {
		for _, d := range drops {
			d()
		}
		if keep {
			fmt.Fprintf(b.e.stdout, "\nkept: %s\n", dir)
		} else {
			os.RemoveAll(dir)
		}
	}
	switch {
	case dsn == "":
		b.dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	case reuse:
		b.dsn = dsn
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		schema, withSchema, drop, err := benchSchema(ctx, dsn)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		b.dsn = withSchema
		drops = append(drops, func() {
			if keep {
				fmt.Fprintf(b.e.stdout, "kept: PostgreSQL schema %s\n", schema)
			} else if err := drop(); err != nil {
				fmt.Fprintf(b.e.stderr, "drop schema %s: %v\n", schema, err)
			}
		})
	default:
		b.dsn = dsn
	}
	return cleanup, nil
}

// benchSchema makes a new schema on the PostgreSQL server and returns its
// name, the URL that works in it, and how to drop it.
func benchSchema(ctx context.Context, dsn string) (string, string, func() error, error) {
	var r [6]byte
	rand.Read(r[:])
	schema := "cifp_bench_" + hex.EncodeToString(r[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", "", nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() error {
		a, err := sql.Open("pgx", dsn)
		if err != nil {
			return err
		}
		defer a.Close()
		_, err = a.Exec("DROP SCHEMA " + schema + " CASCADE")
		return err
	}
	return schema, u.String(), drop, nil
}

// bench is one run of `cifp bench carbon`.
type bench struct {
	e       *env
	seed    int64
	n       int
	dsn     string
	dir     string
	profile string
	db      *store.DB

	plainFloor time.Duration // the bulk load into a table without keys
}

// step prints one timed step as a row of the table.
func (b *bench) step(name string, rows int, d time.Duration, note string) {
	rate := ""
	if rows > 0 && d > 0 {
		rate = group(int(float64(rows) / d.Seconds()))
	}
	r := ""
	if rows > 0 {
		r = group(rows)
	}
	fmt.Fprintf(b.e.stdout, stepFormat, name, r, fmt.Sprintf("%.2f s", d.Seconds()), rate, note)
}

const stepFormat = "%-44s %11s %9s %11s  %s\n"

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// timed runs fn, with a CPU profile to PREFIX-name.pprof when asked.
func (b *bench) timed(name string, fn func() error) (time.Duration, error) {
	if b.profile != "" {
		f, err := os.Create(b.profile + "-" + name + ".pprof")
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

// begin opens the bench's database, prints the machine, the database and
// the table's header, and times step (a): the demo organisations and users,
// without activity. The caller closes b.db.
func (b *bench) begin(ctx context.Context) (context.Context, error) {
	out := b.e.stdout
	db, ctx, err := openDB(ctx, b.dsn)
	if err != nil {
		return ctx, err
	}
	b.db = db
	fmt.Fprintf(out, "machine:  %d CPUs, %s/%s, %s%s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), cpuModel())
	fmt.Fprintf(out, "database: %s (%s)\n\n", db.Name, dbVersion(ctx, db))
	fmt.Fprintf(out, stepFormat, "step", "rows", "time", "rows/s", "")
	var res demo.Result
	d, err := b.timed("", func() error {
		res, err = demo.Load(ctx, db, demo.Options{Seed: b.seed, Enterprises: b.n})
		return err
	})
	if err != nil {
		return ctx, err
	}
	b.step("(a) demo organisations", res.Orgs, d, "")
	return ctx, db.Checkpoint(ctx)
}

func (b *bench) run(ctx context.Context, target, year int) error {
	out := b.e.stdout
	ctx, err := b.begin(ctx)
	if b.db != nil {
		defer b.db.Close()
	}
	if err != nil {
		return err
	}
	db := b.db

	// (b) An activity file of about target rows.
	ents := demo.Enterprises(b.seed, b.n)
	ao, err := planActivity(ents, b.seed, target, year)
	if err != nil {
		return err
	}
	path := filepath.Join(b.dir, "activity.csv")
	var rows int
	d, err := b.timed("", func() error {
		rows, err = ao.write(path, ents)
		return err
	})
	if err != nil {
		return err
	}
	b.step("(b) generate activity CSV", rows, d, fmt.Sprintf("%s; %s", ao, fileSize(path)))

	// (c) The floor: the same rows in the canonical columns, bulk-loaded by
	// the database itself into a plain table (and one with activity's keys).
	canon := filepath.Join(b.dir, "activity-canonical.csv")
	d, err = b.timed("", func() error { return canonicalCSV(ctx, db, path, canon) })
	if err != nil {
		return err
	}
	b.step("    canonical CSV for the floor (untimed)", rows, d, fileSize(canon))
	floor, err := b.floor(ctx, canon, rows)
	if err != nil {
		return err
	}

	// (d) The platform's import.
	svc := carbon.NewService(db, org.NewService(db))
	d, err = b.timed("import", func() error { return importFile(ctx, svc, path) })
	if err != nil {
		return err
	}
	note := ""
	if floor > 0 {
		note = fmt.Sprintf("%.2f× the floor into the same table (goal ≤ 2×); %.2f× a plain table",
			d.Seconds()/floor.Seconds(), d.Seconds()/b.plainFloor.Seconds())
	}
	b.step("(d) ImportActivity (SkipRecompute)", rows, d, note)
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}

	// (e) A whole year of monthly data for every enterprise, imported, then
	// recomputed.
	y0 := ao.first.Years[0] - 1
	path12 := filepath.Join(b.dir, "activity-12.csv")
	ao12 := demo.ActivityOptions{Seed: b.seed, Years: []int{y0}}
	d, err = b.timed("", func() error {
		rows, err = writeActivityFile(path12, ents, ao12)
		return err
	})
	if err != nil {
		return err
	}
	b.step(fmt.Sprintf("(e) generate %s × 12 months", group(b.n)), rows, d, fmt.Sprintf("%d-01…%d-12; %s", y0, y0, fileSize(path12)))
	d, err = b.timed("import12", func() error { return importFile(ctx, svc, path12) })
	if err != nil {
		return err
	}
	b.step("    ImportActivity (SkipRecompute)", rows, d, "")
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	var accounts int
	d, err = b.timed("recompute", func() error {
		accounts, err = svc.Recompute(ctx, y0)
		return err
	})
	if err != nil {
		return err
	}
	var stored int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE year = ?`, y0).Scan(&stored); err != nil {
		return err
	}
	b.step(fmt.Sprintf("    Recompute(%d)", y0), stored, d,
		fmt.Sprintf("%s enterprises, %s/s (goal < 10 s at 100,000 × 12); rows/s: account rows", group(accounts),
			group(int(float64(accounts)/d.Seconds()))))
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	// Again: now it replaces the accounts, as after a change of factors.
	d, err = b.timed("recompute2", func() error {
		accounts, err = svc.Recompute(ctx, y0)
		return err
	})
	if err != nil {
		return err
	}
	b.step(fmt.Sprintf("    Recompute(%d) again", y0), stored, d,
		fmt.Sprintf("replacing the accounts; %s enterprises/s", group(int(float64(accounts)/d.Seconds()))))
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	if db.Dialect == store.SQLite {
		p := strings.TrimPrefix(db.Name, "sqlite:")
		fmt.Fprintf(out, "\ndatabase file: %s\n", fileSize(p))
	}
	if b.profile != "" {
		fmt.Fprintf(out, "CPU profiles: %s-{import,import12,recompute,recompute2}.pprof\n", b.profile)
	}
	return nil
}

// activityOptions returns the options for months months of data ending
// with the year: the last year partial, the ones before whole.
func activityOptions(seed int64, months, year int) demo.ActivityOptions {
	years := (months + 11) / 12
	o := demo.ActivityOptions{Seed: seed, Months: months - 12*(years-1)}
	for y := year - years + 1; y <= year; y++ {
		o.Years = append(o.Years, y)
	}
	return o
}

// activityPlan is how the bench's activity file is made: the first k
// enterprises get one month more than the others (months, 0 for none).
type activityPlan struct {
	seed          int64
	year, months  int
	k, n          int
	first, second demo.ActivityOptions
}

// planActivity chooses the months that give about target rows for the
// enterprises, the last month being in year.
func planActivity(ents []org.Org, seed int64, target, year int) (activityPlan, error) {
	count := func(months int) (int, error) {
		if months == 0 {
			return 0, nil
		}
		return demo.WriteActivity(io.Discard, ents, activityOptions(seed, months, year))
	}
	one, err := count(1)
	if err != nil {
		return activityPlan{}, err
	}
	// Rows ≈ months × rows per month + years × annual rows.
	annual := 2 * len(ents)
	perMonth := max(1, one-annual)
	months := 0
	for m := 1; m <= 12*30; m++ {
		if m*perMonth+(m+11)/12*annual > target {
			break
		}
		months = m
	}
	lo, err := count(months)
	if err != nil {
		return activityPlan{}, err
	}
	hi, err := count(months + 1)
	if err != nil {
		return activityPlan{}, err
	}
	p := activityPlan{seed: seed, year: year, months: months, n: len(ents),
		first: activityOptions(seed, months+1, year)}
	if months > 0 {
		p.second = activityOptions(seed, months, year)
	}
	if hi > lo {
		p.k = min(len(ents), max(0, int(float64(target-lo)/float64(hi-lo)*float64(len(ents))+0.5)))
	}
	return p, nil
}

// String says which periods the plan covers for how many enterprises.
func (p activityPlan) String() string {
	span := func(o demo.ActivityOptions) string {
		m := o.Months
		if m == 0 {
			m = 12
		}
		return fmt.Sprintf("%d-01…%d-%02d", o.Years[0], o.Years[len(o.Years)-1], m)
	}
	s := fmt.Sprintf("%s for %s enterprises", span(p.first), group(p.k))
	if p.months > 0 {
		s += fmt.Sprintf(", %s for %s", span(p.second), group(p.n-p.k))
	}
	return s + "; monthly + value added per year"
}

// write writes the plan's file and returns its number of rows.
func (p activityPlan) write(path string, ents []org.Org) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	n, err := demo.WriteActivity(w, ents[:p.k], p.first)
	if err == nil && p.months > 0 {
		var m int
		m, err = demo.WriteActivity(&skipLine{w: w}, ents[p.k:], p.second)
		n += m
	}
	if err == nil {
		err = w.Flush()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	return n, err
}

// skipLine writes to w all but the first line: the header of a second part.
type skipLine struct {
	w       io.Writer
	skipped bool
}

func (s *skipLine) Write(b []byte) (int, error) {
	if s.skipped {
		return s.w.Write(b)
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return len(b), nil
	}
	s.skipped = true
	_, err := s.w.Write(b[i+1:])
	return len(b), err
}

func writeActivityFile(path string, ents []org.Org, o demo.ActivityOptions) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := demo.WriteActivity(f, ents, o)
	if err2 := f.Close(); err == nil {
		err = err2
	}
	return n, err
}

func importFile(ctx context.Context, svc *carbon.Service, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = svc.ImportActivity(ctx, f, "csv", carbon.ImportOptions{Source: "import", Filename: filepath.Base(path), SkipRecompute: true})
	return err
}

func fileSize(path string) string {
	var size int64
	for _, suffix := range []string{"", "-wal"} {
		if st, err := os.Stat(path + suffix); err == nil {
			size += st.Size()
		}
	}
	return fmt.Sprintf("%.1f MiB", float64(size)/(1<<20))
}

// canonicalCSV converts an activity file to the columns of the activity
// table — org_id, year, month, item, quantity (canonical unit), input, unit,
// quality, batch_id — without a header, as the floor loads it.
func canonicalCSV(ctx context.Context, db *store.DB, in, out string) error {
	ids := map[string]int64{}
	rows, err := db.Query(ctx, `SELECT id, uscc FROM orgs WHERE kind = 'enterprise'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var uscc string
		if err := rows.Scan(&id, &uscc); err != nil {
			rows.Close()
			return err
		}
		ids[uscc] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	fs := carbon.DefaultFactors()
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(dst, 1<<16)
	r := csv.NewReader(bufio.NewReaderSize(src, 1<<16))
	r.ReuseRecord = true
	var line []byte
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			dst.Close()
			return err
		}
		if i == 0 {
			continue // header
		}
		p, _ := carbon.ParsePeriod(rec[1])
		input, err := strconv.ParseFloat(rec[3], 64)
		if err != nil {
			dst.Close()
			return err
		}
		q, err := fs.Convert(rec[2], input, rec[4])
		if err != nil {
			dst.Close()
			return err
		}
		line = strconv.AppendInt(line[:0], ids[rec[0]], 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(p.Year), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(p.Month), 10)
		line = append(line, ',')
		line = append(line, rec[2]...)
		line = append(line, ',')
		line = strconv.AppendFloat(line, q, 'g', -1, 64)
		line = append(line, ',')
		line = strconv.AppendFloat(line, input, 'g', -1, 64)
		line = append(line, ',')
		line = append(line, rec[4]...)
		line = append(line, ',')
		line = append(line, rec[5]...)
		line = append(line, ",1\n"...)
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// floorTables are the scratch tables of the floor: plain, and with the
// activity table's primary key and index.
var floorTables = map[store.Dialect][2]string{
	store.SQLite: {
		`CREATE TABLE bench_floor (org_id INTEGER NOT NULL, year INTEGER NOT NULL, month INTEGER NOT NULL,
	item TEXT NOT NULL, quantity REAL NOT NULL, input REAL NOT NULL, unit TEXT NOT NULL, quality TEXT NOT NULL,
	batch_id INTEGER NOT NULL);`,
		`CREATE TABLE bench_floor_keyed (org_id INTEGER NOT NULL, year INTEGER NOT NULL, month INTEGER NOT NULL,
	item TEXT NOT NULL, quantity REAL NOT NULL, input REAL NOT NULL, unit TEXT NOT NULL, quality TEXT NOT NULL,
	batch_id INTEGER NOT NULL, PRIMARY KEY (year, org_id, month, item)) WITHOUT ROWID;`,
	},
	store.Postgres: {
		`CREATE TABLE bench_floor (org_id BIGINT NOT NULL, year INTEGER NOT NULL, month INTEGER NOT NULL,
	item TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL, input DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL,
	quality TEXT NOT NULL, batch_id BIGINT NOT NULL)`,
		`CREATE TABLE bench_floor_keyed (org_id BIGINT NOT NULL, year INTEGER NOT NULL, month INTEGER NOT NULL,
	item TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL, input DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL,
	quality TEXT NOT NULL, batch_id BIGINT NOT NULL, PRIMARY KEY (year, org_id, month, item))`,
	},
}

// floor bulk-loads the canonical file with the database's own tool into
// the plain scratch table and then into the keyed one, prints both, drops
// the tables and returns the plain table's time (0 when it could not run).
func (b *bench) floor(ctx context.Context, canon string, rows int) (time.Duration, error) {
	var load func(table string) error
	var tool string
	switch b.db.Dialect {
	case store.SQLite:
		bin, err := exec.LookPath("sqlite3")
		if err != nil {
			fmt.Fprintf(b.e.stdout, "(c) floor skipped: the sqlite3 command-line tool is not installed (apt-get install -y sqlite3)\n")
			return 0, nil
		}
		path := strings.TrimPrefix(b.db.Name, "sqlite:")
		tool = "sqlite3 .import"
		sqlite := func(script string) error {
			cmd := exec.CommandContext(ctx, bin, "-bail", path)
			cmd.Stdin = strings.NewReader(script)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				return fmt.Errorf("sqlite3: %v: %s", err, strings.TrimSpace(stderr.String()))
			}
			return nil
		}
		for _, ddl := range floorTables[store.SQLite] {
			if err := sqlite(ddl); err != nil {
				return 0, err
			}
		}
		load = func(table string) error { return sqlite(".import --csv " + canon + " " + table + "\n") }
	case store.Postgres:
		tool = "COPY FROM STDIN csv"
		conn, err := pgx.Connect(ctx, b.dsn)
		if err != nil {
			return 0, err
		}
		defer conn.Close(context.Background())
		for _, ddl := range floorTables[store.Postgres] {
			for _, stmt := range strings.Split(ddl, ";") {
				if _, err := conn.Exec(ctx, stmt); err != nil {
					return 0, err
				}
			}
		}
		load = func(table string) error {
			f, err := os.Open(canon)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = conn.PgConn().CopyFrom(ctx, bufio.NewReaderSize(f, 1<<16), "COPY "+table+" FROM STDIN (FORMAT csv)")
			return err
		}
	}
	var plain, keyed time.Duration
	for i, table := range []string{"bench_floor", "bench_floor_keyed"} {
		d, err := b.timed("", func() error { return load(table) })
		if err != nil {
			return 0, err
		}
		var got int
		if err := b.db.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&got); err != nil {
			return 0, err
		}
		if got != rows {
			return 0, fmt.Errorf("floor: %s has %d rows, want %d", table, got, rows)
		}
		if i == 0 {
			plain = d
			b.step("(c) floor: "+tool+", plain table", rows, d, "")
		} else {
			keyed = d
			b.step("    floor: same, into activity's table", rows, d, "activity's primary key: the goal's reference")
		}
	}
	// The same through the platform's own bulk insert (store.CopyRows) and
	// driver, for scale: how much of the import is the driver.
	ddl := strings.Replace(floorTables[b.db.Dialect][0], "bench_floor", "bench_floor_go", 1)
	if _, err := b.db.Exec(ctx, strings.TrimSuffix(ddl, ";")); err != nil {
		return 0, err
	}
	d, err := b.timed("", func() error { return copyCanonical(ctx, b.db, canon, "bench_floor_go") })
	if err != nil {
		return 0, err
	}
	b.step("    floor: store.CopyRows, plain table", rows, d, "the platform's own bulk insert and driver, for scale")
	for _, table := range []string{"bench_floor", "bench_floor_keyed", "bench_floor_go"} {
		if _, err := b.db.Exec(ctx, `DROP TABLE `+table); err != nil {
			return 0, err
		}
	}
	b.plainFloor = plain
	return keyed, b.db.Checkpoint(ctx)
}

// copyCanonical loads the canonical file into table with store.CopyRows.
func copyCanonical(ctx context.Context, db *store.DB, path, table string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.ReuseRecord = true
	return db.InTx(ctx, func(tx *store.Tx) error {
		var bad error
		_, err := tx.CopyRows(ctx, table, []string{"org_id", "year", "month", "item", "quantity", "input", "unit", "quality", "batch_id"},
			func() ([]any, bool) {
				rec, err := r.Read()
				if err != nil {
					if err != io.EOF {
						bad = err
					}
					return nil, false
				}
				org, _ := strconv.ParseInt(rec[0], 10, 64)
				year, _ := strconv.Atoi(rec[1])
				month, _ := strconv.Atoi(rec[2])
				q, _ := strconv.ParseFloat(rec[4], 64)
				in, _ := strconv.ParseFloat(rec[5], 64)
				batch, _ := strconv.ParseInt(rec[8], 10, 64)
				return []any{org, year, month, rec[3], q, in, rec[6], rec[7], batch}, true
			})
		if bad != nil {
			return bad
		}
		return err
	})
}

// cpuModel returns ", " and the processor's name on Linux, else "".
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return ", " + strings.TrimSpace(v)
		}
	}
	return ""
}

// dbVersion returns the database's version.
func dbVersion(ctx context.Context, db *store.DB) string {
	var v string
	q := `SELECT sqlite_version()`
	if db.Dialect == store.Postgres {
		q = `SELECT version()`
	}
	if err := db.QueryRow(ctx, q).Scan(&v); err != nil {
		return err.Error()
	}
	if db.Dialect == store.SQLite {
		v = "SQLite " + v + " (modernc.org/sqlite)"
	}
	return v
}
