package carbon

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"cifp"
	"cifp/internal/sheet"
	"cifp/org"
)

// Period is a month (Month 1–12) or a whole year (Month 0) of activity data.
type Period struct {
	Year  int `json:"year"`
	Month int `json:"month"` // 0: annual figure
}

// String formats the period as YYYY-MM or YYYY.
func (p Period) String() string {
	if p.Month == 0 {
		return strconv.Itoa(p.Year)
	}
	return fmt.Sprintf("%04d-%02d", p.Year, p.Month)
}

// ParsePeriod reads YYYY-MM (also YYYY/MM and YYYYMM) or YYYY.
func ParsePeriod(s string) (Period, bool) {
	s = strings.TrimSpace(s)
	var p Period
	var err error
	switch {
	case len(s) == 4:
		p.Year, err = strconv.Atoi(s)
	case len(s) == 6:
		p.Year, err = strconv.Atoi(s[:4])
		if err == nil {
			p.Month, err = strconv.Atoi(s[4:])
		}
	case len(s) == 7 && (s[4] == '-' || s[4] == '/'):
		p.Year, err = strconv.Atoi(s[:4])
		if err == nil {
			p.Month, err = strconv.Atoi(s[5:])
		}
	default:
		return p, false
	}
	if err != nil || p.Year < 1990 || p.Year > 2999 || p.Month < 0 || p.Month > 12 || (len(s) > 4 && p.Month == 0) {
		return Period{}, false
	}
	return p, true
}

// After reports whether p is later than the month of t (a year: later than t's year).
func (p Period) After(t time.Time) bool {
	if p.Month == 0 {
		return p.Year > t.Year()
	}
	return p.Year > t.Year() || (p.Year == t.Year() && p.Month > int(t.Month()))
}

// Row is one validated activity-data row, quantity in the canonical unit.
type Row struct {
	Line     int     `json:"line"`
	USCC     string  `json:"uscc"`
	Period   Period  `json:"period"`
	Item     string  `json:"item"`
	Quantity float64 `json:"quantity"` // canonical unit of the item
	Input    float64 `json:"input"`    // as given
	Unit     string  `json:"unit"`     // as given
	Quality  Quality `json:"quality"`
}

// activityColumns are the columns of an activity file; a header cell may be
// the key or the Chinese title.
var activityColumns = []struct {
	key, title string
	required   bool
}{
	{"uscc", "统一社会信用代码", true},
	{"period", "期间", true},
	{"item", "项目", true},
	{"quantity", "数量", true},
	{"unit", "单位", true},
	{"quality", "数据质量", false},
}

// ActivityHeader is the header of an activity file, as the template has it.
const ActivityHeader = "uscc,period,item,quantity,unit,quality"

// maxListed bounds the errors listed for one file; the count says how many more.
const maxListed = 1000

// ActivityParser validates activity rows one by one and collects every
// problem with its row and column.
type ActivityParser struct {
	fs    *FactorSet
	now   time.Time
	known func(uscc string) bool
	index map[string]int
	cols  [6]int // position of each of activityColumns, -1 when absent
	seen  map[rowKey]int
	errs  []cifp.FieldError
	nerrs int
	usccs map[string]int32         // USCC → 1-based index when valid and known, -1 when not
	items map[string]uint16        // valid item → 1-based index
	conv  map[[2]string]conversion // (item, unit) → factor, or the error
}

type conversion struct {
	factor float64
	err    error
}

// rowKey identifies an enterprise, period and item by small numbers, so
// that the duplicate check hashes no strings.
type rowKey struct {
	uscc  int32
	year  int16
	month int8
	item  uint16
}

// NewActivityParser checks the header row and returns a parser. known, when
// not nil, tells whether an enterprise exists (an unknown one is an error);
// now bounds the periods (no future period).
func NewActivityParser(fs *FactorSet, header []string, now time.Time, known func(string) bool) (*ActivityParser, error) {
	p := &ActivityParser{fs: fs, now: now, known: known, index: map[string]int{}, seen: map[rowKey]int{}, usccs: map[string]int32{},
		items: map[string]uint16{}, conv: map[[2]string]conversion{}}
	var fe []cifp.FieldError
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			continue
		}
		key := ""
		for _, c := range activityColumns {
			if strings.EqualFold(h, c.key) || h == c.title {
				key = c.key
			}
		}
		if key == "" {
			fe = append(fe, cifp.FieldError{Row: 1, Column: sheet.ColumnName(i), Value: h, Message: "unknown column header (want " + ActivityHeader + ")"})
			continue
		}
		if _, dup := p.index[key]; dup {
			fe = append(fe, cifp.FieldError{Row: 1, Column: sheet.ColumnName(i), Value: h, Message: "duplicate column"})
			continue
		}
		p.index[key] = i
	}
	for _, c := range activityColumns {
		if _, ok := p.index[c.key]; !ok && c.required {
			fe = append(fe, cifp.FieldError{Row: 1, Field: c.key, Message: fmt.Sprintf("required column %q is missing (the header is %s)", c.key, ActivityHeader)})
		}
	}
	if len(fe) > 0 {
		return nil, &cifp.Error{Code: cifp.EINVALID, Message: "the header row of the activity file is wrong", Fields: fe}
	}
	for i, c := range activityColumns {
		p.cols[i] = -1
		if at, ok := p.index[c.key]; ok {
			p.cols[i] = at
		}
	}
	return p, nil
}

func (p *ActivityParser) fail(line int, key, value, msg string) {
	p.nerrs++
	if len(p.errs) < maxListed {
		p.errs = append(p.errs, cifp.FieldError{Row: line, Column: sheet.ColumnName(p.index[key]), Field: key, Value: value, Message: msg})
	}
}

// Parse validates one data row (line is its 1-based line in the file). It
// returns the row and true when it is valid; otherwise it records every
// problem and returns false. Blank rows are skipped (false, no error).
func (p *ActivityParser) Parse(line int, rec []string) (Row, bool) {
	cell := func(key string) string {
		var at int
		switch key {
		case "uscc":
			at = p.cols[0]
		case "period":
			at = p.cols[1]
		case "item":
			at = p.cols[2]
		case "quantity":
			at = p.cols[3]
		case "unit":
			at = p.cols[4]
		case "quality":
			at = p.cols[5]
		}
		if at >= 0 && at < len(rec) {
			return strings.TrimSpace(rec[at])
		}
		return ""
	}
	blank := true
	for _, v := range rec {
		blank = blank && strings.TrimSpace(v) == ""
	}
	if blank {
		return Row{}, false
	}
	before := p.nerrs
	r := Row{Line: line, USCC: org.NormalizeUSCC(cell("uscc")), Item: strings.ToLower(cell("item")), Unit: cell("unit"), Quality: Reported}
	uidx, seenUSCC := p.usccs[r.USCC]
	if seenUSCC {
		if uidx < 0 {
			p.fail(line, "uscc", r.USCC, "is not a valid unified social credit code or not a registered enterprise")
		}
	} else {
		ok := true
		if err := org.ValidateUSCC(r.USCC); err != nil {
			msg := "is required"
			if r.USCC != "" {
				msg = cifp.ErrorFields(err)[0].Message
			}
			p.fail(line, "uscc", r.USCC, msg)
			ok = false
		} else if p.known != nil && !p.known(r.USCC) {
			p.fail(line, "uscc", r.USCC, "is not a registered enterprise")
			ok = false
		}
		uidx = -1
		if ok {
			uidx = int32(len(p.usccs) + 1)
		}
		p.usccs[r.USCC] = uidx
	}
	var ok bool
	if r.Period, ok = ParsePeriod(cell("period")); !ok {
		p.fail(line, "period", cell("period"), "must be YYYY-MM or YYYY")
	} else if r.Period.After(p.now) {
		p.fail(line, "period", cell("period"), "is in the future")
	}
	iidx, itemOK := p.items[r.Item]
	if !itemOK {
		if _, _, itemOK = p.fs.ItemUnit(r.Item); itemOK {
			iidx = uint16(len(p.items) + 1)
			p.items[r.Item] = iidx
		}
	}
	if !itemOK {
		p.fail(line, "item", cell("item"), "is not a known item (a fuel code of the factor library, or electricity, heat, self_renewable_electricity, exported_electricity, exported_heat, value_added, output_value)")
	}
	q, err := strconv.ParseFloat(strings.ReplaceAll(cell("quantity"), ",", ""), 64)
	switch {
	case err != nil || math.IsNaN(q) || math.IsInf(q, 0):
		p.fail(line, "quantity", cell("quantity"), "is not a number")
	case q < 0:
		p.fail(line, "quantity", cell("quantity"), "must not be negative")
	default:
		r.Input = q
		if itemOK {
			c, ok := p.conv[[2]string{r.Item, r.Unit}]
			if !ok {
				c.factor, c.err = p.fs.Convert(r.Item, 1, r.Unit)
				p.conv[[2]string{r.Item, r.Unit}] = c
			}
			if r.Quantity, err = q*c.factor, c.err; err != nil {
				p.fail(line, "unit", r.Unit, cifp.ErrorFields(err)[0].Message)
			}
		}
	}
	if qs := cell("quality"); qs != "" {
		r.Quality = Quality(strings.ToLower(qs))
		if !r.Quality.Valid() {
			p.fail(line, "quality", qs, "must be metered, reported or estimated")
		}
	}
	if p.nerrs > before {
		return Row{}, false
	}
	k := rowKey{uidx, int16(r.Period.Year), int8(r.Period.Month), iidx}
	if first, dup := p.seen[k]; dup {
		p.fail(line, "item", r.Item, fmt.Sprintf("duplicates row %d (same enterprise, period and item)", first))
		return Row{}, false
	}
	p.seen[k] = line
	return r, true
}

// Err returns the problems found so far as one EINVALID error, or nil.
func (p *ActivityParser) Err() error {
	if p.nerrs == 0 {
		return nil
	}
	msg := cifp.Problems(p.nerrs) + " in the activity file; nothing was imported"
	if p.nerrs > len(p.errs) {
		msg += fmt.Sprintf(" (the first %d are listed)", len(p.errs))
	}
	return &cifp.Error{Code: cifp.EINVALID, Message: msg, Fields: p.errs}
}

// ParseActivity reads a whole activity file ("csv" or "xlsx") and returns its
// rows, or an EINVALID error listing every bad row and column.
func ParseActivity(r io.Reader, format string, fs *FactorSet, now time.Time, known func(string) bool) ([]Row, error) {
	var p *ActivityParser
	var rows []Row
	err := sheet.Each(r, format, func(line int, rec []string) error {
		if line == 1 {
			var err error
			p, err = NewActivityParser(fs, rec, now, known)
			return err
		}
		if row, ok := p.Parse(line, rec); ok {
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, cifp.Errorf(cifp.EINVALID, "the activity file is empty: the first row must be the header %s", ActivityHeader)
	}
	return rows, p.Err()
}

// Enterprise is what the calculator knows of an enterprise.
type Enterprise struct {
	USCC     string `json:"uscc"`
	Name     string `json:"name"`
	Industry string `json:"industry"` // GB/T 4754 code: the peer group for the grade
	County   string `json:"county"`   // GB/T 2260 code: selects the provincial electricity factor
}

// Province returns the GB/T 2260 province code of the enterprise: from its
// county, or else from the registering authority's division in its USCC
// (positions 3–8), or "" when neither tells.
func (e Enterprise) Province() string {
	if len(e.County) == 6 {
		return e.County[:2] + "0000"
	}
	if len(e.USCC) == 18 {
		if p := e.USCC[2:4]; p >= "11" && p <= "65" {
			return p + "0000"
		}
	}
	return ""
}

// ParseEnterprises reads an enterprises file (header uscc,name,industry,county).
func ParseEnterprises(r io.Reader, format string) (map[string]Enterprise, error) {
	records, err := sheet.Read(r, format, 1_000_001)
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, cifp.Errorf(cifp.EINVALID, "the enterprises file is empty: the first row must be the header uscc,name,industry,county")
	}
	idx := map[string]int{}
	for i, h := range records[0] {
		idx[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var fe []cifp.FieldError
	if _, ok := idx["uscc"]; !ok {
		fe = append(fe, cifp.FieldError{Row: 1, Field: "uscc", Message: "required column uscc is missing (the header is uscc,name,industry,county)"})
		return nil, &cifp.Error{Code: cifp.EINVALID, Message: "the header row of the enterprises file is wrong", Fields: fe}
	}
	out := map[string]Enterprise{}
	for n, rec := range records[1:] {
		line := n + 2
		cell := func(k string) string {
			if i, ok := idx[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e := Enterprise{USCC: org.NormalizeUSCC(cell("uscc")), Name: cell("name"), Industry: strings.ToUpper(cell("industry")), County: cell("county")}
		if e.USCC == "" && e.Name == "" {
			continue
		}
		col := func(k string) string { return sheet.ColumnName(idx[k]) }
		if err := org.ValidateUSCC(e.USCC); err != nil {
			fe = append(fe, cifp.FieldError{Row: line, Column: col("uscc"), Field: "uscc", Value: e.USCC, Message: cifp.ErrorFields(err)[0].Message})
		}
		if e.Industry != "" {
			if err := org.ValidateIndustry(e.Industry); err != nil {
				fe = append(fe, cifp.FieldError{Row: line, Column: col("industry"), Field: "industry", Value: e.Industry, Message: "is not a GB/T 4754-2017 code"})
			}
		}
		if e.County != "" {
			if err := org.ValidateDivision(e.County); err != nil {
				fe = append(fe, cifp.FieldError{Row: line, Column: col("county"), Field: "county", Value: e.County, Message: "is not a known GB/T 2260 code"})
			}
		}
		if _, dup := out[e.USCC]; dup {
			fe = append(fe, cifp.FieldError{Row: line, Column: col("uscc"), Field: "uscc", Value: e.USCC, Message: "appears twice"})
		}
		out[e.USCC] = e
	}
	if len(fe) > 0 {
		return nil, &cifp.Error{Code: cifp.EINVALID, Message: cifp.Problems(len(fe)) + " in the enterprises file", Fields: fe}
	}
	return out, nil
}

// YearResult is an enterprise's account for a year, with its grade.
type YearResult struct {
	Enterprise
	Year int `json:"year"`
	Account
	Benchmark float64 `json:"benchmark_t_per_wan"` // L_industry, 0 without a grade
	K         float64 `json:"k"`
	Grade     int     `json:"grade"` // 1–5, 0 without a grade
}

// Calculate computes every enterprise's account for every year in rows and
// grades them against their industries: the whole calculation of the
// platform, as a pure function. Enterprises not in ents are taken with no
// industry (no grade) and the province of their USCC. The results are sorted
// by USCC and year.
func Calculate(fs *FactorSet, rows []Row, ents map[string]Enterprise, gridKind string) ([]YearResult, error) {
	type key struct {
		uscc string
		year int
	}
	groups := map[key][]Activity{}
	for _, r := range rows {
		k := key{r.USCC, r.Period.Year}
		groups[k] = append(groups[k], Activity{Item: r.Item, Quantity: r.Quantity, Quality: r.Quality})
	}
	out := make([]YearResult, 0, len(groups))
	for k, acts := range groups {
		e, ok := ents[k.uscc]
		if !ok {
			e = Enterprise{USCC: k.uscc}
		}
		a, err := Compute(fs, Inputs{Province: e.Province(), Year: k.year, GridKind: gridKind, Activities: acts})
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", k.uscc, k.year, err)
		}
		out = append(out, YearResult{Enterprise: e, Year: k.year, Account: a})
	}
	GradeAll(out)
	sort.Slice(out, func(i, j int) bool {
		if out[i].USCC != out[j].USCC {
			return out[i].USCC < out[j].USCC
		}
		return out[i].Year < out[j].Year
	})
	return out, nil
}

// GradeAll sets the benchmark, K and grade of every result from the
// industry benchmarks of its year, computed over the results themselves.
func GradeAll(rs []YearResult) {
	peers := map[int][]Peer{}
	for _, r := range rs {
		peers[r.Year] = append(peers[r.Year], Peer{Industry: r.Industry, Emissions: r.Emissions, ValueAdded: r.ValueAdded})
	}
	bench := map[int]map[string]Benchmark{}
	for y, ps := range peers {
		bench[y] = Benchmarks(ps)
	}
	for i := range rs {
		b, ok := bench[rs[i].Year][rs[i].Industry]
		if k, g, ok := Grade(rs[i].Account, b, ok); ok {
			rs[i].Benchmark, rs[i].K, rs[i].Grade = b.Intensity, k, g
		}
	}
}

// ResultColumns are the calculator's output columns, in order.
var ResultColumns = []string{"uscc", "year", "scope1_tco2", "scope2_tco2", "total_tco2", "energy_tce",
	"value_added_wan", "intensity_t_per_wan", "level", "grade"}

// round6 rounds to 6 decimal places, the precision of the calculator's output.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// Record returns the result's output fields, keyed by ResultColumns; the
// intensity, level and grade are nil when there are none.
func (r YearResult) Record() map[string]any {
	m := map[string]any{
		"uscc": r.USCC, "year": r.Year, "scope1_tco2": round6(r.Scope1), "scope2_tco2": round6(r.Scope2),
		"total_tco2": round6(r.Total), "energy_tce": round6(r.EnergyTCE), "value_added_wan": round6(r.ValueAdded),
		"intensity_t_per_wan": nil, "level": nil, "grade": nil,
	}
	if r.HasIntensity {
		m["intensity_t_per_wan"] = round6(r.Intensity)
		m["level"] = string(r.Level)
	}
	if r.Grade > 0 {
		m["grade"] = r.Grade
	}
	return m
}

// WriteResults writes results as "csv" (header ResultColumns, empty cells for
// nil) or "json" (an array of objects with exactly those keys).
func WriteResults(w io.Writer, format string, rs []YearResult) error {
	switch format {
	case "json":
		recs := make([]orderedRecord, len(rs))
		for i, r := range rs {
			recs[i] = orderedRecord(r.Record())
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(ResultColumns)
		for _, r := range rs {
			m := r.Record()
			rec := make([]string, len(ResultColumns))
			for i, c := range ResultColumns {
				switch v := m[c].(type) {
				case nil:
				case float64:
					rec[i] = strconv.FormatFloat(v, 'f', -1, 64)
				default:
					rec[i] = fmt.Sprint(v)
				}
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	}
	return cifp.Errorf(cifp.EINVALID, "unknown output format %q: use json or csv", format)
}

// orderedRecord marshals a record with its keys in ResultColumns order.
type orderedRecord map[string]any

func (o orderedRecord) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range ResultColumns {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		v, err := json.Marshal(o[c])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
