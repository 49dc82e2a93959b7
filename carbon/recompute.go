package carbon

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"cifp"
	"cifp/audit"
	"cifp/store"
)

// Recompute recomputes every enterprise's accounts for the years from the
// stored activity data with the service's factor set, and grades them; one
// transaction, one audit entry. Only admins may run it (EFORBIDDEN).
func (s *Service) Recompute(ctx context.Context, years ...int) (int, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return 0, err
	}
	if a.Role != cifp.RoleAdmin {
		return 0, cifp.Errorf(cifp.EFORBIDDEN, "only an administrator may recompute every account")
	}
	_, byID, err := s.directory(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := saveFactorSet(ctx, tx, s.Factors); err != nil {
			return err
		}
		for _, y := range years {
			c, err := s.computeYear(ctx, tx, y, nil, byID)
			if err != nil {
				return err
			}
			n += c
		}
		return audit.Record(ctx, tx, audit.Change{Action: "carbon.recompute", Entity: "accounts", EntityID: fmt.Sprint(years),
			After: map[string]any{"years": years, "accounts": n, "factor_set": s.Factors.ID}})
	})
	return n, err
}

// recompute recomputes the touched enterprise-years inside tx.
func (s *Service) recompute(ctx context.Context, tx *store.Tx, touched map[orgYear]bool) error {
	_, byID, err := s.directory(ctx)
	if err != nil {
		return err
	}
	if err := saveFactorSet(ctx, tx, s.Factors); err != nil {
		return err
	}
	byYear := map[int]map[int64]bool{}
	for k := range touched {
		if byYear[k.year] == nil {
			byYear[k.year] = map[int64]bool{}
		}
		byYear[k.year][k.org] = true
	}
	for y, orgs := range byYear {
		if _, err := s.computeYear(ctx, tx, y, orgs, byID); err != nil {
			return err
		}
	}
	return nil
}

// act is a compact activity row read back for computing.
type act struct {
	org   int64
	month int
	Activity
}

// computeYear recomputes the accounts of the year for the enterprises in
// orgs (nil: all), writes them, and regrades the industries concerned. It
// returns the number of annual accounts written.
func (s *Service) computeYear(ctx context.Context, tx *store.Tx, year int, orgs map[int64]bool, byID map[int64]ent) (int, error) {
	q := `SELECT org_id, month, item, quantity, quality FROM activity WHERE year = ?`
	args := []any{year}
	if orgs != nil && len(orgs) <= 500 {
		var ids []any
		for id := range orgs {
			ids = append(ids, id)
		}
		q += ` AND org_id IN (` + placeholders(len(ids)) + `)`
		args = append(args, ids...)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY org_id, month`, args...)
	if err != nil {
		return 0, err
	}
	var acts []act
	for rows.Next() {
		var a act
		var quality string
		if err := rows.Scan(&a.org, &a.month, &a.Item, &a.Quantity, &quality); err != nil {
			rows.Close()
			return 0, err
		}
		if orgs != nil && !orgs[a.org] {
			continue
		}
		a.Quality = Quality(quality)
		acts = append(acts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}

	// Compute every enterprise's months and year.
	now := store.Now()
	type computed struct {
		e      ent
		annual Account
		months []monthAccount
	}
	var all []computed
	for i := 0; i < len(acts); {
		j := i
		for j < len(acts) && acts[j].org == acts[i].org {
			j++
		}
		e, ok := byID[acts[i].org]
		if !ok {
			return 0, cifp.Errorf(cifp.EFORBIDDEN, "enterprise %d is not visible to you", acts[i].org)
		}
		c := computed{e: e}
		in := Inputs{Province: e.enterprise().Province(), Year: year, GridKind: s.GridKind}
		for k := i; k < j; k++ {
			in.Activities = append(in.Activities, acts[k].Activity)
		}
		if c.annual, err = Compute(s.Factors, in); err != nil {
			return 0, fmt.Errorf("%s %d: %w", e.uscc, year, err)
		}
		for k := i; k < j; {
			m := acts[k].month
			l := k
			for l < j && acts[l].month == m {
				l++
			}
			if m > 0 {
				in.Activities = in.Activities[:0]
				for x := k; x < l; x++ {
					in.Activities = append(in.Activities, acts[x].Activity)
				}
				ma, err := Compute(s.Factors, in)
				if err != nil {
					return 0, fmt.Errorf("%s %d-%02d: %w", e.uscc, year, m, err)
				}
				c.months = append(c.months, monthAccount{m, ma})
			}
			k = l
		}
		all = append(all, c)
		i = j
	}

	// Grade against every enterprise of the industries concerned: the ones
	// just computed and, when only some were, the others as stored.
	industries := map[string]bool{}
	var peers []Peer
	for _, c := range all {
		industries[c.e.industry] = true
		peers = append(peers, Peer{Industry: c.e.industry, Emissions: c.annual.Emissions, ValueAdded: c.annual.ValueAdded})
	}
	type other struct {
		org       int64
		industry  string
		intensity *float64
	}
	var others []other
	if orgs != nil {
		inds := make([]any, 0, len(industries))
		for ind := range industries {
			inds = append(inds, ind)
		}
		if len(inds) > 0 {
			rows, err := tx.Query(ctx, `SELECT org_id, industry, emissions, value_added, intensity FROM accounts
				WHERE year = ? AND month = 0 AND industry IN (`+placeholders(len(inds))+`)`, append([]any{year}, inds...)...)
			if err != nil {
				return 0, err
			}
			for rows.Next() {
				var o other
				var p Peer
				if err := rows.Scan(&o.org, &p.Industry, &p.Emissions, &p.ValueAdded, &o.intensity); err != nil {
					rows.Close()
					return 0, err
				}
				if orgs[o.org] {
					continue // recomputed above
				}
				o.industry = p.Industry
				peers = append(peers, p)
				others = append(others, o)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return 0, err
			}
		}
	}
	bench := Benchmarks(peers)

	// Replace the accounts.
	if orgs == nil {
		if _, err := tx.Exec(ctx, `DELETE FROM accounts WHERE year = ?`, year); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM benchmarks WHERE year = ? AND source = 'computed'`, year); err != nil {
			return 0, err
		}
	} else {
		for id := range orgs {
			if _, err := tx.Exec(ctx, `DELETE FROM accounts WHERE org_id = ? AND year = ?`, id, year); err != nil {
				return 0, err
			}
		}
	}
	i, m := 0, 0
	_, err = tx.CopyRows(ctx, "accounts", accountCols, func() ([]any, bool) {
		for i < len(all) {
			c := all[i]
			if m < len(c.months) {
				ma := c.months[m]
				m++
				return accountRow(c.e, year, ma.month, ma.Account, Benchmark{}, false, s.Factors.ID, "", now), true
			}
			i, m = i+1, 0
			b, ok := bench[c.e.industry]
			det, _ := json.Marshal(detail{Lines: c.annual.Lines, Factors: c.annual.Factors})
			return accountRow(c.e, year, 0, c.annual, b, ok, s.Factors.ID, string(det), now), true
		}
		return nil, false
	})
	if err != nil {
		return 0, err
	}

	// Regrade the peers that were not recomputed, and keep the benchmarks.
	for _, o := range others {
		a := Account{HasIntensity: o.intensity != nil}
		if o.intensity != nil {
			a.Intensity = *o.intensity
		}
		b, ok := bench[o.industry]
		var bv, kv, gv any
		if k, g, ok := Grade(a, b, ok); ok {
			bv, kv, gv = b.Intensity, k, g
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET benchmark = ?, k = ?, grade = ? WHERE org_id = ? AND year = ? AND month = 0`,
			bv, kv, gv, o.org, year); err != nil {
			return 0, err
		}
	}
	for ind := range industries {
		if _, err := tx.Exec(ctx, `DELETE FROM benchmarks WHERE year = ? AND industry = ? AND source = 'computed'`, year, ind); err != nil {
			return 0, err
		}
		if b, ok := bench[ind]; ok {
			if _, err := tx.Exec(ctx, `INSERT INTO benchmarks (year, industry, intensity, peers, source) VALUES (?, ?, ?, ?, ?)`,
				year, ind, b.Intensity, b.Peers, b.Source); err != nil {
				return 0, err
			}
		}
	}
	return len(all), nil
}

type monthAccount struct {
	month int
	Account
}

var accountCols = []string{"org_id", "year", "month", "industry", "division", "scope1", "scope2", "total", "avoided",
	"emissions", "energy_tce", "value_added", "output_value", "intensity", "intensity_output", "level", "benchmark",
	"k", "grade", "quality", "factor_set", "detail", "computed_at"}

func accountRow(e ent, year, month int, a Account, b Benchmark, graded bool, set, det string, now time.Time) []any {
	var bench, k, grade any
	if month == 0 {
		if kv, g, ok := Grade(a, b, graded); ok {
			bench, k, grade = b.Intensity, kv, g
		}
	}
	return []any{e.id, year, month, e.industry, e.division, a.Scope1, a.Scope2, a.Total, a.Avoided, a.Emissions,
		a.EnergyTCE, a.ValueAdded, a.OutputValue, nullFloat(a.HasIntensity, a.Intensity),
		nullFloat(a.OutputValue > 0, a.IntensityOutput), string(a.Level), bench, k, grade, string(a.Quality), set, det, now}
}
