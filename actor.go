package cifp

import "context"

// Role is what a user may do on the platform (角色).
type Role string

// The roles. Each user has exactly one and belongs to exactly one organisation.
const (
	RoleAdmin      Role = "admin"      // platform operator (平台管理员): users, reference data
	RoleRegulator  Role = "regulator"  // government supervisor (监管部门): reads the whole city
	RoleFinance    Role = "finance"    // financial institution (金融机构): bank or insurer, own data only
	RoleEnterprise Role = "enterprise" // enterprise (企业): own data only
	RoleVerifier   Role = "verifier"   // third-party verifier (第三方核查机构): assigned work only
	RoleCitizen    Role = "citizen"    // carbon-inclusive participant (碳普惠用户): own points only
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleRegulator, RoleFinance, RoleEnterprise, RoleVerifier, RoleCitizen}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// CityWide reports whether the role reads every tenant's rows across the city
// (admin and regulator). Every other role is scoped to its own organisation.
func (r Role) CityWide() bool { return r == RoleAdmin || r == RoleRegulator }

// Actor is who performs an action: the logged-in user or API token, or the
// system itself (UserID 0) for migrations, demo loads and CLI work.
type Actor struct {
	UserID   int64
	OrgID    int64
	Username string
	Role     Role
}

// System is the actor of work the platform does on its own behalf (CLI, demo
// load). It has the admin role.
var System = Actor{Username: "system", Role: RoleAdmin}

// IsSystem reports whether a is the platform itself rather than a user.
func (a Actor) IsSystem() bool { return a.UserID == 0 }

type actorKey struct{}

// WithActor returns a context that carries the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx and whether there is one. Services refuse
// to read or write tenant rows for a context without an actor.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// MustActor returns the actor in ctx, or an EUNAUTHORIZED error when there is none.
func MustActor(ctx context.Context) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, Errorf(EUNAUTHORIZED, "not logged in")
	}
	return a, nil
}

// Context returns ctx carrying the actor.
func (a Actor) Context(ctx context.Context) context.Context { return WithActor(ctx, a) }
