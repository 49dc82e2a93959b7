package finance

import (
	"context"
	"sync"

	"cifp/store"
)

// cellCache keeps the statistics cells read by month for as long as the
// cells' version in the database (loan_cells_version, raised by every
// transaction that changes them) stays the same: a statistics read then
// costs one small query instead of reading thousands of cells again. It
// holds every institution's cells; Cells narrows them to the actor's.
type cellCache struct {
	mu      sync.Mutex
	version int64
	byMonth map[string][]Cell
}

// months returns the cells of each month (shared with the cache: read
// them, never change them), reading from the database the months not held
// at the current version. Cells read after the version
// may be newer than it, never older: a later change raises the version
// and empties the cache at the next read.
func (c *cellCache) months(ctx context.Context, db *store.DB, months []string) ([][]Cell, error) {
	var v int64
	if err := db.QueryRow(ctx, `SELECT version FROM loan_cells_version WHERE id = 1`).Scan(&v); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.version != v || c.byMonth == nil {
		c.version, c.byMonth = v, map[string][]Cell{}
	}
	var out [][]Cell
	var missing []any
	for _, m := range months {
		if cs, ok := c.byMonth[m]; ok {
			out = append(out, cs)
		} else {
			missing = append(missing, m)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT month, org_id, county, green_class, catalogue, sector, climate_type, loans, balance, new_loans, attributed_tco2
		FROM loan_cells WHERE month IN (`+marks(len(missing))+`)`, missing...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	read := map[string][]Cell{}
	for _, m := range missing {
		read[m.(string)] = []Cell{}
	}
	for rows.Next() {
		var x Cell
		if err := rows.Scan(&x.Month, &x.InstitutionID, &x.County, &x.Class, &x.Catalogue, &x.Sector, &x.ClimateType, &x.Loans, &x.Balance,
			&x.NewLoans, &x.AttributedTCO2); err != nil {
			return nil, err
		}
		x.Green = x.Class != ""
		read[x.Month] = append(read[x.Month], x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.version == v {
		for m, cs := range read {
			c.byMonth[m] = cs
		}
	}
	c.mu.Unlock()
	for _, cs := range read {
		out = append(out, cs)
	}
	return out, nil
}
