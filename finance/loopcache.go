package finance

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/singleflight"

	"cifp/store"
)

// loopCache keeps the financing loop's sums and largest rows (LoopSummary
// before the rows are read in full) for as long as the data they rest on
// keeps its versions: the loan book (loan_cells_version, raised with every
// change of project_loans), the carbon accounts and the projects' counties
// and expected reductions (data_versions). The cockpit's big screens ask
// for the same loop every minute; a read then costs one small query. One
// computation holds every county's sums (loopByCounty), so the nine counties
// cost one read, not nine.
type loopCache struct {
	mu      sync.Mutex
	version [3]int64
	sums    map[string]map[string]loopSums // by reader scope, year and limit: by county ("" the city)
	flight  singleflight.Group             // one computation of a key at a time: the others wait for it
}

// loopSums is a cached LoopSummary without its rows, and the rows' keys.
type loopSums struct {
	sum LoopSummary
	top []loopFinance
}

// loopCacheSize bounds the computations kept: one per reader scope, year
// and limit asked for; past it the cache starts again.
const loopCacheSize = 1024

// get returns the sums of key, computing them with compute unless they are
// held at the data's current versions. Sums computed after the versions
// were read may be newer than them, never older: a later change raises a
// version and empties the cache at the next read.
func (c *loopCache) get(ctx context.Context, db *store.DB, key string, compute func() (map[string]loopSums, error)) (map[string]loopSums, error) {
	var v [3]int64
	if err := db.QueryRow(ctx, `SELECT (SELECT version FROM loan_cells_version WHERE id = 1),
		(SELECT version FROM data_versions WHERE name = 'accounts'), (SELECT version FROM data_versions WHERE name = 'projects')`).Scan(&v[0], &v[1], &v[2]); err != nil {
		return nil, fmt.Errorf("loop: the data's versions: %w", err)
	}
	c.mu.Lock()
	if c.version != v || c.sums == nil || len(c.sums) >= loopCacheSize {
		c.version, c.sums = v, map[string]map[string]loopSums{}
	}
	s, ok := c.sums[key]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	r, err, _ := c.flight.Do(fmt.Sprint(v, key), func() (any, error) {
		s, err := compute()
		if err != nil {
			return s, err
		}
		c.mu.Lock()
		if c.version == v {
			c.sums[key] = s
		}
		c.mu.Unlock()
		return s, nil
	})
	sums, _ := r.(map[string]loopSums)
	return sums, err
}
