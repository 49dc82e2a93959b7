package project

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"cifp"
	"cifp/audit"
	"cifp/store"
)

// MaxFileSize is the largest attachment accepted: 10 MiB.
const MaxFileSize = 10 << 20

// File is an attachment (附件) of a project.
type File struct {
	ID          int64     `json:"id"`
	ProjectID   int64     `json:"project_id"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// allowedTypes are the attachment types by detected content.
var allowedTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true}

// Attach adds a document to a draft or returned project of the actor's
// enterprise. The type is detected from the content (PDF, PNG or JPEG),
// never taken from the name; the content is kept with its SHA-256.
func (s *Service) Attach(ctx context.Context, projectID int64, kind, name string, content []byte) (File, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return File{}, err
	}
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	var errs []cifp.FieldError
	if _, ok := s.Taxonomy.Document(kind); !ok {
		errs = append(errs, cifp.FieldError{Field: "kind", Value: kind, Message: "is not a document kind (feasibility, approval, eia, energy_review, land, other)"})
	}
	if name == "" || name == "." || utf8.RuneCountInString(name) > 200 {
		errs = append(errs, cifp.FieldError{Field: "file", Value: name, Message: "needs a file name of at most 200 characters"})
	}
	ctype := http.DetectContentType(content)
	switch {
	case len(content) == 0:
		errs = append(errs, cifp.FieldError{Field: "file", Value: name, Message: "is empty"})
	case len(content) > MaxFileSize:
		errs = append(errs, cifp.FieldError{Field: "file", Value: name, Message: fmt.Sprintf("is %.1f MiB, more than the %d MiB allowed", float64(len(content))/(1<<20), MaxFileSize>>20)})
	case !allowedTypes[ctype]:
		errs = append(errs, cifp.FieldError{Field: "file", Value: name, Message: fmt.Sprintf("is %s: only PDF, PNG and JPEG files are accepted", ctype)})
	}
	if err := cifp.Invalid("the attachment is not accepted", errs...); err != nil {
		if len(content) > MaxFileSize {
			err.(*cifp.Error).Code = cifp.ETOOLARGE
		}
		return File{}, err
	}
	sum := sha256.Sum256(content)
	f := File{ProjectID: projectID, Kind: kind, Name: name, ContentType: ctype, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: s.now()}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := s.get(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if a.Role != cifp.RoleEnterprise || a.OrgID != p.OrgID {
			return cifp.Errorf(cifp.EFORBIDDEN, "only the owner attaches documents")
		}
		if p.Status != StatusDraft && p.Status != StatusReturned {
			return cifp.Errorf(cifp.ECONFLICT, "a project that is %s takes no new documents", p.Status)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO project_files (project_id, kind, name, content_type, size, sha256, content, uploaded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, projectID, kind, name, ctype, f.Size, f.SHA256, content, a.UserID, f.CreatedAt).Scan(&f.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "project.attach", Entity: "project_file", EntityID: f.ID, OrgID: p.OrgID, After: f})
	})
	return f, err
}

// Files lists a project's attachments.
func (s *Service) Files(ctx context.Context, projectID int64) ([]File, error) {
	if _, err := s.Get(ctx, projectID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, project_id, kind, name, content_type, size, sha256, created_at FROM project_files WHERE project_id = ? ORDER BY id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.ProjectID, &f.Kind, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt); err != nil {
			return nil, err
		}
		f.CreatedAt = f.CreatedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// Open returns an attachment and its content, for those who may see the project.
func (s *Service) Open(ctx context.Context, projectID, fileID int64) (File, []byte, error) {
	if _, err := s.Get(ctx, projectID); err != nil {
		return File{}, nil, err
	}
	var f File
	var content []byte
	err := s.db.QueryRow(ctx, `SELECT id, project_id, kind, name, content_type, size, sha256, created_at, content FROM project_files WHERE id = ? AND project_id = ?`,
		fileID, projectID).Scan(&f.ID, &f.ProjectID, &f.Kind, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt, &content)
	if err == sql.ErrNoRows {
		return File{}, nil, cifp.Errorf(cifp.ENOTFOUND, "attachment %d of project %d not found", fileID, projectID)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return f, content, err
}

// Reviews lists a project's reviews: all of them for the library team and
// the owner once decided; a reviewer sees its own until the decision.
func (s *Service) Reviews(ctx context.Context, projectID int64) ([]Review, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Get(ctx, projectID)
	if err != nil {
		return nil, err
	}
	q := `SELECT r.id, r.project_id, r.reviewer_id, u.username, o.name, r.assigned_at, r.scores, r.total, r.recommendation, r.comment, r.submitted_at
		FROM project_reviews r JOIN users u ON u.id = r.reviewer_id JOIN orgs o ON o.id = r.reviewer_org_id WHERE r.project_id = ?`
	args := []any{projectID}
	team := a.Role == cifp.RoleAdmin || a.Role == cifp.RoleRegulator
	decided := p.Status != StatusScreened && p.Status != StatusReview && p.Status != StatusSubmitted
	switch {
	case team:
	case a.Role == cifp.RoleEnterprise && decided:
	default:
		q += ` AND r.reviewer_id = ?`
		args = append(args, a.UserID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		var scores string
		var total sql.NullFloat64
		var sub sql.NullTime
		if err := rows.Scan(&r.ID, &r.ProjectID, &r.ReviewerID, &r.Reviewer, &r.ReviewerOrg, &r.AssignedAt, &scores, &total, &r.Recommendation, &r.Comment, &sub); err != nil {
			return nil, err
		}
		if err := jsonUnmarshal(scores, &r.Scores); err != nil {
			return nil, err
		}
		r.Total, r.AssignedAt = ptr(total), r.AssignedAt.UTC()
		if sub.Valid {
			t := sub.Time.UTC()
			r.SubmittedAt = &t
		}
		if a.Role == cifp.RoleEnterprise { // the owner reads the judgement, not who gave it
			r.Reviewer, r.ReviewerID, r.ReviewerOrg = fmt.Sprintf("专家 %d", len(out)+1), 0, ""
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Assignments lists the projects the actor is asked to review, pending first.
func (s *Service) Assignments(ctx context.Context) ([]Project, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+projectColumns+projectFrom+` JOIN project_reviews r ON r.project_id = p.id
		WHERE r.reviewer_id = ? ORDER BY r.submitted_at IS NOT NULL, r.assigned_at DESC LIMIT 500`, a.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Reviewer is a user who may be named an expert reviewer.
type Reviewer struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Org      string `json:"org"`
	OrgID    int64  `json:"org_id"`
	Role     string `json:"role"`
}

// Experts lists the users who may review the project (not from its owner).
func (s *Service) Experts(ctx context.Context, projectID int64) ([]Reviewer, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != cifp.RoleAdmin && a.Role != cifp.RoleRegulator {
		return nil, cifp.Errorf(cifp.EFORBIDDEN, "only the library team assigns reviewers")
	}
	p, err := s.Get(ctx, projectID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT u.id, u.username, u.display_name, o.name, o.id, u.role FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.role IN ('regulator', 'finance', 'verifier') AND NOT u.disabled AND u.org_id <> ?
		AND u.id NOT IN (SELECT reviewer_id FROM project_reviews WHERE project_id = ?) ORDER BY u.role, u.username LIMIT 500`, p.OrgID, p.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reviewer
	for rows.Next() {
		var r Reviewer
		if err := rows.Scan(&r.ID, &r.Username, &r.Name, &r.Org, &r.OrgID, &r.Role); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Recommend sets or clears the flag recommending an admitted project to the
// national climate project library (推荐进入国家库).
func (s *Service) Recommend(ctx context.Context, id int64, on bool, comment string) (Project, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return Project{}, err
	}
	if a.Role != cifp.RoleAdmin && a.Role != cifp.RoleRegulator {
		return Project{}, cifp.Errorf(cifp.EFORBIDDEN, "only the library team recommends projects to the national library")
	}
	var out Project
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if on && !InLibrary(p.Status) {
			return cifp.Errorf(cifp.ECONFLICT, "only a project in the library is recommended; %s is %s", p.Code, p.Status)
		}
		if _, err := tx.Exec(ctx, `UPDATE projects SET recommended = ?, updated_at = ?, version = version + 1 WHERE id = ?`, on, s.now(), id); err != nil {
			return err
		}
		action := map[bool]string{true: "recommend", false: "unrecommend"}[on]
		if err := s.event(ctx, tx, a, id, action, p.Status, p.Status, strings.TrimSpace(comment), nil); err != nil {
			return err
		}
		if out, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "project." + action, Entity: "project", EntityID: id, OrgID: p.OrgID,
			Before: map[string]any{"recommended": p.Recommended}, After: map[string]any{"recommended": on, "comment": comment}})
	})
	return out, err
}
