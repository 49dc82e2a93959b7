package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cifp"
	"cifp/audit"
	"cifp/org"
	"cifp/store"
)

// User is a person or system account that logs in.
type User struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        cifp.Role `json:"role"`
	Lang        string    `json:"lang"` // "zh" or "en"
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Actor returns the user as the actor of what it does.
func (u User) Actor() cifp.Actor {
	return cifp.Actor{UserID: u.ID, OrgID: u.OrgID, Username: u.Username, Role: u.Role}
}

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// Service manages users, sessions and API tokens.
type Service struct {
	db   *store.DB
	orgs *org.Service
}

// NewService returns a Service on db.
func NewService(db *store.DB, orgs *org.Service) *Service { return &Service{db: db, orgs: orgs} }

const userColumns = `id, org_id, username, display_name, role, lang, disabled, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.OrgID, &u.Username, &u.DisplayName, &u.Role, &u.Lang, &u.Disabled, &u.CreatedAt, &u.UpdatedAt)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,39}$`)

// NewUser is what CreateUser needs.
type NewUser struct {
	OrgID       int64     `json:"org_id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        cifp.Role `json:"role"`
	Password    string    `json:"password"`
	Lang        string    `json:"lang"`
}

// CreateUser validates and stores a user. Only admins may create users. The
// role must fit the organisation's kind; a taken username is ECONFLICT.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (User, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return User{}, err
	}
	if a.Role != cifp.RoleAdmin {
		return User{}, cifp.Errorf(cifp.EFORBIDDEN, "only an administrator may create users")
	}
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	if n.Lang == "" {
		n.Lang = "zh"
	}
	var fs []cifp.FieldError
	if !usernameRE.MatchString(n.Username) {
		fs = append(fs, cifp.FieldError{Field: "username", Value: n.Username,
			Message: "must be 3–40 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"})
	}
	if utf8.RuneCountInString(n.DisplayName) > 60 {
		fs = append(fs, cifp.FieldError{Field: "display_name", Message: "is longer than 60 characters"})
	}
	if !n.Role.Valid() {
		fs = append(fs, cifp.FieldError{Field: "role", Value: string(n.Role), Message: "must be one of admin, regulator, finance, enterprise, verifier, citizen"})
	}
	if n.Lang != "zh" && n.Lang != "en" {
		fs = append(fs, cifp.FieldError{Field: "lang", Value: n.Lang, Message: "must be zh or en"})
	}
	if err := ValidatePassword(n.Password); err != nil {
		fs = append(fs, cifp.ErrorFields(err)...)
	}
	o, err := s.orgs.Get(ctx, n.OrgID)
	if err != nil {
		fs = append(fs, cifp.FieldError{Field: "org_id", Value: itoa(n.OrgID), Message: "no such organisation"})
	} else if n.Role.Valid() && !org.RoleFits(n.Role, o.Kind) {
		fs = append(fs, cifp.FieldError{Field: "role", Value: string(n.Role),
			Message: "does not fit an organisation of kind " + string(o.Kind) + " (use " + string(o.Kind.Role()) + ")"})
	}
	if err := cifp.Invalid("the user has invalid fields", fs...); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = insertUser(ctx, tx, n, hash)
		return err
	})
	return u, err
}

func insertUser(ctx context.Context, tx *store.Tx, n NewUser, hash string) (User, error) {
	now := store.Now()
	u := User{OrgID: n.OrgID, Username: n.Username, DisplayName: n.DisplayName, Role: n.Role, Lang: n.Lang,
		CreatedAt: now, UpdatedAt: now}
	err := tx.QueryRow(ctx, `INSERT INTO users (org_id, username, display_name, role, password_hash, lang, disabled,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?) RETURNING id`,
		u.OrgID, u.Username, u.DisplayName, u.Role, hash, u.Lang, now, now).Scan(&u.ID)
	if err != nil {
		if err := store.MapError(err); cifp.ErrorCode(err) == cifp.ECONFLICT {
			return u, &cifp.Error{Code: cifp.ECONFLICT, Message: "the username is taken",
				Fields: []cifp.FieldError{{Field: "username", Value: u.Username, Message: "is taken"}}}
		}
		return u, store.MapError(err)
	}
	return u, audit.Record(ctx, tx, audit.Change{Action: "user.create", Entity: "user", EntityID: u.ID, OrgID: u.OrgID, After: u})
}

// CreateUserHashed stores a user whose password is already hashed, without
// the checks of CreateUser; the demo loader uses it to share one hash among
// its users. It runs in the caller's transaction.
func CreateUserHashed(ctx context.Context, tx *store.Tx, n NewUser, hash string) (User, error) {
	return insertUser(ctx, tx, n, hash)
}

// GetUser returns a user. Admins and regulators see every user; others only
// the users of their own organisation.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return User{}, err
	}
	q, args := `SELECT `+userColumns+` FROM users WHERE id = ?`, []any{id}
	if !a.Role.CityWide() {
		q += ` AND org_id = ?`
		args = append(args, a.OrgID)
	}
	u, err := scanUser(s.db.QueryRow(ctx, q, args...))
	if err == sql.ErrNoRows {
		return User{}, cifp.Errorf(cifp.ENOTFOUND, "user %d not found", id)
	}
	return u, err
}

// ListUsers returns users ordered by id: every user for admins and
// regulators, the organisation's own users for others; orgID > 0 narrows to
// one organisation.
func (s *Service) ListUsers(ctx context.Context, orgID int64) ([]User, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT `+userColumns+` FROM users WHERE 1 = 1`, []any{}
	if !a.Role.CityWide() {
		q += ` AND org_id = ?`
		args = append(args, a.OrgID)
	}
	if orgID > 0 {
		q += ` AND org_id = ?`
		args = append(args, orgID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY id LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword replaces a user's password and ends the user's sessions. An
// admin may reset anyone's; a user may change only their own.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return err
	}
	username = strings.ToLower(strings.TrimSpace(username))
	if a.Role != cifp.RoleAdmin && a.Username != username {
		return cifp.Errorf(cifp.EFORBIDDEN, "you may change only your own password")
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
		if err == sql.ErrNoRows {
			return cifp.Errorf(cifp.ENOTFOUND, "user %q not found", username)
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, store.Now(), u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "user.password_reset", Entity: "user", EntityID: u.ID, OrgID: u.OrgID,
			After: map[string]any{"username": u.Username, "sessions_ended": true}})
	})
}

// Session is a logged-in browser session. Token is the secret sent in the
// cookie; only its hash is stored.
type Session struct {
	Token   string
	User    User
	Expires time.Time
}

// errLogin is the one answer to every failed login, so that it does not tell
// which usernames exist.
var errLogin = cifp.Errorf(cifp.EUNAUTHORIZED, "wrong username or password")

// Login checks the password and starts a session. Every failure — unknown
// user, wrong password, disabled account — is the same EUNAUTHORIZED error.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (Session, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var hash string
	var u User
	row := s.db.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE username = ?`, username)
	err := row.Scan(&u.ID, &u.OrgID, &u.Username, &u.DisplayName, &u.Role, &u.Lang, &u.Disabled, &u.CreatedAt, &u.UpdatedAt, &hash)
	if err == sql.ErrNoRows {
		CheckPassword(dummyHash, password) // spend the same time as for a real user
		return Session{}, errLogin
	} else if err != nil {
		return Session{}, err
	}
	if !CheckPassword(hash, password) || u.Disabled {
		return Session{}, errLogin
	}
	token, tokenHash := newSecret("")
	sess := Session{Token: token, User: u, Expires: store.Now().Add(SessionTTL)}
	actx := cifp.WithActor(ctx, u.Actor())
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, store.Now()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?)`, tokenHash, u.ID, store.Now(), sess.Expires, ip, truncate(userAgent, 200)); err != nil {
			return err
		}
		return audit.Record(actx, tx, audit.Change{Action: "user.login", Entity: "user", EntityID: u.ID, OrgID: u.OrgID,
			After: map[string]any{"ip": ip}})
	})
	return sess, err
}

var dummyHash, _ = HashPassword("not a real password")

// SessionUser returns the user of a live session token, or EUNAUTHORIZED.
func (s *Service) SessionUser(ctx context.Context, token string) (User, error) {
	if token == "" {
		return User{}, cifp.Errorf(cifp.EUNAUTHORIZED, "not logged in")
	}
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT u.id, u.org_id, u.username, u.display_name, u.role, u.lang, u.disabled,
		u.created_at, u.updated_at FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND NOT u.disabled`, hashSecret(token), store.Now()))
	if err == sql.ErrNoRows {
		return User{}, cifp.Errorf(cifp.EUNAUTHORIZED, "the session has ended: log in again")
	}
	return u, err
}

// Logout ends the session. Ending an unknown session is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashSecret(token))
	return err
}

// APIToken is a token for system integrations; the secret is never stored.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the secret's first characters, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// TokenPrefix starts every API token secret, so that leaked ones are easy to spot.
const TokenPrefix = "cifp_"

// CreateToken makes an API token that acts as the calling user, valid for ttl
// (0: until revoked). The secret is returned once and stored only hashed.
func (s *Service) CreateToken(ctx context.Context, name string, ttl time.Duration) (string, APIToken, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return "", APIToken{}, err
	}
	if a.IsSystem() {
		return "", APIToken{}, cifp.Errorf(cifp.EINVALID, "a token must belong to a user")
	}
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 60 {
		return "", APIToken{}, cifp.Invalid("the token has invalid fields", cifp.FieldError{Field: "name", Message: "is required, at most 60 characters"})
	}
	if ttl < 0 {
		return "", APIToken{}, cifp.Invalid("the token has invalid fields", cifp.FieldError{Field: "ttl", Message: "must not be negative"})
	}
	secret, hash := newSecret(TokenPrefix)
	t := APIToken{UserID: a.UserID, Name: name, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: store.Now()}
	if ttl > 0 {
		exp := t.CreatedAt.Add(ttl)
		t.ExpiresAt = &exp
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, t.UserID, t.Name, t.Prefix, hash, t.CreatedAt, t.ExpiresAt).Scan(&t.ID); err != nil {
			return store.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "token.create", Entity: "api_token", EntityID: t.ID, OrgID: a.OrgID, After: t})
	})
	return secret, t, err
}

// TokenUser returns the user of a live API token secret, or EUNAUTHORIZED.
func (s *Service) TokenUser(ctx context.Context, secret string) (User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return User{}, cifp.Errorf(cifp.EUNAUTHORIZED, "invalid API token")
	}
	now := store.Now()
	hash := hashSecret(secret)
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT u.id, u.org_id, u.username, u.display_name, u.role, u.lang, u.disabled,
		u.created_at, u.updated_at FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) AND NOT u.disabled`, hash, now))
	if err == sql.ErrNoRows {
		return User{}, cifp.Errorf(cifp.EUNAUTHORIZED, "invalid, expired or revoked API token")
	} else if err != nil {
		return User{}, err
	}
	// Record use at most once a minute, to keep the write load of busy integrations low.
	_, err = s.db.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		now, hash, now.Add(-time.Minute))
	return u, err
}

// ListTokens returns the calling user's tokens, newest first.
func (s *Service) ListTokens(ctx context.Context) ([]APIToken, error) {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, a.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var exp, used, rev sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &exp, &used, &rev); err != nil {
			return nil, err
		}
		t.ExpiresAt, t.LastUsedAt, t.RevokedAt = timePtr(exp), timePtr(used), timePtr(rev)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of the calling user's tokens; another user's token
// is ENOTFOUND.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	a, err := cifp.MustActor(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`,
			store.Now(), id, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cifp.Errorf(cifp.ENOTFOUND, "API token %d not found", id)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "token.revoke", Entity: "api_token", EntityID: id, OrgID: a.OrgID})
	})
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// newSecret returns a random secret (160 bits, base32) and its stored hash.
func newSecret(prefix string) (secret, hash string) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	secret = prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return secret, hashSecret(secret)
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
