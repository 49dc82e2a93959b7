package finance

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"cifp"
	"cifp/audit"
	"cifp/store"
)

// cellsInsert (or cellsSelect) and cellsGroup sum loans into statistics cells: the GROUP BY
// that Aggregate mirrors, of an institution's month (summarise) or of the
// whole book (recomputeInDatabase).
const (
	cellsInsert = `INSERT INTO loan_cells (month, org_id, county, green_class, catalogue, sector, climate_type, loans, balance, new_loans, attributed_tco2) ` + cellsSelect
	cellsSelect = `SELECT month, org_id, county, green_class, catalogue, sector, climate_type,
		SUM(CASE WHEN balance > 0 THEN 1 ELSE 0 END),
		SUM(CASE WHEN balance > 0 THEN balance ELSE 0 END),
		SUM(CASE WHEN substr(start_date, 1, 7) = month THEN amount ELSE 0 END),
		SUM(CASE WHEN balance > 0 THEN attributed_tco2 ELSE 0 END)
	FROM loans WHERE (balance > 0 OR substr(start_date, 1, 7) = month)`
	cellsGroup = ` GROUP BY month, org_id, county, green_class, catalogue, sector, climate_type`
)

// summarise replaces the statistics cells of an institution's month from
// its loans, in the transaction that changed them.
func summarise(ctx context.Context, tx *store.Tx, month string, org int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM loan_cells WHERE month = ? AND org_id = ?`, month, org); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, cellsInsert+` AND month = ? AND org_id = ?`+cellsGroup, month, org); err != nil {
		return err
	}
	return bumpCells(ctx, tx)
}

// bumpCells raises the version of the statistics cells, in the transaction
// that changed them.
func bumpCells(ctx context.Context, tx *store.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE loan_cells_version SET version = version + 1 WHERE id = 1`)
	return err
}

// cellColumns are loan_cells' columns.
var cellColumns = []string{"month", "org_id", "county", "green_class", "catalogue", "sector", "climate_type", "loans", "balance", "new_loans", "attributed_tco2"}

func (c Cell) values() []any {
	return []any{c.Month, c.InstitutionID, c.County, c.Class, c.Catalogue, c.Sector, c.ClimateType, c.Loans, c.Balance, c.NewLoans, c.AttributedTCO2}
}

// storeCells replaces the statistics cells of an institution's month with
// cells summed while its submission was read.
func (s *Service) storeCells(ctx context.Context, tx *store.Tx, month string, org int64, cells []Cell) error {
	if _, err := tx.Exec(ctx, `DELETE FROM loan_cells WHERE month = ? AND org_id = ?`, month, org); err != nil {
		return err
	}
	return copyCells(ctx, tx, cells)
}

// copyCells writes cells into loan_cells.
func copyCells(ctx context.Context, tx *store.Tx, cells []Cell) error {
	i := 0
	if _, err := tx.CopyRows(ctx, "loan_cells", cellColumns, func() ([]any, bool) {
		if i == len(cells) {
			return nil, false
		}
		i++
		return cells[i-1].values(), true
	}); err != nil {
		return err
	}
	return bumpCells(ctx, tx)
}

// Recompute rebuilds every statistics cell from the loan book (admin):
// after a change of the rules, or to check the maintained summaries. The
// months are read in parallel, one per core, each streamed through an
// Aggregator (the pure function the statistics rest on), and the cells
// replaced in one transaction. It returns the number of cells.
func (s *Service) Recompute(ctx context.Context) (int, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return 0, err
	}
	if a.Role != cifp.RoleAdmin {
		return 0, cifp.Errorf(cifp.EFORBIDDEN, "only an administrator recomputes the statistics")
	}
	if s.db.D() == store.Postgres {
		return s.recomputeInDatabase(ctx)
	}
	var months []string
	for m := ""; ; {
		var next sql.NullString
		if err := s.db.QueryRow(ctx, `SELECT MIN(month) FROM loans WHERE month > ?`, m).Scan(&next); err != nil {
			return 0, err
		}
		if !next.Valid {
			break
		}
		m = next.String
		months = append(months, m)
	}
	results := make([][]Cell, len(months))
	work := make(chan int)
	g, gctx := errgroup.WithContext(ctx)
	for range max(1, min(2*runtime.NumCPU(), len(months))) {
		g.Go(func() error {
			for i := range work {
				cells, err := s.monthCells(gctx, months[i])
				if err != nil {
					return err
				}
				results[i] = cells
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(work)
		for i := range months {
			select {
			case work <- i:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return 0, err
	}
	var all []Cell
	for _, cs := range results {
		all = append(all, cs...)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM loan_cells`); err != nil {
			return err
		}
		if err := copyCells(ctx, tx, all); err != nil {
			return err
		}
		return recorded(ctx, tx, len(months), len(all))
	})
	return len(all), err
}

// recorded puts a recompute into the audit log.
func recorded(ctx context.Context, tx *store.Tx, months, cells int) error {
	return audit.Record(ctx, tx, audit.Change{Action: "statistics.recompute", Entity: "loan_cells", EntityID: "all",
		After: map[string]any{"months": months, "cells": cells}})
}

// recomputeInDatabase is Recompute on PostgreSQL: one GROUP BY over the
// whole book, which the server runs in parallel workers beside the table
// so that no loan row crosses the connection; it is some twice as fast as
// streaming the rows into Go, which is what SQLite, in-process, does best.
// The sums come back and are copied in, because PostgreSQL plans an
// INSERT … SELECT without parallel workers.
func (s *Service) recomputeInDatabase(ctx context.Context) (int, error) {
	var cells []Cell
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, cellsSelect+cellsGroup)
		if err != nil {
			return err
		}
		defer rows.Close()
		months := map[string]bool{}
		for rows.Next() {
			var c Cell
			if err := rows.Scan(&c.Month, &c.InstitutionID, &c.County, &c.Class, &c.Catalogue, &c.Sector, &c.ClimateType,
				&c.Loans, &c.Balance, &c.NewLoans, &c.AttributedTCO2); err != nil {
				return err
			}
			months[c.Month] = true
			cells = append(cells, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM loan_cells`); err != nil {
			return err
		}
		if err := copyCells(ctx, tx, cells); err != nil {
			return err
		}
		return recorded(ctx, tx, len(months), len(cells))
	})
	return len(cells), err
}

// monthCells sums a month of the loan book into cells, as Aggregate does:
// the database joins each row's text key and tells whether the loan is new
// in the month, so that a row costs one string and one map lookup here.
func (s *Service) monthCells(ctx context.Context, month string) ([]Cell, error) {
	type key struct {
		org  int64
		text string
	}
	idx := map[key]int{}
	var cells []Cell
	rows, err := s.db.Query(ctx, `SELECT org_id, county || '|' || green_class || '|' || catalogue || '|' || sector || '|' || climate_type,
		balance, amount, CASE WHEN substr(start_date, 1, 7) = month THEN 1 ELSE 0 END, attributed_tco2
		FROM loans WHERE month = ?`, month)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var k key
	var balance, amount, tco2 float64
	var isNew int
	for rows.Next() {
		if err := rows.Scan(&k.org, &k.text, &balance, &amount, &isNew, &tco2); err != nil {
			return nil, err
		}
		if balance <= 0 && isNew == 0 {
			continue
		}
		i, ok := idx[k]
		if !ok {
			p := strings.SplitN(k.text, "|", 5)
			if len(p) != 5 {
				return nil, fmt.Errorf("loans %s: a key with a '|' in a code: %q", month, k.text)
			}
			i = len(cells)
			idx[k] = i
			cells = append(cells, Cell{Month: month, InstitutionID: k.org, County: p[0], Class: p[1], Catalogue: p[2], Sector: p[3],
				ClimateType: p[4], Green: p[1] != ""})
		}
		c := &cells[i]
		if balance > 0 {
			c.Loans++
			c.Balance += balance
			c.AttributedTCO2 += tco2
		}
		if isNew == 1 {
			c.NewLoans += amount
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(cells, func(a, b Cell) int { return compareCells(&a, &b) })
	return cells, nil
}

// Cells returns the statistics cells of the months: an institution its
// own, regulators and admins the whole city, narrowed by the slice.
func (s *Service) Cells(ctx context.Context, f Slice, months ...string) ([]Cell, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := f.Check(); err != nil {
		return nil, err
	}
	switch {
	case a.Role.CityWide():
	case a.Role == cifp.RoleFinance:
		if f.Institution != 0 && f.Institution != a.OrgID {
			return []Cell{}, nil
		}
		f.Institution = a.OrgID
	default:
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read green-credit statistics")
	}
	if len(months) == 0 {
		return nil, nil
	}
	parts, err := s.cells.months(ctx, s.db, months)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]Cell, 0, n)
	for _, p := range parts {
		out = f.appendTo(out, p)
	}
	return out, nil
}

// LatestMonth returns the latest month with statistics in the actor's
// scope (an institution its own, regulators the city's), "" when none.
func (s *Service) LatestMonth(ctx context.Context) (string, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return "", err
	}
	q, args := `SELECT MAX(month) FROM loan_cells`, []any{}
	switch {
	case a.Role.CityWide():
	case a.Role == cifp.RoleFinance:
		q += ` WHERE org_id = ?`
		args = append(args, a.OrgID)
	default:
		return "", cifp.Errorf(cifp.EFORBIDDEN, "your role may not read green-credit statistics")
	}
	var m sql.NullString
	err = s.db.QueryRow(ctx, q, args...).Scan(&m)
	return m.String, err
}

// Borrowers returns the registered borrowers with a balance at the month
// end in the actor's book: an institution's own, the city's for regulators.
func (s *Service) Borrowers(ctx context.Context, month string) ([]int64, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkMonth(month); err != nil {
		return nil, err
	}
	q, args := `SELECT DISTINCT borrower_id FROM loans WHERE month = ? AND borrower_id IS NOT NULL AND balance > 0`, []any{month}
	switch {
	case a.Role.CityWide():
	case a.Role == cifp.RoleFinance:
		q += ` AND org_id = ?`
		args = append(args, a.OrgID)
	default:
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "your role may not read the loan book's borrowers")
	}
	return store.Int64s(ctx, s.db, q+` ORDER BY borrower_id`, args...)
}

// Scopes returns the statistical scopes (统计口径) in force: the stat_scopes
// table, or the reference's defaults while it is empty.
func (s *Service) Scopes(ctx context.Context) (Scopes, error) {
	rows, err := s.db.Query(ctx, `SELECT from_month, scope, note FROM stat_scopes ORDER BY from_month`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out Scopes
	for rows.Next() {
		var sc Scope
		if err := rows.Scan(&sc.From, &sc.Code, &sc.Note); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		out = DefaultReference().GreenLoanScopes()
	}
	return out, nil
}

// monthsBack returns the month n months before m (YYYY-MM).
func monthsBack(m string, n int) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.AddDate(0, -n, 0).Format("2006-01")
}

// tableMonths are the months Table reads for a month: the month, the same
// month a year before, and January to the month.
func tableMonths(month string) []string {
	ms := []string{month, monthsBack(month, 12)}
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return ms
	}
	for i := 1; i < int(t.Month()); i++ {
		ms = append(ms, fmt.Sprintf("%d-%02d", t.Year(), i))
	}
	return ms
}

// Statistics returns the green-credit table of the month by the dimension
// (绿色信贷统计表), for the actor's scope.
func (s *Service) Statistics(ctx context.Context, month string, by Dimension, f Slice) ([]Row, error) {
	if err := checkMonth(month); err != nil {
		return nil, err
	}
	cells, err := s.Cells(ctx, f, tableMonths(month)...)
	if err != nil {
		return nil, err
	}
	scopes, err := s.Scopes(ctx)
	if err != nil {
		return nil, err
	}
	return Table(cells, month, by, scopes)
}

// MaxTrendMonths is the longest monthly series Trend gives.
const MaxTrendMonths = 120

// Trend returns the monthly series from one month to another (at most
// MaxTrendMonths months).
func (s *Service) Trend(ctx context.Context, from, to string, by Dimension, f Slice) ([]Row, error) {
	if err := checkMonth(from); err != nil {
		return nil, err
	}
	if err := checkMonth(to); err != nil {
		return nil, err
	}
	if to < from || monthsBack(to, MaxTrendMonths-1) > from {
		return nil, cifp.Invalid("bad range", cifp.FieldError{Field: "from", Value: from,
			Message: fmt.Sprintf("must be at most %d months before to, and not after it", MaxTrendMonths)})
	}
	var months []string
	for m := from; m <= to; m = monthsBack(m, -1) {
		months = append(months, tableMonths(m)...)
	}
	cells, err := s.Cells(ctx, f, dedupe(months)...)
	if err != nil {
		return nil, err
	}
	scopes, err := s.Scopes(ctx)
	if err != nil {
		return nil, err
	}
	return Series(cells, from, to, by, scopes)
}

func dedupe(ms []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// TargetProgress measures the pilot's targets at the month from the loan
// book, the month's insurance coverage, and the inputs other departments
// supply (forest cover, renewable share, cumulative climate investment).
// Regulators and admins only: the targets are the city's. A slice other
// than the whole book measures the slice's loans against the city's
// targets (a county's share of green loans beside the city's goal); the
// city-wide inputs and the insurance coverage are then left out.
func (s *Service) TargetProgress(ctx context.Context, month string, inputs map[string]Input, f Slice) ([]TargetProgress, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.Role.CityWide() {
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "the pilot's targets are read by regulators")
	}
	if err := checkMonth(month); err != nil {
		return nil, err
	}
	ref := DefaultReference()
	months := []string{month, monthsBack(month, 12)}
	for _, t := range ref.Targets {
		if t.Base != "" {
			months = append(months, t.Base)
		}
	}
	cells, err := s.Cells(ctx, f, dedupe(months)...)
	if err != nil {
		return nil, err
	}
	scopes, err := s.Scopes(ctx)
	if err != nil {
		return nil, err
	}
	in := map[string]Input{}
	if !f.IsZero() {
		return Progress(ref, month, cells, scopes, in)
	}
	for k, v := range inputs {
		in[k] = v
	}
	if _, ok := in["insurance_risk_coverage"]; !ok {
		t, err := s.MonthTotals(ctx, month)
		if err != nil {
			return nil, err
		}
		if t.Coverage > 0 {
			in["insurance_risk_coverage"] = Input{Value: t.Coverage / 10000, Scope: "lishui-environmental-insurance", AsOf: month,
				Source: "保单逐笔数据: 在保绿色险种保额合计"}
		}
	}
	return Progress(ref, month, cells, scopes, in)
}
