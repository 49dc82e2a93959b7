package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"cifp"
	"cifp/org"
	"cifp/project"
	"cifp/store"
)

// demoPDF is a minimal PDF for the demo projects' attachments.
var demoPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// projectKind draws one category's technical data and money, in 万元.
type projectKind struct {
	category, title string
	draw            func(r *rand.Rand) (tech map[string]string, investment float64)
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// projectKinds are rough but plausible: solar at 4 元/W and 1 100 full-load
// hours, wind at 6 元/W and 2 000 h, small hydro at 10 元/W and 3 500 h…
var projectKinds = []projectKind{
	{"solar_pv", "分布式光伏项目", func(r *rand.Rand) (map[string]string, float64) {
		mw := float64(2 + r.IntN(48))
		return map[string]string{"generation_mwh": fmtF(mw * 1100)}, mw * 400
	}},
	{"wind_power", "风电项目", func(r *rand.Rand) (map[string]string, float64) {
		mw := float64(20 + r.IntN(80))
		return map[string]string{"generation_mwh": fmtF(mw * 2000)}, mw * 600
	}},
	{"hydropower", "小水电绿色改造项目", func(r *rand.Rand) (map[string]string, float64) {
		mw := float64(1 + r.IntN(20))
		return map[string]string{"generation_mwh": fmtF(mw * 3500)}, mw * 1000
	}},
	{"energy_efficiency", "节能降碳技术改造项目", func(r *rand.Rand) (map[string]string, float64) {
		saved := float64(200 + r.IntN(4800))
		return map[string]string{"electricity_saved_mwh": fmtF(saved)}, float64(int(saved * uniform(r, 0.3, 0.8)))
	}},
	{"fuel_switch", "燃煤锅炉天然气替代项目", func(r *rand.Rand) (map[string]string, float64) {
		coal := float64(500 + r.IntN(4500))
		// the same heat from gas: 19.570 GJ/t ÷ 389.31 GJ per 10⁴ Nm³
		return map[string]string{"baseline_fuel": "bituminous_coal", "baseline_quantity": fmtF(coal),
			"new_fuel": "natural_gas", "new_quantity": fmtF(float64(int(coal*19.570/389.31*100)) / 100)}, float64(int(coal * 0.4))
	}},
	{"green_building", "既有建筑节能改造项目", func(r *rand.Rand) (map[string]string, float64) {
		area := float64(20000 + r.IntN(180000))
		return map[string]string{"floor_area_m2": fmtF(area), "baseline_kwh_m2": "110", "design_kwh_m2": "72"}, float64(int(area * 0.03))
	}},
	{"electric_bus", "新能源公交替代项目", func(r *rand.Rand) (map[string]string, float64) {
		n := 10 + r.IntN(90)
		return map[string]string{"buses": strconv.Itoa(n), "km_per_bus": "60000", "diesel_l_100km": "28", "kwh_100km": "90"}, float64(n * 120)
	}},
	{"forest_sink", "森林经营碳汇项目", func(r *rand.Rand) (map[string]string, float64) {
		ha := float64(500 + r.IntN(4500))
		sp := []string{"cunninghamia", "pinus_massoniana", "quercus"}[r.IntN(3)]
		return map[string]string{"species": sp, "area_ha": fmtF(ha), "increment_m3_ha": fmtF(float64(6 + r.IntN(7)))}, float64(int(ha * 0.8))
	}},
	{"methane", "畜禽养殖沼气回收利用项目", func(r *rand.Rand) (map[string]string, float64) {
		gas := float64(200000 + r.IntN(2000000))
		return map[string]string{"biogas_nm3": fmtF(gas), "methane_fraction": "0.55", "destruction": "0.95", "power_mwh": fmtF(float64(int(gas / 500)))}, float64(int(gas / 1000))
	}},
	{"flood_resilience", "海绵城市防洪排涝项目", func(r *rand.Rand) (map[string]string, float64) {
		return nil, float64(2000 + r.IntN(20000))
	}},
	{"climate_agriculture", "高效节水灌溉项目", func(r *rand.Rand) (map[string]string, float64) {
		return nil, float64(300 + r.IntN(3000))
	}},
}

// loadProjects fills the climate project library: n projects already in
// the library, owned by the generated enterprises and bulk-imported as the
// library team does, and, for the demo logins, a draft and a project under
// expert review (assigned to the demo bank and verifier users) of the first
// enterprise.
func loadProjects(ctx context.Context, db *store.DB, ents []org.Org, o Options, res *Result) error {
	r := rand.New(rand.NewPCG(uint64(o.Seed)+7, pcgStream))
	svc := project.NewService(db)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	keys := []string{"name", "status", "owner_uscc", "county", "location", "category", "description", "investment",
		"financing_need", "start_date", "end_date", "lifetime", "revenue", "opex", "co_benefits", "co_benefit_value", "recommended", "technical"}
	w.Write(keys)
	statuses := []string{project.StatusAdmitted, project.StatusAdmitted, project.StatusFinancing, project.StatusConstruction, project.StatusCompleted}
	for i := 0; i < o.Projects; i++ {
		e := ents[1+r.IntN(len(ents)-1)]
		k := projectKinds[i%len(projectKinds)]
		tech, inv := k.draw(r)
		t, _ := json.Marshal(tech)
		d, _ := org.DivisionByCode(e.Division)
		year := 2024 + r.IntN(3)
		life := []int{15, 20, 25}[r.IntN(3)]
		rec := "否"
		if i%7 == 0 {
			rec = "是"
		}
		w.Write([]string{d.Name + k.title, statuses[r.IntN(len(statuses))], e.USCC, e.Division, d.Name + "境内", k.category,
			e.Name + "实施的" + k.title, fmtF(inv), fmtF(float64(int(inv * uniform(r, 0.4, 0.8)))),
			fmt.Sprintf("%d-03-01", year), fmt.Sprintf("%d-12-31", year+1), strconv.Itoa(life),
			fmtF(float64(int(inv * uniform(r, 0.08, 0.16)))), fmtF(float64(int(inv * uniform(r, 0.01, 0.04)))),
			"减少大气污染物排放, 带动就业", fmtF(float64(int(inv * 0.005))), rec, string(t)})
	}
	w.Flush()
	if o.Projects > 0 {
		imp, err := svc.Import(ctx, &buf, "demo-projects.csv")
		if err != nil {
			return fmt.Errorf("demo: projects: %w %v", err, cifp.ErrorFields(err))
		}
		res.Projects = imp.Rows
	}

	// The first enterprise's own projects, made through the workflow.
	as := map[string]context.Context{}
	for _, u := range []string{"enterprise", "regulator", "bank", "verifier"} {
		var a cifp.Actor
		var role string
		if err := db.QueryRow(ctx, `SELECT id, org_id, username, role FROM users WHERE username = ?`, u).Scan(&a.UserID, &a.OrgID, &a.Username, &role); err != nil {
			return fmt.Errorf("demo: user %s: %w", u, err)
		}
		a.Role = cifp.Role(role)
		as[u] = cifp.WithActor(ctx, a)
	}
	first := ents[0]
	draft := project.Fields{Name: "厂房屋顶分布式光伏项目", County: first.Division, Location: first.Address, Category: "solar_pv",
		Description: "利用厂房屋顶建设 3 MW 分布式光伏, 自发自用、余电上网", Investment: 1200, FinancingNeed: 800,
		StartDate: "2027-03-01", EndDate: "2027-09-30", Lifetime: 25, Technical: map[string]string{"generation_mwh": "3300"},
		Revenue: 130, Opex: 15, Contact: first.Contact + " " + first.Phone}
	if _, err := svc.Create(as["enterprise"], draft); err != nil {
		return fmt.Errorf("demo: draft: %w", err)
	}
	retro := project.Fields{Name: "电机系统能效提升改造项目", County: first.Division, Location: first.Address, Category: "energy_efficiency",
		Description: "更换高效永磁电机与变频控制, 年节电约 1 800 MWh", Investment: 900, FinancingNeed: 600,
		StartDate: "2027-01-01", EndDate: "2027-06-30", Lifetime: 15, Technical: map[string]string{"electricity_saved_mwh": "1800"},
		Revenue: 140, Opex: 10, CoBenefits: "降低噪声, 减少停机", CoBenefitValue: 5, Contact: first.Contact + " " + first.Phone}
	p, err := svc.Create(as["enterprise"], retro)
	if err != nil {
		return fmt.Errorf("demo: retrofit: %w", err)
	}
	for _, kind := range []string{"feasibility", "energy_review"} {
		if _, err := svc.Attach(as["enterprise"], p.ID, kind, kind+".pdf", demoPDF); err != nil {
			return fmt.Errorf("demo: attach: %w", err)
		}
	}
	id := func(ctx context.Context) int64 { a, _ := cifp.ActorFrom(ctx); return a.UserID }
	reviewers := []int64{id(as["bank"]), id(as["verifier"])}
	for _, step := range []struct {
		who    string
		action string
		d      project.Decision
	}{
		{"enterprise", project.ActSubmit, project.Decision{}},
		{"regulator", project.ActScreen, project.Decision{}},
		{"regulator", project.ActAssign, project.Decision{Reviewers: reviewers, Comment: "请两位专家评审"}},
	} {
		if _, err := svc.Act(as[step.who], p.ID, step.action, step.d); err != nil {
			return fmt.Errorf("demo: %s: %w %v", step.action, err, cifp.ErrorFields(err))
		}
	}
	res.Projects += 2
	return nil
}
