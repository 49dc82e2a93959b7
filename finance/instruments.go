package finance

import (
	"cifp/internal/datafile"
	"context"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"cifp"
	"cifp/org"
)

//go:embed data/insurance.csv
var insuranceCSV []byte

// InsuranceKind is a green insurance kind (绿色保险险种).
type InsuranceKind struct {
	Code, NameZH, NameEN, ClimateType string
	Counts                            bool // toward the coverage target
}

// InsuranceKinds lists the kinds (data/insurance.csv).
var InsuranceKinds = sync.OnceValue(func() []InsuranceKind {
	rows, err := datafile.Read(insuranceCSV)
	if err != nil {
		panic(fmt.Errorf("insurance.csv: %w", err))
	}
	var out []InsuranceKind
	for _, r := range rows {
		out = append(out, InsuranceKind{Code: r["code"], NameZH: r["name_zh"], NameEN: r["name_en"], ClimateType: r["climate_type"], Counts: r["counts"] == "yes"})
	}
	return out
})

func insuranceKind(code string) (InsuranceKind, bool) {
	for _, k := range InsuranceKinds() {
		if k.Code == code {
			return k, true
		}
	}
	return InsuranceKind{}, false
}

// PolicyHeader is the insurance-policy file's header (保单逐笔数据模板).
var PolicyHeader = []string{"policy_id", "insured_uscc", "kind", "sum_insured", "premium", "start_date", "end_date"}

// PolicyColumns are the policies table's columns.
var PolicyColumns = []string{"month", "org_id", "policy_id", "insured_uscc", "insured_id", "county", "kind", "sum_insured", "premium",
	"start_date", "end_date", "climate_type", "batch_id"}

// Import is what a month-end submission stored.
type Import struct {
	Month    string `json:"month"`
	Rows     int    `json:"rows"`
	Replaced int    `json:"replaced"`
}

// ImportPolicies stores an insurer's policies at a month end from an .xlsx
// or .csv file, all or nothing, every bad row and column named. Money in 万元.
func (s *Service) ImportPolicies(ctx context.Context, r io.Reader, filename, month string) (Import, error) {
	a, err := s.submitter(ctx, month, org.KindInsurer)
	if err != nil {
		return Import{}, err
	}
	dir, err := s.borrowers(ctx)
	if err != nil {
		return Import{}, err
	}
	seen := map[string]int{}
	sub := &submission{what: "policies", table: "policies", columns: PolicyColumns, header: PolicyHeader, month: month}
	res := Import{Month: month}
	res.Rows, res.Replaced, err = s.submit(ctx, a, sub, r, filename, MaxLoanRows, func(f field) []any {
		id, uscc := f.id("policy_id", seen), f.uscc("insured_uscc")
		k, ok := insuranceKind(f.get("kind"))
		if !ok {
			var codes []string
			for _, k := range InsuranceKinds() {
				codes = append(codes, k.Code)
			}
			f.bad("kind", f.get("kind"), "must be one of "+strings.Join(codes, ", "))
		}
		sum, premium := f.num("sum_insured", 0, 1e9), f.num("premium", 0, 1e8)
		start, end := f.date("start_date"), f.date("end_date")
		if !start.IsZero() && !end.IsZero() && !end.After(start) {
			f.bad("end_date", f.get("end_date"), "must be after the start date")
		}
		b := dir[uscc]
		county := b.county
		if county == "" {
			county = "331100"
		}
		return []any{id, uscc, nullID(b.id), county, k.Code, sum, premium, start.Format(time.DateOnly), end.Format(time.DateOnly), or(k.ClimateType, ClimateNone)}
	}, func() ([]Cell, any) { return nil, nil })
	if err != nil {
		return Import{}, err
	}
	return res, nil
}

// submitter checks that the actor is a financial institution's user, of an
// organisation of one of the kinds (any with none), submitting a month.
func (s *Service) submitter(ctx context.Context, month string, kinds ...org.Kind) (cifp.Actor, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if err := institution(a); err != nil {
		return a, err
	}
	if len(kinds) > 0 {
		var kind string
		if err := s.db.QueryRow(ctx, `SELECT kind FROM orgs WHERE id = ?`, a.OrgID).Scan(&kind); err != nil {
			return a, err
		}
		if !slices.Contains(kinds, org.Kind(kind)) {
			return a, cifp.Errorf(cifp.EFORBIDDEN, "only an insurer submits insurance policies")
		}
	}
	return a, checkMonth(month)
}

// InstrumentKinds are the other climate instruments (其他气候投融资工具).
var InstrumentKinds = []string{"green_bond", "fund", "equity", "leasing", "other"}

// InstrumentHeader is the other-instruments file's header.
var InstrumentHeader = []string{"instrument_id", "kind", "counterparty_uscc", "amount", "balance", "issue_date", "maturity_date",
	"green_class", "catalogue", "climate_type", "description"}

// InstrumentColumns are the instruments table's columns.
var InstrumentColumns = []string{"month", "org_id", "instrument_id", "kind", "counterparty_uscc", "counterparty_id", "county", "amount",
	"balance", "issue_date", "maturity_date", "green_class", "catalogue", "climate_type", "description", "batch_id"}

// ImportInstruments stores an institution's other climate instruments
// (green bonds, funds, equity, leasing) at a month end, all or nothing.
func (s *Service) ImportInstruments(ctx context.Context, r io.Reader, filename, month string) (Import, error) {
	a, err := s.submitter(ctx, month)
	if err != nil {
		return Import{}, err
	}
	dir, err := s.borrowers(ctx)
	if err != nil {
		return Import{}, err
	}
	seen := map[string]int{}
	sub := &submission{what: "instruments", table: "instruments", columns: InstrumentColumns, header: InstrumentHeader, month: month}
	res := Import{Month: month}
	res.Rows, res.Replaced, err = s.submit(ctx, a, sub, r, filename, MaxLoanRows, func(f field) []any {
		id := f.id("instrument_id", seen)
		kind := f.get("kind")
		if !slices.Contains(InstrumentKinds, kind) {
			f.bad("kind", kind, "must be one of "+strings.Join(InstrumentKinds, ", "))
		}
		uscc := f.uscc("counterparty_uscc")
		amount, balance := f.num("amount", 0, 1e9), f.num("balance", 0, 1e9)
		issue, maturity := f.date("issue_date"), f.get("maturity_date")
		if maturity != "" {
			f.date("maturity_date")
		}
		class, catalogue, climate := f.get("green_class"), f.get("catalogue"), f.get("climate_type")
		if catalogue == "" {
			catalogue = CatalogueAt(issue)
		}
		for _, e := range classProblems("", class, catalogue, climate) {
			f.bad(e.Field, e.Value, e.Message)
		}
		b := dir[uscc]
		county := b.county
		if county == "" {
			county = "331100"
		}
		return []any{id, kind, uscc, nullID(b.id), county, amount, balance, issue.Format(time.DateOnly), maturity, class, catalogue, climate,
			strings.Clone(f.get("description"))}
	}, func() ([]Cell, any) { return nil, nil })
	if err != nil {
		return Import{}, err
	}
	return res, nil
}

// Totals are the month's amounts that the loan book does not hold, by
// kind, in 万元: the insurance coverage (policies in force that count
// toward the target) and the other instruments' balances.
type Totals struct {
	Month        string             `json:"month"`
	Coverage     float64            `json:"coverage"` // sum insured of counting green policies in force at the month end
	Premium      float64            `json:"premium"`
	Instruments  map[string]float64 `json:"instruments"`   // balance by kind
	ClimateOther float64            `json:"climate_other"` // balance of climate instruments (mitigation, adaptation, both)
}

// MonthTotals sums a month's policies and other instruments: an
// institution its own, regulators all.
func (s *Service) MonthTotals(ctx context.Context, month string) (Totals, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Totals{}, err
	}
	where, args := ` WHERE month = ?`, []any{month}
	switch {
	case a.Role.CityWide():
	case a.Role == cifp.RoleFinance:
		where += ` AND org_id = ?`
		args = append(args, a.OrgID)
	default:
		return Totals{}, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read financial totals")
	}
	if err := checkMonth(month); err != nil {
		return Totals{}, err
	}
	t := Totals{Month: month, Instruments: map[string]float64{}}
	var counting []any
	for _, k := range InsuranceKinds() {
		if k.Counts {
			counting = append(counting, k.Code)
		}
	}
	end := monthEnd(month)
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(SUM(sum_insured), 0), COALESCE(SUM(premium), 0) FROM policies`+where+
		` AND kind IN (`+marks(len(counting))+`) AND start_date <= ? AND end_date >= ?`, append(append(append([]any{}, args...), counting...), end, end)...).Scan(&t.Coverage, &t.Premium); err != nil {
		return t, err
	}
	rows, err := s.db.Query(ctx, `SELECT kind, SUM(balance), SUM(CASE WHEN climate_type IN ('mitigation', 'adaptation', 'both') THEN balance ELSE 0 END)
		FROM instruments`+where+` GROUP BY kind`, args...)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var bal, climate float64
		if err := rows.Scan(&k, &bal, &climate); err != nil {
			return t, err
		}
		t.Instruments[k] = bal
		t.ClimateOther += climate
	}
	return t, rows.Err()
}

// monthEnd returns the last day of a month (YYYY-MM) as YYYY-MM-DD.
func monthEnd(month string) string {
	m, err := time.Parse("2006-01", month)
	if err != nil {
		return month + "-31"
	}
	return m.AddDate(0, 1, -1).Format(time.DateOnly)
}
