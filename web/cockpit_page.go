package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"cifp"
	"cifp/finance"
	"cifp/org"
)

// cockpitPageReaders may open /cockpit: the regulators see the city, an
// institution its own loans, an enterprise its own view.
var cockpitPageReaders = roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance, cifp.RoleEnterprise)

// lishui is the city whose nine counties the cockpit's map shows.
const lishui = "331100"

// cockpitView is the cockpit page: the frame of the panels, which
// web/static/cockpit.js fills from /api/v1/cockpit/{panel}.
type cockpitView struct {
	Big         bool   // big-screen mode (?screen=big): dark, 1920×1080, refreshed every minute
	CityWide    bool   // a regulator: the city's data, the targets and the carbon panel
	Institution string // an institution's name: its own loans only
	// Labels is JSON naming the keys the API answers with (institution ids,
	// county codes, green classes, sectors, climate types, statuses…) in
	// the reader's language, for the charts.
	Labels     string
	Counties   []org.Division
	Indicators []string
	Grades     []int
}

// cockpitPage is GET /cockpit: the regulator's cockpit, an institution's
// own cockpit, or an enterprise's own view.
func (s *Server) cockpitPage(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	if u.Role == cifp.RoleEnterprise {
		s.cockpitEnterprisePage(w, r)
		return
	}
	if !hasRole(cockpitReaders, u.Role) {
		s.fail(w, r, cifp.Errorf(cifp.EFORBIDDEN, "the cockpit is for regulators and financial institutions"))
		return
	}
	l := lang(r)
	names := s.institutionNames(r.Context())
	v := cockpitView{Big: r.URL.Query().Get("screen") == "big", CityWide: u.Role.CityWide(),
		Counties: org.Counties(lishui), Grades: []int{1, 2, 3, 4, 5},
		Indicators: []string{"green_balance", "green_share", "green_growth", "climate_balance", "projects", "investment", "accounts", "emissions"}}
	if !v.CityWide {
		v.Institution = names[u.OrgID]
		if v.Institution == "" {
			v.Institution = "#" + strconv.FormatInt(u.OrgID, 10)
		}
	}
	v.Labels = s.cockpitLabels(l, names)
	s.render(w, r, http.StatusOK, "cockpit", v)
}

// cockpitEnterprisePage is GET /cockpit/enterprise (and /cockpit for an
// enterprise): its carbon account, credit, projects, needs and loans, read
// by cockpit.js from /api/v1/cockpit/enterprise.
func (s *Server) cockpitEnterprisePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "cockpit_enterprise", cockpitView{Labels: s.cockpitLabels(lang(r), nil)})
}

// cockpitLabels names, in the language, every key the cockpit's API
// answers with, as JSON: {"county": {"331102": "莲都区"}, "class": {…}, …}.
func (s *Server) cockpitLabels(l string, names map[int64]string) string {
	out := map[string]map[string]string{}
	add := func(kind, key, label string) {
		if out[kind] == nil {
			out[kind] = map[string]string{}
		}
		out[kind][key] = label
	}
	for id, n := range names {
		add("institution", strconv.FormatInt(id, 10), n)
	}
	for _, d := range org.Counties(lishui) {
		add("county", d.Code, s.statLabel(l, finance.ByCounty, d.Code, nil))
	}
	add("class", "", s.statLabel(l, finance.ByClass, "", nil))
	add("sector", "", s.statLabel(l, finance.BySector, "", nil))
	if s.projects != nil {
		t := s.projects.Taxonomy
		for _, c := range t.Catalogues {
			for _, cl := range c.Classes {
				key := c.Code + "/" + cl.Code
				add("class", key, s.statLabel(l, finance.ByClass, key, nil))
			}
		}
		for _, sec := range t.Sectors.Items {
			add("sector", sec.Code, s.statLabel(l, finance.BySector, sec.Code, nil))
		}
	}
	prefixes := map[string]string{"climate_type": "climate.", "level": "level.", "need": "nstatus.", "action": "faction.",
		"decision": "faction.", "project": "pstatus.", "quality": "quality.", "stage": "cockpit.stage.",
		"text": "cockpit."} // text: the script's own words
	for kind, p := range prefixes {
		for key, m := range s.msgs {
			if len(key) > len(p) && key[:len(p)] == p {
				add(kind, key[len(p):], m[l])
			}
		}
	}
	for _, code := range []string{"green_balance", "green_share", "green_growth", "climate_balance", "projects", "investment", "accounts", "emissions"} {
		add("indicator", code, s.msg(l, "cockpit.ind."+code))
	}
	for _, g := range []int{1, 2, 3, 4, 5} {
		add("grade", strconv.Itoa(g), s.msg(l, "cockpit.grade"+strconv.Itoa(g)))
	}
	b, _ := json.Marshal(out)
	return string(b)
}
