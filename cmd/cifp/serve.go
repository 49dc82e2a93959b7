package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"cifp"
	"cifp/auth"
	"cifp/carbon"
	"cifp/demo"
	"cifp/finance"
	"cifp/internal/signed"
	"cifp/org"
	"cifp/project"
	"cifp/store"
	"cifp/web"
)

// Config is the serve command's configuration.
type Config struct {
	DB              string
	Addr            string
	Demo            bool
	DemoSeed        int64
	DemoEnterprises int
	DemoProjects    int  // climate projects in the demo project library
	DemoFinance     bool // the banks' products, loan books, policies and a need
	CookieSecure    bool
	LogFormat       string // text or json
	LogLevel        slog.Level
	// SecretFile keeps the key that signs QR-code links, created on first
	// start; CIFP_SECRET (hex or base64) takes precedence.
	SecretFile string
	// PublicURL is the base URL printed in QR codes; empty: the request's host.
	PublicURL string
	// DemoActivityYears are the years of demo activity data and carbon
	// accounts (nil: none).
	DemoActivityYears []int
}

// App is the running platform: database, services and HTTP server. Tests
// start it on 127.0.0.1:0 with a temporary database.
type App struct {
	Config
	Logger *slog.Logger
	DB     *store.DB
	Orgs   *org.Service
	Auth   *auth.Service
	Carbon *carbon.Service
	// Projects is the climate project library.
	Projects *project.Service
	// Finance is green finance: products, needs, claims and the loan book.
	Finance *finance.Service
	Server  *web.Server
	Demo    *demo.Result // the demo data loaded at start, if any

	http     *http.Server
	listener net.Listener
}

// Open opens and migrates the database, loads the demo data when asked and
// the database is empty, and builds the server. It does not listen yet.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Logger: logger}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a.DB = db
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		logger.Info("migrated", "database", db.Name, "applied", applied)
	}
	if cfg.Demo {
		empty, err := demo.Empty(ctx, db)
		if err != nil {
			db.Close()
			return nil, err
		}
		if empty {
			start := time.Now()
			res, err := demo.Load(ctx, db, demo.Options{Seed: cfg.DemoSeed, Enterprises: cfg.DemoEnterprises,
				ActivityYears: cfg.DemoActivityYears, Projects: cfg.DemoProjects, Finance: cfg.DemoFinance})
			if err != nil {
				db.Close()
				return nil, fmt.Errorf("demo data: %w", err)
			}
			a.Demo = &res
			logger.Info("demo data loaded", "seed", cfg.DemoSeed, "enterprises", res.Enterprises, "orgs", res.Orgs,
				"users", res.Users, "activity_years", cfg.DemoActivityYears, "activity_rows", res.ActivityRows,
				"accounts", res.Accounts, "projects", res.Projects, "loans", res.Loans, "duration_ms", time.Since(start).Milliseconds())
		} else {
			logins, err := demo.Logins(ctx, db)
			if err != nil {
				db.Close()
				return nil, err
			}
			a.Demo = &demo.Result{Logins: logins}
			logger.Info("database not empty: demo data not loaded again")
		}
	}
	a.Orgs = org.NewService(db)
	a.Auth = auth.NewService(db, a.Orgs)
	a.Carbon = carbon.NewService(db, a.Orgs)
	a.Projects = project.NewService(db)
	a.Finance = finance.NewService(db, a.Carbon, a.Projects)
	key, err := signed.KeyFromEnvOrFile("CIFP_SECRET", cfg.SecretFile)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("signing key: %w", err)
	}
	a.Server, err = web.New(web.Config{CookieSecure: cfg.CookieSecure, Logger: logger, SigningKey: key, PublicURL: cfg.PublicURL},
		db, web.Services{Orgs: a.Orgs, Auth: a.Auth, Carbon: a.Carbon, Projects: a.Projects, Finance: a.Finance})
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Listen binds the address; Addr then tells the actual one (for port 0).
func (a *App) Listen() error {
	l, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	a.listener = l
	a.http = &http.Server{Handler: a.Server, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn)}
	return nil
}

// URL is the base URL the server listens on.
func (a *App) URL() string {
	addr := a.listener.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// Run serves until ctx is cancelled, then shuts down gracefully: the HTTP
// server first (finishing requests in flight, up to 20 s), then the database.
func (a *App) Run(ctx context.Context) error {
	if a.listener == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- a.http.Serve(a.listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.http.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

func newLogger(format string, level slog.Level, w *os.File) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags("serve", "Start the web application and API.", e)
	var cfg Config
	fs.StringVar(&cfg.DB, "db", getenv("CIFP_DB", "sqlite:cifp.db"), "database: sqlite:PATH or a postgres:// URL (env CIFP_DB)")
	fs.StringVar(&cfg.Addr, "addr", getenv("CIFP_ADDR", "127.0.0.1:8080"), "address to listen on (env CIFP_ADDR)")
	fs.BoolVar(&cfg.Demo, "demo", getenv("CIFP_DEMO", "") == "1", "load the demo data into an empty database (env CIFP_DEMO=1)")
	seed, _ := strconv.ParseInt(getenv("CIFP_DEMO_SEED", "1"), 10, 64)
	fs.Int64Var(&cfg.DemoSeed, "demo-seed", seed, "seed of the demo data (env CIFP_DEMO_SEED)")
	n, _ := strconv.Atoi(getenv("CIFP_DEMO_ENTERPRISES", "2000"))
	fs.IntVar(&cfg.DemoEnterprises, "demo-enterprises", n, "enterprises in the demo data, 10–100000 (env CIFP_DEMO_ENTERPRISES)")
	np, _ := strconv.Atoi(getenv("CIFP_DEMO_PROJECTS", "60"))
	fs.IntVar(&cfg.DemoProjects, "demo-projects", np, "climate projects in the demo project library (env CIFP_DEMO_PROJECTS)")
	fs.BoolVar(&cfg.DemoFinance, "demo-finance", getenv("CIFP_DEMO_FINANCE", "1") != "0", "load the demo banks' products, loan books, policies and a financing need (env CIFP_DEMO_FINANCE=0 to skip)")
	activityYears := fs.String("demo-activity-years", getenv("CIFP_DEMO_ACTIVITY_YEARS", lastYears()),
		"years of demo activity data and carbon accounts, e.g. 2024,2025, or none (env CIFP_DEMO_ACTIVITY_YEARS)")
	fs.BoolVar(&cfg.CookieSecure, "cookie-secure", getenv("CIFP_COOKIE_SECURE", "1") != "0",
		"mark cookies Secure; browsers still accept them on http://localhost (env CIFP_COOKIE_SECURE=0 to turn off)")
	fs.StringVar(&cfg.SecretFile, "secret-file", getenv("CIFP_SECRET_FILE", "cifp.key"), "file of the key that signs QR-code links, created if missing (env CIFP_SECRET_FILE; CIFP_SECRET holds the key itself)")
	fs.StringVar(&cfg.PublicURL, "public-url", getenv("CIFP_PUBLIC_URL", ""), "base URL printed in QR codes, e.g. https://cifp.example.cn (env CIFP_PUBLIC_URL; default: the request's host)")
	fs.StringVar(&cfg.LogFormat, "log-format", getenv("CIFP_LOG_FORMAT", "text"), "log format: text or json (env CIFP_LOG_FORMAT)")
	level := fs.String("log-level", getenv("CIFP_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env CIFP_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if cfg.DemoActivityYears, err = parseYears(*activityYears); err != nil {
		return err
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", cfg.LogFormat)
	}
	logger := newLogger(cfg.LogFormat, cfg.LogLevel, os.Stderr)
	app, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Listen(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n  气候投融资数智平台 CIFP %s is running at %s\n", cifp.Version, app.URL())
	fmt.Fprintf(e.stdout, "  database: %s\n", app.DB.Name)
	if app.Demo != nil {
		fmt.Fprintf(e.stdout, "\n  Demo logins (password %s for every one):\n", demo.Password)
		for _, l := range app.Demo.Logins {
			fmt.Fprintf(e.stdout, "    %-11s %-12s %s\n", l.Role, l.Username, l.Org)
		}
	}
	fmt.Fprintf(e.stdout, "\n  Stop with Ctrl-C.\n\n")
	logger.Info("listening", "url", app.URL(), "database", app.DB.Name, "version", cifp.Version)
	return app.Run(ctx)
}
