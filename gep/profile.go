package gep

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cifp"
	"cifp/internal/datafile"
)

// Param is one coefficient or unit price of a profile (核算参数). A nil Value
// means the value is unknown on purpose: a run that needs it fails naming it.
type Param struct {
	Code       string   `json:"code"`
	Value      *float64 `json:"value"`
	Unit       string   `json:"unit"`
	Year       int      `json:"year,omitempty"`  // price year (价格基准年); 0 for coefficients
	Index      string   `json:"index,omitempty"` // price-index series (data/price-index.csv); "" = not indexed
	Confidence string   `json:"confidence"`      // C, R, D or U (unknown)
	Source     string   `json:"source"`
}

// Known reports whether the value is given.
func (p Param) Known() bool { return p.Value != nil }

// Profile is a versioned parameter set (核算参数方案) selected per standard.
// It is data (data/profile-*.json), never code branches; ID is the version
// and the content hash, so a stored result names exactly what made it.
type Profile struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Name    string `json:"name"`
	Source  string `json:"source"`
	Notes   string `json:"notes"`
	// Indicators lists the indicator codes that count under the standard.
	Indicators []Indicator `json:"indicators"`
	// Ecosystems lists, per indicator, the ecosystem types whose formula
	// counts (e.g. water conservation over forest, shrub, grassland, wetland).
	Ecosystems map[Indicator][]Ecosystem `json:"ecosystems"`
	// ProvisioningBasis is "net" (净产值, GANZI) or "gross" (总产值) output value
	// for agricultural, forestry, husbandry and fishery products.
	ProvisioningBasis string `json:"provisioning_basis"`
	// Purification is "emissions" (the region's emissions are taken as the
	// purified amount, GANZI) or "capacity" (min of capacity and emissions).
	Purification string `json:"purification"`
	// DeductImported subtracts Inputs.ImportedValue (GB/T 46869-2025).
	DeductImported bool    `json:"deduct_imported"`
	Params         []Param `json:"params"`

	index PriceIndex
}

// ParamSpec describes a parameter code Account may ask for.
type ParamSpec struct {
	Code   string
	NameZH string
	Unit   string // the unit the profile must state
	Price  bool   // a unit price (has a price year) rather than a coefficient
}

// paramSpecs lists the fixed parameter codes; per-ecosystem and per-pollutant
// codes (coef.runoff.forest, price.pest.forest, coef.air.so2.forest, …) are
// matched by prefix in specOf.
var paramSpecs = []ParamSpec{
	{"price.water_domestic", "生活用水价格", "元/m³", true},
	{"price.water_industrial", "工业用水价格", "元/m³", true},
	{"price.water_agricultural", "农业用水价格", "元/m³", true},
	{"price.hydropower", "水电上网电价", "元/kWh", true},
	{"price.reservoir", "水库单位库容工程造价", "元/m³", true},
	{"price.dredging", "水库清淤工程费用", "元/m³", true},
	{"price.nitrogen", "氮（N）处理成本", "元/t", true},
	{"price.phosphorus", "磷（P）处理成本", "元/t", true},
	{"price.potassium", "钾（K）价格", "元/t", true},
	{"price.sand_fixation", "防风固沙（土地沙化治理）成本", "元/m²", true},
	{"price.so2", "二氧化硫治理成本", "元/t", true},
	{"price.nox", "氮氧化物治理成本", "元/t", true},
	{"price.dust", "粉尘治理成本", "元/t", true},
	{"price.cod", "化学需氧量治理成本", "元/t", true},
	{"price.nh3n", "氨氮治理成本", "元/t", true},
	{"price.tp", "总磷治理成本", "元/t", true},
	{"price.carbon", "固碳价格", "元/t", true},
	{"price.oxygen", "工业制氧价格", "元/t", true},
	{"price.electricity", "电价（气候调节）", "元/kWh", true},
	{"price.negative_ions", "负氧离子生产费用", "元/10^18个", true},
	{"price.recreation", "人均旅行费用", "元/人次", true},
	{"coef.sediment_ratio", "泥沙淤积系数 λ", "1", false},
	{"coef.bulk_density", "土壤容重 ρ", "t/m³", false},
	{"coef.soil_n", "土壤氮含量", "1", false},
	{"coef.soil_p", "土壤磷含量", "1", false},
	{"coef.soil_k", "土壤钾含量", "1", false},
	{"coef.sand_density", "沙土容重", "t/m³", false},
	{"coef.sand_depth", "沙化土壤厚度", "m", false},
	{"coef.lake_ln_a", "湖泊调蓄方程截距（自然对数）", "1", false},
	{"coef.lake_b", "湖泊调蓄方程面积指数", "1", false},
	{"coef.reservoir_flood_share", "水库防洪库容占总库容比例", "1", false},
	{"coef.marsh_depth", "沼泽地表滞水深度", "m", false},
	{"coef.carbon_soil_ratio", "森林土壤固碳与植被固碳之比 β", "1", false},
	{"coef.ac_eer", "空调能效比 r", "1", false},
	{"coef.latent_heat", "水的汽化潜热 q", "kJ/kg", false},
	{"coef.water_density", "水的密度", "kg/m³", false},
	{"coef.humidifier", "加湿器耗电量 γ", "kWh/m³", false},
	{"coef.ion_height", "负氧离子空气层高度 H", "m", false},
	{"coef.ion_lifetime", "负氧离子寿命 L", "min", false},
}

var prefixSpecs = []ParamSpec{
	{"coef.runoff.", "暴雨径流系数", "1", false},
	{"price.pest.", "病虫害防治费用", "元/hm²", true},
	{"coef.air.", "单位面积大气污染物净化能力", "t/(km²·a)", false},
	{"coef.water.", "单位面积水污染物净化能力", "t/(km²·a)", false},
}

// specOf returns the spec of a parameter code.
func specOf(code string) (ParamSpec, bool) {
	for _, s := range paramSpecs {
		if s.Code == code {
			return s, true
		}
	}
	for _, s := range prefixSpecs {
		if strings.HasPrefix(code, s.Code) && len(code) > len(s.Code) {
			s.NameZH += " (" + code[len(s.Code):] + ")"
			s.Code = code
			return s, true
		}
	}
	return ParamSpec{}, false
}

// ParamSpecs returns the fixed parameter codes and the prefixes of the
// per-ecosystem ones, for documentation and forms.
func ParamSpecs() []ParamSpec {
	return append(append([]ParamSpec(nil), paramSpecs...), prefixSpecs...)
}

// Param returns the profile's parameter with the code.
func (p *Profile) Param(code string) (Param, bool) {
	for _, q := range p.Params {
		if q.Code == code {
			return q, true
		}
	}
	return Param{}, false
}

// Enabled reports whether the indicator counts under the profile.
func (p *Profile) Enabled(ind Indicator) bool {
	for _, i := range p.Indicators {
		if i == ind {
			return true
		}
	}
	return false
}

// Counts reports whether the ecosystem type counts for the indicator's
// area-based formula. An indicator without an ecosystem list counts all types.
func (p *Profile) Counts(ind Indicator, e Ecosystem) bool {
	list, ok := p.Ecosystems[ind]
	if !ok {
		return true
	}
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

// Index returns the price index the profile moves prices with.
func (p *Profile) Index() PriceIndex { return p.index }

//go:embed data/profile-*.json
var profileFS embed.FS

var profiles = sync.OnceValues(func() ([]*Profile, error) {
	idx, err := defaultIndex()
	if err != nil {
		return nil, err
	}
	names, err := profileFS.ReadDir("data")
	if err != nil {
		return nil, err
	}
	var out []*Profile
	for _, n := range names {
		data, err := profileFS.ReadFile(path.Join("data", n.Name()))
		if err != nil {
			return nil, err
		}
		p, err := ParseProfile(data, idx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name(), err)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
})

// Profiles returns the embedded profiles ordered by version. It panics if one
// is malformed, which a test catches.
func Profiles() []*Profile {
	ps, err := profiles()
	if err != nil {
		panic(err)
	}
	return append([]*Profile(nil), ps...)
}

// LookupProfile returns the embedded profile whose version or ID is v, or
// a *cifp.Error with code ENOTFOUND.
func LookupProfile(v string) (*Profile, error) {
	for _, p := range Profiles() {
		if p.Version == v || p.ID == v {
			return p, nil
		}
	}
	return nil, cifp.Errorf(cifp.ENOTFOUND, "gep: no profile %q", v)
}

// ParseProfile reads and checks a profile against the price index. Every
// indicator and parameter code must be known, every unit must be the one the
// code expects, a known price must have a price year and an index series the
// index holds (or "" for none), and values must be finite and non-negative.
func ParseProfile(data []byte, idx PriceIndex) (*Profile, error) {
	var p Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("gep: profile: %w", err)
	}
	sum := sha256.Sum256(data)
	p.ID = p.Version + "@" + hex.EncodeToString(sum[:6])
	p.index = idx
	if p.Version == "" {
		return nil, fmt.Errorf("gep: profile: no version")
	}
	fail := func(format string, args ...any) (*Profile, error) {
		return nil, fmt.Errorf("gep: profile %s: "+format, append([]any{p.Version}, args...)...)
	}
	for _, ind := range p.Indicators {
		if _, ok := ind.Info(); !ok {
			return fail("unknown indicator %q", ind)
		}
	}
	for ind, list := range p.Ecosystems {
		if _, ok := ind.Info(); !ok {
			return fail("ecosystems: unknown indicator %q", ind)
		}
		for _, e := range list {
			if !e.Valid() {
				return fail("ecosystems of %s: unknown type %q", ind, e)
			}
		}
	}
	if p.ProvisioningBasis != "net" && p.ProvisioningBasis != "gross" {
		return fail("provisioning_basis %q: want net or gross", p.ProvisioningBasis)
	}
	if p.Purification != "emissions" && p.Purification != "capacity" {
		return fail("purification %q: want emissions or capacity", p.Purification)
	}
	seen := map[string]bool{}
	for _, q := range p.Params {
		spec, ok := specOf(q.Code)
		if !ok {
			return fail("unknown parameter %q", q.Code)
		}
		if seen[q.Code] {
			return fail("parameter %s given twice", q.Code)
		}
		seen[q.Code] = true
		if q.Unit != spec.Unit {
			return fail("parameter %s: unit %q, want %q", q.Code, q.Unit, spec.Unit)
		}
		switch q.Confidence {
		case "C", "R", "D":
			if q.Value == nil {
				return fail("parameter %s: confidence %s but no value (use U for unknown)", q.Code, q.Confidence)
			}
		case "U":
			if q.Value != nil {
				return fail("parameter %s: confidence U (unknown) but a value", q.Code)
			}
		default:
			return fail("parameter %s: confidence %q, want C, R, D or U", q.Code, q.Confidence)
		}
		if q.Source == "" {
			return fail("parameter %s: no source", q.Code)
		}
		if q.Value != nil && (*q.Value < 0 || math.IsNaN(*q.Value) || math.IsInf(*q.Value, 0)) {
			return fail("parameter %s: %v is not a non-negative number", q.Code, *q.Value)
		}
		if spec.Price && q.Value != nil && q.Year == 0 {
			return fail("price %s: no price year", q.Code)
		}
		if q.Index != "" && !idx.Has(q.Index) {
			return fail("price %s: unknown index series %q", q.Code, q.Index)
		}
	}
	return &p, nil
}

// PriceIndex holds yearly index levels of named series (data/price-index.csv).
// A series without rows is known by name but has no figures: prices indexed
// with it are not moved, and the run says so.
type PriceIndex struct {
	Source string
	levels map[string]map[int]float64 // series → year → level
}

// Has reports whether the series is declared.
func (x PriceIndex) Has(series string) bool { _, ok := x.levels[series]; return ok }

// Factor returns level(to)/level(from) of the series, and false when either
// year has no level.
func (x PriceIndex) Factor(series string, from, to int) (float64, bool) {
	if from == to {
		return 1, true
	}
	l := x.levels[series]
	a, ok1 := l[from]
	b, ok2 := l[to]
	if !ok1 || !ok2 {
		return 0, false
	}
	return b / a, true
}

//go:embed data/price-index.csv
var priceIndexCSV []byte

var defaultIndex = sync.OnceValues(func() (PriceIndex, error) { return ParsePriceIndex(priceIndexCSV) })

// DefaultPriceIndex returns the embedded price index. It panics if the file
// is malformed, which a test catches.
func DefaultPriceIndex() PriceIndex {
	x, err := defaultIndex()
	if err != nil {
		panic(err)
	}
	return x
}

// ParsePriceIndex reads a price-index file: series,year,change (previous
// year = 100). The first row of a series sets its level to 1; each later row
// must be the next year. The series "construction" is declared even without
// rows, since profiles name it.
func ParsePriceIndex(data []byte) (PriceIndex, error) {
	rows, err := datafile.Read(data)
	if err != nil {
		return PriceIndex{}, fmt.Errorf("gep: price index: %w", err)
	}
	x := PriceIndex{Source: "data/price-index.csv", levels: map[string]map[int]float64{"construction": {}}}
	last := map[string]int{}
	for i, r := range rows {
		s := r["series"]
		y, err1 := strconv.Atoi(r["year"])
		ch, err2 := datafile.NonNegative(r, "change")
		if s == "" || err1 != nil || err2 != nil || ch == 0 {
			return PriceIndex{}, fmt.Errorf("gep: price index row %d: want series, year and a positive change", i+1)
		}
		l := x.levels[s]
		if l == nil {
			l = map[int]float64{}
			x.levels[s] = l
		}
		if len(l) == 0 {
			l[y] = 1
		} else if y != last[s]+1 {
			return PriceIndex{}, fmt.Errorf("gep: price index %s: year %d does not follow %d", s, y, last[s])
		} else {
			l[y] = l[last[s]] * ch / 100
		}
		last[s] = y
	}
	return x, nil
}
