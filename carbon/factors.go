package carbon

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cifp"
)

// CO2PerC is the CO2/C molar-mass ratio 44/12.
const CO2PerC = 44.0 / 12.0

// Fuel holds the default parameters of a fossil fuel (GB/T 32150-2015 Annex B,
// GB/T 32151.x-2024 Table C.1).
type Fuel struct {
	Code          string  `json:"code"`
	NameZH        string  `json:"name_zh"`
	Unit          string  `json:"unit"`           // "t" or "10^4 Nm3"
	NCV           float64 `json:"ncv"`            // GJ per unit (低位发热量)
	CarbonContent float64 `json:"carbon_content"` // tC per GJ (单位热值含碳量)
	Oxidation     float64 `json:"oxidation"`      // fraction (碳氧化率)
	// EFOverride, when not zero, replaces NCV × CC × OF × 44/12 (a measured
	// or guideline factor given directly in tCO2 per unit).
	EFOverride float64 `json:"ef_override,omitempty"`
	// TCE is the standard-coal coefficient in tce per unit when GB/T 2589
	// lists one; zero means NCV / 29.3076.
	TCE        float64 `json:"tce,omitempty"`
	Confidence string  `json:"confidence"`
	Source     string  `json:"source"`
}

// EF returns the emission factor in tCO2 per unit of the fuel.
func (f Fuel) EF() float64 {
	if f.EFOverride != 0 {
		return f.EFOverride
	}
	return f.NCV * f.CarbonContent * f.Oxidation * CO2PerC
}

// GridFactor is an average CO2 emission factor of electricity (电力排放因子).
type GridFactor struct {
	Kind       string  `json:"kind"`   // national, regional, provincial, ets_compliance, …
	Region     string  `json:"region"` // CN, east_china, or a province code such as 330000
	Year       int     `json:"year"`   // data year
	Value      float64 `json:"value"`  // tCO2 per MWh
	Confidence string  `json:"confidence"`
	Source     string  `json:"source"`
}

// Other is a single factor or conversion (heat, standard-coal coefficients).
type Other struct {
	Code       string  `json:"code"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Confidence string  `json:"confidence"`
	Source     string  `json:"source"`
}

// FactorSet is a versioned set of factors. Its ID names the version and the
// hash of its content, so that a stored result can say exactly which factors
// made it.
type FactorSet struct {
	ID        string                        `json:"id"`
	Name      string                        `json:"name"`
	Fuels     map[string]Fuel               `json:"fuels"`
	Grid      []GridFactor                  `json:"grid"`
	Other     map[string]Other              `json:"other"`
	Regions   map[string]string             `json:"regions"` // province code → grid region
	UnitTable map[string]map[string]float64 `json:"-"`       // dimension → unit → factor to the canonical unit

	gridCache sync.Map // gridKey → gridChoice: Electricity's answers, for bulk computing
}

type gridKey struct {
	kind, province string
	year           int
}

type gridChoice struct {
	g   GridFactor
	err error
}

// electricityCached is Electricity, remembered: a factor set does not
// change once built.
func (fs *FactorSet) electricityCached(kind, province string, year int) (GridFactor, error) {
	k := gridKey{kind, province, year}
	if c, ok := fs.gridCache.Load(k); ok {
		c := c.(gridChoice)
		return c.g, c.err
	}
	g, err := fs.Electricity(kind, province, year)
	fs.gridCache.Store(k, gridChoice{g, err})
	return g, err
}

// The default factor set: the reference data, with sources, in data/.
var (
	//go:embed data/fuels.csv
	fuelsCSV []byte
	//go:embed data/grid.csv
	gridCSV []byte
	//go:embed data/other.csv
	otherCSV []byte
	//go:embed data/grid-regions.csv
	regionsCSV []byte
	//go:embed data/units.csv
	unitsCSV []byte
)

// tceCodes maps fuels to their GB/T 2589 standard-coal rows in other.csv.
var tceCodes = map[string]string{"raw_coal": "raw_coal_tce", "diesel": "diesel_tce", "gasoline": "gasoline_tce"}

// DefaultFactors returns the default factor set. It panics if the embedded
// data is malformed, which a test catches.
var DefaultFactors = sync.OnceValue(func() *FactorSet {
	fs, err := NewFactorSet("default", "参考数据默认因子库 (reference data)", fuelsCSV, gridCSV, otherCSV)
	if err != nil {
		panic(err)
	}
	return fs
})

// NewFactorSet builds a factor set from the three reference files' formats.
// The ID is name@ + the first 12 hex digits of the content's SHA-256.
func NewFactorSet(version, name string, fuels, grid, other []byte) (*FactorSet, error) {
	fs := &FactorSet{Name: name, Fuels: map[string]Fuel{}, Other: map[string]Other{}, Regions: map[string]string{}}
	if err := fs.addFuels(fuels); err != nil {
		return nil, fmt.Errorf("fuels: %w", err)
	}
	if err := fs.addGrid(grid); err != nil {
		return nil, fmt.Errorf("grid factors: %w", err)
	}
	if err := fs.addOther(other); err != nil {
		return nil, fmt.Errorf("other factors: %w", err)
	}
	regions, err := readTable(regionsCSV, []string{"province", "region", "name"})
	if err != nil {
		return nil, fmt.Errorf("grid regions: %w", err)
	}
	for _, r := range regions {
		fs.Regions[r.get("province")] = r.get("region")
	}
	if fs.UnitTable, err = parseUnits(unitsCSV); err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	for _, need := range []string{"heat_purchased", "electricity_tce_equivalent", "heat_tce", "tce_gj"} {
		if _, ok := fs.Other[need]; !ok {
			return nil, fmt.Errorf("other factors: %q is missing", need)
		}
	}
	sum := sha256.New()
	for _, b := range [][]byte{fuels, grid, other, regionsCSV, unitsCSV} {
		sum.Write(b)
	}
	fs.ID = version + "@" + hex.EncodeToString(sum.Sum(nil))[:12]
	return fs, nil
}

// Override returns a copy of the set with the factors of a file in one of
// the reference formats (fuels.csv, grid-factors.csv or other-factors.csv,
// told apart by the header) added or replaced. The copy gets a new ID.
func (fs *FactorSet) Override(data []byte) (*FactorSet, error) {
	c := &FactorSet{Name: fs.Name + " + overrides", Fuels: map[string]Fuel{}, Other: map[string]Other{},
		Grid: append([]GridFactor(nil), fs.Grid...), Regions: fs.Regions, UnitTable: fs.UnitTable}
	for k, v := range fs.Fuels {
		c.Fuels[k] = v
	}
	for k, v := range fs.Other {
		c.Other[k] = v
	}
	header := firstRecord(data)
	var err error
	switch {
	case strings.HasPrefix(header, "code,name_zh,unit,ncv"):
		err = c.addFuels(data)
	case strings.HasPrefix(header, "kind,region,data_year"):
		err = c.addGrid(data)
	case strings.HasPrefix(header, "code,value,unit"):
		err = c.addOther(data)
	default:
		return nil, cifp.Errorf(cifp.EINVALID, "factors file: the header %q is not that of fuels.csv (code,name_zh,unit,ncv_gj_per_unit,…), grid-factors.csv (kind,region,data_year,tco2_per_mwh,…) or other-factors.csv (code,value,unit,…)", header)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	c.ID = fs.ID + "+" + hex.EncodeToString(sum[:])[:8]
	return c, nil
}

func (fs *FactorSet) addFuels(data []byte) error {
	rows, err := readTable(data, []string{"code", "name_zh", "unit", "ncv_gj_per_unit", "carbon_content_tc_per_gj", "oxidation", "confidence"})
	if err != nil {
		return err
	}
	for _, r := range rows {
		f := Fuel{Code: r.get("code"), NameZH: r.get("name_zh"), Unit: r.get("unit"), Confidence: r.get("confidence"),
			Source: "GB/T 32150-2015 Annex B; GB/T 32151.x-2024 Table C.1"}
		if n := r.get("note"); n != "" {
			f.Source += "; " + n
		}
		if f.NCV, err = r.float("ncv_gj_per_unit"); err != nil {
			return err
		}
		if f.CarbonContent, err = r.float("carbon_content_tc_per_gj"); err != nil {
			return err
		}
		if f.Oxidation, err = r.float("oxidation"); err != nil {
			return err
		}
		if f.Unit != "t" && f.Unit != "10^4 Nm3" {
			return r.errorf("unit", "unit %q: want t or 10^4 Nm3", f.Unit)
		}
		if f.Oxidation <= 0 || f.Oxidation > 1 {
			return r.errorf("oxidation", "oxidation %v is not a fraction", f.Oxidation)
		}
		fs.Fuels[f.Code] = f
	}
	return nil
}

func (fs *FactorSet) addGrid(data []byte) error {
	rows, err := readTable(data, []string{"kind", "region", "data_year", "tco2_per_mwh", "confidence", "source"})
	if err != nil {
		return err
	}
	for _, r := range rows {
		g := GridFactor{Kind: r.get("kind"), Region: r.get("region"), Confidence: r.get("confidence"), Source: r.get("source")}
		y, err := r.float("data_year")
		if err != nil {
			return err
		}
		g.Year = int(y)
		if g.Value, err = r.float("tco2_per_mwh"); err != nil {
			return err
		}
		replaced := false
		for i, old := range fs.Grid {
			if old.Kind == g.Kind && old.Region == g.Region && old.Year == g.Year {
				fs.Grid[i], replaced = g, true
			}
		}
		if !replaced {
			fs.Grid = append(fs.Grid, g)
		}
	}
	sort.SliceStable(fs.Grid, func(i, j int) bool {
		a, b := fs.Grid[i], fs.Grid[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Year < b.Year
	})
	return nil
}

func (fs *FactorSet) addOther(data []byte) error {
	rows, err := readTable(data, []string{"code", "value", "unit", "confidence", "source"})
	if err != nil {
		return err
	}
	for _, r := range rows {
		o := Other{Code: r.get("code"), Unit: r.get("unit"), Confidence: r.get("confidence"), Source: r.get("source")}
		if o.Value, err = r.float("value"); err != nil {
			return err
		}
		fs.Other[o.Code] = o
	}
	for code, other := range tceCodes {
		if f, ok := fs.Fuels[code]; ok {
			if o, ok := fs.Other[other]; ok {
				f.TCE = o.Value
				fs.Fuels[code] = f
			}
		}
	}
	if f, ok := fs.Fuels["natural_gas"]; ok {
		if o, ok := fs.Other["natural_gas_tce"]; ok {
			f.TCE = o.Value * 10 // kgce per Nm3 → tce per 10^4 Nm3
			fs.Fuels["natural_gas"] = f
		}
	}
	return nil
}

// Electricity kinds (电力排放因子类型).
const (
	KindDefault     = ""               // provincial → regional → national
	KindNational    = "national"       // 全国电网平均
	KindRegional    = "regional"       // 区域电网平均
	KindProvincial  = "provincial"     // 省级电网平均
	KindETS         = "ets_compliance" // 全国碳市场履约用
	KindNationalExM = "national_excl_market_nonfossil"
	KindFossil      = "national_fossil"
)

// GridKinds lists the kinds a user may name.
var GridKinds = []string{KindProvincial, KindRegional, KindNational, KindETS, KindNationalExM, KindFossil}

// Electricity picks the electricity factor for a province (GB/T 2260
// province code, e.g. "330000") and data year. With KindDefault it takes the
// provincial factor of the year, else the regional one, else the national
// one; when none of them is published for the year, it goes back to the
// latest earlier year that has one. A named kind takes that kind only (its
// region being the province, its grid region or CN), for the year or the
// latest earlier one. It returns ENOTFOUND when nothing fits.
func (fs *FactorSet) Electricity(kind, province string, year int) (GridFactor, error) {
	regionOf := func(k string) string {
		switch k {
		case KindProvincial:
			return province
		case KindRegional:
			return fs.Regions[province]
		}
		return "CN"
	}
	kinds := []string{kind}
	if kind == KindDefault {
		kinds = []string{KindProvincial, KindRegional, KindNational}
	} else if !validKind(kind) {
		return GridFactor{}, cifp.Errorf(cifp.EINVALID, "unknown electricity factor kind %q (want one of %s)", kind, strings.Join(GridKinds, ", "))
	}
	// The latest year, not after the data year, in which any of the kinds
	// is published; then the first kind, in order of preference, of that year.
	latest := -1
	for _, k := range kinds {
		for _, g := range fs.Grid {
			if g.Kind == k && g.Region == regionOf(k) && g.Year <= year && g.Year > latest {
				latest = g.Year
			}
		}
	}
	for _, k := range kinds {
		for _, g := range fs.Grid {
			if g.Kind == k && g.Region == regionOf(k) && g.Year == latest {
				return g, nil
			}
		}
	}
	return GridFactor{}, cifp.Errorf(cifp.ENOTFOUND, "no %s electricity factor for province %s in %d or before", kindName(kind), province, year)
}

func validKind(k string) bool {
	for _, x := range GridKinds {
		if x == k {
			return true
		}
	}
	return false
}

func kindName(k string) string {
	if k == KindDefault {
		return "provincial, regional or national"
	}
	return k
}

// table is a parsed CSV with a header; lines starting with # are comments.
type tableRow struct {
	line int
	cols map[string]string
}

func (r tableRow) get(k string) string { return r.cols[k] }

func (r tableRow) float(k string) (float64, error) {
	v, err := strconv.ParseFloat(r.cols[k], 64)
	if err != nil {
		return 0, r.errorf(k, "%s %q is not a number", k, r.cols[k])
	}
	return v, nil
}

func (r tableRow) errorf(col, format string, args ...any) error {
	return &cifp.Error{Code: cifp.EINVALID, Message: fmt.Sprintf("line %d: ", r.line) + fmt.Sprintf(format, args...),
		Fields: []cifp.FieldError{{Row: r.line, Column: col, Field: col, Message: fmt.Sprintf(format, args...)}}}
}

// uncomment drops the # lines, keeping line numbers by leaving them empty.
func uncomment(data []byte) []byte {
	lines := bytes.Split(bytes.TrimPrefix(data, []byte("\ufeff")), []byte("\n"))
	for i, l := range lines {
		if bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			lines[i] = nil
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

func firstRecord(data []byte) string {
	r := csv.NewReader(bytes.NewReader(uncomment(data)))
	rec, err := r.Read()
	if err != nil {
		return ""
	}
	return strings.Join(rec, ",")
}

func readTable(data []byte, required []string) ([]tableRow, error) {
	r := csv.NewReader(bytes.NewReader(uncomment(data)))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, cifp.Errorf(cifp.EINVALID, "no header row")
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	for _, need := range required {
		found := false
		for _, h := range header {
			found = found || h == need
		}
		if !found {
			return nil, cifp.Errorf(cifp.EINVALID, "column %q is missing from the header %q", need, strings.Join(header, ","))
		}
	}
	var rows []tableRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, cifp.Errorf(cifp.EINVALID, "malformed CSV: %v", err)
		}
		line, _ := r.FieldPos(0)
		row := tableRow{line: line, cols: map[string]string{}}
		for i, v := range rec {
			if i < len(header) {
				row.cols[header[i]] = strings.TrimSpace(v)
			}
		}
		rows = append(rows, row)
	}
}

func parseUnits(data []byte) (map[string]map[string]float64, error) {
	rows, err := readTable(data, []string{"dimension", "unit", "factor"})
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]float64{}
	for _, r := range rows {
		f, err := r.float("factor")
		if err != nil {
			return nil, err
		}
		d := r.get("dimension")
		if out[d] == nil {
			out[d] = map[string]float64{}
		}
		out[d][strings.ToLower(r.get("unit"))] = f
	}
	return out, nil
}

// Describe fills in the unit, confidence and source of a factor used, from
// its code, year and value: stored results keep only those three, and the
// factor set they name says the rest.
func (fs *FactorSet) Describe(u UsedFactor) UsedFactor {
	other := func(code, unit string) {
		o := fs.Other[code]
		if unit == "" {
			unit = o.Unit
		}
		u.Unit, u.Confidence, u.Source = unit, o.Confidence, o.Source
	}
	switch {
	case strings.HasPrefix(u.Code, "electricity:"):
		parts := strings.SplitN(u.Code, ":", 3)
		u.Unit = "tCO2/MWh"
		for _, g := range fs.Grid {
			if len(parts) == 3 && g.Kind == parts[1] && g.Region == parts[2] && g.Year == u.Year {
				u.Confidence, u.Source = g.Confidence, g.Source
			}
		}
	case u.Code == "electricity_tce_equivalent":
		other(u.Code, "tce/MWh")
	case u.Code == "heat_purchased":
		other(u.Code, "")
	case u.Code == "heat_tce":
		other(u.Code, "tce/GJ")
	case u.Code == "tce_gj":
		other(u.Code, "GJ/tce")
	case strings.HasSuffix(u.Code, "_tce") && fs.Fuels[strings.TrimSuffix(u.Code, "_tce")].Code != "":
		f := fs.Fuels[strings.TrimSuffix(u.Code, "_tce")]
		u.Unit, u.Confidence, u.Source = "tce/"+f.Unit, "R", "GB/T 2589-2020"
	default:
		if f, ok := fs.Fuels[u.Code]; ok {
			u.Unit, u.Confidence = "tCO2/"+f.Unit, f.Confidence
			u.Source = fmt.Sprintf("%s: NCV %g GJ/%s × CC %g tC/GJ × OF %g × 44/12", f.Source, f.NCV, f.Unit, f.CarbonContent, f.Oxidation)
		}
	}
	return u
}
