package project

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"cifp"
	"cifp/store"
)

type sqlNullFloat = sql.NullFloat64

// Notification is an in-app message (站内通知) to a user.
type Notification struct {
	ID        int64      `json:"id"`
	ProjectID int64      `json:"project_id,omitempty"`
	Kind      string     `json:"kind"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

func (s *Service) notify(ctx context.Context, tx *store.Tx, users []int64, projectID int64, kind, msg string) error {
	now := s.now()
	for _, u := range users {
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, project_id, kind, message, created_at) VALUES (?, ?, ?, ?, ?)`,
			u, nullID(projectID), kind, msg, now); err != nil {
			return err
		}
	}
	return nil
}

// Notifications returns the actor's latest notifications and how many are unread.
func (s *Service) Notifications(ctx context.Context, limit int) ([]Notification, int, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	var unread int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, a.UserID).Scan(&unread); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, COALESCE(project_id, 0), kind, message, created_at, read_at FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT ?`, a.UserID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.ProjectID, &n.Kind, &n.Message, &n.CreatedAt, &read); err != nil {
			return nil, 0, err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		if read.Valid {
			t := read.Time.UTC()
			n.ReadAt = &t
		}
		out = append(out, n)
	}
	return out, unread, rows.Err()
}

// MarkRead marks the actor's notifications read: one, or all with id 0.
func (s *Service) MarkRead(ctx context.Context, id int64) error {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return err
	}
	q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, []any{s.now(), a.UserID}
	if id != 0 {
		q += ` AND id = ?`
		args = append(args, id)
	}
	_, err = s.db.Exec(ctx, q, args...)
	return err
}

func jsonUnmarshal(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}
