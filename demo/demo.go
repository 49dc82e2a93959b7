// Package demo loads a realistic synthetic Lishui (丽水) into an empty
// database, for demonstrations and benchmarks: the platform operator, the
// city's financial-supervision agencies, banks and insurers under their real
// names, synthetic verifiers, N synthetic enterprises across the nine
// counties in the industries Lishui has, and one demo user per role.
//
// The data is deterministic: the same seed gives the same organisations
// (names, USCCs, industries, divisions, addresses, people and phones) on any
// database; only timestamps and the password hashes differ.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/audit"
	"cifp/auth"
	"cifp/org"
	"cifp/store"
)

// Password is the one password of every demo user.
const Password = "Lishui@2026"

// The bounds of Options.Enterprises.
const (
	MinEnterprises = 10
	MaxEnterprises = 100_000
)

// batchRows is how many organisations one INSERT statement writes: 500 rows
// of 11 values stay far below SQLite's 32766 and PostgreSQL's 65535
// parameters per statement.
const batchRows = 500

// pcgStream is the second PCG seed word ("lishui").
const pcgStream = 0x6c6973687569

// Options for Load.
type Options struct {
	Seed        int64
	Enterprises int // 10..100000
	// ActivityYears are the years of monthly activity data (WriteActivity)
	// to import for every enterprise once the organisations are committed,
	// and to compute the carbon accounts of; nil for none. A year that has
	// not ended yet gets the months up to the last whole one.
	ActivityYears []int
	// Finance loads the banks' products and thirteen month-ends of loan
	// books (after the projects, so that some loans finance them), the
	// insurer's policies and a financing need of the first enterprise.
	Finance bool
	// Loans is how many loans the banks' books hold between them (each in
	// every month-end it is outstanding); 0 for one an enterprise.
	Loans int
	// Projects is how many climate projects to put in the project library,
	// bulk-imported for random enterprises; when above zero the first
	// enterprise also gets a draft and a project under expert review.
	Projects int
	// Progress, when not nil, is called as enterprises are written, after
	// every batch of at most 500 and at the end (done == total). It runs
	// inside the load's transaction and must be quick.
	Progress func(done, total int)
	// ActivityProgress, when not nil, follows the activity data: stage
	// "activity" as enterprises' rows are generated and read (done of total
	// enterprises), "store" while the rows are written (0 of rows, then rows
	// of rows), "accounts" while the accounts are computed (0 of total
	// enterprises, then the accounts computed).
	ActivityProgress func(stage string, done, total int)
}

// Login is one demo login to print for the user.
type Login struct {
	Role     cifp.Role
	Username string
	Password string
	Org      string // the organisation's name
}

// Result counts what Load wrote and lists one login per role.
type Result struct {
	Orgs, Users, Enterprises int
	ActivityRows             int // activity figures imported
	Accounts                 int // annual carbon accounts computed
	Projects                 int // climate projects in the library and the first enterprise's own
	Loans                    int // loan-book rows of the banks' month-end submissions
	Needs                    int // financing needs
	Warnings                 int // early warnings the banks' lists recorded
	Logins                   []Login
}

// demoUser is one user Load creates.
type demoUser struct {
	username, display string
	role              cifp.Role
	org               string // institution key, or "enterprise" for the first enterprise
	login             bool   // listed in Result.Logins
}

// users are the demo users. Those with login set are listed in
// Result.Logins, in this order (cifp.Roles order).
var users = []demoUser{
	{"admin", "平台管理员", cifp.RoleAdmin, "platform", true},
	{"regulator", "金融办监管员", cifp.RoleRegulator, "jrb", true},
	{"pbc", "人民银行监管员", cifp.RoleRegulator, "pbc", false},
	{"bank", "农业银行客户经理", cifp.RoleFinance, "abc", true},
	{"insurer", "人保财险客户经理", cifp.RoleFinance, "picc", false},
	{"enterprise", "企业填报员", cifp.RoleEnterprise, "enterprise", true},
	{"verifier", "核查员", cifp.RoleVerifier, "verifier", true},
	{"citizen", "碳普惠用户", cifp.RoleCitizen, "platform", true},
}

// errNotEmpty is Load's answer for a database that has organisations.
func errNotEmpty() error {
	return cifp.Errorf(cifp.ECONFLICT,
		"the database already has organisations: demo data loads only into an empty database")
}

// Empty reports whether the database has no organisations yet.
func Empty(ctx context.Context, db *store.DB) (bool, error) {
	return emptyQ(ctx, db)
}

func emptyQ(ctx context.Context, q store.Queryer) (bool, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM orgs LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	} else if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	return false, nil
}

// Load writes the demo data into an empty database, all in one transaction,
// as the actor in ctx (cifp.System when there is none; another actor must be
// an admin). It refuses with ECONFLICT when the database has organisations,
// and with EINVALID when o.Enterprises is outside 10..100000 or
// o.ActivityYears has a year that has not begun.
//
// With o.ActivityYears it then imports the activity data of WriteActivity
// through the carbon service, as one batch, and recomputes the accounts of
// those years. The organisations stay when that fails: the error says so.
func Load(ctx context.Context, db *store.DB, o Options) (Result, error) {
	if o.Enterprises < MinEnterprises || o.Enterprises > MaxEnterprises {
		msg := fmt.Sprintf("must be between %d and %d", MinEnterprises, MaxEnterprises)
		return Result{}, cifp.Invalid("invalid demo options: the number of enterprises "+msg,
			cifp.FieldError{Field: "enterprises", Value: strconv.Itoa(o.Enterprises), Message: msg})
	}
	if _, _, err := activityOptions(o, time.Now()); err != nil {
		return Result{}, err
	}
	if a, ok := cifp.ActorFrom(ctx); !ok {
		ctx = cifp.WithActor(ctx, cifp.System)
	} else if a.Role != cifp.RoleAdmin {
		return Result{}, cifp.Errorf(cifp.EFORBIDDEN, "only an administrator may load demo data")
	}
	// Fail fast before the work of generating; checked again under the lock.
	if empty, err := Empty(ctx, db); err != nil {
		return Result{}, err
	} else if !empty {
		return Result{}, errNotEmpty()
	}

	d := generate(o.Seed, o.Enterprises)
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return Result{}, fmt.Errorf("demo: %w", err)
	}
	res := Result{Orgs: len(d.orgs), Users: len(users), Enterprises: o.Enterprises}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		// The audit entry comes first: its update of audit_head locks the
		// chain, so concurrent loads queue here and the second one then
		// sees the first one's organisations.
		if err := audit.Record(ctx, tx, audit.Change{Action: "demo.load", Entity: "demo", EntityID: o.Seed,
			After: map[string]any{"seed": o.Seed, "enterprises": o.Enterprises, "orgs": res.Orgs, "users": res.Users}}); err != nil {
			return err
		}
		if empty, err := emptyQ(ctx, tx); err != nil {
			return err
		} else if !empty {
			return errNotEmpty()
		}
		now := store.Now()
		if err := insertOrgs(ctx, tx, d.orgs[:d.inst], now, nil); err != nil {
			return err
		}
		progress := func(done int) {
			if o.Progress != nil {
				o.Progress(done, o.Enterprises)
			}
		}
		if err := insertOrgs(ctx, tx, d.orgs[d.inst:], now, progress); err != nil {
			return err
		}
		ids, err := orgIDs(ctx, tx, d)
		if err != nil {
			return err
		}
		for _, u := range users {
			if _, err := auth.CreateUserHashed(ctx, tx, auth.NewUser{OrgID: ids[u.org], Username: u.username,
				DisplayName: u.display, Role: u.role, Lang: "zh"}, hash); err != nil {
				return fmt.Errorf("demo: user %s: %w", u.username, err)
			}
			if u.login {
				res.Logins = append(res.Logins, Login{Role: u.role, Username: u.username, Password: Password,
					Org: d.orgs[d.keys[u.org]].Name})
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if len(o.ActivityYears) > 0 {
		if err := loadActivity(ctx, db, d.orgs[d.inst:], o, &res); err != nil {
			return res, err
		}
	}
	if o.Projects > 0 {
		if err := loadProjects(ctx, db, d.orgs[d.inst:], o, &res); err != nil {
			return res, err
		}
	}
	if o.Finance {
		if err := loadFinance(ctx, db, d.orgs[d.inst:], o, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

const orgInsertColumns = `INSERT INTO orgs (kind, name, uscc, industry, division, address, legal_rep, contact, phone,
	created_at, updated_at) VALUES `

const orgRowParams = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

// insertStatement returns a multi-row INSERT for n organisations.
func insertStatement(n int) string {
	var b strings.Builder
	b.Grow(len(orgInsertColumns) + n*(len(orgRowParams)+2))
	b.WriteString(orgInsertColumns)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(orgRowParams)
	}
	return b.String()
}

// insertOrgs writes the organisations in batches of batchRows, calling
// progress (if not nil) with the number written after each batch.
func insertOrgs(ctx context.Context, tx *store.Tx, orgs []org.Org, now time.Time, progress func(done int)) error {
	full := insertStatement(batchRows)
	args := make([]any, 0, batchRows*11)
	for start := 0; start < len(orgs); start += batchRows {
		batch := orgs[start:min(start+batchRows, len(orgs))]
		q := full
		if len(batch) < batchRows {
			q = insertStatement(len(batch))
		}
		args = args[:0]
		for i := range batch {
			o := &batch[i]
			args = append(args, string(o.Kind), o.Name, o.USCC, o.Industry, o.Division, o.Address, o.LegalRep,
				o.Contact, o.Phone, now, now)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("demo: insert organisations: %w", store.MapError(err))
		}
		if progress != nil {
			progress(start + len(batch))
		}
	}
	return nil
}

// orgIDs returns the ids of the organisations the demo users belong to, by key.
func orgIDs(ctx context.Context, tx *store.Tx, d dataset) (map[string]int64, error) {
	ids := make(map[string]int64)
	for _, u := range users {
		if _, ok := ids[u.org]; ok {
			continue
		}
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM orgs WHERE uscc = ?`, d.orgs[d.keys[u.org]].USCC).Scan(&id); err != nil {
			return nil, fmt.Errorf("demo: organisation %s: %w", u.org, err)
		}
		ids[u.org] = id
	}
	return ids, nil
}

// dataset is the generated organisations: the institutions, then the enterprises.
type dataset struct {
	orgs []org.Org
	inst int            // number of institutions; orgs[inst] is the first enterprise
	keys map[string]int // institution key (and "enterprise") → index in orgs
}

// generator draws the synthetic data from one seeded PCG.
type generator struct {
	r     *rand.Rand
	names map[string]bool
	usccs map[string]bool
}

// generate builds the demo organisations for a seed: a pure function.
func generate(seed int64, n int) dataset {
	g := &generator{
		r:     rand.New(rand.NewPCG(uint64(seed), pcgStream)),
		names: make(map[string]bool, n+len(institutions)),
		usccs: make(map[string]bool, n+len(institutions)),
	}
	t := tables()
	d := dataset{orgs: make([]org.Org, 0, len(institutions)+n), keys: make(map[string]int)}
	for _, in := range institutions {
		g.names[in.name] = true
		c := t.county[in.division]
		o := org.Org{Kind: in.kind, Name: in.name, Industry: knownIndustry(in.industry), Division: in.division,
			USCC: g.uscc(in.dept, in.class, in.division, false)}
		if c == nil { // a city-level body: its office is in 莲都
			c = t.county["331102"]
		}
		o.Address = c.full + g.pick(c.streets) + g.pick(cityRoads) + strconv.Itoa(1+g.r.IntN(200)) + "号"
		o.Contact = g.person()
		o.Phone = "0578-2" + g.digits(6)
		if in.kind == org.KindPlatform || in.kind == org.KindVerifier { // synthetic bodies have a legal representative
			o.LegalRep = g.person()
		}
		d.keys[in.key] = len(d.orgs)
		d.orgs = append(d.orgs, o)
	}
	d.inst = len(d.orgs)
	d.keys["enterprise"] = d.inst

	g.names[firstEnterpriseName] = true
	for i := range n {
		var c *countyTable
		var industry string
		switch {
		case i == 0:
			c, industry = t.county[firstEnterpriseCounty], firstEnterpriseIndustry
		case i <= len(t.showcase):
			c, industry = t.county[t.showcase[i-1].county], t.showcase[i-1].industry
		default:
			c = t.counties[pickWeighted(g.r, t.countyCum)]
			industry = c.known[pickWeighted(g.r, c.cum)].industry
		}
		d.orgs = append(d.orgs, g.enterprise(c, industry, i == 0))
	}
	return d
}

// enterprise draws one enterprise of the county and industry.
func (g *generator) enterprise(c *countyTable, industry string, first bool) org.Org {
	o := org.Org{Kind: org.KindEnterprise, Industry: industry, Division: c.code}
	if first {
		o.Name = firstEnterpriseName
	} else {
		o.Name = g.enterpriseName(c, industry)
	}
	o.USCC = g.uscc('9', '1', c.code, true)
	switch {
	case first:
		o.Address = c.full + firstEnterpriseTown + g.pick(roads) + strconv.Itoa(1+g.r.IntN(399)) + "号"
	case ruralIndustries[industry]:
		o.Address = c.full + g.pick(c.towns) + g.pick(villages) + "村"
	case c.zone != "" && g.r.IntN(100) < c.zoneShare:
		o.Address = c.zone + g.pick(roads) + strconv.Itoa(1+g.r.IntN(399)) + "号"
	default:
		o.Address = c.full + g.pick(c.towns) + g.pick(roads) + strconv.Itoa(1+g.r.IntN(399)) + "号"
	}
	o.LegalRep = g.person()
	if g.r.IntN(3) == 0 {
		o.Contact = o.LegalRep // small firms: the owner is the contact
	} else {
		o.Contact = g.person()
	}
	o.Phone = g.pick(mobilePrefixes) + g.digits(8)
	return o
}

// enterpriseName draws a name not used yet: county prefix + brand word +
// trade word + 有限公司 or 股份有限公司, e.g. 云和县木韵玩具有限公司.
func (g *generator) enterpriseName(c *countyTable, industry string) string {
	words := industryWords[industry]
	if len(words) == 0 {
		words = []string{"实业"}
	}
	var name string
	for range 200 {
		var b strings.Builder
		switch p := g.r.IntN(100); {
		case p < 15:
			b.WriteString("浙江")
		case p < 60:
			b.WriteString(c.prefixes[0])
		default:
			b.WriteString(c.prefixes[len(c.prefixes)-1])
		}
		b.WriteString(g.brand(industry))
		b.WriteString(g.pick(words))
		if g.r.IntN(100) < 12 {
			b.WriteString("股份有限公司")
		} else {
			b.WriteString("有限公司")
		}
		name = b.String()
		if !g.names[name] {
			g.names[name] = true
			return name
		}
	}
	// Practically unreachable: name the last draw's branches.
	for i := 1; ; i++ {
		branch := name + "第" + chineseNumber(i) + "分公司"
		if !g.names[branch] {
			g.names[branch] = true
			return branch
		}
	}
}

// brand draws a two- or three-character brand word: an industry's own, a
// Lishui place, or a combination of two auspicious characters.
func (g *generator) brand(industry string) string {
	p := g.r.IntN(100)
	if own := industryBrands[industry]; len(own) > 0 && p < 25 {
		return g.pick(own)
	}
	if p < 35 {
		return g.pick(placeBrands)
	}
	a := brandFirst[g.r.IntN(len(brandFirst))]
	for {
		b := brandSecond[g.r.IntN(len(brandSecond))]
		if b != a {
			return string([]rune{a, b})
		}
	}
}

// usccAlphabet is the USCC character set (no I, O, S, V, Z).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// uscc draws a new unique USCC. The body is either an old-style numeric
// organisation code or, for newer companies (when modern), "MA" and six
// characters, as codes issued since 2015 are.
func (g *generator) uscc(dept, class byte, division string, modern bool) string {
	for {
		var body [8]byte
		i := 0
		if modern && g.r.IntN(2) == 0 {
			body[0], body[1] = 'M', 'A'
			i = 2
			for ; i < 8; i++ {
				body[i] = usccAlphabet[g.r.IntN(len(usccAlphabet))]
			}
		} else {
			for ; i < 8; i++ {
				body[i] = byte('0' + g.r.IntN(10))
			}
		}
		code, err := org.MakeUSCC(dept, class, division, string(body[:]))
		if err != nil {
			panic("demo: " + err.Error()) // the parts are always well-formed
		}
		if !g.usccs[code] {
			g.usccs[code] = true
			return code
		}
	}
}

// person draws a Chinese name: a surname and one or two given characters.
func (g *generator) person() string {
	s := g.pick(surnames)
	a := givenChars[g.r.IntN(len(givenChars))]
	if g.r.IntN(10) < 3 {
		return s + string(a)
	}
	return s + string([]rune{a, givenChars[g.r.IntN(len(givenChars))]})
}

func (g *generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

// pickWeighted returns an index drawn by the cumulative weights cum.
func pickWeighted(r *rand.Rand, cum []int) int {
	x := r.IntN(cum[len(cum)-1])
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// knownIndustry returns code if the platform's table knows it, else "".
func knownIndustry(code string) string {
	if _, ok := org.IndustryByCode(code); ok {
		return code
	}
	return ""
}

// countyTable is a county with its industries reduced to the codes the
// platform knows, and cumulative weights.
type countyTable struct {
	county
	known   []weighted // the industries the platform knows
	cum     []int      // cumulative weights of known
	streets []string   // the towns that are urban 街道
}

type genTables struct {
	counties  []*countyTable // Lishui's counties, in org.Counties order
	countyCum []int
	county    map[string]*countyTable
	showcase  []struct{ county, industry string }
}

// tables builds the weighting tables once per generate: the counties of
// org.Counties("331100") that the word lists describe, and the industries
// that org.IndustryByCode knows. Unknown codes are skipped (a test fails on
// them).
func tables() genTables {
	t := genTables{county: make(map[string]*countyTable)}
	for _, d := range org.Counties("331100") {
		for _, c := range counties {
			if c.code != d.Code {
				continue
			}
			ct := &countyTable{county: c}
			for _, town := range c.towns {
				if strings.HasSuffix(town, "街道") {
					ct.streets = append(ct.streets, town)
				}
			}
			for _, w := range c.industries {
				if _, ok := org.IndustryByCode(w.industry); ok && w.weight > 0 {
					ct.known = append(ct.known, w)
					ct.cum = append(ct.cum, sum(ct.cum)+w.weight)
				}
			}
			if len(ct.known) == 0 || len(ct.streets) == 0 || c.weight <= 0 {
				continue
			}
			t.counties = append(t.counties, ct)
			t.countyCum = append(t.countyCum, sum(t.countyCum)+c.weight)
			t.county[c.code] = ct
		}
	}
	if t.county[firstEnterpriseCounty] == nil {
		panic("demo: the county of the first enterprise is unknown")
	}
	for _, s := range showcase {
		if _, ok := org.IndustryByCode(s.industry); ok && t.county[s.county] != nil {
			t.showcase = append(t.showcase, s)
		}
	}
	return t
}

// sum returns the last cumulative weight, 0 for none.
func sum(cum []int) int {
	if len(cum) == 0 {
		return 0
	}
	return cum[len(cum)-1]
}

// chineseNumber writes n ≥ 1 in Chinese numerals, e.g. 二, 十二, 一百零五.
func chineseNumber(n int) string {
	const digits = "零一二三四五六七八九"
	d := []rune(digits)
	if n < 10 {
		return string(d[n])
	}
	if n < 20 {
		s := "十"
		if n%10 != 0 {
			s += string(d[n%10])
		}
		return s
	}
	units := []string{"", "十", "百", "千"}
	if n >= 10000 {
		s := chineseNumber(n/10000) + "万"
		if r := n % 10000; r > 0 {
			if r < 1000 {
				s += "零"
			}
			s += below10000(r, d, units)
		}
		return s
	}
	return below10000(n, d, units)
}

func below10000(n int, d []rune, units []string) string {
	var b strings.Builder
	zero := false
	for i := 3; i >= 0; i-- {
		p := 1
		for range i {
			p *= 10
		}
		x := n / p % 10
		switch {
		case x == 0:
			zero = b.Len() > 0
		default:
			if zero {
				b.WriteRune('零')
				zero = false
			}
			b.WriteRune(d[x])
			b.WriteString(units[i])
		}
	}
	return b.String()
}
