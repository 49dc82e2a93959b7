package finance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cifp"
	"cifp/audit"
	"cifp/internal/sheet"
	"cifp/org"
	"cifp/store"
)

// An institution's month-end submission (月度报送) replaces its snapshot of
// that month in one table: the loan book, insurance policies or other
// instruments. Every row is checked first; a file with any problem stores
// nothing and names each bad row and column.

// field reads one data row of a submission by column name and collects
// the row's problems.
type field struct {
	line int
	rec  []string
	col  map[string]int
	errs *[]cifp.FieldError
}

func (f field) get(k string) string {
	if i, ok := f.col[k]; ok && i < len(f.rec) {
		return strings.TrimSpace(f.rec[i])
	}
	return ""
}

func (f field) bad(k, value, msg string) {
	if len(*f.errs) < 1000 {
		*f.errs = append(*f.errs, cifp.FieldError{Row: f.line, Column: sheet.ColumnName(f.col[k]), Field: k, Value: value, Message: msg})
	}
}

func (f field) num(k string, lo, hi float64) float64 {
	v, err := strconv.ParseFloat(strings.ReplaceAll(f.get(k), ",", ""), 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		f.bad(k, f.get(k), fmt.Sprintf("must be a number from %g to %g", lo, hi))
		return 0
	}
	return v
}

func (f field) date(k string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, f.get(k), China)
	if err != nil {
		f.bad(k, f.get(k), "is not a date (YYYY-MM-DD)")
	}
	return d
}

// id reads a row's identifier, unique in the file.
func (f field) id(k string, seen map[string]int) string {
	v := f.get(k)
	if v == "" || utf8.RuneCountInString(v) > 64 {
		f.bad(k, v, "is required, at most 64 characters")
	} else if prev, ok := seen[v]; ok {
		f.bad(k, v, fmt.Sprintf("is also on row %d", prev))
	} else {
		v = strings.Clone(v)
		seen[v] = f.line
	}
	return v
}

// uscc reads a unified social credit code.
func (f field) uscc(k string) string {
	u := org.NormalizeUSCC(f.get(k))
	if err := org.ValidateUSCC(u); err != nil {
		f.bad(k, u, cifp.ErrorMessage(err))
	}
	return u
}

// submission is one month-end file being read.
type submission struct {
	what    string   // "loans", "policies", "instruments"
	table   string   // its table
	columns []string // the table's columns: month, org_id, …the row's values…, batch_id
	header  []string // the file's required columns
	month   string
	sha     string
}

// read parses a submission file: the header must have every column of
// s.header; each data row goes to parse, which returns its values (the
// middle of s.columns) and reports problems through its field. The values
// of good rows go to emit until the first problem; read then goes on only
// to name every problem. It returns the number of good rows.
func (s *submission) read(r io.Reader, filename string, maxRows int, parse func(field) []any, emit func([]any)) (int, error) {
	h := sha256.New()
	var errs []cifp.FieldError
	col := map[string]int{}
	rows := 0
	err := sheet.Each(io.TeeReader(r, h), sheet.Format(filename), func(line int, rec []string) error {
		if line == 1 {
			for i, c := range rec {
				col[strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))] = i
			}
			var missing []cifp.FieldError
			for _, c := range s.header {
				if _, ok := col[c]; !ok {
					missing = append(missing, cifp.FieldError{Row: 1, Field: c, Message: "column is missing (header: " + strings.Join(s.header, ",") + ")"})
				}
			}
			return cifp.Invalid("the header is not the "+s.what+" template's", missing...)
		}
		if line > maxRows+1 {
			return cifp.Errorf(cifp.ETOOLARGE, "the file has more than %d rows", maxRows)
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			return nil
		}
		if v := parse(field{line: line, rec: rec, col: col, errs: &errs}); v != nil && len(errs) == 0 {
			rows++
			emit(v)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := cifp.Invalid(fmt.Sprintf("%s: nothing was imported", cifp.Problems(len(errs))), errs...); err != nil {
		return 0, err
	}
	if rows == 0 {
		return 0, cifp.Errorf(cifp.EINVALID, "the file has no %s under its header", s.what)
	}
	s.sha = hex.EncodeToString(h.Sum(nil))
	return rows, nil
}

// submit replaces the institution's snapshot of the month with the file's
// rows, reading and storing at once, on two cores, in one transaction with
// its batch and audit entry: the rows go to the table as they are read,
// and any problem in the file rolls everything back. finish, called once
// the file is read, gives the loans' statistics cells (nil for the other
// tables) and the summary for the audit log. It returns the rows stored
// and the rows replaced.
func (s *Service) submit(ctx context.Context, a cifp.Actor, sub *submission, r io.Reader, filename string, maxRows int,
	parse func(field) []any, finish func() ([]Cell, any)) (rows, replaced int, err error) {
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		del, err := tx.Exec(ctx, `DELETE FROM `+sub.table+` WHERE month = ? AND org_id = ?`, sub.month, a.OrgID)
		if err != nil {
			return err
		}
		n, _ := del.RowsAffected()
		replaced = int(n)
		var batch int64
		if err := tx.QueryRow(ctx, `INSERT INTO loan_batches (org_id, month, source, filename, sha256, rows, created_by, created_at)
			VALUES (?, ?, 'import', ?, '', 0, ?, ?) RETURNING id`, a.OrgID, sub.month, sub.what+": "+filename, a.UserID, s.Now()).Scan(&batch); err != nil {
			return err
		}
		ch := make(chan []any, 4096)
		stop := make(chan struct{})
		done := make(chan struct{})
		var readErr error
		go func() {
			defer close(done)
			defer close(ch)
			rows, readErr = sub.read(r, filename, maxRows, parse, func(v []any) {
				select {
				case ch <- append(append([]any{sub.month, a.OrgID}, v...), batch):
				case <-stop:
				}
			})
		}()
		_, err = tx.CopyRows(ctx, sub.table, sub.columns, func() ([]any, bool) {
			v, ok := <-ch
			return v, ok
		})
		close(stop)
		<-done
		if readErr != nil {
			return readErr
		}
		if err != nil {
			return store.MapError(err)
		}
		cells, summary := finish()
		if _, err := tx.Exec(ctx, `UPDATE loan_batches SET rows = ?, sha256 = ? WHERE id = ?`, rows, sub.sha, batch); err != nil {
			return err
		}
		if sub.table == "loans" {
			if err := s.storeCells(ctx, tx, sub.month, a.OrgID, cells); err != nil {
				return err
			}
			if err := keepProjectLoans(ctx, tx, a.OrgID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: sub.what + ".import", Entity: "loan_batch", EntityID: batch, OrgID: a.OrgID,
			After: map[string]any{"month": sub.month, "file": filename, "rows": rows, "replaced": replaced, "summary": summary}})
	})
	if err == nil && rows >= analyzeRows {
		err = s.db.Analyze(context.WithoutCancel(ctx), sub.table)
	}
	return rows, replaced, err
}

// analyzeRows is the size of a submission after which the database's
// planner statistics of its table are refreshed.
const analyzeRows = 50_000

// checkMonth checks a submission's month.
func checkMonth(month string) error {
	if _, err := time.Parse("2006-01", month); err != nil {
		return cifp.Invalid("no month", cifp.FieldError{Field: "month", Value: month, Message: "is not a month (YYYY-MM)"})
	}
	return nil
}
