package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/auth"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyUser
	keyCSRF
	keyViaToken
	keyRoute
)

// routeLabel is filled in by the route's guard so that the outer middleware
// can label metrics by route pattern rather than by raw path.
type routeLabel struct{ pattern string }

func requestID(ctx context.Context) string { s, _ := ctx.Value(keyRequestID).(string); return s }

func userFrom(ctx context.Context) (auth.User, bool) {
	u, ok := ctx.Value(keyUser).(auth.User)
	return u, ok
}

func csrfToken(ctx context.Context) string { s, _ := ctx.Value(keyCSRF).(string); return s }

// Cookie names.
const (
	cookieSession = "cifp_session"
	cookieCSRF    = "cifp_csrf"
	cookieLang    = "cifp_lang"
)

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps the routes, outermost first: request id, logging and
// metrics, panic recovery, security headers, body limits, authentication,
// CSRF protection.
func (s *Server) middleware(next http.Handler) http.Handler {
	h := s.csrf(next)
	h = s.authenticate(h)
	h = secureHeaders(h)
	h = s.recoverer(h)
	return s.observe(h)
}

func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !requestIDRE.MatchString(id) {
			id = randomHex(8)
		}
		w.Header().Set("X-Request-ID", id)
		label := &routeLabel{pattern: "unmatched"}
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		r = r.WithContext(context.WithValue(ctx, keyRoute, label))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := label.pattern
		elapsed := time.Since(start)
		s.reqTotal.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Inc()
		s.reqDuration.WithLabelValues(route).Observe(elapsed.Seconds())
		if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" || strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		attrs := []any{"request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.size, "duration_ms", float64(elapsed.Microseconds()) / 1000, "remote", clientIP(r)}
		if u, ok := userFrom(r.Context()); ok {
			attrs = append(attrs, "user", u.Username)
		}
		s.log.InfoContext(r.Context(), "http request", attrs...)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()),
					"request_id", requestID(r.Context()))
				s.problem(w, r, cifp.Errorf(cifp.EINTERNAL, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows scripts only from the platform itself: there
// are no inline scripts. ECharts sets element styles, hence 'unsafe-inline'
// for styles only.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate finds the caller: an API token in the Authorization header, or
// a session cookie. A bad token is refused at once; a stale session cookie
// is just ignored (the caller is anonymous and will be sent to log in).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			secret, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.problem(w, r, cifp.Errorf(cifp.EUNAUTHORIZED, "the Authorization header must be \"Bearer <token>\""))
				return
			}
			u, err := s.auth.TokenUser(ctx, strings.TrimSpace(secret))
			if err != nil {
				s.problem(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, keyUser, u)
			ctx = context.WithValue(ctx, keyViaToken, true)
			ctx = cifp.WithActor(ctx, u.Actor())
		} else if c, err := r.Cookie(cookieSession); err == nil {
			if u, err := s.auth.SessionUser(ctx, c.Value); err == nil {
				ctx = context.WithValue(ctx, keyUser, u)
				ctx = cifp.WithActor(ctx, u.Actor())
			} else if cifp.ErrorCode(err) != cifp.EUNAUTHORIZED {
				s.problem(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// csrf protects every state-changing request made with cookies (double-submit:
// the csrf_token form field or X-CSRF-Token header must equal the cifp_csrf
// cookie, which another site can neither read nor set), on top of the
// browser's Sec-Fetch-Site check. Requests authenticated by an API token
// carry no cookies and need no token.
func (s *Server) csrf(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) == 32 {
			token = c.Value
		} else {
			token = randomHex(16)
			http.SetCookie(w, &http.Cookie{Name: cookieCSRF, Value: token, Path: "/", HttpOnly: true,
				Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
		}
		ctx := context.WithValue(r.Context(), keyCSRF, token)
		r = r.WithContext(ctx)
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if viaToken, _ := ctx.Value(keyViaToken).(bool); viaToken {
			next.ServeHTTP(w, r)
			return
		}
		if err := cop.Check(r); err != nil {
			s.fail(w, r, cifp.Errorf(cifp.EFORBIDDEN, "cross-origin request refused"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" && !isJSON(r) {
			sent = r.FormValue("csrf_token")
		}
		if c, err := r.Cookie(cookieCSRF); err != nil || subtle.ConstantTimeCompare([]byte(sent), []byte(c.Value)) != 1 {
			s.fail(w, r, cifp.Errorf(cifp.EFORBIDDEN, "the form has expired or did not come from this site (CSRF check failed): reload the page and try again"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isJSON(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// clientIP is the remote address without the port. The platform trusts no
// proxy headers; put it behind a proxy that sets RemoteAddr correctly.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
