package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cifp"
	"cifp/auth"
	"cifp/carbon"
	"cifp/demo"
	"cifp/finance"
	"cifp/org"
	"cifp/project"
	"cifp/store"
	"cifp/web"
)

// fixture is a server on the demo data of seed 1 with 10 enterprises.
type fixture struct {
	t      *testing.T
	db     *store.DB
	srv    *web.Server
	ts     *httptest.Server
	orgs   *org.Service
	auth   *auth.Service
	carbon *carbon.Service
	// projects is the climate project library.
	projects *project.Service
	// finance is green finance: products, needs, claims and the loan book.
	finance *finance.Service
	users   map[string]auth.User // by username
	tokens  map[string]string    // username → API token
	// other is an enterprise that is not the demo enterprise user's own.
	other org.Org
}

var system = cifp.WithActor(context.Background(), cifp.System)

// testKey signs the fixture's QR-code links.
var testKey = []byte(strings.Repeat("k", 32))

func newFixture(t *testing.T, db *store.DB, secure bool) *fixture {
	t.Helper()
	return newFixtureOn(t, db, secure, demo.Options{Seed: 1, Enterprises: 10})
}

// newFixtureOn is newFixture on the demo data of the options.
func newFixtureOn(t *testing.T, db *store.DB, secure bool, o demo.Options) *fixture {
	t.Helper()
	if _, err := demo.Load(context.Background(), db, o); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, orgs: org.NewService(db), users: map[string]auth.User{}, tokens: map[string]string{}}
	f.auth = auth.NewService(db, f.orgs)
	var err error
	f.carbon = carbon.NewService(db, f.orgs)
	f.projects = project.NewService(db)
	f.finance = finance.NewService(db, f.carbon, f.projects)
	f.srv, err = web.New(web.Config{CookieSecure: secure, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		LoginLimit: 5, SigningKey: testKey}, db, web.Services{Orgs: f.orgs, Auth: f.auth, Carbon: f.carbon, Projects: f.projects, Finance: f.finance})
	if err != nil {
		t.Fatal(err)
	}
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(f.ts.Close)
	us, err := f.auth.ListUsers(system, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		f.users[u.Username] = u
		secret, _, err := f.auth.CreateToken(u.Actor().Context(context.Background()), "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[u.Username] = secret
	}
	list, _, err := f.orgs.List(system, org.Filter{Kind: org.KindEnterprise, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list {
		if o.ID != f.users["enterprise"].OrgID {
			f.other = o
			break
		}
	}
	return f
}

// call makes an API request as the user (by API token; "" for anonymous).
func (f *fixture) call(user, method, path string, body any) (*http.Response, []byte) {
	f.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case upload:
		var buf bytes.Buffer
		ct = b.write(&buf)
		rd = &buf
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[user])
	}
	return f.send(req)
}

func (f *fixture) send(req *http.Request) (*http.Response, []byte) {
	f.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// client is a cookie-keeping HTTP client, as a person's browser would be.
type client struct {
	f      *fixture
	client *http.Client
}

func (f *fixture) browser() *client {
	jar, _ := cookiejar.New(nil)
	return &client{f: f, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *client) csrf() string {
	u, _ := url.Parse(b.f.ts.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "cifp_csrf" {
			return c.Value
		}
	}
	return ""
}

func (b *client) get(path string) (*http.Response, string) {
	b.f.t.Helper()
	resp, err := b.client.Get(b.f.ts.URL + path)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// post submits a form; the CSRF token is added unless form has one.
func (b *client) post(path string, form url.Values) (*http.Response, string) {
	b.f.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", b.csrf())
	}
	resp, err := b.client.PostForm(b.f.ts.URL+path, form)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *client) login(username string) {
	b.f.t.Helper()
	b.get("/login")
	resp, body := b.post("/login", url.Values{"username": {username}, "password": {demo.Password}, "next": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		b.f.t.Fatalf("login %s: %d %s", username, resp.StatusCode, body)
	}
}

// counts returns the numbers of organisations and audit entries, to show
// that a refused request changed nothing.
func (f *fixture) counts() [2]int {
	f.t.Helper()
	var c [2]int
	if err := f.db.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM orgs), (SELECT COUNT(*) FROM audit_log)`).Scan(&c[0], &c[1]); err != nil {
		f.t.Fatal(err)
	}
	return c
}

func problemOf(t *testing.T, resp *http.Response, body []byte) web.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d, content type %q, body %s", resp.StatusCode, ct, body)
	}
	var p web.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustUSCC makes a valid enterprise USCC or fails the test.
func mustUSCC(t *testing.T, division, body string) string {
	t.Helper()
	code, err := org.MakeUSCC('9', '1', division, body)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// upload is a multipart/form-data body: form fields and one file.
type upload struct {
	fields  map[string]string
	field   string // the file's field name; "file" when empty
	name    string
	content []byte
}

// write writes the body and returns its content type.
func (u upload) write(w io.Writer) string {
	mw := multipart.NewWriter(w)
	for k, v := range u.fields {
		mw.WriteField(k, v)
	}
	field := u.field
	if field == "" {
		field = "file"
	}
	if u.name != "" {
		fw, _ := mw.CreateFormFile(field, u.name)
		fw.Write(u.content)
	}
	mw.Close()
	return mw.FormDataContentType()
}

// postMultipart submits a multipart form with the CSRF token.
func (b *client) postMultipart(path string, u upload) (*http.Response, string) {
	b.f.t.Helper()
	if u.fields == nil {
		u.fields = map[string]string{}
	}
	u.fields["csrf_token"] = b.csrf()
	var buf bytes.Buffer
	ct := u.write(&buf)
	req, err := http.NewRequest("POST", b.f.ts.URL+path, &buf)
	if err != nil {
		b.f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	resp, err := b.client.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
