package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/audit"
	"cifp/auth"
	"cifp/org"
)

// formErrors maps a field to its message, for re-showing a form.
type formErrors map[string]string

func formErrorsOf(err error) (formErrors, string) {
	fe := formErrors{}
	for _, f := range cifp.ErrorFields(err) {
		fe[f.Field] = f.Message
	}
	return fe, cifp.ErrorMessage(err)
}

// safeNext accepts only a local path to go to after login.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := userFrom(r.Context()); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", map[string]any{"Next": safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	username := strings.ToLower(strings.TrimSpace(r.FormValue("username")))
	next := safeNext(r.FormValue("next"))
	ip := clientIP(r)
	again := func(status int, errKey, wait string) {
		s.render(w, r, status, "login", map[string]any{"Next": next, "Username": username, "Error": errKey, "Wait": wait})
	}
	okIP, waitIP := s.ipLimiter.Allow(ip)
	okUser, waitUser := s.userLimiter.Allow(username)
	if !okIP || !okUser {
		wait := max(waitIP, waitUser).Round(time.Minute)
		w.Header().Set("Retry-After", strconv.Itoa(int(max(waitIP, waitUser).Seconds())+1))
		s.log.WarnContext(r.Context(), "login rate-limited", "username", username, "remote", ip)
		again(http.StatusTooManyRequests, "login.too_many", wait.String())
		return
	}
	sess, err := s.auth.Login(r.Context(), username, r.FormValue("password"), ip, r.UserAgent())
	if err != nil {
		if cifp.ErrorCode(err) != cifp.EUNAUTHORIZED {
			s.fail(w, r, err)
			return
		}
		s.ipLimiter.Fail(ip)
		s.userLimiter.Fail(username)
		s.log.InfoContext(r.Context(), "login failed", "username", username, "remote", ip)
		again(http.StatusUnauthorized, "login.failed", "")
		return
	}
	s.userLimiter.Reset(username)
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: sess.Token, Path: "/", Expires: sess.Expires,
		HttpOnly: true, Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieSession); err == nil {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := r.PathValue("lang")
	if l != "zh" && l != "en" {
		s.fail(w, r, cifp.Invalid("unknown language", cifp.FieldError{Field: "lang", Value: l, Message: "must be zh or en"}))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieLang, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	data := map[string]any{"Role": string(u.Role)}
	own, err := s.orgs.Get(ctx, u.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Org"] = own
	if u.Role.CityWide() {
		byKind, err := s.orgs.CountBy(ctx, "kind", "")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		counts := map[string]int{}
		for _, st := range byKind {
			counts[st.Key] = st.Count
		}
		data["Counts"] = counts
		data["Finance"] = counts["bank"] + counts["insurer"]
		users, err := s.auth.ListUsers(ctx, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Users"] = len(users)
	}
	if u.Role == cifp.RoleEnterprise || u.Role.CityWide() {
		year, err := s.carbon.LatestYear(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["CarbonYear"] = year
		if u.Role == cifp.RoleEnterprise {
			if acc, err := s.carbon.Account(ctx, u.OrgID, year); err == nil {
				data["Carbon"] = acc
			}
		} else {
			list, err := s.carbon.KeyEmitters(ctx, year)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			data["Emitters"] = list
		}
	}
	recent, err := audit.List(ctx, s.db, audit.Filter{Limit: 8})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Recent"] = recent
	s.render(w, r, http.StatusOK, "home", data)
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "password", map[string]any{"Errors": formErrors{}})
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	if _, err := s.auth.Login(r.Context(), u.Username, r.FormValue("current"), clientIP(r), r.UserAgent()); err != nil {
		s.render(w, r, http.StatusBadRequest, "password", map[string]any{"Errors": formErrors{"current": "password.wrong_current"}})
		return
	}
	if r.FormValue("password") != r.FormValue("confirm") {
		s.render(w, r, http.StatusBadRequest, "password", map[string]any{"Errors": formErrors{"confirm": "password.mismatch"}})
		return
	}
	if err := s.auth.SetPassword(r.Context(), u.Username, r.FormValue("password")); err != nil {
		fe, msg := formErrorsOf(err)
		s.render(w, r, Status(err), "password", map[string]any{"Errors": fe, "Message": msg})
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) orgsPage(w http.ResponseWriter, r *http.Request) {
	f, err := orgFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	items, next, err := s.orgs.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total, err := s.orgs.Count(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Set("cursor", strconv.FormatInt(next, 10))
	s.render(w, r, http.StatusOK, "orgs", map[string]any{
		"Items": items, "Total": total, "Filter": f, "Next": next, "NextQuery": q.Encode(),
		"Kinds": org.Kinds, "Counties": org.Counties("331100"), "ExportQuery": exportQuery(r),
	})
}

func exportQuery(r *http.Request) string {
	q := r.URL.Query()
	q.Del("cursor")
	return q.Encode()
}

func (s *Server) myOrgPage(w http.ResponseWriter, r *http.Request) {
	u, _ := userFrom(r.Context())
	http.Redirect(w, r, "/orgs/"+strconv.FormatInt(u.OrgID, 10), http.StatusSeeOther)
}

func (s *Server) orgPage(w http.ResponseWriter, r *http.Request) {
	o, err := s.pathOrg(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := o.ID
	users, err := s.auth.ListUsers(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	history, err := audit.List(r.Context(), s.db, audit.Filter{Entity: "org", EntityID: strconv.FormatInt(id, 10), Limit: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, _ := userFrom(r.Context())
	s.render(w, r, http.StatusOK, "org", map[string]any{"Org": o, "Users": users, "History": history,
		"CanEdit": org.MayEdit(u.Actor(), o),
		"Saved":   r.URL.Query().Get("saved") == "1"})
}

// orgForm is the data of the create and edit form.
type orgForm struct {
	Org        org.Org
	New        bool
	Identity   bool // may edit kind, name and USCC
	Errors     formErrors
	Message    string
	Kinds      []org.Kind
	Counties   []org.Division
	Industries []org.Industry
}

func (s *Server) newOrgForm(o org.Org, isNew, identity bool) orgForm {
	return orgForm{Org: o, New: isNew, Identity: identity, Kinds: org.Kinds, Counties: org.Divisions(), Industries: org.Industries()}
}

func (s *Server) orgNewPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "org_form", s.newOrgForm(org.Org{Kind: org.KindEnterprise, Division: "331102"}, true, true))
}

func orgFromForm(r *http.Request) org.Org {
	return org.Org{Kind: org.Kind(r.FormValue("kind")), Name: r.FormValue("name"), USCC: r.FormValue("uscc"),
		Industry: r.FormValue("industry"), Division: r.FormValue("division"), Address: r.FormValue("address"),
		LegalRep: r.FormValue("legal_rep"), Contact: r.FormValue("contact"), Phone: r.FormValue("phone")}
}

func (s *Server) orgCreateSubmit(w http.ResponseWriter, r *http.Request) {
	in := orgFromForm(r)
	o, err := s.orgs.Create(r.Context(), in)
	if err != nil {
		if code := cifp.ErrorCode(err); code != cifp.EINVALID && code != cifp.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		f := s.newOrgForm(in, true, true)
		f.Errors, f.Message = formErrorsOf(err)
		s.render(w, r, Status(err), "org_form", f)
		return
	}
	http.Redirect(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10)+"?saved=1", http.StatusSeeOther)
}

func (s *Server) orgEditPage(w http.ResponseWriter, r *http.Request) {
	o, err := s.pathOrg(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, _ := userFrom(r.Context())
	if !org.MayEdit(u.Actor(), o) {
		s.fail(w, r, cifp.Errorf(cifp.EFORBIDDEN, "your role may not edit this organisation"))
		return
	}
	s.render(w, r, http.StatusOK, "org_form", s.newOrgForm(o, false, u.Role == cifp.RoleAdmin))
}

func (s *Server) orgEditSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, _ := userFrom(r.Context())
	str := func(k string) *string { v := r.FormValue(k); return &v }
	p := org.Patch{Industry: str("industry"), Division: str("division"), Address: str("address"),
		LegalRep: str("legal_rep"), Contact: str("contact"), Phone: str("phone")}
	p.Version, _ = strconv.Atoi(r.FormValue("version"))
	if u.Role == cifp.RoleAdmin {
		k := org.Kind(r.FormValue("kind"))
		p.Kind, p.Name, p.USCC = &k, str("name"), str("uscc")
	}
	o, err := s.orgs.Update(r.Context(), id, p)
	if err != nil {
		if code := cifp.ErrorCode(err); code != cifp.EINVALID && code != cifp.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		in := orgFromForm(r)
		in.ID = id
		in.Version = p.Version
		f := s.newOrgForm(in, false, u.Role == cifp.RoleAdmin)
		f.Errors, f.Message = formErrorsOf(err)
		s.render(w, r, Status(err), "org_form", f)
		return
	}
	http.Redirect(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10)+"?saved=1", http.StatusSeeOther)
}

func (s *Server) orgImportPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "org_import", map[string]any{"Columns": org.Columns})
}

func (s *Server) orgImportSubmit(w http.ResponseWriter, r *http.Request) {
	data := map[string]any{"Columns": org.Columns}
	fail := func(err error) {
		if Status(err) == http.StatusInternalServerError {
			s.fail(w, r, err)
			return
		}
		data["Message"] = cifp.ErrorMessage(err)
		data["Fields"] = cifp.ErrorFields(err)
		s.render(w, r, Status(err), "org_import", data)
	}
	file, format, err := uploadedFile(r)
	if err != nil {
		fail(err)
		return
	}
	rows, err := org.ParseFile(bytes.NewReader(file), format)
	if err != nil {
		fail(err)
		return
	}
	res, err := s.orgs.Import(r.Context(), rows)
	if err != nil {
		fail(err)
		return
	}
	data["Result"] = res
	s.render(w, r, http.StatusOK, "org_import", data)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	data := map[string]any{}
	if id, err := queryInt(r, "org_id"); err == nil && id > 0 {
		if o, err := s.orgs.Get(r.Context(), id); err == nil {
			data["Form"] = auth.NewUser{OrgID: o.ID, Role: o.Kind.Role()}
			data["ForOrg"] = o
		}
	}
	s.renderUsers(w, r, http.StatusOK, data)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	users, err := s.auth.ListUsers(r.Context(), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Users"] = users
	data["Roles"] = cifp.Roles
	if data["Errors"] == nil {
		data["Errors"] = formErrors{}
	}
	s.render(w, r, status, "users", data)
}

func (s *Server) userCreateSubmit(w http.ResponseWriter, r *http.Request) {
	orgID, _ := strconv.ParseInt(r.FormValue("org_id"), 10, 64)
	n := auth.NewUser{OrgID: orgID, Username: r.FormValue("username"), DisplayName: r.FormValue("display_name"),
		Role: cifp.Role(r.FormValue("role")), Password: r.FormValue("password"), Lang: r.FormValue("lang")}
	u, err := s.auth.CreateUser(r.Context(), n)
	if err != nil {
		if code := cifp.ErrorCode(err); code != cifp.EINVALID && code != cifp.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		fe, msg := formErrorsOf(err)
		n.Password = ""
		s.renderUsers(w, r, Status(err), map[string]any{"Errors": fe, "Message": msg, "Form": n})
		return
	}
	s.renderUsers(w, r, http.StatusOK, map[string]any{"Created": u})
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, map[string]any{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	ts, err := s.auth.ListTokens(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Tokens"] = ts
	if data["Errors"] == nil {
		data["Errors"] = formErrors{}
	}
	s.render(w, r, status, "tokens", data)
}

func (s *Server) tokenCreateSubmit(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.FormValue("days"))
	secret, t, err := s.auth.CreateToken(r.Context(), r.FormValue("name"), time.Duration(days)*24*time.Hour)
	if err != nil {
		if cifp.ErrorCode(err) != cifp.EINVALID {
			s.fail(w, r, err)
			return
		}
		fe, msg := formErrorsOf(err)
		s.renderTokens(w, r, http.StatusBadRequest, map[string]any{"Errors": fe, "Message": msg})
		return
	}
	s.renderTokens(w, r, http.StatusOK, map[string]any{"Secret": secret, "Created": t})
}

func (s *Server) tokenRevokeSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.auth.RevokeToken(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, next, err := audit.Page(r.Context(), s.db, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", map[string]any{"Entries": es, "Next": next, "Filter": f})
}

func (s *Server) auditVerifySubmit(w http.ResponseWriter, r *http.Request) {
	res, err := audit.Verify(r.Context(), s.db)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit_verify", res)
}
