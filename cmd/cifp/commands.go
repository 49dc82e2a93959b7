package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"cifp"
	"cifp/audit"
	"cifp/auth"
	"cifp/demo"
	"cifp/org"
	"cifp/project"
	"cifp/store"
)

// openDB opens and migrates the database for a CLI command. CLI work is done
// by the platform itself (actor "system", an admin).
func openDB(ctx context.Context, dsn string) (*store.DB, context.Context, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, ctx, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, ctx, err
	}
	return db, cifp.WithActor(ctx, cifp.System), nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags("migrate", "Apply the database migrations that are not applied yet.", e)
	dsn := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "%s: up to date\n", db.Name)
	}
	for _, m := range applied {
		fmt.Fprintf(e.stdout, "%s: applied %s\n", db.Name, m)
	}
	return nil
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags("demo", "Load the deterministic Lishui demo data (organisations, users for every role) into an empty database.", e)
	dsn := dbFlag(fs)
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same data")
	n := fs.Int("enterprises", 2000, "number of enterprises, 10–100000")
	activity := fs.String("activity-years", lastYears(), "years of monthly activity data to import and compute accounts for, e.g. 2024,2025, or none")
	projects := fs.Int("projects", 60, "climate projects in the project library (0 for none)")
	fin := fs.Bool("finance", true, "load the banks' products, thirteen month-ends of loan books, the insurer's policies and a financing need")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	years, err := parseYears(*activity)
	if err != nil {
		return err
	}
	start := time.Now()
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var bar *progressbar.ProgressBar
	opts := demo.Options{Seed: *seed, Enterprises: *n, ActivityYears: years, Projects: *projects, Finance: *fin}
	if !*quiet {
		newBar := func(total int, what, unit string) *progressbar.ProgressBar {
			return progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(what),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString(unit),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		}
		bar = newBar(*n, "enterprises", "rows")
		opts.Progress = func(done, total int) { bar.Set(done) }
		stage := ""
		opts.ActivityProgress = func(s string, done, total int) {
			if s != stage {
				bar.Finish()
				stage = s
				switch s {
				case "activity":
					bar = newBar(total, "activity data", "enterprises")
				case "store":
					bar = newBar(-1, fmt.Sprintf("storing %d activity rows", total), "rows")
				default:
					bar = newBar(-1, "computing accounts", "accounts")
				}
			}
			if s == "activity" {
				bar.Set(done)
			}
		}
	}
	res, err := demo.Load(ctx, db, opts)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(e.stdout, "loaded %d organisations (%d enterprises) and %d users", res.Orgs, res.Enterprises, res.Users)
	if len(years) > 0 {
		fmt.Fprintf(e.stdout, ", %d activity rows and %d annual carbon accounts for %s", res.ActivityRows, res.Accounts, *activity)
	}
	if res.Projects > 0 {
		fmt.Fprintf(e.stdout, ", %d climate projects", res.Projects)
	}
	if res.Loans > 0 {
		fmt.Fprintf(e.stdout, ", %d loan-book rows", res.Loans)
	}
	fmt.Fprintf(e.stdout, " in %s\n", elapsed.Round(time.Millisecond))
	if db.Dialect == store.SQLite {
		path := strings.TrimPrefix(*dsn, "sqlite:")
		var size int64
		for _, suffix := range []string{"", "-wal"} {
			if st, err := os.Stat(path + suffix); err == nil {
				size += st.Size()
			}
		}
		fmt.Fprintf(e.stdout, "database %s: %.1f MiB\n", path, float64(size)/(1<<20))
	}
	fmt.Fprintf(e.stdout, "demo logins (password %s):\n", demo.Password)
	for _, l := range res.Logins {
		fmt.Fprintf(e.stdout, "  %-11s %-12s %s\n", l.Role, l.Username, l.Org)
	}
	return nil
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags("import", "Import a dataset file, all or nothing: cifp import [flags] orgs|projects FILE.xlsx|FILE.csv", e)
	dsn := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "orgs" && fs.Arg(0) != "projects") {
		fs.Usage()
		return fmt.Errorf("want: cifp import orgs|projects FILE")
	}
	path := fs.Arg(1)
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if fs.Arg(0) == "projects" {
		db, ctx, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		res, err := project.NewService(db).Import(ctx, f, path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintf(e.stdout, "%s: %d projects imported (%s … %s)\n", path, res.Rows, res.Codes[0], res.Codes[len(res.Codes)-1])
		return nil
	}
	rows, err := org.ParseFile(f, format)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := org.NewService(db).Import(ctx, rows)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(e.stdout, "%s: %d created, %d updated, %d unchanged\n", path, res.Created, res.Updated, res.Skipped)
	return nil
}

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags("export", "Export a dataset: cifp export [flags] orgs|projects", e)
	dsn := dbFlag(fs)
	out := fs.String("o", "", "output file, .xlsx or .csv (default: CSV to standard output; projects: .xlsx only)")
	kind := fs.String("kind", "", "orgs: only organisations of this kind")
	division := fs.String("division", "", "orgs: only this GB/T 2260 division; projects: only this county")
	national := fs.Bool("national", false, "projects: the recommendation to the national library (recommended projects only)")
	all := fs.Bool("all", false, "projects: every project, not only those in the library")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "orgs" && fs.Arg(0) != "projects") {
		fs.Usage()
		return fmt.Errorf("want: cifp export orgs|projects")
	}
	if fs.Arg(0) == "projects" && !strings.HasSuffix(strings.ToLower(*out), ".xlsx") {
		return fmt.Errorf("cifp export projects writes .xlsx: name the file with -o F.xlsx")
	}
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	filter := org.Filter{Kind: org.Kind(*kind), Division: *division}
	if *out == "" {
		return org.NewService(db).Export(ctx, e.stdout, "csv", filter)
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
	write := func(w io.Writer) error { return org.NewService(db).Export(ctx, w, format, filter) }
	if fs.Arg(0) == "projects" {
		write = func(w io.Writer) error {
			return project.NewService(db).Export(ctx, w, project.Filter{County: *division, Library: !*all}, *national)
		}
	}
	tmp := *out + ".part"
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
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s\n", *out)
	return nil
}

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "reset-password") {
		fmt.Fprintln(e.stderr, "Usage: cifp user add [flags] | cifp user reset-password [flags]\n\n"+
			"  add             add a user to an organisation\n"+
			"  reset-password  set a user's password and end their sessions\n\n"+
			"Run `cifp user add -h` or `cifp user reset-password -h` for the flags.")
		if len(args) > 0 && isHelp(args[0]) {
			return flag.ErrHelp
		}
		return fmt.Errorf("want: cifp user add | reset-password")
	}
	sub, args := args[0], args[1:]
	fs := newFlags("user "+sub, map[string]string{
		"add":            "Add a user to an organisation. The password is read from --password, CIFP_PASSWORD or the first line of standard input.",
		"reset-password": "Set a user's password and end their sessions. The password is read from --password, CIFP_PASSWORD or the first line of standard input.",
	}[sub], e)
	dsn := dbFlag(fs)
	username := fs.String("username", "", "login name (3–40 lower-case letters, digits, . _ -)")
	password := fs.String("password", getenv("CIFP_PASSWORD", ""), "password, at least 10 characters (env CIFP_PASSWORD)")
	var role, name, uscc, lang *string
	var orgID *int64
	if sub == "add" {
		role = fs.String("role", "", "admin, regulator, finance, enterprise, verifier or citizen")
		name = fs.String("name", "", "display name")
		orgID = fs.Int64("org-id", 0, "id of the user's organisation")
		uscc = fs.String("org-uscc", "", "or the USCC of the user's organisation")
		lang = fs.String("lang", "zh", "UI language: zh or en")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" {
		return cifp.Invalid("missing flag", cifp.FieldError{Field: "--username", Message: "is required"})
	}
	if *password == "" {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return cifp.Invalid("no password", cifp.FieldError{Field: "--password", Message: "give --password, CIFP_PASSWORD or a line on standard input"})
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	orgs := org.NewService(db)
	svc := auth.NewService(db, orgs)
	if sub == "reset-password" {
		if err := svc.SetPassword(ctx, *username, *password); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s reset; their sessions have ended\n", *username)
		return nil
	}
	if *orgID == 0 && *uscc != "" {
		list, _, err := orgs.List(ctx, org.Filter{Q: org.NormalizeUSCC(*uscc), Limit: 2})
		if err != nil {
			return err
		}
		for _, o := range list {
			if o.USCC == org.NormalizeUSCC(*uscc) {
				*orgID = o.ID
			}
		}
		if *orgID == 0 {
			return cifp.Invalid("unknown organisation", cifp.FieldError{Field: "--org-uscc", Value: *uscc, Message: "no organisation has this USCC"})
		}
	}
	u, err := svc.CreateUser(ctx, auth.NewUser{OrgID: *orgID, Username: *username, DisplayName: *name,
		Role: cifp.Role(*role), Password: *password, Lang: *lang})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "user %s (id %d, %s) added to organisation %d\n", u.Username, u.ID, u.Role, u.OrgID)
	return nil
}

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(e.stderr, "Usage: cifp audit verify [flags]\n\n"+
			"  verify  walk the audit log's hash chain and name the first broken entry\n\n"+
			"Run `cifp audit verify -h` for the flags.")
		if len(args) > 0 && isHelp(args[0]) {
			return flag.ErrHelp
		}
		return fmt.Errorf("want: cifp audit verify")
	}
	fs := newFlags("audit verify", "Walk the audit log's hash chain and report the first broken entry. Exits 1 when the chain is broken.", e)
	dsn := dbFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, ctx, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := audit.Verify(ctx, db)
	if err != nil {
		return err
	}
	if !res.OK {
		fmt.Fprintf(e.stdout, "audit log BROKEN at entry %d: %s\n(%d entries read before it)\n", res.BrokenSeq, res.Reason, res.Entries-1)
		return errSilent
	}
	fmt.Fprintf(e.stdout, "audit log OK: %d entries, hash chain intact\n", res.Entries)
	return nil
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }
