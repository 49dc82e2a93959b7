package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"cifp"
	"cifp/finance"
	"cifp/internal/qr"
	"cifp/org"
	"cifp/project"
)

// Who uses green finance (绿色金融). Citizens and verifiers do not; within
// the others the finance service decides what each one sees: an
// institution its own products, claims and loans and the needs still open to
// it, an enterprise its own needs and borrowings, the regulators everything,
// read-only.
var (
	financeReaders      = roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleFinance, cifp.RoleEnterprise)
	financeInstitutions = roles(cifp.RoleFinance)
	financeBorrowers    = roles(cifp.RoleEnterprise)
	// needCodeReaders may get a need's loan code: its enterprise (the
	// service scopes it to its own needs) and the regulators.
	needCodeReaders = roles(cifp.RoleAdmin, cifp.RoleRegulator, cifp.RoleEnterprise)
)

// loanPageSize is the number of loans on a page of the loan book.
const loanPageSize = 50

// Claim actions of the chosen (or claiming) institution.
var claimActions = []string{"contact", "approve", "refuse", "disburse"}

// ---------------------------------------------------------------------------
// The loan code (贷款码)

// loanCodePurpose binds loan-code tokens to their use.
const loanCodePurpose = "loan-code"

// LoanCodeDays is how long a loan code's link stays valid: 30 whole days
// after the day it was made (the expiry is in the signed token).
const LoanCodeDays = 30

// loanCodeExpiry is the end of the LoanCodeDays-th day after now's day in
// China: every code made on one day carries the same token, so the page's
// link, the SVG and the PNG agree.
func loanCodeExpiry(now time.Time) time.Time {
	d := now.In(chinaTime)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chinaTime).AddDate(0, 0, LoanCodeDays+1)
}

// loanCodeURL is the signed, expiring link behind a need's loan code.
func (s *Server) loanCodeURL(r *http.Request, needID int64) (string, time.Time) {
	exp := loanCodeExpiry(time.Now())
	tok := s.signer.Token(loanCodePurpose, []string{"need", strconv.FormatInt(needID, 10)}, exp)
	return s.publicURL(r) + "/n/" + tok, exp
}

// codeNeed returns the {id} need if the caller may have its loan code: the
// need's own enterprise (the service shows an enterprise its own needs only)
// or a regulator.
func (s *Server) codeNeed(r *http.Request) (finance.Need, error) {
	id, err := pathID(r)
	if err != nil {
		return finance.Need{}, err
	}
	u, _ := userFrom(r.Context())
	if u.Role != cifp.RoleEnterprise && !u.Role.CityWide() {
		return finance.Need{}, cifp.Errorf(cifp.EFORBIDDEN, "only the enterprise that posted a need, and the regulators, get its loan code")
	}
	return s.finance.Need(r.Context(), id)
}

// needCode serves a need's loan code as SVG or PNG (pages and API).
func (s *Server) needCode(w http.ResponseWriter, r *http.Request) {
	n, err := s.codeNeed(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link, _ := s.loanCodeURL(r, n.ID)
	w.Header().Set("Cache-Control", "private, no-cache")
	if strings.HasSuffix(r.URL.Path, ".png") {
		b, err := qr.PNG(link, 512)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(b)
		return
	}
	b, err := qr.SVG(link, 256)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write(b)
}

// needCodePage is the printable poster of a need's loan code for a service
// hall: the enterprise, the amount and tenor, and the QR code.
func (s *Server) needCodePage(w http.ResponseWriter, r *http.Request) {
	n, err := s.codeNeed(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link, exp := s.loanCodeURL(r, n.ID)
	s.render(w, r, http.StatusOK, "finance_need_code", map[string]any{"N": n, "CodeURL": link, "Expires": exp.Add(-time.Second)})
}

// loanCodeOpen is the page behind a loan code: a logged-in institution user
// is sent to the need (where it may claim it); an anonymous visitor logs in
// first and comes back; anyone else — another enterprise, a citizen, a
// verifier — is refused. The link grants nothing the need page would not:
// it is a way in, checked again by the finance service.
func (s *Server) loanCodeOpen(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	fields, err := s.signer.Open(loanCodePurpose, tok, time.Now())
	var id int64
	if err == nil && len(fields) == 2 && fields[0] == "need" {
		id, err = strconv.ParseInt(fields[1], 10, 64)
	} else if err == nil {
		err = cifp.Errorf(cifp.EFORBIDDEN, "invalid link")
	}
	if err != nil || id <= 0 {
		expired := err != nil && strings.Contains(cifp.ErrorMessage(err), "expired")
		s.render(w, r, http.StatusForbidden, "finance_code_link", map[string]any{"Invalid": !expired, "Expired": expired})
		return
	}
	ctx := r.Context()
	u, ok := userFrom(ctx)
	if !ok {
		http.Redirect(w, r, "/login?next="+urlQueryEscape("/n/"+tok), http.StatusSeeOther)
		return
	}
	// Institutions (and the regulators, who read every need) follow the
	// link; the enterprise that posted the need may follow its own code.
	allowed := u.Role == cifp.RoleFinance || u.Role.CityWide()
	if u.Role == cifp.RoleEnterprise {
		_, err := s.finance.Need(ctx, id)
		allowed = err == nil
	}
	if !allowed {
		s.render(w, r, http.StatusForbidden, "finance_code_link", map[string]any{"Refused": true})
		return
	}
	if _, err := s.finance.Need(ctx, id); err != nil {
		if cifp.ErrorCode(err) == cifp.ENOTFOUND {
			s.render(w, r, http.StatusNotFound, "finance_code_link", map[string]any{"Closed": true})
			return
		}
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, fmt.Sprintf("/finance/needs/%d?via=code", id), http.StatusSeeOther)
}

// ---------------------------------------------------------------------------
// Products (金融产品)

// productRow is a product with its indicative rate for an ungraded borrower
// and its discounts by carbon grade.
type productRow struct {
	P         finance.Product
	Base      *finance.Price
	Discounts []gradeBP
}

type gradeBP struct {
	Grade int
	BP    float64
	Rate  float64
}

func productRows(ps []finance.Product, now time.Time) []productRow {
	out := make([]productRow, 0, len(ps))
	for _, p := range ps {
		row := productRow{P: p}
		if price, err := finance.PriceOf(p, 0, now); err == nil {
			row.Base = &price
		}
		for g := 1; g <= 5; g++ {
			if d := p.DiscountBP[g]; d != 0 {
				gp := gradeBP{Grade: g, BP: d}
				if price, err := finance.PriceOf(p, g, now); err == nil {
					gp.Rate = price.Rate
				}
				row.Discounts = append(row.Discounts, gp)
			}
		}
		out = append(out, row)
	}
	return out
}

// productForm is the publish form: the product and its refusal.
type productForm struct {
	P        finance.Product
	Industry string // the prefixes as typed
	Errors   formErrors
	Message  string
}

// productsView is the data of the products page.
type productsView struct {
	OnSale      []productRow
	Mine        []productRow // an institution's own, every version
	History     []productRow // a regulator's ?all=1 view
	ShowAll     bool
	Institution bool
	Team        bool
	Owner       bool // an enterprise
	Form        productForm
	Kinds       []string
	Collateral  []finance.Kind
	Counties    []org.Division
	Grades      []int
	LPR         finance.LPR
	Done        string
	Error       string
}

func (s *Server) productsPage(w http.ResponseWriter, r *http.Request) {
	v := productsView{Done: r.URL.Query().Get("done"), Form: productForm{Errors: formErrors{},
		P: finance.Product{LPRTerm: "1y", MinTenor: 1, MaxTenor: 36, Collateral: []string{"credit"}}}}
	if from := r.URL.Query().Get("from"); from != "" {
		// A new version of one of the institution's products, pre-filled.
		id, err := strconv.ParseInt(from, 10, 64)
		if err == nil {
			if p, err := s.finance.Product(r.Context(), id); err == nil {
				if u, _ := userFrom(r.Context()); p.InstitutionID == u.OrgID {
					v.Form.P, v.Form.Industry = p, strings.Join(p.Industries, ", ")
				}
			}
		}
	}
	s.renderProducts(w, r, http.StatusOK, v)
}

func (s *Server) renderProducts(w http.ResponseWriter, r *http.Request, status int, v productsView) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	now := time.Now()
	onSale, err := s.finance.Products(ctx, finance.ProductFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.OnSale = productRows(onSale, now)
	v.Institution, v.Team, v.Owner = u.Role == cifp.RoleFinance, u.Role.CityWide(), u.Role == cifp.RoleEnterprise
	if v.Institution {
		mine, err := s.finance.Products(ctx, finance.ProductFilter{All: true})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Mine = productRows(mine, now)
	}
	if v.Team && isTrue(r.URL.Query().Get("all")) {
		all, err := s.finance.Products(ctx, finance.ProductFilter{All: true})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.History, v.ShowAll = productRows(all, now), true
	}
	v.Kinds, v.Collateral, v.Counties = finance.ProductKinds, finance.CollateralKinds(), org.Counties(project.LishuiCode)
	v.Grades = []int{1, 2, 3, 4, 5}
	v.LPR, _ = finance.LPRAt(now)
	if v.Form.Errors == nil {
		v.Form.Errors = formErrors{}
	}
	s.render(w, r, status, "finance_products", v)
}

// listSplit splits a list typed into one field: commas (also Chinese ones),
// 、 or spaces.
var listSplit = regexp.MustCompile(`[\s,，、;；]+`)

func splitList(v string) []string {
	var out []string
	for _, x := range listSplit.Split(strings.TrimSpace(v), -1) {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// formNumbers reads numbers from a form, collecting the values that are not.
type formNumbers struct {
	r    *http.Request
	errs []cifp.FieldError
}

func (fn *formNumbers) str(k string) string { return strings.TrimSpace(fn.r.FormValue(k)) }

// float reads a number; blank is 0 (the service says whether it may be).
func (fn *formNumbers) float(k string) float64 {
	v := strings.ReplaceAll(fn.str(k), ",", "")
	if v == "" {
		return 0
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		fn.errs = append(fn.errs, cifp.FieldError{Field: k, Value: fn.str(k), Message: "is not a number"})
		return 0
	}
	return x
}

func (fn *formNumbers) int(k string) int {
	v := fn.str(k)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fn.errs = append(fn.errs, cifp.FieldError{Field: k, Value: v, Message: "is not a whole number"})
	}
	return n
}

// productFromForm reads the publish form.
func productFromForm(r *http.Request) (finance.Product, string, []cifp.FieldError) {
	fn := &formNumbers{r: r}
	industry := fn.str("industries")
	p := finance.Product{Code: fn.str("code"), Name: fn.str("name"), Kind: fn.str("kind"), Description: fn.str("description"),
		MinAmount: fn.float("min_amount"), MaxAmount: fn.float("max_amount"), MinTenor: fn.int("min_tenor"), MaxTenor: fn.int("max_tenor"),
		Industries: splitList(industry), Counties: r.Form["counties"], Collateral: r.Form["collateral"], LPRTerm: fn.str("lpr_term"),
		SpreadBP: fn.float("spread_bp"), DiscountBP: map[int]float64{}}
	for _, g := range r.Form["grades"] {
		n, err := strconv.Atoi(g)
		if err != nil {
			fn.errs = append(fn.errs, cifp.FieldError{Field: "grades", Value: g, Message: "is not a carbon-efficiency grade 1–5"})
			continue
		}
		p.Grades = append(p.Grades, n)
	}
	for g := 1; g <= 5; g++ {
		k := "discount_bp." + strconv.Itoa(g)
		if fn.str(k) != "" {
			if d := fn.float(k); d != 0 {
				p.DiscountBP[g] = d
			}
		}
	}
	return p, industry, fn.errs
}

// joinInvalid joins a form's own errors with the service's check, so that
// one submission shows every problem once per field.
func joinInvalid(msg string, parse, check []cifp.FieldError) error {
	seen := map[string]bool{}
	for _, e := range parse {
		seen[e.Field] = true
	}
	errs := parse
	for _, e := range check {
		if !seen[e.Field] {
			errs = append(errs, e)
		}
	}
	return cifp.Invalid(msg, errs...)
}

func (s *Server) productPublishSubmit(w http.ResponseWriter, r *http.Request) {
	p, industry, perrs := productFromForm(r)
	var err error
	if len(perrs) > 0 {
		checked := p
		err = joinInvalid("the product is not valid", perrs, checked.Check())
	} else {
		_, err = s.finance.Publish(r.Context(), p)
	}
	if err != nil {
		if code := cifp.ErrorCode(err); code != cifp.EINVALID && code != cifp.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		form := productForm{P: p, Industry: industry}
		form.Errors, form.Message = formErrorsOf(err)
		s.renderProducts(w, r, Status(err), productsView{Form: form})
		return
	}
	http.Redirect(w, r, "/finance/products?done=published#mine", http.StatusSeeOther)
}

func (s *Server) productWithdrawSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.finance.Withdraw(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/finance/products?done=withdrawn#mine", http.StatusSeeOther)
}

// ---------------------------------------------------------------------------
// Financing needs (融资需求)

// needRow is a need in a list, with what the viewer's role adds: an
// institution's best product for it and its own claim.
type needRow struct {
	N       finance.Need
	Best    *finance.Match
	Mine    *finance.Claim
	Overdue int // claims not contacted by their due time
}

// needForm is the post form of an enterprise.
type needForm struct {
	In      finance.NeedInput
	Errors  formErrors
	Message string
}

// needsView is the data of the needs page.
type needsView struct {
	Rows        []needRow // the enterprise's own, or all for the regulators
	Claimable   []needRow // an institution: open needs it may claim, best match first
	Claimed     []needRow // an institution: the needs it claimed
	Owner       bool
	Institution bool
	Team        bool
	Status      string
	OverdueOnly bool
	Statuses    []string
	Form        needForm
	Projects    []project.Project // the enterprise's projects in the library
	Collateral  []finance.Kind
	Settings    finance.Settings
	Products    int                     // an institution's products on sale
	Credit      *finance.BorrowerCredit // an enterprise's own carbon-performance credit of last year
	Done        string
}

// NeedStatuses are the statuses of a need, in workflow order.
var NeedStatuses = []string{finance.NeedOpen, finance.NeedChosen, finance.NeedApproved, finance.NeedDisbursed, finance.NeedWithdrawn}

func (s *Server) needsPage(w http.ResponseWriter, r *http.Request) {
	s.renderNeeds(w, r, http.StatusOK, needsView{Done: r.URL.Query().Get("done"), Form: needForm{Errors: formErrors{}}})
}

func overdueClaims(n finance.Need) int {
	k := 0
	for _, c := range n.Claims {
		if c.Overdue {
			k++
		}
	}
	return k
}

// bestMatches measures the institution's products on sale against each
// need and keeps the best, then orders the needs: those its products fit
// first, at the lowest indicative rate, then the newest.
func (s *Server) bestMatches(ctx context.Context, needs []finance.Need, products []finance.Product) []needRow {
	now := time.Now()
	out := make([]needRow, 0, len(needs))
	for _, n := range needs {
		row := needRow{N: n, Overdue: overdueClaims(n)}
		if len(products) > 0 {
			ms := finance.MatchAll(products, n.Ask(), s.finance.Borrower(ctx, n), now)
			row.Best = &ms[0]
		}
		out = append(out, row)
	}
	rate := func(r needRow) float64 {
		if r.Best == nil || r.Best.Price == nil {
			return math.Inf(1)
		}
		return r.Best.Price.Rate
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ea, eb := a.Best != nil && a.Best.Eligible, b.Best != nil && b.Best.Eligible
		if ea != eb {
			return ea
		}
		if ea && rate(a) != rate(b) {
			return rate(a) < rate(b)
		}
		return a.N.ID > b.N.ID
	})
	return out
}

func (s *Server) renderNeeds(w http.ResponseWriter, r *http.Request, status int, v needsView) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	q := r.URL.Query()
	v.Owner, v.Institution, v.Team = u.Role == cifp.RoleEnterprise, u.Role == cifp.RoleFinance, u.Role.CityWide()
	v.Statuses, v.Collateral = NeedStatuses, finance.CollateralKinds()
	var err error
	if v.Settings, err = s.finance.Settings(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Owner {
		cs, err := s.finance.Credit(ctx, []int64{u.OrgID}, lastYear())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(cs) == 1 {
			v.Credit = &cs[0]
		}
	}
	switch {
	case v.Institution:
		open, err := s.finance.Needs(ctx, finance.NeedFilter{Status: finance.NeedOpen})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var claimable []finance.Need
		for _, n := range open {
			if len(n.Claims) == 0 {
				claimable = append(claimable, n)
			}
		}
		products, err := s.finance.Products(ctx, finance.ProductFilter{InstitutionID: u.OrgID})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Products = len(products)
		v.Claimable = s.bestMatches(ctx, claimable, products)
		claimed, err := s.finance.Needs(ctx, finance.NeedFilter{Mine: true})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, n := range claimed {
			row := needRow{N: n, Overdue: overdueClaims(n)}
			if len(n.Claims) > 0 {
				c := n.Claims[0]
				row.Mine = &c
			}
			v.Claimed = append(v.Claimed, row)
		}
	default:
		v.Status, v.OverdueOnly = q.Get("status"), isTrue(q.Get("overdue"))
		if v.Status != "" && !slices.Contains(NeedStatuses, v.Status) {
			s.fail(w, r, cifp.Invalid("bad query parameter status", cifp.FieldError{Field: "status", Value: v.Status, Message: "is not one of " + strings.Join(NeedStatuses, ", ")}))
			return
		}
		needs, err := s.finance.Needs(ctx, finance.NeedFilter{Status: v.Status})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, n := range needs {
			row := needRow{N: n, Overdue: overdueClaims(n)}
			if !v.OverdueOnly || row.Overdue > 0 {
				v.Rows = append(v.Rows, row)
			}
		}
	}
	if v.Owner {
		ps, _, err := s.projects.List(ctx, project.Filter{Library: true, Limit: 1000})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Projects = ps
	}
	if v.Form.Errors == nil {
		v.Form.Errors = formErrors{}
	}
	s.render(w, r, status, "finance_needs", v)
}

// needFromForm reads the post form of an enterprise.
func needFromForm(r *http.Request) (finance.NeedInput, []cifp.FieldError) {
	fn := &formNumbers{r: r}
	in := finance.NeedInput{Amount: fn.float("amount"), Tenor: fn.int("tenor"), Purpose: fn.str("purpose"), Collateral: r.Form["collateral"]}
	if v := fn.str("project_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			fn.errs = append(fn.errs, cifp.FieldError{Field: "project_id", Value: v, Message: "is not a project"})
		}
		in.ProjectID = id
	}
	return in, fn.errs
}

func (s *Server) needPostSubmit(w http.ResponseWriter, r *http.Request) {
	in, perrs := needFromForm(r)
	var err error
	var n finance.Need
	if err = cifp.Invalid("the financing need is not valid", perrs...); err == nil {
		n, err = s.finance.PostNeed(r.Context(), in)
	}
	if err != nil {
		if code := cifp.ErrorCode(err); code != cifp.EINVALID && code != cifp.ECONFLICT {
			s.fail(w, r, err)
			return
		}
		form := needForm{In: in}
		form.Errors, form.Message = formErrorsOf(err)
		s.renderNeeds(w, r, Status(err), needsView{Form: form})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/finance/needs/%d?done=posted", n.ID), http.StatusSeeOther)
}

// needView is the data of a need's page.
type needView struct {
	N           finance.Need
	Borrower    finance.Borrower
	Project     *project.Project
	Matches     []finance.Match
	Owner       bool
	Team        bool
	Institution bool
	Mine        *finance.Claim    // an institution's claim on the need
	MyProducts  []finance.Product // an institution's products on sale, eligible first
	Eligible    map[int64]bool
	Offer       int64 // the product the claim form offers first: the best eligible one
	CanClaim    bool
	CanChoose   bool
	CanWithdraw bool
	Indicative  *finance.Price // the rate of the claim's product (or the best) for this borrower
	Proposal    *finance.Suggestion
	Classes     []project.Term // the green classes of the catalogue in force
	Climates    []string
	CodeURL     string
	CodeExpires time.Time
	ViaCode     bool
	Today       string
	Maturity    string // today + the tenor, for the disbursement form
	Done        string
	// The refusal of the last action, shown beside its form.
	Action       string
	ActionError  string
	ActionFields []cifp.FieldError
	Errors       formErrors
	Form         map[string]string
}

// Climates are the climate types of a loan.
var Climates = []string{finance.ClimateMitigation, finance.ClimateAdaptation, finance.ClimateBoth, finance.ClimateNone}

func (s *Server) needPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.renderNeed(w, r, http.StatusOK, needView{Done: q.Get("done"), ViaCode: q.Get("via") == "code"})
}

// renderNeed shows a need with everything the caller may see and the
// actions the caller may take; v carries the outcome of a refused action.
func (s *Server) renderNeed(w http.ResponseWriter, r *http.Request, status int, v needView) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	u, _ := userFrom(ctx)
	if v.N, err = s.finance.Need(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	n := v.N
	v.Borrower = s.finance.Borrower(ctx, n)
	if n.ProjectID != 0 {
		if p, err := s.projects.Get(ctx, n.ProjectID); err == nil {
			v.Project = &p
		}
	}
	if v.Matches, err = s.finance.Matches(ctx, n, v.Borrower); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Owner, v.Team, v.Institution = u.Role == cifp.RoleEnterprise && u.OrgID == n.OrgID, u.Role.CityWide(), u.Role == cifp.RoleFinance
	now := time.Now().In(chinaTime)
	v.Today = now.Format(time.DateOnly)
	v.Maturity = now.AddDate(0, n.Tenor, 0).Format(time.DateOnly)
	if v.Institution {
		for _, c := range n.Claims {
			if c.InstitutionID == u.OrgID {
				v.Mine = &c
			}
		}
		v.Eligible = map[int64]bool{}
		for _, m := range v.Matches {
			if m.Product.Active {
				v.MyProducts = append(v.MyProducts, m.Product)
				v.Eligible[m.Product.ID] = m.Eligible
				if m.Eligible && v.Offer == 0 {
					v.Offer = m.Product.ID
				}
			}
		}
		v.CanClaim = v.Mine == nil && n.Status == finance.NeedOpen && n.ClaimCount < n.MaxClaims
		for _, m := range v.Matches {
			switch {
			case m.Price == nil:
			case v.Mine != nil && v.Mine.ProductID != 0:
				if m.Product.ID == v.Mine.ProductID {
					p := *m.Price
					v.Indicative = &p
				}
			case v.Indicative == nil && m.Eligible:
				p := *m.Price
				v.Indicative = &p
			}
		}
		if v.Mine != nil && v.Mine.Status == finance.ClaimApproved {
			sg, err := s.finance.Proposal(ctx, v.Mine.ID, now)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			v.Proposal = &sg
			for _, c := range s.projects.Taxonomy.Catalogues {
				if c.Code == sg.Catalogue {
					v.Classes = c.Classes
				}
			}
			v.Climates = Climates
		}
	}
	if v.Owner {
		v.CanChoose = n.Status == finance.NeedOpen
		v.CanWithdraw = n.Status != finance.NeedDisbursed && n.Status != finance.NeedWithdrawn
	}
	if v.Owner || v.Team {
		v.CodeURL, v.CodeExpires = s.loanCodeURL(r, n.ID)
		v.CodeExpires = v.CodeExpires.Add(-time.Second)
	}
	if v.Errors == nil {
		v.Errors = formErrors{}
	}
	if v.Form == nil {
		v.Form = map[string]string{}
	}
	s.render(w, r, status, "finance_need", v)
}

// needActionFailed re-shows the need with the refusal of an action beside
// its form, or the error page for what is not the user's to fix there.
func (s *Server) needActionFailed(w http.ResponseWriter, r *http.Request, action string, err error) {
	if Status(err) >= 500 || cifp.ErrorCode(err) == cifp.EFORBIDDEN {
		s.fail(w, r, err)
		return
	}
	v := needView{Action: action, Form: map[string]string{}, ActionFields: cifp.ErrorFields(err)}
	v.Errors, v.ActionError = formErrorsOf(err)
	for k, vs := range r.PostForm {
		if k != "csrf_token" && len(vs) > 0 {
			v.Form[k] = vs[0]
		}
	}
	s.renderNeed(w, r, Status(err), v)
}

func (s *Server) needClaimSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var product int64
	if v := strings.TrimSpace(r.FormValue("product_id")); v != "" {
		if product, err = strconv.ParseInt(v, 10, 64); err != nil || product < 0 {
			s.needActionFailed(w, r, "claim", cifp.Invalid("unknown product", cifp.FieldError{Field: "product_id", Value: v, Message: "is not a product"}))
			return
		}
	}
	if _, err := s.finance.Claim(r.Context(), id, product); err != nil {
		s.needActionFailed(w, r, "claim", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/finance/needs/%d?done=claimed", id), http.StatusSeeOther)
}

func (s *Server) needChooseSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := r.FormValue("claim_id")
	claim, err := strconv.ParseInt(v, 10, 64)
	if err != nil || claim <= 0 {
		s.needActionFailed(w, r, "choose", cifp.Invalid("choose a claimant", cifp.FieldError{Field: "claim_id", Value: v, Message: "is not a claim"}))
		return
	}
	if _, err := s.finance.Choose(r.Context(), id, claim); err != nil {
		s.needActionFailed(w, r, "choose", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/finance/needs/%d?done=chosen", id), http.StatusSeeOther)
}

func (s *Server) needWithdrawSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.finance.WithdrawNeed(r.Context(), id); err != nil {
		s.needActionFailed(w, r, "withdraw", err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/finance/needs/%d?done=withdrawn", id), http.StatusSeeOther)
}

// loanFromForm reads the disbursement form. The officer's class and climate
// type are always sent: the form shows the assistant's proposal chosen, so
// sending it unchanged confirms it and changing it corrects it.
func loanFromForm(r *http.Request) (finance.LoanInput, []cifp.FieldError) {
	fn := &formNumbers{r: r}
	in := finance.LoanInput{LoanID: fn.str("loan_id"), Amount: fn.float("amount"), Rate: fn.float("rate"), StartDate: fn.str("start_date"),
		MaturityDate: fn.str("maturity_date"), Product: fn.str("product")}
	if _, ok := r.Form["green_class"]; ok {
		gc := fn.str("green_class")
		in.GreenClass = &gc
	}
	if _, ok := r.Form["climate_type"]; ok {
		ct := fn.str("climate_type")
		in.ClimateType = &ct
	}
	return in, fn.errs
}

// claimAct takes one of the institution's actions on its claim.
func (s *Server) claimAct(ctx context.Context, r *http.Request, claimID int64, action string) (any, error) {
	fn := &formNumbers{r: r}
	switch action {
	case "contact":
		return s.finance.Contact(ctx, claimID, r.FormValue("note"))
	case "approve":
		amount, rate := fn.float("amount"), fn.float("rate")
		if err := cifp.Invalid("the approval is not valid", fn.errs...); err != nil {
			return nil, err
		}
		return s.finance.Approve(ctx, claimID, amount, rate)
	case "refuse":
		return s.finance.Refuse(ctx, claimID, r.FormValue("reason"))
	case "disburse":
		in, perrs := loanFromForm(r)
		if err := cifp.Invalid("the loan is not valid", perrs...); err != nil {
			return nil, err
		}
		return s.finance.Disburse(ctx, claimID, in)
	}
	return nil, cifp.Errorf(cifp.ENOTFOUND, "no claim action %q (one of %s)", action, strings.Join(claimActions, ", "))
}

func (s *Server) claimActSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cid, err := strconv.ParseInt(r.PathValue("cid"), 10, 64)
	if err != nil || cid <= 0 {
		s.fail(w, r, cifp.Invalid("the claim id in the path must be a positive integer", cifp.FieldError{Field: "cid", Value: r.PathValue("cid"), Message: "must be a positive integer"}))
		return
	}
	// The claim must be the caller's on this need: an institution sees its
	// own claims only, so another's is not found.
	n, err := s.finance.Need(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !slices.ContainsFunc(n.Claims, func(c finance.Claim) bool { return c.ID == cid }) {
		s.fail(w, r, cifp.Errorf(cifp.ENOTFOUND, "claim %d not found on need %d", cid, id))
		return
	}
	action := r.PathValue("action")
	if _, err := s.claimAct(r.Context(), r, cid, action); err != nil {
		s.needActionFailed(w, r, action, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/finance/needs/%d?done=%s", id, url.QueryEscape(action)), http.StatusSeeOther)
}

// ---------------------------------------------------------------------------
// The loan book (贷款逐笔数据)

// loanRow is a loan with its lender's name.
type loanRow struct {
	L      finance.Loan
	Lender string
}

// loansView is the data of the loan-book page.
type loansView struct {
	Month       string
	Rows        []loanRow
	Total       int
	Page        int64
	Pages       int
	Prev, Next  string
	Institution bool
	Owner       bool
	Team        bool
	Balance     float64 // of the rows shown
	Green       float64 // green balance of the rows shown
	Result      *finance.LoanImport
	Message     string
	Fields      []cifp.FieldError
	Header      []string
}

// thisMonth is the current month in China, YYYY-MM.
func thisMonth() string { return time.Now().In(chinaTime).Format("2006-01") }

// loanMonth reads the month of the loan book asked for, this month by default.
func loanMonth(v string) (string, error) {
	if v == "" {
		return thisMonth(), nil
	}
	if _, err := time.Parse("2006-01", v); err != nil {
		return "", cifp.Invalid("bad month", cifp.FieldError{Field: "month", Value: v, Message: "is not a month (YYYY-MM)"})
	}
	return v, nil
}

func (s *Server) loansPage(w http.ResponseWriter, r *http.Request) {
	month, err := loanMonth(r.URL.Query().Get("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderLoans(w, r, http.StatusOK, loansView{Month: month})
}

// lenders names the institutions of the loans: the regulators read every
// organisation; an institution is its own lender; an enterprise learns its
// lenders from the claims on its needs.
func (s *Server) lenders(ctx context.Context, loans []finance.Loan) map[int64]string {
	u, _ := userFrom(ctx)
	names := map[int64]string{}
	switch {
	case u.Role == cifp.RoleEnterprise:
		if needs, err := s.finance.Needs(ctx, finance.NeedFilter{}); err == nil {
			for _, n := range needs {
				for _, c := range n.Claims {
					names[c.InstitutionID] = c.Institution
				}
			}
		}
	default:
		for _, l := range loans {
			if _, ok := names[l.InstitutionID]; ok {
				continue
			}
			if o, err := s.orgs.Get(ctx, l.InstitutionID); err == nil {
				names[l.InstitutionID] = o.Name
			} else {
				names[l.InstitutionID] = ""
			}
		}
	}
	return names
}

func (s *Server) renderLoans(w http.ResponseWriter, r *http.Request, status int, v loansView) {
	ctx := r.Context()
	u, _ := userFrom(ctx)
	page, err := queryInt(r, "page")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page = max(page, 1)
	loans, total, err := s.finance.Loans(ctx, finance.LoanFilter{Month: v.Month, Limit: loanPageSize, Offset: int(v.Page-1) * loanPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := s.lenders(ctx, loans)
	for _, l := range loans {
		v.Rows = append(v.Rows, loanRow{L: l, Lender: names[l.InstitutionID]})
		v.Balance += l.Balance
		if l.Green() {
			v.Green += l.Balance
		}
	}
	v.Total, v.Pages = total, (total+loanPageSize-1)/loanPageSize
	link := func(n int64) string {
		return "/finance/loans?" + url.Values{"month": {v.Month}, "page": {strconv.FormatInt(n, 10)}}.Encode()
	}
	if v.Page > 1 {
		v.Prev = link(v.Page - 1)
	}
	if int(v.Page)*loanPageSize < total {
		v.Next = link(v.Page + 1)
	}
	v.Institution, v.Owner, v.Team = u.Role == cifp.RoleFinance, u.Role == cifp.RoleEnterprise, u.Role.CityWide()
	v.Header = finance.LoanHeader
	s.render(w, r, status, "finance_loans", v)
}

// importLoans reads an uploaded loan book (multipart fields "month" and
// "file", or the file as the body with ?month=) and stores it, all or nothing.
func (s *Server) importLoans(r *http.Request) (finance.LoanImport, error) {
	data, name, month, err := monthUpload(r)
	if err != nil {
		return finance.LoanImport{}, err
	}
	return s.finance.ImportLoans(r.Context(), bytes.NewReader(data), name, month)
}

// monthUpload reads a month-end submission's upload: multipart fields
// "month" and "file", or the file as the body with ?month= (and
// ?filename=). It returns the content, the file's name and the month.
func monthUpload(r *http.Request) (data []byte, name, month string, err error) {
	data, format, err := uploadedFile(r)
	if err != nil {
		return nil, "", "", err
	}
	month = strings.TrimSpace(r.FormValue("month"))
	if month == "" {
		month = r.URL.Query().Get("month")
	}
	name = "upload." + format
	if _, h, err := r.FormFile("file"); err == nil {
		name = h.Filename
	} else if n := r.URL.Query().Get("filename"); n != "" {
		name = n
	}
	return data, name, month, nil
}

func (s *Server) loansImportSubmit(w http.ResponseWriter, r *http.Request) {
	res, err := s.importLoans(r)
	month := strings.TrimSpace(r.FormValue("month"))
	if _, merr := loanMonth(month); merr != nil || month == "" {
		month = thisMonth()
	}
	if err != nil {
		if Status(err) >= 500 || cifp.ErrorCode(err) == cifp.EFORBIDDEN {
			s.fail(w, r, err)
			return
		}
		s.renderLoans(w, r, Status(err), loansView{Month: month, Message: cifp.ErrorMessage(err), Fields: cifp.ErrorFields(err)})
		return
	}
	s.renderLoans(w, r, http.StatusOK, loansView{Month: res.Month, Result: &res})
}

// loanNotes explain each column of the loan-book template.
var loanNotes = map[string][2]string{
	"loan_id":       {"贷款编号（本机构内唯一）", "LS-2026-000123"},
	"borrower_uscc": {"借款人统一社会信用代码（GB 32100-2015）", "91331122MA2EXAMP5X"},
	"product":       {"产品名称或代码", "碳效贷"},
	"amount":        {"合同金额（万元）", "500"},
	"balance":       {"月末余额（万元），不超过合同金额", "480"},
	"rate":          {"年利率（%）", "3.45"},
	"start_date":    {"发放日 YYYY-MM-DD，不晚于报送月份", "2026-01-15"},
	"maturity_date": {"到期日 YYYY-MM-DD", "2029-01-14"},
	"purpose":       {"贷款用途", "屋顶分布式光伏建设"},
	"green_class":   {"绿色分类（目录一级分类代码）；留空由分类助手建议；none 为非绿色", ""},
	"catalogue":     {"目录版本 2021 或 2025；留空按发放日当时有效的版本", ""},
	"climate_type":  {"气候属性 mitigation / adaptation / both / none；留空由分类助手建议", ""},
	"project_code":  {"项目库项目编号（如有）", ""},
}

// writeLoanTemplate writes the empty loan-book file: the header row, and in
// an .xlsx a second sheet that explains each column.
func writeLoanTemplate(w io.Writer, format string) error {
	switch format {
	case "csv":
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		cw.Write(finance.LoanHeader)
		cw.Flush()
		return cw.Error()
	case "xlsx":
		x := excelize.NewFile()
		defer x.Close()
		const sheet, notes = "贷款逐笔数据", "填写说明"
		x.SetSheetName("Sheet1", sheet)
		head := finance.LoanHeader
		x.SetSheetRow(sheet, "A1", &head)
		x.SetColWidth(sheet, "A", "M", 18)
		x.NewSheet(notes)
		x.SetSheetRow(notes, "A1", &[]string{"列", "说明", "示例"})
		for i, c := range finance.LoanHeader {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			n := loanNotes[c]
			x.SetSheetRow(notes, cell, &[]string{c, n[0], n[1]})
		}
		x.SetColWidth(notes, "A", "C", 36)
		return x.Write(w)
	}
	return cifp.Errorf(cifp.EUNSUPPORTED, "unsupported format %q: use xlsx or csv", format)
}

// loanTemplate serves the empty loan-book file (pages and API).
func (s *Server) loanTemplate(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	var buf bytes.Buffer
	if err := writeLoanTemplate(&buf, format); err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, "loans-template."+format, buf.Bytes())
}

// ---------------------------------------------------------------------------
// Settings (融资服务设置)

func (s *Server) financeSettingsPage(w http.ResponseWriter, r *http.Request) {
	st, err := s.finance.Settings(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "finance_settings", map[string]any{"S": st, "Errors": formErrors{}, "Done": r.URL.Query().Get("done"), "Days": []int{1, 3, 5}})
}

func (s *Server) financeSettingsSubmit(w http.ResponseWriter, r *http.Request) {
	fn := &formNumbers{r: r}
	st := finance.Settings{MaxClaims: fn.int("max_claims"), ContactDays: fn.int("contact_days")}
	err := cifp.Invalid("the settings are not valid", fn.errs...)
	if err == nil {
		err = s.finance.SetSettings(r.Context(), st)
	}
	if err != nil {
		if cifp.ErrorCode(err) != cifp.EINVALID {
			s.fail(w, r, err)
			return
		}
		errs, msg := formErrorsOf(err)
		s.render(w, r, Status(err), "finance_settings", map[string]any{"S": st, "Errors": errs, "Message": msg, "Days": []int{1, 3, 5}})
		return
	}
	http.Redirect(w, r, "/finance/settings?done=saved", http.StatusSeeOther)
}

// sep is the separator of a list in running text.
func sep(lang string) string {
	if lang == "en" {
		return ", "
	}
	return "、"
}

// collateralNames names collateral kinds in the language.
func collateralNames(lang string, codes []string) string {
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		if k, ok := finance.CollateralKind(c); ok {
			c = k.NameZH
			if lang == "en" {
				c = k.NameEN
			}
		}
		names = append(names, c)
	}
	return strings.Join(names, sep(lang))
}
