// Package audit keeps the append-only, hash-chained audit log (审计日志) of
// every state change that matters: who did it, when, what, and the values
// before and after.
//
// Each entry's hash is SHA-256 over the previous entry's hash and the entry's
// own fields, so editing or deleting a row breaks the chain from that row on;
// the chain's tip is also kept in audit_head, so deleting the newest entries
// is detected as well. Verify walks the chain and names the first broken link.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"cifp"
	"cifp/store"
)

// Entry is one audit-log row.
type Entry struct {
	Seq         int64           `json:"seq"`
	At          time.Time       `json:"at"`
	ActorUserID int64           `json:"actor_user_id,omitempty"` // 0 for the system
	ActorOrgID  int64           `json:"actor_org_id,omitempty"`
	Actor       string          `json:"actor"` // username, or "system"
	Action      string          `json:"action"`
	Entity      string          `json:"entity"`
	EntityID    string          `json:"entity_id"`
	OrgID       int64           `json:"org_id,omitempty"` // the tenant the entity belongs to, 0 for none
	Before      json.RawMessage `json:"before"`
	After       json.RawMessage `json:"after"`
	PrevHash    string          `json:"prev_hash"`
	Hash        string          `json:"hash"`
}

// Change describes a state change to record. Before and After are marshalled
// to JSON; nil becomes null (nothing before a creation, nothing after a deletion).
type Change struct {
	Action   string // e.g. "org.create", "user.password_reset"
	Entity   string // e.g. "org", "user"
	EntityID any    // formatted with %v
	OrgID    int64  // tenant of the entity, 0 if none
	Before   any
	After    any
}

// Record appends the change to the log inside tx, as the actor in ctx. It
// must run in the transaction that makes the change, so that the change and
// its record commit or roll back together. Appends are serialised by the
// lock on audit_head's single row.
func Record(ctx context.Context, tx *store.Tx, c Change) error {
	actor, ok := cifp.ActorFrom(ctx)
	if !ok {
		return fmt.Errorf("audit %s: no actor in context", c.Action)
	}
	before, err := marshal(c.Before)
	if err != nil {
		return fmt.Errorf("audit %s: before: %w", c.Action, err)
	}
	after, err := marshal(c.After)
	if err != nil {
		return fmt.Errorf("audit %s: after: %w", c.Action, err)
	}
	e := Entry{
		At:          store.Now(),
		ActorUserID: actor.UserID,
		ActorOrgID:  actor.OrgID,
		Actor:       actor.Username,
		Action:      c.Action,
		Entity:      c.Entity,
		EntityID:    fmt.Sprint(c.EntityID),
		OrgID:       c.OrgID,
		Before:      before,
		After:       after,
	}
	if err := tx.QueryRow(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).
		Scan(&e.Seq, &e.PrevHash); err != nil {
		return fmt.Errorf("audit %s: head: %w", c.Action, err)
	}
	e.Hash = e.ComputeHash()
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor_user_id, actor_org_id, actor, action,
		entity, entity_id, org_id, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, nullID(e.ActorUserID), nullID(e.ActorOrgID), e.Actor, e.Action, e.Entity, e.EntityID,
		nullID(e.OrgID), string(e.Before), string(e.After), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit %s: %w", c.Action, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("audit %s: head: %w", c.Action, err)
	}
	return nil
}

func marshal(v any) (json.RawMessage, error) {
	if raw, ok := v.(json.RawMessage); ok && raw != nil {
		return raw, nil
	}
	return json.Marshal(v)
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// ComputeHash returns the entry's hash: hex SHA-256 of a JSON array of the
// previous hash and every field but Hash, with At in UTC to the microsecond.
func (e Entry) ComputeHash() string {
	b, err := json.Marshal([]any{
		e.PrevHash, e.Seq, e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		e.ActorUserID, e.ActorOrgID, e.Actor, e.Action, e.Entity, e.EntityID, e.OrgID,
		string(e.Before), string(e.After),
	})
	if err != nil {
		panic(err) // strings and integers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

const columns = `seq, at, COALESCE(actor_user_id, 0), COALESCE(actor_org_id, 0), actor, action, entity,
	entity_id, COALESCE(org_id, 0), before_json, after_json, prev_hash, hash`

func scan(rows *sql.Rows) (Entry, error) {
	var e Entry
	var before, after string
	err := rows.Scan(&e.Seq, &e.At, &e.ActorUserID, &e.ActorOrgID, &e.Actor, &e.Action, &e.Entity,
		&e.EntityID, &e.OrgID, &before, &after, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	e.Before, e.After = json.RawMessage(before), json.RawMessage(after)
	return e, err
}

// Result is the outcome of Verify.
type Result struct {
	Entries   int64  `json:"entries"`          // entries checked
	OK        bool   `json:"ok"`               // the whole chain holds
	BrokenSeq int64  `json:"broken_seq"`       // the first entry that does not hold, 0 if OK
	Reason    string `json:"reason,omitempty"` // why it does not hold
}

// Verify walks the whole chain in order and reports the first broken link: a
// gap in the sequence (a deleted entry), a prev_hash that is not the previous
// entry's hash, a hash that does not match the entry's fields (an edited
// entry), or a tip that does not match audit_head (deleted newest entries).
// The error is for failures to read, not for a broken chain.
func Verify(ctx context.Context, db *store.DB) (Result, error) {
	var res Result
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	var prevSeq int64
	var prevHash string
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return res, err
		}
		res.Entries++
		if broken := check(e, prevSeq, prevHash); broken != "" {
			res.BrokenSeq, res.Reason = e.Seq, broken
			if e.Seq > prevSeq+1 {
				res.BrokenSeq = prevSeq + 1 // the deleted entry
			}
			return res, nil
		}
		prevSeq, prevHash = e.Seq, e.Hash
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	var headSeq int64
	var headHash string
	if err := db.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return res, fmt.Errorf("audit head: %w", err)
	}
	if headSeq != prevSeq || headHash != prevHash {
		res.BrokenSeq = prevSeq + 1
		res.Reason = fmt.Sprintf("the log ends at entry %d but the chain's tip is entry %d: newer entries were deleted", prevSeq, headSeq)
		return res, nil
	}
	res.OK = true
	return res, nil
}

func check(e Entry, prevSeq int64, prevHash string) string {
	switch {
	case e.Seq != prevSeq+1:
		return fmt.Sprintf("entry %d is missing (deleted): the log goes from %d to %d", prevSeq+1, prevSeq, e.Seq)
	case e.PrevHash != prevHash:
		return fmt.Sprintf("entry %d does not link to entry %d: prev_hash %.12s…, want %.12s…", e.Seq, prevSeq, e.PrevHash, prevHash)
	case e.ComputeHash() != e.Hash:
		return fmt.Sprintf("entry %d was altered: its fields do not match its hash", e.Seq)
	}
	return ""
}

// Filter selects entries for List. Zero values select everything.
type Filter struct {
	Entity   string
	EntityID string
	Before   int64 // entries with seq below this; 0 for the newest
	Limit    int   // default 50, at most 500
}

// List returns entries newest first. Admins and regulators see every entry;
// every other actor only entries about its own organisation.
func List(ctx context.Context, db *store.DB, f Filter) ([]Entry, error) {
	actor, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + columns + ` FROM audit_log WHERE 1 = 1`
	var args []any
	if !actor.Role.CityWide() {
		q += ` AND org_id = ?`
		args = append(args, actor.OrgID)
	}
	if f.Entity != "" {
		q += ` AND entity = ?`
		args = append(args, f.Entity)
	}
	if f.EntityID != "" {
		q += ` AND entity_id = ?`
		args = append(args, f.EntityID)
	}
	if f.Before > 0 {
		q += ` AND seq < ?`
		args = append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, f.Limit)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Page returns one page of List and the cursor of the next (the seq to pass
// as Filter.Before), 0 on the last page.
func Page(ctx context.Context, db *store.DB, f Filter) ([]Entry, int64, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	limit := f.Limit
	f.Limit++
	if f.Limit > 500 { // List's own bound: fetch what it allows
		f.Limit = 500
	}
	es, err := List(ctx, db, f)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(es) > limit {
		es = es[:limit]
		next = es[limit-1].Seq
	}
	return es, next, nil
}
