package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cifp"
	"cifp/auth"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

var admin = cifp.WithActor(context.Background(), cifp.Actor{Username: "system", Role: cifp.RoleAdmin})

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	if !auth.CheckPassword(h, "correct horse battery") || auth.CheckPassword(h, "correct horse batterY") {
		t.Fatal("CheckPassword is wrong")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", strings.Replace(h, "m=19456", "m=x", 1)} {
		if auth.CheckPassword(bad, "correct horse battery") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
	if err := auth.ValidatePassword("short"); cifp.ErrorCode(err) != cifp.EINVALID {
		t.Fatalf("short password: %v", err)
	}
}

func TestLimiter(t *testing.T) {
	l := auth.NewLimiter(3, time.Minute)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("ip"); !ok {
			t.Fatalf("refused after %d failures", i)
		}
		l.Fail("ip")
	}
	if ok, wait := l.Allow("ip"); ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("allowed after 3 failures (wait %v)", wait)
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("another key is refused")
	}
	l.Reset("ip")
	if ok, _ := l.Allow("ip"); !ok {
		t.Fatal("refused after reset")
	}
}

func setup(t *testing.T, db *store.DB) (*auth.Service, org.Org, org.Org) {
	t.Helper()
	orgs := org.NewService(db)
	mk := func(kind org.Kind, name, body string) org.Org {
		code, err := org.MakeUSCC('9', '1', "331102", body)
		if err != nil {
			t.Fatal(err)
		}
		o, err := orgs.Create(admin, org.Org{Kind: kind, Name: name, USCC: code, Industry: "3011", Division: "331102"})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	return auth.NewService(db, orgs), mk(org.KindEnterprise, "丽水水泥有限公司", "00000001"), mk(org.KindBank, "丽水某银行", "00000002")
}

func TestUsersAndSessions(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, ent, bank := setup(t, db)
		u, err := s.CreateUser(admin, auth.NewUser{OrgID: ent.ID, Username: "Energy.Manager", DisplayName: "王能源", Role: cifp.RoleEnterprise, Password: "lishui-2026!"})
		if err != nil || u.Username != "energy.manager" {
			t.Fatalf("create: %+v, %v", u, err)
		}

		t.Run("CreateValidates", func(t *testing.T) {
			_, err := s.CreateUser(admin, auth.NewUser{OrgID: bank.ID, Username: "x", Role: cifp.RoleEnterprise, Password: "short"})
			fields := map[string]bool{}
			for _, f := range cifp.ErrorFields(err) {
				fields[f.Field] = true
			}
			if !fields["username"] || !fields["password"] || !fields["role"] {
				t.Fatalf("err = %v", err)
			}
			_, err = s.CreateUser(admin, auth.NewUser{OrgID: ent.ID, Username: "energy.manager", Role: cifp.RoleEnterprise, Password: "lishui-2026!"})
			if cifp.ErrorCode(err) != cifp.ECONFLICT {
				t.Fatalf("duplicate: %v", err)
			}
			_, err = s.CreateUser(u.Actor().Context(ctx), auth.NewUser{OrgID: ent.ID, Username: "other", Role: cifp.RoleEnterprise, Password: "lishui-2026!"})
			if cifp.ErrorCode(err) != cifp.EFORBIDDEN {
				t.Fatalf("non-admin creates: %v", err)
			}
		})

		t.Run("Login", func(t *testing.T) {
			if _, err := s.Login(ctx, "energy.manager", "wrong-password", "127.0.0.1", "test"); cifp.ErrorCode(err) != cifp.EUNAUTHORIZED {
				t.Fatalf("wrong password: %v", err)
			}
			_, errUnknown := s.Login(ctx, "nobody", "wrong-password", "127.0.0.1", "test")
			if cifp.ErrorMessage(errUnknown) != "wrong username or password" {
				t.Fatalf("unknown user tells more: %v", errUnknown)
			}
			sess, err := s.Login(ctx, " ENERGY.manager ", "lishui-2026!", "127.0.0.1", "test")
			if err != nil || len(sess.Token) < 30 {
				t.Fatalf("login: %v", err)
			}
			got, err := s.SessionUser(ctx, sess.Token)
			if err != nil || got.ID != u.ID {
				t.Fatalf("session user: %+v, %v", got, err)
			}
			var stored int
			db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, sess.Token).Scan(&stored)
			if stored != 0 {
				t.Fatal("the session token is stored in clear")
			}
			if err := s.Logout(ctx, sess.Token); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SessionUser(ctx, sess.Token); cifp.ErrorCode(err) != cifp.EUNAUTHORIZED {
				t.Fatalf("after logout: %v", err)
			}
		})

		t.Run("PasswordReset", func(t *testing.T) {
			sess, _ := s.Login(ctx, "energy.manager", "lishui-2026!", "", "")
			if err := s.SetPassword(admin, "energy.manager", "new-password-1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SessionUser(ctx, sess.Token); err == nil {
				t.Fatal("a session survived the password reset")
			}
			if _, err := s.Login(ctx, "energy.manager", "new-password-1", "", ""); err != nil {
				t.Fatal(err)
			}
			other := cifp.WithActor(ctx, cifp.Actor{UserID: 99, OrgID: bank.ID, Username: "banker", Role: cifp.RoleFinance})
			if err := s.SetPassword(other, "energy.manager", "hijacked-pass"); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
				t.Fatalf("another user resets: %v", err)
			}
		})

		t.Run("APITokens", func(t *testing.T) {
			uctx := u.Actor().Context(ctx)
			secret, tok, err := s.CreateToken(uctx, "ERP 接口", 0)
			if err != nil || !strings.HasPrefix(secret, "cifp_") || !strings.HasPrefix(secret, tok.Prefix) {
				t.Fatalf("create: %q %+v %v", secret, tok, err)
			}
			got, err := s.TokenUser(ctx, secret)
			if err != nil || got.ID != u.ID {
				t.Fatalf("token user: %v", err)
			}
			if _, err := s.TokenUser(ctx, secret+"x"); cifp.ErrorCode(err) != cifp.EUNAUTHORIZED {
				t.Fatalf("wrong secret: %v", err)
			}
			other := cifp.WithActor(ctx, cifp.Actor{UserID: 99, OrgID: bank.ID, Username: "banker", Role: cifp.RoleFinance})
			if err := s.RevokeToken(other, tok.ID); cifp.ErrorCode(err) != cifp.ENOTFOUND {
				t.Fatalf("another user revokes: %v", err)
			}
			if err := s.RevokeToken(uctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.TokenUser(ctx, secret); cifp.ErrorCode(err) != cifp.EUNAUTHORIZED {
				t.Fatalf("revoked token works: %v", err)
			}
			list, err := s.ListTokens(uctx)
			if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
				t.Fatalf("list: %+v, %v", list, err)
			}
		})

		t.Run("UsersScoped", func(t *testing.T) {
			other := cifp.WithActor(ctx, cifp.Actor{UserID: 99, OrgID: bank.ID, Username: "banker", Role: cifp.RoleFinance})
			if _, err := s.GetUser(other, u.ID); cifp.ErrorCode(err) != cifp.ENOTFOUND {
				t.Fatalf("bank reads enterprise user: %v", err)
			}
			list, err := s.ListUsers(other, 0)
			if err != nil || len(list) != 0 {
				t.Fatalf("bank lists %d users, %v", len(list), err)
			}
		})
	})
}
