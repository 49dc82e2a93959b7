package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/auth"
	"cifp/org"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/messages.json
var messagesJSON []byte

// Langs are the UI languages; the first is the default.
var Langs = []string{"zh", "en"}

type pageTemplate = *template.Template

// messages maps a key to its text per language.
type messages map[string]map[string]string

func loadMessages() (messages, error) {
	var m messages
	if err := json.Unmarshal(messagesJSON, &m); err != nil {
		return nil, fmt.Errorf("i18n/messages.json: %w", err)
	}
	for key, texts := range m {
		for _, l := range Langs {
			if texts[l] == "" {
				return nil, fmt.Errorf("i18n/messages.json: %q has no %s text", key, l)
			}
		}
	}
	return m, nil
}

var tKeyRE = regexp.MustCompile(`(?:\{\{|\(|\s)t "([a-z0-9_.]+)"`)

// loadTemplates parses every page with the layout once per language. A page
// that uses a translation key missing from messages.json fails the start.
func (s *Server) loadTemplates() error {
	msgs, err := loadMessages()
	if err != nil {
		return err
	}
	layout, err := templatesFS.ReadFile("templates/layout.html")
	if err != nil {
		return err
	}
	pages, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.msgs = msgs
	s.pages = map[string]map[string]pageTemplate{}
	for _, lang := range Langs {
		s.pages[lang] = map[string]pageTemplate{}
		funcs := s.funcs(lang, msgs)
		for _, p := range pages {
			name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
			if name == "layout" {
				continue
			}
			src, err := templatesFS.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range tKeyRE.FindAllSubmatch(append(src, layout...), -1) {
				if _, ok := msgs[string(m[1])]; !ok {
					return fmt.Errorf("template %s: translation %q is missing from i18n/messages.json", name, m[1])
				}
			}
			t, err := template.New("layout").Funcs(funcs).Parse(string(layout))
			if err != nil {
				return fmt.Errorf("template layout: %w", err)
			}
			if _, err := t.Parse(string(src)); err != nil {
				return fmt.Errorf("template %s: %w", name, err)
			}
			s.pages[lang][name] = t
		}
	}
	for _, need := range []string{"error", "login", "home"} {
		if s.pages["zh"][need] == nil {
			return fmt.Errorf("template %s.html is missing", need)
		}
	}
	return nil
}

func (s *Server) funcs(lang string, msgs messages) template.FuncMap {
	return template.FuncMap{
		"t": func(key string) string {
			if m, ok := msgs[key]; ok {
				return m[lang]
			}
			return key
		},
		"asset": s.asset,
		"kind": func(k org.Kind) string {
			if m, ok := msgs["kind."+string(k)]; ok {
				return m[lang]
			}
			return string(k)
		},
		"role": func(r cifp.Role) string {
			if m, ok := msgs["role."+string(r)]; ok {
				return m[lang]
			}
			return string(r)
		},
		"division": func(code string) string {
			if d, ok := org.DivisionByCode(code); ok {
				if lang == "en" {
					return d.NameEN
				}
				return d.Name
			}
			return code
		},
		"industry": func(code string) string {
			if i, ok := org.IndustryByCode(code); ok {
				if lang == "en" {
					return i.NameEN
				}
				return i.Name
			}
			return code
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(chinaTime).Format("2006-01-02 15:04")
		},
		"datep": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.In(chinaTime).Format("2006-01-02 15:04")
		},
		"num": func(n int) string { return groupDigits(n) },
		// f formats a float with the digits after the point and grouped thousands.
		"f":    func(v float64, digits int) string { return formatFloat(v, digits) },
		"pct":  func(v float64) string { return formatFloat(v*100, 1) + "%" },
		"list": func(xs ...any) []any { return xs },
		"tr": func(prefix string, key any) string {
			k := prefix + "." + fmt.Sprint(key)
			if m, ok := msgs[k]; ok {
				return m[lang]
			}
			return fmt.Sprint(key)
		},
		"item": func(code string) string {
			if lang == "en" || s.carbon == nil {
				return code
			}
			return s.carbon.Factors.ItemName(code)
		},
		"num64": func(n int64) string { return groupDigits(int(n)) },
		"json":  func(b []byte) string { return string(b) },
		// fp formats an optional number ("—" when absent).
		"fp": func(v *float64, digits int) string {
			if v == nil {
				return "—"
			}
			return formatFloat(*v, digits)
		},
		// pctp formats an optional rate as a percentage ("—" when absent).
		"pctp": func(v *float64) string {
			if v == nil {
				return "—"
			}
			return formatFloat(*v*100, 1) + "%"
		},
		// fv is a number as a form field's value: plain digits, "" for zero.
		"fv": func(v float64) string {
			if v == 0 {
				return ""
			}
			return strconv.FormatFloat(v, 'f', -1, 64)
		},
		// fvp is an optional number as a form field's value.
		"fvp": func(v *float64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatFloat(*v, 'f', -1, 64)
		},
		"has":  func(xs []string, x string) bool { return slices.Contains(xs, x) },
		"add1": func(i int) int { return i + 1 },
		// tax names a code of the project taxonomy: sector, climate, list,
		// category, doc, cat2021 or cat2025.
		"tax": func(kind, code string) string { return s.taxName(lang, kind, code) },
		// collateral names collateral kinds (担保方式), joined with 、.
		"collateral": func(codes []string) string { return collateralNames(lang, codes) },
		// counties names GB/T 2260 county codes, joined with 、.
		"counties": func(codes []string) string {
			names := make([]string, 0, len(codes))
			for _, c := range codes {
				if d, ok := org.DivisionByCode(c); ok {
					c = map[bool]string{true: d.NameEN, false: d.Name}[lang == "en"]
				}
				names = append(names, c)
			}
			return strings.Join(names, sep(lang))
		},
		"ints": func(xs []int) string {
			out := make([]string, 0, len(xs))
			for _, x := range xs {
				out = append(out, strconv.Itoa(x))
			}
			return strings.Join(out, sep(lang))
		},
		"hasInt": func(xs []int, x int) bool { return slices.Contains(xs, x) },
		// bp is a number of basis points of a map, as a form value.
		"bpv": func(m map[int]float64, g int) string {
			if v, ok := m[g]; ok && v != 0 {
				return strconv.FormatFloat(v, 'f', -1, 64)
			}
			return ""
		},
		"ftime": func(t time.Time) string { return t.In(chinaTime).Format("2006-01-02") },
		"i64":   func(n int64) string { return strconv.FormatInt(n, 10) },
		// truep reports whether an optional flag is set and true.
		"truep": func(b *bool) bool { return b != nil && *b },
		// yi turns 元 into 亿元 (GEP figures).
		"yi": func(v float64) float64 { return v / 1e8 },
	}
}

// msg is the text of a translation key in the language (the key itself
// when there is none).
func (s *Server) msg(lang, key string) string {
	if m, ok := s.msgs[key]; ok {
		return m[lang]
	}
	return key
}

// chinaTime is UTC+8, the time every user of the pilot reads.
var chinaTime = time.FixedZone("CST", 8*3600)

// formatFloat formats v with digits decimals and grouped thousands.
func formatFloat(v float64, digits int) string {
	str := strconv.FormatFloat(v, 'f', digits, 64)
	intPart, frac, _ := strings.Cut(str, ".")
	n, err := strconv.Atoi(intPart)
	if err != nil {
		return str
	}
	out := groupDigits(n)
	if n == 0 && strings.HasPrefix(intPart, "-") {
		out = "-0"
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}

func groupDigits(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// navItem is one entry of the side navigation.
type navItem struct {
	Key, Href string
	Roles     []cifp.Role // nil: every logged-in user
	Active    bool
}

var allButCitizen = []cifp.Role{cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance, cifp.RoleEnterprise, cifp.RoleVerifier}

// navigation lists what each role may use, in order.
var navigation = []navItem{
	{Key: "nav.home", Href: "/"},
	{Key: "nav.cockpit", Href: "/cockpit", Roles: roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance, cifp.RoleEnterprise)},
	{Key: "nav.orgs", Href: "/orgs", Roles: roles(cifp.RoleAdmin, cifp.RoleRegulator)},
	{Key: "nav.my_org", Href: "/orgs/mine", Roles: roles(cifp.RoleFinance, cifp.RoleEnterprise, cifp.RoleVerifier)},
	{Key: "nav.carbon", Href: "/carbon", Roles: carbonReaders},
	{Key: "nav.emitters", Href: "/carbon/emitters", Roles: roles(cifp.RoleAdmin, cifp.RoleRegulator)},
	{Key: "nav.reports", Href: "/carbon/reports", Roles: roles(cifp.RoleVerifier, cifp.RoleAdmin, cifp.RoleRegulator)},
	{Key: "nav.projects", Href: "/projects", Roles: roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance)},
	{Key: "nav.my_projects", Href: "/projects", Roles: roles(cifp.RoleEnterprise)},
	{Key: "nav.project_reviews", Href: "/projects/reviews", Roles: projectReviewers},
	{Key: "nav.project_ranking", Href: "/projects/ranking", Roles: cityWide},
	{Key: "nav.project_criteria", Href: "/projects/criteria"},
	{Key: "nav.finance_needs", Href: "/finance/needs", Roles: roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance)},
	{Key: "nav.my_needs", Href: "/finance/needs", Roles: roles(cifp.RoleEnterprise)},
	{Key: "nav.finance_products", Href: "/finance/products", Roles: financeReaders},
	{Key: "nav.finance_loans", Href: "/finance/loans", Roles: roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance)},
	{Key: "nav.my_loans", Href: "/finance/loans", Roles: roles(cifp.RoleEnterprise)},
	{Key: "nav.finance_submissions", Href: "/finance/submissions", Roles: roles(cifp.RoleFinance)},
	{Key: "nav.finance_statistics", Href: "/finance/statistics", Roles: statsReaders},
	{Key: "nav.finance_credit", Href: "/finance/credit", Roles: roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance)},
	{Key: "nav.my_credit", Href: "/finance/credit", Roles: roles(cifp.RoleEnterprise)},
	{Key: "nav.finance_warnings", Href: "/finance/warnings", Roles: warningReaders},
	{Key: "nav.finance_loop", Href: "/finance/loop", Roles: financeReaders},
	{Key: "nav.gep", Href: "/gep", Roles: gepReaders},
	{Key: "nav.finance_settings", Href: "/finance/settings", Roles: roles(cifp.RoleAdmin)},
	{Key: "nav.import", Href: "/orgs/import", Roles: roles(cifp.RoleAdmin)},
	{Key: "nav.users", Href: "/users", Roles: roles(cifp.RoleAdmin)},
	{Key: "nav.audit", Href: "/audit", Roles: allButCitizen},
	{Key: "nav.tokens", Href: "/tokens", Roles: allButCitizen},
	{Key: "nav.password", Href: "/password"},
}

// navFor returns the user's navigation with the entry of the path marked:
// the one whose link is the longest prefix of the path, so that
// /carbon/reports marks its own entry and not /carbon's.
func navFor(u auth.User, path string) []navItem {
	matches := func(href string) bool {
		return path == href || (href != "/" && strings.HasPrefix(path, href+"/"))
	}
	best := ""
	for _, n := range navigation {
		if matches(n.Href) && len(n.Href) > len(best) {
			best = n.Href
		}
	}
	var out []navItem
	for _, n := range navigation {
		if n.Roles != nil && !hasRole(n.Roles, u.Role) {
			continue
		}
		n.Active = best != "" && n.Href == best
		out = append(out, n)
	}
	return out
}

// view is what every page template gets.
type view struct {
	Lang    string
	User    *auth.User
	CSRF    string
	Nav     []navItem
	Path    string
	Query   string
	Version string
	Unread  int // the user's unread notifications
	Data    any
}

// lang picks the UI language: the cifp_lang cookie, then the user's setting,
// then Chinese.
func lang(r *http.Request) string {
	if c, err := r.Cookie(cookieLang); err == nil && (c.Value == "zh" || c.Value == "en") {
		return c.Value
	}
	if u, ok := userFrom(r.Context()); ok && u.Lang == "en" {
		return "en"
	}
	return "zh"
}

// render executes a page: the whole layout, or only its "content" block for
// an htmx request. It renders into a buffer first so that a template error
// becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	l := lang(r)
	t := s.pages[l][name]
	if t == nil {
		s.problem(w, r, fmt.Errorf("no template %q", name))
		return
	}
	v := view{Lang: l, CSRF: csrfToken(r.Context()), Path: r.URL.Path, Query: r.URL.RawQuery, Version: cifp.Version, Data: data}
	if u, ok := userFrom(r.Context()); ok {
		v.User = &u
		v.Nav = navFor(u, r.URL.Path)
		if s.projects != nil {
			if _, n, err := s.projects.Notifications(r.Context(), 1); err == nil {
				v.Unread = n
			}
		}
	}
	block := "layout"
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true" {
		block = "content"
		if hx := r.Header.Get("HX-Target"); hx != "" && t.Lookup(hx) != nil {
			block = hx
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, v); err != nil {
		s.log.ErrorContext(r.Context(), "render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "HX-Request, Cookie")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
