// Package web is the platform's HTTP surface: the JSON API under /api/v1,
// server-rendered pages in Simplified Chinese and English, static assets, and
// the operational endpoints /healthz and /metrics.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"cifp"
	"cifp/auth"
	"cifp/carbon"
	"cifp/cockpit"
	"cifp/finance"
	"cifp/gep"
	"cifp/internal/signed"
	"cifp/org"
	"cifp/project"
	"cifp/store"
)

//go:embed static
var staticFS embed.FS

// Config holds the server's settings; cmd/cifp fills it from flags.
type Config struct {
	// CookieSecure marks cookies Secure (sent over HTTPS only; browsers also
	// send them to http://localhost). Turn off only behind a plain-HTTP test setup.
	CookieSecure bool
	Logger       *slog.Logger
	// LoginLimit is how many failed logins an IP address or a username may
	// have in LoginWindow before login is refused for the rest of the window.
	LoginLimit  int
	LoginWindow time.Duration
	// SigningKey signs the links behind QR codes (at least 32 bytes).
	SigningKey []byte
	// PublicURL is the base of links printed in QR codes, e.g.
	// https://cifp.lishui.gov.cn; empty: the request's own scheme and host.
	PublicURL string
}

// Services are the feature services behind the handlers.
type Services struct {
	Orgs   *org.Service
	Auth   *auth.Service
	Carbon *carbon.Service
	// Projects is the climate project library (气候投融资项目库).
	Projects *project.Service
	// Finance is green finance (绿色金融): products, financing needs and
	// their claims, the loan code and the loan book.
	Finance *finance.Service
}

// Server holds the services, templates and metrics behind the handlers.
type Server struct {
	cfg      Config
	db       *store.DB
	orgs     *org.Service
	auth     *auth.Service
	carbon   *carbon.Service
	projects *project.Service
	finance  *finance.Service
	cockpit  *cockpit.Service
	gep      *gep.Service // GEP accounting (生态系统生产总值核算)
	signer   *signed.Signer
	log      *slog.Logger
	pages    map[string]map[string]pageTemplate // lang → name → template
	msgs     messages                           // the translations, for labels made outside templates
	mux      *http.ServeMux

	routes      []Route
	assets      map[string]string // file name → fingerprint
	ipLimiter   *auth.Limiter
	userLimiter *auth.Limiter
	registry    *prometheus.Registry
	reqTotal    *prometheus.CounterVec
	reqDuration *prometheus.HistogramVec
	handler     http.Handler
	started     time.Time
}

// New builds a Server. It fails when a template or a translation is missing.
func New(cfg Config, db *store.DB, svc Services) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LoginLimit == 0 {
		cfg.LoginLimit = 10
	}
	if cfg.LoginWindow == 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	s := &Server{
		cfg: cfg, db: db, orgs: svc.Orgs, auth: svc.Auth, carbon: svc.Carbon, projects: svc.Projects, finance: svc.Finance, log: cfg.Logger,
		cockpit:     cockpit.NewService(svc.Finance, svc.Carbon, svc.Projects),
		gep:         gep.NewService(db),
		mux:         http.NewServeMux(),
		ipLimiter:   auth.NewLimiter(cfg.LoginLimit*3, cfg.LoginWindow),
		userLimiter: auth.NewLimiter(cfg.LoginLimit, cfg.LoginWindow),
		registry:    prometheus.NewRegistry(),
		started:     time.Now(),
	}
	var err error
	if s.signer, err = signed.NewSigner(cfg.SigningKey); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if err := s.loadTemplates(); err != nil {
		return nil, err
	}
	s.initMetrics()
	s.registerRoutes()
	s.handler = s.middleware(s.mux)
	return s, nil
}

// ServeHTTP serves a request through the middleware and the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Route is one registered endpoint, for routing, access control and the
// OpenAPI document.
type Route struct {
	Method, Path string
	Roles        []cifp.Role // who may call it; nil: anyone, logged in or not
	Doc          APIDoc      // API routes only
}

// handle registers a route. roles nil means public; an empty non-nil slice
// means any logged-in user.
func (s *Server) handle(pattern string, roles []cifp.Role, doc APIDoc, h http.HandlerFunc) {
	method, p, _ := strings.Cut(pattern, " ")
	rt := Route{Method: method, Path: p, Roles: roles, Doc: doc}
	s.routes = append(s.routes, rt)
	s.mux.Handle(pattern, s.guard(rt, h))
}

// Routes returns every registered route.
func (s *Server) Routes() []Route { return s.routes }

var (
	public   []cifp.Role // nil
	loggedIn = []cifp.Role{}
)

func roles(rs ...cifp.Role) []cifp.Role { return rs }

// guard enforces the route's roles: an anonymous caller gets 401 (API) or a
// redirect to the login page; a caller of another role gets 403.
func (s *Server) guard(rt Route, h http.HandlerFunc) http.Handler {
	pattern := rt.Method + " " + rt.Path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l, ok := r.Context().Value(keyRoute).(*routeLabel); ok {
			l.pattern = pattern
		}
		if rt.Roles == nil {
			h(w, r)
			return
		}
		u, ok := userFrom(r.Context())
		if !ok {
			if isAPI(r) {
				s.problem(w, r, cifp.Errorf(cifp.EUNAUTHORIZED, "log in or send an API token (Authorization: Bearer cifp_…)"))
				return
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if len(rt.Roles) > 0 && !hasRole(rt.Roles, u.Role) {
			s.fail(w, r, cifp.Errorf(cifp.EFORBIDDEN, "your role (%s) may not use this", u.Role))
			return
		}
		h(w, r)
	})
}

func hasRole(rs []cifp.Role, r cifp.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// fail answers an error: problem+json for the API, an error page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.problem(w, r, err)
		return
	}
	status := Status(err)
	if status == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path)
	}
	s.render(w, r, status, "error", map[string]any{"Status": status, "Message": cifp.ErrorMessage(err), "Fields": cifp.ErrorFields(err)})
}

// loadAssets fingerprints the static files so that pages can link them with
// a version and browsers can cache them for a year.
func (s *Server) loadAssets() error {
	s.assets = map[string]string{}
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.assets[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
}

// asset returns the versioned URL of a static file. A missing file is an
// error at start-up, when templates are checked.
func (s *Server) asset(name string) (string, error) {
	v, ok := s.assets[name]
	if !ok {
		return "", fmt.Errorf("static file %q is missing (run `make assets`)", name)
	}
	return "/static/" + name + "?v=" + v, nil
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	v, ok := s.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == v {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+v+`"`)
	http.ServeFileFS(w, r, staticFS, "static/"+name)
}

func (s *Server) initMetrics() {
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.reqTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cifp_http_requests_total", Help: "HTTP requests by method, route and status.",
	}, []string{"method", "route", "status"})
	s.reqDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "cifp_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
	dbUp := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cifp_db_open_connections", Help: "Open database connections (read pool)."},
		func() float64 { return float64(s.db.Stats().OpenConnections) })
	s.registry.MustRegister(s.reqTotal, s.reqDuration, dbUp)
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status, code := "ok", http.StatusOK
	if err := s.db.Ping(ctx); err != nil {
		status, code = "database unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "version": cifp.Version, "database": string(s.db.Dialect),
		"uptime_seconds": int(time.Since(s.started).Seconds())})
}
