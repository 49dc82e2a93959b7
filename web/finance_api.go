package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"cifp"
	"cifp/finance"
)

// productInput is the body of POST /api/v1/products: a product's terms. A
// code the institution has published before gets the next version.
type productInput struct {
	Code        string          `json:"code"`
	Name        string          `json:"name"`
	Kind        string          `json:"kind"`
	Description string          `json:"description"`
	MinAmount   float64         `json:"min_amount"`
	MaxAmount   float64         `json:"max_amount"`
	MinTenor    int             `json:"min_tenor"`
	MaxTenor    int             `json:"max_tenor"`
	Industries  []string        `json:"industries"`
	Counties    []string        `json:"counties"`
	Grades      []int           `json:"grades"`
	Collateral  []string        `json:"collateral"`
	LPRTerm     string          `json:"lpr_term"`
	SpreadBP    float64         `json:"spread_bp"`
	DiscountBP  map[int]float64 `json:"discount_bp"`
}

func (in productInput) product() finance.Product {
	return finance.Product{Code: in.Code, Name: in.Name, Kind: in.Kind, Description: in.Description, MinAmount: in.MinAmount,
		MaxAmount: in.MaxAmount, MinTenor: in.MinTenor, MaxTenor: in.MaxTenor, Industries: in.Industries, Counties: in.Counties,
		Grades: in.Grades, Collateral: in.Collateral, LPRTerm: in.LPRTerm, SpreadBP: in.SpreadBP, DiscountBP: in.DiscountBP}
}

var productQuery = []Param{
	{Name: "all", Desc: "true: every version, withdrawn ones too (an institution its own; the regulators all)"},
	{Name: "institution_id", Desc: "only this institution's products"},
}

func (s *Server) apiProducts(w http.ResponseWriter, r *http.Request) {
	inst, err := queryInt(r, "institution_id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	ps, err := s.finance.Products(r.Context(), finance.ProductFilter{All: isTrue(r.URL.Query().Get("all")), InstitutionID: inst})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if ps == nil {
		ps = []finance.Product{}
	}
	writeJSON(w, http.StatusOK, ps)
}

func (s *Server) apiPublishProduct(w http.ResponseWriter, r *http.Request) {
	var in productInput
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	p, err := s.finance.Publish(r.Context(), in.product())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/products/"+strconv.FormatInt(p.ID, 10))
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) apiWithdrawProduct(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if err := s.finance.Withdraw(r.Context(), id); err != nil {
		s.problem(w, r, err)
		return
	}
	p, err := s.finance.Product(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// needItem is a need in a list; for an institution, with its best product
// for it (best_match) when it has products on sale.
type needItem struct {
	finance.Need
	BestMatch *finance.Match `json:"best_match,omitempty"`
}

var needQuery = []Param{
	{Name: "status", Desc: "open, chosen, approved, disbursed or withdrawn"},
	{Name: "mine", Desc: "true: an institution's claimed needs only"},
	{Name: "rank", Desc: "true: an institution's open needs ranked by its best matching product (best_match)"},
}

func (s *Server) apiNeeds(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := finance.NeedFilter{Status: q.Get("status"), Mine: isTrue(q.Get("mine"))}
	if f.Status != "" && !slices.Contains(NeedStatuses, f.Status) {
		s.problem(w, r, cifp.Invalid("bad query parameter status", cifp.FieldError{Field: "status", Value: f.Status, Message: "is not one of " + strings.Join(NeedStatuses, ", ")}))
		return
	}
	needs, err := s.finance.Needs(ctx, f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := make([]needItem, 0, len(needs))
	u, _ := userFrom(ctx)
	if u.Role == cifp.RoleFinance && isTrue(q.Get("rank")) {
		products, err := s.finance.Products(ctx, finance.ProductFilter{InstitutionID: u.OrgID})
		if err != nil {
			s.problem(w, r, err)
			return
		}
		for _, row := range s.bestMatches(ctx, needs, products) {
			out = append(out, needItem{Need: row.N, BestMatch: row.Best})
		}
	} else {
		for _, n := range needs {
			out = append(out, needItem{Need: n})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPostNeed(w http.ResponseWriter, r *http.Request) {
	var in finance.NeedInput
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	n, err := s.finance.PostNeed(r.Context(), in)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/needs/"+strconv.FormatInt(n.ID, 10))
	writeJSON(w, http.StatusCreated, n)
}

func (s *Server) apiNeed(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	n, err := s.finance.Need(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// matchList is a need's borrower as matching knows it and the products
// ranked for the need, each rule explained.
type matchList struct {
	Borrower finance.Borrower `json:"borrower"`
	Matches  []finance.Match  `json:"matches"`
}

func (s *Server) apiNeedMatches(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	n, err := s.finance.Need(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	b := s.finance.Borrower(r.Context(), n)
	ms, err := s.finance.Matches(r.Context(), n, b)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, matchList{Borrower: b, Matches: ms})
}

// claimRequest is the body of a claim: the product offered, if any.
type claimRequest struct {
	ProductID int64 `json:"product_id,omitempty"`
}

func (s *Server) apiClaimNeed(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in claimRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			s.problem(w, r, err)
			return
		}
	}
	c, err := s.finance.Claim(r.Context(), id, in.ProductID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// chooseRequest is the enterprise's pick among the claimants.
type chooseRequest struct {
	ClaimID int64 `json:"claim_id"`
}

func (s *Server) apiChooseClaim(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in chooseRequest
	if err := decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	n, err := s.finance.Choose(r.Context(), id, in.ClaimID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (s *Server) apiWithdrawNeed(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if err := s.finance.WithdrawNeed(r.Context(), id); err != nil {
		s.problem(w, r, err)
		return
	}
	n, err := s.finance.Need(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// The bodies of the claim actions.
type (
	contactRequest struct {
		Note string `json:"note"` // how and with whom contact was made
	}
	approveRequest struct {
		Amount float64 `json:"amount"` // 万元
		Rate   float64 `json:"rate"`   // per cent a year
	}
	refuseRequest struct {
		Reason string `json:"reason"`
	}
)

func (s *Server) apiClaimAction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	ctx := r.Context()
	action := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	var out any
	status := http.StatusOK
	switch action {
	case "contact":
		var in contactRequest
		if err = decode(w, r, &in); err == nil {
			out, err = s.finance.Contact(ctx, id, in.Note)
		}
	case "approve":
		var in approveRequest
		if err = decode(w, r, &in); err == nil {
			out, err = s.finance.Approve(ctx, id, in.Amount, in.Rate)
		}
	case "refuse":
		var in refuseRequest
		if err = decode(w, r, &in); err == nil {
			out, err = s.finance.Refuse(ctx, id, in.Reason)
		}
	case "disburse":
		var in finance.LoanInput
		if err = decode(w, r, &in); err == nil {
			out, err = s.finance.Disburse(ctx, id, in)
			status = http.StatusCreated
		}
	default:
		err = cifp.Errorf(cifp.ENOTFOUND, "no claim action %q", action)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

// loanPage is a page of the loan book of a month.
type loanPage struct {
	Month      string         `json:"month"`
	Items      []finance.Loan `json:"items"`
	Total      int            `json:"total"`
	NextCursor string         `json:"next_cursor,omitempty"` // the offset of the next page
}

var loanQuery = []Param{
	{Name: "month", Desc: "YYYY-MM; default: this month"},
	{Name: "institution_id", Desc: "only this lender's loans (regulators)"},
	{Name: "borrower_uscc", Desc: "only this borrower's loans"},
	{Name: "cursor", Desc: "the next_cursor of the previous page"}, {Name: "limit", Desc: "1–1000, default 100"},
}

func (s *Server) apiLoans(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	month, err := loanMonth(q.Get("month"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	f := finance.LoanFilter{Month: month, BorrowerUSCC: strings.TrimSpace(q.Get("borrower_uscc"))}
	var errs []cifp.FieldError
	for name, dst := range map[string]*int{"cursor": &f.Offset, "limit": &f.Limit} {
		n, err := queryInt(r, name)
		errs = append(errs, cifp.ErrorFields(err)...)
		*dst = int(min(n, 1<<31-1))
	}
	inst, err := queryInt(r, "institution_id")
	errs = append(errs, cifp.ErrorFields(err)...)
	f.InstitutionID = inst
	if err := cifp.Invalid("bad query parameters", errs...); err != nil {
		s.problem(w, r, err)
		return
	}
	items, total, err := s.finance.Loans(r.Context(), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	p := loanPage{Month: month, Items: items, Total: total}
	if p.Items == nil {
		p.Items = []finance.Loan{}
	}
	if next := f.Offset + len(items); len(items) > 0 && next < total {
		p.NextCursor = strconv.Itoa(next)
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiImportLoans(w http.ResponseWriter, r *http.Request) {
	res, err := s.importLoans(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiFinanceSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.finance.Settings(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiSetFinanceSettings(w http.ResponseWriter, r *http.Request) {
	var st finance.Settings
	if err := decode(w, r, &st); err != nil {
		s.problem(w, r, err)
		return
	}
	if err := s.finance.SetSettings(r.Context(), st); err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
