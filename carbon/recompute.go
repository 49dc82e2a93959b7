package carbon

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
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

// computed is an enterprise's account for the year, with its detail (lines
// by source, factors used, the months' figures) as stored.
type computed struct {
	e      ent
	annual Account
	detail string
}

// computeBatch is a run of enterprises whose activity rows were read, to be
// computed on a worker goroutine.
type computeBatch struct {
	ents   []ent
	starts []int // index in acts of each enterprise's first row
	acts   []act // ordered by enterprise and month
	out    []computed
	err    error
}

// batchEnterprises is how many enterprises make a computeBatch.
const batchEnterprises = 256

// computeBatch computes the batch's enterprises: the year from all their rows,
// each month from its own. Compute's Lines and Factors are kept only as the
// year's JSON detail, which is all that is stored of them.
func (s *Service) computeBatch(b *computeBatch, year int) {
	b.out = make([]computed, len(b.ents))
	var in Inputs
	for i, e := range b.ents {
		lo, hi := b.starts[i], len(b.acts)
		if i+1 < len(b.starts) {
			hi = b.starts[i+1]
		}
		c := &b.out[i]
		c.e = e
		kind := s.GridKind
		if e.gridKind != "" {
			kind = e.gridKind
		}
		in = Inputs{Province: e.enterprise().Province(), Year: year, GridKind: kind, Activities: in.Activities[:0]}
		for k := lo; k < hi; k++ {
			in.Activities = append(in.Activities, b.acts[k].Activity)
		}
		var err error
		if c.annual, err = Compute(s.Factors, in); err != nil {
			b.err = fmt.Errorf("%s %d: %w", e.uscc, year, err)
			return
		}
		var months []MonthFigures
		for k := lo; k < hi; {
			m := b.acts[k].month
			l := k
			for l < hi && b.acts[l].month == m {
				l++
			}
			if m > 0 {
				in.Activities = in.Activities[:0]
				for x := k; x < l; x++ {
					in.Activities = append(in.Activities, b.acts[x].Activity)
				}
				ma, err := compute(s.Factors, in, false)
				if err != nil {
					b.err = fmt.Errorf("%s %d-%02d: %w", e.uscc, year, m, err)
					return
				}
				months = append(months, MonthFigures{Month: m, Scope1: ma.Scope1, Scope2: ma.Scope2, Total: ma.Total,
					Emissions: ma.Emissions, EnergyTCE: ma.EnergyTCE, Quality: ma.Quality})
			}
			k = l
		}
		// The factors are stored by code, year and value: the factor set
		// named with the account says the rest (FactorSet.Describe).
		for i := range c.annual.Factors {
			f := &c.annual.Factors[i]
			*f = UsedFactor{Code: f.Code, Year: f.Year, Value: f.Value}
		}
		det, err := json.Marshal(detail{Lines: c.annual.Lines, Factors: c.annual.Factors, Months: months})
		if err != nil {
			b.err = err
			return
		}
		c.detail, c.annual.Lines, c.annual.Factors = string(det), nil, nil
	}
	b.acts = nil // the rows are no longer needed
}

// intern returns b as a string, the same string for the same bytes: the few
// item codes and qualities of millions of rows are then not copied each time.
func intern(m map[string]string, b []byte) string {
	if s, ok := m[string(b)]; ok {
		return s
	}
	s := string(b)
	m[s] = s
	return s
}

// computeAll reads the year's activity rows of the enterprises in orgs (nil:
// all) and computes their accounts, in the order of their ids. The reading
// goes on in this goroutine while batches of enterprises already read are
// computed on one worker per CPU.
func (s *Service) computeAll(ctx context.Context, tx *store.Tx, year int, orgs map[int64]bool, byID map[int64]ent) ([]computed, error) {
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
	rows, err := tx.Query(ctx, q+` ORDER BY year, org_id, month, item`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan *computeBatch, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				s.computeBatch(b, year)
			}
		}()
	}
	var batches []*computeBatch
	send := func(b *computeBatch) {
		if len(b.ents) > 0 {
			batches = append(batches, b)
			jobs <- b
		}
	}
	cur := &computeBatch{}
	strs := map[string]string{}
	var item, quality sql.RawBytes
	var readErr error
	for rows.Next() {
		var a act
		if readErr = rows.Scan(&a.org, &a.month, &item, &a.Quantity, &quality); readErr != nil {
			break
		}
		if orgs != nil && !orgs[a.org] {
			continue
		}
		a.Item, a.Quality = intern(strs, item), Quality(intern(strs, quality))
		if n := len(cur.acts); n == 0 || cur.acts[n-1].org != a.org { // the next enterprise
			if len(cur.ents) == batchEnterprises {
				send(cur)
				cur = &computeBatch{acts: make([]act, 0, len(cur.acts)+len(cur.acts)/4)}
			}
			e, ok := byID[a.org]
			if !ok {
				readErr = cifp.Errorf(cifp.EFORBIDDEN, "enterprise %d is not visible to you", a.org)
				break
			}
			cur.ents = append(cur.ents, e)
			cur.starts = append(cur.starts, len(cur.acts))
		}
		cur.acts = append(cur.acts, a)
	}
	if readErr == nil {
		readErr = rows.Err()
	}
	if readErr == nil {
		send(cur)
	}
	close(jobs)
	wg.Wait()
	if readErr != nil {
		return nil, readErr
	}
	n := 0
	for _, b := range batches {
		if b.err != nil {
			return nil, b.err
		}
		n += len(b.out)
	}
	all := make([]computed, 0, n)
	for _, b := range batches {
		all = append(all, b.out...)
	}
	return all, nil
}

// computeYear recomputes the accounts of the year for the enterprises in
// orgs (nil: all), writes them, and regrades the industries concerned. It
// returns the number of annual accounts written.
func (s *Service) computeYear(ctx context.Context, tx *store.Tx, year int, orgs map[int64]bool, byID map[int64]ent) (int, error) {
	if orgs == nil && tx.D() == store.Postgres {
		// After a bulk load the planner's statistics are stale: it would
		// sort millions of rows on disk instead of reading them in key order.
		if _, err := tx.Exec(ctx, `ANALYZE activity`); err != nil {
			return 0, err
		}
	}
	kinds, err := gridKinds(ctx, tx)
	if err != nil {
		return 0, err
	}
	for id, k := range kinds {
		if e, ok := byID[id]; ok {
			e.gridKind = k
			byID[id] = e
		}
	}
	all, err := s.computeAll(ctx, tx, year, orgs, byID)
	if err != nil {
		return 0, err
	}
	now := store.Now()

	// Grade against every enterprise of the industries concerned: the ones
	// just computed and, when only some were, the others as stored.
	industries := map[string]bool{}
	peers := make([]Peer, 0, len(all))
	for i := range all {
		c := &all[i]
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
				WHERE year = ? AND industry IN (`+placeholders(len(inds))+`)`, append([]any{year}, inds...)...)
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
	// Rows are handed out of blocks, one allocation per 256 rows; each row
	// keeps its own values, whatever CopyRows does with them.
	var block []any
	row := func() []any {
		if len(block) < len(accountCols) {
			block = make([]any, 256*len(accountCols))
		}
		r := block[:len(accountCols):len(accountCols)]
		block = block[len(accountCols):]
		return r
	}
	i := 0
	_, err = tx.CopyRows(ctx, "accounts", accountCols, func() ([]any, bool) {
		if i == len(all) {
			return nil, false
		}
		c := &all[i]
		i++
		b, ok := bench[c.e.industry]
		return accountRow(row(), c.e, year, &c.annual, b, ok, s.Factors.ID, c.detail, now), true
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
		if _, err := tx.Exec(ctx, `UPDATE accounts SET benchmark = ?, k = ?, grade = ? WHERE org_id = ? AND year = ?`,
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
	if err := summarise(ctx, tx, year, orgs); err != nil {
		return 0, err
	}
	return len(all), nil
}

// summarise keeps the summaries the cockpit reads after a year's accounts
// changed: the accounts' version (data_versions), the year's account cells,
// and the intensity change of the changed accounts and of the same
// enterprises' accounts of the next year.
func summarise(ctx context.Context, tx *store.Tx, year int, orgs map[int64]bool) error {
	if _, err := tx.Exec(ctx, `UPDATE data_versions SET version = version + 1 WHERE name = 'accounts'`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM account_cells WHERE year = ?`, year); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO account_cells (year, division, grade, level, quality, accounts, emissions)
		SELECT year, division, COALESCE(grade, 0), level, quality, COUNT(*), SUM(emissions) FROM accounts WHERE year = ?
		GROUP BY year, division, COALESCE(grade, 0), level, quality`, year); err != nil {
		return err
	}
	const change = `UPDATE accounts SET intensity_change = (
		SELECT (accounts.intensity - b.intensity) / b.intensity FROM accounts b
		WHERE b.org_id = accounts.org_id AND b.year = accounts.year - 1 AND b.intensity > 0) WHERE year IN (?, ?)`
	if orgs == nil {
		_, err := tx.Exec(ctx, change, year, year+1)
		return err
	}
	ids := make([]any, 0, len(orgs))
	for id := range orgs {
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		if _, err := tx.Exec(ctx, change+` AND org_id IN (`+placeholders(len(part))+`)`, append([]any{year, year + 1}, part...)...); err != nil {
			return err
		}
	}
	return nil
}

var accountCols = []string{"org_id", "year", "industry", "division", "scope1", "scope2", "total", "avoided",
	"emissions", "energy_tce", "value_added", "output_value", "intensity", "intensity_output", "level", "benchmark",
	"k", "grade", "quality", "factor_set", "detail", "computed_at"}

// accountRow sets row (of len(accountCols)) to the account's values.
func accountRow(row []any, e ent, year int, a *Account, b Benchmark, graded bool, set, det string, now time.Time) []any {
	var bench, k, grade any
	if kv, g, ok := Grade(*a, b, graded); ok {
		bench, k, grade = b.Intensity, kv, g
	}
	row[0], row[1], row[2], row[3] = e.id, year, e.industry, e.division
	row[4], row[5], row[6], row[7], row[8] = a.Scope1, a.Scope2, a.Total, a.Avoided, a.Emissions
	row[9], row[10], row[11] = a.EnergyTCE, a.ValueAdded, a.OutputValue
	row[12], row[13] = nullFloat(a.HasIntensity, a.Intensity), nullFloat(a.OutputValue > 0, a.IntensityOutput)
	row[14], row[15], row[16], row[17], row[18] = string(a.Level), bench, k, grade, string(a.Quality)
	row[19], row[20], row[21] = set, det, now
	return row
}
