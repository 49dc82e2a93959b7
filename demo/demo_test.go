package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"cifp"
	"cifp/audit"
	"cifp/auth"
	"cifp/internal/testutil"
	"cifp/org"
	"cifp/store"
)

var sys = cifp.WithActor(context.Background(), cifp.System)

// openLike opens another fresh database of the same dialect as db.
func openLike(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if db.Dialect == store.Postgres {
		return testutil.MustOpenPostgres(t)
	}
	return testutil.MustOpenDB(t)
}

// allOrgs reads every organisation back through the org service, by id.
func allOrgs(t *testing.T, db *store.DB) []org.Org {
	t.Helper()
	svc := org.NewService(db)
	var out []org.Org
	var after int64
	for {
		page, next, err := svc.List(sys, org.Filter{After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == 0 {
			return out
		}
		after = next
	}
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// identity is what must be the same for the same seed on any database.
func identity(orgs []org.Org) []string {
	out := make([]string, len(orgs))
	for i, o := range orgs {
		out[i] = strings.Join([]string{string(o.Kind), o.USCC, o.Name, o.Industry, o.Division, o.Address,
			o.LegalRep, o.Contact, o.Phone}, "|")
	}
	return out
}

func TestTablesKnown(t *testing.T) {
	known := func(what, code string) {
		t.Helper()
		if _, ok := org.IndustryByCode(code); !ok {
			t.Errorf("%s: industry %q is not in the platform's GB/T 4754 table", what, code)
		}
	}
	lishui := org.Counties("331100")
	if len(lishui) != 9 {
		t.Fatalf("org.Counties(331100) has %d counties, want 9", len(lishui))
	}
	seen := map[string]bool{}
	for _, c := range counties {
		if _, ok := org.DivisionByCode(c.code); !ok {
			t.Errorf("county %s is not a known division", c.code)
		}
		if seen[c.code] {
			t.Errorf("county %s listed twice", c.code)
		}
		seen[c.code] = true
		if c.weight <= 0 || len(c.industries) == 0 || len(c.towns) == 0 || len(c.prefixes) == 0 {
			t.Errorf("county %s: empty weight, industries, towns or prefixes", c.code)
		}
		for _, w := range c.industries {
			known("county "+c.code, w.industry)
			if w.weight <= 0 {
				t.Errorf("county %s: industry %s has weight %d", c.code, w.industry, w.weight)
			}
			if len(industryWords[w.industry]) == 0 {
				t.Errorf("county %s: industry %s has no trade words", c.code, w.industry)
			}
		}
	}
	for _, d := range lishui {
		if !seen[d.Code] {
			t.Errorf("Lishui county %s (%s) has no weighting table", d.Code, d.Name)
		}
	}
	for code := range industryWords {
		known("industryWords", code)
	}
	for code := range industryBrands {
		known("industryBrands", code)
	}
	for _, s := range showcase {
		known("showcase", s.industry)
		if !seen[s.county] {
			t.Errorf("showcase county %s unknown", s.county)
		}
	}
	for _, code := range highCarbon {
		known("highCarbon", code)
	}
	known("first enterprise", firstEnterpriseIndustry)
	for _, in := range institutions {
		known(in.name, in.industry)
		if err := org.ValidateDivision(in.division); err != nil {
			t.Errorf("%s: %v", in.name, err)
		}
	}
	// The tables as generate sees them lose nothing.
	tb := tables()
	if len(tb.counties) != 9 || len(tb.showcase) != len(showcase) {
		t.Errorf("tables: %d counties, %d showcase entries", len(tb.counties), len(tb.showcase))
	}
}

func TestChineseNumber(t *testing.T) {
	for n, want := range map[int]string{1: "一", 2: "二", 10: "十", 12: "十二", 20: "二十", 105: "一百零五",
		110: "一百一十", 1001: "一千零一", 10050: "一万零五十", 23456: "二万三千四百五十六"} {
		if got := chineseNumber(n); got != want {
			t.Errorf("chineseNumber(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestGenerateMax checks the largest demo without a database: every name and
// USCC unique, every organisation valid, and the same seed the same data.
func TestGenerateMax(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	d := generate(42, MaxEnterprises)
	if len(d.orgs) != len(institutions)+MaxEnterprises {
		t.Fatalf("%d organisations", len(d.orgs))
	}
	names := make(map[string]bool, len(d.orgs))
	usccs := make(map[string]bool, len(d.orgs))
	branches := 0
	for i := range d.orgs {
		o := d.orgs[i]
		if names[o.Name] {
			t.Fatalf("duplicate name %s", o.Name)
		}
		if usccs[o.USCC] {
			t.Fatalf("duplicate USCC %s", o.USCC)
		}
		names[o.Name], usccs[o.USCC] = true, true
		if strings.Contains(o.Name, "分公司") && o.Kind == org.KindEnterprise {
			branches++
		}
		if strings.ContainsAny(o.Name, "0123456789") {
			t.Errorf("name with digits: %s", o.Name)
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
		if !org.OrgCodeCheckOK(o.USCC) || o.USCC[2:8] != o.Division {
			t.Errorf("%s: USCC %s", o.Name, o.USCC)
		}
		if o.Kind == org.KindEnterprise && (len(o.Phone) != 11 || o.LegalRep == "" || o.Contact == "" || o.Address == "") {
			t.Errorf("%s: incomplete: %+v", o.Name, o)
		}
	}
	t.Logf("%d organisations, %d branch-suffixed names", len(d.orgs), branches)
	if !slices.Equal(identity(d.orgs), identity(generate(42, MaxEnterprises).orgs)) {
		t.Error("the same seed gave different data")
	}
}

func TestLoad(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background() // Load adds the system actor
		empty, err := Empty(ctx, db)
		if err != nil || !empty {
			t.Fatalf("Empty before load: %v, %v", empty, err)
		}
		const n = 200
		var calls [][2]int
		res, err := Load(ctx, db, Options{Seed: 7, Enterprises: n, Progress: func(done, total int) {
			calls = append(calls, [2]int{done, total})
		}})
		if err != nil {
			t.Fatal(err)
		}
		wantOrgs := len(institutions) + n
		if res.Orgs != wantOrgs || res.Users != len(users) || res.Enterprises != n {
			t.Errorf("result %+v, want %d orgs, %d users, %d enterprises", res, wantOrgs, len(users), n)
		}
		if got := count(t, db, "orgs"); got != wantOrgs {
			t.Errorf("orgs table has %d rows, want %d", got, wantOrgs)
		}
		if got := count(t, db, "users"); got != len(users) {
			t.Errorf("users table has %d rows, want %d", got, len(users))
		}
		if len(calls) == 0 || calls[len(calls)-1] != [2]int{n, n} {
			t.Errorf("progress calls %v, want the last to be {%d %d}", calls, n, n)
		}
		if empty, err := Empty(ctx, db); err != nil || empty {
			t.Errorf("Empty after load: %v, %v", empty, err)
		}

		// Every organisation valid, USCCs unique, and the stored data is
		// exactly what the generator makes for the seed.
		orgs := allOrgs(t, db)
		kinds := map[org.Kind]int{}
		usccs := map[string]bool{}
		for i := range orgs {
			o := orgs[i]
			if err := (&o).Validate(); err != nil {
				t.Errorf("%s: %v", o.Name, err)
			}
			if usccs[o.USCC] {
				t.Errorf("duplicate USCC %s", o.USCC)
			}
			usccs[o.USCC] = true
			kinds[o.Kind]++
		}
		if kinds[org.KindEnterprise] != n || kinds[org.KindPlatform] != 1 || kinds[org.KindAgency] != 6 ||
			kinds[org.KindBank] != 8 || kinds[org.KindInsurer] != 3 || kinds[org.KindVerifier] != 2 {
			t.Errorf("kinds %v", kinds)
		}
		if !slices.Equal(identity(orgs), identity(generate(7, n).orgs)) {
			t.Error("the stored organisations differ from the generated ones")
		}

		// Each demo login works and its role fits its organisation.
		roles := map[cifp.Role]bool{}
		for _, l := range res.Logins {
			roles[l.Role] = true
			var hash, kind, orgName string
			var role cifp.Role
			err := db.QueryRow(ctx, `SELECT u.password_hash, u.role, o.kind, o.name FROM users u JOIN orgs o ON o.id = u.org_id
				WHERE u.username = ?`, l.Username).Scan(&hash, &role, &kind, &orgName)
			if err != nil {
				t.Errorf("login %s: %v", l.Username, err)
				continue
			}
			if l.Password != Password || !auth.CheckPassword(hash, l.Password) {
				t.Errorf("login %s: the password does not match", l.Username)
			}
			if role != l.Role || !org.RoleFits(role, org.Kind(kind)) {
				t.Errorf("login %s: role %s in a %s organisation", l.Username, role, kind)
			}
			if orgName != l.Org {
				t.Errorf("login %s: org %q, listed as %q", l.Username, orgName, l.Org)
			}
		}
		for _, r := range cifp.Roles {
			if !roles[r] {
				t.Errorf("no login for role %s", r)
			}
		}
		if len(res.Logins) != len(cifp.Roles) {
			t.Errorf("%d logins, want one per role", len(res.Logins))
		}
		if res.Logins[3].Org != firstEnterpriseName {
			t.Errorf("the enterprise login belongs to %s", res.Logins[3].Org)
		}
		// Every user, not only the listed logins, fits its organisation.
		rows, err := db.Query(ctx, `SELECT u.username, u.role, o.kind FROM users u JOIN orgs o ON o.id = u.org_id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, role, kind string
			if err := rows.Scan(&name, &role, &kind); err != nil {
				t.Fatal(err)
			}
			if !org.RoleFits(cifp.Role(role), org.Kind(kind)) {
				t.Errorf("user %s: role %s in a %s organisation", name, role, kind)
			}
		}
		rows.Close()

		// One demo.load entry and one user.create per user; the chain holds.
		v, err := audit.Verify(ctx, db)
		if err != nil || !v.OK || v.Entries != int64(1+len(users)) {
			t.Errorf("audit verify: %+v, %v", v, err)
		}
		entries, err := audit.List(sys, db, audit.Filter{Entity: "demo", Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].Action != "demo.load" || entries[0].EntityID != "7" || entries[0].Actor != "system" {
			t.Errorf("demo.load entry: %+v, %v", entries, err)
		}

		// A second load is refused and writes nothing.
		auditRows := count(t, db, "audit_log")
		_, err = Load(ctx, db, Options{Seed: 8, Enterprises: n})
		if cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("second load: %v, want ECONFLICT", err)
		}
		if count(t, db, "orgs") != wantOrgs || count(t, db, "users") != len(users) || count(t, db, "audit_log") != auditRows {
			t.Error("the refused second load wrote something")
		}
	})
}

func TestLoadSameSeed(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		load := func(db *store.DB, seed int64) []string {
			t.Helper()
			if _, err := Load(ctx, db, Options{Seed: seed, Enterprises: 300}); err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range allOrgs(t, db) {
				out = append(out, o.USCC+"|"+o.Name+"|"+o.Industry+"|"+o.Division)
			}
			return out
		}
		a := load(db, 2026)
		b := load(openLike(t, db), 2026)
		c := load(openLike(t, db), 2027)
		if !slices.Equal(a, b) {
			t.Error("the same seed gave different organisations in two databases")
		}
		if slices.Equal(a, c) {
			t.Error("different seeds gave the same organisations")
		}
		diff := 0
		for i := range a {
			if a[i] != c[i] {
				diff++
			}
		}
		if diff < len(a)/2 {
			t.Errorf("seeds 2026 and 2027 differ in only %d of %d organisations", diff, len(a))
		}
	})
}

func TestLoadInvalid(t *testing.T) {
	db := testutil.MustOpenDB(t)
	for _, n := range []int{5, 9, 0, -1, 100_001} {
		_, err := Load(context.Background(), db, Options{Seed: 1, Enterprises: n})
		if cifp.ErrorCode(err) != cifp.EINVALID {
			t.Errorf("N=%d: %v, want EINVALID", n, err)
			continue
		}
		fs := cifp.ErrorFields(err)
		if len(fs) != 1 || fs[0].Field != "enterprises" || !strings.Contains(err.Error(), "enterprises") {
			t.Errorf("N=%d: %v does not name the field enterprises", n, err)
		}
	}
	if count(t, db, "orgs") != 0 || count(t, db, "audit_log") != 0 {
		t.Error("an invalid load wrote something")
	}
}

func TestLoadForbidden(t *testing.T) {
	db := testutil.MustOpenDB(t)
	ctx := cifp.WithActor(context.Background(), cifp.Actor{UserID: 3, OrgID: 2, Username: "x", Role: cifp.RoleRegulator})
	if _, err := Load(ctx, db, Options{Seed: 1, Enterprises: 10}); cifp.ErrorCode(err) != cifp.EFORBIDDEN {
		t.Errorf("regulator load: %v, want EFORBIDDEN", err)
	}
	// An admin user may load; the entry names the user.
	admin := cifp.WithActor(context.Background(), cifp.Actor{UserID: 0, Username: "ops", Role: cifp.RoleAdmin})
	if _, err := Load(admin, db, Options{Seed: 1, Enterprises: 10}); err != nil {
		t.Fatal(err)
	}
	if e, err := audit.List(sys, db, audit.Filter{Entity: "demo"}); err != nil || len(e) != 1 || e[0].Actor != "ops" {
		t.Errorf("demo.load entry %+v, %v", e, err)
	}
}

// TestLoadAllOrNothing stops a load half-way: nothing it wrote survives.
func TestLoadAllOrNothing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		_, err := Load(ctx, db, Options{Seed: 3, Enterprises: 3000, Progress: func(done, total int) {
			calls++
			if done >= 1000 {
				cancel()
			}
		}})
		if err == nil || !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "cancel") {
			t.Fatalf("cancelled load: %v", err)
		}
		if calls == 0 {
			t.Fatal("no progress before the cancel")
		}
		if empty, err := Empty(context.Background(), db); err != nil || !empty {
			t.Errorf("after a failed load Empty = %v, %v", empty, err)
		}
		if n := count(t, db, "audit_log") + count(t, db, "users"); n != 0 {
			t.Errorf("a failed load left %d audit entries and users", n)
		}
		if v, err := audit.Verify(context.Background(), db); err != nil || !v.OK {
			t.Errorf("audit after a failed load: %+v, %v", v, err)
		}
		// The database is still usable: a load now succeeds.
		if _, err := Load(context.Background(), db, Options{Seed: 3, Enterprises: 10}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLoadCountiesAndIndustries(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		const n = 2000
		prev := 0
		progress := func(done, total int) {
			if total != n || done <= prev || done-prev > 1000 || done > n {
				t.Errorf("progress(%d, %d) after %d", done, total, prev)
			}
			prev = done
		}
		if _, err := Load(context.Background(), db, Options{Seed: 11, Enterprises: n, Progress: progress}); err != nil {
			t.Fatal(err)
		}
		if prev != n {
			t.Errorf("the last progress call said %d of %d", prev, n)
		}
		byCounty := map[string]int{}
		byIndustry := map[string]int{}
		total := 0
		for _, o := range allOrgs(t, db) {
			if o.Kind != org.KindEnterprise {
				continue
			}
			total++
			byCounty[o.Division]++
			byIndustry[o.Industry]++
			if !strings.HasSuffix(o.Name, "有限公司") || utf8.RuneCountInString(o.Name) < 8 {
				t.Errorf("odd enterprise name %q", o.Name)
			}
		}
		if total != n {
			t.Errorf("%d enterprises, want %d", total, n)
		}
		for _, d := range org.Counties("331100") {
			if byCounty[d.Code] == 0 {
				t.Errorf("no enterprise in %s %s", d.Code, d.Name)
			}
		}
		if byCounty["331102"] <= byCounty["331127"] || byCounty["331122"] <= byCounty["331126"] {
			t.Errorf("county sizes are off: %v", byCounty)
		}
		for _, code := range highCarbon {
			if byIndustry[code] == 0 {
				in, _ := org.IndustryByCode(code)
				t.Errorf("no enterprise in high-carbon industry %s %s", code, in.Name)
			}
		}
		for _, code := range []string{"3443", "2459", "3074", "3324", "2431", "1530", "3972"} {
			if byIndustry[code] == 0 {
				t.Errorf("no enterprise in Lishui speciality %s", code)
			}
		}
		var sb strings.Builder
		for _, d := range org.Counties("331100") {
			fmt.Fprintf(&sb, " %s=%d", d.Name, byCounty[d.Code])
		}
		t.Logf("enterprises by county:%s", sb.String())
	})
}

// TestLoadConcurrent starts two loads at once: one wins, the other is ECONFLICT.
func TestLoadConcurrent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *store.DB) {
		errs := make(chan error, 2)
		for seed := range int64(2) {
			go func() {
				_, err := Load(context.Background(), db, Options{Seed: seed, Enterprises: 1000})
				errs <- err
			}()
		}
		e1, e2 := <-errs, <-errs
		if (e1 == nil) == (e2 == nil) {
			t.Fatalf("two concurrent loads: %v and %v, want one success", e1, e2)
		}
		if err := errors.Join(e1, e2); cifp.ErrorCode(err) != cifp.ECONFLICT {
			t.Errorf("the losing load: %v, want ECONFLICT", err)
		}
		if got := count(t, db, "orgs"); got != len(institutions)+1000 {
			t.Errorf("%d organisations after two concurrent loads", got)
		}
		if v, err := audit.Verify(context.Background(), db); err != nil || !v.OK || v.Entries != int64(1+len(users)) {
			t.Errorf("audit: %+v, %v", v, err)
		}
	})
}

// BenchmarkLoad10000 loads 10 000 enterprises into a fresh SQLite database.
func BenchmarkLoad10000(b *testing.B) {
	for range b.N {
		b.StopTimer()
		db := testutil.MustOpenDB(b)
		b.StartTimer()
		if _, err := Load(context.Background(), db, Options{Seed: int64(b.N), Enterprises: 10_000}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad100000 loads the largest demo into SQLite.
func BenchmarkLoad100000(b *testing.B) {
	for range b.N {
		b.StopTimer()
		db := testutil.MustOpenDB(b)
		b.StartTimer()
		if _, err := Load(context.Background(), db, Options{Seed: 1, Enterprises: MaxEnterprises}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadPostgres loads 10 000 and 100 000 enterprises into PostgreSQL
// (skipped unless CIFP_TEST_POSTGRES is set).
func BenchmarkLoadPostgres(b *testing.B) {
	for _, n := range []int{10_000, MaxEnterprises} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				db := testutil.MustOpenPostgres(b)
				b.StartTimer()
				if _, err := Load(context.Background(), db, Options{Seed: 1, Enterprises: n}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGenerate100000 measures the generator alone.
func BenchmarkGenerate100000(b *testing.B) {
	for range b.N {
		generate(1, MaxEnterprises)
	}
}
