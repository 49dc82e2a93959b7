package demo

import (
	"context"

	"cifp/store"
)

// Logins returns the demo logins whose users exist in the database, with
// their organisations' names: what `cifp serve --demo` prints when the demo
// data was loaded by an earlier start.
func Logins(ctx context.Context, db *store.DB) ([]Login, error) {
	var out []Login
	for _, u := range users {
		if !u.login {
			continue
		}
		var name string
		err := db.QueryRow(ctx, `SELECT o.name FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username = ? AND u.role = ?`,
			u.username, string(u.role)).Scan(&name)
		if err != nil {
			continue // removed or changed since the demo load
		}
		out = append(out, Login{Role: u.role, Username: u.username, Password: Password, Org: name})
	}
	return out, nil
}
