package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyRows bulk-inserts rows into table inside the transaction: COPY on
// PostgreSQL, prepared multi-row INSERTs on SQLite. next returns the next
// row's values in the order of columns, and false when there are no more.
// It returns the number of rows written. Constraint violations fail the
// whole call (and so, through InTx, the transaction).
func (tx *Tx) CopyRows(ctx context.Context, table string, columns []string, next func() ([]any, bool)) (int64, error) {
	if tx.dialect == Postgres {
		var n int64
		err := tx.conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("copy: driver connection is %T, not pgx", dc)
			}
			var err error
			n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromFunc(func() ([]any, error) {
				row, ok := next()
				if !ok {
					return nil, nil
				}
				return row, nil
			}))
			return err
		})
		return n, MapError(err)
	}
	// SQLite allows 32,766 parameters per statement.
	per := max(1, min(500, 32_000/len(columns)))
	insert := func(n int) string {
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
		return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	}
	full, err := tx.Prepare(ctx, insert(per))
	if err != nil {
		return 0, err
	}
	defer full.Close()
	args := make([]any, 0, per*len(columns))
	var total int64
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		n := len(args) / len(columns)
		var err error
		if n == per {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.Exec(ctx, insert(n), args...)
		}
		total += int64(n)
		args = args[:0]
		return MapError(err)
	}
	for {
		row, ok := next()
		if !ok {
			break
		}
		if len(row) != len(columns) {
			return total, fmt.Errorf("copy %s: a row has %d values for %d columns", table, len(row), len(columns))
		}
		args = append(args, row...)
		if len(args) == per*len(columns) {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}
