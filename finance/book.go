package finance

import (
	"cifp/internal/datafile"
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cifp"
	"cifp/project"
	"cifp/store"
)

//go:embed data/sectors.csv
var sectorsCSV []byte

var sectorPrefixes = sync.OnceValue(func() [][2]string {
	rows, err := datafile.Read(sectorsCSV)
	if err != nil {
		panic(fmt.Errorf("sectors.csv: %w", err))
	}
	var out [][2]string
	for _, r := range rows {
		out = append(out, [2]string{r["prefix"], r["sector"]})
	}
	return out
})

// SectorOf returns the 6+1 sector of a GB/T 4754 industry code (longest
// matching prefix; "living" for the rest, "" for no industry).
func SectorOf(industry string) string {
	if industry == "" {
		return ""
	}
	best, sector := 0, "living"
	for _, p := range sectorPrefixes() {
		if strings.HasPrefix(industry, p[0]) && len(p[0]) > best {
			best, sector = len(p[0]), p[1]
		}
	}
	return sector
}

// LoanColumns are the loan book's columns, in the order of the import
// template and of the table.
var LoanColumns = []string{"month", "org_id", "loan_id", "borrower_uscc", "borrower_id", "county", "industry", "sector", "product",
	"amount", "balance", "rate", "start_date", "maturity_date", "purpose", "green_class", "catalogue", "climate_type", "project_id",
	"attributed_tco2", "suggested_class", "suggested_climate", "batch_id"}

// bookRow is a loan with what the assistant proposed.
type bookRow struct {
	Loan
	suggested Suggestion
}

// values are the row's columns between month, org_id and batch_id.
func (r bookRow) values() []any {
	return []any{r.LoanID, r.BorrowerUSCC, nullID(r.BorrowerID), r.County, r.Industry, r.Sector, r.Product,
		r.Amount, r.Balance, r.Rate, r.StartDate.Format(time.DateOnly), r.MaturityDate.Format(time.DateOnly), r.Purpose,
		r.GreenClass, r.Catalogue, r.ClimateType, nullID(r.ProjectID), r.AttributedTCO2, r.suggested.Class, r.suggested.ClimateType}
}

// LoanInput is what the chosen institution records when it disburses.
type LoanInput struct {
	LoanID       string  `json:"loan_id"`
	Amount       float64 `json:"amount"` // 万元
	Rate         float64 `json:"rate"`   // per cent
	StartDate    string  `json:"start_date"`
	MaturityDate string  `json:"maturity_date"`
	Product      string  `json:"product"`
	// GreenClass and ClimateType confirm or correct the assistant's
	// proposal; nil accepts it. "" as GreenClass means not green.
	GreenClass  *string `json:"green_class,omitempty"`
	ClimateType *string `json:"climate_type,omitempty"`
}

// Disburse records the loan that finances a need (放款): the claim and the
// need are done, and the loan enters the loan book in the month it was
// made, classified by the officer (the assistant's proposal kept beside it)
// and, when it finances a library project, with its attributed reduction.
func (s *Service) Disburse(ctx context.Context, claimID int64, in LoanInput) (Loan, error) {
	var out Loan
	_, err := s.claimAction(ctx, claimID, "need.disburse", []string{ClaimApproved}, func(tx *store.Tx, c Claim, n Need) (map[string]any, error) {
		var p *project.Project
		if n.ProjectID != 0 {
			pp, err := s.projects.Get(cifp.System.Context(ctx), n.ProjectID)
			if err != nil {
				return nil, err
			}
			p = &pp
		}
		row, errs := s.checkLoan(p, n.Purpose, n.Industry, in)
		if c.ApprovedAmount != nil && in.Amount > *c.ApprovedAmount {
			errs = append(errs, cifp.FieldError{Field: "amount", Value: fmt.Sprint(in.Amount), Message: fmt.Sprintf("is more than the %g 万元 approved", *c.ApprovedAmount)})
		}
		if err := cifp.Invalid("the loan is not valid", errs...); err != nil {
			return nil, err
		}
		row.InstitutionID, row.BorrowerUSCC, row.BorrowerID, row.County = c.InstitutionID, n.OrgUSCC, n.OrgID, n.County
		if p != nil {
			row.Sector = p.Sector
		}
		month := row.StartDate.In(China).Format("2006-01")
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) > 0 FROM loans WHERE month = ? AND org_id = ? AND loan_id = ?`, month, c.InstitutionID, row.LoanID).Scan(&exists); err != nil {
			return nil, err
		}
		if exists {
			return nil, cifp.Invalid("duplicate loan", cifp.FieldError{Field: "loan_id", Value: row.LoanID, Message: "is already in your loan book for " + month})
		}
		var batch int64
		a, _ := cifp.ActorFrom(ctx)
		if err := tx.QueryRow(ctx, `INSERT INTO loan_batches (org_id, month, source, rows, created_by, created_at) VALUES (?, ?, 'disbursement', 1, ?, ?) RETURNING id`,
			c.InstitutionID, month, a.UserID, s.Now()).Scan(&batch); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO loans (`+strings.Join(LoanColumns, ", ")+`) VALUES (`+marks(len(LoanColumns))+`)`, append(append([]any{month, c.InstitutionID}, row.values()...), batch)...); err != nil {
			return nil, store.MapError(err)
		}
		if err := keepProjectLoans(ctx, tx, c.InstitutionID); err != nil {
			return nil, err
		}
		if err := summarise(ctx, tx, month, c.InstitutionID); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE need_claims SET status = 'disbursed', loan_id = ?, decided_at = ? WHERE id = ?`, row.LoanID, s.Now(), claimID); err != nil {
			return nil, err
		}
		out = row.Loan
		return map[string]any{"loan_id": row.LoanID, "amount": row.Amount, "rate": row.Rate, "green_class": row.GreenClass, "catalogue": row.Catalogue,
			"climate_type": row.ClimateType, "suggested_class": row.suggested.Class, "suggested_climate": row.suggested.ClimateType,
			"attributed_tco2": row.AttributedTCO2}, s.setNeed(ctx, tx, n.ID, NeedDisbursed)
	})
	return out, err
}

// Proposal is the classification assistant's proposal for the loan that
// would finance the claim's need if made on the date: what the officer
// confirms or corrects when disbursing. Only the claim's institution asks.
func (s *Service) Proposal(ctx context.Context, claimID int64, start time.Time) (Suggestion, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Suggestion{}, err
	}
	if err := institution(a); err != nil {
		return Suggestion{}, err
	}
	cs, err := s.claims(ctx, s.db, `SELECT `+claimColumns+claimFrom+` WHERE c.id = ? AND c.org_id = ?`, claimID, a.OrgID)
	if err != nil {
		return Suggestion{}, err
	}
	if len(cs) == 0 {
		return Suggestion{}, cifp.Errorf(cifp.ENOTFOUND, "claim %d not found", claimID)
	}
	n, err := s.Need(ctx, cs[0].NeedID)
	if err != nil {
		return Suggestion{}, err
	}
	var p *project.Project
	purpose := n.Purpose
	if n.ProjectID != 0 {
		pp, err := s.projects.Get(cifp.System.Context(ctx), n.ProjectID)
		if err != nil {
			return Suggestion{}, err
		}
		p, purpose = &pp, purpose+" "+pp.Name
	}
	return Suggest(p, purpose, n.Industry, start), nil
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// checkLoan checks a disbursement's loan and classifies it: the officer's
// class and climate type where given, else the assistant's.
func (s *Service) checkLoan(p *project.Project, purpose, industry string, in LoanInput) (bookRow, []cifp.FieldError) {
	var errs []cifp.FieldError
	add := func(field, value, msg string) {
		errs = append(errs, cifp.FieldError{Field: field, Value: value, Message: msg})
	}
	r := bookRow{Loan: Loan{LoanID: strings.TrimSpace(in.LoanID), Product: strings.TrimSpace(in.Product), Amount: in.Amount, Balance: in.Amount,
		Rate: in.Rate, Industry: industry, Sector: SectorOf(industry)}}
	if r.LoanID == "" || utf8.RuneCountInString(r.LoanID) > 64 {
		add("loan_id", r.LoanID, "is required, at most 64 characters")
	}
	if in.Amount <= 0 || math.IsNaN(in.Amount) {
		add("amount", fmt.Sprint(in.Amount), "must be above zero (万元)")
	}
	if in.Rate <= 0 || in.Rate > 24 || math.IsNaN(in.Rate) {
		add("rate", fmt.Sprint(in.Rate), "must be an annual rate in per cent, above 0 and at most 24")
	}
	var err error
	if r.StartDate, err = time.ParseInLocation(time.DateOnly, in.StartDate, China); err != nil {
		add("start_date", in.StartDate, "is not a date (YYYY-MM-DD)")
	}
	if r.MaturityDate, err = time.ParseInLocation(time.DateOnly, in.MaturityDate, China); err != nil {
		add("maturity_date", in.MaturityDate, "is not a date (YYYY-MM-DD)")
	} else if !r.MaturityDate.After(r.StartDate) {
		add("maturity_date", in.MaturityDate, "must be after the start date")
	}
	if p != nil && !strings.Contains(purpose, p.Name) {
		purpose = strings.TrimSpace(purpose + " " + p.Name)
	}
	r.Purpose = purpose
	r.suggested = Suggest(p, purpose, industry, r.StartDate)
	r.GreenClass, r.Catalogue, r.ClimateType = r.suggested.Class, r.suggested.Catalogue, r.suggested.ClimateType
	if in.GreenClass != nil {
		r.GreenClass = *in.GreenClass
	}
	if in.ClimateType != nil {
		r.ClimateType = *in.ClimateType
	}
	errs = append(errs, classProblems("", r.GreenClass, r.Catalogue, r.ClimateType)...)
	if p != nil && r.Amount > 0 {
		a := Attribute(p.AnnualTCO2, r.Balance, p.Investment, p.Code)
		r.AttributedTCO2 = a.TCO2
	}
	return r, errs
}

// classProblems checks a green class against its catalogue and a climate type.
func classProblems(prefix, class, catalogue, climate string) []cifp.FieldError {
	var errs []cifp.FieldError
	if class != "" {
		if _, ok := project.DefaultTaxonomy().Class(catalogue, class); !ok {
			errs = append(errs, cifp.FieldError{Field: prefix + "green_class", Value: class, Message: "is not a top-level class of the " + catalogue + " catalogue"})
		}
	}
	if !slices.Contains([]string{ClimateMitigation, ClimateAdaptation, ClimateBoth, ClimateNone}, climate) {
		errs = append(errs, cifp.FieldError{Field: prefix + "climate_type", Value: climate, Message: "must be mitigation, adaptation, both or none"})
	}
	return errs
}

// LoanImport is what a loan-book import stored.
type LoanImport struct {
	Month     string `json:"month"`
	Rows      int    `json:"rows"`
	Replaced  int    `json:"replaced"` // rows of the same month and institution replaced
	Green     int    `json:"green"`
	Suggested int    `json:"suggested"` // rows classified by the assistant (no class given)
}

// LoanHeader is the loan-book file's header (贷款逐笔数据模板).
var LoanHeader = []string{"loan_id", "borrower_uscc", "product", "amount", "balance", "rate", "start_date", "maturity_date",
	"purpose", "green_class", "catalogue", "climate_type", "project_code"}

// MaxLoanRows bounds one loan-book file.
const MaxLoanRows = 2_000_000

// ImportLoans stores the actor's institution's loan book at a month end
// (贷款逐笔报送) from an .xlsx or .csv file: every row is checked, and either
// the whole file replaces the institution's snapshot of that month or
// nothing is stored, with every bad row and column named. A blank
// green_class takes the assistant's proposal (kept beside the officer's
// classes either way); "none" marks a loan not green.
func (s *Service) ImportLoans(ctx context.Context, r io.Reader, filename, month string) (LoanImport, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return LoanImport{}, err
	}
	if err := institution(a); err != nil {
		return LoanImport{}, err
	}
	if err := checkMonth(month); err != nil {
		return LoanImport{}, err
	}
	dir, err := s.borrowers(ctx)
	if err != nil {
		return LoanImport{}, err
	}
	libs, err := s.libraryProjects(ctx)
	if err != nil {
		return LoanImport{}, err
	}
	seen := map[string]int{}
	res := LoanImport{Month: month}
	sub := &submission{what: "loans", table: "loans", columns: LoanColumns, header: LoanHeader, month: month}
	agg, err := NewAggregator(month)
	if err != nil {
		return LoanImport{}, err
	}
	res.Rows, res.Replaced, err = s.submit(ctx, a, sub, r, filename, MaxLoanRows, func(f field) []any {
		row := bookRow{Loan: Loan{InstitutionID: a.OrgID, LoanID: f.id("loan_id", seen), Product: strings.Clone(f.get("product")),
			Purpose: strings.Clone(f.get("purpose")), BorrowerUSCC: f.uscc("borrower_uscc")}}
		if b, ok := dir[row.BorrowerUSCC]; ok {
			row.BorrowerID, row.County, row.Industry = b.id, b.county, b.industry
		} else {
			row.County = "331100" // a borrower not registered on the platform: the city
		}
		row.Sector = SectorOf(row.Industry)
		row.Amount, row.Balance, row.Rate = f.num("amount", 0, 1e8), f.num("balance", 0, 1e8), f.num("rate", 0, 24)
		if row.Balance > row.Amount && row.Amount > 0 {
			f.bad("balance", f.get("balance"), "is more than the loan amount")
		}
		row.StartDate, row.MaturityDate = f.date("start_date"), f.date("maturity_date")
		if !row.StartDate.IsZero() && row.StartDate.Format("2006-01") > month {
			f.bad("start_date", f.get("start_date"), "is after the month reported ("+month+")")
		}
		var p *project.Project
		if code := f.get("project_code"); code != "" {
			if lp, ok := libs[code]; ok {
				p = &lp
				row.ProjectID = lp.ID
			} else {
				f.bad("project_code", code, "is not a project in the library")
			}
		}
		row.suggested = Suggest(p, row.Purpose, row.Industry, row.StartDate)
		row.Catalogue = f.get("catalogue")
		if row.Catalogue == "" {
			row.Catalogue = row.suggested.Catalogue
		} else if row.Catalogue != "2021" && row.Catalogue != "2025" {
			f.bad("catalogue", row.Catalogue, "must be 2021 or 2025")
		} else if row.Catalogue == "2025" && !row.StartDate.IsZero() && row.StartDate.Before(Catalogue2025From) {
			f.bad("catalogue", row.Catalogue, "was not in force when the loan was made (from 2025-10-01)")
		}
		switch cls := f.get("green_class"); cls {
		case "":
			res.Suggested++
			row.GreenClass = row.suggested.Class
			if row.Catalogue != row.suggested.Catalogue {
				row.GreenClass = ""
			}
		case "none", "否":
			row.GreenClass = ""
		default:
			row.GreenClass = cls
		}
		row.ClimateType = f.get("climate_type")
		if row.ClimateType == "" {
			row.ClimateType = row.suggested.ClimateType
		}
		for _, e := range classProblems("", row.GreenClass, row.Catalogue, row.ClimateType) {
			f.bad(e.Field, e.Value, e.Message)
		}
		if p != nil {
			row.AttributedTCO2 = Attribute(p.AnnualTCO2, row.Balance, p.Investment, p.Code).TCO2
		}
		if row.Green() {
			res.Green++
		}
		agg.Add(&row.Loan)
		return row.values()
	}, func() ([]Cell, any) {
		return agg.Cells(), map[string]int{"green": res.Green, "suggested": res.Suggested}
	})
	if err != nil {
		return LoanImport{}, err
	}
	return res, nil
}

type borrowerRef struct {
	id               int64
	county, industry string
}

// borrowers maps registered enterprises' USCCs to their id, county and industry.
func (s *Service) borrowers(ctx context.Context) (map[string]borrowerRef, error) {
	rows, err := s.db.Query(ctx, `SELECT id, uscc, division, industry FROM orgs WHERE kind = 'enterprise'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]borrowerRef{}
	for rows.Next() {
		var b borrowerRef
		var uscc string
		if err := rows.Scan(&b.id, &uscc, &b.county, &b.industry); err != nil {
			return nil, err
		}
		out[uscc] = b
	}
	return out, rows.Err()
}

// libraryProjects maps the codes of the projects in the library to them.
func (s *Service) libraryProjects(ctx context.Context) (map[string]project.Project, error) {
	out := map[string]project.Project{}
	err := s.projects.Each(cifp.System.Context(ctx), project.Filter{Library: true}, func(p project.Project) error {
		out[p.Code] = p
		return nil
	})
	return out, err
}

// LoanFilter selects loans of the book.
type LoanFilter struct {
	Month         string
	InstitutionID int64
	BorrowerUSCC  string
	Limit, Offset int
}

// Loans lists loans of a month: an institution its own, an enterprise the
// loans it borrowed, regulators all.
func (s *Service) Loans(ctx context.Context, f LoanFilter) ([]Loan, int, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, 0, err
	}
	where, args := ``, []any{}
	switch a.Role {
	case cifp.RoleAdmin, cifp.RoleRegulator:
	case cifp.RoleFinance:
		where += ` AND l.org_id = ?`
		args = append(args, a.OrgID)
	case cifp.RoleEnterprise:
		where += ` AND l.borrower_id = ?`
		args = append(args, a.OrgID)
	default:
		return nil, 0, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read the loan book")
	}
	if f.InstitutionID > 0 {
		where += ` AND l.org_id = ?`
		args = append(args, f.InstitutionID)
	}
	if f.Month == "" { // the latest month the actor has loans in
		var m sql.NullString
		if err := s.db.QueryRow(ctx, `SELECT MAX(l.month) FROM loans l WHERE 1 = 1`+where, args...).Scan(&m); err != nil {
			return nil, 0, err
		}
		f.Month = m.String
	}
	where = ` WHERE l.month = ?` + where
	args = append([]any{f.Month}, args...)
	if f.BorrowerUSCC != "" {
		where += ` AND l.borrower_uscc = ?`
		args = append(args, f.BorrowerUSCC)
	}
	// An enterprise reads its loans newest first, by the borrower's index:
	// SQLite, which keeps no planner statistics here, would otherwise walk
	// the whole month by the primary key (a million rows at a city's scale).
	order, from := ` ORDER BY l.org_id, l.loan_id`, ` FROM loans l`
	if a.Role == cifp.RoleEnterprise {
		order = ` ORDER BY l.start_date DESC, l.org_id, l.loan_id`
		if s.db.D() == store.SQLite {
			from = ` FROM loans l INDEXED BY loans_borrower_id`
		}
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*)`+from+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := s.db.Query(ctx, `SELECT l.org_id, l.loan_id, l.borrower_uscc, COALESCE(l.borrower_id, 0), l.county, l.industry, l.sector, l.product,
		l.amount, l.balance, l.rate, l.start_date, l.maturity_date, l.purpose, l.green_class, l.catalogue, l.climate_type,
		COALESCE(l.project_id, 0), l.attributed_tco2, o.name, l.suggested_class, l.suggested_climate`+from+` JOIN orgs o ON o.id = l.org_id`+where+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Loan
	for rows.Next() {
		var l Loan
		var start, maturity string
		if err := rows.Scan(&l.InstitutionID, &l.LoanID, &l.BorrowerUSCC, &l.BorrowerID, &l.County, &l.Industry, &l.Sector, &l.Product,
			&l.Amount, &l.Balance, &l.Rate, &start, &maturity, &l.Purpose, &l.GreenClass, &l.Catalogue, &l.ClimateType, &l.ProjectID, &l.AttributedTCO2, &l.Lender, &l.SuggestedClass, &l.SuggestedClimate); err != nil {
			return nil, 0, err
		}
		l.StartDate, _ = time.ParseInLocation(time.DateOnly, start, China)
		l.MaturityDate, _ = time.ParseInLocation(time.DateOnly, maturity, China)
		out = append(out, l)
	}
	return out, total, rows.Err()
}
