package project

import (
	"crypto/sha256"
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cifp"
	"cifp/carbon"
	"cifp/internal/datafile"
)

// Input is a technical input of a methodology (方法学参数), entered with the
// project and shown with the estimate.
type Input struct {
	Key      string `json:"key"`
	NameZH   string `json:"name_zh"`
	NameEN   string `json:"name_en"`
	Unit     string `json:"unit"`
	Kind     string `json:"kind"` // number, fuel, species, grid_kind
	Required bool   `json:"required"`
}

// Method is a reduction methodology (减排量测算方法学): a pure function of the
// technical inputs and the factors.
type Method struct {
	Code     string  `json:"code"`
	NameZH   string  `json:"name_zh"`
	NameEN   string  `json:"name_en"`
	Formula  string  `json:"formula"`
	GridKind string  `json:"grid_kind"` // the electricity factor kind used unless the project names one
	Inputs   []Input `json:"inputs"`
	estimate func(c *calc) float64
}

// Line is one term of an estimate: quantity × factor = tCO2e, with the
// factor's source.
type Line struct {
	Label      string  `json:"label"`
	Quantity   float64 `json:"quantity"`
	Unit       string  `json:"unit"`
	Factor     float64 `json:"factor"`
	FactorUnit string  `json:"factor_unit"`
	Source     string  `json:"source"`
	TCO2       float64 `json:"tco2"` // signed: project emissions are negative
}

// Estimate is the expected annual emission reduction (预期年减排量) of a
// project, with the method, every term, and the versions of the factors
// and parameters that made it.
type Estimate struct {
	Method     string  `json:"method"`
	MethodName string  `json:"method_name"`
	Formula    string  `json:"formula"`
	Annual     float64 `json:"annual_tco2"`
	Lines      []Line  `json:"lines"`
	FactorSet  string  `json:"factor_set"`
	Params     string  `json:"params"`
}

var (
	//go:embed data/methods.csv
	methodsCSV []byte
	//go:embed data/species.csv
	speciesCSV []byte
)

// Param is a methodology parameter from data/methods.csv.
type Param struct {
	Code, Unit, Confidence, Source string
	Value                          float64
}

// Species holds a tree species' parameters for the sequestration rate.
type Species struct {
	Code, NameZH, NameEN, Confidence, Source    string
	WoodDensity, BEF, RootShoot, CarbonFraction float64
}

// Rate returns the species' sequestration rate in tCO2 per ha and year for
// an annual volume increment in m³ per ha.
func (s Species) Rate(increment float64) float64 {
	return increment * s.WoodDensity * s.BEF * (1 + s.RootShoot) * s.CarbonFraction * carbon.CO2PerC
}

// Params are the methodology parameters and species tables, versioned.
type Params struct {
	ID      string
	Values  map[string]Param
	Species map[string]Species
}

// DefaultParams returns the embedded parameters; it panics on malformed
// data, which a test catches.
var DefaultParams = sync.OnceValue(func() *Params {
	p, err := parseParams(methodsCSV, speciesCSV)
	if err != nil {
		panic(err)
	}
	return p
})

func parseParams(methodsData, speciesData []byte) (*Params, error) {
	p := &Params{Values: map[string]Param{}, Species: map[string]Species{}}
	rows, err := datafile.Read(methodsData)
	if err != nil {
		return nil, fmt.Errorf("methods.csv: %w", err)
	}
	for _, r := range rows {
		v, err := datafile.NonNegative(r, "value")
		if err != nil {
			return nil, fmt.Errorf("methods.csv %s: %w", r["code"], err)
		}
		p.Values[r["code"]] = Param{Code: r["code"], Value: v, Unit: r["unit"], Confidence: r["confidence"], Source: r["source"]}
	}
	for _, k := range []string{"diesel_density", "methane_density", "gwp_ch4"} {
		if p.Values[k].Value <= 0 {
			return nil, fmt.Errorf("methods.csv: %s is missing", k)
		}
	}
	rows, err = datafile.Read(speciesData)
	if err != nil {
		return nil, fmt.Errorf("species.csv: %w", err)
	}
	for _, r := range rows {
		s := Species{Code: r["code"], NameZH: r["name_zh"], NameEN: r["name_en"], Confidence: r["confidence"], Source: r["source"]}
		for col, dst := range map[string]*float64{"wood_density": &s.WoodDensity, "bef": &s.BEF, "root_shoot": &s.RootShoot, "carbon_fraction": &s.CarbonFraction} {
			if *dst, err = datafile.NonNegative(r, col); err != nil {
				return nil, fmt.Errorf("species.csv %s: %w", s.Code, err)
			}
		}
		p.Species[s.Code] = s
	}
	p.ID = "params@" + contentID(methodsData, speciesData)
	return p, nil
}

// SpeciesList returns the species in code order.
func (p *Params) SpeciesList() []Species {
	out := make([]Species, 0, len(p.Species))
	for _, s := range p.Species {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// gridKindInput lets a project name the electricity factor kind.
var gridKindInput = Input{Key: "grid_kind", NameZH: "电网排放因子口径", NameEN: "Grid factor kind", Kind: "grid_kind"}

// The grid-factor choice. Generation and savings displace electricity from
// the grid the project is in; the platform's default is the carbon factor
// library's own choice (provincial, else regional, else national average of
// the latest published year), which is the conservative one, and a project
// or reviewer may name another kind (e.g. national_fossil), which is kept
// with the estimate.
var methods = map[string]*Method{
	"grid_renewable": {
		Code: "grid_renewable", NameZH: "并网可再生能源发电", NameEN: "Grid-connected renewable power",
		Formula: "年上网电量(MWh) × 电网排放因子(tCO2/MWh)",
		Inputs: []Input{
			{Key: "generation_mwh", NameZH: "年上网电量", NameEN: "Annual net generation to the grid", Unit: "MWh", Kind: "number", Required: true},
			gridKindInput,
		},
		estimate: func(c *calc) float64 {
			return c.grid("上网电量替代电网电力", c.positive("generation_mwh"))
		},
	},
	"efficiency": {
		Code: "efficiency", NameZH: "节能改造（节电、节燃料）", NameEN: "Energy-efficiency retrofit",
		Formula: "年节电量(MWh) × 电网排放因子 + 年节约燃料量 × 燃料排放因子",
		Inputs: []Input{
			{Key: "electricity_saved_mwh", NameZH: "年节电量", NameEN: "Electricity saved per year", Unit: "MWh", Kind: "number"},
			{Key: "fuel", NameZH: "节约的燃料", NameEN: "Fuel saved", Kind: "fuel"},
			{Key: "fuel_saved", NameZH: "年节约燃料量", NameEN: "Fuel saved per year", Unit: "燃料单位 (t 或 万Nm3)", Kind: "number"},
			gridKindInput,
		},
		estimate: func(c *calc) float64 {
			e := c.number("electricity_saved_mwh")
			f := c.number("fuel_saved")
			if c.input("fuel") != "" || f > 0 {
				f = c.positive("fuel_saved")
			}
			if e == 0 && f == 0 && c.ok() {
				c.fail("electricity_saved_mwh", c.input("electricity_saved_mwh"), "give the electricity or the fuel saved per year (or both)")
			}
			sum := 0.0
			if e > 0 {
				sum += c.grid("节约电量", e)
			}
			if f > 0 {
				sum += c.fuel("fuel", "节约燃料", f, 1)
			}
			return sum
		},
	},
	"fuel_switch": {
		Code: "fuel_switch", NameZH: "燃料替代", NameEN: "Fuel switching",
		Formula: "原燃料量 × 原燃料排放因子 − 新燃料量 × 新燃料排放因子 − 新增用电量 × 电网排放因子",
		Inputs: []Input{
			{Key: "baseline_fuel", NameZH: "原燃料", NameEN: "Fuel replaced", Kind: "fuel", Required: true},
			{Key: "baseline_quantity", NameZH: "原燃料年用量", NameEN: "Fuel replaced per year", Unit: "燃料单位 (t 或 万Nm3)", Kind: "number", Required: true},
			{Key: "new_fuel", NameZH: "新燃料", NameEN: "New fuel", Kind: "fuel"},
			{Key: "new_quantity", NameZH: "新燃料年用量", NameEN: "New fuel per year", Unit: "燃料单位 (t 或 万Nm3)", Kind: "number"},
			{Key: "new_electricity_mwh", NameZH: "新增年用电量", NameEN: "Added electricity per year", Unit: "MWh", Kind: "number"},
			gridKindInput,
		},
		estimate: func(c *calc) float64 {
			sum := c.fuel("baseline_fuel", "原燃料（基准线）", c.positive("baseline_quantity"), 1)
			if c.input("new_fuel") != "" {
				sum += c.fuel("new_fuel", "新燃料（项目排放）", c.positive("new_quantity"), -1)
			}
			if e := c.number("new_electricity_mwh"); e > 0 {
				sum += c.gridSigned("新增用电（项目排放）", e, -1)
			}
			return sum
		},
	},
	"building": {
		Code: "building", NameZH: "建筑节能", NameEN: "Building energy saving",
		Formula: "建筑面积(m2) × (基准能耗 − 设计能耗)(kWh/m2·a) ÷ 1000 × 电网排放因子",
		Inputs: []Input{
			{Key: "floor_area_m2", NameZH: "建筑面积", NameEN: "Floor area", Unit: "m2", Kind: "number", Required: true},
			{Key: "baseline_kwh_m2", NameZH: "基准单位面积年用电", NameEN: "Baseline electricity intensity", Unit: "kWh/m2·a", Kind: "number", Required: true},
			{Key: "design_kwh_m2", NameZH: "设计单位面积年用电", NameEN: "Design electricity intensity", Unit: "kWh/m2·a", Kind: "number", Required: true},
			gridKindInput,
		},
		estimate: func(c *calc) float64 {
			area := c.positive("floor_area_m2")
			base, design := c.positive("baseline_kwh_m2"), c.number("design_kwh_m2")
			if c.ok() && design >= base {
				c.fail("design_kwh_m2", c.input("design_kwh_m2"), "must be below the baseline intensity")
			}
			return c.grid("节约电量 = 面积 × 单位面积节电", area*(base-design)/1000)
		},
	},
	"ev_bus": {
		Code: "ev_bus", NameZH: "电动公交替代柴油公交", NameEN: "Electric buses replacing diesel buses",
		Formula: "车辆数 × 年行驶里程 × 百公里柴油 ÷ 100 × 柴油密度 × 柴油排放因子 − 车辆数 × 年行驶里程 × 百公里电耗 ÷ 100 ÷ 1000 × 电网排放因子",
		Inputs: []Input{
			{Key: "buses", NameZH: "车辆数", NameEN: "Buses", Unit: "辆", Kind: "number", Required: true},
			{Key: "km_per_bus", NameZH: "单车年行驶里程", NameEN: "Distance per bus per year", Unit: "km", Kind: "number", Required: true},
			{Key: "diesel_l_100km", NameZH: "替代柴油车百公里油耗", NameEN: "Diesel bus consumption", Unit: "L/100km", Kind: "number", Required: true},
			{Key: "kwh_100km", NameZH: "电动车百公里电耗", NameEN: "Electric bus consumption", Unit: "kWh/100km", Kind: "number", Required: true},
			gridKindInput,
		},
		estimate: func(c *calc) float64 {
			km := c.positive("buses") * c.positive("km_per_bus")
			diesel := km * c.positive("diesel_l_100km") / 100 / 1000 * c.param("diesel_density") // t
			sum := c.fuelCode("diesel", "避免的柴油消耗（基准线）", diesel, 1)
			sum += c.gridSigned("充电用电（项目排放）", km*c.positive("kwh_100km")/100/1000, -1)
			return sum
		},
	},
	"forest": {
		Code: "forest", NameZH: "森林碳汇", NameEN: "Forest carbon sink",
		Formula: "面积(ha) × 年蓄积生长量(m3/ha) × 木材密度 × 生物量扩展因子 × (1+根茎比) × 含碳率 × 44/12",
		Inputs: []Input{
			{Key: "species", NameZH: "主要树种", NameEN: "Main species", Kind: "species", Required: true},
			{Key: "area_ha", NameZH: "面积", NameEN: "Area", Unit: "ha", Kind: "number", Required: true},
			{Key: "increment_m3_ha", NameZH: "年蓄积生长量（森林资源调查）", NameEN: "Annual volume increment (forest survey)", Unit: "m3/ha·a", Kind: "number", Required: true},
		},
		estimate: func(c *calc) float64 {
			area, inc := c.positive("area_ha"), c.positive("increment_m3_ha")
			s, ok := c.params.Species[c.input("species")]
			if !ok {
				c.fail("species", c.input("species"), "is not a species with published parameters ("+strings.Join(speciesCodes(c.params), ", ")+")")
				return 0
			}
			rate := s.Rate(inc)
			t := area * rate
			c.lines = append(c.lines, Line{Label: "森林碳汇 " + s.NameZH, Quantity: area, Unit: "ha", Factor: rate, FactorUnit: "tCO2/ha·a",
				Source: fmt.Sprintf("%g m3/ha × %g × %g × (1+%g) × %g × 44/12; %s", inc, s.WoodDensity, s.BEF, s.RootShoot, s.CarbonFraction, s.Source), TCO2: t})
			return t
		},
	},
	"methane": {
		Code: "methane", NameZH: "甲烷回收利用", NameEN: "Methane capture and use",
		Formula: "年收集气量(Nm3) × 甲烷浓度 × 甲烷密度 × 销毁率 × GWP + 年发电量 × 电网排放因子",
		Inputs: []Input{
			{Key: "biogas_nm3", NameZH: "年收集沼气（填埋气）量", NameEN: "Gas captured per year", Unit: "Nm3", Kind: "number", Required: true},
			{Key: "methane_fraction", NameZH: "甲烷体积分数", NameEN: "Methane fraction", Unit: "0-1", Kind: "number", Required: true},
			{Key: "destruction", NameZH: "甲烷销毁率", NameEN: "Destruction efficiency", Unit: "0-1", Kind: "number", Required: true},
			{Key: "power_mwh", NameZH: "年上网发电量", NameEN: "Electricity generated per year", Unit: "MWh", Kind: "number"},
			gridKindInput,
		},
		estimate: func(c *calc) float64 {
			gas := c.positive("biogas_nm3")
			frac, destr := c.fraction("methane_fraction"), c.fraction("destruction")
			ch4 := gas * frac * c.param("methane_density") * destr
			gwp := c.params.Values["gwp_ch4"]
			t := ch4 * gwp.Value
			c.lines = append(c.lines, Line{Label: "销毁的甲烷", Quantity: ch4, Unit: "tCH4", Factor: gwp.Value, FactorUnit: gwp.Unit, Source: gwp.Source, TCO2: t})
			if e := c.number("power_mwh"); e > 0 {
				t += c.grid("甲烷发电替代电网电力", e)
			}
			return t
		},
	},
}

// Methods returns the methodologies in code order.
func Methods() []*Method {
	out := make([]*Method, 0, len(methods))
	for _, m := range methods {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// MethodByCode returns a methodology.
func MethodByCode(code string) (*Method, bool) {
	m, ok := methods[code]
	return m, ok
}

func speciesCodes(p *Params) []string {
	var out []string
	for _, s := range p.SpeciesList() {
		out = append(out, s.Code)
	}
	return out
}

// Estimate computes the expected annual reduction of a project by the
// methodology, for a project in the province (GB/T 2260, e.g. "330000")
// screened in the year (the electricity factor is the latest published
// up to it). Every invalid input is named in the error.
func (m *Method) Estimate(fs *carbon.FactorSet, p *Params, technical map[string]string, province string, year int) (Estimate, error) {
	c := &calc{fs: fs, params: p, in: technical, province: province, year: year, kind: m.GridKind}
	if k := strings.TrimSpace(technical["grid_kind"]); k != "" {
		c.kind = k
	}
	total := m.estimate(c)
	if err := cifp.Invalid("the technical data cannot be used for the estimate", c.problems...); err != nil {
		return Estimate{}, err
	}
	return Estimate{Method: m.Code, MethodName: m.NameZH, Formula: m.Formula, Annual: total, Lines: c.lines, FactorSet: fs.ID, Params: p.ID}, nil
}

// calc gathers an estimate's terms and the problems with its inputs.
type calc struct {
	fs       *carbon.FactorSet
	params   *Params
	in       map[string]string
	province string
	year     int
	kind     string
	lines    []Line
	problems []cifp.FieldError
}

func (c *calc) ok() bool { return len(c.problems) == 0 }

func (c *calc) fail(key, value, msg string) {
	for _, p := range c.problems {
		if p.Field == "technical."+key {
			return
		}
	}
	c.problems = append(c.problems, cifp.FieldError{Field: "technical." + key, Value: value, Message: msg})
}

func (c *calc) input(key string) string { return strings.TrimSpace(c.in[key]) }

// number reads an optional non-negative number (0 when empty).
func (c *calc) number(key string) float64 {
	s := c.input(key)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		c.fail(key, s, "is not a number")
		return 0
	}
	if v < 0 {
		c.fail(key, s, "must not be negative")
		return 0
	}
	return v
}

// positive reads a required number above zero.
func (c *calc) positive(key string) float64 {
	if c.input(key) == "" {
		c.fail(key, "", "is required")
		return 0
	}
	v := c.number(key)
	if v == 0 && c.input(key) != "" {
		c.fail(key, c.input(key), "must be above zero")
	}
	return v
}

func (c *calc) fraction(key string) float64 {
	v := c.positive(key)
	if v > 1 {
		c.fail(key, c.input(key), "is a fraction between 0 and 1")
		return 0
	}
	return v
}

func (c *calc) param(code string) float64 { return c.params.Values[code].Value }

// grid adds electricity displaced (positive) at the chosen grid factor.
func (c *calc) grid(label string, mwh float64) float64 { return c.gridSigned(label, mwh, 1) }

func (c *calc) gridSigned(label string, mwh float64, sign float64) float64 {
	g, err := c.fs.Electricity(c.kind, c.province, c.year)
	if err != nil {
		c.fail("grid_kind", c.kind, cifp.ErrorMessage(err))
		return 0
	}
	t := sign * mwh * g.Value
	c.lines = append(c.lines, Line{Label: label, Quantity: mwh, Unit: "MWh", Factor: g.Value, FactorUnit: "tCO2/MWh",
		Source: fmt.Sprintf("%s %s %d: %s", g.Kind, g.Region, g.Year, g.Source), TCO2: t})
	return t
}

// fuel adds a fuel named by the input key; fuelCode one named by its code.
func (c *calc) fuel(key, label string, qty, sign float64) float64 {
	code := c.input(key)
	if code == "" {
		c.fail(key, "", "is required")
		return 0
	}
	if _, ok := c.fs.Fuels[code]; !ok {
		c.fail(key, code, "is not a fuel of the factor library")
		return 0
	}
	return c.fuelCode(code, label, qty, sign)
}

func (c *calc) fuelCode(code, label string, qty, sign float64) float64 {
	f := c.fs.Fuels[code]
	t := sign * qty * f.EF()
	c.lines = append(c.lines, Line{Label: label + " " + f.NameZH, Quantity: qty, Unit: f.Unit, Factor: f.EF(), FactorUnit: "tCO2/" + f.Unit,
		Source: fmt.Sprintf("GB/T 32150-2015: %g GJ × %g tC/GJ × %g × 44/12", f.NCV, f.CarbonContent, f.Oxidation), TCO2: t})
	return t
}

func contentID(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:6])
}
