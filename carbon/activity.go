package carbon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"cifp"
	"cifp/audit"
	"cifp/internal/sheet"
	"cifp/store"
)

// ImportOptions tune an import of activity data.
type ImportOptions struct {
	// Replace lets rows correct figures already recorded for the same
	// enterprise, period and item; without it such a row is an error.
	Replace bool
	// Source is "import" (a file), "api" or "form".
	Source string
	// Filename names the file in the audit log.
	Filename string
	// SkipRecompute leaves the accounts to a later Recompute (bulk loads).
	SkipRecompute bool
}

// ImportResult says what an import did.
type ImportResult struct {
	Batch       int64 `json:"batch"`
	Rows        int   `json:"rows"`
	Enterprises int   `json:"enterprises"`
	Years       []int `json:"years"`
}

// ImportActivity reads an activity file ("csv" or "xlsx") and stores it. It
// validates every row first — unknown enterprise (or another enterprise's, for
// an enterprise user), period format or future period, unknown item or unit,
// negative or non-numeric quantity, a duplicate of another row or of a figure
// already recorded, a year locked by its report — and returns all problems
// with their rows and columns, writing nothing. Otherwise it writes all rows
// in one transaction with one audit entry, and recomputes the accounts.
func (s *Service) ImportActivity(ctx context.Context, r io.Reader, format string, opt ImportOptions) (ImportResult, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	if err := mayWrite(a); err != nil {
		return ImportResult{}, err
	}
	byUSCC, _, err := s.directory(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	if !opt.Replace {
		return s.importStream(ctx, r, format, byUSCC, opt)
	}
	h := sha256.New()
	var p *ActivityParser
	var rows [][]Row
	strs := map[string]string{}
	err = sheet.Each(io.TeeReader(r, h), format, func(line int, rec []string) error {
		if line == 1 {
			var err error
			p, err = NewActivityParser(s.Factors, rec, s.Now(), func(u string) bool { _, ok := byUSCC[u]; return ok })
			return err
		}
		if row, ok := p.Parse(line, rec); ok {
			rows = appendRow(rows, compactRow(row, byUSCC, strs))
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	if p == nil {
		return ImportResult{}, cifp.Errorf(cifp.EINVALID, "the file is empty: the first row must be the header %s", ActivityHeader)
	}
	if err := p.Err(); err != nil {
		return ImportResult{}, err
	}
	if len(rows) == 0 {
		return ImportResult{}, cifp.Errorf(cifp.EINVALID, "the file has a header but no data rows")
	}
	return s.store(ctx, rows, byUSCC, hex.EncodeToString(h.Sum(nil)), opt)
}

// compactRow keeps the directory's USCC and one copy of each code instead
// of strings that point into the line read, so that the lines of a large
// file are not all kept until it is stored.
func compactRow(row Row, byUSCC map[string]ent, strs map[string]string) Row {
	row.USCC = byUSCC[row.USCC].uscc
	row.Item, row.Unit = internString(strs, row.Item), internString(strs, row.Unit)
	row.Quality = Quality(internString(strs, string(row.Quality)))
	return row
}

// errStopped tells the parsing goroutine that the insert has stopped.
var errStopped = errors.New("stopped")

// importStream parses the file and inserts its rows at the same time, on two
// cores, inside one transaction: a new figure needs no look-up before it is
// written. The checks against what is recorded run after the insert, still
// in the transaction: a figure already recorded fails the insert on the key
// (and is then named by a second look), a locked year is looked up for the
// rows inserted; any problem rolls everything back.
func (s *Service) importStream(ctx context.Context, r io.Reader, format string, byUSCC map[string]ent, opt ImportOptions) (ImportResult, error) {
	actor, _ := cifp.ActorFrom(ctx)
	if opt.Source == "" {
		opt.Source = "import"
	}
	var (
		h        = sha256.New()
		p        *ActivityParser
		all      [][]Row // every valid row, in chunks; also sent to the insert
		parseErr error
		ch       = make(chan []Row, 4)
		done     = make(chan struct{})
		finished = make(chan struct{})
	)
	const chunk = 4096
	go func() {
		defer close(finished)
		defer close(ch)
		strs := map[string]string{}
		cur := make([]Row, 0, chunk)
		send := func() error {
			if len(cur) == 0 {
				return nil
			}
			all = append(all, cur)
			select {
			case ch <- cur:
			case <-done:
				return errStopped
			}
			cur = make([]Row, 0, chunk)
			return nil
		}
		parseErr = sheet.Each(io.TeeReader(r, h), format, func(line int, rec []string) error {
			if line == 1 {
				var err error
				p, err = NewActivityParser(s.Factors, rec, s.Now(), func(u string) bool { _, ok := byUSCC[u]; return ok })
				return err
			}
			if row, ok := p.Parse(line, rec); ok {
				cur = append(cur, compactRow(row, byUSCC, strs))
				if len(cur) == chunk {
					return send()
				}
			}
			return nil
		})
		if parseErr == nil {
			parseErr = send()
		}
	}()
	stop := func() {
		select {
		case <-done:
		default:
			close(done)
		}
		<-finished
	}
	defer stop()

	var res ImportResult
	var copyErr error
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO activity_batches (actor_user, actor_org, source, filename, sha256, rows, created_at)
			VALUES (?, ?, ?, ?, '', 0, ?) RETURNING id`, nullID(actor.UserID), nullID(actor.OrgID), opt.Source, opt.Filename,
			store.Now()).Scan(&res.Batch); err != nil {
			return err
		}
		var vals rowValues
		var cur []Row
		i := 0
		_, copyErr = tx.CopyRows(ctx, "activity", activityCols,
			func() ([]any, bool) {
				for i == len(cur) {
					next, ok := <-ch
					if !ok {
						return nil, false
					}
					cur, i = next, 0
				}
				r := &cur[i]
				i++
				return vals.of(r, byUSCC[r.USCC].id, res.Batch), true
			})
		stop()
		switch {
		case parseErr != nil && parseErr != errStopped:
			return parseErr
		case p == nil:
			return cifp.Errorf(cifp.EINVALID, "the file is empty: the first row must be the header %s", ActivityHeader)
		case p.Err() != nil:
			return p.Err()
		case copyErr != nil:
			return copyErr
		}
		touched, orgs := summarize(all, byUSCC, &res)
		if res.Rows == 0 {
			return cifp.Errorf(cifp.EINVALID, "the file has a header but no data rows")
		}
		locked, err := lockedYears(ctx, tx, res.Years)
		if err != nil {
			return err
		}
		if fe := s.conflicts(all, byUSCC, locked, nil); len(fe) > 0 {
			return &cifp.Error{Code: cifp.EINVALID, Message: cifp.Problems(len(fe)) + " with what is already recorded; nothing was imported", Fields: fe}
		}
		digest := hex.EncodeToString(h.Sum(nil))
		if _, err := tx.Exec(ctx, `UPDATE activity_batches SET rows = ?, sha256 = ? WHERE id = ?`, res.Rows, digest, res.Batch); err != nil {
			return err
		}
		return s.finishImport(ctx, tx, res, orgs, touched, opt, digest)
	})
	if err != nil && copyErr != nil && cifp.ErrorCode(copyErr) == cifp.ECONFLICT {
		// Some figure is recorded already: name the rows.
		return ImportResult{}, s.explainConflict(ctx, all, byUSCC, copyErr)
	}
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// explainConflict names the rows whose figures are already recorded, after
// an insert failed on the key.
func (s *Service) explainConflict(ctx context.Context, all [][]Row, byUSCC map[string]ent, cause error) error {
	years := map[int]bool{}
	orgs := map[int64]bool{}
	for _, c := range all {
		for i := range c {
			years[c[i].Period.Year] = true
			orgs[byUSCC[c[i].USCC].id] = true
		}
	}
	var ys []int
	for y := range years {
		ys = append(ys, y)
	}
	existing, err := existingKeys(ctx, s.db, ys, orgs)
	if err != nil {
		return err
	}
	if fe := s.conflicts(all, byUSCC, nil, existing); len(fe) > 0 {
		return &cifp.Error{Code: cifp.EINVALID, Message: cifp.Problems(len(fe)) + " with what is already recorded; nothing was imported", Fields: fe}
	}
	return cause
}

// conflicts lists the rows in a locked year or already recorded.
func (s *Service) conflicts(all [][]Row, byUSCC map[string]ent, locked map[orgYear]lock, existing map[actKey]bool) []cifp.FieldError {
	var fe []cifp.FieldError
	if len(locked) == 0 && len(existing) == 0 {
		return nil
	}
	for _, c := range all {
		for i := range c {
			r := &c[i]
			e := byUSCC[r.USCC]
			if v, ok := locked[orgYear{e.id, r.Period.Year}]; ok {
				fe = append(fe, cifp.FieldError{Row: r.Line, Column: "B", Field: "period", Value: r.Period.String(),
					Message: fmt.Sprintf("%d of %s is locked: its report (version %d) is %s; open a correction first", r.Period.Year, e.name, v.version, v.status)})
			} else if existing[actKey{e.id, r.Period.Year, r.Period.Month, r.Item}] {
				fe = append(fe, cifp.FieldError{Row: r.Line, Column: "C", Field: "item", Value: r.Item,
					Message: fmt.Sprintf("%s of %s for %s is already recorded; send it with replace to correct it", r.Item, e.name, r.Period)})
			}
			if len(fe) >= maxListed {
				return fe
			}
		}
	}
	return fe
}

// summarize counts the rows into res (rows, years, enterprises) and returns
// the enterprise-years and the enterprises they touch.
func summarize(rows [][]Row, byUSCC map[string]ent, res *ImportResult) (map[orgYear]bool, map[int64]bool) {
	touched := map[orgYear]bool{}
	years := map[int]bool{}
	for _, c := range rows {
		for i := range c {
			touched[orgYear{byUSCC[c[i].USCC].id, c[i].Period.Year}] = true
			years[c[i].Period.Year] = true
		}
		res.Rows += len(c)
	}
	for y := range years {
		res.Years = append(res.Years, y)
	}
	sort.Ints(res.Years)
	orgs := map[int64]bool{}
	for k := range touched {
		orgs[k.org] = true
	}
	res.Enterprises = len(orgs)
	return touched, orgs
}

// rowChunk is how many parsed rows a chunk holds: a large file's rows are
// kept in chunks rather than one growing slice.
const rowChunk = 16 << 10

// appendRow appends r to the last chunk, or to a new one when it is full.
func appendRow(chunks [][]Row, r Row) [][]Row {
	if n := len(chunks); n > 0 && len(chunks[n-1]) < rowChunk {
		chunks[n-1] = append(chunks[n-1], r)
		return chunks
	}
	c := make([]Row, 1, rowChunk)
	c[0] = r
	return append(chunks, c)
}

// internString returns the one copy of s kept in m.
func internString(m map[string]string, s string) string {
	if v, ok := m[s]; ok {
		return v
	}
	v := strings.Clone(s)
	m[v] = v
	return v
}

// Entry is one activity figure sent through the API or a form.
type Entry struct {
	USCC     string  `json:"uscc"`
	Period   string  `json:"period"`
	Item     string  `json:"item"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	Quality  string  `json:"quality,omitempty"`
}

// AddActivity stores entries from the bulk API or a form, with the same
// checks and all-or-nothing rule as ImportActivity; entry i is reported as
// row i+1.
func (s *Service) AddActivity(ctx context.Context, entries []Entry, opt ImportOptions) (ImportResult, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	if err := mayWrite(a); err != nil {
		return ImportResult{}, err
	}
	if len(entries) == 0 {
		return ImportResult{}, cifp.Invalid("no entries", cifp.FieldError{Field: "entries", Message: "send at least one entry"})
	}
	byUSCC, _, err := s.directory(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	p, err := NewActivityParser(s.Factors, strings.Split(ActivityHeader, ","), s.Now(), func(u string) bool { _, ok := byUSCC[u]; return ok })
	if err != nil {
		return ImportResult{}, err
	}
	var rows []Row
	h := sha256.New()
	for i, e := range entries {
		rec := []string{e.USCC, e.Period, e.Item, fmt.Sprint(e.Quantity), e.Unit, e.Quality}
		fmt.Fprintln(h, strings.Join(rec, ","))
		if row, ok := p.Parse(i+1, rec); ok {
			rows = append(rows, row)
		}
	}
	if err := p.Err(); err != nil {
		return ImportResult{}, err
	}
	return s.store(ctx, [][]Row{rows}, byUSCC, hex.EncodeToString(h.Sum(nil)), opt)
}

type orgYear struct {
	org  int64
	year int
}

type actKey struct {
	org         int64
	year, month int
	item        string
}

// store checks the rows (in chunks) against the database (locked years,
// figures already recorded) and writes them in one transaction.
func (s *Service) store(ctx context.Context, rows [][]Row, byUSCC map[string]ent, digest string, opt ImportOptions) (ImportResult, error) {
	actor, _ := cifp.ActorFrom(ctx)
	if opt.Source == "" {
		opt.Source = "import"
	}
	var res ImportResult
	touched, orgs := summarize(rows, byUSCC, &res)
	n := res.Rows

	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		locked, err := lockedYears(ctx, tx, res.Years)
		if err != nil {
			return err
		}
		existing := map[actKey]bool{}
		if !opt.Replace || len(locked) > 0 {
			if existing, err = existingKeys(ctx, tx, res.Years, orgs); err != nil {
				return err
			}
		}
		var fe []cifp.FieldError
		if len(locked) > 0 || len(existing) > 0 {
		check:
			for _, c := range rows {
				for i := range c {
					r := &c[i]
					e := byUSCC[r.USCC]
					if v, ok := locked[orgYear{e.id, r.Period.Year}]; ok {
						fe = append(fe, cifp.FieldError{Row: r.Line, Column: "B", Field: "period", Value: r.Period.String(),
							Message: fmt.Sprintf("%d of %s is locked: its report (version %d) is %s; open a correction first", r.Period.Year, e.name, v.version, v.status)})
					} else if !opt.Replace && existing[actKey{e.id, r.Period.Year, r.Period.Month, r.Item}] {
						fe = append(fe, cifp.FieldError{Row: r.Line, Column: "C", Field: "item", Value: r.Item,
							Message: fmt.Sprintf("%s of %s for %s is already recorded; send it with replace to correct it", r.Item, e.name, r.Period)})
					}
					if len(fe) >= maxListed {
						break check
					}
				}
			}
		}
		if len(fe) > 0 {
			return &cifp.Error{Code: cifp.EINVALID, Message: cifp.Problems(len(fe)) + " with what is already recorded; nothing was imported", Fields: fe}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO activity_batches (actor_user, actor_org, source, filename, sha256, rows, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, nullID(actor.UserID), nullID(actor.OrgID), opt.Source, opt.Filename,
			digest, n, store.Now()).Scan(&res.Batch); err != nil {
			return err
		}
		if opt.Replace {
			del, err := tx.Prepare(ctx, `DELETE FROM activity WHERE org_id = ? AND year = ? AND month = ? AND item = ?`)
			if err != nil {
				return err
			}
			defer del.Close()
			for _, c := range rows {
				for i := range c {
					r := &c[i]
					if _, err := del.ExecContext(ctx, byUSCC[r.USCC].id, r.Period.Year, r.Period.Month, r.Item); err != nil {
						return err
					}
				}
			}
		}
		var vals rowValues
		ci, i := 0, 0
		if _, err := tx.CopyRows(ctx, "activity", activityCols,
			func() ([]any, bool) {
				for ci < len(rows) && i == len(rows[ci]) {
					ci, i = ci+1, 0
				}
				if ci == len(rows) {
					return nil, false
				}
				r := &rows[ci][i]
				i++
				return vals.of(r, byUSCC[r.USCC].id, res.Batch), true
			}); err != nil {
			return err
		}
		return s.finishImport(ctx, tx, res, orgs, touched, opt, digest)
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// activityCols are the columns of an activity row, in rowValues' order.
var activityCols = []string{"org_id", "year", "month", "item", "quantity", "input", "unit", "quality", "batch_id"}

// rowValues hands out the values of activity rows for CopyRows from blocks,
// one allocation per 1024 rows; each row keeps its own values, whatever
// CopyRows does with them.
type rowValues struct{ block []any }

func (w *rowValues) of(r *Row, orgID, batch int64) []any {
	n := len(activityCols)
	if len(w.block) < n {
		w.block = make([]any, 1024*n)
	}
	v := w.block[:n:n]
	w.block = w.block[n:]
	v[0], v[1], v[2], v[3], v[4] = orgID, r.Period.Year, r.Period.Month, r.Item, r.Quantity
	v[5], v[6], v[7], v[8] = r.Input, r.Unit, string(r.Quality), batch
	return v
}

// finishImport records the import in the audit log and, unless skipped,
// recomputes the accounts it touched.
func (s *Service) finishImport(ctx context.Context, tx *store.Tx, res ImportResult, orgs map[int64]bool, touched map[orgYear]bool, opt ImportOptions, digest string) error {
	if err := recordBatch(ctx, tx, res, orgs, opt, digest); err != nil {
		return err
	}
	if opt.SkipRecompute {
		return nil
	}
	return s.recompute(ctx, tx, touched)
}

// recordBatch writes the audit entry of an import.
func recordBatch(ctx context.Context, tx *store.Tx, res ImportResult, orgs map[int64]bool, opt ImportOptions, digest string) error {
	var ents []string
	var orgID int64
	for id := range orgs {
		orgID = id
		if len(ents) == 20 {
			ents = append(ents, fmt.Sprintf("… %d more", len(orgs)-20))
			break
		}
		ents = append(ents, fmt.Sprint(id))
	}
	if len(orgs) != 1 {
		orgID = 0
	}
	sort.Strings(ents)
	return audit.Record(ctx, tx, audit.Change{Action: "activity." + opt.Source, Entity: "activity_batch", EntityID: res.Batch, OrgID: orgID,
		After: map[string]any{"rows": res.Rows, "enterprises": len(orgs), "years": res.Years, "file": opt.Filename,
			"sha256": digest, "replace": opt.Replace, "org_ids": ents}})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

type lock struct {
	version int
	status  string
}

// lockedYears returns the enterprise-years whose latest report is submitted
// or accepted: their activity data may not change.
func lockedYears(ctx context.Context, q store.Queryer, years []int) (map[orgYear]lock, error) {
	out := map[orgYear]lock{}
	if len(years) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT r.org_id, r.year, r.version, r.status FROM carbon_reports r
		WHERE r.year IN (`+placeholders(len(years))+`) AND r.status IN ('submitted', 'accepted')
		AND r.version = (SELECT MAX(version) FROM carbon_reports r2 WHERE r2.org_id = r.org_id AND r2.year = r.year)`, intsToAny(years)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k orgYear
		var l lock
		if err := rows.Scan(&k.org, &k.year, &l.version, &l.status); err != nil {
			return nil, err
		}
		out[k] = l
	}
	return out, rows.Err()
}

// existingKeys returns the recorded figures of the years for the enterprises.
func existingKeys(ctx context.Context, q store.Queryer, years []int, orgs map[int64]bool) (map[actKey]bool, error) {
	out := map[actKey]bool{}
	query := `SELECT org_id, year, month, item FROM activity WHERE year IN (` + placeholders(len(years)) + `)`
	args := intsToAny(years)
	if len(orgs) <= 500 {
		var ids []any
		for id := range orgs {
			ids = append(ids, id)
		}
		query += ` AND org_id IN (` + placeholders(len(ids)) + `)`
		args = append(args, ids...)
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k actKey
		if err := rows.Scan(&k.org, &k.year, &k.month, &k.item); err != nil {
			return nil, err
		}
		if orgs[k.org] {
			out[k] = true
		}
	}
	return out, rows.Err()
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func intsToAny(xs []int) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
