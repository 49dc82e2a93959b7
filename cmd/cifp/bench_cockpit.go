package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"cifp"
	"cifp/demo"
	"cifp/store"
)

// cockpitLoadEnv carries the API tokens to the load process.
const cockpitLoadEnv = "CIFP_BENCH_TOKENS"

// runBenchCockpit is `cifp bench cockpit`: the platform on a new database
// with the demo data of a city, and the cockpit's endpoints loaded from a
// second process over loopback.
func runBenchCockpit(ctx context.Context, e *env, args []string) error {
	fs := newFlags("bench cockpit", "On a new database: (a) load the demo data — --enterprises enterprises with two years of carbon\n"+
		"accounts, 3,000 library projects, --loans loans in the banks' books at thirteen month-ends, needs and\n"+
		"warnings; (b) start the platform on 127.0.0.1; (c) from a second process, call every cockpit endpoint\n"+
		"--requests times (--concurrency at once, filters varied) and print p50, p95 and p99 per endpoint.", e)
	dsn := fs.String("db", "", "database: a new sqlite:PATH, or a postgres:// URL in which the bench makes a schema of its own\n(default: a new SQLite file in a temporary folder)")
	n := fs.Int("enterprises", demo.MaxEnterprises, "number of enterprises, 10–100000")
	loans := fs.Int("loans", 1_000_000, "loans in the banks' books")
	projects := fs.Int("projects", 3000, "climate projects in the library")
	requests := fs.Int("requests", 200, "requests per endpoint")
	conc := fs.Int("concurrency", 4, "requests at once")
	keep := fs.Bool("keep", false, "keep the database")
	seed := fs.Int64("seed", 1, "seed of the demo data")
	reuse := fs.Bool("reuse", false, "with --db: measure a database that an earlier --db run loaded (a sqlite:PATH, or the\npostgres:// URL with search_path= the kept schema) instead of loading a new one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *reuse && *dsn == "" {
		return fmt.Errorf("--reuse needs --db")
	}
	if *requests < 1 || *conc < 1 {
		return fmt.Errorf("--requests and --concurrency must be positive")
	}
	b := &bench{e: e, seed: *seed, n: *n}
	cleanup, err := b.open(ctx, *dsn, *keep || *reuse, *reuse)
	if err != nil {
		return err
	}
	defer cleanup()
	out := e.stdout

	db, sctx, err := openDB(ctx, b.dsn)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "machine:  %d CPUs, %s/%s, %s%s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), cpuModel())
	fmt.Fprintf(out, "database: %s (%s)\n\n", db.Name, dbVersion(sctx, db))
	if *reuse {
		fmt.Fprintf(out, "(a) demo data: reused\n")
		db.Close()
	} else if err := loadCockpitDemo(sctx, out, db, b.seed, b.n, *projects, *loans); err != nil {
		return err
	}

	// (b) The platform, as `cifp serve` runs it.
	app, err := Open(ctx, Config{DB: b.dsn, Addr: "127.0.0.1:0", SecretFile: filepath.Join(b.dir, "secret")}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Listen(); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- app.Run(runCtx) }()
	defer func() { stop(); <-served }()
	tokens := map[string]string{}
	users, err := app.Auth.ListUsers(cifp.System.Context(ctx), 0)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Username == "regulator" || u.Username == "bank" || u.Username == "enterprise" {
			secret, _, err := app.Auth.CreateToken(u.Actor().Context(ctx), "bench", time.Hour)
			if err != nil {
				return err
			}
			tokens[u.Username] = secret
		}
	}
	fmt.Fprintf(out, "(b) platform at %s\n", app.URL())

	// (c) The load, from a second process.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tj, _ := json.Marshal(tokens)
	cmd := exec.CommandContext(ctx, self, "bench", "cockpit-load", "--url", app.URL(), "--requests", fmt.Sprint(*requests),
		"--concurrency", fmt.Sprint(*conc), "--seed", fmt.Sprint(*seed))
	cmd.Env = append(os.Environ(), cockpitLoadEnv+"="+string(tj))
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, e.stderr
	fmt.Fprintf(out, "(c) %d requests per endpoint, %d at once, from process %s\n\n", *requests, *conc, filepath.Base(self))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the load process: %w", err)
	}
	var results []loadResult
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		return fmt.Errorf("the load process's results: %w", err)
	}
	fmt.Fprintf(out, "%-40s %6s %8s %8s %8s %8s %6s\n", "endpoint", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
	worst := 0.0
	for _, r := range results {
		fmt.Fprintf(out, "%-40s %6d %8.1f %8.1f %8.1f %8.1f %6d\n", r.Name, r.N, r.P50, r.P95, r.P99, r.Max, r.Errors)
		worst = max(worst, r.P95)
		if r.Errors > 0 {
			fmt.Fprintf(out, "    first error: %s\n", r.FirstError)
		}
	}
	fmt.Fprintf(out, "\nworst p95: %.1f ms (goal ≤ 100 ms)\n", worst)
	return nil
}

// loadResult is one endpoint's latencies, in milliseconds.
type loadResult struct {
	Name               string
	N, Errors          int
	P50, P95, P99, Max float64
	FirstError         string `json:",omitempty"`
}

// cockpitCounties are Lishui's nine counties (GB/T 2260).
var cockpitCounties = []string{"331102", "331121", "331122", "331123", "331124", "331125", "331126", "331127", "331181"}

// runCockpitLoad is the hidden `cifp bench cockpit-load`: the load process.
// It prints its results as JSON.
func runCockpitLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlags("bench cockpit-load", "The load process of `cifp bench cockpit` (tokens in "+cockpitLoadEnv+").", e)
	base := fs.String("url", "", "the platform's base URL")
	requests := fs.Int("requests", 200, "requests per endpoint")
	conc := fs.Int("concurrency", 4, "requests at once")
	seed := fs.Int64("seed", 1, "seed of the filters")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var tokens map[string]string
	if err := json.Unmarshal([]byte(os.Getenv(cockpitLoadEnv)), &tokens); err != nil {
		return fmt.Errorf("%s: %w", cockpitLoadEnv, err)
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
	get := func(user, path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", *base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("%s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(body[:min(len(body), 200)])))
		}
		return body, err
	}
	// The classes and institutions there are, to filter by.
	var byClass, byInst struct {
		Rows []struct{ Key string } `json:"rows"`
	}
	for _, x := range []struct {
		by  string
		dst any
	}{{"class", &byClass}, {"institution", &byInst}} {
		body, err := get("regulator", "/api/v1/cockpit/breakdown?by="+x.by)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, x.dst); err != nil {
			return err
		}
	}
	keys := func(rows []struct{ Key string }) []string {
		var out []string
		for _, r := range rows {
			if r.Key != "" {
				out = append(out, r.Key)
			}
		}
		return out
	}
	classes, insts := keys(byClass.Rows), keys(byInst.Rows)
	if len(classes) == 0 || len(insts) == 0 {
		return fmt.Errorf("the demo data has no green class or institution to filter by")
	}
	r := rand.New(rand.NewPCG(uint64(*seed), 3))
	var mu sync.Mutex
	pick := func(xs []string) string { mu.Lock(); defer mu.Unlock(); return xs[r.IntN(len(xs))] }
	grade := func() string { mu.Lock(); defer mu.Unlock(); return fmt.Sprint(1 + r.IntN(5)) }
	type endpoint struct {
		name, user string
		path       func() string
	}
	fixed := func(p string) func() string { return func() string { return p } }
	endpoints := []endpoint{
		{"credit", "regulator", fixed("/api/v1/cockpit/credit")},
		{"credit ?county", "regulator", func() string { return "/api/v1/cockpit/credit?county=" + pick(cockpitCounties) }},
		{"credit ?class&institution", "regulator", func() string {
			return "/api/v1/cockpit/credit?class=" + pick(classes) + "&institution=" + pick(insts)
		}},
		{"trend", "regulator", fixed("/api/v1/cockpit/trend")},
		{"trend ?county", "regulator", func() string { return "/api/v1/cockpit/trend?county=" + pick(cockpitCounties) }},
		{"breakdown ?by=class", "regulator", fixed("/api/v1/cockpit/breakdown?by=class")},
		{"breakdown ?by=institution&county", "regulator", func() string {
			return "/api/v1/cockpit/breakdown?by=institution&county=" + pick(cockpitCounties)
		}},
		{"map ?indicator=green_share", "regulator", fixed("/api/v1/cockpit/map?indicator=green_share")},
		{"map ?indicator=emissions", "regulator", fixed("/api/v1/cockpit/map?indicator=emissions")},
		{"map ?indicator=projects", "regulator", fixed("/api/v1/cockpit/map?indicator=projects")},
		{"carbon", "regulator", fixed("/api/v1/cockpit/carbon")},
		{"carbon ?county&grade", "regulator", func() string {
			return "/api/v1/cockpit/carbon?county=" + pick(cockpitCounties) + "&grade=" + grade()
		}},
		{"pipeline", "regulator", fixed("/api/v1/cockpit/pipeline")},
		{"pipeline ?county", "regulator", func() string { return "/api/v1/cockpit/pipeline?county=" + pick(cockpitCounties) }},
		{"matching", "regulator", fixed("/api/v1/cockpit/matching")},
		{"warnings", "regulator", fixed("/api/v1/cockpit/warnings")},
		{"loop", "regulator", fixed("/api/v1/cockpit/loop")},
		{"loop ?county", "regulator", func() string { return "/api/v1/cockpit/loop?county=" + pick(cockpitCounties) }},
		{"credit (bank)", "bank", fixed("/api/v1/cockpit/credit")},
		{"breakdown ?by=county (bank)", "bank", fixed("/api/v1/cockpit/breakdown?by=county")},
		{"warnings (bank)", "bank", fixed("/api/v1/cockpit/warnings")},
		{"enterprise", "enterprise", fixed("/api/v1/cockpit/enterprise")},
	}
	var results []loadResult
	for _, ep := range endpoints {
		for range 3 { // warm the connections
			if _, err := get(ep.user, ep.path()); err != nil {
				return fmt.Errorf("%s: %w", ep.name, err)
			}
		}
		lat := make([]float64, 0, *requests)
		res := loadResult{Name: ep.name}
		var lmu sync.Mutex
		work := make(chan struct{})
		var wg sync.WaitGroup
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					t := time.Now()
					_, err := get(ep.user, ep.path())
					ms := float64(time.Since(t).Microseconds()) / 1000
					lmu.Lock()
					lat = append(lat, ms)
					if err != nil {
						res.Errors++
						if res.FirstError == "" {
							res.FirstError = err.Error()
						}
					}
					lmu.Unlock()
				}
			}()
		}
		for range *requests {
			work <- struct{}{}
		}
		close(work)
		wg.Wait()
		slices.Sort(lat)
		q := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		res.N, res.P50, res.P95, res.P99, res.Max = len(lat), q(0.50), q(0.95), q(0.99), lat[len(lat)-1]
		results = append(results, res)
	}
	return json.NewEncoder(e.stdout).Encode(results)
}

// loadCockpitDemo loads the bench's demo data into db, closes it and reports.
func loadCockpitDemo(ctx context.Context, out io.Writer, db *store.DB, seed int64, n, projects, loans int) error {
	y := time.Now().Year()
	start := time.Now()
	res, err := demo.Load(ctx, db, demo.Options{Seed: seed, Enterprises: n, ActivityYears: []int{y - 2, y - 1},
		Projects: projects, Finance: true, Loans: loans})
	if err == nil {
		err = db.Checkpoint(ctx)
	}
	// The load replaced accounts, projects' rows and project_loans many
	// times over: reclaim the dead rows and refresh the planner's
	// statistics, as autovacuum would within minutes of a real load, so the
	// bench measures the steady state rather than the bloat.
	if err == nil && db.Dialect == store.Postgres {
		for _, t := range []string{"loans", "accounts", "account_cells", "loan_cells", "project_loans", "projects", "orgs", "loan_warnings", "needs"} {
			if err = db.Vacuum(ctx, t); err != nil {
				break
			}
		}
	}
	db.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "(a) demo data: %s enterprises, %s accounts, %s projects, %s loans in %s loan-book rows, %d needs, %d warnings, in %.0f s\n",
		group(res.Enterprises), group(res.Accounts), group(res.Projects), group(loans), group(res.Loans), res.Needs, res.Warnings, time.Since(start).Seconds())
	return nil
}
